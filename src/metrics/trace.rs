//! Message traces: every message event of a few chosen queries, in event order (`trace.csv`,
//! and the data `floodsim animate` plays).
//!
//! A trace has two sorts of rows. A *send* row is written when a message of a traced query is
//! sent: its kind and TTL/hops are the protocol's own description of the message
//! ([`MessageInfo`]), and it carries the time the message reaches its receiver. An *arrival*
//! row says what became of a message at its receiver: it was a duplicate or reached a node for
//! the first time (as the protocol reported to the recorder while handling it), or it was lost
//! (receiver offline) or dropped (receiver's queue full). Arrival rows come before the sends
//! they caused.

use crate::time::SimTime;

/// What a message is, as its protocol describes it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum MessageKind {
    /// A flooded query copy.
    Query,
    /// A QueryHit (or a walker's hit report) travelling to the source.
    Hit,
    /// One step of a random walker.
    WalkerStep,
    /// A DHT lookup request from the source to a node.
    Lookup,
    /// A DHT node's reply to the source.
    Reply,
}

/// A protocol's description of one message ([`crate::metrics`] keeps no protocol state).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct MessageInfo {
    /// What the message is.
    pub kind: MessageKind,
    /// Time-to-live as carried (flood copies), or steps left (walkers).
    pub ttl: Option<u32>,
    /// Overlay hops from the source including this one (query copies, walker steps), or the
    /// responder's distance (hits).
    pub hops: Option<u32>,
}

/// What a trace row records.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum EventKind {
    /// A message was sent.
    Sent(MessageKind),
    /// A request reached a node that had already seen the query.
    Duplicate,
    /// A request reached a node for the first time (it counts in `nodes_reached`).
    Reached,
    /// The receiver was offline.
    Lost,
    /// The receiver's queue was full.
    Dropped,
}

impl EventKind {
    /// The `kind` column of `trace.csv`.
    pub fn name(self) -> &'static str {
        match self {
            EventKind::Sent(MessageKind::Query) => "query",
            EventKind::Sent(MessageKind::Hit) => "hit",
            EventKind::Sent(MessageKind::WalkerStep) => "walker-step",
            EventKind::Sent(MessageKind::Lookup) => "lookup",
            EventKind::Sent(MessageKind::Reply) => "reply",
            EventKind::Duplicate => "duplicate",
            EventKind::Reached => "reached",
            EventKind::Lost => "lost",
            EventKind::Dropped => "dropped",
        }
    }

    /// Whether a sent message of this kind counts in `messages` (a request) rather than
    /// `response_messages`.
    pub fn is_request(self) -> bool {
        matches!(
            self,
            EventKind::Sent(MessageKind::Query | MessageKind::WalkerStep | MessageKind::Lookup)
        )
    }
}

/// One row of a trace.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TraceEvent {
    /// The query the message belongs to.
    pub query: u32,
    /// When it happened (sent, or handled at the receiver).
    pub time: SimTime,
    /// What happened.
    pub kind: EventKind,
    /// Sender (a node id; `floodsim run` writes the overlay's node labels, as `queries.csv`).
    pub from: u64,
    /// Receiver.
    pub to: u64,
    /// The message's TTL or steps left, if it has one.
    pub ttl: Option<u32>,
    /// The message's hop count, if it has one.
    pub hops: Option<u32>,
    /// When a sent message reaches its receiver (before any wait in the receiver's queue).
    pub arrives: Option<SimTime>,
}

/// Rows in a trace that `--trace` refuses to exceed (estimated before running; about 60 MB
/// of `trace.csv`).
pub const MAX_TRACE_ROWS: f64 = 1_000_000.0;

/// Estimated trace rows per request message: its send, its arrival, and a share of hits.
pub const ROWS_PER_MESSAGE: f64 = 2.5;

/// Records the events of the chosen queries of one run.
#[derive(Clone, Debug, Default)]
pub struct Tracer {
    /// The traced queries, sorted.
    queries: Vec<u32>,
    events: Vec<TraceEvent>,
}

impl Tracer {
    /// A tracer for `queries`.
    pub fn new(mut queries: Vec<u32>) -> Self {
        queries.sort_unstable();
        queries.dedup();
        Tracer {
            queries,
            events: Vec::new(),
        }
    }

    /// Whether `query` is traced.
    #[inline]
    pub fn traces(&self, query: Option<u32>) -> bool {
        query.is_some_and(|q| self.queries.binary_search(&q).is_ok())
    }

    /// Rows so far (the place an arrival row is inserted at, before the sends it caused).
    pub fn len(&self) -> usize {
        self.events.len()
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Appends `event`.
    pub fn push(&mut self, event: TraceEvent) {
        self.events.push(event);
    }

    /// Inserts `event` at row `at` (an arrival before the sends it caused).
    pub fn insert(&mut self, at: usize, event: TraceEvent) {
        self.events.insert(at, event);
    }

    /// The rows, in event order.
    pub fn finish(self) -> Vec<TraceEvent> {
        self.events
    }
}
