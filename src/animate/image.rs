//! The animated PNG of an animation: the same frames as the HTML player (every one, or every
//! `step`th to keep the file small), drawn with plotters into RGB buffers.

use super::{Data, HOP_COLOURS};
use crate::error::{Error, Result};
use plotters::prelude::*;
use std::path::Path;

/// The APNG shows every this many frames of the player by default (a third of the file
/// size, at the same playing time).
pub const APNG_FRAME_STEP: usize = 3;

/// Pixels of one side of the drawing; a band of `BAND` pixels above it holds the counters.
const SIDE: u32 = 480;
const BAND: u32 = 40;

fn hex(c: &str) -> RGBColor {
    let v = u32::from_str_radix(c.trim_start_matches('#'), 16).expect("a #rrggbb colour");
    RGBColor((v >> 16) as u8, (v >> 8) as u8, v as u8)
}

/// Writes the APNG of an animation: every `step`th frame of the player and its last, each
/// shown `step`/45 s, so any step plays in the same time.
pub(super) fn write_apng(path: &Path, data: &Data<'_>, step: usize) -> Result<()> {
    let (nodes, edges, ring, source, timeline) = (
        &data.nodes,
        &data.edges,
        data.ring,
        data.source,
        data.timeline,
    );
    crate::plot::register_font();
    let fail =
        |e: String| Error::Runtime(format!("{}: cannot write the APNG: {e}", path.display()));
    let px = |x: f64| (x / 1000.0 * f64::from(SIDE - 20) + 10.0) as i32;
    let at: std::collections::BTreeMap<u64, usize> =
        nodes.iter().enumerate().map(|(i, n)| (n.0, i)).collect();
    let lit: std::collections::BTreeMap<u64, (u32, u32)> =
        timeline.lit.iter().map(|&(v, f, h)| (v, (f, h))).collect();
    let radius =
        (180.0 / (nodes.len().max(1) as f64).sqrt()).clamp(3.0, 9.0) * f64::from(SIDE) / 1000.0;
    let radius = radius.max(2.0) as i32;
    let chosen: Vec<usize> = (0..timeline.frames.len())
        .step_by(step.max(1))
        .chain(std::iter::once(timeline.frames.len() - 1))
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let (w, h) = (SIDE, SIDE + BAND);
    let file = std::fs::File::create(path).map_err(|e| fail(e.to_string()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w, h);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Best);
    encoder
        .set_animated(chosen.len() as u32, 0)
        .map_err(|e| fail(e.to_string()))?;
    encoder
        .set_frame_delay(step.clamp(1, 45) as u16, 45)
        .map_err(|e| fail(e.to_string()))?;
    let mut writer = encoder.write_header().map_err(|e| fail(e.to_string()))?;
    let mut buf = vec![0u8; (w * h * 3) as usize];
    for (k, &f) in chosen.iter().enumerate() {
        let frame = &timeline.frames[f];
        {
            let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
            root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
            let draw = |r: std::result::Result<(), DrawingAreaErrorKind<_>>| {
                r.map_err(|e| fail(e.to_string()))
            };
            let y0 = BAND as i32;
            if ring {
                draw(root.draw(&Circle::new(
                    (px(500.0), y0 + px(500.0)),
                    (0.47 * f64::from(SIDE - 20)) as i32,
                    ShapeStyle::from(&RGBColor(204, 204, 204)).stroke_width(2),
                )))?;
            }
            if let Some(t) = timeline.horizon.filter(|&t| t < data.hop_circles && !ring) {
                let r = (f64::from(t) + 0.5) * data.hop_unit / 1000.0 * f64::from(SIDE - 20);
                draw(root.draw(&Circle::new(
                    (px(500.0), y0 + px(500.0)),
                    r as i32,
                    ShapeStyle::from(&RGBColor(214, 39, 40)).stroke_width(2),
                )))?;
            }
            for &(a, b) in edges.iter() {
                let (a, b) = (&nodes[a as usize], &nodes[b as usize]);
                draw(root.draw(&PathElement::new(
                    vec![(px(a.1), y0 + px(a.2)), (px(b.1), y0 + px(b.2))],
                    RGBColor(208, 208, 208),
                )))?;
            }
            for n in nodes.iter() {
                let centre = (px(n.1), y0 + px(n.2));
                let beyond = timeline
                    .horizon
                    .is_some_and(|t| !ring && (n.3 < 0 || n.3 > i64::from(t)));
                let colour = match lit.get(&n.0) {
                    _ if n.0 == source => BLACK,
                    Some(&(lf, hop)) if lf as usize <= f => {
                        hex(HOP_COLOURS[(hop.max(1) as usize - 1) % HOP_COLOURS.len()])
                    }
                    _ if beyond => WHITE,
                    _ => RGBColor(228, 228, 228),
                };
                draw(root.draw(&Circle::new(centre, radius, colour.filled())))?;
                if beyond {
                    draw(root.draw(&Circle::new(centre, radius, RGBColor(187, 187, 187))))?;
                }
                if n.0 == source {
                    draw(root.draw(&Circle::new(centre, radius * 2, BLACK.stroke_width(2))))?;
                }
            }
            let recent = timeline.frames[f.saturating_sub(3)..=f]
                .iter()
                .flat_map(|x| &x.flashes);
            for v in recent {
                if let Some(&i) = at.get(v) {
                    let centre = (px(nodes[i].1), y0 + px(nodes[i].2));
                    draw(root.draw(&Circle::new(
                        centre,
                        radius + 2,
                        RGBColor(255, 0, 170).stroke_width(3),
                    )))?;
                }
            }
            for &(i, p) in &frame.flying {
                let m = &timeline.flights[i as usize];
                let (Some(&a), Some(&b)) = (at.get(&m.from), at.get(&m.to)) else {
                    continue;
                };
                let q = f64::from(p) / 1000.0;
                let x = nodes[a].1 + (nodes[b].1 - nodes[a].1) * q;
                let y = nodes[a].2 + (nodes[b].2 - nodes[a].2) * q;
                if m.kind == "hit" {
                    // A ring, as in the player.
                    draw(root.draw(&Circle::new(
                        (px(x), y0 + px(y)),
                        4,
                        RGBColor(17, 17, 17).stroke_width(2),
                    )))?;
                    continue;
                }
                let (colour, r) = match m.kind {
                    "walker-step" => (RGBColor(148, 103, 189), 5),
                    "lookup" => (RGBColor(31, 119, 180), 4),
                    "reply" => (RGBColor(23, 190, 207), 3),
                    _ => (RGBColor(51, 51, 51), 2),
                };
                draw(root.draw(&Circle::new((px(x), y0 + px(y)), r, colour.filled())))?;
            }
            let text = format!(
                "t = {:.1} ms   messages {}   reached {}   duplicates {}",
                frame.t as f64 / 1000.0,
                frame.messages,
                frame.reached,
                frame.duplicates
            );
            let font = (crate::plot::FONT, 18).into_font().color(&BLACK);
            draw(root.draw(&Text::new(text, (10, 12), font)))?;
            root.present().map_err(|e| fail(e.to_string()))?;
        }
        if k + 1 == chosen.len() {
            // Hold the final frame for two seconds.
            writer
                .set_frame_delay(2, 1)
                .map_err(|e| fail(e.to_string()))?;
        }
        writer
            .write_image_data(&buf)
            .map_err(|e| fail(e.to_string()))?;
    }
    writer.finish().map_err(|e| fail(e.to_string()))
}
