//! Link latency: a law drawn per message, or once per link, and the transport built on it.
//!
//! Per-link latencies are counter-based: a link's latency is entry `pair_hash(key, a, b)` mod
//! [`LINK_TABLE`] of a table of that many draws from the law, both drawn from the replica's
//! links stream. So a link's latency needs no storage per link and no `exp`/`log` per message,
//! is the same in both directions and for every message, and does not depend on the order of
//! events (a link formed under churn gets its value the same way); every variant of a replica
//! sees the same latencies. Each link's latency is distributed exactly as the law; two links
//! share a table entry with probability 1/[`LINK_TABLE`].

use crate::engine::Transport;
use crate::rng::{Sample, SimRng, pair_hash};
use crate::time::{SimDuration, SimTime};
use crate::topology::NodeId;
use rand_core::Rng;
use std::sync::Arc;

use super::{Geography, Matrix, Places};

/// Draws in a per-link model's table (8 bytes each).
pub const LINK_TABLE: usize = 1 << 16;

/// A validated latency law in microseconds.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum Law {
    /// Always the same.
    Constant(SimDuration),
    /// Uniform on `[min, max]` microseconds.
    Uniform {
        /// Smallest latency, µs.
        min: u64,
        /// Largest latency, µs.
        max: u64,
    },
    /// `exp(mu + sigma·Z)` milliseconds, rounded to µs.
    Lognormal {
        /// ln of the median in ms.
        mu: f64,
        /// Spread of ln(latency).
        sigma: f64,
    },
}

impl Law {
    /// One draw. A constant law draws nothing from the stream.
    #[inline]
    pub fn sample<R: Sample + ?Sized>(&self, rng: &mut R) -> SimDuration {
        match *self {
            Law::Constant(d) => d,
            Law::Uniform { min, max } => SimDuration(min + rng.below(max - min + 1)),
            Law::Lognormal { mu, sigma } => SimDuration::from_millis_f64(rng.lognormal(mu, sigma)),
        }
    }
}

/// A validated latency model: where the law is drawn, or the measured matrix.
#[derive(Clone, Debug, PartialEq)]
pub enum LatencyModel {
    /// Every message draws its own latency from the law.
    PerMessage(Law),
    /// Every link draws its latency once from the law; every message on it takes that plus a
    /// uniform jitter on `[0, jitter]` µs of its own.
    PerLink {
        /// The law of a link's latency.
        law: Law,
        /// Largest extra delay of a message, µs.
        jitter: u64,
    },
    /// Every message takes the latency the matrix gives its two nodes.
    Matrix(Arc<Matrix>),
    /// Nodes are placed in the geography (per replica); a message takes the latency between
    /// its two nodes' places.
    Coordinates(Arc<Geography>),
}

/// The default transport's latency part: the model, the variant's stream for per-message
/// draws, and for per-link models the replica's link key and table; the receiver handles a
/// message on arrival.
pub struct LinkLatency {
    /// The latency of every message, for a constant law drawn per message (the hot case of
    /// in-order floods: one test instead of the model's two nested matches).
    constant: Option<SimDuration>,
    model: LatencyModel,
    rng: SimRng,
    key: u64,
    table: Vec<u64>,
    places: Option<Places>,
}

impl LinkLatency {
    /// Latencies from `model` for `nodes` nodes, drawn per message from `rng`; a per-link
    /// model draws its key and table, a coordinate model its nodes' places, from `links`.
    pub fn new(model: LatencyModel, rng: SimRng, mut links: SimRng, nodes: u32) -> Self {
        let places = match &model {
            LatencyModel::Coordinates(g) => Some(g.place(nodes, &mut links)),
            _ => None,
        };
        let (key, table) = match &model {
            LatencyModel::PerLink { law, .. } => {
                let key = links.next_u64();
                (
                    key,
                    (0..LINK_TABLE).map(|_| law.sample(&mut links).0).collect(),
                )
            }
            _ => (0, Vec::new()),
        };
        LinkLatency {
            constant: match model {
                LatencyModel::PerMessage(Law::Constant(d)) => Some(d),
                _ => None,
            },
            model,
            rng,
            key,
            table,
            places,
        }
    }

    /// The latency of the link between `a` and `b`, in either direction (per-link models).
    #[inline]
    fn link(&self, a: NodeId, b: NodeId) -> SimDuration {
        SimDuration(self.table[pair_hash(self.key, a, b) as usize % LINK_TABLE])
    }
}

impl Transport for LinkLatency {
    fn holds(&self) -> bool {
        false
    }

    #[inline(always)]
    fn latency(&mut self, _now: SimTime, from: NodeId, to: NodeId) -> SimDuration {
        if let Some(d) = self.constant {
            return d;
        }
        match &self.model {
            LatencyModel::PerMessage(law) => law.sample(&mut self.rng),
            LatencyModel::Matrix(m) => m.get(from, to),
            LatencyModel::Coordinates(_) => match &self.places {
                Some(p) => p.latency(from, to),
                None => SimDuration::ZERO,
            },
            &LatencyModel::PerLink { jitter, .. } => {
                let base = self.link(from, to);
                match jitter {
                    0 => base,
                    j => SimDuration(base.0 + self.rng.below(j + 1)),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamKind, stream};

    #[test]
    fn samples_stay_in_range_and_match_the_median() {
        let mut rng = stream(1, 0, StreamKind::Latency, 0);
        let u = Law::Uniform {
            min: 10_000,
            max: 20_000,
        };
        let draws: Vec<u64> = (0..10_000).map(|_| u.sample(&mut rng).micros()).collect();
        assert!(draws.iter().all(|&d| (10_000..=20_000).contains(&d)));
        let mean = draws.iter().sum::<u64>() as f64 / 10_000.0;
        // Uniform on 10..20 ms: sd 2.89 ms, so the mean's sd is 0.029 ms; allow 5 sd.
        assert!((mean - 15_000.0).abs() < 145.0, "mean {mean}");
        let l = Law::Lognormal {
            mu: libm::log(40.0),
            sigma: 0.5,
        };
        let mut d: Vec<u64> = (0..20_001).map(|_| l.sample(&mut rng).micros()).collect();
        d.sort_unstable();
        // The sample median's sd is sqrt(π/2)·σ·m/sqrt(n) ~ 0.18 ms here; allow over 5 sd.
        let median = d[10_000] as f64 / 1000.0;
        assert!((median - 40.0).abs() < 1.0, "median {median}");
    }

    fn per_link(law: Law, jitter: u64, replica: u32) -> LinkLatency {
        let rng = stream(3, 0, StreamKind::Latency, 0);
        let links = stream(3, replica, StreamKind::Latency, crate::rng::LINKS);
        LinkLatency::new(LatencyModel::PerLink { law, jitter }, rng, links, 0)
    }

    #[test]
    fn a_link_keeps_its_latency_for_every_message_and_both_directions() {
        let law = Law::Lognormal {
            mu: libm::log(50.0),
            sigma: 0.5,
        };
        let mut t = per_link(law, 0, 0);
        let now = SimTime::ZERO;
        let mut distinct = std::collections::BTreeSet::new();
        for a in 0..50u32 {
            for b in (a + 1)..50 {
                let first = t.latency(now, a, b);
                for _ in 0..3 {
                    assert_eq!(t.latency(now, a, b), first, "link {a}-{b}");
                    assert_eq!(t.latency(now, b, a), first, "link {b}-{a}");
                }
                distinct.insert(first);
            }
        }
        // 1,225 links drawn from a continuous law: nearly all differ.
        assert!(distinct.len() > 1_100, "{} distinct", distinct.len());
        // Another replica draws other latencies.
        let other = per_link(law, 0, 1);
        let differ = (0..100).filter(|&a| other.link(a, a + 1) != t.link(a, a + 1));
        assert!(differ.count() > 90);
    }

    #[test]
    fn link_latencies_follow_the_law_and_jitter_adds_a_uniform_delay() {
        let law = Law::Uniform {
            min: 10_000,
            max: 20_000,
        };
        let mut t = per_link(law, 0, 0);
        let now = SimTime::ZERO;
        let links: Vec<u64> = (0..10_000u32).map(|a| t.latency(now, a, a + 1).0).collect();
        assert!(links.iter().all(|&d| (10_000..=20_000).contains(&d)));
        let mean = links.iter().sum::<u64>() as f64 / 10_000.0;
        // As for per-message draws: the mean's sd is 29 µs; allow 5 sd.
        assert!((mean - 15_000.0).abs() < 145.0, "mean {mean}");
        let mut j = per_link(law, 1_000, 0);
        let extra: Vec<u64> = (0..10_000)
            .map(|_| j.latency(now, 5, 9).0 - t.latency(now, 5, 9).0)
            .collect();
        assert!(extra.iter().all(|&e| e <= 1_000));
        // Uniform on 0..=1000 µs: mean 500, the mean's sd 2.9 µs; allow 5 sd.
        let mean = extra.iter().sum::<u64>() as f64 / 10_000.0;
        assert!((mean - 500.0).abs() < 15.0, "jitter mean {mean}");
    }
}
