//! One chart renderer for every floodsim plot: lines and/or markers per series, optional error
//! bars and 95% bands, linear or log axes, a legend, the bundled font and the colour-blind-safe
//! palette with a distinct marker per series.

use super::{FONT, ImageFormat, PALETTE, SIZE, draw_error, register_font};
use crate::error::Error;
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, ValueFormatter};
use plotters::prelude::*;
use std::path::Path;

/// One labelled series.
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// Points in drawing order.
    pub points: Vec<(f64, f64)>,
    /// Vertical error bars: (x, low, high).
    pub error_bars: Vec<(f64, f64, f64)>,
    /// A shaded band: (x, low, high), drawn under the line.
    pub band: Vec<(f64, f64, f64)>,
    /// Join the points with a line.
    pub line: bool,
    /// Draw a marker on every point.
    pub markers: bool,
}

/// A whole chart.
#[derive(Clone, Debug, Default)]
pub struct Chart {
    /// Title (the scenario name and what is shown).
    pub title: String,
    /// X axis label, with units.
    pub x_label: String,
    /// Y axis label, with units.
    pub y_label: String,
    /// The series.
    pub series: Vec<Series>,
    /// Logarithmic x axis.
    pub x_log: bool,
    /// Logarithmic y axis.
    pub y_log: bool,
    /// Fixed y range (otherwise from the data).
    pub y_range: Option<(f64, f64)>,
    /// Tick labels for integer x positions (categorical axes).
    pub x_ticks: Option<Vec<String>>,
    /// The x values are integers: ticks only at integers.
    pub x_integer: bool,
    /// Put the legend in the lower right corner (where rising curves leave room) instead of
    /// the upper left.
    pub legend_lower_right: bool,
}

/// Whether values spanning `lo..hi` (both positive) cover more than two decades.
pub fn spans_decades(lo: f64, hi: f64) -> bool {
    lo > 0.0 && hi / lo >= 100.0
}

/// A compact number label: 3 significant digits, no trailing zeros.
pub fn number_label(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        return format!("{v:.0e}");
    }
    let decimals = (2 - a.log10().floor() as i32).clamp(0, 6) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Draws `chart` to `path` (.svg or .png).
pub fn draw(chart: &Chart, path: &Path) -> Result<(), Error> {
    register_font();
    match ImageFormat::from_path(path)? {
        ImageFormat::Svg => draw_on(SVGBackend::new(path, SIZE).into_drawing_area(), chart, path),
        ImageFormat::Png => draw_on(
            BitMapBackend::new(path, SIZE).into_drawing_area(),
            chart,
            path,
        ),
    }
}

fn bounds(values: impl Iterator<Item = f64>, log: bool) -> (f64, f64) {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite() && (!log || *v > 0.0)) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return if log { (1.0, 10.0) } else { (0.0, 1.0) };
    }
    if log {
        (lo / 1.5, hi * 1.5)
    } else if hi - lo < 1e-12 {
        (lo - 0.5, hi + 0.5)
    } else {
        let pad = (hi - lo) * 0.05;
        (lo - pad, hi + pad)
    }
}

fn draw_on<DB: DrawingBackend>(
    area: DrawingArea<DB, Shift>,
    c: &Chart,
    path: &Path,
) -> Result<(), Error> {
    let xs = c.series.iter().flat_map(|s| {
        s.points
            .iter()
            .map(|p| p.0)
            .chain(s.band.iter().map(|b| b.0))
    });
    let (x0, x1) = bounds(xs, c.x_log);
    let ys = c.series.iter().flat_map(|s| {
        s.points
            .iter()
            .map(|p| p.1)
            .chain(s.band.iter().flat_map(|b| [b.1, b.2]))
            .chain(s.error_bars.iter().flat_map(|b| [b.1, b.2]))
    });
    let (y0, y1) = c.y_range.unwrap_or_else(|| bounds(ys, c.y_log));
    area.fill(&WHITE).map_err(|e| draw_error(path, e))?;
    match (c.x_log, c.y_log) {
        (false, false) => render(&area, x0..x1, y0..y1, c, path),
        (true, false) => render(&area, (x0..x1).log_scale(), y0..y1, c, path),
        (false, true) => render(&area, x0..x1, (y0..y1).log_scale(), c, path),
        (true, true) => render(&area, (x0..x1).log_scale(), (y0..y1).log_scale(), c, path),
    }?;
    area.present().map_err(|e| draw_error(path, e))
}

fn render<DB, X, Y>(
    area: &DrawingArea<DB, Shift>,
    x: X,
    y: Y,
    c: &Chart,
    path: &Path,
) -> Result<(), Error>
where
    DB: DrawingBackend,
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let err = |e: &dyn std::fmt::Display| draw_error(path, e);
    let mut chart = ChartBuilder::on(area)
        .caption(&c.title, (FONT, 28))
        .margin(20)
        .x_label_area_size(60)
        .y_label_area_size(90)
        .build_cartesian_2d(x, y)
        .map_err(|e| err(&e))?;
    let x_range = chart.x_range();
    let ticks = c.x_ticks.clone();
    let x_format = move |v: &f64| match &ticks {
        Some(labels) if (v - v.round()).abs() < 1e-9 => {
            labels.get(v.round() as usize).cloned().unwrap_or_default()
        }
        Some(_) => String::new(),
        None => number_label(*v),
    };
    let mut mesh = chart.configure_mesh();
    mesh.x_desc(&c.x_label)
        .y_desc(&c.y_label)
        .label_style((FONT, 20))
        .axis_desc_style((FONT, 22))
        .x_label_formatter(&x_format)
        .y_label_formatter(&|v| number_label(*v));
    if c.x_ticks.is_some() || c.x_integer && !c.x_log {
        // At most one tick per unit, so every tick is an integer (a category, or a value);
        // at most 10 ticks on a numeric axis.
        let most = if c.x_ticks.is_some() { usize::MAX } else { 10 };
        let span = x_range.end - x_range.start;
        mesh.x_labels((span.floor() as usize + 1).clamp(2, most));
    }
    mesh.draw().map_err(|e| err(&e))?;
    for (i, s) in c.series.iter().enumerate() {
        let (r, g, b) = PALETTE[i % PALETTE.len()];
        let colour = RGBColor(r, g, b);
        if !s.band.is_empty() {
            let mut outline: Vec<(f64, f64)> = s.band.iter().map(|b| (b.0, b.2)).collect();
            outline.extend(s.band.iter().rev().map(|b| (b.0, b.1)));
            chart
                .draw_series(std::iter::once(Polygon::new(
                    outline,
                    colour.mix(0.18).filled(),
                )))
                .map_err(|e| err(&e))?;
        }
        for &(bx, lo, hi) in &s.error_bars {
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(bx, lo), (bx, hi)],
                    colour.stroke_width(2),
                )))
                .map_err(|e| err(&e))?;
        }
        let marker = i % 4;
        let style = colour.stroke_width(2);
        let (legend_line, legend_marker) = (s.line, s.markers || !s.line);
        let legend = move |(lx, ly): (i32, i32)| {
            let line = PathElement::new(
                if legend_line {
                    vec![(-12, 0), (12, 0)]
                } else {
                    vec![]
                },
                colour.stroke_width(2),
            );
            let dot = line_marker(
                if legend_marker { marker } else { NO_MARKER },
                colour,
                (0, 0),
            );
            EmptyElement::at((lx + 12, ly)) + line + dot
        };
        let anno = if s.line {
            chart
                .draw_series(LineSeries::new(s.points.iter().copied(), style))
                .map_err(|e| err(&e))?
        } else {
            chart
                .draw_series(
                    s.points
                        .iter()
                        .map(|&p| EmptyElement::at(p) + line_marker(marker, colour, (0, 0))),
                )
                .map_err(|e| err(&e))?
        };
        anno.label(&s.name).legend(legend);
        if s.markers && s.line {
            chart
                .draw_series(
                    s.points
                        .iter()
                        .map(|&p| EmptyElement::at(p) + line_marker(marker, colour, (0, 0))),
                )
                .map_err(|e| err(&e))?;
        }
    }
    chart
        .configure_series_labels()
        .label_font((FONT, 20))
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .position(if c.legend_lower_right {
            SeriesLabelPosition::LowerRight
        } else {
            SeriesLabelPosition::UpperLeft
        })
        .draw()
        .map_err(|e| err(&e))?;
    Ok(())
}

/// The marker kind that draws nothing.
const NO_MARKER: usize = usize::MAX;

/// Marker `kind` (circle, triangle, square, cross; [`NO_MARKER`]) relative to a point,
/// shifted by `offset`.
fn line_marker<DB: DrawingBackend>(
    kind: usize,
    colour: RGBColor,
    offset: (i32, i32),
) -> DynElement<'static, DB, (i32, i32)> {
    let (dx, dy) = offset;
    let style = colour.filled();
    match kind {
        NO_MARKER => Circle::new((dx, dy), 0, TRANSPARENT).into_dyn(),
        0 => Circle::new((dx, dy), 5, style).into_dyn(),
        1 => TriangleMarker::new((dx, dy), 7, style).into_dyn(),
        2 => Rectangle::new([(dx - 5, dy - 5), (dx + 5, dy + 5)], style).into_dyn(),
        _ => Cross::new((dx, dy), 6, colour.stroke_width(3)).into_dyn(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels() {
        assert_eq!(number_label(0.25), "0.25");
        assert_eq!(number_label(1500.0), "1500");
        assert_eq!(number_label(3.0), "3");
        assert_eq!(number_label(12345678.0), "1e7");
    }
}
