//! Chord and Kademlia on the same world as flooding: path lengths against Stoica et al.'s
//! ½·log2 N, every existing object found, rare objects as cheap as popular ones, determinism.

mod common;
use common::*;
use floodsim::metrics::VariantRun;
use floodsim::search::run_variant;
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
        .map(|var| run_variant(&v.scenario, var, &world, &mut |_| {}))
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

#[test]
fn dht_runs_are_deterministic_and_refuse_churn() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "d.toml", &scenario(500, 5, ""));
    let run = |out: &str, jobs: &str| {
        let o = floodsim(
            dir.path(),
            &["run", "d.toml", "--quiet", "--out", out, "--jobs", jobs],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        deterministic_files(&dir.path().join(out))
    };
    assert_eq!(run("a", "1"), run("b", "2"));
    let churn = scenario(
        500,
        5,
        "[churn]\nkind = \"sessions\"\nsession = { kind = \"exponential\", mean_s = 60 }\noffline = { kind = \"exponential\", mean_s = 60 }",
    );
    write(dir.path(), "c.toml", &churn);
    let o = floodsim(dir.path(), &["run", "c.toml", "--out", "c"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("variant.chord.search") && stderr(&o).contains("churn"));
}
