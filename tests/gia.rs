//! GIA's mechanisms on hand-built worlds: the biased walk, one-hop replication and flow
//! control, each against an exact small case or a bound; and GIA under churn.

mod common;

use common::*;
use floodsim::capacity::Capacities;
use floodsim::metrics::{QueryRecord, QueueStats};
use floodsim::scenario::Popularity;
use floodsim::search::{Gia, GiaConfig};
use floodsim::sim;
use floodsim::time::{SimDuration, SimTime};
use floodsim::topology::{NodeId, Overlay};
use floodsim::workload::Query;
use floodsim::world::World;

fn config() -> GiaConfig {
    GiaConfig {
        ttl: 100,
        max_responses: 1,
        min_nbrs: 1,
        max_nbrs: 128,
        min_alloc: 4.0,
        adapt_interval: SimDuration::from_secs(10),
        aggressiveness: 256.0,
        hysteresis: 5,
        host_cache: 15,
        token_bucket: 5.0,
        topology_adaptation: false,
        flow_control: true,
        one_hop_replication: true,
        biased_walk: true,
    }
}

/// One query from node 0 for an object held by `holder`, on `edges` with node rates `rates`.
fn one_query(
    n: u32,
    edges: &[(NodeId, NodeId)],
    rates: &[f64],
    holder: NodeId,
    cfg: GiaConfig,
) -> QueryRecord {
    let overlay = Overlay::from_edges(n, edges);
    let mut content = fixture::content(1, 1, Popularity::Uniform, n, 1);
    // Move the single copy to `holder` by picking a seed that puts it there.
    for seed in 0..10_000 {
        content = fixture::content(1, 1, Popularity::Uniform, n, seed);
        if content.holds(holder, 0) {
            break;
        }
    }
    assert!(content.holds(holder, 0));
    let query = Query {
        issued: SimTime::ZERO,
        source: 0,
        object: 0,
        replicas_online: 1,
    };
    let mut world = fixture::world(overlay, content, vec![query]);
    let levels: Vec<u8> = (0..rates.len() as u8).collect();
    world.capacities = Some(Capacities::from_levels(rates.to_vec(), levels, 1000));
    let gia = Gia::new(
        cfg,
        &world.overlay,
        world.capacities.as_ref().unwrap(),
        &world.content,
    );
    fixture::run(&world, gia)[0]
}

#[test]
fn the_walk_goes_to_the_highest_capacity_neighbour_first() {
    // A star: node 0 linked to 1 (10/s), 2 (1000/s) and 3 (100/s); the object is on 2.
    let star = [(0, 1), (0, 2), (0, 3)];
    let rates = [1.0, 10.0, 1000.0, 100.0];
    let mut cfg = config();
    cfg.one_hop_replication = false;
    let r = one_query(4, &star, &rates, 2, cfg.clone());
    assert_eq!((r.messages, r.first_hit_hops, r.hits), (1, Some(1), 1));
    // On node 3 it is the second choice: 0 -> 2 -> 0 -> 3, three steps, since node 0 avoids
    // neighbours it already sent the query to.
    let r = one_query(4, &star, &rates, 3, cfg.clone());
    assert_eq!((r.messages, r.first_hit_hops), (3, Some(3)));
    // Unbiased, the walk still finds it, in some order.
    cfg.biased_walk = false;
    let r = one_query(4, &star, &rates, 3, cfg);
    assert!(r.success() && r.messages >= 1 && r.messages <= 20, "{r:?}");
}

#[test]
fn one_hop_replication_answers_for_neighbours() {
    // A path 0 - 1 - 2 with the object on 2: node 1 answers for node 2 after one step.
    let path = [(0, 1), (1, 2)];
    let rates = [10.0, 10.0, 10.0];
    let r = one_query(3, &path, &rates, 2, config());
    assert_eq!((r.messages, r.first_hit_hops, r.hits), (1, Some(1), 1));
    let mut off = config();
    off.one_hop_replication = false;
    let r = one_query(3, &path, &rates, 2, off);
    assert_eq!((r.messages, r.first_hit_hops), (2, Some(2)));
    // On the source's own neighbour: answered from the source's index, no message at all.
    let r = one_query(3, &path, &rates, 1, config());
    assert_eq!(
        (r.messages, r.first_hit_hops, r.first_hit),
        (0, Some(1), Some(SimDuration::ZERO))
    );
}

/// A ring lattice (each node linked to the three on either side) of `n` nodes of `rate`
/// messages/s with queues of `limit`, `queries` queries at `per_s`, two copies per object.
fn loaded_ring(n: u32, rate: f64, limit: u32, queries: u32, per_s: f64) -> World {
    let edges: Vec<(NodeId, NodeId)> = (0..n)
        .flat_map(|i| (1..=3).map(move |k| (i, (i + k) % n)))
        .collect();
    let overlay = Overlay::from_edges(n, &edges);
    let content = fixture::content(100, 2, Popularity::Uniform, n, 9);
    let queries = fixture::queries(n, &content, queries, per_s, 9);
    let mut world = fixture::world(overlay, content, queries);
    world.capacities = Some(Capacities::from_levels(
        vec![rate],
        vec![0; n as usize],
        limit,
    ));
    world.timeout = SimDuration::from_secs(30);
    world
}

#[test]
fn flow_control_keeps_nodes_within_their_capacity() {
    // 200 nodes of 20 messages/s with long queues; 40 queries/s of walks that need ~50 steps
    // each offer about 2000 steps/s against 4000/s of capacity, unevenly: without flow control
    // the busiest queues grow long, with it a node is sent no more than it grants tokens for.
    let world = loaded_ring(200, 20.0, 1000, 2000, 40.0);
    let run = |flow: bool| {
        let mut cfg = config();
        cfg.flow_control = flow;
        let mut gia = Gia::new(
            cfg,
            &world.overlay,
            world.capacities.as_ref().unwrap(),
            &world.content,
        );
        sim::simulate(&world, &mut gia, fixture::setup(), &mut |_| {})
    };
    let free = run(false).queues.unwrap();
    let controlled = run(true).queues.unwrap();
    // A node is sent walks only for the tokens it granted: at most its rate over any stretch
    // of time plus a full bucket from each of its 6 neighbours, so its queue never holds more
    // than 6 × 5 walks besides the hits (not token-controlled) that reach it as a source.
    let longest = |q: &QueueStats| q.windows.iter().map(|w| w.waiting_max).max().unwrap();
    let (free_max, controlled_max) = (longest(&free), longest(&controlled));
    assert!(
        free_max > 100,
        "without flow control queues grow: {free_max}"
    );
    assert!(
        controlled_max <= 6 * 5 + 5,
        "with flow control: {controlled_max}"
    );
    let wait = |q: &QueueStats| q.wait_ms().unwrap().max;
    assert!(
        wait(&controlled) * 10.0 < wait(&free),
        "{} vs {}",
        wait(&controlled),
        wait(&free)
    );
    assert!(controlled.utilisation().unwrap().max <= 1.0);
}

#[test]
fn gia_runs_under_churn_and_releases_every_query() {
    let dir = tempfile::tempdir().unwrap();
    let text = SMALL
        .replace(
            "latency = { kind = \"uniform\", min_ms = 10, max_ms = 90 }",
            "latency = { kind = \"uniform\", min_ms = 10, max_ms = 90 }\ncapacity = { kind = \"levels\", messages_per_s = [1, 10, 100, 1000, 10000], fractions = [0.2, 0.45, 0.3, 0.049, 0.001] }",
        )
        .replace("search = { kind = \"flooding\", ttl = 2 }", "search = { kind = \"gia\" }")
        + "\n[churn]\nkind = \"sessions\"\nsession = { kind = \"exponential\", mean_s = 60 }\noffline = { kind = \"exponential\", mean_s = 60 }\n";
    write(dir.path(), "s.toml", &text);
    let out = floodsim(dir.path(), &["run", "s.toml", "--out", "r", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let summary = std::fs::read_to_string(dir.path().join("r/summary.json")).unwrap();
    assert!(summary.contains("\"name\": \"short\""));
}

#[test]
fn gia_without_capacities_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = SMALL.replace(
        "search = { kind = \"flooding\", ttl = 2 }",
        "search = { kind = \"gia\", min_nbrs = 5, max_nbrs = 4 }",
    );
    write(dir.path(), "s.toml", &text);
    let out = floodsim(dir.path(), &["run", "s.toml", "--out", "r"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("variant.short.search") && err.contains("network.capacity"),
        "{err}"
    );
    assert!(err.contains("variant.short.search.max_nbrs"), "{err}");
}
