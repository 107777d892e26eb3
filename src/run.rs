//! `floodsim run`: build each replica's world, run every variant on it, write the results.
//!
//! Replicas run in parallel, and so do the variants of a replica (they share one world).
//! Results are gathered in (replica, variant) order whatever the thread count, so the output
//! files are byte-identical for any `--jobs`.

use crate::error::{Error, InputError, Result};
use crate::metrics::trace::{MAX_TRACE_ROWS, ROWS_PER_MESSAGE, TraceEvent};
use crate::metrics::{self, NetworkStats, NodeFacts, QueryInfo, ReplicaResult, VariantRun};
use crate::net::{Geography, LatencyModel, Law};
use crate::output::{self, ResultDir, run_json::RunInfo};
use crate::resources;
use crate::rng::{LINKS, StreamKind, name_key, stream};
use crate::scenario::Validated;
use crate::scenario::{self, Scenario, Variant};
use crate::search::Runner;
use crate::sim::Setup;
use crate::time::SimDuration;
use crate::world::World;
use rayon::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How to run.
#[derive(Clone, Debug, Default)]
pub struct RunOptions {
    /// Result folder; `results/<name>/` when absent.
    pub out: Option<PathBuf>,
    /// Worker threads; all cores when absent.
    pub jobs: Option<usize>,
    /// The queries whose message trace to write to `trace.csv`, if any.
    pub trace: Option<TraceRequest>,
}

/// `--trace`: the queries (ids as in `queries.csv`) of one replica whose every message event
/// goes to `trace.csv`, for every variant.
#[derive(Clone, Debug, Default)]
pub struct TraceRequest {
    /// The replica.
    pub replica: u32,
    /// The query ids.
    pub queries: Vec<u32>,
}

impl TraceRequest {
    /// Checks the ids and the replica against the scenario, and refuses a trace estimated to
    /// exceed [`MAX_TRACE_ROWS`] rows (from each kind's messages per query).
    pub fn check(&self, v: &Validated) -> Result<()> {
        let s = &v.scenario;
        let bad = |location: &str, problem: String, fix: String| {
            Error::Input(vec![
                InputError::new(problem)
                    .in_file(&v.file)
                    .at(location)
                    .fix(fix),
            ])
        };
        if self.replica >= s.replications {
            return Err(bad(
                "--trace-replica",
                format!(
                    "replica {} does not exist: the scenario has {} replication(s)",
                    self.replica, s.replications
                ),
                format!("give a replica from 0 to {}", s.replications - 1),
            ));
        }
        if let Some(&q) = self.queries.iter().find(|&&q| q >= s.workload.queries) {
            return Err(bad(
                "--trace",
                format!(
                    "query {q} does not exist: each replica issues {} queries (workload.queries)",
                    s.workload.queries
                ),
                format!(
                    "give query ids from 0 to {}, as in queries.csv's `query` column",
                    s.workload.queries.saturating_sub(1)
                ),
            ));
        }
        let rows = self.rows(v);
        if rows > MAX_TRACE_ROWS {
            return Err(bad(
                "--trace",
                format!(
                    "the trace of {} queries would have about {:.0} rows (~{:.0} MB), over the \
                     limit of {MAX_TRACE_ROWS:.0} rows",
                    self.queries.len(),
                    rows,
                    rows * 60.0 / 1e6
                ),
                "trace fewer queries, or a smaller network or TTL (--set)".to_string(),
            ));
        }
        Ok(())
    }
}

impl TraceRequest {
    /// The rows the trace is expected to have, from each kind's messages per query.
    fn rows(&self, v: &Validated) -> f64 {
        let sizing = resources::sizing(v);
        let per_query: f64 = (v.scenario.variants.iter())
            .map(|x| x.search.kind().messages_per_query(&sizing))
            .sum();
        per_query * self.queries.len() as f64 * ROWS_PER_MESSAGE
    }

    /// Bytes the trace holds in memory until it is written (its rows, with vector slack).
    fn memory(&self, v: &Validated) -> u64 {
        (self.rows(v).min(MAX_TRACE_ROWS) * 2.0 * std::mem::size_of::<TraceEvent>() as f64) as u64
    }
}

/// What a finished run reports back.
#[derive(Clone, Debug)]
pub struct RunReport {
    /// Where the results are.
    pub dir: PathBuf,
    /// Per-variant figures.
    pub summary: metrics::Summary,
    /// Timing and memory.
    pub info: RunInfo,
}

/// The default result folder of a scenario.
pub fn default_out(v: &Validated) -> PathBuf {
    Path::new("results").join(&v.scenario.name)
}

/// Runs a validated scenario and writes its result folder atomically. `progress` is called
/// with (queries simulated, queries in all) as the run advances.
pub fn run(
    v: &Validated,
    opts: &RunOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<RunReport> {
    let started = Instant::now();
    let out = opts.out.clone().unwrap_or_else(|| default_out(v));
    output::check_target(&out)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.unwrap_or(0))
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start worker threads: {e}")))?;
    let threads = pool.current_num_threads();
    let mut estimate = resources::estimate(v, threads);
    if let Some(t) = &opts.trace {
        t.check(v)?;
        let bytes = t.memory(v);
        estimate.parts.push(("--trace", bytes));
        estimate.total += bytes;
    }
    resources::refuse_if_too_big(v, &estimate)?;
    // Before simulating, so an unwritable --out is found at once.
    let dir = ResultDir::create(&out)?;

    let s = &v.scenario;
    let total_work =
        u64::from(s.replications) * s.variants.len() as u64 * u64::from(s.workload.queries);
    let meter = Meter::default();
    let replicas: Vec<ReplicaResult> = pool.install(|| {
        (0..s.replications)
            .into_par_iter()
            .map(|replica| {
                let all: Vec<usize> = (0..s.variants.len()).collect();
                let nodes = s.output.nodes;
                let trace = opts
                    .trace
                    .as_ref()
                    .filter(|t| t.replica == replica)
                    .map(|t| t.queries.as_slice());
                simulate_replica(v, replica, &all, nodes, &meter, trace, &|done| {
                    progress(done, total_work)
                })
            })
            .collect::<Result<Vec<_>>>()
    })?;

    let names: Vec<String> = s.variants.iter().map(|x| x.name.clone()).collect();
    let capacity = !s.network.capacity.is_unlimited();
    let summary = metrics::summarize(&names, &replicas);
    let window_us = s.output.window().micros();
    let series = metrics::timeseries(&replicas, names.len(), window_us);
    let (build, simulate) = meter.times();
    let events: u64 = replicas
        .iter()
        .flat_map(|r| &r.runs)
        .map(|r| r.events)
        .sum();

    dir.write("summary.json", |w| {
        output::summary_json::write(w, s, &summary)
    })?;
    dir.write("queries.csv", |w| {
        output::queries_csv::write(w, &names, &replicas, capacity)
    })?;
    dir.write("timeseries.csv", |w| {
        output::timeseries_csv::write(w, &names, &series, capacity)
    })?;
    if s.output.nodes {
        let churn = !matches!(s.churn, scenario::Churn::None);
        let columns = output::nodes_csv::Columns::of(&replicas, capacity, churn);
        dir.write("nodes.csv", |w| {
            output::nodes_csv::write(w, &names, &replicas, columns)
        })?;
    }
    if opts.trace.is_some() {
        dir.write("trace.csv", |w| {
            output::trace_csv::write(w, &names, &replicas)
        })?;
    }
    let info = RunInfo {
        floodsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario_file: v.file.display().to_string(),
        seed: s.seed,
        wall_seconds: started.elapsed().as_secs_f64(),
        build_seconds: build.as_secs_f64(),
        simulate_seconds: simulate.as_secs_f64(),
        events,
        events_per_second: events as f64 / simulate.as_secs_f64().max(1e-9),
        peak_rss_bytes: resources::peak_rss_bytes(),
        estimated_peak_bytes: estimate.total,
        threads,
    };
    dir.write("run.json", |w| output::run_json::write(w, &info))?;
    let dir = dir.commit()?;
    Ok(RunReport { dir, summary, info })
}

/// Counts work across threads: queries simulated, and time spent building and simulating.
#[derive(Default)]
pub struct Meter {
    queries: Mutex<u64>,
    times: Mutex<(Duration, Duration)>,
}

impl Meter {
    /// (time building worlds, time simulating), summed over threads.
    pub fn times(&self) -> (Duration, Duration) {
        *self.times.lock().expect("meter lock")
    }

    fn add_queries(&self, n: u64) -> u64 {
        let mut q = self.queries.lock().expect("meter lock");
        *q += n;
        *q
    }

    fn add_time(&self, build: Duration, simulate: Duration) {
        let mut t = self.times.lock().expect("meter lock");
        t.0 += build;
        t.1 += simulate;
    }
}

/// Builds replica `replica`'s world and runs the variants with indices `variants` on it (in
/// parallel on the current rayon pool; runs in that order), counting what each node does if
/// `count_nodes`. A variant's results do not depend on which others run beside it. `progress`
/// gets the running total of queries simulated in `meter`. The queries `trace` names (if any)
/// have their message trace recorded, with the overlay's node labels.
pub fn simulate_replica(
    v: &Validated,
    replica: u32,
    variants: &[usize],
    count_nodes: bool,
    meter: &Meter,
    trace: Option<&[u32]>,
    progress: &(dyn Fn(u64) + Sync),
) -> Result<ReplicaResult> {
    let s = &v.scenario;
    let t = Instant::now();
    let world = World::build(v, replica)?;
    let network = network_stats(&world);
    meter.add_time(t.elapsed(), Duration::ZERO);
    let runs = variants
        .par_iter()
        .map(|&i| {
            let variant = &s.variants[i];
            let t = Instant::now();
            let mut last = 0;
            let mut run = run_variant(s, variant, &world, count_nodes, trace, &mut |n| {
                progress(meter.add_queries(n - last));
                last = n;
            });
            meter.add_time(Duration::ZERO, t.elapsed());
            for e in &mut run.trace {
                e.from = world.overlay.label(e.from as u32);
                e.to = world.overlay.label(e.to as u32);
            }
            run
        })
        .collect();
    Ok(ReplicaResult {
        replica,
        network,
        queries: query_infos(&world),
        horizon_us: world.horizon().micros(),
        runs,
        nodes: count_nodes.then(|| node_facts(&world)),
        overlay: world.churn.map(|plan| plan.windows),
    })
}

fn node_facts(world: &World) -> Vec<NodeFacts> {
    let g = &world.overlay;
    (0..g.node_count())
        .map(|v| NodeFacts {
            label: g.label(v),
            degree: g.degree(v),
            capacity: world.capacities.as_ref().map(|c| c.rate(v)),
        })
        .collect()
}

fn network_stats(world: &World) -> NetworkStats {
    let g = &world.overlay;
    let c = g.components();
    NetworkStats {
        nodes: g.node_count(),
        edges: g.edge_count(),
        mean_degree: g.mean_degree(),
        components: c.count,
        largest_component: c.largest,
    }
}

fn query_infos(world: &World) -> Vec<QueryInfo> {
    world
        .queries
        .iter()
        .map(|q| QueryInfo {
            issued_us: q.issued.micros(),
            source: world.overlay.label(q.source),
            object: q.object,
            replicas_online: q.replicas_online,
        })
        .collect()
}

/// Runs one variant on one world with its own latency and protocol streams, counting what each
/// node does if `count_nodes` (`nodes.csv`) and recording the message trace of the queries
/// `trace` names (node ids, not labels).
pub fn run_variant(
    scenario: &Scenario,
    variant: &Variant,
    world: &World,
    count_nodes: bool,
    trace: Option<&[u32]>,
    progress: &mut dyn FnMut(u64),
) -> VariantRun {
    let outcome = variant.search.kind().run(Runner {
        world,
        setup: Setup {
            count_nodes,
            ..setup(scenario, &variant.name, world.replica)
        },
        seed: scenario.seed,
        progress,
        trace,
    });
    let recorded = outcome.recorded;
    let received: u64 = recorded.node_load.iter().map(|&l| u64::from(l)).sum();
    VariantRun {
        peak_node_load: recorded.node_load.iter().copied().max().unwrap_or(0),
        mean_node_load: received as f64 / f64::from(world.overlay.node_count().max(1)),
        records: recorded.records,
        events: outcome.events,
        maintenance: recorded.maintenance,
        queues: outcome.queues,
        qrp: recorded.qrp,
        nodes: recorded.nodes,
        trace: outcome.trace,
    }
}

/// The streams and settings variant `name` of `scenario` runs with in replica `replica`: its
/// own latency and protocol streams (keyed by its name), the scenario's latency law and window;
/// no per-node counters.
pub fn setup(scenario: &Scenario, name: &str, replica: u32) -> Setup {
    let key = name_key(name);
    Setup {
        latency: latency_model(&scenario.network.latency),
        latency_rng: stream(scenario.seed, replica, StreamKind::Latency, key),
        links_rng: stream(scenario.seed, replica, StreamKind::Latency, LINKS),
        protocol_rng: stream(scenario.seed, replica, StreamKind::Protocol, key),
        window: scenario.output.window(),
        count_nodes: false,
    }
}

/// The latency model of a scenario's (validated) `network.latency`.
pub fn latency_model(spec: &scenario::Latency) -> LatencyModel {
    match spec {
        scenario::Latency::PerLink { law, jitter_ms } => LatencyModel::PerLink {
            law: law_of(law),
            jitter: SimDuration::from_millis_f64(*jitter_ms).micros(),
        },
        scenario::Latency::Matrix { matrix, .. } => {
            LatencyModel::Matrix(matrix.clone().expect("validation loads the latency matrix"))
        }
        scenario::Latency::Coordinates {
            regions,
            km_per_ms,
            access,
        } => {
            let hubs: Vec<(f64, f64, f64)> =
                regions.iter().map(|r| (r.share, r.lat, r.lon)).collect();
            LatencyModel::Coordinates(Arc::new(Geography::new(&hubs, *km_per_ms, law_of(access))))
        }
        law => LatencyModel::PerMessage(law_of(law)),
    }
}

/// The law of a constant, uniform or lognormal `network.latency` table.
fn law_of(spec: &scenario::Latency) -> Law {
    match *spec {
        scenario::Latency::Constant { ms } => Law::Constant(SimDuration::from_millis_f64(ms)),
        scenario::Latency::Uniform { min_ms, max_ms } => Law::Uniform {
            min: SimDuration::from_millis_f64(min_ms).micros(),
            max: SimDuration::from_millis_f64(max_ms).micros(),
        },
        scenario::Latency::Lognormal { median_ms, sigma } => Law::Lognormal {
            mu: libm::log(median_ms),
            sigma,
        },
        // Validation refuses a per-link or matrix law inside a per-link model.
        scenario::Latency::PerLink { ref law, .. } => law_of(law),
        scenario::Latency::Matrix { .. } | scenario::Latency::Coordinates { .. } => {
            Law::Constant(SimDuration::ZERO)
        }
    }
}
