//! The metric catalogue's outputs: runs that issue no query, and `plot`/`check` refusing
//! result folders and baselines they cannot trust (issue 15), plus the typed summary reader.

mod common;

use common::{SMALL, floodsim, stderr, write};
use floodsim::metrics::{CATALOGUE, Figure};
use serde_json::Value;
use std::path::Path;

/// SMALL under a churn trace with only its header: no node is ever online, so no query is
/// ever issued.
fn no_query_scenario(dir: &Path) {
    write(dir, "trace.csv", "node,online_s,offline_s\n");
    let text = format!("{SMALL}\n[churn]\nkind = \"trace\"\npath = \"trace.csv\"\n");
    write(dir, "s.toml", &text);
}

fn json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("read")).expect("valid JSON")
}

fn ok(dir: &Path, args: &[&str]) {
    let o = floodsim(dir, args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
}

fn refused(dir: &Path, args: &[&str], words: &[&str]) {
    let o = floodsim(dir, args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{args:?}: {err}");
    for w in words {
        assert!(err.contains(w), "{args:?}: {err:?} lacks {w:?}");
    }
}

#[test]
fn a_run_without_queries_completes_and_reports_zero_queries() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    no_query_scenario(d);
    ok(d, &["run", "s.toml", "--quiet", "--out", "r"]);
    let text = std::fs::read_to_string(d.join("r/summary.json")).unwrap();
    assert!(!text.contains("NaN"), "{text}");
    let summary = json(&d.join("r/summary.json"));
    for v in summary["variants"].as_array().unwrap() {
        assert_eq!(v["queries"], 0);
        for key in ["success_rate", "success_rate_ci95", "messages_per_query"] {
            assert!(
                v[key].is_null(),
                "{key} of a run without queries: {}",
                v[key]
            );
        }
    }
    let queries = std::fs::read_to_string(d.join("r/queries.csv")).unwrap();
    assert_eq!(queries.lines().count(), 1, "only the header");
    // Sessions so short and offline periods so long that a node is online with probability
    // 1e-12: the same, without a trace.
    let churn = "churn={kind=\"sessions\", session={kind=\"exponential\", mean_s=0.001}, offline={kind=\"exponential\", mean_s=1e9}}";
    ok(
        d,
        &["run", "s.toml", "--quiet", "--out", "r2", "--set", churn],
    );
    assert_eq!(
        json(&d.join("r2/summary.json"))["variants"][0]["queries"],
        0
    );
    // The sweep version, and every reader of such results.
    let sweep = [
        "sweep",
        "s.toml",
        "--param",
        "variant.flood.search.ttl=3,4",
        "--quiet",
        "--out",
        "sw",
    ];
    ok(d, &sweep);
    let csv = std::fs::read_to_string(d.join("sw/sweep.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert_eq!(rows.len(), 2 * 2 * 2, "points × variants × replicas");
    assert!(rows.iter().all(|r| r.contains(",0,,")), "{csv}");
    for folder in ["r", "sw"] {
        ok(d, &["plot", folder, "--out", &format!("{folder}-plots")]);
        let baseline = format!("{folder}.json");
        ok(d, &["baseline", folder, "-o", &baseline]);
        ok(d, &["check", folder, "--baseline", &baseline]);
    }
}

#[test]
fn plot_and_check_refuse_a_damaged_summary() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "s.toml", SMALL);
    ok(d, &["run", "s.toml", "--quiet", "--out", "r"]);
    ok(d, &["baseline", "r", "-o", "b.json"]);
    let path = d.join("r/summary.json");
    let good = std::fs::read_to_string(&path).unwrap();
    let edited = |edit: &dyn Fn(&mut Value)| {
        let mut doc: Value = serde_json::from_str(&good).unwrap();
        edit(&mut doc);
        doc.to_string()
    };
    let damaged = [
        "{}".to_string(),
        String::new(),
        "[]".to_string(),
        good[..good.len() / 2].to_string(),
        r#"{"definition": {"points": []}}"#.to_string(),
        edited(&|d| d["schema_version"] = 7.into()),
        edited(&|d| d["variants"] = Value::Array(vec![])),
        edited(&|d| d["variants"][0]["success_rate"] = "high".into()),
        edited(&|d| {
            d["variants"][1]
                .as_object_mut()
                .unwrap()
                .remove("messages_per_query");
        }),
        edited(&|d| d["variants"][0]["by_replicas"] = 3.into()),
    ];
    for text in &damaged {
        std::fs::write(&path, text).unwrap();
        refused(d, &["plot", "r", "--out", "p"], &["summary.json"]);
        refused(
            d,
            &["check", "r", "--baseline", "b.json"],
            &["summary.json"],
        );
    }
}

#[test]
fn plot_and_check_refuse_damaged_sweep_files() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "s.toml", SMALL);
    let sweep = ["sweep", "s.toml", "--param", "variant.flood.search.ttl=4,5"];
    ok(d, &[&sweep[..], &["--quiet", "--out", "sw"]].concat());
    ok(d, &["baseline", "sw", "-o", "b.json"]);
    let damage = |file: &str, edit: &dyn Fn(&str) -> String| {
        let path = d.join("sw").join(file);
        let good = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, edit(&good)).unwrap();
        good
    };
    let last_cell_bad = |t: &str| t.trim_end().rsplit_once(',').unwrap().0.to_string() + ",x\n";
    /// The file to damage, how, and the commands that read it.
    type Case<'a> = (&'a str, &'a dyn Fn(&str) -> String, &'a [&'a str]);
    let cases: [Case; 6] = [
        ("sweep.json", &|_| "{}".into(), &["plot", "check"]),
        (
            "sweep.json",
            &|t| t[..t.len() / 2].into(),
            &["plot", "check"],
        ),
        (
            "sweep_summary.csv",
            &|t| t.replacen("_ci95_hi\n", "\n", 1),
            &["plot"],
        ),
        ("sweep_summary.csv", &last_cell_bad, &["plot"]),
        ("sweep.csv", &|t| t[..t.len() - 10].into(), &["check"]),
        ("sweep.csv", &last_cell_bad, &["check"]),
    ];
    for (file, edit, commands) in cases {
        let good = damage(file, edit);
        for command in commands {
            let args: &[&str] = match *command {
                "plot" => &["plot", "sw", "--out", "p"],
                _ => &["check", "sw", "--baseline", "b.json"],
            };
            refused(d, args, &[file]);
        }
        damage(file, &|_| good.clone());
    }
    ok(d, &["check", "sw", "--baseline", "b.json"]);
}

#[test]
fn check_refuses_baselines_of_other_results() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "s.toml", SMALL);
    ok(d, &["run", "s.toml", "--quiet", "--out", "r"]);
    ok(d, &["baseline", "r", "-o", "b.json"]);
    ok(d, &["check", "r", "--baseline", "b.json"]);
    // The same worlds under another scenario name: every figure agrees, yet it is not the
    // scenario the baseline describes.
    ok(
        d,
        &[
            "run",
            "s.toml",
            "--quiet",
            "--out",
            "other",
            "--set",
            "name=\"other\"",
        ],
    );
    refused(
        d,
        &["check", "other", "--baseline", "b.json"],
        &["scenario", "\"other\""],
    );
    // A run baseline against a sweep of the same scenario, and the other way round.
    let sweep = ["sweep", "s.toml", "--param", "variant.flood.search.ttl=4,5"];
    ok(d, &[&sweep[..], &["--quiet", "--out", "sw"]].concat());
    ok(d, &["baseline", "sw", "-o", "bs.json"]);
    refused(
        d,
        &["check", "sw", "--baseline", "b.json"],
        &["run result", "sweep result"],
    );
    refused(
        d,
        &["check", "r", "--baseline", "bs.json"],
        &["run result", "sweep result"],
    );
    // Baselines with tolerances or values no floodsim writes.
    let good = std::fs::read_to_string(d.join("b.json")).unwrap();
    let edited = |key: &str, value: Value| {
        let mut doc: Value = serde_json::from_str(&good).unwrap();
        doc["metrics"][1][key] = value;
        doc.to_string()
    };
    for (text, words) in [
        (
            edited("relative", (-0.05).into()),
            &["tolerance", "negative"][..],
        ),
        (
            edited("absolute", (-1.0).into()),
            &["tolerance", "negative"][..],
        ),
        (
            good.replacen("\"relative\": 0.05", "\"relative\": NaN", 1),
            &["baseline"][..],
        ),
        (
            edited("id", "flood/no_such_metric".into()),
            &["no_such_metric"][..],
        ),
    ] {
        write(d, "bad.json", &text);
        refused(d, &["check", "r", "--baseline", "bad.json"], words);
    }
}

#[test]
fn the_summary_reads_back_as_it_was_computed() {
    let dir = tempfile::tempdir().unwrap();
    let validated = common::validated(SMALL, &[]);
    let opts = floodsim::run::RunOptions {
        out: Some(dir.path().join("r")),
        jobs: Some(1),
        trace: None,
    };
    let report = floodsim::run::run(&validated, &opts, &|_, _| {}).unwrap();
    let read = floodsim::output::summary_json::read(&dir.path().join("r/summary.json")).unwrap();
    assert_eq!(read.scenario, "small");
    // serde_json's default float parser may be an ulp off the written value (as it always was
    // for `check`), so numbers compare within 1e-15 relative; the shapes compare exactly.
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-15 * a.abs().max(b.abs());
    let numbers = |f: &Figure| -> Vec<f64> {
        match f {
            Figure::Scalar(x) => vec![*x],
            Figure::Proportion { rate, ci95 } => vec![*rate, ci95[0], ci95[1]],
            Figure::Distribution(d) => vec![d.mean, d.p50, d.p90, d.p99, d.max],
        }
    };
    assert_eq!(read.variants.len(), report.summary.variants.len());
    for (r, w) in read.variants.iter().zip(&report.summary.variants) {
        assert_eq!((&r.name, r.queries), (&w.name, w.queries));
        assert_eq!(r.by_replicas.len(), w.by_replicas.len());
        for (m, (a, b)) in CATALOGUE.iter().zip(r.figures.iter().zip(&w.figures)) {
            match (a, b) {
                (Some(a), Some(b)) => {
                    assert_eq!(
                        std::mem::discriminant(a),
                        std::mem::discriminant(b),
                        "{}",
                        m.name
                    );
                    let (x, y) = (numbers(a), numbers(b));
                    assert!(
                        x.iter().zip(&y).all(|(x, y)| close(*x, *y)),
                        "{}: {x:?} {y:?}",
                        m.name
                    );
                }
                (None, None) => {}
                _ => panic!("{} read back as {a:?}, written as {b:?}", m.name),
            }
        }
    }
}

#[test]
fn the_readme_documents_every_sweep_csv_column() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme.find("### `sweep.csv`").expect("a sweep.csv section");
    let section = &readme[start..];
    let section = &section[..section[4..].find("\n### ").map_or(section.len(), |e| e + 4)];
    for column in ["variant", "replica", "queries"]
        .into_iter()
        .chain(CATALOGUE.iter().map(|m| m.name))
    {
        assert!(
            section.contains(&format!("`{column}`")),
            "README's sweep.csv section does not document {column}"
        );
    }
}
