//! Sparse GP regression (SGPR): Titsias' collapsed variational bound, as gpflow's `SGPR`.
//!
//! With inducing inputs `Z` (`m` rows), `Kuu = K(Z, Z) + jitter I`, `Kuf = K(Z, X)`, noise `σ²`
//! and residuals `r = y - mean`, the bound is
//!
//! `log N(r | 0, Q + σ² I) - tr(Kff - Q) / (2σ²)`, `Q = Kfu Kuu⁻¹ Kuf`,
//!
//! computed in `O(n m²)` time and `O(n m)` memory through `Σ = Kuu + σ⁻² Kuf Kfu`. Its gradient
//! with respect to the log-lengthscales, log signal variance, log noise variance, constant mean
//! and every inducing coordinate is analytic (matrix calculus on `Σ`, `Kuu` and `Kuf`, then the
//! kernel's chain rule), so all parameters are fitted together by bounded L-BFGS.

use faer::{Mat, Par};
use lso_optim::{
    Bounds, LbfgsConfig, MeanVarGrad, Minimum, OptimError, Posterior, StopReason,
    minimise_bounded_lazy,
};
use ndarray::{Array1, ArrayView1, ArrayView2};
use rand::Rng;
use rand::seq::index::sample;
use rand_distr::StandardNormal;

use crate::exact_gp::{check_data, cholesky, solve_lower, solve_upper_t};
use crate::standardise::Scaler;
use crate::vector_state::{clear_upper, cleared};
use crate::{GpParams, Kernel, Result, SurrogateError, WarmStart};

/// Jitter added to the diagonal of `Kuu` (gpflow's default).
pub const JITTER: f64 = 1e-6;

/// How inducing inputs are chosen before fitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum InducingInit {
    /// A random subset of the data.
    RandomSubset,
    /// k-means centres (10 Lloyd iterations from a random subset); the paper's code uses
    /// scikit-learn's mini-batch k-means.
    #[default]
    KMeans,
}

/// The optimisation schedule of [`Sgpr::fit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SgprSchedule {
    /// Bounded L-BFGS on the bound over all parameters together from lengthscales `sqrt(d)`
    /// (standardised units): the default, which reaches the paper schedule's bound much
    /// faster (see `docs/surrogates.md`).
    #[default]
    Lbfgs,
    /// Bounded L-BFGS in two phases: kernel, noise and mean with the inducing inputs fixed,
    /// then everything.
    LbfgsKernelFirst,
    /// The paper's schedule (its `gp_train.py`): from its start (lengthscales
    /// `exp(0.1 N(0, 1))` in the data's units, signal variance `var(y)`, noise `0.01 var(y)`),
    /// Adam with learning rate 0.1 on kernel, noise and mean until the loss changes by less
    /// than 2.5e-2 (relative) over 100 steps, then Adam with learning rate 0.03 on all
    /// parameters until the change over 100 steps is below 5e-4. Warm refits run the second
    /// phase only. Steps are projected on the same box as L-BFGS's; parameters are
    /// logarithms here where gpflow uses softplus.
    PaperAdam,
}

/// How [`Sgpr::fit`] fits.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SgprConfig {
    /// The kernel.
    pub kernel: Kernel,
    /// Number of inducing points (at most the number of data points).
    pub inducing: usize,
    /// Inducing-point initialisation.
    pub init: InducingInit,
    /// Optimise the inducing inputs together with the hyperparameters.
    pub optimise_inducing: bool,
    /// How the parameters are optimised.
    pub schedule: SgprSchedule,
    /// Most iterations per phase (L-BFGS iterations, or Adam steps for
    /// [`SgprSchedule::PaperAdam`]).
    pub max_iters: usize,
    /// Smallest noise variance, as a fraction of the targets' variance (the variance itself in
    /// standardised units).
    pub min_noise_variance: f64,
    /// The prior mean, in the targets' units: `None` fits a constant mean; `Some(c)` fixes it
    /// at `c` (`Some(0.0)` is gpflow's `SGPR` without a mean function, its default; far from
    /// the data the prediction then returns to 0 instead of to the data's level).
    pub fixed_mean: Option<f64>,
    /// Standardise the inputs (per coordinate) and the targets before fitting (the default);
    /// `false` fits in the data's own units, as the paper's chemistry code does (gpflow's
    /// `SGPR` on the raw latent codes and raw scores). With `false` and
    /// `fixed_mean: Some(0.0)` the GP is the paper's: its prior mean is 0 in the targets' units.
    pub standardise: bool,
}

impl Default for SgprConfig {
    fn default() -> Self {
        Self {
            kernel: Kernel::SquaredExponential,
            inducing: 500,
            init: InducingInit::KMeans,
            optimise_inducing: true,
            schedule: SgprSchedule::Lbfgs,
            max_iters: 1000,
            min_noise_variance: 1e-6,
            fixed_mean: None,
            standardise: true,
        }
    }
}

/// A fitted sparse GP; inputs and targets are standardised inside unless
/// [`SgprConfig::standardise`] is off (see the [crate docs](crate)). "Standardised" below means
/// the units the GP is fitted in: the data's own units when standardisation is off.
#[derive(Debug, Clone)]
pub struct Sgpr {
    kernel: Kernel,
    d: usize,
    x: Vec<f64>,
    y: Vec<f64>,
    x_scaler: Scaler,
    y_scaler: Scaler,
    params: GpParams,
    /// Inducing inputs, standardised, row-major `m x d`.
    z: Vec<f64>,
    /// Cholesky factor of `Kuu`.
    l: Mat<f64>,
    /// Cholesky factor of `B = I + A Aᵀ`, `A = L⁻¹ Kuf / σ`.
    lb: Mat<f64>,
    /// `c = LB⁻¹ A r / σ`.
    c: Vec<f64>,
    /// `L⁻ᵀ LB⁻ᵀ c`: the mean is `k*ᵀ` times this (kept for the mean's gradient, which every
    /// step of the acquisition's optimisation asks for).
    mean_weights: Mat<f64>,
    /// Squared lengthscales `l²` (from the parameters' logarithms).
    sq_lengthscales: Vec<f64>,
    /// `1 / l`.
    inv_lengthscales: Vec<f64>,
    /// The inducing inputs scaled by `1 / l`, with their squared norms: the fixed side of
    /// every prediction's kernel vector.
    inducing_scaled: ScaledRows,
    bound: f64,
    fit: Option<FitReport>,
}

/// How the last optimisation phase of a fit ended.
#[derive(Debug, Clone, PartialEq)]
pub struct FitReport {
    /// L-BFGS iterations.
    pub iterations: usize,
    /// Bound evaluations (each with its gradient).
    pub evaluations: usize,
    /// Why it stopped (`Gradient`, `Function`, `LineSearch`, `MaxIterations`).
    pub reason: String,
}

/// Rows divided by the lengthscales (`a` row-major with `d` columns, `inv = 1 / l`), and their
/// squared norms: one side of [`cross_scaled`].
#[derive(Debug, Clone)]
struct ScaledRows {
    rows: Mat<f64>,
    norms: Vec<f64>,
}

impl ScaledRows {
    fn new(a: &[f64], d: usize, inv: &[f64]) -> Self {
        let n = a.len() / d;
        let rows = Mat::<f64>::from_fn(n, d, |i, t| a[i * d + t] * inv[t]);
        let norms = (0..n)
            .map(|i| (0..d).map(|t| rows[(i, t)].powi(2)).sum())
            .collect();
        Self { rows, norms }
    }
}

/// `1 / l` per coordinate, from the squared lengthscales `ls`.
fn inverse_lengthscales(ls: &[f64]) -> Vec<f64> {
    ls.iter().map(|l| 1.0 / l.sqrt()).collect()
}

/// Kernel matrix between two sets of rows (squared distances through one matrix product of
/// the lengthscale-scaled inputs) and, with `radial`, the radial factors the gradients need.
fn cross_scaled(
    kernel: Kernel,
    a: &ScaledRows,
    b: &ScaledRows,
    signal: f64,
    radial: bool,
) -> (Mat<f64>, Option<Mat<f64>>) {
    let (na, nb) = (a.norms.len(), b.norms.len());
    let ab = cleared(&a.rows * b.rows.transpose());
    let mut k = Mat::<f64>::zeros(na, nb);
    let mut g = radial.then(|| Mat::<f64>::zeros(na, nb));
    for j in 0..nb {
        for i in 0..na {
            let r2 = (a.norms[i] + b.norms[j] - 2.0 * ab[(i, j)]).max(0.0);
            match g.as_mut() {
                Some(g) => {
                    let (kv, gv) = kernel.value_and_radial(r2, signal);
                    k[(i, j)] = kv;
                    g[(i, j)] = gv;
                }
                None => k[(i, j)] = kernel.value(r2, signal),
            }
        }
    }
    (k, g)
}

/// [`cross_scaled`] from unscaled rows (row-major, `d` columns) and squared lengthscales.
fn cross(
    kernel: Kernel,
    a: &[f64],
    b: &[f64],
    d: usize,
    ls: &[f64],
    signal: f64,
    radial: bool,
) -> (Mat<f64>, Option<Mat<f64>>) {
    let inv = inverse_lengthscales(ls);
    cross_scaled(
        kernel,
        &ScaledRows::new(a, d, &inv),
        &ScaledRows::new(b, d, &inv),
        signal,
        radial,
    )
}

struct Eval {
    bound: f64,
    grad: Vec<f64>,
    l: Mat<f64>,
    lb: Mat<f64>,
    c: Vec<f64>,
}

fn col(v: &[f64]) -> Mat<f64> {
    Mat::from_fn(v.len(), 1, |i, _| v[i])
}

/// Parallelism of the large products and solves: faer's global setting (all cores by default).
fn par() -> Par {
    faer::get_global_parallelism()
}

/// `A Aᵀ`, computing one triangle and mirroring it (half the work of the full product).
fn gram(a: &Mat<f64>) -> Mat<f64> {
    use faer::linalg::matmul::triangular::{BlockStructure, matmul};
    let m = a.nrows();
    let mut g = Mat::<f64>::zeros(m, m);
    matmul(
        g.as_mut(),
        BlockStructure::TriangularLower,
        faer::Accum::Replace,
        a.as_ref(),
        BlockStructure::Rectangular,
        a.transpose(),
        BlockStructure::Rectangular,
        1.0,
        par(),
    );
    clear_upper();
    for j in 0..m {
        for i in 0..j {
            g[(i, j)] = g[(j, i)];
        }
    }
    g
}

/// Inverse of `L Lᵀ` from its factor.
fn inverse_from_factor(l: &Mat<f64>) -> Mat<f64> {
    let mut linv = Mat::<f64>::identity(l.nrows(), l.nrows());
    solve_lower(l, &mut linv, par());
    cleared(linv.transpose() * &linv)
}

/// The bound and (optionally) its gradient with respect to
/// `[log l (d), log s², log σ², mean, Z (m d)]`.
#[allow(clippy::too_many_arguments)]
fn evaluate(
    kernel: Kernel,
    x: &[f64],
    y: &[f64],
    d: usize,
    params: &GpParams,
    z: &[f64],
    with_grad: bool,
) -> Result<Eval> {
    let n = y.len();
    let m = z.len() / d;
    let ls: Vec<f64> = params
        .log_lengthscales
        .iter()
        .map(|l| (2.0 * l).exp())
        .collect();
    let signal = params.log_signal_variance.exp();
    let noise = params.log_noise_variance.exp();
    let r: Vec<f64> = y.iter().map(|v| v - params.mean).collect();
    // the radial factors only for the gradient: the posterior alone needs the kernel values
    let (kuu_plain, guu) = cross(kernel, z, z, d, &ls, signal, with_grad);
    let mut kuu = kuu_plain.clone();
    for j in 0..m {
        kuu[(j, j)] += JITTER;
    }
    let (kuf, guf) = cross(kernel, z, x, d, &ls, signal, with_grad);
    let l = cleared(cholesky(kuu))?;
    // A = L⁻¹ Kuf / σ and A Aᵀ as gpflow forms them: with a nearly singular Kuu (large signal
    // variance against the fixed jitter), forming A Aᵀ as L⁻¹ (Kuf Kfu) L⁻ᵀ instead (one
    // O(n m²) product fewer) makes the bound too imprecise to optimise
    let sigma = noise.sqrt();
    let mut a = kuf.clone();
    solve_lower(&l, &mut a, par());
    a *= faer::Scale(1.0 / sigma);
    let aat = gram(&a);
    let ar = cleared(&a * col(&r));
    let mut b = aat.clone();
    for j in 0..m {
        b[(j, j)] += 1.0;
    }
    let lb = cleared(cholesky(b))?;
    // c = LB⁻¹ A r / σ
    let mut c = ar.clone();
    c *= faer::Scale(1.0 / sigma);
    solve_lower(&lb, &mut c, par());
    let rr: f64 = r.iter().map(|v| v * v).sum();
    let cc: f64 = (0..m).map(|j| c[(j, 0)].powi(2)).sum();
    let tr_aat: f64 = (0..m).map(|j| aat[(j, j)]).sum();
    let log_det_lb: f64 = (0..m).map(|j| lb[(j, j)].ln()).sum();
    let nf = n as f64;
    let bound = -0.5 * nf * (2.0 * std::f64::consts::PI).ln()
        - log_det_lb
        - 0.5 * nf * noise.ln()
        - 0.5 * rr / noise
        + 0.5 * cc
        - 0.5 * nf * signal / noise
        + 0.5 * tr_aat;
    let cvec: Vec<f64> = (0..m).map(|j| c[(j, 0)]).collect();
    let (Some(guu), Some(guf)) = (guu, guf) else {
        return Ok(Eval {
            bound,
            grad: Vec::new(),
            l,
            lb,
            c: cvec,
        });
    };
    // The gradient in the whitened space of L (no explicit inverse of Kuu or Σ, whose entries
    // explode when Kuu is nearly singular): with A = L⁻¹ Kuf / σ, B = I + A Aᵀ = LB LBᵀ and
    // e = LB⁻ᵀ c, the weight vector u = Σ⁻¹ Kuf r is σ² L⁻ᵀ e, and
    //   ∂F/∂Kuu = ½ L⁻ᵀ M L⁻¹,   M = -(A Aᵀ) B⁻¹ (A Aᵀ) - e eᵀ
    //   ∂F/∂Kuf = L⁻ᵀ Q,          Q = σ⁻¹ (I - B⁻¹ - e eᵀ) A + σ⁻² e rᵀ
    let s2 = 1.0 / noise;
    let mut e = c.clone();
    solve_upper_t(&lb, &mut e, par());
    let b_inv = inverse_from_factor(&lb);
    let mut h = aat.clone();
    solve_lower(&lb, &mut h, par()); // LB⁻¹ A Aᵀ
    let hth = cleared(h.transpose() * &h); // A Aᵀ B⁻¹ A Aᵀ
    let mut m_mat = Mat::<f64>::from_fn(m, m, |i, j| {
        -0.5 * (hth[(i, j)] + hth[(j, i)]) - e[(i, 0)] * e[(j, 0)]
    });
    // W_uu = ½ L⁻ᵀ M L⁻¹
    solve_upper_t(&l, &mut m_mat, par()); // L⁻ᵀ M
    let mut w_uu = m_mat.transpose().to_owned();
    solve_upper_t(&l, &mut w_uu, par()); // L⁻ᵀ (L⁻ᵀ M)ᵀ = L⁻ᵀ M L⁻¹
    let w_uu = Mat::<f64>::from_fn(m, m, |i, j| 0.25 * (w_uu[(i, j)] + w_uu[(j, i)]));
    // W_uf = L⁻ᵀ Q
    // as (L⁻ᵀ N) A / σ + σ⁻² (L⁻ᵀ e) rᵀ: the solve on the m x m factor, not on the m x n product
    let mut n_mat = Mat::<f64>::from_fn(m, m, |i, j| {
        let id = if i == j { 1.0 } else { 0.0 };
        id - b_inv[(i, j)] - e[(i, 0)] * e[(j, 0)]
    });
    solve_upper_t(&l, &mut n_mat, par());
    let mut le = e.clone();
    solve_upper_t(&l, &mut le, par());
    let mut w_uf = Mat::<f64>::zeros(m, n);
    faer::linalg::matmul::matmul(
        w_uf.as_mut(),
        faer::Accum::Replace,
        n_mat.as_ref(),
        a.as_ref(),
        1.0 / sigma,
        par(),
    );
    clear_upper();
    for i in 0..n {
        for j in 0..m {
            w_uf[(j, i)] += s2 * le[(j, 0)] * r[i];
        }
    }
    let mut grad = vec![0.0; d + 3 + m * d];
    // log signal variance: every kernel entry scales with s²; Kff's diagonal is s² each
    let mut gs = 0.0;
    for j in 0..m {
        for i in 0..n {
            gs += w_uf[(j, i)] * kuf[(j, i)];
        }
        for j2 in 0..m {
            gs += w_uu[(j, j2)] * kuu_plain[(j, j2)];
        }
    }
    grad[d] = gs - 0.5 * s2 * nf * signal;
    // log noise variance, in the whitened quantities
    let tr_binv_aat: f64 = (0..m)
        .map(|i| (0..m).map(|j| b_inv[(i, j)] * aat[(j, i)]).sum::<f64>())
        .sum();
    let aat_e = cleared(&aat * &e);
    let e_aat_e: f64 = (0..m).map(|j| e[(j, 0)] * aat_e[(j, 0)]).sum();
    let ar_e: f64 = (0..m).map(|j| ar[(j, 0)] * e[(j, 0)]).sum();
    let dnoise = 0.5 * s2 * tr_binv_aat + 0.5 * s2 * e_aat_e - 0.5 * nf * s2 + 0.5 * s2 * s2 * rr
        - ar_e / (noise * sigma)
        + 0.5 * s2 * s2 * nf * signal
        - 0.5 * s2 * tr_aat;
    grad[d + 1] = noise * dnoise;
    // mean: ∂F/∂r = -σ⁻² r + σ⁻¹ Aᵀ e
    let at_e = cleared(a.transpose() * &e);
    grad[d + 2] = -(0..n)
        .map(|i| -s2 * r[i] + at_e[(i, 0)] / sigma)
        .sum::<f64>();
    // lengthscales and inducing inputs through M = W ⊙ G
    let muf = Mat::<f64>::from_fn(m, n, |j, i| w_uf[(j, i)] * guf[(j, i)]);
    let muu = Mat::<f64>::from_fn(m, m, |j, k| w_uu[(j, k)] * guu[(j, k)]);
    let xm = Mat::<f64>::from_fn(n, d, |i, t| x[i * d + t]);
    let zm = Mat::<f64>::from_fn(m, d, |j, t| z[j * d + t]);
    let mx = cleared(&muf * &xm); // m x d
    let mz = cleared(&muu * &zm); // m x d
    let row_uf: Vec<f64> = (0..m).map(|j| (0..n).map(|i| muf[(j, i)]).sum()).collect();
    let col_uf: Vec<f64> = (0..n).map(|i| (0..m).map(|j| muf[(j, i)]).sum()).collect();
    let row_uu: Vec<f64> = (0..m).map(|j| (0..m).map(|k| muu[(j, k)]).sum()).collect();
    for t in 0..d {
        // Σ M[j,i] (x_it - z_jt)²
        let mut s_uf = 0.0;
        for i in 0..n {
            s_uf += col_uf[i] * x[i * d + t].powi(2);
        }
        for j in 0..m {
            s_uf += row_uf[j] * z[j * d + t].powi(2) - 2.0 * z[j * d + t] * mx[(j, t)];
        }
        // Σ M[j,k] (z_jt - z_kt)² = 2 Σ_j row_j z_jt² - 2 Σ_j z_jt (M Z)[j,t] (M symmetric)
        let mut s_uu = 0.0;
        for j in 0..m {
            s_uu += 2.0 * row_uu[j] * z[j * d + t].powi(2) - 2.0 * z[j * d + t] * mz[(j, t)];
        }
        grad[t] = (s_uf + s_uu) / ls[t];
        for j in 0..m {
            let from_uf = mx[(j, t)] - row_uf[j] * z[j * d + t];
            let from_uu = 2.0 * (mz[(j, t)] - row_uu[j] * z[j * d + t]);
            grad[d + 3 + j * d + t] = (from_uf + from_uu) / ls[t];
        }
    }
    Ok(Eval {
        bound,
        grad,
        l,
        lb,
        c: cvec,
    })
}

/// Adam (TensorFlow's defaults but the learning rate) projected on `bounds`, minimising `f`
/// until its value changes by less than `tol` (relative) over 100 steps, or `max_steps`: the
/// paper's stopping rule. A step into a region where `f` cannot be evaluated ends the run at
/// the last good point.
fn adam_until_flat(
    mut f: impl FnMut(&[f64], bool) -> (f64, Vec<f64>),
    x0: &[f64],
    bounds: &Bounds,
    lr: f64,
    tol: f64,
    max_steps: usize,
) -> std::result::Result<Minimum, OptimError> {
    const CHECK_EVERY: usize = 100;
    let (b1, b2, eps): (f64, f64, f64) = (0.9, 0.999, 1e-7);
    let mut x = x0.to_vec();
    let (mut value, mut grad) = f(&x, true);
    if !value.is_finite() {
        return Err(OptimError::NotFinite { value });
    }
    let (mut best_x, mut best_value) = (x.clone(), value);
    let mut m1 = vec![0.0; x.len()];
    let mut m2 = vec![0.0; x.len()];
    let mut checkpoint = value;
    let mut reason = StopReason::MaxIterations;
    let mut steps = 0;
    while steps < max_steps {
        steps += 1;
        let t = steps as i32;
        let scale = lr * (1.0 - b2.powi(t)).sqrt() / (1.0 - b1.powi(t));
        for i in 0..x.len() {
            m1[i] = b1 * m1[i] + (1.0 - b1) * grad[i];
            m2[i] = b2 * m2[i] + (1.0 - b2) * grad[i] * grad[i];
            let step = scale * m1[i] / (m2[i].sqrt() + eps);
            x[i] = (x[i] - step).clamp(bounds.lower[i], bounds.upper[i]);
        }
        (value, grad) = f(&x, true);
        if !value.is_finite() {
            reason = StopReason::LineSearch;
            break;
        }
        if value < best_value {
            best_value = value;
            best_x.clone_from(&x);
        }
        if steps % CHECK_EVERY == 0 {
            if (value - checkpoint).abs() < tol * checkpoint.abs() {
                reason = StopReason::Function;
                break;
            }
            checkpoint = value;
        }
    }
    Ok(Minimum {
        x: best_x,
        value: best_value,
        iterations: steps,
        evaluations: steps + 1,
        reason,
    })
}

fn pack(params: &GpParams, z: &[f64]) -> Vec<f64> {
    let mut v = params.log_lengthscales.clone();
    v.extend([
        params.log_signal_variance,
        params.log_noise_variance,
        params.mean,
    ]);
    v.extend_from_slice(z);
    v
}

fn unpack(v: &[f64], d: usize) -> (GpParams, Vec<f64>) {
    (
        GpParams {
            log_lengthscales: v[..d].to_vec(),
            log_signal_variance: v[d],
            log_noise_variance: v[d + 1],
            mean: v[d + 2],
        },
        v[d + 3..].to_vec(),
    )
}

/// The spread (standard deviation) of each input and the variance of the targets in the units a
/// fit works in: 1 when it standardises, the data's own otherwise.
fn spread_in_fit_units(raw: &[f64], d: usize, y: &[f64], standardise: bool) -> (Vec<f64>, f64) {
    if standardise {
        (vec![1.0; d], 1.0)
    } else {
        (
            Scaler::fit(raw, d).scale,
            Scaler::fit(y, 1).scale[0].powi(2),
        )
    }
}

/// Lloyd's k-means from `init` centres, a fixed number of iterations.
fn kmeans(x: &[f64], d: usize, mut centres: Vec<f64>, iters: usize) -> Vec<f64> {
    let n = x.len() / d;
    let m = centres.len() / d;
    let xm = Mat::<f64>::from_fn(n, d, |i, t| x[i * d + t]);
    for _ in 0..iters {
        let mut sums = vec![0.0; m * d];
        let mut counts = vec![0usize; m];
        // |x - c|² = |x|² - 2 x·c + |c|²; |x|² does not change the nearest centre
        let cm = Mat::<f64>::from_fn(m, d, |j, t| centres[j * d + t]);
        let c2: Vec<f64> = (0..m)
            .map(|j| (0..d).map(|t| cm[(j, t)].powi(2)).sum())
            .collect();
        let xc = &xm * cm.transpose();
        for i in 0..n {
            let xi = &x[i * d..(i + 1) * d];
            let mut best = (f64::INFINITY, 0);
            for j in 0..m {
                let dist = c2[j] - 2.0 * xc[(i, j)];
                if dist < best.0 {
                    best = (dist, j);
                }
            }
            counts[best.1] += 1;
            for t in 0..d {
                sums[best.1 * d + t] += xi[t];
            }
        }
        for j in 0..m {
            if counts[j] > 0 {
                for t in 0..d {
                    centres[j * d + t] = sums[j * d + t] / counts[j] as f64;
                }
            }
        }
    }
    centres
}

impl Sgpr {
    /// Condition on the data with fixed hyperparameters and inducing inputs, both given in the
    /// standardised space (`z` row-major, `m x d`).
    ///
    /// # Errors
    /// [`SurrogateError`] for inconsistent or non-finite data or an indefinite matrix.
    pub fn with_params(
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        kernel: Kernel,
        params: GpParams,
        z: Vec<f64>,
    ) -> Result<Self> {
        Self::conditioned(x, y, kernel, params, z, true)
    }

    /// [`Sgpr::with_params`] in the data's own units: nothing is standardised, so the
    /// parameters, the inducing inputs and the mean are in the units of `x` and `y`
    /// ([`SgprConfig::standardise`] off, the paper's chemistry GP).
    ///
    /// # Errors
    /// As [`Sgpr::with_params`].
    pub fn with_params_raw(
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        kernel: Kernel,
        params: GpParams,
        z: Vec<f64>,
    ) -> Result<Self> {
        Self::conditioned(x, y, kernel, params, z, false)
    }

    /// [`Sgpr::with_params`], standardising inputs and targets or not.
    fn conditioned(
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        kernel: Kernel,
        params: GpParams,
        z: Vec<f64>,
        standardise: bool,
    ) -> Result<Self> {
        check_data(&x, &y)?;
        let d = x.ncols();
        if params.log_lengthscales.len() != d {
            return Err(SurrogateError::Dimension {
                got: params.log_lengthscales.len(),
                expected: d,
            });
        }
        if z.is_empty() || !z.len().is_multiple_of(d) {
            return Err(SurrogateError::InducingShape { len: z.len(), d });
        }
        let raw: Vec<f64> = x.iter().copied().collect();
        let x_scaler = Scaler::fit_or_identity(&raw, d, standardise);
        let xs = x_scaler.apply(&raw);
        let y_raw = y.to_vec();
        let y_scaler = Scaler::fit_or_identity(&y_raw, 1, standardise);
        let ys = y_scaler.apply(&y_raw);
        let e = evaluate(kernel, &xs, &ys, d, &params, &z, false)?;
        let mut mean_weights = col(&e.c);
        solve_upper_t(&e.lb, &mut mean_weights, par());
        solve_upper_t(&e.l, &mut mean_weights, par());
        let sq_lengthscales: Vec<f64> = params
            .log_lengthscales
            .iter()
            .map(|l| (2.0 * l).exp())
            .collect();
        let inv_lengthscales = inverse_lengthscales(&sq_lengthscales);
        let inducing_scaled = ScaledRows::new(&z, d, &inv_lengthscales);
        Ok(Self {
            kernel,
            d,
            x: xs,
            y: ys,
            x_scaler,
            y_scaler,
            params,
            z,
            l: e.l,
            lb: e.lb,
            c: e.c,
            mean_weights,
            sq_lengthscales,
            inv_lengthscales,
            inducing_scaled,
            bound: e.bound,
            fit: None,
        })
    }

    /// Fit: inducing inputs initialised from the data, then bounded L-BFGS on the bound over
    /// all parameters (with `kernel_first`, a kernel-and-noise phase first, as the paper).
    ///
    /// # Errors
    /// As [`Sgpr::with_params`], or [`SurrogateError::Fit`].
    pub fn fit<R: Rng + ?Sized>(
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        config: &SgprConfig,
        rng: &mut R,
    ) -> Result<Self> {
        check_data(&x, &y)?;
        let d = x.ncols();
        let n = x.nrows();
        let m = config.inducing.clamp(1, n);
        let raw: Vec<f64> = x.iter().copied().collect();
        let xs = Scaler::fit_or_identity(&raw, d, config.standardise).apply(&raw);
        let mut z: Vec<f64> = Vec::with_capacity(m * d);
        let mut picks: Vec<usize> = sample(rng, n, m).into_vec();
        picks.sort_unstable();
        for i in picks {
            z.extend_from_slice(&xs[i * d..(i + 1) * d]);
        }
        if config.init == InducingInit::KMeans {
            z = kmeans(&xs, d, z, 10);
        }
        let data_scale = Scaler::fit(&raw, d).scale;
        let (fit_scale, y_var) = spread_in_fit_units(&raw, d, &y.to_vec(), config.standardise);
        // signal variance var(y) and noise variance 0.01 var(y), as the paper's start
        let scales = GpParams {
            log_signal_variance: y_var.ln(),
            log_noise_variance: (0.01 * y_var).ln(),
            ..GpParams::default_for(d)
        };
        let start = if config.schedule == SgprSchedule::PaperAdam {
            // lengthscales exp(0.1 N(0, 1)) in the data's units
            GpParams {
                log_lengthscales: data_scale
                    .iter()
                    .zip(&fit_scale)
                    .map(|(s, f)| {
                        let e: f64 = rand_distr::Distribution::sample(&StandardNormal, rng);
                        0.1 * e - s.ln() + f.ln()
                    })
                    .collect(),
                ..scales
            }
        } else {
            // lengthscales sqrt(d) times each input's spread, so that typical squared distances
            // scale to O(1) (with lengthscale 1 in 56 dimensions every pair of points is
            // uncorrelated and the bound's only reachable optimum is "all noise")
            GpParams {
                log_lengthscales: fit_scale
                    .iter()
                    .map(|f| 0.5 * (d as f64).ln() + f.ln())
                    .collect(),
                ..scales
            }
        };
        Self::fit_from(x, y, config, start, z, true)
    }

    /// Refit on grown data from this model's hyperparameters and inducing inputs (mapped to the
    /// new standardisation): the warm start the paper uses between queries.
    ///
    /// # Errors
    /// As [`Sgpr::fit`].
    pub fn refit(
        &self,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        config: &SgprConfig,
    ) -> Result<Self> {
        Self::refit_from(&self.warm_start(), x, y, config)
    }

    /// What [`Sgpr::refit`] starts from: the hyperparameters and the inducing inputs in the
    /// data's units.
    pub fn warm_start(&self) -> WarmStart {
        WarmStart {
            params: self.params.clone(),
            inducing: self.inducing_inputs(),
        }
    }

    /// [`Sgpr::refit`] from a saved [`WarmStart`]: the same fit as refitting the sparse GP the
    /// start was taken from.
    ///
    /// # Errors
    /// As [`Sgpr::fit`]; [`SurrogateError::Dimension`] or [`SurrogateError::InducingShape`] if
    /// the start does not match the data's dimension.
    pub fn refit_from(
        start: &WarmStart,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        config: &SgprConfig,
    ) -> Result<Self> {
        check_data(&x, &y)?;
        let d = x.ncols();
        if start.params.log_lengthscales.len() != d {
            return Err(SurrogateError::Dimension {
                got: start.params.log_lengthscales.len(),
                expected: d,
            });
        }
        if start.inducing.is_empty() || !start.inducing.len().is_multiple_of(d) {
            return Err(SurrogateError::InducingShape {
                len: start.inducing.len(),
                d,
            });
        }
        let raw: Vec<f64> = x.iter().copied().collect();
        let z = Scaler::fit_or_identity(&raw, d, config.standardise).apply(&start.inducing);
        Self::fit_from(x, y, config, start.params.clone(), z, false)
    }

    fn fit_from(
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        config: &SgprConfig,
        start: GpParams,
        z: Vec<f64>,
        cold: bool,
    ) -> Result<Self> {
        let d = x.ncols();
        let raw: Vec<f64> = x.iter().copied().collect();
        let xs = Scaler::fit_or_identity(&raw, d, config.standardise).apply(&raw);
        let y_raw = y.to_vec();
        let y_scaler = Scaler::fit_or_identity(&y_raw, 1, config.standardise);
        let ys = y_scaler.apply(&y_raw);
        let nz = z.len();
        // the box of the parameters, the same relative to the data's spread in either units
        let (x_spread, y_var) = spread_in_fit_units(&raw, d, &y_raw, config.standardise);
        let mut bounds = Bounds::unbounded(d + 3 + nz);
        for (t, s) in x_spread.iter().enumerate() {
            bounds.lower[t] = -7.0 + s.ln();
            bounds.upper[t] = 7.0 + s.ln();
        }
        bounds.lower[d] = -7.0 + y_var.ln();
        bounds.upper[d] = 7.0 + y_var.ln();
        bounds.lower[d + 1] = (config.min_noise_variance * y_var).ln();
        bounds.upper[d + 1] = 2.0 + y_var.ln();
        bounds.lower[d + 2] = -5.0 * y_var.sqrt();
        bounds.upper[d + 2] = 5.0 * y_var.sqrt();
        let lbfgs = LbfgsConfig {
            max_iterations: config.max_iters,
            ..LbfgsConfig::default()
        };
        let mut v = pack(&start, &z);
        if let Some(c) = config.fixed_mean {
            // pinned by equal bounds, in the standardised units of this fit's targets
            let m = (c - y_scaler.mean[0]) / y_scaler.scale[0];
            v[d + 2] = m;
            bounds.lower[d + 2] = m;
            bounds.upper[d + 2] = m;
        }
        if config.max_iters == 0 {
            // no step to take: the start is the fit (checked finite, as the optimiser's first
            // evaluation did), without the bound's gradient the optimiser would have computed
            bounds.project(&mut v);
            let (params, z) = unpack(&v, d);
            let mut model = Self::conditioned(x, y, config.kernel, params, z, config.standardise)?;
            if !model.bound.is_finite() {
                return Err(SurrogateError::Fit(format!(
                    "the bound is not finite at the start: {}",
                    model.bound
                )));
            }
            model.fit = Some(FitReport {
                iterations: 0,
                evaluations: 0,
                reason: "MaxIterations".into(),
            });
            return Ok(model);
        }
        let mut phases = Vec::new();
        let kernel_phase = match config.schedule {
            SgprSchedule::Lbfgs => false,
            SgprSchedule::LbfgsKernelFirst | SgprSchedule::PaperAdam => cold,
        };
        if kernel_phase || !config.optimise_inducing {
            phases.push(false);
        }
        if config.optimise_inducing {
            phases.push(true);
        }
        let mut last_error = None;
        let mut report = None;
        for with_z in phases {
            let mut b = bounds.clone();
            if !with_z {
                b.lower[d + 3..].copy_from_slice(&v[d + 3..]);
                b.upper[d + 3..].copy_from_slice(&v[d + 3..]);
            }
            // every trial with its gradient: the bound alone costs about 70 % of bound and
            // gradient (n = 10,000, m = 500), and most first trials are accepted, so asking
            // for the gradient only after acceptance would cost more
            let objective = |w: &[f64], _with_grad: bool| {
                let (p, zz) = unpack(w, d);
                match evaluate(config.kernel, &xs, &ys, d, &p, &zz, true) {
                    Ok(e) => (-e.bound, e.grad.iter().map(|g| -g).collect()),
                    Err(_) => (f64::INFINITY, vec![0.0; w.len()]),
                }
            };
            let outcome = if config.schedule == SgprSchedule::PaperAdam {
                let (lr, tol) = if with_z { (0.03, 5e-4) } else { (0.1, 2.5e-2) };
                adam_until_flat(objective, &v, &b, lr, tol, config.max_iters)
            } else {
                minimise_bounded_lazy(objective, &v, &b, &lbfgs)
            };
            match outcome {
                Ok(min) => {
                    report = Some(FitReport {
                        iterations: min.iterations,
                        evaluations: min.evaluations,
                        reason: format!("{:?}", min.reason),
                    });
                    v = min.x;
                }
                Err(e) => last_error = Some(e.to_string()),
            }
        }
        if let Some(e) = last_error {
            return Err(SurrogateError::Fit(e));
        }
        let (params, z) = unpack(&v, d);
        let mut model = Self::conditioned(x, y, config.kernel, params, z, config.standardise)?;
        model.fit = report;
        Ok(model)
    }

    /// How the fit that made this model ended (`None` for [`Sgpr::with_params`]).
    pub fn fit_report(&self) -> Option<&FitReport> {
        self.fit.as_ref()
    }

    /// The hyperparameters (standardised space).
    pub fn params(&self) -> &GpParams {
        &self.params
    }

    /// Inducing inputs in the original units, row-major `m x d`.
    pub fn inducing_inputs(&self) -> Vec<f64> {
        self.z
            .chunks(self.d)
            .flat_map(|row| {
                row.iter()
                    .zip(&self.x_scaler.mean)
                    .zip(&self.x_scaler.scale)
                    .map(|((v, m), s)| v * s + m)
                    .collect::<Vec<_>>()
            })
            .collect()
    }

    /// Inducing inputs in the standardised space (as [`Sgpr::bound_at`] takes them).
    pub fn inducing_standardised(&self) -> &[f64] {
        &self.z
    }

    /// The collapsed bound on the log marginal likelihood of the standardised targets.
    pub fn bound(&self) -> f64 {
        self.bound
    }

    /// The bound and its gradient at other parameters on this model's standardised data
    /// (gradient order: log-lengthscales, log signal variance, log noise variance, mean,
    /// inducing inputs row-major, all in standardised units).
    ///
    /// # Errors
    /// [`SurrogateError::NotPositiveDefinite`].
    pub fn bound_at(&self, params: &GpParams, z: &[f64]) -> Result<(f64, Vec<f64>)> {
        let e = evaluate(self.kernel, &self.x, &self.y, self.d, params, z, true)?;
        Ok((e.bound, e.grad))
    }

    /// Predictive mean and latent variance at each row of `x`, in original units.
    ///
    /// # Errors
    /// [`SurrogateError::Dimension`] for rows of the wrong length.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<(Array1<f64>, Array1<f64>)> {
        crate::predict_rows(self.d, x, |row| self.predict_one(row, false))
    }

    /// `mean = t2ᵀ c`, `var = s² - |t1|² + |t2|²` with `t1 = L⁻¹ k*`, `t2 = LB⁻¹ t1`; gradients
    /// through `∂k*/∂x`.
    fn predict_one(&self, x: &[f64], with_grad: bool) -> MeanVarGrad {
        let d = self.d;
        let m = self.z.len() / d;
        let xs: Vec<f64> = x
            .iter()
            .zip(&self.x_scaler.mean)
            .zip(&self.x_scaler.scale)
            .map(|((v, mu), s)| (v - mu) / s)
            .collect();
        let ls = &self.sq_lengthscales;
        let signal = self.params.log_signal_variance.exp();
        let (ks, gs) = cross_scaled(
            self.kernel,
            &self.inducing_scaled,
            &ScaledRows::new(&xs, d, &self.inv_lengthscales),
            signal,
            with_grad,
        );
        let mut t1 = ks;
        solve_lower(&self.l, &mut t1, par());
        let mut t2 = t1.clone();
        solve_lower(&self.lb, &mut t2, par());
        let mean_s = self.params.mean + (0..m).map(|j| t2[(j, 0)] * self.c[j]).sum::<f64>();
        let var_s = (signal - (0..m).map(|j| t1[(j, 0)].powi(2)).sum::<f64>()
            + (0..m).map(|j| t2[(j, 0)].powi(2)).sum::<f64>())
        .max(0.0);
        let (ym, ysd) = (self.y_scaler.mean[0], self.y_scaler.scale[0]);
        let mut out = MeanVarGrad {
            mean: ym + ysd * mean_s,
            var: ysd * ysd * var_s,
            mean_grad: vec![0.0; d],
            var_grad: vec![0.0; d],
        };
        if let Some(gs) = gs {
            // mean = k*ᵀ w_m with w_m = L⁻ᵀ LB⁻ᵀ c; var = s² - k*ᵀ (Kuu⁻¹ - L⁻ᵀ B⁻¹ L⁻¹) k*
            let wm = &self.mean_weights;
            // (Kuu⁻¹ - L⁻ᵀ B⁻¹ L⁻¹) k* = L⁻ᵀ (t1 - LB⁻ᵀ t2)
            let mut tb = t2;
            solve_upper_t(&self.lb, &mut tb, par());
            let mut wv = Mat::<f64>::from_fn(m, 1, |j, _| t1[(j, 0)] - tb[(j, 0)]);
            solve_upper_t(&self.l, &mut wv, par());
            for t in 0..d {
                let (mut gm, mut gv) = (0.0, 0.0);
                for j in 0..m {
                    let dk = -gs[(j, 0)] * (xs[t] - self.z[j * d + t]) / ls[t];
                    gm += dk * wm[(j, 0)];
                    gv += -2.0 * dk * wv[(j, 0)];
                }
                let scale = self.x_scaler.scale[t];
                out.mean_grad[t] = ysd * gm / scale;
                out.var_grad[t] = ysd * ysd * gv / scale;
            }
        }
        out
    }
}

impl Posterior for Sgpr {
    fn dim(&self) -> usize {
        self.d
    }

    fn predict_with_grad(&self, z: &[f64]) -> lso_optim::Result<MeanVarGrad> {
        if z.len() != self.d {
            return Err(OptimError::Surrogate(format!(
                "point of dimension {}; the sparse GP has {}",
                z.len(),
                self.d
            )));
        }
        Ok(self.predict_one(z, true))
    }
}
