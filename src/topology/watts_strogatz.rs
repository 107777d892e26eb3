//! Watts–Strogatz small worlds.

use super::{NodeId, Overlay};
use crate::rng::{Sample, SimRng};
use std::collections::HashSet;

/// A ring lattice where every node links to its `degree / 2` nearest neighbours on each side;
/// then, for each lattice edge (u, u + j) in order of j and u, with probability `rewire` its far
/// end moves to a uniformly chosen node w ≠ u not yet linked to u (as in networkx). The edge
/// count stays n·degree/2 and the graph stays simple. Callers validate an even
/// `2 <= degree < nodes` and `0 <= rewire <= 1`.
pub fn watts_strogatz(nodes: u32, degree: u32, rewire: f64, rng: &mut SimRng) -> Overlay {
    assert!(degree >= 2 && degree.is_multiple_of(2) && degree < nodes);
    let n = nodes;
    let key = |a: NodeId, b: NodeId| (u64::from(a.min(b)) << 32) | u64::from(a.max(b));
    let mut edges: Vec<(NodeId, NodeId)> = Vec::with_capacity(n as usize * degree as usize / 2);
    for j in 1..=degree / 2 {
        edges.extend((0..n).map(|u| (u, (u + j) % n)));
    }
    // Used only for membership tests, never iterated, so its order cannot reach the output.
    let mut present: HashSet<u64> = edges.iter().map(|&(a, b)| key(a, b)).collect();
    let mut degrees = vec![degree; n as usize];
    for e in edges.iter_mut() {
        if !rng.chance(rewire) {
            continue;
        }
        let (u, v) = *e;
        if degrees[u as usize] >= n - 1 {
            continue;
        }
        let w = loop {
            let w = rng.index(n);
            if w != u && !present.contains(&key(u, w)) {
                break w;
            }
        };
        present.remove(&key(u, v));
        present.insert(key(u, w));
        degrees[v as usize] -= 1;
        degrees[w as usize] += 1;
        *e = (u, w);
    }
    Overlay::from_edges(n, &edges)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamKind, stream};

    #[test]
    fn lattice_without_rewiring_and_edge_count_with() {
        let g = watts_strogatz(10, 4, 0.0, &mut stream(1, 0, StreamKind::Topology, 0));
        assert_eq!(g.neighbours(0), &[1, 2, 8, 9]);
        let r = watts_strogatz(1000, 6, 0.3, &mut stream(1, 0, StreamKind::Topology, 0));
        assert_eq!(r.edge_count(), 3000);
        assert_ne!(
            r,
            watts_strogatz(1000, 6, 0.0, &mut stream(1, 0, StreamKind::Topology, 0))
        );
    }
}
