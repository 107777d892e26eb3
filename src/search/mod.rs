//! Search strategies. Each implements [`crate::engine::Protocol`]; [`run_variant`] picks the
//! one a scenario's `search` table names and runs it on a world.

mod flood;
pub mod gnutella;
mod walk;

pub use flood::{FloodConfig, FloodMessage, Flooding, Routing};
pub use walk::{StepRule, Walk, WalkConfig, WalkMessage};

use crate::dht::{Chord, Identifiers, Kademlia, Upkeep};
use crate::metrics::VariantRun;
use crate::rng::{StreamKind, name_key, stream};
use crate::scenario::{Scenario, Search, Variant};
use crate::sim::{self, Outcome, Protocol, Setup};
use crate::time::SimDuration;
use crate::world::World;

/// The protocol a `search` table describes, ready to run on a world of `nodes` nodes.
fn run_search(
    search: &Search,
    seed: u64,
    world: &World,
    setup: Setup,
    progress: &mut dyn FnMut(u64),
) -> Outcome {
    let nodes = world.overlay.node_count();
    let upkeep = |rpc_timeout_ms: f64, republish_s: f64| Upkeep {
        churn: world.churn.is_some(),
        rpc_timeout: SimDuration::from_millis_f64(rpc_timeout_ms),
        republish: SimDuration::from_secs_f64(republish_s),
    };
    let ring = |rings: Vec<u8>, wait: SimDuration, routing| {
        Flooding::new(
            FloodConfig {
                rings,
                wait,
                routing,
            },
            nodes,
        )
    };
    let walk = |walkers, ttl, check_every, rule| {
        Walk::new(WalkConfig {
            walkers,
            ttl,
            check_every,
            rule,
        })
    };
    match search {
        Search::Flooding { ttl } => simulate_with(
            world,
            ring(vec![*ttl as u8], SimDuration::ZERO, Routing::AllLinks),
            setup,
            progress,
        ),
        Search::ExpandingRing { ttls, wait_ms } => {
            let rings = ttls.iter().map(|&t| t as u8).collect();
            simulate_with(
                world,
                ring(
                    rings,
                    SimDuration::from_millis_f64(*wait_ms),
                    Routing::AllLinks,
                ),
                setup,
                progress,
            )
        }
        Search::UltrapeerFlooding { ttl } => simulate_with(
            world,
            ring(vec![*ttl as u8], SimDuration::ZERO, Routing::Ultrapeer),
            setup,
            progress,
        ),
        Search::RandomWalk {
            walkers,
            ttl,
            check_every,
        } => simulate_with(
            world,
            walk(*walkers, *ttl, *check_every, StepRule::Uniform),
            setup,
            progress,
        ),
        Search::DegreeBiasedWalk {
            walkers,
            ttl,
            check_every,
        } => simulate_with(
            world,
            walk(*walkers, *ttl, *check_every, StepRule::HighestDegree),
            setup,
            progress,
        ),
        Search::Chord {
            successors,
            stabilize_s,
            fix_fingers_s,
            rpc_timeout_ms,
            republish_s,
        } => {
            let ids = Identifiers::draw(seed, world.replica, nodes, world.content.objects());
            let upkeep = upkeep(*rpc_timeout_ms, *republish_s);
            let chord = Chord::new(
                &ids,
                *successors,
                SimDuration::from_secs_f64(*stabilize_s),
                SimDuration::from_secs_f64(*fix_fingers_s),
                upkeep,
            );
            simulate_with(world, chord, setup, progress)
        }
        Search::Kademlia {
            k,
            alpha,
            refresh_s,
            rpc_timeout_ms,
            republish_s,
        } => {
            let ids = Identifiers::draw(seed, world.replica, nodes, world.content.objects());
            let buckets = stream(
                seed,
                world.replica,
                StreamKind::Protocol,
                name_key("kademlia-buckets"),
            );
            let kademlia = Kademlia::new(
                &ids,
                *k,
                *alpha,
                SimDuration::from_secs_f64(*refresh_s),
                upkeep(*rpc_timeout_ms, *republish_s),
                buckets,
            );
            simulate_with(world, kademlia, setup, progress)
        }
    }
}

fn simulate_with<P: Protocol>(
    world: &World,
    mut protocol: P,
    setup: Setup,
    progress: &mut dyn FnMut(u64),
) -> Outcome {
    sim::simulate(world, &mut protocol, setup, progress)
}

/// Runs one variant on one world with its own latency and protocol streams.
pub fn run_variant(
    scenario: &Scenario,
    variant: &Variant,
    world: &World,
    progress: &mut dyn FnMut(u64),
) -> VariantRun {
    let key = name_key(&variant.name);
    let setup = Setup {
        latency: sim::latency_model(&scenario.network.latency),
        latency_rng: stream(scenario.seed, world.replica, StreamKind::Latency, key),
        protocol_rng: stream(scenario.seed, world.replica, StreamKind::Protocol, key),
        window: scenario.output.window(),
    };
    let outcome = run_search(&variant.search, scenario.seed, world, setup, progress);
    let recorded = outcome.recorded;
    let received: u64 = recorded.node_load.iter().map(|&l| u64::from(l)).sum();
    VariantRun {
        peak_node_load: recorded.node_load.iter().copied().max().unwrap_or(0),
        mean_node_load: received as f64 / f64::from(world.overlay.node_count().max(1)),
        records: recorded.records,
        events: outcome.events,
        maintenance: recorded.maintenance,
    }
}
