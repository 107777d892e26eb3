//! The search kinds a scenario can name in `variant.search`, registered in one list.
//!
//! Each kind is one module: its scenario table (a serde struct with its defaults), its value
//! checks with field paths, its memory and cost estimate, how it builds and runs its protocol,
//! and a one-line description. Adding a kind is one new module here and one line in
//! `kinds!`'s list below.

mod central_index;
mod chord;
mod dynamic_query;
mod expanding_ring;
mod flooding;
mod gia;
mod kademlia;
mod ultrapeer_flooding;
mod walks;

pub use walks::{MAX_WALK_TTL, MAX_WALKERS};

use crate::dht::Upkeep;
use crate::sim::{self, Outcome, Protocol, Setup};
use crate::time::SimDuration;
use crate::validation::Checker;
use crate::world::World;
use serde::{Deserialize, Serialize};

/// What a search kind provides.
pub trait Kind {
    /// Checks the table's values; problems name fields below `path` (e.g.
    /// `variant.flood.search`).
    fn check(&self, c: &mut Checker, path: &str, facts: &Facts);
    /// Bytes one running variant of this kind holds beyond the shared per-query records.
    fn memory(&self, s: &Sizing) -> u64;
    /// A rough count of messages per query, used only to start long runs first.
    fn messages_per_query(&self, s: &Sizing) -> f64;
    /// Builds the protocol and runs it on the runner's world.
    fn run(&self, r: Runner<'_>) -> Outcome;
}

/// What a kind's checks may depend on besides its own table.
pub struct Facts {
    /// Whether the overlay is a two-tier (ultrapeer and leaf) topology.
    pub two_tier: bool,
    /// Whether nodes have a capacity model (`network.capacity` is not unlimited).
    pub capacity: bool,
    /// Whether drawn capacity levels are placed by degree (the most capable peers sit on the
    /// best-connected positions: a two-tier overlay's ultrapeers).
    pub capacity_by_degree: bool,
}

/// Sizes of a scenario that memory and cost estimates depend on.
#[derive(Clone, Debug, PartialEq)]
pub struct Sizing {
    /// Nodes (estimated from the file size for loaded edge lists).
    pub nodes: u64,
    /// Undirected edges.
    pub edges: u64,
    /// Mean degree, 2·edges / nodes.
    pub mean_degree: f64,
    /// Mean copies per catalogue object.
    pub copies_per_object: f64,
    /// Copies of all objects, rare ones included.
    pub copies: f64,
    /// Queries per replica.
    pub queries: u64,
    /// Query arrival rate, per second.
    pub rate_per_s: f64,
    /// Seconds after issue when a query's hits stop counting.
    pub timeout_s: f64,
    /// Mean link latency, seconds.
    pub mean_latency_s: f64,
    /// Bytes of a queued message event (in order, or out of order with random latency).
    pub event_bytes: u64,
    /// Bytes of an out-of-order queued event.
    pub heap_event_bytes: u64,
    /// Bytes of the event queue's calendar per out-of-order event (its buckets), with random
    /// latency; zero with constant latency.
    pub calendar_bytes_per_event: f64,
    /// Bytes of one DHT provider record.
    pub record_bytes: u64,
    /// Headroom factor for growing vectors and queue slack.
    pub slack: f64,
}

impl Sizing {
    /// Messages of a TTL-`ttl` flood: the largest flood level d·(d−1)^(ttl−1) for mean degree
    /// d, at most 2·edges.
    pub fn flood_messages(&self, ttl: u32) -> f64 {
        let d = self.mean_degree;
        let level = d * (d - 1.0).max(1.0).powi(ttl.saturating_sub(1) as i32);
        level.min(2.0 * self.edges as f64)
    }

    /// Bytes of the messages a TTL-`ttl` flood holds in flight at once (its largest level).
    pub fn in_flight_bytes(&self, ttl: u32) -> u64 {
        let m = self.flood_messages(ttl);
        (m * (self.event_bytes as f64 * self.slack + self.calendar_bytes_per_event)) as u64
    }

    /// Bytes of DHT provider records: every copy stored on `replicas` nodes.
    pub fn provider_record_bytes(&self, replicas: u32) -> u64 {
        (self.copies * f64::from(replicas) * self.record_bytes as f64 * self.slack) as u64
    }

    /// Messages of a DHT lookup: about 2·log2 N + 4.
    pub fn dht_messages(&self) -> f64 {
        2.0 * (self.nodes.max(1) as f64).log2() + 4.0
    }
}

/// One variant's run: the world, its streams and settings, and a progress callback.
pub struct Runner<'a> {
    /// The replica's world.
    pub world: &'a World,
    /// Streams and settings.
    pub setup: Setup,
    /// The scenario's master seed (for streams shared by every variant, e.g. DHT ids).
    pub seed: u64,
    /// Called with the number of queries started so far.
    pub progress: &'a mut dyn FnMut(u64),
    /// The queries whose message trace to record, if any.
    pub trace: Option<&'a [sim::QueryId]>,
}

impl Runner<'_> {
    /// Nodes of the world's overlay.
    pub fn nodes(&self) -> u32 {
        self.world.overlay.node_count()
    }

    /// Runs `protocol` on the world.
    pub fn simulate<P: Protocol>(self, mut protocol: P) -> Outcome {
        sim::simulate_traced(
            self.world,
            &mut protocol,
            self.setup,
            self.progress,
            self.trace,
        )
    }
}

/// Checks a TTL field `path.field`.
fn check_ttl(c: &mut Checker, path: &str, field: &str, ttl: u32) {
    if !(1..=MAX_TTL).contains(&ttl) {
        c.fail(
            &format!("{path}.{field}"),
            format!("must be between 1 and {MAX_TTL}, got {ttl}"),
            "give a TTL from 1 to 255 (Gnutella clients used 7)",
        );
    }
}

/// Largest time-to-live (hop counts are stored in a byte).
pub const MAX_TTL: u32 = 255;

/// The RPC timeout and republication period both DHTs share.
struct DhtUpkeep {
    rpc_timeout_ms: f64,
    republish_s: f64,
}

impl DhtUpkeep {
    fn check_timeout(&self, c: &mut Checker, path: &str) {
        c.positive(&format!("{path}.rpc_timeout_ms"), self.rpc_timeout_ms);
        c.latency(&format!("{path}.rpc_timeout_ms"), self.rpc_timeout_ms);
    }

    fn upkeep(&self, world: &World) -> Upkeep {
        Upkeep {
            churn: world.churn.is_some(),
            rpc_timeout: SimDuration::from_millis_f64(self.rpc_timeout_ms),
            republish: SimDuration::from_secs_f64(self.republish_s),
        }
    }
}

fn default_rpc_timeout() -> f64 {
    500.0
}
fn default_republish() -> f64 {
    600.0
}

/// Declares the registry: the [`Search`] enum with one variant per kind, its dispatch, and
/// [`KINDS`].
macro_rules! kinds {
    ($($name:literal => $variant:ident($table:ty, $doc:expr),)*) => {
        /// `variant.search`: the search strategy, by `kind`.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind")]
        pub enum Search {
            $(
                #[doc = concat!("`kind = \"", $name, "\"`")]
                #[serde(rename = $name)]
                $variant($table),
            )*
        }

        impl Search {
            /// The kind's behaviour.
            pub fn kind(&self) -> &dyn Kind {
                match self {
                    $(Search::$variant(table) => table,)*
                }
            }
        }

        /// Every kind's `kind` name and one-line description, in registry order.
        pub const KINDS: &[(&str, &str)] = &[$(($name, $doc),)*];
    };
}

kinds! {
    "flooding" => Flooding(flooding::Table, flooding::DOC),
    "expanding-ring" => ExpandingRing(expanding_ring::Table, expanding_ring::DOC),
    "ultrapeer-flooding" => UltrapeerFlooding(ultrapeer_flooding::Table, ultrapeer_flooding::DOC),
    "dynamic-query" => DynamicQuery(dynamic_query::Table, dynamic_query::DOC),
    "random-walk" => RandomWalk(walks::RandomWalk, walks::RANDOM_DOC),
    "degree-biased-walk" => DegreeBiasedWalk(walks::DegreeBiasedWalk, walks::DEGREE_BIASED_DOC),
    "chord" => Chord(chord::Table, chord::DOC),
    "kademlia" => Kademlia(kademlia::Table, kademlia::DOC),
    "gia" => Gia(gia::Table, gia::DOC),
    "central-index" => CentralIndex(central_index::Table, central_index::DOC),
    "super-peer" => SuperPeer(ultrapeer_flooding::SuperPeer, ultrapeer_flooding::SUPER_DOC),
}
