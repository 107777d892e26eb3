//! Charts with plotters. Plots read results or graphs; they never run a simulation.
//!
//! Text is measured (SVG, PNG) and drawn (PNG) with DejaVu Sans, bundled in the crate
//! (`assets/fonts`), so the same data give byte-identical images on every machine and no
//! system font is ever looked up; SVG files embed the glyphs they use (`svg_font`), so viewers
//! draw them in that font too.

pub mod chart;
mod degree;
pub mod nodes;
mod results;
mod svg_font;

pub use degree::degree_distribution;
pub use results::{DEFAULT_SWEEP_METRICS, Formats, Plotted, SweepChoice, plot_results};

use crate::error::{Error, InputError};
use std::path::Path;
use std::sync::Once;

/// The family name under which the bundled font is registered with plotters.
pub const FONT: &str = "sans-serif";

/// Chart size in pixels (readable at a single column's width when scaled down).
pub const SIZE: (u32, u32) = (960, 640);

/// Colour-blind-safe palette (Okabe & Ito 2008), in the order series are drawn.
pub const PALETTE: [(u8, u8, u8); 8] = [
    (0, 114, 178),
    (230, 159, 0),
    (0, 158, 115),
    (204, 121, 167),
    (86, 180, 233),
    (213, 94, 0),
    (240, 228, 66),
    (0, 0, 0),
];

/// Image formats the plots are written in.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ImageFormat {
    /// Scalable vector graphics.
    Svg,
    /// Portable network graphics.
    Png,
}

impl ImageFormat {
    /// The format named by a file's extension.
    pub fn from_path(path: &Path) -> Result<ImageFormat, Error> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("svg") => Ok(ImageFormat::Svg),
            Some("png") => Ok(ImageFormat::Png),
            _ => Err(InputError::new(format!(
                "cannot tell the image format of {}",
                path.display()
            ))
            .fix("end the file name in .svg or .png")
            .into()),
        }
    }
}

static REGISTER_FONT: Once = Once::new();

/// Registers the bundled font with plotters' text renderer (once per process).
pub fn register_font() {
    REGISTER_FONT.call_once(|| {
        let font = svg_font::TTF;
        if plotters::style::register_font(FONT, plotters::style::FontStyle::Normal, font).is_err() {
            unreachable!("the bundled DejaVu Sans font is valid");
        }
    });
}

/// Maps a plotters drawing error to a runtime error naming the file.
pub(crate) fn draw_error(path: &Path, e: impl std::fmt::Display) -> Error {
    Error::Runtime(format!("{}: could not draw the chart: {e}", path.display()))
}
