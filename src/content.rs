//! The object catalogue: popularity and where the replicas live.
//!
//! Objects `0..catalogue` are the catalogue, ranked by popularity (object `i` has rank `i + 1`);
//! objects `catalogue..catalogue + rare` are the rare objects of `content.rare`. Each object's
//! copies sit on distinct nodes drawn uniformly at random from the content stream.

use crate::rng::{Sample, SimRng};
use crate::scenario::{self, Popularity, Replication};
use crate::topology::NodeId;

/// An object id.
pub type ObjectId = u32;

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
    pub fn place(spec: &scenario::Content, nodes: u32, rng: &mut SimRng) -> Content {
        let Replication::Uniform { copies } = spec.replication;
        let rare = spec.rare.as_ref().map_or((0, 0), |r| (r.objects, r.copies));
        let copies_of = |o: u32| if o < spec.objects { copies } else { rare.1 };
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
            popularity: PopularityModel::new(&spec.popularity, spec.objects),
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
    fn replicas_are_distinct_and_counted() {
        let spec = scenario::Content {
            objects: 50,
            popularity: Popularity::Uniform,
            replication: Replication::Uniform { copies: 100 },
            rare: Some(scenario::Rare {
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
}
