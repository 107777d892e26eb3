//! `kind = "expanding-ring"`: floods of growing TTL, the next one only if no hit arrived.

use super::super::Routing;
use super::flooding::run_rings;
use super::{Facts, Kind, Runner, Sizing, check_ttl};
use crate::sim::Outcome;
use crate::time::SimDuration;
use crate::validation::Checker;
use serde::{Deserialize, Serialize};

/// One line on what the kind does.
pub const DOC: &str = "Expanding ring (Lv et al. 2002): floods of growing TTL, each with a new \
                       GUID, the next one only if no hit arrived within wait_ms";

/// `search = { kind = "expanding-ring", ttls, wait_ms }`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// TTL of each ring, strictly increasing.
    pub ttls: Vec<u32>,
    /// How long to wait for a hit before the next ring, ms.
    pub wait_ms: f64,
}

impl Kind for Table {
    fn check(&self, c: &mut Checker, path: &str, _: &Facts) {
        let ttls = &self.ttls;
        if ttls.is_empty() || ttls.windows(2).any(|w| w[0] >= w[1]) {
            c.fail(
                &format!("{path}.ttls"),
                format!("must be a non-empty, strictly increasing list, got {ttls:?}"),
                "e.g. ttls = [1, 2, 4, 7]",
            );
        }
        for &t in ttls {
            check_ttl(c, path, "ttls", t);
        }
        c.latency(&format!("{path}.wait_ms"), self.wait_ms);
    }

    fn memory(&self, s: &Sizing) -> u64 {
        12 * s.nodes + s.in_flight_bytes(self.ttls.iter().copied().max().unwrap_or(1))
    }

    fn messages_per_query(&self, s: &Sizing) -> f64 {
        self.ttls.iter().map(|&t| s.flood_messages(t)).sum()
    }

    fn run(&self, r: Runner<'_>) -> Outcome {
        let wait = SimDuration::from_millis_f64(self.wait_ms);
        run_rings(r, &self.ttls, wait, Routing::AllLinks)
    }
}
