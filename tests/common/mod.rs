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

/// One `<text>` element of an SVG written by floodsim: its attributes and its content.
#[derive(Clone, Debug)]
pub struct SvgText {
    /// Anchor x, pixels.
    pub x: f64,
    /// Anchor y, pixels.
    pub y: f64,
    /// The `text-anchor` attribute.
    pub anchor: String,
    /// The text.
    pub text: String,
}

/// The value of attribute `name` in an SVG element's opening tag.
pub fn svg_attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let start = tag.find(&format!(" {name}=\""))? + name.len() + 3;
    let len = tag[start..].find('"')?;
    Some(&tag[start..start + len])
}

/// Every `<text>` element of `svg` (plotters writes the text on the line after the tag).
pub fn svg_texts(svg: &str) -> Vec<SvgText> {
    let lines: Vec<&str> = svg.lines().collect();
    lines
        .windows(2)
        .filter(|w| w[0].starts_with("<text"))
        .map(|w| SvgText {
            x: svg_attr(w[0], "x")
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN),
            y: svg_attr(w[0], "y")
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN),
            anchor: svg_attr(w[0], "text-anchor").unwrap_or("").to_string(),
            text: w[1].trim().to_string(),
        })
        .collect()
}

/// The x-axis tick labels of a chart: centred text on the lowest row of tick labels (below
/// the plot area, above the axis title).
pub fn svg_x_ticks(svg: &str) -> Vec<String> {
    let texts: Vec<SvgText> = svg_texts(svg)
        .into_iter()
        .filter(|t| t.anchor == "middle")
        .collect();
    // The axis title is the lowest text; the tick labels are the row just above it.
    let mut rows: Vec<f64> = texts.iter().map(|t| t.y).collect();
    rows.sort_by(f64::total_cmp);
    rows.dedup();
    let Some(&row) = rows.iter().rev().nth(1) else {
        return Vec::new();
    };
    texts
        .into_iter()
        .filter(|t| t.y == row)
        .map(|t| t.text)
        .collect()
}

/// The legend box of a floodsim chart (x0, y0, x1, y1): the translucent white rectangle.
pub fn svg_legend_box(svg: &str) -> Option<(f64, f64, f64, f64)> {
    let tag = svg
        .lines()
        .find(|l| l.starts_with("<rect") && svg_attr(l, "opacity") == Some("0.9"))?;
    let num = |name| svg_attr(tag, name).and_then(|v| v.parse::<f64>().ok());
    let (x, y) = (num("x")?, num("y")?);
    Some((x, y, x + num("width")?, y + num("height")?))
}

/// The data drawn before the legend: vertices of data lines and error bars (stroke width 2,
/// sampled every 2 pixels along each segment), marker centres and corners, band corners.
pub fn svg_data_points(svg: &str) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let pairs = |list: &str| -> Vec<(f64, f64)> {
        list.split_whitespace()
            .filter_map(|p| {
                let (x, y) = p.split_once(',')?;
                Some((x.parse().ok()?, y.parse().ok()?))
            })
            .collect()
    };
    for line in svg.lines() {
        if line.starts_with("<rect") && svg_attr(line, "opacity") == Some("0.9") {
            break;
        }
        if line.starts_with("<polyline") && svg_attr(line, "stroke-width") == Some("2") {
            let vertices = pairs(svg_attr(line, "points").unwrap_or(""));
            for w in vertices.windows(2) {
                let steps = ((w[1].0 - w[0].0).abs().max((w[1].1 - w[0].1).abs()) / 2.0).ceil();
                let steps = steps.max(1.0) as usize;
                for k in 0..=steps {
                    let t = k as f64 / steps as f64;
                    out.push((
                        w[0].0 + (w[1].0 - w[0].0) * t,
                        w[0].1 + (w[1].1 - w[0].1) * t,
                    ));
                }
            }
        } else if line.starts_with("<polygon") {
            out.extend(pairs(svg_attr(line, "points").unwrap_or("")));
        } else if line.starts_with("<circle") {
            let num = |name| svg_attr(line, name).and_then(|v| v.parse::<f64>().ok());
            if let (Some(x), Some(y)) = (num("cx"), num("cy")) {
                out.push((x, y));
            }
        }
    }
    out
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
            capacities: None,
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
            duration_s: None,
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
            count_nodes: false,
        }
    }

    /// Runs `protocol` on `world` with [`setup`] and returns its records.
    pub fn run<P: Protocol>(world: &World, mut protocol: P) -> Vec<QueryRecord> {
        sim::simulate(world, &mut protocol, setup(), &mut |_| {})
            .recorded
            .records
    }
}
