//! `nodes.csv` (`output.nodes`, `floodsim run --nodes`) against independent counts: the
//! per-query totals of `queries.csv` and `summary.json`, the flooding rule for the source's
//! own copies, a churn trace's intervals; and its charts.

mod common;

use common::floodsim;
use std::collections::BTreeMap;
use std::path::Path;

/// A CSV file as a header and rows of cells.
fn csv(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).expect("csv file");
    let mut lines = text.lines();
    let header = lines.next().unwrap().split(',').map(String::from).collect();
    let rows = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    (header, rows)
}

/// Per variant, the sum of each named numeric column.
fn sums(path: &Path, columns: &[&str]) -> BTreeMap<String, Vec<f64>> {
    let (header, rows) = csv(path);
    let at = |name: &str| header.iter().position(|h| h == name).expect(name);
    let variant = at("variant");
    let mut out: BTreeMap<String, Vec<f64>> = BTreeMap::new();
    for r in rows {
        let sum = out
            .entry(r[variant].clone())
            .or_insert_with(|| vec![0.0; columns.len()]);
        for (s, c) in sum.iter_mut().zip(columns) {
            *s += r[at(c)].parse::<f64>().unwrap_or(0.0);
        }
    }
    out
}

fn run(dir: &Path, args: &[&str]) {
    let o = floodsim(dir, args);
    assert!(o.status.success(), "{}", common::stderr(&o));
}

fn scenario(name: &str) -> String {
    format!("{}/scenarios/{name}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn flooding_node_counts_add_up_to_the_query_totals() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let file = scenario("teaching/flooding.toml");
    run(
        dir.path(),
        &["run", &file, "--out", out.to_str().unwrap(), "--quiet"],
    );
    let nodes = sums(
        &out.join("nodes.csv"),
        &["received", "sent", "forwarded", "duplicates", "hits_served"],
    );
    let queries = sums(
        &out.join("queries.csv"),
        &["messages", "response_messages", "duplicates", "hits"],
    );
    // Each query's source sends one copy to each of its neighbours; every other request
    // message is forwarded by a node that is not the source.
    let (header, rows) = csv(&out.join("nodes.csv"));
    let degree_col = header.iter().position(|h| h == "degree").unwrap();
    let degree: BTreeMap<String, f64> = rows
        .iter()
        .map(|r| (r[2].clone(), r[degree_col].parse().unwrap()))
        .collect();
    let (qh, qrows) = csv(&out.join("queries.csv"));
    let (qv, qs) = (
        qh.iter().position(|h| h == "variant").unwrap(),
        qh.iter().position(|h| h == "source").unwrap(),
    );
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(nodes.len(), 3);
    for (variant, n) in &nodes {
        let q = &queries[variant];
        let [received, sent, forwarded, duplicates, served] = n[..] else {
            unreachable!()
        };
        let [messages, responses, dups, hits] = q[..] else {
            unreachable!()
        };
        assert!(messages > 0.0 && responses > 0.0 && dups > 0.0);
        // Counted at delivery by the simulation layer vs reported per query by the protocol:
        // without churn or queues every message sent is received.
        assert_eq!(received, messages + responses, "{variant}");
        assert_eq!(sent, messages + responses, "{variant}");
        assert_eq!(duplicates, dups, "{variant}");
        // Every QueryHit reaches its source well within the 30 s timeout.
        assert_eq!(served, hits, "{variant}");
        let own: f64 = qrows
            .iter()
            .filter(|r| &r[qv] == variant)
            .map(|r| degree[&r[qs]])
            .sum();
        assert_eq!(forwarded, messages - own, "{variant}");
        // The busiest node's load per query is summary.json's peak_node_load (one replica).
        let (_, all) = csv(&out.join("nodes.csv"));
        let received_col = header.iter().position(|h| h == "received").unwrap();
        let peak = all
            .iter()
            .filter(|r| &r[0] == variant)
            .map(|r| r[received_col].parse::<f64>().unwrap())
            .fold(0.0, f64::max);
        let v = summary["variants"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == variant.as_str())
            .unwrap();
        let per_query = peak / v["queries"].as_f64().unwrap();
        assert!((v["peak_node_load"].as_f64().unwrap() - per_query).abs() < 1e-9);
    }
}

#[test]
fn walkers_and_queue_drops_are_counted_at_their_nodes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let file = scenario("teaching/flood-vs-walkers.toml");
    // Small queues, so some messages are dropped.
    let capacity = "network.capacity={ kind = \"constant\", messages_per_s = 40, queue_limit = 2 }";
    run(
        dir.path(),
        &[
            "run",
            &file,
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--set",
            capacity,
        ],
    );
    let (header, _) = csv(&out.join("nodes.csv"));
    assert_eq!(
        header.join(","),
        "variant,replica,node,degree,capacity,received,sent,forwarded,duplicates,hits_served,dropped"
    );
    let nodes = sums(&out.join("nodes.csv"), &["sent", "duplicates", "dropped"]);
    let queries = sums(
        &out.join("queries.csv"),
        &["messages", "response_messages", "duplicates", "dropped"],
    );
    for (variant, n) in &nodes {
        let q = &queries[variant];
        assert!(q[3] > 0.0, "{variant}: no drop to count");
        // Walkers' check-ins count as sent (they are response messages), though never
        // delivered.
        assert_eq!(n[0], q[0] + q[1], "{variant}");
        assert_eq!(n[1], q[2], "{variant}");
        assert_eq!(n[2], q[3], "{variant}");
    }
}

#[test]
fn online_time_is_the_churn_traces_intervals_up_to_the_horizon() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let file = scenario("churn/trace-example.toml");
    run(
        dir.path(),
        &[
            "run",
            &file,
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--nodes",
        ],
    );
    // The horizon: the last query's issue time plus the 30 s timeout.
    let (qh, qrows) = csv(&out.join("queries.csv"));
    let issued = qh.iter().position(|h| h == "issued_ms").unwrap();
    let last = qrows
        .iter()
        .map(|r| r[issued].parse::<f64>().unwrap())
        .fold(0.0, f64::max);
    let horizon = last / 1e3 + 30.0;
    let mut expected = vec![0.0f64; 60];
    let trace = std::fs::read_to_string(scenario("churn/example-trace.csv")).unwrap();
    for line in trace.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let node: usize = cells[0].parse().unwrap();
        let on: f64 = cells[1].parse().unwrap();
        let off: f64 = cells[2].parse().unwrap_or(f64::INFINITY);
        expected[node] += (off.min(horizon) - on.min(horizon)).max(0.0);
    }
    let (header, rows) = csv(&out.join("nodes.csv"));
    let online = header.iter().position(|h| h == "online_s").unwrap();
    assert_eq!(rows.len(), 2 * 60);
    for r in &rows {
        let node: usize = r[2].parse().unwrap();
        let got: f64 = r[online].parse().unwrap();
        // Times are kept to the microsecond.
        assert!(
            (got - expected[node]).abs() < 2e-6,
            "{} node {node}: {got} s online, the trace says {}",
            r[0],
            expected[node]
        );
    }
}

#[test]
fn dht_rows_report_the_records_each_node_stores() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let text = format!(
        "{}\n[[variant]]\nname = \"chord\"\nsearch = {{ kind = \"chord\", successors = 4 }}\n",
        common::SMALL.replace("replications = 2", "replications = 1")
    );
    let file = common::write(dir.path(), "s.toml", &text);
    run(
        dir.path(),
        &[
            "run",
            file.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--nodes",
        ],
    );
    let (header, rows) = csv(&out.join("nodes.csv"));
    assert_eq!(header.last().unwrap(), "records");
    // Without churn every copy of every object has a record on `successors` = 4 nodes: 50
    // objects × 3 copies + 10 rare objects × 1 copy, each on distinct nodes.
    let records: u64 = rows
        .iter()
        .filter(|r| r[0] == "chord")
        .map(|r| r.last().unwrap().parse::<u64>().unwrap())
        .sum();
    assert_eq!(records, (50 * 3 + 10) * 4);
    assert!(
        rows.iter()
            .filter(|r| r[0] != "chord")
            .all(|r| r.last().unwrap().is_empty())
    );
}

#[test]
fn nodes_csv_is_opt_in_and_its_charts_are_byte_identical_on_repeat() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let file = scenario("teaching/gnutella06.toml");
    let plain = common::write(
        dir.path(),
        "plain.toml",
        &std::fs::read_to_string(&file)
            .unwrap()
            .replace("nodes = true", "nodes = false"),
    );
    run(
        dir.path(),
        &[
            "run",
            plain.to_str().unwrap(),
            "--out",
            a.to_str().unwrap(),
            "--quiet",
        ],
    );
    assert!(!a.join("nodes.csv").exists());
    run(dir.path(), &["plot", a.to_str().unwrap()]);
    assert!(!a.join("plots/nodes_lorenz.svg").exists());
    run(
        dir.path(),
        &[
            "run",
            &file,
            "--out",
            b.to_str().unwrap(),
            "--quiet",
            "--jobs",
            "1",
        ],
    );
    // Turning nodes.csv on changes no other output.
    for ((name, x), (_, y)) in common::deterministic_files(&a)
        .iter()
        .zip(common::deterministic_files(&b))
    {
        if name != "summary.json" {
            assert!(x == &y, "{name} changed");
        }
    }
    let again = dir.path().join("c");
    run(
        dir.path(),
        &[
            "run",
            &file,
            "--out",
            again.to_str().unwrap(),
            "--quiet",
            "--jobs",
            "2",
        ],
    );
    assert_eq!(
        std::fs::read(b.join("nodes.csv")).unwrap(),
        std::fs::read(again.join("nodes.csv")).unwrap()
    );
    let charts = |d: &Path, out: &str| {
        run(d, &["plot", d.to_str().unwrap(), "--out", out]);
        ["nodes_load_vs_degree.svg", "nodes_lorenz.svg"]
            .map(|f| std::fs::read(d.join(out).join(f)).expect("chart written"))
    };
    assert_eq!(charts(&b, "p1"), charts(&b, "p2"));
    let lorenz = String::from_utf8(charts(&b, "p3")[1].clone()).unwrap();
    let legend: Vec<String> = common::svg_texts(&lorenz)
        .into_iter()
        .map(|t| t.text)
        .filter(|t| t.contains("Gini"))
        .collect();
    assert_eq!(legend.len(), 3, "{legend:?}");
}

#[test]
fn a_nodes_csv_too_large_for_memory_is_refused_naming_output_nodes() {
    let dir = tempfile::tempdir().unwrap();
    // 40 variants × 500 million nodes: the per-node counters (72 bytes per node and variant)
    // dwarf everything else.
    let mut text = common::SMALL
        .replace("nodes = 400", "nodes = 500000000")
        .replace("replications = 2", "replications = 1");
    for i in 0..38 {
        text +=
            &format!("[[variant]]\nname = \"v{i}\"\nsearch = {{ kind = \"flooding\", ttl = 1 }}\n");
    }
    let file = common::write(dir.path(), "s.toml", &text);
    let file = file.to_str().unwrap();
    let o = floodsim(
        dir.path(),
        &["validate", file, "--set", "output.nodes=true"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    let err = common::stderr(&o);
    assert!(err.contains("output.nodes:"), "{err}");
    assert!(err.contains("turn output.nodes off"), "{err}");
    let o = floodsim(dir.path(), &["run", file, "--nodes", "--out", "r"]);
    assert_eq!(o.status.code(), Some(2), "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains("output.nodes:"));
    assert!(!dir.path().join("r").exists());
}

#[test]
fn a_sweep_writes_no_nodes_csv_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("s");
    let file = scenario("teaching/flooding.toml");
    let o = floodsim(
        dir.path(),
        &[
            "sweep",
            &file,
            "--param",
            "variant.ttl2.search.ttl=1,2",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ],
    );
    assert!(o.status.success(), "{}", common::stderr(&o));
    assert!(common::stderr(&o).contains("note: output.nodes: a sweep writes no nodes.csv"));
    let files: Vec<String> = walk(&out);
    assert!(files.iter().all(|f| !f.contains("nodes")), "{files:?}");
}

/// Every file below `dir`, as paths relative to it.
fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p.strip_prefix(dir).unwrap().display().to_string());
        }
    }
    out
}
