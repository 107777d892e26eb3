//! `queries.csv`: one row per (variant, replica, query); the columns after
//! `variant,replica,query` are the catalogue's [`query_columns`] (`dropped` last, under a
//! capacity model only).

use crate::metrics::ReplicaResult;
use crate::metrics::catalogue::{Cell, query_columns};
use crate::time::push_micros_as_ms;
use std::io::{Result, Write};

/// The header, in contract order.
pub fn header(capacity: bool) -> String {
    let columns: Vec<&str> = query_columns(capacity).map(|c| c.name).collect();
    format!("variant,replica,query,{}", columns.join(","))
}

/// Writes every query of every variant and replica; variants in scenario order, then replicas,
/// then queries in issue order. `success` is 1 or 0; cells of an absent hit are empty.
pub fn write(
    w: &mut dyn Write,
    names: &[String],
    replicas: &[ReplicaResult],
    capacity: bool,
) -> Result<()> {
    writeln!(w, "{}", header(capacity))?;
    for (v, name) in names.iter().enumerate() {
        for r in replicas {
            write_rows(w, name, r, v, capacity)?;
        }
    }
    Ok(())
}

/// Writes the rows (no header) of run `run` of replica `r`, labelled variant `name`: the
/// queries in issue order. A sweep that keeps its points' `queries.csv` assembles them from
/// these, so its files equal `floodsim run`'s.
pub fn write_rows(
    w: &mut dyn Write,
    name: &str,
    r: &ReplicaResult,
    run: usize,
    capacity: bool,
) -> Result<()> {
    // A row is built in one reused buffer and written at once: formatting through `write!`
    // cell by cell cost more than simulating on runs of millions of short queries.
    let mut row = Vec::with_capacity(256);
    let mut number = itoa::Buffer::new();
    for (q, (info, rec)) in r.queries.iter().zip(&r.runs[run].records).enumerate() {
        row.clear();
        row.extend_from_slice(name.as_bytes());
        for n in [u64::from(r.replica), q as u64] {
            row.push(b',');
            row.extend_from_slice(number.format(n).as_bytes());
        }
        for column in query_columns(capacity) {
            row.push(b',');
            match (column.cell)(info, rec) {
                Cell::Count(n) => row.extend_from_slice(number.format(n).as_bytes()),
                Cell::Duration(d) => push_micros_as_ms(&mut row, d.micros()),
                Cell::Empty => {}
            }
        }
        row.push(b'\n');
        w.write_all(&row)?;
    }
    Ok(())
}
