//! Flooding in rings: Gnutella 0.4 flooding, expanding rings, Gnutella 0.6 ultrapeer routing
//! (with Query Routing tables) and dynamic querying are one mechanism with parameters.
//!
//! A query is launched as one or more *rings*, each a TTL-bounded flood with its own GUID
//! (duplicates are detected per GUID). Plain flooding is a single ring; an expanding ring
//! launches the next, larger ring only if no hit has reached the source `wait` after the
//! previous one started. A dynamic query is one GUID too, but its ultrapeers send it down one
//! connection at a time with a TTL computed from the results so far (see [`DynamicConfig`]).
//! QueryHits travel back along the reverse path, one message per hop.
//!
//! Each ring in flight holds a *slot*: an array of per-node marks (which launch saw it and from
//! which neighbour). Marks are stamped with a launch number that is never reused, so slots are
//! recycled without clearing and nothing is allocated per message; a slot is released when the
//! ring's last message has landed.

use super::gnutella::{QUERY_BYTES, QUERY_HIT_BYTES};
use super::qrp::{QrpConfig, QrpTables};
use crate::content::{Content, ObjectId};
use crate::ids::IdMap;
use crate::sim::{Ahead, Context, InFlight, MessageInfo, MessageKind, Protocol, QueryId};
use crate::time::{SimDuration, SimTime};
use crate::topology::{NodeId, Overlay};

/// Which links a node forwards a query over.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Routing {
    /// Gnutella 0.4: every link except the one it came in on.
    AllLinks,
    /// Gnutella 0.6 on a two-tier overlay: a leaf sends its own queries to its ultrapeers and
    /// never forwards; an ultrapeer forwards to its other ultrapeers while TTL > 1 and passes
    /// the query to a leaf only if the leaf's Query Routing table matches. The leaf hop does
    /// not consume mesh TTL.
    Ultrapeer {
        /// The Query Routing tables; `None` models them as exact membership (the leaf holds
        /// the object, no false positives).
        qrp: Option<QrpConfig>,
    },
    /// KaZaA/FastTrack super-peers on a two-tier overlay: as `Ultrapeer` among the super-nodes,
    /// but a super-node indexes its leaves' objects and answers for them itself (one QueryHit
    /// if it or any leaf other than the source holds the object) instead of passing the query
    /// down; a super-node source answers from its own index at once (a hit at 1 hop, no
    /// message). Under churn a joining leaf uploads its index to each of its super-nodes, and
    /// a joining super-node receives the index of each of its online leaves (one maintenance
    /// message each).
    SuperPeer,
}

impl Routing {
    /// Gnutella 0.6 with exact-membership routing tables.
    pub const ULTRAPEER: Routing = Routing::Ultrapeer { qrp: None };
}

/// How a query is launched.
#[derive(Clone, Debug, PartialEq)]
pub enum Launch {
    /// Floods of TTL `ttls` in launch order (one ring: plain flooding), the next launched only
    /// if no hit has reached the source `wait` after the previous one started.
    Rings {
        /// TTL of each ring.
        ttls: Vec<u8>,
        /// How long to wait for a hit before launching the next ring.
        wait: SimDuration,
    },
    /// Dynamic querying (ultrapeer routing only).
    Dynamic(DynamicConfig),
}

/// Dynamic querying (Fisk, "Gnutella Dynamic Query Protocol" v0.1, 2003, as LimeWire's
/// `QueryHandler` implements it). An ultrapeer runs one for its own query or for each query a
/// leaf sends it (the leaf's TTL is ignored):
///
/// 1. it passes the query to its own leaves whose tables match, counts them as
///    [`LEAF_HORIZON`] hosts, and waits `wait_per_hop` if any was sent one;
/// 2. a probe: TTL `probe_ttl` down its first `probe_connections` ultrapeer connections (in id
///    order) at once, then waits `wait_per_hop · probe_ttl` per probe sent;
/// 3. then one connection at a time, each time after the previous wait: with `r` results so
///    far, `H` ultrapeers theoretically reached and `C` connections left (less 4 when more than
///    4), it wants `HQC = ((D − r) / (r / H)) / C` hosts per connection (40,000 / C while
///    r = 0) and sends the query with the smallest TTL `t` ≤ 5 for which 16 · hosts(d, t) ≥
///    HQC (d the connection's ultrapeer degree; at most `max_ttl`), adds hosts(d, t) =
///    Σ_{i<t} (d − 1)^i to `H` and waits `t · wait_per_hop`.
///
/// It stops at a step when `r` reached its target (`desired_results`, divided among the
/// leaf's ultrapeers for a leaf's query), `H` exceeds `max_horizon`, every connection was used,
/// or the source no longer waits. Results are the QueryHits that pass through the ultrapeer.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct DynamicConfig {
    /// Results a query wants (`D`).
    pub desired_results: u32,
    /// TTL of the probe.
    pub probe_ttl: u8,
    /// Connections the probe goes down.
    pub probe_connections: u32,
    /// Wait per hop of TTL before the next step.
    pub wait_per_hop: SimDuration,
    /// Largest TTL of any send (X-Max-TTL).
    pub max_ttl: u8,
    /// Theoretical horizon at which the query stops.
    pub max_horizon: u64,
}

/// Hosts an ultrapeer's own leaves count for in the theoretical horizon (LimeWire).
pub const LEAF_HORIZON: u64 = 25;
/// Hosts to query while no result has arrived (LimeWire).
const HOSTS_WITHOUT_RESULTS: u64 = 40_000;
/// The TTL search of [`next_ttl`] stops below this (LimeWire's `MAX_QUERY_TTL`).
const TTL_SEARCH_LIMIT: u8 = 6;

/// Ultrapeers a query of TTL `ttl` sent to a node of ultrapeer degree `degree` reaches in
/// theory (no cycles, every node of that degree): Σ_{0 ≤ i < ttl} (degree − 1)^i.
pub fn hosts(degree: u32, ttl: u8) -> u64 {
    let branch = u64::from(degree.saturating_sub(1));
    (0..ttl)
        .fold((0u64, 1u64), |(sum, power), _| {
            (sum.saturating_add(power), power.saturating_mul(branch))
        })
        .0
}

/// The TTL for a connection of ultrapeer degree `degree` that should reach `per_connection`
/// hosts: the smallest `t` below 6 with 16 · hosts(degree, t) ≥ `per_connection`, at most
/// `max_ttl` (LimeWire's `calculateNewTTL`, biased towards low TTLs by the factor 16).
pub fn next_ttl(per_connection: u64, degree: u32, max_ttl: u8) -> u8 {
    (1..TTL_SEARCH_LIMIT)
        .find(|&t| 16u64.saturating_mul(hosts(degree, t)) >= per_connection)
        .map_or(max_ttl, |t| t.min(max_ttl))
}

fn times(d: SimDuration, n: u64) -> SimDuration {
    SimDuration(d.micros().saturating_mul(n))
}

/// How a flooding variant behaves.
#[derive(Clone, Debug, PartialEq)]
pub struct FloodConfig {
    /// How queries are launched.
    pub launch: Launch,
    /// Which links queries travel.
    pub routing: Routing,
}

impl FloodConfig {
    /// Floods of TTL `ttls` launched `wait` apart while nothing is found, over `routing`.
    pub fn rings(ttls: Vec<u8>, wait: SimDuration, routing: Routing) -> Self {
        FloodConfig {
            launch: Launch::Rings { ttls, wait },
            routing,
        }
    }
}

/// A message of the flooding protocol.
#[derive(Copy, Clone, Debug)]
pub enum FloodMessage {
    /// A query copy: `ttl` as carried on this link, `hops` travelled including this link.
    Query {
        /// Slot of the ring.
        slot: u32,
        /// Time-to-live as carried on this link.
        ttl: u8,
        /// Overlay hops from the source, this link included.
        hops: u8,
    },
    /// A QueryHit travelling back; `hops` is the responder's distance along the ring's path.
    Hit {
        /// Slot of the ring.
        slot: u32,
        /// Hops the query had travelled to the responder.
        hops: u8,
    },
}

/// Which neighbours a forwarding step may send to (ultrapeer routing).
#[derive(Copy, Clone, PartialEq, Eq)]
enum Only {
    /// Every neighbour the routing picks.
    Any,
    /// Leaves only (a dynamic query's first step).
    Leaves,
    /// This one ultrapeer connection (a dynamic query's probe and later steps).
    Node(NodeId),
}

/// Query copies a forwarding step routed through QRP tables, and those that went to nodes
/// without the object (false positives).
#[derive(Copy, Clone, Default, PartialEq, Eq)]
struct Routed {
    leaves: u32,
    leaf_misses: u32,
    ultrapeers: u32,
    ultrapeer_misses: u32,
}

impl Routed {
    /// Whether an ultrapeer passes the query to leaf `leaf`: its table matches (with `tables`),
    /// or it holds the object (exact membership).
    #[inline]
    fn leaf(
        &mut self,
        tables: Option<&QrpTables>,
        content: &Content,
        leaf: NodeId,
        object: ObjectId,
    ) -> bool {
        let Some(tables) = tables else {
            return content.holds(leaf, object);
        };
        let matched = tables.matches(leaf, object);
        if matched {
            self.leaves += 1;
            self.leaf_misses += u32::from(!content.holds(leaf, object));
        }
        matched
    }

    /// Whether a query on its last mesh hop goes to ultrapeer `up`: always, unless last-hop QRP
    /// is on and `up`'s aggregate table (its files and its leaves') does not match.
    fn last_hop(
        &mut self,
        tables: Option<&QrpTables>,
        overlay: &Overlay,
        content: &Content,
        up: NodeId,
        object: ObjectId,
    ) -> bool {
        let Some(tables) = tables.filter(|t| t.config().last_hop) else {
            return true;
        };
        let matched = tables.matches(up, object);
        if matched {
            self.ultrapeers += 1;
            let unit_holds = content.holds(up, object)
                || overlay
                    .neighbours(up)
                    .iter()
                    .any(|&l| !overlay.is_ultrapeer(l) && content.holds(l, object));
            self.ultrapeer_misses += u32::from(!unit_holds);
        }
        matched
    }
}

#[derive(Copy, Clone, Default)]
struct Mark {
    launch: u32,
    parent: NodeId,
}

struct Slot {
    launch: u32,
    launched: SimTime,
    query: QueryId,
    object: ObjectId,
    source: NodeId,
    in_flight: InFlight,
    marks: Vec<Mark>,
}

/// Per-query bookkeeping while any of its rings or timers is pending.
struct QueryState {
    next_ring: usize,
    open_rings: u32,
    timer_pending: bool,
    /// Index into `reach` when the query has several rings (distinct nodes over all rings).
    reach: Option<usize>,
    /// A dynamic query's one slot (its timers count as messages in flight there).
    slot: u32,
    /// The ultrapeers running a dynamic query for it.
    queriers: Vec<Querier>,
}

/// One ultrapeer's dynamic query.
struct Querier {
    node: NodeId,
    /// Hops the query had travelled to this ultrapeer.
    hops: u8,
    target: u32,
    results: u32,
    /// Ultrapeers theoretically reached (`H`; starts at 1, LimeWire's).
    horizon: u64,
    /// The last connection used; the next is the first ultrapeer neighbour above it.
    last: Option<NodeId>,
    probed: bool,
}

/// The flooding protocol.
pub struct Flooding {
    config: FloodConfig,
    /// Query Routing tables, built at the start of a run when the routing asks for them.
    qrp: Option<QrpTables>,
    nodes: usize,
    slots: Vec<Slot>,
    free_slots: Vec<u32>,
    next_launch: u32,
    /// Active queries only; looked up by id, never iterated.
    queries: IdMap<QueryId, QueryState>,
    /// Per-query "reached" marks stamped with query id + 1 (multi-ring queries only).
    reach: Vec<Vec<u32>>,
    free_reach: Vec<usize>,
}

impl Flooding {
    /// A flooding protocol on a network of `nodes` nodes.
    pub fn new(config: FloodConfig, nodes: u32) -> Self {
        if let Launch::Rings { ttls, .. } = &config.launch {
            assert!(!ttls.is_empty() && ttls.iter().all(|&t| t >= 1));
        }
        Flooding {
            config,
            qrp: None,
            nodes: nodes as usize,
            slots: Vec::new(),
            free_slots: Vec::new(),
            next_launch: 1,
            queries: IdMap::default(),
            reach: Vec::new(),
            free_reach: Vec::new(),
        }
    }

    /// Plain Gnutella 0.4 flooding with time-to-live `ttl`.
    pub fn gnutella(ttl: u8, nodes: u32) -> Self {
        Self::new(
            FloodConfig::rings(vec![ttl], SimDuration::ZERO, Routing::AllLinks),
            nodes,
        )
    }

    /// Whether a query uses one slot (one GUID) only, so that a slot's marks tell first visits.
    fn one_slot(&self) -> bool {
        match &self.config.launch {
            Launch::Rings { ttls, .. } => ttls.len() == 1,
            Launch::Dynamic(_) => true,
        }
    }

    fn launch(
        &mut self,
        ctx: &mut Context<'_, Self>,
        query: QueryId,
        source: NodeId,
        object: ObjectId,
    ) {
        let Launch::Rings { ttls, wait } = &self.config.launch else {
            unreachable!("only rings launch again")
        };
        let state = self.queries.get_mut(&query).expect("active query");
        let ttl = ttls[state.next_ring];
        state.next_ring += 1;
        state.open_rings += 1;
        if state.next_ring < ttls.len() {
            state.timer_pending = true;
            ctx.set_timer(source, *wait, query);
        }
        let index = self.open_slot(ctx, query, source, object);
        if self.config.routing == Routing::SuperPeer && leaf_holds(ctx, source, object, source) {
            ctx.deliver_hit(query, 1);
        }
        self.forward(ctx, index, source, None, ttl, 1, Only::Any);
        self.release_if_done(index);
    }

    /// Takes a free slot for a new GUID of `query` and marks its source.
    fn open_slot(
        &mut self,
        ctx: &mut Context<'_, Self>,
        query: QueryId,
        source: NodeId,
        object: ObjectId,
    ) -> u32 {
        if self.next_launch == u32::MAX {
            // After 4 billion launches, start the stamps afresh.
            self.slots
                .iter_mut()
                .for_each(|s| s.marks.fill(Mark::default()));
            self.next_launch = 1;
        }
        let launch = self.next_launch;
        self.next_launch += 1;
        let index = self.free_slots.pop().unwrap_or_else(|| {
            self.slots.push(Slot {
                launch: 0,
                launched: SimTime::ZERO,
                query: 0,
                object: 0,
                source: 0,
                in_flight: InFlight::default(),
                marks: vec![Mark::default(); self.nodes],
            });
            self.slots.len() as u32 - 1
        });
        let slot = &mut self.slots[index as usize];
        slot.launch = launch;
        slot.launched = ctx.now();
        slot.query = query;
        slot.object = object;
        slot.source = source;
        slot.in_flight = InFlight::default();
        slot.marks[source as usize] = Mark {
            launch,
            parent: source,
        };
        index
    }

    /// Sends query copies from `node` (which received it from `except`, if anyone) with TTL
    /// `ttl` to the neighbours the routing picks among those `only` allows; returns how many.
    #[allow(clippy::too_many_arguments)]
    fn forward(
        &mut self,
        ctx: &mut Context<'_, Self>,
        slot: u32,
        node: NodeId,
        except: Option<NodeId>,
        ttl: u8,
        hops: u8,
        only: Only,
    ) -> u32 {
        let overlay = ctx.overlay();
        let content = ctx.content();
        let s = &mut self.slots[slot as usize];
        let routing = self.config.routing;
        let tables = self.qrp.as_ref();
        let ultrapeer = overlay.is_ultrapeer(node);
        let mut sent = 0u32;
        let mut routed = Routed::default();
        for &next in ctx.neighbours(node) {
            if Some(next) == except {
                continue;
            }
            let send = match (routing, only) {
                (Routing::AllLinks, _) => ttl >= 1,
                (Routing::Ultrapeer { .. }, _) if !ultrapeer => node == s.source,
                (Routing::Ultrapeer { .. }, Only::Node(v)) => v == next,
                (Routing::Ultrapeer { .. }, Only::Leaves) if overlay.is_ultrapeer(next) => false,
                (Routing::Ultrapeer { .. }, Only::Any) if overlay.is_ultrapeer(next) => {
                    ttl > 1
                        || (ttl == 1 && routed.last_hop(tables, overlay, content, next, s.object))
                }
                (Routing::Ultrapeer { .. }, _) => routed.leaf(tables, content, next, s.object),
                (Routing::SuperPeer, _) if !ultrapeer => node == s.source,
                (Routing::SuperPeer, _) => overlay.is_ultrapeer(next) && ttl >= 1,
            };
            if send {
                ctx.send(
                    node,
                    next,
                    FloodMessage::Query {
                        slot,
                        ttl: ttl.max(1),
                        hops,
                    },
                );
                sent += 1;
            }
        }
        s.in_flight.sent(sent);
        ctx.report().sent(s.query, node, sent, QUERY_BYTES);
        if routed != Routed::default() {
            ctx.report().qrp_routed(
                routed.leaves,
                routed.leaf_misses,
                routed.ultrapeers,
                routed.ultrapeer_misses,
            );
        }
        sent
    }

    #[inline]
    fn release_if_done(&mut self, slot: u32) {
        let s = &self.slots[slot as usize];
        if !s.in_flight.is_idle() {
            return;
        }
        let query = s.query;
        self.free_slots.push(slot);
        let state = self.queries.get_mut(&query).expect("active query");
        state.open_rings -= 1;
        self.finish_if_done(query);
    }

    fn finish_if_done(&mut self, query: QueryId) {
        let state = &self.queries[&query];
        if state.open_rings == 0 && !state.timer_pending {
            if let Some(r) = state.reach {
                self.free_reach.push(r);
            }
            self.queries.remove(&query);
        }
    }

    /// Counts `node` as reached by `query` unless an earlier ring already did.
    #[inline]
    fn reached(&mut self, ctx: &mut Context<'_, Self>, query: QueryId, node: NodeId) {
        if self.one_slot() {
            // One slot: its own marks already make every arrival here a first visit.
            ctx.report().reached(query);
            return;
        }
        let first = match self.queries[&query].reach {
            None => true,
            Some(r) => {
                let mark = &mut self.reach[r][node as usize];
                let fresh = *mark != query + 1;
                *mark = query + 1;
                fresh
            }
        };
        if first {
            ctx.report().reached(query);
        }
    }

    /// The dynamic query's settings (dynamic launches only).
    fn dynamic(&self) -> DynamicConfig {
        match self.config.launch {
            Launch::Dynamic(d) => d,
            Launch::Rings { .. } => unreachable!("a dynamic query"),
        }
    }

    /// Ultrapeer `node` starts a dynamic query for `query` (its own, or a leaf's that reached
    /// it after `hops` hops) and takes its first step.
    fn start_dynamic(
        &mut self,
        ctx: &mut Context<'_, Self>,
        query: QueryId,
        node: NodeId,
        hops: u8,
    ) {
        let desired = self.dynamic().desired_results;
        let state = &self.queries[&query];
        let source = self.slots[state.slot as usize].source;
        // A leaf's query is searched by each of its ultrapeers: each wants its share.
        let target = if source == node {
            desired
        } else {
            desired.div_ceil(ctx.neighbours(source).len().max(1) as u32)
        };
        let state = self.queries.get_mut(&query).expect("active query");
        state.queriers.push(Querier {
            node,
            hops,
            target,
            results: 0,
            horizon: 1 + LEAF_HORIZON,
            last: None,
            probed: false,
        });
        let slot = state.slot;
        let from = (source != node).then_some(source);
        if self.forward(ctx, slot, node, from, 1, hops + 1, Only::Leaves) > 0 {
            self.wait(ctx, query, node, self.dynamic().wait_per_hop);
        } else {
            self.step(ctx, query, node);
        }
    }

    /// Waits `delay` before `node`'s next step of `query`; the timer holds the query's slot.
    fn wait(
        &mut self,
        ctx: &mut Context<'_, Self>,
        query: QueryId,
        node: NodeId,
        delay: SimDuration,
    ) {
        let slot = self.queries[&query].slot;
        self.slots[slot as usize].in_flight.sent(1);
        ctx.set_timer(node, delay, query);
    }

    /// The next step of `node`'s dynamic query for `query`: stop, probe, or one more connection.
    fn step(&mut self, ctx: &mut Context<'_, Self>, query: QueryId, node: NodeId) {
        let config = self.dynamic();
        let state = &self.queries[&query];
        let slot = state.slot;
        let launched = self.slots[slot as usize].launched;
        let q = state
            .queriers
            .iter()
            .find(|q| q.node == node)
            .expect("a querier");
        let stop = q.results >= q.target
            || q.horizon > config.max_horizon
            || !ctx.source_waiting(query)
            || !ctx.is_online(node)
            || ctx.online_since(node) > launched;
        if stop {
            return;
        }
        let overlay = ctx.overlay();
        // Sorted neighbours: the ultrapeers (ids below the leaves') come first.
        let left: Vec<NodeId> = ctx
            .neighbours(node)
            .iter()
            .copied()
            .take_while(|&v| overlay.is_ultrapeer(v))
            .filter(|&v| q.last.is_none_or(|last| v > last))
            .collect();
        let degree = |v: NodeId| {
            ctx.neighbours(v)
                .iter()
                .take_while(|&&w| overlay.is_ultrapeer(w))
                .count() as u32
        };
        let (hops, probed) = (q.hops, q.probed);
        let (sends, delay): (Vec<(NodeId, u8)>, SimDuration) = if !probed {
            let probes: Vec<(NodeId, u8)> = left
                .iter()
                .take(config.probe_connections as usize)
                .map(|&v| (v, config.probe_ttl))
                .collect();
            let n = probes.len() as u64;
            (
                probes,
                times(config.wait_per_hop, u64::from(config.probe_ttl) * n),
            )
        } else if let Some(&next) = left.first() {
            let mut c = left.len() as u64;
            if c > 4 {
                c -= 4;
            }
            let wanted = if q.results == 0 {
                HOSTS_WITHOUT_RESULTS
            } else {
                let per_host = f64::from(q.results) / q.horizon as f64;
                (f64::from(q.target - q.results) / per_host) as u64
            };
            let ttl = next_ttl(wanted / c, degree(next), config.max_ttl);
            (
                vec![(next, ttl)],
                times(config.wait_per_hop, u64::from(ttl)),
            )
        } else {
            (Vec::new(), SimDuration::ZERO)
        };
        let added = sends.iter().fold(0u64, |sum, &(v, ttl)| {
            sum.saturating_add(hosts(degree(v), ttl))
        });
        for &(v, ttl) in &sends {
            self.forward(ctx, slot, node, None, ttl, hops + 1, Only::Node(v));
        }
        let state = self.queries.get_mut(&query).expect("active query");
        let q = state
            .queriers
            .iter_mut()
            .find(|q| q.node == node)
            .expect("a querier");
        q.probed = true;
        q.horizon = q.horizon.saturating_add(added);
        if let Some(&(v, _)) = sends.last() {
            q.last = Some(v);
            self.wait(ctx, query, node, delay);
        }
    }

    /// Sends the table traffic of `node` joining: a leaf's table to each of its ultrapeers
    /// and, with last-hop routing, an ultrapeer's aggregate table to each of its ultrapeers.
    fn send_tables(&mut self, ctx: &mut Context<'_, Self>, node: NodeId) {
        let Some((messages, bytes)) = self.qrp.as_ref().and_then(|t| t.transfer(node)) else {
            return;
        };
        let overlay = ctx.overlay();
        let links = overlay
            .neighbours(node)
            .iter()
            .filter(|&&v| overlay.is_ultrapeer(v))
            .count() as u64;
        ctx.maintenance(links * messages);
        ctx.report().qrp_tables(links * messages, links * bytes);
    }
}

/// Whether super-node `node`'s index of its leaves lists `object` on a leaf other than
/// `source` (false for a leaf `node`).
fn leaf_holds(ctx: &Context<'_, Flooding>, node: NodeId, object: ObjectId, source: NodeId) -> bool {
    let overlay = ctx.overlay();
    overlay.is_ultrapeer(node)
        && ctx.neighbours(node).iter().any(|&leaf| {
            leaf != source && !overlay.is_ultrapeer(leaf) && ctx.content().holds(leaf, object)
        })
}

impl Protocol for Flooding {
    type Message = FloodMessage;
    type Timer = QueryId;

    fn query_of(&self, msg: &FloodMessage) -> Option<QueryId> {
        let (FloodMessage::Query { slot, .. } | FloodMessage::Hit { slot, .. }) = *msg;
        Some(self.slots[slot as usize].query)
    }

    fn describe(&self, msg: &FloodMessage) -> MessageInfo {
        match *msg {
            FloodMessage::Query { ttl, hops, .. } => MessageInfo {
                kind: MessageKind::Query,
                ttl: Some(u32::from(ttl)),
                hops: Some(u32::from(hops)),
            },
            FloodMessage::Hit { hops, .. } => MessageInfo {
                kind: MessageKind::Hit,
                ttl: None,
                hops: Some(u32::from(hops)),
            },
        }
    }

    fn active_queries(&self) -> usize {
        self.queries.len()
    }

    fn start_query(
        &mut self,
        ctx: &mut Context<'_, Self>,
        query: QueryId,
        source: NodeId,
        object: ObjectId,
    ) {
        let reach = (!self.one_slot()).then(|| {
            self.free_reach.pop().unwrap_or_else(|| {
                self.reach.push(vec![0; self.nodes]);
                self.reach.len() - 1
            })
        });
        self.queries.insert(
            query,
            QueryState {
                next_ring: 0,
                open_rings: 0,
                timer_pending: false,
                reach,
                slot: 0,
                queriers: Vec::new(),
            },
        );
        let Launch::Dynamic(config) = self.config.launch else {
            self.launch(ctx, query, source, object);
            return;
        };
        let slot = self.open_slot(ctx, query, source, object);
        let state = self.queries.get_mut(&query).expect("active query");
        state.slot = slot;
        state.open_rings = 1;
        if ctx.overlay().is_ultrapeer(source) {
            self.start_dynamic(ctx, query, source, 0);
        } else {
            // A leaf hands its query to its ultrapeers, which ignore its TTL.
            self.forward(ctx, slot, source, None, config.max_ttl, 1, Only::Any);
        }
        self.release_if_done(slot);
    }

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        let Routing::Ultrapeer { qrp: Some(config) } = self.config.routing else {
            return;
        };
        self.qrp = Some(QrpTables::build(config, ctx.overlay(), ctx.content()));
        ctx.report().enable_qrp();
        for v in 0..ctx.overlay().node_count() {
            if ctx.is_online(v) {
                self.send_tables(ctx, v);
            }
        }
    }

    fn on_join(&mut self, ctx: &mut Context<'_, Self>, node: NodeId) {
        self.send_tables(ctx, node);
        if self.config.routing != Routing::SuperPeer {
            return;
        }
        let overlay = ctx.overlay();
        let uploads = if overlay.is_ultrapeer(node) {
            let leaves = overlay.neighbours(node).iter();
            leaves
                .filter(|&&l| !overlay.is_ultrapeer(l) && ctx.is_online(l))
                .count() as u64
        } else {
            u64::from(overlay.degree(node))
        };
        ctx.maintenance(uploads);
    }

    #[inline(always)]
    fn on_message(
        &mut self,
        ctx: &mut Context<'_, Self>,
        to: NodeId,
        from: NodeId,
        msg: FloodMessage,
    ) {
        let slot = match msg {
            FloodMessage::Query { slot, ttl, hops } => {
                let s = &mut self.slots[slot as usize];
                s.in_flight.landed();
                let (query, object) = (s.query, s.object);
                let mark = &mut s.marks[to as usize];
                if mark.launch == s.launch {
                    ctx.report().duplicate(query, to);
                } else {
                    *mark = Mark {
                        launch: s.launch,
                        parent: from,
                    };
                    let indexed = self.config.routing == Routing::SuperPeer
                        && leaf_holds(ctx, to, object, s.source);
                    if indexed || ctx.content().holds(to, object) {
                        ctx.send(to, from, FloodMessage::Hit { slot, hops });
                        ctx.report().responded(query, to, QUERY_HIT_BYTES);
                        ctx.report().hit_served(to);
                        s.in_flight.sent(1);
                    }
                    self.reached(ctx, query, to);
                    let overlay = ctx.overlay();
                    let onward = match self.config.routing {
                        Routing::AllLinks => ttl > 1,
                        Routing::Ultrapeer { .. } | Routing::SuperPeer => overlay.is_ultrapeer(to),
                    };
                    let dynamic = matches!(self.config.launch, Launch::Dynamic(_));
                    if onward && dynamic && !overlay.is_ultrapeer(from) {
                        // A leaf's query: this ultrapeer searches for it dynamically.
                        self.start_dynamic(ctx, query, to, hops);
                    } else if onward {
                        let hops = hops.saturating_add(1);
                        self.forward(ctx, slot, to, Some(from), ttl - 1, hops, Only::Any);
                    }
                }
                slot
            }
            FloodMessage::Hit { slot, hops } => {
                let s = &mut self.slots[slot as usize];
                s.in_flight.landed();
                if let Launch::Dynamic(_) = self.config.launch {
                    let state = self.queries.get_mut(&s.query).expect("active query");
                    if let Some(q) = state.queriers.iter_mut().find(|q| q.node == to) {
                        q.results += 1;
                    }
                }
                if to == s.source {
                    ctx.deliver_hit(s.query, u32::from(hops));
                } else if ctx.online_since(to) > s.launched {
                    // The node left and came back since the query passed: it lost the
                    // reverse path.
                    ctx.report().hit_lost(s.query);
                } else {
                    let parent = s.marks[to as usize].parent;
                    ctx.send(to, parent, FloodMessage::Hit { slot, hops });
                    ctx.report().responded(s.query, to, QUERY_HIT_BYTES);
                    s.in_flight.sent(1);
                }
                slot
            }
        };
        self.release_if_done(slot);
    }

    #[inline]
    fn prefetch(&self, to: NodeId, msg: &FloodMessage, ahead: Ahead) -> Option<QueryId> {
        let (FloodMessage::Query { slot, .. } | FloodMessage::Hit { slot, .. }) = *msg;
        if ahead == Ahead::Far
            && let Some(s) = self.slots.get(slot as usize)
        {
            crate::hint::prefetch(&s.marks, to as usize);
        }
        None
    }

    #[inline]
    fn reads_neighbours(&self, msg: &FloodMessage) -> bool {
        match *msg {
            FloodMessage::Query { ttl, .. } => ttl > 1 || self.config.routing != Routing::AllLinks,
            FloodMessage::Hit { .. } => false,
        }
    }

    fn on_lost(
        &mut self,
        ctx: &mut Context<'_, Self>,
        _to: NodeId,
        _from: NodeId,
        msg: FloodMessage,
    ) {
        let slot = match msg {
            FloodMessage::Query { slot, .. } => slot,
            FloodMessage::Hit { slot, .. } => {
                ctx.report().hit_lost(self.slots[slot as usize].query);
                slot
            }
        };
        self.slots[slot as usize].in_flight.landed();
        self.release_if_done(slot);
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, source: NodeId, query: QueryId) {
        if let Launch::Dynamic(_) = self.config.launch {
            let slot = self.queries[&query].slot;
            self.slots[slot as usize].in_flight.landed();
            self.step(ctx, query, source);
            self.release_if_done(slot);
            return;
        }
        let state = self.queries.get_mut(&query).expect("active query");
        state.timer_pending = false;
        // A source that left meanwhile has abandoned the query.
        if ctx.hits(query) == 0 && ctx.source_active(query) {
            let object = ctx.query_object(query);
            self.launch(ctx, query, source, object);
        } else {
            self.finish_if_done(query);
        }
    }
}
