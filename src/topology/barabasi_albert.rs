//! Barabási–Albert preferential attachment.

use super::{NodeId, Overlay};
use crate::rng::{Sample, SimRng};

/// Linear preferential attachment: start from a star on `m + 1` nodes (node 0 in the centre,
/// as networkx does); every later node links to `m` distinct earlier nodes, each chosen with
/// probability proportional to its degree (uniformly from a list holding every node once per
/// edge end). The graph has m·(n − m) edges; for large n the degree distribution approaches
/// P(k) = 2m(m+1) / (k(k+1)(k+2)) for k ≥ m. Callers validate `1 <= m < nodes`.
pub fn barabasi_albert(nodes: u32, m: u32, rng: &mut SimRng) -> Overlay {
    assert!(m >= 1 && m < nodes);
    let edge_count = u64::from(m) * u64::from(nodes - m);
    let mut edges: Vec<(NodeId, NodeId)> = Vec::with_capacity(edge_count as usize);
    let mut ends: Vec<NodeId> = Vec::with_capacity(2 * edge_count as usize);
    for leaf in 1..=m {
        edges.push((0, leaf));
        ends.extend([0, leaf]);
    }
    let mut targets: Vec<NodeId> = Vec::with_capacity(m as usize);
    for source in m + 1..nodes {
        targets.clear();
        while targets.len() < m as usize {
            let t = ends[rng.below(ends.len() as u64) as usize];
            if !targets.contains(&t) {
                targets.push(t);
            }
        }
        for &t in &targets {
            edges.push((source, t));
            ends.extend([source, t]);
        }
    }
    Overlay::from_edges(nodes, &edges)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamKind, stream};

    #[test]
    fn degree_distribution_follows_the_ba_law() {
        let (n, m) = (200_000u32, 3u32);
        let g = barabasi_albert(n, m, &mut stream(1, 0, StreamKind::Topology, 0));
        assert_eq!(g.edge_count(), u64::from(m) * u64::from(n - m));
        let mut counts = vec![0u32; 64];
        let mut max = 0;
        for v in 0..n {
            let d = g.degree(v);
            assert!(
                d >= m.min(if v == 0 { m } else { 1 }),
                "node {v} has degree {d}"
            );
            max = max.max(d);
            if (d as usize) < counts.len() {
                counts[d as usize] += 1;
            }
        }
        for k in [3u32, 4, 5, 6, 8, 10, 15] {
            let (kf, mf) = (f64::from(k), f64::from(m));
            let p = 2.0 * mf * (mf + 1.0) / (kf * (kf + 1.0) * (kf + 2.0));
            let f = f64::from(counts[k as usize]) / f64::from(n);
            // Finite-size corrections are O(1/k) small here; allow 6% relative or 5 sd.
            let sd = (p * (1.0 - p) / f64::from(n)).sqrt();
            assert!(
                (f - p).abs() < (0.06 * p).max(5.0 * sd),
                "P({k}) = {f}, theory {p}"
            );
        }
        // A hub: the largest degree grows like m·sqrt(n) ~ 1300 here; far above any ER graph.
        assert!(max > 400, "largest degree {max}");
    }
}
