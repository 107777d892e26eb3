//! The event queue: a total order on (time, class, insertion sequence).
//!
//! Each entry carries one packed `u128` key: 64 bits of time, 8 bits of [`EventClass`] and a
//! 56-bit insertion counter. Comparing one integer keeps the hot path short, and the order is
//! total, so two runs of the same scenario pop events in exactly the same order.
//!
//! Two structures hold the entries: a FIFO for message deliveries whose key is not below the
//! FIFO's last key (so the FIFO stays sorted), and a binary heap for everything else; `pop`
//! takes the smaller of the two heads. With constant link latency every message is pushed in
//! key order, so message events cost O(1) and stay contiguous in memory; random latencies, and
//! the sparse far-future events (timers, query starts), use the heap. The pop order is the
//! same total order either way.

use crate::time::SimTime;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

/// Which kind of event wins a tie at equal time. Lower classes pop first.
///
/// At one instant the world changes first (churn), then messages arrive, then timers fire,
/// then new queries start; among equals the event scheduled first pops first.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[repr(u8)]
pub enum EventClass {
    /// Nodes joining or leaving.
    Churn = 0,
    /// A message arriving at a node.
    Delivery = 1,
    /// A protocol timer firing.
    Timer = 2,
    /// A new query from the workload.
    QueryStart = 3,
}

struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key.cmp(&other.key)
    }
}

const SEQ_BITS: u32 = 56;

/// Bytes one queued entry holding an `E` takes.
pub(crate) fn entry_bytes<E>() -> usize {
    std::mem::size_of::<Entry<E>>()
}

/// A min-queue of events in (time, class, insertion) order.
pub struct EventQueue<E> {
    heap: BinaryHeap<Reverse<Entry<E>>>,
    fifo: VecDeque<Entry<E>>,
    next_seq: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            fifo: VecDeque::new(),
            next_seq: 0,
        }
    }

    /// Schedules `event` at `time`; among events of equal time and class it pops after every
    /// event pushed before it.
    pub fn push(&mut self, time: SimTime, class: EventClass, event: E) {
        assert!(self.next_seq < 1 << SEQ_BITS, "event sequence overflow");
        let key = (u128::from(time.micros()) << 64)
            | (u128::from(class as u8) << SEQ_BITS)
            | u128::from(self.next_seq);
        self.next_seq += 1;
        let entry = Entry { key, event };
        if class == EventClass::Delivery && self.fifo.back().is_none_or(|last| last.key <= key) {
            self.fifo.push_back(entry);
        } else {
            self.heap.push(Reverse(entry));
        }
    }

    /// Removes and returns the first event with its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let from_fifo = match (self.fifo.front(), self.heap.peek()) {
            (Some(f), Some(Reverse(h))) => f.key < h.key,
            (Some(_), None) => true,
            (None, _) => false,
        };
        let entry = if from_fifo {
            self.fifo.pop_front()
        } else {
            self.heap.pop().map(|Reverse(e)| e)
        };
        entry.map(|e| (SimTime((e.key >> 64) as u64), e.event))
    }

    /// The time of the next event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        let key = match (self.fifo.front(), self.heap.peek()) {
            (Some(f), Some(Reverse(h))) => f.key.min(h.key),
            (Some(f), None) => f.key,
            (None, Some(Reverse(h))) => h.key,
            (None, None) => return None,
        };
        Some(SimTime((key >> 64) as u64))
    }

    /// The in-order delivery `ahead` places after the next one, if queued (for prefetching).
    #[inline]
    pub fn peek_in_order(&self, ahead: usize) -> Option<&E> {
        self.fifo.get(ahead).map(|e| &e.event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_time_then_class_then_insertion() {
        let mut q = EventQueue::new();
        q.push(SimTime(5), EventClass::QueryStart, "t5-query");
        q.push(SimTime(5), EventClass::Timer, "t5-timer-a");
        q.push(SimTime(1), EventClass::QueryStart, "t1-query");
        q.push(SimTime(5), EventClass::Delivery, "t5-delivery");
        q.push(SimTime(5), EventClass::Timer, "t5-timer-b");
        q.push(SimTime(5), EventClass::Churn, "t5-churn");
        q.push(SimTime(3), EventClass::Timer, "t3-timer");
        q.push(SimTime(5), EventClass::Timer, "t5-timer-c");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(
            order,
            [
                "t1-query",
                "t3-timer",
                "t5-churn",
                "t5-delivery",
                "t5-timer-a",
                "t5-timer-b",
                "t5-timer-c",
                "t5-query"
            ]
        );
    }

    #[test]
    fn matches_a_sorted_reference_under_engine_like_use() {
        // Pop one event, push a few at or after its time (random classes and delays, some at
        // the same instant with a lower class), and compare every pop with a sorted reference.
        use crate::rng::{Sample, StreamKind, stream};
        use std::collections::BTreeSet;
        let classes = [
            EventClass::Churn,
            EventClass::Delivery,
            EventClass::Timer,
            EventClass::QueryStart,
        ];
        let mut r = stream(11, 0, StreamKind::Protocol, 0);
        let mut q = EventQueue::new();
        let mut reference = BTreeSet::new();
        let mut seq = 0u64;
        let mut push = |q: &mut EventQueue<u64>,
                        reference: &mut BTreeSet<(u64, u8, u64)>,
                        t: u64,
                        c: EventClass| {
            q.push(SimTime(t), c, seq);
            reference.insert((t, c as u8, seq));
            seq += 1;
        };
        for i in 0..50 {
            push(&mut q, &mut reference, i * 7, classes[(i % 4) as usize]);
        }
        let mut popped = 0;
        while let Some((t, id)) = q.pop() {
            let expected = reference.pop_first().expect("reference not empty");
            assert_eq!((t.micros(), id), (expected.0, expected.2), "pop {popped}");
            popped += 1;
            if popped < 20_000 {
                for _ in 0..r.below(4) {
                    let delay = match r.below(4) {
                        0 => 0,
                        1 => 50_000,
                        _ => r.below(100_000),
                    };
                    push(
                        &mut q,
                        &mut reference,
                        t.micros() + delay,
                        classes[r.below(4) as usize],
                    );
                }
            }
        }
        assert!(reference.is_empty() && popped > 20_000);
    }

    #[test]
    fn times_pop_monotone_under_random_pushes() {
        use crate::rng::{Sample, StreamKind, stream};
        let mut r = stream(9, 0, StreamKind::Protocol, 0);
        let mut q = EventQueue::new();
        for i in 0..10_000u32 {
            q.push(SimTime(r.below(1_000)), EventClass::Delivery, i);
        }
        let mut last = (SimTime::ZERO, 0u32);
        let mut popped = 0;
        while let Some((t, i)) = q.pop() {
            assert!(t >= last.0);
            if t == last.0 && popped > 0 {
                assert!(i > last.1, "insertion order broken at equal time");
            }
            last = (t, i);
            popped += 1;
        }
        assert_eq!(popped, 10_000);
    }
}
