//! The membership driver: replays a replica's churn plan into the live overlay.

use crate::churn::{ChurnPlan, Replay, TimedChange};
use crate::time::SimTime;
use crate::topology::{Change, NodeId, Overlay, OverlayState};
use std::iter::Peekable;

/// What a protocol hears of a change.
pub(super) enum Event {
    /// The node came online.
    Join(NodeId),
    /// The node went offline.
    Leave(NodeId),
}

/// The plan's changes still to apply.
pub(super) struct Membership<'a> {
    changes: Peekable<Replay<'a>>,
}

impl<'a> Membership<'a> {
    pub(super) fn new(plan: &'a ChurnPlan, overlay: &'a Overlay) -> Self {
        Membership {
            changes: plan.replay(overlay).peekable(),
        }
    }

    /// When the next change happens, if any is left.
    #[inline]
    pub(super) fn next_time(&mut self) -> Option<SimTime> {
        self.changes.peek().map(|c| c.time)
    }

    /// Applies the next change (due at `now`) to `live`; joins and leaves are announced.
    pub(super) fn apply(&mut self, now: SimTime, live: &mut OverlayState) -> Option<Event> {
        let TimedChange { change, .. } = self.changes.next().expect("a due change");
        live.apply(now, change);
        match change {
            Change::Join(v) => Some(Event::Join(v)),
            Change::Leave(v) => Some(Event::Leave(v)),
            Change::Link(..) | Change::Unlink(..) => None,
        }
    }
}
