//! The command line: one test per class of bad input (exit code 2, a message that names the
//! problem, and no result folder), plus the happy path and result-folder safety.

mod common;
use common::*;
use std::path::Path;

/// Runs `run` on `scenario` text with extra args and asserts a clean input error.
fn assert_input_error(scenario: &str, extra: &[&str], expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", scenario);
    let mut args = vec!["run", "s.toml", "--out", "out"];
    args.extend_from_slice(extra);
    let o = floodsim(dir.path(), &args);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "exit code; stderr:\n{err}");
    for needle in expected {
        assert!(err.contains(needle), "stderr lacks {needle:?}:\n{err}");
    }
    assert!(!err.contains("panicked"), "{err}");
    assert!(
        !dir.path().join("out").exists(),
        "a result folder was created"
    );
    assert!(
        !dir.path().join("results").exists(),
        "a result folder was created"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "stray files: {leftovers:?}");
}

fn with(from: &str, to: &str) -> String {
    assert!(SMALL.contains(from), "{from}");
    SMALL.replace(from, to)
}

#[test]
fn unknown_key() {
    assert_input_error(
        &with("nodes = 400", "nodes = 400\nnodez = 3"),
        &[],
        &["s.toml", "network", "unknown field `nodez`", "fix:"],
    );
}

#[test]
fn unknown_key_in_a_variant_names_the_variant() {
    assert_input_error(
        &with("ttl = 2 }", "ttl = 2, fanout = 3 }"),
        &[],
        &["variant.short.search", "unknown field `fanout`"],
    );
}

#[test]
fn wrong_type() {
    assert_input_error(
        &with("queries = 150", "queries = \"many\""),
        &[],
        &["workload.queries", "invalid type"],
    );
}

#[test]
fn out_of_range_values() {
    assert_input_error(
        &with("rare_fraction = 0.2", "rare_fraction = 1.5"),
        &[],
        &["workload.rare_fraction", "between 0 and 1"],
    );
    assert_input_error(
        &with("ttl = 5", "ttl = 0"),
        &[],
        &["variant.flood.search.ttl", "between 1 and 255"],
    );
    assert_input_error(
        &with("degree = 4", "degree = 3"),
        &["--set", "network.nodes=401"],
        &["network.topology.degree", "odd"],
    );
    assert_input_error(
        &with("degree = 4", "degree = 400"),
        &[],
        &["network.topology.degree", "lower the degree"],
    );
    assert_input_error(
        &with("copies = 3", "copies = 401"),
        &[],
        &["content.replication.copies", "at most 400"],
    );
    assert_input_error(
        &with("rate_per_s = 10.0", "rate_per_s = -1"),
        &[],
        &["workload.rate_per_s", "positive"],
    );
    assert_input_error(
        &with("min_ms = 10", "min_ms = 100"),
        &[],
        &["network.latency.max_ms", "min_ms"],
    );
    assert_input_error(
        &with("max_ms = 90", "max_ms = 1e300"),
        &[],
        &["network.latency.max_ms", "between 0 and"],
    );
    assert_input_error(
        SMALL,
        &["--set", "output.timeseries_window_s=1e-9"],
        &["output.timeseries_window_s", "windows"],
    );
    assert_input_error(
        &with("rate_per_s = 10.0", "rate_per_s = 1e-300"),
        &[],
        &["workload.rate_per_s", "simulated time"],
    );
}

#[test]
fn bad_dynamic_query_and_qrp_values() {
    let two_tier = with(
        "{ kind = \"random-regular\", degree = 4 }",
        "{ kind = \"two-tier\", ultrapeer_fraction = 0.2, ultrapeer_degree = 6, leaf_links = 2 }",
    );
    let dq = two_tier.replace(
        "{ kind = \"flooding\", ttl = 2 }",
        "{ kind = \"dynamic-query\", desired_results = 0, probe_ttl = 5, max_ttl = 3, \
         wait_per_hop_ms = -1, qrp = { table_bits = 40, keywords_per_object = 0 } }",
    );
    assert_input_error(
        &dq,
        &[],
        &[
            "variant.short.search.desired_results",
            "variant.short.search.probe_ttl",
            "must not exceed max_ttl",
            "variant.short.search.wait_per_hop_ms",
            "variant.short.search.qrp.table_bits",
            "variant.short.search.qrp.keywords_per_object",
        ],
    );
    let unknown = two_tier.replace(
        "{ kind = \"flooding\", ttl = 2 }",
        "{ kind = \"ultrapeer-flooding\", ttl = 2, qrp = { bits = 16 } }",
    );
    assert_input_error(&unknown, &[], &["bits"]);
    let flat = with(
        "{ kind = \"flooding\", ttl = 2 }",
        "{ kind = \"dynamic-query\" }",
    );
    assert_input_error(&flat, &[], &["variant.short.search", "two-tier"]);
}

#[test]
fn bad_search_and_replication_values() {
    let ring = with(
        "{ kind = \"flooding\", ttl = 2 }",
        "{ kind = \"expanding-ring\", ttls = [1, 4, 2], wait_ms = 100 }",
    );
    assert_input_error(
        &ring,
        &[],
        &["variant.short.search.ttls", "strictly increasing"],
    );
    let up = with(
        "{ kind = \"flooding\", ttl = 2 }",
        "{ kind = \"ultrapeer-flooding\", ttl = 2 }",
    );
    assert_input_error(&up, &[], &["variant.short.search", "two-tier"]);
    let walk = with(
        "{ kind = \"flooding\", ttl = 2 }",
        "{ kind = \"random-walk\", walkers = 0, ttl = 10, check_every = 0 }",
    );
    assert_input_error(
        &walk,
        &[],
        &[
            "variant.short.search.walkers",
            "variant.short.search.check_every",
        ],
    );
    let repl = with(
        "{ kind = \"uniform\", copies = 3 }",
        "{ kind = \"square-root\", mean_copies = 0.5 }",
    );
    assert_input_error(
        &repl,
        &[],
        &["content.replication.mean_copies", "between 1"],
    );
}

#[test]
fn dense_regular_graphs_do_not_hang() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "s.toml",
        &with("degree = 4", "degree = 399").replace("queries = 150", "queries = 5"),
    );
    let o = floodsim(dir.path(), &["run", "s.toml", "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[test]
fn several_problems_are_reported_at_once() {
    let s = with("rare_fraction = 0.2", "rare_fraction = 2").replace("ttl = 2", "ttl = 999");
    assert_input_error(
        &s,
        &[],
        &["workload.rare_fraction", "variant.short.search.ttl"],
    );
}

#[test]
fn unknown_kind() {
    assert_input_error(
        &with("random-regular", "small-world"),
        &[],
        &[
            "network.topology",
            "unknown variant `small-world`",
            "random-regular",
        ],
    );
}

#[test]
fn duplicate_variant_names() {
    assert_input_error(
        &with("name = \"short\"", "name = \"flood\""),
        &[],
        &["variant[1].name", "used twice"],
    );
}

#[test]
fn missing_scenario_file() {
    let dir = tempfile::tempdir().unwrap();
    let o = floodsim(dir.path(), &["run", "nope.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("nope.toml"), "{}", stderr(&o));
    assert!(!dir.path().join("results").exists());
}

#[test]
fn missing_edge_list() {
    let s = with(
        "nodes = 400\ntopology = { kind = \"random-regular\", degree = 4 }",
        "topology = { kind = \"file\", path = \"none.txt\" }",
    );
    assert_input_error(&s, &[], &["network.topology.path", "none.txt"]);
}

#[test]
fn malformed_edge_list_names_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "g.txt", "# a graph\n1\t2\n2\t3\n3 three\n");
    let s = with(
        "nodes = 400\ntopology = { kind = \"random-regular\", degree = 4 }",
        "topology = { kind = \"file\", path = \"g.txt\" }",
    )
    .replace("copies = 3", "copies = 1");
    write(dir.path(), "s.toml", &s);
    let o = floodsim(dir.path(), &["run", "s.toml", "--out", "out"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("g.txt: line 4"), "{}", stderr(&o));
    assert!(!dir.path().join("out").exists());
    let o = floodsim(dir.path(), &["validate", "s.toml"]);
    assert_eq!(o.status.code(), Some(2), "validate must catch it too");
}

#[test]
fn nodes_given_for_a_file_topology() {
    let s = with(
        "topology = { kind = \"random-regular\", degree = 4 }",
        "topology = { kind = \"file\", path = \"s.toml\" }",
    );
    assert_input_error(&s, &[], &["network.nodes", "remove network.nodes"]);
}

#[test]
fn huge_network_is_refused_before_building() {
    assert_input_error(
        SMALL,
        &["--set", "network.nodes=4000000000"],
        &["network", "fewer nodes"],
    );
    // Fits in 32-bit adjacency, but not in this machine's memory.
    assert_input_error(
        SMALL,
        &[
            "--set",
            "network.nodes=1000000000",
            "--set",
            "network.topology.degree=2",
        ],
        &["memory", "available"],
    );
}

#[test]
fn bad_overrides() {
    assert_input_error(
        SMALL,
        &["--set", "variant.nosuch.search.ttl=3"],
        &["no variant is named \"nosuch\"", "flood, short"],
    );
    assert_input_error(SMALL, &["--set", "network.nodes"], &["has no '='"]);
    assert_input_error(SMALL, &["--set", "workload.queries.x=1"], &["not a table"]);
    assert_input_error(
        SMALL,
        &["--set", "network.nodes=many"],
        &["network.nodes", "invalid type"],
    );
}

#[test]
fn syntax_errors_name_the_file() {
    assert_input_error(
        "schema_version = 1\nname = \n",
        &[],
        &["s.toml", "invalid TOML", "line 2"],
    );
    assert_input_error(
        &with("schema_version = 1", "schema_version = 2"),
        &[],
        &["schema_version", "set schema_version = 1"],
    );
}

#[test]
fn bad_usage_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["run"][..],
        &["frobnicate"],
        &["run", "x.toml", "--jobs", "0"],
    ] {
        let o = floodsim(dir.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
    }
    let o = floodsim(dir.path(), &["run", "--help"]);
    assert_eq!(o.status.code(), Some(0));
    let help = String::from_utf8_lossy(&o.stdout);
    for word in ["--out", "--seed", "--set", "--jobs", "--quiet", "Examples"] {
        assert!(help.contains(word), "run --help lacks {word}");
    }
}

#[test]
fn run_writes_every_file_with_the_contract_columns() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    let o = floodsim(dir.path(), &["run", "s.toml", "--quiet"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = dir.path().join("results/small");
    let queries = std::fs::read_to_string(out.join("queries.csv")).unwrap();
    let mut lines = queries.lines();
    assert_eq!(
        lines.next().unwrap(),
        "variant,replica,query,issued_ms,source,object,replicas_online,success,hits,first_hit_hops,first_hit_ms,messages,response_messages,duplicates,nodes_reached,hits_lost,rpc_timeouts"
    );
    assert_eq!(
        lines.count(),
        2 * 2 * 150,
        "variants × replicas × queries rows"
    );
    let series = std::fs::read_to_string(out.join("timeseries.csv")).unwrap();
    assert!(series.starts_with(
        "variant,replica,window_start_s,online_nodes,mean_degree,queries,success_rate,messages,maintenance_messages,hits_lost\n"
    ));
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    for key in [
        "schema_version",
        "floodsim_version",
        "seed",
        "scenario",
        "network",
        "variants",
    ] {
        assert!(summary.get(key).is_some(), "summary.json lacks {key}");
    }
    let v = &summary["variants"][0];
    for key in [
        "name",
        "queries",
        "success_rate",
        "success_rate_ci95",
        "messages_per_query",
        "response_messages_per_query",
        "hops_to_first_hit",
        "time_to_first_hit_ms",
        "nodes_reached_per_query",
        "duplicate_ratio",
        "bytes_per_query",
        "peak_node_load",
        "by_replicas",
    ] {
        assert!(v.get(key).is_some(), "variant summary lacks {key}");
    }
    assert_eq!(summary["scenario"]["seed"], 3);
    let run: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("run.json")).unwrap()).unwrap();
    for key in [
        "wall_seconds",
        "build_seconds",
        "simulate_seconds",
        "events",
        "events_per_second",
        "peak_rss_bytes",
        "threads",
    ] {
        assert!(run.get(key).is_some(), "run.json lacks {key}");
    }
}

#[test]
fn an_old_result_is_replaced_but_other_folders_are_not() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    let run = |out: &str| floodsim(dir.path(), &["run", "s.toml", "--quiet", "--out", out]);
    assert_eq!(run("res").status.code(), Some(0));
    write(&dir.path().join("res"), "stale.txt", "old");
    assert_eq!(run("res").status.code(), Some(0));
    assert!(
        !dir.path().join("res/stale.txt").exists(),
        "the old result must be replaced whole"
    );

    std::fs::create_dir(dir.path().join("mine")).unwrap();
    write(&dir.path().join("mine"), "thesis.tex", "precious");
    let o = run("mine");
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("not a floodsim result"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("mine/thesis.tex")).unwrap(),
        "precious"
    );
}

#[test]
fn file_topologies_report_the_files_own_labels() {
    let dir = tempfile::tempdir().unwrap();
    // A ring of 30 nodes labelled 1000, 1010, ..., 1290.
    let edges: String = (0..30)
        .map(|i| format!("{}\t{}\n", 1000 + 10 * i, 1000 + 10 * ((i + 1) % 30)))
        .collect();
    write(dir.path(), "ring.txt", &format!("# ring\n{edges}"));
    let s = with(
        "nodes = 400\ntopology = { kind = \"random-regular\", degree = 4 }",
        "topology = { kind = \"file\", path = \"ring.txt\" }",
    )
    .replace("copies = 3", "copies = 2");
    write(dir.path(), "s.toml", &s);
    let o = floodsim(dir.path(), &["run", "s.toml", "--quiet", "--out", "out"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let csv = std::fs::read_to_string(dir.path().join("out/queries.csv")).unwrap();
    for line in csv.lines().skip(1) {
        let source: u64 = line.split(',').nth(4).unwrap().parse().unwrap();
        assert!(
            (1000..=1290).contains(&source) && source.is_multiple_of(10),
            "source {source}"
        );
    }
}

#[test]
fn validate_accepts_every_shipped_scenario() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stack = vec![root.join("scenarios")];
    let mut seen = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "toml" || e == "json")
                && !path
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .contains("baseline")
            {
                let o = floodsim(root, &["validate", path.to_str().unwrap()]);
                assert_eq!(
                    o.status.code(),
                    Some(0),
                    "{}: {}",
                    path.display(),
                    stderr(&o)
                );
                seen += 1;
            }
        }
    }
    assert!(seen >= 3, "only {seen} scenarios found");
}

#[test]
fn bad_churn_values_name_their_fields() {
    let churn = "[[variant]]\nname = \"flood\"";
    let sessions = |body: &str| with(churn, &format!("[churn]\n{body}\n\n{churn}"));
    assert_input_error(
        &sessions(
            "kind = \"sessions\"\nsession = { kind = \"pareto\", shape = 1.0, scale_s = 60 }\noffline = { kind = \"exponential\", mean_s = -5 }\nrepair = { min_degree = 5, max_degree = 3 }",
        ),
        &[],
        &[
            "churn.session.shape",
            "mean is infinite",
            "churn.offline.mean_s",
            "churn.repair.max_degree",
            "fix:",
        ],
    );
    assert_input_error(
        &sessions(
            "kind = \"sessions\"\nsession = { kind = \"weibull\", shape = 0.5, scale = 60 }\noffline = { kind = \"constant\", s = 5 }",
        ),
        &[],
        &["churn.session", "unknown field `scale`"],
    );
    assert_input_error(
        &sessions("kind = \"trace\"\npath = \"missing.csv\""),
        &[],
        &["churn.path", "missing.csv"],
    );
    assert_input_error(
        &sessions("kind = \"sometimes\""),
        &[],
        &["churn", "sometimes"],
    );
}

#[test]
fn a_bad_trace_names_its_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "t.csv",
        "node,online_s,offline_s\n1,0,10\n1,5,20\n",
    );
    let text = with(
        "[[variant]]\nname = \"flood\"",
        "[churn]\nkind = \"trace\"\npath = \"t.csv\"\n\n[[variant]]\nname = \"flood\"",
    );
    write(dir.path(), "s.toml", &text);
    let o = floodsim(dir.path(), &["run", "s.toml", "--out", "out"]);
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "{err}");
    for needle in ["t.csv", "line 3", "overlapping", "fix:"] {
        assert!(err.contains(needle), "stderr lacks {needle:?}:\n{err}");
    }
    assert!(!dir.path().join("out").exists());
}

#[test]
fn bad_dht_values_name_their_fields() {
    assert_input_error(
        &with(
            "search = { kind = \"flooding\", ttl = 2 }",
            "search = { kind = \"chord\", successors = 0, stabilize_s = 0, rpc_timeout_ms = -1 }\n\n[[variant]]\nname = \"kad\"\nsearch = { kind = \"kademlia\", k = 8, alpha = 9, refresh_s = -3 }",
        ),
        &[],
        &[
            "variant.short.search.successors",
            "variant.short.search.stabilize_s",
            "variant.short.search.rpc_timeout_ms",
            "variant.kad.search.alpha",
            "variant.kad.search.refresh_s",
            "fix:",
        ],
    );
}

#[test]
fn stdout_closed_by_the_reader_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    for args in [
        &["validate", "s.toml"][..],
        &["graph", "s.toml", "--stats"],
        &["graph", "s.toml", "--json"],
        &["run", "s.toml", "--out", "r"],
    ] {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_floodsim"))
            .current_dir(dir.path())
            .args(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        // Close the reading end before floodsim writes: its writes then fail with EPIPE.
        drop(child.stdout.take());
        let o = child.wait_with_output().unwrap();
        assert_eq!(o.status.code(), Some(0), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{args:?}: {}", stderr(&o));
    }
}

#[test]
fn an_unwritable_out_is_refused_before_simulating() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    for out in ["s.toml/below-a-file", "/proc/floodsim/out"] {
        let started = std::time::Instant::now();
        for cmd in [
            &["run", "s.toml", "--out", out][..],
            &[
                "sweep",
                "s.toml",
                "--param",
                "variant.flood.search.ttl=2,3",
                "--out",
                out,
            ],
        ] {
            let o = floodsim(dir.path(), cmd);
            assert_eq!(o.status.code(), Some(2), "{cmd:?}: {}", stderr(&o));
            assert!(stderr(&o).contains("fix:"), "{}", stderr(&o));
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
    let o = floodsim(dir.path(), &["run", "s.toml", "--quiet", "--out", "r"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let o = floodsim(dir.path(), &["plot", "r", "--out", "s.toml"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("not a folder"), "{}", stderr(&o));
    for out in ["s.toml/b.json", "missing/b.json"] {
        let o = floodsim(dir.path(), &["baseline", "r", "-o", out]);
        assert_eq!(o.status.code(), Some(2), "{out}: {}", stderr(&o));
    }
    for jobs in ["0", "257", "65535"] {
        let o = floodsim(dir.path(), &["run", "s.toml", "--jobs", jobs, "--out", "j"]);
        assert_eq!(o.status.code(), Some(2), "--jobs {jobs}");
        assert!(!dir.path().join("j").exists());
    }
    // A SIGINT or SIGTERM during a run leaves no temporary folder.
    #[cfg(target_os = "linux")]
    for signal in ["-INT", "-TERM"] {
        let slow = SMALL.replace("queries = 150", "queries = 200000");
        write(dir.path(), "slow.toml", &slow);
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_floodsim"))
            .current_dir(dir.path())
            .args(["run", "slow.toml", "--quiet", "--out", "slow"])
            .spawn()
            .unwrap();
        let started = std::time::Instant::now();
        let temp = dir.path().join(format!(".slow.tmp-{}", child.id()));
        while !temp.exists() && started.elapsed() < std::time::Duration::from_secs(30) {
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
        let pid = child.id().to_string();
        std::process::Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap();
        let status = child.wait().unwrap();
        assert_ne!(status.code(), Some(0), "the run ended before the signal");
        assert!(!temp.exists(), "{signal} left {}", temp.display());
        assert!(!dir.path().join("slow").exists());
    }
}

#[test]
fn inputs_are_never_silently_misread() {
    assert_input_error(
        &with("timeout_s = 30", "timeout_s = inf"),
        &[],
        &["workload.timeout_s", "inf is not a value", "fix:"],
    );
    for set in [
        "content.rare=inf",
        "network.latency.max_ms=nan",
        "workload.timeout_s=-inf",
    ] {
        let path = set.split('=').next().unwrap();
        assert_input_error(SMALL, &["--set", set], &[path, "is not a value", "fix:"]);
    }
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "d.json",
        "{\"schema_version\": 1, \"name\": \"a\", \"name\": \"b\"}",
    );
    let o = floodsim(dir.path(), &["validate", "d.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("duplicate key `name`"),
        "{}",
        stderr(&o)
    );

    // graph never writes its export over its own input.
    let scenario = write(dir.path(), "s.toml", SMALL);
    std::fs::create_dir_all(dir.path().join("d")).unwrap();
    for out in ["../s.toml", "./../s.toml", "../d/../s.toml"] {
        let o = floodsim(
            &dir.path().join("d"),
            &["graph", "../s.toml", "--export", "edges", "-o", out],
        );
        assert_eq!(o.status.code(), Some(2), "{out}: {}", stderr(&o));
        assert_eq!(std::fs::read_to_string(&scenario).unwrap(), SMALL);
    }
    let o = floodsim(
        dir.path(),
        &[
            "graph",
            "s.toml",
            "--export",
            "edges",
            "-o",
            "missing/e.txt",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
}

#[test]
fn a_missing_result_folder_is_named_as_missing() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["check", "nope", "--baseline", "b.json"][..],
        &["baseline", "nope", "-o", "b.json"],
    ] {
        let o = floodsim(dir.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}");
        assert!(stderr(&o).contains("nope does not exist"), "{}", stderr(&o));
    }
}

/// A long run of many variants × replicas: 10^5 one-second windows each.
fn long_timeseries() -> String {
    let mut s = SMALL
        .replace("replications = 2", "replications = 10")
        .replace("queries = 150", "queries = 1000")
        .replace("rate_per_s = 10.0", "rate_per_s = 0.01");
    for i in 0..8 {
        s.push_str(&format!(
            "\n[[variant]]\nname = \"v{i}\"\nsearch = {{ kind = \"flooding\", ttl = 3 }}\n"
        ));
    }
    s + "\n[output]\ntimeseries_window_s = 1.0\n"
}

#[test]
fn the_memory_estimate_covers_timeseries_windows_and_caps_walkers() {
    let v = validated(&long_timeseries(), &[]);
    let s = &v.scenario;
    let windows = f64::from(s.workload.queries) / s.workload.rate_per_s / 1.0;
    let rows = windows * s.variants.len() as f64 * f64::from(s.replications);
    let held = rows * std::mem::size_of::<floodsim::metrics::TimeseriesRow>() as f64;
    let estimate = floodsim::resources::estimate(&v, 2);
    assert!(
        estimate.total as f64 >= held,
        "estimate {} < {held} bytes of timeseries rows",
        estimate.total
    );
    // Far too many windows for memory: refused, blaming the window width.
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", &long_timeseries());
    let o = floodsim(
        dir.path(),
        &[
            "validate",
            "s.toml",
            "--set",
            "output.timeseries_window_s=0.01",
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("s.toml: output.timeseries_window_s: this scenario needs"),
        "{}",
        stderr(&o)
    );

    // Walkers in flight are bounded by the queries, however slow the links.
    let walk = SMALL
        .replace("queries = 150", "queries = 10")
        .replace("[[variant]]\nname = \"short\"", "[[variant]]\nname = \"x\"")
        .replace(
            "search = { kind = \"flooding\", ttl = 2 }",
            "search = { kind = \"random-walk\", walkers = 16, ttl = 255, check_every = 4 }",
        );
    let slow = validated(
        &walk,
        &["network.latency={ kind = \"lognormal\", median_ms = 60000, sigma = 4 }".into()],
    );
    let fast = validated(
        &walk,
        &["network.latency={ kind = \"constant\", ms = 1 }".into()],
    );
    let walkers_at_most = 10 * 16 * (255 * 32 + floodsim::resources::EVENT_BYTES);
    let (slow, fast) = (
        floodsim::resources::estimate(&slow, 1).total,
        floodsim::resources::estimate(&fast, 1).total,
    );
    assert!(
        slow <= fast + walkers_at_most,
        "{slow} > {fast} + {walkers_at_most}"
    );
    // When the walkers' state is what grows, the estimate blames the variant, not the nodes.
    let busy = validated(
        &walk,
        &[
            "network.latency={ kind = \"lognormal\", median_ms = 60000, sigma = 4 }".into(),
            "workload.queries=1000000".into(),
            "workload.rate_per_s=1000".into(),
        ],
    );
    let e = floodsim::resources::estimate(&busy, 1);
    assert_eq!(e.largest_part().0, "variant", "{:?}", e.parts);
}

#[test]
fn endless_and_huge_inputs_are_refused_quickly() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", SMALL);
    let zero = SMALL.replace(
        "nodes = 400\ntopology = { kind = \"random-regular\", degree = 4 }",
        "topology = { kind = \"file\", path = \"/dev/zero\" }",
    );
    assert_ne!(zero, SMALL);
    write(dir.path(), "zero.toml", &zero);
    let started = std::time::Instant::now();
    for args in [
        &["validate", "/dev/zero"][..],
        &["graph", "/dev/zero"],
        &["run", "zero.toml", "--out", "o"],
        &["check", ".", "--baseline", "/dev/zero"],
        &[
            "sweep",
            "s.toml",
            "--param",
            "variant.flood.search.ttl=1..=1000",
            "--param",
            "network.topology.degree=1..=1000",
            "--out",
            "o",
        ],
    ] {
        let o = floodsim(dir.path(), args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(left.len(), 2, "{left:?}");
}

#[test]
fn messages_echo_huge_values_briefly_and_numbers_readably() {
    let huge = format!("name = \"{}\"", "A".repeat(5_000_000));
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "s.toml", &with("name = \"small\"", &huge));
    let deep = format!(
        "seed = 3\ndeep = {}{}",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    write(dir.path(), "deep.toml", &with("seed = 3", &deep));
    for file in ["s.toml", "deep.toml"] {
        let o = floodsim(dir.path(), &["validate", file]);
        assert_eq!(o.status.code(), Some(2));
        assert!(
            o.stderr.len() < 3000,
            "{file}: {} bytes of message",
            o.stderr.len()
        );
        assert!(stderr(&o).contains("characters cut"), "{}", stderr(&o));
    }
    write(dir.path(), "s.toml", SMALL);
    let run_of_digits = |text: &str| {
        text.split(|c: char| !c.is_ascii_digit())
            .map(str::len)
            .max()
            .unwrap_or(0)
    };
    for (set, needle) in [
        ("network.latency.max_ms=1e300", "got 1e300"),
        ("workload.rate_per_s=1e-300", "at 1e-300 per second"),
    ] {
        let o = floodsim(dir.path(), &["validate", "s.toml", "--set", set]);
        assert_eq!(o.status.code(), Some(2));
        assert!(stderr(&o).contains(needle), "{}", stderr(&o));
        assert!(run_of_digits(&stderr(&o)) < 25, "{}", stderr(&o));
    }
    // The suggested window width is true: it gives at most the allowed number of windows.
    let o = floodsim(
        dir.path(),
        &[
            "validate",
            "s.toml",
            "--set",
            "output.timeseries_window_s=1e-9",
        ],
    );
    let err = stderr(&o);
    let least: f64 = err
        .split("at least ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|t| t.parse().ok())
        .unwrap_or_else(|| panic!("{err}"));
    let duration = 150.0 / 10.0;
    assert!(least > 0.0, "{err}");
    // 1e7 windows per variant and replica is the documented limit.
    assert!(duration / least <= 1e7 * 1.001, "{err}");
}

/// A symmetric `n`-node matrix CSV whose off-diagonal latencies are all `ms`.
fn uniform_matrix(n: usize, ms: &str) -> String {
    (0..n)
        .map(|i| {
            let row: Vec<&str> = (0..n).map(|j| if i == j { "0" } else { ms }).collect();
            row.join(",") + "\n"
        })
        .collect()
}

#[test]
fn latency_matrix_input_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "m.csv",
        "# 3 nodes\n0,10,20\n10,0,30\n20,31,0\n",
    );
    write(dir.path(), "neg.csv", "0,-1\n-1,0\n");
    write(dir.path(), "big.csv", &uniform_matrix(3, "5"));
    let cases = [
        (
            "m.csv",
            "nodes = 3",
            vec!["m.csv: line 4", "symmetric", "31.000 ms"],
        ),
        ("neg.csv", "nodes = 2", vec!["neg.csv: line 1", "\"-1\""]),
        (
            "big.csv",
            "nodes = 400",
            vec!["network.latency.path", "nodes = 3"],
        ),
    ];
    for (file, nodes, expected) in cases {
        let s = with(
            "latency = { kind = \"uniform\", min_ms = 10, max_ms = 90 }",
            &format!("latency = {{ kind = \"matrix\", path = \"{file}\" }}"),
        )
        .replace("nodes = 400", nodes);
        write(dir.path(), "s.toml", &s);
        for command in ["run", "validate"] {
            let o = floodsim(dir.path(), &[command, "s.toml"]);
            let err = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{file} {command}: {err}");
            for needle in &expected {
                assert!(
                    err.contains(needle),
                    "{file}: stderr lacks {needle:?}:\n{err}"
                );
            }
        }
    }
    assert!(!dir.path().join("results").exists());
}

#[test]
fn a_per_link_law_must_be_a_plain_law() {
    let s = with(
        "latency = { kind = \"uniform\", min_ms = 10, max_ms = 90 }",
        "latency = { kind = \"per-link\", law = { kind = \"per-link\", law = { kind = \"constant\", ms = 5 } } }",
    );
    assert_input_error(
        &s,
        &[],
        &["network.latency.law", "cannot itself be per-link"],
    );
    let s = with(
        "latency = { kind = \"uniform\", min_ms = 10, max_ms = 90 }",
        "latency = { kind = \"per-link\", law = { kind = \"uniform\", min_ms = 9, max_ms = 5 }, jitter_ms = -1 }",
    );
    assert_input_error(
        &s,
        &[],
        &["network.latency.law.max_ms", "network.latency.jitter_ms"],
    );
}

/// A matrix of equal latencies, and a per-link constant law without jitter, give every message
/// the same latency as a constant model, so every output is the constant model's, byte for
/// byte (none of them draws from the latency stream; `summary.json` differs only in the echoed
/// scenario).
#[test]
fn equal_latencies_from_a_matrix_or_per_link_law_reproduce_constant_latency() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "m.csv", &uniform_matrix(400, "40"));
    let base = SMALL.replace("rare_fraction = 0.2", "rare_fraction = 0.0");
    let uniform = "latency = { kind = \"uniform\", min_ms = 10, max_ms = 90 }";
    let models = [
        "latency = { kind = \"constant\", ms = 40 }",
        "latency = { kind = \"matrix\", path = \"m.csv\" }",
        "latency = { kind = \"per-link\", law = { kind = \"constant\", ms = 40 } }",
    ];
    for (i, model) in models.iter().enumerate() {
        write(
            dir.path(),
            &format!("s{i}.toml"),
            &base.replace(uniform, model),
        );
        let o = floodsim(
            dir.path(),
            &["run", &format!("s{i}.toml"), "--out", &format!("o{i}")],
        );
        assert_eq!(o.status.code(), Some(0), "{model}: {}", stderr(&o));
    }
    for file in ["queries.csv", "timeseries.csv"] {
        let read = |i: usize| std::fs::read(dir.path().join(format!("o{i}")).join(file)).unwrap();
        assert!(read(0) == read(1), "{file}: matrix");
        assert!(read(0) == read(2), "{file}: per-link");
    }
}

#[test]
fn coordinate_latency_checks_its_regions_and_access_law() {
    let s = with(
        "latency = { kind = \"uniform\", min_ms = 10, max_ms = 90 }",
        "latency = { kind = \"coordinates\", regions = [{ name = \"x\", share = 0, lat = 95, lon = 0 }], access = { kind = \"per-link\", law = { kind = \"constant\", ms = 1 } } }",
    );
    assert_input_error(
        &s,
        &[],
        &[
            "network.latency.regions[0].share",
            "network.latency.regions[0]: lat 95",
            "network.latency.access",
        ],
    );
}
