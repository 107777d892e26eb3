//! Charts of `nodes.csv`: who did the work. Load (messages a node received) against its
//! degree on log-log axes with a least-squares power-law fit, and the Lorenz curve of the load
//! with its Gini coefficient; one series per variant, pooled over replicas.

use super::chart::{Chart, Series};
use crate::output::nodes_csv::NodeLoad;

/// The Gini coefficient of `loads`: the mean absolute difference between two nodes' loads
/// (over all ordered pairs, a node with itself included) divided by twice the mean load, so
/// `[1, 1, 1, 1]` gives 0 and `[0, 0, 0, 1]` gives 0.75, and one node carrying everything
/// among n gives 1 − 1/n (no n/(n−1) correction). It equals 1 − 2 × the area under the Lorenz
/// curve drawn through (k/n, share of the k lightest). `None` without load (or without nodes).
pub fn gini(loads: &[u64]) -> Option<f64> {
    let total: f64 = loads.iter().map(|&x| x as f64).sum();
    if total <= 0.0 {
        return None;
    }
    let mut sorted = loads.to_vec();
    sorted.sort_unstable();
    let n = sorted.len() as f64;
    // Σ_i Σ_j |x_i − x_j| = 2 Σ_i (2i − n − 1) x_(i) for the ascending order, i from 1.
    let weighted: f64 = sorted
        .iter()
        .enumerate()
        .map(|(i, &x)| (2.0 * (i as f64 + 1.0) - n - 1.0) * x as f64)
        .sum();
    Some(weighted / (n * total))
}

/// The share of all load carried by the busiest share of nodes: points (k/n, load of the k
/// busiest / total) from (0, 0) to (1, 1), at most about `most` of them (every point when
/// there are fewer nodes; otherwise evenly spaced ranks, the last one always included).
pub fn busiest_share(loads: &[u64], most: usize) -> Vec<(f64, f64)> {
    let total: f64 = loads.iter().map(|&x| x as f64).sum();
    if total <= 0.0 {
        return Vec::new();
    }
    let mut sorted = loads.to_vec();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let n = sorted.len();
    let stride = n.div_ceil(most.max(1)).max(1);
    let mut points = vec![(0.0, 0.0)];
    let mut carried = 0.0;
    for (k, &x) in sorted.iter().enumerate() {
        carried += x as f64;
        if (k + 1) % stride == 0 || k + 1 == n {
            points.push(((k + 1) as f64 / n as f64, carried / total));
        }
    }
    points
}

/// A least-squares line through (ln x, ln y): y ≈ e^intercept · x^slope.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct PowerFit {
    /// The exponent: the slope on log-log axes.
    pub slope: f64,
    /// ln of the prefactor.
    pub intercept: f64,
}

/// Fits y ≈ c·x^slope by least squares on (ln x, ln y) over `points`, all of which must be
/// positive. `None` unless at least two distinct x values are given.
pub fn power_fit(points: &[(f64, f64)]) -> Option<PowerFit> {
    let n = points.len() as f64;
    let logs: Vec<(f64, f64)> = points.iter().map(|&(x, y)| (x.ln(), y.ln())).collect();
    let mx = logs.iter().map(|p| p.0).sum::<f64>() / n;
    let my = logs.iter().map(|p| p.1).sum::<f64>() / n;
    let sxx: f64 = logs.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
    let sxy: f64 = logs.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    if points.len() < 2 || sxx <= 1e-12 {
        return None;
    }
    let slope = sxy / sxx;
    Some(PowerFit {
        slope,
        intercept: my - slope * mx,
    })
}

/// The loads and degrees of each variant's rows, variants in the order of `names`.
fn by_variant<'a>(rows: &'a [NodeLoad], names: &'a [String]) -> Vec<(&'a str, Vec<&'a NodeLoad>)> {
    names
        .iter()
        .map(|n| {
            let of: Vec<&NodeLoad> = rows.iter().filter(|r| &r.variant == n).collect();
            (n.as_str(), of)
        })
        .collect()
}

/// `nodes_load_vs_degree` and `nodes_lorenz` for the rows of `nodes.csv`, titled by the
/// scenario `title`, one series per variant of `names`.
pub fn charts(title: &str, names: &[String], rows: &[NodeLoad]) -> Vec<(String, Chart)> {
    let variants = by_variant(rows, names);
    vec![
        (
            "nodes_load_vs_degree".to_string(),
            load_vs_degree(title, &variants),
        ),
        ("nodes_lorenz".to_string(), lorenz(title, &variants)),
    ]
}

/// Load against degree, log-log: every (degree, load) pair that occurs, once, and the
/// variant's fit over all its nodes (each node one observation). Nodes of degree 0 or without
/// load cannot be placed on log axes: they are left out of the points and the fit, and the
/// x axis label says how many.
fn load_vs_degree(title: &str, variants: &[(&str, Vec<&NodeLoad>)]) -> Chart {
    let mut chart = Chart {
        title: format!("{title}: load vs degree"),
        y_label: "load (messages received)".into(),
        x_log: true,
        y_log: true,
        ..Chart::default()
    };
    let mut hidden = 0;
    for (i, (name, rows)) in variants.iter().enumerate() {
        let shown: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.degree > 0 && r.received > 0)
            .map(|r| (f64::from(r.degree), r.received as f64))
            .collect();
        hidden += rows.len() - shown.len();
        let mut points = shown.clone();
        points.sort_by(|a, b| a.partial_cmp(b).expect("finite"));
        points.dedup();
        let fit = power_fit(&shown);
        let label = match fit {
            Some(_) => name.to_string(),
            None => format!("{name} (no fit: fewer than two degrees)"),
        };
        chart.series.push(Series {
            name: label,
            points,
            markers: true,
            colour: Some(i),
            ..Series::default()
        });
        if let Some(f) = fit {
            let (lo, hi) = shown.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), p| {
                (lo.min(p.0), hi.max(p.0))
            });
            let line = (0..=20)
                .map(|k| lo * (hi / lo).powf(f64::from(k) / 20.0))
                .map(|x| (x, (f.intercept + f.slope * x.ln()).exp()))
                .collect();
            chart.series.push(Series {
                name: format!("{name} fit: load ∝ degree^{:.2}", f.slope),
                points: line,
                line: true,
                colour: Some(i),
                ..Series::default()
            });
        }
    }
    chart.x_label = match hidden {
        0 => "degree (links in the overlay as built)".into(),
        _ => format!("degree (links as built); {hidden} nodes of degree 0 or no load not shown"),
    };
    chart
}

/// The share of the load carried by the busiest share of nodes, with the Gini coefficient per
/// variant and the diagonal of equal load.
fn lorenz(title: &str, variants: &[(&str, Vec<&NodeLoad>)]) -> Chart {
    let mut chart = Chart {
        title: format!("{title}: share of the load carried by the busiest nodes"),
        x_label: "share of nodes, busiest first".into(),
        y_label: "share of all messages received".into(),
        x_range: Some((0.0, 1.0)),
        y_range: Some((0.0, 1.02)),
        ..Chart::default()
    };
    for (i, (name, rows)) in variants.iter().enumerate() {
        let loads: Vec<u64> = rows.iter().map(|r| r.received).collect();
        let label = match gini(&loads) {
            Some(g) => format!("{name}: Gini {g:.3}"),
            None => format!("{name}: no load"),
        };
        chart.series.push(Series {
            name: label,
            points: busiest_share(&loads, 1000),
            line: true,
            colour: Some(i),
            ..Series::default()
        });
    }
    chart.series.push(Series {
        name: "equal load (Gini 0)".into(),
        points: vec![(0.0, 0.0), (1.0, 1.0)],
        line: true,
        colour: Some(super::PALETTE.len() - 1),
        ..Series::default()
    });
    chart
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gini_of_exact_small_cases() {
        assert_eq!(gini(&[1, 1, 1, 1]), Some(0.0));
        // Σ|xi − xj| over ordered pairs = 6, mean 1/4, n = 4: 6 / (2 · 16 · 1/4).
        assert_eq!(gini(&[0, 0, 0, 1]), Some(0.75));
        // [1, 2, 3]: pairwise differences 1, 2, 1 (each twice) = 8; 8 / (2 · 9 · 2) = 2/9.
        assert!((gini(&[3, 1, 2]).unwrap() - 2.0 / 9.0).abs() < 1e-15);
        assert_eq!(gini(&[0, 0]), None);
        assert_eq!(gini(&[]), None);
        // 1 − 2 × the trapezoid area under the ascending Lorenz curve, for an uneven case.
        let loads = [5u64, 0, 9, 1, 1, 30, 2];
        let mut asc = loads.to_vec();
        asc.sort_unstable();
        let total: f64 = asc.iter().map(|&x| x as f64).sum();
        let n = asc.len() as f64;
        let (mut area, mut prev) = (0.0, 0.0);
        for &x in &asc {
            let next = prev + x as f64 / total;
            area += (prev + next) / (2.0 * n);
            prev = next;
        }
        assert!((gini(&loads).unwrap() - (1.0 - 2.0 * area)).abs() < 1e-12);
    }

    #[test]
    fn busiest_share_runs_from_the_busiest_node_to_all() {
        assert_eq!(
            busiest_share(&[1, 3, 0, 4], 10),
            vec![
                (0.0, 0.0),
                (0.25, 0.5),
                (0.5, 7.0 / 8.0),
                (0.75, 1.0),
                (1.0, 1.0)
            ]
        );
        // Thinned: every second rank, the last one kept.
        let thin = busiest_share(&[1; 5], 3);
        assert_eq!(thin, vec![(0.0, 0.0), (0.4, 0.4), (0.8, 0.8), (1.0, 1.0)]);
        assert!(busiest_share(&[0, 0], 10).is_empty());
    }

    #[test]
    fn power_fit_recovers_the_exponent_of_exact_power_data() {
        let points: Vec<(f64, f64)> = [1.0, 2.0, 3.0, 5.0, 8.0, 40.0]
            .iter()
            .map(|&x: &f64| (x, 7.0 * x.powf(1.5)))
            .collect();
        let f = power_fit(&points).unwrap();
        assert!((f.slope - 1.5).abs() < 1e-12, "{f:?}");
        assert!((f.intercept - 7.0f64.ln()).abs() < 1e-12, "{f:?}");
        // Two nodes per degree with loads c/2 and 2c: the same slope (the logs average out).
        let pairs: Vec<(f64, f64)> = [2.0, 4.0, 16.0]
            .iter()
            .flat_map(|&x: &f64| [(x, x * x / 2.0), (x, x * x * 2.0)])
            .collect();
        assert!((power_fit(&pairs).unwrap().slope - 2.0).abs() < 1e-12);
        assert_eq!(power_fit(&[(3.0, 1.0), (3.0, 5.0)]), None);
        assert_eq!(power_fit(&[(3.0, 1.0)]), None);
    }

    #[test]
    fn nodes_without_degree_or_load_are_left_out_and_counted() {
        let row = |degree, received| NodeLoad {
            variant: "v".into(),
            degree,
            received,
        };
        let rows = [row(0, 5), row(2, 0), row(1, 3), row(4, 12), row(4, 12)];
        let names = vec!["v".to_string()];
        let chart = &charts("t", &names, &rows)[0].1;
        assert!(
            chart
                .x_label
                .contains("; 2 nodes of degree 0 or no load not shown")
        );
        // The repeated (4, 12) is drawn once but fitted twice; 3 = 3·1^1, 12 = 3·4^1.
        assert_eq!(chart.series[0].points, vec![(1.0, 3.0), (4.0, 12.0)]);
        assert_eq!(chart.series[1].name, "v fit: load ∝ degree^1.00");
    }
}
