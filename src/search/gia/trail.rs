//! Where one GIA walk has been: which nodes it visited, and which neighbours each node sent it
//! to or received it from (a node avoids those when it forwards the walker).

use crate::topology::NodeId;
use std::collections::BTreeSet;

/// Steps up to which a trail is the walk's path alone.
const LONG: usize = 128;

/// The directed pair (node, neighbour); `pair(v, v)` marks a visit of `v` (no node is its own
/// neighbour).
fn pair(node: NodeId, neighbour: NodeId) -> u64 {
    (u64::from(node) << 32) | u64::from(neighbour)
}

/// Where a walk has been.
///
/// A walk has one walker, so while it is short and no node has forgotten, its path (4 bytes a
/// step) says everything: `v` used neighbour `u` if they are next to each other on it, and `v`
/// was visited if it is on it. After [`LONG`] steps, or once a node forgets, the trail becomes
/// the set of directed pairs and visits its path describes and is edited pair by pair.
#[derive(Debug, Default)]
pub struct Trail {
    /// The source, then each node the walker was sent to.
    path: Vec<NodeId>,
    /// The pairs and visits, once the path no longer serves.
    #[allow(
        clippy::box_collection,
        reason = "one pointer keeps a walk's slot at 48 bytes"
    )]
    pairs: Option<Box<BTreeSet<u64>>>,
}

impl Trail {
    /// Starts a walk at `source`, keeping the path's allocation of an earlier walk.
    pub fn start(&mut self, source: NodeId) {
        self.path.clear();
        self.path.push(source);
        self.pairs = None;
    }

    /// The walker, settled at `from`, is sent to `to`.
    #[inline]
    pub fn step(&mut self, from: NodeId, to: NodeId) {
        if self.pairs.is_none() && self.path.len() < LONG {
            debug_assert_eq!(
                self.path.last(),
                Some(&from),
                "the walker is at the path's end"
            );
            self.path.push(to);
        } else {
            self.pairs().insert(pair(from, to));
        }
    }

    /// The walker reached `to` from `from`; returns whether `to` is new to the walk.
    #[inline]
    pub fn arrive(&mut self, to: NodeId, from: NodeId) -> bool {
        match &mut self.pairs {
            Some(pairs) => {
                pairs.insert(pair(to, from));
                pairs.insert(pair(to, to))
            }
            None => match self.path.split_last() {
                Some((&last, before)) => {
                    debug_assert_eq!(last, to, "the walker was sent here");
                    !before.contains(&to)
                }
                None => true,
            },
        }
    }

    /// Puts into `out` the neighbours `v` sent the walk to or received it from (perhaps
    /// repeated).
    #[inline]
    pub fn used_by(&self, v: NodeId, out: &mut Vec<NodeId>) {
        out.clear();
        match &self.pairs {
            Some(pairs) => out.extend(
                pairs
                    .range(pair(v, 0)..=pair(v, NodeId::MAX))
                    .map(|&k| k as NodeId)
                    .filter(|&u| u != v),
            ),
            None => {
                let path = &self.path;
                for (i, &x) in path.iter().enumerate() {
                    if x == v {
                        if i > 0 {
                            out.push(path[i - 1]);
                        }
                        if let Some(&next) = path.get(i + 1) {
                            out.push(next);
                        }
                    }
                }
            }
        }
    }

    /// Bytes the trail of a walk of `steps` steps takes, about: 4 a step along its path,
    /// then some 40 a step (three 8-byte pairs a step in a B-tree).
    pub fn bytes(steps: f64) -> f64 {
        4.0 * steps.min(LONG as f64) + 40.0 * (steps - LONG as f64).max(0.0)
    }

    /// A hint: fetches the start of the path.
    #[inline]
    pub fn prefetch(&self) {
        crate::hint::prefetch(&self.path, 0);
    }

    /// `v`, where the walker is settled, forgets that it used `peers`.
    pub fn forget(&mut self, v: NodeId, peers: impl Iterator<Item = NodeId>) {
        let pairs = self.pairs();
        for u in peers {
            pairs.remove(&pair(v, u));
        }
    }

    /// The trail as pairs, converted from the path (the walker settled at its end) if need be.
    fn pairs(&mut self) -> &mut BTreeSet<u64> {
        let path = &self.path;
        self.pairs.get_or_insert_with(|| {
            let mut pairs = BTreeSet::new();
            for (i, &v) in path.iter().enumerate() {
                pairs.insert(pair(v, v));
                if i > 0 {
                    pairs.insert(pair(v, path[i - 1]));
                    pairs.insert(pair(path[i - 1], v));
                }
            }
            Box::new(pairs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Sample, StreamKind, stream};

    /// The trail as a plain set of directed pairs and visits, edited as the walk goes.
    #[derive(Default)]
    struct Reference(BTreeSet<(NodeId, NodeId)>);

    impl Reference {
        fn used_by(&self, v: NodeId) -> BTreeSet<NodeId> {
            self.0
                .iter()
                .filter(|&&(a, b)| a == v && b != v)
                .map(|&(_, b)| b)
                .collect()
        }
    }

    #[test]
    fn a_trail_agrees_with_a_set_of_pairs_past_the_switch_and_after_forgetting() {
        // Walks on 12 nodes, each step to a random other node; some walks run past LONG steps,
        // and now and then the walker's node forgets a random subset of the nodes.
        let mut r = stream(5, 0, StreamKind::Protocol, 0);
        let mut trail = Trail::default();
        let mut out = Vec::new();
        let mut switched = 0;
        for walk in 0..300 {
            let n: NodeId = 12;
            let mut at = r.index(n);
            let mut reference = Reference::default();
            reference.0.insert((at, at));
            trail.start(at);
            let steps = if walk % 10 == 0 { 3 * LONG } else { 40 };
            for step in 0..steps {
                if r.below(100) == 0 {
                    let peers: Vec<NodeId> =
                        (0..n).filter(|&u| u != at && r.below(2) == 0).collect();
                    for &u in &peers {
                        reference.0.remove(&(at, u));
                    }
                    trail.forget(at, peers.into_iter());
                }
                trail.used_by(at, &mut out);
                let used: BTreeSet<NodeId> = out.iter().copied().collect();
                assert_eq!(used, reference.used_by(at), "walk {walk} step {step}");
                let to = (at + 1 + r.index(n - 1)) % n;
                trail.step(at, to);
                reference.0.insert((at, to));
                let new = reference.0.insert((to, to));
                reference.0.insert((to, at));
                assert_eq!(trail.arrive(to, at), new, "walk {walk} step {step}");
                at = to;
            }
            switched += usize::from(trail.pairs.is_some());
        }
        // Long walks and forgetting both switch trails to pairs, and many stay paths.
        assert!((30..270).contains(&switched), "{switched} trails switched");
    }
}
