//! Structured lookup on the same world: Chord and Kademlia.
//!
//! Both DHTs run on the world's nodes, content, query stream and churn; the overlay graph is
//! not used. Every node and every object gets a 64-bit identifier drawn once per replica from
//! the protocol stream's sub-stream [`crate::rng::DHT_IDS`] ([`Identifiers`]), so Chord and
//! Kademlia variants of one scenario share the same ids. Node ids are distinct.
//!
//! **Provider records.** Each holder of an object publishes a provider record for the object's
//! key at the nodes responsible for it (Chord: the first `successors` online nodes from the key
//! clockwise; Kademlia: the `k` online nodes closest to the key by XOR). At time zero every
//! online holder publishes (not counted). Under churn, holders republish every `republish_s`
//! (each publication costs 2·(⌈½·log2 N⌉ + replicas) maintenance messages: a lookup and the
//! stores), a record lives `2·republish_s` unless refreshed (so records of departed providers
//! expire), and a node that leaves loses the records it stored.
//!
//! **A lookup** is iterative: every node asked costs one request and one response message. A
//! request to a node that has left is lost; the source gives up on it after `rpc_timeout_ms`
//! (counted in `rpc_timeouts`; the wait adds to the lookup's latency) and routes around it.
//! Once the lookup reaches a node with provider records, the source checks the providers in
//! order (one request and response each; a departed provider times out) and succeeds when one
//! answers within the query timeout. A source that leaves abandons its lookup.
//!
//! **Routing state under churn** is refreshed periodically from the live membership (the state
//! a converged stabilization would reach), so between refreshes tables point at departed nodes
//! and miss new ones; the costs are counted as maintenance messages (see each protocol). A
//! node that joins builds fresh tables at once (a lookup of its own id through a bootstrap
//! node). Each node's periodic timers start at a random phase.

mod chord;
mod kademlia;

pub use chord::{Chord, ChordRing};
pub use kademlia::{Kademlia, KademliaTables};

use crate::content::ObjectId;
use crate::ids::IdMap;
use crate::rng::{DHT_IDS, StreamKind, stream};
use crate::sim::{Context, MessageInfo, MessageKind, Protocol, QueryId};
use crate::time::{SimDuration, SimTime};
use crate::topology::NodeId;
use rand_core::Rng;

/// Bytes of a DHT request or response: Kademlia's 20-byte ids are 8 here, so a small UDP-style
/// message of a 23-byte header plus one id.
pub const DHT_MESSAGE_BYTES: u32 = 31;

/// The ids of one replica's nodes and objects.
#[derive(Clone, Debug)]
pub struct Identifiers {
    /// Node id of each node.
    pub node: Vec<u64>,
    /// Key of each object.
    pub key: Vec<u64>,
}

impl Identifiers {
    /// Draws distinct node ids and object keys for `nodes` nodes and `objects` objects.
    pub fn draw(seed: u64, replica: u32, nodes: u32, objects: u32) -> Self {
        let mut rng = stream(seed, replica, StreamKind::Protocol, DHT_IDS);
        let mut node: Vec<u64> = Vec::with_capacity(nodes as usize);
        let mut seen = std::collections::BTreeSet::new();
        while node.len() < nodes as usize {
            let id = rng.next_u64();
            if seen.insert(id) {
                node.push(id);
            }
        }
        let key = (0..objects).map(|_| rng.next_u64()).collect();
        Identifiers { node, key }
    }
}

/// The source sends a request of `query` to `to`: one request message.
pub(crate) fn request<P: crate::sim::Protocol<Message = DhtMessage>>(
    ctx: &mut crate::sim::Context<'_, P>,
    query: u32,
    source: NodeId,
    to: NodeId,
    check: bool,
) {
    ctx.send(source, to, DhtMessage::Request { query, check });
    ctx.report().sent(query, source, 1, DHT_MESSAGE_BYTES);
}

/// A message of either DHT: a request to a node or its response to the source.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DhtMessage {
    /// A request of the lookup of `query`: routing or record fetch, or (`check`) the check
    /// with a provider.
    Request {
        /// The query.
        query: u32,
        /// Whether this is the provider check.
        check: bool,
    },
    /// The contacted node's answer.
    Response {
        /// The query.
        query: u32,
        /// Whether this answers the provider check.
        check: bool,
    },
}

/// A contacted node answers the source: one response message.
pub(crate) fn answer<P: crate::sim::Protocol<Message = DhtMessage>>(
    ctx: &mut crate::sim::Context<'_, P>,
    query: u32,
    node: NodeId,
    source: NodeId,
    check: bool,
) {
    if check {
        ctx.report().hit_served(node);
    } else {
        ctx.report().reached(query);
    }
    ctx.send(node, source, DhtMessage::Response { query, check });
    ctx.report().responded(query, node, DHT_MESSAGE_BYTES);
}

/// Timers of either DHT.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum DhtTimer {
    /// The source gives up waiting for `node`'s answer to `query`.
    Timeout {
        /// The query.
        query: u32,
        /// The node that did not answer.
        node: NodeId,
    },
    /// A periodic refresh of the node's routing state (in its session `session`).
    Refresh {
        /// Which table: 0 successors / buckets, 1 fingers.
        table: u8,
        /// The node's session when the timer was set.
        session: u32,
    },
    /// The holder republishes its record for `object`.
    Republish {
        /// The object.
        object: ObjectId,
    },
}

/// Settings both DHTs share.
#[derive(Copy, Clone, Debug)]
pub struct Upkeep {
    /// Whether the world churns (periodic upkeep runs only then).
    pub churn: bool,
    /// How long a source waits for an answer.
    pub rpc_timeout: SimDuration,
    /// Time between republications.
    pub republish: SimDuration,
}

#[derive(Copy, Clone, Debug)]
struct Record {
    at: NodeId,
    provider: NodeId,
    stored: SimTime,
}

/// Bytes of one stored provider record (for the memory estimate).
pub(crate) const RECORD_BYTES: u64 = std::mem::size_of::<Record>() as u64;

/// Provider records, per object.
#[derive(Clone, Debug)]
pub struct Records {
    by_object: Vec<Vec<Record>>,
    lifetime: Option<SimDuration>,
}

impl Records {
    /// No records yet. Without churn records live forever; under churn `2·republish` unless
    /// refreshed, so the records of a provider that left expire.
    pub(crate) fn new(objects: u32, upkeep: Upkeep) -> Self {
        Records {
            by_object: vec![Vec::new(); objects as usize],
            lifetime: upkeep
                .churn
                .then(|| SimDuration(2 * upkeep.republish.micros())),
        }
    }

    /// Whether `r` is still held: stored during its node's current session (`since`) and not
    /// expired at `now`.
    fn live(&self, r: &Record, since: SimTime, now: SimTime) -> bool {
        r.stored >= since && self.lifetime.is_none_or(|l| now < r.stored + l)
    }

    /// `provider` (re)publishes its record for `object` on `targets` at `now`.
    pub(crate) fn publish(
        &mut self,
        object: ObjectId,
        provider: NodeId,
        targets: &[NodeId],
        now: SimTime,
    ) {
        let lifetime = self.lifetime;
        let list = &mut self.by_object[object as usize];
        list.retain(|r| r.provider != provider && lifetime.is_none_or(|l| now < r.stored + l));
        list.extend(targets.iter().map(|&at| Record {
            at,
            provider,
            stored: now,
        }));
    }

    /// The providers other than `source` whose records for `object` node `at` holds now, as a
    /// stack: `pop()` yields them in publication order.
    pub(crate) fn provider_stack<P: Protocol>(
        &self,
        ctx: &Context<'_, P>,
        object: ObjectId,
        at: NodeId,
        source: NodeId,
    ) -> Vec<NodeId> {
        let (now, since) = (ctx.now(), ctx.online_since(at));
        let mut stack: Vec<NodeId> = self.by_object[object as usize]
            .iter()
            .filter(|r| r.at == at && r.provider != source && self.live(r, since, now))
            .map(|r| r.provider)
            .collect();
        stack.reverse();
        stack
    }

    /// Reports how many live records each online node holds now.
    fn report_stored<P: Protocol>(&self, ctx: &mut Context<'_, P>) {
        let now = ctx.now();
        let mut held = vec![0u64; ctx.overlay().node_count() as usize];
        for r in self.by_object.iter().flatten() {
            if ctx.is_online(r.at) && self.live(r, ctx.online_since(r.at), now) {
                held[r.at as usize] += 1;
            }
        }
        for (v, &n) in held.iter().enumerate() {
            ctx.report().stored(v as NodeId, n);
        }
    }

    /// Whether node `at` holds any live record for `object`.
    pub(crate) fn holds<P: Protocol>(
        &self,
        ctx: &Context<'_, P>,
        object: ObjectId,
        at: NodeId,
    ) -> bool {
        let (now, since) = (ctx.now(), ctx.online_since(at));
        self.by_object[object as usize]
            .iter()
            .any(|r| r.at == at && self.live(r, since, now))
    }
}

/// Maintenance messages of one publication in a network of `nodes`: a lookup of about
/// ⌈½·log2 N⌉ nodes and `replicas` stores, a request and a response each.
pub(crate) fn publication_cost(nodes: u32, replicas: u32) -> u64 {
    2 * ((f64::from(nodes.max(2)).log2() / 2.0).ceil() as u64 + u64::from(replicas))
}

/// A uniform delay in [0, period), for spreading periodic timers.
fn random_phase<P: Protocol>(ctx: &mut Context<'_, P>, period: SimDuration) -> SimDuration {
    use crate::rng::Sample;
    SimDuration(ctx.rng().below(period.micros().max(1)))
}

/// Re-arms a periodic timer unless the run is over.
fn again<P: Protocol<Timer = DhtTimer>>(
    ctx: &mut Context<'_, P>,
    node: NodeId,
    period: SimDuration,
    timer: DhtTimer,
) {
    if ctx.now() + period <= ctx.horizon() {
        ctx.set_timer(node, period, timer);
    }
}

/// What tells one DHT from another: its routing tables, which nodes store a key's records, and
/// how a lookup routes. [`Dht`] does the rest.
pub trait Routing: Sized {
    /// A lookup's routing state.
    type Route;
    /// How many tables a node refreshes, each on its own [`DhtTimer::Refresh`] timer.
    const TABLES: u8;

    /// How many nodes store each record.
    fn replicas(&self) -> u32;

    /// The online nodes responsible for `key` now.
    fn targets(&self, ctx: &Context<'_, Dht<Self>>, key: u64) -> Vec<NodeId>;

    /// Builds `node`'s tables from the live membership.
    fn build(&mut self, ctx: &mut Context<'_, Dht<Self>>, node: NodeId);

    /// `node` joins: it builds its tables, and counts what that costs.
    fn join(&mut self, ctx: &mut Context<'_, Dht<Self>>, node: NodeId) {
        self.build(ctx, node);
    }

    /// The refresh period of `table`.
    fn period(&self, table: u8) -> SimDuration;

    /// Refreshes `node`'s `table` from the live membership and counts its messages.
    fn refresh(&mut self, ctx: &mut Context<'_, Dht<Self>>, node: NodeId, table: u8);

    /// The routing state of a new lookup, which starts as if its source had answered it.
    fn route(&self) -> Self::Route;

    /// `from` answered a routing request of `l`.
    fn answered(
        &self,
        ctx: &mut Context<'_, Dht<Self>>,
        records: &Records,
        query: QueryId,
        l: &mut Lookup<Self::Route>,
        from: NodeId,
    ) -> Step;

    /// `gone` did not answer a routing request of `l` in time.
    fn timed_out(
        &self,
        ctx: &mut Context<'_, Dht<Self>>,
        query: QueryId,
        l: &mut Lookup<Self::Route>,
        gone: NodeId,
    ) -> Step;

    /// The lookup's path length, reported as its hit's hops.
    fn hops(route: &Self::Route) -> u32;
}

/// What a lookup does after a routing step.
pub enum Step {
    /// It waits for answers.
    Wait,
    /// It has reached this node's records: it checks their providers.
    Records(NodeId),
    /// It gives up.
    Fail,
}

/// A lookup in flight.
pub struct Lookup<S> {
    source: NodeId,
    object: ObjectId,
    key: u64,
    /// The provider being checked, once the records have arrived.
    checking: Option<NodeId>,
    /// Providers still to check, as a stack.
    providers: Vec<NodeId>,
    route: S,
}

/// A DHT: sessions, provider records and their republication, lookups with their provider
/// checks, RPC timeouts and abandonment, over the routing `R` (Chord's or Kademlia's).
pub struct Dht<R: Routing> {
    routing: R,
    keys: Vec<u64>,
    upkeep: Upkeep,
    session: Vec<u32>,
    records: Records,
    /// Active lookups only; looked up by id, never iterated.
    lookups: IdMap<QueryId, Lookup<R::Route>>,
}

impl<R: Routing> Dht<R> {
    fn with_routing(ids: &Identifiers, upkeep: Upkeep, routing: R) -> Self {
        Dht {
            routing,
            keys: ids.key.clone(),
            upkeep,
            session: vec![0; ids.node.len()],
            records: Records::new(ids.key.len() as u32, upkeep),
            lookups: IdMap::default(),
        }
    }

    /// The online nodes responsible for `object` now.
    fn targets(&self, ctx: &Context<'_, Self>, object: ObjectId) -> Vec<NodeId> {
        self.routing.targets(ctx, self.keys[object as usize])
    }

    /// Under churn, starts `node`'s refresh timers at random phases.
    fn start_timers(&self, ctx: &mut Context<'_, Self>, node: NodeId) {
        if !self.upkeep.churn {
            return;
        }
        let session = self.session[node as usize];
        for table in 0..R::TABLES {
            let phase = random_phase(ctx, self.routing.period(table));
            ctx.set_timer(node, phase, DhtTimer::Refresh { table, session });
        }
    }

    /// Takes the lookup of `query` on by `step`.
    fn follow(&mut self, ctx: &mut Context<'_, Self>, query: QueryId, step: Step) {
        match step {
            Step::Wait => {}
            Step::Records(at) => {
                let l = self.lookups.get_mut(&query).expect("active lookup");
                l.providers = self.records.provider_stack(ctx, l.object, at, l.source);
                self.check_next(ctx, query);
            }
            Step::Fail => {
                self.lookups.remove(&query);
            }
        }
    }

    /// The source checks the next provider (one request); with none left the lookup fails.
    fn check_next(&mut self, ctx: &mut Context<'_, Self>, query: QueryId) {
        let l = self.lookups.get_mut(&query).expect("active lookup");
        match l.providers.pop() {
            Some(p) => {
                request(ctx, query, l.source, p, true);
                l.checking = Some(p);
            }
            None => {
                self.lookups.remove(&query);
            }
        }
    }
}

impl<R: Routing> Protocol for Dht<R> {
    type Message = DhtMessage;
    type Timer = DhtTimer;

    /// Lookups route by identifier, never over the overlay's links.
    fn reads_neighbours(&self, _msg: &DhtMessage) -> bool {
        false
    }

    fn query_of(&self, msg: &DhtMessage) -> Option<QueryId> {
        let (DhtMessage::Request { query, .. } | DhtMessage::Response { query, .. }) = *msg;
        Some(query)
    }

    /// Requests are lookups and responses replies; their hops are the lookup's path so far.
    fn describe(&self, msg: &DhtMessage) -> MessageInfo {
        let (kind, query) = match *msg {
            DhtMessage::Request { query, .. } => (MessageKind::Lookup, query),
            DhtMessage::Response { query, .. } => (MessageKind::Reply, query),
        };
        MessageInfo {
            kind,
            ttl: None,
            hops: self.lookups.get(&query).map(|l| R::hops(&l.route)),
        }
    }

    fn active_queries(&self) -> usize {
        self.lookups.len()
    }

    /// Builds the tables of every online node, then publishes every online holder's records
    /// and, under churn, starts each holder's republication timer at a random phase.
    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        for v in 0..self.session.len() as NodeId {
            if ctx.is_online(v) {
                self.routing.build(ctx, v);
                self.start_timers(ctx, v);
            }
        }
        for object in 0..ctx.content().objects() {
            let at = self.targets(ctx, object);
            for &h in ctx.content().holders(object) {
                if ctx.is_online(h) {
                    self.records.publish(object, h, &at, ctx.now());
                }
                if self.upkeep.churn {
                    let phase = random_phase(ctx, self.upkeep.republish);
                    ctx.set_timer(h, phase, DhtTimer::Republish { object });
                }
            }
        }
    }

    /// The records each node holds when the run ends.
    fn on_end(&mut self, ctx: &mut Context<'_, Self>) {
        self.records.report_stored(ctx);
    }

    fn on_join(&mut self, ctx: &mut Context<'_, Self>, node: NodeId) {
        self.session[node as usize] += 1;
        self.routing.join(ctx, node);
        self.start_timers(ctx, node);
    }

    fn start_query(
        &mut self,
        ctx: &mut Context<'_, Self>,
        query: QueryId,
        source: NodeId,
        object: ObjectId,
    ) {
        let l = self.lookups.entry(query).or_insert(Lookup {
            source,
            object,
            key: self.keys[object as usize],
            checking: None,
            providers: Vec::new(),
            route: self.routing.route(),
        });
        let step = self.routing.answered(ctx, &self.records, query, l, source);
        self.follow(ctx, query, step);
    }

    fn on_message(
        &mut self,
        ctx: &mut Context<'_, Self>,
        to: NodeId,
        from: NodeId,
        msg: DhtMessage,
    ) {
        match msg {
            DhtMessage::Request { query, check } => answer(ctx, query, to, from, check),
            DhtMessage::Response { query, check } => {
                let Some(l) = self.lookups.get_mut(&query) else {
                    return;
                };
                if !ctx.source_active(query) {
                    self.lookups.remove(&query);
                } else if check {
                    let hops = R::hops(&l.route);
                    self.lookups.remove(&query);
                    ctx.deliver_hit(query, hops);
                } else if l.checking.is_none() {
                    let step = self.routing.answered(ctx, &self.records, query, l, from);
                    self.follow(ctx, query, step);
                }
            }
        }
    }

    /// A request to a departed node makes the source wait `rpc_timeout` in vain; a response
    /// to a departed source means the lookup is abandoned.
    fn on_lost(&mut self, ctx: &mut Context<'_, Self>, to: NodeId, from: NodeId, msg: DhtMessage) {
        match msg {
            DhtMessage::Request { query, .. } => {
                let timeout = DhtTimer::Timeout { query, node: to };
                ctx.set_timer(from, self.upkeep.rpc_timeout, timeout);
            }
            DhtMessage::Response { query, .. } => {
                self.lookups.remove(&query);
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, node: NodeId, timer: DhtTimer) {
        match timer {
            DhtTimer::Timeout { query, node: gone } => {
                let Some(l) = self.lookups.get_mut(&query) else {
                    return;
                };
                ctx.report().rpc_timeout(query);
                if !ctx.source_active(query) {
                    self.lookups.remove(&query);
                } else if l.checking.is_none() {
                    let step = self.routing.timed_out(ctx, query, l, gone);
                    self.follow(ctx, query, step);
                } else if l.checking == Some(gone) {
                    self.check_next(ctx, query);
                }
            }
            DhtTimer::Refresh { table, session } => {
                if ctx.is_online(node) && self.session[node as usize] == session {
                    self.routing.refresh(ctx, node, table);
                    again(ctx, node, self.routing.period(table), timer);
                }
            }
            // A holder online republishes its record (a publication's cost); the timer is
            // re-armed.
            DhtTimer::Republish { object } => {
                if ctx.is_online(node) {
                    let at = self.targets(ctx, object);
                    self.records.publish(object, node, &at, ctx.now());
                    let nodes = ctx.overlay().node_count();
                    ctx.maintenance(publication_cost(nodes, self.routing.replicas()));
                }
                again(ctx, node, self.upkeep.republish, timer);
            }
        }
    }
}
