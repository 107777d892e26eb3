//! The query stream: Poisson arrivals, sources uniform over the online nodes,
//! popularity-weighted targets.

use crate::churn::PlanBuilder;
use crate::content::{Content, ObjectId};
use crate::rng::{Sample, SimRng};
use crate::time::{SimDuration, SimTime};
use crate::topology::NodeId;
use serde::{Deserialize, Serialize};

/// `[workload]`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// Queries per replica (derived from `duration_s` when that is given instead).
    #[serde(default)]
    pub queries: u32,
    /// Seconds of queries at `rate_per_s`, instead of a query count: `queries` becomes
    /// round(rate_per_s × duration_s), so a sweep over the rate keeps the simulated time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_s: Option<f64>,
    /// Poisson arrival rate, queries per second.
    pub rate_per_s: f64,
    /// Share of queries aimed at the rare objects.
    #[serde(default)]
    pub rare_fraction: f64,
    /// Hits arriving later than this after the query was issued do not count.
    #[serde(default = "default_timeout")]
    pub timeout_s: f64,
}

impl Workload {
    /// `timeout_s` as a duration.
    pub fn timeout(&self) -> crate::time::SimDuration {
        crate::time::SimDuration::from_secs_f64(self.timeout_s)
    }
}

fn default_timeout() -> f64 {
    30.0
}

/// Index of a query in the workload (and in the records).
pub type QueryId = u32;

/// One query of the workload.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// When the source issues it.
    pub issued: SimTime,
    /// The node asking.
    pub source: NodeId,
    /// The object asked for.
    pub object: ObjectId,
    /// Copies of the object on online nodes other than the source at issue time.
    pub replicas_online: u32,
}

/// Draws the whole query stream of one replica: exponential gaps with mean `1/rate_per_s`
/// after `start` (the first query arrives one gap after it), a source uniform over the nodes
/// online at that moment, and a target that is a uniform rare object with probability
/// `rare_fraction`, else a catalogue object drawn by popularity.
///
/// With churn, the plan is advanced to each query's issue time to see who is online; a query
/// that arrives while no node is online is skipped.
pub fn generate(
    spec: &Workload,
    start: SimTime,
    nodes: u32,
    content: &Content,
    rng: &mut SimRng,
    mut churn: Option<&mut PlanBuilder<'_>>,
) -> Vec<Query> {
    let rare = content.objects() - content.catalogue();
    let mut now = start;
    let mut queries = Vec::with_capacity(spec.queries as usize);
    for _ in 0..spec.queries {
        now = now + SimDuration::from_secs_f64(rng.exponential(1.0 / spec.rate_per_s));
        let live = churn.as_deref_mut().map(|plan| {
            plan.advance_to(now);
            plan.state()
        });
        let source = match live {
            None => rng.index(nodes),
            Some(state) => match state.online_nodes() {
                [] => continue,
                online => online[rng.index(online.len() as u32) as usize],
            },
        };
        let object = if rare > 0 && rng.chance(spec.rare_fraction) {
            content.catalogue() + rng.index(rare)
        } else {
            content.popularity.sample(rng)
        };
        let replicas_online = content
            .holders(object)
            .iter()
            .filter(|&&h| h != source && live.is_none_or(|s| s.is_online(h)))
            .count() as u32;
        queries.push(Query {
            issued: now,
            source,
            object,
            replicas_online,
        });
    }
    queries
}
