//! The metric catalogue: every headline metric is defined once, here.
//!
//! A [`Metric`] carries its output key, unit, human label, how it is aggregated over a
//! variant's queries (which is also how it is computed), its default `check` tolerance and its
//! plot axis. `summary.json`, `sweep.csv`, `sweep_summary.csv`, the sweep point files, `check`
//! and `plot` all go through [`CATALOGUE`]; [`QUERY_COLUMNS`] is the same for `queries.csv`.
//! Adding a metric is one entry in [`CATALOGUE`] (see `docs/architecture.md`).

use super::{Distribution, QueryInfo, QueryRecord, QueueStats, ReplicaResult, wilson_interval};
use crate::time::SimDuration;
use serde::{Deserialize, Serialize};

/// One headline metric.
#[derive(Debug)]
pub struct Metric {
    /// Output key in `summary.json`, column stem in the sweep files, id suffix in baselines.
    pub name: &'static str,
    /// What one unit of the value is.
    pub unit: &'static str,
    /// Human label, used on plot axes.
    pub label: &'static str,
    /// How the metric is aggregated over a variant's queries, and computed from them.
    pub aggregation: Aggregation,
    /// The default allowed change in `floodsim check`.
    pub tolerance: Tolerance,
    /// How a plot axis shows the metric.
    pub scale: Scale,
    /// Which way is better, so `check` tells an improvement from a regression.
    pub better: Better,
    /// Written after every other metric in `summary.json` (where the node loads have always
    /// been); new metrics leave it `false`.
    pub summary_at_end: bool,
}

/// How a metric is aggregated over one variant's queries, all replicas pooled.
#[derive(Debug)]
pub enum Aggregation {
    /// Share of queries for which the predicate holds, with its Wilson 95% interval
    /// (`<name>_ci95` in `summary.json`).
    Proportion(fn(&QueryRecord) -> bool),
    /// Mean and nearest-rank quantiles of a per-query value, over the queries that define it.
    Quantiles(fn(&QueryRecord) -> Option<f64>),
    /// Mean of a per-query count.
    PerQueryMean(fn(&QueryRecord) -> u64),
    /// The sum of one per-query count over the sum of another (0 when the latter is 0).
    Ratio(fn(&QueryRecord) -> u64, fn(&QueryRecord) -> u64),
    /// A figure of each replica's run (of the variant with this index) divided by the queries
    /// issued in that replica; mean over the replicas that issued any.
    PerQueryOfReplica(fn(&ReplicaResult, usize) -> f64),
    /// A figure of each replica's run (defined even when no query was issued); mean over
    /// replicas.
    PerReplica(fn(&ReplicaResult, usize) -> f64),
    /// A figure of the nodes' queues, all replicas' measurements merged. Defined only under a
    /// capacity model; such a metric is left out of every output without one, so that
    /// unlimited runs write what they always wrote.
    Queues(fn(&QueueStats) -> Option<Figure>),
}

/// The default allowed change of a metric: the larger of `relative` × the baseline value and
/// the absolute one.
#[derive(Debug)]
pub struct Tolerance {
    /// Relative to the baseline value.
    pub relative: f64,
    /// The absolute floor.
    pub absolute: Absolute,
}

/// The absolute part of a [`Tolerance`].
#[derive(Debug)]
pub enum Absolute {
    /// A fixed amount.
    Fixed(f64),
    /// The 95% range of the difference of two binomial estimates from the same number of
    /// queries (for proportions of queries).
    Binomial,
}

/// Which change of a metric is an improvement.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Better {
    /// More is better (success).
    Higher,
    /// Less is better (cost, delay, losses).
    Lower,
    /// Neither way is better by itself (reach: more finds more and costs more).
    Neither,
}

/// How a plot axis shows a metric.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Scale {
    /// Linear over a fixed domain (proportions: `[0, 1]`).
    Domain(f64, f64),
    /// Linear, or logarithmic when the positive values span more than two decades.
    Auto,
}

/// The value of one metric for one variant.
#[derive(Clone, Debug, PartialEq)]
pub enum Figure {
    /// A single number.
    Scalar(f64),
    /// A share with its Wilson 95% interval.
    Proportion {
        /// The share.
        rate: f64,
        /// The interval.
        ci95: [f64; 2],
    },
    /// Mean and quantiles.
    Distribution(Distribution),
}

impl Figure {
    /// The one number that `sweep.csv` and `check` use: the share, the number or the mean.
    pub fn headline(&self) -> f64 {
        match self {
            Figure::Scalar(x) | Figure::Proportion { rate: x, .. } => *x,
            Figure::Distribution(d) => d.mean,
        }
    }
}

const SHARE: Scale = Scale::Domain(0.0, 1.0);
const TIGHT: Absolute = Absolute::Fixed(1e-9);

/// Every headline metric, in the column order of `sweep.csv`, `sweep_summary.csv`, point files
/// and baselines.
pub const CATALOGUE: &[Metric] = &[
    Metric {
        name: "success_rate",
        unit: "share of queries",
        label: "success rate",
        aggregation: Aggregation::Proportion(QueryRecord::success),
        tolerance: Tolerance {
            relative: 0.0,
            absolute: Absolute::Binomial,
        },
        scale: SHARE,
        better: Better::Higher,
        summary_at_end: false,
    },
    Metric {
        name: "messages_per_query",
        unit: "messages",
        label: "request messages per query",
        aggregation: Aggregation::Quantiles(|r| Some(r.messages as f64)),
        tolerance: Tolerance {
            relative: 0.05,
            absolute: TIGHT,
        },
        scale: Scale::Auto,
        better: Better::Lower,
        summary_at_end: false,
    },
    Metric {
        name: "response_messages_per_query",
        unit: "messages",
        label: "response messages per query",
        aggregation: Aggregation::Quantiles(|r| Some(r.response_messages as f64)),
        tolerance: Tolerance {
            relative: 0.05,
            absolute: TIGHT,
        },
        scale: Scale::Auto,
        better: Better::Lower,
        summary_at_end: false,
    },
    Metric {
        name: "hops_to_first_hit",
        unit: "hops",
        label: "hops to the first hit",
        aggregation: Aggregation::Quantiles(|r| r.first_hit_hops.map(f64::from)),
        tolerance: Tolerance {
            relative: 0.05,
            absolute: TIGHT,
        },
        scale: Scale::Auto,
        better: Better::Lower,
        summary_at_end: false,
    },
    Metric {
        name: "time_to_first_hit_ms",
        unit: "ms",
        label: "time to the first hit (ms)",
        aggregation: Aggregation::Quantiles(|r| r.first_hit.map(|d| d.micros() as f64 / 1000.0)),
        tolerance: Tolerance {
            relative: 0.05,
            absolute: TIGHT,
        },
        scale: Scale::Auto,
        better: Better::Lower,
        summary_at_end: false,
    },
    Metric {
        name: "nodes_reached_per_query",
        unit: "nodes",
        label: "nodes reached per query",
        aggregation: Aggregation::Quantiles(|r| Some(f64::from(r.nodes_reached))),
        tolerance: Tolerance {
            relative: 0.05,
            absolute: TIGHT,
        },
        scale: Scale::Auto,
        better: Better::Neither,
        summary_at_end: false,
    },
    Metric {
        name: "duplicate_ratio",
        unit: "share of request messages",
        label: "duplicates / request messages",
        aggregation: Aggregation::Ratio(|r| r.duplicates, |r| r.messages),
        tolerance: Tolerance {
            relative: 0.05,
            absolute: Absolute::Fixed(0.01),
        },
        scale: Scale::Auto,
        better: Better::Lower,
        summary_at_end: false,
    },
    Metric {
        name: "bytes_per_query",
        unit: "bytes",
        label: "bytes per query",
        aggregation: Aggregation::PerQueryMean(|r| r.bytes),
        tolerance: Tolerance {
            relative: 0.05,
            absolute: TIGHT,
        },
        scale: Scale::Auto,
        better: Better::Lower,
        summary_at_end: false,
    },
    Metric {
        name: "peak_node_load",
        unit: "messages per query",
        label: "busiest node's messages per query",
        aggregation: Aggregation::PerQueryOfReplica(|r, v| f64::from(r.runs[v].peak_node_load)),
        tolerance: Tolerance {
            relative: 0.10,
            absolute: TIGHT,
        },
        scale: Scale::Auto,
        better: Better::Lower,
        summary_at_end: true,
    },
    Metric {
        name: "mean_node_load",
        unit: "messages per query",
        label: "average node's messages per query",
        aggregation: Aggregation::PerQueryOfReplica(|r, v| r.runs[v].mean_node_load),
        tolerance: Tolerance {
            relative: 0.05,
            absolute: TIGHT,
        },
        scale: Scale::Auto,
        better: Better::Lower,
        summary_at_end: true,
    },
    Metric {
        name: "hits_lost_per_query",
        unit: "QueryHits",
        label: "QueryHits lost to churn per query",
        aggregation: Aggregation::PerQueryMean(|r| u64::from(r.hits_lost)),
        tolerance: Tolerance {
            relative: 0.10,
            absolute: Absolute::Fixed(0.01),
        },
        scale: Scale::Auto,
        better: Better::Lower,
        summary_at_end: false,
    },
    Metric {
        name: "rpc_timeouts_per_query",
        unit: "RPC timeouts",
        label: "RPC timeouts per query",
        aggregation: Aggregation::PerQueryMean(|r| u64::from(r.rpc_timeouts)),
        tolerance: Tolerance {
            relative: 0.10,
            absolute: Absolute::Fixed(0.01),
        },
        scale: Scale::Auto,
        better: Better::Lower,
        summary_at_end: false,
    },
    Metric {
        name: "maintenance_per_node_per_s",
        unit: "messages per online node per second",
        label: "maintenance messages per node per second",
        aggregation: Aggregation::PerReplica(maintenance_rate),
        tolerance: Tolerance {
            relative: 0.05,
            absolute: TIGHT,
        },
        scale: Scale::Auto,
        better: Better::Lower,
        summary_at_end: false,
    },
    Metric {
        name: "total_messages_per_query",
        unit: "messages",
        label: "all messages per query (requests, responses, upkeep)",
        aggregation: Aggregation::PerQueryOfReplica(total_messages),
        tolerance: Tolerance {
            relative: 0.05,
            absolute: TIGHT,
        },
        scale: Scale::Auto,
        better: Better::Lower,
        summary_at_end: false,
    },
    // The capacity metrics stay last: without a capacity model they are left out.
    Metric {
        name: "drop_ratio",
        unit: "share of message arrivals",
        label: "messages dropped at full queues / messages arrived",
        aggregation: Aggregation::Queues(|q| Some(Figure::Scalar(q.drop_ratio()))),
        tolerance: Tolerance {
            relative: 0.10,
            absolute: Absolute::Fixed(0.001),
        },
        scale: SHARE,
        better: Better::Lower,
        summary_at_end: false,
    },
    Metric {
        name: "queueing_delay_ms",
        unit: "ms",
        label: "wait in a node's queue per message (ms)",
        aggregation: Aggregation::Queues(|q| q.wait_ms().map(Figure::Distribution)),
        tolerance: Tolerance {
            relative: 0.10,
            absolute: Absolute::Fixed(0.01),
        },
        scale: Scale::Auto,
        better: Better::Lower,
        summary_at_end: false,
    },
    Metric {
        name: "node_utilisation",
        unit: "share of the run a node is busy",
        label: "node utilisation",
        aggregation: Aggregation::Queues(|q| q.utilisation().map(Figure::Distribution)),
        tolerance: Tolerance {
            relative: 0.10,
            absolute: Absolute::Fixed(0.001),
        },
        scale: SHARE,
        better: Better::Neither,
        summary_at_end: false,
    },
];

/// The catalogue's metrics that a result shows, with their catalogue index: all of them under
/// a capacity model, else all but the capacity metrics.
pub fn shown(capacity: bool) -> impl Iterator<Item = (usize, &'static Metric)> {
    CATALOGUE
        .iter()
        .enumerate()
        .filter(move |(_, m)| capacity || !m.capacity_only())
}

/// The catalogue entry named `name`.
pub fn metric(name: &str) -> Option<&'static Metric> {
    CATALOGUE.iter().find(|m| m.name == name)
}

/// The metric named `name`, which must be in the catalogue (for consumers that name one).
pub fn known(name: &str) -> &'static Metric {
    metric(name).unwrap_or_else(|| unreachable!("{name} is in the catalogue"))
}

/// Every metric name, comma-separated (for messages).
pub fn names() -> String {
    CATALOGUE
        .iter()
        .map(|m| m.name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Metric {
    /// The values the metric can take: its plot domain for shares, else `[0, ∞)` (every metric
    /// counts, times or rates something). Intervals are clipped to it.
    pub fn possible(&self) -> (f64, f64) {
        match self.scale {
            Scale::Domain(lo, hi) => (lo, hi),
            Scale::Auto => (0.0, f64::INFINITY),
        }
    }

    /// Its position in [`CATALOGUE`] (and in every per-metric vector).
    pub fn index(&self) -> usize {
        CATALOGUE
            .iter()
            .position(|m| m.name == self.name)
            .unwrap_or_else(|| unreachable!("every metric is in the catalogue"))
    }

    /// The metric of variant `v` over `replicas`; `None` where it is undefined (no query was
    /// issued, or none defines the value).
    pub fn compute(&self, replicas: &[ReplicaResult], v: usize) -> Option<Figure> {
        let records = || replicas.iter().flat_map(move |r| &r.runs[v].records);
        let queries = records().count() as u64;
        let sum = |f: fn(&QueryRecord) -> u64| records().map(f).sum::<u64>();
        let defined = queries > 0;
        match self.aggregation {
            Aggregation::Proportion(holds) => defined.then(|| {
                let hits = records().filter(|r| holds(r)).count() as u64;
                Figure::Proportion {
                    rate: hits as f64 / queries as f64,
                    ci95: wilson_interval(hits, queries),
                }
            }),
            Aggregation::Quantiles(value) => {
                Distribution::of(records().filter_map(value).collect()).map(Figure::Distribution)
            }
            Aggregation::PerQueryMean(count) => {
                defined.then(|| Figure::Scalar(sum(count) as f64 / queries as f64))
            }
            Aggregation::Ratio(part, whole) => defined.then(|| {
                let whole = sum(whole);
                Figure::Scalar(if whole == 0 {
                    0.0
                } else {
                    sum(part) as f64 / whole as f64
                })
            }),
            Aggregation::PerQueryOfReplica(figure) => {
                let per_query: Vec<f64> = replicas
                    .iter()
                    .filter(|r| !r.queries.is_empty())
                    .map(|r| figure(r, v) / r.queries.len() as f64)
                    .collect();
                (!per_query.is_empty())
                    .then(|| Figure::Scalar(per_query.iter().sum::<f64>() / per_query.len() as f64))
            }
            Aggregation::PerReplica(figure) => (!replicas.is_empty()).then(|| {
                Figure::Scalar(
                    replicas.iter().map(|r| figure(r, v)).sum::<f64>() / replicas.len() as f64,
                )
            }),
            Aggregation::Queues(figure) => {
                let mut runs = replicas.iter().filter_map(|r| r.runs[v].queues.as_ref());
                let mut merged = runs.next()?.clone();
                runs.for_each(|q| merged.merge(q));
                figure(&merged)
            }
        }
    }

    /// Whether the metric exists only under a capacity model.
    pub fn capacity_only(&self) -> bool {
        matches!(self.aggregation, Aggregation::Queues(_))
    }

    /// Its keys in a variant of `summary.json`: the name, and `<name>_ci95` for proportions.
    pub fn keys(&self) -> Vec<String> {
        let mut keys = vec![self.name.to_string()];
        if matches!(self.aggregation, Aggregation::Proportion(_)) {
            keys.push(self.interval_key());
        }
        keys
    }

    /// The `summary.json` key of a proportion's 95% interval.
    fn interval_key(&self) -> String {
        format!("{}_ci95", self.name)
    }

    /// Writes the `summary.json` entries of `figure` (`null` where undefined; nothing for an
    /// undefined capacity metric) into `map`.
    pub fn serialize_into<M: serde::ser::SerializeMap>(
        &self,
        map: &mut M,
        figure: Option<&Figure>,
    ) -> Result<(), M::Error> {
        match (&self.aggregation, figure) {
            (Aggregation::Queues(_), None) => Ok(()),
            (Aggregation::Proportion(_), f) => {
                let (rate, ci95) = match f {
                    Some(Figure::Proportion { rate, ci95 }) => (Some(rate), Some(ci95)),
                    _ => (None, None),
                };
                map.serialize_entry(self.name, &rate)?;
                map.serialize_entry(&self.interval_key(), &ci95)
            }
            (_, Some(Figure::Distribution(d))) => map.serialize_entry(self.name, d),
            (_, f) => map.serialize_entry(self.name, &f.map(Figure::headline)),
        }
    }

    /// Reads the metric back from a variant of `summary.json`.
    pub fn from_json(
        &self,
        variant: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Option<Figure>, String> {
        let entry = |key: &str| match variant.get(key) {
            None if self.capacity_only() => Ok(None),
            None => Err(format!("no {key:?}")),
            Some(v) => Ok((!v.is_null()).then_some(v)),
        };
        let wrong = |key: &str| format!("{key:?} has the wrong type");
        let number = |key: &str| -> Result<Option<f64>, String> {
            entry(key)?
                .map(|v| v.as_f64().ok_or_else(|| wrong(key)))
                .transpose()
        };
        match self.aggregation {
            Aggregation::Proportion(_) => {
                let key = self.interval_key();
                let ci = entry(&key)?
                    .map(|v| serde_json::from_value::<[f64; 2]>(v.clone()).map_err(|_| wrong(&key)))
                    .transpose()?;
                match (number(self.name)?, ci) {
                    (Some(rate), Some(ci95)) => Ok(Some(Figure::Proportion { rate, ci95 })),
                    (None, None) => Ok(None),
                    _ => Err(format!("{:?} and {key:?} disagree", self.name)),
                }
            }
            // A distribution is an object; a queue metric may also be a single number.
            Aggregation::Quantiles(_) | Aggregation::Queues(_)
                if !matches!(self.aggregation, Aggregation::Queues(_))
                    || entry(self.name)?.is_some_and(|v| v.is_object()) =>
            {
                entry(self.name)?
                    .map(|v| {
                        serde_json::from_value(v.clone())
                            .map(Figure::Distribution)
                            .map_err(|_| wrong(self.name))
                    })
                    .transpose()
            }
            _ => Ok(number(self.name)?.map(Figure::Scalar)),
        }
    }
}

/// One replica's maintenance messages (overlay repair and the protocol's own upkeep) per online
/// node per second, from time zero to the end of the run.
fn maintenance_rate(r: &ReplicaResult, v: usize) -> f64 {
    let end_s = r.horizon_us as f64 / 1e6;
    let online = match &r.overlay {
        Some(windows) => {
            windows.iter().map(|w| w.online_nodes).sum::<f64>() / windows.len().max(1) as f64
        }
        None => f64::from(r.network.nodes),
    };
    if end_s > 0.0 && online > 0.0 {
        maintenance_messages(r, v) as f64 / online / end_s
    } else {
        0.0
    }
}

/// Maintenance messages over the whole run: the overlay's link repair plus the variant's own
/// upkeep (DHT refreshes, republication).
fn maintenance_messages(r: &ReplicaResult, v: usize) -> u64 {
    let overlay: u64 = r
        .overlay
        .iter()
        .flatten()
        .map(|w| w.maintenance_messages)
        .sum();
    overlay + r.runs[v].maintenance.iter().sum::<u64>()
}

/// Every message of the run: the queries' requests and responses plus all maintenance
/// (the total cost that `total_messages_per_query` divides by the queries).
fn total_messages(r: &ReplicaResult, v: usize) -> f64 {
    let queries: u64 = r.runs[v]
        .records
        .iter()
        .map(|q| q.messages + q.response_messages)
        .sum();
    (queries + maintenance_messages(r, v)) as f64
}

/// The headline values of one variant in one replica (a row of `sweep.csv`, stored in the
/// sweep's point files).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunRow {
    /// Variant name.
    pub variant: String,
    /// Replica index.
    pub replica: u32,
    /// Queries simulated.
    pub queries: u64,
    /// One headline value per [`CATALOGUE`] entry (null where undefined; the capacity
    /// metrics are left off the stored list when all of them are undefined).
    #[serde(serialize_with = "store_metrics", deserialize_with = "load_metrics")]
    pub metrics: Vec<Option<f64>>,
}

/// How many metrics precede the capacity metrics.
fn core_metrics() -> usize {
    CATALOGUE.iter().filter(|m| !m.capacity_only()).count()
}

fn store_metrics<S: serde::Serializer>(m: &[Option<f64>], s: S) -> Result<S::Ok, S::Error> {
    let core = core_metrics().min(m.len());
    let kept = if m[core..].iter().all(Option::is_none) {
        &m[..core]
    } else {
        m
    };
    kept.serialize(s)
}

fn load_metrics<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<Option<f64>>, D::Error> {
    let mut m = Vec::<Option<f64>>::deserialize(d)?;
    if m.len() == core_metrics() {
        m.resize(CATALOGUE.len(), None);
    }
    Ok(m)
}

/// A per-query value as `queries.csv` shows it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Cell {
    /// An integer.
    Count(u64),
    /// A duration, shown in milliseconds with three decimals.
    Duration(SimDuration),
    /// Absent (an empty cell).
    Empty,
}

/// A column of `queries.csv` after `variant,replica,query`.
#[derive(Debug)]
pub struct QueryColumn {
    /// Header name.
    pub name: &'static str,
    /// The cell of one query.
    pub cell: fn(&QueryInfo, &QueryRecord) -> Cell,
}

fn count_or_empty(x: Option<u32>) -> Cell {
    x.map_or(Cell::Empty, |x| Cell::Count(u64::from(x)))
}

/// The per-query columns of `queries.csv`, in order.
pub const QUERY_COLUMNS: &[QueryColumn] = &[
    QueryColumn {
        name: "issued_ms",
        cell: |q, _| Cell::Duration(SimDuration(q.issued_us)),
    },
    QueryColumn {
        name: "source",
        cell: |q, _| Cell::Count(q.source),
    },
    QueryColumn {
        name: "object",
        cell: |q, _| Cell::Count(u64::from(q.object)),
    },
    QueryColumn {
        name: "replicas_online",
        cell: |q, _| Cell::Count(u64::from(q.replicas_online)),
    },
    QueryColumn {
        name: "success",
        cell: |_, r| Cell::Count(u64::from(r.success())),
    },
    QueryColumn {
        name: "hits",
        cell: |_, r| Cell::Count(u64::from(r.hits)),
    },
    QueryColumn {
        name: "first_hit_hops",
        cell: |_, r| count_or_empty(r.first_hit_hops),
    },
    QueryColumn {
        name: "first_hit_ms",
        cell: |_, r| r.first_hit.map_or(Cell::Empty, Cell::Duration),
    },
    QueryColumn {
        name: "messages",
        cell: |_, r| Cell::Count(r.messages),
    },
    QueryColumn {
        name: "response_messages",
        cell: |_, r| Cell::Count(r.response_messages),
    },
    QueryColumn {
        name: "duplicates",
        cell: |_, r| Cell::Count(r.duplicates),
    },
    QueryColumn {
        name: "nodes_reached",
        cell: |_, r| Cell::Count(u64::from(r.nodes_reached)),
    },
    QueryColumn {
        name: "hits_lost",
        cell: |_, r| Cell::Count(u64::from(r.hits_lost)),
    },
    QueryColumn {
        name: "rpc_timeouts",
        cell: |_, r| Cell::Count(u64::from(r.rpc_timeouts)),
    },
];

/// The columns of `queries.csv` after [`QUERY_COLUMNS`] under a capacity model.
pub const CAPACITY_QUERY_COLUMNS: &[QueryColumn] = &[QueryColumn {
    name: "dropped",
    cell: |_, r| Cell::Count(u64::from(r.dropped)),
}];

/// The per-query columns of a result, in order: [`QUERY_COLUMNS`], then under a capacity
/// model [`CAPACITY_QUERY_COLUMNS`].
pub fn query_columns(capacity: bool) -> impl Iterator<Item = &'static QueryColumn> {
    let extra = if capacity {
        CAPACITY_QUERY_COLUMNS
    } else {
        &[]
    };
    QUERY_COLUMNS.iter().chain(extra)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::VariantRun;

    #[test]
    fn names_are_unique_and_keys_do_not_collide() {
        let mut keys: Vec<String> = CATALOGUE
            .iter()
            .flat_map(Metric::keys)
            .chain(["name", "queries", "by_replicas"].map(String::from))
            .collect();
        let n = keys.len();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), n, "two metrics write the same summary.json key");
        for (i, m) in CATALOGUE.iter().enumerate() {
            assert_eq!(m.index(), i);
            assert!(m.tolerance.relative >= 0.0, "{}", m.name);
        }
        let mut columns: Vec<&str> = query_columns(true).map(|c| c.name).collect();
        columns.sort_unstable();
        columns.dedup();
        assert_eq!(columns.len(), query_columns(true).count());
    }

    fn replica(queries: usize, peak_node_load: u32) -> ReplicaResult {
        ReplicaResult {
            replica: 0,
            network: super::super::NetworkStats {
                nodes: 10,
                edges: 0,
                mean_degree: 0.0,
                components: 10,
                largest_component: 1,
            },
            queries: vec![
                QueryInfo {
                    issued_us: 0,
                    source: 0,
                    object: 0,
                    replicas_online: 1,
                };
                queries
            ],
            runs: vec![VariantRun {
                records: vec![
                    QueryRecord {
                        messages: 4,
                        ..QueryRecord::default()
                    };
                    queries
                ],
                peak_node_load,
                mean_node_load: 1.0,
                events: 0,
                maintenance: vec![5],
                queues: None,
                qrp: None,
                nodes: None,
                trace: Vec::new(),
            }],
            horizon_us: 1_000_000,
            overlay: None,
            nodes: None,
        }
    }

    #[test]
    fn without_queries_only_per_replica_metrics_are_defined() {
        for m in CATALOGUE {
            let f = m.compute(&[replica(0, 0)], 0);
            match m.aggregation {
                // 5 maintenance messages, 10 nodes, 1 s.
                Aggregation::PerReplica(_) => {
                    assert_eq!(f, Some(Figure::Scalar(0.5)), "{}", m.name)
                }
                // No capacity model, no queue figures.
                _ => assert_eq!(f, None, "{}", m.name),
            }
        }
        // A replica that issued no query does not dilute the per-query node load: the other
        // one's busiest node received 6 messages for 2 queries.
        let mixed = [replica(0, 0), replica(2, 6)];
        assert_eq!(
            known("peak_node_load").compute(&mixed, 0),
            Some(Figure::Scalar(3.0))
        );
        let messages = known("messages_per_query").compute(&mixed, 0);
        assert_eq!(messages.map(|f| f.headline()), Some(4.0));
        // All messages: 2 queries × (4 requests + 1 response) + 5 maintenance = 15 per 2
        // queries, and the overlay's repair on top: 3 more.
        let mut r = replica(2, 6);
        for q in &mut r.runs[0].records {
            q.response_messages = 1;
        }
        let total = known("total_messages_per_query");
        assert_eq!(
            total.compute(std::slice::from_ref(&r), 0),
            Some(Figure::Scalar(7.5))
        );
        r.overlay = Some(vec![super::super::OverlayWindow {
            online_nodes: 10.0,
            mean_degree: 0.0,
            maintenance_messages: 3,
        }]);
        assert_eq!(total.compute(&[r], 0), Some(Figure::Scalar(9.0)));
    }

    #[test]
    fn figures_round_trip_through_json() {
        let d = Distribution::of(vec![1.0, 2.0, 4.0]).unwrap();
        for m in CATALOGUE {
            let figure = match m.aggregation {
                Aggregation::Proportion(_) => Figure::Proportion {
                    rate: 0.25,
                    ci95: [0.125, 0.5],
                },
                Aggregation::Quantiles(_) => Figure::Distribution(d.clone()),
                Aggregation::Queues(q) => q(&QueueStats::default()).unwrap_or(Figure::Scalar(0.0)),
                _ => Figure::Scalar(1.5),
            };
            for f in [Some(figure), None] {
                struct One<'a>(&'a Metric, Option<&'a Figure>);
                impl Serialize for One<'_> {
                    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                        use serde::ser::SerializeMap;
                        let mut map = s.serialize_map(None)?;
                        self.0.serialize_into(&mut map, self.1)?;
                        map.end()
                    }
                }
                let json = serde_json::to_value(One(m, f.as_ref())).unwrap();
                let map = json.as_object().unwrap();
                let written = if m.capacity_only() && f.is_none() {
                    0
                } else {
                    m.keys().len()
                };
                assert_eq!(map.len(), written);
                assert_eq!(m.from_json(map), Ok(f), "{}", m.name);
            }
        }
    }
}
