//! Kademlia (Maymounkov & Mazières, IPTPS 2002) over 64-bit ids with the XOR metric.
//!
//! Node n's bucket i holds up to `k` nodes whose ids differ from n's first at bit i (distance
//! in [2^i, 2^(i+1))), drawn at random among the online ones. A lookup for key x keeps a
//! shortlist of the `k` closest nodes it knows (seeded from the source's own buckets) and
//! proceeds in rounds: it asks the `alpha` closest nodes not yet asked, in parallel, and waits
//! for all their answers (or their RPC timeouts); each answer adds the k closest nodes that
//! node knows. A node holding a live record for the object answers with the records instead.
//! The lookup fails when the k closest in the shortlist have all been asked without a record.
//! `first_hit_hops` is the number of rounds until the records arrived (0 when the source
//! holds them).
//!
//! Under churn each node refreshes its buckets every `refresh_s`: it pings its contacts
//! (2 messages each) and keeps those still online, least-recently-seen eviction's preference
//! for long-lived contacts, then fills each bucket up with random online nodes of its range
//! (2 messages per contact learned). A joining node fills its buckets the same way (a lookup of
//! its own id through a bootstrap node).

use super::{Dht, Identifiers, Lookup, Records, Routing, Step, Upkeep, request};
use crate::rng::{Sample, SimRng};
use crate::sim::{Context, QueryId};
use crate::time::SimDuration;
use crate::topology::NodeId;

/// Node ids in XOR order and every node's k-buckets.
#[derive(Clone, Debug)]
pub struct KademliaTables {
    ids: Vec<u64>,
    sorted: Vec<(u64, NodeId)>,
    k: u32,
    contacts: Vec<Vec<NodeId>>,
}

impl KademliaTables {
    /// Empty buckets for the given ids, `k` contacts per bucket.
    pub fn new(ids: &[u64], k: u32) -> Self {
        let mut sorted: Vec<(u64, NodeId)> = ids
            .iter()
            .enumerate()
            .map(|(v, &id)| (id, v as NodeId))
            .collect();
        sorted.sort_unstable();
        KademliaTables {
            ids: ids.to_vec(),
            sorted,
            k,
            contacts: vec![Vec::new(); ids.len()],
        }
    }

    /// Refills `node`'s buckets: keeps its contacts that pass `online` (in order), then adds
    /// random online nodes of each bucket's range up to `k`. Returns (old contacts pinged,
    /// contacts added).
    pub fn refill(
        &mut self,
        node: NodeId,
        online: impl Fn(NodeId) -> bool,
        rng: &mut SimRng,
    ) -> (u64, u64) {
        let x = self.ids[node as usize];
        let old = std::mem::take(&mut self.contacts[node as usize]);
        let pinged = old.len() as u64;
        let kept: Vec<NodeId> = old.into_iter().filter(|&c| online(c)).collect();
        let mut fresh = Vec::with_capacity(kept.len() + self.k as usize);
        let mut added = 0;
        for bit in (0..64).rev() {
            let low_mask = (1u64 << bit) - 1;
            let lo = (x ^ (1u64 << bit)) & !low_mask;
            let hi = lo | low_mask;
            let start = self.sorted.partition_point(|&(id, _)| id < lo);
            let end = self.sorted.partition_point(|&(id, _)| id <= hi);
            if start == end {
                continue;
            }
            let bucket_start = fresh.len();
            fresh.extend(
                kept.iter()
                    .copied()
                    .filter(|&c| (lo..=hi).contains(&self.ids[c as usize])),
            );
            let count = (end - start) as u32;
            // Twice the room in random draws, then keep the online ones not already known.
            let room = self.k as usize - (fresh.len() - bucket_start).min(self.k as usize);
            if room == 0 {
                continue;
            }
            for j in rng.distinct((2 * room as u32).min(count), count) {
                let c = self.sorted[start + j as usize].1;
                if fresh.len() - bucket_start >= self.k as usize {
                    break;
                }
                if online(c) && !fresh[bucket_start..].contains(&c) {
                    fresh.push(c);
                    added += 1;
                }
            }
        }
        // Buckets are refilled often; keep only what they hold.
        fresh.shrink_to_fit();
        self.contacts[node as usize] = fresh;
        (pinged, added)
    }

    /// The nodes `node` knows.
    pub fn contacts(&self, node: NodeId) -> &[NodeId] {
        &self.contacts[node as usize]
    }

    /// The `k` nodes passing `online` whose ids are closest to `key` by XOR, closest first.
    pub fn closest(&self, key: u64, k: usize, online: &dyn Fn(NodeId) -> bool) -> Vec<NodeId> {
        let mut out = Vec::with_capacity(k);
        self.collect(key, 0, self.sorted.len(), 63, k, online, &mut out);
        out
    }

    /// Appends the nodes of sorted[lo..hi] (all sharing the bits above `bit`) in XOR order
    /// from `key` until `out` holds `k`.
    #[allow(clippy::too_many_arguments)]
    fn collect(
        &self,
        key: u64,
        lo: usize,
        hi: usize,
        bit: i32,
        k: usize,
        online: &dyn Fn(NodeId) -> bool,
        out: &mut Vec<NodeId>,
    ) {
        if lo >= hi || out.len() >= k {
            return;
        }
        if hi - lo <= SMALL_RANGE {
            // Few enough to sort by distance outright instead of descending bit by bit.
            let mut near = [(0u64, 0 as NodeId); SMALL_RANGE];
            let near = &mut near[..hi - lo];
            for (slot, &(id, v)) in near.iter_mut().zip(&self.sorted[lo..hi]) {
                *slot = (id ^ key, v);
            }
            near.sort_unstable();
            let fits = k - out.len();
            out.extend(
                near.iter()
                    .map(|&(_, v)| v)
                    .filter(|&v| online(v))
                    .take(fits),
            );
            return;
        }
        if bit < 0 {
            // Equal ids (vanishingly rare with 64 bits): node order.
            let fits = k - out.len();
            let equal = self.sorted[lo..hi].iter().map(|&(_, v)| v);
            out.extend(equal.filter(|&v| online(v)).take(fits));
            return;
        }
        let mid = lo + self.sorted[lo..hi].partition_point(|&(id, _)| id >> bit & 1 == 0);
        let (near, far) = if key >> bit & 1 == 0 {
            ((lo, mid), (mid, hi))
        } else {
            ((mid, hi), (lo, mid))
        };
        self.collect(key, near.0, near.1, bit - 1, k, online, out);
        self.collect(key, far.0, far.1, bit - 1, k, online, out);
    }
}

/// Ranges of the sorted ids at most this long are ordered by a direct sort in `collect`.
const SMALL_RANGE: usize = 16;

/// A Kademlia lookup's routing state.
pub struct KademliaRoute {
    /// (distance to the key, node, asked), closest first, at most k entries.
    shortlist: Vec<(u64, NodeId, bool)>,
    pending: u32,
    rounds: u32,
}

/// The Kademlia protocol.
pub type Kademlia = Dht<KademliaRouting>;

/// Kademlia's buckets and lookup parameters.
pub struct KademliaRouting {
    tables: KademliaTables,
    k: usize,
    alpha: usize,
    refresh: SimDuration,
    churn: bool,
    bucket_rng: SimRng,
}

impl Kademlia {
    /// Kademlia over the given identifiers; buckets are filled from `bucket_rng`.
    pub fn new(
        ids: &Identifiers,
        k: u32,
        alpha: u32,
        refresh: SimDuration,
        upkeep: Upkeep,
        bucket_rng: SimRng,
    ) -> Self {
        let routing = KademliaRouting {
            tables: KademliaTables::new(&ids.node, k),
            k: k as usize,
            alpha: alpha as usize,
            refresh,
            churn: upkeep.churn,
            bucket_rng,
        };
        Dht::with_routing(ids, upkeep, routing)
    }
}

impl KademliaRouting {
    /// Adds what `node` knows about the key to the shortlist.
    fn learn(&self, l: &mut Lookup<KademliaRoute>, node: NodeId) {
        let shortlist = &mut l.route.shortlist;
        for &c in self.tables.contacts(node) {
            if c == l.source || shortlist.iter().any(|e| e.1 == c) {
                continue;
            }
            let d = self.tables.ids[c as usize] ^ l.key;
            if shortlist.len() < self.k || d < shortlist[self.k - 1].0 {
                let at = shortlist.partition_point(|e| e.0 < d);
                shortlist.insert(at, (d, c, false));
                shortlist.truncate(self.k);
            }
        }
    }

    /// Starts the next round once every answer of this one is in; fails a lookup that has
    /// asked all of its k closest.
    fn next_round(
        &self,
        ctx: &mut Context<'_, Kademlia>,
        query: QueryId,
        l: &mut Lookup<KademliaRoute>,
    ) -> Step {
        if l.route.pending > 0 {
            return Step::Wait;
        }
        let mut asked = 0;
        for e in l
            .route
            .shortlist
            .iter_mut()
            .filter(|e| !e.2)
            .take(self.alpha)
        {
            e.2 = true;
            request(ctx, query, l.source, e.1, false);
            asked += 1;
        }
        if asked == 0 {
            return Step::Fail;
        }
        l.route.pending = asked;
        l.route.rounds += 1;
        Step::Wait
    }

    /// Refills `node`'s buckets and counts the messages it costs.
    fn refill(&mut self, ctx: &mut Context<'_, Kademlia>, node: NodeId) {
        let online = |v: NodeId| v != node && ctx.is_online(v);
        let (pinged, added) = self.tables.refill(node, online, &mut self.bucket_rng);
        if self.churn {
            ctx.maintenance(2 * (pinged + added));
        }
    }
}

impl Routing for KademliaRouting {
    type Route = KademliaRoute;
    /// The buckets.
    const TABLES: u8 = 1;

    fn replicas(&self) -> u32 {
        self.k as u32
    }

    fn targets(&self, ctx: &Context<'_, Kademlia>, key: u64) -> Vec<NodeId> {
        self.tables.closest(key, self.k, &|v| ctx.is_online(v))
    }

    fn build(&mut self, ctx: &mut Context<'_, Kademlia>, node: NodeId) {
        self.refill(ctx, node);
    }

    fn period(&self, _table: u8) -> SimDuration {
        self.refresh
    }

    fn refresh(&mut self, ctx: &mut Context<'_, Kademlia>, node: NodeId, _table: u8) {
        self.refill(ctx, node);
    }

    fn route(&self) -> KademliaRoute {
        KademliaRoute {
            shortlist: Vec::with_capacity(self.k + 1),
            // The source's own answer.
            pending: 1,
            rounds: 0,
        }
    }

    /// A node holding records answers with them (a source holding them checks their
    /// providers at once).
    fn answered(
        &self,
        ctx: &mut Context<'_, Kademlia>,
        records: &Records,
        query: QueryId,
        l: &mut Lookup<KademliaRoute>,
        from: NodeId,
    ) -> Step {
        l.route.pending -= 1;
        if records.holds(ctx, l.object, from) {
            return Step::Records(from);
        }
        self.learn(l, from);
        self.next_round(ctx, query, l)
    }

    fn timed_out(
        &self,
        ctx: &mut Context<'_, Kademlia>,
        query: QueryId,
        l: &mut Lookup<KademliaRoute>,
        _gone: NodeId,
    ) -> Step {
        l.route.pending -= 1;
        self.next_round(ctx, query, l)
    }

    fn hops(route: &KademliaRoute) -> u32 {
        route.rounds
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamKind, stream};

    #[test]
    fn closest_nodes_match_a_brute_force_sort() {
        let ids = Identifiers::draw(2, 0, 700, 100);
        let t = KademliaTables::new(&ids.node, 8);
        for &key in &ids.key {
            let mut all: Vec<(u64, NodeId)> = ids
                .node
                .iter()
                .enumerate()
                .map(|(v, &id)| (id ^ key, v as NodeId))
                .collect();
            all.sort_unstable();
            let expected: Vec<NodeId> = all.iter().take(20).map(|p| p.1).collect();
            assert_eq!(t.closest(key, 20, &|_| true), expected);
            let odd: Vec<NodeId> = all
                .iter()
                .map(|p| p.1)
                .filter(|v| v % 2 == 1)
                .take(20)
                .collect();
            assert_eq!(t.closest(key, 20, &|v| v % 2 == 1), odd);
        }
    }

    #[test]
    fn buckets_hold_k_nodes_of_the_right_distance() {
        let ids = Identifiers::draw(3, 0, 2000, 0);
        let k = 5;
        let mut t = KademliaTables::new(&ids.node, k);
        let mut rng = stream(1, 0, StreamKind::Protocol, 9);
        for v in 0..2000u32 {
            t.refill(v, |c| c != v, &mut rng);
        }
        for v in 0..2000u32 {
            let x = ids.node[v as usize];
            let mut per_bucket = [0u32; 64];
            for &c in t.contacts(v) {
                let d = x ^ ids.node[c as usize];
                assert_ne!(d, 0, "a node knows itself");
                per_bucket[63 - d.leading_zeros() as usize] += 1;
            }
            for (bit, &n) in per_bucket.iter().enumerate() {
                let low_mask = (1u64 << bit) - 1;
                let lo = (x ^ (1 << bit)) & !low_mask;
                let available = ids.node.iter().filter(|&&id| id & !low_mask == lo).count() as u32;
                assert_eq!(n, available.min(k), "node {v} bucket {bit}");
            }
        }
    }
}
