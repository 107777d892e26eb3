//! The recorder: the one interface through which protocols report what happened. It keeps
//! the per-query records, the maintenance messages per window and each node's load, and, only
//! when `nodes.csv` is asked for, each node's counters ([`NodeCounters`]); nothing it holds
//! steers a protocol.

use super::QueryRecord;
use crate::time::{SimDuration, SimTime};
use crate::topology::NodeId;

/// What one variant's run reported, query by query, window by window and node by node.
#[derive(Clone, Debug)]
pub struct Recorder {
    records: Vec<QueryRecord>,
    node_load: Vec<u32>,
    maintenance: Vec<u64>,
    /// Width of a maintenance window, µs (at least 1).
    window: u64,
    qrp: Option<QrpCounts>,
    /// Per-node counters, only when asked for ([`Recorder::count_nodes`]).
    nodes: Option<Box<PerNode>>,
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

/// What one node did in one variant's run (a row of `nodes.csv` besides its degree and
/// capacity).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct NodeCounters {
    /// Messages it received and handled (requests and responses; not those lost or dropped).
    pub received: u64,
    /// Messages it sent: requests and responses, as the protocol reports them (a walker's
    /// check-in with its source counts though it is not simulated as a message).
    pub sent: u64,
    /// Request messages it sent for queries whose source it is not: the work it did for
    /// others (flood copies passed on, walker steps taken on; DHT requests are all sent by
    /// the source, so 0).
    pub forwarded: u64,
    /// Copies of a query it received after having seen that query.
    pub duplicates: u64,
    /// QueryHits it originated: answers for content it holds (or, in GIA, indexes), and a DHT
    /// provider's answer to the source's check.
    pub hits_served: u64,
    /// Messages dropped at its full queue (capacity model).
    pub dropped: u64,
    /// DHT provider records it holds at the end of the run (`None` for a protocol that stores
    /// none).
    pub records: Option<u64>,
    /// Time it was online between time zero and the run's horizon, µs.
    pub online_us: u64,
}

/// The per-node counters and what they need: each query's source.
#[derive(Clone, Debug)]
struct PerNode {
    sources: Vec<NodeId>,
    counters: Vec<NodeCounters>,
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
    /// Each node's counters, when they were asked for.
    pub nodes: Option<Vec<NodeCounters>>,
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
            nodes: None,
        }
    }

    /// Also counts what each node does ([`NodeCounters`]); `sources` holds each query's
    /// source, in workload order. Without this call nothing is counted per node.
    pub fn count_nodes(&mut self, sources: Vec<NodeId>) {
        self.nodes = Some(Box::new(PerNode {
            sources,
            counters: vec![NodeCounters::default(); self.node_load.len()],
        }));
    }

    /// `node`'s counters, when they are kept.
    #[inline]
    fn node(&mut self, node: NodeId) -> Option<&mut NodeCounters> {
        match &mut self.nodes {
            None => None,
            Some(n) => Some(&mut n.counters[node as usize]),
        }
    }

    /// `from` sent `count` request messages of `query`, `bytes` bytes each.
    #[inline]
    pub fn sent(&mut self, query: u32, from: NodeId, count: u32, bytes: u32) {
        self.records[query as usize].requests(count, bytes);
        if let Some(n) = &mut self.nodes {
            let c = &mut n.counters[from as usize];
            c.sent += u64::from(count);
            if n.sources[query as usize] != from {
                c.forwarded += u64::from(count);
            }
        }
    }

    /// `from` sent a response message of `query` (a QueryHit hop, a check-in, a reply) of
    /// `bytes` bytes.
    #[inline]
    pub fn responded(&mut self, query: u32, from: NodeId, bytes: u32) {
        self.records[query as usize].response(bytes);
        if let Some(c) = self.node(from) {
            c.sent += 1;
        }
    }

    /// A copy of `query` reached `at`, which had already seen it.
    #[inline]
    pub fn duplicate(&mut self, query: u32, at: NodeId) {
        self.records[query as usize].duplicate();
        if let Some(c) = self.node(at) {
            c.duplicates += 1;
        }
    }

    /// `at` answered a query with a hit (a QueryHit it originates; report its message with
    /// [`Recorder::responded`] as well).
    #[inline]
    pub fn hit_served(&mut self, at: NodeId) {
        if let Some(c) = self.node(at) {
            c.hits_served += 1;
        }
    }

    /// `at` holds `records` DHT provider records at the end of the run.
    pub fn stored(&mut self, at: NodeId, records: u64) {
        if let Some(c) = self.node(at) {
            *c.records.get_or_insert(0) += records;
        }
    }

    /// `node` was online for `time` (one session, or its part before the horizon).
    pub fn online_for(&mut self, node: NodeId, time: SimDuration) {
        if let Some(c) = self.node(node) {
            c.online_us += time.micros();
        }
    }

    /// Whether per-node counters are kept.
    pub fn counts_nodes(&self) -> bool {
        self.nodes.is_some()
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

    /// A message (of `query`, if it belongs to one) was dropped at `at`'s full queue.
    #[inline]
    pub fn dropped(&mut self, query: Option<u32>, at: NodeId) {
        if let Some(query) = query {
            self.records[query as usize].dropped += 1;
        }
        if let Some(c) = self.node(at) {
            c.dropped += 1;
        }
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

    /// A hint that `query`'s record will soon be updated.
    #[inline(always)]
    pub fn prefetch_record(&self, query: u32) {
        crate::hint::prefetch(&self.records, query as usize);
    }

    /// Hits of `query` counted so far.
    pub fn hits(&self, query: u32) -> u32 {
        self.records[query as usize].hits
    }

    /// What `query` reported so far.
    pub fn record(&self, query: u32) -> &QueryRecord {
        &self.records[query as usize]
    }

    /// What the run reported.
    pub fn finish(self) -> Recorded {
        let nodes = self.nodes.map(|n| {
            let mut counters = n.counters;
            for (c, &load) in counters.iter_mut().zip(&self.node_load) {
                c.received = u64::from(load);
            }
            counters
        });
        Recorded {
            records: self.records,
            node_load: self.node_load,
            maintenance: self.maintenance,
            qrp: self.qrp,
            nodes,
        }
    }
}
