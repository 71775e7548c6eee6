//! Acquisition functions over a surrogate's posterior, with gradients.

use crate::normal::{norm_cdf, norm_pdf};
use crate::{OptimError, Result};

/// Posterior mean and variance at a point, with their gradients with respect to the point.
#[derive(Debug, Clone, PartialEq)]
pub struct MeanVarGrad {
    /// Predictive mean.
    pub mean: f64,
    /// Predictive variance (of the latent function, without observation noise).
    pub var: f64,
    /// Gradient of the mean.
    pub mean_grad: Vec<f64>,
    /// Gradient of the variance.
    pub var_grad: Vec<f64>,
}

/// What an acquisition function needs from a surrogate: the posterior of the objective
/// (maximised) at a point, with input gradients.
pub trait Posterior {
    /// Input dimension.
    fn dim(&self) -> usize;
    /// Mean, variance and their gradients at `z`.
    ///
    /// # Errors
    /// [`OptimError::Surrogate`] when the surrogate cannot predict.
    fn predict_with_grad(&self, z: &[f64]) -> Result<MeanVarGrad>;
}

/// An acquisition function: a value to maximise over the latent space, with its gradient.
pub trait Acquisition {
    /// Value and gradient at `z`.
    ///
    /// # Errors
    /// The posterior's errors.
    fn value_grad(&self, posterior: &dyn Posterior, z: &[f64]) -> Result<(f64, Vec<f64>)>;
}

/// Variance floor: a posterior variance below it is treated as this (avoids dividing by zero at
/// training points without noise).
const VAR_FLOOR: f64 = 1e-30;

/// `h(u) = u Φ(u) + φ(u)` and the ratios `Φ(u) / h(u)`, `φ(u) / h(u)` computed without
/// underflow in the left tail (through the Mills ratio's continued fraction for `u < -3`).
fn ei_parts(u: f64) -> (f64, f64, f64) {
    if u > -3.0 {
        let (cdf, pdf) = (norm_cdf(u), norm_pdf(u));
        let h = u * cdf + pdf;
        return (h.ln(), cdf / h, pdf / h);
    }
    // x = -u. The Mills ratio R = Φ(-x)/φ(x) = 1/(x + S) with the continued fraction
    // S = 1/(x + 2/(x + 3/(x + ...))); then h/φ(u) = 1 - xR = S R, free of cancellation.
    let x = -u;
    let s = 1.0 / continued_fraction(x, 2);
    let mills = 1.0 / (x + s);
    let one_minus = s * mills;
    let log_h = -0.5 * u * u - 0.5 * (2.0 * std::f64::consts::PI).ln() + one_minus.ln();
    (log_h, mills / one_minus, 1.0 / one_minus)
}

/// `x + k/(x + (k+1)/(x + ...))` by Lentz's method, for `x >= 3`.
fn continued_fraction(x: f64, k: usize) -> f64 {
    let tiny = 1e-300;
    let mut f = x;
    let (mut c, mut d) = (f, 0.0);
    for j in k..k + 500 {
        let a = j as f64;
        d = x + a * d;
        d = if d.abs() < tiny { tiny } else { d };
        c = x + a / c;
        c = if c.abs() < tiny { tiny } else { c };
        d = 1.0 / d;
        let delta = c * d;
        f *= delta;
        if (delta - 1.0).abs() < 1e-16 {
            break;
        }
    }
    f
}

/// `log EI` for maximisation at incumbent `best`, with its derivatives with respect to the mean
/// and the standard deviation: `(log EI, d/dmean, d/dsd)`. Finite far into the tails, where EI
/// itself underflows to 0.
pub fn log_expected_improvement(mean: f64, sd: f64, best: f64) -> (f64, f64, f64) {
    let u = (mean - best) / sd;
    let (log_h, cdf_over_h, pdf_over_h) = ei_parts(u);
    (sd.ln() + log_h, cdf_over_h / sd, pdf_over_h / sd)
}

/// Expected improvement over the incumbent `best` (maximisation):
/// `EI = σ (u Φ(u) + φ(u))`, `u = (μ - best) / σ`.
///
/// With `log = true` the acquisition is `log EI` (same maximiser, gradients that do not vanish
/// far from the data); the paper's code maximises EI itself. The paper's incumbent is the 10th
/// percentile of its minimised targets, i.e. the 90th percentile of ours.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExpectedImprovement {
    /// The incumbent value to improve on.
    pub best: f64,
    /// Use `log EI`.
    pub log: bool,
}

impl Acquisition for ExpectedImprovement {
    fn value_grad(&self, posterior: &dyn Posterior, z: &[f64]) -> Result<(f64, Vec<f64>)> {
        let p = posterior.predict_with_grad(z)?;
        let var = p.var.max(VAR_FLOOR);
        let sd = var.sqrt();
        let (log_ei, dmean, dsd) = log_expected_improvement(p.mean, sd, self.best);
        let (value, scale) = if self.log {
            (log_ei, 1.0)
        } else {
            (log_ei.exp(), log_ei.exp())
        };
        let dvar = if p.var > VAR_FLOOR {
            dsd / (2.0 * sd)
        } else {
            0.0
        };
        let grad = p
            .mean_grad
            .iter()
            .zip(&p.var_grad)
            .map(|(gm, gv)| scale * (dmean * gm + dvar * gv))
            .collect();
        Ok((value, grad))
    }
}

/// Probability of improvement: `Φ((μ - best) / σ)`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProbabilityOfImprovement {
    /// The incumbent value to improve on.
    pub best: f64,
}

impl Acquisition for ProbabilityOfImprovement {
    fn value_grad(&self, posterior: &dyn Posterior, z: &[f64]) -> Result<(f64, Vec<f64>)> {
        let p = posterior.predict_with_grad(z)?;
        let var = p.var.max(VAR_FLOOR);
        let sd = var.sqrt();
        let u = (p.mean - self.best) / sd;
        let pdf = norm_pdf(u);
        let du_dvar = if p.var > VAR_FLOOR {
            -u / (2.0 * var)
        } else {
            0.0
        };
        let grad = p
            .mean_grad
            .iter()
            .zip(&p.var_grad)
            .map(|(gm, gv)| pdf * (gm / sd + du_dvar * gv))
            .collect();
        Ok((norm_cdf(u), grad))
    }
}

/// Upper confidence bound: `μ + β σ`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct UpperConfidenceBound {
    /// Exploration weight `β >= 0`.
    pub beta: f64,
}

impl Acquisition for UpperConfidenceBound {
    fn value_grad(&self, posterior: &dyn Posterior, z: &[f64]) -> Result<(f64, Vec<f64>)> {
        if self.beta.is_nan() || self.beta < 0.0 {
            return Err(OptimError::Surrogate(format!(
                "UCB beta {} must be >= 0",
                self.beta
            )));
        }
        let p = posterior.predict_with_grad(z)?;
        let var = p.var.max(VAR_FLOOR);
        let sd = var.sqrt();
        let dvar = if p.var > VAR_FLOOR {
            self.beta / (2.0 * sd)
        } else {
            0.0
        };
        let grad = p
            .mean_grad
            .iter()
            .zip(&p.var_grad)
            .map(|(gm, gv)| gm + dvar * gv)
            .collect();
        Ok((p.mean + self.beta * sd, grad))
    }
}
