//! `kind = "ultrapeer-flooding"`: Gnutella 0.6 on a two-tier overlay, one ring of the flood
//! mechanism with ultrapeer routing; `kind = "super-peer"`: KaZaA/FastTrack, the same ring with
//! super-peer routing on super-nodes chosen by capacity.

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
        check_two_tier(c, path, "ultrapeer-flooding", self.ttl, facts);
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

/// Checks the TTL and that the overlay is two-tier.
fn check_two_tier(c: &mut Checker, path: &str, kind: &str, ttl: u32, facts: &Facts) {
    check_ttl(c, path, "ttl", ttl);
    if !facts.two_tier {
        c.fail(
            path,
            format!("{kind} needs ultrapeers and leaves, but the topology is not two-tier"),
            "use network.topology = { kind = \"two-tier\", ... } or kind = \"flooding\"",
        );
    }
}

/// One line on what `super-peer` does.
pub const SUPER_DOC: &str = "KaZaA/FastTrack on a two-tier overlay whose super-node positions go \
                             to the most capable peers: super-nodes index their leaves' objects, \
                             flood among themselves and answer for their leaves";

/// `search = { kind = "super-peer", ttl }`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SuperPeer {
    /// Mesh hops among super-nodes.
    pub ttl: u32,
}

impl Kind for SuperPeer {
    fn check(&self, c: &mut Checker, path: &str, facts: &Facts) {
        check_two_tier(c, path, "super-peer", self.ttl, facts);
        if !facts.capacity_by_degree {
            c.fail(
                path,
                "super-peer chooses its super-nodes by capacity, and network.capacity does not \
                 place the most capable peers on the two-tier overlay's ultrapeer positions"
                    .into(),
                "give network.capacity = { kind = \"levels\", ..., placement = \"by-degree\" } \
                 (ultrapeers have the highest degrees), or use kind = \"ultrapeer-flooding\"",
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
        run_rings(r, &[self.ttl], SimDuration::ZERO, Routing::SuperPeer)
    }
}
