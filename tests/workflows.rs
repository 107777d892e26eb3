//! The three ways people use floodsim beyond `run`: sweeps (determinism across --jobs, shards
//! and merge, resume after an interruption), plots (valid and byte-stable), and regression
//! checks (pass on identical results, exit 1 on drift, 2 on bad input).

mod common;
use common::*;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

const PARAMS: [&str; 4] = [
    "--param",
    "variant.flood.search.ttl=2..=4",
    "--param",
    "network.topology.degree=4,6",
];

fn sweep(dir: &Path, out: &str, extra: &[&str]) {
    let mut args = vec![
        "sweep",
        "s.toml",
        "--quiet",
        "--replications",
        "2",
        "--out",
        out,
    ];
    args.extend_from_slice(&PARAMS);
    args.extend_from_slice(extra);
    let o = floodsim(dir, &args);
    assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
}

fn sweep_files(dir: &Path) -> Vec<Vec<u8>> {
    ["sweep.csv", "sweep_summary.csv", "sweep.json"]
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect()
}

#[test]
fn sweeps_are_deterministic_and_shards_merge_into_the_whole() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    sweep(dir.path(), "one", &["--jobs", "1"]);
    sweep(dir.path(), "two", &["--jobs", "2"]);
    let whole = sweep_files(&dir.path().join("one"));
    assert_eq!(
        whole,
        sweep_files(&dir.path().join("two")),
        "--jobs changed the sweep"
    );
    let csv = String::from_utf8(whole[0].clone()).unwrap();
    assert_eq!(
        csv.lines().count(),
        1 + 3 * 2 * 2 * 2,
        "points × variants × replicas rows"
    );
    assert!(csv.starts_with(
        "variant.flood.search.ttl,network.topology.degree,variant,replica,queries,success_rate,"
    ));
    // Common random numbers: the `short` variant does not depend on flood's TTL, so its rows
    // are identical across the TTL values at equal degree and replica.
    let short_rows = |ttl: &str| -> Vec<String> {
        csv.lines()
            .filter(|l| l.starts_with(&format!("{ttl},")) && l.contains(",short,"))
            .map(|l| l.split_once(',').unwrap().1.to_string())
            .collect()
    };
    assert_eq!(short_rows("2"), short_rows("4"));

    sweep(dir.path(), "s1", &["--shard", "1/3"]);
    sweep(dir.path(), "s2", &["--shard", "2/3"]);
    sweep(dir.path(), "s3", &["--shard", "3/3"]);
    let o = floodsim(dir.path(), &["merge", "s1", "s2", "s3", "--out", "merged"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        whole,
        sweep_files(&dir.path().join("merged")),
        "shards + merge differ from the whole"
    );
    // Merging shards of different sweeps is refused.
    let mut other = vec![
        "sweep",
        "s.toml",
        "--quiet",
        "--out",
        "x",
        "--param",
        "variant.flood.search.ttl=5",
    ];
    other.extend_from_slice(&["--shard", "1/1"]);
    assert_eq!(floodsim(dir.path(), &other).status.code(), Some(0));
    let o = floodsim(dir.path(), &["merge", "s1", "x", "--out", "bad"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("different sweep"), "{}", stderr(&o));

    // --independent gives other worlds, so the short variant's rows now differ across TTLs.
    sweep(dir.path(), "ind", &["--independent"]);
    let ind = String::from_utf8(sweep_files(&dir.path().join("ind"))[0].clone()).unwrap();
    assert_ne!(ind, csv);
}

#[test]
fn an_interrupted_sweep_resumes_to_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "s.toml",
        &SMALL.replace("queries = 150", "queries = 3000"),
    );
    let args = |out: &str| -> Vec<String> {
        let mut a: Vec<String> = [
            "sweep",
            "s.toml",
            "--quiet",
            "--jobs",
            "1",
            "--replications",
            "2",
            "--out",
            out,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        a.extend(PARAMS.iter().map(|s| s.to_string()));
        a
    };
    let whole = floodsim(
        dir.path(),
        &args("whole").iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(whole.status.code(), Some(0), "{}", stderr(&whole));
    // Start the same sweep, kill it once its first point is on disk, then resume.
    let mut child = Command::new(env!("CARGO_BIN_EXE_floodsim"))
        .current_dir(dir.path())
        .args(args("cut"))
        .spawn()
        .unwrap();
    let first = dir.path().join("cut/points/000000.json");
    let start = Instant::now();
    while !first.exists() && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().ok();
    child.wait().unwrap();
    let mut resume = args("cut");
    resume.push("--resume".into());
    let o = floodsim(
        dir.path(),
        &resume.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(
        sweep_files(&dir.path().join("whole")),
        sweep_files(&dir.path().join("cut"))
    );
    // Resuming into a folder of another sweep is refused.
    let mut other = args("cut");
    other[7] = "3".into();
    other.push("--resume".into());
    let o = floodsim(
        dir.path(),
        &other.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn sweep_input_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    for (extra, needle) in [
        (&["--param", "variant.flood.search.ttl"][..], "--param"),
        (
            &["--param", "variant.flood.search.ttl=0,3"],
            "sweep point variant.flood.search.ttl=0",
        ),
        (&["--param", "network.nodez=1,2"], "unknown field"),
        (
            &["--param", "variant.flood.search.ttl=3", "--shard", "3/2"],
            "K/N",
        ),
        (&[], "nothing to sweep"),
    ] {
        let mut args = vec!["sweep", "s.toml", "--out", "o"];
        args.extend_from_slice(extra);
        let o = floodsim(dir.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        assert!(stderr(&o).contains(needle), "{extra:?}: {}", stderr(&o));
        assert!(!dir.path().join("o").exists(), "{extra:?} left a folder");
    }
}

#[test]
fn plots_are_valid_and_byte_stable() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    assert_eq!(
        floodsim(dir.path(), &["run", "s.toml", "-q", "--out", "r"])
            .status
            .code(),
        Some(0)
    );
    sweep(dir.path(), "sw", &[]);
    for (results, expected) in [("r", 7), ("sw", 4 * 2)] {
        for round in ["a", "b"] {
            let o = floodsim(
                dir.path(),
                &[
                    "plot",
                    results,
                    "--format",
                    "both",
                    "--out",
                    &format!("{results}-{round}"),
                ],
            );
            assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        }
        let files: Vec<_> = std::fs::read_dir(dir.path().join(format!("{results}-a")))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(files.len(), 2 * expected, "{results}: {files:?}");
        for f in files {
            let bytes = std::fs::read(&f).unwrap();
            let again = std::fs::read(
                dir.path()
                    .join(format!("{results}-b"))
                    .join(f.file_name().unwrap()),
            )
            .unwrap();
            assert_eq!(bytes, again, "{} is not byte-stable", f.display());
            if f.extension().unwrap() == "png" {
                assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
            } else {
                let text = String::from_utf8(bytes).unwrap();
                assert!(
                    text.contains("<svg") && text.trim_end().ends_with("</svg>"),
                    "{}",
                    f.display()
                );
            }
        }
    }
    let o = floodsim(dir.path(), &["plot", "sw", "--metric", "bogus"]);
    assert_eq!(o.status.code(), Some(2));
    let o = floodsim(dir.path(), &["plot", "nowhere"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn check_passes_on_identical_results_and_fails_on_drift() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    let run = |out: &str, extra: &[&str]| {
        let mut args = vec!["run", "s.toml", "-q", "--out", out];
        args.extend_from_slice(extra);
        assert_eq!(floodsim(dir.path(), &args).status.code(), Some(0));
    };
    run("base", &[]);
    run("same", &[]);
    run("changed", &["--set", "variant.flood.search.ttl=4"]);
    assert_eq!(
        floodsim(dir.path(), &["baseline", "base", "-o", "b.json"])
            .status
            .code(),
        Some(0)
    );
    let o = floodsim(dir.path(), &["check", "same", "--baseline", "b.json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    let o = floodsim(dir.path(), &["check", "changed", "--baseline", "b.json"]);
    let table = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{table}");
    assert!(
        table.contains("flood/messages_per_query") && table.contains("REGRESSED"),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("short/messages_per_query") && l.ends_with("ok")),
        "{table}"
    );
    // A generous tolerance lets the change through for that metric only.
    let o = floodsim(
        dir.path(),
        &[
            "check",
            "changed",
            "--baseline",
            "b.json",
            "--tolerance",
            "messages_per_query=10",
        ],
    );
    let table = String::from_utf8_lossy(&o.stdout);
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("flood/messages_per_query") && l.ends_with("ok")),
        "{table}"
    );
    // Bad input exits 2.
    assert_eq!(
        floodsim(dir.path(), &["check", "same", "--baseline", "none.json"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        floodsim(
            dir.path(),
            &[
                "check",
                "same",
                "--baseline",
                "b.json",
                "--tolerance",
                "bogus=1"
            ]
        )
        .status
        .code(),
        Some(2)
    );
    // Sweeps are checked point by point.
    sweep(dir.path(), "sw", &[]);
    assert_eq!(
        floodsim(dir.path(), &["baseline", "sw", "-o", "sb.json"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        floodsim(dir.path(), &["check", "sw", "--baseline", "sb.json"])
            .status
            .code(),
        Some(0)
    );
}
