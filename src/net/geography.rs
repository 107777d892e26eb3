//! Coordinate latency: nodes placed in a synthetic geography.
//!
//! Each node belongs to a region (drawn by the regions' shares) and has an access delay of its
//! own (drawn once from a law: its last mile). The latency between two nodes is the sum of
//! their access delays and the base delay between their regions' hubs: the great-circle
//! distance between the hubs divided by a propagation speed (`km_per_ms`), zero within a
//! region. The base delays form a metric (distances on a sphere, rounded up to the
//! microsecond), and access delays are non-negative, so latencies are symmetric and satisfy
//! the triangle inequality exactly: this is the "height vector" model of Vivaldi (Dabek et
//! al., SIGCOMM 2004) with hubs on a sphere instead of a fitted Euclidean plane.

use super::Law;
use crate::rng::{Sample, SimRng};
use crate::time::SimDuration;
use crate::topology::NodeId;

/// Mean Earth radius, km.
const EARTH_KM: f64 = 6371.0;

/// A validated geography: region shares, base delays between regions and the access law.
#[derive(Clone, Debug, PartialEq)]
pub struct Geography {
    /// Cumulative shares of the regions, the last one 1.
    cumulative: Vec<f64>,
    /// Base one-way delay between regions `r` and `s` at `r * regions + s`, µs.
    base: Vec<u32>,
    /// Law of a node's access delay.
    access: Law,
}

impl Geography {
    /// Regions as (share, latitude, longitude in degrees); shares need not sum to 1.
    pub fn new(regions: &[(f64, f64, f64)], km_per_ms: f64, access: Law) -> Self {
        let total: f64 = regions.iter().map(|r| r.0).sum();
        let mut sum = 0.0;
        let mut cumulative: Vec<f64> = regions
            .iter()
            .map(|r| {
                sum += r.0;
                sum / total
            })
            .collect();
        if let Some(last) = cumulative.last_mut() {
            *last = 1.0;
        }
        let base = regions
            .iter()
            .flat_map(|a| regions.iter().map(move |b| (a, b)))
            .map(|(a, b)| {
                let ms = great_circle_km(a.1, a.2, b.1, b.2) / km_per_ms;
                libm::ceil(ms * 1_000.0) as u32
            })
            .collect();
        Geography {
            cumulative,
            base,
            access,
        }
    }

    /// Number of regions.
    pub fn regions(&self) -> usize {
        self.cumulative.len()
    }

    /// The base delay between regions `r` and `s`.
    pub fn base(&self, r: usize, s: usize) -> SimDuration {
        SimDuration(u64::from(self.base[r * self.regions() + s]))
    }

    /// Places `nodes` nodes: each a region and an access delay, drawn from `rng`.
    pub fn place(&self, nodes: u32, rng: &mut SimRng) -> Places {
        let (mut region, mut access) = (Vec::new(), Vec::new());
        for _ in 0..nodes {
            let u = rng.unit();
            let r = self.cumulative.partition_point(|&c| c <= u);
            region.push(r.min(self.regions() - 1) as u8);
            access.push(self.access.sample(rng).0);
        }
        Places {
            regions: self.regions(),
            base: self.base.clone(),
            region,
            access,
        }
    }
}

/// Where every node of a run is: its region and access delay (12 bytes a node).
pub struct Places {
    regions: usize,
    base: Vec<u32>,
    region: Vec<u8>,
    access: Vec<u64>,
}

impl Places {
    /// The latency between `a` and `b`.
    #[inline]
    pub fn latency(&self, a: NodeId, b: NodeId) -> SimDuration {
        let (a, b) = (a as usize, b as usize);
        let r = usize::from(self.region[a]) * self.regions + usize::from(self.region[b]);
        SimDuration(self.access[a] + self.access[b] + u64::from(self.base[r]))
    }

    /// The region of `node`.
    pub fn region(&self, node: NodeId) -> usize {
        usize::from(self.region[node as usize])
    }
}

/// Bytes [`Places`] keep per node.
pub const PLACE_BYTES: u64 = 9;

/// The great-circle distance between two points (degrees), km (haversine formula).
fn great_circle_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    use libm::{asin, cos, sin, sqrt};
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = ((lat2 - lat1).to_radians(), (lon2 - lon1).to_radians());
    let (sp, sl) = (sin(dp / 2.0), sin(dl / 2.0));
    let h = sp * sp + cos(p1) * cos(p2) * sl * sl;
    2.0 * EARTH_KM * asin(sqrt(h).min(1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamKind, stream};

    fn geography() -> Geography {
        // Chicago, Frankfurt, Singapore, Sydney, and a region on the antipode of Chicago.
        let regions = [
            (0.2, 41.88, -87.63),
            (0.3, 50.11, 8.68),
            (0.3, 1.35, 103.82),
            (0.1, -33.87, 151.21),
            (0.1, -41.88, 92.37),
        ];
        let access = Law::Lognormal {
            mu: libm::log(5.0),
            sigma: 1.0,
        };
        Geography::new(&regions, 133.0, access)
    }

    #[test]
    fn base_delays_are_sphere_distances_over_the_speed() {
        let g = geography();
        // Spherical law of cosines, independently of the haversine formula used above.
        let cosine = |a: (f64, f64), b: (f64, f64)| {
            let (p1, p2) = (a.0.to_radians(), b.0.to_radians());
            let c = p1.sin() * p2.sin() + p1.cos() * p2.cos() * (b.1 - a.1).to_radians().cos();
            EARTH_KM * c.clamp(-1.0, 1.0).acos()
        };
        let chicago_frankfurt = cosine((41.88, -87.63), (50.11, 8.68)) / 133.0 * 1000.0;
        assert!((g.base(0, 1).0 as f64 - chicago_frankfurt).abs() <= 1.0);
        // Antipodes: half the circumference.
        let half = std::f64::consts::PI * EARTH_KM / 133.0 * 1000.0;
        assert!((g.base(0, 4).0 as f64 - half).abs() <= 1.0);
        assert_eq!(g.base(2, 2), SimDuration::ZERO);
    }

    #[test]
    fn latencies_are_symmetric_and_satisfy_the_triangle_inequality() {
        let g = geography();
        let places = g.place(400, &mut stream(1, 0, StreamKind::Latency, 9));
        let l = |a, b| places.latency(a, b).0;
        for a in 0..400 {
            for b in 0..400 {
                assert_eq!(l(a, b), l(b, a));
            }
        }
        for a in 0..60 {
            for b in 0..60 {
                for c in 0..60 {
                    assert!(l(a, c) <= l(a, b) + l(b, c), "{a} {b} {c}");
                }
            }
        }
    }

    #[test]
    fn nodes_fall_into_regions_by_their_shares() {
        let g = geography();
        let n = 100_000;
        let places = g.place(n, &mut stream(2, 0, StreamKind::Latency, 9));
        let mut counts = [0u32; 5];
        (0..n).for_each(|v| counts[places.region(v)] += 1);
        for (count, share) in counts.iter().zip([0.2, 0.3, 0.3, 0.1, 0.1]) {
            // Binomial sd at most sqrt(n/4) = 158; allow 5 sd.
            let expected = share * f64::from(n);
            assert!((f64::from(*count) - expected).abs() < 790.0, "{counts:?}");
        }
    }
}
