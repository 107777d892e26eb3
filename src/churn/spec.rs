//! The `[churn]` scenario table.

use serde::{Deserialize, Serialize};

/// `[churn]`: how peers come and go.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Churn {
    /// Every node stays online; the overlay never changes.
    #[default]
    None,
    /// Each node alternates online sessions and offline periods, starting in the stationary
    /// state.
    Sessions {
        /// Length of an online session.
        session: Lifetime,
        /// Length of an offline period.
        offline: Lifetime,
        /// Simulated seconds before the first query.
        #[serde(default)]
        warmup_s: f64,
        /// How nodes replace lost links; without it links are the overlay's own edges,
        /// live while both ends are online.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        repair: Option<Repair>,
    },
    /// Online intervals replayed from a CSV file (`node,online_s,offline_s`).
    Trace {
        /// Path, relative to the scenario file's folder.
        path: String,
        /// Simulated seconds before the first query.
        #[serde(default)]
        warmup_s: f64,
        /// How nodes replace lost links (as for `sessions`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        repair: Option<Repair>,
    },
}

impl Churn {
    /// Whether nodes never change state.
    pub fn is_none(&self) -> bool {
        matches!(self, Churn::None)
    }

    /// Seconds before the first query.
    pub fn warmup_s(&self) -> f64 {
        match self {
            Churn::None => 0.0,
            Churn::Sessions { warmup_s, .. } | Churn::Trace { warmup_s, .. } => *warmup_s,
        }
    }

    /// The repair settings, if links are repaired.
    pub fn repair(&self) -> Option<&Repair> {
        match self {
            Churn::None => None,
            Churn::Sessions { repair, .. } | Churn::Trace { repair, .. } => repair.as_ref(),
        }
    }
}

/// A distribution of session or offline lengths, in seconds.
#[derive(Copy, Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Lifetime {
    /// Exponential with the given mean.
    Exponential {
        /// Mean, seconds.
        mean_s: f64,
    },
    /// Pareto: P(X > x) = (scale_s / x)^shape for x ≥ scale_s.
    Pareto {
        /// Tail index α (> 1, so the mean is finite).
        shape: f64,
        /// Smallest value, seconds.
        scale_s: f64,
    },
    /// Weibull: P(X > x) = exp(−(x / scale_s)^shape).
    Weibull {
        /// Shape k (Stutzbach & Rejaie fit 0.34–0.59 to Gnutella sessions).
        shape: f64,
        /// Scale λ, seconds.
        scale_s: f64,
    },
    /// Lognormal: ln X is normal with mean `mu` and standard deviation `sigma` (X in seconds).
    Lognormal {
        /// Mean of ln X (X in seconds).
        mu: f64,
        /// Standard deviation of ln X.
        sigma: f64,
    },
    /// Always `s` seconds.
    Constant {
        /// Seconds.
        s: f64,
    },
}

/// `churn.repair`: nodes keep at least `min_degree` links by connecting to random online
/// nodes they learn of from a host cache.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Repair {
    /// A node with fewer links connects to new ones until it has this many.
    pub min_degree: u32,
    /// Repair never takes either end of a new link above this many links.
    pub max_degree: u32,
    /// How long neighbours take to notice that a node left, ms.
    #[serde(default)]
    pub delay_ms: f64,
}
