//! `kind = "kademlia"`: iterative XOR lookups, `alpha` requests per round.

use super::{DhtUpkeep, Facts, Kind, Runner, Sizing, default_republish, default_rpc_timeout};
use crate::dht::{Identifiers, Kademlia};
use crate::rng::{KADEMLIA_BUCKETS, StreamKind, stream};
use crate::sim::Outcome;
use crate::time::SimDuration;
use crate::validation::Checker;
use serde::{Deserialize, Serialize};

/// One line on what the kind does.
pub const DOC: &str = "Kademlia (Maymounkov & Mazieres 2002): iterative XOR lookups with alpha \
                       parallel requests, k-buckets refreshed under churn";

/// `search = { kind = "kademlia", k, alpha, ... }`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Bucket size, and the number of nodes holding each key's provider records.
    pub k: u32,
    /// Parallel requests per round.
    pub alpha: u32,
    /// Seconds between a node's bucket refreshes under churn.
    #[serde(default = "default_refresh")]
    pub refresh_s: f64,
    /// How long a source waits for an answer before giving up on a node, ms.
    #[serde(default = "default_rpc_timeout")]
    pub rpc_timeout_ms: f64,
    /// Seconds between a provider's republications under churn (records live twice that).
    #[serde(default = "default_republish")]
    pub republish_s: f64,
}

fn default_refresh() -> f64 {
    600.0
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
        c.positive(&format!("{path}.refresh_s"), self.refresh_s);
        c.positive(&format!("{path}.republish_s"), self.republish_s);
        self.upkeep().check_timeout(c, path);
        let (k, alpha) = (self.k, self.alpha);
        if !(1..=64).contains(&k) {
            c.fail(
                &format!("{path}.k"),
                format!("must be between 1 and 64, got {k}"),
                "Maymounkov & Mazières use k = 20",
            );
        }
        if alpha == 0 || alpha > k {
            c.fail(
                &format!("{path}.alpha"),
                format!("must be between 1 and k = {k}, got {alpha}"),
                "Maymounkov & Mazières use alpha = 3",
            );
        }
    }

    /// Each node's buckets: k contacts per distance range that holds k nodes (about
    /// log2(N/k) of them) plus the partly filled closer ones; a record per copy on each of the
    /// k closest nodes.
    fn memory(&self, s: &Sizing) -> u64 {
        let k = f64::from(self.k);
        let ranges = (s.nodes as f64 / k).max(1.0).log2() + 2.0;
        s.nodes * 32 + (s.nodes as f64 * k * ranges * 4.0) as u64 + s.provider_record_bytes(self.k)
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
        let buckets = stream(
            r.seed,
            world.replica,
            StreamKind::Protocol,
            KADEMLIA_BUCKETS,
        );
        let kademlia = Kademlia::new(
            &ids,
            self.k,
            self.alpha,
            SimDuration::from_secs_f64(self.refresh_s),
            self.upkeep().upkeep(world),
            buckets,
        );
        r.simulate(kademlia)
    }
}
