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

/// The arguments of the test sweep of `s.toml` into `out`, with `extra` options.
fn sweep_args<'a>(out: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
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
    args
}

fn sweep(dir: &Path, out: &str, extra: &[&str]) {
    let args = sweep_args(out, extra);
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
    // Two of three shards are refused (nothing written), unless a partial merge is asked for;
    // a baseline of the partial sweep is refused the same way.
    let o = floodsim(dir.path(), &["merge", "s1", "s2", "--out", "part"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--allow-partial"), "{}", stderr(&o));
    assert!(!dir.path().join("part").exists());
    let o = floodsim(
        dir.path(),
        &["merge", "s1", "s2", "--out", "part", "--allow-partial"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = floodsim(dir.path(), &["baseline", "part", "-o", "pb.json"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(!dir.path().join("pb.json").exists());
    let o = floodsim(
        dir.path(),
        &["baseline", "part", "-o", "pb.json", "--allow-partial"],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = floodsim(dir.path(), &["merge", "s1", "s2", "s3", "--out", "merged"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = floodsim(dir.path(), &["baseline", "merged", "-o", "mb.json"]);
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
        (
            &[
                "--param",
                "variant.flood.search.ttl=2",
                "--param",
                "variant.flood.search.ttl=3",
            ],
            "swept twice",
        ),
        (
            &["--param", "workload.timeout_s=1,inf"],
            "inf is not a value",
        ),
        (
            &["--param", "workload.timeout_s=1e-300..=1e300:1"],
            "1.000e300 values",
        ),
        (
            &["--param", "seed=-9223372036854775808..=9223372036854775807"],
            "the range has 18446744073709551616 values",
        ),
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
    // 1 s windows, so the time series (SMALL's queries span about 15 s) have points to draw.
    let run = [
        "run",
        "s.toml",
        "-q",
        "--out",
        "r",
        "--set",
        "output.timeseries_window_s=1",
    ];
    assert_eq!(floodsim(dir.path(), &run).status.code(), Some(0));
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
    // TTL 5 -> 4: fewer messages (an improvement) but less success (a regression).
    let o = floodsim(dir.path(), &["check", "changed", "--baseline", "b.json"]);
    let table = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{table}");
    assert!(table.starts_with("check: FAIL"), "{table}");
    let line = |table: &str, id: &str| -> String {
        table
            .lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line(&table, "flood/success_rate").ends_with("REGRESSED"),
        "{table}"
    );
    assert!(
        line(&table, "flood/messages_per_query").ends_with("IMPROVED"),
        "{table}"
    );
    // By default only what moved is listed; --all lists the rest as ok.
    assert_eq!(line(&table, "short/messages_per_query"), "", "{table}");
    let o = floodsim(
        dir.path(),
        &["check", "changed", "--baseline", "b.json", "--all"],
    );
    let all = String::from_utf8_lossy(&o.stdout);
    assert!(
        line(&all, "short/messages_per_query").ends_with("ok"),
        "{all}"
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
            "--all",
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

/// The point files in a sweep folder, by name (temporaries excluded).
fn point_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(dir.join("points"))
        .map(|entries| {
            entries
                .map(|e| e.unwrap())
                .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
                .filter(|(name, _)| !name.starts_with('.'))
                .map(|(name, path)| (name, std::fs::read(path).unwrap()))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// Hidden temporaries (`.NAME.tmp-PID`) anywhere below `dir`.
fn temporaries(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten() {
        let path = entry.unwrap().path();
        if path.to_string_lossy().contains(".tmp-") {
            found.push(path.clone());
        }
        if path.is_dir() {
            found.extend(temporaries(&path));
        }
    }
    found
}

#[test]
fn a_sweep_killed_at_any_moment_resumes_without_losing_finished_points() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "s.toml",
        &SMALL.replace("queries = 150", "queries = 1000"),
    );
    let args = |out: &str, resume: bool| -> Vec<String> {
        let mut a: Vec<String> = ["sweep", "s.toml", "--jobs", "2", "--out", out]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.extend(
            [
                "--param",
                "variant.flood.search.ttl=1..=5",
                "--param",
                "network.topology.degree=4,6",
            ]
            .map(String::from),
        );
        if resume {
            a.push("--resume".into());
        }
        a
    };
    let whole = Command::new(env!("CARGO_BIN_EXE_floodsim"))
        .current_dir(dir.path())
        .args(args("whole", false))
        .output()
        .unwrap();
    assert_eq!(whole.status.code(), Some(0), "{}", stderr(&whole));
    // Each attempt resumes the previous one and is killed (SIGKILL and SIGINT in turn) at
    // once, or a few milliseconds after it has finished `new` more points.
    let mut kept: Vec<(String, Vec<u8>)> = Vec::new();
    for (attempt, new) in [0, 0, 1, 1, 2, 2, 2].into_iter().enumerate() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_floodsim"))
            .current_dir(dir.path())
            .args(args("cut", attempt > 0))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let cut = dir.path().join("cut");
        let start = Instant::now();
        while new > 0
            && point_files(&cut).len() < kept.len() + new
            && child.try_wait().unwrap().is_none()
            && start.elapsed() < Duration::from_secs(60)
        {
            std::thread::sleep(Duration::from_millis(2));
        }
        std::thread::sleep(Duration::from_millis(7 * attempt as u64 % 20));
        let sigint = cfg!(target_os = "linux") && attempt % 2 == 1;
        if sigint {
            let pid = child.id().to_string();
            let o = Command::new("kill").args(["-INT", &pid]).output().unwrap();
            assert!(o.status.success(), "kill: {}", stderr(&o));
        } else {
            child.kill().ok();
        }
        let status = child.wait().unwrap();
        // (A signal in the first microseconds, before main has set up its handler, kills.)
        if sigint && new > 0 && status.code() != Some(0) {
            assert_eq!(status.code(), Some(130), "SIGINT exit code");
            assert_eq!(temporaries(&cut), Vec::<std::path::PathBuf>::new());
        }
        let now = point_files(&cut);
        eprintln!(
            "attempt {attempt}: {status}, {} point(s) on disk",
            now.len()
        );
        for file in &kept {
            assert!(now.contains(file), "attempt {attempt} lost {}", file.0);
        }
        kept = now;
    }
    assert!(!kept.is_empty(), "no point finished before the last kill");
    let o = floodsim(
        dir.path(),
        &args("cut", true)
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = String::from_utf8_lossy(&o.stdout);
    assert!(
        report.contains(&format!("kept {} finished", kept.len())),
        "{report}"
    );
    assert_eq!(
        sweep_files(&dir.path().join("whole")),
        sweep_files(&dir.path().join("cut"))
    );
    assert_eq!(
        point_files(&dir.path().join("whole")),
        point_files(&dir.path().join("cut"))
    );
    assert_eq!(
        temporaries(&dir.path().join("cut")),
        Vec::<std::path::PathBuf>::new()
    );
}

#[test]
fn resume_refuses_what_it_did_not_write_and_deletes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    let o = floodsim(dir.path(), &["run", "s.toml", "--quiet", "--out", "run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut resume = vec!["sweep", "s.toml", "--quiet", "--resume", "--out", "run"];
    resume.extend_from_slice(&PARAMS);
    let o = floodsim(dir.path(), &resume);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a sweep folder"), "{}", stderr(&o));
    assert!(
        dir.path().join("run/summary.json").is_file(),
        "the run was deleted"
    );

    // A point file copied from another point, or from a sweep of other seeds, is refused.
    sweep(dir.path(), "a", &[]);
    sweep(dir.path(), "b", &["--independent"]);
    let points = dir.path().join("a/points");
    let original = std::fs::read(points.join("000000.json")).unwrap();
    for stray in ["a/points/000001.json", "b/points/000000.json"] {
        std::fs::copy(dir.path().join(stray), points.join("000000.json")).unwrap();
        let o = floodsim(dir.path(), &sweep_args("a", &["--resume"]));
        assert_eq!(o.status.code(), Some(2), "{stray}: {}", stderr(&o));
        assert!(stderr(&o).contains("000000.json"), "{}", stderr(&o));
        let o = floodsim(dir.path(), &["merge", "a", "--out", "m"]);
        assert_eq!(o.status.code(), Some(2), "{stray}: {}", stderr(&o));
        assert!(
            !dir.path().join("m").exists(),
            "a refused merge left a folder"
        );
    }
    std::fs::write(points.join("000000.json"), original).unwrap();

    // Temporaries of a dead process are removed by the next run and sweep; a live one's stay.
    let mut dead = Command::new("true").spawn().unwrap();
    dead.wait().unwrap();
    let dead = dead.id();
    let stale = [
        dir.path().join(format!(".run.tmp-{dead}")),
        dir.path().join(format!("a/points/.000001.json.tmp-{dead}")),
    ];
    let live = dir.path().join(format!(".run.tmp-{}", std::process::id()));
    for path in stale.iter().chain([&live]) {
        std::fs::create_dir_all(path).unwrap();
    }
    let o = floodsim(dir.path(), &["run", "s.toml", "--quiet", "--out", "run"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    sweep(dir.path(), "a", &["--resume"]);
    for path in &stale {
        assert!(!path.exists(), "{} was left", path.display());
    }
    assert!(live.exists(), "a live process's temporary was removed");
}

#[test]
fn a_refused_sweep_leaves_nothing_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    let o = floodsim(
        dir.path(),
        &[
            "sweep",
            "s.toml",
            "--out",
            "o",
            "--param",
            "network.nodes=400,1000000000",
            "--set",
            "network.topology.degree=2",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("memory"), "{}", stderr(&o));
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 1, "{left:?}");
}

#[test]
fn check_tells_improvements_missing_and_new_figures_apart() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    let o = floodsim(dir.path(), &["run", "s.toml", "-q", "--out", "r"]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(
        floodsim(dir.path(), &["baseline", "r", "-o", "b.json"])
            .status
            .code(),
        Some(0)
    );
    // Edit the baseline: success was lower and messages higher (so now is better), one
    // figure is dropped (so it is new) and a variant that no longer exists is added.
    let mut b: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("b.json")).unwrap()).unwrap();
    let metrics = b["metrics"].as_array_mut().unwrap();
    for m in metrics.iter_mut() {
        let v = m["value"].as_f64().unwrap();
        match m["id"].as_str().unwrap() {
            "flood/success_rate" => m["value"] = (v - 0.3).into(),
            "flood/messages_per_query" => m["value"] = (v * 2.0).into(),
            _ => {}
        }
    }
    metrics.retain(|m| m["id"] != "short/bytes_per_query");
    write(dir.path(), "b.json", &b.to_string());
    let o = floodsim(dir.path(), &["check", "r", "--baseline", "b.json"]);
    let table = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(0), "improvements pass: {table}");
    assert!(
        table.starts_with("check: PASS  0 regressed, 2 improved, 0 missing, 1 new"),
        "{table}"
    );
    assert!(
        table.contains("short/bytes_per_query") && table.contains("NEW"),
        "{table}"
    );
    let strict = floodsim(
        dir.path(),
        &["check", "r", "--baseline", "b.json", "--strict"],
    );
    assert_eq!(
        strict.status.code(),
        Some(1),
        "--strict fails on improvements"
    );
    // A figure only the baseline has fails the check.
    let mut ghost = b.clone();
    let mut extra = ghost["metrics"][0].clone();
    extra["id"] = "ghost/success_rate".into();
    ghost["metrics"].as_array_mut().unwrap().push(extra);
    write(dir.path(), "g.json", &ghost.to_string());
    let o = floodsim(
        dir.path(),
        &["check", "r", "--baseline", "g.json", "--format", "json"],
    );
    assert_eq!(o.status.code(), Some(1));
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).expect("json output");
    assert_eq!(doc["verdict"], "fail");
    let ghost_line = doc["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "ghost/success_rate")
        .expect("listed");
    assert_eq!(ghost_line["status"], "missing");
}

#[test]
fn sweep_chart_options_on_a_run_result_are_refused_not_ignored() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    assert_eq!(
        floodsim(dir.path(), &["run", "s.toml", "-q", "--out", "r"])
            .status
            .code(),
        Some(0)
    );
    for extra in [
        &["--metric", "success_rate"][..],
        &["--x", "network.nodes"],
        &["--series", "network.nodes"],
    ] {
        let mut args = vec!["plot", "r", "--out", "p"];
        args.extend_from_slice(extra);
        let o = floodsim(dir.path(), &args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("run result"), "{}", stderr(&o));
        assert!(
            !dir.path().join("p").exists(),
            "a refused plot wrote charts"
        );
    }
    let o = floodsim(dir.path(), &["plot", "r", "--out", "p"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn no_chart_is_written_blank() {
    // Every query of this run falls in one timeseries window: its time series have one point
    // per variant, so those charts are skipped with a note instead of drawn empty.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    let o = floodsim(
        dir.path(),
        &[
            "run",
            "s.toml",
            "-q",
            "--out",
            "r",
            "--set",
            "output.timeseries_window_s=100000",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = floodsim(dir.path(), &["plot", "r", "--out", "p"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let err = stderr(&o);
    for name in ["timeseries_success", "timeseries_messages"] {
        assert!(err.contains(&format!("note: {name}: skipped")), "{err}");
        assert!(!dir.path().join(format!("p/{name}.svg")).exists());
    }
    assert!(dir.path().join("p/cdf_messages.svg").exists());
    // With 1 s windows (the queries span about 15 s) the same charts are drawn.
    let o = floodsim(
        dir.path(),
        &[
            "run",
            "s.toml",
            "-q",
            "--out",
            "r2",
            "--set",
            "output.timeseries_window_s=1",
        ],
    );
    assert_eq!(o.status.code(), Some(0));
    let o = floodsim(dir.path(), &["plot", "r2", "--out", "p2"]);
    assert!(!stderr(&o).contains("skipped"), "{}", stderr(&o));
    assert!(dir.path().join("p2/timeseries_success.svg").exists());
}

#[test]
fn charts_name_their_metric_and_count_online_nodes_from_zero() {
    let dir = tempfile::tempdir().unwrap();
    let churn = "\n[churn]\nkind = \"sessions\"\nsession = { kind = \"exponential\", mean_s = 30 }\noffline = { kind = \"exponential\", mean_s = 3 }\n";
    write(dir.path(), "s.toml", &format!("{SMALL}{churn}"));
    let run = [
        "run",
        "s.toml",
        "-q",
        "--out",
        "r",
        "--set",
        "output.timeseries_window_s=1",
    ];
    assert_eq!(floodsim(dir.path(), &run).status.code(), Some(0));
    let o = floodsim(dir.path(), &["plot", "r", "--out", "p"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    // About 91% of the 400 nodes are online: an axis fitted to the data would start near 360.
    let svg = std::fs::read_to_string(dir.path().join("p/timeseries_online.svg")).unwrap();
    // A y tick label is right-aligned (`text-anchor="end"`); x tick labels are centred.
    let lines: Vec<&str> = svg.lines().collect();
    let y_zero = lines
        .windows(2)
        .any(|w| w[0].contains("text-anchor=\"end\"") && w[1].trim() == "0");
    assert!(y_zero, "the online-nodes axis does not start at 0");
    sweep(dir.path(), "sw", &[]);
    let o = floodsim(dir.path(), &["plot", "sw", "--out", "ps"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let svg = std::fs::read_to_string(
        dir.path()
            .join("ps/sweep_success_rate_network.topology.degree_4.svg"),
    )
    .or_else(|_| {
        let f = std::fs::read_dir(dir.path().join("ps"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.to_string_lossy().contains("sweep_success_rate"))
            .expect("a success chart");
        std::fs::read_to_string(f)
    })
    .unwrap();
    assert!(
        svg.contains("success rate vs TTL (flood)"),
        "the title does not name the metric and the parameter"
    );
}

#[test]
fn sweeps_over_any_parameter_plot_with_labels_series_and_named_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    // A sweep over a table-valued parameter: a categorical x axis, and a label column.
    let topologies = "network.topology={ kind = \"random-regular\", degree = 4 }, \
                      { kind = \"erdos-renyi\", mean_degree = 4 }";
    let o = floodsim(
        dir.path(),
        &[
            "sweep", "s.toml", "-q", "--out", "topo", "--param", topologies,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = std::fs::read_to_string(dir.path().join("topo/sweep.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    assert_eq!(
        &header[..3],
        ["network.topology", "network.topology_label", "variant"]
    );
    assert!(csv.contains(",random-regular(degree=4),flood,"), "{csv}");
    assert!(csv.contains(",erdos-renyi(mean_degree=4),flood,"), "{csv}");
    let o = floodsim(dir.path(), &["plot", "topo", "--out", "pt"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let svg = std::fs::read_to_string(dir.path().join("pt/sweep_success_rate.svg")).unwrap();
    assert_eq!(
        svg_x_ticks(&svg),
        ["random-regular(degree=4)", "erdos-renyi(mean_degree=4)"]
    );
    assert!(svg.contains("success rate vs topology"));
    // TTL x degree: one chart per metric with a line per variant and degree, integer ticks.
    sweep(dir.path(), "sw", &[]);
    let o = floodsim(
        dir.path(),
        &[
            "plot",
            "sw",
            "--out",
            "ps",
            "--series",
            "network.topology.degree",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let svg = std::fs::read_to_string(dir.path().join("ps/sweep_success_rate.svg")).unwrap();
    for name in [
        "flood, degree = 4",
        "flood, degree = 6",
        "short, degree = 4",
        "short, degree = 6",
    ] {
        assert!(svg.contains(name), "no legend entry {name:?}");
    }
    assert_eq!(svg_x_ticks(&svg), ["2", "3", "4"]);
    assert!(
        svg.contains(">\nTTL (flood)\n<"),
        "the x axis is not labelled TTL"
    );
    // Without --series: one chart per degree, named by the parameter and its value.
    let o = floodsim(dir.path(), &["plot", "sw", "--out", "pn"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for d in [4, 6] {
        let name = format!("pn/sweep_success_rate_network.topology.degree-{d}.svg");
        assert!(dir.path().join(&name).is_file(), "{name} missing");
    }
    let o = floodsim(
        dir.path(),
        &["plot", "sw", "--series", "variant.flood.search.ttl"],
    );
    assert_eq!(o.status.code(), Some(2), "series = x is refused");
}

#[test]
fn legends_never_cover_data_and_empty_buckets_break_lines() {
    let dir = tempfile::tempdir().unwrap();
    // Rare objects with 2 copies fill bucket 2-3, the catalogue's 16 copies 8-15 and 16-31
    // (when the source holds a copy): bucket 4-7 is empty in between.
    let text = SMALL.replace("copies = 3 }", "copies = 16 }").replace(
        "rare = { objects = 10, copies = 1 }",
        "rare = { objects = 10, copies = 2 }",
    );
    write(dir.path(), "s.toml", &text);
    let run = [
        "run",
        "s.toml",
        "-q",
        "--out",
        "r",
        "--set",
        "output.timeseries_window_s=2",
    ];
    let o = floodsim(dir.path(), &run);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = floodsim(dir.path(), &["plot", "r", "--out", "p"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    sweep(dir.path(), "sw", &[]);
    let o = floodsim(
        dir.path(),
        &[
            "plot",
            "sw",
            "--out",
            "p",
            "--series",
            "network.topology.degree",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let mut checked = 0;
    for entry in std::fs::read_dir(dir.path().join("p")).unwrap() {
        let path = entry.unwrap().path();
        let svg = std::fs::read_to_string(&path).unwrap();
        let (x0, y0, x1, y1) = svg_legend_box(&svg).expect("a legend");
        let points = svg_data_points(&svg);
        assert!(!points.is_empty(), "{}: no data found", path.display());
        let covered: Vec<_> = points
            .iter()
            .filter(|&&(x, y)| (x0..=x1).contains(&x) && (y0..=y1).contains(&y))
            .collect();
        assert!(
            covered.is_empty(),
            "{}: the legend covers {} data points, e.g. {:?}",
            path.display(),
            covered.len(),
            covered[0]
        );
        checked += 1;
    }
    assert_eq!(checked, 11, "7 run charts and 4 sweep charts");
    let svg = std::fs::read_to_string(dir.path().join("p/by_replicas_success.svg")).unwrap();
    assert_eq!(
        svg_x_ticks(&svg),
        ["2-3", "4-7", "8-15", "16-31"],
        "the empty bucket keeps its place"
    );
    // No line of the first variant crosses the empty bucket's position.
    let gap_x = svg_texts(&svg)
        .into_iter()
        .find(|t| t.text == "4-7")
        .unwrap()
        .x;
    let mut lines = 0;
    for line in svg.lines().filter(|l| {
        l.starts_with("<polyline")
            && svg_attr(l, "stroke") == Some("#0072B2")
            && svg_attr(l, "stroke-width") == Some("2")
    }) {
        let xs: Vec<f64> = svg_attr(line, "points")
            .unwrap()
            .split_whitespace()
            .map(|p| p.split_once(',').unwrap().0.parse().unwrap())
            .collect();
        assert!(
            xs.iter().all(|&x| x > gap_x) || xs.iter().all(|&x| x < gap_x),
            "a line is drawn across the empty bucket: {xs:?}"
        );
        lines += 1;
    }
    assert!(lines >= 1, "the 8-15 to 16-31 segment is drawn");
}

#[test]
fn a_regular_graph_plots_one_point_on_readable_axes() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    let o = floodsim(dir.path(), &["graph", "s.toml", "--plot", "deg.svg"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let svg = std::fs::read_to_string(dir.path().join("deg.svg")).unwrap();
    // Every node has degree 4: one point, at P(k) = 1, on a y axis of two decades or more.
    let y_ticks: Vec<String> = svg_texts(&svg)
        .into_iter()
        .filter(|t| t.anchor == "end")
        .map(|t| t.text)
        .collect();
    assert!(
        ["0.01", "0.1", "1"]
            .iter()
            .all(|t| y_ticks.iter().any(|y| y == t)),
        "{y_ticks:?}"
    );
    assert!(svg.contains("400 nodes, every one of degree 4"));
    let points = svg_data_points(&svg);
    assert_eq!(points.len(), 1, "{points:?}");
    let (x0, y0, x1, y1) = svg_legend_box(&svg).unwrap();
    let (x, y) = points[0];
    assert!(
        !((x0..=x1).contains(&x) && (y0..=y1).contains(&y)),
        "the legend covers the point"
    );
}

#[test]
fn cdf_hops_goes_log_when_hops_span_two_decades() {
    // One walker on 400 nodes with 3 copies per object walks about 130 steps on average, from
    // 1 to several hundred.
    let dir = tempfile::tempdir().unwrap();
    let walker = "\n[[variant]]\nname = \"walk1\"\nsearch = { kind = \"random-walk\", walkers = 1, ttl = 4096, check_every = 4 }\n";
    write(dir.path(), "s.toml", &format!("{SMALL}{walker}"));
    let o = floodsim(
        dir.path(),
        &[
            "run",
            "s.toml",
            "-q",
            "--out",
            "r",
            "--set",
            "workload.timeout_s=1000",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = floodsim(dir.path(), &["plot", "r", "--out", "p"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let svg = std::fs::read_to_string(dir.path().join("p/cdf_hops.svg")).unwrap();
    let ticks = svg_x_ticks(&svg);
    for decade in ["1", "10", "100"] {
        assert!(
            ticks.iter().any(|t| t == decade),
            "no {decade} tick: {ticks:?}"
        );
    }
    assert!(
        !ticks.iter().any(|t| t == "200"),
        "a linear axis: {ticks:?}"
    );
}

#[test]
fn svgs_embed_the_bundled_font() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    assert_eq!(
        floodsim(dir.path(), &["run", "s.toml", "-q", "--out", "r"])
            .status
            .code(),
        Some(0)
    );
    let o = floodsim(dir.path(), &["plot", "r", "--out", "p"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let svg = std::fs::read_to_string(dir.path().join("p/cdf_messages.svg")).unwrap();
    let face = "@font-face{font-family:\"floodsim-DejaVuSans\";src:url(data:font/ttf;base64,AAEAAA";
    assert!(svg.contains(face), "no embedded TrueType font");
    let families: Vec<&str> = svg
        .lines()
        .filter_map(|l| svg_attr(l, "font-family"))
        .collect();
    assert!(!families.is_empty());
    assert!(
        families
            .iter()
            .all(|f| *f == "floodsim-DejaVuSans, sans-serif"),
        "text not set in the embedded font: {families:?}"
    );
    // Only the glyphs a chart uses are embedded: the whole font would be 1 MB of base64.
    assert!(svg.len() < 300_000, "{} bytes", svg.len());
}

#[test]
fn plot_overlays_sweeps_on_their_own_grids_per_node() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    let run = |out: &str, rates: &str| {
        let o = floodsim(
            dir.path(),
            &["sweep", "s.toml", "--quiet", "--out", out, "--param", rates],
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    };
    run("low", "workload.rate_per_s=1,10");
    run("high", "workload.rate_per_s=100,1000");
    let o = floodsim(
        dir.path(),
        &[
            "plot",
            "low",
            "--with",
            "high",
            "--x-per-node",
            "--metric",
            "success_rate",
            "--out",
            "p",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let svg = std::fs::read_to_string(dir.path().join("p/sweep_success_rate.svg"))
        .unwrap()
        .replace('\n', "");
    // Both sweeps' two variants: four lines, titled by both scenarios, x per node (400 nodes:
    // 0.0025 to 2.5 queries/s per node, over two decades, so logarithmic).
    assert!(
        svg.contains("small: success rate"),
        "title: what the names share"
    );
    assert!(svg.contains("per node"), "x label");
    for variant in ["flood", "short"] {
        let entries = svg.matches(&format!(">{variant}</text>")).count();
        assert_eq!(entries, 2, "{variant}: one legend entry per sweep");
    }
    // A sweep over another parameter cannot share the axis.
    let o = floodsim(
        dir.path(),
        &[
            "sweep",
            "s.toml",
            "--quiet",
            "--out",
            "ttl",
            "--param",
            "variant.flood.search.ttl=2,3",
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = floodsim(dir.path(), &["plot", "low", "--with", "ttl", "--out", "q"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("do not share a numeric x axis"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn untouched_variants_are_reused_with_the_results_of_running_them_again() {
    // SMALL has the variants flood and short. Sweeping flood's TTL leaves short untouched, so
    // it runs once per replica; a one-value parameter on short's own TTL (its base value)
    // touches it, so there it is simulated again at every point. The rows must agree.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    let args = |out: &'static str, extra: &[&'static str]| -> Vec<&'static str> {
        let mut a = vec!["sweep", "s.toml", "--quiet", "--replications", "2"];
        a.extend_from_slice(&["--param", "variant.flood.search.ttl=2..=4", "--out", out]);
        a.extend_from_slice(extra);
        a
    };
    let run = |a: Vec<&str>| {
        let o = floodsim(dir.path(), &a);
        assert_eq!(o.status.code(), Some(0), "{a:?}: {}", stderr(&o));
    };
    run(args("reused", &[]));
    run(args("rerun", &["--param", "variant.short.search.ttl=2"]));
    let reused = sweep_files(&dir.path().join("reused"));
    let rerun = sweep_files(&dir.path().join("rerun"));
    for (a, b) in reused.iter().zip(&rerun).take(2) {
        let (a, b) = (String::from_utf8_lossy(a), String::from_utf8_lossy(b));
        let without_short_ttl: Vec<String> = b
            .lines()
            .map(|l| {
                let (first, rest) = l.split_once(',').unwrap();
                format!("{first},{}", rest.split_once(',').unwrap().1)
            })
            .collect();
        assert_eq!(a.lines().collect::<Vec<_>>(), without_short_ttl);
        assert!(a.lines().filter(|l| l.contains(",short,")).count() >= 3);
    }
    // Shards (each runs the shared variant for its own points) merge into the whole, and a
    // resumed sweep recomputes the shared runs a missing point needs.
    run(args("s1", &["--shard", "1/2"]));
    run(args("s2", &["--shard", "2/2"]));
    let o = floodsim(dir.path(), &["merge", "s1", "s2", "--out", "merged"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(reused, sweep_files(&dir.path().join("merged")));
    std::fs::remove_file(dir.path().join("merged/points/000001.json")).unwrap();
    run(args("merged", &["--resume"]));
    assert_eq!(reused, sweep_files(&dir.path().join("merged")));
}

#[test]
fn keep_queries_keeps_each_points_queries_csv_as_a_run_writes_it_and_plot_draws_its_cdfs() {
    // Sweeping flood's TTL leaves short untouched (run once per replica and shared): every
    // kept file must still hold short's rows, so each equals `floodsim run` of its point.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    let sweep_into = |out: &'static str, extra: &[&'static str]| -> std::process::Output {
        let mut a = vec!["sweep", "s.toml", "--quiet", "--replications", "2"];
        a.extend_from_slice(&["--param", "variant.flood.search.ttl=2,4", "--out", out]);
        a.extend_from_slice(extra);
        floodsim(dir.path(), &a)
    };
    let ok = |o: std::process::Output| assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    ok(sweep_into("kept", &["--keep-queries"]));
    ok(sweep_into("plain", &[]));
    let kept = dir.path().join("kept");
    let plain = dir.path().join("plain");
    let kept_files = point_files(&kept);
    let names: Vec<&str> = kept_files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "000000.json",
            "000000.queries.csv",
            "000001.json",
            "000001.queries.csv"
        ]
    );
    for (point, ttl) in [(0, "2"), (1, "4")] {
        let out = format!("run{ttl}");
        let set = format!("variant.flood.search.ttl={ttl}");
        let args = ["run", "s.toml", "--quiet"];
        let o = floodsim(
            dir.path(),
            &[&args[..], &["--set", &set, "--out", &out]].concat(),
        );
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
        let run = std::fs::read(dir.path().join(&out).join("queries.csv")).unwrap();
        let file = format!("points/{point:06}.queries.csv");
        let swept = std::fs::read(kept.join(&file)).unwrap();
        assert!(swept == run, "{file} differs from floodsim run --set {set}");
        let text = String::from_utf8(swept).unwrap();
        assert_eq!(
            text.lines().filter(|l| l.starts_with("short,")).count(),
            300
        );
    }
    // Without the flag: no queries file, the same sweep.csv, and sweep.json as before the
    // option existed (so older sweeps keep their fingerprints).
    assert!(
        point_files(&plain)
            .iter()
            .all(|(n, _)| n.ends_with(".json"))
    );
    assert_eq!(sweep_files(&kept)[..2], sweep_files(&plain)[..2]);
    let json = std::fs::read_to_string(plain.join("sweep.json")).unwrap();
    assert!(!json.contains("keep_queries"));
    // Resuming with the other choice is refused and changes nothing; with the same choice a
    // point whose queries file was deleted runs again and gets it back.
    let o = sweep_into("kept", &["--resume"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--keep-queries"), "{}", stderr(&o));
    let o = sweep_into("plain", &["--resume", "--keep-queries"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert_eq!(point_files(&kept), kept_files);
    std::fs::remove_file(kept.join("points/000001.queries.csv")).unwrap();
    ok(sweep_into("kept", &["--resume", "--keep-queries"]));
    assert_eq!(point_files(&kept), kept_files);
    // Shards merge with their queries files.
    ok(sweep_into("s1", &["--keep-queries", "--shard", "1/2"]));
    ok(sweep_into("s2", &["--keep-queries", "--shard", "2/2"]));
    ok(floodsim(
        dir.path(),
        &["merge", "s1", "s2", "--out", "merged"],
    ));
    assert_eq!(point_files(&dir.path().join("merged")), kept_files);
    // Plot draws per-point CDFs (one chart per variant, a line per point) only from kept files.
    ok(floodsim(dir.path(), &["plot", "kept"]));
    ok(floodsim(dir.path(), &["plot", "plain"]));
    for chart in ["cdf_messages", "cdf_hops"] {
        for variant in ["flood", "short"] {
            let svg = kept.join(format!("plots/sweep_{chart}_{variant}.svg"));
            let svg = std::fs::read_to_string(&svg).unwrap();
            let texts: Vec<String> = svg_texts(&svg).into_iter().map(|t| t.text).collect();
            for label in ["TTL (flood) = 2", "TTL (flood) = 4"] {
                assert!(
                    texts.iter().any(|t| t == label),
                    "{chart} {variant}: {texts:?}"
                );
            }
            assert!(texts.iter().any(|t| t.contains(&format!("({variant})"))));
        }
    }
    let plain_charts: Vec<String> = std::fs::read_dir(plain.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!plain_charts.is_empty());
    assert!(
        plain_charts.iter().all(|n| !n.contains("cdf")),
        "{plain_charts:?}"
    );
}
