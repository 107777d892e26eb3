//! The `floodsim` command line: parse arguments, call the library, map errors to exit codes.

use clap::{Args, Parser, Subcommand};
use floodsim::error::{Error, InputError};
use floodsim::{resources, run, scenario};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// `println!` for stdout that ends the process quietly (exit 0) when the reader has gone away
/// (`floodsim check ... | head -4`), instead of panicking on the broken pipe.
macro_rules! outln {
    ($($arg:tt)*) => {
        write_stdout(format_args!("{}\n", format_args!($($arg)*)))
    };
}

/// Writes to stdout; a closed pipe exits 0, any other write error exits 1.
fn write_stdout(args: std::fmt::Arguments) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: could not write to stdout: {e}");
        std::process::exit(1);
    }
}

/// Huge pages for the large per-node arrays: fewer TLB misses on the flood's random reads.
#[global_allocator]
static ALLOCATOR: floodsim::alloc::HugePages = floodsim::alloc::HugePages;

/// Most worker threads `--jobs` accepts: more only adds memory and start-up time.
const MAX_JOBS: i64 = 256;

#[derive(Parser)]
#[command(
    name = "floodsim",
    version,
    about = "Deterministic simulator of Gnutella-like unstructured peer-to-peer networks",
    long_about = "Deterministic simulator of Gnutella-like unstructured peer-to-peer networks.\n\n\
        Describe a network, its content, a query workload and the search strategies to compare \
        in a scenario file (TOML or JSON), then run it. Same scenario and seed, same bytes.\n\n\
        Exit codes: 0 ok, 1 runtime failure, 2 bad usage or bad input.",
    after_help = "Start with:  floodsim run scenarios/quickstart.toml"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and write summary.json, queries.csv, timeseries.csv and run.json.
    #[command(after_help = "Examples:\n  \
        floodsim run scenarios/quickstart.toml\n  \
        floodsim run scenarios/quickstart.toml --seed 7 --out results/seed7\n  \
        floodsim run scenarios/teaching/flooding.toml --nodes   # also nodes.csv: who did the work\n  \
        floodsim run scenarios/quickstart.toml --set network.nodes=2000 --set variant.flood.search.ttl=5\n  \
        floodsim run scenarios/quickstart.toml --trace 0,3 --out results/traced")]
    Run {
        #[command(flatten)]
        input: ScenarioArgs,
        /// Result folder [default: results/<scenario name>/]. An older floodsim result there is
        /// replaced whole; any other existing folder is refused.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Worker threads for replications and variants, 1 to 256 [default: all cores]. Results
        /// are byte-identical for any value.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_JOBS))]
        jobs: Option<u16>,
        /// Also write nodes.csv: one row per variant, replica and node with its degree and the
        /// messages it received, sent and forwarded, duplicates, hits served (and queue drops,
        /// online time, DHT records where they exist); `floodsim plot` then draws load vs
        /// degree and the Lorenz curve of the load. Same as --set output.nodes=true.
        #[arg(long)]
        nodes: bool,
        /// No progress bar and no summary table; errors are still printed.
        #[arg(long, short)]
        quiet: bool,
        /// Also write trace.csv: every message event (sends, duplicates, nodes reached, losses)
        /// of these queries, ids as in queries.csv's `query` column, for every variant. A trace
        /// estimated over 1,000,000 rows is refused (exit 2).
        #[arg(long, value_name = "QUERY_IDS", value_delimiter = ',')]
        trace: Vec<u32>,
        /// The replica whose queries --trace traces.
        #[arg(long, value_name = "N", default_value_t = 0, requires = "trace")]
        trace_replica: u32,
    },
    /// Describe, export or plot an overlay: a scenario's topology (replica 0 unless --replica)
    /// or an edge-list file.
    #[command(after_help = "Examples:\n  \
        floodsim graph data/topologies/p2p-Gnutella08.txt\n  \
        floodsim graph scenarios/quickstart.toml --stats --json > stats.json\n  \
        floodsim graph scenarios/quickstart.toml --export graphml -o overlay.graphml\n  \
        floodsim graph data/topologies/p2p-Gnutella31.txt.gz --plot degrees.svg\n\n\
        Without --export or --plot, --stats is implied.")]
    Graph {
        /// A scenario (.toml or .json) or an edge list (SNAP format, optionally gzip-compressed).
        #[arg(value_name = "SCENARIO|EDGE_FILE")]
        input: PathBuf,
        /// Print nodes, edges, degrees, components, clustering, path lengths and a power-law
        /// fit of heavy-tailed degree distributions.
        #[arg(long)]
        stats: bool,
        /// Print the statistics as JSON instead of a table.
        #[arg(long)]
        json: bool,
        /// BFS sources sampled to estimate the mean shortest path and the diameter.
        #[arg(long, value_name = "N", default_value_t = 32)]
        sources: u32,
        /// Write the overlay in this format to the file given by -o.
        #[arg(long, value_name = "FORMAT", requires = "output")]
        export: Option<floodsim::output::graph_export::GraphFormat>,
        /// File for --export.
        #[arg(short = 'o', long = "output", value_name = "FILE", requires = "export")]
        output: Option<PathBuf>,
        /// Draw the log-log degree distribution to this .svg or .png file.
        #[arg(long, value_name = "FILE")]
        plot: Option<PathBuf>,
        /// Which replica's topology to build from a scenario.
        #[arg(long, value_name = "N", default_value_t = 0)]
        replica: u32,
        /// Master seed, overriding the scenario's `seed` (also seeds the BFS sampling).
        #[arg(long, value_name = "N")]
        seed: Option<u64>,
        /// Override a scenario key by dotted path; repeatable (see `floodsim run --help`).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
    },
    /// Run a scenario over a grid of parameter values × replications, in parallel.
    #[command(after_help = "Examples:\n  \
        floodsim sweep scenarios/quickstart.toml --param variant.flood.search.ttl=1..=7\n  \
        floodsim sweep s.toml --param network.nodes=1000,10000,100000 --param 'content.replication.copies=1,10' --replications 5\n  \
        floodsim sweep s.toml --param network.topology.degree=2..=10:2 --shard 1/4 --out part1   # one of 4 machines\n  \
        floodsim merge part1 part2 part3 part4 --out whole\n\n\
        Writes sweep.csv (one row per point × variant × replica), sweep_summary.csv (mean, std and\n\
        95% CI over replicas per point × variant) and sweep.json (the definition) to the folder.")]
    Sweep {
        #[command(flatten)]
        input: ScenarioArgs,
        /// A swept parameter: PATH=V1,V2,... (TOML values) or PATH=A..=B[:STEP] (inclusive
        /// range); repeatable, the first varies slowest. Replaces the scenario's [sweep] params.
        #[arg(long = "param", value_name = "PATH=VALUES")]
        params: Vec<String>,
        /// Replications per point, overriding the scenario's `replications`.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=100_000))]
        replications: Option<u32>,
        /// Give every point its own seed instead of common random numbers (by default
        /// replica k of every point sees the same world where the parameter leaves it alone).
        #[arg(long)]
        independent: bool,
        /// Worker threads, 1 to 256 [default: all cores]; results are byte-identical for any
        /// value.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=MAX_JOBS))]
        jobs: Option<u16>,
        /// Run only the K-th of N deterministic slices of the points (K from 1 to N);
        /// combine the slices with `floodsim merge`.
        #[arg(long, value_name = "K/N", value_parser = parse_shard)]
        shard: Option<(usize, usize)>,
        /// Result folder [default: results/<scenario name>-sweep/].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Keep the finished points of an interrupted run of the same sweep in the folder.
        #[arg(long)]
        resume: bool,
        /// Also keep every point's queries.csv (points/NNNNNN.queries.csv, the columns of a
        /// run's queries.csv; 50-75 bytes per query, variant and replica), from which
        /// `floodsim plot` draws per-point CDFs. Resuming needs the same choice.
        #[arg(long)]
        keep_queries: bool,
        /// No progress bar and no summary line.
        #[arg(long, short)]
        quiet: bool,
    },
    /// Combine the folders of a sharded sweep into one, identical to an unsharded sweep.
    #[command(after_help = "Example:\n  floodsim merge part1 part2 --out whole")]
    Merge {
        /// Sweep folders (shards of one sweep).
        #[arg(value_name = "DIR", required = true)]
        inputs: Vec<PathBuf>,
        /// The merged folder.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Merge even if some points are in none of the folders (they stay missing).
        #[arg(long)]
        allow_partial: bool,
    },
    /// Draw charts of a run or sweep result folder (never re-runs a simulation).
    #[command(after_help = "Examples:\n  \
        floodsim plot results/quickstart                       # SVGs in results/quickstart/plots/\n  \
        floodsim plot results/quickstart --format both --out figures\n  \
        floodsim plot results/ttl-sweep --metric success_rate --metric messages_per_query --x variant.flood.search.ttl\n  \
        floodsim plot results/grid --x variant.flood.search.ttl --series network.nodes   # TTL x nodes on one chart\n\n\
        Run results: success vs messages (95% CI), CDFs of messages and hops, success and cost by\n\
        replica count, time series. Sweep results: each metric against the x parameter (a\n\
        categorical axis when its values are not numbers, e.g. topologies), one line per variant\n\
        (and per value of the --series parameter) with its 95% band, one chart per combination of\n\
        the other parameters.")]
    Plot {
        /// A folder written by `floodsim run` or `floodsim sweep`.
        #[arg(value_name = "RESULTS_DIR")]
        results: PathBuf,
        /// Image format(s).
        #[arg(long, value_enum, default_value = "svg")]
        format: floodsim::plot::Formats,
        /// Folder for the charts [default: RESULTS_DIR/plots].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Sweep metric(s) to draw; repeatable [default: success_rate, messages_per_query,
        /// hops_to_first_hit, time_to_first_hit_ms].
        #[arg(long = "metric", value_name = "METRIC")]
        metrics: Vec<String>,
        /// Swept parameter on the x axis [default: the first].
        #[arg(long, value_name = "PARAM")]
        x: Option<String>,
        /// Swept parameter drawn as one line per value (with the variants) on each chart.
        #[arg(long, value_name = "PARAM")]
        series: Option<String>,
        /// Another sweep folder whose variants are drawn on the same charts (same numeric x
        /// parameter); repeatable. E.g. one system per sweep, each on its own rate grid.
        #[arg(long = "with", value_name = "SWEEP_DIR")]
        with: Vec<PathBuf>,
        /// Divide the x values by the scenario's node count (e.g. a query rate per node).
        #[arg(long)]
        x_per_node: bool,
    },
    /// Write a baseline of a run or sweep result's headline metrics, with tolerances, for
    /// `floodsim check`.
    #[command(
        after_help = "Example:\n  floodsim run scenarios/ci/regression.toml --out results/ci\n  \
        floodsim baseline results/ci -o scenarios/ci/baseline.json"
    )]
    Baseline {
        /// A folder written by `floodsim run` or `floodsim sweep`.
        #[arg(value_name = "RESULTS_DIR")]
        results: PathBuf,
        /// The baseline file to write (JSON).
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
        /// Write it even if a sweep's points are missing (they go unchecked).
        #[arg(long)]
        allow_partial: bool,
    },
    /// Compare results with a baseline: prints every metric and exits 1 if any moved beyond
    /// its tolerance (0 if none, 2 on bad input).
    #[command(
        after_help = "Example:\n  floodsim check results/ci --baseline scenarios/ci/baseline.json --tolerance messages_per_query=0.1"
    )]
    Check {
        /// A folder written by `floodsim run` or `floodsim sweep`.
        #[arg(value_name = "RESULTS_DIR")]
        results: PathBuf,
        /// The baseline to compare with.
        #[arg(long, value_name = "FILE")]
        baseline: PathBuf,
        /// Replace the relative tolerance of a metric for every variant, e.g.
        /// messages_per_query=0.1 (10%); repeatable.
        #[arg(long = "tolerance", value_name = "METRIC=REL", value_parser = parse_tolerance)]
        tolerances: Vec<(String, f64)>,
        /// List every metric, not only those that moved beyond their tolerance.
        #[arg(long)]
        all: bool,
        /// Fail on improvements too (the baseline is then out of date).
        #[arg(long)]
        strict: bool,
        /// text (a verdict line, then a table) or json (the same, for machines).
        #[arg(long, value_name = "FORMAT", default_value = "text", value_parser = ["text", "json"])]
        format: String,
    },
    /// Animate one query's messages over the overlay: one self-contained HTML file (opens in
    /// any browser, no network needed) and optionally an animated PNG for slides.
    #[command(after_help = "Examples:\n  \
        floodsim animate scenarios/quickstart.toml --set network.nodes=100 --query 0 -o flood.html\n  \
        floodsim animate scenarios/quickstart.toml --query 3 --neighbourhood 3 -o near.html --apng near.png\n  \
        floodsim animate scenarios/quickstart.toml --set network.nodes=100 --variant flood-ttl4 --query 0 -o ttl4.html\n\n\
        The page plays the query in simulated time (play/pause, step, speed, a time slider);\n\
        its counters end at the query's row in queries.csv. Open it with ?end to see the last frame.")]
    Animate {
        #[command(flatten)]
        input: ScenarioArgs,
        /// The query to animate, its id as in queries.csv's `query` column.
        #[arg(long, value_name = "N")]
        query: u32,
        /// The variant to animate, by name [default: the scenario's first].
        #[arg(long, value_name = "NAME")]
        variant: Option<String>,
        /// The replica the query belongs to.
        #[arg(long, value_name = "N", default_value_t = 0)]
        replica: u32,
        /// The HTML file to write.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: PathBuf,
        /// Also write an animated PNG (APNG) of the same frames, e.g. for slides.
        #[arg(long, value_name = "FILE")]
        apng: Option<PathBuf>,
        /// The APNG shows every K-th frame of the page's animation and its last (1: every
        /// frame, a file about three times larger), playing in the same time.
        #[arg(long, value_name = "K", default_value_t = floodsim::animate::APNG_FRAME_STEP as u64,
              value_parser = clap::value_parser!(u64).range(1..=45))]
        apng_step: u64,
        /// Most nodes to draw; larger networks are refused (exit 2) as illegible.
        #[arg(long, value_name = "N", default_value_t = floodsim::animate::DEFAULT_MAX_NODES)]
        max_nodes: u32,
        /// Draw only the nodes within K overlay hops of the query's source (the query still runs
        /// on the whole network; messages beyond are counted, not drawn).
        #[arg(long, value_name = "K")]
        neighbourhood: Option<u32>,
    },
    /// Check a scenario (keys, types, values, input files, memory) without running it.
    #[command(
        after_help = "Example:\n  floodsim validate scenarios/quickstart.toml --set network.nodes=1000000"
    )]
    Validate {
        #[command(flatten)]
        input: ScenarioArgs,
    },
}

#[derive(Args)]
struct ScenarioArgs {
    /// The scenario file (.toml, or .json with the same structure).
    #[arg(value_name = "SCENARIO")]
    scenario: PathBuf,
    /// Master seed, overriding the scenario's `seed`.
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Override a scenario key by dotted path; repeatable. Values are TOML
    /// (5, 0.5, "text", [1, 2], { kind = "constant", ms = 20 }); variants are addressed by
    /// name, e.g. --set variant.flood.search.ttl=5.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    set: Vec<String>,
}

impl ScenarioArgs {
    fn load(&self) -> Result<scenario::Validated, Error> {
        scenario::load(&self.scenario, &self.overrides()?)?.validate(&self.scenario)
    }

    fn overrides(&self) -> Result<Vec<scenario::Override>, Error> {
        let mut overrides = self
            .set
            .iter()
            .map(|s| scenario::parse_override(s).map_err(|e| e.in_file(&self.scenario)))
            .collect::<Result<Vec<_>, InputError>>()?;
        if let Some(seed) = self.seed {
            overrides.push(scenario::Override {
                path: "seed".into(),
                value: seed.into(),
            });
        }
        Ok(overrides)
    }
}

fn parse_tolerance(text: &str) -> Result<(String, f64), String> {
    match text
        .split_once('=')
        .map(|(m, v)| (m.trim(), v.trim().parse::<f64>()))
    {
        Some((m, Ok(v))) if !m.is_empty() && v.is_finite() && v >= 0.0 => Ok((m.to_string(), v)),
        _ => Err(format!(
            "{text:?} is not METRIC=REL with REL >= 0, e.g. messages_per_query=0.1"
        )),
    }
}

/// Prints the check table; returns whether anything failed.
/// The verdict of a check: whether it fails, and a line counting each status.
fn verdict(lines: &[floodsim::check::CheckLine], strict: bool) -> (bool, String) {
    use floodsim::check::Status;
    let count = |s: Status| lines.iter().filter(|l| l.status == s).count();
    let failed = lines.iter().any(|l| l.status.fails(strict));
    let text = format!(
        "check: {}  {} regressed, {} improved, {} missing, {} new, {} within tolerance",
        if failed { "FAIL" } else { "PASS" },
        count(Status::Regressed),
        count(Status::Improved),
        count(Status::Missing),
        count(Status::New),
        count(Status::Ok),
    );
    (failed, text)
}

/// Prints the verdict, then the metrics that moved (every metric with `all`) in aligned
/// columns; returns whether the check fails.
fn print_check(lines: &[floodsim::check::CheckLine], all: bool, strict: bool) -> bool {
    use floodsim::check::Status;
    let (failed, verdict) = verdict(lines, strict);
    outln!("{verdict}");
    let number = |x: Option<f64>| x.map_or("-".to_string(), |v| format!("{v:.6}"));
    let rows: Vec<[String; 6]> = lines
        .iter()
        .filter(|l| all || l.status != Status::Ok)
        .map(|l| {
            let change = l.now.zip(l.baseline).map(|(n, b)| n - b);
            let status = match l.status {
                Status::Ok => "ok",
                Status::Improved => "IMPROVED",
                Status::Regressed => "REGRESSED",
                Status::Missing => "MISSING",
                Status::New => "NEW",
            };
            [
                l.id.clone(),
                number(l.baseline),
                number(l.now),
                change.map_or("-".into(), |c| format!("{c:+.6}")),
                number((l.baseline.is_some() && l.now.is_some()).then_some(l.allowed)),
                status.to_string(),
            ]
        })
        .collect();
    if rows.is_empty() {
        return failed;
    }
    let header = ["metric", "baseline", "now", "change", "allowed", "status"].map(String::from);
    let mut width = header.clone().map(|h| h.len());
    for row in &rows {
        for (w, cell) in width.iter_mut().zip(row) {
            *w = (*w).max(cell.len());
        }
    }
    for row in std::iter::once(&header).chain(&rows) {
        outln!(
            "{:<w0$}  {:>w1$}  {:>w2$}  {:>w3$}  {:>w4$}  {}",
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[5],
            w0 = width[0],
            w1 = width[1],
            w2 = width[2],
            w3 = width[3],
            w4 = width[4],
        );
    }
    failed
}

/// Prints the check as one JSON document; returns whether it fails.
fn print_check_json(lines: &[floodsim::check::CheckLine], strict: bool) -> bool {
    let (failed, verdict) = verdict(lines, strict);
    let doc = serde_json::json!({
        "verdict": if failed { "fail" } else { "pass" },
        "summary": verdict,
        "strict": strict,
        "metrics": lines,
    });
    outln!("{}", serde_json::to_string_pretty(&doc).expect("serialise"));
    failed
}

fn parse_shard(text: &str) -> Result<(usize, usize), String> {
    let parsed = text.split_once('/').and_then(|(k, n)| {
        Some((
            k.trim().parse::<usize>().ok()?,
            n.trim().parse::<usize>().ok()?,
        ))
    });
    match parsed {
        Some((k, n)) if k >= 1 && k <= n => Ok((k - 1, n)),
        _ => Err(format!("{text:?} is not K/N with 1 <= K <= N, e.g. 2/4")),
    }
}

fn sweep_command(
    input: &ScenarioArgs,
    params: &[String],
    replications: Option<u32>,
    (independent, keep_queries): (bool, bool),
    opts: &floodsim::sweep::SweepOptions,
    quiet: bool,
) -> Result<(), Error> {
    let params = params
        .iter()
        .map(|p| floodsim::scenario::parse_param(p).map_err(|e| e.in_file(&input.scenario)))
        .collect::<Result<Vec<_>, InputError>>()?;
    let (mut definition, points) = floodsim::sweep::define(
        &input.scenario,
        &input.overrides()?,
        params,
        replications,
        independent,
    )?;
    definition.keep_queries = keep_queries;
    if points.first().is_some_and(|p| p.scenario.output.nodes) {
        eprintln!(
            "note: output.nodes: a sweep writes no nodes.csv; to see what each node did at a \
             point, floodsim run the scenario with that point's --set values"
        );
    }
    let bar = Progress::new(!quiet && std::io::stderr().is_terminal(), "runs");
    let report = floodsim::sweep::run(&definition, &points, opts, &|done, total| {
        bar.update(done, total)
    })?;
    bar.finish();
    if !quiet {
        outln!(
            "ran {} point(s), kept {} finished; {} of {} points present; results in {}",
            report.ran,
            report.skipped,
            report.present,
            report.total,
            report.dir.display()
        );
    }
    Ok(())
}

fn main() -> ExitCode {
    floodsim::output::temp::clean_up_on_signals();
    let cli = parse_cli();
    let result = match cli.command {
        Command::Run {
            input,
            out,
            jobs,
            nodes,
            quiet,
            trace,
            trace_replica,
        } => {
            let trace = (!trace.is_empty()).then_some(run::TraceRequest {
                replica: trace_replica,
                queries: trace,
            });
            run_command(&input, out, jobs.map(usize::from), nodes, quiet, trace)
        }
        Command::Validate { input } => validate_command(&input),
        Command::Animate {
            input,
            query,
            variant,
            replica,
            output,
            apng,
            apng_step,
            max_nodes,
            neighbourhood,
        } => input.load().and_then(|v| {
            let opts = floodsim::animate::AnimateOptions {
                query,
                variant,
                replica,
                max_nodes,
                neighbourhood,
                output,
                apng,
                apng_step: apng_step as usize,
            };
            let done = floodsim::animate::animate(&v, &opts)?;
            let r = done.record;
            outln!(
                "{}: query {query} of {}, {} nodes drawn; messages {}, nodes reached {}, duplicates {}, hits {}",
                opts.output.display(),
                done.variant,
                done.nodes,
                r.messages,
                r.nodes_reached,
                r.duplicates,
                r.hits
            );
            Ok(())
        }),
        Command::Sweep {
            input,
            params,
            replications,
            independent,
            jobs,
            shard,
            out,
            resume,
            keep_queries,
            quiet,
        } => {
            let opts = floodsim::sweep::SweepOptions {
                out,
                jobs: jobs.map(usize::from),
                shard,
                resume,
            };
            sweep_command(
                &input,
                &params,
                replications,
                (independent, keep_queries),
                &opts,
                quiet,
            )
        }
        Command::Plot {
            results,
            format,
            out,
            metrics,
            x,
            series,
            with,
            x_per_node,
        } => {
            let out = out.unwrap_or_else(|| results.join("plots"));
            let choice = floodsim::plot::SweepChoice {
                metrics,
                x,
                series,
                with,
                x_per_node,
            };
            check_chart_folder(&out)
                .and_then(|()| floodsim::plot::plot_results(&results, &out, format, &choice))
                .map(|plotted| {
                    for note in &plotted.skipped {
                        eprintln!("note: {note}");
                    }
                    outln!("wrote {} charts to {}", plotted.files.len(), out.display());
                })
        }
        Command::Baseline {
            results,
            output,
            allow_partial,
        } => check_output_files(&[&output])
            .and_then(|()| floodsim::check::write_baseline(&results, &output, allow_partial))
            .map(|n| {
                outln!("wrote {} metrics to {}", n, output.display());
            }),
        Command::Check {
            results,
            baseline,
            tolerances,
            all,
            strict,
            format,
        } => match floodsim::check::check(&results, &baseline, &tolerances) {
            Ok(lines) => {
                let failed = if format == "json" {
                    print_check_json(&lines, strict)
                } else {
                    print_check(&lines, all, strict)
                };
                return if failed {
                    ExitCode::from(1)
                } else {
                    ExitCode::SUCCESS
                };
            }
            Err(e) => Err(e),
        },
        Command::Merge {
            inputs,
            out,
            allow_partial,
        } => floodsim::sweep::merge(&inputs, &out, allow_partial).map(|r| {
            outln!(
                "merged {} of {} points into {}",
                r.present,
                r.total,
                r.dir.display()
            );
        }),
        Command::Graph {
            input,
            stats,
            json,
            sources,
            export,
            output,
            plot,
            replica,
            seed,
            set,
        } => {
            let opts = GraphOptions {
                stats: stats || json || (export.is_none() && plot.is_none()),
                json,
                sources,
                export: export.zip(output),
                plot,
            };
            graph_command(
                ScenarioArgs {
                    scenario: input,
                    seed,
                    set,
                },
                replica,
                &opts,
            )
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Error::Input(problems)) => {
            for p in &problems {
                eprintln!("error: {p}");
            }
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

/// Refuses a `plot --out` that is an existing file or cannot be created (bad input, exit 2).
fn check_chart_folder(out: &Path) -> Result<(), Error> {
    if out.exists() && !out.is_dir() {
        return Err(
            InputError::new(format!("{} exists and is not a folder", out.display()))
                .fix("give --out a folder for the charts")
                .into(),
        );
    }
    floodsim::output::check_writable(out)
}

fn run_command(
    input: &ScenarioArgs,
    out: Option<PathBuf>,
    jobs: Option<usize>,
    nodes: bool,
    quiet: bool,
    trace: Option<run::TraceRequest>,
) -> Result<(), Error> {
    let mut overrides = input.overrides()?;
    if nodes {
        overrides.push(scenario::Override {
            path: "output.nodes".into(),
            value: true.into(),
        });
    }
    let validated = scenario::load(&input.scenario, &overrides)?.validate(&input.scenario)?;
    let bar = Progress::new(!quiet && std::io::stderr().is_terminal(), "queries");
    let opts = run::RunOptions { out, jobs, trace };
    let report = run::run(&validated, &opts, &|done, total| bar.update(done, total))?;
    bar.finish();
    if !quiet {
        print_report(&report);
    }
    Ok(())
}

/// The run's table: per variant, queries, success with its 95% (Wilson) half-width, request
/// messages, DHT/overlay upkeep per node per second, all messages per query (requests,
/// responses and upkeep over the run, divided by the queries), hops and time to the first hit.
fn print_report(report: &run::RunReport) {
    use floodsim::metrics::{Figure, catalogue::known};
    outln!(
        "{:<16} {:>8} {:>15} {:>11} {:>14} {:>12} {:>11} {:>12}",
        "variant",
        "queries",
        "success (95%)",
        "messages/q",
        "upkeep/node/s",
        "all msgs/q",
        "hops(mean)",
        "first hit ms"
    );
    for v in &report.summary.variants {
        // "-" where a metric is undefined (no hit, or no query at all).
        let shown = |name: &str, format: fn(f64) -> String| {
            v.headline(known(name)).map_or("-".to_string(), format)
        };
        let success = match v.figure(known("success_rate")) {
            Some(&Figure::Proportion { rate, ci95 }) => format!(
                "{:.1}% ±{:.1}",
                100.0 * rate,
                100.0 * (ci95[1] - ci95[0]) / 2.0
            ),
            _ => "-".to_string(),
        };
        outln!(
            "{:<16} {:>8} {:>15} {:>11} {:>14} {:>12} {:>11} {:>12}",
            v.name,
            v.queries,
            success,
            shown("messages_per_query", |x| format!("{x:.1}")),
            shown("maintenance_per_node_per_s", |x| format!("{x:.3}")),
            shown("total_messages_per_query", |x| format!("{x:.1}")),
            shown("hops_to_first_hit", |x| format!("{x:.2}")),
            shown("time_to_first_hit_ms", |x| format!("{x:.2}")),
        );
    }
    outln!(
        "{} events in {:.2} s ({:.2} M events/s); results in {}",
        report.info.events,
        report.info.wall_seconds,
        report.info.events_per_second / 1e6,
        report.dir.display()
    );
}

fn validate_command(input: &ScenarioArgs) -> Result<(), Error> {
    let v = input.load()?;
    if let Some(path) = &v.topology_file {
        let g = floodsim::topology::load_edge_list(path)?;
        outln!(
            "{}: {} nodes, {} edges",
            path.display(),
            g.node_count(),
            g.edge_count()
        );
    }
    let estimate = resources::estimate(&v, rayon::current_num_threads());
    resources::refuse_if_too_big(&v, &estimate)?;
    // A scenario's own [sweep] table is part of it: every point must validate too.
    let points = match v.scenario.sweep {
        Some(_) => {
            floodsim::sweep::define(&input.scenario, &input.overrides()?, vec![], None, false)?
                .1
                .len()
        }
        None => 0,
    };
    outln!(
        "{}: ok ({} variant(s), {} replication(s); estimated peak memory {})",
        Path::new(&v.file).display(),
        v.scenario.variants.len(),
        v.scenario.replications,
        floodsim::input::human_bytes(estimate.total)
    );
    if points > 0 {
        outln!("  [sweep]: {points} point(s), each validated");
    }
    Ok(())
}

/// Refuses output files whose folder does not exist (or is a file): bad input, found before
/// any work.
fn check_output_files(outputs: &[&PathBuf]) -> Result<(), Error> {
    match outputs.iter().find(|o| {
        o.parent()
            .is_some_and(|p| !p.as_os_str().is_empty() && !p.is_dir())
    }) {
        Some(o) => Err(InputError::new(format!(
            "cannot write {}: its folder does not exist",
            o.display()
        ))
        .fix("create the folder first, or write the file elsewhere")
        .into()),
        None => Ok(()),
    }
}

/// Refuses to write any of `outputs` over the input file `input` (compared as canonical paths)
/// or into a folder that does not exist.
fn refuse_overwriting(outputs: &[&PathBuf], input: &Path) -> Result<(), Error> {
    check_output_files(outputs)?;
    let Ok(input_canonical) = std::fs::canonicalize(input) else {
        return Ok(());
    };
    match outputs
        .iter()
        .find(|o| std::fs::canonicalize(o).is_ok_and(|c| c == input_canonical))
    {
        Some(o) => Err(InputError::new(format!(
            "{} is an input of this command; writing it would destroy it",
            o.display()
        ))
        .in_file(input)
        .fix("write the export or the plot to another file")
        .into()),
        None => Ok(()),
    }
}

struct GraphOptions {
    stats: bool,
    json: bool,
    sources: u32,
    export: Option<(floodsim::output::graph_export::GraphFormat, PathBuf)>,
    plot: Option<PathBuf>,
}

fn graph_command(input: ScenarioArgs, replica: u32, opts: &GraphOptions) -> Result<(), Error> {
    use floodsim::rng::{StreamKind, stream};
    let path = input.scenario.clone();
    let is_scenario = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml") || e.eq_ignore_ascii_case("json"));
    let outputs: Vec<&PathBuf> = opts
        .export
        .iter()
        .map(|(_, f)| f)
        .chain(&opts.plot)
        .collect();
    refuse_overwriting(&outputs, &path)?;
    let (overlay, seed, title) = if is_scenario {
        let v = input.load()?;
        if let Some(edges) = &v.topology_file {
            refuse_overwriting(&outputs, edges)?;
        }
        let mut rng = stream(v.scenario.seed, replica, StreamKind::Topology, 0);
        let g = floodsim::build::build_overlay(&v, &mut rng)?;
        (
            g,
            v.scenario.seed,
            format!("{} (replica {replica})", v.scenario.name),
        )
    } else {
        if !input.set.is_empty() {
            return Err(
                InputError::new("--set applies to scenario files, not edge lists")
                    .in_file(&path)
                    .fix("drop --set, or pass a scenario that names this edge list")
                    .into(),
            );
        }
        let g = floodsim::topology::load_edge_list(&path)?;
        let name = path
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned());
        (g, input.seed.unwrap_or(scenario::DEFAULT_SEED), name)
    };
    let needs_stats = opts.stats || opts.plot.is_some();
    let stats = needs_stats.then(|| {
        floodsim::topology::stats(
            &overlay,
            opts.sources,
            &mut stream(seed, replica, StreamKind::Analysis, 0),
        )
    });
    if let Some((format, file)) = &opts.export {
        let write = || -> std::io::Result<()> {
            let mut w = std::io::BufWriter::new(std::fs::File::create(file)?);
            floodsim::output::graph_export::write(&mut w, &overlay, *format)?;
            std::io::Write::flush(&mut w)
        };
        write().map_err(|e| Error::io(file, "write the export", e))?;
        eprintln!(
            "wrote {} ({} nodes, {} edges)",
            file.display(),
            overlay.node_count(),
            overlay.edge_count()
        );
    }
    if let (Some(file), Some(stats)) = (&opts.plot, &stats) {
        floodsim::plot::degree_distribution(stats, &title, file)?;
        eprintln!("wrote {}", file.display());
    }
    if let (true, Some(stats)) = (opts.stats, &stats) {
        if opts.json {
            outln!(
                "{}",
                serde_json::to_string_pretty(stats).expect("stats serialise")
            );
        } else {
            print_graph_stats(&title, stats);
        }
    }
    Ok(())
}

fn print_graph_stats(title: &str, s: &floodsim::topology::GraphStats) {
    outln!("{title}");
    outln!("  nodes                {}", s.nodes);
    outln!("  edges                {}", s.edges);
    if let Some(u) = s.ultrapeers {
        outln!(
            "  ultrapeers           {u} (nodes 0..{u}), leaves {}",
            s.nodes - u
        );
    }
    outln!(
        "  degree               min {}, mean {:.3}, max {}, std {:.3}",
        s.degree.min,
        s.degree.mean,
        s.degree.max,
        s.degree.std
    );
    outln!(
        "  components           {} (largest: {} nodes)",
        s.components,
        s.largest_component
    );
    outln!("  average clustering   {:.4}", s.average_clustering);
    outln!(
        "  mean shortest path   {:.3} (estimated by BFS from {} sources in the largest component)",
        s.paths.mean_shortest_path,
        s.paths.sources
    );
    outln!(
        "  diameter             >= {} (largest distance from those sources)",
        s.paths.diameter_lower_bound
    );
    match &s.power_law {
        Some(f) => outln!(
            "  power-law fit        alpha = {:.3} for k >= {} ({} nodes in the tail, KS distance {:.3})",
            f.exponent,
            f.k_min,
            f.tail_nodes,
            f.ks_distance
        ),
        None => outln!(
            "  power-law fit        none (largest degree is under 5 x the mean: not heavy-tailed)"
        ),
    }
    outln!("  degree histogram     (bins of k: nodes; --json lists every degree)");
    let mut bins: Vec<(u64, u64, u64)> = Vec::new();
    for &[k, count] in &s.degree_histogram {
        let (lo, hi) = if k == 0 {
            (0, 0)
        } else {
            (1 << k.ilog2(), (2 << k.ilog2()) - 1)
        };
        match bins.last_mut() {
            Some(b) if b.0 == lo => b.2 += count,
            _ => bins.push((lo, hi, count)),
        }
    }
    for (lo, hi, count) in bins {
        let range = if lo == hi {
            lo.to_string()
        } else {
            format!("{lo}-{hi}")
        };
        outln!("    {range:>13}: {count}");
    }
}

/// A progress bar on stderr that appears only on a terminal and only after one second.
struct Progress {
    enabled: bool,
    unit: &'static str,
    started: Instant,
    bar: Mutex<Option<ProgressBar>>,
}

impl Progress {
    fn new(enabled: bool, unit: &'static str) -> Self {
        Progress {
            enabled,
            unit,
            started: Instant::now(),
            bar: Mutex::new(None),
        }
    }

    fn update(&self, done: u64, total: u64) {
        let elapsed = self.started.elapsed();
        if !self.enabled || elapsed < Duration::from_secs(1) {
            return;
        }
        let mut slot = self.bar.lock().expect("progress lock");
        let bar = slot.get_or_insert_with(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(ProgressStyle::with_template("{msg}").expect("valid template"));
            bar
        });
        // Elapsed time, rate and ETA come from this run's own clock, started with the run, so
        // the first frame (drawn a second in) is already right.
        bar.set_message(progress_line(done, total, self.unit, elapsed));
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.lock().expect("progress lock").take() {
            bar.finish_and_clear();
        }
    }
}

/// One frame of a progress bar: the time since the start, a 40-character bar, the count, the
/// rate and the time left, all derived from `elapsed` since the work began.
fn progress_line(done: u64, total: u64, unit: &str, elapsed: Duration) -> String {
    let clock = |secs: u64| format!("{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60);
    let share = if total == 0 {
        1.0
    } else {
        (done as f64 / total as f64).min(1.0)
    };
    let full = (share * 40.0) as usize;
    let bar = match full {
        40 => "=".repeat(40),
        _ => format!("{}>{}", "=".repeat(full), " ".repeat(39 - full)),
    };
    let seconds = elapsed.as_secs_f64();
    let (rate, eta) = if done == 0 || seconds <= 0.0 {
        ("-".to_string(), "-".to_string())
    } else {
        let rate = done as f64 / seconds;
        let left = total.saturating_sub(done) as f64 / rate;
        (format!("{rate:.0}/s"), clock(left.ceil() as u64))
    };
    format!(
        "{} [{bar}] {done}/{total} {unit} ({rate}, ETA {eta})",
        clock(elapsed.as_secs())
    )
}

/// Parses the command line; `run --help` and `validate --help` list the search kinds.
fn parse_cli() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    let kinds: String = floodsim::search::KINDS
        .iter()
        .map(|(name, doc)| format!("\n  {name}: {doc}"))
        .collect();
    let with_kinds = |c: clap::Command| {
        let examples = c
            .get_after_help()
            .map(ToString::to_string)
            .unwrap_or_default();
        c.after_long_help(format!(
            "{examples}\n\nSearch kinds (variant.search.kind):{kinds}"
        ))
    };
    let command = Cli::command()
        .mut_subcommand("run", with_kinds)
        .mut_subcommand("validate", with_kinds);
    Cli::from_arg_matches(&command.get_matches()).unwrap_or_else(|e| e.exit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_is_right_from_the_first_frame() {
        // 5,500 of 16,000 queries after 2 s: 2,750/s, 10,500 left take 3.8 s.
        let line = progress_line(5500, 16_000, "queries", Duration::from_secs(2));
        assert_eq!(
            line,
            format!(
                "00:00:02 [{}>{}] 5500/16000 queries (2750/s, ETA 00:00:04)",
                "=".repeat(13),
                " ".repeat(26)
            )
        );
        // The first frame, a second in, already has the whole second behind it.
        let first = progress_line(1000, 4000, "runs", Duration::from_millis(1000));
        assert!(first.contains("(1000/s, ETA 00:00:03)"), "{first}");
        // Nothing done yet: no rate, no ETA, never infinity.
        let none = progress_line(0, 10, "runs", Duration::from_secs(5));
        assert!(
            none.ends_with("(-, ETA -)") && none.starts_with("00:00:05"),
            "{none}"
        );
        let done = progress_line(10, 10, "runs", Duration::from_secs(3661));
        assert!(
            done.starts_with("01:01:01 [") && done.contains(&"=".repeat(40)),
            "{done}"
        );
    }
}
