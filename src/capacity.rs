//! Node capacity: how many messages a node processes per second, and how many may wait.
//!
//! `network.capacity` is the spec table; [`Capacities`] is what one replica's nodes were drawn
//! (from their own stream, so capacities move no topology, content or query). The queues
//! themselves are the simulation layer's transport (`sim::network`).

use crate::rng::{Sample, SimRng};
use crate::topology::NodeId;
use crate::validation::Checker;
use serde::{Deserialize, Serialize};

/// Messages that may wait at a node when `queue_limit` is not given.
pub const DEFAULT_QUEUE_LIMIT: u32 = 100;
/// Largest `queue_limit`.
pub const MAX_QUEUE_LIMIT: u32 = 1_000_000;
/// Largest `messages_per_s`: one message per microsecond, the clock's resolution.
pub const MAX_RATE: f64 = 1e6;
/// How far `fractions` may sum from 1.
const FRACTION_SLACK: f64 = 1e-9;

/// `network.capacity`
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Capacity {
    /// Every node handles any number of messages at once (no queues).
    #[default]
    Unlimited,
    /// Every node is one FIFO server taking `1 / messages_per_s` s per message.
    Constant {
        /// Messages one node processes per second.
        messages_per_s: f64,
        /// Messages that may wait (besides the one in service); one more is dropped.
        #[serde(default = "default_queue_limit")]
        queue_limit: u32,
    },
    /// Each node's rate is drawn from a discrete distribution.
    Levels {
        /// The possible rates, messages per second.
        messages_per_s: Vec<f64>,
        /// The share of nodes at each rate (sums to 1).
        fractions: Vec<f64>,
        /// Messages that may wait (besides the one in service); one more is dropped.
        #[serde(default = "default_queue_limit")]
        queue_limit: u32,
        /// Which node gets which of the drawn rates.
        #[serde(default, skip_serializing_if = "Placement::is_random")]
        placement: Placement,
    },
}

/// How drawn rates are matched to nodes.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Placement {
    /// Each node keeps the rate drawn for it.
    #[default]
    Random,
    /// The same rates, sorted so that higher-degree nodes get higher rates (ties by node id):
    /// the capable peers are the overlay's hubs, as when super-peers are chosen by capacity.
    ByDegree,
}

impl Placement {
    fn is_random(&self) -> bool {
        *self == Placement::Random
    }
}

fn default_queue_limit() -> u32 {
    DEFAULT_QUEUE_LIMIT
}

impl Capacity {
    /// Whether nodes have no capacity limit (today's behaviour, and the default).
    pub fn is_unlimited(&self) -> bool {
        matches!(self, Capacity::Unlimited)
    }

    /// The queue limit, when there are queues.
    pub fn queue_limit(&self) -> Option<u32> {
        match *self {
            Capacity::Unlimited => None,
            Capacity::Constant { queue_limit, .. } | Capacity::Levels { queue_limit, .. } => {
                Some(queue_limit)
            }
        }
    }

    /// Records every problem of the table under `network.capacity`.
    pub fn check(&self, c: &mut Checker) {
        let rate = |c: &mut Checker, path: &str, x: f64| {
            if !(x.is_finite() && x > 0.0 && x <= MAX_RATE) {
                c.fail(
                    path,
                    format!("must be a rate above 0 and at most {MAX_RATE:.0} messages/s, got {x}"),
                    "give messages per second, e.g. 1000 (the clock counts microseconds, so at most 1e6)",
                );
            }
        };
        let limit = |c: &mut Checker, k: u32| {
            if !(1..=MAX_QUEUE_LIMIT).contains(&k) {
                c.fail(
                    "network.capacity.queue_limit",
                    format!("must be between 1 and {MAX_QUEUE_LIMIT}, got {k}"),
                    format!(
                        "give how many messages may wait at a node (default {DEFAULT_QUEUE_LIMIT}); \
                         for no limit at all use kind = \"unlimited\""
                    ),
                );
            }
        };
        match self {
            Capacity::Unlimited => {}
            Capacity::Constant {
                messages_per_s,
                queue_limit,
            } => {
                rate(c, "network.capacity.messages_per_s", *messages_per_s);
                limit(c, *queue_limit);
            }
            Capacity::Levels {
                messages_per_s,
                fractions,
                queue_limit,
                ..
            } => {
                limit(c, *queue_limit);
                if messages_per_s.is_empty() || messages_per_s.len() > usize::from(u8::MAX) + 1 {
                    c.fail(
                        "network.capacity.messages_per_s",
                        format!("must list 1 to 256 rates, got {}", messages_per_s.len()),
                        "list the rates, e.g. [1, 10, 100, 1000, 10000]",
                    );
                }
                if fractions.len() != messages_per_s.len() {
                    c.fail(
                        "network.capacity.fractions",
                        format!(
                            "has {} entries but messages_per_s has {}",
                            fractions.len(),
                            messages_per_s.len()
                        ),
                        "give one fraction per rate",
                    );
                }
                for (i, &x) in messages_per_s.iter().enumerate() {
                    rate(c, &format!("network.capacity.messages_per_s[{i}]"), x);
                }
                for (i, &f) in fractions.iter().enumerate() {
                    c.probability(&format!("network.capacity.fractions[{i}]"), f);
                }
                let sum: f64 = fractions.iter().sum();
                if (sum - 1.0).abs().is_nan() || (sum - 1.0).abs() > FRACTION_SLACK {
                    c.fail(
                        "network.capacity.fractions",
                        format!("must sum to 1 (within {FRACTION_SLACK:e}), got {sum}"),
                        "scale the fractions so they add up to exactly 1",
                    );
                }
            }
        }
    }

    /// Draws every node's rate; `None` when nodes are unlimited. A constant capacity draws
    /// nothing from `rng`; levels draw one uniform number per node, in node order, and then,
    /// placed by degree, hand the drawn rates out in order of `degree`.
    pub fn draw(
        &self,
        nodes: u32,
        degree: impl Fn(NodeId) -> u32,
        rng: &mut SimRng,
    ) -> Option<Capacities> {
        let (rates, level, queue_limit) = match self {
            Capacity::Unlimited => return None,
            Capacity::Constant {
                messages_per_s,
                queue_limit,
            } => (vec![*messages_per_s], vec![0; nodes as usize], *queue_limit),
            Capacity::Levels {
                messages_per_s,
                fractions,
                queue_limit,
                placement,
            } => {
                let mut level: Vec<u8> = (0..nodes)
                    .map(|_| {
                        let u = rng.unit();
                        let mut cumulative = 0.0;
                        let last = fractions.len() - 1;
                        fractions
                            .iter()
                            .position(|f| {
                                cumulative += f;
                                u < cumulative
                            })
                            .unwrap_or(last) as u8
                    })
                    .collect();
                if *placement == Placement::ByDegree {
                    let rate = |l: &u8| messages_per_s[usize::from(*l)];
                    let mut drawn = level.clone();
                    drawn.sort_by(|a, b| rate(b).total_cmp(&rate(a)));
                    let mut order: Vec<NodeId> = (0..nodes).collect();
                    order.sort_by_key(|&v| (std::cmp::Reverse(degree(v)), v));
                    for (v, l) in order.into_iter().zip(drawn) {
                        level[v as usize] = l;
                    }
                }
                (messages_per_s.clone(), level, *queue_limit)
            }
        };
        Some(Capacities {
            rates,
            level,
            queue_limit,
        })
    }
}

/// The capacities of one replica's nodes.
#[derive(Clone, Debug, PartialEq)]
pub struct Capacities {
    rates: Vec<f64>,
    level: Vec<u8>,
    queue_limit: u32,
}

impl Capacities {
    /// Node `v` processes `rates[level[v]]` messages per second (for hand-built worlds; a
    /// scenario's capacities come from [`Capacity::draw`]).
    pub fn from_levels(rates: Vec<f64>, level: Vec<u8>, queue_limit: u32) -> Self {
        assert!(level.iter().all(|&l| usize::from(l) < rates.len()));
        Capacities {
            rates,
            level,
            queue_limit,
        }
    }

    /// Messages `node` processes per second.
    #[inline]
    pub fn rate(&self, node: NodeId) -> f64 {
        self.rates[usize::from(self.level[node as usize])]
    }

    /// The time `node` takes per message, µs (1/rate rounded to the microsecond, at least 1).
    pub fn service_us(&self, node: NodeId) -> u64 {
        ((1e6 / self.rate(node)).round() as u64).max(1)
    }

    /// Messages that may wait at a node besides the one in service.
    pub fn queue_limit(&self) -> u32 {
        self.queue_limit
    }

    /// Nodes.
    pub fn nodes(&self) -> u32 {
        self.level.len() as u32
    }
}

/// Bytes the drawn capacities and the queues of `nodes` nodes take (level, service time, busy
/// until, busy time), without the messages waiting in them.
pub fn bytes_per_node() -> u64 {
    1 + 4 + 8 + 8
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamKind, stream};
    use std::path::Path;

    fn problems(spec: &Capacity) -> Vec<String> {
        let mut c = Checker::new(Path::new("s.toml"));
        spec.check(&mut c);
        match c.finish() {
            Ok(()) => Vec::new(),
            Err(e) => e.to_string().lines().map(str::to_string).collect(),
        }
    }

    #[test]
    fn levels_are_drawn_in_their_fractions() {
        let spec = Capacity::Levels {
            messages_per_s: vec![1.0, 10.0, 100.0, 1000.0, 10000.0],
            fractions: vec![0.2, 0.45, 0.3, 0.049, 0.001],
            queue_limit: 10,
            placement: Placement::Random,
        };
        assert!(problems(&spec).is_empty());
        let n = 200_000;
        let caps = spec
            .draw(n, |_| 0, &mut stream(3, 0, StreamKind::Capacity, 0))
            .unwrap();
        for (i, (rate, f)) in [(1.0, 0.2), (10.0, 0.45), (100.0, 0.3), (1000.0, 0.049)]
            .into_iter()
            .enumerate()
        {
            let count = (0..n).filter(|&v| caps.rate(v) == rate).count() as f64;
            // Binomial: sd sqrt(n f (1-f)); allow 5 sd.
            let sd = (f64::from(n) * f * (1.0 - f)).sqrt();
            assert!(
                (count - f64::from(n) * f).abs() < 5.0 * sd,
                "level {i}: {count} nodes, expected {}",
                f64::from(n) * f
            );
        }
        assert_eq!(
            caps.service_us(0).max(1),
            (1e6 / caps.rate(0)).round() as u64
        );
    }

    #[test]
    fn placed_by_degree_the_hubs_get_the_highest_rates() {
        let spec = |placement| Capacity::Levels {
            messages_per_s: vec![1.0, 100.0],
            fractions: vec![0.9, 0.1],
            queue_limit: 10,
            placement,
        };
        // Degree 1000 − v: node 0 is the biggest hub.
        let draw = |c: Capacity| {
            c.draw(
                1000,
                |v| 1000 - v,
                &mut stream(4, 0, StreamKind::Capacity, 0),
            )
            .unwrap()
        };
        let a = draw(spec(Placement::Random));
        let b = draw(spec(Placement::ByDegree));
        let fast = (0..1000).filter(|&v| a.rate(v) == 100.0).count() as u32;
        assert!(fast > 50 && fast < 150, "{fast}");
        // The same rates, handed to the `fast` biggest hubs.
        assert!((0..1000).all(|v| (b.rate(v) == 100.0) == (v < fast)));
    }

    #[test]
    fn nonsense_is_refused_with_its_field_path() {
        let bad = Capacity::Levels {
            messages_per_s: vec![1.0, -2.0],
            fractions: vec![0.5, 0.4, 0.1],
            queue_limit: 0,
            placement: Placement::Random,
        };
        let p = problems(&bad).join("\n");
        for needle in [
            "network.capacity.queue_limit",
            "network.capacity.messages_per_s[1]",
            "has 3 entries but messages_per_s has 2",
        ] {
            assert!(p.contains(needle), "{needle} missing from:\n{p}");
        }
        let off = Capacity::Levels {
            messages_per_s: vec![1.0, 2.0],
            fractions: vec![0.5, 0.49],
            queue_limit: 5,
            placement: Placement::Random,
        };
        assert!(problems(&off).join("\n").contains("must sum to 1"));
        let zero = Capacity::Constant {
            messages_per_s: 0.0,
            queue_limit: 5,
        };
        assert!(problems(&zero).join("\n").contains("messages_per_s"));
    }
}
