//! Structured lookup on the same world: Chord and Kademlia.
//!
//! Both DHTs run on the world's nodes, content and query stream; the overlay graph is not used.
//! Every node and every object gets a 64-bit identifier drawn once per replica from the
//! protocol stream's sub-stream `name_key("dht-ids")` ([`Identifiers`]), so Chord and Kademlia
//! variants of one scenario share the same ids. Node ids are distinct.
//!
//! **Provider records.** Each holder of an object publishes a provider record for the object's
//! key at the nodes responsible for it (Chord: the key's successor and the next
//! `successors − 1` nodes; Kademlia: the `k` nodes closest to the key by XOR). Routing tables
//! are those of a converged network without churn (Chord's fingers are exact successors of
//! n + 2^i; Kademlia's k-buckets hold up to k random nodes of each distance range), and the
//! records are in place before the first query (publishing is not counted).
//!
//! **A lookup** is iterative: every node contacted costs one request and one response message.
//! Once the lookup has a provider record, the source contacts one provider other than itself
//! (one more request and response) and succeeds when that reply arrives within the timeout.
//! Churn is not supported yet (the scenario validation says so).

mod chord;
mod kademlia;

pub use chord::{Chord, ChordRing};
pub use kademlia::{Kademlia, KademliaTables};

use crate::content::Content;
use crate::rng::{StreamKind, name_key, stream};
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
        let mut rng = stream(seed, replica, StreamKind::Protocol, name_key("dht-ids"));
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

/// The provider a source contacts for `object`: the first holder other than itself, if any.
fn provider(content: &Content, object: u32, source: NodeId) -> Option<NodeId> {
    content
        .holders(object)
        .iter()
        .copied()
        .find(|&h| h != source)
}

/// The source sends a request of `query` to `to`: one request message.
pub(crate) fn request<P: crate::engine::Protocol<Message = DhtMessage>>(
    ctx: &mut crate::engine::Context<'_, P>,
    query: u32,
    source: NodeId,
    to: NodeId,
    check: bool,
) {
    ctx.send(source, to, DhtMessage::Request { query, check });
    ctx.record(query).request(DHT_MESSAGE_BYTES);
}

/// With the records in hand, the source checks a provider of `object` other than itself;
/// returns the provider asked, or `None` when there is none (the lookup fails).
pub(crate) fn check_provider<P: crate::engine::Protocol<Message = DhtMessage>>(
    ctx: &mut crate::engine::Context<'_, P>,
    query: u32,
    source: NodeId,
    object: u32,
) -> Option<NodeId> {
    let p = provider(ctx.content(), object, source)?;
    request(ctx, query, source, p, true);
    Some(p)
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
pub(crate) fn answer<P: crate::engine::Protocol<Message = DhtMessage>>(
    ctx: &mut crate::engine::Context<'_, P>,
    query: u32,
    node: NodeId,
    source: NodeId,
    check: bool,
) {
    if !check {
        ctx.record(query).reached();
    }
    ctx.send(node, source, DhtMessage::Response { query, check });
    ctx.record(query).response(DHT_MESSAGE_BYTES);
}
