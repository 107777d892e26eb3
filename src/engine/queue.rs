//! The event queue: a total order on (time, class, insertion sequence).
//!
//! Each entry carries one packed `u128` key: 64 bits of time, 8 bits of [`EventClass`] and a
//! 56-bit insertion counter. Comparing one integer keeps the hot path short, and the order is
//! total, so two runs of the same scenario pop events in exactly the same order, whichever
//! structure below holds an event.
//!
//! Three structures hold the entries:
//! - a FIFO for message deliveries whose key is not below the FIFO's last key (so the FIFO
//!   stays sorted). With constant link latency every message is pushed in key order, so
//!   message events cost O(1) and stay contiguous in memory;
//! - a *calendar* (Brown 1988) for out-of-order events once there are many of them: a ring of
//!   time buckets of `2^shift` µs, unsorted until time reaches a bucket, which is then sorted
//!   once and drained in order. Pushing is an append and popping a `Vec::pop`, so the cost per
//!   event does not grow with the number in flight;
//! - a binary heap for the rest: every out-of-order event while few are queued (a heap that
//!   fits in the caches is faster than any bucket bookkeeping), and later the events beyond
//!   the calendar's window or inside the bucket being drained.
//!
//! `pop` takes the smallest of the FIFO's head, the heap's head and the drained bucket's head,
//! unless the calendar's next bucket comes first, which it then sorts. The calendar starts
//! when the heap first holds [`SPILL`] entries, and adapts its geometry to what is queued: its
//! window is set to cover 7/8 of the queued events with about [`TARGET`] events per bucket,
//! but no wider than [`PASSING`] events take to pass the head (again whenever the heap
//! doubles, i.e. the window is too short), and a bucket found with more than [`BIG`] events
//! splits the buckets after it finer.
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

#[derive(Copy, Clone)]
struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> Entry<E> {
    /// The event's time, µs.
    #[inline]
    fn time(&self) -> u64 {
        time_of(self.key)
    }
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

/// Heap entries at which the calendar starts. Chosen by measurement: `quickstart` (uniform
/// latency, a few thousand events in flight) ran 1.4× faster with 4,096 than with 32,768, and
/// 512 was no different from 4,096.
const SPILL: usize = 1 << 12;
/// Events per calendar bucket the geometry aims at (measured: 1,024 beat 256 and 64 on the
/// 1M-node flood with uniform latency; a bucket of 1,024 entries sorts within the L1 cache).
const TARGET: usize = 1024;
/// Out-of-order events that pass the head while one bucket drains, at most (the calendar's
/// flow rule, [`EventQueue::regrid`]). Measured on the GIA benchmark, where most events are
/// messages held a service time or two, so a snapshot of the queue holds few of them: with
/// 256 the heap took 3.7 M of 50.7 M out-of-order events and the run 21.8–22.8 s, against
/// 14.4 M and 24.1 s with 1,024 and 1.4 M and 23.5 s with 64.
const PASSING: u64 = 256;
/// A drained bucket larger than this makes the later buckets finer.
const BIG: usize = 16 * TARGET;
/// Fewest and most buckets in the ring (each costs a `Vec` header and a bit).
const MIN_SLOTS: usize = 64;
const MAX_SLOTS: usize = 1 << 16;

/// Bytes one queued `E` takes: (in the FIFO, in the heap or the calendar).
pub(crate) fn entry_bytes<E>() -> (usize, usize) {
    (std::mem::size_of::<E>(), std::mem::size_of::<Entry<E>>())
}

/// Bytes the calendar takes besides its entries when `events` are queued in it: a slot header,
/// a bit and half a block of slack per bucket, for about two buckets per [`TARGET`] events.
pub(crate) fn calendar_overhead_bytes<E>(events: usize) -> usize {
    let slots = (2 * events / TARGET)
        .next_power_of_two()
        .clamp(MIN_SLOTS, MAX_SLOTS);
    slots * (std::mem::size_of::<Slot>() + BLOCK / 2 * std::mem::size_of::<Entry<E>>()) + slots / 8
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

/// The time part of a packed key.
#[inline]
fn time_of(key: u128) -> u64 {
    (key >> 64) as u64
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

/// Buckets `cur + 1 .. cur + slots.len()` of `2^shift` µs each, in a ring indexed by bucket
/// number modulo its power-of-two length; `filled` has a bit per non-empty slot. With no slots
/// the calendar is off.
///
/// A bucket is a chain of blocks of [`BLOCK`] entries from one shared pool, so the memory
/// follows the events queued, not each bucket's peak, and a slot is 12 bytes.
struct Calendar<E> {
    slots: Vec<Slot>,
    filled: Vec<u64>,
    /// Block `i` is `pool[i * BLOCK..][..BLOCK]`.
    pool: Vec<Entry<E>>,
    /// The block after each block in its bucket's chain, or in the free list.
    next: Vec<u32>,
    free: u32,
    shift: u32,
    cur: u64,
    len: usize,
}

/// One bucket: its first and last blocks and its entry count.
#[derive(Copy, Clone)]
struct Slot {
    first: u32,
    last: u32,
    len: u32,
}

/// Entries per pool block.
const BLOCK: usize = 8;
/// The end of a chain.
const NONE: u32 = u32::MAX;

impl<E: Copy> Calendar<E> {
    fn off() -> Self {
        Calendar {
            slots: Vec::new(),
            filled: Vec::new(),
            pool: Vec::new(),
            next: Vec::new(),
            free: NONE,
            shift: 0,
            cur: 0,
            len: 0,
        }
    }

    /// Empties the calendar (keeping its pool) and gives it `slots` buckets of `2^shift` µs
    /// after bucket `cur`.
    fn reset(&mut self, shift: u32, slots: usize, cur: u64) {
        debug_assert!(slots.is_power_of_two() && slots >= MIN_SLOTS);
        let empty = Slot {
            first: NONE,
            last: NONE,
            len: 0,
        };
        self.slots.clear();
        self.slots.resize(slots, empty);
        self.filled.clear();
        self.filled.resize(slots / 64, 0);
        let blocks = self.next.len() as u32;
        self.next.iter_mut().zip(1..).for_each(|(n, i)| *n = i);
        if let Some(last) = self.next.last_mut() {
            *last = NONE;
        }
        self.free = if blocks > 0 { 0 } else { NONE };
        (self.shift, self.cur, self.len) = (shift, cur, 0);
    }

    #[inline]
    fn bucket(&self, time: u64) -> u64 {
        time >> self.shift
    }

    /// Files `entry` if its bucket is in the window; otherwise hands it back.
    #[inline]
    fn insert(&mut self, entry: Entry<E>) -> Option<Entry<E>> {
        let b = self.bucket(entry.time());
        if b <= self.cur || b - self.cur >= self.slots.len() as u64 {
            return Some(entry);
        }
        let i = (b as usize) & (self.slots.len() - 1);
        let slot = self.slots[i];
        let at = slot.len as usize % BLOCK;
        let block = if at == 0 {
            let block = self.new_block(entry);
            match slot.first {
                NONE => self.slots[i].first = block,
                _ => self.next[slot.last as usize] = block,
            }
            self.slots[i].last = block;
            self.filled[i / 64] |= 1 << (i % 64);
            block
        } else {
            slot.last
        };
        self.pool[block as usize * BLOCK + at] = entry;
        self.slots[i].len += 1;
        self.len += 1;
        None
    }

    /// A block off the free list, or a new one (its entries filled with `filler`).
    fn new_block(&mut self, filler: Entry<E>) -> u32 {
        match self.free {
            NONE => {
                self.next.push(NONE);
                self.pool.resize(self.pool.len() + BLOCK, filler);
                self.next.len() as u32 - 1
            }
            free => {
                self.free = self.next[free as usize];
                self.next[free as usize] = NONE;
                free
            }
        }
    }

    /// The first non-empty bucket after `cur` (the calendar must hold an entry).
    fn next_filled(&self) -> u64 {
        debug_assert!(self.len > 0);
        let mask = self.slots.len() - 1;
        let start = (self.cur as usize + 1) & mask;
        let mut word = start / 64;
        let mut bits = self.filled[word] & (!0u64 << (start % 64));
        while bits == 0 {
            word = (word + 1) % self.filled.len();
            bits = self.filled[word];
        }
        let slot = word * 64 + bits.trailing_zeros() as usize;
        self.cur + 1 + ((slot + mask + 1 - start) & mask) as u64
    }

    /// Appends the entries of slot `i` to `into` and frees its blocks.
    fn drain_slot(&mut self, i: usize, into: &mut impl Extend<Entry<E>>) {
        let slot = std::mem::replace(
            &mut self.slots[i],
            Slot {
                first: NONE,
                last: NONE,
                len: 0,
            },
        );
        self.filled[i / 64] &= !(1 << (i % 64));
        self.len -= slot.len as usize;
        let (mut block, mut left) = (slot.first, slot.len as usize);
        while left > 0 {
            let start = block as usize * BLOCK;
            let n = left.min(BLOCK);
            into.extend(self.pool[start..start + n].iter().copied());
            left -= n;
            let after = self.next[block as usize];
            self.next[block as usize] = self.free;
            self.free = block;
            block = after;
        }
    }

    /// Moves bucket `b` (the next non-empty one) into `into`.
    fn take(&mut self, b: u64, into: &mut Vec<Entry<E>>) {
        self.drain_slot((b as usize) & (self.slots.len() - 1), into);
        self.cur = b;
    }

    /// The times of every entry.
    fn times(&self) -> impl Iterator<Item = u64> + '_ {
        self.slots.iter().flat_map(move |slot| {
            let mut block = slot.first;
            (0..slot.len as usize).map(move |k| {
                if k > 0 && k % BLOCK == 0 {
                    block = self.next[block as usize];
                }
                self.pool[block as usize * BLOCK + k % BLOCK].time()
            })
        })
    }
}

/// Where the next event is.
#[derive(Copy, Clone)]
enum Source {
    Fifo,
    Heap,
    Bucket,
}

/// A min-queue of events in (time, class, insertion) order.
pub struct EventQueue<E> {
    heap: BinaryHeap<Reverse<Entry<E>>>,
    fifo: Ring<E>,
    runs: Ring<Run>,
    calendar: Calendar<E>,
    /// The calendar bucket being drained, sorted by descending key.
    bucket: Vec<Entry<E>>,
    /// Heap length at which the calendar's geometry is set again.
    heap_limit: usize,
    /// Room for sorting a bucket: its entries by time, and counts per microsecond.
    spare: Vec<Entry<E>>,
    counts: Vec<u32>,
    next_seq: u64,
    /// Out-of-order events popped (from the heap or a bucket) since the geometry was set,
    /// when the earliest queued event was due at `gridded`: how densely events pass the head.
    passed: u64,
    gridded: u64,
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
            calendar: Calendar::off(),
            bucket: Vec::new(),
            heap_limit: SPILL,
            spare: Vec::new(),
            counts: Vec::new(),
            next_seq: 0,
            passed: 0,
            gridded: 0,
        }
    }

    /// Schedules `event` at `time`; among events of equal time and class it pops after every
    /// event pushed before it.
    #[inline(always)]
    pub fn push(&mut self, time: SimTime, class: EventClass, event: E) {
        let (time, seq) = (time.micros(), self.take_seq());
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

    /// Schedules `event` at `time` like [`Self::push`], for an event that is rarely next in
    /// order (a message a receiver's queue holds back): it goes straight to the calendar or
    /// the heap, so that its time, far ahead, does not close the FIFO to the in-order
    /// deliveries pushed after it. The order is the same as with [`Self::push`].
    pub fn push_later(&mut self, time: SimTime, class: EventClass, event: E) {
        let seq = self.take_seq();
        self.push_out_of_order(time.micros(), class, seq, event);
    }

    /// The next insertion sequence number.
    #[inline(always)]
    fn take_seq(&mut self) -> u64 {
        // 2^56 events take decades at any speed this engine reaches.
        debug_assert!(self.next_seq < 1 << SEQ_BITS, "event sequence overflow");
        self.next_seq += 1;
        self.next_seq - 1
    }

    /// Starts a new FIFO run for an in-order delivery; anything else goes to the calendar if
    /// it is in its window, else to the heap.
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
            return;
        }
        self.push_out_of_order(time, class, seq, event);
    }

    /// Files an entry in the calendar if it is in its window, else in the heap.
    fn push_out_of_order(&mut self, time: u64, class: EventClass, seq: u64, event: E) {
        let entry = Entry {
            key: key(time, class, seq),
            event,
        };
        if let Some(entry) = self.calendar.insert(entry) {
            self.heap.push(Reverse(entry));
            if self.heap.len() >= self.heap_limit {
                self.regrid();
            }
        }
    }

    /// The smallest of the FIFO's, the heap's and the drained bucket's heads.
    #[inline]
    fn head(&self) -> Option<(u128, Source)> {
        let mut best = self.runs.get(0).map(|run| (run.key(), Source::Fifo));
        if let Some(Reverse(h)) = self.heap.peek()
            && best.is_none_or(|(k, _)| h.key < k)
        {
            best = Some((h.key, Source::Heap));
        }
        if let Some(b) = self.bucket.last()
            && best.is_none_or(|(k, _)| b.key < k)
        {
            best = Some((b.key, Source::Bucket));
        }
        best
    }

    /// The key and place of the first event, after sorting the calendar's next bucket if that
    /// is where it is.
    #[inline(always)]
    fn settle(&mut self) -> Option<(u128, Source)> {
        if self.calendar.slots.is_empty() {
            // The calendar is off (so is the drained bucket): the FIFO's or the heap's head.
            return match (self.runs.get(0), self.heap.peek()) {
                (Some(run), Some(Reverse(h))) if h.key < run.key() => Some((h.key, Source::Heap)),
                (Some(run), _) => Some((run.key(), Source::Fifo)),
                (None, Some(Reverse(h))) => Some((h.key, Source::Heap)),
                (None, None) => None,
            };
        }
        let head = self.head();
        let cal = &self.calendar;
        // The head is in the bucket being drained (the common case).
        if let Some((k, _)) = head
            && cal.len > 0
            && cal.bucket(time_of(k)) <= cal.cur
        {
            return head;
        }
        self.settle_calendar()
    }

    /// [`Self::settle`] with the calendar on: moves its window, or sorts its next bucket.
    #[inline(never)]
    fn settle_calendar(&mut self) -> Option<(u128, Source)> {
        loop {
            let head = self.head();
            let cal = &mut self.calendar;
            if cal.len == 0 {
                // Keep the window at the present, so later pushes fall into it.
                if let Some((k, _)) = head {
                    cal.cur = cal.cur.max(cal.bucket(time_of(k)));
                }
                return head;
            }
            // Calendar entries lie in buckets after `cur`, so a head up to `cur` comes first.
            if let Some((k, _)) = head
                && cal.bucket(time_of(k)) <= cal.cur
            {
                return head;
            }
            let next = cal.next_filled();
            if let Some((k, _)) = head
                && cal.bucket(time_of(k)) < next
            {
                cal.cur = cal.bucket(time_of(k));
                return head;
            }
            self.load(next);
        }
    }

    /// Makes calendar bucket `b` the drained bucket, sorted.
    #[cold]
    fn load(&mut self, b: u64) {
        debug_assert!(self.bucket.is_empty());
        self.calendar.take(b, &mut self.bucket);
        let width = 1usize << self.calendar.shift.min(30);
        if width <= 4 * self.bucket.len() {
            self.sort_dense(b << self.calendar.shift, width);
        } else {
            self.bucket.sort_unstable_by_key(|e| Reverse(e.key));
        }
        let big = self.bucket.len();
        if big > BIG && self.calendar.shift > 0 {
            // Buckets this full cost a sort each: make the next ones finer by the excess.
            let finer = (big / TARGET).ilog2().min(self.calendar.shift);
            let slots = (self.calendar.slots.len() << finer).min(MAX_SLOTS);
            self.regrid_to(self.calendar.shift - finer, slots, 0);
        }
    }

    /// Sorts the drained bucket (times `start .. start + width`, few per microsecond) by
    /// descending key: a counting sort by time, then an insertion sort, which only has to
    /// order the events of equal time by class and insertion.
    fn sort_dense(&mut self, start: u64, width: usize) {
        let rank = |e: &Entry<E>| width - 1 - (e.time() - start) as usize;
        self.counts.clear();
        self.counts.resize(width, 0);
        for e in &self.bucket {
            self.counts[rank(e)] += 1;
        }
        let mut sum = 0;
        for c in &mut self.counts {
            (*c, sum) = (sum, sum + *c);
        }
        self.spare.clear();
        self.spare.extend_from_slice(&self.bucket);
        for e in &self.bucket {
            let at = &mut self.counts[rank(e)];
            self.spare[*at as usize] = *e;
            *at += 1;
        }
        std::mem::swap(&mut self.bucket, &mut self.spare);
        let b = &mut self.bucket;
        for i in 1..b.len() {
            let x = b[i];
            let mut j = i;
            while j > 0 && b[j - 1].key < x.key {
                b[j] = b[j - 1];
                j -= 1;
            }
            b[j] = x;
        }
    }

    /// Sets the calendar's geometry from what is queued: a window covering the delays (from
    /// the earliest queued time) of 7/8 of the heap's and the calendar's events, twice over,
    /// with about [`TARGET`] of them per bucket.
    #[cold]
    fn regrid(&mut self) {
        let times = || {
            let heap = self.heap.iter().map(|Reverse(e)| e.time());
            heap.chain(self.calendar.times())
        };
        let base = times().min().unwrap_or(0);
        let mut by_bits = [0usize; 65];
        for t in times() {
            by_bits[(64 - (t - base).leading_zeros()) as usize] += 1;
        }
        let n: usize = by_bits.iter().sum();
        let (mut bits, mut within) = (0, by_bits[0]);
        while within * 8 < n * 7 && bits < 40 {
            bits += 1;
            within += by_bits[bits];
        }
        let mut width = ((TARGET as u64) << bits) / within.max(1) as u64;
        // Events due soon leave as fast as they come, so a snapshot of the queue holds few of
        // them: where more pass the head than the snapshot suggests, buckets are made as
        // narrow as PASSING events passing it take.
        let elapsed = base.saturating_sub(self.gridded);
        if self.passed >= PASSING && elapsed > 0 {
            width = width.min(PASSING * elapsed / self.passed);
        }
        (self.passed, self.gridded) = (0, base);
        let shift = width.max(1).ilog2();
        let slots = ((2u64 << bits) >> shift) as usize;
        let slots = slots.next_power_of_two().clamp(MIN_SLOTS, MAX_SLOTS);
        self.regrid_to(shift, slots, base);
    }

    /// Refiles the heap's and the calendar's events into a calendar of `slots` buckets of
    /// `2^shift` µs starting after the drained bucket (or, with none, at `base`, the earliest
    /// of them).
    fn regrid_to(&mut self, shift: u32, slots: usize, base: u64) {
        let cur = match self.bucket.first() {
            Some(last) => last.time() >> shift,
            None => (base >> shift).saturating_sub(1),
        };
        let mut rest = std::mem::take(&mut self.heap).into_vec();
        let mut entries = Vec::with_capacity(self.calendar.len);
        for i in 0..self.calendar.slots.len() {
            if self.calendar.slots[i].len > 0 {
                self.calendar.drain_slot(i, &mut entries);
            }
        }
        self.calendar.reset(shift, slots, cur);
        rest.retain(|Reverse(e)| self.calendar.insert(*e).is_some());
        for entry in entries {
            if let Some(entry) = self.calendar.insert(entry) {
                rest.push(Reverse(entry));
            }
        }
        self.heap = BinaryHeap::from(rest);
        self.heap_limit = SPILL.max(2 * self.heap.len());
    }

    /// Removes and returns the first event with its time.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let (key, source) = self.settle()?;
        let event = match source {
            Source::Heap => {
                self.passed += 1;
                self.heap.pop().expect("the heap has a head").0.event
            }
            Source::Bucket => {
                self.passed += 1;
                self.bucket.pop().expect("the bucket has a head").event
            }
            Source::Fifo => {
                let run = self.runs.front_mut().expect("a run heads the FIFO");
                run.seq += 1;
                if run.seq == run.end {
                    self.runs.pop_front();
                }
                self.fifo.pop_front().expect("every run has its entries")
            }
        };
        Some((SimTime(time_of(key)), event))
    }

    /// The time of the next event, if any.
    #[inline]
    pub fn peek_time(&mut self) -> Option<SimTime> {
        self.settle().map(|(k, _)| SimTime(time_of(k)))
    }

    /// The event `ahead` places after the next one in the drained bucket, or else the
    /// in-order delivery that far ahead in the FIFO, if queued (for prefetching).
    #[inline]
    pub fn peek_in_order(&self, ahead: usize) -> Option<&E> {
        match self.bucket.len().checked_sub(ahead + 1) {
            Some(i) => Some(&self.bucket[i].event),
            None => self.fifo.get(ahead),
        }
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    use crate::time::SimDuration;

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
        let near = |r: &mut SimRng| r.below(100_000);
        let dense = |r: &mut SimRng| r.below(1 << 10);
        let far = |r: &mut SimRng| match r.below(40) {
            0 => 5_000_000 + r.below(50_000_000),
            _ => r.below(100_000),
        };
        check_against_a_sorted_reference(11, 50, 20_000, &near);
        check_against_a_sorted_reference(12, 50, 20_000, &dense);
        check_against_a_sorted_reference(13, 50, 20_000, &far);
    }

    #[test]
    fn matches_a_sorted_reference_with_the_calendar_on() {
        use crate::rng::{Sample, SimRng};
        // Enough events in flight to start the calendar, then to regrid it: as the queue
        // grows (pops push 1.5 events on average) and when dense delays overfill a bucket.
        let near = |r: &mut SimRng| r.below(100_000);
        let dense = |r: &mut SimRng| r.below(1 << 10);
        let far = |r: &mut SimRng| match r.below(40) {
            0 => 5_000_000 + r.below(50_000_000),
            _ => r.below(100_000),
        };
        let lognormal = |r: &mut SimRng| SimDuration::from_millis_f64(r.lognormal(4.0, 1.0)).0;
        for (seed, delay) in [
            (21, &near as &dyn Fn(&mut SimRng) -> u64),
            (22, &dense),
            (23, &far),
            (24, &lognormal),
        ] {
            let (calendar, regrids) =
                check_against_a_sorted_reference(seed, 40_000, 120_000, delay);
            assert!(calendar, "seed {seed}: the calendar was not used");
            // Dense delays overfill the first geometry's buckets.
            assert!(seed != 22 || regrids >= 2, "seed {seed}: {regrids} regrids");
        }
    }

    #[test]
    fn a_window_too_short_for_the_queued_events_is_widened() {
        // Events a microsecond apart start a calendar of fine buckets with a short window;
        // then events seconds ahead overflow into the heap until it doubles.
        let mut q = EventQueue::new();
        let mut expected = Vec::new();
        let mut push = |q: &mut EventQueue<u64>, t: u64| {
            q.push(SimTime(t), EventClass::Timer, t);
            expected.push(t);
        };
        for i in 0..SPILL as u64 {
            push(&mut q, 1_000 + i);
        }
        let first = (q.calendar.shift, q.calendar.slots.len());
        assert!(first.1 > 0, "the calendar started");
        for i in 0..2 * SPILL as u64 {
            push(&mut q, 10_000_000 + 97 * i);
        }
        assert_ne!((q.calendar.shift, q.calendar.slots.len()), first);
        assert_eq!(
            q.calendar.len,
            2 * SPILL,
            "the far events moved into the calendar"
        );
        expected.sort_unstable();
        let popped: Vec<u64> = std::iter::from_fn(|| q.pop().map(|(_, t)| t)).collect();
        assert_eq!(popped, expected);
    }

    #[test]
    fn buckets_are_no_wider_than_the_events_passing_the_head_take() {
        // 10,000 events 10 ms apart: by the snapshot, buckets of 1,024 × 2^27 / 10,000 µs
        // (2^23 after rounding down), 7/8 of the events within 2^27 µs.
        let mut q = EventQueue::new();
        for i in 0..10_000u64 {
            q.push(SimTime(1_000_000 + 10_000 * i), EventClass::Timer, i);
        }
        q.regrid();
        assert_eq!(q.calendar.shift, 23);
        // A million events passed the head in the last second: PASSING of them take 256 µs.
        (q.passed, q.gridded) = (1_000_000, 0);
        q.regrid();
        assert_eq!(q.calendar.shift, PASSING.ilog2());
        // Too few passed to tell: the snapshot decides again.
        (q.passed, q.gridded) = (PASSING - 1, 0);
        q.regrid();
        assert_eq!(q.calendar.shift, 23);
        let popped: Vec<u64> = std::iter::from_fn(|| q.pop().map(|(_, i)| i)).collect();
        assert_eq!(popped, (0..10_000).collect::<Vec<_>>());
    }

    #[test]
    fn the_dense_bucket_sort_orders_by_the_whole_key() {
        use crate::rng::{Sample, StreamKind, stream};
        let mut r = stream(5, 0, StreamKind::Protocol, 0);
        let classes = [EventClass::Churn, EventClass::Delivery, EventClass::Timer];
        for (width, n) in [(1usize, 50u64), (64, 1_000), (1 << 12, 1_024)] {
            let mut q: EventQueue<u64> = EventQueue::new();
            let start = 7 << 20;
            // Times from few values (many ties broken by class and sequence), sequence
            // numbers out of order (as entries refiled from the heap are).
            q.bucket = (0..n)
                .map(|i| {
                    let t = start + r.below(width as u64);
                    let c = classes[r.below(3) as usize];
                    Entry {
                        key: key(t, c, (i * 7919) % n),
                        event: i,
                    }
                })
                .collect();
            let mut expected: Vec<u128> = q.bucket.iter().map(|e| e.key).collect();
            expected.sort_unstable_by(|a, b| b.cmp(a));
            q.sort_dense(start, width);
            let got: Vec<u128> = q.bucket.iter().map(|e| e.key).collect();
            assert_eq!(got, expected, "width {width}");
        }
    }

    /// Pushes `start` events, then pops one event and pushes a few at or after its time
    /// (random classes, delays from `delay`, some at the same instant, some a fixed 50 ms
    /// later) until `pops` pops, then drains the queue, comparing every pop with a sorted
    /// reference. Returns whether the calendar was used, and how often its geometry changed.
    fn check_against_a_sorted_reference(
        seed: u64,
        start: u64,
        pops: u64,
        delay: &dyn Fn(&mut crate::rng::SimRng) -> u64,
    ) -> (bool, u32) {
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
                        c: EventClass,
                        later: bool| {
            // `push_later` must keep the same order as `push`.
            if later {
                q.push_later(SimTime(t), c, seq);
            } else {
                q.push(SimTime(t), c, seq);
            }
            reference.insert((t, c as u8, seq));
            seq += 1;
        };
        for i in 0..start {
            push(
                &mut q,
                &mut reference,
                i * 7,
                classes[(i % 4) as usize],
                i % 5 == 0,
            );
        }
        let (mut popped, mut used, mut regrids, mut geometry) = (0, false, 0, (0, 0));
        loop {
            let peeked = q.peek_time();
            let Some((t, id)) = q.pop() else { break };
            assert_eq!(peeked, Some(t), "seed {seed}, pop {popped}");
            let expected = reference.pop_first().expect("reference not empty");
            assert_eq!(
                (t.micros(), id),
                (expected.0, expected.2),
                "seed {seed}, pop {popped}"
            );
            used |= q.calendar.len > 0;
            let now = (q.calendar.shift, q.calendar.slots.len());
            if now != geometry {
                (regrids, geometry) = (regrids + 1, now);
            }
            popped += 1;
            if popped < pops {
                for _ in 0..r.below(4) {
                    let d = match r.below(4) {
                        0 => 0,
                        1 => 50_000,
                        _ => delay(&mut r),
                    };
                    let c = classes[r.below(4) as usize];
                    let later = r.below(4) == 0;
                    push(&mut q, &mut reference, t.micros() + d, c, later);
                }
            }
        }
        assert!(reference.is_empty() && popped > pops, "seed {seed}");
        (used, regrids)
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
