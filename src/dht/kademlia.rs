//! Kademlia (Maymounkov & Mazières, IPTPS 2002) over 64-bit ids with the XOR metric.
//!
//! Node n's bucket i holds up to `k` nodes whose ids differ from n's first at bit i (distance
//! in [2^i, 2^(i+1))), drawn at random among all such nodes: the table of a long-running
//! network without churn. A lookup for key x keeps a shortlist of the `k` closest nodes it
//! knows (seeded from the source's own buckets) and proceeds in rounds: it asks the `alpha`
//! closest nodes not yet asked, in parallel, and waits for all their answers; each answer adds
//! the k closest nodes that node knows. A node among the k closest to x holds the records and
//! answers with them instead. The lookup fails when the k closest in the shortlist have all
//! been asked without a record. `first_hit_hops` is the number of rounds until the records
//! arrived (0 when the source holds them).

use super::{DhtMessage, Identifiers, check_provider, request};
use crate::content::ObjectId;
use crate::engine::{Context, Protocol, QueryId};
use crate::rng::{Sample, SimRng};
use crate::search::IdMap;
use crate::topology::NodeId;

/// Every node's k-buckets, flattened.
#[derive(Clone, Debug)]
pub struct KademliaTables {
    ids: Vec<u64>,
    sorted: Vec<(u64, NodeId)>,
    offsets: Vec<usize>,
    contacts: Vec<NodeId>,
}

impl KademliaTables {
    /// Fills every node's buckets with up to `k` random nodes of each distance range.
    pub fn new(ids: &[u64], k: u32, rng: &mut SimRng) -> Self {
        let mut sorted: Vec<(u64, NodeId)> = ids
            .iter()
            .enumerate()
            .map(|(v, &id)| (id, v as NodeId))
            .collect();
        sorted.sort_unstable();
        let mut offsets = Vec::with_capacity(ids.len() + 1);
        let mut contacts = Vec::new();
        for &x in ids {
            offsets.push(contacts.len());
            for bit in (0..64).rev() {
                let low_mask = (1u64 << bit) - 1;
                let lo = (x ^ (1u64 << bit)) & !low_mask;
                let hi = lo | low_mask;
                let start = sorted.partition_point(|&(id, _)| id < lo);
                let end = sorted.partition_point(|&(id, _)| id <= hi);
                let count = (end - start) as u32;
                for j in rng.distinct(count.min(k), count) {
                    contacts.push(sorted[start + j as usize].1);
                }
            }
        }
        offsets.push(contacts.len());
        KademliaTables {
            ids: ids.to_vec(),
            sorted,
            offsets,
            contacts,
        }
    }

    /// The nodes `node` knows.
    pub fn contacts(&self, node: NodeId) -> &[NodeId] {
        &self.contacts[self.offsets[node as usize]..self.offsets[node as usize + 1]]
    }

    /// The `k` nodes whose ids are closest to `key` by XOR, closest first.
    pub fn closest(&self, key: u64, k: usize) -> Vec<NodeId> {
        let mut out = Vec::with_capacity(k);
        self.collect(key, 0, self.sorted.len(), 63, k, &mut out);
        out
    }

    /// Appends the nodes of sorted[lo..hi] (all sharing the bits above `bit`) in XOR order
    /// from `key` until `out` holds `k`.
    fn collect(&self, key: u64, lo: usize, hi: usize, bit: i32, k: usize, out: &mut Vec<NodeId>) {
        if lo >= hi || out.len() >= k {
            return;
        }
        if bit < 0 {
            out.push(self.sorted[lo].1);
            return;
        }
        let mid = lo + self.sorted[lo..hi].partition_point(|&(id, _)| id >> bit & 1 == 0);
        let (near, far) = if key >> bit & 1 == 0 {
            ((lo, mid), (mid, hi))
        } else {
            ((mid, hi), (lo, mid))
        };
        self.collect(key, near.0, near.1, bit - 1, k, out);
        self.collect(key, far.0, far.1, bit - 1, k, out);
    }
}

struct Lookup {
    source: NodeId,
    object: ObjectId,
    key: u64,
    /// (distance to the key, node, asked), closest first, at most k entries.
    shortlist: Vec<(u64, NodeId, bool)>,
    pending: u32,
    rounds: u32,
    found: bool,
}

/// The Kademlia protocol.
pub struct Kademlia {
    tables: KademliaTables,
    keys: Vec<u64>,
    k: usize,
    alpha: usize,
    /// Record holders per object asked so far; looked up by id, never iterated.
    responsible: IdMap<ObjectId, Vec<NodeId>>,
    /// Active lookups only; looked up by id, never iterated.
    lookups: IdMap<QueryId, Lookup>,
}

impl Kademlia {
    /// Kademlia over the given identifiers, buckets filled from `rng`.
    pub fn new(ids: &Identifiers, k: u32, alpha: u32, rng: &mut SimRng) -> Self {
        Kademlia {
            tables: KademliaTables::new(&ids.node, k, rng),
            keys: ids.key.clone(),
            k: k as usize,
            alpha: alpha as usize,
            responsible: IdMap::default(),
            lookups: IdMap::default(),
        }
    }

    fn holds_records(&mut self, object: ObjectId, node: NodeId) -> bool {
        let (tables, key, k) = (&self.tables, self.keys[object as usize], self.k);
        self.responsible
            .entry(object)
            .or_insert_with(|| tables.closest(key, k))
            .contains(&node)
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

    fn found(&mut self, ctx: &mut Context<'_, Self>, query: QueryId) {
        let l = self.lookups.get_mut(&query).expect("active lookup");
        l.found = true;
        if check_provider(ctx, query, l.source, l.object).is_none() {
            self.lookups.remove(&query);
        }
    }
}

impl Protocol for Kademlia {
    type Message = DhtMessage;
    type Timer = ();

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
            },
        );
        if self.holds_records(object, source) {
            self.found(ctx, query);
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
            DhtMessage::Response { query, check: true } => {
                let rounds = self.lookups[&query].rounds;
                self.lookups.remove(&query);
                ctx.deliver_hit(query, rounds);
            }
            DhtMessage::Response {
                query,
                check: false,
            } => {
                // Late answers of a lookup that already has its records are ignored.
                let Some(l) = self.lookups.get_mut(&query) else {
                    return;
                };
                if l.found {
                    return;
                }
                l.pending -= 1;
                let object = l.object;
                if self.holds_records(object, from) {
                    self.found(ctx, query);
                    return;
                }
                self.learn(query, from);
                if self.lookups[&query].pending == 0 {
                    self.round(ctx, query);
                }
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
        let t = KademliaTables::new(&ids.node, 8, &mut stream(1, 0, StreamKind::Protocol, 9));
        for &key in &ids.key {
            let mut all: Vec<(u64, NodeId)> = ids
                .node
                .iter()
                .enumerate()
                .map(|(v, &id)| (id ^ key, v as NodeId))
                .collect();
            all.sort_unstable();
            let expected: Vec<NodeId> = all.iter().take(20).map(|p| p.1).collect();
            assert_eq!(t.closest(key, 20), expected);
        }
    }

    #[test]
    fn buckets_hold_k_nodes_of_the_right_distance() {
        let ids = Identifiers::draw(3, 0, 2000, 0);
        let k = 5;
        let t = KademliaTables::new(&ids.node, k, &mut stream(1, 0, StreamKind::Protocol, 9));
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
