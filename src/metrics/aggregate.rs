//! From per-query records to per-variant summaries and time series.

use super::catalogue::{CATALOGUE, Figure, Metric};
use super::{QrpCounts, QueryInfo, QueryRecord, QueueWindow, ReplicaResult};
use serde::{Deserialize, Serialize};

/// Size and connectivity of one replica's overlay.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct NetworkStats {
    /// Nodes.
    pub nodes: u32,
    /// Undirected edges.
    pub edges: u64,
    /// 2E/N.
    pub mean_degree: f64,
    /// Connected components.
    pub components: u32,
    /// Nodes in the largest component.
    pub largest_component: u32,
}

/// Success and cost for queries whose object had a given number of online replicas.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ByReplicas {
    /// Fewest replicas in the bucket.
    pub min_replicas: u32,
    /// Most replicas in the bucket.
    pub max_replicas: u32,
    /// Queries in the bucket.
    pub queries: u64,
    /// Share of them that found a hit.
    pub success_rate: f64,
    /// Mean request messages per query.
    pub messages_per_query: f64,
    /// Mean hops to the first hit over the successful ones (null if none succeeded).
    pub hops_to_first_hit: Option<f64>,
}

/// One variant's figures over all replicas (queries pooled).
#[derive(Clone, Debug, PartialEq)]
pub struct VariantSummary {
    /// Variant name.
    pub name: String,
    /// Queries over all replicas.
    pub queries: u64,
    /// One figure per [`CATALOGUE`] entry, in catalogue order (`None` where undefined, e.g.
    /// when no query was issued).
    pub figures: Vec<Option<Figure>>,
    /// Success and cost by online replica count: buckets 0, 1, 2–3, 4–7, 8–15, …
    pub by_replicas: Vec<ByReplicas>,
    /// What the Query Routing tables did (variants that model them only).
    pub qrp: Option<QrpSummary>,
}

/// `summary.json`'s `qrp` block: Query Routing figures of one variant, all replicas pooled.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QrpSummary {
    /// Query messages passed to leaves whose table matched, per query.
    pub leaf_messages_per_query: f64,
    /// Of those, messages to leaves without the object (false positives), per query.
    pub leaf_false_positives_per_query: f64,
    /// False positives / leaf messages (null when no query reached a leaf table).
    pub leaf_false_positive_share: Option<f64>,
    /// Last-hop messages between ultrapeers whose aggregate table matched, per query.
    pub last_hop_messages_per_query: f64,
    /// Of those, messages to ultrapeers whose unit lacks the object, per query.
    pub last_hop_false_positives_per_query: f64,
    /// Route table messages (RESET and PATCH) per replica.
    pub table_messages_per_replica: f64,
    /// Route table bytes per replica.
    pub table_bytes_per_replica: f64,
}

impl QrpSummary {
    /// Pools the counts of variant `v` over `replicas`; `None` if it models no tables.
    fn of(replicas: &[ReplicaResult], v: usize) -> Option<QrpSummary> {
        let mut total = QrpCounts::default();
        let mut any = false;
        for c in replicas.iter().filter_map(|r| r.runs[v].qrp.as_ref()) {
            total.add(c);
            any = true;
        }
        if !any {
            return None;
        }
        let queries: u64 = replicas
            .iter()
            .map(|r| r.runs[v].records.len() as u64)
            .sum();
        let per_query = |x: u64| mean(x as f64, queries);
        let per_replica = |x: u64| mean(x as f64, replicas.len() as u64);
        Some(QrpSummary {
            leaf_messages_per_query: per_query(total.leaf_messages),
            leaf_false_positives_per_query: per_query(total.leaf_false_positives),
            leaf_false_positive_share: (total.leaf_messages > 0)
                .then(|| total.leaf_false_positives as f64 / total.leaf_messages as f64),
            last_hop_messages_per_query: per_query(total.last_hop_messages),
            last_hop_false_positives_per_query: per_query(total.last_hop_false_positives),
            table_messages_per_replica: per_replica(total.table_messages),
            table_bytes_per_replica: per_replica(total.table_bytes),
        })
    }
}

impl VariantSummary {
    /// The figure of metric `m`.
    pub fn figure(&self, m: &Metric) -> Option<&Figure> {
        self.figures[m.index()].as_ref()
    }

    /// The headline value of metric `m` (share, number or mean).
    pub fn headline(&self, m: &Metric) -> Option<f64> {
        self.figure(m).map(Figure::headline)
    }
}

/// `summary.json` layout: name, queries, the metrics in catalogue order (those marked
/// `summary_at_end` last), then `by_replicas`, then `qrp` for variants with QRP tables.
impl Serialize for VariantSummary {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        map.serialize_entry("name", &self.name)?;
        map.serialize_entry("queries", &self.queries)?;
        for at_end in [false, true] {
            for (m, f) in CATALOGUE.iter().zip(&self.figures) {
                if m.summary_at_end == at_end {
                    m.serialize_into(&mut map, f.as_ref())?;
                }
            }
        }
        map.serialize_entry("by_replicas", &self.by_replicas)?;
        if let Some(qrp) = &self.qrp {
            map.serialize_entry("qrp", qrp)?;
        }
        map.end()
    }
}

/// Everything `summary.json` reports besides the scenario itself.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Replica 0's overlay.
    pub network: NetworkStats,
    /// Every replica's overlay, in replica order.
    pub networks: Vec<NetworkStats>,
    /// One entry per variant, in scenario order.
    pub variants: Vec<VariantSummary>,
}

/// The bucket of a replica count: 0 → 0, 1 → 1, 2–3 → 2, 4–7 → 3, …
pub fn bucket(replicas: u32) -> u32 {
    32 - replicas.leading_zeros()
}

/// The smallest and largest replica count of bucket `b`.
pub fn bucket_bounds(b: u32) -> (u32, u32) {
    match b {
        0 => (0, 0),
        _ => (1 << (b - 1), ((1u64 << b) - 1) as u32),
    }
}

fn mean(sum: f64, n: u64) -> f64 {
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// Aggregates every replica's runs into per-variant summaries.
pub fn summarize(names: &[String], replicas: &[ReplicaResult]) -> Summary {
    let variants = names
        .iter()
        .enumerate()
        .map(|(v, name)| summarize_variant(name, v, replicas))
        .collect();
    Summary {
        network: replicas[0].network.clone(),
        networks: replicas.iter().map(|r| r.network.clone()).collect(),
        variants,
    }
}

fn summarize_variant(name: &str, v: usize, replicas: &[ReplicaResult]) -> VariantSummary {
    let pairs = replicas
        .iter()
        .flat_map(move |r| r.queries.iter().zip(&r.runs[v].records));
    VariantSummary {
        name: name.to_string(),
        queries: replicas
            .iter()
            .map(|r| r.runs[v].records.len() as u64)
            .sum(),
        figures: CATALOGUE.iter().map(|m| m.compute(replicas, v)).collect(),
        by_replicas: by_replicas(pairs),
        qrp: QrpSummary::of(replicas, v),
    }
}

fn by_replicas<'a>(
    pairs: impl Iterator<Item = (&'a QueryInfo, &'a QueryRecord)>,
) -> Vec<ByReplicas> {
    #[derive(Default, Clone)]
    struct Acc {
        queries: u64,
        successes: u64,
        messages: f64,
        hops: f64,
    }
    let mut acc = vec![Acc::default(); 33];
    for (info, rec) in pairs {
        let a = &mut acc[bucket(info.replicas_online) as usize];
        a.queries += 1;
        a.messages += rec.messages as f64;
        if let Some(h) = rec.first_hit_hops {
            a.successes += 1;
            a.hops += f64::from(h);
        }
    }
    acc.iter()
        .enumerate()
        .filter(|(_, a)| a.queries > 0)
        .map(|(b, a)| {
            let (min_replicas, max_replicas) = bucket_bounds(b as u32);
            ByReplicas {
                min_replicas,
                max_replicas,
                queries: a.queries,
                success_rate: mean(a.successes as f64, a.queries),
                messages_per_query: mean(a.messages, a.queries),
                hops_to_first_hit: (a.successes > 0).then(|| a.hops / a.successes as f64),
            }
        })
        .collect()
}

/// One `timeseries.csv` row: one window of one replica, for one variant.
#[derive(Clone, Debug, PartialEq)]
pub struct TimeseriesRow {
    /// Index of the variant.
    pub variant: usize,
    /// Replica.
    pub replica: u32,
    /// Window start, seconds (a multiple of the window width).
    pub window_start_s: f64,
    /// Nodes online, averaged over the window.
    pub online_nodes: f64,
    /// Links per online node, averaged over the window.
    pub mean_degree: f64,
    /// Queries issued in the window.
    pub queries: u64,
    /// Their success rate (None when no query was issued).
    pub success_rate: Option<f64>,
    /// Request messages caused by the queries issued in the window.
    pub messages: u64,
    /// Maintenance messages sent in the window (overlay repair).
    pub maintenance_messages: u64,
    /// QueryHits of the queries issued in the window that churn lost.
    pub hits_lost: u64,
    /// Queue lengths seen by the window's arrivals (under a capacity model).
    pub queue: Option<QueueWindow>,
}

/// Windows of `window_us` from time zero up to the last query, per variant and replica.
/// Messages and lost hits are attributed to the window in which their query was issued;
/// the overlay columns describe the window itself.
pub fn timeseries(
    replicas: &[ReplicaResult],
    variants: usize,
    window_us: u64,
) -> Vec<TimeseriesRow> {
    #[derive(Clone, Copy, Default)]
    struct Acc {
        queries: u64,
        successes: u64,
        messages: u64,
        hits_lost: u64,
    }
    let window_us = window_us.max(1);
    let mut rows = Vec::new();
    for v in 0..variants {
        for r in replicas {
            let last = r.queries.last().map_or(0, |q| q.issued_us);
            let windows = (last / window_us + 1) as usize;
            let mut per = vec![Acc::default(); windows];
            for (info, rec) in r.queries.iter().zip(&r.runs[v].records) {
                let w = &mut per[(info.issued_us / window_us) as usize];
                w.queries += 1;
                w.successes += u64::from(rec.success());
                w.messages += rec.messages;
                w.hits_lost += u64::from(rec.hits_lost);
            }
            rows.extend(per.iter().enumerate().map(|(i, a)| {
                let overlay = r.overlay.as_ref().and_then(|o| o.get(i));
                TimeseriesRow {
                    variant: v,
                    replica: r.replica,
                    window_start_s: (i as u64 * window_us) as f64 / 1e6,
                    online_nodes: overlay.map_or(f64::from(r.network.nodes), |o| o.online_nodes),
                    mean_degree: overlay.map_or(r.network.mean_degree, |o| o.mean_degree),
                    queries: a.queries,
                    success_rate: (a.queries > 0).then(|| a.successes as f64 / a.queries as f64),
                    messages: a.messages,
                    maintenance_messages: overlay.map_or(0, |o| o.maintenance_messages)
                        + r.runs[v].maintenance.get(i).copied().unwrap_or(0),
                    hits_lost: a.hits_lost,
                    queue: r.runs[v]
                        .queues
                        .as_ref()
                        .map(|q| q.windows.get(i).copied().unwrap_or_default()),
                }
            }));
        }
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_powers_of_two() {
        let got: Vec<u32> = [0, 1, 2, 3, 4, 7, 8, 15, 16, u32::MAX].map(bucket).to_vec();
        assert_eq!(got, [0, 1, 2, 2, 3, 3, 4, 4, 5, 32]);
        assert_eq!(bucket_bounds(0), (0, 0));
        assert_eq!(bucket_bounds(1), (1, 1));
        assert_eq!(bucket_bounds(3), (4, 7));
        assert_eq!(bucket_bounds(32), (1 << 31, u32::MAX));
    }
}
