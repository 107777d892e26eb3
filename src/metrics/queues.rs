//! What the node queues of a capacity model measured in one run: arrivals, drops, waiting
//! times, queue lengths per window and node utilisation. Mergeable over replicas.

use super::Distribution;

/// Waits below this many µs have a bucket each; above, 64 buckets per power of two (a relative
/// resolution of 1/64).
const EXACT: u64 = 128;
const SUB: u64 = 64;
const WAIT_BUCKETS: usize = (EXACT + (64 - 7) * SUB) as usize;
/// Utilisation is binned in steps of 1/UTIL_BINS.
const UTIL_BINS: usize = 10_000;

/// The queue length arriving messages saw in one window.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct QueueWindow {
    /// Messages that arrived at an online node's queue.
    pub arrivals: u64,
    /// Sum over them of the messages waiting ahead of each (not counting the one in service).
    pub waiting_sum: u64,
    /// The longest queue an arrival saw.
    pub waiting_max: u32,
}

impl QueueWindow {
    /// Mean messages waiting as seen by arrivals (`None` without arrivals).
    pub fn mean(&self) -> Option<f64> {
        (self.arrivals > 0).then(|| self.waiting_sum as f64 / self.arrivals as f64)
    }
}

/// Queue measurements of one run (or of several, merged).
#[derive(Clone, Debug, PartialEq)]
pub struct QueueStats {
    /// Messages that arrived at an online node (accepted or dropped).
    pub arrivals: u64,
    /// Messages dropped because `queue_limit` messages were already waiting.
    pub dropped: u64,
    /// Sum of the accepted messages' waits before service, µs.
    wait_sum: u64,
    /// Accepted messages' waits before service, binned.
    waits: Vec<u64>,
    /// The longest wait, µs.
    wait_max: u64,
    /// Nodes by utilisation (busy time over the run's length), binned.
    utilisation: Vec<u64>,
    /// The highest utilisation of any node.
    utilisation_max: f64,
    /// Per `timeseries.csv` window.
    pub windows: Vec<QueueWindow>,
}

impl Default for QueueStats {
    fn default() -> Self {
        QueueStats {
            arrivals: 0,
            dropped: 0,
            wait_sum: 0,
            waits: vec![0; WAIT_BUCKETS],
            wait_max: 0,
            utilisation: vec![0; UTIL_BINS + 1],
            utilisation_max: 0.0,
            windows: Vec::new(),
        }
    }
}

fn wait_bucket(us: u64) -> usize {
    if us < EXACT {
        return us as usize;
    }
    let e = u64::from(63 - us.leading_zeros());
    let sub = (us >> (e - 6)) & (SUB - 1);
    (EXACT + (e - 7) * SUB + sub) as usize
}

/// The middle of bucket `b`, µs.
fn wait_value(b: usize) -> f64 {
    let b = b as u64;
    if b < EXACT {
        return b as f64;
    }
    let e = (b - EXACT) / SUB + 7;
    let sub = (b - EXACT) % SUB;
    let lo = (SUB + sub) << (e - 6);
    lo as f64 + ((1u64 << (e - 6)) as f64 - 1.0) / 2.0
}

/// The nearest-rank q-quantile of a binned sample, as `value(bucket)`.
fn quantile(bins: &[u64], q: f64, value: impl Fn(usize) -> f64) -> f64 {
    let n: u64 = bins.iter().sum();
    let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
    let mut seen = 0;
    for (b, &c) in bins.iter().enumerate() {
        seen += c;
        if seen >= rank {
            return value(b);
        }
    }
    value(bins.len() - 1)
}

impl QueueStats {
    /// A message arrived at a queue at time `now_us` and found `waiting` messages ahead of it.
    #[inline]
    pub fn arrival(&mut self, now_us: u64, window_us: u64, waiting: u64) {
        self.arrivals += 1;
        let w = (now_us / window_us) as usize;
        if self.windows.len() <= w {
            self.windows.resize(w + 1, QueueWindow::default());
        }
        let win = &mut self.windows[w];
        win.arrivals += 1;
        win.waiting_sum += waiting;
        win.waiting_max = win.waiting_max.max(waiting.min(u64::from(u32::MAX)) as u32);
    }

    /// The arrival just counted was dropped.
    #[inline]
    pub fn drop_one(&mut self) {
        self.dropped += 1;
    }

    /// The arrival just counted waits `us` µs before its service begins.
    #[inline]
    pub fn wait(&mut self, us: u64) {
        self.wait_sum += us;
        self.wait_max = self.wait_max.max(us);
        self.waits[wait_bucket(us)] += 1;
    }

    /// A node was busy for this share of the run.
    pub fn node_utilisation(&mut self, share: f64) {
        let share = share.clamp(0.0, 1.0);
        self.utilisation[(share * UTIL_BINS as f64).round() as usize] += 1;
        self.utilisation_max = self.utilisation_max.max(share);
    }

    /// Adds `other`'s measurements (another replica's run) to these.
    pub fn merge(&mut self, other: &QueueStats) {
        self.arrivals += other.arrivals;
        self.dropped += other.dropped;
        self.wait_sum += other.wait_sum;
        self.wait_max = self.wait_max.max(other.wait_max);
        for (a, b) in self.waits.iter_mut().zip(&other.waits) {
            *a += b;
        }
        for (a, b) in self.utilisation.iter_mut().zip(&other.utilisation) {
            *a += b;
        }
        self.utilisation_max = self.utilisation_max.max(other.utilisation_max);
        if self.windows.len() < other.windows.len() {
            self.windows
                .resize(other.windows.len(), QueueWindow::default());
        }
        for (a, b) in self.windows.iter_mut().zip(&other.windows) {
            a.arrivals += b.arrivals;
            a.waiting_sum += b.waiting_sum;
            a.waiting_max = a.waiting_max.max(b.waiting_max);
        }
    }

    /// Share of arrivals dropped (0 without arrivals).
    pub fn drop_ratio(&self) -> f64 {
        if self.arrivals == 0 {
            0.0
        } else {
            self.dropped as f64 / self.arrivals as f64
        }
    }

    /// Waiting time before service, ms: the exact mean and maximum, and quantiles to within
    /// 1/64 of their value (`None` when no message was accepted).
    pub fn wait_ms(&self) -> Option<Distribution> {
        let accepted = self.arrivals - self.dropped;
        (accepted > 0).then(|| {
            let ms = |q| quantile(&self.waits, q, wait_value) / 1000.0;
            let max = self.wait_max as f64 / 1000.0;
            Distribution {
                mean: self.wait_sum as f64 / accepted as f64 / 1000.0,
                p50: ms(0.5).min(max),
                p90: ms(0.9).min(max),
                p99: ms(0.99).min(max),
                max,
            }
        })
    }

    /// Node utilisation over nodes: quantiles to within 1e-4, exact maximum (`None` without
    /// nodes).
    pub fn utilisation(&self) -> Option<Distribution> {
        let nodes: u64 = self.utilisation.iter().sum();
        (nodes > 0).then(|| {
            let value = |b: usize| b as f64 / UTIL_BINS as f64;
            let share = |q| quantile(&self.utilisation, q, value).min(self.utilisation_max);
            let total: f64 = self
                .utilisation
                .iter()
                .enumerate()
                .map(|(b, &c)| value(b) * c as f64)
                .sum();
            Distribution {
                mean: total / nodes as f64,
                p50: share(0.5),
                p90: share(0.9),
                p99: share(0.99),
                max: self.utilisation_max,
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wait_buckets_are_ordered_and_tight() {
        let mut last = 0;
        for us in (0..100_000u64).chain([1 << 40, u64::MAX / 2, u64::MAX]) {
            let b = wait_bucket(us);
            assert!(b >= last && b < WAIT_BUCKETS, "{us} -> {b}");
            last = b;
            let v = wait_value(b);
            assert!(
                (v - us as f64).abs() <= us as f64 / 64.0,
                "{us} shown as {v}"
            );
        }
    }

    #[test]
    fn quantiles_come_from_the_sample() {
        let mut s = QueueStats::default();
        for us in 1..=1000u64 {
            s.arrival(0, 1, 0);
            s.wait(us * 10);
        }
        let d = s.wait_ms().unwrap();
        assert_eq!(d.mean, 5.005);
        assert_eq!(d.max, 10.0);
        for (q, got) in [(0.5, d.p50), (0.9, d.p90), (0.99, d.p99)] {
            let exact = q * 10.0;
            assert!(
                (got - exact).abs() <= exact / 64.0,
                "q{q}: {got} vs {exact}"
            );
        }
    }
}
