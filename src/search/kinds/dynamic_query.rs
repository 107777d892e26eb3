//! `kind = "dynamic-query"`: Gnutella 0.6 dynamic querying (Fisk 2003, as LimeWire ran it) on
//! a two-tier overlay: the flood mechanism with ultrapeer routing and a dynamic launch.

use super::super::{DynamicConfig, FloodConfig, Flooding, Launch};
use super::ultrapeer_flooding::{Qrp, check_two_tier, routing};
use super::{Facts, Kind, Runner, Sizing, check_ttl};
use crate::sim::Outcome;
use crate::time::SimDuration;
use crate::validation::Checker;
use serde::{Deserialize, Serialize};

/// One line on what the kind does.
pub const DOC: &str = "Gnutella 0.6 dynamic querying (LimeWire): an ultrapeer probes a few \
                       connections, then sends the query down one connection at a time with a \
                       TTL computed to reach desired_results";

/// `search = { kind = "dynamic-query", desired_results, probe_ttl, probe_connections,
/// wait_per_hop_ms, max_ttl, max_horizon, qrp }`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Results (QueryHits) a query wants; a leaf's ultrapeers each want their share.
    #[serde(default = "default_desired")]
    pub desired_results: u32,
    /// TTL of the probe.
    #[serde(default = "default_probe_ttl")]
    pub probe_ttl: u32,
    /// Ultrapeer connections the probe goes down.
    #[serde(default = "default_probe_connections")]
    pub probe_connections: u32,
    /// Wait per hop of TTL after each send, ms.
    #[serde(default = "default_wait")]
    pub wait_per_hop_ms: f64,
    /// Largest TTL of any send (X-Max-TTL).
    #[serde(default = "default_max_ttl")]
    pub max_ttl: u32,
    /// Ultrapeers theoretically reached at which a query stops.
    #[serde(default = "default_max_horizon")]
    pub max_horizon: u64,
    /// Query Routing tables; absent, a leaf's table matches exactly the objects it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qrp: Option<Qrp>,
}

fn default_desired() -> u32 {
    150
}
fn default_probe_ttl() -> u32 {
    2
}
fn default_probe_connections() -> u32 {
    3
}
fn default_wait() -> f64 {
    2_400.0
}
fn default_max_ttl() -> u32 {
    4
}
fn default_max_horizon() -> u64 {
    110_000
}

impl Table {
    fn config(&self) -> DynamicConfig {
        DynamicConfig {
            desired_results: self.desired_results,
            probe_ttl: self.probe_ttl as u8,
            probe_connections: self.probe_connections,
            wait_per_hop: SimDuration::from_millis_f64(self.wait_per_hop_ms),
            max_ttl: self.max_ttl as u8,
            max_horizon: self.max_horizon,
        }
    }
}

impl Kind for Table {
    fn check(&self, c: &mut Checker, path: &str, facts: &Facts) {
        check_two_tier(c, path, "dynamic-query", facts);
        c.at_least_one(&format!("{path}.desired_results"), self.desired_results);
        c.at_least_one(&format!("{path}.probe_connections"), self.probe_connections);
        if self.max_horizon == 0 {
            c.fail(
                &format!("{path}.max_horizon"),
                "must be at least 1, got 0".into(),
                "LimeWire stopped at 110,000 ultrapeers",
            );
        }
        check_ttl(c, path, "max_ttl", self.max_ttl);
        check_ttl(c, path, "probe_ttl", self.probe_ttl);
        if self.probe_ttl > self.max_ttl {
            c.fail(
                &format!("{path}.probe_ttl"),
                format!(
                    "must not exceed max_ttl = {}, got {}",
                    self.max_ttl, self.probe_ttl
                ),
                "LimeWire probed with TTL 2 under a maximum TTL of 3 or 4",
            );
        }
        c.positive(&format!("{path}.wait_per_hop_ms"), self.wait_per_hop_ms);
        c.latency(&format!("{path}.wait_per_hop_ms"), self.wait_per_hop_ms);
        if let Some(q) = &self.qrp {
            q.check(c, &format!("{path}.qrp"));
        }
    }

    fn memory(&self, s: &Sizing) -> u64 {
        // A query holds its marks for as long as it waits: up to the timeout.
        let open = (s.rate_per_s * s.timeout_s)
            .ceil()
            .max(1.0)
            .min(s.queries.max(1) as f64);
        (open * 8.0 * s.nodes as f64) as u64
            + s.in_flight_bytes(self.max_ttl)
            + self.qrp.as_ref().map_or(0, |q| q.memory(s))
    }

    fn messages_per_query(&self, s: &Sizing) -> f64 {
        s.flood_messages(self.max_ttl)
    }

    fn run(&self, r: Runner<'_>) -> Outcome {
        let config = FloodConfig {
            launch: Launch::Dynamic(self.config()),
            routing: routing(&self.qrp),
        };
        let nodes = r.nodes();
        r.simulate(Flooding::new(config, nodes))
    }
}
