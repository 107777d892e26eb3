//! Overlay graphs: generators and loaders that all produce one compact [`Overlay`].
//!
//! An overlay stores every node's neighbours in one contiguous array, sorted per node
//! (compressed sparse rows), with `u32` node ids. Graphs are simple and undirected: no
//! self-loops, no multi-edges, every edge listed at both ends.

mod barabasi_albert;
mod erdos_renyi;
mod file;
mod grid;
mod live;
mod power_law;
mod random_regular;
mod stats;
mod two_tier;
mod watts_strogatz;

pub use barabasi_albert::barabasi_albert;
pub use erdos_renyi::erdos_renyi;
pub use file::load_edge_list;
pub use grid::grid;
pub use live::{Change, OverlayState};
pub use power_law::{power_law, smallest_mean_degree};
pub use random_regular::random_regular;
pub use stats::{
    DegreeStats, GraphStats, PathEstimate, PowerLawFit, average_clustering, fit_power_law,
    path_estimate, stats,
};
pub use two_tier::two_tier;
pub use watts_strogatz::watts_strogatz;

/// A node id: an index into every per-node array.
pub type NodeId = u32;

/// A simple undirected graph in compressed sparse row form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overlay {
    offsets: Vec<u32>,
    neighbours: Vec<NodeId>,
    labels: Option<Vec<u64>>,
    ultrapeers: Option<u32>,
}

/// Connectivity figures reported in `summary.json`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Components {
    /// Number of connected components (isolated nodes count as one each).
    pub count: u32,
    /// Nodes in the largest component.
    pub largest: u32,
}

impl Overlay {
    /// Builds an overlay on `nodes` nodes from undirected edges given once or twice in either
    /// direction; duplicates are merged and self-loops dropped.
    pub fn from_edges(nodes: u32, edges: &[(NodeId, NodeId)]) -> Overlay {
        let n = nodes as usize;
        let mut degree = vec![0u32; n + 1];
        for &(a, b) in edges {
            if a != b {
                degree[a as usize] += 1;
                degree[b as usize] += 1;
            }
        }
        let mut offsets = Vec::with_capacity(n + 1);
        let mut total = 0u32;
        for d in &degree[..n] {
            offsets.push(total);
            total = total
                .checked_add(*d)
                .expect("edge count exceeds u32 range; the memory estimate should refuse this");
        }
        offsets.push(total);
        let mut fill = offsets.clone();
        let mut neighbours = vec![0; total as usize];
        for &(a, b) in edges {
            if a != b {
                neighbours[fill[a as usize] as usize] = b;
                fill[a as usize] += 1;
                neighbours[fill[b as usize] as usize] = a;
                fill[b as usize] += 1;
            }
        }
        drop(fill);
        Self::from_unsorted_rows(offsets, neighbours)
    }

    /// Sorts each row, merges duplicates and compacts the arrays in place.
    fn from_unsorted_rows(mut offsets: Vec<u32>, mut neighbours: Vec<NodeId>) -> Overlay {
        let n = offsets.len() - 1;
        let mut write = 0usize;
        let mut start = offsets[0] as usize;
        for v in 0..n {
            let end = offsets[v + 1] as usize;
            neighbours[start..end].sort_unstable();
            offsets[v] = write as u32;
            let mut last = None;
            for i in start..end {
                let w = neighbours[i];
                if last != Some(w) {
                    neighbours[write] = w;
                    write += 1;
                    last = Some(w);
                }
            }
            start = end;
        }
        offsets[n] = write as u32;
        neighbours.truncate(write);
        neighbours.shrink_to_fit();
        Overlay {
            offsets,
            neighbours,
            labels: None,
            ultrapeers: None,
        }
    }

    /// Attaches external labels (e.g. a crawl's own host ids), one per node, used in outputs.
    pub fn with_labels(mut self, labels: Vec<u64>) -> Overlay {
        assert_eq!(labels.len(), self.node_count() as usize);
        self.labels = Some(labels);
        self
    }

    /// Marks nodes `0..count` as ultrapeers and the rest as leaves (two-tier overlays).
    pub fn with_ultrapeers(mut self, count: u32) -> Overlay {
        self.ultrapeers = Some(count);
        self
    }

    /// In a two-tier overlay, the number of ultrapeers: nodes `0..count`.
    pub fn ultrapeers(&self) -> Option<u32> {
        self.ultrapeers
    }

    /// Whether `v` is an ultrapeer of a two-tier overlay.
    pub fn is_ultrapeer(&self, v: NodeId) -> bool {
        self.ultrapeers.is_some_and(|u| v < u)
    }

    /// The subgraph induced by the largest connected component (the one containing the
    /// smallest node id among equals). Nodes keep their relative order and their labels, so
    /// outputs still show the original ids; ultrapeers stay a prefix.
    pub fn largest_component(&self) -> Overlay {
        let (component, largest) = self.component_ids();
        let keep: Vec<bool> = component.iter().map(|&c| c == largest).collect();
        let mut new_id = vec![u32::MAX; keep.len()];
        let mut kept: Vec<NodeId> = Vec::new();
        for (v, &k) in keep.iter().enumerate() {
            if k {
                new_id[v] = kept.len() as u32;
                kept.push(v as NodeId);
            }
        }
        let edges: Vec<(NodeId, NodeId)> = self
            .edges()
            .filter(|&(a, _)| keep[a as usize])
            .map(|(a, b)| (new_id[a as usize], new_id[b as usize]))
            .collect();
        let mut sub = Overlay::from_edges(kept.len() as u32, &edges)
            .with_labels(kept.iter().map(|&v| self.label(v)).collect());
        sub.ultrapeers = self
            .ultrapeers
            .map(|u| kept.iter().filter(|&&v| v < u).count() as u32);
        sub
    }

    /// Number of nodes.
    pub fn node_count(&self) -> u32 {
        (self.offsets.len() - 1) as u32
    }

    /// Number of undirected edges.
    pub fn edge_count(&self) -> u64 {
        self.neighbours.len() as u64 / 2
    }

    /// The sorted neighbours of `v`.
    #[inline]
    pub fn neighbours(&self, v: NodeId) -> &[NodeId] {
        let v = v as usize;
        &self.neighbours[self.offsets[v] as usize..self.offsets[v + 1] as usize]
    }

    /// Prefetch hint for `v`'s row offsets.
    #[inline(always)]
    pub fn prefetch_offsets(&self, v: NodeId) {
        crate::hint::prefetch(&self.offsets, v as usize);
    }

    /// Prefetch hint for the start of `v`'s neighbour row (reads its offset).
    #[inline(always)]
    pub fn prefetch_neighbours(&self, v: NodeId) {
        crate::hint::prefetch(&self.neighbours, self.offsets[v as usize] as usize);
    }

    /// The degree of `v`.
    #[inline]
    pub fn degree(&self, v: NodeId) -> u32 {
        let v = v as usize;
        self.offsets[v + 1] - self.offsets[v]
    }

    /// Mean degree, 2E/N.
    pub fn mean_degree(&self) -> f64 {
        2.0 * self.edge_count() as f64 / f64::from(self.node_count().max(1))
    }

    /// The id users see for `v`: the input file's label, or `v` itself for generated graphs.
    pub fn label(&self, v: NodeId) -> u64 {
        self.labels
            .as_ref()
            .map_or(u64::from(v), |labels| labels[v as usize])
    }

    /// Counts connected components and the size of the largest.
    pub fn components(&self) -> Components {
        let (component, largest) = self.component_ids();
        let mut sizes = vec![0u32; component.iter().max().map_or(0, |&c| c as usize + 1)];
        for &c in &component {
            sizes[c as usize] += 1;
        }
        Components {
            count: sizes.len() as u32,
            largest: sizes.get(largest as usize).copied().unwrap_or(0),
        }
    }

    /// Labels every node with its component (numbered in order of their smallest node) by
    /// breadth-first search; also returns the largest component's number.
    fn component_ids(&self) -> (Vec<u32>, u32) {
        let n = self.node_count() as usize;
        let mut component = vec![u32::MAX; n];
        let mut queue: Vec<NodeId> = Vec::new();
        let (mut count, mut largest, mut largest_size) = (0u32, 0u32, 0usize);
        for root in 0..n {
            if component[root] != u32::MAX {
                continue;
            }
            component[root] = count;
            queue.clear();
            queue.push(root as NodeId);
            let mut head = 0;
            while head < queue.len() {
                let v = queue[head];
                head += 1;
                for &w in self.neighbours(v) {
                    if component[w as usize] == u32::MAX {
                        component[w as usize] = count;
                        queue.push(w);
                    }
                }
            }
            if queue.len() > largest_size {
                (largest, largest_size) = (count, queue.len());
            }
            count += 1;
        }
        (component, largest)
    }

    /// Every undirected edge once, as `(a, b)` with `a < b`, in ascending order.
    pub fn edges(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        (0..self.node_count()).flat_map(move |a| {
            self.neighbours(a)
                .iter()
                .copied()
                .filter(move |&b| a < b)
                .map(move |b| (a, b))
        })
    }

    /// An overlay from rows of equal width (`stride` slots per node, of which `fill[v]` are used).
    fn from_fixed_rows(stride: u32, fill: &[u32], rows: Vec<NodeId>) -> Overlay {
        let n = fill.len();
        let offsets: Vec<u32> = (0..=n).map(|v| v as u32 * stride).collect();
        let mut overlay = Self::from_unsorted_rows(offsets, rows);
        debug_assert!((0..n).all(|v| overlay.degree(v as u32) == fill[v]));
        overlay.offsets.shrink_to_fit();
        overlay
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_edges_symmetrises_dedups_and_drops_loops() {
        let g = Overlay::from_edges(5, &[(0, 1), (1, 0), (1, 2), (2, 2), (3, 1), (0, 1)]);
        assert_eq!(g.node_count(), 5);
        assert_eq!(g.edge_count(), 3);
        assert_eq!(g.neighbours(1), &[0, 2, 3]);
        assert_eq!(g.neighbours(2), &[1]);
        assert_eq!(g.degree(4), 0);
        assert_eq!(g.edges().collect::<Vec<_>>(), vec![(0, 1), (1, 2), (1, 3)]);
        assert_eq!(
            g.components(),
            Components {
                count: 2,
                largest: 4
            }
        );
        let big = g.largest_component();
        assert_eq!((big.node_count(), big.edge_count()), (4, 3));
        assert_eq!(
            (0..4).map(|v| big.label(v)).collect::<Vec<_>>(),
            vec![0, 1, 2, 3]
        );
        let h = Overlay::from_edges(6, &[(0, 5), (2, 3), (3, 4), (4, 2)]).with_ultrapeers(3);
        let big = h.largest_component();
        assert_eq!(
            (0..3).map(|v| big.label(v)).collect::<Vec<_>>(),
            vec![2, 3, 4]
        );
        assert_eq!(big.ultrapeers(), Some(1));
        assert_eq!(big.neighbours(0), &[1, 2]);
    }
}
