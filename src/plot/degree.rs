//! The log-log degree distribution of an overlay.

use super::{FONT, ImageFormat, PALETTE, SIZE, draw_error, register_font};
use crate::error::Error;
use crate::topology::GraphStats;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Draws P(k), the share of nodes with degree k, on log-log axes (degree-0 nodes cannot be
/// shown on a log axis and are left out; the caption says how many there are).
pub fn degree_distribution(stats: &GraphStats, title: &str, path: &Path) -> Result<(), Error> {
    register_font();
    match ImageFormat::from_path(path)? {
        ImageFormat::Svg => draw(
            SVGBackend::new(path, SIZE).into_drawing_area(),
            stats,
            title,
            path,
        ),
        ImageFormat::Png => draw(
            BitMapBackend::new(path, SIZE).into_drawing_area(),
            stats,
            title,
            path,
        ),
    }
}

fn draw<DB: DrawingBackend>(
    area: DrawingArea<DB, Shift>,
    stats: &GraphStats,
    title: &str,
    path: &Path,
) -> Result<(), Error> {
    let err = |e: &dyn std::fmt::Display| draw_error(path, e);
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
    let y_min = points.iter().map(|p| p.1).fold(1.0, f64::min) / 2.0;
    area.fill(&WHITE).map_err(|e| err(&e))?;
    let caption = if isolated > 0 {
        format!("{title} ({isolated} isolated nodes not shown)")
    } else {
        title.to_string()
    };
    let mut chart = ChartBuilder::on(&area)
        .caption(caption, (FONT, 28))
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d((0.8..x_max).log_scale(), (y_min..1.0).log_scale())
        .map_err(|e| err(&e))?;
    chart
        .configure_mesh()
        .x_desc("degree k (links)")
        .y_desc("P(k), share of nodes")
        .label_style((FONT, 20))
        .axis_desc_style((FONT, 22))
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0e}"))
        .draw()
        .map_err(|e| err(&e))?;
    let (r, g, b) = PALETTE[0];
    let colour = RGBColor(r, g, b);
    chart
        .draw_series(points.iter().map(|&p| Circle::new(p, 4, colour.filled())))
        .map_err(|e| err(&e))?
        .label(format!(
            "{} nodes, mean degree {:.2}",
            stats.nodes, stats.degree.mean
        ))
        .legend(move |(x, y)| Circle::new((x + 10, y), 4, colour.filled()));
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
        let (r, g, b) = PALETTE[5];
        let fit_colour = RGBColor(r, g, b);
        chart
            .draw_series(LineSeries::new(line, fit_colour.stroke_width(2)))
            .map_err(|e| err(&e))?
            .label(format!(
                "power-law fit: α = {:.2}, k_min = {}",
                fit.exponent, fit.k_min
            ))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x, y), (x + 20, y)], fit_colour.stroke_width(2))
            });
    }
    chart
        .configure_series_labels()
        .label_font((FONT, 20))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(|e| err(&e))?;
    area.present().map_err(|e| err(&e))
}
