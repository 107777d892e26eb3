//! Erdős–Rényi G(n, p) random graphs.

use super::{NodeId, Overlay};
use crate::rng::{Sample, SimRng};

/// G(n, p) with p = `mean_degree / (nodes - 1)`, in O(n + m) time by geometric skipping over
/// the candidate pairs (Batagelj & Brandes, Phys. Rev. E 71, 2005).
pub fn erdos_renyi(nodes: u32, mean_degree: f64, rng: &mut SimRng) -> Overlay {
    let p = (mean_degree / f64::from(nodes.max(2) - 1)).clamp(0.0, 1.0);
    let mut edges: Vec<(NodeId, NodeId)> =
        Vec::with_capacity((mean_degree * f64::from(nodes) / 2.0 * 1.01) as usize + 16);
    if p >= 1.0 {
        for v in 1..nodes {
            edges.extend((0..v).map(|w| (v, w)));
        }
    } else if p > 0.0 {
        let log_q = libm::log1p(-p);
        let (mut v, mut w) = (1u64, -1i64);
        let n = u64::from(nodes);
        while v < n {
            let skip = (libm::log(rng.unit_open0()) / log_q).floor();
            if skip >= (n * n) as f64 {
                break;
            }
            w += 1 + skip as i64;
            while w >= v as i64 && v < n {
                w -= v as i64;
                v += 1;
            }
            if v < n {
                edges.push((v as NodeId, w as NodeId));
            }
        }
    }
    Overlay::from_edges(nodes, &edges)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamKind, stream};

    #[test]
    fn mean_degree_and_poisson_variance() {
        let (n, k) = (20_000u32, 6.0);
        let g = erdos_renyi(n, k, &mut stream(2, 0, StreamKind::Topology, 0));
        let mean = g.mean_degree();
        // E ~ Binomial(n(n-1)/2, p): sd of the mean degree = 2*sqrt(E)/n ~ 0.012; allow 5 sd.
        assert!((mean - k).abs() < 0.06, "mean degree {mean}");
        let var = (0..n)
            .map(|v| (f64::from(g.degree(v)) - mean).powi(2))
            .sum::<f64>()
            / f64::from(n);
        // Binomial variance (n-1)p(1-p) ~ 5.9997; the sample variance's sd ~ 0.07; allow 0.3.
        assert!(
            (var - k * (1.0 - k / f64::from(n - 1))).abs() < 0.3,
            "var {var}"
        );
    }

    #[test]
    fn extremes() {
        let full = erdos_renyi(30, 29.0, &mut stream(1, 0, StreamKind::Topology, 0));
        assert_eq!(full.edge_count(), 30 * 29 / 2);
        let sparse = erdos_renyi(1000, 1e-9, &mut stream(1, 0, StreamKind::Topology, 0));
        assert_eq!(sparse.edge_count(), 0);
    }
}
