//! Gnutella 0.6 as deployed: dynamic querying on a hand-built two-tier graph where every
//! step is known, against the TTL-limited ultrapeer flood on generated graphs, and hashed
//! Query Routing tables against the false-positive formula.

use floodsim::content::Content;
use floodsim::metrics::QueryRecord;
use floodsim::rng::{StreamKind, stream};
use floodsim::scenario::Popularity;
use floodsim::search::qrp::{self, QrpConfig, QrpTables};
use floodsim::search::{
    DynamicConfig, FloodConfig, Flooding, LEAF_HORIZON, Launch, Routing, hosts, next_ttl,
};
use floodsim::sim;
use floodsim::time::{SimDuration, SimTime};
use floodsim::topology::{Overlay, two_tier};
use floodsim::workload::Query;
use floodsim::world::World;

mod common;
use common::fixture::{self, run, setup};

fn dynamic(desired_results: u32, probe_connections: u32) -> DynamicConfig {
    DynamicConfig {
        desired_results,
        probe_ttl: 2,
        probe_connections,
        wait_per_hop: SimDuration::from_millis(2_400),
        max_ttl: 4,
        max_horizon: 110_000,
    }
}

fn dq(config: DynamicConfig, routing: Routing, n: u32) -> Flooding {
    Flooding::new(
        FloodConfig {
            launch: Launch::Dynamic(config),
            routing,
        },
        n,
    )
}

#[test]
fn ttl_rule_matches_limewires_unit_tests() {
    // LimeWire's QueryHandlerTest.testCalculateNewTTL: (hosts per connection, degree, max TTL).
    assert_eq!(next_ttl(2_000, 15, 5), 3);
    assert_eq!(next_ttl(200, 15, 5), 2);
    assert_eq!(next_ttl(200_000, 15, 4), 4);
    assert_eq!(next_ttl(20_000, 5, 2), 2);
    // The proposal's horizon: a degree-6 connection at TTL 7 reaches Σ 5^i = 19,531 (its
    // "23,436" counts 6·5^i from the querier); degree 32 at TTL 3 reaches 1 + 31 + 961.
    assert_eq!(hosts(6, 7), 19_531);
    assert_eq!(hosts(32, 3), 993);
    assert_eq!(hosts(1, 4), 1);
}

/// Ultrapeers 0–14 and leaves 15–: UP 0 is the querier, with leaf 15 (the source) and leaf 16
/// (a holder); its connections are UPs 1–6 in id order.
///   1 – 7, 8 (each with one holder leaf)      2 – 9, 10 (no holders)
///   3 – 11, 12 (each with one holder leaf; 11 – 13, which has one more)
///   4 – 14 (with a holder leaf), and 4 has five holder leaves      5, 6: one holder leaf each
fn hand_built() -> (World, Vec<u32>) {
    let mut edges = vec![(0, 15), (0, 16)];
    edges.extend((1..=6).map(|c| (0, c)));
    edges.extend([
        (1, 7),
        (1, 8),
        (2, 9),
        (2, 10),
        (3, 11),
        (3, 12),
        (11, 13),
        (4, 14),
    ]);
    let mut next_leaf = 17;
    let mut holders = vec![16];
    for up in [7, 8, 11, 12, 13, 14, 4, 4, 4, 4, 4, 5, 6] {
        edges.push((up, next_leaf));
        holders.push(next_leaf);
        next_leaf += 1;
    }
    let overlay = Overlay::from_edges(next_leaf, &edges).with_ultrapeers(15);
    let query = Query {
        issued: SimTime::ZERO,
        source: 15,
        object: 0,
        replicas_online: holders.len() as u32,
    };
    let content = Content::place_fixed(&[holders.clone()]);
    (fixture::world(overlay, content, vec![query]), holders)
}

#[test]
fn dynamic_query_takes_the_steps_the_rules_give_on_a_hand_built_graph() {
    let (world, _) = hand_built();
    let n = world.overlay.node_count();
    // D = 10, probes down 2 connections at TTL 2. The steps, by the rules:
    //  0. leaf 16 matches: sent, H = 1 + 25, wait 2.4 s; r = 1.
    //  1. probe UPs 1 and 2 (degree 3: hosts(3, 2) = 3 each): H = 32, wait 2·2·2.4 s; r = 3.
    //  2. C = 4 left (3–6): HQC = ⌊(10 − 3)/(3/32)⌋/4 = 74/4 = 18 → TTL 2 (16·1 < 18 ≤ 16·3)
    //     down UP 3: it reaches 11, 12, not 13; H = 35, wait 4.8 s; r = 5.
    //  3. C = 3 left: HQC = ⌊(10 − 5)/(5/35)⌋/3 = 35/3 = 11 → TTL 1 down UP 4: its 5 leaves,
    //     not UP 14; r = 10.
    //  4. r = D: stop; UPs 5 and 6 never see the query.
    assert_eq!(LEAF_HORIZON, 25);
    assert_eq!(next_ttl(74 / 4, 3, 4), 2);
    assert_eq!(next_ttl(35 / 3, 2, 4), 1);
    let mut protocol = dq(dynamic(10, 2), Routing::ULTRAPEER, n);
    let outcome = sim::simulate(&world, &mut protocol, setup(), &mut |_| {});
    let rec = &outcome.recorded.records[0];
    let load = &outcome.recorded.node_load;
    assert_eq!(rec.hits, 10);
    // Queries: L→0, 0→16, probe 0→1, 0→2, 1→7, 1→8, 2→9, 2→10, 7 and 8 → their leaves;
    // 0→3, 3→11, 3→12, 11 and 12 → their leaves; 0→4, 4 → its five leaves.
    assert_eq!(rec.messages, 1 + 1 + 8 + 5 + 6);
    assert_eq!(rec.duplicates, 0);
    assert_eq!(rec.nodes_reached, 21);
    // QueryHits travel back to the source: 16 (2 hops), via 1 (4 each), via 3 (4), via 4 (3).
    assert_eq!(rec.response_messages, 2 + 2 * 4 + 2 * 4 + 5 * 3);
    for (node, reached) in [(13, false), (14, false), (5, false), (6, false), (11, true)] {
        assert_eq!(load[node] > 0, reached, "node {node}");
    }
    assert_eq!(rec.first_hit_hops, Some(2));
    // The first hit: L→0, 0→16, 16→0, 0→L, 50 ms each.
    assert_eq!(rec.first_hit.unwrap().micros(), 4 * 50_000);
}

#[test]
fn dynamic_query_searches_everything_when_results_never_suffice() {
    // D = 1000 is never reached: every connection is used, at TTLs up to max_ttl, and every
    // holder answers; the flood at TTL 4 (mesh depth 3) finds the same.
    let (world, holders) = hand_built();
    let n = world.overlay.node_count();
    let rec = &run(&world, dq(dynamic(1_000, 2), Routing::ULTRAPEER, n))[0];
    assert_eq!(rec.hits, holders.len() as u32);
    let flood = &run(
        &world,
        Flooding::new(
            FloodConfig::rings(vec![4], SimDuration::ZERO, Routing::ULTRAPEER),
            n,
        ),
    )[0];
    assert_eq!(flood.hits, rec.hits);
}

fn success_and_messages(records: &[QueryRecord]) -> (f64, f64) {
    let n = records.len() as f64;
    let found = records.iter().filter(|r| r.hits > 0).count() as f64;
    let messages: u64 = records.iter().map(|r| r.messages).sum();
    (found / n, messages as f64 / n)
}

#[test]
fn dynamic_query_stops_early_on_popular_objects_and_goes_deep_on_rare_ones() {
    let (n, u) = (4_000u32, 600u32);
    let g = two_tier(n, u, 20, 3, &mut stream(4, 0, StreamKind::Topology, 0));
    let flood = |n| {
        Flooding::new(
            FloodConfig::rings(vec![3], SimDuration::ZERO, Routing::ULTRAPEER),
            n,
        )
    };
    // Popular: 10 objects with 200 copies (5% of the peers).
    let c = fixture::content(10, 200, Popularity::Uniform, n, 4);
    let queries = fixture::queries(n, &c, 300, 1.0, 4);
    let world = fixture::world(g.clone(), c, queries);
    let (flood_success, flood_cost) = success_and_messages(&run(&world, flood(n)));
    let (dq_success, dq_cost) =
        success_and_messages(&run(&world, dq(dynamic(150, 3), Routing::ULTRAPEER, n)));
    assert!(flood_success > 0.99, "flood success {flood_success}");
    assert!(
        dq_success >= flood_success - 0.01,
        "{dq_success} vs {flood_success}"
    );
    assert!(
        dq_cost * 4.0 < flood_cost,
        "popular: dynamic {dq_cost} vs flood {flood_cost} messages"
    );
    // Rare: 100 objects with 2 copies. The dynamic query reaches at least the flood's nodes
    // and finds at least what it finds.
    let c = fixture::content(100, 2, Popularity::Uniform, n, 5);
    let queries = fixture::queries(n, &c, 300, 1.0, 5);
    let world = fixture::world(g, c, queries);
    let flood_records = run(&world, flood(n));
    let dq_records = run(&world, dq(dynamic(150, 3), Routing::ULTRAPEER, n));
    let reached = |r: &[QueryRecord]| r.iter().map(|q| u64::from(q.nodes_reached)).sum::<u64>();
    let (flood_success, _) = success_and_messages(&flood_records);
    let (dq_success, _) = success_and_messages(&dq_records);
    assert!(
        dq_success >= flood_success,
        "rare: {dq_success} vs {flood_success}"
    );
    assert!(reached(&dq_records) >= reached(&flood_records));
}

#[test]
fn qrp_false_positive_rate_matches_the_formula() {
    // Every leaf shares f objects of k keywords in a table of m slots: a keyword no leaf has
    // falls on a set slot with probability 1 − (1 − 1/m)^(k·f). One fresh keyword per table
    // makes the probes independent: a binomial with sd √(p(1 − p)/tables); allow 4 sd.
    let (bits, k) = (10u32, 3u32);
    let m = f64::from(1u32 << bits);
    let (ups, leaves) = (10u32, 3_000u32);
    let n = ups + leaves;
    let edges: Vec<(u32, u32)> = (ups..n).map(|l| (l % ups, l)).collect();
    let overlay = Overlay::from_edges(n, &edges).with_ultrapeers(ups);
    for f in [5u32, 30, 100] {
        // Leaf l holds objects l·f … l·f + f − 1; objects above all of them are fresh.
        let holders: Vec<Vec<u32>> = (0..leaves * f).map(|o| vec![ups + o / f]).collect();
        let content = Content::place_fixed(&holders);
        let config = QrpConfig {
            table_bits: bits,
            keywords_per_object: k,
            last_hop: false,
        };
        let tables = QrpTables::build(config, &overlay, &content);
        let fresh = leaves * f;
        let hits = (0..leaves)
            .filter(|&l| {
                let slot = qrp::hash(&qrp::keyword(fresh + l, 0), bits);
                tables.slot_set(ups + l, slot)
            })
            .count();
        let p = 1.0 - (1.0 - 1.0 / m).powf(f64::from(k * f));
        let measured = hits as f64 / f64::from(leaves);
        let sd = (p * (1.0 - p) / f64::from(leaves)).sqrt();
        assert!(
            (measured - p).abs() < 4.0 * sd + 1e-9,
            "f = {f}: measured {measured}, formula {p} (sd {sd})"
        );
        // Holders always match (no false negatives).
        assert!((0..leaves * f).all(|o| tables.matches(ups + o / f, o)));
    }
}

#[test]
fn qrp_false_positives_are_the_extra_leaf_messages() {
    // With tiny tables (64 slots) leaves match objects they lack: the flood's mesh part is the same
    // as with exact tables, so the extra messages are exactly the false positives counted, and
    // the hits are the same (a table never misses what its leaf holds).
    let (n, u) = (2_000u32, 200u32);
    let g = two_tier(n, u, 8, 2, &mut stream(6, 0, StreamKind::Topology, 0));
    let c = fixture::content(400, 20, Popularity::Uniform, n, 6);
    let queries = fixture::queries(n, &c, 200, 1.0, 6);
    let world = fixture::world(g, c, queries);
    let qrp = QrpConfig {
        table_bits: 6,
        keywords_per_object: 2,
        last_hop: false,
    };
    let rings = |routing| Flooding::new(FloodConfig::rings(vec![2], SimDuration::ZERO, routing), n);
    let exact = run(&world, rings(Routing::ULTRAPEER));
    let mut hashed = rings(Routing::Ultrapeer { qrp: Some(qrp) });
    let outcome = sim::simulate(&world, &mut hashed, setup(), &mut |_| {});
    let counts = outcome.recorded.qrp.expect("QRP counts");
    let messages = |r: &[QueryRecord]| r.iter().map(|q| q.messages).sum::<u64>();
    let records = &outcome.recorded.records;
    assert!(counts.leaf_false_positives > 0);
    assert_eq!(
        messages(records) - messages(&exact),
        counts.leaf_false_positives
    );
    let hits = |r: &[QueryRecord]| r.iter().map(|q| q.hits).collect::<Vec<_>>();
    assert_eq!(hits(records), hits(&exact));
    // Every leaf sent its table to each of its 2 ultrapeers at the start: a RESET and one
    // PATCH (64 four-bit slots compress far below 1 KB).
    let leaves = u64::from(n - u);
    assert_eq!(counts.table_messages, leaves * 2 * 2);
}
