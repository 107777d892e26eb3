//! Scenario files: the typed schema, loading (TOML or JSON, with `--set` overrides) and
//! validation, as separate steps.
//!
//! [`load`] reads a file into a [`Scenario`] (syntax and types only; unknown keys are errors
//! that name their field path); [`Scenario::validate`] then checks values and relations and
//! yields a [`Validated`] scenario, the only form the simulator accepts. The same structs,
//! with every default filled in, are written back as the resolved scenario in `summary.json`.

mod load;
mod param;
mod validate;

pub use load::{MAX_SCENARIO_BYTES, Override, load, parse_override, toml_to_json};
pub use param::{MAX_POINTS, Param, param_label, parse_param, value_label};
pub use validate::Validated;

pub use crate::capacity::Capacity;
pub use crate::churn::{Churn, Lifetime, Repair};
pub use crate::content::{ContentTable as Content, Popularity, Rare, Replication};
pub use crate::search::Search;
pub use crate::workload::Workload;

use serde::{Deserialize, Serialize};

/// The only schema version this release reads.
pub const SCHEMA_VERSION: u32 = 1;
/// The seed used when a scenario names none.
pub const DEFAULT_SEED: u64 = 1;

/// A whole scenario file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Must be 1.
    pub schema_version: u32,
    /// Names the results folder, `results/<name>/`.
    pub name: String,
    /// The master seed every random stream derives from.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Independent worlds (topology, content, workload), aggregated together.
    #[serde(default = "one")]
    pub replications: u32,
    /// The overlay and its links.
    pub network: Network,
    /// Objects, their popularity and their replicas.
    pub content: Content,
    /// The query stream.
    pub workload: Workload,
    /// Peers coming and going; none by default.
    #[serde(default, skip_serializing_if = "Churn::is_none")]
    pub churn: Churn,
    /// The search strategies compared on the same world.
    #[serde(rename = "variant")]
    pub variants: Vec<Variant>,
    /// What to write besides the standard files.
    #[serde(default)]
    pub output: Output,
    /// Parameters `floodsim sweep` varies when no `--param` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepTable>,
}

/// `[sweep]`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepTable {
    /// Parameters in `--param` syntax: `"PATH=V1,V2,..."` or `"PATH=A..=B[:STEP]"`.
    pub params: Vec<String>,
}

fn default_seed() -> u64 {
    DEFAULT_SEED
}
fn one() -> u32 {
    1
}

/// `[network]`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Network {
    /// Node count of a generated topology; omitted for `file` topologies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes: Option<u32>,
    /// How the overlay is built.
    pub topology: Topology,
    /// Link latency: per message or per link.
    #[serde(default)]
    pub latency: Latency,
    /// Keep only the largest connected component of the generated or loaded overlay.
    #[serde(default)]
    pub largest_component: bool,
    /// How many messages a node processes per second, and how many may wait; unlimited by
    /// default (and then left out of `summary.json`'s resolved scenario).
    #[serde(default, skip_serializing_if = "Capacity::is_unlimited")]
    pub capacity: Capacity,
}

/// `network.topology`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Topology {
    /// G(n, p) with the given expected mean degree.
    ErdosRenyi {
        /// Expected mean degree, p·(n−1).
        mean_degree: f64,
    },
    /// Every node has exactly `degree` neighbours.
    RandomRegular {
        /// The degree of every node.
        degree: u32,
    },
    /// Linear preferential attachment, `m` edges per new node.
    BarabasiAlbert {
        /// Edges each new node adds.
        m: u32,
    },
    /// A ring lattice of even `degree` with each edge rewired with probability `rewire`.
    WattsStrogatz {
        /// Lattice degree (even).
        degree: u32,
        /// Rewiring probability.
        rewire: f64,
    },
    /// Configuration model with power-law degrees.
    PowerLaw {
        /// Degree exponent γ (> 1).
        exponent: f64,
        /// Requested mean degree (before erasing loops and multi-edges).
        mean_degree: f64,
        /// Largest degree drawn.
        max_degree: u32,
    },
    /// A 2D lattice; node id = y·width + x.
    Grid {
        /// Columns (default: √nodes).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        width: Option<u32>,
        /// Rows (default: nodes / width).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        height: Option<u32>,
        /// Wrap edges around.
        #[serde(default)]
        torus: bool,
    },
    /// Gnutella 0.6: an ultrapeer mesh with leaves below.
    TwoTier {
        /// Share of nodes that are ultrapeers.
        ultrapeer_fraction: f64,
        /// Mesh degree among ultrapeers.
        ultrapeer_degree: u32,
        /// Ultrapeers each leaf links to.
        leaf_links: u32,
    },
    /// An edge list (SNAP format, optionally gzip-compressed).
    File {
        /// Path, relative to the scenario file's folder.
        path: String,
    },
}

impl Topology {
    /// Grid dimensions from the given fields and node count: both given, or one derived, or
    /// a square. `None` when they do not determine a grid.
    pub fn grid_shape(
        width: Option<u32>,
        height: Option<u32>,
        nodes: Option<u32>,
    ) -> Option<(u32, u32)> {
        match (width, height, nodes) {
            (Some(w), Some(h), _) => Some((w, h)),
            (Some(w), None, Some(n)) if w > 0 && n % w == 0 => Some((w, n / w)),
            (None, Some(h), Some(n)) if h > 0 && n % h == 0 => Some((n / h, h)),
            (None, None, Some(n)) => {
                let side = (f64::from(n).sqrt().round()) as u32;
                (side * side == n).then_some((side, side))
            }
            _ => None,
        }
    }

    /// Number of ultrapeers of a two-tier overlay of `nodes` nodes.
    pub fn ultrapeer_count(fraction: f64, nodes: u32) -> u32 {
        (fraction * f64::from(nodes)).round() as u32
    }
}

/// `network.latency`, in milliseconds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Latency {
    /// Every message takes `ms`.
    Constant {
        /// Milliseconds per message.
        ms: f64,
    },
    /// Uniform on `[min_ms, max_ms]`, independently per message.
    Uniform {
        /// Smallest latency, ms.
        min_ms: f64,
        /// Largest latency, ms.
        max_ms: f64,
    },
    /// Lognormal with the given median and log-scale spread, independently per message.
    Lognormal {
        /// Median latency, ms.
        median_ms: f64,
        /// Standard deviation of ln(latency).
        sigma: f64,
    },
    /// Each link draws its latency once from `law` (a constant, uniform or lognormal table),
    /// and every message on it takes that latency plus a uniform jitter on `[0, jitter_ms]`.
    PerLink {
        /// The law of a link's latency.
        law: Box<Latency>,
        /// Largest extra delay of one message, ms (0: none).
        #[serde(default)]
        jitter_ms: f64,
    },
    /// Nodes placed in regions by share, each with an access delay drawn once from `access`;
    /// a latency is both access delays plus the great-circle distance between the regions'
    /// hubs over `km_per_ms` (see [`crate::net::Geography`]).
    Coordinates {
        /// The regions (default: six continental hubs, see [`default_regions`]).
        #[serde(default = "default_regions")]
        regions: Vec<Region>,
        /// Propagation speed between hubs, km per ms of one-way delay.
        #[serde(default = "default_km_per_ms")]
        km_per_ms: f64,
        /// Law of a node's access (last-mile) delay.
        #[serde(default = "default_access")]
        access: Box<Latency>,
    },
    /// Measured latencies between every two nodes, from a CSV file (see [`crate::net::Matrix`]).
    Matrix {
        /// The CSV file, relative to the scenario file's folder.
        path: String,
        /// The loaded matrix (validation reads it).
        #[serde(skip)]
        matrix: Option<std::sync::Arc<crate::net::Matrix>>,
    },
}

/// One region of a `coordinates` latency: its share of the nodes and its hub's position.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Region {
    /// A name for people.
    pub name: String,
    /// Relative share of the nodes.
    pub share: f64,
    /// Latitude of the hub, degrees.
    pub lat: f64,
    /// Longitude of the hub, degrees.
    pub lon: f64,
}

/// Six continental hubs (Chicago, São Paulo, Frankfurt, Lagos, Singapore, Sydney) with
/// illustrative shares of the nodes, roughly each continent's share of Internet users (not a
/// measured table; see the README).
pub fn default_regions() -> Vec<Region> {
    [
        ("north-america", 0.08, 41.88, -87.63),
        ("south-america", 0.10, -23.55, -46.63),
        ("europe", 0.15, 50.11, 8.68),
        ("africa", 0.12, 6.52, 3.38),
        ("asia", 0.54, 1.35, 103.82),
        ("oceania", 0.01, -33.87, 151.21),
    ]
    .map(|(name, share, lat, lon)| Region {
        name: name.to_string(),
        share,
        lat,
        lon,
    })
    .into()
}

/// Light in fibre covers about 200 km per ms; routes are longer than great circles, here by
/// a factor of 1.5 (an assumption, see the README).
fn default_km_per_ms() -> f64 {
    133.0
}

fn default_access() -> Box<Latency> {
    Box::new(Latency::Lognormal {
        median_ms: 5.0,
        sigma: 0.5,
    })
}

impl Default for Latency {
    fn default() -> Self {
        Latency::Constant { ms: 50.0 }
    }
}

/// One `[[variant]]`: a search strategy run on the shared world.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Unique name, used in every output row and in `--set variant.NAME.…`.
    pub name: String,
    /// The search strategy.
    pub search: Search,
}

/// `[output]`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// Width of a `timeseries.csv` window, seconds.
    #[serde(default = "default_window")]
    pub timeseries_window_s: f64,
    /// Write `nodes.csv`, what every node did (`floodsim run` only; `--nodes` sets it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub nodes: bool,
}

fn default_window() -> f64 {
    60.0
}

impl Output {
    /// The width of a `timeseries.csv` window.
    pub fn window(&self) -> crate::time::SimDuration {
        crate::time::SimDuration::from_secs_f64(self.timeseries_window_s)
    }
}

impl Default for Output {
    fn default() -> Self {
        Output {
            timeseries_window_s: default_window(),
            nodes: false,
        }
    }
}
