//! `sweep.csv` (one row per point × variant × replica) and `sweep_summary.csv` (one row per
//! point × variant: mean, standard deviation and 95% confidence interval of every metric over
//! the replicas).

use crate::sweep::{Definition, METRICS, PointInfo, PointResult};
use serde_json::Value;
use std::io::{Result, Write};

/// A CSV cell for a parameter value: numbers and strings as they are; anything with a comma,
/// quote or newline quoted (RFC 4180).
fn cell(v: &Value) -> String {
    let text = match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

fn opt(x: Option<f64>) -> String {
    x.map_or(String::new(), |v| v.to_string())
}

fn header_params(w: &mut dyn Write, d: &Definition) -> Result<()> {
    for p in &d.parameters {
        write!(w, "{},", cell(&Value::String(p.path.clone())))?;
    }
    Ok(())
}

fn point_cells(w: &mut dyn Write, p: &PointInfo) -> Result<()> {
    for v in &p.values {
        write!(w, "{},", cell(v))?;
    }
    Ok(())
}

/// Writes `sweep.csv`: parameter columns, then `variant,replica,queries`, then [`METRICS`].
pub fn write_runs(
    w: &mut dyn Write,
    d: &Definition,
    results: &[(&PointInfo, PointResult)],
) -> Result<()> {
    header_params(w, d)?;
    writeln!(w, "variant,replica,queries,{}", METRICS.join(","))?;
    for (p, r) in results {
        for row in &r.rows {
            point_cells(w, p)?;
            write!(w, "{},{},{}", row.variant, row.replica, row.queries)?;
            for m in &row.metrics {
                write!(w, ",{}", opt(*m))?;
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

/// Writes `sweep_summary.csv`: parameter columns, `variant,replicas`, then for each metric
/// `<metric>_mean,<metric>_std,<metric>_ci95_lo,<metric>_ci95_hi` (std and interval empty with
/// one replica).
pub fn write_summary(
    w: &mut dyn Write,
    d: &Definition,
    results: &[(&PointInfo, PointResult)],
) -> Result<()> {
    header_params(w, d)?;
    write!(w, "variant,replicas")?;
    for m in METRICS {
        write!(w, ",{m}_mean,{m}_std,{m}_ci95_lo,{m}_ci95_hi")?;
    }
    writeln!(w)?;
    let variants: Vec<&str> = d
        .scenario
        .variants
        .iter()
        .map(|v| v.name.as_str())
        .collect();
    for (p, r) in results {
        for name in &variants {
            let rows: Vec<_> = r.rows.iter().filter(|row| row.variant == *name).collect();
            point_cells(w, p)?;
            write!(w, "{name},{}", rows.len())?;
            for m in 0..METRICS.len() {
                let values: Vec<f64> = rows.iter().filter_map(|row| row.metrics[m]).collect();
                let (mean, std, ci) = mean_std_ci(&values);
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
}
