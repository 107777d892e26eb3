//! Power-law random graphs by the configuration model.

use super::Overlay;
use crate::rng::{Sample, SimRng};

/// A configuration-model graph whose degree sequence follows a power law with the given
/// exponent γ: each degree is ⌊x⌋ for x drawn from the continuous density ∝ x^−γ on
/// [x_min, max_degree + 1), where x_min is solved (bisection on the exact expectation) so
/// that the expected degree equals `mean_degree`. If the degree sum is odd, one random node
/// gets one more end. The edge ends are shuffled and paired; self-loops and multi-edges are
/// then erased, so the realised mean degree is somewhat below `mean_degree` (by a few percent
/// for γ ≈ 2–3; `summary.json` and `floodsim graph --stats` report the realised value).
/// Callers validate γ > 1, [`smallest_mean_degree`] <= mean_degree < max_degree < nodes.
pub fn power_law(
    nodes: u32,
    exponent: f64,
    mean_degree: f64,
    max_degree: u32,
    rng: &mut SimRng,
) -> Overlay {
    let x_min = solve_x_min(exponent, mean_degree, max_degree);
    let hi = f64::from(max_degree) + 1.0;
    let mut degrees: Vec<u32> = (0..nodes)
        .map(|_| (sample_power(exponent, x_min, hi, rng.unit()) as u32).clamp(1, max_degree))
        .collect();
    if degrees.iter().map(|&d| u64::from(d)).sum::<u64>() % 2 == 1 {
        let v = rng.index(nodes) as usize;
        degrees[v] += 1;
    }
    let mut ends: Vec<u32> = degrees
        .iter()
        .enumerate()
        .flat_map(|(v, &d)| std::iter::repeat_n(v as u32, d as usize))
        .collect();
    rng.shuffle(&mut ends);
    let edges: Vec<(u32, u32)> = ends.chunks_exact(2).map(|p| (p[0], p[1])).collect();
    Overlay::from_edges(nodes, &edges)
}

/// Inverse-CDF sample of the density ∝ x^−γ on [lo, hi) from a uniform `u`.
fn sample_power(gamma: f64, lo: f64, hi: f64, u: f64) -> f64 {
    let a = 1.0 - gamma;
    let (l, h) = (libm::pow(lo, a), libm::pow(hi, a));
    libm::pow(l + u * (h - l), 1.0 / a)
}

/// E[⌊X⌋] for X with density ∝ x^−γ on [lo, hi): Σ_k k·P(k ≤ X < k + 1).
fn expected_floor(gamma: f64, lo: f64, hi: f64) -> f64 {
    let a = 1.0 - gamma;
    let cdf = |x: f64| (libm::pow(x, a) - libm::pow(lo, a)) / (libm::pow(hi, a) - libm::pow(lo, a));
    let mut total = 0.0;
    let mut k = lo.floor();
    while k < hi {
        let (from, to) = (k.max(lo), (k + 1.0).min(hi));
        total += k * (cdf(to) - cdf(from));
        k += 1.0;
    }
    total
}

/// The smallest mean degree a power law with this exponent and largest degree can have
/// (all mass from degree 1 up): requests below it cannot be met.
pub fn smallest_mean_degree(exponent: f64, max_degree: u32) -> f64 {
    expected_floor(exponent, 1.0, f64::from(max_degree) + 1.0)
}

fn solve_x_min(gamma: f64, mean: f64, max_degree: u32) -> f64 {
    let hi = f64::from(max_degree) + 1.0;
    let (mut a, mut b) = (1.0, f64::from(max_degree));
    for _ in 0..100 {
        let mid = 0.5 * (a + b);
        if expected_floor(gamma, mid, hi) < mean {
            a = mid;
        } else {
            b = mid;
        }
    }
    0.5 * (a + b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamKind, stream};

    #[test]
    fn degree_sequence_hits_the_requested_mean_before_erasure() {
        for (gamma, mean, max) in [(2.1, 6.0, 1000u32), (2.5, 6.0, 200), (3.0, 3.0, 50)] {
            assert!(smallest_mean_degree(gamma, max) < mean);
            let x_min = solve_x_min(gamma, mean, max);
            assert!((expected_floor(gamma, x_min, f64::from(max) + 1.0) - mean).abs() < 1e-6);
        }
        let g = power_law(
            100_000,
            2.5,
            6.0,
            300,
            &mut stream(1, 0, StreamKind::Topology, 0),
        );
        let realised = g.mean_degree();
        assert!(
            realised < 6.0 && realised > 5.5,
            "mean degree after erasure {realised}"
        );
    }
}
