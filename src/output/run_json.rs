//! `run.json`: how the run went on this machine (wall-clock figures; not deterministic).

use serde::Serialize;
use std::io::{Result, Write};

/// Timing and resource figures of one `floodsim run`.
#[derive(Clone, Debug, Serialize)]
pub struct RunInfo {
    /// floodsim version.
    pub floodsim_version: String,
    /// The scenario file.
    pub scenario_file: String,
    /// Master seed.
    pub seed: u64,
    /// Wall-clock seconds from start to finished result.
    pub wall_seconds: f64,
    /// Seconds spent building worlds, summed over replicas (may exceed wall time in parallel).
    pub build_seconds: f64,
    /// Seconds spent simulating, summed over runs (may exceed wall time in parallel).
    pub simulate_seconds: f64,
    /// Events processed over all runs.
    pub events: u64,
    /// `events / simulate_seconds`: one thread's engine throughput.
    pub events_per_second: f64,
    /// Peak resident memory of the process (null where the OS does not tell).
    pub peak_rss_bytes: Option<u64>,
    /// The memory estimate made before the run.
    pub estimated_peak_bytes: u64,
    /// Worker threads.
    pub threads: usize,
}

/// Writes the run information as pretty-printed JSON.
pub fn write(w: &mut dyn Write, info: &RunInfo) -> Result<()> {
    serde_json::to_writer_pretty(&mut *w, info)?;
    writeln!(w)
}
