//! `timeseries.csv`: per variant, replica and time window.

use super::csv_opt;
use crate::metrics::TimeseriesRow;
use std::io::{Result, Write};

/// The header, in contract order.
pub const HEADER: &str = "variant,replica,window_start_s,online_nodes,mean_degree,queries,success_rate,messages,maintenance_messages,hits_lost";

/// The columns added under a capacity model: messages waiting at a node as seen by the
/// messages that arrived in the window, mean and largest.
pub const CAPACITY_COLUMNS: &str = "mean_queue,max_queue";

/// Writes the rows as given; `success_rate` is empty for windows without queries, `mean_queue`
/// for windows without arrivals. The queue columns are written under a capacity model only.
pub fn write(
    w: &mut dyn Write,
    names: &[String],
    rows: &[TimeseriesRow],
    capacity: bool,
) -> Result<()> {
    if capacity {
        writeln!(w, "{HEADER},{CAPACITY_COLUMNS}")?;
    } else {
        writeln!(w, "{HEADER}")?;
    }
    for r in rows {
        write!(
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
        if capacity {
            let q = r.queue.unwrap_or_default();
            write!(w, ",{},{}", csv_opt(q.mean()), q.waiting_max)?;
        }
        writeln!(w)?;
    }
    Ok(())
}
