//! Search strategies. Each implements [`crate::engine::Protocol`]; [`run_variant`] picks the
//! one a scenario's `search` table names and runs it on a world.

mod flooding;
pub mod gnutella;

pub use flooding::{FloodMessage, Flooding};

use crate::engine::{self, LatencyModel, Setup};
use crate::metrics::VariantRun;
use crate::rng::{StreamKind, name_key, stream};
use crate::scenario::{Scenario, Search, Variant};
use crate::time::SimDuration;
use crate::world::World;

/// Runs one variant on one world with its own latency and protocol streams.
pub fn run_variant(
    scenario: &Scenario,
    variant: &Variant,
    world: &World,
    progress: &mut dyn FnMut(u64),
) -> VariantRun {
    let key = name_key(&variant.name);
    let setup = Setup {
        latency: LatencyModel::new(&scenario.network.latency),
        latency_rng: stream(scenario.seed, world.replica, StreamKind::Latency, key),
        protocol_rng: stream(scenario.seed, world.replica, StreamKind::Protocol, key),
        timeout: SimDuration::from_secs_f64(scenario.workload.timeout_s),
    };
    let outcome = match variant.search {
        Search::Flooding { ttl } => {
            let mut p = Flooding::new(ttl as u8, world.overlay.node_count());
            engine::simulate(world, &mut p, setup, progress)
        }
    };
    VariantRun {
        peak_node_load: outcome.node_load.iter().copied().max().unwrap_or(0),
        records: outcome.records,
        events: outcome.events,
    }
}
