//! The frames of an animation, computed once from a query's trace: the HTML player and the
//! APNG both draw exactly these states.

use crate::metrics::trace::{EventKind, MessageKind, TraceEvent};
use serde::Serialize;

/// Frames of an animation (the first shows the query's issue, the last its end).
pub const FRAMES: usize = 241;

/// One message of the trace, as drawn.
#[derive(Clone, Debug, Serialize)]
pub struct Flight {
    /// Sender (node id).
    pub from: u64,
    /// Receiver (node id).
    pub to: u64,
    /// The `trace.csv` kind of the send.
    pub kind: &'static str,
    /// Sent, µs after the query's issue.
    pub sent: u64,
    /// Reaches its receiver, µs after issue.
    pub arrives: u64,
    /// Lost or dropped at the receiver.
    pub failed: bool,
}

/// What one frame shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Frame {
    /// Simulated time, µs after the query's issue.
    pub t: u64,
    /// Request messages sent so far.
    pub messages: u32,
    /// Nodes reached so far.
    pub reached: u32,
    /// Duplicate arrivals so far.
    pub duplicates: u32,
    /// Messages in the air: (index into the flights, progress 0..=1000).
    pub flying: Vec<(u32, u16)>,
    /// Nodes a duplicate reached since the previous frame.
    pub flashes: Vec<u64>,
}

/// A query's trace laid out in time.
#[derive(Clone, Debug, Serialize)]
pub struct Timeline {
    /// Every message.
    pub flights: Vec<Flight>,
    /// Each reached node: (node id, frame it lights up in, hops of the message that reached it).
    pub lit: Vec<(u64, u32, u32)>,
    /// The frames.
    pub frames: Vec<Frame>,
    /// The largest TTL a query copy left the source with (floods only).
    pub horizon: Option<u32>,
}

/// Lays out the events of one query, issued at `issued` µs, in [`FRAMES`] frames evenly
/// spaced from the issue to the last arrival. Only flights between nodes that are `drawn` are
/// kept; the counters count every event.
pub fn timeline(events: &[TraceEvent], issued: u64, drawn: &dyn Fn(u64) -> bool) -> Timeline {
    let rel = |t: u64| t.saturating_sub(issued);
    let end = events
        .iter()
        .map(|e| rel(e.arrives.unwrap_or(e.time).micros().max(e.time.micros())))
        .max()
        .unwrap_or(0)
        .max(1);
    let frame_time = |f: usize| end * f as u64 / (FRAMES as u64 - 1);
    // The first frame at or after `t`.
    let frame_of = |t: u64| ((t as u128 * (FRAMES as u128 - 1)).div_ceil(end as u128)) as u32;
    let mut flights: Vec<Flight> = Vec::new();
    let mut lit = Vec::new();
    let mut horizon: Option<u32> = None;
    for e in events {
        match e.kind {
            EventKind::Sent(_) | EventKind::Reached if !(drawn(e.from) && drawn(e.to)) => {}
            EventKind::Sent(kind) => {
                if kind == MessageKind::Query
                    && let (Some(ttl), Some(hops)) = (e.ttl, e.hops)
                {
                    horizon = horizon.max(Some(ttl + hops - 1));
                }
                flights.push(Flight {
                    from: e.from,
                    to: e.to,
                    kind: e.kind.name(),
                    sent: rel(e.time.micros()),
                    arrives: rel(e.arrives.expect("a send's arrival").micros()),
                    failed: false,
                });
            }
            EventKind::Reached => {
                lit.push((e.to, frame_of(rel(e.time.micros())), e.hops.unwrap_or(0)))
            }
            EventKind::Lost | EventKind::Dropped => {
                // The latest flight on this link still unresolved that arrives now.
                let at = rel(e.time.micros());
                if let Some(f) = flights
                    .iter_mut()
                    .rev()
                    .find(|f| f.from == e.from && f.to == e.to && f.arrives <= at && !f.failed)
                {
                    f.failed = true;
                }
            }
            EventKind::Duplicate => {}
        }
    }
    let mut frames = Vec::with_capacity(FRAMES);
    let (mut next, mut counts) = (0usize, Frame::default());
    for f in 0..FRAMES {
        let t = frame_time(f);
        let mut flashes = Vec::new();
        while next < events.len() && rel(events[next].time.micros()) <= t {
            let e = &events[next];
            if e.kind.is_request() {
                counts.messages += 1;
            }
            match e.kind {
                EventKind::Reached => counts.reached += 1,
                EventKind::Duplicate => {
                    counts.duplicates += 1;
                    flashes.push(e.to);
                }
                _ => {}
            }
            next += 1;
        }
        let flying = flights
            .iter()
            .enumerate()
            .filter(|(_, m)| m.sent <= t && t < m.arrives)
            .map(|(i, m)| {
                (
                    i as u32,
                    ((t - m.sent) * 1000 / (m.arrives - m.sent)) as u16,
                )
            })
            .collect();
        frames.push(Frame {
            t,
            flying,
            flashes,
            ..counts.clone()
        });
    }
    Timeline {
        flights,
        lit,
        frames,
        horizon,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::SimTime;

    fn at(ms: u64) -> SimTime {
        SimTime::ZERO + crate::time::SimDuration::from_millis(ms)
    }

    fn ev(kind: EventKind, time: u64, from: u64, to: u64, arrives: Option<u64>) -> TraceEvent {
        TraceEvent {
            query: 0,
            time: at(time),
            kind,
            from,
            to,
            ttl: Some(2),
            hops: Some(1),
            arrives: arrives.map(at),
        }
    }

    #[test]
    fn counters_end_at_the_trace_totals_and_flights_move_in_time() {
        // Source 0 floods to 1 and 2 (100 ms each); 1 forwards to 2, a duplicate at 200 ms.
        let q = EventKind::Sent(MessageKind::Query);
        let events = [
            ev(q, 1000, 0, 1, Some(1100)),
            ev(q, 1000, 0, 2, Some(1100)),
            ev(EventKind::Reached, 1100, 0, 1, None),
            ev(q, 1100, 1, 2, Some(1200)),
            ev(EventKind::Reached, 1100, 0, 2, None),
            ev(EventKind::Duplicate, 1200, 1, 2, None),
        ];
        let t = timeline(&events, at(1000).micros(), &|_| true);
        let last = t.frames.last().unwrap();
        assert_eq!((last.messages, last.reached, last.duplicates), (3, 2, 1));
        assert_eq!(last.t, 200_000);
        // Halfway through the first hop: both copies half way, nothing reached yet.
        let mid = &t.frames[(FRAMES - 1) / 4];
        assert_eq!(mid.t, 50_000);
        assert_eq!(mid.flying, vec![(0, 500), (1, 500)]);
        assert_eq!((mid.messages, mid.reached), (2, 0));
        // Nodes light up in the frame of their arrival, 100 ms = the middle frame.
        assert_eq!(t.lit, vec![(1, 120, 1), (2, 120, 1)]);
        assert_eq!(t.frames.iter().map(|f| f.flashes.len()).sum::<usize>(), 1);
        assert_eq!(t.horizon, Some(2));
    }
}
