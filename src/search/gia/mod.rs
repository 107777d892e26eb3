//! GIA (Chawathe, Ratnasamy, Breslau, Lanham & Shenker, "Making Gnutella-like P2P Systems
//! Scalable", SIGCOMM 2003): four mechanisms on top of node capacities, each switchable.
//!
//! 1. **Topology adaptation.** A node's satisfaction is
//!    S = min(1, Σ_{n ∈ nbrs} C_n / deg_n / C_self), 0 below `min_nbrs` neighbours and 1 at its
//!    own neighbour limit max(min_nbrs, min(max_nbrs, C / (min_alloc · unit))), where the unit
//!    is the slowest rate in the world. While S < 1 a node tries to add a neighbour every
//!    T·K^−(1−S) s (T = `adapt_interval_s`, K = `aggressiveness`): from a host cache of
//!    `host_cache` random online nodes it asks the one of highest capacity if that exceeds its
//!    own, else a random one. The asked node X accepts Y if it has room; otherwise among its
//!    neighbours of capacity at most C_Y it takes the one of highest degree, Z, and drops Z for
//!    Y if C_Y exceeds every neighbour's capacity or deg(Z) > deg(Y) + H (`hysteresis`); else
//!    it refuses (Algorithm 1 of the paper). A request and its answer are two maintenance
//!    messages, a drop notice one more, and each new link exchanges two content indexes.
//!    The handshake is decided at once (its messages are counted, not queued). Before the first
//!    query the nodes adapt in rounds, in node order, until no link changes (at most
//!    [`WARMUP_ROUNDS`]), as if the network had been running; then each node keeps adapting
//!    on its own timer.
//! 2. **Active flow control.** A node sends a query to a neighbour only with a token from it.
//!    Each node hands out tokens at its own processing rate, split in proportion to capacity
//!    among the neighbours that want them (those that spent one of its tokens in the last
//!    [`ACTIVE_WINDOW`], 15 s, and the one asking), so shares unused by idle neighbours go to
//!    active ones, as the paper's start-time fair queueing does; the sender's bucket for that
//!    neighbour holds at most
//!    `token_bucket` tokens (full at the start; grants are piggybacked, not counted). A query
//!    with no token to use waits at the node, first come first served, until a token arrives
//!    (one timer per node, for the first waiting query's first token).
//! 3. **One-hop replication.** A node answers for its own content and its current
//!    neighbours': it keeps an index of its neighbours' objects, updated whenever a link forms
//!    or breaks, so the index is never stale.
//! 4. **Biased random walk.** One walker per query goes to the highest-capacity neighbour it
//!    holds a token for, avoiding neighbours this node already sent the query to or received
//!    it from (when all were used, the node forgets and starts again; ties go to the lower
//!    node id). A node with matches sends one hit
//!    straight to the source; the walk stops after `max_responses` matches, after `ttl`
//!    steps, or when the source has given up (its timeout passed, or it left).
//!
//! Switching a mechanism off: no adaptation keeps the world's overlay; no flow control
//! forwards without tokens; no one-hop replication answers for own content only; no bias
//! picks uniformly among the neighbours allowed.
//!
//! Under churn a node that leaves loses its links at once (GIA's keep-alives are taken to
//! notice at once), and a node that returns starts with none and adapts.

use super::gnutella::{QUERY_BYTES, QUERY_HIT_BYTES};
use crate::capacity::Capacities;
use crate::content::{Content, ObjectId};
use crate::hint;
use crate::rng::Sample;
use crate::sim::{Ahead, Context, InFlight, MessageInfo, MessageKind, Protocol, QueryId};
use crate::time::{SimDuration, SimTime};
use crate::topology::{NodeId, Overlay};
use std::collections::VecDeque;
use trail::Trail;

mod trail;

/// Most rounds of adaptation before the first query.
pub const WARMUP_ROUNDS: u32 = 100;

/// A neighbour that spent none of a node's tokens for this long leaves its token split.
pub const ACTIVE_WINDOW: SimDuration = SimDuration(15_000_000);

/// GIA's parameters, named after the paper.
#[derive(Clone, Debug, PartialEq)]
pub struct GiaConfig {
    /// Most steps of a walk.
    pub ttl: u32,
    /// Matches after which the walk stops.
    pub max_responses: u32,
    /// Fewest neighbours a node is satisfied with.
    pub min_nbrs: u32,
    /// Most neighbours any node takes.
    pub max_nbrs: u32,
    /// Capacity units per neighbour: a node takes at most C / min_alloc neighbours.
    pub min_alloc: f64,
    /// T: the adaptation interval of a satisfied node.
    pub adapt_interval: SimDuration,
    /// K: how much faster an unsatisfied node adapts (interval T·K^−(1−S)).
    pub aggressiveness: f64,
    /// H: degree margin before a full node drops a neighbour for a newcomer.
    pub hysteresis: u32,
    /// Candidates a node learns of per adaptation attempt.
    pub host_cache: u32,
    /// Most tokens a node holds from one neighbour.
    pub token_bucket: f64,
    /// Mechanism 1.
    pub topology_adaptation: bool,
    /// Mechanism 2.
    pub flow_control: bool,
    /// Mechanism 3.
    pub one_hop_replication: bool,
    /// Mechanism 4.
    pub biased_walk: bool,
}

/// A GIA message.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum GiaMessage {
    /// The walker, after `hops` steps, with `found` matches so far.
    Walk {
        /// The query's slot in the protocol's table of walks.
        slot: u32,
        /// Steps so far, this one included.
        hops: u32,
        /// Matches found so far.
        found: u32,
    },
    /// A hit sent straight to the source by a node `hops` steps out.
    Hit {
        /// The query's slot.
        slot: u32,
        /// The responder's step count.
        hops: u32,
    },
}

/// GIA's timers.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum GiaTimer {
    /// The node's next adaptation attempt.
    Adapt,
    /// The first token the node's first parked walker waits for is due.
    Token,
}

/// A walker parked at a node until a token arrives.
#[derive(Copy, Clone, Debug)]
struct Parked {
    slot: u32,
    hops: u32,
    found: u32,
}

/// A token timer's delay for a wait of `secs` seconds (at least a microsecond).
fn token_delay(secs: f64) -> SimDuration {
    SimDuration::from_secs_f64(secs).max(SimDuration(1))
}

/// Where a walker goes next.
enum Choice {
    /// Over this link.
    Send(usize),
    /// Nowhere yet: the first token arrives in this many seconds.
    Wait(f64),
    /// Nowhere: no neighbour will ever grant a token.
    Stuck,
}

/// A link as one end sees it: the peer and the tokens this end holds from it.
#[derive(Copy, Clone, Debug)]
struct Link {
    peer: NodeId,
    tokens: f64,
    since: SimTime,
    /// Whether this end is counted among the peer's requesters (`requesting`).
    counted: bool,
    /// When this end last spent a token from the peer.
    asked: SimTime,
}

struct QueryState {
    query: QueryId,
    source: NodeId,
    object: ObjectId,
    in_flight: InFlight,
    /// Where the walk has been.
    trail: Trail,
}

/// The query id of a free slot.
const FREE: QueryId = QueryId::MAX;

/// Capacity order of links: higher rate first, then lower node id.
fn by_capacity(rate: &[f64], a: NodeId, b: NodeId) -> std::cmp::Ordering {
    rate[b as usize]
        .total_cmp(&rate[a as usize])
        .then(a.cmp(&b))
}

/// The GIA protocol.
pub struct Gia {
    config: GiaConfig,
    /// Processing rate per node, messages per second.
    rate: Vec<f64>,
    /// Capacity in units of the slowest node.
    units: Vec<f64>,
    limit: Vec<u32>,
    links: Vec<Vec<Link>>,
    /// Σ of the rates of each node's requesters: the neighbours that spent one of its tokens in
    /// the last [`ACTIVE_WINDOW`] (its token split).
    requesting: Vec<f64>,
    /// When each node last dropped its stale requester marks.
    expired: Vec<SimTime>,
    adapting: Vec<bool>,
    /// Walkers waiting at each node for a token, first come first served.
    parked: Vec<VecDeque<Parked>>,
    /// Whether a node has a token timer pending.
    token_timer: Vec<bool>,
    /// The walks in flight, by slot (a message names its walk's slot, so no lookup by
    /// query id); free slots are reused.
    slots: Vec<QueryState>,
    free: Vec<u32>,
    /// Scratch: the host cache of one adaptation attempt.
    cache: Vec<NodeId>,
    /// Scratch: the neighbours a node used for the walk it forwards.
    used: Vec<NodeId>,
    /// With one-hop replication, each node's objects, by node (`objects[offsets[v]..]`)...
    offsets: Vec<u32>,
    objects: Vec<ObjectId>,
    /// ...and its index of its neighbours' objects: sorted, one entry per neighbour holding
    /// the object.
    index: Vec<Vec<ObjectId>>,
}

impl Gia {
    /// GIA on `overlay` (the starting topology) with node `capacities` and `content`.
    pub fn new(
        config: GiaConfig,
        overlay: &Overlay,
        capacities: &Capacities,
        content: &Content,
    ) -> Self {
        let n = overlay.node_count();
        let rate: Vec<f64> = (0..n).map(|v| capacities.rate(v)).collect();
        let slowest = rate.iter().copied().fold(f64::INFINITY, f64::min);
        let units: Vec<f64> = rate.iter().map(|r| r / slowest).collect();
        let limit = units
            .iter()
            .map(|c| {
                let by_capacity = (c / config.min_alloc)
                    .floor()
                    .min(f64::from(config.max_nbrs));
                (by_capacity as u32).max(config.min_nbrs)
            })
            .collect();
        let links: Vec<Vec<Link>> = (0..n)
            .map(|v| {
                let mut row: Vec<Link> = overlay
                    .neighbours(v)
                    .iter()
                    .map(|&peer| Link {
                        peer,
                        tokens: config.token_bucket,
                        since: SimTime::ZERO,
                        counted: false,
                        asked: SimTime::ZERO,
                    })
                    .collect();
                row.sort_by(|a, b| by_capacity(&rate, a.peer, b.peer));
                row
            })
            .collect();
        let mut gia = Gia {
            config,
            rate,
            units,
            limit,
            links,
            requesting: vec![0.0; n as usize],
            expired: vec![SimTime::ZERO; n as usize],
            adapting: vec![false; n as usize],
            parked: vec![VecDeque::new(); n as usize],
            token_timer: vec![false; n as usize],
            slots: Vec::new(),
            free: Vec::new(),
            cache: Vec::new(),
            used: Vec::new(),
            offsets: Vec::new(),
            objects: Vec::new(),
            index: Vec::new(),
        };
        if gia.config.one_hop_replication {
            gia.build_index(n, content);
        }
        gia
    }

    /// Lists each node's objects and indexes every node's neighbours' objects.
    fn build_index(&mut self, n: u32, content: &Content) {
        let mut pairs: Vec<(NodeId, ObjectId)> = (0..content.objects())
            .flat_map(|o| content.holders(o).iter().map(move |&h| (h, o)))
            .collect();
        pairs.sort_unstable();
        self.offsets = vec![0; n as usize + 1];
        for &(h, _) in &pairs {
            self.offsets[h as usize + 1] += 1;
        }
        for v in 0..n as usize {
            self.offsets[v + 1] += self.offsets[v];
        }
        self.objects = pairs.into_iter().map(|(_, o)| o).collect();
        self.index = (0..n)
            .map(|v| {
                let mut index: Vec<ObjectId> = self
                    .neighbours(v)
                    .flat_map(|p| self.objects_of(p).iter().copied())
                    .collect();
                index.sort_unstable();
                index
            })
            .collect();
    }

    /// The objects node `v` holds.
    fn objects_of(&self, v: NodeId) -> &[ObjectId] {
        &self.objects[self.offsets[v as usize] as usize..self.offsets[v as usize + 1] as usize]
    }

    /// Enters `peer`'s objects into `v`'s index (`add`), or takes them out.
    fn reindex(&mut self, v: NodeId, peer: NodeId, add: bool) {
        if !self.config.one_hop_replication {
            return;
        }
        let (start, end) = (
            self.offsets[peer as usize] as usize,
            self.offsets[peer as usize + 1] as usize,
        );
        let index = &mut self.index[v as usize];
        for &o in &self.objects[start..end] {
            let at = index.partition_point(|&x| x < o);
            if add {
                index.insert(at, o);
            } else {
                debug_assert_eq!(index.get(at), Some(&o), "indexed object");
                index.remove(at);
            }
        }
    }

    /// Bytes one walk of `steps` steps holds while in flight, about: its slot and its trail.
    pub fn walk_bytes(steps: f64) -> f64 {
        std::mem::size_of::<QueryState>() as f64 + Trail::bytes(steps)
    }

    /// Node `v`'s current neighbours.
    pub fn neighbours(&self, v: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        self.links[v as usize].iter().map(|l| l.peer)
    }

    fn degree(&self, v: NodeId) -> u32 {
        self.links[v as usize].len() as u32
    }

    /// Node `v`'s satisfaction level S in [0, 1].
    pub fn satisfaction(&self, v: NodeId) -> f64 {
        let deg = self.degree(v);
        if deg < self.config.min_nbrs {
            return 0.0;
        }
        if deg >= self.limit[v as usize] {
            return 1.0;
        }
        let total: f64 = self
            .neighbours(v)
            .map(|n| self.units[n as usize] / f64::from(self.degree(n).max(1)))
            .sum();
        (total / self.units[v as usize]).min(1.0)
    }

    fn interval(&self, v: NodeId) -> SimDuration {
        let s = self.satisfaction(v);
        let t = self.config.adapt_interval.micros() as f64
            * self.config.aggressiveness.powf(-(1.0 - s));
        SimDuration((t as u64).max(1))
    }

    fn link(&mut self, a: NodeId, b: NodeId, now: SimTime) {
        for (x, y) in [(a, b), (b, a)] {
            let row = &self.links[x as usize];
            let at = row.partition_point(|l| by_capacity(&self.rate, l.peer, y).is_lt());
            self.links[x as usize].insert(
                at,
                Link {
                    peer: y,
                    tokens: self.config.token_bucket,
                    since: now,
                    counted: false,
                    asked: now,
                },
            );
            self.reindex(x, y, true);
        }
    }

    fn unlink(&mut self, a: NodeId, b: NodeId) {
        for (x, y) in [(a, b), (b, a)] {
            let row = &mut self.links[x as usize];
            if let Some(i) = row.iter().position(|l| l.peer == y) {
                // Keep the row in capacity order: remove, not swap_remove.
                if row.remove(i).counted {
                    self.requesting[y as usize] -= self.rate[x as usize];
                }
                self.reindex(x, y, false);
            }
        }
    }

    /// Whether `a` and `b` are linked: the shorter of their two rows is scanned.
    fn linked(&self, a: NodeId, b: NodeId) -> bool {
        let (ra, rb) = (&self.links[a as usize], &self.links[b as usize]);
        if ra.len() <= rb.len() {
            ra.iter().any(|l| l.peer == b)
        } else {
            rb.iter().any(|l| l.peer == a)
        }
    }

    /// X's answer to Y's request (Algorithm 1): `Ok(None)` accept with room, `Ok(Some(z))`
    /// accept by dropping Z, `Err(())` refuse.
    fn decide(&self, x: NodeId, y: NodeId) -> Result<Option<NodeId>, ()> {
        if self.degree(x) < self.limit[x as usize] {
            return Ok(None);
        }
        let cy = self.units[y as usize];
        let mut best: Option<NodeId> = None;
        let mut highest = 0.0f64;
        for n in self.neighbours(x) {
            let c = self.units[n as usize];
            highest = highest.max(c);
            if c <= cy && best.is_none_or(|b| self.degree(n) > self.degree(b)) {
                best = Some(n);
            }
        }
        let z = best.ok_or(())?;
        if cy > highest || self.degree(z) > self.degree(y) + self.config.hysteresis {
            Ok(Some(z))
        } else {
            Err(())
        }
    }

    /// One adaptation attempt of `v`; returns whether a link changed.
    fn adapt(&mut self, ctx: &mut Context<'_, Self>, v: NodeId) -> bool {
        if self.satisfaction(v) >= 1.0 {
            return false;
        }
        let n = self.rate.len() as u32;
        let mut best: Option<NodeId> = None;
        let mut any = std::mem::take(&mut self.cache);
        any.clear();
        for _ in 0..self.config.host_cache {
            let c = ctx.rng().index(n);
            if c == v || !ctx.is_online(c) || self.linked(v, c) {
                continue;
            }
            any.push(c);
            if best.is_none_or(|b| self.rate[c as usize] > self.rate[b as usize]) {
                best = Some(c);
            }
        }
        let candidate = best.map(|best| {
            if self.rate[best as usize] > self.rate[v as usize] {
                best
            } else {
                any[ctx.rng().index(any.len() as u32) as usize]
            }
        });
        self.cache = any;
        let Some(candidate) = candidate else {
            return false;
        };
        ctx.maintenance(2);
        match self.decide(candidate, v) {
            Err(()) => false,
            Ok(drop) => {
                if let Some(z) = drop {
                    self.unlink(candidate, z);
                    ctx.maintenance(1);
                    self.wake(ctx, z);
                }
                let now = ctx.now();
                self.link(v, candidate, now);
                ctx.maintenance(2);
                true
            }
        }
    }

    /// Makes sure online node `v` has an adaptation timer pending.
    fn wake(&mut self, ctx: &mut Context<'_, Self>, v: NodeId) {
        if self.config.topology_adaptation && !self.adapting[v as usize] && ctx.is_online(v) {
            self.adapting[v as usize] = true;
            let delay = self.interval(v);
            ctx.set_timer(v, delay, GiaTimer::Adapt);
        }
    }

    /// The tokens `v` holds from its `i`-th neighbour now (refilled at the neighbour's current
    /// grant rate since the bucket was last used).
    fn tokens(&self, v: NodeId, i: usize, now: SimTime) -> f64 {
        let l = &self.links[v as usize][i];
        let rate = self.grant_rate(l.peer, v, l.counted);
        let elapsed = now.since(l.since).micros() as f64 / 1e6;
        (l.tokens + rate * elapsed).min(self.config.token_bucket)
    }

    /// Tokens per second `from` grants `to`: its rate split by capacity among its requesters
    /// (`to` among them, whether or not it is `counted` yet), so that shares unused by idle
    /// neighbours go to the active ones, as start-time fair queueing would.
    fn grant_rate(&self, from: NodeId, to: NodeId, counted: bool) -> f64 {
        let mine = self.rate[to as usize];
        let total = self.requesting[from as usize].max(0.0) + if counted { 0.0 } else { mine };
        if total > 0.0 {
            self.rate[from as usize] * mine / total
        } else {
            0.0
        }
    }

    /// Drops `v`'s marks as a requester of neighbours it has not asked for
    /// [`ACTIVE_WINDOW`] (at most every half window).
    fn expire(&mut self, v: NodeId, now: SimTime) {
        if now.since(self.expired[v as usize]).micros() < ACTIVE_WINDOW.micros() / 2 {
            return;
        }
        self.expired[v as usize] = now;
        let mine = self.rate[v as usize];
        for l in &mut self.links[v as usize] {
            if l.counted && now.since(l.asked) > ACTIVE_WINDOW {
                l.counted = false;
                self.requesting[l.peer as usize] -= mine;
            }
        }
    }

    /// Whether query `q`'s walker may still move after `hops` steps: within `ttl`, and its
    /// source still waiting (not timed out, not gone).
    fn alive(&self, ctx: &Context<'_, Self>, q: u32, hops: u32) -> bool {
        hops < self.config.ttl && ctx.source_waiting(self.slots[q as usize].query)
    }

    /// Moves the walker of the query in slot `q` on from `v`, or parks it behind the walkers
    /// already waiting there for a token.
    fn forward(&mut self, ctx: &mut Context<'_, Self>, v: NodeId, q: u32, hops: u32, found: u32) {
        if !self.alive(ctx, q, hops) || self.links[v as usize].is_empty() {
            return;
        }
        let walker = Parked {
            slot: q,
            hops,
            found,
        };
        if !self.parked[v as usize].is_empty() {
            self.park(v, walker);
            return;
        }
        let now = ctx.now();
        match self.choose(ctx, v, q, now) {
            Choice::Send(i) => self.send_walk(ctx, v, walker, i),
            Choice::Wait(wait) => {
                self.park(v, walker);
                self.token_timer[v as usize] = true;
                ctx.set_timer(v, token_delay(wait), GiaTimer::Token);
            }
            Choice::Stuck => {}
        }
    }

    fn park(&mut self, v: NodeId, walker: Parked) {
        self.parked[v as usize].push_back(walker);
        self.slots[walker.slot as usize].in_flight.sent(1);
    }

    /// A token is due at `v`: its parked walkers leave in order while tokens allow; the first
    /// that must still wait sets the next timer.
    fn drain(&mut self, ctx: &mut Context<'_, Self>, v: NodeId) {
        self.token_timer[v as usize] = false;
        let now = ctx.now();
        while let Some(&walker) = self.parked[v as usize].front() {
            let q = walker.slot;
            let choice = if ctx.is_online(v) && self.alive(ctx, q, walker.hops) {
                self.choose(ctx, v, q, now)
            } else {
                Choice::Stuck
            };
            if let Choice::Wait(wait) = choice {
                self.token_timer[v as usize] = true;
                ctx.set_timer(v, token_delay(wait), GiaTimer::Token);
                return;
            }
            self.parked[v as usize].pop_front();
            self.slots[q as usize].in_flight.landed();
            if let Choice::Send(i) = choice {
                self.send_walk(ctx, v, walker, i);
            }
            self.finish_if_done(q);
        }
    }

    /// Sends `walker` from `v` over its `i`-th link, spending a token.
    fn send_walk(&mut self, ctx: &mut Context<'_, Self>, v: NodeId, walker: Parked, i: usize) {
        let now = ctx.now();
        let tokens = self.tokens(v, i, now);
        let mine = self.rate[v as usize];
        let link = &mut self.links[v as usize][i];
        if self.config.flow_control {
            link.tokens = tokens - 1.0;
            link.since = now;
            link.asked = now;
            if !link.counted {
                link.counted = true;
                self.requesting[link.peer as usize] += mine;
            }
        }
        let to = link.peer;
        let q = walker.slot;
        let state = &mut self.slots[q as usize];
        state.trail.step(v, to);
        state.in_flight.sent(1);
        let query = state.query;
        ctx.send(
            v,
            to,
            GiaMessage::Walk {
                slot: q,
                hops: walker.hops + 1,
                found: walker.found,
            },
        );
        ctx.report().sent(query, v, 1, QUERY_BYTES);
    }

    /// Where `v` sends query `q` next. Links are kept in order of capacity, so the biased walk
    /// takes the first allowed neighbour with a token and usually looks at one or two links;
    /// the unbiased one counts them and draws one. Nothing is allocated.
    fn choose(&mut self, ctx: &mut Context<'_, Self>, v: NodeId, q: u32, now: SimTime) -> Choice {
        let flow = self.config.flow_control;
        if flow {
            self.expire(v, now);
        }
        for _ in 0..2 {
            self.slots[q as usize].trail.used_by(v, &mut self.used);
            let used = &self.used;
            let row = &self.links[v as usize];
            let (mut fresh, mut ready, mut wait) = (false, 0u32, f64::INFINITY);
            for (i, l) in row.iter().enumerate() {
                if used.contains(&l.peer) {
                    continue;
                }
                fresh = true;
                let tokens = self.tokens(v, i, now);
                if flow && tokens < 1.0 {
                    let rate = self.grant_rate(l.peer, v, l.counted);
                    if rate > 0.0 {
                        wait = wait.min((1.0 - tokens) / rate);
                    }
                    continue;
                }
                if self.config.biased_walk {
                    return Choice::Send(i);
                }
                ready += 1;
            }
            if !fresh {
                // Every neighbour had it: forget and start again.
                self.slots[q as usize]
                    .trail
                    .forget(v, row.iter().map(|l| l.peer));
                continue;
            }
            if ready > 0 {
                let k = ctx.rng().index(ready) as usize;
                let pick = (0..row.len())
                    .filter(|&i| {
                        !used.contains(&row[i].peer) && (!flow || self.tokens(v, i, now) >= 1.0)
                    })
                    .nth(k)
                    .expect("k < ready");
                return Choice::Send(pick);
            }
            return if wait.is_finite() {
                Choice::Wait(wait)
            } else {
                Choice::Stuck
            };
        }
        Choice::Stuck
    }

    /// Matches for `object` at `v`: its own copy (not at the source) and, with one-hop
    /// replication, its neighbours' (other than the source), counted in its index.
    fn matches(&self, ctx: &Context<'_, Self>, v: NodeId, source: NodeId, object: ObjectId) -> u32 {
        let content = ctx.content();
        let own = u32::from(v != source && content.holds(v, object));
        if !self.config.one_hop_replication {
            return own;
        }
        let index = &self.index[v as usize];
        let indexed =
            index.partition_point(|&o| o <= object) - index.partition_point(|&o| o < object);
        let source_copy = v != source && content.holds(source, object) && self.linked(source, v);
        own + indexed as u32 - u32::from(source_copy)
    }

    /// Frees slot `q` once none of its walk's messages is in flight or parked.
    fn finish_if_done(&mut self, q: u32) {
        let state = &mut self.slots[q as usize];
        if state.in_flight.is_idle() && state.query != FREE {
            state.query = FREE;
            self.free.push(q);
        }
    }

    /// Handles the walker of the query in slot `q` at `v`, from `from` after `hops` steps:
    /// answers, then moves on.
    fn visit(
        &mut self,
        ctx: &mut Context<'_, Self>,
        v: NodeId,
        from: NodeId,
        q: u32,
        hops: u32,
        found: u32,
    ) {
        let state = &mut self.slots[q as usize];
        let query = state.query;
        if state.trail.arrive(v, from) {
            ctx.report().reached(query);
        } else {
            ctx.report().duplicate(query, v);
        }
        let (source, object) = (state.source, state.object);
        let m = self.matches(ctx, v, source, object);
        if m > 0 {
            ctx.send(v, source, GiaMessage::Hit { slot: q, hops });
            ctx.report().responded(query, v, QUERY_HIT_BYTES);
            ctx.report().hit_served(v);
            self.slots[q as usize].in_flight.sent(1);
        }
        let found = found + m;
        if found < self.config.max_responses {
            self.forward(ctx, v, q, hops, found);
        }
    }
}

impl Protocol for Gia {
    type Message = GiaMessage;
    type Timer = GiaTimer;

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        if !self.config.topology_adaptation {
            return;
        }
        let n = self.rate.len() as u32;
        for _ in 0..WARMUP_ROUNDS {
            let mut changed = false;
            for v in 0..n {
                if ctx.is_online(v) {
                    changed |= self.adapt(ctx, v);
                }
            }
            if !changed {
                break;
            }
        }
        for v in 0..n {
            self.wake(ctx, v);
        }
    }

    fn query_of(&self, msg: &GiaMessage) -> Option<QueryId> {
        let (GiaMessage::Walk { slot, .. } | GiaMessage::Hit { slot, .. }) = *msg;
        Some(self.slots[slot as usize].query)
    }

    fn describe(&self, msg: &GiaMessage) -> MessageInfo {
        match *msg {
            GiaMessage::Walk { hops, .. } => MessageInfo {
                kind: MessageKind::WalkerStep,
                ttl: Some(self.config.ttl.saturating_sub(hops)),
                hops: Some(hops),
            },
            GiaMessage::Hit { hops, .. } => MessageInfo {
                kind: MessageKind::Hit,
                ttl: None,
                hops: Some(hops),
            },
        }
    }

    fn active_queries(&self) -> usize {
        self.slots.len() - self.free.len()
    }

    /// First the walk's slot and the receiver's rows, then the walk's path, the receiver's
    /// links and the query's records.
    fn prefetch(&self, to: NodeId, msg: &GiaMessage, ahead: Ahead) -> Option<QueryId> {
        let (walk, slot) = match *msg {
            GiaMessage::Walk { slot, .. } => (true, slot),
            GiaMessage::Hit { slot, .. } => (false, slot),
        };
        let to = to as usize;
        match ahead {
            Ahead::Far => {
                hint::prefetch(&self.slots, slot as usize);
                if walk {
                    hint::prefetch(&self.links, to);
                    hint::prefetch(&self.parked, to);
                    hint::prefetch(&self.index, to);
                }
            }
            Ahead::Near => {
                let state = self.slots.get(slot as usize)?;
                if walk && let Some(row) = self.links.get(to) {
                    state.trail.prefetch();
                    hint::prefetch(row, 0);
                    if let Some(index) = self.index.get(to) {
                        hint::prefetch(index, index.len() / 2);
                    }
                }
                return Some(state.query);
            }
        }
        None
    }

    /// A walker moves over GIA's own links, never the world's overlay.
    fn reads_neighbours(&self, _msg: &GiaMessage) -> bool {
        false
    }

    fn start_query(
        &mut self,
        ctx: &mut Context<'_, Self>,
        q: QueryId,
        source: NodeId,
        object: ObjectId,
    ) {
        let slot = self.free.pop().unwrap_or_else(|| {
            self.slots.push(QueryState {
                query: FREE,
                source,
                object,
                in_flight: InFlight::default(),
                trail: Trail::default(),
            });
            (self.slots.len() - 1) as u32
        });
        // A reused slot keeps its trail's allocation.
        let state = &mut self.slots[slot as usize];
        (state.query, state.source, state.object) = (q, source, object);
        state.in_flight = InFlight::default();
        state.trail.start(source);
        // The source's own index of its neighbours' content answers at once.
        let local = if self.config.one_hop_replication {
            self.matches(ctx, source, source, object)
        } else {
            0
        };
        if local > 0 {
            ctx.deliver_hit(q, 1);
        }
        if local < self.config.max_responses {
            self.forward(ctx, source, slot, 0, local);
        }
        self.finish_if_done(slot);
    }

    fn on_message(
        &mut self,
        ctx: &mut Context<'_, Self>,
        to: NodeId,
        from: NodeId,
        msg: GiaMessage,
    ) {
        match msg {
            GiaMessage::Walk { slot, hops, found } => {
                let state = &mut self.slots[slot as usize];
                state.in_flight.landed();
                self.visit(ctx, to, from, slot, hops, found);
                self.finish_if_done(slot);
            }
            GiaMessage::Hit { slot, hops } => {
                let state = &mut self.slots[slot as usize];
                state.in_flight.landed();
                ctx.deliver_hit(state.query, hops);
                self.finish_if_done(slot);
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Context<'_, Self>, v: NodeId, timer: GiaTimer) {
        match timer {
            GiaTimer::Adapt => {
                self.adapting[v as usize] = false;
                if ctx.is_online(v) && ctx.now() < ctx.horizon() {
                    self.adapt(ctx, v);
                    self.wake(ctx, v);
                }
            }
            GiaTimer::Token => self.drain(ctx, v),
        }
    }

    fn on_lost(
        &mut self,
        ctx: &mut Context<'_, Self>,
        _to: NodeId,
        _from: NodeId,
        msg: GiaMessage,
    ) {
        let (GiaMessage::Walk { slot, .. } | GiaMessage::Hit { slot, .. }) = msg;
        let state = &mut self.slots[slot as usize];
        if let GiaMessage::Hit { .. } = msg {
            ctx.report().hit_lost(state.query);
        }
        state.in_flight.landed();
        self.finish_if_done(slot);
    }

    fn on_join(&mut self, ctx: &mut Context<'_, Self>, v: NodeId) {
        self.wake(ctx, v);
    }

    fn on_leave(&mut self, ctx: &mut Context<'_, Self>, v: NodeId) {
        let peers: Vec<NodeId> = self.neighbours(v).collect();
        for p in peers {
            self.unlink(v, p);
            self.wake(ctx, p);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(min_nbrs: u32, min_alloc: f64, hysteresis: u32) -> GiaConfig {
        GiaConfig {
            ttl: 10,
            max_responses: 1,
            min_nbrs,
            max_nbrs: 128,
            min_alloc,
            adapt_interval: SimDuration::from_secs(10),
            aggressiveness: 256.0,
            hysteresis,
            host_cache: 5,
            token_bucket: 5.0,
            topology_adaptation: true,
            flow_control: true,
            one_hop_replication: true,
            biased_walk: true,
        }
    }

    fn gia(rates: &[f64], level: &[u8], edges: &[(NodeId, NodeId)], cfg: GiaConfig) -> Gia {
        let overlay = Overlay::from_edges(level.len() as u32, edges);
        let caps = Capacities::from_levels(rates.to_vec(), level.to_vec(), 10);
        Gia::new(cfg, &overlay, &caps, &Content::place_fixed(&[]))
    }

    #[test]
    fn the_one_hop_index_follows_the_links() {
        // 12 nodes on a ring; objects on a few nodes, one node holding two. After links form
        // and break, each node's index is its neighbours' objects, recounted from scratch.
        let n = 12u32;
        let edges: Vec<(NodeId, NodeId)> = (0..n).map(|v| (v, (v + 1) % n)).collect();
        let overlay = Overlay::from_edges(n, &edges);
        let caps =
            Capacities::from_levels(vec![1.0, 10.0], (0..n).map(|v| (v % 2) as u8).collect(), 10);
        let content = Content::place_fixed(&[vec![1, 5], vec![5], vec![2, 3, 7, 11], vec![0]]);
        let mut g = Gia::new(config(2, 0.25, 5), &overlay, &caps, &content);
        let recount = |g: &Gia, v: NodeId| -> Vec<ObjectId> {
            let mut objects: Vec<ObjectId> = (0..content.objects())
                .flat_map(|o| {
                    let holders = content.holders(o);
                    g.neighbours(v)
                        .filter(move |p| holders.contains(p))
                        .map(move |_| o)
                })
                .collect();
            objects.sort_unstable();
            objects
        };
        // Node 4's neighbours 3 and 5 hold objects 2 and 0, 1.
        assert_eq!(g.index[4], vec![0, 1, 2]);
        for (a, b, link) in [
            (4, 7, true),
            (4, 11, true),
            (3, 4, false),
            (0, 6, true),
            (5, 6, false),
        ] {
            if link {
                g.link(a, b, SimTime::ZERO);
            } else {
                g.unlink(a, b);
            }
            for v in 0..n {
                assert_eq!(
                    g.index[v as usize],
                    recount(&g, v),
                    "node {v} after {a}-{b}"
                );
            }
        }
        // Node 4 now has neighbours 5 (objects 0, 1), 7 (2) and 11 (2).
        assert_eq!(g.index[4], vec![0, 1, 2, 2]);
    }

    #[test]
    fn satisfaction_follows_the_formula() {
        // Units 1, 10, 100, 1; links 0-1, 0-2, 0-3, 1-2; min_nbrs 2, min_alloc 0.25 (limits 4,
        // 40, 128, 4).
        let g = gia(
            &[1.0, 10.0, 100.0],
            &[0, 1, 2, 0],
            &[(0, 1), (0, 2), (0, 3), (1, 2)],
            config(2, 0.25, 5),
        );
        // Node 2: (C1/deg1 + C0/deg0) / C2 = (10/2 + 1/3) / 100.
        assert!((g.satisfaction(2) - (5.0 + 1.0 / 3.0) / 100.0).abs() < 1e-12);
        // Node 0: (10/2 + 100/2 + 1/1) / 1 = 56, capped at 1; node 3 is below min_nbrs.
        assert_eq!((g.satisfaction(0), g.satisfaction(3)), (1.0, 0.0));
        // The interval: T·K^−(1−S), so T/K = 10 s / 256 at S = 0 and T at S = 1.
        assert_eq!(g.interval(3), SimDuration(39_062));
        assert_eq!(g.interval(0), SimDuration::from_secs(10));
        // A node at its neighbour limit is satisfied: min_alloc 1000 makes every limit 2.
        let full = gia(
            &[1.0, 10.0, 100.0],
            &[2, 0, 0],
            &[(0, 1), (0, 2)],
            config(2, 1000.0, 5),
        );
        assert_eq!(full.satisfaction(0), 1.0);
    }

    #[test]
    fn a_full_node_accepts_replaces_or_refuses_as_algorithm_1_says() {
        // Node 0 (1 unit) is full (limit 2 = min_nbrs) with neighbours 1 (10 units, degree 3)
        // and 2 (100 units, degree 1). Nodes 3 (1000), 6 (1) and 7 (50) ask to join it; node 8
        // has room.
        let rates = [1.0, 10.0, 50.0, 100.0, 1000.0];
        let level = [0, 1, 3, 4, 0, 0, 0, 2, 0];
        let edges = [(0, 1), (0, 2), (1, 4), (1, 5)];
        let g = gia(&rates, &level, &edges, config(2, 1000.0, 5));
        // A newcomer above every neighbour: drop the highest-degree one at or below it (1).
        assert_eq!(g.decide(0, 3), Ok(Some(1)));
        // A newcomer below every neighbour: refused.
        assert_eq!(g.decide(0, 6), Err(()));
        // In between: only node 1 is at or below 50, and its degree 3 is not above 0 + H = 5.
        assert_eq!(g.decide(0, 7), Err(()));
        let eager = gia(&rates, &level, &edges, config(2, 1000.0, 1));
        assert_eq!(eager.decide(0, 7), Ok(Some(1)));
        // Room: accept without dropping.
        assert_eq!(g.decide(8, 7), Ok(None));
    }

    #[test]
    fn tokens_refill_at_the_granted_share_of_capacity() {
        // Node 0 (100/s) has neighbours 1 (10/s) and 2 (30/s). Alone, a requester gets all of
        // its rate; once both have spent its tokens, 1 gets a quarter (25/s), 2 the rest.
        let mut g = gia(
            &[10.0, 30.0, 100.0],
            &[2, 0, 1],
            &[(0, 1), (0, 2)],
            config(1, 4.0, 5),
        );
        assert_eq!(g.grant_rate(0, 1, false), 100.0);
        for v in [1, 2] {
            g.links[v][0].counted = true;
            g.requesting[0] += g.rate[v];
        }
        assert_eq!(g.grant_rate(0, 1, true), 25.0);
        assert_eq!(g.grant_rate(0, 2, true), 75.0);
        let at = |g: &Gia, ms: u64| g.tokens(1, 0, SimTime(ms * 1000));
        assert_eq!(at(&g, 0), 5.0);
        g.links[1][0].tokens = 0.0;
        assert!((at(&g, 100) - 2.5).abs() < 1e-9);
        assert_eq!(at(&g, 10_000), 5.0);
        // A requester silent for the window leaves the split: 1 gets all again.
        g.links[2][0].asked = SimTime::ZERO;
        g.expire(2, SimTime(ACTIVE_WINDOW.micros() + 1));
        assert_eq!(g.requesting[0], 10.0);
        assert_eq!(g.grant_rate(0, 1, true), 100.0);
        // Unlinking a counted requester takes it out of the split too.
        g.unlink(0, 1);
        assert_eq!(g.requesting[0], 0.0);
    }
}
