//! Chord (Stoica et al., SIGCOMM 2001).
//!
//! Node and key ids live on a 2^64 ring. Each node keeps a successor list of `successors`
//! nodes and 64 fingers (finger i: the first node at or after n + 2^i). A lookup for key k
//! starts at the source s: while k is not in (cur, first successor of cur], the source asks
//! cur for its closest finger preceding k and moves there (one
//! request and one response per node asked). The node responsible for k is then cur's first
//! live successor; the source fetches the provider records from it, then checks a provider.
//! `first_hit_hops` counts the nodes asked while routing (the source's own table is free):
//! Stoica et al.'s path length, about ½·log2 N.
//!
//! Under churn a departed entry costs the lookup an RPC timeout, after which the source routes
//! from the previous node's next-best entry (its successor list is the fallback). Each node
//! refreshes its successor list every `stabilize_s` (2 maintenance messages: asking its
//! successor) and its fingers every `fix_fingers_s` (2 messages per distinct finger), from the
//! live membership; a joining node builds both at once (a lookup of its own id: 2·⌈½·log2 N⌉
//! messages, plus its stabilization).

use super::{Dht, Identifiers, Lookup, Records, Routing, Step, Upkeep, publication_cost, request};
use crate::sim::{Context, QueryId};
use crate::time::SimDuration;
use crate::topology::NodeId;

/// The ring of node ids, sorted.
#[derive(Clone, Debug)]
pub struct ChordRing {
    ring: Vec<(u64, NodeId)>,
    position: Vec<u32>,
}

/// Whether `x` lies in the ring interval (a, b]; the whole ring when a == b.
fn in_half_open(x: u64, a: u64, b: u64) -> bool {
    if a < b {
        a < x && x <= b
    } else {
        x > a || x <= b
    }
}

impl ChordRing {
    /// The ring of the given node ids.
    pub fn new(ids: &[u64]) -> Self {
        let mut ring: Vec<(u64, NodeId)> = ids
            .iter()
            .enumerate()
            .map(|(v, &id)| (id, v as NodeId))
            .collect();
        ring.sort_unstable();
        let mut position = vec![0; ids.len()];
        for (i, &(_, v)) in ring.iter().enumerate() {
            position[v as usize] = i as u32;
        }
        ChordRing { ring, position }
    }

    fn id(&self, node: NodeId) -> u64 {
        self.ring[self.position[node as usize] as usize].0
    }

    /// Index in the ring of the first node whose id is ≥ `key` (wrapping).
    fn successor_index(&self, key: u64) -> usize {
        let i = self.ring.partition_point(|&(id, _)| id < key);
        if i == self.ring.len() { 0 } else { i }
    }

    /// The first `count` nodes at or after `key` clockwise that pass `online` (at most all).
    pub fn responsible(
        &self,
        key: u64,
        count: u32,
        online: impl Fn(NodeId) -> bool,
    ) -> Vec<NodeId> {
        self.clockwise(self.successor_index(key), online)
            .take(count as usize)
            .collect()
    }

    /// The nodes from ring index `start` on, clockwise, once round, that pass `online`.
    fn clockwise<'a>(
        &'a self,
        start: usize,
        online: impl Fn(NodeId) -> bool + 'a,
    ) -> impl Iterator<Item = NodeId> + 'a {
        let n = self.ring.len();
        (0..n)
            .map(move |j| self.ring[(start + j) % n].1)
            .filter(move |&v| online(v))
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Phase {
    Routing,
    Fetching,
}

/// A Chord lookup's routing state.
pub struct ChordRoute {
    /// The node whose table named the node asked now.
    prev: NodeId,
    hops: u32,
    phase: Phase,
    /// Nodes that timed out in this lookup.
    dead: Vec<NodeId>,
}

/// Most routing steps before a lookup gives up (it cannot loop on a consistent ring; stale
/// tables under churn could make it wander).
const MAX_STEPS: u32 = 256;

/// The Chord protocol.
pub type Chord = Dht<ChordRouting>;

/// Chord's ring and every node's successor list and fingers.
pub struct ChordRouting {
    ring: ChordRing,
    successors: usize,
    /// Per node: `successors` successor-list entries, then 64 fingers.
    tables: Vec<NodeId>,
    stabilize: SimDuration,
    fix_fingers: SimDuration,
}

impl Chord {
    /// Chord over the given identifiers with successor lists of `successors` nodes.
    pub fn new(
        ids: &Identifiers,
        successors: u32,
        stabilize: SimDuration,
        fix_fingers: SimDuration,
        upkeep: Upkeep,
    ) -> Self {
        let successors = successors as usize;
        let routing = ChordRouting {
            ring: ChordRing::new(&ids.node),
            successors,
            tables: vec![0; ids.node.len() * (successors + 64)],
            stabilize,
            fix_fingers,
        };
        Dht::with_routing(ids, upkeep, routing)
    }
}

impl ChordRouting {
    fn width(&self) -> usize {
        self.successors + 64
    }

    fn successor_list(&self, node: NodeId) -> &[NodeId] {
        let start = node as usize * self.width();
        &self.tables[start..start + self.successors]
    }

    fn table(&self, node: NodeId) -> &[NodeId] {
        let start = node as usize * self.width();
        &self.tables[start..start + self.width()]
    }

    /// Refreshes `node`'s successor list from who is online now.
    fn stabilize_node(&mut self, ctx: &Context<'_, Chord>, node: NodeId) {
        let start = self.ring.position[node as usize] as usize + 1;
        let list: Vec<NodeId> = self
            .ring
            .clockwise(start, |v| v != node && ctx.is_online(v))
            .take(self.successors)
            .collect();
        let at = node as usize * self.width();
        for j in 0..self.successors {
            // A lone node is its own successor.
            self.tables[at + j] = list.get(j).or(list.last()).copied().unwrap_or(node);
        }
    }

    /// Refreshes `node`'s fingers; returns how many distinct fingers it has.
    fn fix_node_fingers(&mut self, ctx: &Context<'_, Chord>, node: NodeId) -> u64 {
        let id = self.ring.id(node);
        let at = node as usize * self.width() + self.successors;
        let mut distinct = 0;
        let mut finger: Option<NodeId> = None;
        for i in 0..64 {
            // The previous finger is still the first online node at or after id + 2^i when it
            // lies at least 2^i clockwise: no search needed (most of the small i).
            let reaches = finger.is_some_and(|f| {
                let d = self.ring.id(f).wrapping_sub(id);
                f == node || d >= 1 << i
            });
            if !reaches {
                let start = self.ring.successor_index(id.wrapping_add(1 << i));
                let f = self
                    .ring
                    .clockwise(start, |v| ctx.is_online(v) || v == node)
                    .next()
                    .unwrap_or(node);
                if finger != Some(f) {
                    distinct += 1;
                }
                finger = Some(f);
            }
            self.tables[at + i] = finger.expect("set above");
        }
        distinct
    }

    /// Where a lookup at `node`'s table goes next: fetch from the key's successor, or route
    /// to the closest finger preceding the key; when every such finger timed out, to the first
    /// live successor (the successor-list fallback).
    fn step(&self, l: &Lookup<ChordRoute>, node: NodeId) -> Option<(Phase, NodeId)> {
        let usable = |v: &NodeId| *v != node && !l.route.dead.contains(v);
        let me = self.ring.id(node);
        let first = self.successor_list(node).iter().copied().find(usable)?;
        if in_half_open(l.key, me, self.ring.id(first)) {
            return Some((Phase::Fetching, first));
        }
        let best = self.table(node)[self.successors..]
            .iter()
            .copied()
            .filter(usable)
            .map(|v| (self.ring.id(v), v))
            .filter(|&(id, _)| in_half_open(id, me, l.key) && id != l.key)
            .max_by_key(|&(id, _)| id.wrapping_sub(me))
            .map_or(first, |(_, v)| v);
        Some((Phase::Routing, best))
    }

    /// The source learned `node`'s table: route on from it.
    fn advance(
        &self,
        ctx: &mut Context<'_, Chord>,
        query: QueryId,
        l: &mut Lookup<ChordRoute>,
        node: NodeId,
    ) -> Step {
        let step = self.step(l, node).filter(|_| l.route.hops < MAX_STEPS);
        let Some((phase, next)) = step else {
            return Step::Fail;
        };
        l.route.phase = phase;
        l.route.prev = node;
        if next == l.source {
            // The source itself is the next step: its own table and records are free.
            return match phase {
                Phase::Routing => self.advance(ctx, query, l, next),
                Phase::Fetching => Step::Records(next),
            };
        }
        if phase == Phase::Routing {
            l.route.hops += 1;
        }
        request(ctx, query, l.source, next, false);
        Step::Wait
    }
}

impl Routing for ChordRouting {
    type Route = ChordRoute;
    /// The successor list and the fingers.
    const TABLES: u8 = 2;

    fn replicas(&self) -> u32 {
        self.successors as u32
    }

    fn targets(&self, ctx: &Context<'_, Chord>, key: u64) -> Vec<NodeId> {
        self.ring
            .responsible(key, self.successors as u32, |v| ctx.is_online(v))
    }

    fn build(&mut self, ctx: &mut Context<'_, Chord>, node: NodeId) {
        self.stabilize_node(ctx, node);
        self.fix_node_fingers(ctx, node);
    }

    /// A lookup of the node's own id, then its tables.
    fn join(&mut self, ctx: &mut Context<'_, Chord>, node: NodeId) {
        ctx.maintenance(publication_cost(self.ring.ring.len() as u32, 0));
        self.build(ctx, node);
    }

    fn period(&self, table: u8) -> SimDuration {
        if table == 0 {
            self.stabilize
        } else {
            self.fix_fingers
        }
    }

    /// Stabilization asks the successor (2 messages); fixing the fingers asks each distinct
    /// finger (2 messages each).
    fn refresh(&mut self, ctx: &mut Context<'_, Chord>, node: NodeId, table: u8) {
        if table == 0 {
            self.stabilize_node(ctx, node);
            ctx.maintenance(2);
        } else {
            let fingers = self.fix_node_fingers(ctx, node);
            ctx.maintenance(2 * fingers);
        }
    }

    fn route(&self) -> ChordRoute {
        ChordRoute {
            prev: 0,
            hops: 0,
            phase: Phase::Routing,
            dead: Vec::new(),
        }
    }

    fn answered(
        &self,
        ctx: &mut Context<'_, Chord>,
        _records: &Records,
        query: QueryId,
        l: &mut Lookup<ChordRoute>,
        from: NodeId,
    ) -> Step {
        match l.route.phase {
            Phase::Routing => self.advance(ctx, query, l, from),
            Phase::Fetching => Step::Records(from),
        }
    }

    /// Routes around `gone` from the previous node's table.
    fn timed_out(
        &self,
        ctx: &mut Context<'_, Chord>,
        query: QueryId,
        l: &mut Lookup<ChordRoute>,
        gone: NodeId,
    ) -> Step {
        l.route.dead.push(gone);
        self.advance(ctx, query, l, l.route.prev)
    }

    fn hops(route: &ChordRoute) -> u32 {
        route.hops
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn responsible_nodes_match_a_brute_force_scan() {
        let ids = Identifiers::draw(1, 0, 500, 200);
        let ring = ChordRing::new(&ids.node);
        for &key in &ids.key {
            // Brute force: order all nodes by clockwise distance from the key.
            let mut by_distance: Vec<(u64, NodeId)> = ids
                .node
                .iter()
                .enumerate()
                .map(|(v, &id)| (id.wrapping_sub(key), v as NodeId))
                .collect();
            by_distance.sort_unstable();
            let expected: Vec<NodeId> = by_distance.iter().take(4).map(|p| p.1).collect();
            assert_eq!(ring.responsible(key, 4, |_| true), expected);
            // Skipping offline nodes takes the next ones clockwise.
            let odd: Vec<NodeId> = by_distance
                .iter()
                .map(|p| p.1)
                .filter(|v| v % 2 == 1)
                .take(4)
                .collect();
            assert_eq!(ring.responsible(key, 4, |v| v % 2 == 1), odd);
        }
    }

    #[test]
    fn intervals_wrap() {
        assert!(in_half_open(5, 3, 5));
        assert!(!in_half_open(3, 3, 5));
        assert!(in_half_open(1, u64::MAX - 2, 2));
        assert!(in_half_open(u64::MAX, u64::MAX - 2, 2));
        assert!(!in_half_open(3, u64::MAX - 2, 2));
    }
}
