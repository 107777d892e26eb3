//! The determinism promise: same scenario and seed give byte-identical results for any thread
//! count; another seed gives other results; random streams are keyed by identity, so changing
//! one part of a scenario leaves the draws of the others alone.

mod common;
use common::*;
use floodsim::world::World;
use std::path::Path;

fn run(dir: &Path, out: &str, extra: &[&str]) -> Vec<(String, Vec<u8>)> {
    let mut args = vec!["run", "s.toml", "--quiet", "--out", out];
    args.extend_from_slice(extra);
    let o = floodsim(dir, &args);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    deterministic_files(&dir.join(out))
}

#[test]
fn same_seed_same_bytes_for_any_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    let a = run(dir.path(), "a", &["--jobs", "1"]);
    let b = run(dir.path(), "b", &["--jobs", "1"]);
    let c = run(dir.path(), "c", &["--jobs", "2"]);
    let d = run(dir.path(), "d", &["--jobs", "3"]);
    assert_eq!(a, b, "two runs differ");
    assert_eq!(a, c, "--jobs 1 and --jobs 2 differ");
    assert_eq!(a, d, "--jobs 1 and --jobs 3 differ");
}

#[test]
fn another_seed_gives_other_results() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    let a = run(dir.path(), "a", &[]);
    let b = run(dir.path(), "b", &["--seed", "4"]);
    for ((name, x), (_, y)) in a.iter().zip(&b) {
        assert_ne!(x, y, "{name} did not change with the seed");
    }
}

#[test]
fn replicas_differ_from_each_other() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    run(dir.path(), "a", &[]);
    let csv = std::fs::read_to_string(dir.path().join("a/queries.csv")).unwrap();
    let rows = |replica: &str| -> Vec<String> {
        csv.lines()
            .filter(|l| l.split(',').nth(1) == Some(replica))
            .map(|l| l.split(',').skip(2).collect::<Vec<_>>().join(","))
            .collect()
    };
    assert_ne!(rows("0"), rows("1"));
}

fn world(overrides: &[&str]) -> World {
    let overrides: Vec<String> = overrides.iter().map(|o| o.to_string()).collect();
    World::build(&validated(SMALL, &overrides), 0).unwrap()
}

#[test]
fn changing_one_part_leaves_the_others_alone() {
    let base = world(&[]);
    let more_queries = world(&["workload.queries=300", "workload.rate_per_s=50"]);
    assert_eq!(
        base.overlay, more_queries.overlay,
        "the workload changed the topology"
    );
    assert_eq!(
        base.content.holders(7),
        more_queries.content.holders(7),
        "the workload changed the content"
    );

    let other_latency = world(&[
        "network.latency={ kind = \"constant\", ms = 5 }",
        "variant.flood.search.ttl=3",
    ]);
    assert_eq!(base.overlay, other_latency.overlay);
    assert_eq!(
        base.queries, other_latency.queries,
        "latency or TTL changed the query stream"
    );

    let other_degree = world(&["network.topology.degree=6"]);
    assert_ne!(base.overlay, other_degree.overlay);
    assert_eq!(
        base.queries, other_degree.queries,
        "the topology changed the query stream"
    );
}

#[test]
fn a_variant_is_unaffected_by_its_neighbours() {
    // Each variant has its own latency and protocol streams, keyed by its name: dropping a
    // variant or adding one must not change another's rows.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    run(dir.path(), "both", &[]);
    let only = SMALL.replace(
        "[[variant]]\nname = \"short\"\nsearch = { kind = \"flooding\", ttl = 2 }\n",
        "",
    );
    assert_ne!(only, SMALL);
    write(dir.path(), "s.toml", &only);
    run(dir.path(), "one", &[]);
    let flood_rows = |out: &str| -> Vec<String> {
        std::fs::read_to_string(dir.path().join(out).join("queries.csv"))
            .unwrap()
            .lines()
            .filter(|l| l.starts_with("flood,"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(flood_rows("both"), flood_rows("one"));
}

#[test]
fn every_strategy_is_deterministic_for_any_thread_count() {
    let strategies = r#"
[[variant]]
name = "ring"
search = { kind = "expanding-ring", ttls = [1, 2, 4], wait_ms = 300 }

[[variant]]
name = "walk"
search = { kind = "random-walk", walkers = 8, ttl = 200, check_every = 4 }

[[variant]]
name = "gia"
search = { kind = "degree-biased-walk", walkers = 4, ttl = 200, check_every = 4 }

[[variant]]
name = "chord"
search = { kind = "chord", successors = 4 }

[[variant]]
name = "kad"
search = { kind = "kademlia", k = 8, alpha = 3 }
"#;
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", &format!("{SMALL}{strategies}"));
    let a = run(dir.path(), "a", &["--jobs", "1"]);
    let b = run(dir.path(), "b", &["--jobs", "2"]);
    let c = run(dir.path(), "c", &["--jobs", "2"]);
    assert_eq!(a, b);
    assert_eq!(b, c);
    // The DHTs' upkeep (refresh and republication timers, RPC timeouts) under churn too.
    let churn = r#"
[churn]
kind = "sessions"
session = { kind = "exponential", mean_s = 30 }
offline = { kind = "exponential", mean_s = 30 }
"#;
    write(dir.path(), "s.toml", &format!("{SMALL}{strategies}{churn}"));
    let f = run(dir.path(), "f", &["--jobs", "1"]);
    assert_eq!(f, run(dir.path(), "g", &["--jobs", "2"]));
    assert_ne!(f, a, "churn changed nothing");
    let two_tier = SMALL
        .replace(
            r#"{ kind = "random-regular", degree = 4 }"#,
            r#"{ kind = "two-tier", ultrapeer_fraction = 0.1, ultrapeer_degree = 6, leaf_links = 3 }"#,
        )
        .replace(r#"{ kind = "flooding", ttl = 2 }"#, r#"{ kind = "ultrapeer-flooding", ttl = 2 }"#);
    write(dir.path(), "s.toml", &two_tier);
    assert_eq!(
        run(dir.path(), "d", &["--jobs", "1"]),
        run(dir.path(), "e", &["--jobs", "2"])
    );
}

#[test]
fn no_variant_can_share_a_random_stream() {
    // Variants draw from sub-streams keyed by their names; the DHT ids and Kademlia's bucket
    // filling have named sub-streams of their own, so those names are refused.
    let dir = tempfile::tempdir().unwrap();
    for reserved in ["dht-ids", "kademlia-buckets"] {
        let text = SMALL.replace("name = \"short\"", &format!("name = \"{reserved}\""));
        write(dir.path(), "s.toml", &text);
        let o = floodsim(dir.path(), &["validate", "s.toml"]);
        assert_eq!(o.status.code(), Some(2), "{reserved} accepted");
        let err = stderr(&o);
        assert!(
            err.contains("variant[1].name") && err.contains("reserved"),
            "{err}"
        );
    }
}
