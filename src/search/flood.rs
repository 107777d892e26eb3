//! Flooding in rings: Gnutella 0.4 flooding, expanding rings, and Gnutella 0.6 ultrapeer
//! routing are one mechanism with parameters.
//!
//! A query is launched as one or more *rings*, each a TTL-bounded flood with its own GUID
//! (duplicates are detected per GUID). Plain flooding is a single ring; an expanding ring
//! launches the next, larger ring only if no hit has reached the source `wait` after the
//! previous one started. QueryHits travel back along the ring's reverse path, one message per
//! hop.
//!
//! Each ring in flight holds a *slot*: an array of per-node marks (which launch saw it and from
//! which neighbour). Marks are stamped with a launch number that is never reused, so slots are
//! recycled without clearing and nothing is allocated per message; a slot is released when the
//! ring's last message has landed.

use super::gnutella::{QUERY_BYTES, QUERY_HIT_BYTES};
use crate::content::ObjectId;
use crate::ids::IdMap;
use crate::sim::{Context, InFlight, MessageInfo, MessageKind, Protocol, QueryId};
use crate::time::{SimDuration, SimTime};
use crate::topology::NodeId;

/// Which links a node forwards a query over.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Routing {
    /// Gnutella 0.4: every link except the one it came in on.
    AllLinks,
    /// Gnutella 0.6 on a two-tier overlay: a leaf sends its own queries to its ultrapeers and
    /// never forwards; an ultrapeer forwards to its other ultrapeers while TTL > 1 and passes
    /// the query to a leaf only if the leaf's Query Routing table matches (modelled as exact
    /// membership: the leaf holds the object). The leaf hop does not consume mesh TTL.
    Ultrapeer,
}

/// How a flooding variant behaves.
#[derive(Clone, Debug, PartialEq)]
pub struct FloodConfig {
    /// TTL of each ring, in launch order (one ring: plain flooding).
    pub rings: Vec<u8>,
    /// How long to wait for a hit before launching the next ring.
    pub wait: SimDuration,
    /// Which links queries travel.
    pub routing: Routing,
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
}

/// The flooding protocol.
pub struct Flooding {
    config: FloodConfig,
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
        assert!(!config.rings.is_empty() && config.rings.iter().all(|&t| t >= 1));
        Flooding {
            config,
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
            FloodConfig {
                rings: vec![ttl],
                wait: SimDuration::ZERO,
                routing: Routing::AllLinks,
            },
            nodes,
        )
    }

    fn launch(
        &mut self,
        ctx: &mut Context<'_, Self>,
        query: QueryId,
        source: NodeId,
        object: ObjectId,
    ) {
        let state = self.queries.get_mut(&query).expect("active query");
        let ttl = self.config.rings[state.next_ring];
        state.next_ring += 1;
        state.open_rings += 1;
        if state.next_ring < self.config.rings.len() {
            state.timer_pending = true;
            ctx.set_timer(source, self.config.wait, query);
        }
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
        self.forward(ctx, index, source, None, ttl, 1);
        self.release_if_done(index);
    }

    /// Sends query copies from `node` (which received it from `except`, if anyone) with TTL
    /// `ttl` to the neighbours the routing picks.
    fn forward(
        &mut self,
        ctx: &mut Context<'_, Self>,
        slot: u32,
        node: NodeId,
        except: Option<NodeId>,
        ttl: u8,
        hops: u8,
    ) {
        let overlay = ctx.overlay();
        let content = ctx.content();
        let s = &mut self.slots[slot as usize];
        let routing = self.config.routing;
        let ultrapeer = overlay.is_ultrapeer(node);
        let mut sent = 0u32;
        for &next in ctx.neighbours(node) {
            if Some(next) == except {
                continue;
            }
            let send = match routing {
                Routing::AllLinks => ttl >= 1,
                Routing::Ultrapeer if !ultrapeer => node == s.source,
                Routing::Ultrapeer if overlay.is_ultrapeer(next) => ttl >= 1,
                Routing::Ultrapeer => content.holds(next, s.object),
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
        ctx.report().sent(s.query, sent, QUERY_BYTES);
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
        if self.config.rings.len() == 1 {
            // One ring: the ring's own marks already make every arrival here a first visit.
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
        let reach = (self.config.rings.len() > 1).then(|| {
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
            },
        );
        self.launch(ctx, query, source, object);
    }

    #[inline]
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
                    ctx.report().duplicate(query);
                } else {
                    *mark = Mark {
                        launch: s.launch,
                        parent: from,
                    };
                    if ctx.content().holds(to, object) {
                        ctx.send(to, from, FloodMessage::Hit { slot, hops });
                        ctx.report().responded(query, QUERY_HIT_BYTES);
                        s.in_flight.sent(1);
                    }
                    self.reached(ctx, query, to);
                    let onward = match self.config.routing {
                        Routing::AllLinks => ttl > 1,
                        Routing::Ultrapeer => ctx.overlay().is_ultrapeer(to),
                    };
                    if onward {
                        self.forward(ctx, slot, to, Some(from), ttl - 1, hops.saturating_add(1));
                    }
                }
                slot
            }
            FloodMessage::Hit { slot, hops } => {
                let s = &mut self.slots[slot as usize];
                s.in_flight.landed();
                if to == s.source {
                    ctx.deliver_hit(s.query, u32::from(hops));
                } else if ctx.online_since(to) > s.launched {
                    // The node left and came back since the query passed: it lost the
                    // reverse path.
                    ctx.report().hit_lost(s.query);
                } else {
                    let parent = s.marks[to as usize].parent;
                    ctx.send(to, parent, FloodMessage::Hit { slot, hops });
                    ctx.report().responded(s.query, QUERY_HIT_BYTES);
                    s.in_flight.sent(1);
                }
                slot
            }
        };
        self.release_if_done(slot);
    }

    #[inline]
    fn prefetch(&self, to: NodeId, msg: &FloodMessage) {
        let (FloodMessage::Query { slot, .. } | FloodMessage::Hit { slot, .. }) = *msg;
        if let Some(s) = self.slots.get(slot as usize) {
            crate::hint::prefetch(&s.marks, to as usize);
        }
    }

    #[inline]
    fn reads_neighbours(&self, msg: &FloodMessage) -> bool {
        match *msg {
            FloodMessage::Query { ttl, .. } => ttl > 1 || self.config.routing == Routing::Ultrapeer,
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
