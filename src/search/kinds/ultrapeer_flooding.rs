//! `kind = "ultrapeer-flooding"`: Gnutella 0.6 on a two-tier overlay, one ring of the flood
//! mechanism with ultrapeer routing, its optional `qrp` table (shared with `dynamic-query`)
//! modelling the Query Routing tables; `kind = "super-peer"`: KaZaA/FastTrack, the same ring
//! with super-peer routing on super-nodes chosen by capacity.

use super::super::Routing;
use super::super::qrp::{QrpConfig, QrpTables};
use super::flooding::run_rings;
use super::{Facts, Kind, Runner, Sizing, check_ttl};
use crate::sim::Outcome;
use crate::time::SimDuration;
use crate::validation::Checker;
use serde::{Deserialize, Serialize};

/// One line on what the kind does.
pub const DOC: &str = "Gnutella 0.6 on a two-tier overlay: ultrapeers flood among themselves and \
                       pass a query to a leaf only if the leaf's routing table matches";

/// `search = { kind = "ultrapeer-flooding", ttl, qrp }`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Mesh hops among ultrapeers.
    pub ttl: u32,
    /// Query Routing tables; absent, a leaf's table matches exactly the objects it holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qrp: Option<Qrp>,
}

/// `qrp = { table_bits, keywords_per_object, last_hop }`: hashed Query Routing tables.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Qrp {
    /// Slots per table: 2^table_bits (Gnutella's default is 16).
    #[serde(default = "default_table_bits")]
    pub table_bits: u32,
    /// Keywords of each object, all of them in its queries.
    #[serde(default = "default_keywords")]
    pub keywords_per_object: u32,
    /// Ultrapeers exchange aggregate tables and filter a query's last mesh hop (Fisk 2003).
    #[serde(default)]
    pub last_hop: bool,
}

fn default_table_bits() -> u32 {
    16
}
fn default_keywords() -> u32 {
    3
}

/// Smallest `table_bits` (one 64-bit word per table is the storage unit).
const MIN_TABLE_BITS: u32 = 6;
/// Largest `table_bits` (2^24 slots = 2 MB per table).
const MAX_TABLE_BITS: u32 = 24;
/// Most keywords per object.
const MAX_KEYWORDS: u32 = 16;

impl Qrp {
    /// Checks the values; problems name fields below `path` (the `qrp` table).
    pub(super) fn check(&self, c: &mut Checker, path: &str) {
        if !(MIN_TABLE_BITS..=MAX_TABLE_BITS).contains(&self.table_bits) {
            c.fail(
                &format!("{path}.table_bits"),
                format!(
                    "must be between {MIN_TABLE_BITS} and {MAX_TABLE_BITS}, got {}",
                    self.table_bits
                ),
                "Gnutella clients used table_bits = 16 (65,536 slots)",
            );
        }
        if !(1..=MAX_KEYWORDS).contains(&self.keywords_per_object) {
            c.fail(
                &format!("{path}.keywords_per_object"),
                format!(
                    "must be between 1 and {MAX_KEYWORDS}, got {}",
                    self.keywords_per_object
                ),
                "e.g. keywords_per_object = 3 (a file name of three words)",
            );
        }
    }

    /// The mechanism's settings.
    pub(super) fn config(&self) -> QrpConfig {
        QrpConfig {
            table_bits: self.table_bits,
            keywords_per_object: self.keywords_per_object,
            last_hop: self.last_hop,
        }
    }

    /// Bytes of the tables, at most (every node a table, an object per copy).
    pub(super) fn memory(&self, s: &Sizing) -> u64 {
        QrpTables::memory(self.config(), s.nodes, 0, s.copies as u64)
    }
}

/// The routing of a kind with an optional `qrp` table.
pub(super) fn routing(qrp: &Option<Qrp>) -> Routing {
    Routing::Ultrapeer {
        qrp: qrp.as_ref().map(Qrp::config),
    }
}

/// Refuses a kind that needs a two-tier overlay on any other.
pub(super) fn check_two_tier(c: &mut Checker, path: &str, kind: &str, facts: &Facts) {
    if !facts.two_tier {
        c.fail(
            path,
            format!("{kind} needs ultrapeers and leaves, but the topology is not two-tier"),
            "use network.topology = { kind = \"two-tier\", ... } or kind = \"flooding\"",
        );
    }
}

impl Kind for Table {
    fn check(&self, c: &mut Checker, path: &str, facts: &Facts) {
        check_ttl(c, path, "ttl", self.ttl);
        check_two_tier(c, path, "ultrapeer-flooding", facts);
        if let Some(q) = &self.qrp {
            q.check(c, &format!("{path}.qrp"));
        }
    }

    fn memory(&self, s: &Sizing) -> u64 {
        8 * s.nodes + s.in_flight_bytes(self.ttl) + self.qrp.as_ref().map_or(0, |q| q.memory(s))
    }

    fn messages_per_query(&self, s: &Sizing) -> f64 {
        s.flood_messages(self.ttl)
    }

    fn run(&self, r: Runner<'_>) -> Outcome {
        run_rings(r, &[self.ttl], SimDuration::ZERO, routing(&self.qrp))
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
        check_ttl(c, path, "ttl", self.ttl);
        check_two_tier(c, path, "super-peer", facts);
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
