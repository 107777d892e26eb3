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

    /// What `query` reported so far.
    pub fn record(&self, query: u32) -> &QueryRecord {
        &self.records[query as usize]
    }

    /// What the run reported.
    pub fn finish(self) -> Recorded {
        Recorded {
            records: self.records,
            node_load: self.node_load,
            maintenance: self.maintenance,
        }
    }
}
