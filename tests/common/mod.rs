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

/// Fixtures for library-level tests: small worlds built by hand and one way to run a protocol
/// on them.
pub mod fixture {
    use floodsim::content::Content;
    use floodsim::metrics::QueryRecord;
    use floodsim::net::{LatencyModel, Law};
    use floodsim::rng::{StreamKind, stream};
    use floodsim::scenario::{self, Popularity, Replication};
    use floodsim::sim::{self, Protocol, Setup};
    use floodsim::time::{SimDuration, SimTime};
    use floodsim::topology::Overlay;
    use floodsim::workload::{self, Query};
    use floodsim::world::World;

    /// Link latency of [`setup`].
    pub const LATENCY_MS: u64 = 50;

    /// A world without churn on `overlay`, with a timeout long enough that every hit counts.
    pub fn world(overlay: Overlay, content: Content, queries: Vec<Query>) -> World {
        World {
            replica: 0,
            overlay,
            content,
            queries,
            churn: None,
            timeout: SimDuration::from_secs(10_000_000),
        }
    }

    /// `objects` objects with `popularity`, `copies` copies each on distinct random nodes.
    pub fn content(
        objects: u32,
        copies: u32,
        popularity: Popularity,
        nodes: u32,
        seed: u64,
    ) -> Content {
        let spec = scenario::Content {
            objects,
            popularity,
            replication: Replication::Uniform { copies },
            rare: None,
        };
        Content::place(&spec, nodes, &mut stream(seed, 0, StreamKind::Content, 0))
    }

    /// `queries` Poisson queries at `rate_per_s` from uniform sources for objects drawn by
    /// popularity.
    pub fn queries(
        nodes: u32,
        content: &Content,
        queries: u32,
        rate_per_s: f64,
        seed: u64,
    ) -> Vec<Query> {
        let w = scenario::Workload {
            queries,
            rate_per_s,
            rare_fraction: 0.0,
            timeout_s: 1e6,
        };
        workload::generate(
            &w,
            SimTime::ZERO,
            nodes,
            content,
            &mut stream(seed, 0, StreamKind::Workload, 0),
            None,
        )
    }

    /// Constant [`LATENCY_MS`] latency, seed-1 streams, 60 s windows.
    pub fn setup() -> Setup {
        Setup {
            latency: LatencyModel::PerMessage(Law::Constant(SimDuration::from_millis(LATENCY_MS))),
            latency_rng: stream(1, 0, StreamKind::Latency, 0),
            links_rng: stream(1, 0, StreamKind::Latency, floodsim::rng::LINKS),
            protocol_rng: stream(1, 0, StreamKind::Protocol, 0),
            window: SimDuration::from_secs(60),
        }
    }

    /// Runs `protocol` on `world` with [`setup`] and returns its records.
    pub fn run<P: Protocol>(world: &World, mut protocol: P) -> Vec<QueryRecord> {
        sim::simulate(world, &mut protocol, setup(), &mut |_| {})
            .recorded
            .records
    }
}
