//! The transport every protocol runs on: link latency, then (under a capacity model) one FIFO
//! server per node.
//!
//! A node with capacity X processes one message in 1/X s. A message that reaches an online
//! node waits behind the messages already there and is handed to the protocol when its
//! processing ends; one that finds `queue_limit` messages waiting (besides the one in service)
//! is dropped. Service times are deterministic per node, so a node's backlog alone tells how
//! many messages it holds: no per-message queue is kept.

use crate::capacity::Capacities;
use crate::engine::{Arrival, Transport};
use crate::metrics::QueueStats;
use crate::net::LinkLatency;
use crate::time::{SimDuration, SimTime};
use crate::topology::NodeId;

/// Link latency plus, under a capacity model, the nodes' queues.
pub struct Network {
    links: LinkLatency,
    queues: Option<Queues>,
}

impl Network {
    /// A network whose messages take `links`' latency, queued at nodes of `capacities`
    /// (none when unlimited); queue lengths are counted per `window`.
    pub fn new(links: LinkLatency, capacities: Option<&Capacities>, window: SimDuration) -> Self {
        Network {
            links,
            queues: capacities.map(|c| Queues::new(c, window)),
        }
    }

    /// The queues' measurements at the end of a run that lasted until `end`.
    pub fn finish(self, end: SimTime) -> Option<QueueStats> {
        self.queues.map(|q| q.finish(end))
    }
}

impl Transport for Network {
    fn holds(&self) -> bool {
        self.queues.is_some()
    }

    #[inline]
    fn latency(&mut self, now: SimTime, from: NodeId, to: NodeId) -> SimDuration {
        self.links.latency(now, from, to)
    }

    #[inline]
    fn arrive(&mut self, now: SimTime, to: NodeId, online: impl FnOnce() -> bool) -> Arrival {
        match &mut self.queues {
            None => Arrival::Now,
            // An offline node queues nothing: the message is lost at once.
            Some(q) if online() => q.arrive(now, to),
            Some(_) => Arrival::Now,
        }
    }
}

/// One FIFO server per node.
struct Queues {
    /// Processing time per message, µs.
    service: Vec<u32>,
    /// When each node finishes the messages it holds.
    busy_until: Vec<SimTime>,
    /// Processing time each node has accepted, µs.
    busy: Vec<u64>,
    limit: u64,
    window: u64,
    stats: QueueStats,
}

impl Queues {
    fn new(c: &Capacities, window: SimDuration) -> Self {
        let n = c.nodes() as usize;
        Queues {
            service: (0..c.nodes())
                .map(|v| c.service_us(v).min(u64::from(u32::MAX)) as u32)
                .collect(),
            busy_until: vec![SimTime::ZERO; n],
            busy: vec![0; n],
            limit: u64::from(c.queue_limit()),
            window: window.micros().max(1),
            stats: QueueStats::default(),
        }
    }

    #[inline]
    fn arrive(&mut self, now: SimTime, to: NodeId) -> Arrival {
        let v = to as usize;
        let service = u64::from(self.service[v]);
        let backlog = self.busy_until[v].micros().saturating_sub(now.micros());
        // The one in service has 0 < r <= service left, each waiting one a full service.
        let waiting = backlog.div_ceil(service).saturating_sub(1);
        self.stats.arrival(now.micros(), self.window, waiting);
        if waiting >= self.limit {
            self.stats.drop_one();
            return Arrival::Dropped;
        }
        self.stats.wait(backlog);
        let done = SimTime(now.micros() + backlog + service);
        self.busy_until[v] = done;
        self.busy[v] += service;
        Arrival::At(done)
    }

    fn finish(mut self, end: SimTime) -> QueueStats {
        let length = end.micros().max(1) as f64;
        for &busy in &self.busy {
            self.stats.node_utilisation(busy as f64 / length);
        }
        self.stats
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capacity::Capacity;
    use crate::engine::{Kernel, KernelOf, Model};
    use crate::net::{LatencyModel, Law};
    use crate::rng::{Sample, StreamKind, stream};

    /// Poisson arrivals at node 0 from node 1, each message forwarded along `path` (node 0
    /// first); records each message's time from issue to the end of the last hop's processing,
    /// and the drops.
    struct Tandem {
        next: Vec<SimTime>,
        path: Vec<NodeId>,
        delays: Vec<u64>,
        dropped: u64,
    }

    impl Model for Tandem {
        type Message = (SimTime, u8);
        type Timer = ();
        type Transport = Network;

        fn input_due(&mut self, next: Option<SimTime>) -> Option<SimTime> {
            let a = *self.next.last()?;
            next.is_none_or(|t| a < t).then_some(a)
        }
        fn on_input(&mut self, k: &mut KernelOf<Self>) {
            self.next.pop();
            let now = k.now();
            k.send(NodeId::MAX, self.path[0], (now, 0));
        }
        fn on_message(&mut self, k: &mut KernelOf<Self>, to: NodeId, _: NodeId, m: (SimTime, u8)) {
            let hop = usize::from(m.1) + 1;
            match self.path.get(hop) {
                Some(&next) => {
                    k.send(to, next, (m.0, m.1 + 1));
                }
                None => self.delays.push(k.now().since(m.0).micros()),
            }
        }
        fn on_timer(&mut self, _: &mut KernelOf<Self>, _: NodeId, _: ()) {}
        fn on_dropped(&mut self, _: &mut KernelOf<Self>, _: NodeId, _: NodeId, _: (SimTime, u8)) {
            self.dropped += 1;
        }
    }

    /// Runs `arrivals` Poisson arrivals at rate `lambda` through `path` on nodes of capacity
    /// `mu` with `queue_limit`, links of `link_ms`; returns (delays µs, drops, stats).
    fn run(
        lambda: f64,
        mu: f64,
        queue_limit: u32,
        path: Vec<NodeId>,
        link_ms: u64,
        arrivals: usize,
    ) -> (Vec<u64>, u64, QueueStats) {
        let mut rng = stream(11, 0, StreamKind::Workload, 0);
        let mut t = SimTime::ZERO;
        let mut next: Vec<SimTime> = (0..arrivals)
            .map(|_| {
                t = t + SimDuration::from_secs_f64(rng.exponential(1.0 / lambda));
                t
            })
            .collect();
        next.reverse();
        let caps = Capacity::Constant {
            messages_per_s: mu,
            queue_limit,
        }
        .draw(4, |_| 0, &mut rng)
        .unwrap();
        let links = LinkLatency::new(
            LatencyModel::PerMessage(Law::Constant(SimDuration::from_millis(link_ms))),
            stream(11, 0, StreamKind::Latency, 0),
            stream(11, 0, StreamKind::Latency, 1),
            4,
        );
        let net = Network::new(links, Some(&caps), SimDuration::from_secs(1));
        let mut kernel = Kernel::new(net, stream(11, 0, StreamKind::Protocol, 0));
        let mut model = Tandem {
            next,
            path,
            delays: Vec::new(),
            dropped: 0,
        };
        kernel.run(&mut model);
        let end = kernel.now();
        let stats = kernel.into_transport().finish(end).unwrap();
        (model.delays, model.dropped, stats)
    }

    #[test]
    fn one_node_waits_as_m_d_1_predicts() {
        // M/D/1: mean wait in queue ρ / (2μ(1 − ρ)).
        let mu = 1000.0;
        for rho in [0.3, 0.6, 0.9] {
            let (delays, dropped, stats) = run(rho * mu, mu, 1_000_000, vec![0], 0, 400_000);
            assert_eq!((dropped, delays.len()), (0, 400_000));
            let mean_wait_us =
                delays.iter().map(|&d| d as f64 - 1000.0).sum::<f64>() / delays.len() as f64;
            let theory = 1e6 * rho / (2.0 * mu * (1.0 - rho));
            // Waits are strongly correlated near saturation: 5% at ρ <= 0.6, 15% at 0.9.
            let tol = if rho > 0.8 { 0.15 } else { 0.05 };
            assert!(
                (mean_wait_us - theory).abs() < tol * theory,
                "ρ = {rho}: {mean_wait_us:.1} µs, M/D/1 {theory:.1} µs"
            );
            // The stats see the same waits.
            let w = stats.wait_ms().unwrap();
            assert!((w.mean * 1000.0 - mean_wait_us).abs() < 1e-6 * theory.max(1.0));
            // Utilisation of the busy node is ρ.
            assert!((stats.utilisation().unwrap().max - rho).abs() < 0.02);
        }
    }

    /// Blocking probability of M/D/1 with `k` waiting places (system size k + 1) at load `rho`,
    /// from the departure-epoch Markov chain (Gross & Harris, M/G/1/N): with π the
    /// distribution left behind by departures on 0..=k, P(block) = 1 − 1/(π₀ + ρ).
    fn md1k_blocking(rho: f64, k: usize) -> f64 {
        // a[j]: probability of j Poisson(ρ) arrivals during one service.
        let mut a = vec![(-rho).exp()];
        for j in 1..=k + 1 {
            let prev = a[j - 1];
            a.push(prev * rho / j as f64);
        }
        let states = k + 1;
        // P[i][j]: from i left behind to j left behind at the next departure.
        let row = |i: usize| -> Vec<f64> {
            let base = i.saturating_sub(1);
            let mut p = vec![0.0; states];
            for (j, pj) in p.iter_mut().enumerate().take(states - 1).skip(base) {
                *pj = a[j - base];
            }
            let below: f64 = p.iter().sum();
            p[states - 1] = 1.0 - below;
            p
        };
        // Power iteration on π = πP.
        let rows: Vec<Vec<f64>> = (0..states).map(row).collect();
        let mut pi = vec![1.0 / states as f64; states];
        for _ in 0..100_000 {
            let mut next = vec![0.0; states];
            for (i, r) in rows.iter().enumerate() {
                for (j, p) in r.iter().enumerate() {
                    next[j] += pi[i] * p;
                }
            }
            pi = next;
        }
        1.0 - 1.0 / (pi[0] + rho)
    }

    #[test]
    fn drops_match_m_d_1_k() {
        let mu = 1000.0;
        for (rho, k) in [(0.9, 3), (1.5, 5), (0.7, 1)] {
            let n = 200_000;
            let (_, dropped, stats) = run(rho * mu, mu, k, vec![0], 0, n);
            assert_eq!(stats.dropped, dropped);
            let p = dropped as f64 / n as f64;
            let theory = md1k_blocking(rho, k as usize);
            // Binomial sd of the share, inflated threefold for the correlation of successive
            // arrivals' fates; allow 4 of those.
            let sd = (theory * (1.0 - theory) / n as f64).sqrt() * 3.0;
            assert!(
                (p - theory).abs() < 4.0 * sd,
                "ρ = {rho}, K = {k}: dropped {p:.4}, M/D/1/K {theory:.4} (sd {sd:.5})"
            );
        }
    }

    #[test]
    fn a_tandem_adds_up_its_delays_at_low_load() {
        // Three nodes in a row, 5 ms links, 1 ms service, ρ = 0.1 at the first. After the first
        // node messages are spaced by at least one service, so only the first one queues:
        // delay = 3 links + 3 services + the first node's M/D/1 wait.
        let (mu, rho) = (1000.0, 0.1);
        let (delays, dropped, _) = run(rho * mu, mu, 1000, vec![0, 1, 2], 5, 100_000);
        assert_eq!(dropped, 0);
        let mean = delays.iter().sum::<u64>() as f64 / delays.len() as f64;
        let theory = 3.0 * 5000.0 + 3.0 * 1000.0 + 1e6 * rho / (2.0 * mu * (1.0 - rho));
        assert!((mean - theory).abs() < 0.01 * theory, "{mean} vs {theory}");
        assert!(delays.iter().all(|&d| d >= 18_000));
    }
}
