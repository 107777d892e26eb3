//! `floodsim baseline` and `floodsim check`: regression checks of results against a committed
//! baseline, for CI. Both read result files; neither simulates anything.
//!
//! A baseline holds the headline metrics of every variant (and every sweep point) with an
//! allowed change: the larger of a relative tolerance (of the baseline value) and an absolute
//! one. For success rates the absolute tolerance is CI-aware: 1.96·√(2p(1−p)/n), the 95% range
//! of the difference of two independent estimates from n queries each (at least 0.005).

use crate::error::{Error, InputError, Result};
use crate::metrics::catalogue::{self, Absolute, Better, CATALOGUE};
use crate::output::{summary_json, sweep_csv};
use crate::sweep;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

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

/// A figure read from results: id, metric, value, and the queries behind it.
struct Figure {
    id: String,
    metric: &'static catalogue::Metric,
    value: f64,
    queries: u64,
}

/// Whether figures come from a `run` folder or a `sweep` folder.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Kind {
    Run,
    Sweep,
}

impl Kind {
    /// The kind of results a figure id belongs to: sweep ids start with the point's
    /// `path=value` list, run ids with a variant name (which never holds '=' or '/').
    fn of(id: &str) -> Kind {
        if id
            .split('/')
            .next()
            .is_some_and(|first| first.contains('='))
        {
            Kind::Sweep
        } else {
            Kind::Run
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::Run => "a run result (floodsim run)",
            Kind::Sweep => "a sweep result (floodsim sweep)",
        }
    }
}

/// Reads the headline figures of a `run` folder (summary.json) or a `sweep` folder
/// (sweep.csv), with the scenario name and the kind of folder.
/// Also returns the sweep points that have no results yet (none for a run).
fn figures(dir: &Path) -> Result<(String, Kind, Vec<Figure>, Vec<usize>)> {
    require_folder(dir)?;
    if dir.join("summary.json").is_file() {
        let (name, figures) = run_figures(dir)?;
        Ok((name, Kind::Run, figures, Vec::new()))
    } else if dir.join("sweep.json").is_file() {
        let (name, figures, missing) = sweep_figures(dir)?;
        Ok((name, Kind::Sweep, figures, missing))
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
    let summary = summary_json::read(&dir.join("summary.json"))?;
    let mut out = Vec::new();
    for v in &summary.variants {
        for metric in CATALOGUE {
            if let Some(value) = v.headline(metric) {
                out.push(Figure {
                    id: format!("{}/{}", v.name, metric.name),
                    metric,
                    value,
                    queries: v.queries,
                });
            }
        }
    }
    Ok((summary.scenario, out))
}

fn sweep_figures(dir: &Path) -> Result<(String, Vec<Figure>, Vec<usize>)> {
    let definition = sweep::read_definition(dir)?;
    let path = dir.join("sweep.csv");
    let rows = sweep_csv::read_runs(&path, &definition.parameters)?;
    /// Per metric (sum, count) over the replicas, and the queries behind them.
    type Pool = (Vec<(f64, u32)>, u64);
    let mut pooled: BTreeMap<(usize, String), Pool> = BTreeMap::new();
    let point_of = |cells: &[String]| -> Option<usize> {
        definition.points.iter().position(|p| {
            p.values
                .iter()
                .zip(cells)
                .all(|(v, c)| sweep_csv::value_text(v) == *c)
        })
    };
    for (cells, row) in rows {
        let point = point_of(&cells)
            .ok_or_else(|| InputError::new("a row matches no sweep point").in_file(&path))?;
        let entry = pooled
            .entry((point, row.variant))
            .or_insert_with(|| (vec![(0.0, 0); CATALOGUE.len()], 0));
        entry.1 += row.queries;
        for (m, x) in row.metrics.iter().enumerate() {
            if let Some(x) = x {
                entry.0[m].0 += x;
                entry.0[m].1 += 1;
            }
        }
    }
    let missing: Vec<usize> = (0..definition.points.len())
        .filter(|&i| !pooled.keys().any(|(p, _)| *p == i))
        .collect();
    let mut out = Vec::new();
    for ((point, variant), (sums, queries)) in pooled {
        let label = definition
            .parameters
            .iter()
            .zip(&definition.points[point].values)
            .map(|(p, v)| format!("{}={}", p.path, v))
            .collect::<Vec<_>>()
            .join(",");
        for (metric, &(sum, count)) in CATALOGUE.iter().zip(&sums) {
            if count > 0 {
                out.push(Figure {
                    id: format!("{label}/{variant}/{}", metric.name),
                    metric,
                    value: sum / f64::from(count),
                    queries,
                });
            }
        }
    }
    Ok((definition.scenario.name, out, missing))
}

/// The default (relative, absolute) tolerance of a figure, from the catalogue.
fn tolerance(f: &Figure) -> (f64, f64) {
    let absolute = match f.metric.tolerance.absolute {
        Absolute::Fixed(x) => x,
        Absolute::Binomial => {
            let n = f.queries.max(1) as f64;
            (1.96 * (2.0 * f.value * (1.0 - f.value) / n).sqrt()).max(0.005)
        }
    };
    (f.metric.tolerance.relative, absolute)
}

/// Writes a baseline of the results in `dir` to `file`. A sweep with points still missing is
/// refused unless `allow_partial`: its baseline would not check them.
pub fn write_baseline(dir: &Path, file: &Path, allow_partial: bool) -> Result<usize> {
    let (scenario, _, figures, missing) = figures(dir)?;
    if !missing.is_empty() && !allow_partial {
        return Err(sweep::partial(dir, &missing, "a baseline of it would not check them").into());
    }
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

/// How a figure compares with its baseline.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Within tolerance.
    Ok,
    /// Outside tolerance, in the better direction.
    Improved,
    /// Outside tolerance, in the worse direction (or either way for a metric with no better
    /// direction).
    Regressed,
    /// In the baseline, absent from the results.
    Missing,
    /// In the results, absent from the baseline.
    New,
}

impl Status {
    /// Whether this line fails the check: a regression or a missing figure always does, an
    /// improvement only when `strict` (the baseline is then out of date).
    pub fn fails(self, strict: bool) -> bool {
        match self {
            Status::Regressed | Status::Missing => true,
            Status::Improved => strict,
            Status::Ok | Status::New => false,
        }
    }
}

/// One line of the check table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CheckLine {
    /// Metric id.
    pub id: String,
    /// Baseline value (None if the baseline lacks it).
    pub baseline: Option<f64>,
    /// Value now (None if the results lack it).
    pub now: Option<f64>,
    /// Largest allowed change (0 when either side is absent).
    pub allowed: f64,
    /// How it compares.
    pub status: Status,
}

/// Compares the results in `dir` with `baseline_file`; `overrides` replace the relative
/// tolerance of the named metrics (`messages_per_query=0.1`). Lines come in baseline order,
/// then the figures only the results have.
pub fn check(
    dir: &Path,
    baseline_file: &Path,
    overrides: &[(String, f64)],
) -> Result<Vec<CheckLine>> {
    require_folder(dir)?;
    let text = crate::input::read_text(baseline_file, 16 << 20).map_err(|e| {
        InputError::new(format!("cannot read the baseline: {e}"))
            .in_file(baseline_file)
            .fix("write one with floodsim baseline RESULTS_DIR -o FILE")
    })?;
    let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
        InputError::new(format!("not a floodsim baseline: {e}")).in_file(baseline_file)
    })?;
    validate_baseline(&baseline, baseline_file)?;
    for (name, _) in overrides {
        if catalogue::metric(name).is_none() {
            return Err(
                InputError::new(format!("--tolerance names an unknown metric {name:?}"))
                    .fix(format!("use one of: {}", catalogue::names()))
                    .into(),
            );
        }
    }
    let (scenario, kind, figures, _) = figures(dir)?;
    let refuse = |problem: String| {
        Err(InputError::new(problem)
            .in_file(baseline_file)
            .fix("check against a baseline written from results of the same scenario and kind (floodsim baseline RESULTS_DIR -o FILE)")
            .into())
    };
    if baseline.scenario != scenario {
        return refuse(format!(
            "the baseline is of scenario {:?}, but {} holds results of {scenario:?}",
            baseline.scenario,
            dir.display()
        ));
    }
    if let Some(m) = baseline.metrics.iter().find(|m| Kind::of(&m.id) != kind) {
        return refuse(format!(
            "the baseline was written from {} (metric {}), but {} is {}",
            Kind::of(&m.id).describe(),
            m.id,
            dir.display(),
            kind.describe()
        ));
    }
    let now: BTreeMap<&str, &Figure> = figures.iter().map(|f| (f.id.as_str(), f)).collect();
    let mut lines: Vec<CheckLine> = baseline
        .metrics
        .iter()
        .map(|m| {
            let name = m.id.rsplit('/').next().unwrap_or("");
            let relative = overrides
                .iter()
                .find(|(n, _)| n == name)
                .map_or(m.relative, |o| o.1);
            let allowed = (relative * m.value.abs()).max(m.absolute);
            let status = match now.get(m.id.as_str()) {
                None => Status::Missing,
                Some(f) if (f.value - m.value).abs() <= allowed => Status::Ok,
                Some(f) => match (f.metric.better, f.value > m.value) {
                    (Better::Higher, true) | (Better::Lower, false) => Status::Improved,
                    _ => Status::Regressed,
                },
            };
            CheckLine {
                id: m.id.clone(),
                baseline: Some(m.value),
                now: now.get(m.id.as_str()).map(|f| f.value),
                allowed,
                status,
            }
        })
        .collect();
    let known: std::collections::BTreeSet<&str> =
        baseline.metrics.iter().map(|m| m.id.as_str()).collect();
    lines.extend(
        figures
            .iter()
            .filter(|f| !known.contains(f.id.as_str()))
            .map(|f| CheckLine {
                id: f.id.clone(),
                baseline: None,
                now: Some(f.value),
                allowed: 0.0,
                status: Status::New,
            }),
    );
    Ok(lines)
}

/// Refuses a baseline that floodsim could not have written: another layout version, a metric
/// outside the catalogue, or a value or tolerance that is negative or not finite.
fn validate_baseline(baseline: &Baseline, file: &Path) -> Result<()> {
    let refuse = |problem: String| -> Result<()> {
        Err(InputError::new(problem)
            .in_file(file)
            .fix("write the baseline again with floodsim baseline RESULTS_DIR -o FILE")
            .into())
    };
    if baseline.schema_version != 1 {
        return refuse(format!(
            "schema_version {} is not 1",
            baseline.schema_version
        ));
    }
    for m in &baseline.metrics {
        let name = m.id.rsplit('/').next().unwrap_or("");
        if catalogue::metric(name).is_none() {
            return refuse(format!("{}: {name:?} is not a floodsim metric", m.id));
        }
        if !m.value.is_finite() {
            return refuse(format!(
                "{}: the value {} is not a finite number",
                m.id, m.value
            ));
        }
        for (what, t) in [("relative", m.relative), ("absolute", m.absolute)] {
            if !(t.is_finite() && t >= 0.0) {
                return refuse(format!(
                    "{}: the {what} tolerance {t} is negative or not a finite number",
                    m.id
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_tolerance_follows_the_binomial_spread() {
        let f = |value, queries| Figure {
            id: String::new(),
            metric: catalogue::known("success_rate"),
            value,
            queries,
        };
        // p = 0.5, n = 1000: 1.96·√(2·0.25/1000) = 0.0438.
        assert!((tolerance(&f(0.5, 1000)).1 - 0.04383).abs() < 1e-4);
        assert_eq!(tolerance(&f(1.0, 1000)).1, 0.005);
    }
}
