//! Search strategies against exact results where theory gives them and against independent
//! oracles where it does not.

use floodsim::content::Content;
use floodsim::metrics::QueryRecord;
use floodsim::rng::{StreamKind, stream};
use floodsim::scenario::{self, Popularity, Replication};
use floodsim::search::{FloodConfig, Flooding, Routing, StepRule, Walk, WalkConfig};
use floodsim::time::{SimDuration, SimTime};
use floodsim::topology::{NodeId, Overlay, two_tier};
use floodsim::workload::Query;
use floodsim::world::World;

mod common;
use common::fixture::{self, LATENCY_MS, run};

fn content(objects: u32, copies: u32, nodes: u32, seed: u64) -> Content {
    fixture::content(objects, copies, Popularity::Uniform, nodes, seed)
}

fn random_queries(n: u32, content: &Content, queries: u32, seed: u64) -> Vec<Query> {
    fixture::queries(n, content, queries, 1.0, seed)
}

fn walk(walkers: u32, ttl: u32, check_every: u32, rule: StepRule) -> Walk {
    Walk::new(WalkConfig {
        walkers,
        ttl,
        check_every,
        rule,
    })
}

/// A path 0-1-…-(n−1) with object 0 on `holder` only, and queries from node 0.
fn path_world(n: u32, holder: NodeId, queries: u32) -> World {
    let edges: Vec<(u32, u32)> = (0..n - 1).map(|i| (i, i + 1)).collect();
    let c = Content::place_fixed(&[vec![holder]]);
    let queries = (0..queries)
        .map(|i| Query {
            issued: SimTime(u64::from(i) * 1_000_000_000),
            source: 0,
            object: 0,
            replicas_online: 0,
        })
        .collect();
    fixture::world(Overlay::from_edges(n, &edges), c, queries)
}

#[test]
fn one_walker_on_a_complete_graph_takes_the_expected_steps() {
    // On K_n a walker that never steps straight back hits one of r holders (source excluded)
    // at step 1 with p1 = r/(n−1), later with p2 = r/(n−2) per step: E = 1 + (1 − p1)/p2.
    let n = 100u32;
    let edges: Vec<(u32, u32)> = (0..n)
        .flat_map(|a| (a + 1..n).map(move |b| (a, b)))
        .collect();
    let c = content(50, 5, n, 7);
    let queries = random_queries(n, &c, 20_000, 7);
    let world = fixture::world(Overlay::from_edges(n, &edges), c, queries);
    let records = run(&world, walk(1, 1_000_000, 1_000_000, StepRule::Uniform));
    let (mut expected, mut observed) = (0.0, 0.0);
    for (q, rec) in world.queries.iter().zip(&records) {
        let holders = world.content.holders(q.object);
        let r = f64::from(holders.len() as u32 - u32::from(holders.contains(&q.source)));
        let (p1, p2) = (r / f64::from(n - 1), r / f64::from(n - 2));
        expected += 1.0 + (1.0 - p1) / p2;
        observed += f64::from(rec.first_hit_hops.expect("a walk on K_n always finds it"));
        assert_eq!(
            rec.messages,
            u64::from(rec.first_hit_hops.unwrap()),
            "one message per step"
        );
    }
    let m = world.queries.len() as f64;
    let (expected, observed) = (expected / m, observed / m);
    // Steps are geometric with sd ≈ mean ≈ 23: the mean of 20,000 has sd 0.17; allow 5 sd.
    assert!(
        (observed - expected).abs() < 0.85,
        "mean steps {observed}, theory {expected}"
    );
}

#[test]
fn a_walker_on_a_path_never_steps_back_and_checks_in() {
    let world = path_world(10, 9, 3);
    for rec in run(&world, walk(1, 100, 2, StepRule::Uniform)) {
        assert_eq!(rec.first_hit_hops, Some(9));
        assert_eq!(rec.messages, 9);
        // Check-ins at steps 2, 4, 6, 8, then the hit (no check on the step that finds it).
        assert_eq!(rec.response_messages, 5);
        assert_eq!((rec.nodes_reached, rec.duplicates), (9, 0));
        assert_eq!(rec.first_hit.unwrap().micros(), (9 + 1) * LATENCY_MS * 1000);
    }
    // A walker's TTL bounds its steps.
    for rec in run(&world, walk(1, 5, 100, StepRule::Uniform)) {
        assert_eq!((rec.hits, rec.messages), (0, 5));
    }
}

#[test]
fn walkers_stop_at_their_next_check_once_the_source_has_a_hit() {
    // A star: the source in the centre, the object on one leaf. Three walkers step out at once;
    // the one that lands on the holder reports; walkers bounce back to the centre and onwards.
    let n = 30u32;
    let edges: Vec<(u32, u32)> = (1..n).map(|v| (0, v)).collect();
    let mut world = path_world(2, 1, 1);
    world.overlay = Overlay::from_edges(n, &edges);
    world.content = Content::place_fixed(&[vec![7]]);
    world.queries = vec![Query {
        issued: SimTime(0),
        source: 0,
        object: 0,
        replicas_online: 0,
    }];
    let rec = &run(&world, walk(3, 1_000, 2, StepRule::Uniform))[0];
    assert_eq!(
        rec.hits, 1,
        "exactly one walker reports (walkers stop once it is satisfied)"
    );
    // Each check-in happens on a return to the centre (even steps); walkers still out when the
    // hit lands stop at their next check, so no walker walks on for long.
    assert!(rec.messages < 3 * 60, "{rec:?}");
}

#[test]
fn walkers_stop_at_their_next_check_once_the_source_has_timed_out() {
    // A path of 100 nodes, the object at the far end, one walker checking every 2 steps, 50 ms
    // a step. With a 1 s timeout, step 20 lands at exactly 1 s (still waiting) and the check at
    // step 22 (1.1 s) finds the source has given up: 22 requests, 11 checks, no hit.
    let mut world = path_world(100, 99, 1);
    let long = &run(&world, walk(1, 1_000, 2, StepRule::Uniform))[0];
    assert_eq!((long.hits, long.messages), (1, 99));
    assert_eq!(
        long.response_messages,
        49 + 1,
        "checks at steps 2..98, then the hit"
    );
    world.timeout = SimDuration::from_secs(1);
    let short = &run(&world, walk(1, 1_000, 2, StepRule::Uniform))[0];
    assert_eq!(
        (short.hits, short.messages, short.response_messages),
        (0, 22, 11)
    );
}

#[test]
fn expanding_rings_grow_only_while_nothing_is_found() {
    let ring = |world: &World| {
        let config = FloodConfig::rings(
            vec![1, 2, 4, 8],
            SimDuration::from_millis(1_000),
            Routing::AllLinks,
        );
        run(world, Flooding::new(config, world.overlay.node_count()))
    };
    // Holder 5 hops away: rings of TTL 1, 2, 4 fail; TTL 8 finds it, launched at 3 s.
    for rec in ring(&path_world(12, 5, 2)) {
        assert_eq!(rec.messages, 1 + 2 + 4 + 8);
        assert_eq!(rec.nodes_reached, 8, "distinct nodes over all rings");
        assert_eq!(rec.duplicates, 0);
        assert_eq!(rec.first_hit_hops, Some(5));
        assert_eq!(
            rec.first_hit.unwrap().micros(),
            3_000_000 + 2 * 5 * LATENCY_MS * 1000
        );
    }
    // Holder 2 hops away: ring 2 finds it (hit back at 1.2 s, before the 2 s timer): no ring 3.
    for rec in ring(&path_world(12, 2, 2)) {
        assert_eq!(rec.messages, 1 + 2);
        assert_eq!(
            rec.first_hit.unwrap().micros(),
            1_000_000 + 2 * 2 * LATENCY_MS * 1000
        );
    }
}

#[test]
fn degree_biased_walkers_climb_to_hubs() {
    // 0-1, 0-2, 1-3, 1-4, 3-5: from 0 the walker takes 1 (degree 3) over 2 (degree 1), then
    // 3 (degree 2) over 4 (degree 1): it reaches the object on 3 in exactly 2 steps, always.
    let mut world = path_world(6, 3, 20);
    world.overlay = Overlay::from_edges(6, &[(0, 1), (0, 2), (1, 3), (1, 4), (3, 5)]);
    for rec in run(&world, walk(1, 100, 100, StepRule::HighestDegree)) {
        assert_eq!(rec.first_hit_hops, Some(2));
    }
    // A uniform walker takes 2 steps only when it happens to choose 1 and then 3.
    let uniform = run(&world, walk(1, 100, 100, StepRule::Uniform));
    assert!(uniform.iter().any(|r| r.first_hit_hops != Some(2)));
}

#[test]
fn ultrapeer_flooding_matches_a_mesh_bfs_oracle() {
    let (n, u) = (3_000u32, 300u32);
    let g = two_tier(n, u, 6, 3, &mut stream(3, 0, StreamKind::Topology, 0));
    let c = content(40, 15, n, 3);
    let queries = random_queries(n, &c, 200, 3);
    let world = fixture::world(g, c, queries);
    for ttl in [1u8, 2, 3] {
        let config = FloodConfig::rings(vec![ttl], SimDuration::ZERO, Routing::ULTRAPEER);
        let records = run(&world, Flooding::new(config, n));
        for (q, rec) in world.queries.iter().zip(&records) {
            let g = &world.overlay;
            // Ultrapeers that receive the query, by BFS over mesh links only: from a leaf the
            // entry points are its ultrapeers (mesh distance 0, TTL ttl); an ultrapeer receiving
            // TTL t forwards over the mesh while t > 1, so it reaches mesh distance ≤ ttl − 1.
            let mut dist = vec![u32::MAX; n as usize];
            let mut frontier: Vec<NodeId> = if g.is_ultrapeer(q.source) {
                dist[q.source as usize] = 0;
                g.neighbours(q.source)
                    .iter()
                    .copied()
                    .filter(|&w| g.is_ultrapeer(w))
                    .collect()
            } else {
                g.neighbours(q.source).to_vec()
            };
            let start = u32::from(g.is_ultrapeer(q.source));
            for &v in &frontier {
                dist[v as usize] = start;
            }
            let limit = u32::from(ttl) - 1 + start;
            let mut d = start;
            while d < limit {
                let mut next = Vec::new();
                for &v in &frontier {
                    for &w in g.neighbours(v).iter().filter(|&&w| g.is_ultrapeer(w)) {
                        if dist[w as usize] == u32::MAX {
                            dist[w as usize] = d + 1;
                            next.push(w);
                        }
                    }
                }
                frontier = next;
                d += 1;
            }
            let reached_ups: Vec<NodeId> = (0..u)
                .filter(|&v| v != q.source && dist[v as usize] != u32::MAX)
                .collect();
            let holders = world.content.holders(q.object);
            // Leaves that match and hang under a reached ultrapeer (or under an ultrapeer source).
            let leaves: Vec<NodeId> = (u..n)
                .filter(|&l| l != q.source && holders.contains(&l))
                .filter(|&l| {
                    g.neighbours(l)
                        .iter()
                        .any(|&p| dist[p as usize] != u32::MAX)
                })
                .collect();
            let hit_ups = reached_ups.iter().filter(|v| holders.contains(v)).count();
            assert_eq!(
                rec.nodes_reached as usize,
                reached_ups.len() + leaves.len(),
                "ttl {ttl}, query {q:?}"
            );
            assert_eq!(rec.hits as usize, hit_ups + leaves.len(), "ttl {ttl}: hits");
        }
    }
}

/// Mean success and messages per query of `records`.
fn success_and_cost(records: &[QueryRecord]) -> (f64, f64) {
    let n = records.len() as f64;
    let success = records.iter().filter(|r| r.success()).count() as f64 / n;
    (
        success,
        records.iter().map(|r| r.messages as f64).sum::<f64>() / n,
    )
}

#[test]
fn lv_relations_hold_on_a_random_graph() {
    // Lv et al. (ICS 2002): on a random graph, walkers with checking succeed about as often as
    // flooding with one to two orders of magnitude fewer messages; an expanding ring is much
    // cheaper than a full flood when objects are replicated on ~1% of the nodes.
    let n = 5_000u32;
    let g = floodsim::topology::erdos_renyi(n, 4.0, &mut stream(5, 0, StreamKind::Topology, 0))
        .largest_component();
    let n = g.node_count();
    let spec = scenario::Content {
        objects: 100,
        popularity: Popularity::Zipf { exponent: 1.2 },
        replication: Replication::Uniform { copies: n / 100 },
        rare: None,
    };
    let c = Content::place(&spec, n, &mut stream(5, 0, StreamKind::Content, 0));
    let queries = random_queries(n, &c, 400, 5);
    let world = fixture::world(g, c, queries);
    let (flood_success, flood_cost) = success_and_cost(&run(&world, Flooding::gnutella(8, n)));
    let (walk_success, walk_cost) =
        success_and_cost(&run(&world, walk(32, 1024, 4, StepRule::Uniform)));
    let ring = FloodConfig::rings(
        vec![1, 3, 5, 7, 9],
        SimDuration::from_millis(1_000),
        Routing::AllLinks,
    );
    let (ring_success, ring_cost) = success_and_cost(&run(&world, Flooding::new(ring, n)));
    assert!(flood_success > 0.99, "flood success {flood_success}");
    assert!(
        walk_success >= flood_success - 0.01,
        "walk {walk_success} vs flood {flood_success}"
    );
    assert!(
        walk_cost * 10.0 < flood_cost,
        "walk {walk_cost} vs flood {flood_cost} messages"
    );
    assert!(
        ring_success >= flood_success - 0.01,
        "ring {ring_success} vs flood {flood_success}"
    );
    assert!(
        ring_cost * 3.0 < flood_cost,
        "ring {ring_cost} vs flood {flood_cost} messages"
    );
}
