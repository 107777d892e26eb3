//! The live overlay under churn: who is online since when, and each node's current links.
//!
//! Every node owns a fixed-capacity row in one contiguous array, kept sorted, so neighbour
//! slices stay contiguous and nothing is allocated as links come and go. A link is listed at
//! each end separately: after a node leaves, its neighbours keep listing it until they notice
//! (the repair model's detection delay), and messages they send over such a stale link are
//! lost.

use super::{NodeId, Overlay};
use crate::time::SimTime;

/// One change to the live overlay.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// The node comes online (with no links yet; `Link` changes follow at the same instant).
    Join(NodeId),
    /// The node goes offline and drops every link at its own end.
    Leave(NodeId),
    /// The first node starts listing the second as a neighbour.
    Link(NodeId, NodeId),
    /// The first node stops listing the second.
    Unlink(NodeId, NodeId),
}

/// The state of a churning overlay at one instant.
#[derive(Clone, Debug)]
pub struct OverlayState {
    offsets: Vec<usize>,
    len: Vec<u32>,
    slots: Vec<NodeId>,
    online: Vec<bool>,
    since: Vec<SimTime>,
    /// Each offline node's link count when it left: what its neighbours last heard.
    last_degree: Vec<u32>,
    /// Online nodes in an order that only depends on the history (swap-remove).
    online_list: Vec<NodeId>,
    position: Vec<u32>,
    /// Sum of the row lengths of all nodes.
    total_links: u64,
}

impl OverlayState {
    /// The state at time zero: `online` nodes up, with the overlay's edges among them.
    /// Node `v` can hold up to `capacity(v)` links (at least its overlay degree).
    pub fn new(overlay: &Overlay, online: &[bool], capacity: impl Fn(NodeId) -> u32) -> Self {
        let n = overlay.node_count() as usize;
        let mut offsets = Vec::with_capacity(n + 1);
        let mut total = 0usize;
        for v in 0..n as NodeId {
            offsets.push(total);
            total += capacity(v).max(overlay.degree(v)) as usize;
        }
        offsets.push(total);
        let mut state = OverlayState {
            offsets,
            len: vec![0; n],
            slots: vec![0; total],
            online: vec![false; n],
            since: vec![SimTime::ZERO; n],
            last_degree: vec![0; n],
            online_list: Vec::new(),
            position: vec![u32::MAX; n],
            total_links: 0,
        };
        for v in 0..n as NodeId {
            if online[v as usize] {
                state.set_online(v, SimTime::ZERO);
                for &w in overlay.neighbours(v) {
                    if online[w as usize] {
                        state.insert(v, w);
                    }
                }
            }
        }
        state
    }

    /// The sorted nodes `node` believes it is linked to.
    #[inline]
    pub fn neighbours(&self, node: NodeId) -> &[NodeId] {
        let start = self.offsets[node as usize];
        &self.slots[start..start + self.len[node as usize] as usize]
    }

    /// How many links `node` lists.
    #[inline]
    pub fn degree(&self, node: NodeId) -> u32 {
        self.len[node as usize]
    }

    /// The link count `node`'s neighbours believe it has: its current count while online,
    /// the count it had when it left while offline (a departure is not visible in it).
    #[inline]
    pub fn advertised_degree(&self, node: NodeId) -> u32 {
        if self.online[node as usize] {
            self.len[node as usize]
        } else {
            self.last_degree[node as usize]
        }
    }

    /// Most links `node` can hold.
    pub fn capacity(&self, node: NodeId) -> u32 {
        (self.offsets[node as usize + 1] - self.offsets[node as usize]) as u32
    }

    /// Whether `a` lists `b`.
    pub fn has_link(&self, a: NodeId, b: NodeId) -> bool {
        self.neighbours(a).binary_search(&b).is_ok()
    }

    /// Whether `node` is online.
    #[inline]
    pub fn is_online(&self, node: NodeId) -> bool {
        self.online[node as usize]
    }

    /// When `node`'s current (or last) session began.
    #[inline]
    pub fn online_since(&self, node: NodeId) -> SimTime {
        self.since[node as usize]
    }

    /// The online nodes, in a deterministic order.
    pub fn online_nodes(&self) -> &[NodeId] {
        &self.online_list
    }

    /// Sum of all nodes' link counts (each live link counts at both ends).
    pub fn total_links(&self) -> u64 {
        self.total_links
    }

    /// Applies one change at `time`.
    pub fn apply(&mut self, time: SimTime, change: Change) {
        match change {
            Change::Join(v) => {
                debug_assert!(!self.online[v as usize], "node {v} joined twice");
                self.set_online(v, time);
            }
            Change::Leave(v) => {
                debug_assert!(self.online[v as usize], "node {v} left twice");
                self.online[v as usize] = false;
                let last = self.online_list.pop().expect("an online node");
                let at = std::mem::replace(&mut self.position[v as usize], u32::MAX);
                if last != v {
                    self.online_list[at as usize] = last;
                    self.position[last as usize] = at;
                }
                self.total_links -= u64::from(self.len[v as usize]);
                self.last_degree[v as usize] = self.len[v as usize];
                self.len[v as usize] = 0;
            }
            Change::Link(a, b) => self.insert(a, b),
            Change::Unlink(a, b) => {
                let start = self.offsets[a as usize];
                let len = self.len[a as usize] as usize;
                let row = &mut self.slots[start..start + len];
                let at = row.binary_search(&b).expect("unlinking an absent link");
                row.copy_within(at + 1.., at);
                self.len[a as usize] -= 1;
                self.total_links -= 1;
            }
        }
    }

    fn set_online(&mut self, v: NodeId, time: SimTime) {
        self.online[v as usize] = true;
        self.since[v as usize] = time;
        self.position[v as usize] = self.online_list.len() as u32;
        self.online_list.push(v);
    }

    fn insert(&mut self, a: NodeId, b: NodeId) {
        let start = self.offsets[a as usize];
        let len = self.len[a as usize] as usize;
        assert!(
            len < self.capacity(a) as usize,
            "node {a} has no room for another link"
        );
        let row = &mut self.slots[start..=start + len];
        let at = row[..len]
            .binary_search(&b)
            .expect_err("linking an existing link");
        row.copy_within(at..len, at + 1);
        row[at] = b;
        self.len[a as usize] += 1;
        self.total_links += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_stay_sorted_and_leaving_clears_only_the_leaver() {
        // A path 0-1-2-3 with node 3 offline at the start.
        let g = Overlay::from_edges(4, &[(0, 1), (1, 2), (2, 3)]);
        let mut s = OverlayState::new(&g, &[true, true, true, false], |_| 3);
        assert_eq!(s.neighbours(2), &[1]);
        assert_eq!(s.total_links(), 4);
        s.apply(SimTime(5), Change::Link(2, 0));
        s.apply(SimTime(5), Change::Link(0, 2));
        assert_eq!(s.neighbours(2), &[0, 1]);
        assert_eq!(s.neighbours(0), &[1, 2]);
        assert_eq!(s.advertised_degree(1), 2);
        s.apply(SimTime(7), Change::Leave(1));
        assert!(!s.is_online(1));
        // Its neighbours still see the degree it had.
        assert_eq!((s.degree(1), s.advertised_degree(1)), (0, 2));
        assert_eq!(s.neighbours(1), &[] as &[NodeId]);
        // Neighbours list the departed node until they notice.
        assert_eq!(s.neighbours(0), &[1, 2]);
        s.apply(SimTime(9), Change::Unlink(0, 1));
        assert_eq!(s.neighbours(0), &[2]);
        s.apply(SimTime(11), Change::Join(3));
        assert_eq!(s.online_since(3), SimTime(11));
        let mut online = s.online_nodes().to_vec();
        online.sort_unstable();
        assert_eq!(online, [0, 2, 3]);
        assert_eq!(s.total_links(), 3);
    }
}
