//! The log-log degree distribution of an overlay.

use super::chart::{Chart, Series, draw};
use crate::error::Error;
use crate::topology::GraphStats;
use std::path::Path;

/// Draws P(k), the share of nodes with degree k, on log-log axes (degree-0 nodes cannot be
/// shown on a log axis and are left out; the caption says how many there are). The axes span
/// at least a decade of degrees and two decades of shares, so a graph whose nodes all have one
/// degree (a random-regular overlay) is one point on readable axes.
pub fn degree_distribution(stats: &GraphStats, title: &str, path: &Path) -> Result<(), Error> {
    let n = f64::from(stats.nodes.max(1));
    let points: Vec<(f64, f64)> = stats
        .degree_histogram
        .iter()
        .filter(|h| h[0] > 0)
        .map(|h| (h[0] as f64, h[1] as f64 / n))
        .collect();
    let isolated = stats
        .degree_histogram
        .iter()
        .find(|h| h[0] == 0)
        .map_or(0, |h| h[1]);
    let x_max = points.last().map_or(10.0, |p| p.0 * 1.5).max(10.0);
    let y_min = (points.iter().map(|p| p.1).fold(1.0, f64::min) / 2.0).min(0.008);
    let caption = if isolated > 0 {
        format!("{title} ({isolated} isolated nodes not shown)")
    } else {
        title.to_string()
    };
    let label = match points.as_slice() {
        [(k, _)] => format!("{} nodes, every one of degree {k}", stats.nodes),
        _ => format!(
            "{} nodes, mean degree {:.2}",
            stats.nodes, stats.degree.mean
        ),
    };
    let mut chart = Chart {
        title: caption,
        x_label: "degree k (links)".into(),
        y_label: "P(k), share of nodes".into(),
        x_log: true,
        y_log: true,
        x_range: Some((0.8, x_max)),
        y_range: Some((y_min, 1.5)),
        series: vec![Series {
            name: label,
            points,
            markers: true,
            ..Series::default()
        }],
        ..Chart::default()
    };
    if let Some(fit) = &stats.power_law {
        // The fitted tail, scaled to the share of nodes in it: P(k) ≈ c·k^−α for k ≥ k_min.
        let share = fit.tail_nodes as f64 / n;
        let k0 = f64::from(fit.k_min);
        let zeta: f64 = (0..100_000)
            .map(|i| (k0 + f64::from(i)).powf(-fit.exponent))
            .sum();
        let line: Vec<(f64, f64)> = (0..60)
            .map(|i| k0 * (x_max / k0).powf(f64::from(i) / 59.0))
            .map(|k| (k, share * k.powf(-fit.exponent) / zeta))
            .filter(|p| p.1 >= y_min)
            .collect();
        chart.series.push(Series {
            name: format!(
                "power-law fit: α = {:.2}, k_min = {}",
                fit.exponent, fit.k_min
            ),
            points: line,
            line: true,
            ..Series::default()
        });
    }
    draw(&chart, path)
}
