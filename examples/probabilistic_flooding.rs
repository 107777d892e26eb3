//! Probabilistic flooding, written against floodsim's public API only: a node that sees a
//! query for the first time passes it to each of its other neighbours with probability `p`
//! (Gnutella flooding is `p = 1`). QueryHits travel back along the reverse path.
//!
//! Run it on a shipped scenario (replica 0, every query of the workload):
//!
//! ```sh
//! cargo run --release --example probabilistic_flooding -- scenarios/quickstart.toml 0.5 7
//! ```
//!
//! It prints the success rate and messages per query for `p`, next to floodsim's own
//! flooding at the same TTL on the same world.

use floodsim::content::ObjectId;
use floodsim::ids::IdMap;
use floodsim::metrics::QueryRecord;
use floodsim::rng::Sample;
use floodsim::search::Flooding;
use floodsim::search::gnutella::{QUERY_BYTES, QUERY_HIT_BYTES};
use floodsim::sim::{self, Context, InFlight, Protocol, QueryId};
use floodsim::topology::NodeId;
use floodsim::world::World;

/// A message of the protocol.
#[derive(Copy, Clone, Debug)]
pub enum Message {
    /// A query copy with the TTL it carries on this link and the hops it has travelled.
    Query { query: QueryId, ttl: u8, hops: u8 },
    /// A QueryHit on its way back; `hops` is the responder's distance from the source.
    Hit { query: QueryId, hops: u8 },
}

/// What one query in flight keeps: who passed it to each node (the reverse path).
struct Search {
    source: NodeId,
    object: ObjectId,
    /// `parent[v]`: the node `v` first got the query from (`NodeId::MAX`: not reached yet).
    parent: Vec<NodeId>,
    in_flight: InFlight,
}

/// Probabilistic flooding with time-to-live `ttl` and forwarding probability `p`.
pub struct ProbabilisticFlooding {
    p: f64,
    ttl: u8,
    nodes: usize,
    /// Active queries only; looked up by id, never iterated.
    searches: IdMap<QueryId, Search>,
}

impl ProbabilisticFlooding {
    /// A protocol for a network of `nodes` nodes.
    pub fn new(p: f64, ttl: u8, nodes: u32) -> Self {
        ProbabilisticFlooding {
            p,
            ttl,
            nodes: nodes as usize,
            searches: IdMap::default(),
        }
    }

    /// `node` passes the query on to each neighbour but `except`, each with probability `p`.
    fn forward(
        &mut self,
        ctx: &mut Context<'_, Self>,
        query: QueryId,
        node: NodeId,
        except: Option<NodeId>,
        ttl: u8,
        hops: u8,
    ) {
        let mut sent = 0;
        for &next in ctx.neighbours(node) {
            if Some(next) != except && ctx.rng().chance(self.p) {
                ctx.send(node, next, Message::Query { query, ttl, hops });
                sent += 1;
            }
        }
        ctx.report().sent(query, node, sent, QUERY_BYTES);
        let search = self.searches.get_mut(&query).expect("active query");
        search.in_flight.sent(sent);
    }

    /// Ends the query once none of its messages is travelling.
    fn release_if_idle(&mut self, query: QueryId) {
        if self.searches[&query].in_flight.is_idle() {
            self.searches.remove(&query);
        }
    }
}

impl Protocol for ProbabilisticFlooding {
    type Message = Message;
    type Timer = ();

    fn start_query(
        &mut self,
        ctx: &mut Context<'_, Self>,
        query: QueryId,
        source: NodeId,
        object: ObjectId,
    ) {
        let mut parent = vec![NodeId::MAX; self.nodes];
        parent[source as usize] = source;
        let search = Search {
            source,
            object,
            parent,
            in_flight: InFlight::default(),
        };
        self.searches.insert(query, search);
        self.forward(ctx, query, source, None, self.ttl, 1);
        self.release_if_idle(query);
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, to: NodeId, from: NodeId, msg: Message) {
        match msg {
            Message::Query { query, ttl, hops } => {
                let search = self.searches.get_mut(&query).expect("active query");
                search.in_flight.landed();
                if search.parent[to as usize] != NodeId::MAX {
                    ctx.report().duplicate(query, to);
                } else {
                    search.parent[to as usize] = from;
                    if ctx.content().holds(to, search.object) {
                        ctx.send(to, from, Message::Hit { query, hops });
                        ctx.report().responded(query, to, QUERY_HIT_BYTES);
                        ctx.report().hit_served(to);
                        search.in_flight.sent(1);
                    }
                    ctx.report().reached(query);
                    if ttl > 1 {
                        self.forward(ctx, query, to, Some(from), ttl - 1, hops.saturating_add(1));
                    }
                }
                self.release_if_idle(query);
            }
            Message::Hit { query, hops } => {
                let search = self.searches.get_mut(&query).expect("active query");
                search.in_flight.landed();
                if to == search.source {
                    ctx.deliver_hit(query, u32::from(hops));
                } else {
                    let parent = search.parent[to as usize];
                    ctx.send(to, parent, Message::Hit { query, hops });
                    ctx.report().responded(query, to, QUERY_HIT_BYTES);
                    search.in_flight.sent(1);
                }
                self.release_if_idle(query);
            }
        }
    }

    fn on_lost(&mut self, ctx: &mut Context<'_, Self>, _to: NodeId, _from: NodeId, msg: Message) {
        let (Message::Query { query, .. } | Message::Hit { query, .. }) = msg;
        if let Message::Hit { .. } = msg {
            ctx.report().hit_lost(query);
        }
        let search = self.searches.get_mut(&query).expect("active query");
        search.in_flight.landed();
        self.release_if_idle(query);
    }

    fn query_of(&self, msg: &Message) -> Option<QueryId> {
        let (Message::Query { query, .. } | Message::Hit { query, .. }) = *msg;
        Some(query)
    }

    fn active_queries(&self) -> usize {
        self.searches.len()
    }
}

/// Runs `protocol` on `world` as the variant `name` of `scenario` would run.
pub fn run<P: Protocol>(
    scenario: &floodsim::scenario::Scenario,
    name: &str,
    world: &World,
    mut protocol: P,
) -> Vec<QueryRecord> {
    let setup = floodsim::run::setup(scenario, name, world.replica);
    sim::simulate(world, &mut protocol, setup, &mut |_| {})
        .recorded
        .records
}

#[allow(dead_code)]
fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let path = std::path::Path::new(args.get(1).map_or("scenarios/quickstart.toml", |a| a));
    let p: f64 = args.get(2).map_or(Ok(0.5), |a| a.parse())?;
    let ttl: u8 = args.get(3).map_or(Ok(7), |a| a.parse())?;
    let validated = floodsim::scenario::load(path, &[])?.validate(path)?;
    let world = World::build(&validated, 0)?;
    let scenario = &validated.scenario;
    let nodes = world.overlay.node_count();
    let summary = |label: &str, records: &[QueryRecord]| {
        let n = records.len().max(1) as f64;
        let success = records.iter().filter(|r| r.success()).count() as f64 / n;
        let messages = records.iter().map(|r| r.messages).sum::<u64>() as f64 / n;
        println!(
            "{label:<28} success {:>6.1}%   messages/q {messages:>10.1}",
            100.0 * success
        );
    };
    let ours = run(
        scenario,
        "p-flood",
        &world,
        ProbabilisticFlooding::new(p, ttl, nodes),
    );
    summary(&format!("p-flood p={p} ttl={ttl}"), &ours);
    let flood = run(scenario, "p-flood", &world, Flooding::gnutella(ttl, nodes));
    summary(&format!("flooding ttl={ttl}"), &flood);
    Ok(())
}
