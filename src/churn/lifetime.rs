//! Session and offline lengths: sampling, moments, and the stationary residual.
//!
//! A node alternating sessions S and offline periods O is, in the stationary state, online
//! with probability E[S] / (E[S] + E[O]); the time left in its current period then follows
//! the *equilibrium* distribution with density P(X > x) / E[X]. It is sampled as U·L, where
//! U is uniform on (0, 1) and L is *length-biased* (density x·f(x) / E[X]):
//!
//! | law | length-biased L |
//! |---|---|
//! | exponential(m) | the residual is exponential(m) itself (memoryless) |
//! | Pareto(α, x_m) | Pareto(α − 1, x_m) |
//! | Weibull(k, λ) | λ·G^(1/k) with G ~ Gamma(1 + 1/k, 1) |
//! | lognormal(μ, σ) | lognormal(μ + σ², σ) |
//! | constant(s) | s |

use super::Lifetime;
use crate::rng::Sample;

impl Lifetime {
    /// One length, in seconds.
    pub fn sample(&self, rng: &mut impl Sample) -> f64 {
        match *self {
            Lifetime::Exponential { mean_s } => rng.exponential(mean_s),
            Lifetime::Pareto { shape, scale_s } => pareto(rng, shape, scale_s),
            Lifetime::Weibull { shape, scale_s } => {
                scale_s * libm::pow(-libm::log(rng.unit_open0()), 1.0 / shape)
            }
            Lifetime::Lognormal { mu, sigma } => rng.lognormal(mu, sigma),
            Lifetime::Constant { s } => s,
        }
    }

    /// The time left in a period observed at a random instant of the stationary process.
    pub fn sample_residual(&self, rng: &mut impl Sample) -> f64 {
        let biased = match *self {
            Lifetime::Exponential { mean_s } => return rng.exponential(mean_s),
            Lifetime::Pareto { shape, scale_s } => pareto(rng, shape - 1.0, scale_s),
            Lifetime::Weibull { shape, scale_s } => {
                scale_s * libm::pow(rng.gamma(1.0 + 1.0 / shape), 1.0 / shape)
            }
            Lifetime::Lognormal { mu, sigma } => rng.lognormal(mu + sigma * sigma, sigma),
            Lifetime::Constant { s } => s,
        };
        rng.unit_open0() * biased
    }

    /// The mean, seconds (finite for every valid law: Pareto shapes must exceed 1).
    pub fn mean(&self) -> f64 {
        match *self {
            Lifetime::Exponential { mean_s } => mean_s,
            Lifetime::Pareto { shape, scale_s } => shape * scale_s / (shape - 1.0),
            Lifetime::Weibull { shape, scale_s } => scale_s * libm::tgamma(1.0 + 1.0 / shape),
            Lifetime::Lognormal { mu, sigma } => libm::exp(mu + sigma * sigma / 2.0),
            Lifetime::Constant { s } => s,
        }
    }

    /// The median, seconds.
    pub fn median(&self) -> f64 {
        let ln2 = std::f64::consts::LN_2;
        match *self {
            Lifetime::Exponential { mean_s } => mean_s * ln2,
            Lifetime::Pareto { shape, scale_s } => scale_s * libm::pow(2.0, 1.0 / shape),
            Lifetime::Weibull { shape, scale_s } => scale_s * libm::pow(ln2, 1.0 / shape),
            Lifetime::Lognormal { mu, .. } => libm::exp(mu),
            Lifetime::Constant { s } => s,
        }
    }

    /// P(X ≤ x).
    pub fn cdf(&self, x: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        match *self {
            Lifetime::Exponential { mean_s } => 1.0 - libm::exp(-x / mean_s),
            Lifetime::Pareto { shape, scale_s } => {
                if x < scale_s {
                    0.0
                } else {
                    1.0 - libm::pow(scale_s / x, shape)
                }
            }
            Lifetime::Weibull { shape, scale_s } => 1.0 - libm::exp(-libm::pow(x / scale_s, shape)),
            Lifetime::Lognormal { mu, sigma } => {
                0.5 * libm::erfc(-(libm::log(x) - mu) / (sigma * std::f64::consts::SQRT_2))
            }
            Lifetime::Constant { s } => f64::from(u8::from(x >= s)),
        }
    }
}

/// A Pareto(`shape`, `scale`) variate by inversion.
fn pareto(rng: &mut impl Sample, shape: f64, scale: f64) -> f64 {
    scale * libm::pow(rng.unit_open0(), -1.0 / shape)
}

/// Stationary probability of being online: E[S] / (E[S] + E[O]).
pub fn availability(session: &Lifetime, offline: &Lifetime) -> f64 {
    let (s, o) = (session.mean(), offline.mean());
    s / (s + o)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{StreamKind, stream};

    fn laws() -> Vec<Lifetime> {
        vec![
            Lifetime::Exponential { mean_s: 600.0 },
            Lifetime::Pareto {
                shape: 2.5,
                scale_s: 60.0,
            },
            Lifetime::Weibull {
                shape: 0.5,
                scale_s: 1800.0,
            },
            Lifetime::Weibull {
                shape: 2.0,
                scale_s: 100.0,
            },
            Lifetime::Lognormal {
                mu: 6.0,
                sigma: 1.2,
            },
        ]
    }

    /// The Kolmogorov–Smirnov statistic of sorted samples whose CDF values are `f`.
    fn ks(f: &[f64]) -> f64 {
        let n = f.len() as f64;
        f.iter()
            .enumerate()
            .map(|(i, &f)| (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs()))
            .fold(0.0, f64::max)
    }

    fn sorted(mut xs: Vec<f64>) -> Vec<f64> {
        xs.sort_by(f64::total_cmp);
        xs
    }

    #[test]
    fn samples_match_each_law_by_kolmogorov_smirnov_median_and_mean() {
        let n = 50_000;
        // Critical value of the KS statistic at the 0.1% level: 1.95/√n.
        let critical = 1.95 / (n as f64).sqrt();
        for law in laws() {
            let mut r = stream(3, 0, StreamKind::Churn, 0);
            let xs = sorted((0..n).map(|_| law.sample(&mut r)).collect());
            let f: Vec<f64> = xs.iter().map(|&x| law.cdf(x)).collect();
            let d = ks(&f);
            assert!(d < critical, "{law:?}: KS D = {d:.4} >= {critical:.4}");
            let median = xs[n / 2];
            assert!(
                (median / law.median() - 1.0).abs() < 0.03,
                "{law:?}: median {median} vs {}",
                law.median()
            );
            // Heavy tails make the sample mean converge slowly: 10% is about 4 standard errors
            // for the Weibull(0.5) (CV √5) and Pareto(2.5) cases at this n.
            let mean = xs.iter().sum::<f64>() / n as f64;
            assert!(
                (mean / law.mean() - 1.0).abs() < 0.1,
                "{law:?}: mean {mean} vs {}",
                law.mean()
            );
        }
    }

    #[test]
    fn residuals_follow_the_equilibrium_distribution() {
        // The equilibrium CDF is F_e(x) = (1/E[X]) ∫_0^x P(X > t) dt; integrate it along the
        // sorted samples (Simpson's rule between neighbours) and compare by Kolmogorov–Smirnov.
        let n = 50_000;
        let critical = 1.95 / (n as f64).sqrt();
        for law in laws() {
            let mut r = stream(4, 0, StreamKind::Churn, 0);
            let xs = sorted((0..n).map(|_| law.sample_residual(&mut r)).collect());
            let survival = |t: f64| 1.0 - law.cdf(t);
            let (mut area, mut last) = (0.0, 0.0);
            let f: Vec<f64> = xs
                .iter()
                .map(|&x| {
                    let steps = 16;
                    let h = (x - last) / f64::from(steps);
                    let simpson: f64 = (0..=steps)
                        .map(|i| {
                            let w = if i == 0 || i == steps {
                                1.0
                            } else if i % 2 == 1 {
                                4.0
                            } else {
                                2.0
                            };
                            w * survival(last + f64::from(i) * h)
                        })
                        .sum();
                    area += simpson * h / 3.0;
                    last = x;
                    (area / law.mean()).min(1.0)
                })
                .collect();
            let d = ks(&f);
            assert!(d < critical, "{law:?}: KS D = {d:.4} >= {critical:.4}");
        }
    }

    #[test]
    fn closed_forms() {
        let w = Lifetime::Weibull {
            shape: 0.5,
            scale_s: 1800.0,
        };
        // Γ(3) = 2.
        assert!((w.mean() - 3600.0).abs() < 1e-6);
        let p = Lifetime::Pareto {
            shape: 2.0,
            scale_s: 10.0,
        };
        assert_eq!(p.mean(), 20.0);
        let off = Lifetime::Exponential { mean_s: 1200.0 };
        assert!((availability(&w, &off) - 0.75).abs() < 1e-12);
    }
}
