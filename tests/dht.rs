//! Chord and Kademlia on the same world as flooding: path lengths against Stoica et al.'s
//! ½·log2 N, every existing object found, rare objects as cheap as popular ones, determinism.

mod common;
use common::*;
use floodsim::metrics::VariantRun;
use floodsim::run::run_variant;
use floodsim::world::World;

fn scenario(nodes: u32, copies: u32, extra: &str) -> String {
    format!(
        r#"
schema_version = 1
name = "dht"
seed = 2
[network]
nodes = {nodes}
topology = {{ kind = "random-regular", degree = 6 }}
latency = {{ kind = "constant", ms = 50 }}
[content]
objects = 1000
popularity = {{ kind = "zipf", exponent = 1.0 }}
replication = {{ kind = "uniform", copies = {copies} }}
rare = {{ objects = 200, copies = 1 }}
[workload]
queries = 3000
rate_per_s = 50
rare_fraction = 0.3
timeout_s = 60
[[variant]]
name = "chord"
search = {{ kind = "chord", successors = 8 }}
[[variant]]
name = "kademlia"
search = {{ kind = "kademlia", k = 20, alpha = 3 }}
{extra}
"#
    )
}

fn runs(text: &str) -> (World, Vec<VariantRun>) {
    let v = validated(text, &[]);
    let world = World::build(&v, 0).unwrap();
    let runs = v
        .scenario
        .variants
        .iter()
        .map(|var| run_variant(&v.scenario, var, &world, false, None, &mut |_| {}))
        .collect();
    (world, runs)
}

#[test]
fn chord_paths_are_half_log2_n_long() {
    // Stoica et al. (SIGCOMM 2001, §6.2): the mean path length is about ½·log2 N.
    for exponent in [10, 13] {
        let n = 1u32 << exponent;
        let (world, runs) = runs(&scenario(n, 5, ""));
        let hops: Vec<f64> = runs[0]
            .records
            .iter()
            .filter_map(|r| r.first_hit_hops.map(f64::from))
            .collect();
        assert!(hops.len() > 2500);
        let mean = hops.iter().sum::<f64>() / hops.len() as f64;
        let expected = 0.5 * f64::from(exponent);
        assert!(
            (mean / expected - 1.0).abs() < 0.1,
            "N = {n}: mean path {mean:.2} vs {expected}"
        );
        assert_eq!(world.overlay.node_count(), n);
    }
}

#[test]
fn both_dhts_find_every_existing_object_and_rare_ones_as_cheaply() {
    let (world, runs) = runs(&scenario(
        3000,
        30,
        "[[variant]]\nname = \"flood\"\nsearch = { kind = \"flooding\", ttl = 3 }",
    ));
    let rare_from = world.content.catalogue();
    for (run, name) in runs.iter().zip(["chord", "kademlia", "flood"]) {
        let (mut rare, mut popular) = ((0.0, 0u32, 0u32), (0.0, 0u32, 0u32));
        for (q, r) in world.queries.iter().zip(&run.records) {
            let bucket = if q.object >= rare_from {
                &mut rare
            } else {
                &mut popular
            };
            bucket.0 += r.messages as f64;
            bucket.1 += 1;
            bucket.2 += u32::from(r.success());
            if name != "flood" {
                assert_eq!(
                    r.success(),
                    q.replicas_online > 0,
                    "{name}: query for object {} with {} other copies",
                    q.object,
                    q.replicas_online
                );
            }
        }
        let cost = |b: (f64, u32, u32)| b.0 / f64::from(b.1);
        let success = |b: (f64, u32, u32)| f64::from(b.2) / f64::from(b.1);
        if name == "flood" {
            // A TTL-3 flood reaches ~150 of 3000 nodes: it finds popular objects and misses
            // most single-copy ones.
            assert!(success(popular) > 0.75 && success(rare) < 0.25, "{name}");
        } else {
            assert!(
                (cost(rare) / cost(popular) - 1.0).abs() < 0.1,
                "{name}: rare {:.2} vs popular {:.2} messages",
                cost(rare),
                cost(popular)
            );
        }
    }
}

/// 1,000 nodes online from time zero; nodes 0, 1, 2, 10, 11, 12, … (30%) leave for good at
/// 300 s. Lookups run for 900 s; tables refresh every 30-60 s and records are republished every
/// 60 s (so they expire 120 s after their provider left).
fn mass_departure(dir: &std::path::Path) -> std::path::PathBuf {
    let mut trace = String::from("node,online_s,offline_s\n");
    for n in 0..1000 {
        trace += &if n % 10 < 3 {
            format!("{n},0,300\n")
        } else {
            format!("{n},0,\n")
        };
    }
    write(dir, "t.csv", &trace);
    let text = r#"
schema_version = 1
name = "dht-churn"
seed = 4
[network]
nodes = 1000
topology = { kind = "random-regular", degree = 6 }
latency = { kind = "constant", ms = 50 }
[content]
objects = 300
replication = { kind = "uniform", copies = 3 }
[workload]
queries = 3000
rate_per_s = 3.3
timeout_s = 30
[churn]
kind = "trace"
path = "t.csv"
[[variant]]
name = "chord"
search = { kind = "chord", successors = 4, stabilize_s = 30, fix_fingers_s = 60, republish_s = 60 }
[[variant]]
name = "kademlia"
search = { kind = "kademlia", k = 8, alpha = 3, refresh_s = 60, republish_s = 60 }
[output]
timeseries_window_s = 30
"#;
    write(dir, "c.toml", text)
}

#[test]
fn lookups_under_churn_degrade_gracefully_and_recover_after_stabilization() {
    let dir = tempfile::tempdir().unwrap();
    let path = mass_departure(dir.path());
    let v = floodsim::scenario::load(&path, &[])
        .and_then(|s| s.validate(&path))
        .unwrap();
    let world = World::build(&v, 0).unwrap();
    for variant in &v.scenario.variants {
        let run = run_variant(&v.scenario, variant, &world, false, None, &mut |_| {});
        // (queries, successes, rpc timeouts, messages) of findable queries per period.
        let mut periods = [(0u32, 0u32, 0u32, 0u64); 3];
        for (q, r) in world.queries.iter().zip(&run.records) {
            let t = q.issued.micros() as f64 / 1e6;
            let period = match t {
                t if t < 240.0 => 0,
                t if (300.0..360.0).contains(&t) => 1,
                t if t >= 480.0 => 2,
                _ => continue,
            };
            if q.replicas_online > 0 {
                let p = &mut periods[period];
                p.0 += 1;
                p.1 += u32::from(r.success());
                p.2 += r.rpc_timeouts;
                p.3 += r.messages;
            }
        }
        let [before, after, late] = periods;
        let name = &variant.name;
        assert_eq!(
            (before.1, before.2),
            (before.0, 0),
            "{name}: before the departure"
        );
        assert!(
            after.2 > 50 && f64::from(after.1) >= 0.95 * f64::from(after.0),
            "{name}: just after: {after:?}"
        );
        assert_eq!((late.1, late.2), (late.0, 0), "{name}: after stabilization");
        let cost = |p: (u32, u32, u32, u64)| p.3 as f64 / f64::from(p.0);
        assert!(
            (cost(late) / cost(before) - 1.0).abs() < 0.15,
            "{name}: {:.2} messages before, {:.2} after",
            cost(before),
            cost(late)
        );
        assert!(
            run.maintenance.iter().sum::<u64>() > 0,
            "{name}: no upkeep counted"
        );
    }
}

#[test]
fn dht_runs_are_deterministic_with_and_without_churn() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "d.toml", &scenario(500, 5, ""));
    mass_departure(dir.path());
    let run = |file: &str, out: &str, jobs: &str| {
        let o = floodsim(
            dir.path(),
            &["run", file, "--quiet", "--out", out, "--jobs", jobs],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        deterministic_files(&dir.path().join(out))
    };
    assert_eq!(run("d.toml", "a", "1"), run("d.toml", "b", "2"));
    assert_eq!(run("c.toml", "c", "1"), run("c.toml", "d", "2"));
}
