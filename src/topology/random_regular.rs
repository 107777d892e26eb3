//! Uniformly random d-regular simple graphs.

use super::{NodeId, Overlay};
use crate::rng::{Sample, SimRng};

/// A random `degree`-regular simple graph on `nodes` nodes.
///
/// The pairing (configuration) model with rejection of bad pairs instead of whole graphs, as in
/// Steger & Wormald (1999) and networkx: shuffle all unpaired edge ends, pair them in order,
/// keep each pair that is neither a self-loop nor a repeated edge, and reshuffle the rejected
/// ends until none remain; restart in the rare case where no valid pair is left. Every degree
/// is exact. Callers validate `nodes * degree` even and `degree < nodes`.
///
/// Pairing gets stuck ever more often as the graph gets dense, so a degree above (n − 1)/2 is
/// built as the complement of a random (n − 1 − degree)-regular graph, which is uniform too.
pub fn random_regular(nodes: u32, degree: u32, rng: &mut SimRng) -> Overlay {
    assert!(degree < nodes && (u64::from(nodes) * u64::from(degree)).is_multiple_of(2));
    if 2 * degree > nodes - 1 {
        return complement(&random_regular(nodes, nodes - 1 - degree, rng));
    }
    loop {
        if let Some(overlay) = try_pairing(nodes, degree, rng) {
            return overlay;
        }
    }
}

fn try_pairing(nodes: u32, degree: u32, rng: &mut SimRng) -> Option<Overlay> {
    let (n, d) = (nodes as usize, degree as usize);
    let mut rows = vec![0 as NodeId; n * d];
    let mut fill = vec![0u32; n];
    let adjacent = |rows: &[NodeId], fill: &[u32], a: NodeId, b: NodeId| {
        let start = a as usize * d;
        rows[start..start + fill[a as usize] as usize].contains(&b)
    };
    let mut ends: Vec<NodeId> = (0..nodes).flat_map(|v| std::iter::repeat_n(v, d)).collect();
    let mut rejected = Vec::new();
    while !ends.is_empty() {
        rng.shuffle(&mut ends);
        rejected.clear();
        for pair in ends.chunks_exact(2) {
            let (a, b) = (pair[0], pair[1]);
            if a != b && !adjacent(&rows, &fill, a, b) {
                rows[a as usize * d + fill[a as usize] as usize] = b;
                fill[a as usize] += 1;
                rows[b as usize * d + fill[b as usize] as usize] = a;
                fill[b as usize] += 1;
            } else {
                rejected.extend_from_slice(pair);
            }
        }
        if !rejected.is_empty() && !has_valid_pair(&rejected, |a, b| adjacent(&rows, &fill, a, b)) {
            return None;
        }
        std::mem::swap(&mut ends, &mut rejected);
    }
    Some(Overlay::from_fixed_rows(degree, &fill, rows))
}

/// The complement of a graph (dense: only for graphs whose complement is sparse).
fn complement(g: &Overlay) -> Overlay {
    let n = g.node_count();
    let stride = n - 1 - g.degree(0);
    let mut rows = Vec::with_capacity(n as usize * stride as usize);
    for v in 0..n {
        let present = g.neighbours(v);
        rows.extend((0..n).filter(|&w| w != v && present.binary_search(&w).is_err()));
    }
    Overlay::from_fixed_rows(stride, &vec![stride; n as usize], rows)
}

/// Whether two distinct, non-adjacent nodes remain among the rejected ends. Large remainders
/// (only possible when the degree is close to the node count) are assumed pairable.
fn has_valid_pair(ends: &[NodeId], adjacent: impl Fn(NodeId, NodeId) -> bool) -> bool {
    if ends.len() > 2_000 {
        return true;
    }
    let mut nodes = ends.to_vec();
    nodes.sort_unstable();
    nodes.dedup();
    nodes
        .iter()
        .enumerate()
        .any(|(i, &a)| nodes[i + 1..].iter().any(|&b| !adjacent(a, b)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamKind, stream};

    #[test]
    fn every_degree_is_exact_and_the_graph_is_simple() {
        for (n, d) in [
            (10, 3),
            (1000, 4),
            (501, 8),
            (20, 19),
            (2000, 1),
            (400, 399),
            (400, 300),
            (401, 200),
            (60, 30),
        ] {
            let g = random_regular(n, d, &mut stream(1, 0, StreamKind::Topology, 0));
            assert_eq!(g.node_count(), n);
            assert_eq!(g.edge_count(), u64::from(n) * u64::from(d) / 2);
            for v in 0..n {
                let row = g.neighbours(v);
                assert_eq!(row.len(), d as usize, "node {v}");
                assert!(!row.contains(&v), "self-loop at {v}");
                assert!(row.windows(2).all(|w| w[0] < w[1]), "unsorted or repeated");
            }
        }
    }

    #[test]
    fn same_seed_same_graph_other_seed_other_graph() {
        let g = |seed| random_regular(200, 4, &mut stream(seed, 0, StreamKind::Topology, 0));
        assert_eq!(g(1), g(1));
        assert_ne!(g(1), g(2));
    }
}
