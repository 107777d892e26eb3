//! `floodsim baseline` and `floodsim check`: regression checks of results against a committed
//! baseline, for CI. Both read result files; neither simulates anything.
//!
//! A baseline holds the headline metrics of every variant (and every sweep point) with an
//! allowed change: the larger of a relative tolerance (of the baseline value) and an absolute
//! one. For success rates the absolute tolerance is CI-aware: 1.96·√(2p(1−p)/n), the 95% range
//! of the difference of two independent estimates from n queries each (at least 0.005).

use crate::error::{Error, InputError, Result};
use crate::output::split_csv;
use crate::sweep::{self, METRICS};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Default relative tolerance per metric (absolute tolerances are computed, see the module).
pub const DEFAULT_RELATIVE: [(&str, f64); 13] = [
    ("success_rate", 0.0),
    ("messages_per_query", 0.05),
    ("response_messages_per_query", 0.05),
    ("hops_to_first_hit", 0.05),
    ("time_to_first_hit_ms", 0.05),
    ("nodes_reached_per_query", 0.05),
    ("duplicate_ratio", 0.05),
    ("bytes_per_query", 0.05),
    ("peak_node_load", 0.10),
    ("mean_node_load", 0.05),
    ("hits_lost_per_query", 0.10),
    ("rpc_timeouts_per_query", 0.10),
    ("maintenance_per_node_per_s", 0.05),
];

/// One checked figure.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Metric {
    /// `[point/]variant/metric`, e.g. `flood/success_rate` or `ttl=3/flood/success_rate`.
    pub id: String,
    /// The value.
    pub value: f64,
    /// Allowed change relative to the baseline value.
    pub relative: f64,
    /// Allowed absolute change.
    pub absolute: f64,
}

/// A baseline file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Layout version.
    pub schema_version: u32,
    /// floodsim version that wrote it.
    pub floodsim_version: String,
    /// The scenario name of the results.
    pub scenario: String,
    /// The checked figures.
    pub metrics: Vec<Metric>,
}

/// A figure read from results: id, value, and the queries behind it.
struct Figure {
    id: String,
    name: &'static str,
    value: f64,
    queries: u64,
}

/// Reads the headline figures of a `run` folder (summary.json) or a `sweep` folder (sweep.csv).
fn figures(dir: &Path) -> Result<(String, Vec<Figure>)> {
    if !dir.is_dir() {
        let why = if dir.exists() {
            "is not a folder"
        } else {
            "does not exist"
        };
        return Err(InputError::new(format!("{} {why}", dir.display()))
            .fix("give a folder written by floodsim run or floodsim sweep")
            .into());
    }
    if dir.join("summary.json").is_file() {
        run_figures(dir)
    } else if dir.join("sweep.json").is_file() {
        sweep_figures(dir)
    } else {
        Err(InputError::new(format!(
            "{} holds neither summary.json nor sweep.json",
            dir.display()
        ))
        .fix("give a folder written by floodsim run or floodsim sweep")
        .into())
    }
}

/// Refuses a results path that does not exist or is not a folder, saying which.
fn require_folder(dir: &Path) -> Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let why = if dir.exists() {
        "is not a folder"
    } else {
        "does not exist"
    };
    Err(InputError::new(format!("{} {why}", dir.display()))
        .fix("give a folder written by floodsim run or floodsim sweep")
        .into())
}

fn run_figures(dir: &Path) -> Result<(String, Vec<Figure>)> {
    let path = dir.join("summary.json");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, "read", e))?;
    let bad = |what: &str| {
        Error::from(InputError::new(format!("not a floodsim summary: {what}")).in_file(&path))
    };
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(&e.to_string()))?;
    let name = doc["scenario"]["name"]
        .as_str()
        .ok_or_else(|| bad("no scenario name"))?
        .to_string();
    let mut out = Vec::new();
    for v in doc["variants"]
        .as_array()
        .ok_or_else(|| bad("no variants"))?
    {
        let variant = v["name"]
            .as_str()
            .ok_or_else(|| bad("a variant has no name"))?;
        let queries = v["queries"].as_u64().unwrap_or(0);
        for m in METRICS {
            let x = &v[m];
            let value = x.get("mean").unwrap_or(x).as_f64();
            if let Some(value) = value {
                out.push(Figure {
                    id: format!("{variant}/{m}"),
                    name: m,
                    value,
                    queries,
                });
            }
        }
    }
    Ok((name, out))
}

fn sweep_figures(dir: &Path) -> Result<(String, Vec<Figure>)> {
    let definition = sweep::read_definition(dir)?;
    let path = dir.join("sweep.csv");
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, "read", e))?;
    let params = definition.parameters.len();
    /// Per metric (sum, count) over the replicas, and the queries behind them.
    type Pool = (Vec<(f64, u32)>, u64);
    let mut pooled: BTreeMap<(usize, String), Pool> = BTreeMap::new();
    let point_of = |cells: &[String]| -> Option<usize> {
        definition.points.iter().position(|p| {
            p.values.iter().zip(cells).all(|(v, c)| match v {
                serde_json::Value::String(s) => s == c,
                other => &other.to_string() == c,
            })
        })
    };
    for line in text.lines().skip(1) {
        let cells = split_csv(line);
        if cells.len() != params + 3 + METRICS.len() {
            return Err(InputError::new("a row has the wrong number of cells")
                .in_file(&path)
                .into());
        }
        let point = point_of(&cells[..params])
            .ok_or_else(|| InputError::new("a row matches no sweep point").in_file(&path))?;
        let entry = pooled
            .entry((point, cells[params].clone()))
            .or_insert_with(|| (vec![(0.0, 0); METRICS.len()], 0));
        entry.1 += cells[params + 2].parse::<u64>().unwrap_or(0);
        for (m, cell) in cells[params + 3..].iter().enumerate() {
            if let Ok(x) = cell.parse::<f64>() {
                entry.0[m].0 += x;
                entry.0[m].1 += 1;
            }
        }
    }
    let mut out = Vec::new();
    for ((point, variant), (sums, queries)) in pooled {
        let label = definition
            .parameters
            .iter()
            .zip(&definition.points[point].values)
            .map(|(p, v)| format!("{}={}", p.path, v))
            .collect::<Vec<_>>()
            .join(",");
        for (m, &(sum, count)) in sums.iter().enumerate() {
            if count > 0 {
                out.push(Figure {
                    id: format!("{label}/{variant}/{}", METRICS[m]),
                    name: METRICS[m],
                    value: sum / f64::from(count),
                    queries,
                });
            }
        }
    }
    Ok((definition.scenario.name, out))
}

fn tolerance(f: &Figure) -> (f64, f64) {
    let relative = DEFAULT_RELATIVE
        .iter()
        .find(|(n, _)| *n == f.name)
        .map_or(0.05, |t| t.1);
    let absolute = match f.name {
        "success_rate" => {
            let n = f.queries.max(1) as f64;
            (1.96 * (2.0 * f.value * (1.0 - f.value) / n).sqrt()).max(0.005)
        }
        "duplicate_ratio" => 0.01,
        "hits_lost_per_query" | "rpc_timeouts_per_query" => 0.01,
        _ => 1e-9,
    };
    (relative, absolute)
}

/// Writes a baseline of the results in `dir` to `file`.
pub fn write_baseline(dir: &Path, file: &Path) -> Result<usize> {
    let (scenario, figures) = figures(dir)?;
    let metrics: Vec<Metric> = figures
        .iter()
        .map(|f| {
            let (relative, absolute) = tolerance(f);
            Metric {
                id: f.id.clone(),
                value: f.value,
                relative,
                absolute,
            }
        })
        .collect();
    let baseline = Baseline {
        schema_version: 1,
        floodsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario,
        metrics,
    };
    let mut json = serde_json::to_vec_pretty(&baseline).expect("serialise");
    json.push(b'\n');
    std::fs::write(file, json).map_err(|e| Error::io(file, "write the baseline", e))?;
    Ok(baseline.metrics.len())
}

/// One line of the check table.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckLine {
    /// Metric id.
    pub id: String,
    /// Baseline value.
    pub baseline: f64,
    /// Value now (None if the results lack it).
    pub now: Option<f64>,
    /// Largest allowed change.
    pub allowed: f64,
    /// Whether it is within tolerance.
    pub ok: bool,
}

/// Compares the results in `dir` with `baseline_file`; `overrides` replace the relative
/// tolerance of the named metrics (`messages_per_query=0.1`).
pub fn check(
    dir: &Path,
    baseline_file: &Path,
    overrides: &[(String, f64)],
) -> Result<Vec<CheckLine>> {
    require_folder(dir)?;
    let text = crate::scenario::read_text(baseline_file, 16 << 20).map_err(|e| {
        InputError::new(format!("cannot read the baseline: {e}"))
            .in_file(baseline_file)
            .fix("write one with floodsim baseline RESULTS_DIR -o FILE")
    })?;
    let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
        InputError::new(format!("not a floodsim baseline: {e}")).in_file(baseline_file)
    })?;
    for (name, _) in overrides {
        if !METRICS.contains(&name.as_str()) {
            return Err(
                InputError::new(format!("--tolerance names an unknown metric {name:?}"))
                    .fix(format!("use one of: {}", METRICS.join(", ")))
                    .into(),
            );
        }
    }
    let (_, figures) = figures(dir)?;
    let now: BTreeMap<&str, f64> = figures.iter().map(|f| (f.id.as_str(), f.value)).collect();
    Ok(baseline
        .metrics
        .iter()
        .map(|m| {
            let name = m.id.rsplit('/').next().unwrap_or("");
            let relative = overrides
                .iter()
                .find(|(n, _)| n == name)
                .map_or(m.relative, |o| o.1);
            let allowed = (relative * m.value.abs()).max(m.absolute);
            let value = now.get(m.id.as_str()).copied();
            CheckLine {
                id: m.id.clone(),
                baseline: m.value,
                now: value,
                allowed,
                ok: value.is_some_and(|v| (v - m.value).abs() <= allowed),
            }
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_tolerance_follows_the_binomial_spread() {
        let f = |value, queries| Figure {
            id: String::new(),
            name: "success_rate",
            value,
            queries,
        };
        // p = 0.5, n = 1000: 1.96·√(2·0.25/1000) = 0.0438.
        assert!((tolerance(&f(0.5, 1000)).1 - 0.04383).abs() < 1e-4);
        assert_eq!(tolerance(&f(1.0, 1000)).1, 0.005);
    }
}
