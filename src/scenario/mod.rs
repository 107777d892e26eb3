//! Scenario files: the typed schema, loading (TOML or JSON, with `--set` overrides) and
//! validation, as separate steps.
//!
//! [`load`] reads a file into a [`Scenario`] (syntax and types only; unknown keys are errors
//! that name their field path); [`Scenario::validate`] then checks values and relations and
//! yields a [`Validated`] scenario, the only form the simulator accepts. The same structs,
//! with every default filled in, are written back as the resolved scenario in `summary.json`.

mod load;
mod validate;

pub use load::{MAX_SCENARIO_BYTES, Override, load, parse_override, read_text, toml_to_json};
pub use validate::Validated;

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
    /// Per-message link latency.
    #[serde(default)]
    pub latency: Latency,
    /// Keep only the largest connected component of the generated or loaded overlay.
    #[serde(default)]
    pub largest_component: bool,
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
}

impl Default for Latency {
    fn default() -> Self {
        Latency::Constant { ms: 50.0 }
    }
}

/// `[content]`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Content {
    /// Objects in the catalogue (ranked 1..objects by popularity).
    pub objects: u32,
    /// How queries pick among the catalogue.
    #[serde(default)]
    pub popularity: Popularity,
    /// How many copies each catalogue object has.
    pub replication: Replication,
    /// Extra objects with few copies, queried with `workload.rare_fraction`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rare: Option<Rare>,
}

/// `content.popularity`
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Popularity {
    /// Every object equally likely.
    #[default]
    Uniform,
    /// Object of rank i with probability ∝ 1/i^exponent.
    Zipf {
        /// The Zipf exponent (0 gives uniform).
        exponent: f64,
    },
}

/// `content.replication`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Replication {
    /// Every object has the same number of copies on distinct random nodes.
    Uniform {
        /// Copies per object.
        copies: u32,
    },
    /// Copies proportional to query popularity.
    Proportional {
        /// Mean copies per object; the total is round(objects × mean_copies).
        mean_copies: f64,
    },
    /// Copies proportional to the square root of query popularity (Cohen & Shenker 2002).
    SquareRoot {
        /// Mean copies per object; the total is round(objects × mean_copies).
        mean_copies: f64,
    },
}

/// `content.rare`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rare {
    /// Number of rare objects.
    pub objects: u32,
    /// Copies of each rare object.
    pub copies: u32,
}

/// `[workload]`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// Queries per replica.
    pub queries: u32,
    /// Poisson arrival rate, queries per second.
    pub rate_per_s: f64,
    /// Share of queries aimed at the rare objects.
    #[serde(default)]
    pub rare_fraction: f64,
    /// Hits arriving later than this after the query was issued do not count.
    #[serde(default = "default_timeout")]
    pub timeout_s: f64,
}

fn default_timeout() -> f64 {
    30.0
}

/// `[churn]`: how peers come and go.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Churn {
    /// Every node stays online; the overlay never changes.
    #[default]
    None,
    /// Each node alternates online sessions and offline periods, starting in the stationary
    /// state.
    Sessions {
        /// Length of an online session.
        session: Lifetime,
        /// Length of an offline period.
        offline: Lifetime,
        /// Simulated seconds before the first query.
        #[serde(default)]
        warmup_s: f64,
        /// How nodes replace lost links; without it links are the overlay's own edges,
        /// live while both ends are online.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        repair: Option<Repair>,
    },
    /// Online intervals replayed from a CSV file (`node,online_s,offline_s`).
    Trace {
        /// Path, relative to the scenario file's folder.
        path: String,
        /// Simulated seconds before the first query.
        #[serde(default)]
        warmup_s: f64,
        /// How nodes replace lost links (as for `sessions`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        repair: Option<Repair>,
    },
}

impl Churn {
    /// Whether nodes never change state.
    pub fn is_none(&self) -> bool {
        matches!(self, Churn::None)
    }

    /// Seconds before the first query.
    pub fn warmup_s(&self) -> f64 {
        match self {
            Churn::None => 0.0,
            Churn::Sessions { warmup_s, .. } | Churn::Trace { warmup_s, .. } => *warmup_s,
        }
    }

    /// The repair settings, if links are repaired.
    pub fn repair(&self) -> Option<&Repair> {
        match self {
            Churn::None => None,
            Churn::Sessions { repair, .. } | Churn::Trace { repair, .. } => repair.as_ref(),
        }
    }
}

/// A distribution of session or offline lengths, in seconds.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Lifetime {
    /// Exponential with the given mean.
    Exponential {
        /// Mean, seconds.
        mean_s: f64,
    },
    /// Pareto: P(X > x) = (scale_s / x)^shape for x ≥ scale_s.
    Pareto {
        /// Tail index α (> 1, so the mean is finite).
        shape: f64,
        /// Smallest value, seconds.
        scale_s: f64,
    },
    /// Weibull: P(X > x) = exp(−(x / scale_s)^shape).
    Weibull {
        /// Shape k (Stutzbach & Rejaie fit 0.34–0.59 to Gnutella sessions).
        shape: f64,
        /// Scale λ, seconds.
        scale_s: f64,
    },
    /// Lognormal: ln X is normal with mean `mu` and standard deviation `sigma` (X in seconds).
    Lognormal {
        /// Mean of ln X (X in seconds).
        mu: f64,
        /// Standard deviation of ln X.
        sigma: f64,
    },
    /// Always `s` seconds.
    Constant {
        /// Seconds.
        s: f64,
    },
}

/// `churn.repair`: nodes keep at least `min_degree` links by connecting to random online
/// nodes they learn of from a host cache.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repair {
    /// A node with fewer links connects to new ones until it has this many.
    pub min_degree: u32,
    /// Repair never takes either end of a new link above this many links.
    pub max_degree: u32,
    /// How long neighbours take to notice that a node left, ms.
    #[serde(default)]
    pub delay_ms: f64,
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

/// `variant.search`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Search {
    /// Gnutella 0.4 flooding with GUID de-duplication.
    Flooding {
        /// Time-to-live: how many overlay hops a query travels.
        ttl: u32,
    },
    /// Floods of growing TTL, each with a new GUID, the next one only if no hit arrived.
    ExpandingRing {
        /// TTL of each ring, strictly increasing.
        ttls: Vec<u32>,
        /// How long to wait for a hit before the next ring, ms.
        wait_ms: f64,
    },
    /// Gnutella 0.6 on a two-tier overlay: ultrapeers flood among themselves and pass the
    /// query to a leaf only if the leaf's routing table matches.
    UltrapeerFlooding {
        /// Mesh hops among ultrapeers.
        ttl: u32,
    },
    /// Random walkers that check with the source (Lv et al. 2002).
    RandomWalk {
        /// Walkers per query.
        walkers: u32,
        /// Most steps per walker.
        ttl: u32,
        /// Steps between check-ins.
        check_every: u32,
    },
    /// Walkers that step to the highest-degree unvisited neighbour (GIA-style).
    DegreeBiasedWalk {
        /// Walkers per query.
        walkers: u32,
        /// Most steps per walker.
        ttl: u32,
        /// Steps between check-ins.
        check_every: u32,
    },
    /// Chord: iterative lookups over finger tables and successor lists.
    Chord {
        /// Successor-list length, and the nodes holding each key's provider records.
        successors: u32,
        /// Seconds between a node's stabilizations (successor list refresh) under churn.
        #[serde(default = "default_stabilize")]
        stabilize_s: f64,
        /// Seconds between a node's finger-table refreshes under churn.
        #[serde(default = "default_fix_fingers")]
        fix_fingers_s: f64,
        /// How long a source waits for an answer before giving up on a node, ms.
        #[serde(default = "default_rpc_timeout")]
        rpc_timeout_ms: f64,
        /// Seconds between a provider's republications under churn (records live twice that).
        #[serde(default = "default_republish")]
        republish_s: f64,
    },
    /// Kademlia: iterative XOR lookups, `alpha` requests per round.
    Kademlia {
        /// Bucket size, and the number of nodes holding each key's provider records.
        k: u32,
        /// Parallel requests per round.
        alpha: u32,
        /// Seconds between a node's bucket refreshes under churn.
        #[serde(default = "default_refresh")]
        refresh_s: f64,
        /// How long a source waits for an answer before giving up on a node, ms.
        #[serde(default = "default_rpc_timeout")]
        rpc_timeout_ms: f64,
        /// Seconds between a provider's republications under churn (records live twice that).
        #[serde(default = "default_republish")]
        republish_s: f64,
    },
}

fn default_stabilize() -> f64 {
    30.0
}
fn default_fix_fingers() -> f64 {
    60.0
}
fn default_rpc_timeout() -> f64 {
    500.0
}
fn default_republish() -> f64 {
    600.0
}
fn default_refresh() -> f64 {
    600.0
}

/// `[output]`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Output {
    /// Width of a `timeseries.csv` window, seconds.
    #[serde(default = "default_window")]
    pub timeseries_window_s: f64,
}

fn default_window() -> f64 {
    60.0
}

impl Default for Output {
    fn default() -> Self {
        Output {
            timeseries_window_s: default_window(),
        }
    }
}
