//! `kind = "chord"`: iterative lookups over finger tables and successor lists.

use super::{DhtUpkeep, Facts, Kind, Runner, Sizing, default_republish, default_rpc_timeout};
use crate::dht::{Chord, Identifiers};
use crate::sim::Outcome;
use crate::time::SimDuration;
use crate::validation::Checker;
use serde::{Deserialize, Serialize};

/// One line on what the kind does.
pub const DOC: &str = "Chord (Stoica et al. 2001): iterative lookups over exact fingers and \
                       successor lists, refreshed under churn";

/// `search = { kind = "chord", successors, ... }`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Successor-list length, and the nodes holding each key's provider records.
    pub successors: u32,
    /// Seconds between a node's stabilizations (successor list refresh) under churn.
    #[serde(default = "default_stabilize")]
    pub stabilize_s: f64,
    /// Seconds between a node's finger-table refreshes under churn.
    #[serde(default = "default_fix_fingers")]
    pub fix_fingers_s: f64,
    /// How long a source waits for an answer before giving up on a node, ms.
    #[serde(default = "default_rpc_timeout")]
    pub rpc_timeout_ms: f64,
    /// Seconds between a provider's republications under churn (records live twice that).
    #[serde(default = "default_republish")]
    pub republish_s: f64,
}

fn default_stabilize() -> f64 {
    30.0
}
fn default_fix_fingers() -> f64 {
    60.0
}

impl Table {
    fn upkeep(&self) -> DhtUpkeep {
        DhtUpkeep {
            rpc_timeout_ms: self.rpc_timeout_ms,
            republish_s: self.republish_s,
        }
    }
}

impl Kind for Table {
    fn check(&self, c: &mut Checker, path: &str, _: &Facts) {
        for (field, v) in [
            ("stabilize_s", self.stabilize_s),
            ("fix_fingers_s", self.fix_fingers_s),
            ("republish_s", self.republish_s),
        ] {
            c.positive(&format!("{path}.{field}"), v);
        }
        self.upkeep().check_timeout(c, path);
        if !(1..=64).contains(&self.successors) {
            c.fail(
                &format!("{path}.successors"),
                format!("must be between 1 and 64, got {}", self.successors),
                "Stoica et al. suggest about log2(N) successors, e.g. successors = 8",
            );
        }
    }

    /// The sorted ring, its index, the ids, and per node a successor list and 64 fingers; a
    /// record per copy on each of its `successors` nodes.
    fn memory(&self, s: &Sizing) -> u64 {
        let successors = u64::from(self.successors);
        24 * s.nodes + 4 * s.nodes * (64 + successors) + s.provider_record_bytes(self.successors)
    }

    fn messages_per_query(&self, s: &Sizing) -> f64 {
        s.dht_messages()
    }

    fn run(&self, r: Runner<'_>) -> Outcome {
        let world = r.world;
        let ids = Identifiers::draw(
            r.seed,
            world.replica,
            world.overlay.node_count(),
            world.content.objects(),
        );
        let chord = Chord::new(
            &ids,
            self.successors,
            SimDuration::from_secs_f64(self.stabilize_s),
            SimDuration::from_secs_f64(self.fix_fingers_s),
            self.upkeep().upkeep(world),
        );
        r.simulate(chord)
    }
}
