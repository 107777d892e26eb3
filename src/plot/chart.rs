//! One chart renderer for every floodsim plot: lines and/or markers per series, optional error
//! bars and 95% bands, linear or log axes, a legend, the bundled font and the colour-blind-safe
//! palette with a distinct marker per series. The legend goes where it covers the least data.

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
    /// Points in drawing order; a point with a non-finite y is a gap that breaks the line.
    pub points: Vec<(f64, f64)>,
    /// Vertical error bars: (x, low, high).
    pub error_bars: Vec<(f64, f64, f64)>,
    /// A shaded band: (x, low, high), drawn under the line.
    pub band: Vec<(f64, f64, f64)>,
    /// Join the points with a line.
    pub line: bool,
    /// Draw a marker on every point.
    pub markers: bool,
    /// The palette entry (and marker) to draw in, when not the series' position: a fit line
    /// in its data's colour.
    pub colour: Option<usize>,
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
    /// Fixed x range (otherwise from the data).
    pub x_range: Option<(f64, f64)>,
    /// Fixed y range (otherwise from the data).
    pub y_range: Option<(f64, f64)>,
    /// Tick labels for integer x positions (categorical axes).
    pub x_ticks: Option<Vec<String>>,
    /// The x values are integers: ticks only at integers.
    pub x_integer: bool,
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

/// Where the legend goes.
#[derive(Copy, Clone, Debug)]
enum Legend {
    /// Find the place inside the plot that covers no data (a trial drawing).
    Probe,
    /// At this place inside the plot (pixels from its upper left corner).
    At(i32, i32),
    /// To the right of the plot, which is narrowed to make room: no place inside was free.
    Outside,
}

/// Draws `chart` to `path` (.svg or .png). The legend goes inside the plot where it covers no
/// data (found by a trial drawing in memory), or else to the right of the plot.
pub fn draw(chart: &Chart, path: &Path) -> Result<(), Error> {
    register_font();
    let mut trial = String::new();
    let free = draw_on(
        SVGBackend::with_string(&mut trial, SIZE).into_drawing_area(),
        chart,
        path,
        Legend::Probe,
    )?;
    let legend = free.map_or(Legend::Outside, |(x, y)| Legend::At(x, y));
    match ImageFormat::from_path(path)? {
        ImageFormat::Svg => {
            let mut svg = String::new();
            draw_on(
                SVGBackend::with_string(&mut svg, SIZE).into_drawing_area(),
                chart,
                path,
                legend,
            )?;
            std::fs::write(path, super::svg_font::embed(&svg))
                .map_err(|e| Error::io(path, "write the chart", e))
        }
        ImageFormat::Png => draw_on(
            BitMapBackend::new(path, SIZE).into_drawing_area(),
            chart,
            path,
            legend,
        )
        .map(|_| ()),
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

/// Draws the chart with the legend placed as `legend` says; returns the free place inside the
/// plot, if there is one.
fn draw_on<DB: DrawingBackend>(
    area: DrawingArea<DB, Shift>,
    c: &Chart,
    path: &Path,
    legend: Legend,
) -> Result<Option<(i32, i32)>, Error> {
    let xs = c.series.iter().flat_map(|s| {
        s.points
            .iter()
            .map(|p| p.0)
            .chain(s.band.iter().map(|b| b.0))
    });
    let (x0, x1) = c.x_range.unwrap_or_else(|| bounds(xs, c.x_log));
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
        (false, false) => render(&area, x0..x1, y0..y1, c, path, legend),
        (true, false) => render(&area, (x0..x1).log_scale(), y0..y1, c, path, legend),
        (false, true) => render(&area, x0..x1, (y0..y1).log_scale(), c, path, legend),
        (true, true) => render(
            &area,
            (x0..x1).log_scale(),
            (y0..y1).log_scale(),
            c,
            path,
            legend,
        ),
    }
    .and_then(|free| {
        area.present().map_err(|e| draw_error(path, e))?;
        Ok(free)
    })
}

fn render<DB, X, Y>(
    area: &DrawingArea<DB, Shift>,
    x: X,
    y: Y,
    c: &Chart,
    path: &Path,
    legend: Legend,
) -> Result<Option<(i32, i32)>, Error>
where
    DB: DrawingBackend,
    X: AsRangedCoord<Value = f64>,
    Y: AsRangedCoord<Value = f64>,
    X::CoordDescType: ValueFormatter<f64>,
    Y::CoordDescType: ValueFormatter<f64>,
{
    let err = |e: &dyn std::fmt::Display| draw_error(path, e);
    let names: Vec<&str> = c.series.iter().map(|s| s.name.as_str()).collect();
    let (legend_w, _) = legend_size(&names).map_err(|e| err(&e))?;
    let mut chart = ChartBuilder::on(area)
        .caption(&c.title, (FONT, 28))
        .margin(20)
        .margin_right(match legend {
            Legend::Outside => 20 + legend_w as u32 + OUTSIDE_GAP as u32,
            _ => 20,
        })
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
    let mut keys = Vec::new();
    for (i, s) in c.series.iter().enumerate() {
        let i = s.colour.unwrap_or(i);
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
        keys.push(Key {
            colour,
            line: s.line,
            marker: if s.markers || !s.line {
                marker
            } else {
                NO_MARKER
            },
        });
        let finite = || s.points.iter().copied().filter(|p| p.1.is_finite());
        if s.line {
            // One path per run of finite points: a gap is never bridged.
            let runs = s
                .points
                .split(|p| !p.1.is_finite())
                .filter(|run| run.len() > 1)
                .map(|run| PathElement::new(run.to_vec(), style));
            chart.draw_series(runs).map_err(|e| err(&e))?;
        } else {
            chart
                .draw_series(
                    finite().map(|p| EmptyElement::at(p) + line_marker(marker, colour, (0, 0))),
                )
                .map_err(|e| err(&e))?;
        }
        if s.markers && s.line {
            chart
                .draw_series(
                    finite().map(|p| EmptyElement::at(p) + line_marker(marker, colour, (0, 0))),
                )
                .map_err(|e| err(&e))?;
        }
    }
    let (plot_w, _) = chart.plotting_area().dim_in_pixel();
    let free = match legend {
        Legend::Probe => {
            let occupied = occupied_pixels(&chart, c);
            let free = free_place(&names, chart.plotting_area().dim_in_pixel(), &occupied)
                .map_err(|e| err(&e))?;
            return Ok(free);
        }
        Legend::At(x, y) => Some((x, y)),
        Legend::Outside => None,
    };
    let (x, y) = free.unwrap_or((plot_w as i32 + OUTSIDE_GAP, 0));
    let (bx, by) = chart.plotting_area().get_base_pixel();
    draw_legend(area, (bx + x, by + y), &names, &keys).map_err(|e| err(&e))?;
    Ok(free)
}

/// How a series shows in the legend.
struct Key {
    colour: RGBColor,
    line: bool,
    marker: usize,
}

/// Draws the legend box with its upper left corner at pixel `(x, y)` of the whole image.
fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    (x, y): (i32, i32),
    names: &[&str],
    keys: &[Key],
) -> Result<(), String> {
    let (w, h) = legend_size(names)?;
    let box_corners = [(x, y), (x + w, y + h)];
    area.draw(&Rectangle::new(box_corners, WHITE.mix(0.9).filled()))
        .and_then(|()| area.draw(&Rectangle::new(box_corners, BLACK)))
        .map_err(|e| e.to_string())?;
    let margin = LEGEND_MARGIN as i32;
    let mut text = MultiLineText::<_, &str>::new(
        (x + LEGEND_AREA as i32 + margin, y + margin),
        (FONT, LEGEND_FONT),
    );
    for n in names {
        text.push_line(*n);
    }
    area.draw(&text).map_err(|e| e.to_string())?;
    let rows = text.compute_line_layout().map_err(|e| e.to_string())?;
    for (((_, y0), (_, y1)), key) in rows.into_iter().zip(keys) {
        let (cx, cy) = (x + margin + 12, (y0 + y1) / 2);
        if key.line {
            area.draw(&PathElement::new(
                vec![(cx - 12, cy), (cx + 12, cy)],
                key.colour.stroke_width(2),
            ))
            .map_err(|e| e.to_string())?;
        }
        area.draw(&line_marker(key.marker, key.colour, (cx, cy)))
            .map_err(|e| e.to_string())?;
    }
    Ok(())
}

/// Legend geometry: font size, room for the line and marker, margin inside the box.
const LEGEND_FONT: u32 = 20;
const LEGEND_AREA: u32 = 30;
const LEGEND_MARGIN: u32 = 10;
/// Pixels between the plot and a legend outside it.
const OUTSIDE_GAP: i32 = 15;

/// Pixels (relative to the plotting area) that the data cover: markers, error bars, bands and
/// line segments sampled every 3 pixels.
fn occupied_pixels<DB, X, Y>(
    chart: &ChartContext<DB, Cartesian2d<X, Y>>,
    c: &Chart,
) -> Vec<(i32, i32)>
where
    DB: DrawingBackend,
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    let (bx, by) = chart.plotting_area().get_base_pixel();
    let px = |x: f64, y: f64| {
        let (u, v) = chart.backend_coord(&(x, y));
        (u - bx, v - by)
    };
    let mut out = Vec::new();
    let mut segment = |a: (i32, i32), b: (i32, i32)| {
        let steps = ((a.0 - b.0).abs().max((a.1 - b.1).abs()) / 3).max(1);
        for k in 0..=steps {
            let t = f64::from(k) / f64::from(steps);
            out.push((
                a.0 + (f64::from(b.0 - a.0) * t).round() as i32,
                a.1 + (f64::from(b.1 - a.1) * t).round() as i32,
            ));
        }
    };
    for s in &c.series {
        let finite: Vec<(f64, f64)> = s
            .points
            .iter()
            .copied()
            .filter(|p| p.1.is_finite())
            .collect();
        for &(x, y) in &finite {
            let (u, v) = px(x, y);
            // A marker is about 12 pixels across.
            segment((u - 6, v), (u + 6, v));
            segment((u, v - 6), (u, v + 6));
        }
        if s.line {
            for run in s.points.split(|p| !p.1.is_finite()) {
                for w in run.windows(2) {
                    segment(px(w[0].0, w[0].1), px(w[1].0, w[1].1));
                }
            }
        }
        for &(x, lo, hi) in s.error_bars.iter().chain(&s.band) {
            segment(px(x, lo), px(x, hi));
        }
        for w in s.band.windows(2) {
            // The band's area, by vertical strips between its samples.
            let (a, b) = (px(w[0].0, w[0].1), px(w[1].0, w[1].1));
            let strips = ((b.0 - a.0).abs() / 6).max(1);
            for k in 0..=strips {
                let t = f64::from(k) / f64::from(strips);
                let x = w[0].0 + (w[1].0 - w[0].0) * t;
                let lo = w[0].1 + (w[1].1 - w[0].1) * t;
                let hi = w[0].2 + (w[1].2 - w[0].2) * t;
                segment(px(x, lo), px(x, hi));
            }
        }
    }
    out
}

/// The legend box's size in pixels, as plotters lays it out.
fn legend_size(names: &[&str]) -> Result<(i32, i32), String> {
    let mut text = MultiLineText::<_, &str>::new((0, 0), (FONT, LEGEND_FONT));
    for n in names {
        text.push_line(*n);
    }
    let (w, h) = text.estimate_dimension().map_err(|e| e.to_string())?;
    let margin = LEGEND_MARGIN as i32;
    Ok((w + LEGEND_AREA as i32 + 2 * margin, h + 2 * margin))
}

/// The first place inside the plot (`width` × `height` pixels) where the legend covers no
/// data pixel, with a few pixels of clearance: the four corners, then the middles of the
/// edges.
fn free_place(
    names: &[&str],
    (width, height): (u32, u32),
    occupied: &[(i32, i32)],
) -> Result<Option<(i32, i32)>, String> {
    let (w, h) = legend_size(names)?;
    let (aw, ah) = (width as i32, height as i32);
    let (left, centre, right) = (5, (aw - w) / 2, aw - w - 5);
    let (top, middle, bottom) = (5, (ah - h) / 2, ah - h - 5);
    let places = [
        (left, top),
        (right, top),
        (right, bottom),
        (left, bottom),
        (centre, top),
        (centre, bottom),
        (left, middle),
        (right, middle),
    ];
    let free = |&&(x, y): &&(i32, i32)| {
        let (x0, y0, x1, y1) = (x - 3, y - 3, x + w + 3, y + h + 3);
        x >= 0
            && y >= 0
            && !occupied
                .iter()
                .any(|p| (x0..=x1).contains(&p.0) && (y0..=y1).contains(&p.1))
    };
    Ok(places.iter().find(free).copied())
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

    #[test]
    fn a_gap_breaks_the_line_into_two_paths() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("gap.svg");
        let line = |points: Vec<(f64, f64)>| Chart {
            series: vec![Series {
                name: "s".into(),
                points,
                line: true,
                ..Series::default()
            }],
            ..Chart::default()
        };
        let paths = |chart: &Chart| {
            draw(chart, &path).unwrap();
            let svg = std::fs::read_to_string(&path).unwrap();
            svg.lines()
                .filter(|l| l.starts_with("<polyline") && l.contains("stroke=\"#0072B2\""))
                .filter(|l| l.contains("stroke-width=\"2\""))
                .count()
        };
        // The legend's sample line is one more path of the series' colour.
        let whole = line(vec![(0.0, 1.0), (1.0, 2.0), (2.0, 2.0), (3.0, 1.0)]);
        assert_eq!(paths(&whole), 1 + 1);
        let gap = line(vec![
            (0.0, 1.0),
            (1.0, 2.0),
            (2.0, f64::NAN),
            (3.0, 1.0),
            (4.0, 2.0),
        ]);
        assert_eq!(paths(&gap), 2 + 1);
    }
}
