//! Random walks with checking (Lv, Cao, Cohen, Li & Shenker, ICS 2002) and the degree-biased
//! walk of GIA (Chawathe et al., SIGCOMM 2003), as one mechanism with a step rule.
//!
//! The source sends `walkers` walkers. Each step is one request message to a neighbour chosen
//! by the [`StepRule`], never straight back to the node the walker came from unless that is
//! its only neighbour. A node holding the object sends a hit straight to the source (one
//! response message; `first_hit_hops` is the walker's step count) and that walker stops.
//! Every `check_every` steps a walker checks with the source (one response message) and stops
//! if the source already has a hit or has given up (the workload's timeout passed since it
//! issued the query, or it left), as a real client would; like Lv et al.'s step model, the
//! answer is taken to be known at once. A walker also stops after `ttl` steps.

use super::gnutella::{CHECK_BYTES, QUERY_BYTES, QUERY_HIT_BYTES};
use crate::content::ObjectId;
use crate::ids::{IdMap, IdSet};
use crate::rng::Sample;
use crate::sim::{Context, InFlight, MessageInfo, MessageKind, Protocol, QueryId};
use crate::topology::NodeId;

/// How a walker picks its next node.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum StepRule {
    /// Uniformly among the neighbours other than the previous node.
    Uniform,
    /// GIA-style: the highest-degree neighbour this query has not visited yet (ties broken
    /// uniformly at random); if every neighbour was visited, the highest-degree neighbour;
    /// never straight back unless it is the only neighbour.
    HighestDegree,
}

/// How a walk variant behaves.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WalkConfig {
    /// Walkers per query.
    pub walkers: u32,
    /// Most steps one walker takes.
    pub ttl: u32,
    /// Steps between check-ins with the source.
    pub check_every: u32,
    /// The step rule.
    pub rule: StepRule,
}

/// A message of the walk protocol.
#[derive(Copy, Clone, Debug)]
pub enum WalkMessage {
    /// A walker arriving after `steps` steps.
    Step {
        /// The query.
        query: QueryId,
        /// Steps taken so far, this one included.
        steps: u32,
    },
    /// A hit sent straight to the source.
    Hit {
        /// The query.
        query: QueryId,
        /// The walker's step count at the hit.
        steps: u32,
    },
}

struct QueryState {
    source: NodeId,
    object: ObjectId,
    satisfied: bool,
    in_flight: InFlight,
    visited: IdSet<NodeId>,
}

/// The walk protocol.
pub struct Walk {
    config: WalkConfig,
    /// Active queries only; looked up by id, never iterated.
    queries: IdMap<QueryId, QueryState>,
    candidates: Vec<NodeId>,
}

impl Walk {
    /// A walk protocol with the given configuration.
    pub fn new(config: WalkConfig) -> Self {
        assert!(config.walkers >= 1 && config.ttl >= 1 && config.check_every >= 1);
        Walk {
            config,
            queries: IdMap::default(),
            candidates: Vec::new(),
        }
    }

    /// Moves a walker from `node` (arrived from `prev`) one step further.
    fn step(
        &mut self,
        ctx: &mut Context<'_, Self>,
        query: QueryId,
        node: NodeId,
        prev: Option<NodeId>,
        steps: u32,
    ) {
        let neighbours = ctx.neighbours(node);
        if neighbours.is_empty() {
            return;
        }
        self.candidates.clear();
        self.candidates
            .extend(neighbours.iter().copied().filter(|&w| Some(w) != prev));
        if self.candidates.is_empty() {
            self.candidates
                .push(prev.expect("a lone neighbour is the previous node"));
        }
        let state = self.queries.get_mut(&query).expect("active query");
        if self.config.rule == StepRule::HighestDegree {
            if self.candidates.iter().any(|w| !state.visited.contains(w)) {
                self.candidates.retain(|w| !state.visited.contains(w));
            }
            let top = self
                .candidates
                .iter()
                .map(|&w| ctx.degree(w))
                .max()
                .unwrap_or(0);
            self.candidates.retain(|&w| ctx.degree(w) == top);
        }
        let next = self.candidates[ctx.rng().index(self.candidates.len() as u32) as usize];
        ctx.send(
            node,
            next,
            WalkMessage::Step {
                query,
                steps: steps + 1,
            },
        );
        ctx.report().sent(query, node, 1, QUERY_BYTES);
        state.in_flight.sent(1);
    }

    fn finish_if_done(&mut self, query: QueryId) {
        if self.queries[&query].in_flight.is_idle() {
            self.queries.remove(&query);
        }
    }
}

impl Protocol for Walk {
    type Message = WalkMessage;
    type Timer = ();

    fn query_of(&self, msg: &WalkMessage) -> Option<QueryId> {
        let (WalkMessage::Step { query, .. } | WalkMessage::Hit { query, .. }) = *msg;
        Some(query)
    }

    fn describe(&self, msg: &WalkMessage) -> MessageInfo {
        match *msg {
            WalkMessage::Step { steps, .. } => MessageInfo {
                kind: MessageKind::WalkerStep,
                ttl: Some(self.config.ttl.saturating_sub(steps)),
                hops: Some(steps),
            },
            WalkMessage::Hit { steps, .. } => MessageInfo {
                kind: MessageKind::Hit,
                ttl: None,
                hops: Some(steps),
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
        let mut visited = IdSet::<NodeId>::default();
        visited.insert(source);
        self.queries.insert(
            query,
            QueryState {
                source,
                object,
                satisfied: false,
                in_flight: InFlight::default(),
                visited,
            },
        );
        for _ in 0..self.config.walkers {
            self.step(ctx, query, source, None, 0);
        }
        self.finish_if_done(query);
    }

    fn on_message(
        &mut self,
        ctx: &mut Context<'_, Self>,
        to: NodeId,
        from: NodeId,
        msg: WalkMessage,
    ) {
        match msg {
            WalkMessage::Step { query, steps } => {
                let state = self.queries.get_mut(&query).expect("active query");
                state.in_flight.landed();
                if state.visited.insert(to) {
                    ctx.report().reached(query);
                } else {
                    ctx.report().duplicate(query, to);
                }
                if to != state.source && ctx.content().holds(to, state.object) {
                    ctx.send(to, state.source, WalkMessage::Hit { query, steps });
                    ctx.report().responded(query, to, QUERY_HIT_BYTES);
                    ctx.report().hit_served(to);
                    state.in_flight.sent(1);
                } else {
                    // A walker stops at a check-in once the source has a hit or has given
                    // up (its timeout passed, or it left).
                    let checked_out = steps.is_multiple_of(self.config.check_every) && {
                        ctx.report().responded(query, to, CHECK_BYTES);
                        state.satisfied || !ctx.source_waiting(query)
                    };
                    if !checked_out && steps < self.config.ttl {
                        self.step(ctx, query, to, Some(from), steps);
                    }
                }
                self.finish_if_done(query);
            }
            WalkMessage::Hit { query, steps } => {
                let state = self.queries.get_mut(&query).expect("active query");
                state.in_flight.landed();
                state.satisfied = true;
                ctx.deliver_hit(query, steps);
                self.finish_if_done(query);
            }
        }
    }

    fn on_lost(
        &mut self,
        ctx: &mut Context<'_, Self>,
        _to: NodeId,
        _from: NodeId,
        msg: WalkMessage,
    ) {
        let (WalkMessage::Step { query, .. } | WalkMessage::Hit { query, .. }) = msg;
        if let WalkMessage::Hit { .. } = msg {
            ctx.report().hit_lost(query);
        }
        self.queries
            .get_mut(&query)
            .expect("active query")
            .in_flight
            .landed();
        self.finish_if_done(query);
    }
}
