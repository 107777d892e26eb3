//! Memory: the up-front estimate that refuses oversized scenarios, and the measured peak.

use crate::error::{Error, InputError};
use crate::input::human_bytes;
use crate::scenario::{Topology, Validated};
use crate::search::Sizing;
use std::mem::size_of;

/// Bytes of one queued message event out of order, in the heap (packed key plus a small
/// event; checked in a test).
pub const EVENT_BYTES: u64 = 32;
/// Bytes of one queued message event in order, in the FIFO (the bare event; its key is shared
/// by its run; checked in a test).
pub const IN_ORDER_EVENT_BYTES: u64 = 16;
/// Queue buffers grow by doubling, so on average they hold 1.5 × what is queued.
const QUEUE_SLACK: f64 = 1.5;
/// Resident memory of the program itself before any world is built.
const BASE_BYTES: u64 = 8 << 20;

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

/// (nodes, undirected edges, build-phase bytes beyond the final graph) of one world.
fn shape(v: &Validated) -> (u64, u64, u64) {
    let n = u64::from(v.nodes.unwrap_or(0));
    match v.scenario.network.topology {
        Topology::RandomRegular { degree } => {
            let e = n * u64::from(degree) / 2;
            (n, e, 8 * e + 4 * n)
        }
        Topology::ErdosRenyi { mean_degree } => {
            let e = (n as f64 * mean_degree / 2.0) as u64;
            (n, e, 8 * e + 8 * n)
        }
        Topology::BarabasiAlbert { m } => {
            let e = u64::from(m) * n;
            (n, e, 24 * e + 8 * n)
        }
        Topology::WattsStrogatz { degree, .. } => {
            let e = n * u64::from(degree) / 2;
            (n, e, 40 * e + 12 * n)
        }
        Topology::PowerLaw { mean_degree, .. } => {
            let e = (n as f64 * mean_degree / 2.0) as u64;
            (n, e, 24 * e + 12 * n)
        }
        Topology::Grid { .. } => (n, 2 * n, 16 * n + 8 * n),
        Topology::TwoTier {
            ultrapeer_fraction,
            ultrapeer_degree,
            leaf_links,
        } => {
            let u = (ultrapeer_fraction * n as f64) as u64;
            let e = u * u64::from(ultrapeer_degree) / 2 + (n - u.min(n)) * u64::from(leaf_links);
            (n, e, 16 * e + 8 * n)
        }
        Topology::File { .. } => {
            // Edge lists hold about 10 bytes per edge (gzip about 3.5 times less); the loader
            // keeps the raw pairs (16 B/edge), every end's label before de-duplication
            // (16 B/edge), the remapped edges (8 B/edge) and the graph while building.
            let path = v.topology_file.as_deref().expect("validated");
            let len = std::fs::metadata(path).map_or(0, |m| m.len());
            let gz = path.extension().is_some_and(|e| e == "gz");
            let e = if gz { len * 35 / 100 } else { len / 10 };
            (2 * e, e, 64 * e)
        }
    }
}

/// Estimates the peak memory of a run with `threads` worlds in memory at once.
///
/// A world's peak is the larger of its build phase (the generator's arrays while the compact
/// graph is assembled) and its simulation phase (the graph, plus per running variant its node
/// loads, query records, protocol state and the messages in flight). Messages in flight are
/// bounded by the largest flood level, d·(d−1)^(ttl−1) for mean degree d, and by 2E. Replicas
/// run `threads` at a time; the records of every run are kept until the end.
pub fn estimate(v: &Validated, threads: usize) -> Estimate {
    let s = &v.scenario;
    let (nodes, edges, build_extra) = shape(v);
    let graph = 4 * (nodes + 1)
        + 8 * edges
        + if v.scenario.network.largest_component {
            8 * edges
        } else {
            0
        };
    let build = graph + build_extra;
    let sizing = sizing_of(v, nodes, edges);
    let rare = s
        .content
        .rare
        .as_ref()
        .map_or(0, |r| u64::from(r.objects) * u64::from(r.copies));
    let objects = u64::from(s.content.objects);
    // Free riders are placed through (object, node) pairs, 8 bytes a copy, before the holders.
    let per_copy = match s.content.replication {
        crate::content::Replication::FreeRiders { .. } => 12.0,
        _ => 4.0,
    };
    let content =
        24 * objects + (per_copy * objects as f64 * sizing.copies_per_object) as u64 + 4 * rare;
    let queries = u64::from(s.workload.queries);
    let workload = 16 * queries;
    let record =
        (size_of::<crate::metrics::QueryRecord>() + size_of::<crate::metrics::QueryInfo>()) as u64;
    let per_variant: Vec<u64> = s
        .variants
        .iter()
        .map(|var| {
            let kind = var.search.kind();
            queries * record
                + 4 * nodes
                + kind.memory(&sizing)
                + latency_bytes(s, nodes)
                + queue_bytes(v, nodes, queries as f64 * kind.messages_per_query(&sizing))
        })
        .collect();
    // At most `threads` variant runs are alive at once, over all replicas (rayon runs the
    // replicas' variants on one pool); each holds its protocol state and, under churn, a live
    // overlay and a builder drawing the plan again.
    let running_variants = threads.clamp(1, s.variants.len() * s.replications.max(1) as usize);
    let mut sorted = per_variant.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    let churn = churn_bytes(v, nodes, sizing.mean_degree);
    // The largest variants, each possibly running in several replicas at once.
    let replicas = s.replications.max(1) as usize;
    let running: u64 = sorted
        .iter()
        .flat_map(|bytes| std::iter::repeat_n(bytes, replicas))
        .take(running_variants)
        .map(|bytes| bytes + churn.live + churn.builder)
        .sum();
    // A replica's world is either being built (its peak: generating the graph, or drawing
    // the plan with one builder) or alive while variants run on it. With `parallel` worlds
    // at once, the worst is all being built, or all but one being built while the rest of
    // the memory goes to running variants.
    let alive = graph + content + workload + churn.trace;
    let building = build.max(alive + churn.builder);
    let parallel = threads.clamp(1, s.replications.max(1) as usize) as u64;
    let worlds = (parallel * building).max((parallel - 1) * building + alive + running);
    let search = search_bytes(&sorted, replicas, running_variants);
    // The search state is its own item when the running phase is the peak.
    let search = if worlds > parallel * building {
        search
    } else {
        0
    };
    let results = record * queries * s.variants.len() as u64 * u64::from(s.replications);
    let parts = vec![
        (
            "network.nodes",
            worlds.saturating_sub(parallel * (content + workload) + search) + BASE_BYTES,
        ),
        ("variant", search),
        ("content", parallel * content),
        ("workload.queries", parallel * workload),
        ("replications", results),
        ("output.timeseries_window_s", timeseries_bytes(v)),
        ("output.nodes", nodes_bytes(v, nodes)),
        ("network.latency", matrix_bytes(s)),
    ];
    Estimate {
        total: parts.iter().map(|p| p.1).sum(),
        parts,
        edges,
    }
}

/// Bytes of one variant run's node queues under a capacity model: the per-node state, and the
/// messages waiting, at most `queue_limit + 1` per node and never more than the run sends.
fn queue_bytes(v: &Validated, nodes: u64, messages: f64) -> u64 {
    let Some(limit) = v.scenario.network.capacity.queue_limit() else {
        return 0;
    };
    // A held message: receiver, sender and message (24 bytes) plus its 16-byte event.
    const HELD: u64 = 40;
    // The wait and utilisation histograms.
    const STATS: u64 = 120_000;
    let waiting = (u64::from(limit) + 1)
        .saturating_mul(nodes)
        .min(messages.min(u64::MAX as f64) as u64);
    nodes * crate::capacity::bytes_per_node() + waiting.saturating_mul(HELD) + STATS
}

/// The sizes memory and cost estimates of the search kinds depend on.
pub fn sizing(v: &Validated) -> Sizing {
    let (nodes, edges, _) = shape(v);
    sizing_of(v, nodes, edges)
}

/// [`sizing`] for a world of `nodes` nodes and `edges` edges (the shape read once).
fn sizing_of(v: &Validated, nodes: u64, edges: u64) -> Sizing {
    let s = &v.scenario;
    let catalogue_copies = s.content.mean_copies(nodes as f64);
    let objects = u64::from(s.content.objects);
    let rare = s
        .content
        .rare
        .as_ref()
        .map_or(0, |r| u64::from(r.objects) * u64::from(r.copies));
    // Constant latency keeps every message in order, in the FIFO; per-link models store
    // nothing (their latencies are drawn from a hash of the link when used).
    let in_order = matches!(s.network.latency, crate::scenario::Latency::Constant { .. });
    let mean_degree = if nodes == 0 {
        0.0
    } else {
        2.0 * edges as f64 / nodes as f64
    };
    Sizing {
        nodes,
        edges,
        mean_degree,
        copies_per_object: catalogue_copies,
        copies: objects as f64 * catalogue_copies + rare as f64,
        queries: u64::from(s.workload.queries),
        rate_per_s: s.workload.rate_per_s,
        timeout_s: s.workload.timeout_s,
        mean_latency_s: mean_latency_s(&s.network.latency),
        event_bytes: if in_order {
            IN_ORDER_EVENT_BYTES
        } else {
            EVENT_BYTES
        },
        heap_event_bytes: EVENT_BYTES,
        calendar_bytes_per_event: match in_order {
            true => 0.0,
            false => {
                let events = 1 << 20;
                crate::sim::calendar_overhead_bytes::<crate::search::Flooding>(events) as f64
                    / events as f64
            }
        },
        record_bytes: crate::dht::RECORD_BYTES,
        slack: QUEUE_SLACK,
    }
}

/// Bytes of the `timeseries.csv` rows a run keeps until it writes them: a row per window ×
/// variant × replica, in a vector that grows by doubling (so up to twice its rows), plus each
/// run's per-window maintenance counts and, under churn, each replica's overlay windows.
pub fn timeseries_bytes(v: &Validated) -> u64 {
    let s = &v.scenario;
    let duration = f64::from(s.workload.queries) / s.workload.rate_per_s + s.churn.warmup_s();
    let windows = (duration / s.output.timeseries_window_s).floor() + 1.0;
    let runs = s.variants.len() as f64 * f64::from(s.replications);
    let row = size_of::<crate::metrics::TimeseriesRow>() as f64;
    let overlay = if matches!(s.churn, crate::scenario::Churn::None) {
        0.0
    } else {
        f64::from(s.replications) * size_of::<crate::metrics::OverlayWindow>() as f64
    };
    let bytes = windows * (runs * (2.0 * row + 8.0) + overlay);
    if bytes.is_finite() {
        bytes as u64
    } else {
        u64::MAX / 4
    }
}

/// Bytes of the `nodes.csv` rows a run keeps until it writes them (with `output.nodes`): each
/// node's counters per variant and replica, and its facts per replica. The file is written
/// row by row, so its text is never held.
pub fn nodes_bytes(v: &Validated, nodes: u64) -> u64 {
    let s = &v.scenario;
    if !s.output.nodes {
        return 0;
    }
    let replicas = u64::from(s.replications);
    let counters = size_of::<crate::metrics::NodeCounters>() as u64 * s.variants.len() as u64;
    let facts = size_of::<crate::metrics::NodeFacts>() as u64;
    nodes
        .saturating_mul(replicas)
        .saturating_mul(counters + facts)
}

/// The protocol state of the `running` largest variant runs (`sorted` largest first, each in up
/// to `replicas` replicas at once): walkers or messages in flight, visited sets, routing tables.
fn search_bytes(sorted: &[u64], replicas: usize, running: usize) -> u64 {
    sorted
        .iter()
        .flat_map(|bytes| std::iter::repeat_n(bytes, replicas))
        .take(running)
        .sum()
}

/// How to shrink the estimate's largest item `field`.
fn shrink_hint(field: &str) -> String {
    match field {
        "variant" => "lower the largest variant's search settings (walkers, ttl), the query rate \
                      or the link latency (which keep more searches in flight), or run with \
                      fewer --jobs"
            .into(),
        "--keep-queries" => "drop --keep-queries, or sweep fewer queries, variants or \
                             replications per point, or run with fewer --jobs"
            .into(),
        "--trace" => "trace fewer queries (--trace), or use fewer variants".into(),
        "output.nodes" => "turn output.nodes off (or drop --nodes), or use fewer nodes, variants \
                           or replications"
            .into(),
        "output.timeseries_window_s" => {
            "use longer windows (a larger output.timeseries_window_s), or fewer variants or \
             replications"
                .into()
        }
        _ => format!("make {field} smaller, or run with fewer --jobs"),
    }
}

/// Memory churn takes: a plan builder (one while the world is built, and one per running
/// variant replaying the plan), a live overlay per running variant, and a loaded trace. The
/// changes themselves are never stored, so none of it grows with the length of the run.
struct ChurnBytes {
    builder: u64,
    live: u64,
    trace: u64,
}

/// Bytes of one loaded trace transition (time, node, direction).
const TRACE_ROW_BYTES: u64 = 16;

fn churn_bytes(v: &Validated, nodes: u64, mean_degree: f64) -> ChurnBytes {
    use crate::scenario::Churn;
    let trace = match &v.scenario.churn {
        Churn::None => {
            return ChurnBytes {
                builder: 0,
                live: 0,
                trace: 0,
            };
        }
        Churn::Sessions { .. } => 0,
        // A trace row is about 20 bytes of text and two transitions.
        Churn::Trace { .. } => v
            .trace_file
            .as_deref()
            .and_then(|p| std::fs::metadata(p).ok())
            .map_or(0, |m| m.len() / 20 * 2 * TRACE_ROW_BYTES),
    };
    let capacity = v
        .scenario
        .churn
        .repair()
        .map_or(mean_degree, |r| f64::from(r.max_degree).max(mean_degree));
    let live = (nodes as f64 * (4.0 * capacity + 30.0)) as u64;
    // The builder's own overlay, its heap of pending transitions, stale lists and counters.
    let builder = live + nodes * (32 + 24 + 8);
    ChurnBytes {
        builder,
        live,
        trace,
    }
}

/// A rough measure of how long a run of `v` takes (messages expected over all variants plus
/// the graph build), used only to start long runs first; it never affects results.
pub fn expected_work(v: &Validated) -> f64 {
    let sizing = sizing(v);
    let per_query: f64 = v
        .scenario
        .variants
        .iter()
        .map(|var| var.search.kind().messages_per_query(&sizing))
        .sum();
    (sizing.nodes + sizing.edges) as f64 + f64::from(v.scenario.workload.queries) * per_query
}

/// Bytes a variant run's latency model keeps: a per-link model's table of draws, a
/// coordinate model's places of the nodes.
fn latency_bytes(s: &crate::scenario::Scenario, nodes: u64) -> u64 {
    match s.network.latency {
        crate::scenario::Latency::PerLink { .. } => (crate::net::LINK_TABLE * 8) as u64,
        crate::scenario::Latency::Coordinates { .. } => crate::net::PLACE_BYTES * nodes,
        _ => 0,
    }
}

/// Bytes of a `matrix` latency's matrix (one copy, shared by every run).
fn matrix_bytes(s: &crate::scenario::Scenario) -> u64 {
    match &s.network.latency {
        crate::scenario::Latency::Matrix {
            matrix: Some(m), ..
        } => m.bytes(),
        _ => 0,
    }
}

/// Mean link latency in seconds.
fn mean_latency_s(latency: &crate::scenario::Latency) -> f64 {
    use crate::scenario::Latency;
    match *latency {
        Latency::Constant { ms } => ms / 1e3,
        Latency::Uniform { min_ms, max_ms } => (min_ms + max_ms) / 2e3,
        Latency::Lognormal { median_ms, sigma } => median_ms * (sigma * sigma / 2.0).exp() / 1e3,
        Latency::PerLink { ref law, jitter_ms } => mean_latency_s(law) + jitter_ms / 2e3,
        Latency::Matrix { ref matrix, .. } => matrix.as_ref().map_or(0.0, |m| m.mean_ms() / 1e3),
        // About a continent's width between hubs, plus two access delays.
        Latency::Coordinates { ref access, .. } => 0.05 + 2.0 * mean_latency_s(access),
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
        .fix(shrink_hint(field))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queued_message_events_are_as_large_as_the_estimate_assumes() {
        let (in_order, out_of_order) = crate::sim::queued_event_bytes::<crate::search::Flooding>();
        assert_eq!(
            (in_order as u64, out_of_order as u64),
            (IN_ORDER_EVENT_BYTES, EVENT_BYTES)
        );
    }

    #[test]
    fn node_rows_are_as_large_as_the_readme_says() {
        // README, "nodes.csv": 72 bytes per node × variant × replica, 32 per node × replica.
        assert_eq!(size_of::<crate::metrics::NodeCounters>(), 72);
        assert_eq!(size_of::<crate::metrics::NodeFacts>(), 32);
    }

    #[test]
    fn this_machine_reports_memory() {
        if cfg!(target_os = "linux") {
            assert!(available_memory_bytes().unwrap() > 1 << 20);
            assert!(peak_rss_bytes().unwrap() > 1 << 10);
        }
    }
}
