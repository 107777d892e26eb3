//! The architectures of the comparison: the central index against an oracle computed from the
//! world's churn plan, super-peers against a hand-counted small case, free-rider content and
//! the bad parameters of each (exit 2 with field paths).

mod common;
use common::fixture;
use common::*;
use floodsim::churn::{Change, Changes, ChurnPlan, TimedChange};
use floodsim::content::Content;
use floodsim::metrics::QueryRecord;
use floodsim::search::{CentralIndex, FloodConfig, Flooding, Routing};
use floodsim::sim;
use floodsim::time::{SimDuration, SimTime};
use floodsim::topology::{NodeId, Overlay};
use floodsim::workload::Query;
use floodsim::world::World;

/// Each node's state changes `(time µs, online after)` in order, from a replay of the plan.
struct Presence {
    initially: Vec<bool>,
    changes: Vec<Vec<(u64, bool)>>,
}

impl Presence {
    /// Whether `v` is online at `t` µs, every change at `t` applied.
    fn online_at(&self, v: NodeId, t: u64) -> bool {
        let c = &self.changes[v as usize];
        match c.partition_point(|&(at, _)| at <= t) {
            0 => self.initially[v as usize],
            i => c[i - 1].1,
        }
    }

    /// Whether `v` leaves at some instant in (from, to].
    fn leaves_within(&self, v: NodeId, from: u64, to: u64) -> bool {
        self.changes[v as usize]
            .iter()
            .any(|&(at, up)| !up && at > from && at <= to)
    }
}

const CHURN_WORLD: &str = r#"
schema_version = 1
name = "central"
seed = 3
[network]
nodes = 300
topology = { kind = "random-regular", degree = 4 }
latency = { kind = "constant", ms = 50 }
[content]
objects = 200
replication = { kind = "uniform", copies = 2 }
rare = { objects = 100, copies = 1 }
[workload]
queries = 3000
rate_per_s = 2.0
rare_fraction = 0.5
timeout_s = 60
[churn]
kind = "sessions"
session = { kind = "exponential", mean_s = 120 }
offline = { kind = "exponential", mean_s = 120 }
warmup_s = 100
[[variant]]
name = "central"
search = { kind = "central-index" }
"#;

#[test]
fn central_index_succeeds_exactly_when_its_server_can_list_an_online_holder() {
    let v = validated(CHURN_WORLD, &[]);
    let world = World::build(&v, 0).unwrap();
    let n = world.overlay.node_count();
    let plan = world.churn.as_ref().unwrap();
    // Replay the plan: every node's changes, and (independently of the protocol) who the
    // server is when: the lowest-id online node, re-elected only when the server leaves, and
    // the registrations it receives.
    let mut presence = Presence {
        initially: plan.initially_online.clone(),
        changes: vec![Vec::new(); n as usize],
    };
    let mut online = plan.initially_online.clone();
    let mut server = (0..n).find(|&v| online[v as usize]);
    let mut servers = vec![(0u64, server)];
    // Registration messages as of each change: (time, count so far).
    let mut registrations = 0u64;
    let mut counted = Vec::new();
    for c in plan.replay(&world.overlay) {
        let t = c.time.micros();
        match c.change {
            Change::Join(v) => {
                online[v as usize] = true;
                presence.changes[v as usize].push((t, true));
                if server.is_none() {
                    server = Some(v);
                    servers.push((t, server));
                } else {
                    registrations += 1;
                }
            }
            Change::Leave(v) => {
                online[v as usize] = false;
                presence.changes[v as usize].push((t, false));
                if server == Some(v) {
                    server = (0..n).find(|&w| online[w as usize]);
                    servers.push((t, server));
                    let up = online.iter().filter(|&&u| u).count() as u64;
                    registrations += up.saturating_sub(1);
                } else {
                    registrations += 1;
                }
            }
            _ => {}
        }
        counted.push((t, registrations));
    }
    assert!(
        servers.len() > 3,
        "the server changes a few times: {servers:?}"
    );
    let server_at = |t: u64| servers[servers.partition_point(|&(at, _)| at <= t) - 1].1;
    let latency = fixture::LATENCY_MS * 1000;
    let out = sim::simulate(
        &world,
        &mut CentralIndex::by_capacity(n, |_| 0.0),
        fixture::setup(),
        &mut |_| {},
    );
    let holder_online = |q: &Query, t: u64| {
        world
            .content
            .holders(q.object)
            .iter()
            .any(|&h| h != q.source && presence.online_at(h, t))
    };
    let (mut simple_agrees, mut successes, mut last_event) = (0, 0, 0);
    for (q, r) in world.queries.iter().zip(&out.recorded.records) {
        let t = q.issued.micros();
        let sigma = server_at(t).expect("the source is online, so a server is");
        last_event = last_event.max(match () {
            _ if sigma == q.source => t,
            _ if presence.leaves_within(sigma, t, t + latency) => t + latency,
            _ => t + 2 * latency,
        });
        let expected = if sigma == q.source {
            holder_online(q, t)
        } else {
            // The request reaches the server L later, the answer the source 2L later.
            !presence.leaves_within(sigma, t, t + latency)
                && holder_online(q, t + latency)
                && !presence.leaves_within(q.source, t, t + 2 * latency)
        };
        assert_eq!(r.success(), expected, "query at {t} µs from {}", q.source);
        assert_eq!(r.messages, u64::from(sigma != q.source));
        simple_agrees += usize::from(r.success() == holder_online(q, t));
        successes += usize::from(r.success());
    }
    // The issue's statement, "succeeds iff some holder other than the source is online at
    // query time", holds but for the few queries whose 100 ms round trip a change interrupts.
    let queries = world.queries.len();
    assert!(
        simple_agrees * 100 >= queries * 99,
        "{simple_agrees} of {queries}"
    );
    assert!(
        successes > queries / 3 && successes < queries,
        "{successes} of {queries}"
    );
    // The membership driver applies changes while any query event is pending, so the
    // registrations counted are those up to the last event.
    let registered = counted[counted.partition_point(|&(at, _)| at <= last_event) - 1].1;
    assert_eq!(out.recorded.maintenance.iter().sum::<u64>(), registered);
}

#[test]
fn central_index_server_is_the_most_capable_peer() {
    // Without churn every query is one request to the server and one response back; the
    // server receives every request, and answers its own queries without a message.
    let overlay = Overlay::from_edges(4, &[(0, 1), (1, 2), (2, 3)]);
    let content = Content::place_fixed(&[vec![0], vec![2]]);
    let at = |ms| SimTime::ZERO + SimDuration::from_millis(ms);
    let query = |issued, source, object| Query {
        issued,
        source,
        object,
        replicas_online: 0,
    };
    let queries = vec![
        query(at(0), 0, 1),
        query(at(1000), 3, 0),
        query(at(2000), 2, 1),
    ];
    let world = fixture::world(overlay, content, queries);
    let rates = [1.0, 5.0, 100.0, 5.0];
    let out = sim::simulate(
        &world,
        &mut CentralIndex::by_capacity(4, |v| rates[v as usize]),
        fixture::setup(),
        &mut |_| {},
    );
    let r = &out.recorded.records;
    let summary = |r: &QueryRecord| (r.messages, r.response_messages, r.success());
    assert_eq!(summary(&r[0]), (1, 1, true));
    assert_eq!(summary(&r[1]), (1, 1, true));
    // Node 2 is the server and the only holder of object 1: nothing else lists it.
    assert_eq!(summary(&r[2]), (0, 0, false));
    assert_eq!(out.recorded.node_load, vec![1, 0, 2, 1]);
    assert_eq!(
        r[0].first_hit,
        Some(SimDuration::from_millis(2 * fixture::LATENCY_MS))
    );
}

/// Ultrapeers 0, 1, 2 in a triangle; leaves 3 → 0, 4 → 1, 5 → 2, 6 → 2. Object 0 is on leaf 5,
/// object 1 on leaf 4.
fn tiny_two_tier() -> World {
    let edges = [(0, 1), (1, 2), (0, 2), (3, 0), (4, 1), (5, 2), (6, 2)];
    let overlay = Overlay::from_edges(7, &edges).with_ultrapeers(3);
    let content = Content::place_fixed(&[vec![5], vec![4]]);
    let queries = vec![
        Query {
            issued: SimTime::ZERO,
            source: 3,
            object: 0,
            replicas_online: 1,
        },
        Query {
            issued: SimTime::ZERO + SimDuration::from_secs(10),
            source: 1,
            object: 1,
            replicas_online: 1,
        },
    ];
    fixture::world(overlay, content, queries)
}

fn tiered(routing: Routing) -> Vec<QueryRecord> {
    let config = FloodConfig::rings(vec![2], SimDuration::ZERO, routing);
    fixture::run(&tiny_two_tier(), Flooding::new(config, 7))
}

#[test]
fn super_peers_answer_for_their_leaves_where_ultrapeers_pass_the_query_down() {
    // Leaf 3 asks for object 0 with mesh TTL 2. Both: 3 → 0, then 0 → 1 and 0 → 2 (TTL 1;
    // neither forwards to the other, TTL is spent). Super-peer: 2 indexes leaf 5 and answers,
    // the hit returns 2 → 0 → 3: 3 requests, 2 responses, found 2 hops away. Ultrapeer: 2
    // passes the query to leaf 5, whose QRP table matches (a 4th request), and the hit
    // returns 5 → 2 → 0 → 3: 3 responses, 3 hops.
    let view = |r: &QueryRecord| {
        (
            r.messages,
            r.response_messages,
            r.first_hit_hops,
            r.duplicates,
        )
    };
    let sp = tiered(Routing::SuperPeer);
    let up = tiered(Routing::ULTRAPEER);
    assert_eq!(view(&sp[0]), (3, 2, Some(2), 0));
    assert_eq!(view(&up[0]), (4, 3, Some(3), 0));
    // Super-node 1 asks for object 1, which its own leaf 4 holds: its index answers at once
    // (1 hop, no message), and the flood still goes on: 1 → 0, 1 → 2, then 0 → 2 and 2 → 0
    // with TTL 1, both duplicates; no one else holds it. The ultrapeer passes the query to
    // leaf 4, which answers: 1 → 4 and back, plus the same 4 mesh messages.
    assert_eq!(view(&sp[1]), (4, 0, Some(1), 2));
    assert_eq!(sp[1].first_hit, Some(SimDuration::ZERO));
    assert_eq!(view(&up[1]), (5, 1, Some(1), 2));
}

#[test]
fn super_peer_index_uploads_are_counted_under_churn() {
    // Leaf 5 leaves at 1 s and returns at 2 s: it uploads its index to its one super-node (1
    // message). Super-node 2 leaves at 3 s and returns at 4 s: its online leaves 5 and 6
    // upload theirs to it (2 messages). A query at 5 s keeps the run going past the changes.
    let ms = |t: u64| SimTime(t * 1000);
    let mut changes = vec![
        (1000, Change::Leave(5)),
        (1000, Change::Unlink(2, 5)),
        (2000, Change::Join(5)),
        (2000, Change::Link(5, 2)),
        (2000, Change::Link(2, 5)),
        (3000, Change::Leave(2)),
        (4000, Change::Join(2)),
    ];
    for w in [0, 1, 5, 6] {
        changes.push((3000, Change::Unlink(w, 2)));
    }
    changes.sort_by_key(|&(t, _)| t);
    for w in [0, 1, 5, 6] {
        changes.push((4000, Change::Link(2, w)));
        changes.push((4000, Change::Link(w, 2)));
    }
    let base = tiny_two_tier();
    let world = World {
        churn: Some(ChurnPlan {
            initially_online: vec![true; 7],
            max_degree: 0,
            changes: Changes::Listed(
                changes
                    .into_iter()
                    .map(|(t, change)| TimedChange {
                        time: ms(t),
                        change,
                    })
                    .collect(),
            ),
            windows: Vec::new(),
        }),
        queries: vec![Query {
            issued: ms(5000),
            source: 3,
            object: 0,
            replicas_online: 1,
        }],
        ..base
    };
    let config = |routing| FloodConfig::rings(vec![2], SimDuration::ZERO, routing);
    let upkeep = |routing| {
        let mut flood = Flooding::new(config(routing), 7);
        let out = sim::simulate(&world, &mut flood, fixture::setup(), &mut |_| {});
        assert!(out.recorded.records[0].success(), "{routing:?}");
        out.recorded.maintenance.iter().sum::<u64>()
    };
    assert_eq!(upkeep(Routing::SuperPeer), 3);
    assert_eq!(upkeep(Routing::ULTRAPEER), 0);
}

#[test]
fn bad_architecture_parameters_exit_2_with_field_paths() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/compare/architectures.toml"),
    )
    .unwrap();
    let cases: &[(&str, &str, &[&str])] = &[
        (
            r#"replication = { kind = "uniform", copies = 10 }"#,
            r#"replication = { kind = "free-riders", free_rider_fraction = 1.0, min_shared = 0, shape = -1.0 }"#,
            &[
                "content.replication.free_rider_fraction",
                "content.replication.min_shared",
                "content.replication.shape",
            ],
        ),
        (
            r#", placement = "by-degree" }"#,
            " }",
            &["variant.super-peer.search", "by-degree"],
        ),
        (
            r#"search = { kind = "central-index" }"#,
            r#"search = { kind = "central-index", server = 0 }"#,
            &["server"],
        ),
        (
            r#"search = { kind = "super-peer", ttl = 3 }"#,
            r#"search = { kind = "super-peer", ttl = 0 }"#,
            &["variant.super-peer.search.ttl"],
        ),
    ];
    for (i, (from, to, wanted)) in cases.iter().enumerate() {
        assert!(base.contains(from), "{from}");
        let path = write(dir.path(), &format!("bad{i}.toml"), &base.replace(from, to));
        let out = floodsim(dir.path(), &["run", path.to_str().unwrap(), "--out", "out"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{to}: {err}");
        for w in *wanted {
            assert!(err.contains(w), "{to}: no {w} in {err}");
        }
        assert!(!dir.path().join("out").exists(), "nothing left on disk");
    }
    // A two-tier overlay is required too.
    let flat = base.replace(
        r#"topology = { kind = "two-tier", ultrapeer_fraction = 0.1, ultrapeer_degree = 10, leaf_links = 2 }"#,
        r#"topology = { kind = "random-regular", degree = 6 }"#,
    );
    let path = write(dir.path(), "flat.toml", &flat);
    let out = floodsim(dir.path(), &["run", path.to_str().unwrap(), "--out", "out"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("super-peer needs ultrapeers and leaves"),
        "{}",
        stderr(&out)
    );
}
