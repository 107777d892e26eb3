//! The two-tier overlay of Gnutella 0.6: ultrapeers in a mesh, leaves below them.

use super::{NodeId, Overlay, random_regular};
use crate::rng::{Sample, SimRng};

/// Nodes `0..ultrapeers` are ultrapeers linked in a random `ultrapeer_degree`-regular mesh;
/// every other node is a leaf linked to `leaf_links` distinct ultrapeers chosen uniformly.
/// Leaves never link to each other. Callers validate the mesh (`ultrapeers × degree` even,
/// degree < ultrapeers) and `1 <= leaf_links <= ultrapeers`.
pub fn two_tier(
    nodes: u32,
    ultrapeers: u32,
    ultrapeer_degree: u32,
    leaf_links: u32,
    rng: &mut SimRng,
) -> Overlay {
    let mesh = random_regular(ultrapeers, ultrapeer_degree, rng);
    let mut edges: Vec<(NodeId, NodeId)> = mesh.edges().collect();
    for leaf in ultrapeers..nodes {
        edges.extend(
            rng.distinct(leaf_links, ultrapeers)
                .into_iter()
                .map(|u| (leaf, u)),
        );
    }
    Overlay::from_edges(nodes, &edges).with_ultrapeers(ultrapeers)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamKind, stream};

    #[test]
    fn roles_and_degrees() {
        let g = two_tier(5000, 500, 30, 3, &mut stream(1, 0, StreamKind::Topology, 0));
        assert_eq!(g.ultrapeers(), Some(500));
        for v in 0..500 {
            let mesh = g.neighbours(v).iter().filter(|&&w| w < 500).count();
            assert_eq!(mesh, 30, "ultrapeer {v}");
        }
        for v in 500..5000 {
            assert_eq!(g.neighbours(v).len(), 3);
            assert!(
                g.neighbours(v).iter().all(|&w| w < 500),
                "leaf {v} links to a leaf"
            );
        }
        // Every leaf link ends at an ultrapeer: 4500 × 3 leaf links in all.
        let leaf_links: u32 = (0..500).map(|v| g.degree(v) - 30).sum();
        assert_eq!(leaf_links, 4500 * 3);
    }
}
