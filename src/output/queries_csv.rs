//! `queries.csv`: one row per (variant, replica, query).

use crate::metrics::ReplicaResult;
use crate::time::format_micros_as_ms;
use std::io::{Result, Write};

/// The header, in contract order.
pub const HEADER: &str = "variant,replica,query,issued_ms,source,object,replicas_online,success,hits,first_hit_hops,first_hit_ms,messages,response_messages,duplicates,nodes_reached,hits_lost,rpc_timeouts";

/// Writes every query of every variant and replica; variants in scenario order, then replicas,
/// then queries in issue order. `success` is 1 or 0; cells of an absent hit are empty.
pub fn write(w: &mut dyn Write, names: &[String], replicas: &[ReplicaResult]) -> Result<()> {
    writeln!(w, "{HEADER}")?;
    for (v, name) in names.iter().enumerate() {
        for r in replicas {
            for (q, (info, rec)) in r.queries.iter().zip(&r.runs[v].records).enumerate() {
                writeln!(
                    w,
                    "{name},{},{q},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                    r.replica,
                    format_micros_as_ms(info.issued_us),
                    info.source,
                    info.object,
                    info.replicas_online,
                    u8::from(rec.success()),
                    rec.hits,
                    rec.first_hit_hops.map_or(String::new(), |h| h.to_string()),
                    rec.first_hit
                        .map_or(String::new(), |d| format_micros_as_ms(d.micros())),
                    rec.messages,
                    rec.response_messages,
                    rec.duplicates,
                    rec.nodes_reached,
                    rec.hits_lost,
                    rec.rpc_timeouts,
                )?;
            }
        }
    }
    Ok(())
}
