//! The discrete-event engine. It knows no protocol: a search strategy implements
//! [`Protocol`] and acts on the world only through a [`Context`].
//!
//! The engine owns the event queue, the clock, link latencies, the workload's query starts
//! and the per-query records. Events are small generic enums (no boxing); each protocol is
//! monomorphised into its own loop.
//!
//! Under churn the engine replays the world's [`crate::churn::ChurnPlan`] alongside the queue
//! (a change applies before any event at the same instant), keeps the live overlay that
//! [`Context::neighbours`] reads, drops messages that arrive at offline nodes (telling the
//! protocol through [`Protocol::on_lost`]) and reports joins and leaves to the protocol.

mod latency;
mod queue;

pub use latency::LatencyModel;
pub use queue::{EventClass, EventQueue};

use crate::churn::{Change, OverlayState};
use crate::content::{Content, ObjectId};
use crate::metrics::QueryRecord;
use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime};
use crate::topology::{NodeId, Overlay};
use crate::world::World;

/// Index of a query in the workload (and in the records).
pub type QueryId = u32;

/// A search strategy, driven by the engine.
pub trait Protocol {
    /// A message on the wire; small and `Copy`.
    type Message: Copy;
    /// A timer payload; small and `Copy`.
    type Timer: Copy;

    /// Called once before the first event, to set up state and periodic timers.
    fn on_start(&mut self, _ctx: &mut Context<'_, Self>) {}

    /// The workload asks `source` to look for `object`.
    fn start_query(
        &mut self,
        ctx: &mut Context<'_, Self>,
        query: QueryId,
        source: NodeId,
        object: ObjectId,
    );

    /// A message from `from` arrives at `to`.
    fn on_message(
        &mut self,
        ctx: &mut Context<'_, Self>,
        to: NodeId,
        from: NodeId,
        msg: Self::Message,
    );

    /// A timer set with [`Context::set_timer`] fires at `node`. Timers fire whether or not
    /// the node is online; check [`Context::is_online`] where it matters.
    fn on_timer(&mut self, _ctx: &mut Context<'_, Self>, _node: NodeId, _timer: Self::Timer) {}

    /// `msg` from `from` was lost because `to` is offline when it arrives (churn). A protocol
    /// that counts messages in flight must count this one as landed.
    fn on_lost(
        &mut self,
        _ctx: &mut Context<'_, Self>,
        _to: NodeId,
        _from: NodeId,
        _msg: Self::Message,
    ) {
    }

    /// `node` came online (its links follow as separate changes at the same instant).
    fn on_join(&mut self, _ctx: &mut Context<'_, Self>, _node: NodeId) {}

    /// `node` went offline; its own links are gone, its neighbours notice later.
    fn on_leave(&mut self, _ctx: &mut Context<'_, Self>, _node: NodeId) {}

    /// How many queries the protocol still holds state for. Per-query state must end with its
    /// query, so memory stays flat however many queries a run issues: the engine checks that
    /// this is zero once every event has been handled.
    fn active_queries(&self) -> usize;

    /// A hint that `msg` will soon arrive at `to`: a protocol may prefetch its state for it.
    fn prefetch(&self, _to: NodeId, _msg: &Self::Message) {}

    /// A hint: whether handling `msg` may read the receiver's neighbour row. The engine
    /// prefetches the row only when it may, so a message that never forwards (a flood's last
    /// hop, a QueryHit, a DHT RPC) does not spend the memory bandwidth.
    fn reads_neighbours(&self, _msg: &Self::Message) -> bool {
        true
    }
}

/// How many in-order deliveries ahead the engine prefetches a receiver's load counter, row
/// offset and protocol state; its neighbour row is prefetched half as far ahead, once the
/// offset has arrived.
const PREFETCH_AHEAD: usize = 16;

/// Asks the CPU to bring the cache line of `items[index]` closer; a hint with no effect on
/// results, and no bounds check (a hint for an address past the end is harmless).
#[inline(always)]
pub fn prefetch<T>(items: &[T], index: usize) {
    #[cfg(target_arch = "x86_64")]
    hint::<T, { std::arch::x86_64::_MM_HINT_T0 }>(items, index);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (items, index);
}

/// Like [`prefetch`], for a line about to be written (the CPU fetches it in exclusive state).
#[inline(always)]
pub fn prefetch_for_write<T>(items: &[T], index: usize) {
    #[cfg(target_arch = "x86_64")]
    hint::<T, { std::arch::x86_64::_MM_HINT_ET0 }>(items, index);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (items, index);
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn hint<T, const STRATEGY: i32>(items: &[T], index: usize) {
    let address = items.as_ptr().wrapping_add(index);
    // SAFETY: a prefetch is a hint that never faults and does not access memory
    // architecturally, whatever the address.
    unsafe { std::arch::x86_64::_mm_prefetch::<STRATEGY>(address.cast::<i8>()) }
}

/// Something that happens at an instant.
#[derive(Copy, Clone)]
enum Event<M, T> {
    QueryStart(QueryId),
    Deliver { to: NodeId, from: NodeId, msg: M },
    Timer { node: NodeId, timer: T },
}

/// The engine's own mutable state, reached by handlers through a [`Context`].
struct State<P: Protocol + ?Sized> {
    queue: EventQueue<Event<P::Message, P::Timer>>,
    latency: LatencyModel,
    latency_rng: SimRng,
    rng: SimRng,
    records: Vec<QueryRecord>,
    maintenance: Vec<u64>,
    /// Width of a maintenance window, µs (at least 1).
    window: u64,
    timeout: SimDuration,
}

/// What a protocol may see and do while handling an event.
pub struct Context<'a, P: Protocol + ?Sized> {
    now: SimTime,
    world: &'a World,
    live: Option<&'a OverlayState>,
    state: &'a mut State<P>,
}

impl<'a, P: Protocol + ?Sized> Context<'a, P> {
    /// The current simulated time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// The overlay graph.
    #[inline]
    pub fn overlay(&self) -> &'a Overlay {
        &self.world.overlay
    }

    /// The sorted nodes `node` is linked to now (under churn, possibly including a departed
    /// neighbour it has not noticed yet; messages sent there are lost).
    #[inline]
    pub fn neighbours(&self, node: NodeId) -> &'a [NodeId] {
        match self.live {
            None => self.world.overlay.neighbours(node),
            Some(live) => live.neighbours(node),
        }
    }

    /// How many links `node` has, as its neighbours know it: under churn, a departed node
    /// still shows the count it had when it left (its departure is not visible in it).
    #[inline]
    pub fn degree(&self, node: NodeId) -> u32 {
        match self.live {
            None => self.world.overlay.degree(node),
            Some(live) => live.advertised_degree(node),
        }
    }

    /// Whether `node` is online now (always, without churn).
    #[inline]
    pub fn is_online(&self, node: NodeId) -> bool {
        self.live.is_none_or(|live| live.is_online(node))
    }

    /// When `node`'s current session began (time zero without churn).
    #[inline]
    pub fn online_since(&self, node: NodeId) -> SimTime {
        self.live
            .map_or(SimTime::ZERO, |live| live.online_since(node))
    }

    /// Whether `query`'s source is still in the session it issued the query from; a source
    /// that went offline meanwhile has abandoned the query.
    pub fn source_active(&self, query: QueryId) -> bool {
        let q = &self.world.queries[query as usize];
        self.is_online(q.source) && self.online_since(q.source) <= q.issued
    }

    /// Where objects live.
    #[inline]
    pub fn content(&self) -> &'a Content {
        &self.world.content
    }

    /// Sends `msg` from `from` to `to`; it arrives after one link latency.
    #[inline]
    pub fn send(&mut self, from: NodeId, to: NodeId, msg: P::Message) {
        let state = &mut *self.state;
        let at = self.now + state.latency.sample(&mut state.latency_rng);
        state
            .queue
            .push(at, EventClass::Delivery, Event::Deliver { to, from, msg });
    }

    /// Fires `timer` at `node` after `delay`.
    pub fn set_timer(&mut self, node: NodeId, delay: SimDuration, timer: P::Timer) {
        self.state.queue.push(
            self.now + delay,
            EventClass::Timer,
            Event::Timer { node, timer },
        );
    }

    /// The protocol's own random stream.
    #[inline]
    pub fn rng(&mut self) -> &mut SimRng {
        &mut self.state.rng
    }

    /// The object `query` asks for.
    pub fn query_object(&self, query: QueryId) -> ObjectId {
        self.world.queries[query as usize].object
    }

    /// The metrics record of `query`, for counting messages.
    #[inline]
    pub fn record(&mut self, query: QueryId) -> &mut QueryRecord {
        &mut self.state.records[query as usize]
    }

    /// The end of the run: the last query's issue time plus the timeout. Periodic protocol
    /// timers stop here.
    pub fn horizon(&self) -> SimTime {
        self.world
            .queries
            .last()
            .map_or(SimTime::ZERO, |q| q.issued)
            + self.state.timeout
    }

    /// Counts `messages` maintenance messages (routing upkeep, not query traffic) sent now.
    pub fn maintenance(&mut self, messages: u64) {
        let state = &mut *self.state;
        let w = (self.now.micros() / state.window) as usize;
        if state.maintenance.len() <= w {
            state.maintenance.resize(w + 1, 0);
        }
        state.maintenance[w] += messages;
    }

    /// Counts an RPC of `query` that timed out.
    pub fn rpc_timeout(&mut self, query: QueryId) {
        self.state.records[query as usize].rpc_timeouts += 1;
    }

    /// Counts a QueryHit of `query` lost to churn.
    pub fn hit_lost(&mut self, query: QueryId) {
        self.state.records[query as usize].hits_lost += 1;
    }

    /// A hit for `query` reached its source now, found `hops` overlay hops away. It counts
    /// only if it arrives within the workload's timeout, and is lost if the source abandoned
    /// the query.
    pub fn deliver_hit(&mut self, query: QueryId, hops: u32) {
        if !self.source_active(query) {
            self.hit_lost(query);
            return;
        }
        let issued = self.world.queries[query as usize].issued;
        let elapsed = self.now.since(issued);
        if elapsed <= self.state.timeout {
            self.state.records[query as usize].hit(hops, elapsed);
        }
    }
}

/// Bytes one queued event of protocol `P` takes in the event queue: (in order, in the FIFO;
/// out of order, in the heap).
pub fn queued_event_bytes<P: Protocol>() -> (usize, usize) {
    queue::entry_bytes::<Event<P::Message, P::Timer>>()
}

/// The outcome of simulating one protocol on one world.
pub struct Outcome {
    /// One record per query, in workload order.
    pub records: Vec<QueryRecord>,
    /// Messages each node received.
    pub node_load: Vec<u32>,
    /// Events processed.
    pub events: u64,
    /// Maintenance messages the protocol sent, per `timeseries.csv` window.
    pub maintenance: Vec<u64>,
}

/// Streams and settings of one simulation.
pub struct Setup {
    /// Link latency model.
    pub latency: LatencyModel,
    /// Stream for latency draws.
    pub latency_rng: SimRng,
    /// Stream for the protocol's own choices.
    pub protocol_rng: SimRng,
    /// Hits later than this after issue do not count.
    pub timeout: SimDuration,
    /// Width of the windows maintenance messages are counted in.
    pub window: SimDuration,
}

/// Runs every query of `world` through `protocol` until no event is left. `progress` is called
/// with the number of queries started so far, every 1024 queries and at the end.
pub fn simulate<P: Protocol>(
    world: &World,
    protocol: &mut P,
    setup: Setup,
    progress: &mut dyn FnMut(u64),
) -> Outcome {
    let Setup {
        latency,
        latency_rng,
        protocol_rng,
        timeout,
        window,
    } = setup;
    let mut state = State::<P> {
        queue: EventQueue::new(),
        latency,
        latency_rng,
        rng: protocol_rng,
        records: vec![QueryRecord::default(); world.queries.len()],
        maintenance: Vec::new(),
        window: window.micros().max(1),
        timeout,
    };
    let mut node_load = vec![0u32; world.overlay.node_count() as usize];
    if let Some(first) = world.queries.first() {
        state
            .queue
            .push(first.issued, EventClass::QueryStart, Event::QueryStart(0));
    }
    let mut live = world
        .churn
        .as_ref()
        .map(|plan| plan.initial_state(&world.overlay));
    let mut changes = world
        .churn
        .as_ref()
        .map(|plan| plan.replay(&world.overlay).peekable());
    let mut now = SimTime::ZERO;
    let mut events = 0u64;
    macro_rules! context {
        () => {
            Context {
                now,
                world,
                live: live.as_ref(),
                state: &mut state,
            }
        };
    }
    protocol.on_start(&mut context!());
    loop {
        // Churn first: a change applies before any event at the same instant.
        if let Some(c) = changes
            .as_mut()
            .and_then(|c| c.next_if(|c| state.queue.peek_time().is_some_and(|t| c.time <= t)))
        {
            now = c.time;
            events += 1;
            live.as_mut()
                .expect("a plan has a state")
                .apply(now, c.change);
            match c.change {
                Change::Join(v) => protocol.on_join(&mut context!(), v),
                Change::Leave(v) => protocol.on_leave(&mut context!(), v),
                Change::Link(..) | Change::Unlink(..) => {}
            }
            continue;
        }
        let Some((time, event)) = state.queue.pop() else {
            break;
        };
        assert!(
            time >= now,
            "simulated time ran backwards: {time} after {now}"
        );
        now = time;
        events += 1;
        if let Some(Event::Deliver { to, msg, .. }) = state.queue.peek_in_order(PREFETCH_AHEAD) {
            prefetch(&node_load, *to as usize);
            protocol.prefetch(*to, msg);
            if protocol.reads_neighbours(msg) {
                world.overlay.prefetch_offsets(*to);
            }
        }
        if let Some(Event::Deliver { to, msg, .. }) = state.queue.peek_in_order(PREFETCH_AHEAD / 2)
            && protocol.reads_neighbours(msg)
        {
            world.overlay.prefetch_neighbours(*to);
        }
        let mut ctx = context!();
        match event {
            Event::Deliver { to, from, msg } => {
                if ctx.is_online(to) {
                    node_load[to as usize] = node_load[to as usize].saturating_add(1);
                    protocol.on_message(&mut ctx, to, from, msg);
                } else {
                    protocol.on_lost(&mut ctx, to, from, msg);
                }
            }
            Event::Timer { node, timer } => protocol.on_timer(&mut ctx, node, timer),
            Event::QueryStart(q) => {
                let next = q as usize + 1;
                if let Some(query) = world.queries.get(next) {
                    ctx.state.queue.push(
                        query.issued,
                        EventClass::QueryStart,
                        Event::QueryStart(next as QueryId),
                    );
                }
                let query = world.queries[q as usize];
                protocol.start_query(&mut ctx, q, query.source, query.object);
                if next.is_multiple_of(1024) {
                    progress(next as u64);
                }
            }
        }
    }
    progress(world.queries.len() as u64);
    assert_eq!(
        protocol.active_queries(),
        0,
        "the protocol kept state for queries that have ended"
    );
    Outcome {
        records: state.records,
        node_load,
        events,
        maintenance: state.maintenance,
    }
}
