//! The seam between [`super::Kernel::send`] and delivery.
//!
//! A transport decides two things: how long a message travels (its link latency, drawn per
//! message or fixed per link), and what happens when it reaches its receiver: it is handled at
//! once, handled later (it waited in the receiver's queue behind other messages), or dropped
//! (the queue was full). The default transport, `net::LinkLatency`, draws a latency per
//! message or per link and hands every message over on arrival; the simulation layer's network
//! adds per-node queues (the capacity model) here, without touching any protocol.

use crate::time::{SimDuration, SimTime};
use crate::topology::NodeId;

/// What happens to a message when it reaches its receiver.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Arrival {
    /// The receiver handles it now.
    Now,
    /// The receiver handles it at this later time (it waits in a queue meanwhile).
    At(SimTime),
    /// It is lost (e.g. the receiver's queue is full).
    Dropped,
}

/// Decides when messages arrive and when their receivers handle them.
pub trait Transport {
    /// How long a message sent at `now` from `from` to `to` travels.
    fn latency(&mut self, now: SimTime, from: NodeId, to: NodeId) -> SimDuration;

    /// A hint: whether this transport may hold messages back ([`Arrival::At`]), so that the
    /// kernel announces held messages to [`super::Model::prefetch`] too. Results never depend
    /// on it.
    fn holds(&self) -> bool {
        true
    }

    /// A message reaches `to` at `now`. Arrivals are announced in time order. `online` tells
    /// whether the model still has `to` (a transport that queues asks it, so that nothing
    /// queues at a departed node; the message is then handed over at once and lost there).
    #[inline]
    fn arrive(&mut self, _now: SimTime, _to: NodeId, _online: impl FnOnce() -> bool) -> Arrival {
        Arrival::Now
    }
}
