//! The query driver: issues the workload's queries in order and decides which hits count.

use super::{QueryId, is_online, online_since};
use crate::metrics::Recorder;
use crate::time::SimTime;
use crate::topology::{NodeId, OverlayState};
use crate::world::World;

/// Where the workload stands, and its rules for hits.
pub(super) struct QueryDriver {
    /// The next query to issue.
    next: usize,
}

impl QueryDriver {
    pub(super) fn new() -> Self {
        QueryDriver { next: 0 }
    }

    /// When the next query is issued, if any is left.
    #[inline]
    pub(super) fn next_time(&self, world: &World) -> Option<SimTime> {
        world.queries.get(self.next).map(|q| q.issued)
    }

    /// Takes the next query.
    pub(super) fn issue(&mut self) -> QueryId {
        self.next += 1;
        (self.next - 1) as QueryId
    }

    /// Whether `query`'s source is still in the session it issued the query from.
    pub(super) fn source_active(
        world: &World,
        live: Option<&OverlayState>,
        query: QueryId,
    ) -> bool {
        let q = &world.queries[query as usize];
        let source: NodeId = q.source;
        is_online(live, source) && online_since(live, source) <= q.issued
    }

    /// Whether `query` is still within the world's timeout at `now`.
    fn within_timeout(world: &World, now: SimTime, query: QueryId) -> bool {
        now.since(world.queries[query as usize].issued) <= world.timeout
    }

    /// Whether `query`'s source still waits for hits at `now`: it is in the session it issued
    /// the query from and the world's timeout has not passed.
    pub(super) fn source_waiting(
        world: &World,
        live: Option<&OverlayState>,
        now: SimTime,
        query: QueryId,
    ) -> bool {
        Self::source_active(world, live, query) && Self::within_timeout(world, now, query)
    }

    /// A hit of `query` from `hops` away reached the source at `now`: it counts if the source
    /// still waits for it (within the world's timeout), and is lost if the source abandoned
    /// the query.
    pub(super) fn deliver_hit(
        &self,
        world: &World,
        live: Option<&OverlayState>,
        recorder: &mut Recorder,
        now: SimTime,
        query: QueryId,
        hops: u32,
    ) {
        if !Self::source_active(world, live, query) {
            recorder.hit_lost(query);
            return;
        }
        if Self::within_timeout(world, now, query) {
            let elapsed = now.since(world.queries[query as usize].issued);
            recorder.hit(query, hops, elapsed);
        }
    }
}
