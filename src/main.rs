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
        floodsim run scenarios/quickstart.toml --set network.nodes=2000 --set variant.flood.search.ttl=5")]
    Run {
        #[command(flatten)]
        input: ScenarioArgs,
        /// Result folder [default: results/<scenario name>/]. An older floodsim result there is
        /// replaced whole; any other existing folder is refused.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Worker threads for replications and variants [default: all cores]. Results are
        /// byte-identical for any value.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
        jobs: Option<u16>,
        /// No progress bar and no summary table; errors are still printed.
        #[arg(long, short)]
        quiet: bool,
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
        scenario::load(&self.scenario, &overrides)?.validate(&self.scenario)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run {
            input,
            out,
            jobs,
            quiet,
        } => run_command(&input, out, jobs.map(usize::from), quiet),
        Command::Validate { input } => validate_command(&input),
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

fn run_command(
    input: &ScenarioArgs,
    out: Option<PathBuf>,
    jobs: Option<usize>,
    quiet: bool,
) -> Result<(), Error> {
    let validated = input.load()?;
    let bar = Progress::new(!quiet && std::io::stderr().is_terminal());
    let opts = run::RunOptions { out, jobs };
    let report = run::run(&validated, &opts, &|done, total| bar.update(done, total))?;
    bar.finish();
    if !quiet {
        print_report(&report);
    }
    Ok(())
}

fn print_report(report: &run::RunReport) {
    println!(
        "{:<16} {:>8} {:>9} {:>13} {:>11} {:>12}",
        "variant", "queries", "success", "messages/q", "hops(mean)", "first hit ms"
    );
    for v in &report.summary.variants {
        let opt = |d: &Option<floodsim::metrics::Distribution>| {
            d.as_ref()
                .map_or("-".to_string(), |d| format!("{:.2}", d.mean))
        };
        println!(
            "{:<16} {:>8} {:>8.1}% {:>13.1} {:>11} {:>12}",
            v.name,
            v.queries,
            100.0 * v.success_rate,
            v.messages_per_query.mean,
            opt(&v.hops_to_first_hit),
            opt(&v.time_to_first_hit_ms),
        );
    }
    println!(
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
        println!(
            "{}: {} nodes, {} edges",
            path.display(),
            g.node_count(),
            g.edge_count()
        );
    }
    let estimate = resources::estimate(&v, rayon::current_num_threads());
    resources::refuse_if_too_big(&v, &estimate)?;
    println!(
        "{}: ok ({} variant(s), {} replication(s); estimated peak memory {})",
        Path::new(&v.file).display(),
        v.scenario.variants.len(),
        v.scenario.replications,
        resources::human_bytes(estimate.total)
    );
    Ok(())
}

/// A progress bar on stderr that appears only on a terminal and only after one second.
struct Progress {
    enabled: bool,
    started: Instant,
    bar: Mutex<Option<ProgressBar>>,
}

impl Progress {
    fn new(enabled: bool) -> Self {
        Progress {
            enabled,
            started: Instant::now(),
            bar: Mutex::new(None),
        }
    }

    fn update(&self, done: u64, total: u64) {
        if !self.enabled || self.started.elapsed() < Duration::from_secs(1) {
            return;
        }
        let mut slot = self.bar.lock().expect("progress lock");
        let bar = slot.get_or_insert_with(|| {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template(
                    "{elapsed_precise} [{bar:40}] {pos}/{len} queries ({per_sec}, ETA {eta})",
                )
                .expect("valid template")
                .progress_chars("=> "),
            );
            bar
        });
        bar.set_position(done);
    }

    fn finish(&self) {
        if let Some(bar) = self.bar.lock().expect("progress lock").take() {
            bar.finish_and_clear();
        }
    }
}
