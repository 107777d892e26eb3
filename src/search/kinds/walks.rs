//! `kind = "random-walk"` and `kind = "degree-biased-walk"`: walkers that check with their
//! source (Lv et al. 2002), stepping uniformly or to the highest-degree unvisited neighbour.
//! One mechanism ([`Walk`]) with a step rule, and one table.

use super::super::{StepRule, Walk, WalkConfig};
use super::{Facts, Kind, Runner, Sizing};
use crate::sim::Outcome;
use crate::validation::Checker;
use serde::{Deserialize, Serialize};

/// One line on what `random-walk` does.
pub const RANDOM_DOC: &str = "Random walkers that check with the source every check_every steps \
                              (Lv, Cao, Cohen, Li & Shenker 2002)";
/// One line on what `degree-biased-walk` does.
pub const DEGREE_BIASED_DOC: &str = "Walkers that step to the highest-degree neighbour not yet \
                                     visited (the degree-biased walk alone, without GIA's other \
                                     mechanisms)";

/// Largest number of walkers per query.
pub const MAX_WALKERS: u32 = 100_000;
/// Largest number of steps per walker.
pub const MAX_WALK_TTL: u32 = 10_000_000;

/// `search = { kind = "random-walk" | "degree-biased-walk", walkers, ttl, check_every }`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Walkers per query.
    pub walkers: u32,
    /// Most steps per walker.
    pub ttl: u32,
    /// Steps between check-ins.
    pub check_every: u32,
}

/// `kind = "random-walk"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RandomWalk(pub Table);

/// `kind = "degree-biased-walk"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DegreeBiasedWalk(pub Table);

impl Table {
    fn check(&self, c: &mut Checker, path: &str) {
        if !(1..=MAX_WALKERS).contains(&self.walkers) {
            c.fail(
                &format!("{path}.walkers"),
                format!("must be between 1 and {MAX_WALKERS}, got {}", self.walkers),
                "Lv et al. used 16 to 64 walkers",
            );
        }
        if !(1..=MAX_WALK_TTL).contains(&self.ttl) {
            c.fail(
                &format!("{path}.ttl"),
                format!(
                    "must be between 1 and {MAX_WALK_TTL} steps, got {}",
                    self.ttl
                ),
                "e.g. ttl = 1024 steps per walker",
            );
        }
        c.at_least_one(&format!("{path}.check_every"), self.check_every);
    }

    /// A walker's expected steps: its share of the search size N/copies plus half a check
    /// interval, at most ttl; a query lasts that many link latencies, so about
    /// 1 + rate·steps·latency queries walk at once (at most all of them); visited sets take
    /// about 32 bytes per node.
    fn memory(&self, s: &Sizing) -> u64 {
        let w = f64::from(self.walkers);
        let steps = (s.nodes as f64 / s.copies_per_object.max(1.0) / w
            + f64::from(self.check_every) / 2.0)
            .min(f64::from(self.ttl));
        // Queries in flight at once: at most all of them.
        let concurrent =
            (1.0 + s.rate_per_s * steps * s.mean_latency_s).min(s.queries.max(1) as f64);
        (concurrent * w * (steps * 32.0 + s.heap_event_bytes as f64)) as u64
    }

    fn messages_per_query(&self, s: &Sizing) -> f64 {
        f64::from(self.walkers)
            * f64::from(self.ttl).min(s.nodes as f64 / s.copies_per_object.max(1.0))
    }

    fn run(&self, r: Runner<'_>, rule: StepRule) -> Outcome {
        r.simulate(Walk::new(WalkConfig {
            walkers: self.walkers,
            ttl: self.ttl,
            check_every: self.check_every,
            rule,
        }))
    }
}

/// Each walk kind is the table with its step rule.
macro_rules! walk_kind {
    ($kind:ident, $rule:expr) => {
        impl Kind for $kind {
            fn check(&self, c: &mut Checker, path: &str, _: &Facts) {
                self.0.check(c, path);
            }
            fn memory(&self, s: &Sizing) -> u64 {
                self.0.memory(s)
            }
            fn messages_per_query(&self, s: &Sizing) -> f64 {
                self.0.messages_per_query(s)
            }
            fn run(&self, r: Runner<'_>) -> Outcome {
                self.0.run(r, $rule)
            }
        }
    };
}

walk_kind!(RandomWalk, StepRule::Uniform);
walk_kind!(DegreeBiasedWalk, StepRule::HighestDegree);
