//! `trace.csv` (`floodsim run --trace`): one row per message event of the traced queries;
//! variants in scenario order, then the events of each in the order the simulation handled
//! them. See [`crate::metrics::trace`] for what the rows mean.

use crate::metrics::ReplicaResult;
use crate::metrics::trace::TraceEvent;
use crate::time::format_micros_as_ms;
use std::io::{Result, Write};

/// The header, in contract order.
pub const HEADER: &str = "variant,replica,query,time_ms,kind,from,to,ttl,hops,arrives_ms";

/// Writes the traces of every variant of every replica (only the traced replica has rows).
pub fn write(w: &mut dyn Write, names: &[String], replicas: &[ReplicaResult]) -> Result<()> {
    writeln!(w, "{HEADER}")?;
    for (v, name) in names.iter().enumerate() {
        for r in replicas {
            for e in &r.runs[v].trace {
                write_row(w, name, r.replica, e)?;
            }
        }
    }
    Ok(())
}

/// One row; absent TTL, hops and arrival are empty cells.
fn write_row(w: &mut dyn Write, name: &str, replica: u32, e: &TraceEvent) -> Result<()> {
    let opt = |x: Option<u32>| x.map_or(String::new(), |x| x.to_string());
    writeln!(
        w,
        "{name},{replica},{},{},{},{},{},{},{},{}",
        e.query,
        format_micros_as_ms(e.time.micros()),
        e.kind.name(),
        e.from,
        e.to,
        opt(e.ttl),
        opt(e.hops),
        e.arrives
            .map_or(String::new(), |t| format_micros_as_ms(t.micros())),
    )
}
