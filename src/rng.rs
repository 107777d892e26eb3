//! Random number streams and the samplers built on them.
//!
//! Every random draw in floodsim comes from [`stream`]: a ChaCha8 generator keyed by the
//! master seed, the replica and the [`StreamKind`] (plus a sub-stream, e.g. a variant). Streams
//! are keyed by identity, never by consumption order, so changing the workload never changes
//! the topology, and every variant of a scenario sees the same world and the same queries.
//!
//! The samplers (uniform integers, floats, exponential, normal, ...) are written here on top of
//! `next_u64` with `libm` maths instead of borrowing them from a distribution crate: their
//! algorithms are part of floodsim's reproducibility promise, identical on every platform and
//! unaffected by dependency upgrades. The first outputs are pinned in a test.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// The generator every stream uses.
pub type SimRng = ChaCha8Rng;

/// What a stream is for. The discriminant is part of the stream key: never renumber.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[repr(u8)]
pub enum StreamKind {
    /// Overlay graph generation.
    Topology = 1,
    /// Object replica placement.
    Content = 2,
    /// Query arrival times, sources and targets.
    Workload = 3,
    /// Per-message link latencies (one sub-stream per variant).
    Latency = 4,
    /// Churn sessions and repairs.
    Churn = 5,
    /// Random choices a search protocol makes (one sub-stream per variant).
    Protocol = 6,
    /// Sampling for analyses such as `floodsim graph --stats`.
    Analysis = 7,
    /// Node capacities (`network.capacity`).
    Capacity = 8,
}

/// The random stream for `(seed, replica, kind, sub)`.
///
/// The 64-bit ChaCha seed mixes the master seed and the replica; the 64-bit ChaCha stream id
/// holds the kind (top 8 bits) and a 56-bit sub-stream (e.g. [`name_key`] of a variant).
pub fn stream(seed: u64, replica: u32, kind: StreamKind, sub: u64) -> SimRng {
    let key = splitmix64(seed ^ splitmix64(u64::from(replica).wrapping_add(0x5EED)));
    let mut rng = SimRng::seed_from_u64(key);
    rng.set_stream(((kind as u64) << 56) | (sub & ((1 << 56) - 1)));
    rng
}

/// A stable 56-bit key for a name (FNV-1a), used to give each variant its own sub-stream so
/// that adding, removing or reordering variants does not change the others' draws.
pub const fn name_key(name: &str) -> u64 {
    let bytes = name.as_bytes();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        h ^= bytes[i] as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    h & ((1 << 56) - 1)
}

/// Sub-stream of [`StreamKind::Protocol`] for the DHT node ids and object keys, shared by
/// every DHT variant of a replica.
pub const DHT_IDS: u64 = name_key("dht-ids");
/// Sub-stream of [`StreamKind::Protocol`] for filling Kademlia's k-buckets.
pub const KADEMLIA_BUCKETS: u64 = name_key("kademlia-buckets");
/// Sub-stream of [`StreamKind::Latency`] for a replica's per-link latencies, shared by every
/// variant.
pub const LINKS: u64 = name_key("links");
/// Sub-streams that belong to no variant. Validation refuses a variant whose name keys to one
/// of them (or to another variant's key), so no two users ever share a stream.
pub const RESERVED_PROTOCOL_KEYS: [(u64, &str); 3] = [
    (DHT_IDS, "the DHT identifiers"),
    (KADEMLIA_BUCKETS, "Kademlia's bucket filling"),
    (LINKS, "the per-link latencies"),
];

/// A 64-bit hash of `key` and the unordered node pair `{a, b}`: a counter-based draw for the
/// pair that needs no storage and does not depend on when it is made.
pub fn pair_hash(key: u64, a: u32, b: u32) -> u64 {
    let pair = (u64::from(a.min(b)) << 32) | u64::from(a.max(b));
    splitmix64(key ^ splitmix64(pair))
}

/// SplitMix64's finaliser: a well-mixed 64-bit function of `z` (Steele, Lea & Flood 2014).
pub fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Portable samplers on any `rand_core` generator.
pub trait Sample: Rng {
    /// A uniform integer in `0..n` (Lemire's unbiased multiply-and-reject). `n` must be > 0.
    fn below(&mut self, n: u64) -> u64 {
        debug_assert!(n > 0);
        let threshold = n.wrapping_neg() % n;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            if (m as u64) >= threshold {
                return (m >> 64) as u64;
            }
        }
    }

    /// A uniform `u32` index in `0..n`.
    fn index(&mut self, n: u32) -> u32 {
        self.below(u64::from(n)) as u32
    }

    /// A uniform float in `[0, 1)` with 53 random bits.
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// A uniform float in `(0, 1]`, safe to take the logarithm of.
    fn unit_open0(&mut self) -> f64 {
        1.0 - self.unit()
    }

    /// `true` with probability `p`.
    fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// An exponential variate with the given mean.
    fn exponential(&mut self, mean: f64) -> f64 {
        -mean * libm::log(self.unit_open0())
    }

    /// A standard normal variate (Box–Muller, one of the pair).
    fn standard_normal(&mut self) -> f64 {
        let r = libm::sqrt(-2.0 * libm::log(self.unit_open0()));
        r * libm::cos(2.0 * std::f64::consts::PI * self.unit())
    }

    /// A lognormal variate: `exp(mu + sigma * N(0, 1))`.
    fn lognormal(&mut self, mu: f64, sigma: f64) -> f64 {
        libm::exp(mu + sigma * self.standard_normal())
    }

    /// A Gamma(`shape`, 1) variate for `shape` ≥ 1 (Marsaglia & Tsang 2000).
    fn gamma(&mut self, shape: f64) -> f64 {
        debug_assert!(shape >= 1.0);
        let d = shape - 1.0 / 3.0;
        let c = 1.0 / libm::sqrt(9.0 * d);
        loop {
            let x = self.standard_normal();
            let v = 1.0 + c * x;
            if v <= 0.0 {
                continue;
            }
            let v = v * v * v;
            let u = self.unit_open0();
            if libm::log(u) < 0.5 * x * x + d - d * v + d * libm::log(v) {
                return d * v;
            }
        }
    }

    /// Fisher–Yates shuffle.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.below(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// `k` distinct values from `0..n`, in the order drawn (Floyd's algorithm; `k <= n`).
    /// Costs O(k²) comparisons, which suits the small `k` of replica placement.
    fn distinct(&mut self, k: u32, n: u32) -> Vec<u32> {
        debug_assert!(k <= n);
        let mut out: Vec<u32> = Vec::with_capacity(k as usize);
        for j in (n - k)..n {
            let t = self.index(j + 1);
            out.push(if out.contains(&t) { j } else { t });
        }
        out
    }
}

impl<R: Rng + ?Sized> Sample for R {}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pins the first draws so that a dependency bump that changes any stream is caught.
    #[test]
    fn first_outputs_are_pinned() {
        let mut t = stream(1, 0, StreamKind::Topology, 0);
        let got: Vec<u64> = (0..3).map(|_| t.next_u64()).collect();
        assert_eq!(
            got, PINNED_TOPOLOGY_1_0,
            "ChaCha8 stream (1, 0, topology) changed"
        );
        let mut w = stream(1, 0, StreamKind::Workload, 0);
        assert_eq!(w.below(1000), PINNED_WORKLOAD_BELOW_1000);
    }

    const PINNED_TOPOLOGY_1_0: [u64; 3] = [
        6829042466298222947,
        16306084028012037189,
        890783434597203243,
    ];
    const PINNED_WORKLOAD_BELOW_1000: u64 = 996;

    #[test]
    fn streams_are_independent_of_each_other() {
        let a = stream(7, 0, StreamKind::Topology, 0).next_u64();
        let b = stream(7, 0, StreamKind::Workload, 0).next_u64();
        let c = stream(7, 1, StreamKind::Topology, 0).next_u64();
        let d = stream(8, 0, StreamKind::Topology, 0).next_u64();
        let e = stream(7, 0, StreamKind::Latency, name_key("flood")).next_u64();
        let f = stream(7, 0, StreamKind::Latency, name_key("ring")).next_u64();
        let all = [a, b, c, d, e, f];
        for i in 0..all.len() {
            for j in i + 1..all.len() {
                assert_ne!(all[i], all[j], "streams {i} and {j} coincide");
            }
        }
        assert_eq!(a, stream(7, 0, StreamKind::Topology, 0).next_u64());
    }

    #[test]
    fn below_is_uniform() {
        let mut r = stream(3, 0, StreamKind::Protocol, 0);
        let n = 10u64;
        let draws = 100_000;
        let mut counts = [0u32; 10];
        for _ in 0..draws {
            counts[r.below(n) as usize] += 1;
        }
        // Chi-square with 9 degrees of freedom: the 99.9% quantile is 27.88.
        let expected = draws as f64 / n as f64;
        let chi2: f64 = counts
            .iter()
            .map(|&c| (f64::from(c) - expected).powi(2) / expected)
            .sum();
        assert!(chi2 < 27.88, "chi2 = {chi2}, counts = {counts:?}");
    }

    #[test]
    fn moments_of_continuous_samplers() {
        let mut r = stream(4, 0, StreamKind::Latency, 0);
        let n = 200_000;
        let mean_exp = (0..n).map(|_| r.exponential(2.0)).sum::<f64>() / n as f64;
        // sd of the sample mean = 2/sqrt(n) = 0.0045; allow 5 sd.
        assert!((mean_exp - 2.0).abs() < 0.023, "{mean_exp}");
        let zs: Vec<f64> = (0..n).map(|_| r.standard_normal()).collect();
        let m = zs.iter().sum::<f64>() / n as f64;
        let v = zs.iter().map(|z| (z - m).powi(2)).sum::<f64>() / n as f64;
        assert!(m.abs() < 0.012, "mean {m}");
        assert!((v - 1.0).abs() < 0.016, "variance {v}");
    }

    #[test]
    fn gamma_has_its_mean_and_variance() {
        for shape in [1.0, 1.5, 3.0, 10.0] {
            let mut r = stream(5, 0, StreamKind::Churn, 0);
            let n = 200_000;
            let xs: Vec<f64> = (0..n).map(|_| r.gamma(shape)).collect();
            let mean = xs.iter().sum::<f64>() / f64::from(n);
            let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / f64::from(n);
            // Gamma(k, 1) has mean k and variance k; the mean's standard error is √(k/n).
            let se = (shape / f64::from(n)).sqrt();
            assert!(
                (mean - shape).abs() < 5.0 * se,
                "shape {shape}: mean {mean}"
            );
            assert!(
                (var / shape - 1.0).abs() < 0.03,
                "shape {shape}: variance {var}"
            );
        }
    }

    #[test]
    fn distinct_gives_distinct_values_in_range() {
        let mut r = stream(5, 0, StreamKind::Content, 0);
        for (k, n) in [(0, 5), (5, 5), (3, 1000), (10, 12)] {
            let mut v = r.distinct(k, n);
            assert!(v.iter().all(|&x| x < n));
            v.sort_unstable();
            v.dedup();
            assert_eq!(v.len(), k as usize);
        }
    }
}
