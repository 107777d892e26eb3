//! Helpers shared by the CLI-level tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A small, fast scenario; `{EXTRA}` lines are appended to `[network]`.
pub const SMALL: &str = r#"
schema_version = 1
name = "small"
seed = 3
replications = 2

[network]
nodes = 400
topology = { kind = "random-regular", degree = 4 }
latency = { kind = "uniform", min_ms = 10, max_ms = 90 }

[content]
objects = 50
popularity = { kind = "zipf", exponent = 1.0 }
replication = { kind = "uniform", copies = 3 }
rare = { objects = 10, copies = 1 }

[workload]
queries = 150
rate_per_s = 10.0
rare_fraction = 0.2
timeout_s = 30

[[variant]]
name = "flood"
search = { kind = "flooding", ttl = 5 }

[[variant]]
name = "short"
search = { kind = "flooding", ttl = 2 }
"#;

/// Runs the floodsim binary in `dir`.
pub fn floodsim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_floodsim"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("floodsim runs")
}

/// Writes `text` to `dir/name` and returns the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write test file");
    path
}

/// Loads and validates scenario `text` with `--set`-style overrides (generated topologies only:
/// the scenario's folder is gone afterwards).
pub fn validated(text: &str, overrides: &[String]) -> floodsim::scenario::Validated {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = write(dir.path(), "s.toml", text);
    let overrides: Vec<_> = overrides
        .iter()
        .map(|o| floodsim::scenario::parse_override(o).expect("valid override"))
        .collect();
    floodsim::scenario::load(&path, &overrides)
        .and_then(|s| s.validate(&path))
        .expect("valid scenario")
}

/// The stderr of a run, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Reads the deterministic result files of a result folder.
pub fn deterministic_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    ["summary.json", "queries.csv", "timeseries.csv"]
        .iter()
        .map(|f| {
            (
                f.to_string(),
                std::fs::read(dir.join(f)).expect("result file"),
            )
        })
        .collect()
}
