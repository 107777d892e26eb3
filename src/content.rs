//! The object catalogue: popularity and where the replicas live.
//!
//! Objects `0..catalogue` are the catalogue, ranked by popularity (object `i` has rank `i + 1`);
//! objects `catalogue..catalogue + rare` are the rare objects of `content.rare`. Each object's
//! copies sit on distinct nodes drawn uniformly at random from the content stream, except under
//! `free-riders`, where each node draws how many catalogue objects it shares.

use crate::rng::{Sample, SimRng};
use crate::topology::NodeId;
use serde::{Deserialize, Serialize};

/// An object id.
pub type ObjectId = u32;

/// `[content]`
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(rename = "Content")]
pub struct ContentTable {
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

impl ContentTable {
    /// Mean copies per catalogue object (rare objects aside) on a `nodes`-node network.
    pub fn mean_copies(&self, nodes: f64) -> f64 {
        match self.replication {
            Replication::Uniform { copies } => f64::from(copies),
            Replication::Proportional { mean_copies } | Replication::SquareRoot { mean_copies } => {
                mean_copies
            }
            Replication::FreeRiders {
                free_rider_fraction,
                min_shared,
                shape,
            } => {
                let shared = mean_shared(min_shared, shape, self.objects);
                (1.0 - free_rider_fraction) * nodes * shared / f64::from(self.objects)
            }
        }
    }
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
    /// Content as peers shared it (Adar & Huberman 2000): each node is a free rider sharing
    /// nothing with probability `free_rider_fraction`; every other node shares
    /// k = min(objects, ⌊min_shared · U^(−1/shape)⌋) distinct catalogue objects chosen
    /// uniformly (U uniform on (0, 1]), a discrete Pareto law: P(k ≥ x) = (min_shared / x)^shape
    /// for min_shared ≤ x ≤ objects. Rare objects go to distinct sharing nodes.
    FreeRiders {
        /// Share of nodes that share no object.
        free_rider_fraction: f64,
        /// Fewest objects a sharing node shares.
        min_shared: u32,
        /// Tail index of the number of objects a sharing node shares.
        shape: f64,
    },
}

/// Mean objects a sharing node shares under `free-riders`: E[k] = Σ_{x=1}^{objects} P(k ≥ x).
pub fn mean_shared(min_shared: u32, shape: f64, objects: u32) -> f64 {
    (1..=objects)
        .map(|x| libm::pow(f64::from(min_shared) / f64::from(x), shape).min(1.0))
        .sum()
}

/// Objects one sharing node shares under `free-riders`: ⌊min_shared · U^(−1/shape)⌋, at most
/// `objects`.
fn draw_shared(rng: &mut SimRng, min_shared: u32, shape: f64, objects: u32) -> u32 {
    let x = f64::from(min_shared) * libm::pow(rng.unit_open0(), -1.0 / shape);
    x.floor().min(f64::from(objects)) as u32
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

/// Object popularity, as a sampler over the catalogue.
#[derive(Clone, Debug)]
pub enum PopularityModel {
    /// Every catalogue object equally likely.
    Uniform {
        /// Catalogue size.
        objects: u32,
    },
    /// Zipf: cumulative weights of ranks 1..m, sampled by binary search.
    Zipf {
        /// `cdf[i]` = Σ_{r ≤ i+1} r^−s (unnormalised).
        cdf: Vec<f64>,
    },
}

impl PopularityModel {
    /// Builds the sampler for `objects` catalogue objects.
    pub fn new(spec: &Popularity, objects: u32) -> Self {
        match *spec {
            Popularity::Uniform => PopularityModel::Uniform { objects },
            Popularity::Zipf { exponent } => {
                let mut total = 0.0;
                let cdf = (1..=objects)
                    .map(|rank| {
                        total += libm::pow(f64::from(rank), -exponent);
                        total
                    })
                    .collect();
                PopularityModel::Zipf { cdf }
            }
        }
    }

    /// The probability that a query picks catalogue object `object`.
    pub fn probability(&self, object: ObjectId) -> f64 {
        match self {
            PopularityModel::Uniform { objects } => 1.0 / f64::from(*objects),
            PopularityModel::Zipf { cdf } => {
                let i = object as usize;
                let below = if i == 0 { 0.0 } else { cdf[i - 1] };
                (cdf[i] - below) / cdf[cdf.len() - 1]
            }
        }
    }

    /// Draws a catalogue object.
    pub fn sample(&self, rng: &mut SimRng) -> ObjectId {
        match self {
            PopularityModel::Uniform { objects } => rng.index(*objects),
            PopularityModel::Zipf { cdf } => {
                let u = rng.unit() * cdf[cdf.len() - 1];
                cdf.partition_point(|&c| c <= u).min(cdf.len() - 1) as ObjectId
            }
        }
    }
}

/// Where every object's replicas live.
#[derive(Clone, Debug)]
pub struct Content {
    /// Catalogue objects (the rest are rare).
    catalogue: u32,
    offsets: Vec<u32>,
    holders: Vec<NodeId>,
    /// Query popularity over the catalogue.
    pub popularity: PopularityModel,
}

impl Content {
    /// Places every object's copies on distinct random nodes of a `nodes`-node network.
    pub fn place(spec: &ContentTable, nodes: u32, rng: &mut SimRng) -> Content {
        let popularity = PopularityModel::new(&spec.popularity, spec.objects);
        if let Replication::FreeRiders {
            free_rider_fraction,
            min_shared,
            shape,
        } = spec.replication
        {
            let shares = |rng: &mut SimRng| {
                if rng.chance(free_rider_fraction) {
                    0
                } else {
                    draw_shared(rng, min_shared, shape, spec.objects)
                }
            };
            return Content::shared(spec, nodes, popularity, shares, rng);
        }
        let copies = allocate_copies(&spec.replication, &popularity, spec.objects, nodes);
        let rare = spec.rare.as_ref().map_or((0, 0), |r| (r.objects, r.copies));
        let copies_of = |o: u32| copies.get(o as usize).copied().unwrap_or(rare.1);
        let total = spec.objects + rare.0;
        let mut offsets = Vec::with_capacity(total as usize + 1);
        let mut holders = Vec::new();
        offsets.push(0);
        for o in 0..total {
            let mut h = distinct_nodes(rng, copies_of(o), nodes);
            h.sort_unstable();
            holders.extend_from_slice(&h);
            offsets.push(holders.len() as u32);
        }
        Content {
            catalogue: spec.objects,
            offsets,
            holders,
            popularity,
        }
    }

    /// Node-centric placement: node by node, `shares` draws how many catalogue objects the node
    /// shares and the node picks that many distinct ones uniformly; then each rare object's
    /// copies go to distinct nodes among those that share at least one object (all nodes if
    /// none does).
    fn shared(
        spec: &ContentTable,
        nodes: u32,
        popularity: PopularityModel,
        mut shares: impl FnMut(&mut SimRng) -> u32,
        rng: &mut SimRng,
    ) -> Content {
        let mut pairs: Vec<(ObjectId, NodeId)> = Vec::new();
        let mut sharers = Vec::new();
        for v in 0..nodes {
            let k = shares(rng);
            if k > 0 {
                sharers.push(v);
            }
            pairs.extend(
                distinct_nodes(rng, k, spec.objects)
                    .into_iter()
                    .map(|o| (o, v)),
            );
        }
        if sharers.is_empty() {
            sharers = (0..nodes).collect();
        }
        if let Some(rare) = &spec.rare {
            let n = sharers.len() as u32;
            for r in 0..rare.objects {
                let picked = distinct_nodes(rng, rare.copies.min(n), n);
                pairs.extend(
                    picked
                        .into_iter()
                        .map(|i| (spec.objects + r, sharers[i as usize])),
                );
            }
        }
        // Objects in order, each object's holders ascending (nodes were visited in order).
        pairs.sort_unstable();
        let total = spec.objects + spec.rare.as_ref().map_or(0, |r| r.objects);
        let mut offsets = vec![0u32; total as usize + 1];
        for &(o, _) in &pairs {
            offsets[o as usize + 1] += 1;
        }
        for i in 0..total as usize {
            offsets[i + 1] += offsets[i];
        }
        Content {
            catalogue: spec.objects,
            offsets,
            holders: pairs.into_iter().map(|(_, v)| v).collect(),
            popularity,
        }
    }

    /// Content with the given holders per object (all of them catalogue objects, popularity
    /// uniform), for tests and hand-built worlds.
    pub fn place_fixed(holders: &[Vec<NodeId>]) -> Content {
        let mut offsets = vec![0];
        let mut all = Vec::new();
        for h in holders {
            let mut h = h.clone();
            h.sort_unstable();
            all.extend(h);
            offsets.push(all.len() as u32);
        }
        Content {
            catalogue: holders.len() as u32,
            offsets,
            holders: all,
            popularity: PopularityModel::Uniform {
                objects: holders.len() as u32,
            },
        }
    }

    /// Number of catalogue objects.
    pub fn catalogue(&self) -> u32 {
        self.catalogue
    }

    /// Number of objects, catalogue and rare.
    pub fn objects(&self) -> u32 {
        (self.offsets.len() - 1) as u32
    }

    /// The sorted nodes holding `object`.
    pub fn holders(&self, object: ObjectId) -> &[NodeId] {
        let o = object as usize;
        &self.holders[self.offsets[o] as usize..self.offsets[o + 1] as usize]
    }

    /// Whether `node` holds a copy of `object`.
    #[inline]
    pub fn holds(&self, node: NodeId, object: ObjectId) -> bool {
        self.holders(object).binary_search(&node).is_ok()
    }
}

/// Copies of each catalogue object under a replication strategy (not `free-riders`, whose
/// copies follow from what each node shares).
///
/// Uniform gives every object `copies`. Proportional and square-root aim at copies ∝ qᵢ and
/// ∝ √qᵢ (qᵢ the query probability) with R = round(objects × mean_copies) copies in all, at
/// least 1 and at most `nodes` per object: each object first gets ⌊its share⌋ clamped to
/// [1, nodes]; the copies still missing go one each to the objects with the largest remainders
/// (largest-remainder apportionment; ties to the more popular object), and any excess from
/// the floor of 1 is taken one each from the most over-allocated objects. The total is R
/// whenever objects ≤ R ≤ objects × nodes, which validation ensures.
///
/// Panics for `free-riders`, which has no per-object allocation.
pub fn allocate_copies(
    spec: &Replication,
    popularity: &PopularityModel,
    objects: u32,
    nodes: u32,
) -> Vec<u32> {
    let (mean, root) = match *spec {
        Replication::Uniform { copies } => return vec![copies.min(nodes); objects as usize],
        Replication::Proportional { mean_copies } => (mean_copies, false),
        Replication::SquareRoot { mean_copies } => (mean_copies, true),
        Replication::FreeRiders { .. } => unreachable!("free riders are placed node by node"),
    };
    let weights: Vec<f64> = (0..objects)
        .map(|o| {
            let q = popularity.probability(o);
            if root { q.sqrt() } else { q }
        })
        .collect();
    let total_weight: f64 = weights.iter().sum();
    let total = (f64::from(objects) * mean).round() as i64;
    let targets: Vec<f64> = weights
        .iter()
        .map(|w| total as f64 * w / total_weight)
        .collect();
    let mut copies: Vec<u32> = targets
        .iter()
        .map(|t| (t.floor() as u32).clamp(1, nodes))
        .collect();
    let mut missing = total - copies.iter().map(|&c| i64::from(c)).sum::<i64>();
    let mut order: Vec<usize> = (0..copies.len()).collect();
    if missing > 0 {
        order.sort_by(|&a, &b| {
            (targets[b] - f64::from(copies[b]))
                .total_cmp(&(targets[a] - f64::from(copies[a])))
                .then(a.cmp(&b))
        });
        while missing > 0 && copies.iter().any(|&c| c < nodes) {
            for &i in &order {
                if missing > 0 && copies[i] < nodes {
                    copies[i] += 1;
                    missing -= 1;
                }
            }
        }
    } else if missing < 0 {
        order.sort_by(|&a, &b| {
            (f64::from(copies[b]) - targets[b])
                .total_cmp(&(f64::from(copies[a]) - targets[a]))
                .then(a.cmp(&b))
        });
        while missing < 0 && copies.iter().any(|&c| c > 1) {
            for &i in &order {
                if missing < 0 && copies[i] > 1 {
                    copies[i] -= 1;
                    missing += 1;
                }
            }
        }
    }
    copies
}

/// Cohen & Shenker's expected search size under random probing with replacement:
/// A = Σ qᵢ · N / rᵢ (probes until one of rᵢ holders among N nodes is hit).
pub fn expected_search_size(copies: &[u32], popularity: &PopularityModel, nodes: u32) -> f64 {
    copies
        .iter()
        .enumerate()
        .map(|(o, &r)| popularity.probability(o as u32) * f64::from(nodes) / f64::from(r))
        .sum()
}

/// `k` distinct nodes of `0..n`: Floyd's algorithm, with a hash set for membership once `k`
/// is large (the set is only queried, never iterated, so the result stays deterministic).
fn distinct_nodes(rng: &mut SimRng, k: u32, n: u32) -> Vec<NodeId> {
    if k <= 64 {
        return rng.distinct(k, n);
    }
    let mut chosen = std::collections::HashSet::with_capacity(k as usize);
    let mut out = Vec::with_capacity(k as usize);
    for j in (n - k)..n {
        let t = rng.index(j + 1);
        let pick = if chosen.contains(&t) { j } else { t };
        chosen.insert(pick);
        out.push(pick);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamKind, stream};

    #[test]
    fn zipf_frequencies_follow_the_power_law() {
        let model = PopularityModel::new(&Popularity::Zipf { exponent: 1.0 }, 100);
        // Σ_{r=1}^{100} 1/r = H_100 = 5.187377517639621.
        assert!((model.probability(0) - 1.0 / 5.187_377_517_639_621).abs() < 1e-12);
        assert!((model.probability(9) - 0.1 / 5.187_377_517_639_621).abs() < 1e-12);
        let mut rng = stream(1, 0, StreamKind::Workload, 0);
        let n = 200_000;
        let mut counts = vec![0u32; 100];
        for _ in 0..n {
            counts[model.sample(&mut rng) as usize] += 1;
        }
        for rank in [0usize, 1, 9, 99] {
            let p = model.probability(rank as u32);
            let sd = (p * (1.0 - p) / f64::from(n)).sqrt();
            let f = f64::from(counts[rank]) / f64::from(n);
            assert!((f - p).abs() < 5.0 * sd, "rank {}: {f} vs {p}", rank + 1);
        }
    }

    #[test]
    fn allocations_sum_to_the_total_within_bounds() {
        let zipf = PopularityModel::new(&Popularity::Zipf { exponent: 1.2 }, 100);
        for spec in [
            Replication::Proportional { mean_copies: 100.0 },
            Replication::SquareRoot { mean_copies: 100.0 },
            Replication::Proportional { mean_copies: 1.5 },
            Replication::SquareRoot { mean_copies: 2.0 },
        ] {
            let c = allocate_copies(&spec, &zipf, 100, 10_000);
            let mean = match spec {
                Replication::Proportional { mean_copies }
                | Replication::SquareRoot { mean_copies } => mean_copies,
                Replication::Uniform { .. } | Replication::FreeRiders { .. } => unreachable!(),
            };
            assert_eq!(
                c.iter().map(|&x| u64::from(x)).sum::<u64>(),
                (100.0 * mean).round() as u64,
                "{spec:?}"
            );
            assert!(c.iter().all(|&x| (1..=10_000).contains(&x)));
            assert!(
                c.windows(2).all(|w| w[0] >= w[1]),
                "more popular objects get more copies: {spec:?}"
            );
        }
        // A cap: 3 objects, 4 nodes, mean 4 copies: every object holds all 4 nodes.
        let few = PopularityModel::new(&Popularity::Zipf { exponent: 2.0 }, 3);
        assert_eq!(
            allocate_copies(&Replication::Proportional { mean_copies: 4.0 }, &few, 3, 4),
            vec![4, 4, 4]
        );
    }

    #[test]
    fn square_root_minimises_the_expected_search_size() {
        // Cohen & Shenker (SIGCOMM 2002): uniform and proportional both give A = N·m/R, and
        // square-root gives the optimum N·(Σ√qᵢ)²/R. Integer rounding moves each by < 1%.
        let (m, n, mean) = (100u32, 10_000u32, 100.0);
        let zipf = PopularityModel::new(&Popularity::Zipf { exponent: 1.2 }, m);
        let total = f64::from(m) * mean;
        let size = |spec| expected_search_size(&allocate_copies(&spec, &zipf, m, n), &zipf, n);
        let uniform = size(Replication::Uniform { copies: 100 });
        let proportional = size(Replication::Proportional { mean_copies: mean });
        let root = size(Replication::SquareRoot { mean_copies: mean });
        let equal = f64::from(n) * f64::from(m) / total;
        let sum_root: f64 = (0..m).map(|o| zipf.probability(o).sqrt()).sum();
        let optimum = f64::from(n) * sum_root * sum_root / total;
        assert!((uniform - equal).abs() < 1e-9 * equal);
        assert!(
            (proportional - equal).abs() < 0.01 * equal,
            "proportional {proportional} vs {equal}"
        );
        assert!(
            (root - optimum).abs() < 0.01 * optimum,
            "square-root {root} vs {optimum}"
        );
        assert!(
            root < 0.8 * uniform,
            "square-root {root} should beat uniform {uniform} clearly"
        );
    }

    #[test]
    fn replicas_are_distinct_and_counted() {
        let spec = ContentTable {
            objects: 50,
            popularity: Popularity::Uniform,
            replication: Replication::Uniform { copies: 100 },
            rare: Some(Rare {
                objects: 5,
                copies: 1,
            }),
        };
        let c = Content::place(&spec, 1000, &mut stream(1, 0, StreamKind::Content, 0));
        assert_eq!(c.objects(), 55);
        for o in 0..55 {
            let h = c.holders(o);
            assert_eq!(h.len(), if o < 50 { 100 } else { 1 });
            assert!(h.windows(2).all(|w| w[0] < w[1]));
            assert!(h.iter().all(|&v| v < 1000 && c.holds(v, o)));
        }
    }

    #[test]
    fn free_riders_and_shared_counts_follow_their_laws() {
        // 20,000 nodes, 66% free riders, sharers draw k with P(k ≥ x) = (2 / x)^1.2, capped at
        // the 500 catalogue objects. Reconstruct each node's k from the holders and compare
        // with the laws, within 5 binomial standard deviations.
        let (n, f, min, shape, m) = (20_000u32, 0.66, 2u32, 1.2, 500u32);
        let spec = ContentTable {
            objects: m,
            popularity: Popularity::Uniform,
            replication: Replication::FreeRiders {
                free_rider_fraction: f,
                min_shared: min,
                shape,
            },
            rare: Some(Rare {
                objects: 20,
                copies: 3,
            }),
        };
        let c = Content::place(&spec, n, &mut stream(4, 0, StreamKind::Content, 0));
        let mut shared = vec![0u32; n as usize];
        for o in 0..m {
            let h = c.holders(o);
            assert!(
                h.windows(2).all(|w| w[0] < w[1]),
                "distinct, sorted holders"
            );
            h.iter().for_each(|&v| shared[v as usize] += 1);
        }
        let within = |count: usize, total: usize, p: f64, what: &str| {
            let sd = (p * (1.0 - p) / total as f64).sqrt();
            let got = count as f64 / total as f64;
            assert!((got - p).abs() < 5.0 * sd, "{what}: {got} vs {p}");
        };
        let riders = shared.iter().filter(|&&k| k == 0).count();
        within(riders, n as usize, f, "free riders");
        let sharers: Vec<u32> = shared.iter().copied().filter(|&k| k > 0).collect();
        assert!(sharers.iter().all(|&k| (min..=m).contains(&k)));
        for x in [3u32, 5, 10, 40, 200] {
            let p = (f64::from(min) / f64::from(x)).powf(shape);
            let above = sharers.iter().filter(|&&k| k >= x).count();
            within(above, sharers.len(), p, &format!("P(k >= {x})"));
        }
        // P(k = m): the cap collects the whole tail beyond m.
        let capped = sharers.iter().filter(|&&k| k == m).count();
        within(
            capped,
            sharers.len(),
            (f64::from(min) / f64::from(m)).powf(shape),
            "capped",
        );
        // The mean copies per object is what resources and docs use.
        let copies: usize = (0..m).map(|o| c.holders(o).len()).sum();
        let mean = copies as f64 / f64::from(m);
        let expected = spec.mean_copies(f64::from(n));
        assert!(
            (mean - expected).abs() < 0.05 * expected,
            "{mean} vs {expected}"
        );
        // Rare copies sit on sharing nodes only.
        for o in m..m + 20 {
            assert_eq!(c.holders(o).len(), 3);
            assert!(c.holders(o).iter().all(|&v| shared[v as usize] > 0));
        }
    }
}
