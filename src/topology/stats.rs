//! Graph statistics for `floodsim graph --stats`.

use super::{NodeId, Overlay};
use crate::rng::{Sample, SimRng};
use rayon::prelude::*;
use serde::Serialize;

/// Everything `floodsim graph --stats` reports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GraphStats {
    /// Nodes.
    pub nodes: u32,
    /// Undirected edges.
    pub edges: u64,
    /// Ultrapeers of a two-tier overlay (nodes `0..ultrapeers`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ultrapeers: Option<u32>,
    /// Degree summary.
    pub degree: DegreeStats,
    /// `[degree, nodes]` for every degree that occurs, ascending.
    pub degree_histogram: Vec<[u64; 2]>,
    /// Connected components.
    pub components: u32,
    /// Nodes in the largest component.
    pub largest_component: u32,
    /// Mean over all nodes of the local clustering coefficient (0 for degree < 2).
    pub average_clustering: f64,
    /// Shortest paths estimated by BFS from sampled sources in the largest component.
    pub paths: PathEstimate,
    /// Maximum-likelihood power-law fit of the degree tail, for heavy-tailed degrees
    /// (largest degree at least 5 × the mean); absent otherwise.
    pub power_law: Option<PowerLawFit>,
}

/// Minimum, mean, maximum and (population) standard deviation of the degrees.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DegreeStats {
    /// Smallest degree.
    pub min: u32,
    /// Mean degree 2E/N.
    pub mean: f64,
    /// Largest degree.
    pub max: u32,
    /// Standard deviation.
    pub std: f64,
}

/// Shortest-path figures from BFS out of `sources` random nodes of the largest component.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PathEstimate {
    /// BFS sources used.
    pub sources: u32,
    /// Mean hop distance from the sources to every other node of the component.
    pub mean_shortest_path: f64,
    /// Largest distance seen: a lower bound on the diameter (exact when every node is a source).
    pub diameter_lower_bound: u32,
}

/// A discrete power-law fit P(k) ∝ k^−α for k ≥ k_min (Clauset, Shalizi & Newman 2009:
/// the approximate MLE α = 1 + n·[Σ ln(k_i / (k_min − ½))]⁻¹, with k_min minimising the
/// Kolmogorov–Smirnov distance between the tail and the fit).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PowerLawFit {
    /// Fitted exponent α.
    pub exponent: f64,
    /// Smallest degree of the fitted tail.
    pub k_min: u32,
    /// Nodes in the tail.
    pub tail_nodes: u64,
    /// KS distance between the tail's and the fit's complementary CDFs.
    pub ks_distance: f64,
}

/// Computes every statistic; `sources` BFS sources are drawn from `rng`.
pub fn stats(g: &Overlay, sources: u32, rng: &mut SimRng) -> GraphStats {
    let n = g.node_count();
    let degrees: Vec<u32> = (0..n).map(|v| g.degree(v)).collect();
    let mean = g.mean_degree();
    let var = degrees
        .iter()
        .map(|&d| (f64::from(d) - mean).powi(2))
        .sum::<f64>()
        / f64::from(n.max(1));
    let max = degrees.iter().copied().max().unwrap_or(0);
    let mut counts = vec![0u64; max as usize + 1];
    for &d in &degrees {
        counts[d as usize] += 1;
    }
    let histogram: Vec<[u64; 2]> = counts
        .iter()
        .enumerate()
        .filter(|&(_, &c)| c > 0)
        .map(|(d, &c)| [d as u64, c])
        .collect();
    let components = g.components();
    GraphStats {
        nodes: n,
        edges: g.edge_count(),
        ultrapeers: g.ultrapeers(),
        degree: DegreeStats {
            min: degrees.iter().copied().min().unwrap_or(0),
            mean,
            max,
            std: var.sqrt(),
        },
        power_law: (f64::from(max) >= 5.0 * mean)
            .then(|| fit_power_law(&histogram))
            .flatten(),
        degree_histogram: histogram,
        components: components.count,
        largest_component: components.largest,
        average_clustering: average_clustering(g),
        paths: path_estimate(g, sources, rng),
    }
}

/// Mean local clustering: for each node, the share of its neighbour pairs that are linked.
pub fn average_clustering(g: &Overlay) -> f64 {
    let n = g.node_count();
    if n == 0 {
        return 0.0;
    }
    let total: f64 = (0..n)
        .into_par_iter()
        .map_init(
            || vec![false; n as usize],
            |mark, v| {
                let nb = g.neighbours(v);
                let d = nb.len() as u64;
                if d < 2 {
                    return 0.0;
                }
                for &w in nb {
                    mark[w as usize] = true;
                }
                let links: u64 = nb
                    .iter()
                    .map(|&w| {
                        g.neighbours(w)
                            .iter()
                            .filter(|&&x| mark[x as usize])
                            .count() as u64
                    })
                    .sum();
                for &w in nb {
                    mark[w as usize] = false;
                }
                // Each link among neighbours is seen from both ends.
                (links as f64 / 2.0) / (d * (d - 1) / 2) as f64
            },
        )
        .collect::<Vec<f64>>()
        .iter()
        .sum();
    total / f64::from(n)
}

/// BFS from `sources` distinct random nodes of the largest component (all of them if fewer).
pub fn path_estimate(g: &Overlay, sources: u32, rng: &mut SimRng) -> PathEstimate {
    let big = g.largest_component_nodes();
    let k = sources.min(big.len() as u32);
    let chosen: Vec<NodeId> = if k as usize == big.len() {
        big.clone()
    } else {
        rng.distinct(k, big.len() as u32)
            .into_iter()
            .map(|i| big[i as usize])
            .collect()
    };
    let per_source: Vec<(u64, u64, u32)> = chosen.par_iter().map(|&s| bfs_sums(g, s)).collect();
    let (sum, pairs) = per_source
        .iter()
        .fold((0u64, 0u64), |a, p| (a.0 + p.0, a.1 + p.1));
    PathEstimate {
        sources: k,
        mean_shortest_path: if pairs == 0 {
            0.0
        } else {
            sum as f64 / pairs as f64
        },
        diameter_lower_bound: per_source.iter().map(|p| p.2).max().unwrap_or(0),
    }
}

/// (sum of distances, nodes reached other than the source, eccentricity) of one BFS.
fn bfs_sums(g: &Overlay, source: NodeId) -> (u64, u64, u32) {
    let mut dist = vec![u32::MAX; g.node_count() as usize];
    let mut queue = vec![source];
    dist[source as usize] = 0;
    let mut head = 0;
    let (mut sum, mut ecc) = (0u64, 0u32);
    while head < queue.len() {
        let v = queue[head];
        head += 1;
        let d = dist[v as usize];
        sum += u64::from(d);
        ecc = ecc.max(d);
        for &w in g.neighbours(v) {
            if dist[w as usize] == u32::MAX {
                dist[w as usize] = d + 1;
                queue.push(w);
            }
        }
    }
    (sum, queue.len() as u64 - 1, ecc)
}

/// Fits the tail of a degree histogram (`[degree, count]`, ascending); `None` if no candidate
/// k_min leaves at least 50 nodes with degree ≥ 1 in the tail.
pub fn fit_power_law(histogram: &[[u64; 2]]) -> Option<PowerLawFit> {
    let positive: Vec<(f64, u64)> = histogram
        .iter()
        .filter(|h| h[0] >= 1)
        .map(|h| (h[0] as f64, h[1]))
        .collect();
    let mut best: Option<PowerLawFit> = None;
    for start in 0..positive.len() {
        let tail = &positive[start..];
        let n: u64 = tail.iter().map(|t| t.1).sum();
        if n < 50 {
            break;
        }
        let k_min = tail[0].0;
        let log_sum: f64 = tail
            .iter()
            .map(|&(k, c)| c as f64 * (k / (k_min - 0.5)).ln())
            .sum();
        if log_sum <= 0.0 {
            continue;
        }
        let alpha = 1.0 + n as f64 / log_sum;
        // KS distance between empirical and fitted P(K >= k) over the tail's degrees.
        let mut above = n;
        let mut ks: f64 = 0.0;
        for &(k, c) in tail {
            let empirical = above as f64 / n as f64;
            let fitted = ((k - 0.5) / (k_min - 0.5)).powf(1.0 - alpha);
            ks = ks.max((empirical - fitted).abs());
            above -= c;
        }
        if best.as_ref().is_none_or(|b| ks < b.ks_distance) {
            best = Some(PowerLawFit {
                exponent: alpha,
                k_min: k_min as u32,
                tail_nodes: n,
                ks_distance: ks,
            });
        }
    }
    best
}

impl Overlay {
    /// The nodes of the largest connected component, ascending.
    pub fn largest_component_nodes(&self) -> Vec<NodeId> {
        let (component, largest) = self.component_ids();
        (0..self.node_count())
            .filter(|&v| component[v as usize] == largest)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamKind, stream};
    use crate::topology::{barabasi_albert, grid, power_law, random_regular, watts_strogatz};

    fn rng() -> SimRng {
        stream(1, 0, StreamKind::Analysis, 0)
    }

    #[test]
    fn exact_values_on_small_graphs() {
        // A triangle with a pendant: clustering (1 + 1 + 1/3 + 0) / 4.
        let g = Overlay::from_edges(4, &[(0, 1), (1, 2), (2, 0), (2, 3)]);
        assert!((average_clustering(&g) - (7.0 / 3.0) / 4.0).abs() < 1e-12);
        // A 10 × 10 grid from all sources: diameter 18; the mean L1 distance over all ordered
        // pairs is 2(w²−1)/(3w) = 6.6, so over distinct pairs it is 6.6·N/(N−1).
        let p = path_estimate(&grid(10, 10, false), 1000, &mut rng());
        assert_eq!((p.sources, p.diameter_lower_bound), (100, 18));
        assert!(
            (p.mean_shortest_path - 6.6 * 100.0 / 99.0).abs() < 1e-9,
            "{}",
            p.mean_shortest_path
        );
        let s = stats(&grid(10, 10, true), 10, &mut rng());
        assert_eq!((s.degree.min, s.degree.max, s.degree.std), (4, 4, 0.0));
        assert_eq!(s.degree_histogram, vec![[4, 100]]);
        assert!(s.power_law.is_none());
    }

    #[test]
    fn watts_strogatz_clustering_follows_barrat_weigt() {
        // C(p) ≈ 3(k−2)/(4(k−1))·(1−p)³ (Barrat & Weigt 2000), an approximation good to a few %.
        for p in [0.0, 0.05, 0.2] {
            let g = watts_strogatz(20_000, 10, p, &mut stream(3, 0, StreamKind::Topology, 0));
            let c = average_clustering(&g);
            let theory = 3.0 * 8.0 / (4.0 * 9.0) * (1.0f64 - p).powi(3);
            assert!(
                (c - theory).abs() < 0.03 * theory + 0.002,
                "p = {p}: C = {c}, theory {theory}"
            );
        }
    }

    #[test]
    fn random_regular_has_vanishing_clustering_and_log_paths() {
        let g = random_regular(20_000, 8, &mut stream(4, 0, StreamKind::Topology, 0));
        // Expected clustering of a random d-regular graph ~ (d−1)²/N ≈ 0.0025.
        assert!(average_clustering(&g) < 0.006);
        let p = path_estimate(&g, 32, &mut rng());
        // ln N / ln(d−1) ≈ 5.09; the mean distance is close to it.
        assert!(
            (p.mean_shortest_path - 5.09).abs() < 0.5,
            "{}",
            p.mean_shortest_path
        );
    }

    #[test]
    fn power_law_fits_recover_the_exponent() {
        for gamma in [2.2, 2.6] {
            let g = power_law(
                200_000,
                gamma,
                5.0,
                2_000,
                &mut stream(5, 0, StreamKind::Topology, 0),
            );
            let s = stats(&g, 4, &mut rng());
            let fit = s.power_law.expect("heavy-tailed");
            assert!(
                (fit.exponent - gamma).abs() < 0.15,
                "γ {gamma}: fitted {:?}",
                fit
            );
        }
        // Barabási–Albert degrees have exponent 3.
        let g = barabasi_albert(200_000, 3, &mut stream(6, 0, StreamKind::Topology, 0));
        let fit = stats(&g, 4, &mut rng()).power_law.expect("heavy-tailed");
        assert!((fit.exponent - 3.0).abs() < 0.25, "BA fitted {:?}", fit);
    }
}
