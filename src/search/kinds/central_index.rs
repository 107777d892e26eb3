//! `kind = "central-index"`: Napster's central index, see [`crate::search::CentralIndex`].

use super::super::CentralIndex;
use super::{Facts, Kind, Runner, Sizing};
use crate::sim::Outcome;
use crate::validation::Checker;
use serde::{Deserialize, Serialize};

/// One line on what the kind does.
pub const DOC: &str = "Napster: the most capable online peer holds the index of every online \
                       peer's objects; a query is one request to it and one response; peers \
                       register and unregister under churn";

/// `search = { kind = "central-index" }`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {}

impl Kind for Table {
    fn check(&self, _: &mut Checker, _: &str, _: &Facts) {}

    fn memory(&self, s: &Sizing) -> u64 {
        4 * s.nodes
    }

    fn messages_per_query(&self, _: &Sizing) -> f64 {
        2.0
    }

    fn run(&self, r: Runner<'_>) -> Outcome {
        let capacities = r.world.capacities.as_ref();
        let protocol =
            CentralIndex::by_capacity(r.nodes(), |v| capacities.map_or(0.0, |c| c.rate(v)));
        r.simulate(protocol)
    }
}
