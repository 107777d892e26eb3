//! `timeseries.csv`: per variant, replica and time window.

use super::csv_opt;
use crate::metrics::TimeseriesRow;
use std::io::{Result, Write};

/// The header, in contract order.
pub const HEADER: &str = "variant,replica,window_start_s,online_nodes,mean_degree,queries,success_rate,messages,maintenance_messages,hits_lost";

/// Writes the rows as given; `success_rate` is empty for windows without queries.
pub fn write(w: &mut dyn Write, names: &[String], rows: &[TimeseriesRow]) -> Result<()> {
    writeln!(w, "{HEADER}")?;
    for r in rows {
        writeln!(
            w,
            "{},{},{},{},{},{},{},{},{},{}",
            names[r.variant],
            r.replica,
            r.window_start_s,
            r.online_nodes,
            r.mean_degree,
            r.queries,
            csv_opt(r.success_rate),
            r.messages,
            r.maintenance_messages,
            r.hits_lost
        )?;
    }
    Ok(())
}
