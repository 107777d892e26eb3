//! `floodsim sweep` and `floodsim merge`: parameter grids × replications.
//!
//! A sweep is the Cartesian product of its parameters (the first varies slowest); every point
//! × replication is one run of the scenario with the point's values applied as `--set`
//! overrides. Each finished point is written atomically to `points/NNNNNN.json` in the result
//! folder, so an interrupted sweep loses nothing (`--resume` skips finished points) and shards
//! (`--shard K/N`, points with index ≡ K−1 mod N) merge by copying point files. The CSV
//! summaries are always rebuilt from the point files, so a merged sweep is byte-identical to an
//! unsharded one.
//!
//! Common random numbers: replica k of every point draws from the streams of (seed, k), so
//! points see the same world wherever the swept parameter does not change it. `--independent`
//! gives every point its own seed instead.

use crate::error::{Error, InputError, Result};
use crate::metrics::{self, CATALOGUE, RunRow};
use crate::output::{self, MARKER};
use crate::run::{Meter, simulate_replica};
pub use crate::scenario::MAX_POINTS;
use crate::scenario::{self, Override, Param, Scenario, Validated, parse_param};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

/// Setup time per sweep point, seconds (measured).
pub const SETUP_SECONDS_PER_POINT: f64 = 80e-6;
/// Setup memory per sweep point, bytes (measured).
pub const SETUP_BYTES_PER_POINT: u64 = 1200;
/// Bytes of one kept `queries.csv` row, an upper bound (measured on
/// `scenarios/bench/sweep-small.toml`, 20,000 nodes: 50 bytes per row at TTL 1, 72 at TTL 8;
/// ids, counts and times of larger runs take a few more digits).
pub const KEPT_QUERY_ROW_BYTES: u64 = 90;

/// Everything that defines a sweep's results; two folders merge only if theirs are equal.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Definition {
    /// Layout version of `sweep.json`.
    pub schema_version: u32,
    /// floodsim version that ran it.
    pub floodsim_version: String,
    /// The base scenario (with `--set` overrides, before the sweep's values).
    pub scenario: Scenario,
    /// The swept parameters.
    pub parameters: Vec<Param>,
    /// Replications per point.
    pub replications: u32,
    /// Whether points use independent seeds.
    pub independent: bool,
    /// Whether every point also keeps its `queries.csv` (`points/NNNNNN.queries.csv`). Part
    /// of the definition, so a sweep resumed or merged with another value is refused; absent
    /// (false) in the files of sweeps without it, so their fingerprints are unchanged.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_queries: bool,
    /// Every point: index, values, seed.
    pub points: Vec<PointInfo>,
}

impl Definition {
    /// Indices of the variants that no swept parameter touches (every swept path is
    /// `variant.OTHER.…` for another variant). Under common random numbers their results are
    /// the same at every point, so a sweep runs them once per replica and reuses the rows;
    /// none with independent seeds.
    pub fn untouched_variants(&self) -> Vec<usize> {
        if self.independent {
            return Vec::new();
        }
        let touches = |p: &Param, name: &str| {
            let parts: Vec<&str> = p.path.split('.').collect();
            !(parts.len() > 2 && parts[0] == "variant" && parts[1] != name)
        };
        (0..self.scenario.variants.len())
            .filter(|&i| {
                let name = &self.scenario.variants[i].name;
                !self.parameters.iter().any(|p| touches(p, name))
            })
            .collect()
    }

    /// The variants' names, in scenario order.
    pub fn variant_names(&self) -> Vec<String> {
        self.scenario
            .variants
            .iter()
            .map(|v| v.name.clone())
            .collect()
    }

    /// Whether any point runs under a capacity model (then the sweep files show the capacity
    /// metrics).
    pub fn capacity(&self) -> bool {
        !self.scenario.network.capacity.is_unlimited()
            || self
                .parameters
                .iter()
                .any(|p| p.path.starts_with("network.capacity"))
    }
}

/// One point of the grid.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointInfo {
    /// Index in sweep order.
    pub index: usize,
    /// One value per parameter.
    pub values: Vec<Value>,
    /// The master seed its runs use.
    pub seed: u64,
}

/// A finished point, as stored in `points/NNNNNN.json`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointResult {
    /// Point index.
    pub index: usize,
    /// The master seed of its runs.
    pub seed: u64,
    /// The [`fingerprint`] of the sweep it belongs to.
    pub sweep: String,
    /// Rows in (variant, replica) order.
    pub rows: Vec<RunRow>,
}

/// How to run a sweep.
#[derive(Clone, Debug, Default)]
pub struct SweepOptions {
    /// Result folder; `results/<name>-sweep/` when absent.
    pub out: Option<PathBuf>,
    /// Worker threads; all cores when absent.
    pub jobs: Option<usize>,
    /// Run only points with index ≡ k (mod n): `(k, n)` with 0-based k.
    pub shard: Option<(usize, usize)>,
    /// Keep finished points of an earlier run of the same sweep.
    pub resume: bool,
}

/// Expands a sweep of the scenario file `file` (with base `overrides`) into its definition and
/// the validated scenario of every point. Every point is validated before anything runs.
pub fn define(
    file: &Path,
    overrides: &[Override],
    params: Vec<Param>,
    replications: Option<u32>,
    independent: bool,
) -> Result<(Definition, Vec<Validated>)> {
    let mut base_overrides = overrides.to_vec();
    if let Some(r) = replications {
        base_overrides.push(Override {
            path: "replications".into(),
            value: r.into(),
        });
    }
    let base = scenario::load(file, &base_overrides)?.validate(file)?;
    let params = if params.is_empty() {
        base.scenario
            .sweep
            .as_ref()
            .map(|s| {
                s.params
                    .iter()
                    .map(|p| parse_param(p).map_err(|e| e.in_file(file)))
                    .collect::<Result<Vec<_>, _>>()
            })
            .transpose()?
            .unwrap_or_default()
    } else {
        params
    };
    if let Some((i, p)) = params
        .iter()
        .enumerate()
        .find(|(i, p)| params[..*i].iter().any(|q| q.path == p.path))
    {
        return Err(InputError::new(format!(
            "{} is swept twice (parameters {} and {}); the first would be silently ignored",
            p.path,
            params.iter().position(|q| q.path == p.path).unwrap_or(0) + 1,
            i + 1
        ))
        .in_file(file)
        .at(format!("--param {}", p.path))
        .fix("give each path once, with all its values: PATH=V1,V2,...")
        .into());
    }
    if params.is_empty() {
        return Err(InputError::new("nothing to sweep: no --param given and the scenario has no [sweep] table")
            .in_file(file)
            .fix("add e.g. --param variant.flood.search.ttl=1..=7, or [sweep] params = [\"...\"] to the scenario")
            .into());
    }
    let count = params
        .iter()
        .try_fold(1usize, |acc, p| acc.checked_mul(p.values.len()));
    let count = match count {
        Some(c) if c <= MAX_POINTS => c,
        _ => {
            let points: f64 = params.iter().map(|p| p.values.len() as f64).product();
            return Err(InputError::new(format!(
                "the grid has {points:.3e} points, more than {MAX_POINTS}: setting them up \
                 alone would take about {:.0} s and {} of memory before any point runs",
                points * SETUP_SECONDS_PER_POINT,
                crate::input::human_bytes(
                    (points * SETUP_BYTES_PER_POINT as f64).min(u64::MAX as f64) as u64
                )
            ))
            .in_file(file)
            .fix("sweep fewer values, or split the grid into several sweeps")
            .into());
        }
    };
    let mut points = Vec::with_capacity(count);
    let mut validated = Vec::with_capacity(count);
    for index in 0..count {
        let mut rest = index;
        let mut values = vec![Value::Null; params.len()];
        for (p, param) in params.iter().enumerate().rev() {
            values[p] = param.values[rest % param.values.len()].clone();
            rest /= param.values.len();
        }
        let seed = if independent {
            crate::rng::name_key(&format!("{}/{index}", base.scenario.seed))
        } else {
            base.scenario.seed
        };
        let mut all = base_overrides.clone();
        all.extend(params.iter().zip(&values).map(|(p, v)| Override {
            path: p.path.clone(),
            value: v.clone(),
        }));
        all.push(Override {
            path: "seed".into(),
            value: seed.into(),
        });
        let describe = || {
            params
                .iter()
                .zip(&values)
                .map(|(p, v)| format!("{}={v}", p.path))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let v = scenario::load(file, &all)
            .and_then(|s| s.validate(file))
            .map_err(|e| match e {
                Error::Input(mut problems) => {
                    for p in &mut problems {
                        p.problem = format!("{} (at sweep point {})", p.problem, describe());
                    }
                    Error::Input(problems)
                }
                other => other,
            })?;
        validated.push(v);
        points.push(PointInfo {
            index,
            values,
            seed,
        });
    }
    let definition = Definition {
        schema_version: 1,
        floodsim_version: env!("CARGO_PKG_VERSION").to_string(),
        replications: base.scenario.replications,
        scenario: base.scenario,
        parameters: params,
        independent,
        keep_queries: false,
        points,
    };
    Ok((definition, validated))
}

/// What a finished sweep reports.
#[derive(Clone, Debug)]
pub struct SweepReport {
    /// The result folder.
    pub dir: PathBuf,
    /// Points run now.
    pub ran: usize,
    /// Points skipped because they were already complete.
    pub skipped: usize,
    /// Points present in the folder.
    pub present: usize,
    /// Points in the whole grid.
    pub total: usize,
}

/// Runs the points of `definition` this shard owns (skipping finished ones when resuming) and
/// rebuilds the folder's summaries. `progress` gets (runs done, runs to do).
pub fn run(
    definition: &Definition,
    points: &[Validated],
    opts: &SweepOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<SweepReport> {
    let dir = opts.out.clone().unwrap_or_else(|| {
        Path::new("results").join(format!("{}-sweep", definition.scenario.name))
    });
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.jobs.unwrap_or(0))
        .build()
        .map_err(|e| Error::Runtime(format!("cannot start worker threads: {e}")))?;
    let threads = pool.current_num_threads();
    let biggest = points
        .iter()
        .map(|v| {
            // A sweep keeps no timeseries rows.
            let mut e = crate::resources::estimate(v, threads);
            e.parts
                .retain(|(field, _)| *field != "output.timeseries_window_s");
            if definition.keep_queries {
                // Each point's queries.csv text is held until the point is complete; replicas
                // of a point run one after the other, so about one point per thread (plus the
                // shared variants' text) is in memory at once.
                let s = &v.scenario;
                let rows = u64::from(s.workload.queries)
                    * s.variants.len() as u64
                    * u64::from(s.replications);
                let in_flight = (threads as u64 + 1).min(points.len() as u64 + 1);
                e.parts
                    .push(("--keep-queries", KEPT_QUERY_ROW_BYTES * rows * in_flight));
            }
            e.total = e.parts.iter().map(|p| p.1).sum();
            e
        })
        .max_by_key(|e| e.total)
        .expect("at least one point");
    crate::resources::refuse_if_too_big(&points[0], &biggest)?;
    let finished = prepare_dir(&dir, definition, opts.resume)?;
    let owned: Vec<usize> = (0..points.len())
        .filter(|i| opts.shard.is_none_or(|(k, n)| i % n == k))
        .collect();
    let todo: Vec<usize> = owned.iter().copied().filter(|&i| !finished[i]).collect();
    let plan = Plan::new(definition, points, &todo);
    let total_runs = plan.tasks.len() as u64;
    let state = Mutex::new(Assembly::new(points, &todo));
    let next = AtomicUsize::new(0);
    let done = AtomicU64::new(0);
    let failure: Mutex<Option<Error>> = Mutex::new(None);
    let meter = Meter::default();
    let sweep = fingerprint(definition);
    let worker = || {
        while failure.lock().expect("failure lock").is_none() {
            let Some(&task) = plan.tasks.get(next.fetch_add(1, Ordering::SeqCst)) else {
                break;
            };
            if let Err(e) = run_task(&plan, task, &state, (&dir, &sweep), &meter) {
                failure.lock().expect("failure lock").get_or_insert(e);
            }
            progress(done.fetch_add(1, Ordering::SeqCst) + 1, total_runs);
        }
    };
    pool.scope(|s| {
        for _ in 0..threads {
            s.spawn(|_| worker());
        }
    });
    if let Some(e) = failure.into_inner().expect("failure lock") {
        return Err(e);
    }
    let present = finalize(&dir, definition)?;
    Ok(SweepReport {
        dir,
        ran: todo.len(),
        skipped: owned.len() - todo.len(),
        present,
        total: points.len(),
    })
}

/// One simulation of a sweep: replica `replica` of point `point` with the variants that
/// swept parameters touch, or (`point` None) the untouched variants once for every point.
#[derive(Copy, Clone, Debug)]
struct Task {
    point: Option<usize>,
    replica: u32,
}

/// What this invocation simulates: the points to do and, when some variants are untouched
/// (see [`Definition::untouched_variants`]), their runs once per replica.
struct Plan<'a> {
    definition: &'a Definition,
    points: &'a [Validated],
    /// Variant indices simulated at each point, and once per replica for all points.
    touched: Vec<usize>,
    untouched: Vec<usize>,
    /// The point whose scenario the shared runs use (any point gives the same results).
    shared_from: usize,
    /// Shared runs first, then the longest points (by expected work), pulled one at a time by
    /// every worker, so no core idles behind one long run at the end. Rows are assembled per
    /// point by index, so the order of execution never reaches the results.
    tasks: Vec<Task>,
}

impl<'a> Plan<'a> {
    fn new(definition: &'a Definition, points: &'a [Validated], todo: &[usize]) -> Self {
        let untouched = definition.untouched_variants();
        let touched: Vec<usize> = (0..definition.scenario.variants.len())
            .filter(|i| !untouched.contains(i))
            .collect();
        let shared_from = todo.first().copied().unwrap_or(0);
        let replicas = definition.replications;
        let mut tasks: Vec<Task> = if todo.is_empty() || untouched.is_empty() {
            Vec::new()
        } else {
            (0..replicas)
                .map(|replica| Task {
                    point: None,
                    replica,
                })
                .collect()
        };
        let work: Vec<f64> = points.iter().map(crate::resources::expected_work).collect();
        let mut runs: Vec<(usize, u32)> = todo
            .iter()
            .flat_map(|&i| (0..replicas).map(move |r| (i, r)))
            .collect();
        runs.sort_by(|a, b| work[b.0].total_cmp(&work[a.0]).then(a.cmp(b)));
        tasks.extend(runs.into_iter().map(|(i, replica)| Task {
            point: Some(i),
            replica,
        }));
        Plan {
            definition,
            points,
            touched,
            untouched,
            shared_from,
            tasks,
        }
    }
}

/// What one simulation gives a sweep: a row per variant simulated (in the task's variant
/// order) and, when the sweep keeps queries, each variant's `queries.csv` rows (no header).
#[derive(Clone, Debug)]
struct Simulated {
    rows: Vec<RunRow>,
    queries: Vec<Vec<u8>>,
}

/// A completed point: its rows in (variant, replica) order and, when kept, its whole
/// `queries.csv`.
type Completed = (Vec<RunRow>, Option<Vec<u8>>);

/// Rows gathered so far: per point and replica the touched variants' rows, per replica the
/// shared rows of the untouched variants.
struct Assembly {
    points: Vec<Option<Vec<Option<Simulated>>>>,
    shared: Vec<Option<Simulated>>,
}

impl Assembly {
    fn new(points: &[Validated], todo: &[usize]) -> Self {
        let replicas = points[0].scenario.replications as usize;
        let mut slots = vec![None; points.len()];
        for &i in todo {
            slots[i] = Some(vec![None; replicas]);
        }
        Assembly {
            points: slots,
            shared: vec![None; replicas],
        }
    }

    /// The rows of point `i` in (variant, replica) order, and its `queries.csv` when kept
    /// (variants in scenario order, then replicas, as `floodsim run` writes it; the untouched
    /// variants' rows are the shared ones, identical at every point), once all of them are in.
    fn complete(&self, plan: &Plan<'_>, i: usize) -> Option<Completed> {
        let own = self.points[i].as_ref()?;
        let replicas = own.len();
        let shared_ready = plan.untouched.is_empty() || self.shared.iter().all(Option::is_some);
        if !shared_ready || own.iter().any(Option::is_none) {
            return None;
        }
        let part = |vi: usize, r: usize| -> (&Simulated, usize) {
            let (sim, at) = match plan.untouched.iter().position(|&u| u == vi) {
                Some(at) => (self.shared[r].as_ref(), at),
                None => (
                    own[r].as_ref(),
                    plan.touched.iter().position(|&t| t == vi).expect("touched"),
                ),
            };
            (sim.expect("complete"), at)
        };
        let order: Vec<(usize, usize)> = (0..plan.definition.scenario.variants.len())
            .flat_map(|vi| (0..replicas).map(move |r| (vi, r)))
            .collect();
        let rows = order
            .iter()
            .map(|&(vi, r)| {
                let (sim, at) = part(vi, r);
                sim.rows[at].clone()
            })
            .collect();
        let queries = plan.definition.keep_queries.then(|| {
            let capacity = !plan.points[i].scenario.network.capacity.is_unlimited();
            let mut csv = output::queries_csv::header(capacity).into_bytes();
            csv.push(b'\n');
            for &(vi, r) in &order {
                let (sim, at) = part(vi, r);
                csv.extend_from_slice(&sim.queries[at]);
            }
            csv
        });
        Some((rows, queries))
    }
}

/// Runs `task`; writes the point file of every point it completes (after its queries file,
/// when kept, so a point file never lacks its queries file).
fn run_task(
    plan: &Plan<'_>,
    task: Task,
    state: &Mutex<Assembly>,
    (dir, sweep): (&Path, &str),
    meter: &Meter,
) -> Result<()> {
    let (from, variants) = match task.point {
        Some(i) => (i, &plan.touched),
        None => (plan.shared_from, &plan.untouched),
    };
    let sim = simulate(
        &plan.points[from],
        task.replica,
        variants,
        plan.definition.keep_queries,
        meter,
    )?;
    let complete: Vec<(usize, Completed)> = {
        let mut state = state.lock().expect("sweep lock");
        let r = task.replica as usize;
        let candidates: Vec<usize> = match task.point {
            Some(i) => {
                state.points[i].as_mut().expect("a point to do")[r] = Some(sim);
                vec![i]
            }
            None => {
                state.shared[r] = Some(sim);
                (0..state.points.len()).collect()
            }
        };
        candidates
            .into_iter()
            .filter_map(|i| {
                let done = state.complete(plan, i)?;
                state.points[i] = None;
                Some((i, done))
            })
            .collect()
    };
    for (i, (rows, queries)) in complete {
        let point = &plan.definition.points[i];
        if let Some(csv) = queries {
            write_atomic(&queries_path(dir, point.index), &csv)?;
        }
        let result = PointResult {
            index: point.index,
            seed: point.seed,
            sweep: sweep.to_string(),
            rows,
        };
        write_atomic(
            &point_path(dir, point.index),
            &serde_json::to_vec(&result).expect("serialise"),
        )?;
    }
    Ok(())
}

/// The sweep rows (one per variant, in `variants` order) of replica `replica` of `v`, and
/// with `keep_queries` each variant's `queries.csv` rows.
fn simulate(
    v: &Validated,
    replica: u32,
    variants: &[usize],
    keep_queries: bool,
    meter: &Meter,
) -> Result<Simulated> {
    let names: Vec<String> = variants
        .iter()
        .map(|&i| v.scenario.variants[i].name.clone())
        .collect();
    // Sweeps write no nodes.csv (see the README): nothing is counted per node.
    let result = simulate_replica(v, replica, variants, false, meter, None, &|_| {})?;
    let queries = if keep_queries {
        let capacity = !v.scenario.network.capacity.is_unlimited();
        names
            .iter()
            .enumerate()
            .map(|(run, name)| {
                let mut csv = Vec::new();
                output::queries_csv::write_rows(&mut csv, name, &result, run, capacity)
                    .map(|()| csv)
                    .map_err(|e| Error::Runtime(format!("cannot format queries.csv rows: {e}")))
            })
            .collect::<Result<Vec<_>>>()?
    } else {
        Vec::new()
    };
    let summary = metrics::summarize(&names, std::slice::from_ref(&result));
    let rows = summary
        .variants
        .iter()
        .map(|s| RunRow {
            variant: s.name.clone(),
            replica,
            queries: s.queries,
            metrics: CATALOGUE.iter().map(|m| s.headline(m)).collect(),
        })
        .collect();
    Ok(Simulated { rows, queries })
}

/// Combines the point files of several sweep folders of the same sweep into `out`.
pub fn merge(inputs: &[PathBuf], out: &Path, allow_partial: bool) -> Result<SweepReport> {
    let mut definition: Option<Definition> = None;
    for dir in inputs {
        let d = read_definition(dir)?;
        match &definition {
            Some(first) if *first != d => {
                return Err(InputError::new("this folder holds a different sweep (scenario, parameters, replications or version differ)")
                    .in_file(&dir.join("sweep.json"))
                    .fix("merge only shards of one sweep")
                    .into());
            }
            _ => definition = Some(d),
        }
    }
    let definition = definition
        .ok_or_else(|| InputError::new("no folders to merge").fix("name the shard folders"))?;
    if inputs.iter().any(|d| same_dir(d, out)) {
        return Err(
            InputError::new(format!("{} is one of the inputs", out.display()))
                .fix("merge into a new folder")
                .into(),
        );
    }
    let sweep = fingerprint(&definition);
    let mut found: Vec<Option<&Path>> = vec![None; definition.points.len()];
    for dir in inputs {
        for p in &definition.points {
            if found[p.index].is_none() && finished(dir, &definition, p, &sweep)? {
                found[p.index] = Some(dir);
            }
        }
    }
    let missing: Vec<usize> = (0..found.len()).filter(|&i| found[i].is_none()).collect();
    if !missing.is_empty() && !allow_partial {
        let dirs: Vec<String> = inputs.iter().map(|d| d.display().to_string()).collect();
        return Err(partial(
            Path::new(&dirs.join(" + ")),
            &missing,
            "some shards are not given or not finished",
        )
        .into());
    }
    prepare_dir(out, &definition, false)?;
    for (index, from) in found.iter().enumerate() {
        if let Some(from) = from {
            // The queries file first, as a sweep writes them.
            let files: &[fn(&Path, usize) -> PathBuf] = if definition.keep_queries {
                &[queries_path, point_path]
            } else {
                &[point_path]
            };
            for file in files {
                let from = file(from, index);
                let bytes = fs::read(&from).map_err(|e| Error::io(&from, "read", e))?;
                write_atomic(&file(out, index), &bytes)?;
            }
        }
    }
    let present = finalize(out, &definition)?;
    Ok(SweepReport {
        dir: out.to_path_buf(),
        ran: 0,
        skipped: 0,
        present,
        total: definition.points.len(),
    })
}

/// The refusal of an incomplete sweep: which points are missing, and why that matters.
pub fn partial(dir: &Path, missing: &[usize], why: &str) -> InputError {
    let shown: Vec<String> = missing.iter().take(8).map(ToString::to_string).collect();
    let more = if missing.len() > 8 { ", ..." } else { "" };
    InputError::new(format!(
        "{} lacks {} sweep point(s) (indices {}{more}); {why}",
        dir.display(),
        missing.len(),
        shown.join(", ")
    ))
    .fix("finish the sweep (floodsim sweep ... --resume, or merge every shard), or pass --allow-partial")
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (fs::canonicalize(a), fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn point_path(dir: &Path, index: usize) -> PathBuf {
    dir.join("points").join(format!("{index:06}.json"))
}

/// The kept `queries.csv` of point `index` (sweeps with `--keep-queries`).
pub fn queries_path(dir: &Path, index: usize) -> PathBuf {
    dir.join("points").join(format!("{index:06}.queries.csv"))
}

/// A fingerprint of everything that defines a sweep's results, stored in every point file so
/// that a point of another sweep (a copied or stray file) is never merged.
pub fn fingerprint(definition: &Definition) -> String {
    let json = serde_json::to_string(definition).expect("serialise");
    format!("{:016x}", crate::rng::name_key(&json))
}

/// Reads and checks the point file of `point` in sweep folder `dir`, if there is one: it must
/// be a point file of this sweep (fingerprint `sweep`), with this point's index and seed.
fn read_point(dir: &Path, point: &PointInfo, sweep: &str) -> Result<Option<PointResult>> {
    let path = point_path(dir, point.index);
    if !path.is_file() {
        return Ok(None);
    }
    let refuse = |problem: String| -> Error {
        InputError::new(problem)
            .in_file(&path)
            .fix("delete this file (its point is then run again) and resume")
            .into()
    };
    let bytes = fs::read(&path).map_err(|e| Error::io(&path, "read", e))?;
    let r: PointResult = serde_json::from_slice(&bytes)
        .map_err(|e| refuse(format!("damaged or foreign point file: {e}")))?;
    if (r.index, r.seed, r.sweep.as_str()) != (point.index, point.seed, sweep) {
        return Err(refuse(format!(
            "this is point {} (seed {}) of sweep {}, not point {} (seed {}) of this sweep ({sweep}): \
             a copied or stray file",
            r.index, r.seed, r.sweep, point.index, point.seed
        )));
    }
    if r.rows.is_empty()
        || r.rows
            .iter()
            .any(|row| row.metrics.len() != CATALOGUE.len())
    {
        return Err(refuse(format!(
            "damaged point file: every row needs {} metrics",
            CATALOGUE.len()
        )));
    }
    Ok(Some(r))
}

/// Whether point `point` is finished in sweep folder `dir`: its point file checks out and,
/// when the sweep keeps queries, its queries file is there too (it is written first, so only
/// a deleted file is missing; the point is then run again).
fn finished(dir: &Path, definition: &Definition, point: &PointInfo, sweep: &str) -> Result<bool> {
    Ok(read_point(dir, point, sweep)?.is_some()
        && (!definition.keep_queries || queries_path(dir, point.index).is_file()))
}

/// Writes `path` through a hidden temporary sibling (removed on failure and on SIGINT/SIGTERM),
/// so the file is either whole or absent.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let name = path
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let temp = path.with_file_name(output::temp::temp_name(&name));
    let _registered = output::temp::register(&temp);
    let moved = fs::write(&temp, bytes)
        .map_err(|e| Error::io(&temp, "write", e))
        .and_then(|()| fs::rename(&temp, path).map_err(|e| Error::io(path, "move into place", e)));
    if moved.is_err() {
        let _ = fs::remove_file(&temp);
    }
    moved
}

/// Reads a sweep folder's definition.
pub fn read_definition(dir: &Path) -> Result<Definition> {
    let path = dir.join("sweep.json");
    let text = fs::read_to_string(&path).map_err(|e| {
        InputError::new(format!("cannot read the sweep definition: {e}"))
            .in_file(&path)
            .fix("give a folder written by floodsim sweep")
    })?;
    #[derive(Deserialize)]
    struct File {
        definition: Definition,
    }
    let d = serde_json::from_str::<File>(&text)
        .map(|f| f.definition)
        .map_err(|e| InputError::new(format!("not a floodsim sweep.json: {e}")).in_file(&path))?;
    let grid: Option<usize> = d
        .parameters
        .iter()
        .try_fold(1usize, |acc, p| acc.checked_mul(p.values.len()));
    let consistent = grid == Some(d.points.len())
        && d.points
            .iter()
            .enumerate()
            .all(|(i, p)| p.index == i && p.values.len() == d.parameters.len());
    if !consistent {
        return Err(InputError::new(
            "damaged sweep definition: its points do not match its parameters",
        )
        .in_file(&path)
        .fix("run the sweep again into a new folder")
        .into());
    }
    Ok(d)
}

/// Makes `dir` ready for `definition` and returns which points are finished there: when
/// resuming a folder of the same sweep, its checked point files are kept (temporaries of dead
/// processes are removed); otherwise the folder is made new (an older floodsim result is
/// replaced) with the marker and the definition written first, so a sweep killed at any moment
/// can be resumed.
fn prepare_dir(dir: &Path, definition: &Definition, resume: bool) -> Result<Vec<bool>> {
    output::check_target(dir)?;
    let is_empty = fs::read_dir(dir).map_or(true, |mut e| e.next().is_none());
    if resume && !is_empty {
        if !dir.join("sweep.json").is_file() {
            return Err(InputError::new(format!(
                "{} is not a sweep folder (it has no sweep.json), so there is nothing to resume",
                dir.display()
            ))
            .fix("resume only a folder written by floodsim sweep, or drop --resume to replace it")
            .into());
        }
        let old = read_definition(dir)?;
        if old != *definition {
            let flag_only = Definition {
                keep_queries: definition.keep_queries,
                ..old.clone()
            } == *definition;
            if flag_only {
                let (had, has) = if old.keep_queries {
                    ("with", "without")
                } else {
                    ("without", "with")
                };
                return Err(InputError::new(format!(
                    "{} holds this sweep run {had} --keep-queries; resuming it {has} would leave \
                     some points with a queries file and some without",
                    dir.display()
                ))
                .fix(format!(
                    "resume {had} --keep-queries, or choose another --out"
                ))
                .into());
            }
            return Err(InputError::new(format!("{} holds a different sweep", dir.display()))
                .fix("resume with the same scenario, parameters and options, or choose another --out")
                .into());
        }
        let points = dir.join("points");
        output::temp::remove_stale(dir, ".");
        output::temp::remove_stale(&points, ".");
        fs::create_dir_all(&points).map_err(|e| Error::io(&points, "create the folder", e))?;
        let sweep = fingerprint(definition);
        return definition
            .points
            .iter()
            .map(|p| finished(dir, definition, p, &sweep))
            .collect();
    }
    output::check_writable(dir)?;
    if dir.exists() {
        fs::remove_dir_all(dir).map_err(|e| Error::io(dir, "replace the old result", e))?;
    }
    fs::create_dir_all(dir).map_err(|e| Error::io(dir, "create the folder", e))?;
    write_atomic(
        &dir.join(MARKER),
        format!("written by floodsim {}\n", env!("CARGO_PKG_VERSION")).as_bytes(),
    )?;
    write_definition(dir, definition, 0)?;
    fs::create_dir_all(dir.join("points")).map_err(|e| Error::io(dir, "create the folder", e))?;
    Ok(vec![false; definition.points.len()])
}

/// Writes `sweep.json`: the definition and how many of its points are present.
fn write_definition(dir: &Path, definition: &Definition, present: usize) -> Result<()> {
    #[derive(Serialize)]
    struct File<'a> {
        definition: &'a Definition,
        points_present: usize,
        complete: bool,
    }
    let file = File {
        definition,
        points_present: present,
        complete: present == definition.points.len(),
    };
    let mut json = serde_json::to_vec_pretty(&file).expect("serialise");
    json.push(b'\n');
    write_atomic(&dir.join("sweep.json"), &json)
}

/// Rebuilds `sweep.json`, `sweep.csv` and `sweep_summary.csv` from the point files present;
/// returns how many points are present.
fn finalize(dir: &Path, definition: &Definition) -> Result<usize> {
    let sweep = fingerprint(definition);
    let mut results = Vec::new();
    for p in &definition.points {
        if let Some(r) = read_point(dir, p, &sweep)? {
            results.push((p, r));
        }
    }
    write_definition(dir, definition, results.len())?;
    let params = &definition.parameters;
    let points: Vec<_> = results
        .iter()
        .map(|(p, r)| (p.values.as_slice(), r.rows.as_slice()))
        .collect();
    let mut csv = Vec::new();
    let capacity = definition.capacity();
    output::sweep_csv::write_runs(&mut csv, params, &points, capacity)
        .map_err(|e| Error::io(dir, "write sweep.csv", e))?;
    write_atomic(&dir.join("sweep.csv"), &csv)?;
    let variants = definition.variant_names();
    let mut summary = Vec::new();
    output::sweep_csv::write_summary(&mut summary, params, &variants, &points, capacity)
        .map_err(|e| Error::io(dir, "write sweep_summary.csv", e))?;
    write_atomic(&dir.join("sweep_summary.csv"), &summary)?;
    Ok(results.len())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parameter_syntax() {
        assert_eq!(
            parse_param("a.b=3,5,7").unwrap().values,
            vec![json!(3), json!(5), json!(7)]
        );
        assert_eq!(
            parse_param("a=1..=4").unwrap().values,
            vec![json!(1), json!(2), json!(3), json!(4)]
        );
        assert_eq!(
            parse_param("a=10..=30:10").unwrap().values,
            vec![json!(10), json!(20), json!(30)]
        );
        assert_eq!(
            parse_param("a=0.1..=0.3:0.1").unwrap().values,
            vec![json!(0.1), json!(0.2), json!(0.3)]
        );
        assert_eq!(
            parse_param("a=x,y").unwrap().values,
            vec![json!("x"), json!("y")]
        );
        assert_eq!(
            parse_param("l={ kind = \"constant\", ms = 5 }, { kind = \"constant\", ms = 9 }")
                .unwrap()
                .values
                .len(),
            2
        );
        for bad in ["a", "=1", "a=", "a=5..=1", "a=1..=5:0", "a=x..=y"] {
            assert!(parse_param(bad).is_err(), "{bad}");
        }
    }
}
