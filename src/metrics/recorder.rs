//! The recorder: the one interface through which protocols report what happened. It keeps
//! the per-query records, the maintenance messages per window and each node's load; nothing
//! it holds steers a protocol.

use super::QueryRecord;
use crate::time::{SimDuration, SimTime};

/// What one variant's run reported, query by query, window by window and node by node.
#[derive(Clone, Debug)]
pub struct Recorder {
    records: Vec<QueryRecord>,
    node_load: Vec<u32>,
    maintenance: Vec<u64>,
    /// Width of a maintenance window, µs (at least 1).
    window: u64,
    qrp: Option<QrpCounts>,
}

/// What Query Routing tables did in one run (only when a variant models them).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct QrpCounts {
    /// Query messages ultrapeers passed to leaves because the leaf's table matched.
    pub leaf_messages: u64,
    /// Of those, messages to leaves without the object (false positives).
    pub leaf_false_positives: u64,
    /// Last-hop query messages between ultrapeers whose aggregate table matched.
    pub last_hop_messages: u64,
    /// Of those, messages to ultrapeers whose unit (itself and its leaves) lacks the object.
    pub last_hop_false_positives: u64,
    /// Route table messages (RESET and PATCH) sent.
    pub table_messages: u64,
    /// Bytes of those messages.
    pub table_bytes: u64,
}

impl QrpCounts {
    /// Adds `other`'s counts.
    pub fn add(&mut self, other: &QrpCounts) {
        self.leaf_messages += other.leaf_messages;
        self.leaf_false_positives += other.leaf_false_positives;
        self.last_hop_messages += other.last_hop_messages;
        self.last_hop_false_positives += other.last_hop_false_positives;
        self.table_messages += other.table_messages;
        self.table_bytes += other.table_bytes;
    }
}

/// Everything a finished run reported.
#[derive(Clone, Debug)]
pub struct Recorded {
    /// One record per query, in workload order.
    pub records: Vec<QueryRecord>,
    /// Messages each node received.
    pub node_load: Vec<u32>,
    /// Maintenance messages per `timeseries.csv` window.
    pub maintenance: Vec<u64>,
    /// What the Query Routing tables did, if the variant models them.
    pub qrp: Option<QrpCounts>,
}

impl Recorder {
    /// An empty recorder for `queries` queries on `nodes` nodes, counting maintenance in
    /// windows of `window`.
    pub fn new(queries: usize, nodes: usize, window: SimDuration) -> Self {
        Recorder {
            records: vec![QueryRecord::default(); queries],
            node_load: vec![0; nodes],
            maintenance: Vec::new(),
            window: window.micros().max(1),
            qrp: None,
        }
    }

    /// `count` request messages of `query`, `bytes` bytes each, were sent.
    #[inline]
    pub fn sent(&mut self, query: u32, count: u32, bytes: u32) {
        self.records[query as usize].requests(count, bytes);
    }

    /// A response message of `query` (a QueryHit hop, a check-in, a reply) of `bytes` bytes
    /// was sent.
    #[inline]
    pub fn responded(&mut self, query: u32, bytes: u32) {
        self.records[query as usize].response(bytes);
    }

    /// A copy of `query` reached a node that had already seen it.
    #[inline]
    pub fn duplicate(&mut self, query: u32) {
        self.records[query as usize].duplicate();
    }

    /// `query` reached a node for the first time.
    #[inline]
    pub fn reached(&mut self, query: u32) {
        self.records[query as usize].reached();
    }

    /// A hit of `query`, found `hops` away, reached its source `elapsed` after issue.
    pub fn hit(&mut self, query: u32, hops: u32, elapsed: SimDuration) {
        self.records[query as usize].hit(hops, elapsed);
    }

    /// A QueryHit of `query` was lost (to churn, or dropped at a full queue).
    pub fn hit_lost(&mut self, query: u32) {
        self.records[query as usize].hits_lost += 1;
    }

    /// A message of `query` was dropped at a full queue.
    #[inline]
    pub fn dropped(&mut self, query: u32) {
        self.records[query as usize].dropped += 1;
    }

    /// An RPC of `query` timed out.
    pub fn rpc_timeout(&mut self, query: u32) {
        self.records[query as usize].rpc_timeouts += 1;
    }

    /// `messages` maintenance messages (routing upkeep, not query traffic) were sent at `now`.
    pub fn maintenance(&mut self, now: SimTime, messages: u64) {
        let w = (now.micros() / self.window) as usize;
        if self.maintenance.len() <= w {
            self.maintenance.resize(w + 1, 0);
        }
        self.maintenance[w] += messages;
    }

    /// The variant models Query Routing tables: their counts are kept and reported.
    pub fn enable_qrp(&mut self) {
        self.qrp.get_or_insert_with(QrpCounts::default);
    }

    /// An ultrapeer passed a query to `leaves` leaves whose tables matched, `leaf_misses` of
    /// them without the object, and on the last hop to `ultrapeers` ultrapeers whose tables
    /// matched, `ultrapeer_misses` of them without it in their unit.
    pub fn qrp_routed(
        &mut self,
        leaves: u32,
        leaf_misses: u32,
        ultrapeers: u32,
        ultrapeer_misses: u32,
    ) {
        let q = self.qrp.get_or_insert_with(QrpCounts::default);
        q.leaf_messages += u64::from(leaves);
        q.leaf_false_positives += u64::from(leaf_misses);
        q.last_hop_messages += u64::from(ultrapeers);
        q.last_hop_false_positives += u64::from(ultrapeer_misses);
    }

    /// `messages` route table messages of `bytes` bytes in all were sent.
    pub fn qrp_tables(&mut self, messages: u64, bytes: u64) {
        let q = self.qrp.get_or_insert_with(QrpCounts::default);
        q.table_messages += messages;
        q.table_bytes += bytes;
    }

    /// `node` received a message.
    #[inline]
    pub fn received(&mut self, node: u32) {
        let load = &mut self.node_load[node as usize];
        *load = load.saturating_add(1);
    }

    /// A hint that `node` will soon receive a message.
    #[inline(always)]
    pub fn prefetch_load(&self, node: u32) {
        crate::hint::prefetch(&self.node_load, node as usize);
    }

    /// Hits of `query` counted so far.
    pub fn hits(&self, query: u32) -> u32 {
        self.records[query as usize].hits
    }

    /// What the run reported.
    pub fn finish(self) -> Recorded {
        Recorded {
            records: self.records,
            node_load: self.node_load,
            maintenance: self.maintenance,
            qrp: self.qrp,
        }
    }
}
