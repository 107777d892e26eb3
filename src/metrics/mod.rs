//! Per-query records and their aggregation into the figures of `summary.json` and
//! `timeseries.csv`. Nothing here knows a file format.

mod aggregate;
pub mod catalogue;
mod queues;
mod recorder;
mod stats;
pub mod trace;

pub use aggregate::{
    ByReplicas, NetworkStats, QrpSummary, Summary, TimeseriesRow, VariantSummary, bucket,
    bucket_bounds, summarize, timeseries,
};
pub use catalogue::{CATALOGUE, Figure, Metric, RunRow};
pub use queues::{QueueStats, QueueWindow};
pub use recorder::{NodeCounters, QrpCounts, Recorded, Recorder};
pub use stats::{Distribution, wilson_interval};

use crate::time::SimDuration;

/// What one query cost and found. Protocols fill it through the engine's context.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct QueryRecord {
    /// Request messages: query copies (duplicates included), walker steps, lookups.
    pub messages: u64,
    /// Messages travelling back: QueryHits per hop, check-ins, replies.
    pub response_messages: u64,
    /// Copies that arrived at a node that had already seen the query.
    pub duplicates: u64,
    /// Bytes of all request and response messages.
    pub bytes: u64,
    /// Distinct nodes other than the source that processed the query.
    pub nodes_reached: u32,
    /// Hits that reached the source within the timeout.
    pub hits: u32,
    /// QueryHits lost: a node on the way back (or the source) was gone, or (under a capacity
    /// model) a queue on the way was full.
    pub hits_lost: u32,
    /// Messages of the query (requests and responses) dropped at full queues.
    pub dropped: u32,
    /// Requests to departed nodes that the source gave up on after its RPC timeout (DHTs).
    pub rpc_timeouts: u32,
    /// Overlay hops between the source and the first hit's responder.
    pub first_hit_hops: Option<u32>,
    /// Time from issue until the first hit reached the source.
    pub first_hit: Option<SimDuration>,
}

impl QueryRecord {
    /// Counts one request message of `bytes` bytes.
    #[inline]
    pub fn request(&mut self, bytes: u32) {
        self.requests(1, bytes);
    }

    /// Counts `count` request messages of `bytes` bytes each.
    #[inline]
    pub fn requests(&mut self, count: u32, bytes: u32) {
        self.messages += u64::from(count);
        self.bytes += u64::from(count) * u64::from(bytes);
    }

    /// Counts one response message of `bytes` bytes.
    #[inline]
    pub fn response(&mut self, bytes: u32) {
        self.response_messages += 1;
        self.bytes += u64::from(bytes);
    }

    /// Counts a duplicate arrival.
    #[inline]
    pub fn duplicate(&mut self) {
        self.duplicates += 1;
    }

    /// Counts a newly reached node.
    #[inline]
    pub fn reached(&mut self) {
        self.nodes_reached += 1;
    }

    /// Counts a hit that arrived `elapsed` after issue, found `hops` away.
    pub fn hit(&mut self, hops: u32, elapsed: SimDuration) {
        self.hits += 1;
        if self.first_hit.is_none() {
            self.first_hit = Some(elapsed);
            self.first_hit_hops = Some(hops);
        }
    }

    /// Whether at least one hit arrived in time.
    pub fn success(&self) -> bool {
        self.hits > 0
    }
}

/// The world-side facts about one query, shared by every variant of a replica.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct QueryInfo {
    /// Issue time, µs.
    pub issued_us: u64,
    /// The source's label (its id in outputs).
    pub source: u64,
    /// The object asked for.
    pub object: u32,
    /// Online copies of the object at issue time, not counting a copy on the source itself.
    pub replicas_online: u32,
}

/// One variant's run on one replica's world.
#[derive(Clone, Debug)]
pub struct VariantRun {
    /// One record per query, in workload order.
    pub records: Vec<QueryRecord>,
    /// Messages received by the busiest node.
    pub peak_node_load: u32,
    /// Messages received per node, averaged over all nodes.
    pub mean_node_load: f64,
    /// Events the engine processed.
    pub events: u64,
    /// Maintenance messages of the protocol itself, per `timeseries.csv` window.
    pub maintenance: Vec<u64>,
    /// What the nodes' queues measured (under a capacity model).
    pub queues: Option<QueueStats>,
    /// What the Query Routing tables did (variants that model them).
    pub qrp: Option<QrpCounts>,
    /// What each node did, when `nodes.csv` was asked for.
    pub nodes: Option<Vec<NodeCounters>>,
    /// The message trace of the traced queries (`--trace`; empty without one).
    pub trace: Vec<trace::TraceEvent>,
}

/// Everything one replica produced.
#[derive(Clone, Debug)]
pub struct ReplicaResult {
    /// Replica index.
    pub replica: u32,
    /// The replica's overlay.
    pub network: NetworkStats,
    /// The queries, in issue order.
    pub queries: Vec<QueryInfo>,
    /// One run per variant simulated, in the order asked (all variants for `floodsim run`).
    pub runs: Vec<VariantRun>,
    /// End of the run, µs: the last query's issue time plus the timeout.
    pub horizon_us: u64,
    /// The overlay per `timeseries.csv` window under churn (shared by every variant).
    pub overlay: Option<Vec<OverlayWindow>>,
    /// Each node's place in the world, when `nodes.csv` was asked for.
    pub nodes: Option<Vec<NodeFacts>>,
}

/// What the world says of one node (shared by every variant of a replica).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct NodeFacts {
    /// Its id in outputs (the file's label for file topologies).
    pub label: u64,
    /// Its degree in the overlay as built.
    pub degree: u32,
    /// Messages it processes per second, under a capacity model.
    pub capacity: Option<f64>,
}

/// The overlay's state averaged over one `timeseries.csv` window.
#[derive(Copy, Clone, Debug, Default, PartialEq)]
pub struct OverlayWindow {
    /// Time-averaged number of online nodes.
    pub online_nodes: f64,
    /// Time-averaged links per online node (both ends counted, stale links included).
    pub mean_degree: f64,
    /// Maintenance messages sent by the overlay's repair in the window.
    pub maintenance_messages: u64,
}
