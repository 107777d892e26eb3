//! `sweep.csv` (one row per point × variant × replica) and `sweep_summary.csv` (one row per
//! point × variant: mean, standard deviation and 95% confidence interval of every metric over
//! the replicas).
//!
//! Each parameter has a column named by its path holding its values as TOML/JSON text; a
//! parameter with a table or list value also gets a `<path>_label` column right after it with a
//! readable label ([`value_label`]: `random-regular(degree=4)`).

use super::split_csv;
use crate::error::{InputError, Result};
use crate::metrics::catalogue::shown;
use crate::metrics::{CATALOGUE, RunRow};
use crate::scenario::{Param, value_label};
use serde_json::Value;
use std::io::{self, Write};
use std::path::Path;

/// One finished point of a sweep: its parameter values and its rows in (variant, replica) order.
pub type Point<'a> = (&'a [Value], &'a [RunRow]);

/// The text of a parameter value in its column (before CSV quoting): a string as it is,
/// anything else as JSON.
pub fn value_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether a parameter gets a `<path>_label` column: some value is a table or a list.
fn labelled(param: &Param) -> bool {
    param
        .values
        .iter()
        .any(|v| matches!(v, Value::Object(_) | Value::Array(_)))
}

/// A CSV cell for a parameter value: numbers and strings as they are; anything with a comma,
/// quote or newline quoted (RFC 4180).
fn cell(v: &Value) -> String {
    quote(value_text(v))
}

fn quote(text: String) -> String {
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn opt(x: Option<f64>) -> String {
    x.map_or(String::new(), |v| v.to_string())
}

fn header(params: &[Param], columns: impl Iterator<Item = String>) -> String {
    params
        .iter()
        .flat_map(|p| {
            let label = labelled(p).then(|| format!("{}_label", p.path));
            std::iter::once(p.path.clone()).chain(label)
        })
        .map(quote)
        .chain(columns)
        .collect::<Vec<_>>()
        .join(",")
}

/// The header of `sweep.csv`: parameter columns, `variant,replica,queries`, then one column
/// per [`CATALOGUE`] metric (the capacity metrics only under a capacity model).
fn runs_header(params: &[Param], capacity: bool) -> String {
    let fixed = ["variant", "replica", "queries"].map(String::from);
    header(
        params,
        fixed
            .into_iter()
            .chain(shown(capacity).map(|(_, m)| m.name.to_string())),
    )
}

/// The header of `sweep_summary.csv`: parameter columns, `variant,replicas`, then for each
/// metric `<metric>_mean,<metric>_std,<metric>_ci95_lo,<metric>_ci95_hi`.
fn summary_header(params: &[Param], capacity: bool) -> String {
    let fixed = ["variant", "replicas"].map(String::from);
    header(
        params,
        fixed.into_iter().chain(shown(capacity).flat_map(|(_, m)| {
            ["mean", "std", "ci95_lo", "ci95_hi"].map(|s| format!("{}_{s}", m.name))
        })),
    )
}

fn point_cells(w: &mut dyn Write, params: &[Param], values: &[Value]) -> io::Result<()> {
    for (p, v) in params.iter().zip(values) {
        write!(w, "{},", cell(v))?;
        if labelled(p) {
            write!(w, "{},", quote(value_label(v)))?;
        }
    }
    Ok(())
}

/// The parameter cells of a row read back, without the label cells.
fn value_cells(params: &[Param], cells: Vec<String>) -> Vec<String> {
    let mut cells = cells.into_iter();
    params
        .iter()
        .map(|p| {
            let value = cells.next().unwrap_or_default();
            if labelled(p) {
                cells.next();
            }
            value
        })
        .collect()
}

/// How many columns the parameters take.
fn param_columns(params: &[Param]) -> usize {
    params.iter().map(|p| 1 + usize::from(labelled(p))).sum()
}

/// Writes `sweep.csv`: one row per point × variant × replica; the capacity metrics' columns
/// only with `capacity`.
pub fn write_runs(
    w: &mut dyn Write,
    params: &[Param],
    points: &[Point],
    capacity: bool,
) -> io::Result<()> {
    writeln!(w, "{}", runs_header(params, capacity))?;
    for (values, rows) in points {
        for row in *rows {
            point_cells(w, params, values)?;
            write!(w, "{},{},{}", row.variant, row.replica, row.queries)?;
            for (m, _) in shown(capacity) {
                write!(w, ",{}", opt(row.metrics[m]))?;
            }
            writeln!(w)?;
        }
    }
    Ok(())
}

/// Two-sided 97.5% quantile of Student's t with `df` degrees of freedom (table to 30, then
/// 1.96 + 2.37/df, within 0.1% of the exact value).
pub fn t975(df: usize) -> f64 {
    const TABLE: [f64; 30] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
        2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
        2.052, 2.048, 2.045, 2.042,
    ];
    match df {
        0 => f64::NAN,
        1..=30 => TABLE[df - 1],
        _ => 1.959_964 + 2.37 / df as f64,
    }
}

/// Mean, sample standard deviation and t-based 95% interval of the defined values.
pub fn mean_std_ci(values: &[f64]) -> (Option<f64>, Option<f64>, Option<[f64; 2]>) {
    let n = values.len();
    if n == 0 {
        return (None, None, None);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return (Some(mean), None, None);
    }
    let std = (values.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt();
    let half = t975(n - 1) * std / (n as f64).sqrt();
    (Some(mean), Some(std), Some([mean - half, mean + half]))
}

/// Writes `sweep_summary.csv`: one row per point × variant, with the mean, sample standard
/// deviation and 95% interval of every metric over the replicas (std and interval empty with
/// one replica); the capacity metrics only with `capacity`.
pub fn write_summary(
    w: &mut dyn Write,
    params: &[Param],
    variants: &[String],
    points: &[Point],
    capacity: bool,
) -> io::Result<()> {
    writeln!(w, "{}", summary_header(params, capacity))?;
    for (values, rows) in points {
        for name in variants {
            let rows: Vec<_> = rows.iter().filter(|row| row.variant == *name).collect();
            point_cells(w, params, values)?;
            write!(w, "{name},{}", rows.len())?;
            for (m, metric) in shown(capacity) {
                let values: Vec<f64> = rows.iter().filter_map(|row| row.metrics[m]).collect();
                let (mean, std, ci) = mean_std_ci(&values);
                // The t interval over replicas, clipped to what the metric can be (a share
                // stays in [0, 1], a count at or above 0).
                let (lo, hi) = metric.possible();
                let ci = ci.map(|[l, h]| [l.max(lo), h.min(hi)]);
                write!(
                    w,
                    ",{},{},{},{}",
                    opt(mean),
                    opt(std),
                    opt(ci.map(|c| c[0])),
                    opt(ci.map(|c| c[1]))
                )?;
            }
            writeln!(w)?;
        }
    }
    Ok(())
}

/// A sweep CSV file read back: its rows split into cells, after checking that the header is
/// the one floodsim writes for these parameters (`expected(capacity)`, with or without the
/// capacity metrics); also whether it has the capacity metrics.
fn read_rows(path: &Path, expected: impl Fn(bool) -> String) -> Result<(Vec<Vec<String>>, bool)> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        InputError::new(format!("cannot read: {e}"))
            .in_file(path)
            .fix("give a complete floodsim sweep folder")
    })?;
    let mut lines = text.lines();
    let header = split_csv(lines.next().unwrap_or(""));
    let capacity = header == split_csv(&expected(true));
    if !capacity && header != split_csv(&expected(false)) {
        return Err(InputError::new(
            "the header is not the one this floodsim writes for the sweep's parameters",
        )
        .in_file(path)
        .fix("run the sweep again with this floodsim version")
        .into());
    }
    let rows: Vec<Vec<String>> = lines.map(split_csv).collect();
    if rows.iter().any(|r| r.len() != header.len()) {
        return Err(InputError::new("a row has the wrong number of cells")
            .in_file(path)
            .into());
    }
    Ok((rows, capacity))
}

/// The full per-[`CATALOGUE`] list from the cells of the metrics a file shows.
fn catalogue_order<T: Clone>(cells: Vec<T>, capacity: bool, absent: T) -> Vec<T> {
    let mut all = vec![absent; CATALOGUE.len()];
    for ((m, _), c) in shown(capacity).zip(cells) {
        all[m] = c;
    }
    all
}

/// Parses a cell that should hold `what`, naming the file when it does not.
fn parse<T: std::str::FromStr>(cell: &str, what: &str, path: &Path) -> Result<T> {
    cell.parse().map_err(|_| {
        InputError::new(format!("the cell {cell:?} is not {what}"))
            .in_file(path)
            .into()
    })
}

/// Parses an optional number cell (empty = absent).
fn number(cell: &str, path: &Path) -> Result<Option<f64>> {
    (!cell.is_empty())
        .then(|| parse(cell, "a number", path))
        .transpose()
}

/// Reads `sweep.csv`: per row, the parameter cells (without labels) and the row's figures.
pub fn read_runs(path: &Path, params: &[Param]) -> Result<Vec<(Vec<String>, RunRow)>> {
    let n = param_columns(params);
    let (rows, capacity) = read_rows(path, |c| runs_header(params, c))?;
    rows.into_iter()
        .map(|mut cells| {
            let rest = cells.split_off(n);
            let metrics = rest[3..]
                .iter()
                .map(|c| number(c, path))
                .collect::<Result<_>>()?;
            let row = RunRow {
                variant: rest[0].clone(),
                replica: parse(&rest[1], "a replica index", path)?,
                queries: parse(&rest[2], "a query count", path)?,
                metrics: catalogue_order(metrics, capacity, None),
            };
            Ok((value_cells(params, cells), row))
        })
        .collect()
}

/// One row of `sweep_summary.csv` read back.
#[derive(Clone, Debug, PartialEq)]
pub struct SummaryRow {
    /// The point's parameter cells (see [`value_text`]), without labels.
    pub params: Vec<String>,
    /// Variant name.
    pub variant: String,
    /// Per [`CATALOGUE`] metric: the mean over the replicas and its 95% interval.
    pub stats: Vec<(Option<f64>, Option<[f64; 2]>)>,
}

/// Reads `sweep_summary.csv`.
pub fn read_summary(path: &Path, params: &[Param]) -> Result<Vec<SummaryRow>> {
    let n = param_columns(params);
    let (rows, capacity) = read_rows(path, |c| summary_header(params, c))?;
    rows.into_iter()
        .map(|mut cells| {
            let rest = cells.split_off(n);
            let stats = rest[2..]
                .chunks(4)
                .map(|c| {
                    let (lo, hi) = (number(&c[2], path)?, number(&c[3], path)?);
                    Ok((number(&c[0], path)?, lo.zip(hi).map(|(l, h)| [l, h])))
                })
                .collect::<Result<_>>()?;
            Ok(SummaryRow {
                params: value_cells(params, cells),
                variant: rest[0].clone(),
                stats: catalogue_order(stats, capacity, (None, None)),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_and_intervals() {
        assert_eq!(cell(&serde_json::json!(5)), "5");
        assert_eq!(
            cell(&serde_json::json!({"kind": "constant", "ms": 5})),
            "\"{\"\"kind\"\":\"\"constant\"\",\"\"ms\"\":5}\""
        );
        // 2, 4, 6: mean 4, sd 2, half-width 4.303·2/√3 = 4.9688.
        let (m, s, ci) = mean_std_ci(&[2.0, 4.0, 6.0]);
        assert_eq!((m, s), (Some(4.0), Some(2.0)));
        let ci = ci.unwrap();
        assert!((ci[1] - 4.0 - 4.303 * 2.0 / 3f64.sqrt()).abs() < 1e-12);
        assert!((t975(40) - 2.021).abs() < 0.002 && (t975(120) - 1.980).abs() < 0.002);
    }

    #[test]
    fn intervals_stay_inside_what_a_metric_can_be() {
        // Two replicas: success 0.9 and 1.0 give a t interval of 0.95 ± 12.706·0.0707/√2 =
        // [0.315, 1.585], and messages 5 and 100 give [−551, 656]; clipped to [0.315, 1] and
        // [0, 656].
        let row = |success: f64, messages: f64| {
            let mut metrics = vec![None; CATALOGUE.len()];
            metrics[0] = Some(success);
            metrics[1] = Some(messages);
            RunRow {
                variant: "v".into(),
                replica: 0,
                queries: 10,
                metrics,
            }
        };
        assert_eq!(
            (CATALOGUE[0].name, CATALOGUE[1].name),
            ("success_rate", "messages_per_query")
        );
        let rows = [row(0.9, 5.0), row(1.0, 100.0)];
        let values = [serde_json::json!(1)];
        let mut out = Vec::new();
        write_summary(
            &mut out,
            &[Param {
                path: "p".into(),
                values: values.to_vec(),
            }],
            &["v".into()],
            &[(&values[..], &rows[..])],
            false,
        )
        .unwrap();
        let text = String::from_utf8(out).unwrap();
        let cells: Vec<f64> = text
            .lines()
            .nth(1)
            .unwrap()
            .split(',')
            .skip(3)
            .take(8)
            .map(|c| c.parse().unwrap())
            .collect();
        let (s_lo, s_hi, m_lo, m_hi) = (cells[2], cells[3], cells[6], cells[7]);
        // sd = 0.1/√2, so the half-width is 12.706·0.1/2.
        assert!((s_lo - (0.95 - 12.706 * 0.05)).abs() < 1e-9, "{s_lo}");
        assert_eq!((s_hi, m_lo), (1.0, 0.0));
        assert!(
            (m_hi - (52.5 + 12.706 * 67.175 / 2f64.sqrt())).abs() < 0.5,
            "{m_hi}"
        );
    }
}
