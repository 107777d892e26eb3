//! `summary.json`: the resolved scenario and the per-variant figures.

use crate::metrics::Summary;
use crate::scenario::Scenario;
use serde::Serialize;
use std::io::{Result, Write};

/// Version of the `summary.json` layout.
pub const SUMMARY_SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
struct Document<'a> {
    schema_version: u32,
    floodsim_version: &'a str,
    seed: u64,
    scenario: &'a Scenario,
    #[serde(flatten)]
    summary: &'a Summary,
}

/// Writes the summary as pretty-printed JSON with a final newline.
pub fn write(w: &mut dyn Write, scenario: &Scenario, summary: &Summary) -> Result<()> {
    let doc = Document {
        schema_version: SUMMARY_SCHEMA_VERSION,
        floodsim_version: env!("CARGO_PKG_VERSION"),
        seed: scenario.seed,
        scenario,
        summary,
    };
    serde_json::to_writer_pretty(&mut *w, &doc)?;
    writeln!(w)
}
