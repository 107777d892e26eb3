//! A central index (Napster): one server holds the index of every online peer's objects; a
//! query is one request to it and one response back.
//!
//! The server is a chosen peer: the most capable online one (highest capacity, ties to the
//! lower id; the lowest-id online peer without a capacity model). Peers register with it when
//! they join and unregister when they leave, one maintenance message each; registrations take
//! effect at once. When the server itself leaves, the most capable online peer takes over and
//! every other online peer registers with it again. A request that reaches a peer which is no
//! longer the server is not answered.

use super::gnutella::{QUERY_BYTES, QUERY_HIT_BYTES};
use crate::content::ObjectId;
use crate::sim::{Context, Protocol, QueryId};
use crate::topology::NodeId;

/// A message of the central index.
#[derive(Copy, Clone, Debug)]
pub enum CentralMessage {
    /// A source asks the server.
    Request(QueryId),
    /// The server's answer: whether it lists an online holder other than the source.
    Response {
        /// The query answered.
        query: QueryId,
        /// Whether the index lists an online holder.
        found: bool,
    },
}

/// The central-index protocol.
pub struct CentralIndex {
    /// Every node, most capable first: the order in which peers become the server.
    preference: Vec<NodeId>,
    server: Option<NodeId>,
    online: u64,
}

impl CentralIndex {
    /// A central index whose server is the first online node of `preference`.
    pub fn new(preference: Vec<NodeId>) -> Self {
        CentralIndex {
            preference,
            server: None,
            online: 0,
        }
    }

    /// Every node of a `nodes`-node network ordered by `rate` (highest first, ties by id).
    pub fn by_capacity(nodes: u32, rate: impl Fn(NodeId) -> f64) -> Self {
        let mut order: Vec<NodeId> = (0..nodes).collect();
        order.sort_by(|&a, &b| rate(b).total_cmp(&rate(a)).then(a.cmp(&b)));
        Self::new(order)
    }

    fn elect(&mut self, ctx: &Context<'_, Self>) {
        self.server = self.preference.iter().copied().find(|&v| ctx.is_online(v));
    }

    /// Whether the index lists an online holder of `object` other than `source`.
    fn lookup(ctx: &Context<'_, Self>, object: ObjectId, source: NodeId) -> bool {
        let holders = ctx.content().holders(object);
        holders.iter().any(|&h| h != source && ctx.is_online(h))
    }
}

impl Protocol for CentralIndex {
    type Message = CentralMessage;
    type Timer = ();

    fn on_start(&mut self, ctx: &mut Context<'_, Self>) {
        let nodes = ctx.overlay().node_count();
        self.online = (0..nodes).filter(|&v| ctx.is_online(v)).count() as u64;
        self.elect(ctx);
    }

    fn start_query(
        &mut self,
        ctx: &mut Context<'_, Self>,
        query: QueryId,
        source: NodeId,
        object: ObjectId,
    ) {
        let Some(server) = self.server else {
            return;
        };
        if server != source {
            ctx.send(source, server, CentralMessage::Request(query));
            ctx.report().sent(query, source, 1, QUERY_BYTES);
        } else if Self::lookup(ctx, object, source) {
            // The server asks itself: no message.
            ctx.deliver_hit(query, 0);
        }
    }

    fn on_message(
        &mut self,
        ctx: &mut Context<'_, Self>,
        to: NodeId,
        from: NodeId,
        msg: CentralMessage,
    ) {
        match msg {
            CentralMessage::Request(query) if self.server == Some(to) => {
                ctx.report().reached(query);
                let found = Self::lookup(ctx, ctx.query_object(query), from);
                ctx.send(to, from, CentralMessage::Response { query, found });
                ctx.report().responded(query, to, QUERY_HIT_BYTES);
                if found {
                    ctx.report().hit_served(to);
                }
            }
            CentralMessage::Request(_) => {}
            CentralMessage::Response { query, found } => {
                if found {
                    ctx.deliver_hit(query, 1);
                }
            }
        }
    }

    fn on_lost(
        &mut self,
        ctx: &mut Context<'_, Self>,
        _to: NodeId,
        _from: NodeId,
        msg: CentralMessage,
    ) {
        if let CentralMessage::Response { query, found: true } = msg {
            ctx.report().hit_lost(query);
        }
    }

    fn on_join(&mut self, ctx: &mut Context<'_, Self>, node: NodeId) {
        self.online += 1;
        if self.server.is_none() {
            self.server = Some(node);
        } else {
            ctx.maintenance(1);
        }
    }

    fn on_leave(&mut self, ctx: &mut Context<'_, Self>, node: NodeId) {
        self.online -= 1;
        if self.server == Some(node) {
            self.elect(ctx);
            // Every other online peer registers with the new server.
            ctx.maintenance(self.online.saturating_sub(1));
        } else {
            ctx.maintenance(1);
        }
    }

    fn query_of(&self, msg: &CentralMessage) -> Option<QueryId> {
        let (CentralMessage::Request(query) | CentralMessage::Response { query, .. }) = *msg;
        Some(query)
    }

    fn active_queries(&self) -> usize {
        0
    }

    fn reads_neighbours(&self, _msg: &CentralMessage) -> bool {
        false
    }
}
