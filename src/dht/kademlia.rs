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

use super::{
    DhtMessage, DhtTimer, Identifiers, Records, Upkeep, again, check_next, lost, publish_all,
    random_phase, republish, request,
};
use crate::content::ObjectId;
use crate::ids::IdMap;
use crate::rng::{Sample, SimRng};
use crate::sim::{Context, Protocol, QueryId};
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

struct Lookup {
    source: NodeId,
    object: ObjectId,
    key: u64,
    /// (distance to the key, node, asked), closest first, at most k entries.
    shortlist: Vec<(u64, NodeId, bool)>,
    pending: u32,
    rounds: u32,
    found: bool,
    /// Providers still to check, in reverse order, and the one being checked.
    providers: Vec<NodeId>,
    checking: NodeId,
}

/// The Kademlia protocol.
pub struct Kademlia {
    tables: KademliaTables,
    keys: Vec<u64>,
    k: usize,
    alpha: usize,
    refresh: crate::time::SimDuration,
    upkeep: Upkeep,
    bucket_rng: SimRng,
    session: Vec<u32>,
    records: Records,
    /// Active lookups only; looked up by id, never iterated.
    lookups: IdMap<QueryId, Lookup>,
}

impl Kademlia {
    /// Kademlia over the given identifiers; buckets are filled from `bucket_rng`.
    pub fn new(
        ids: &Identifiers,
        k: u32,
        alpha: u32,
        refresh: crate::time::SimDuration,
        upkeep: Upkeep,
        bucket_rng: SimRng,
    ) -> Self {
        Kademlia {
            tables: KademliaTables::new(&ids.node, k),
            keys: ids.key.clone(),
            k: k as usize,
            alpha: alpha as usize,
            refresh,
            upkeep,
            bucket_rng,
            session: vec![0; ids.node.len()],
            records: Records::new(ids.key.len() as u32, upkeep),
            lookups: IdMap::default(),
        }
    }

    /// Adds what `node` knows about the key to the shortlist.
    fn learn(&mut self, query: QueryId, node: NodeId) {
        let l = self.lookups.get_mut(&query).expect("active lookup");
        for &c in self.tables.contacts(node) {
            if c == l.source || l.shortlist.iter().any(|e| e.1 == c) {
                continue;
            }
            let d = self.tables.ids[c as usize] ^ l.key;
            if l.shortlist.len() < self.k || d < l.shortlist[self.k - 1].0 {
                let at = l.shortlist.partition_point(|e| e.0 < d);
                l.shortlist.insert(at, (d, c, false));
                l.shortlist.truncate(self.k);
            }
        }
    }

    /// Starts the next round, or ends a lookup that has asked all of its k closest.
    fn round(&mut self, ctx: &mut Context<'_, Self>, query: QueryId) {
        let l = self.lookups.get_mut(&query).expect("active lookup");
        let mut asked = 0;
        for e in l.shortlist.iter_mut().filter(|e| !e.2).take(self.alpha) {
            e.2 = true;
            request(ctx, query, l.source, e.1, false);
            asked += 1;
        }
        if asked == 0 {
            self.lookups.remove(&query);
        } else {
            l.pending = asked;
            l.rounds += 1;
        }
    }

    /// One routing answer (or timeout) is in; `from` holds records if `records` is set.
    fn answered(&mut self, ctx: &mut Context<'_, Self>, query: QueryId, from: Option<NodeId>) {
        let Some(l) = self.lookups.get_mut(&query) else {
            return;
        };
        if l.found {
            // Late answers of a lookup that already has its records are ignored.
            return;
        }
        l.pending -= 1;
        if let Some(node) = from {
            let (object, source) = (l.object, l.source);
            if self.records.holds(ctx, object, node) {
                let l = self.lookups.get_mut(&query).expect("active lookup");
                l.found = true;
                l.providers = self.records.provider_stack(ctx, object, node, source);
                self.check_next_provider(ctx, query);
                return;
            }
            self.learn(query, node);
        }
        if self.lookups[&query].pending == 0 {
            self.round(ctx, query);
        }
    }

    fn check_next_provider(&mut self, ctx: &mut Context<'_, Self>, query: QueryId) {
        let l = self.lookups.get_mut(&query).expect("active lookup");
        match check_next(ctx, query, l.source, &mut l.providers) {
            Some(p) => l.checking = p,
            None => {
                self.lookups.remove(&query);
            }
        }
    }

    /// Refills `node`'s buckets and counts the messages it costs.
    fn refill(&mut self, ctx: &mut Context<'_, Self>, node: NodeId) {
        let online = |v: NodeId| v != node && ctx.is_online(v);
        let (pinged, added) = self.tables.refill(node, online, &mut self.bucket_rng);
        if self.upkeep.churn {
            ctx.maintenance(2 * (pinged + added));
        }
    }

    fn targets(&self, ctx: &Context<'_, Self>, object: ObjectId) -> Vec<NodeId> {
        let key = self.keys[object as usize];
        self.tables.closest(key, self.k, &|v| ctx.is_online(v))
    }

    fn start_timers(&mut self, ctx: &mut Context<'_, Self>, node: NodeId) {
        if self.upkeep.churn {
            let session = self.session[node as usize];
            let phase = random_phase(ctx, self.refresh);
            ctx.set_timer(node, phase, DhtTimer::Refresh { table: 0, session });
        }
    }
}

impl Protocol for Kademlia {
    type Message = DhtMessage;
    type Timer = DhtTimer;

    /// Lookups route by identifier, never over the overlay's links.
    fn reads_neighbours(&self, _msg: &DhtMessage) -> bool {
        false
    }

    fn active_queries(&self) -> usize {
        self.lookups.len()
    }

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        for v in 0..self.session.len() as NodeId {
            if ctx.is_online(v) {
                self.refill(ctx, v);
                self.start_timers(ctx, v);
            }
        }
        let targets: Vec<Vec<NodeId>> = (0..ctx.content().objects())
            .map(|o| self.targets(ctx, o))
            .collect();
        publish_all(ctx, &mut self.records, self.upkeep, &targets);
    }

    fn on_join(&mut self, ctx: &mut Context<'_, Self>, node: NodeId) {
        self.session[node as usize] += 1;
        self.refill(ctx, node);
        self.start_timers(ctx, node);
    }

    fn start_query(
        &mut self,
        ctx: &mut Context<'_, Self>,
        query: QueryId,
        source: NodeId,
        object: ObjectId,
    ) {
        self.lookups.insert(
            query,
            Lookup {
                source,
                object,
                key: self.keys[object as usize],
                shortlist: Vec::with_capacity(self.k + 1),
                pending: 0,
                rounds: 0,
                found: false,
                providers: Vec::new(),
                checking: source,
            },
        );
        if self.records.holds(ctx, object, source) {
            let l = self.lookups.get_mut(&query).expect("active lookup");
            l.found = true;
            l.providers = self.records.provider_stack(ctx, object, source, source);
            self.check_next_provider(ctx, query);
        } else {
            self.learn(query, source);
            self.round(ctx, query);
        }
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
            DhtMessage::Response { query, check } => {
                if !ctx.source_active(query) {
                    self.lookups.remove(&query);
                } else if check {
                    if let Some(l) = self.lookups.remove(&query) {
                        ctx.deliver_hit(query, l.rounds);
                    }
                } else {
                    self.answered(ctx, query, Some(from));
                }
            }
        }
    }

    fn on_lost(&mut self, ctx: &mut Context<'_, Self>, to: NodeId, from: NodeId, msg: DhtMessage) {
        if let Some(query) = lost(ctx, self.upkeep, to, from, msg) {
            self.lookups.remove(&query);
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, node: NodeId, timer: DhtTimer) {
        match timer {
            DhtTimer::Timeout { query, node: gone } => {
                let Some(l) = self.lookups.get(&query) else {
                    return;
                };
                ctx.report().rpc_timeout(query);
                if !ctx.source_active(query) {
                    self.lookups.remove(&query);
                } else if !l.found {
                    self.answered(ctx, query, None);
                } else if l.checking == gone {
                    self.check_next_provider(ctx, query);
                }
            }
            DhtTimer::Refresh { session, .. } => {
                if ctx.is_online(node) && self.session[node as usize] == session {
                    self.refill(ctx, node);
                    again(ctx, node, self.refresh, timer);
                }
            }
            DhtTimer::Republish { object } => {
                let targets = ctx.is_online(node).then(|| self.targets(ctx, object));
                let (records, upkeep) = (&mut self.records, self.upkeep);
                republish(ctx, records, upkeep, node, object, targets, self.k as u32);
            }
        }
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
