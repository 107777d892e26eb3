//! `floodsim run --trace`: the trace against the run's own `queries.csv`, for every sort of
//! kind, and its refusals.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Constant latency, so a flood's every copy arrives in TTL order; one kind of each mechanism.
const SCENARIO: &str = r#"
schema_version = 1
name = "traced"
seed = 5
replications = 2

[network]
nodes = 150
topology = { kind = "random-regular", degree = 4 }
latency = { kind = "constant", ms = 50 }

[content]
objects = 30
popularity = { kind = "zipf", exponent = 1.0 }
replication = { kind = "uniform", copies = 3 }

[workload]
queries = 20
rate_per_s = 5.0
timeout_s = 30

[[variant]]
name = "flood"
search = { kind = "flooding", ttl = 4 }

[[variant]]
name = "ring"
search = { kind = "expanding-ring", ttls = [1, 2, 4], wait_ms = 300 }

[[variant]]
name = "walk"
search = { kind = "random-walk", walkers = 2, ttl = 30, check_every = 4 }

[[variant]]
name = "chord"
search = { kind = "chord", successors = 4 }
"#;

type Row = BTreeMap<String, String>;

fn read_csv(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
    lines
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(String::from))
                .collect()
        })
        .collect()
}

fn run(dir: &Path, extra: &[&str]) -> std::process::Output {
    run_scenario(dir, SCENARIO, extra)
}

fn run_scenario(dir: &Path, text: &str, extra: &[&str]) -> std::process::Output {
    let scenario = common::write(dir, "s.toml", text);
    let mut args = vec!["run", scenario.to_str().unwrap(), "-q"];
    args.extend_from_slice(extra);
    common::floodsim(dir, &args)
}

#[test]
fn trace_rows_add_up_to_the_queries_rows() {
    check_trace(SCENARIO, true);
}

#[test]
fn under_churn_and_queues_gia_and_floods_still_add_up() {
    // Every variant's messages wait in capacity-limited queues (GIA needs them) and nodes come
    // and go, so copies are lost and dropped.
    let text = SCENARIO
        .replace(
            "latency = { kind = \"constant\", ms = 50 }",
            "latency = { kind = \"constant\", ms = 50 }\ncapacity = { kind = \"levels\", \
             messages_per_s = [2, 200], fractions = [0.5, 0.5], queue_limit = 1 }",
        )
        .replace(
            "[[variant]]\nname = \"ring\"",
            "[[variant]]\nname = \"gia\"\nsearch = { kind = \"gia\" }\n\n[[variant]]\nname = \"ring\"",
        )
        + "\n[churn]\nkind = \"sessions\"\nsession = { kind = \"exponential\", mean_s = 5 }\n\
           offline = { kind = \"exponential\", mean_s = 5 }\n";
    let kinds = check_trace(&text, false);
    for kind in ["lost", "dropped", "walker-step"] {
        assert!(kinds.contains(kind), "no {kind} row in {kinds:?}");
    }
}

/// Checks the traced queries of `text` against `queries.csv`; `exact` adds the oracles that
/// hold only without churn and queues. Returns the kinds seen.
fn check_trace(text: &str, exact: bool) -> BTreeSet<String> {
    let dir = tempfile::tempdir().unwrap();
    let o = run_scenario(
        dir.path(),
        text,
        &["--trace", "0,4,7", "--trace-replica", "1", "--out", "r"],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    let trace = read_csv(&dir.path().join("r/trace.csv"));
    let queries = read_csv(&dir.path().join("r/queries.csv"));
    let mut checked = 0;
    for q in queries
        .iter()
        .filter(|q| q["replica"] == "1" && ["0", "4", "7"].contains(&q["query"].as_str()))
    {
        let rows: Vec<&Row> = trace
            .iter()
            .filter(|t| t["variant"] == q["variant"] && t["query"] == q["query"])
            .collect();
        assert!(rows.iter().all(|t| t["replica"] == "1"));
        let count = |kinds: &[&str]| rows.iter().filter(|t| kinds.contains(&&*t["kind"])).count();
        let what = format!("{} query {}", q["variant"], q["query"]);
        // Every request (copy, step, lookup) is one send row.
        let requests = count(&["query", "walker-step", "lookup"]);
        assert_eq!(requests.to_string(), q["messages"], "{what}: messages");
        assert_eq!(
            count(&["duplicate"]).to_string(),
            q["duplicates"],
            "{what}: duplicates"
        );
        assert_eq!(
            count(&["reached"]).to_string(),
            q["nodes_reached"],
            "{what}: reached"
        );
        if exact && (q["variant"] == "flood" || q["variant"] == "ring") {
            // Without churn every query copy is processed: its distinct receivers other than
            // the source are the nodes reached, and every QueryHit hop is a response.
            let receivers: BTreeSet<&str> = rows
                .iter()
                .filter(|t| t["kind"] == "query" && t["to"] != q["source"])
                .map(|t| t["to"].as_str())
                .collect();
            assert_eq!(receivers.len().to_string(), q["nodes_reached"], "{what}");
            assert_eq!(
                count(&["hit"]).to_string(),
                q["response_messages"],
                "{what}"
            );
            // Constant latency: every copy arrives 50 ms after it left, and the first hop
            // carries the ring's full TTL.
            for t in rows.iter().filter(|t| t["kind"] == "query") {
                let (sent, arrives): (f64, f64) = (
                    t["time_ms"].parse().unwrap(),
                    t["arrives_ms"].parse().unwrap(),
                );
                assert!((arrives - sent - 50.0).abs() < 1e-9, "{what}: {t:?}");
            }
        }
        if exact && q["variant"] == "flood" {
            for t in rows.iter().filter(|t| t["kind"] == "query") {
                let ttl: u32 = t["ttl"].parse().unwrap();
                let hops: u32 = t["hops"].parse().unwrap();
                assert_eq!(ttl + hops, 5, "{what}: TTL 4 leaves with hops 1");
            }
        }
        // Event order: times never go back.
        let times: Vec<f64> = rows.iter().map(|t| t["time_ms"].parse().unwrap()).collect();
        assert!(times.windows(2).all(|w| w[0] <= w[1]), "{what}");
        checked += 1;
    }
    assert_eq!(checked, text.matches("[[variant]]").count() * 3);
    trace.iter().map(|t| t["kind"].clone()).collect()
}

#[test]
fn tracing_changes_no_other_output_and_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    for (out, extra) in [
        ("plain", vec![]),
        ("a", vec!["--trace", "2"]),
        ("b", vec!["--trace", "2", "--jobs", "1"]),
    ] {
        let mut args = vec!["--out", out];
        args.extend(extra);
        let o = run(dir.path(), &args);
        assert!(o.status.success(), "{}", common::stderr(&o));
    }
    let read = |p: &str| std::fs::read(dir.path().join(p)).unwrap();
    for f in ["queries.csv", "summary.json", "timeseries.csv"] {
        assert_eq!(read(&format!("plain/{f}")), read(&format!("a/{f}")), "{f}");
    }
    assert!(!dir.path().join("plain/trace.csv").exists());
    assert_eq!(read("a/trace.csv"), read("b/trace.csv"));
}

#[test]
fn a_trace_too_large_or_of_unknown_queries_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for (extra, says) in [
        (vec!["--trace", "20"], "query 20 does not exist"),
        (
            vec!["--trace", "1", "--trace-replica", "2"],
            "replica 2 does not exist",
        ),
        (
            vec![
                "--trace",
                "0,1,2,3,4,5,6,7,8,9",
                "--set",
                "network.nodes=200000",
                "--set",
                "variant.flood.search.ttl=12",
            ],
            "over the limit of 1000000 rows",
        ),
    ] {
        let mut args = vec!["--out", "r"];
        args.extend(extra);
        let o = run(dir.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
        assert!(common::stderr(&o).contains(says), "{}", common::stderr(&o));
        assert!(!dir.path().join("r").exists(), "nothing is left on disk");
    }
}
