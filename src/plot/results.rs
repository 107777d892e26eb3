//! `floodsim plot`: charts of a `run` or `sweep` result folder, read from its files.

use super::chart::{Chart, Series, draw, spans_decades};
use crate::error::{Error, InputError, Result};
use crate::metrics::catalogue::{self, Figure, Metric, Scale, known};
use crate::metrics::{self, ByReplicas, VariantSummary};
use crate::output::{split_csv, summary_json, sweep_csv};
use crate::scenario::{Param, param_label, value_label};
use crate::sweep;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Image formats `floodsim plot` writes.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Formats {
    /// SVG only.
    Svg,
    /// PNG only.
    Png,
    /// Both.
    Both,
}

impl Formats {
    fn extensions(self) -> &'static [&'static str] {
        match self {
            Formats::Svg => &["svg"],
            Formats::Png => &["png"],
            Formats::Both => &["svg", "png"],
        }
    }
}

/// What to plot from a sweep.
#[derive(Clone, Debug, Default)]
pub struct SweepChoice {
    /// Metrics to draw (default: success rate, messages, hops and time to the first hit).
    pub metrics: Vec<String>,
    /// The parameter on the x axis (default: the first swept one).
    pub x: Option<String>,
    /// A parameter drawn as one line per value on each chart.
    pub series: Option<String>,
    /// Other sweep folders whose variants join the same charts.
    pub with: Vec<std::path::PathBuf>,
    /// Divide x by the scenario's node count.
    pub x_per_node: bool,
}

/// What `plot_results` did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plotted {
    /// The files written.
    pub files: Vec<PathBuf>,
    /// Charts not drawn because they would be empty, with why.
    pub skipped: Vec<String>,
}

/// Draws every chart for the result folder `dir` into `out`. A chart none of whose series has
/// anything to draw (a line needs two points) is skipped with a note, never written blank.
pub fn plot_results(
    dir: &Path,
    out: &Path,
    formats: Formats,
    choice: &SweepChoice,
) -> Result<Plotted> {
    let charts = if dir.join("summary.json").is_file() {
        if !choice.metrics.is_empty()
            || choice.x.is_some()
            || choice.series.is_some()
            || !choice.with.is_empty()
            || choice.x_per_node
        {
            return Err(InputError::new(format!(
                "--metric, --x, --series, --with and --x-per-node choose the charts of a \
                 sweep, but {} is a run result, whose charts are fixed",
                dir.display()
            ))
            .fix("drop those options, or plot a folder written by floodsim sweep")
            .into());
        }
        run_charts(dir)?
    } else if dir.join("sweep.json").is_file() {
        sweep_charts(dir, choice)?
    } else {
        return Err(InputError::new(format!(
            "{} holds neither summary.json nor sweep.json",
            dir.display()
        ))
        .fix("give a folder written by floodsim run or floodsim sweep")
        .into());
    };
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, "create the folder", e))?;
    let mut plotted = Plotted::default();
    for (name, chart) in charts {
        // A point shows as a marker; a bare line needs two points.
        let drawable = chart.series.iter().any(|s| {
            let needed = if s.markers { 1 } else { 2 };
            let finite = s.points.iter().filter(|p| p.1.is_finite()).count();
            finite >= needed || !s.band.is_empty() || !s.error_bars.is_empty()
        });
        if !drawable {
            plotted.skipped.push(format!(
                "{name}: skipped, nothing to draw (no series has two points; for a time series, \
                 a smaller output.timeseries_window_s gives more windows)"
            ));
            continue;
        }
        for ext in formats.extensions() {
            let path = out.join(format!("{name}.{ext}"));
            draw(&chart, &path)?;
            plotted.files.push(path);
        }
    }
    Ok(plotted)
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| {
        InputError::new(format!("cannot read: {e}"))
            .in_file(path)
            .fix("plot a complete floodsim result folder")
            .into()
    })
}

/// A CSV file as (header, rows).
fn csv(path: &Path) -> Result<(Vec<String>, Vec<Vec<String>>)> {
    let text = read(path)?;
    let mut lines = text.lines();
    let header = split_csv(lines.next().unwrap_or(""));
    let rows: Vec<Vec<String>> = lines.map(split_csv).collect();
    if rows.iter().any(|r| r.len() != header.len()) {
        return Err(InputError::new("a row has the wrong number of cells")
            .in_file(path)
            .into());
    }
    Ok((header, rows))
}

fn column(header: &[String], name: &str, path: &Path) -> Result<usize> {
    header.iter().position(|h| h == name).ok_or_else(|| {
        InputError::new(format!("no column {name:?}"))
            .in_file(path)
            .into()
    })
}

fn run_charts(dir: &Path) -> Result<Vec<(String, Chart)>> {
    let summary = summary_json::read(&dir.join("summary.json"))?;
    let title = summary.scenario.as_str();
    let variants: &[VariantSummary] = &summary.variants;
    let names: Vec<String> = variants.iter().map(|v| v.name.clone()).collect();
    let (success, messages, total) = (
        known("success_rate"),
        known("messages_per_query"),
        known("total_messages_per_query"),
    );
    let mut charts = Vec::new();

    // Success against the total cost (requests, responses and upkeep per query), one point per
    // variant with its 95% interval (none for a variant that issued no query).
    let success_of = |v: &VariantSummary| match v.figure(success) {
        Some(&Figure::Proportion { rate, ci95 }) => Some((rate, ci95)),
        _ => None,
    };
    let lowest = variants
        .iter()
        .filter_map(|v| success_of(v).map(|(_, ci)| ci[0]))
        .fold(1.0, f64::min);
    let mut trade = Chart {
        title: format!("{title}: success vs cost"),
        x_label: total.label.to_string(),
        y_label: format!("{} (95% CI)", success.label),
        y_range: Some((((lowest - 0.05) * 20.0).floor().max(0.0) / 20.0, 1.01)),
        ..Chart::default()
    };
    for v in variants {
        let point = v.headline(total).zip(success_of(v));
        trade.series.push(Series {
            name: v.name.clone(),
            points: point.iter().map(|&(x, (y, _))| (x, y)).collect(),
            error_bars: point
                .iter()
                .map(|&(x, (_, ci))| (x, ci[0], ci[1]))
                .collect(),
            markers: true,
            ..Series::default()
        });
    }
    let xs: Vec<f64> = trade
        .series
        .iter()
        .flat_map(|s| s.points.iter().map(|p| p.0))
        .collect();
    trade.x_log = spans_decades(
        xs.iter().copied().fold(f64::INFINITY, f64::min),
        xs.iter().copied().fold(0.0, f64::max),
    );
    charts.push(("success_vs_messages".to_string(), trade));

    // CDFs from queries.csv.
    let data = query_values(&dir.join("queries.csv"), &names)?;
    let sets: Vec<(String, [Vec<f64>; 2])> = names.iter().cloned().zip(data).collect();
    charts.extend(cdf_charts(title, "", sets));

    // Success and cost by replica count, on every bucket from the smallest to the largest
    // that has queries; a variant without queries in a bucket has a gap there.
    let present: Vec<u32> = variants
        .iter()
        .flat_map(|v| &v.by_replicas)
        .map(|b| metrics::bucket(b.min_replicas))
        .collect();
    let first = present.iter().copied().min().unwrap_or(0);
    let buckets: Vec<u32> = (first..=present.iter().copied().max().unwrap_or(0)).collect();
    let labels: Vec<String> = buckets
        .iter()
        .map(|&b| match metrics::bucket_bounds(b) {
            (lo, hi) if lo == hi => lo.to_string(),
            (lo, hi) => format!("{lo}-{hi}"),
        })
        .collect();
    /// A by-replicas chart: file name, title word, y label, the value, whether it is a share.
    type ByChart = (
        &'static str,
        &'static str,
        String,
        fn(&ByReplicas) -> f64,
        bool,
    );
    let by_charts: [ByChart; 2] = [
        (
            "by_replicas_success",
            "success",
            success.label.to_string(),
            |b| b.success_rate,
            true,
        ),
        (
            "by_replicas_messages",
            "cost",
            format!("{} (mean)", messages.label),
            |b| b.messages_per_query,
            false,
        ),
    ];
    for (name, what, ylabel, value, share) in by_charts {
        let mut chart = Chart {
            title: format!("{title}: {what} by online replicas"),
            x_label: "online replicas of the object (excluding the source's own)".into(),
            y_label: ylabel,
            x_ticks: Some(labels.clone()),
            y_range: share.then_some((0.0, 1.05)),
            ..Chart::default()
        };
        for v in variants {
            let points: Vec<(f64, f64)> = buckets
                .iter()
                .enumerate()
                .map(|(i, &b)| {
                    let found = v
                        .by_replicas
                        .iter()
                        .find(|r| metrics::bucket(r.min_replicas) == b);
                    (i as f64, found.map_or(f64::NAN, value))
                })
                .collect();
            chart.series.push(Series {
                name: v.name.clone(),
                points,
                line: true,
                markers: true,
                ..Series::default()
            });
        }
        if !share {
            let ys: Vec<f64> = chart
                .series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.1))
                .collect();
            chart.y_log = spans_decades(
                ys.iter()
                    .copied()
                    .filter(|&y| y > 0.0)
                    .fold(f64::INFINITY, f64::min),
                ys.iter().copied().fold(0.0, f64::max),
            );
        }
        charts.push((name.to_string(), chart));
    }

    // Time series, averaged over replicas per window.
    let tpath = dir.join("timeseries.csv");
    let (header, rows) = csv(&tpath)?;
    let col = |name| column(&header, name, &tpath);
    let (tv, tw, tq) = (col("variant")?, col("window_start_s")?, col("queries")?);
    let (ts, tm, to, th) = (
        col("success_rate")?,
        col("messages")?,
        col("online_nodes")?,
        col("hits_lost")?,
    );
    let churn = rows.iter().any(|r| r[to] != rows[0][to]);
    /// A time-series chart: file name, column, y label, title word, whether it describes the
    /// overlay (one series, every window) rather than each variant's queries.
    type Spec<'a> = (&'a str, usize, &'a str, &'a str, bool);
    let mut specs: Vec<Spec> = vec![
        (
            "timeseries_success",
            ts,
            "success rate of queries issued",
            "success",
            false,
        ),
        (
            "timeseries_messages",
            tm,
            "request messages of queries issued",
            "traffic",
            false,
        ),
    ];
    if churn {
        specs.push((
            "timeseries_online",
            to,
            "online nodes",
            "online nodes",
            true,
        ));
        specs.push((
            "timeseries_hits_lost",
            th,
            "QueryHits lost to churn, queries issued",
            "hits lost to churn",
            false,
        ));
    }
    for (name, col, ylabel, what, overlay) in specs {
        let mut chart = Chart {
            title: format!("{title}: {what} over time (mean over replicas)"),
            x_label: "simulated time, window start (s)".into(),
            y_label: ylabel.into(),
            y_range: (col == ts).then_some((0.0, 1.05)),
            ..Chart::default()
        };
        let shown: &[String] = if overlay { &names[..1] } else { &names };
        for n in shown {
            let mut windows: BTreeMap<u64, (f64, u32)> = BTreeMap::new();
            for r in rows
                .iter()
                .filter(|r| &r[tv] == n && (overlay || r[tq] != "0"))
            {
                if let (Ok(t), Ok(y)) = (r[tw].parse::<f64>(), r[col].parse::<f64>()) {
                    let e = windows.entry((t * 1e6) as u64).or_insert((0.0, 0));
                    e.0 += y;
                    e.1 += 1;
                }
            }
            chart.series.push(Series {
                name: if overlay { "overlay".into() } else { n.clone() },
                points: windows
                    .iter()
                    .map(|(&t, &(sum, k))| (t as f64 / 1e6, sum / f64::from(k)))
                    .collect(),
                line: true,
                ..Series::default()
            });
        }
        if overlay {
            // Online nodes from zero, so a small dip is not drawn as a collapse.
            let top = chart
                .series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.1))
                .fold(0.0, f64::max);
            chart.y_range = Some((0.0, (top * 1.05).max(1.0)));
        }
        charts.push((name.to_string(), chart));
    }

    // Who did the work, when the run wrote nodes.csv.
    let nodes = dir.join("nodes.csv");
    if nodes.is_file() {
        let rows = crate::output::nodes_csv::read(&nodes)?;
        charts.extend(super::nodes::charts(title, &names, &rows));
    }
    Ok(charts)
}

/// A step CDF with at most about 2,000 points.
fn cdf(sorted: &[f64], positive_only: bool) -> Vec<(f64, f64)> {
    let n = sorted.len();
    let stride = (n / 2000).max(1);
    let mut points = Vec::new();
    for (i, &x) in sorted.iter().enumerate() {
        if positive_only && x <= 0.0 {
            continue;
        }
        if i % stride == 0 || i + 1 == n || sorted.get(i + 1) != Some(&x) && stride == 1 {
            points.push((x, (i + 1) as f64 / n as f64));
        }
    }
    points
}

/// The metrics drawn for a sweep unless `--metric` says otherwise.
pub const DEFAULT_SWEEP_METRICS: [&str; 4] = [
    "success_rate",
    "messages_per_query",
    "hops_to_first_hit",
    "time_to_first_hit_ms",
];

/// Where a swept parameter's values go on an axis: numbers at their value (integer ticks when
/// all are integers), anything else (topologies, strings) at its index on a categorical axis.
struct Axis<'a> {
    param: &'a Param,
    numbers: Option<Vec<f64>>,
}

impl<'a> Axis<'a> {
    fn new(param: &'a Param) -> Self {
        Axis {
            param,
            numbers: param.values.iter().map(Value::as_f64).collect(),
        }
    }

    /// The index of the value a row's cell holds.
    fn index(&self, cell: &str) -> Option<usize> {
        self.param
            .values
            .iter()
            .position(|v| sweep_csv::value_text(v) == cell)
    }

    /// The x position of value `i`.
    fn position(&self, i: usize) -> f64 {
        self.numbers.as_ref().map_or(i as f64, |n| n[i])
    }

    fn integer(&self) -> bool {
        self.param.values.iter().all(|v| v.is_i64() || v.is_u64())
    }
}

/// A file-name-safe form of `text`: letters, digits, `.` and `-`, runs of anything else as one `-`.
fn slug(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() || c == '.' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

fn swept(params: &[Param], name: &str, option: &str) -> Result<usize> {
    params.iter().position(|p| p.path == name).ok_or_else(|| {
        let paths: Vec<&str> = params.iter().map(|p| p.path.as_str()).collect();
        InputError::new(format!("{name:?} is not a swept parameter"))
            .fix(format!("use {option} with one of: {}", paths.join(", ")))
            .into()
    })
}

/// The charts of sweep `dir`, with the lines of every `--with` sweep added to the chart of the
/// same name (they must share the numeric x parameter).
fn sweep_charts(dir: &Path, choice: &SweepChoice) -> Result<Vec<(String, Chart)>> {
    let (first, mut charts) = one_sweep_charts(dir, choice)?;
    let mut names = vec![first];
    for other in &choice.with {
        if !other.join("sweep.json").is_file() {
            return Err(
                InputError::new(format!("{} holds no sweep.json", other.display()))
                    .fix("give --with a folder written by floodsim sweep")
                    .into(),
            );
        }
        let (name, more) = one_sweep_charts(other, choice)?;
        names.push(name);
        for (file, chart) in more {
            let Some((_, main)) = charts.iter_mut().find(|(f, _)| *f == file) else {
                continue;
            };
            if main.x_ticks.is_some() || chart.x_ticks.is_some() || main.x_label != chart.x_label {
                return Err(InputError::new(format!(
                    "{} and {} do not share a numeric x axis ({:?} vs {:?})",
                    dir.display(),
                    other.display(),
                    main.x_label,
                    chart.x_label
                ))
                .fix("give --with sweeps over the same numeric parameter (choose it with --x)")
                .into());
            }
            main.series.extend(chart.series);
        }
    }
    if !choice.with.is_empty() {
        // Titled by what the scenario names share ("gia2003" of "gia2003-flood", ...).
        let shared = common_prefix(&names);
        let shared = shared.trim_end_matches(['-', '_', ' ', '.']);
        let shared = if shared.is_empty() {
            names.join(" + ")
        } else {
            shared.to_string()
        };
        for (_, chart) in &mut charts {
            let (_, what) = chart.title.split_once(": ").unwrap_or(("", &chart.title));
            chart.title = format!("{shared}: {what}");
            chart.x_integer = false;
            chart.x_log = positive_spans(chart.series.iter().flat_map(|s| &s.points).map(|p| p.0));
        }
    }
    // Per-point CDFs of this folder's kept queries files (not of --with sweeps').
    charts.extend(sweep_cdf_charts(dir)?);
    Ok(charts)
}

/// The longest common prefix of `names`, at a character boundary.
fn common_prefix(names: &[String]) -> &str {
    let first = &names[0];
    let len = names[1..].iter().fold(first.len(), |len, n| {
        first[..len]
            .char_indices()
            .zip(n.chars())
            .find(|((_, a), b)| a != b)
            .map_or(len.min(n.len()), |((i, _), _)| i)
    });
    &first[..len]
}

/// The charts of one sweep folder, and its scenario's name.
fn one_sweep_charts(dir: &Path, choice: &SweepChoice) -> Result<(String, Vec<(String, Chart)>)> {
    let definition = sweep::read_definition(dir)?;
    let params = &definition.parameters;
    let xi = match &choice.x {
        Some(x) => swept(params, x, "--x")?,
        None => 0,
    };
    let si = match &choice.series {
        Some(s) => {
            let si = swept(params, s, "--series")?;
            if si == xi {
                return Err(InputError::new(format!(
                    "{s} is both the x axis and the series parameter"
                ))
                .fix("give --series another swept parameter than --x (the first by default)")
                .into());
            }
            Some(si)
        }
        None => None,
    };
    let metrics: Vec<&Metric> = if choice.metrics.is_empty() {
        DEFAULT_SWEEP_METRICS.map(known).to_vec()
    } else {
        choice
            .metrics
            .iter()
            .map(|m| {
                catalogue::metric(m).ok_or_else(|| {
                    InputError::new(format!("unknown metric {m:?}"))
                        .fix(format!("use --metric with one of: {}", catalogue::names()))
                })
            })
            .collect::<Result<_, _>>()?
    };
    let path = dir.join("sweep_summary.csv");
    let rows = sweep_csv::read_summary(&path, params)?;
    let axes: Vec<Axis> = params.iter().map(Axis::new).collect();
    // Every row as value indices, one per parameter.
    let indices: Vec<Vec<usize>> = rows
        .iter()
        .map(|r| {
            axes.iter()
                .zip(&r.params)
                .map(|(a, c)| a.index(c))
                .collect::<Option<_>>()
                .ok_or_else(|| {
                    InputError::new("a row's parameter values are not the sweep's")
                        .in_file(&path)
                        .fix("plot a complete floodsim sweep folder")
                })
        })
        .collect::<Result<_, _>>()?;
    let x_axis = &axes[xi];
    let categorical = x_axis.numbers.is_none();
    let names = definition.variant_names();
    // The lines of a chart: every variant, times every value of the series parameter.
    let lines: Vec<(usize, Option<usize>)> = names
        .iter()
        .enumerate()
        .flat_map(|(v, _)| {
            let values: Vec<Option<usize>> = match si {
                Some(si) => (0..params[si].values.len()).map(Some).collect(),
                None => vec![None],
            };
            values.into_iter().map(move |s| (v, s))
        })
        .collect();
    // One chart per metric and per combination of the other parameters.
    let others: Vec<usize> = (0..params.len())
        .filter(|&p| p != xi && Some(p) != si)
        .collect();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for ix in &indices {
        let key: Vec<usize> = others.iter().map(|&p| ix[p]).collect();
        if !groups.contains(&key) {
            groups.push(key);
        }
    }
    let per_node = if choice.x_per_node {
        if categorical {
            return Err(InputError::new(format!(
                "--x-per-node divides numbers, but {} is not numeric",
                params[xi].path
            ))
            .fix("drop --x-per-node, or choose a numeric --x")
            .into());
        }
        let nodes = definition.scenario.network.nodes.ok_or_else(|| {
            InputError::new("--x-per-node needs the node count, and a file topology has none")
                .fix("drop --x-per-node")
        })?;
        f64::from(nodes)
    } else {
        1.0
    };
    let x_label = if choice.x_per_node {
        format!("{} per node", param_label(&params[xi].path))
    } else {
        param_label(&params[xi].path)
    };
    let mut charts = Vec::new();
    for m in metrics {
        let share = matches!(m.scale, Scale::Domain(..));
        for key in &groups {
            let fixed: Vec<String> = others
                .iter()
                .zip(key)
                .map(|(&p, &v)| {
                    format!(
                        "{} = {}",
                        param_label(&params[p].path),
                        value_label(&params[p].values[v])
                    )
                })
                .collect();
            let mut chart = Chart {
                title: {
                    let what = format!("{}: {} vs {x_label}", definition.scenario.name, m.label);
                    if fixed.is_empty() {
                        what
                    } else {
                        format!("{what} ({})", fixed.join(", "))
                    }
                },
                x_label: x_label.clone(),
                y_label: format!("{} (mean, 95% CI)", m.label),
                y_range: match m.scale {
                    Scale::Domain(lo, hi) => Some((lo, hi + 0.05 * (hi - lo))),
                    Scale::Auto => None,
                },
                x_ticks: categorical.then(|| params[xi].values.iter().map(value_label).collect()),
                x_integer: !categorical && x_axis.integer() && !choice.x_per_node,
                ..Chart::default()
            };
            for (k, &(v, s)) in lines.iter().enumerate() {
                // Side by side on a categorical axis, so markers and bars do not hide each other.
                let dodge = if categorical {
                    (k as f64 - (lines.len() - 1) as f64 / 2.0) * (0.5 / lines.len() as f64)
                } else {
                    0.0
                };
                type Point = (f64, f64, Option<(f64, f64)>);
                let mut pts: Vec<Point> = rows
                    .iter()
                    .zip(&indices)
                    .filter(|(r, ix)| {
                        r.variant == names[v]
                            && others.iter().map(|&p| ix[p]).eq(key.iter().copied())
                            && si.is_none_or(|si| Some(ix[si]) == s)
                    })
                    .filter_map(|(r, ix)| {
                        let (y, band) = r.stats[m.index()];
                        Some((
                            x_axis.position(ix[xi]) / per_node + dodge,
                            y?,
                            band.map(|[l, h]| (l, h)),
                        ))
                    })
                    .collect();
                pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                let name = match (si, s) {
                    (Some(si), Some(s)) => {
                        let value = format!(
                            "{} = {}",
                            param_label(&params[si].path),
                            value_label(&params[si].values[s])
                        );
                        if names.len() > 1 {
                            format!("{}, {value}", names[v])
                        } else {
                            value
                        }
                    }
                    _ => names[v].clone(),
                };
                let intervals = pts.iter().filter_map(|p| p.2.map(|(l, h)| (p.0, l, h)));
                let (band, error_bars) = if categorical {
                    (Vec::new(), intervals.collect())
                } else {
                    (intervals.collect(), Vec::new())
                };
                chart.series.push(Series {
                    name,
                    points: pts.iter().map(|p| (p.0, p.1)).collect(),
                    band,
                    error_bars,
                    line: !categorical,
                    markers: true,
                    colour: None,
                });
            }
            if !categorical {
                chart.x_log =
                    positive_spans(chart.series.iter().flat_map(|s| &s.points).map(|p| p.0));
            }
            chart.y_log =
                !share && positive_spans(chart.series.iter().flat_map(|s| &s.points).map(|p| p.1));
            // Named by the other parameters' values where they vary, never by a number.
            let suffix: String = others
                .iter()
                .zip(key)
                .filter(|&(&p, _)| params[p].values.len() > 1)
                .map(|(&p, &v)| {
                    format!(
                        "_{}-{}",
                        slug(&params[p].path),
                        slug(&value_label(&params[p].values[v]))
                    )
                })
                .collect();
            charts.push((format!("sweep_{}{suffix}", m.name), chart));
        }
    }
    Ok((definition.scenario.name, charts))
}

/// Per variant of `names`, the (messages, first-hit hops) of its queries in the
/// `queries.csv` at `path` (hops of successful queries only: the cell is empty otherwise).
fn query_values(path: &Path, names: &[String]) -> Result<Vec<[Vec<f64>; 2]>> {
    let (header, rows) = csv(path)?;
    let (vcol, mcol, hcol) = (
        column(&header, "variant", path)?,
        column(&header, "messages", path)?,
        column(&header, "first_hit_hops", path)?,
    );
    let of = |n: &String, col: usize| -> Vec<f64> {
        rows.iter()
            .filter(|r| &r[vcol] == n)
            .filter_map(|r| r[col].parse::<f64>().ok())
            .collect()
    };
    Ok(names.iter().map(|n| [of(n, mcol), of(n, hcol)]).collect())
}

/// The CDF charts `cdf_messages` and `cdf_hops` (file names prefixed by `prefix`), one line
/// per named set of (messages, hops) values: a run's variants, or a sweep's points. Log x
/// when the positive values span more than two decades (walkers' hops can).
fn cdf_charts(
    title: &str,
    prefix: &str,
    sets: Vec<(String, [Vec<f64>; 2])>,
) -> Vec<(String, Chart)> {
    let (messages, hops) = (known("messages_per_query"), known("hops_to_first_hit"));
    let mut sets = sets;
    let mut charts = Vec::new();
    for (k, (name, what, label)) in [
        ("cdf_messages", "messages", messages.label.to_string()),
        (
            "cdf_hops",
            "hops",
            format!("{} (successful queries)", hops.label),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        let data = sets.iter_mut().map(|(_, d)| std::mem::take(&mut d[k]));
        let data: Vec<Vec<f64>> = data.collect();
        let positive_min = data
            .iter()
            .flatten()
            .copied()
            .filter(|&x| x > 0.0)
            .fold(f64::INFINITY, f64::min);
        let max = data.iter().flatten().copied().fold(0.0, f64::max);
        let x_log = spans_decades(positive_min, max);
        let mut chart = Chart {
            title: format!("{title}: CDF of {what}"),
            x_label: label,
            y_label: "share of queries (CDF)".into(),
            x_log,
            y_range: Some((0.0, 1.02)),
            ..Chart::default()
        };
        for ((n, _), mut values) in sets.iter().zip(data) {
            values.sort_by(f64::total_cmp);
            chart.series.push(Series {
                name: n.clone(),
                points: cdf(&values, x_log),
                line: true,
                ..Series::default()
            });
        }
        charts.push((format!("{prefix}{name}"), chart));
    }
    charts
}

/// The per-point CDF charts of sweep `dir` when it kept its points' `queries.csv`
/// (`floodsim sweep --keep-queries`): `sweep_cdf_messages` and `sweep_cdf_hops`, one line per
/// point with a queries file, named by its parameter values; one pair per variant
/// (`sweep_cdf_messages_<variant>`) when there are several. None without kept files.
fn sweep_cdf_charts(dir: &Path) -> Result<Vec<(String, Chart)>> {
    let definition = sweep::read_definition(dir)?;
    let kept: Vec<&sweep::PointInfo> = definition
        .points
        .iter()
        .filter(|p| sweep::queries_path(dir, p.index).is_file())
        .collect();
    if kept.is_empty() {
        return Ok(Vec::new());
    }
    let names = definition.variant_names();
    let params = &definition.parameters;
    // Per point: its label and, per variant, its values.
    let mut points = Vec::new();
    for p in kept {
        let label = params
            .iter()
            .zip(&p.values)
            .map(|(param, v)| format!("{} = {}", param_label(&param.path), value_label(v)))
            .collect::<Vec<_>>()
            .join(", ");
        points.push((
            label,
            query_values(&sweep::queries_path(dir, p.index), &names)?,
        ));
    }
    let mut charts = Vec::new();
    for (vi, variant) in names.iter().enumerate() {
        let sets = points
            .iter_mut()
            .map(|(label, data)| (label.clone(), std::mem::take(&mut data[vi])))
            .collect();
        let (title, suffix) = if names.len() > 1 {
            (
                format!("{} ({variant})", definition.scenario.name),
                format!("_{}", slug(variant)),
            )
        } else {
            (definition.scenario.name.clone(), String::new())
        };
        for (file, chart) in cdf_charts(&title, "sweep_", sets) {
            charts.push((format!("{file}{suffix}"), chart));
        }
    }
    Ok(charts)
}

/// Whether `values` are all positive and span more than two decades (a log axis).
fn positive_spans(values: impl Iterator<Item = f64>) -> bool {
    let v: Vec<f64> = values.collect();
    v.iter().all(|&a| a > 0.0) && spans(&v)
}

/// Whether the positive values among `v` span more than two decades.
fn spans(v: &[f64]) -> bool {
    let min = v
        .iter()
        .copied()
        .filter(|&a| a > 0.0)
        .fold(f64::INFINITY, f64::min);
    spans_decades(min, v.iter().copied().fold(0.0, f64::max))
}
