//! The capacity model end to end: message conservation per query, capacities on their own
//! stream, the outputs it adds, and its refusals.

mod common;

use common::*;
use floodsim::capacity::Capacity;
use floodsim::content::ObjectId;
use floodsim::rng::{StreamKind, stream};
use floodsim::sim::{self, Context, Protocol, QueryId};
use floodsim::topology::{NodeId, Overlay};
use floodsim::world::World;

/// A TTL flood without duplicate suppression that counts, per query, the copies it sent, the
/// ones delivered and the ones lost (to churn or a full queue).
struct Counting {
    ttl: u8,
    sent: Vec<u64>,
    delivered: Vec<u64>,
    lost: Vec<u64>,
    in_flight: u64,
}

impl Counting {
    fn forward(
        &mut self,
        ctx: &mut Context<'_, Self>,
        node: NodeId,
        except: NodeId,
        q: u32,
        ttl: u8,
    ) {
        let targets: Vec<NodeId> = ctx
            .neighbours(node)
            .iter()
            .copied()
            .filter(|&n| n != except)
            .collect();
        for &t in &targets {
            ctx.send(node, t, (q, ttl));
        }
        ctx.report().sent(q, node, targets.len() as u32, 1);
        self.sent[q as usize] += targets.len() as u64;
        self.in_flight += targets.len() as u64;
    }
}

impl Protocol for Counting {
    type Message = (u32, u8);
    type Timer = ();

    fn start_query(
        &mut self,
        ctx: &mut Context<'_, Self>,
        q: QueryId,
        source: NodeId,
        _: ObjectId,
    ) {
        let ttl = self.ttl;
        self.forward(ctx, source, NodeId::MAX, q, ttl);
    }

    fn on_message(&mut self, ctx: &mut Context<'_, Self>, to: NodeId, from: NodeId, m: (u32, u8)) {
        self.in_flight -= 1;
        self.delivered[m.0 as usize] += 1;
        if m.1 > 1 {
            self.forward(ctx, to, from, m.0, m.1 - 1);
        }
    }

    fn on_lost(&mut self, _: &mut Context<'_, Self>, _: NodeId, _: NodeId, m: (u32, u8)) {
        self.in_flight -= 1;
        self.lost[m.0 as usize] += 1;
    }

    fn query_of(&self, m: &(u32, u8)) -> Option<QueryId> {
        Some(m.0)
    }

    fn active_queries(&self) -> usize {
        usize::from(self.in_flight > 0)
    }
}

fn overloaded_world(queries: u32) -> World {
    let n = 300;
    // A ring lattice: each node linked to the three nodes on either side.
    let edges: Vec<(NodeId, NodeId)> = (0..n)
        .flat_map(|i| (1..=3).map(move |k| (i, (i + k) % n)))
        .collect();
    let overlay = Overlay::from_edges(n, &edges);
    let content = fixture::content(20, 2, floodsim::scenario::Popularity::Uniform, n, 5);
    let queries = fixture::queries(n, &content, queries, 50.0, 5);
    let mut world = fixture::world(overlay, content, queries);
    world.capacities = Capacity::Levels {
        messages_per_s: vec![20.0, 200.0, 2000.0],
        fractions: vec![0.5, 0.4, 0.1],
        queue_limit: 4,
        placement: Default::default(),
    }
    .draw(n, |_| 0, &mut stream(5, 0, StreamKind::Capacity, 0));
    world
}

#[test]
fn every_message_is_delivered_dropped_or_lost_per_query() {
    let world = overloaded_world(300);
    let q = world.queries.len();
    let mut p = Counting {
        ttl: 4,
        sent: vec![0; q],
        delivered: vec![0; q],
        lost: vec![0; q],
        in_flight: 0,
    };
    let outcome = sim::simulate(&world, &mut p, fixture::setup(), &mut |_| {});
    let records = &outcome.recorded.records;
    let queues = outcome.queues.expect("a capacity model has queues");
    let mut dropped = 0;
    for (i, r) in records.iter().enumerate() {
        // Without churn every loss is a drop.
        assert_eq!(p.lost[i], u64::from(r.dropped), "query {i}");
        assert_eq!(r.messages, p.sent[i]);
        assert_eq!(
            p.sent[i],
            p.delivered[i] + u64::from(r.dropped),
            "query {i}"
        );
        dropped += u64::from(r.dropped);
    }
    assert!(
        dropped > 1000,
        "the load is meant to overflow queues: {dropped} drops"
    );
    assert_eq!(queues.dropped, dropped);
    assert_eq!(queues.arrivals, p.sent.iter().sum::<u64>());
    assert!(queues.drop_ratio() > 0.0 && queues.drop_ratio() < 1.0);
}

#[test]
fn unlimited_nodes_drop_nothing_and_keep_no_queues() {
    let mut world = overloaded_world(100);
    world.capacities = None;
    let q = world.queries.len();
    let mut p = Counting {
        ttl: 4,
        sent: vec![0; q],
        delivered: vec![0; q],
        lost: vec![0; q],
        in_flight: 0,
    };
    let outcome = sim::simulate(&world, &mut p, fixture::setup(), &mut |_| {});
    assert!(outcome.queues.is_none());
    assert_eq!(p.sent, p.delivered);
    assert!(outcome.recorded.records.iter().all(|r| r.dropped == 0));
}

const CAPPED: &str = r#"capacity = { kind = "levels", messages_per_s = [5, 50, 500], fractions = [0.3, 0.5, 0.2], queue_limit = 3 }"#;

fn with_capacity(line: &str) -> String {
    SMALL.replace(
        "latency = { kind = \"uniform\", min_ms = 10, max_ms = 90 }",
        &format!("latency = {{ kind = \"uniform\", min_ms = 10, max_ms = 90 }}\n{line}"),
    )
}

#[test]
fn capacities_move_no_topology_content_or_query() {
    let plain = validated(SMALL, &[]);
    let capped = validated(&with_capacity(CAPPED), &[]);
    for replica in 0..2 {
        let a = World::build(&plain, replica).unwrap();
        let b = World::build(&capped, replica).unwrap();
        assert!(a.capacities.is_none() && b.capacities.is_some());
        assert_eq!(a.overlay, b.overlay);
        assert_eq!(format!("{:?}", a.content), format!("{:?}", b.content));
        assert_eq!(a.queries, b.queries);
    }
}

#[test]
fn a_capped_run_reports_drops_queues_and_utilisation() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", &with_capacity(CAPPED));
    let out = floodsim(dir.path(), &["run", "s.toml", "--out", "r", "--quiet"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let queries = std::fs::read_to_string(dir.path().join("r/queries.csv")).unwrap();
    let header: Vec<&str> = queries.lines().next().unwrap().split(',').collect();
    assert_eq!(header.last(), Some(&"dropped"));
    let dropped: u64 = queries
        .lines()
        .skip(1)
        .map(|l| l.rsplit(',').next().unwrap().parse::<u64>().unwrap())
        .sum();
    assert!(
        dropped > 0,
        "5 messages/s nodes under a TTL-5 flood drop messages"
    );
    let series = std::fs::read_to_string(dir.path().join("r/timeseries.csv")).unwrap();
    assert!(
        series
            .lines()
            .next()
            .unwrap()
            .ends_with(",mean_queue,max_queue")
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("r/summary.json")).unwrap())
            .unwrap();
    let flood = &summary["variants"][0];
    let ratio = flood["drop_ratio"].as_f64().unwrap();
    assert!(ratio > 0.0 && ratio < 1.0, "{ratio}");
    let wait = &flood["queueing_delay_ms"];
    assert!(wait["p50"].as_f64().unwrap() <= wait["p99"].as_f64().unwrap());
    assert!(wait["max"].as_f64().unwrap() > 0.0);
    let util = &flood["node_utilisation"];
    assert!(util["max"].as_f64().unwrap() <= 1.0 && util["max"].as_f64().unwrap() > 0.0);
    // The plain scenario writes none of it.
    write(dir.path(), "p.toml", SMALL);
    let out = floodsim(dir.path(), &["run", "p.toml", "--out", "p", "--quiet"]);
    assert!(out.status.success());
    let plain = std::fs::read_to_string(dir.path().join("p/summary.json")).unwrap();
    for key in [
        "drop_ratio",
        "queueing_delay_ms",
        "node_utilisation",
        "capacity",
    ] {
        assert!(!plain.contains(key), "{key} in an unlimited run's summary");
    }
    // A baseline keeps the capacity metrics, and `check` reads them back.
    let out = floodsim(dir.path(), &["baseline", "r", "-o", "b.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let baseline = std::fs::read_to_string(dir.path().join("b.json")).unwrap();
    assert!(baseline.contains("flood/drop_ratio"), "{baseline}");
    let out = floodsim(dir.path(), &["check", "r", "--baseline", "b.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn nonsense_capacities_are_refused_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    for (line, path) in [
        (
            r#"capacity = { kind = "constant", messages_per_s = 0 }"#,
            "network.capacity.messages_per_s",
        ),
        (
            r#"capacity = { kind = "constant", messages_per_s = 10, queue_limit = 0 }"#,
            "network.capacity.queue_limit",
        ),
        (
            r#"capacity = { kind = "levels", messages_per_s = [1, 10], fractions = [0.5, 0.6] }"#,
            "network.capacity.fractions",
        ),
        (
            r#"capacity = { kind = "levels", messages_per_s = [1, 10], fractions = [1.0] }"#,
            "network.capacity.fractions",
        ),
    ] {
        write(dir.path(), "bad.toml", &with_capacity(line));
        let out = floodsim(dir.path(), &["run", "bad.toml", "--out", "x"]);
        assert_eq!(out.status.code(), Some(2), "{line}: {}", stderr(&out));
        assert!(stderr(&out).contains(path), "{line}: {}", stderr(&out));
        assert!(!dir.path().join("x").exists());
    }
}

#[test]
fn a_duration_sets_the_query_count_for_load_sweeps() {
    let text = SMALL.replace("queries = 150\n", "duration_s = 20\n");
    let v = validated(&text, &[]);
    // 20 s at 10 queries/s.
    assert_eq!(v.scenario.workload.queries, 200);
    let faster = validated(&text, &["workload.rate_per_s=35.5".to_string()]);
    assert_eq!(faster.scenario.workload.queries, 710);
    // Both at once, or neither, is refused with the field path.
    let dir = tempfile::tempdir().unwrap();
    for (body, path) in [
        (
            SMALL.replace("queries = 150\n", "queries = 150\nduration_s = 20\n"),
            "workload.duration_s",
        ),
        (SMALL.replace("queries = 150\n", ""), "workload.queries"),
    ] {
        write(dir.path(), "bad.toml", &body);
        let out = floodsim(dir.path(), &["validate", "bad.toml"]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains(path), "{}", stderr(&out));
    }
}
