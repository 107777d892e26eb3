//! The query stream: Poisson arrivals, uniform sources, popularity-weighted targets.

use crate::content::{Content, ObjectId};
use crate::rng::{Sample, SimRng};
use crate::scenario;
use crate::time::{SimDuration, SimTime};
use crate::topology::NodeId;

/// One query of the workload.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Query {
    /// When the source issues it.
    pub issued: SimTime,
    /// The node asking.
    pub source: NodeId,
    /// The object asked for.
    pub object: ObjectId,
}

/// Draws the whole query stream of one replica: exponential gaps with mean `1/rate_per_s`
/// (the first query arrives after one gap), a source uniform over the nodes, and a target
/// that is a uniform rare object with probability `rare_fraction`, else a catalogue object
/// drawn by popularity.
pub fn generate(
    spec: &scenario::Workload,
    nodes: u32,
    content: &Content,
    rng: &mut SimRng,
) -> Vec<Query> {
    let rare = content.objects() - content.catalogue();
    let mut now = SimTime::ZERO;
    (0..spec.queries)
        .map(|_| {
            now = now + SimDuration::from_secs_f64(rng.exponential(1.0 / spec.rate_per_s));
            let source = rng.index(nodes);
            let object = if rare > 0 && rng.chance(spec.rare_fraction) {
                content.catalogue() + rng.index(rare)
            } else {
                content.popularity.sample(rng)
            };
            Query {
                issued: now,
                source,
                object,
            }
        })
        .collect()
}
