//! Link latency models, sampled once per message, and the default transport built on them.

use super::Transport;
use crate::rng::{Sample, SimRng};
use crate::time::{SimDuration, SimTime};
use crate::topology::NodeId;

/// A validated latency model in microseconds.
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum LatencyModel {
    /// Every message takes the same time.
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

impl LatencyModel {
    /// One message's latency. A constant model draws nothing from the stream.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> SimDuration {
        match *self {
            LatencyModel::Constant(d) => d,
            LatencyModel::Uniform { min, max } => SimDuration(min + rng.below(max - min + 1)),
            LatencyModel::Lognormal { mu, sigma } => {
                SimDuration::from_millis_f64(rng.lognormal(mu, sigma))
            }
        }
    }
}

/// The default transport: every message's latency is drawn from `model` with its own stream,
/// and the receiver handles it on arrival.
pub struct LinkLatency {
    /// The latency law.
    pub model: LatencyModel,
    /// The stream latencies are drawn from (a constant model draws nothing).
    pub rng: SimRng,
}

impl Transport for LinkLatency {
    #[inline]
    fn latency(&mut self, _now: SimTime, _from: NodeId, _to: NodeId) -> SimDuration {
        self.model.sample(&mut self.rng)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamKind, stream};

    #[test]
    fn samples_stay_in_range_and_match_the_median() {
        let mut rng = stream(1, 0, StreamKind::Latency, 0);
        let u = LatencyModel::Uniform {
            min: 10_000,
            max: 20_000,
        };
        let draws: Vec<u64> = (0..10_000).map(|_| u.sample(&mut rng).micros()).collect();
        assert!(draws.iter().all(|&d| (10_000..=20_000).contains(&d)));
        let mean = draws.iter().sum::<u64>() as f64 / 10_000.0;
        // Uniform on 10..20 ms: sd 2.89 ms, so the mean's sd is 0.029 ms; allow 5 sd.
        assert!((mean - 15_000.0).abs() < 145.0, "mean {mean}");
        let l = LatencyModel::Lognormal {
            mu: libm::log(40.0),
            sigma: 0.5,
        };
        let mut d: Vec<u64> = (0..20_001).map(|_| l.sample(&mut rng).micros()).collect();
        d.sort_unstable();
        // The sample median's sd is sqrt(π/2)·σ·m/sqrt(n) ~ 0.18 ms here; allow over 5 sd.
        let median = d[10_000] as f64 / 1000.0;
        assert!((median - 40.0).abs() < 1.0, "median {median}");
    }
}
