//! Chord (Stoica et al., SIGCOMM 2001) with exact finger tables.
//!
//! Node and key ids live on a 2^64 ring. Node n's i-th finger is the successor of n + 2^i.
//! A lookup for key k starts at the source s: while k is not in (cur, successor(cur)], the
//! source asks cur for its closest finger preceding k and moves there (one request and one
//! response per node asked). The node responsible for k is successor(cur); the source fetches
//! the provider records from it (one request and response), then checks a provider.
//! `first_hit_hops` counts the nodes asked while routing (the source's own table is free),
//! Stoica et al.'s path length, about ½·log2 N.

use super::{DhtMessage, Identifiers, check_provider, request};
use crate::content::ObjectId;
use crate::engine::{Context, Protocol, QueryId};
use crate::search::IdMap;
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

    /// The node responsible for `key`: the first node at or after it on the ring.
    pub fn successor(&self, key: u64) -> NodeId {
        self.ring[self.successor_index(key)].1
    }

    /// The `count` nodes from the key's successor on, clockwise (at most every node).
    pub fn responsible(&self, key: u64, count: u32) -> Vec<NodeId> {
        let start = self.successor_index(key);
        let n = self.ring.len();
        (0..(count as usize).min(n))
            .map(|j| self.ring[(start + j) % n].1)
            .collect()
    }

    /// `node`'s immediate successor.
    fn next(&self, node: NodeId) -> NodeId {
        let i = self.position[node as usize] as usize;
        self.ring[(i + 1) % self.ring.len()].1
    }

    /// Whether `node`'s successor is responsible for `key`.
    fn resolves(&self, node: NodeId, key: u64) -> bool {
        in_half_open(key, self.id(node), self.id(self.next(node)))
    }

    /// `node`'s finger closest to `key` while strictly preceding it.
    fn closest_preceding_finger(&self, node: NodeId, key: u64) -> NodeId {
        let n = self.id(node);
        for i in (0..64).rev() {
            let f = self.successor(n.wrapping_add(1 << i));
            let id = self.id(f);
            if id != n && in_half_open(id, n, key) && id != key {
                return f;
            }
        }
        self.next(node)
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Phase {
    Routing,
    Fetching,
    Checking,
}

struct Lookup {
    source: NodeId,
    object: ObjectId,
    key: u64,
    at: NodeId,
    hops: u32,
    phase: Phase,
}

/// The Chord protocol.
pub struct Chord {
    ring: ChordRing,
    keys: Vec<u64>,
    /// Active lookups only; looked up by id, never iterated.
    lookups: IdMap<QueryId, Lookup>,
}

impl Chord {
    /// Chord over the given identifiers.
    pub fn new(ids: &Identifiers) -> Self {
        Chord {
            ring: ChordRing::new(&ids.node),
            keys: ids.key.clone(),
            lookups: IdMap::default(),
        }
    }

    /// The source learned that `node` (or itself) is the next step: route on, or fetch the
    /// records from the responsible node.
    fn advance(&mut self, ctx: &mut Context<'_, Self>, query: QueryId, node: NodeId) {
        let l = self.lookups.get_mut(&query).expect("active lookup");
        if self.ring.resolves(node, l.key) {
            l.phase = Phase::Fetching;
            l.at = self.ring.next(node);
        } else {
            l.at = self.ring.closest_preceding_finger(node, l.key);
            l.hops += 1;
        }
        if l.at == l.source && l.phase == Phase::Fetching {
            // The source is responsible itself: its own records answer.
            self.records_arrived(ctx, query);
        } else {
            let (source, at) = (l.source, l.at);
            request(ctx, query, source, at, false);
        }
    }

    fn records_arrived(&mut self, ctx: &mut Context<'_, Self>, query: QueryId) {
        let l = self.lookups.get_mut(&query).expect("active lookup");
        match check_provider(ctx, query, l.source, l.object) {
            Some(p) => {
                l.phase = Phase::Checking;
                l.at = p;
            }
            None => {
                self.lookups.remove(&query);
            }
        }
    }
}

impl Protocol for Chord {
    type Message = DhtMessage;
    type Timer = ();

    fn start_query(
        &mut self,
        ctx: &mut Context<'_, Self>,
        query: QueryId,
        source: NodeId,
        object: ObjectId,
    ) {
        let key = self.keys[object as usize];
        self.lookups.insert(
            query,
            Lookup {
                source,
                object,
                key,
                at: source,
                hops: 0,
                phase: Phase::Routing,
            },
        );
        self.advance(ctx, query, source);
    }

    fn on_message(
        &mut self,
        ctx: &mut Context<'_, Self>,
        to: NodeId,
        from: NodeId,
        msg: DhtMessage,
    ) {
        match msg {
            DhtMessage::Request { query, check } => super::answer(ctx, query, to, from, check),
            DhtMessage::Response { query, .. } => {
                let l = &self.lookups[&query];
                match l.phase {
                    Phase::Routing => self.advance(ctx, query, from),
                    Phase::Fetching => self.records_arrived(ctx, query),
                    Phase::Checking => {
                        let hops = l.hops;
                        self.lookups.remove(&query);
                        ctx.deliver_hit(query, hops);
                    }
                }
            }
        }
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
            assert_eq!(ring.responsible(key, 4), expected);
            assert_eq!(ring.successor(key), expected[0]);
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
