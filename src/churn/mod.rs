//! Churn: peers come and go, links break and heal.
//!
//! Churn is part of the world, not of a protocol: each replica's *plan* (every join, leave,
//! link and unlink, in time order) comes from the churn streams and is replayed by the engine
//! for every variant, so all variants face exactly the same network (common random numbers)
//! and a protocol can never change who is online. The changes are never stored: building the
//! world draws them once (to pick online query sources and average the overlay per window),
//! and each replay draws them again, identically, as the engine consumes them, so memory does
//! not grow with the length of the run.
//!
//! * **Sessions** ([`Lifetime`]): each node alternates online sessions and offline periods.
//!   It starts in the stationary state: online with probability E[S] / (E[S] + E[O]), with the
//!   residual of its current period drawn from the equilibrium distribution
//!   ([`lifetime`]). Lengths are rounded to whole microseconds, at least 1 µs.
//! * **Traces** ([`trace`]): online intervals replayed exactly.
//! * **Links without repair**: a link is an overlay edge whose two ends are both online. A
//!   leaving node's links drop at once, and a returning node gets back its edges to the
//!   neighbours that are online.
//! * **Links with repair** (`min_degree`, `max_degree`, `delay_ms`): a leaving node's links
//!   drop at its own end at once; each neighbour notices `delay_ms` later (until then it still
//!   lists the link, and messages sent over it are lost). A node with fewer than `min_degree`
//!   links (after noticing a loss, on joining, and at time zero) asks a host cache for online
//!   nodes, modelled as uniform draws from all online nodes, and connects to each candidate
//!   that has fewer than `max_degree` links until it has `min_degree`. Costs, counted as
//!   *maintenance messages*: 2 per candidate learned (Ping and Pong), plus 3 for an accepted
//!   connection (the Gnutella 0.6 handshake: CONNECT, 200 OK, 200 OK) or 2 for a refusal
//!   (CONNECT, 503 busy). A round tries at most 8 candidates per missing link; a node still
//!   short retries after 1 s, doubling up to 64 s while it keeps failing. Returning nodes
//!   connect to random nodes, not to their old neighbours.
//!
//! Sessions are drawn from the churn stream's sub-stream 0, repair choices from sub-stream 1,
//! so repair settings never change who is online when.

pub mod lifetime;
mod spec;
pub mod trace;

pub use crate::topology::{Change, OverlayState};
pub use lifetime::availability;
pub use spec::{Churn, Lifetime, Repair};

use crate::metrics::OverlayWindow;

use crate::error::Error;
use crate::rng::{Sample, SimRng, StreamKind, stream};
use crate::time::{SimDuration, SimTime};
use crate::topology::{NodeId, Overlay};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;
use trace::Trace;

/// A change and when it happens.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct TimedChange {
    /// When.
    pub time: SimTime,
    /// What.
    pub change: Change,
}

/// One replica's churn, replayed by every variant.
#[derive(Clone, Debug)]
pub struct ChurnPlan {
    /// Which nodes are online at time zero.
    pub initially_online: Vec<bool>,
    /// Most links repair gives a node (0 without repair).
    pub max_degree: u32,
    /// Every change after time zero's initial state, in time order.
    pub changes: Changes,
    /// Per `timeseries.csv` window from time zero to the plan's horizon.
    pub windows: Vec<OverlayWindow>,
}

/// Where a plan's changes come from.
#[derive(Clone, Debug)]
pub enum Changes {
    /// Drawn from a replica's churn streams up to `horizon` (inclusive), afresh on every
    /// replay.
    Drawn {
        /// The settings and streams to draw from.
        recipe: Recipe,
        /// The last instant drawn.
        horizon: SimTime,
    },
    /// An explicit list in time order (a plan built by hand).
    Listed(Vec<TimedChange>),
}

impl ChurnPlan {
    /// The live overlay at time zero, before any change.
    pub fn initial_state(&self, overlay: &Overlay) -> OverlayState {
        OverlayState::new(overlay, &self.initially_online, |_| self.max_degree)
    }

    /// The plan's changes in time order, drawn as they are consumed.
    pub fn replay<'a>(&'a self, overlay: &'a Overlay) -> Replay<'a> {
        Replay(match &self.changes {
            Changes::Drawn { recipe, horizon } => Source::Drawn {
                builder: Box::new(PlanBuilder::replay(recipe, overlay)),
                horizon: *horizon,
                next: 0,
            },
            Changes::Listed(list) => Source::Listed(list.iter()),
        })
    }
}

/// An iterator over a plan's changes; see [`ChurnPlan::replay`].
pub struct Replay<'a>(Source<'a>);

enum Source<'a> {
    Drawn {
        builder: Box<PlanBuilder<'a>>,
        horizon: SimTime,
        /// The next change to hand out from the builder's outbox.
        next: usize,
    },
    Listed(std::slice::Iter<'a, TimedChange>),
}

impl Iterator for Replay<'_> {
    type Item = TimedChange;

    fn next(&mut self) -> Option<TimedChange> {
        match &mut self.0 {
            Source::Listed(list) => list.next().copied(),
            Source::Drawn {
                builder,
                horizon,
                next,
            } => loop {
                if let Some(&change) = builder.outbox.get(*next) {
                    *next += 1;
                    return Some(change);
                }
                builder.outbox.clear();
                *next = 0;
                if !builder.step(*horizon) {
                    return None;
                }
            },
        }
    }
}

/// What a replica's churn is drawn from: its session laws or loaded trace, its repair rule,
/// its streams, and the width of the overlay's averaging windows.
#[derive(Clone, Debug)]
pub struct Recipe {
    seed: u64,
    replica: u32,
    presence: Presence,
    repair: Option<RepairRule>,
    window: SimDuration,
}

/// Who is online when: drawn sessions, or a trace replayed exactly.
#[derive(Clone, Debug)]
enum Presence {
    Sessions {
        session: Lifetime,
        offline: Lifetime,
    },
    Trace(Arc<Trace>),
}

impl Recipe {
    /// Replica `replica`'s churn under master seed `seed`, with overlay averages per `window`;
    /// `None` without churn. A trace (at `trace_file`, resolved by validation) is read and
    /// checked against `overlay` here.
    pub fn new(
        churn: &Churn,
        trace_file: Option<&std::path::Path>,
        seed: u64,
        overlay: &Overlay,
        replica: u32,
        window: SimDuration,
    ) -> Result<Option<Recipe>, Error> {
        let presence = match churn {
            Churn::None => return Ok(None),
            Churn::Sessions {
                session, offline, ..
            } => Presence::Sessions {
                session: *session,
                offline: *offline,
            },
            Churn::Trace { .. } => {
                let path = trace_file.expect("validated trace");
                Presence::Trace(Arc::new(trace::load(path, overlay)?))
            }
        };
        Ok(Some(Recipe {
            seed,
            replica,
            presence,
            repair: churn.repair().map(|r| RepairRule {
                min_degree: r.min_degree,
                max_degree: r.max_degree,
                delay: SimDuration::from_millis_f64(r.delay_ms),
            }),
            window,
        }))
    }
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Pending {
    Leave(NodeId),
    Join(NodeId),
    /// Neighbours of `node` notice that its session `session` ended.
    Notice {
        node: NodeId,
        session: u32,
    },
    /// `node` tries again to reach `min_degree` (if still in session `session`).
    Retry {
        node: NodeId,
        session: u32,
    },
}

#[derive(Copy, Clone, Debug)]
struct RepairRule {
    min_degree: u32,
    max_degree: u32,
    delay: SimDuration,
}

/// Draws a churn plan incrementally: the workload advances it to each query's issue time to
/// pick an online source, then [`PlanBuilder::finish`] completes it to the horizon. A replay
/// runs another builder over the same recipe, one pending transition at a time.
pub struct PlanBuilder<'a> {
    overlay: &'a Overlay,
    state: OverlayState,
    initially_online: Vec<bool>,
    sessions: Option<(Lifetime, Lifetime)>,
    session_rng: SimRng,
    repair: Option<RepairRule>,
    repair_rng: SimRng,
    pending: BinaryHeap<Reverse<(SimTime, u64, Pending)>>,
    next_seq: u64,
    session: Vec<u32>,
    stale: Vec<Vec<NodeId>>,
    failures: Vec<u8>,
    retry_pending: Vec<bool>,
    /// Changes emitted by the last step, not yet handed out.
    outbox: Vec<TimedChange>,
    /// Per-window overlay averages, kept while building the world only.
    windows: Option<WindowMeter>,
    now: SimTime,
}

impl<'a> PlanBuilder<'a> {
    /// Starts drawing `recipe`'s plan on `overlay`, averaging the overlay per window.
    pub fn new(recipe: &Recipe, overlay: &'a Overlay) -> Self {
        Self::start(recipe, overlay, Some(WindowMeter::new(recipe.window)))
    }

    /// Starts drawing `recipe`'s plan again for a replay (the windows are already known).
    fn replay(recipe: &Recipe, overlay: &'a Overlay) -> Self {
        Self::start(recipe, overlay, None)
    }

    fn start(recipe: &Recipe, overlay: &'a Overlay, windows: Option<WindowMeter>) -> Self {
        let n = overlay.node_count();
        let mut session_rng = stream(recipe.seed, recipe.replica, StreamKind::Churn, 0);
        let (initially_online, transitions, sessions) = match &recipe.presence {
            &Presence::Sessions { session, offline } => {
                let p = availability(&session, &offline);
                let mut online = Vec::with_capacity(n as usize);
                let mut first = Vec::with_capacity(n as usize);
                for v in 0..n {
                    let up = session_rng.chance(p);
                    let law = if up { session } else { offline };
                    let at = SimTime::ZERO + duration(law.sample_residual(&mut session_rng));
                    online.push(up);
                    first.push((
                        at,
                        if up {
                            Pending::Leave(v)
                        } else {
                            Pending::Join(v)
                        },
                    ));
                }
                (online, first, Some((session, offline)))
            }
            Presence::Trace(t) => {
                let transitions = t
                    .transitions
                    .iter()
                    .map(|&(at, v, up)| {
                        (
                            at,
                            if up {
                                Pending::Join(v)
                            } else {
                                Pending::Leave(v)
                            },
                        )
                    })
                    .collect();
                (t.initially_online.clone(), transitions, None)
            }
        };
        let repair = recipe.repair;
        let max_degree = repair.map_or(0, |r| r.max_degree);
        let state = OverlayState::new(overlay, &initially_online, |_| max_degree);
        let mut b = PlanBuilder {
            overlay,
            state,
            initially_online,
            sessions,
            session_rng,
            repair,
            repair_rng: stream(recipe.seed, recipe.replica, StreamKind::Churn, 1),
            pending: BinaryHeap::new(),
            next_seq: 0,
            session: vec![0; n as usize],
            stale: vec![Vec::new(); n as usize],
            failures: vec![0; n as usize],
            retry_pending: vec![false; n as usize],
            outbox: Vec::new(),
            windows,
            now: SimTime::ZERO,
        };
        for (at, what) in transitions {
            b.schedule(at, what);
        }
        if b.repair.is_some() {
            for v in 0..n {
                b.repair_if_short(v);
            }
        }
        b
    }

    /// The live overlay as of the last [`PlanBuilder::advance_to`].
    pub fn state(&self) -> &OverlayState {
        &self.state
    }

    /// Applies every change up to and including time `t` (and forgets them).
    pub fn advance_to(&mut self, t: SimTime) {
        self.outbox.clear();
        while self.step(t) {
            self.outbox.clear();
        }
    }

    /// Handles the next pending transition if it is due by `limit`, leaving its changes in the
    /// outbox; false when none is.
    fn step(&mut self, limit: SimTime) -> bool {
        match self.pending.peek() {
            Some(&Reverse((at, _, what))) if at <= limit => {
                self.pending.pop();
                self.now = at;
                self.handle(what);
                true
            }
            _ => false,
        }
    }

    /// Completes the plan up to `horizon` (inclusive); replays draw it again from `recipe`.
    pub fn finish(mut self, horizon: SimTime, recipe: Recipe) -> ChurnPlan {
        self.advance_to(horizon);
        let windows = self
            .windows
            .take()
            .map_or_else(Vec::new, |w| w.finish(horizon, &self.state));
        ChurnPlan {
            initially_online: self.initially_online,
            max_degree: self.repair.map_or(0, |r| r.max_degree),
            changes: Changes::Drawn { recipe, horizon },
            windows,
        }
    }

    fn schedule(&mut self, at: SimTime, what: Pending) {
        self.pending.push(Reverse((at, self.next_seq, what)));
        self.next_seq += 1;
    }

    fn emit(&mut self, change: Change) {
        if let Some(windows) = &mut self.windows {
            windows.advance(self.now, &self.state);
        }
        self.state.apply(self.now, change);
        self.outbox.push(TimedChange {
            time: self.now,
            change,
        });
    }

    fn handle(&mut self, what: Pending) {
        match what {
            Pending::Leave(v) => self.leave(v),
            Pending::Join(v) => self.join(v),
            Pending::Notice { node, session } => {
                if self.session[node as usize] == session {
                    self.notice(node);
                }
            }
            Pending::Retry { node, session } => {
                if self.state.is_online(node) && self.session[node as usize] == session {
                    self.retry_pending[node as usize] = false;
                    self.repair_if_short(node);
                }
            }
        }
    }

    fn leave(&mut self, v: NodeId) {
        let holders = self.state.neighbours(v).to_vec();
        self.emit(Change::Leave(v));
        self.stale[v as usize] = holders;
        match self.repair {
            Some(r) if r.delay > SimDuration::ZERO => {
                let session = self.session[v as usize];
                self.schedule(self.now + r.delay, Pending::Notice { node: v, session });
            }
            _ => self.notice(v),
        }
        if let Some((_, offline)) = self.sessions {
            let at = self.now + duration(offline.sample(&mut self.session_rng));
            self.schedule(at, Pending::Join(v));
        }
    }

    /// The nodes still listing `v` drop it, then repair themselves.
    fn notice(&mut self, v: NodeId) {
        let holders = std::mem::take(&mut self.stale[v as usize]);
        for &m in &holders {
            if self.state.is_online(m) && self.state.has_link(m, v) {
                self.emit(Change::Unlink(m, v));
            }
        }
        for &m in &holders {
            self.repair_if_short(m);
        }
    }

    fn join(&mut self, v: NodeId) {
        // Whoever has not yet noticed the last departure notices now.
        self.notice(v);
        self.session[v as usize] += 1;
        self.emit(Change::Join(v));
        if self.repair.is_some() {
            self.failures[v as usize] = 0;
            self.repair_if_short(v);
        } else {
            for &w in self.overlay.neighbours(v) {
                if self.state.is_online(w) {
                    self.emit(Change::Link(v, w));
                    self.emit(Change::Link(w, v));
                }
            }
        }
        if let Some((session, _)) = self.sessions {
            let at = self.now + duration(session.sample(&mut self.session_rng));
            self.schedule(at, Pending::Leave(v));
        }
    }

    fn repair_if_short(&mut self, v: NodeId) {
        let Some(rule) = self.repair else { return };
        if !self.state.is_online(v) || self.state.degree(v) >= rule.min_degree {
            return;
        }
        let budget = 8 * (rule.min_degree - self.state.degree(v));
        let mut messages = 0u64;
        for _ in 0..budget {
            if self.state.degree(v) >= rule.min_degree {
                break;
            }
            let online = self.state.online_nodes();
            let c = online[self.repair_rng.index(online.len() as u32) as usize];
            messages += 2; // Ping and Pong
            if c == v || self.state.has_link(v, c) || self.state.has_link(c, v) {
                continue;
            }
            if self.state.degree(c) >= rule.max_degree {
                messages += 2; // CONNECT, 503 busy
                continue;
            }
            messages += 3; // CONNECT, 200 OK, 200 OK
            self.emit(Change::Link(v, c));
            self.emit(Change::Link(c, v));
        }
        if let Some(windows) = &mut self.windows {
            windows.maintenance(self.now, messages);
        }
        if self.state.degree(v) < rule.min_degree {
            let k = self.failures[v as usize].min(6);
            self.failures[v as usize] = k + 1;
            if !self.retry_pending[v as usize] {
                self.retry_pending[v as usize] = true;
                let session = self.session[v as usize];
                let at = self.now + SimDuration::from_secs_f64(f64::from(1u32 << k));
                self.schedule(at, Pending::Retry { node: v, session });
            }
        } else {
            self.failures[v as usize] = 0;
        }
    }
}

/// A period of `seconds`, rounded to whole microseconds, at least 1 µs.
fn duration(seconds: f64) -> SimDuration {
    SimDuration::from_secs_f64(seconds).max(SimDuration(1))
}

/// Integrates online nodes and links over time into fixed windows.
struct WindowMeter {
    width: u64,
    last: SimTime,
    online_area: Vec<f64>,
    link_area: Vec<f64>,
    maintenance: Vec<u64>,
}

impl WindowMeter {
    fn new(width: SimDuration) -> Self {
        WindowMeter {
            width: width.micros().max(1),
            last: SimTime::ZERO,
            online_area: Vec::new(),
            link_area: Vec::new(),
            maintenance: Vec::new(),
        }
    }

    fn grow(&mut self, window: usize) {
        if self.online_area.len() <= window {
            self.online_area.resize(window + 1, 0.0);
            self.link_area.resize(window + 1, 0.0);
            self.maintenance.resize(window + 1, 0);
        }
    }

    /// Accumulates the state held since the last call up to `t`.
    fn advance(&mut self, t: SimTime, state: &OverlayState) {
        let online = state.online_nodes().len() as f64;
        let links = state.total_links() as f64;
        let mut from = self.last.micros();
        let to = t.micros();
        while from < to {
            let w = from / self.width;
            let end = ((w + 1) * self.width).min(to);
            self.grow(w as usize);
            let span = (end - from) as f64;
            self.online_area[w as usize] += online * span;
            self.link_area[w as usize] += links * span;
            from = end;
        }
        self.last = self.last.max(t);
    }

    fn maintenance(&mut self, t: SimTime, messages: u64) {
        let w = (t.micros() / self.width) as usize;
        self.grow(w);
        self.maintenance[w] += messages;
    }

    fn finish(mut self, horizon: SimTime, state: &OverlayState) -> Vec<OverlayWindow> {
        self.advance(horizon, state);
        let windows = (horizon.micros() / self.width + 1) as usize;
        self.grow(windows - 1);
        (0..windows)
            .map(|w| {
                let start = w as u64 * self.width;
                let span =
                    ((w as u64 + 1) * self.width).min(horizon.micros()) as f64 - start as f64;
                let online = if span > 0.0 {
                    self.online_area[w] / span
                } else {
                    state.online_nodes().len() as f64
                };
                let mean_degree = if self.online_area[w] > 0.0 {
                    self.link_area[w] / self.online_area[w]
                } else if state.online_nodes().is_empty() {
                    0.0
                } else {
                    state.total_links() as f64 / state.online_nodes().len() as f64
                };
                OverlayWindow {
                    online_nodes: online,
                    mean_degree,
                    maintenance_messages: self.maintenance[w],
                }
            })
            .collect()
    }
}
