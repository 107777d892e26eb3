//! # floodsim
//!
//! A deterministic discrete-event simulator of Gnutella-like unstructured peer-to-peer
//! networks: it builds overlay graphs, floods TTL-bounded queries, and measures success,
//! traffic and latency per query.
//!
//! ## Quick start
//!
//! ```no_run
//! use floodsim::{run, scenario};
//! let path = std::path::Path::new("scenarios/quickstart.toml");
//! let validated = scenario::load(path, &[])?.validate(path)?;
//! let report = run::run(&validated, &run::RunOptions::default(), &|_, _| {})?;
//! println!("results in {}", report.dir.display());
//! # Ok::<(), floodsim::error::Error>(())
//! ```
//!
//! ## Determinism
//!
//! The same binary, `Cargo.lock`, scenario and seed give byte-identical `summary.json`,
//! `queries.csv` and `timeseries.csv` for any thread count. Every random draw comes from a
//! ChaCha8 stream keyed by (seed, replica, kind[, variant]) ([`rng`]); events at equal time pop
//! in a documented class order, then insertion order ([`engine::EventClass`]); node state
//! lives in vectors indexed by `u32` ids and no hash map is ever iterated. Wall-clock figures
//! go only to `run.json` and stderr.
//!
//! ## Layout
//!
//! [`scenario`] → [`build`] a [`world`] ([`topology`], [`content`], [`churn`], [`workload`]) →
//! a [`search`] kind runs its protocol in the [`sim`] layer on the [`engine`] kernel → the
//! protocol reports to the [`metrics`] recorder → [`output`] writes the files. The kernel knows
//! no protocol and no world; protocols know no file format. `docs/architecture.md` draws the
//! layers and the seams; [`sim::Protocol`] is the trait for a protocol of your own.

#![warn(missing_docs)]

pub mod alloc;
pub mod animate;
pub mod build;
pub mod capacity;
pub mod check;
pub mod churn;
pub mod content;
pub mod dht;
pub mod engine;
pub mod error;
pub mod hint;
pub mod ids;
pub mod input;
pub mod metrics;
pub mod net;
pub mod output;
pub mod plot;
pub mod resources;
pub mod rng;
pub mod run;
pub mod scenario;
pub mod search;
pub mod sim;
pub mod sweep;
pub mod time;
pub mod topology;
pub mod validation;
pub mod workload;
pub mod world;
