//! The event queue: a total order on (time, class, insertion sequence).
//!
//! Each heap entry carries one packed `u128` key: 64 bits of time, 8 bits of [`EventClass`]
//! and a 56-bit insertion counter. Comparing one integer keeps the hot path short, and the
//! order is total, so two runs of the same scenario pop events in exactly the same order.
//!
//! Two structures hold the entries: a FIFO for message deliveries whose key is not below the
//! FIFO's last key (so the FIFO stays sorted), and a binary heap for everything else; `pop`
//! takes the smaller of the two heads. With constant link latency every message is pushed in
//! key order, so message events cost O(1) and stay contiguous in memory; random latencies, and
//! the sparse far-future events (timers, query starts), use the heap. The pop order is the
//! same total order either way.
//!
//! The FIFO is a power-of-two ring of bare events; their keys are kept as *runs*, each a time
//! and the sequence numbers of consecutive pushes at that time (a flood's pushes at one instant
//! form one run). That halves the bytes a constant-latency flood streams through memory per
//! message, and the common push (the next delivery of the last run) is a few instructions.

use crate::time::SimTime;
use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;

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

/// Bytes one queued `E` takes: (in the FIFO, in the heap).
pub(crate) fn entry_bytes<E>() -> (usize, usize) {
    (std::mem::size_of::<E>(), std::mem::size_of::<Entry<E>>())
}

/// Keys of consecutive FIFO entries: deliveries at `time` with sequence numbers `seq..end`.
#[derive(Copy, Clone)]
struct Run {
    time: u64,
    seq: u64,
    end: u64,
}

impl Run {
    /// The packed key of the run's first entry.
    #[inline]
    fn key(&self) -> u128 {
        key(self.time, EventClass::Delivery, self.seq)
    }
}

/// The packed key of an event at `time` of `class`, pushed `seq`th.
#[inline]
fn key(time: u64, class: EventClass, seq: u64) -> u128 {
    (u128::from(time) << 64) | (u128::from(class as u8) << SEQ_BITS) | u128::from(seq)
}

/// A first-in first-out ring of `Copy` values with a power-of-two capacity, so that indexing
/// is a mask (the standard `VecDeque` pays a compare and branch per access).
struct Ring<E> {
    buf: Vec<E>,
    head: usize,
    len: usize,
}

/// How many entries ahead of the tail a push claims the cache line for writing.
const WRITE_AHEAD: usize = 32;
/// How many entries ahead of the head a pop asks for the cache line.
const READ_AHEAD: usize = 64;

impl<E: Copy> Ring<E> {
    fn new() -> Self {
        Ring {
            buf: Vec::new(),
            head: 0,
            len: 0,
        }
    }

    #[inline]
    fn push_back(&mut self, value: E) {
        if self.len == self.buf.len() {
            self.grow(value);
        }
        let mask = self.buf.len() - 1;
        let tail = self.head + self.len;
        self.buf[tail & mask] = value;
        self.len += 1;
        // Claim the line a few hundred bytes ahead now, so later pushes do not wait for it.
        crate::hint::prefetch_for_write(&self.buf, (tail + WRITE_AHEAD) & mask);
    }

    /// Doubles the capacity, keeping the order; `filler` initialises the new free slots.
    #[cold]
    fn grow(&mut self, filler: E) {
        let capacity = (2 * self.buf.len()).max(64);
        let mut buf = Vec::with_capacity(capacity);
        buf.extend((0..self.len).map(|i| *self.get(i).expect("within the length")));
        buf.resize(capacity, filler);
        *self = Ring {
            buf,
            head: 0,
            len: self.len,
        };
    }

    #[inline]
    fn pop_front(&mut self) -> Option<E> {
        if self.len == 0 {
            return None;
        }
        let mask = self.buf.len() - 1;
        let value = self.buf[self.head];
        // Entries a kilobyte ahead are read soon (and peeked at for prefetching before that).
        crate::hint::prefetch(&self.buf, (self.head + READ_AHEAD) & mask);
        self.head = (self.head + 1) & mask;
        self.len -= 1;
        Some(value)
    }

    #[inline]
    fn get(&self, i: usize) -> Option<&E> {
        (i < self.len).then(|| &self.buf[(self.head + i) & (self.buf.len() - 1)])
    }

    #[inline]
    fn front_mut(&mut self) -> Option<&mut E> {
        (self.len > 0).then(|| &mut self.buf[self.head])
    }

    #[inline]
    fn back_mut(&mut self) -> Option<&mut E> {
        let mask = self.buf.len().wrapping_sub(1);
        (self.len > 0).then(|| &mut self.buf[(self.head + self.len - 1) & mask])
    }
}

/// A min-queue of events in (time, class, insertion) order.
pub struct EventQueue<E> {
    heap: BinaryHeap<Reverse<Entry<E>>>,
    fifo: Ring<E>,
    runs: Ring<Run>,
    next_seq: u64,
}

impl<E: Copy> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> EventQueue<E> {
    /// An empty queue.
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            fifo: Ring::new(),
            runs: Ring::new(),
            next_seq: 0,
        }
    }

    /// Schedules `event` at `time`; among events of equal time and class it pops after every
    /// event pushed before it.
    #[inline(always)]
    pub fn push(&mut self, time: SimTime, class: EventClass, event: E) {
        // 2^56 events take decades at any speed this engine reaches.
        debug_assert!(self.next_seq < 1 << SEQ_BITS, "event sequence overflow");
        let (time, seq) = (time.micros(), self.next_seq);
        self.next_seq += 1;
        // The fast path: the next delivery of the FIFO's last run.
        if class == EventClass::Delivery
            && let Some(run) = self.runs.back_mut()
            && run.time == time
            && run.end == seq
        {
            run.end += 1;
            self.fifo.push_back(event);
        } else {
            self.push_slow(time, class, seq, event);
        }
    }

    /// Starts a new FIFO run for an in-order delivery; anything else goes to the heap.
    #[inline(never)]
    fn push_slow(&mut self, time: u64, class: EventClass, seq: u64, event: E) {
        let in_order = self.runs.back_mut().is_none_or(|run| run.time <= time);
        if class == EventClass::Delivery && in_order {
            self.runs.push_back(Run {
                time,
                seq,
                end: seq + 1,
            });
            self.fifo.push_back(event);
        } else {
            self.heap.push(Reverse(Entry {
                key: key(time, class, seq),
                event,
            }));
        }
    }

    /// Removes and returns the first event with its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let from_fifo = match (self.runs.get(0), self.heap.peek()) {
            (Some(run), Some(Reverse(h))) => run.key() < h.key,
            (Some(_), None) => true,
            (None, _) => false,
        };
        if !from_fifo {
            return self
                .heap
                .pop()
                .map(|Reverse(e)| (SimTime((e.key >> 64) as u64), e.event));
        }
        let run = self.runs.front_mut().expect("a run heads the FIFO");
        let time = SimTime(run.time);
        run.seq += 1;
        if run.seq == run.end {
            self.runs.pop_front();
        }
        let event = self.fifo.pop_front().expect("every run has its entries");
        Some((time, event))
    }

    /// The time of the next event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<SimTime> {
        let key = match (self.runs.get(0), self.heap.peek()) {
            (Some(run), Some(Reverse(h))) => run.key().min(h.key),
            (Some(run), None) => run.key(),
            (None, Some(Reverse(h))) => h.key,
            (None, None) => return None,
        };
        Some(SimTime((key >> 64) as u64))
    }

    /// The in-order delivery `ahead` places after the next one, if queued (for prefetching).
    #[inline]
    pub fn peek_in_order(&self, ahead: usize) -> Option<&E> {
        self.fifo.get(ahead)
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
        use crate::rng::{Sample, SimRng};
        // Delays of up to 100 ms, of up to a millisecond, and now and then of seconds (with
        // gaps that leave only far events queued).
        check_against_a_sorted_reference(11, &|r: &mut SimRng| r.below(100_000));
        check_against_a_sorted_reference(12, &|r: &mut SimRng| r.below(1 << 10));
        check_against_a_sorted_reference(13, &|r: &mut SimRng| match r.below(40) {
            0 => 5_000_000 + r.below(50_000_000),
            _ => r.below(100_000),
        });
    }

    /// Pops one event, pushes a few at or after its time (random classes, delays from
    /// `delay`, some at the same instant, some a fixed 50 ms later), and compares every pop
    /// with a sorted reference.
    fn check_against_a_sorted_reference(seed: u64, delay: &dyn Fn(&mut crate::rng::SimRng) -> u64) {
        use crate::rng::{Sample, StreamKind, stream};
        use std::collections::BTreeSet;
        let classes = [
            EventClass::Churn,
            EventClass::Delivery,
            EventClass::Timer,
            EventClass::QueryStart,
        ];
        let mut r = stream(seed, 0, StreamKind::Protocol, 0);
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
            assert_eq!(
                (t.micros(), id),
                (expected.0, expected.2),
                "seed {seed}, pop {popped}"
            );
            popped += 1;
            if popped < 20_000 {
                for _ in 0..r.below(4) {
                    let d = match r.below(4) {
                        0 => 0,
                        1 => 50_000,
                        _ => delay(&mut r),
                    };
                    let c = classes[r.below(4) as usize];
                    push(&mut q, &mut reference, t.micros() + d, c);
                }
            }
        }
        assert!(reference.is_empty() && popped > 20_000, "seed {seed}");
    }

    #[test]
    fn the_ring_keeps_order_across_wraps_and_growth() {
        let mut ring = Ring::new();
        let mut expected = std::collections::VecDeque::new();
        let mut next = 0u32;
        for round in 0..200 {
            for _ in 0..(round % 7 + 1) * 3 {
                ring.push_back(next);
                expected.push_back(next);
                next += 1;
            }
            for _ in 0..(round % 5 + 1) * 3 {
                assert_eq!(ring.pop_front(), expected.pop_front());
            }
            assert!((0..=expected.len()).all(|i| ring.get(i) == expected.get(i)));
        }
        assert!(ring.buf.len() >= 512 && expected.len() > 256);
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
