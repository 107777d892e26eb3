//! One replica's world: overlay, content, churn plan and query stream, each from its own
//! random stream.

use crate::capacity::Capacities;
use crate::churn::ChurnPlan;
use crate::content::Content;
use crate::time::{SimDuration, SimTime};
use crate::topology::Overlay;
use crate::workload::Query;

/// Everything the variants of one replica share.
#[derive(Clone, Debug)]
pub struct World {
    /// The replica this world belongs to.
    pub replica: u32,
    /// The overlay graph.
    pub overlay: Overlay,
    /// Objects and their replicas.
    pub content: Content,
    /// The queries, in issue order.
    pub queries: Vec<Query>,
    /// Who is online when, and how links change; `None` without churn.
    pub churn: Option<ChurnPlan>,
    /// Hits arriving later than this after their query was issued do not count.
    pub timeout: SimDuration,
    /// Every node's capacity; `None` when nodes are unlimited.
    pub capacities: Option<Capacities>,
}

impl World {
    /// The end of the run: the last query's issue time plus the timeout (the timeout alone
    /// without queries). Periodic protocol timers stop here.
    pub fn horizon(&self) -> SimTime {
        horizon(&self.queries, self.timeout)
    }
}

pub(crate) fn horizon(queries: &[Query], timeout: SimDuration) -> SimTime {
    queries.last().map_or(SimTime::ZERO, |q| q.issued) + timeout
}
