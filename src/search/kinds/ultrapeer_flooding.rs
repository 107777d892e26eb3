//! `kind = "ultrapeer-flooding"`: Gnutella 0.6 on a two-tier overlay, one ring of the flood
//! mechanism with ultrapeer routing.

use super::super::Routing;
use super::flooding::run_rings;
use super::{Facts, Kind, Runner, Sizing, check_ttl};
use crate::sim::Outcome;
use crate::time::SimDuration;
use crate::validation::Checker;
use serde::{Deserialize, Serialize};

/// One line on what the kind does.
pub const DOC: &str = "Gnutella 0.6 on a two-tier overlay: ultrapeers flood among themselves and \
                       pass a query to a leaf only if the leaf's routing table matches";

/// `search = { kind = "ultrapeer-flooding", ttl }`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Mesh hops among ultrapeers.
    pub ttl: u32,
}

impl Kind for Table {
    fn check(&self, c: &mut Checker, path: &str, facts: &Facts) {
        check_ttl(c, path, "ttl", self.ttl);
        if !facts.two_tier {
            c.fail(
                path,
                "ultrapeer-flooding needs ultrapeers and leaves, but the topology is not two-tier"
                    .into(),
                "use network.topology = { kind = \"two-tier\", ... } or kind = \"flooding\"",
            );
        }
    }

    fn memory(&self, s: &Sizing) -> u64 {
        8 * s.nodes + s.in_flight_bytes(self.ttl)
    }

    fn messages_per_query(&self, s: &Sizing) -> f64 {
        s.flood_messages(self.ttl)
    }

    fn run(&self, r: Runner<'_>) -> Outcome {
        run_rings(r, &[self.ttl], SimDuration::ZERO, Routing::Ultrapeer)
    }
}
