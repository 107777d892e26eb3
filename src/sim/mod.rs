//! The simulation layer between the kernel and the protocols: it runs one search protocol on
//! one replica's world.
//!
//! A [`Protocol`] sees the world through a [`Context`]: the clock, sends and timers (the
//! [`crate::engine`] kernel's), the live neighbour view, the content, and the recorder it
//! reports to. Two drivers feed the kernel from outside it: the query driver
//! (`queries.rs`) issues the workload and applies the timeout and abandonment rules to hits, and
//! the membership driver (`membership.rs`) replays the world's churn into the live overlay
//! (a change applies before any event at the same instant). Messages that arrive at an offline
//! node are lost, and the protocol hears of it through [`Protocol::on_lost`].

mod membership;
mod network;
mod queries;

use crate::content::{Content, ObjectId};
use crate::engine::{Kernel, KernelOf, Model};
use crate::metrics::trace::{EventKind, TraceEvent, Tracer};
use crate::metrics::{QueueStats, Recorded, Recorder};
use crate::net::{LatencyModel, LinkLatency};
use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime};
use crate::topology::{NodeId, Overlay, OverlayState};
use crate::world::World;
use membership::Membership;
use queries::QueryDriver;

pub use crate::engine::Ahead;
pub use network::Network;

pub use crate::metrics::trace::{MessageInfo, MessageKind};

pub use crate::workload::QueryId;

/// A search strategy, run by the simulation layer.
pub trait Protocol: Sized {
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

    /// `msg` from `from` never reached `to`: `to` was offline when it arrived (churn), or its
    /// queue was full (capacity). A protocol that counts messages in flight counts this one as
    /// landed.
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

    /// Called once after the last event when per-node counters are kept, to report the state
    /// the run ends with (a DHT's stored records, [`crate::metrics::Recorder::stored`]).
    fn on_end(&mut self, _ctx: &mut Context<'_, Self>) {}

    /// The query `msg` belongs to, if any: a message dropped at a full queue is counted
    /// against it (`dropped` in `queries.csv`).
    fn query_of(&self, msg: &Self::Message) -> Option<QueryId>;

    /// What `msg` is, for message traces (`--trace`, `floodsim animate`): its kind, TTL and
    /// hops. Called only for traced queries, while `msg` is in flight.
    fn describe(&self, _msg: &Self::Message) -> MessageInfo {
        MessageInfo {
            kind: MessageKind::Query,
            ttl: None,
            hops: None,
        }
    }

    /// How many queries the protocol still holds state for. Per-query state must end with its
    /// query, so memory stays flat however many queries a run issues: [`simulate`] checks that
    /// this is zero once every event has been handled.
    fn active_queries(&self) -> usize;

    /// A hint that `msg` will soon be handled at `to`: a protocol may prefetch its state for
    /// it, in two stages ([`Ahead::Far`] first, then [`Ahead::Near`], when what the first
    /// fetched can be read to find more). At the near stage it may name the query `msg`
    /// belongs to, if it can tell cheaply, so that the query's records are fetched too.
    fn prefetch(&self, _to: NodeId, _msg: &Self::Message, _ahead: Ahead) -> Option<QueryId> {
        None
    }

    /// A hint: whether handling `msg` may read the receiver's neighbour row. The row is
    /// prefetched only when it may, so a message that never forwards (a flood's last hop, a
    /// QueryHit, a DHT RPC) does not spend the memory bandwidth.
    fn reads_neighbours(&self, _msg: &Self::Message) -> bool {
        true
    }
}

/// Messages of one query (or one flood ring) still travelling. A protocol that keeps state per
/// query counts them here and releases the state once the last one has landed, delivered or
/// lost ([`Protocol::on_lost`]), so per-query state never outlives its messages.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct InFlight(u32);

impl InFlight {
    /// `count` more messages were sent.
    #[inline]
    pub fn sent(&mut self, count: u32) {
        self.0 += count;
    }

    /// One message landed.
    #[inline]
    pub fn landed(&mut self) {
        self.0 -= 1;
    }

    /// Whether no message is travelling.
    #[inline]
    pub fn is_idle(&self) -> bool {
        self.0 == 0
    }
}

/// The transport every protocol runs on.
type Net = Network;

/// The per-run state a [`Context`] reaches besides the kernel.
struct Env {
    live: Option<OverlayState>,
    recorder: Recorder,
    queries: QueryDriver,
}

/// A message sent while a trace is recorded, waiting to be described once its handler returns.
struct Sent<M> {
    from: NodeId,
    to: NodeId,
    msg: M,
    at: SimTime,
    arrives: SimTime,
}

/// What a protocol may see and do while handling an event.
pub struct Context<'a, P: Protocol> {
    kernel: &'a mut Kernel<P::Message, P::Timer, Net>,
    world: &'a World,
    live: Option<&'a OverlayState>,
    queries: &'a QueryDriver,
    recorder: &'a mut Recorder,
    /// Sends of this event, kept only while a trace is recorded.
    sent: Option<&'a mut Vec<Sent<P::Message>>>,
}

impl<'a, P: Protocol> Context<'a, P> {
    /// The current simulated time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.kernel.now()
    }

    /// The overlay graph as built (without churn's changes).
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
        is_online(self.live, node)
    }

    /// When `node`'s current session began (time zero without churn).
    #[inline]
    pub fn online_since(&self, node: NodeId) -> SimTime {
        online_since(self.live, node)
    }

    /// Whether `query`'s source is still in the session it issued the query from; a source
    /// that went offline meanwhile has abandoned the query.
    pub fn source_active(&self, query: QueryId) -> bool {
        QueryDriver::source_active(self.world, self.live, query)
    }

    /// Whether `query`'s source still waits for hits now: it is still in that session and the
    /// workload's timeout has not passed since it issued the query.
    pub fn source_waiting(&self, query: QueryId) -> bool {
        QueryDriver::source_waiting(self.world, self.live, self.kernel.now(), query)
    }

    /// Where objects live.
    #[inline]
    pub fn content(&self) -> &'a Content {
        &self.world.content
    }

    /// The object `query` asks for.
    pub fn query_object(&self, query: QueryId) -> ObjectId {
        self.world.queries[query as usize].object
    }

    /// Sends `msg` from `from` to `to`; the transport decides when it arrives.
    #[inline]
    pub fn send(&mut self, from: NodeId, to: NodeId, msg: P::Message) {
        let arrives = self.kernel.send(from, to, msg);
        if let Some(sent) = self.sent.as_deref_mut() {
            sent.push(Sent {
                from,
                to,
                msg,
                at: self.kernel.now(),
                arrives,
            });
        }
    }

    /// Fires `timer` at `node` after `delay`.
    pub fn set_timer(&mut self, node: NodeId, delay: SimDuration, timer: P::Timer) {
        self.kernel.set_timer(node, delay, timer);
    }

    /// The protocol's own random stream.
    #[inline]
    pub fn rng(&mut self) -> &mut SimRng {
        self.kernel.rng()
    }

    /// The end of the run: the last query's issue time plus the timeout. Periodic protocol
    /// timers stop here.
    pub fn horizon(&self) -> SimTime {
        self.world.horizon()
    }

    /// Where the protocol reports what happened: messages sent, duplicates, nodes reached,
    /// hits lost, RPC timeouts, maintenance.
    #[inline]
    pub fn report(&mut self) -> &mut Recorder {
        self.recorder
    }

    /// Counts `messages` maintenance messages (routing upkeep, not query traffic) sent now.
    pub fn maintenance(&mut self, messages: u64) {
        let now = self.kernel.now();
        self.recorder.maintenance(now, messages);
    }

    /// Hits of `query` that reached its source so far (within the timeout).
    pub fn hits(&self, query: QueryId) -> u32 {
        self.recorder.hits(query)
    }

    /// A hit for `query` reached its source now, found `hops` overlay hops away. It counts
    /// only if it arrives within the workload's timeout, and is lost if the source abandoned
    /// the query.
    pub fn deliver_hit(&mut self, query: QueryId, hops: u32) {
        let now = self.kernel.now();
        self.queries
            .deliver_hit(self.world, self.live, self.recorder, now, query, hops);
    }
}

fn is_online(live: Option<&OverlayState>, node: NodeId) -> bool {
    live.is_none_or(|live| live.is_online(node))
}

fn online_since(live: Option<&OverlayState>, node: NodeId) -> SimTime {
    live.map_or(SimTime::ZERO, |live| live.online_since(node))
}

/// The external input due next.
#[derive(Copy, Clone)]
enum Input {
    Change,
    Query,
}

/// A protocol on a world: the [`Model`] the kernel runs.
struct Node<'r, P: Protocol> {
    protocol: &'r mut P,
    world: &'r World,
    env: Env,
    membership: Option<Membership<'r>>,
    progress: &'r mut dyn FnMut(u64),
    due: Input,
    /// The trace being recorded, if any, and the sends of the current event.
    trace: Option<(Tracer, Vec<Sent<P::Message>>)>,
}

/// Applies the change due at `now` to `live`; a leave ends a session the recorder counts.
fn apply_change(
    membership: &mut Membership<'_>,
    now: SimTime,
    live: &mut OverlayState,
    recorder: &mut Recorder,
) -> Option<membership::Event> {
    let event = membership.apply(now, live);
    if let Some(membership::Event::Leave(v)) = event {
        recorder.online_for(v, now.since(live.online_since(v)));
    }
    event
}

impl<P: Protocol> Node<'_, P> {
    /// Counts each node's time online up to `horizon`: the changes the run did not need (they
    /// fall after its last event) are applied here, then the sessions still open are closed.
    fn count_online_time(&mut self, nodes: NodeId, horizon: SimTime) {
        let recorder = &mut self.env.recorder;
        if let (Some(m), Some(live)) = (self.membership.as_mut(), self.env.live.as_mut()) {
            while let Some(t) = m.next_time().filter(|&t| t <= horizon) {
                apply_change(m, t, live, recorder);
            }
        }
        let live = self.env.live.as_ref();
        for v in 0..nodes {
            if is_online(live, v) {
                let since = online_since(live, v).min(horizon);
                recorder.online_for(v, horizon.since(since));
            }
        }
    }

    fn context<'a>(&'a mut self, kernel: &'a mut KernelOf<Self>) -> (&'a mut P, Context<'a, P>) {
        let ctx = Context {
            kernel,
            world: self.world,
            live: self.env.live.as_ref(),
            queries: &self.env.queries,
            recorder: &mut self.env.recorder,
            sent: self.trace.as_mut().map(|(_, sent)| sent),
        };
        (&mut *self.protocol, ctx)
    }

    /// Writes the current event's sends of traced queries to the trace.
    fn flush_sends(&mut self) {
        let Some((tracer, sent)) = self.trace.as_mut() else {
            return;
        };
        for s in sent.drain(..) {
            let query = self.protocol.query_of(&s.msg);
            if tracer.traces(query) {
                let info = self.protocol.describe(&s.msg);
                tracer.push(TraceEvent {
                    query: query.expect("a traced query"),
                    time: s.at,
                    kind: EventKind::Sent(info.kind),
                    from: u64::from(s.from),
                    to: u64::from(s.to),
                    ttl: info.ttl,
                    hops: info.hops,
                    arrives: Some(s.arrives),
                });
            }
        }
    }

    /// The trace row of `msg`'s arrival at `to` as `kind`, if its query is traced.
    fn arrival(
        &self,
        now: SimTime,
        to: NodeId,
        from: NodeId,
        msg: &P::Message,
    ) -> Option<TraceEvent> {
        let (tracer, _) = self.trace.as_ref()?;
        let query = self.protocol.query_of(msg);
        tracer.traces(query).then(|| {
            let info = self.protocol.describe(msg);
            TraceEvent {
                query: query.expect("a traced query"),
                time: now,
                kind: EventKind::Lost,
                from: u64::from(from),
                to: u64::from(to),
                ttl: info.ttl,
                hops: info.hops,
                arrives: None,
            }
        })
    }

    /// Records `event` (of kind `kind`) in the trace.
    fn record(&mut self, event: Option<TraceEvent>, kind: EventKind) {
        if let (Some((tracer, _)), Some(event)) = (self.trace.as_mut(), event) {
            tracer.push(TraceEvent { kind, ..event });
        }
    }
}

impl<P: Protocol> Model for Node<'_, P> {
    type Message = P::Message;
    type Timer = P::Timer;
    type Transport = Net;

    #[inline]
    fn input_due(&mut self, next: Option<SimTime>) -> Option<SimTime> {
        let query = self.env.queries.next_time(self.world);
        // Membership first: a change applies before any event at the same instant, while
        // anything else is pending.
        if let Some(change) = self.membership.as_mut().and_then(Membership::next_time)
            && [query, next]
                .into_iter()
                .flatten()
                .min()
                .is_some_and(|t| change <= t)
        {
            self.due = Input::Change;
            return Some(change);
        }
        // A query starts after every message and timer of its instant.
        let query = query.filter(|&q| next.is_none_or(|t| q < t))?;
        self.due = Input::Query;
        Some(query)
    }

    #[inline]
    fn on_input(&mut self, kernel: &mut KernelOf<Self>) {
        match self.due {
            Input::Change => {
                let now = kernel.now();
                let membership = self.membership.as_mut().expect("a due change");
                let live = self.env.live.as_mut().expect("a plan has a live overlay");
                if let Some(node) = apply_change(membership, now, live, &mut self.env.recorder) {
                    let (protocol, mut ctx) = self.context(kernel);
                    match node {
                        membership::Event::Join(v) => protocol.on_join(&mut ctx, v),
                        membership::Event::Leave(v) => protocol.on_leave(&mut ctx, v),
                    }
                    self.flush_sends();
                }
            }
            Input::Query => {
                let q = self.env.queries.issue();
                let query = self.world.queries[q as usize];
                let (protocol, mut ctx) = self.context(kernel);
                protocol.start_query(&mut ctx, q, query.source, query.object);
                self.flush_sends();
                let issued = u64::from(q) + 1;
                if issued.is_multiple_of(1024) {
                    (self.progress)(issued);
                }
            }
        }
    }

    #[inline]
    fn on_message(
        &mut self,
        kernel: &mut KernelOf<Self>,
        to: NodeId,
        from: NodeId,
        msg: P::Message,
    ) {
        if self.trace.is_some() {
            return self.on_traced_message(kernel, to, from, msg);
        }
        let (protocol, mut ctx) = self.context(kernel);
        if ctx.is_online(to) {
            ctx.recorder.received(to);
            protocol.on_message(&mut ctx, to, from, msg);
        } else {
            protocol.on_lost(&mut ctx, to, from, msg);
        }
    }

    #[inline]
    fn on_timer(&mut self, kernel: &mut KernelOf<Self>, node: NodeId, timer: P::Timer) {
        let (protocol, mut ctx) = self.context(kernel);
        protocol.on_timer(&mut ctx, node, timer);
        self.flush_sends();
    }

    fn on_dropped(
        &mut self,
        kernel: &mut KernelOf<Self>,
        to: NodeId,
        from: NodeId,
        msg: P::Message,
    ) {
        let event = self.arrival(kernel.now(), to, from, &msg);
        self.record(event, EventKind::Dropped);
        let (protocol, mut ctx) = self.context(kernel);
        ctx.recorder.dropped(protocol.query_of(&msg), to);
        protocol.on_lost(&mut ctx, to, from, msg);
        self.flush_sends();
    }

    #[inline]
    fn online(&self, node: NodeId) -> bool {
        is_online(self.env.live.as_ref(), node)
    }

    #[inline(always)]
    fn prefetch(&self, to: NodeId, msg: &P::Message, ahead: Ahead) {
        match ahead {
            Ahead::Far => {
                self.env.recorder.prefetch_load(to);
                self.protocol.prefetch(to, msg, ahead);
                if self.protocol.reads_neighbours(msg) {
                    self.world.overlay.prefetch_offsets(to);
                }
            }
            Ahead::Near => {
                if let Some(query) = self.protocol.prefetch(to, msg, ahead) {
                    self.env.recorder.prefetch_record(query);
                    crate::hint::prefetch(&self.world.queries, query as usize);
                }
                if self.protocol.reads_neighbours(msg) {
                    self.world.overlay.prefetch_neighbours(to);
                }
            }
        }
    }
}

impl<P: Protocol> Node<'_, P> {
    /// A delivery while a trace is recorded: as [`Model::on_message`], plus the arrival's row
    /// (lost, or what the protocol reported to the recorder while handling it: a duplicate, a
    /// node reached) before the rows of the sends it caused.
    fn on_traced_message(
        &mut self,
        kernel: &mut KernelOf<Self>,
        to: NodeId,
        from: NodeId,
        msg: P::Message,
    ) {
        let event = self.arrival(kernel.now(), to, from, &msg);
        let online = is_online(self.env.live.as_ref(), to);
        if !online {
            self.record(event, EventKind::Lost);
        }
        let counts = |r: &Recorder, e: &TraceEvent| {
            let r = r.record(e.query);
            (r.duplicates, r.nodes_reached)
        };
        let before = event.map(|e| counts(&self.env.recorder, &e));
        let at = self.trace.as_ref().map_or(0, |(t, _)| t.len());
        let (protocol, mut ctx) = self.context(kernel);
        if online {
            ctx.recorder.received(to);
            protocol.on_message(&mut ctx, to, from, msg);
        } else {
            protocol.on_lost(&mut ctx, to, from, msg);
        }
        self.flush_sends();
        if let (Some(e), Some((dup, reached)), Some((tracer, _))) =
            (event, before, self.trace.as_mut())
        {
            let (dup_after, reached_after) = counts(&self.env.recorder, &e);
            if reached_after > reached {
                tracer.insert(
                    at,
                    TraceEvent {
                        kind: EventKind::Reached,
                        ..e
                    },
                );
            }
            if dup_after > dup {
                tracer.insert(
                    at,
                    TraceEvent {
                        kind: EventKind::Duplicate,
                        ..e
                    },
                );
            }
        }
    }
}

/// Streams and settings of one simulation.
pub struct Setup {
    /// Link latency model.
    pub latency: LatencyModel,
    /// Stream for per-message latency draws.
    pub latency_rng: SimRng,
    /// Stream of the replica's per-link latencies (the same for all its variants).
    pub links_rng: SimRng,
    /// Stream for the protocol's own choices.
    pub protocol_rng: SimRng,
    /// Width of the windows maintenance messages are counted in.
    pub window: SimDuration,
    /// Whether to count what each node does (`nodes.csv`); off, nothing is counted per node
    /// beyond the messages it receives.
    pub count_nodes: bool,
}

/// The outcome of simulating one protocol on one world.
pub struct Outcome {
    /// What the protocol reported.
    pub recorded: Recorded,
    /// Events processed (membership changes and query starts included).
    pub events: u64,
    /// What the nodes' queues measured (under a capacity model).
    pub queues: Option<QueueStats>,
    /// The message trace of the traced queries (empty without a trace).
    pub trace: Vec<TraceEvent>,
}

/// Bytes one queued event of protocol `P` takes in the event queue: (in order, in the FIFO;
/// out of order, in the heap).
pub fn queued_event_bytes<P: Protocol>() -> (usize, usize) {
    crate::engine::queued_event_bytes::<P::Message, P::Timer>()
}

/// Bytes the event queue's calendar takes besides its events, for protocol `P` with `events`
/// events queued out of order.
pub fn calendar_overhead_bytes<P: Protocol>(events: usize) -> usize {
    crate::engine::calendar_overhead_bytes::<P::Message, P::Timer>(events)
}

/// Runs every query of `world` through `protocol` until no event is left. `progress` is called
/// with the number of queries started so far, every 1024 queries and at the end.
pub fn simulate<P: Protocol>(
    world: &World,
    protocol: &mut P,
    setup: Setup,
    progress: &mut dyn FnMut(u64),
) -> Outcome {
    simulate_traced(world, protocol, setup, progress, None)
}

/// [`simulate`], recording the message trace of the queries `trace` names (if any).
pub fn simulate_traced<P: Protocol>(
    world: &World,
    protocol: &mut P,
    setup: Setup,
    progress: &mut dyn FnMut(u64),
    trace: Option<&[QueryId]>,
) -> Outcome {
    let links = LinkLatency::new(
        setup.latency,
        setup.latency_rng,
        setup.links_rng,
        world.overlay.node_count(),
    );
    let mut kernel = Kernel::new(
        Network::new(links, world.capacities.as_ref(), setup.window),
        setup.protocol_rng,
    );
    let nodes = world.overlay.node_count() as usize;
    let mut recorder = Recorder::new(world.queries.len(), nodes, setup.window);
    if setup.count_nodes {
        recorder.count_nodes(world.queries.iter().map(|q| q.source).collect());
    }
    let mut node = Node {
        protocol,
        world,
        env: Env {
            live: world
                .churn
                .as_ref()
                .map(|plan| plan.initial_state(&world.overlay)),
            recorder,
            queries: QueryDriver::new(),
        },
        membership: world
            .churn
            .as_ref()
            .map(|plan| Membership::new(plan, &world.overlay)),
        progress,
        due: Input::Query,
        trace: trace.map(|q| (Tracer::new(q.to_vec()), Vec::new())),
    };
    {
        let (protocol, mut ctx) = node.context(&mut kernel);
        protocol.on_start(&mut ctx);
    }
    node.flush_sends();
    kernel.run(&mut node);
    if node.env.recorder.counts_nodes() {
        let (protocol, mut ctx) = node.context(&mut kernel);
        protocol.on_end(&mut ctx);
        node.count_online_time(world.overlay.node_count(), world.horizon());
    }
    (node.progress)(world.queries.len() as u64);
    assert_eq!(
        node.protocol.active_queries(),
        0,
        "the protocol kept state for queries that have ended"
    );
    let events = kernel.events();
    let end = kernel.now();
    Outcome {
        recorded: node.env.recorder.finish(),
        events,
        queues: kernel.into_transport().finish(end),
        trace: node.trace.map_or_else(Vec::new, |(t, _)| t.finish()),
    }
}
