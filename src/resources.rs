//! Memory: the up-front estimate that refuses oversized scenarios, and the measured peak.

use crate::error::{Error, InputError};
use crate::scenario::{Replication, Search, Topology, Validated};
use std::mem::size_of;

/// Bytes per queued event of the flooding protocol (packed key, event, heap slack).
const EVENT_BYTES: u64 = 48;
/// How many queries' flooding slots are assumed live at once.
const CONCURRENT_SLOTS: u64 = 2;

/// An estimate of a run's peak memory, itemised by the scenario part that drives each item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Estimate {
    /// (scenario field that drives it, bytes), for every world in memory at once plus results.
    pub parts: Vec<(&'static str, u64)>,
    /// Total bytes.
    pub total: u64,
    /// Undirected edges expected in one world.
    pub edges: u64,
}

impl Estimate {
    /// The item that needs the most memory.
    pub fn largest_part(&self) -> (&'static str, u64) {
        self.parts
            .iter()
            .copied()
            .max_by_key(|&(_, b)| b)
            .unwrap_or(("network.nodes", 0))
    }
}

/// Estimates the peak memory of a run with `threads` worlds in memory at once.
pub fn estimate(v: &Validated, threads: usize) -> Estimate {
    let s = &v.scenario;
    let n = u64::from(v.nodes.unwrap_or(0));
    // (undirected edges, generator scratch beyond the edge list) per topology kind.
    let (nodes, edges, extra) = match s.network.topology {
        Topology::RandomRegular { degree } => (n, n * u64::from(degree) / 2, 0),
        Topology::ErdosRenyi { mean_degree } => (n, (n as f64 * mean_degree / 2.0) as u64, 0),
        Topology::BarabasiAlbert { m } => (n, u64::from(m) * n, 8 * u64::from(m) * n),
        Topology::WattsStrogatz { degree, .. } => {
            (n, n * u64::from(degree) / 2, 24 * n * u64::from(degree))
        }
        Topology::PowerLaw { mean_degree, .. } => (
            n,
            (n as f64 * mean_degree / 2.0) as u64,
            8 * n + (8.0 * n as f64 * mean_degree) as u64,
        ),
        Topology::Grid { .. } => (n, 2 * n, 0),
        Topology::TwoTier {
            ultrapeer_fraction,
            ultrapeer_degree,
            leaf_links,
        } => {
            let u = (ultrapeer_fraction * n as f64) as u64;
            (
                n,
                u * u64::from(ultrapeer_degree) / 2 + (n - u.min(n)) * u64::from(leaf_links),
                8 * u * u64::from(ultrapeer_degree),
            )
        }
        Topology::File { .. } => {
            // Edge lists hold about 10 bytes per edge (gzip about 3.5 times less), and the
            // loader keeps the raw pairs and the labels while building.
            let path = v.topology_file.as_deref().expect("validated");
            let len = std::fs::metadata(path).map_or(0, |m| m.len());
            let gz = path.extension().is_some_and(|e| e == "gz");
            let e = if gz { len * 35 / 100 } else { len / 10 };
            (2 * e, e, 48 * e)
        }
    };
    // Edge list + CSR construction arrays, plus the kind's own scratch.
    let build_scratch = 8 * edges + 8 * nodes + extra;
    let graph = 4 * (nodes + 1) + 8 * edges;
    let catalogue_copies = match s.content.replication {
        Replication::Uniform { copies } => f64::from(copies),
        Replication::Proportional { mean_copies } | Replication::SquareRoot { mean_copies } => {
            mean_copies
        }
    };
    let rare = s
        .content
        .rare
        .as_ref()
        .map_or(0, |r| u64::from(r.objects) * u64::from(r.copies));
    let objects = u64::from(s.content.objects);
    let content = 24 * objects + (4.0 * objects as f64 * catalogue_copies) as u64 + 4 * rare;
    let queries = u64::from(s.workload.queries);
    let workload = 16 * queries;
    let per_variant: u64 = s
        .variants
        .iter()
        .map(|var| {
            let record = queries * size_of::<crate::metrics::QueryRecord>() as u64 + 4 * nodes;
            record
                + match &var.search {
                    Search::Flooding { .. } | Search::UltrapeerFlooding { .. } => {
                        CONCURRENT_SLOTS * 8 * nodes + EVENT_BYTES * 2 * edges
                    }
                    Search::ExpandingRing { ttls, .. } => {
                        CONCURRENT_SLOTS * (8 * ttls.len() as u64 + 4) * nodes
                            + EVENT_BYTES * 2 * edges
                    }
                    Search::RandomWalk { walkers, ttl, .. }
                    | Search::DegreeBiasedWalk { walkers, ttl, .. } => {
                        // Visited sets of the queries in flight: up to walkers × ttl nodes each,
                        // with one query per second in flight per ten steps as a rough bound.
                        let per_query = 16 * u64::from(*walkers) * u64::from(*ttl).min(nodes);
                        let concurrent = (s.workload.rate_per_s * f64::from(*ttl) / 10.0)
                            .ceil()
                            .max(1.0) as u64;
                        per_query * concurrent.min(queries)
                            + EVENT_BYTES * u64::from(*walkers) * concurrent.min(queries)
                    }
                }
        })
        .max()
        .unwrap_or(0);
    let record =
        (size_of::<crate::metrics::QueryRecord>() + size_of::<crate::metrics::QueryInfo>()) as u64;
    let results = record * queries * s.variants.len() as u64 * u64::from(s.replications);
    let parallel = threads.clamp(1, s.replications.max(1) as usize) as u64;
    let parts = vec![
        (
            "network.nodes",
            parallel * (graph + build_scratch + per_variant),
        ),
        ("content", parallel * content),
        ("workload.queries", parallel * workload),
        ("replications", results),
    ];
    Estimate {
        total: parts.iter().map(|p| p.1).sum(),
        parts,
        edges,
    }
}

/// Refuses a run whose estimate exceeds the memory this machine has available, or whose
/// graph is too large for 32-bit adjacency offsets.
pub fn refuse_if_too_big(v: &Validated, estimate: &Estimate) -> Result<(), Error> {
    if estimate.edges * 2 >= u64::from(u32::MAX) {
        return Err(InputError::new(format!(
            "about {} edges exceed floodsim's limit of 2^31 edges per overlay",
            estimate.edges
        ))
        .in_file(&v.file)
        .at("network")
        .fix("use fewer nodes or a lower degree")
        .into());
    }
    if let Some(available) = available_memory_bytes()
        && estimate.total > available
    {
        let (field, bytes) = estimate.largest_part();
        return Err(InputError::new(format!(
            "this scenario needs about {} of memory ({} of it for {field}) but only {} is available",
            human_bytes(estimate.total),
            human_bytes(bytes),
            human_bytes(available)
        ))
        .in_file(&v.file)
        .at(field)
        .fix(format!("make {field} smaller, or run with fewer --jobs"))
        .into());
    }
    Ok(())
}

/// Memory available to new allocations (Linux `MemAvailable`), if known.
pub fn available_memory_bytes() -> Option<u64> {
    meminfo_kib("/proc/meminfo", "MemAvailable:").map(|k| k * 1024)
}

/// This process's peak resident set size (Linux `VmHWM`), if known.
pub fn peak_rss_bytes() -> Option<u64> {
    meminfo_kib("/proc/self/status", "VmHWM:").map(|k| k * 1024)
}

fn meminfo_kib(file: &str, key: &str) -> Option<u64> {
    let text = std::fs::read_to_string(file).ok()?;
    let line = text.lines().find(|l| l.starts_with(key))?;
    line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// `1536` -> `1.5 KiB`.
pub fn human_bytes(bytes: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_scales() {
        assert_eq!(human_bytes(512), "512 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(3 << 30), "3.0 GiB");
    }

    #[test]
    fn this_machine_reports_memory() {
        if cfg!(target_os = "linux") {
            assert!(available_memory_bytes().unwrap() > 1 << 20);
            assert!(peak_rss_bytes().unwrap() > 1 << 10);
        }
    }
}
