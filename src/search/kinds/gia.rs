//! `kind = "gia"`: GIA's four mechanisms (Chawathe et al., SIGCOMM 2003), each switchable for
//! ablation; see [`crate::search::Gia`] for the rules.

use super::super::{Gia, GiaConfig};
use super::{Facts, Kind, MAX_WALK_TTL, Runner, Sizing};
use crate::sim::Outcome;
use crate::time::SimDuration;
use crate::validation::Checker;
use serde::{Deserialize, Serialize};

/// One line on what the kind does.
pub const DOC: &str = "GIA (Chawathe et al. 2003): capacity-driven topology adaptation, token \
                       flow control, one-hop replication and a capacity-biased walk (needs \
                       network.capacity)";

/// Largest `max_nbrs`.
const MAX_NBRS: u32 = 10_000;

/// `search = { kind = "gia", ttl, max_responses, min_nbrs, max_nbrs, ... }`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Most steps of a walk.
    #[serde(default = "default_ttl")]
    pub ttl: u32,
    /// Matches after which the walk stops.
    #[serde(default = "one")]
    pub max_responses: u32,
    /// Fewest neighbours a node is satisfied with.
    #[serde(default = "default_min_nbrs")]
    pub min_nbrs: u32,
    /// Most neighbours any node takes.
    #[serde(default = "default_max_nbrs")]
    pub max_nbrs: u32,
    /// Capacity units per neighbour (a node takes at most C / min_alloc neighbours).
    #[serde(default = "default_min_alloc")]
    pub min_alloc: f64,
    /// T: seconds between adaptation attempts of a satisfied node.
    #[serde(default = "default_interval")]
    pub adapt_interval_s: f64,
    /// K: an unsatisfied node adapts every T·K^−(1−S) s.
    #[serde(default = "default_aggressiveness")]
    pub aggressiveness: f64,
    /// H: degree margin before a full node drops a neighbour for a newcomer.
    #[serde(default = "default_hysteresis")]
    pub hysteresis: u32,
    /// Candidates a node learns of per adaptation attempt.
    #[serde(default = "default_host_cache")]
    pub host_cache: u32,
    /// Most tokens a node holds from one neighbour.
    #[serde(default = "default_bucket")]
    pub token_bucket: f64,
    /// Mechanism 1, topology adaptation.
    #[serde(default = "yes")]
    pub topology_adaptation: bool,
    /// Mechanism 2, active flow control.
    #[serde(default = "yes")]
    pub flow_control: bool,
    /// Mechanism 3, one-hop replication.
    #[serde(default = "yes")]
    pub one_hop_replication: bool,
    /// Mechanism 4, the capacity-biased walk.
    #[serde(default = "yes")]
    pub biased_walk: bool,
}

fn default_ttl() -> u32 {
    1024
}
fn one() -> u32 {
    1
}
fn default_min_nbrs() -> u32 {
    3
}
fn default_max_nbrs() -> u32 {
    128
}
fn default_min_alloc() -> f64 {
    4.0
}
fn default_interval() -> f64 {
    10.0
}
fn default_aggressiveness() -> f64 {
    256.0
}
fn default_hysteresis() -> u32 {
    5
}
fn default_host_cache() -> u32 {
    15
}
fn default_bucket() -> f64 {
    5.0
}
fn yes() -> bool {
    true
}

impl Table {
    /// Expected steps of a walk: the nodes per copy, over the nodes one step covers (itself
    /// and, with one-hop replication, its neighbours), at most `ttl`.
    fn steps(&self, s: &Sizing) -> f64 {
        let covered = if self.one_hop_replication {
            1.0 + s.mean_degree
        } else {
            1.0
        };
        (s.nodes as f64 / s.copies_per_object.max(1.0) / covered).min(f64::from(self.ttl))
    }
}

impl Kind for Table {
    fn check(&self, c: &mut Checker, path: &str, facts: &Facts) {
        let at = |field: &str| format!("{path}.{field}");
        if !facts.capacity {
            c.fail(
                path,
                "gia needs node capacities, and network.capacity is unlimited".into(),
                "give network.capacity, e.g. GIA's levels: { kind = \"levels\", messages_per_s = \
                 [1, 10, 100, 1000, 10000], fractions = [0.2, 0.45, 0.3, 0.049, 0.001] }",
            );
        }
        if !(1..=MAX_WALK_TTL).contains(&self.ttl) {
            c.fail(
                &at("ttl"),
                format!(
                    "must be between 1 and {MAX_WALK_TTL} steps, got {}",
                    self.ttl
                ),
                "e.g. ttl = 1024",
            );
        }
        c.at_least_one(&at("max_responses"), self.max_responses);
        c.at_least_one(&at("min_nbrs"), self.min_nbrs);
        if !(1..=MAX_NBRS).contains(&self.max_nbrs) {
            c.fail(
                &at("max_nbrs"),
                format!("must be between 1 and {MAX_NBRS}, got {}", self.max_nbrs),
                "the paper used 128",
            );
        } else if self.max_nbrs < self.min_nbrs {
            c.fail(
                &at("max_nbrs"),
                format!(
                    "max_nbrs {} is below min_nbrs {}",
                    self.max_nbrs, self.min_nbrs
                ),
                "make min_nbrs <= max_nbrs (the paper: 3 and 128)",
            );
        }
        c.positive(&at("min_alloc"), self.min_alloc);
        c.positive(&at("adapt_interval_s"), self.adapt_interval_s);
        if !(self.aggressiveness.is_finite() && self.aggressiveness >= 1.0) {
            c.fail(
                &at("aggressiveness"),
                format!("must be a number >= 1, got {}", self.aggressiveness),
                "1 adapts at the same pace whatever the satisfaction; e.g. 256",
            );
        }
        if !(1..=100_000).contains(&self.host_cache) {
            c.fail(
                &at("host_cache"),
                format!("must be between 1 and 100000, got {}", self.host_cache),
                "e.g. host_cache = 15",
            );
        }
        if !(self.token_bucket.is_finite() && self.token_bucket >= 1.0) {
            c.fail(
                &at("token_bucket"),
                format!("must be a number >= 1, got {}", self.token_bucket),
                "a node must be able to hold at least one token, e.g. 5",
            );
        }
    }

    /// Links (16 bytes per end, up to max_nbrs per node but about the mean degree on
    /// average, taken as 4× it for adaptation) and per-node state; with one-hop replication
    /// each node's list of its objects and its index of its neighbours' (4 bytes per copy and
    /// per link end per copy a node holds on average); plus the walks in flight, each
    /// [`Gia::walk_bytes`]. A walk takes [`Table::steps`] steps of a link latency each and
    /// stops at the timeout, so about rate × min(steps × latency, timeout) walk at once.
    fn memory(&self, s: &Sizing) -> u64 {
        let ends = s.nodes as f64 * (s.mean_degree * 4.0).min(f64::from(self.max_nbrs));
        let index = if self.one_hop_replication {
            let per_node = s.copies / s.nodes.max(1) as f64;
            s.copies * 4.0 + ends * per_node * 4.0 + s.nodes as f64 * 28.0
        } else {
            0.0
        };
        let steps = self.steps(s);
        let concurrent = (1.0 + s.rate_per_s * (steps * s.mean_latency_s).min(s.timeout_s))
            .min(s.queries as f64);
        (ends * 16.0 + index + s.nodes as f64 * 48.0 + concurrent * Gia::walk_bytes(steps)) as u64
    }

    fn messages_per_query(&self, s: &Sizing) -> f64 {
        self.steps(s)
    }

    fn run(&self, r: Runner<'_>) -> Outcome {
        let config = GiaConfig {
            ttl: self.ttl,
            max_responses: self.max_responses,
            min_nbrs: self.min_nbrs,
            max_nbrs: self.max_nbrs,
            min_alloc: self.min_alloc,
            adapt_interval: SimDuration::from_secs_f64(self.adapt_interval_s),
            aggressiveness: self.aggressiveness,
            hysteresis: self.hysteresis,
            host_cache: self.host_cache,
            token_bucket: self.token_bucket,
            topology_adaptation: self.topology_adaptation,
            flow_control: self.flow_control,
            one_hop_replication: self.one_hop_replication,
            biased_walk: self.biased_walk,
        };
        let world = r.world;
        let capacities = world
            .capacities
            .as_ref()
            .expect("validation requires network.capacity for gia");
        r.simulate(Gia::new(config, &world.overlay, capacities, &world.content))
    }
}
