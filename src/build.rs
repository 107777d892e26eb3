//! Building a replica's world from a validated scenario: overlay, content, churn plan and
//! query stream, each from its own random stream.

use crate::churn::{PlanBuilder, Recipe};
use crate::content::Content;
use crate::error::{Error, InputError};
use crate::rng::{StreamKind, stream};
use crate::scenario::{Topology, Validated};
use crate::time::{SimDuration, SimTime};
use crate::topology::{self, Overlay};
use crate::workload;
use crate::world::{World, horizon};

impl World {
    /// Builds replica `replica` of a validated scenario.
    pub fn build(v: &Validated, replica: u32) -> Result<World, Error> {
        let s = &v.scenario;
        let rng = |kind| stream(s.seed, replica, kind, 0);
        let overlay = build_overlay(v, &mut rng(StreamKind::Topology))?;
        let nodes = overlay.node_count();
        if let Some(copies) = largest_copies(s).filter(|&c| c > nodes) {
            return Err(InputError::new(format!(
                "objects need {copies} copies on distinct nodes, but the overlay has {nodes} nodes"
            ))
            .in_file(&v.file)
            .at("content")
            .fix(format!("give at most {nodes} copies"))
            .into());
        }
        let content = Content::place(&s.content, nodes, &mut rng(StreamKind::Content));
        let recipe = Recipe::new(
            &s.churn,
            v.trace_file.as_deref(),
            s.seed,
            &overlay,
            replica,
            s.output.window(),
        )?;
        let mut plan = recipe.as_ref().map(|r| PlanBuilder::new(r, &overlay));
        let queries = workload::generate(
            &s.workload,
            SimTime::ZERO + SimDuration::from_secs_f64(s.churn.warmup_s()),
            nodes,
            &content,
            &mut rng(StreamKind::Workload),
            plan.as_mut(),
        );
        let timeout = s.workload.timeout();
        // The network keeps changing until the last query's hits stop counting.
        let churn = plan
            .zip(recipe)
            .map(|(p, r)| p.finish(horizon(&queries, timeout), r));
        let capacities =
            s.network
                .capacity
                .draw(nodes, |v| overlay.degree(v), &mut rng(StreamKind::Capacity));
        Ok(World {
            replica,
            overlay,
            content,
            queries,
            churn,
            timeout,
            capacities,
        })
    }
}

/// Builds the overlay of a validated scenario from the given topology stream, keeping only
/// the largest component when the scenario asks for it.
pub fn build_overlay(v: &Validated, rng: &mut crate::rng::SimRng) -> Result<Overlay, Error> {
    let n = v.nodes.unwrap_or(0);
    let overlay = match v.scenario.network.topology {
        Topology::RandomRegular { degree } => topology::random_regular(n, degree, rng),
        Topology::ErdosRenyi { mean_degree } => topology::erdos_renyi(n, mean_degree, rng),
        Topology::BarabasiAlbert { m } => topology::barabasi_albert(n, m, rng),
        Topology::WattsStrogatz { degree, rewire } => {
            topology::watts_strogatz(n, degree, rewire, rng)
        }
        Topology::PowerLaw {
            exponent,
            mean_degree,
            max_degree,
        } => topology::power_law(n, exponent, mean_degree, max_degree, rng),
        Topology::Grid {
            width,
            height,
            torus,
        } => {
            let (w, h) = Topology::grid_shape(width, height, v.nodes).expect("validated grid");
            topology::grid(w, h, torus)
        }
        Topology::TwoTier {
            ultrapeer_fraction,
            ultrapeer_degree,
            leaf_links,
        } => {
            let u = Topology::ultrapeer_count(ultrapeer_fraction, n);
            topology::two_tier(n, u, ultrapeer_degree, leaf_links, rng)
        }
        Topology::File { .. } => {
            let path = v.topology_file.as_ref().expect("validated file topology");
            topology::load_edge_list(path)?
        }
    };
    Ok(if v.scenario.network.largest_component {
        overlay.largest_component()
    } else {
        overlay
    })
}

/// The fewest nodes the content needs: the largest uniform or rare copy count, or the mean
/// copy count of a proportional or square-root allocation.
fn largest_copies(s: &crate::scenario::Scenario) -> Option<u32> {
    // Free riders' copies always fit: each node shares an object at most once.
    let catalogue = match s.content.replication {
        crate::content::Replication::FreeRiders { .. } => 0,
        _ => s.content.mean_copies(0.0).ceil() as u32,
    };
    Some(catalogue.max(s.content.rare.as_ref().map_or(0, |r| r.copies)))
}
