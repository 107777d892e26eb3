//! Flooding against an independent oracle: with constant latency and no churn, a TTL-t flood
//! reaches exactly the BFS ball of radius t (computed here with petgraph), sends
//! deg(s) + Σ_{1 ≤ d(v) < t} (deg(v) − 1) query messages, and gets one hit from every holder
//! in the ball, the first from the nearest, 2·d·latency after issue.

use floodsim::metrics::QueryRecord;
use floodsim::rng::{StreamKind, stream};
use floodsim::scenario::Popularity;
use floodsim::search::Flooding;
use floodsim::time::{SimDuration, SimTime};
use floodsim::topology::{Overlay, erdos_renyi, random_regular};
use floodsim::workload::Query;
use floodsim::world::World;
use petgraph::graph::{NodeIndex, UnGraph};

mod common;
use common::fixture::{self, LATENCY_MS};

fn world(overlay: Overlay, copies: u32, queries: u32, seed: u64) -> World {
    let n = overlay.node_count();
    let content = fixture::content(50, copies, Popularity::Uniform, n, seed);
    let queries = fixture::queries(n, &content, queries, 5.0, seed);
    fixture::world(overlay, content, queries)
}

fn flood(world: &World, ttl: u8) -> Vec<QueryRecord> {
    fixture::run(world, Flooding::gnutella(ttl, world.overlay.node_count()))
}

/// Hop distances from `source` by petgraph's Dijkstra on unit weights (independent of floodsim).
fn distances(g: &UnGraph<(), u32>, source: u32) -> Vec<(NodeIndex, u32)> {
    let d = petgraph::algo::dijkstra(g, NodeIndex::new(source as usize), None, |e| *e.weight());
    d.into_iter().collect()
}

fn petgraph_of(o: &Overlay) -> UnGraph<(), u32> {
    let mut g = UnGraph::<(), u32>::with_capacity(o.node_count() as usize, o.edge_count() as usize);
    for _ in 0..o.node_count() {
        g.add_node(());
    }
    for (a, b) in o.edges() {
        g.add_edge(NodeIndex::new(a as usize), NodeIndex::new(b as usize), 1);
    }
    g
}

fn check_against_bfs(world: &World, ttl: u8) {
    let g = petgraph_of(&world.overlay);
    let records = flood(world, ttl);
    let t = u32::from(ttl);
    for (q, (query, rec)) in world.queries.iter().zip(&records).enumerate() {
        let dist = distances(&g, query.source);
        let ball: Vec<(u32, u32)> = dist
            .iter()
            .map(|&(v, d)| (v.index() as u32, d))
            .filter(|&(v, d)| v != query.source && d <= t)
            .collect();
        let deg = |v: u32| g.neighbors(NodeIndex::new(v as usize)).count() as u64;
        let expected_messages = deg(query.source)
            + ball
                .iter()
                .filter(|&&(_, d)| d < t)
                .map(|&(v, _)| deg(v) - 1)
                .sum::<u64>();
        assert_eq!(rec.nodes_reached as usize, ball.len(), "query {q}: reach");
        assert_eq!(rec.messages, expected_messages, "query {q}: messages");
        assert_eq!(
            rec.duplicates,
            rec.messages - ball.len() as u64,
            "query {q}: duplicates"
        );
        let holders: Vec<u32> = ball
            .iter()
            .filter(|&&(v, _)| world.content.holders(query.object).contains(&v))
            .map(|&(_, d)| d)
            .collect();
        assert_eq!(rec.hits as usize, holders.len(), "query {q}: hits");
        assert_eq!(
            rec.response_messages,
            holders.iter().map(|&d| u64::from(d)).sum::<u64>(),
            "query {q}"
        );
        let nearest = holders.iter().min().copied();
        assert_eq!(rec.first_hit_hops, nearest, "query {q}: first hit hops");
        assert_eq!(
            rec.first_hit.map(|d| d.micros()),
            nearest.map(|d| 2 * u64::from(d) * LATENCY_MS * 1000),
            "query {q}: first hit time"
        );
    }
}

#[test]
fn random_regular_floods_equal_bfs_balls() {
    for (seed, ttl) in [(1, 1), (2, 3), (3, 5), (4, 7)] {
        let g = random_regular(2_000, 4, &mut stream(seed, 0, StreamKind::Topology, 0));
        check_against_bfs(&world(g, 5, 40, seed), ttl);
    }
}

#[test]
fn erdos_renyi_floods_equal_bfs_balls() {
    // Mean degree 3 leaves isolated nodes and small components: floods from them must stay put.
    for (seed, ttl) in [(5, 2), (6, 4), (7, 7)] {
        let g = erdos_renyi(3_000, 3.0, &mut stream(seed, 0, StreamKind::Topology, 0));
        check_against_bfs(&world(g, 8, 60, seed), ttl);
    }
}

#[test]
fn full_flood_of_a_connected_graph() {
    let g = random_regular(500, 6, &mut stream(8, 0, StreamKind::Topology, 0));
    let (n, e) = (u64::from(g.node_count()), g.edge_count());
    assert_eq!(g.components().count, 1);
    let w = world(g, 1, 10, 8);
    for rec in flood(&w, 255) {
        assert_eq!(rec.messages, 2 * e - (n - 1));
        assert_eq!(rec.duplicates, 2 * (e - n + 1));
        assert_eq!(u64::from(rec.nodes_reached), n - 1);
    }
}

#[test]
fn a_tree_floods_without_duplicates() {
    // A path 0-1-2-...-9: a full flood from any node sends N-1 messages, no duplicates.
    let edges: Vec<(u32, u32)> = (0..9).map(|i| (i, i + 1)).collect();
    let mut w = world(Overlay::from_edges(10, &edges), 1, 10, 9);
    w.queries = (0..10)
        .map(|i| Query {
            issued: SimTime(u64::from(i) * 1_000_000_000),
            source: i,
            object: 0,
            replicas_online: 0,
        })
        .collect();
    for rec in flood(&w, 20) {
        assert_eq!((rec.messages, rec.duplicates, rec.nodes_reached), (9, 0, 9));
    }
}

#[test]
fn hits_after_the_timeout_do_not_count() {
    let edges: Vec<(u32, u32)> = (0..9).map(|i| (i, i + 1)).collect();
    let mut w = world(Overlay::from_edges(10, &edges), 1, 1, 9);
    let holder = w.content.holders(0)[0];
    let source = if holder >= 5 { 0 } else { 9 };
    let d = u64::from(holder.abs_diff(source));
    w.queries = vec![Query {
        issued: SimTime(1_000),
        source,
        object: 0,
        replicas_online: 0,
    }];
    let run = |timeout_us| {
        let w = World {
            timeout: SimDuration(timeout_us),
            ..w.clone()
        };
        fixture::run(&w, Flooding::gnutella(20, 10))[0]
    };
    let round_trip = 2 * d * LATENCY_MS * 1000;
    assert_eq!(
        run(round_trip).hits,
        1,
        "a hit exactly at the timeout counts"
    );
    let late = run(round_trip - 1);
    assert_eq!(late.hits, 0);
    assert_eq!(
        late.response_messages, d,
        "the late hit still costs its messages"
    );
}

#[test]
fn grid_floods_from_interior_nodes_are_diamonds() {
    // From a node at least t steps from every border of a 100 × 100 grid, a TTL-t flood reaches
    // the L1 ball minus the source, 2t(t+1) nodes, with 4 + Σ_{d=1}^{t−1} 4d·3 = 4 + 6t(t−1)
    // query messages (every node at distance d < t has 3 onward links, 4d such nodes).
    let g = floodsim::topology::grid(100, 100, false);
    let mut w = world(g, 1, 1, 11);
    for t in [1u8, 2, 5, 10, 20] {
        w.queries = [(50u32, 50u32), (30, 70), (21, 79)]
            .iter()
            .enumerate()
            .map(|(i, &(x, y))| Query {
                issued: SimTime(i as u64 * 1_000_000_000),
                source: y * 100 + x,
                object: 0,
                replicas_online: 0,
            })
            .collect();
        let tt = u64::from(t);
        for rec in flood(&w, t) {
            assert_eq!(u64::from(rec.nodes_reached), 2 * tt * (tt + 1), "ttl {t}");
            assert_eq!(rec.messages, 4 + 6 * tt * (tt - 1), "ttl {t}");
        }
    }
}
