//! Gnutella 0.4 flooding: TTL-bounded broadcast with GUID de-duplication and QueryHits routed
//! back along the reverse path.
//!
//! Each query in flight holds a *slot*: an array of per-node marks (which epoch saw the query
//! and from which neighbour). Slots are reused with a new epoch, so nothing is cleared or
//! allocated per message; a slot is released when the query's last message has landed.

use super::gnutella::{QUERY_BYTES, QUERY_HIT_BYTES};
use crate::content::ObjectId;
use crate::engine::{Context, Protocol, QueryId};
use crate::topology::NodeId;

/// A message of the flooding protocol (8 bytes).
#[derive(Copy, Clone, Debug)]
pub enum FloodMessage {
    /// A query copy: `ttl` as received, `hops` travelled including this link.
    Query {
        /// Slot of the query.
        slot: u32,
        /// Time-to-live as carried on this link.
        ttl: u8,
        /// Overlay hops from the source, this link included.
        hops: u8,
    },
    /// A QueryHit travelling back; `hops` is the responder's distance along the query's path.
    Hit {
        /// Slot of the query.
        slot: u32,
        /// Hops the query had travelled to the responder.
        hops: u8,
    },
}

#[derive(Copy, Clone, Default)]
struct Mark {
    epoch: u32,
    parent: NodeId,
}

struct Slot {
    epoch: u32,
    query: QueryId,
    object: ObjectId,
    source: NodeId,
    in_flight: u32,
    marks: Vec<Mark>,
}

/// The flooding protocol with a fixed TTL.
pub struct Flooding {
    ttl: u8,
    nodes: usize,
    slots: Vec<Slot>,
    free: Vec<u32>,
}

impl Flooding {
    /// Flooding with time-to-live `ttl` (≥ 1) on a network of `nodes` nodes.
    pub fn new(ttl: u8, nodes: u32) -> Self {
        assert!(ttl >= 1);
        Flooding {
            ttl,
            nodes: nodes as usize,
            slots: Vec::new(),
            free: Vec::new(),
        }
    }

    /// Number of slots ever allocated (the most queries that were in flight at once).
    pub fn slots_allocated(&self) -> usize {
        self.slots.len()
    }

    fn acquire(&mut self, query: QueryId, object: ObjectId, source: NodeId) -> u32 {
        let index = self.free.pop().unwrap_or_else(|| {
            self.slots.push(Slot {
                epoch: 0,
                query: 0,
                object: 0,
                source: 0,
                in_flight: 0,
                marks: vec![Mark::default(); self.nodes],
            });
            self.slots.len() as u32 - 1
        });
        let slot = &mut self.slots[index as usize];
        slot.epoch = slot.epoch.wrapping_add(1);
        if slot.epoch == 0 {
            slot.marks.fill(Mark::default());
            slot.epoch = 1;
        }
        slot.query = query;
        slot.object = object;
        slot.source = source;
        slot.in_flight = 0;
        slot.marks[source as usize] = Mark {
            epoch: slot.epoch,
            parent: source,
        };
        index
    }

    /// Sends query copies to every neighbour of `node` except `except`.
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
        let s = &mut self.slots[slot as usize];
        for &next in overlay.neighbours(node) {
            if Some(next) != except {
                ctx.send(node, next, FloodMessage::Query { slot, ttl, hops });
                ctx.record(s.query).request(QUERY_BYTES);
                s.in_flight += 1;
            }
        }
    }

    fn release_if_done(&mut self, slot: u32) {
        if self.slots[slot as usize].in_flight == 0 {
            self.free.push(slot);
        }
    }
}

impl Protocol for Flooding {
    type Message = FloodMessage;
    type Timer = ();

    fn start_query(
        &mut self,
        ctx: &mut Context<'_, Self>,
        query: QueryId,
        source: NodeId,
        object: ObjectId,
    ) {
        let slot = self.acquire(query, object, source);
        self.forward(ctx, slot, source, None, self.ttl, 1);
        self.release_if_done(slot);
    }

    fn on_message(
        &mut self,
        ctx: &mut Context<'_, Self>,
        to: NodeId,
        from: NodeId,
        msg: FloodMessage,
    ) {
        match msg {
            FloodMessage::Query { slot, ttl, hops } => {
                let s = &mut self.slots[slot as usize];
                s.in_flight -= 1;
                let mark = &mut s.marks[to as usize];
                if mark.epoch == s.epoch {
                    ctx.record(s.query).duplicate();
                } else {
                    *mark = Mark {
                        epoch: s.epoch,
                        parent: from,
                    };
                    ctx.record(s.query).reached();
                    if ctx.content().holds(to, s.object) {
                        ctx.send(to, from, FloodMessage::Hit { slot, hops });
                        ctx.record(s.query).response(QUERY_HIT_BYTES);
                        s.in_flight += 1;
                    }
                    if ttl > 1 {
                        self.forward(ctx, slot, to, Some(from), ttl - 1, hops + 1);
                    }
                }
            }
            FloodMessage::Hit { slot, hops } => {
                let s = &mut self.slots[slot as usize];
                s.in_flight -= 1;
                if to == s.source {
                    ctx.deliver_hit(s.query, u32::from(hops));
                } else {
                    let parent = s.marks[to as usize].parent;
                    ctx.send(to, parent, FloodMessage::Hit { slot, hops });
                    ctx.record(s.query).response(QUERY_HIT_BYTES);
                    s.in_flight += 1;
                }
            }
        }
        let slot = match msg {
            FloodMessage::Query { slot, .. } | FloodMessage::Hit { slot, .. } => slot,
        };
        self.release_if_done(slot);
    }
}
