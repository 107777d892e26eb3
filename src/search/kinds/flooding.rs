//! `kind = "flooding"`: Gnutella 0.4 flooding, one ring of the flood mechanism.

use super::super::{FloodConfig, Flooding, Routing};
use super::{Facts, Kind, Runner, Sizing, check_ttl};
use crate::sim::Outcome;
use crate::time::SimDuration;
use crate::validation::Checker;
use serde::{Deserialize, Serialize};

/// One line on what the kind does.
pub const DOC: &str = "Gnutella 0.4 flooding with GUID de-duplication: every node passes a new \
                       query to all its other neighbours while the TTL lasts";

/// `search = { kind = "flooding", ttl }`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Time-to-live: how many overlay hops a query travels.
    pub ttl: u32,
}

impl Kind for Table {
    fn check(&self, c: &mut Checker, path: &str, _: &Facts) {
        check_ttl(c, path, "ttl", self.ttl);
    }

    fn memory(&self, s: &Sizing) -> u64 {
        8 * s.nodes + s.in_flight_bytes(self.ttl)
    }

    fn messages_per_query(&self, s: &Sizing) -> f64 {
        s.flood_messages(self.ttl)
    }

    fn run(&self, r: Runner<'_>) -> Outcome {
        run_rings(r, &[self.ttl], SimDuration::ZERO, Routing::AllLinks)
    }
}

/// Runs the flood mechanism with rings of TTL `ttls`, launched `wait` apart while no hit has
/// arrived, over the links `routing` picks: every flooding kind is this with parameters.
pub(super) fn run_rings(
    r: Runner<'_>,
    ttls: &[u32],
    wait: SimDuration,
    routing: Routing,
) -> Outcome {
    let config = FloodConfig::rings(ttls.iter().map(|&t| t as u8).collect(), wait, routing);
    let nodes = r.nodes();
    r.simulate(Flooding::new(config, nodes))
}
