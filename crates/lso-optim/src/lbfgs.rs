//! Projected L-BFGS with box bounds.
//!
//! Each iteration fixes the variables at a bound whose gradient pushes outwards, takes the
//! two-loop L-BFGS direction on the free variables, and backtracks along the projected path
//! `P(x + t d)` until the Armijo condition holds for the actual step. Curvature pairs are kept
//! only when `sᵀy > 0`. It stops when the projected gradient is below `gradient_tolerance`
//! (infinity norm), when the relative decrease of `f` in an iteration falls below
//! `function_tolerance` (scipy's `factr` test), or after `max_iterations`.

use crate::{OptimError, Result};

/// Box bounds, one `(lower, upper)` per coordinate; infinite values leave a side open.
#[derive(Debug, Clone, PartialEq)]
pub struct Bounds {
    /// Lower bounds.
    pub lower: Vec<f64>,
    /// Upper bounds.
    pub upper: Vec<f64>,
}

impl Bounds {
    /// No bounds in `d` dimensions.
    pub fn unbounded(d: usize) -> Self {
        Self {
            lower: vec![f64::NEG_INFINITY; d],
            upper: vec![f64::INFINITY; d],
        }
    }

    /// The same interval for every one of `d` coordinates.
    pub fn cube(d: usize, lower: f64, upper: f64) -> Self {
        Self {
            lower: vec![lower; d],
            upper: vec![upper; d],
        }
    }

    /// Dimension.
    pub fn dim(&self) -> usize {
        self.lower.len()
    }

    /// Clamp `x` into the box.
    pub fn project(&self, x: &mut [f64]) {
        for ((v, lo), hi) in x.iter_mut().zip(&self.lower).zip(&self.upper) {
            *v = v.clamp(*lo, *hi);
        }
    }

    fn check(&self, d: usize) -> Result<()> {
        if self.lower.len() != d || self.upper.len() != d {
            return Err(OptimError::Bounds(format!(
                "{} lower and {} upper bounds for a {d}-dimensional point",
                self.lower.len(),
                self.upper.len()
            )));
        }
        if let Some(i) = (0..d).find(|&i| {
            self.lower[i].is_nan() || self.upper[i].is_nan() || self.lower[i] > self.upper[i]
        }) {
            return Err(OptimError::Bounds(format!(
                "coordinate {i}: lower bound {} is not <= upper bound {}",
                self.lower[i], self.upper[i]
            )));
        }
        Ok(())
    }
}

/// Settings of [`minimise_bounded`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LbfgsConfig {
    /// Curvature pairs kept (scipy's `maxcor`, default 10).
    pub memory: usize,
    /// Maximum iterations.
    pub max_iterations: usize,
    /// Stop when `(f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1)` falls below this
    /// (scipy's default `factr = 1e7` times machine epsilon is about 2.2e-9).
    pub function_tolerance: f64,
    /// Stop when the largest projected-gradient component is below this (scipy's `pgtol`).
    pub gradient_tolerance: f64,
}

impl Default for LbfgsConfig {
    fn default() -> Self {
        Self {
            memory: 10,
            max_iterations: 15_000,
            function_tolerance: 1e7 * f64::EPSILON,
            gradient_tolerance: 1e-5,
        }
    }
}

/// Why the minimiser stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StopReason {
    /// Projected gradient small enough.
    Gradient,
    /// Relative function decrease small enough.
    Function,
    /// No step along the search direction decreased `f`.
    LineSearch,
    /// Iteration limit.
    MaxIterations,
}

/// Result of a minimisation.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    /// The best point found (inside the bounds).
    pub x: Vec<f64>,
    /// Its value.
    pub value: f64,
    /// Iterations made.
    pub iterations: usize,
    /// Objective evaluations made.
    pub evaluations: usize,
    /// Why it stopped.
    pub reason: StopReason,
}

impl Minimum {
    /// True when it stopped at a stationary point by the gradient or function test.
    pub fn converged(&self) -> bool {
        matches!(self.reason, StopReason::Gradient | StopReason::Function)
    }
}

/// Minimise `f` (returning value and gradient) from `start` inside `bounds`.
///
/// Non-finite values met during the line search are treated as "too far" (the step shrinks).
///
/// # Errors
/// [`OptimError::Bounds`] for inconsistent bounds; [`OptimError::NotFinite`] when `f` is not
/// finite at the (projected) start.
///
/// ```
/// use lso_optim::{minimise_bounded, Bounds, LbfgsConfig};
/// // minimise (x - 3)^2 on [0, 2]: the minimum is on the upper bound
/// let m = minimise_bounded(|x: &[f64]| ((x[0] - 3.0).powi(2), vec![2.0 * (x[0] - 3.0)]),
///     &[0.5], &Bounds::cube(1, 0.0, 2.0), &LbfgsConfig::default())?;
/// assert_eq!(m.x, vec![2.0]);
/// # Ok::<(), lso_optim::OptimError>(())
/// ```
pub fn minimise_bounded<F>(
    mut f: F,
    start: &[f64],
    bounds: &Bounds,
    config: &LbfgsConfig,
) -> Result<Minimum>
where
    F: FnMut(&[f64]) -> (f64, Vec<f64>),
{
    minimise_bounded_lazy(|x: &[f64], _| f(x), start, bounds, config)
}

/// [`minimise_bounded`] for objectives whose value is much cheaper than their gradient:
/// `f(x, false)` may return an empty gradient; line-search trials ask for the value only and the
/// gradient is computed once a trial is accepted (unless `f(x, false)` returned it already:
/// [`minimise_bounded`] evaluates each trial once).
///
/// # Errors
/// As [`minimise_bounded`].
pub fn minimise_bounded_lazy<F>(
    mut f: F,
    start: &[f64],
    bounds: &Bounds,
    config: &LbfgsConfig,
) -> Result<Minimum>
where
    F: FnMut(&[f64], bool) -> (f64, Vec<f64>),
{
    let d = start.len();
    bounds.check(d)?;
    let mut x = start.to_vec();
    bounds.project(&mut x);
    let (mut fx, mut g) = f(&x, true);
    let mut evaluations = 1;
    if !fx.is_finite() || g.iter().any(|v| !v.is_finite()) {
        return Err(OptimError::NotFinite { value: fx });
    }
    let mut s_hist: Vec<Vec<f64>> = Vec::new();
    let mut y_hist: Vec<Vec<f64>> = Vec::new();
    let mut reason = StopReason::MaxIterations;
    let mut iterations = 0;
    while iterations < config.max_iterations {
        if projected_gradient_norm(&x, &g, bounds) <= config.gradient_tolerance {
            reason = StopReason::Gradient;
            break;
        }
        iterations += 1;
        // free variables: not held at a bound by the gradient
        let free: Vec<bool> = (0..d)
            .map(|i| {
                !((x[i] <= bounds.lower[i] && g[i] > 0.0)
                    || (x[i] >= bounds.upper[i] && g[i] < 0.0))
            })
            .collect();
        let mut dir = two_loop(&g, &s_hist, &y_hist, &free);
        let mut slope: f64 = dir.iter().zip(&g).map(|(a, b)| a * b).sum();
        if slope.is_nan() || slope >= 0.0 {
            // not a descent direction: restart from steepest descent on the free variables
            s_hist.clear();
            y_hist.clear();
            dir = (0..d).map(|i| if free[i] { -g[i] } else { 0.0 }).collect();
            slope = dir.iter().zip(&g).map(|(a, b)| a * b).sum();
            if slope.is_nan() || slope >= 0.0 {
                reason = StopReason::Gradient;
                break;
            }
        }
        // first iteration without curvature: a unit step in the largest coordinate
        let mut t = if s_hist.is_empty() {
            let norm = dir.iter().fold(0.0f64, |m, v| m.max(v.abs()));
            (1.0 / norm).min(1.0)
        } else {
            1.0
        };
        let mut accepted = None;
        for _ in 0..60 {
            let mut trial: Vec<f64> = x.iter().zip(&dir).map(|(a, b)| a + t * b).collect();
            bounds.project(&mut trial);
            let step: Vec<f64> = trial.iter().zip(&x).map(|(a, b)| a - b).collect();
            let decrease: f64 = step.iter().zip(&g).map(|(a, b)| a * b).sum();
            if step.iter().all(|v| *v == 0.0) {
                break;
            }
            let (ft, trial_grad) = f(&trial, false);
            evaluations += 1;
            if ft.is_finite() && ft <= fx + 1e-4 * decrease {
                // an objective that returned its gradient with the value is not asked again
                let (ft, gt) = if trial_grad.len() == d {
                    (ft, trial_grad)
                } else {
                    evaluations += 1;
                    f(&trial, true)
                };
                if ft.is_finite() && gt.len() == d && gt.iter().all(|v| v.is_finite()) {
                    accepted = Some((trial, ft, gt, step));
                    break;
                }
            }
            // backtrack to the minimiser of the quadratic through f(0), f'(0) and f(t) (kept
            // within [t/10, t/2]); halve when the value is not finite
            t = if ft.is_finite() && decrease < 0.0 {
                let curvature = ft - fx - decrease;
                let ideal = if curvature > 0.0 {
                    -decrease * t / (2.0 * curvature)
                } else {
                    0.5 * t
                };
                ideal.clamp(0.1 * t, 0.5 * t)
            } else {
                0.5 * t
            };
        }
        let Some((x_new, f_new, g_new, step)) = accepted else {
            reason = StopReason::LineSearch;
            break;
        };
        let yk: Vec<f64> = g_new.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy: f64 = step.iter().zip(&yk).map(|(a, b)| a * b).sum();
        if sy
            > 1e-12
                * yk.iter().map(|v| v * v).sum::<f64>().sqrt()
                * step.iter().map(|v| v * v).sum::<f64>().sqrt()
            && sy > 0.0
        {
            s_hist.push(step);
            y_hist.push(yk);
            if s_hist.len() > config.memory {
                s_hist.remove(0);
                y_hist.remove(0);
            }
        }
        let relative = (fx - f_new) / fx.abs().max(f_new.abs()).max(1.0);
        x = x_new;
        fx = f_new;
        g = g_new;
        if relative <= config.function_tolerance {
            reason = StopReason::Function;
            break;
        }
    }
    Ok(Minimum {
        x,
        value: fx,
        iterations,
        evaluations,
        reason,
    })
}

/// Largest component of `P(x - g) - x`.
fn projected_gradient_norm(x: &[f64], g: &[f64], bounds: &Bounds) -> f64 {
    (0..x.len())
        .map(|i| ((x[i] - g[i]).clamp(bounds.lower[i], bounds.upper[i]) - x[i]).abs())
        .fold(0.0, f64::max)
}

/// The L-BFGS direction `-H g` restricted to the free variables.
fn two_loop(g: &[f64], s_hist: &[Vec<f64>], y_hist: &[Vec<f64>], free: &[bool]) -> Vec<f64> {
    let dot = |a: &[f64], b: &[f64]| -> f64 {
        a.iter()
            .zip(b)
            .zip(free)
            .filter(|(_, f)| **f)
            .map(|((x, y), _)| x * y)
            .sum()
    };
    let mut q: Vec<f64> = g
        .iter()
        .zip(free)
        .map(|(v, f)| if *f { *v } else { 0.0 })
        .collect();
    let k = s_hist.len();
    let mut alpha = vec![0.0; k];
    let mut rho = vec![0.0; k];
    for i in (0..k).rev() {
        let sy = dot(&s_hist[i], &y_hist[i]);
        rho[i] = if sy > 0.0 { 1.0 / sy } else { 0.0 };
        alpha[i] = rho[i] * dot(&s_hist[i], &q);
        for j in 0..q.len() {
            if free[j] {
                q[j] -= alpha[i] * y_hist[i][j];
            }
        }
    }
    if let (Some(s), Some(y)) = (s_hist.last(), y_hist.last()) {
        let (sy, yy) = (dot(s, y), dot(y, y));
        if sy > 0.0 && yy > 0.0 {
            let gamma = sy / yy;
            q.iter_mut().for_each(|v| *v *= gamma);
        }
    }
    for i in 0..k {
        let beta = rho[i] * dot(&y_hist[i], &q);
        for j in 0..q.len() {
            if free[j] {
                q[j] += s_hist[i][j] * (alpha[i] - beta);
            }
        }
    }
    q.iter().map(|v| -v).collect()
}
