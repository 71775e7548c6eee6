//! Exact Gaussian-process regression.

use faer::{Mat, Side};
use lso_optim::{Bounds, LbfgsConfig, MeanVarGrad, OptimError, Posterior, minimise_bounded};
use ndarray::{Array1, ArrayView1, ArrayView2};
use rand::{Rng, RngExt, SeedableRng};
use rand_distr::StandardNormal;

use crate::standardise::Scaler;
use crate::vector_state::{clear_upper, cleared};
use crate::{Kernel, Result, SurrogateError};

/// Solve `L x = b` in place (`L` lower triangular), then clear the vector state.
pub(crate) fn solve_lower(l: &Mat<f64>, b: &mut Mat<f64>, par: faer::Par) {
    faer::linalg::triangular_solve::solve_lower_triangular_in_place(l.as_ref(), b.as_mut(), par);
    clear_upper();
}

/// Solve `Lᵀ x = b` in place (`L` lower triangular), then clear the vector state.
pub(crate) fn solve_upper_t(l: &Mat<f64>, b: &mut Mat<f64>, par: faer::Par) {
    faer::linalg::triangular_solve::solve_upper_triangular_in_place(l.transpose(), b.as_mut(), par);
    clear_upper();
}

/// Hyperparameters in the standardised space.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GpParams {
    /// Log lengthscale of each input coordinate.
    pub log_lengthscales: Vec<f64>,
    /// Log signal variance `s²`.
    pub log_signal_variance: f64,
    /// Log noise variance `σ²`.
    pub log_noise_variance: f64,
    /// Constant mean.
    pub mean: f64,
}

/// Where a warm-started refit begins: a fitted GP's hyperparameters and, for a sparse GP, its
/// inducing inputs in the data's units (row-major `m x d`; empty for an exact GP). It
/// serialises exactly (JSON with round-trip floats), so a run can save it after a query and
/// later refit as if the GP had been kept in memory.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WarmStart {
    /// Hyperparameters, standardised space.
    pub params: GpParams,
    /// Inducing inputs in the data's units, row-major (empty for an exact GP).
    pub inducing: Vec<f64>,
}

impl GpParams {
    /// Lengthscales 1, signal variance 1, noise variance 0.01, mean 0 in `d` dimensions.
    pub fn default_for(d: usize) -> Self {
        Self {
            log_lengthscales: vec![0.0; d],
            log_signal_variance: 0.0,
            log_noise_variance: (0.01f64).ln(),
            mean: 0.0,
        }
    }

    fn to_vec(&self) -> Vec<f64> {
        let mut v = self.log_lengthscales.clone();
        v.extend([self.log_signal_variance, self.log_noise_variance, self.mean]);
        v
    }

    fn from_slice(v: &[f64]) -> Self {
        let d = v.len() - 3;
        Self {
            log_lengthscales: v[..d].to_vec(),
            log_signal_variance: v[d],
            log_noise_variance: v[d + 1],
            mean: v[d + 2],
        }
    }
}

/// How [`ExactGp::fit`] searches hyperparameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExactGpConfig {
    /// The kernel.
    pub kernel: Kernel,
    /// Random restarts after the start from [`GpParams::default_for`].
    pub restarts: usize,
    /// Optimise the constant mean (otherwise it stays 0 in standardised units).
    pub optimise_mean: bool,
    /// Smallest noise variance allowed, in standardised units.
    pub min_noise_variance: f64,
}

impl Default for ExactGpConfig {
    fn default() -> Self {
        Self {
            kernel: Kernel::SquaredExponential,
            restarts: 3,
            optimise_mean: true,
            min_noise_variance: 1e-6,
        }
    }
}

/// A fitted exact GP; see the [crate docs](crate) for standardisation.
#[derive(Debug, Clone)]
pub struct ExactGp {
    kernel: Kernel,
    d: usize,
    x: Vec<f64>,
    y: Vec<f64>,
    x_scaler: Scaler,
    y_scaler: Scaler,
    params: GpParams,
    chol: Mat<f64>,
    alpha: Vec<f64>,
    lml: f64,
    /// Points `0..observed` carry observation noise; later ones are noise-free fantasies.
    observed: usize,
}

/// Everything the likelihood computation produces.
struct Factor {
    chol: Mat<f64>,
    alpha: Vec<f64>,
    lml: f64,
    grad: Vec<f64>,
}

pub(crate) fn check_data(x: &ArrayView2<'_, f64>, y: &ArrayView1<'_, f64>) -> Result<()> {
    if x.nrows() != y.len() || y.is_empty() {
        return Err(SurrogateError::ShapeMismatch {
            inputs: x.nrows(),
            targets: y.len(),
        });
    }
    if let Some(row) = x
        .rows()
        .into_iter()
        .position(|r| r.iter().any(|v| !v.is_finite()))
    {
        return Err(SurrogateError::NotFinite {
            what: "inputs",
            row,
        });
    }
    if let Some(row) = y.iter().position(|v| !v.is_finite()) {
        return Err(SurrogateError::NotFinite {
            what: "targets",
            row,
        });
    }
    Ok(())
}

/// Cholesky factor of `k` with escalating jitter on the diagonal.
pub(crate) fn cholesky(mut k: Mat<f64>) -> Result<Mat<f64>> {
    let n = k.nrows();
    let scale = (0..n).map(|i| k[(i, i)]).sum::<f64>() / n.max(1) as f64;
    let mut added = 0.0;
    for jitter in [0.0, 1e-10, 1e-8, 1e-6, 1e-4, 1e-2] {
        let extra = jitter * scale - added;
        for i in 0..n {
            k[(i, i)] += extra;
        }
        added = jitter * scale;
        let llt = k.llt(Side::Lower);
        clear_upper();
        if let Ok(llt) = llt {
            return Ok(llt.L().to_owned());
        }
    }
    Err(SurrogateError::NotPositiveDefinite {
        jitter: 1e-2 * scale,
    })
}

impl ExactGp {
    /// Condition a GP with fixed hyperparameters (standardised space) on the data.
    ///
    /// # Errors
    /// [`SurrogateError`] for inconsistent or non-finite data, or an indefinite kernel matrix.
    pub fn with_params(
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        kernel: Kernel,
        params: GpParams,
    ) -> Result<Self> {
        check_data(&x, &y)?;
        let d = x.ncols();
        if params.log_lengthscales.len() != d {
            return Err(SurrogateError::Dimension {
                got: params.log_lengthscales.len(),
                expected: d,
            });
        }
        let raw: Vec<f64> = x.iter().copied().collect();
        let x_scaler = Scaler::fit(&raw, d);
        let xs = x_scaler.apply(&raw);
        let y_raw: Vec<f64> = y.to_vec();
        let y_scaler = Scaler::fit(&y_raw, 1);
        let ys = y_scaler.apply(&y_raw);
        let f = factor(kernel, &xs, &ys, d, &params, false, ys.len())?;
        Ok(Self {
            observed: ys.len(),
            kernel,
            d,
            x: xs,
            y: ys,
            x_scaler,
            y_scaler,
            params,
            chol: f.chol,
            alpha: f.alpha,
            lml: f.lml,
        })
    }

    /// Fit hyperparameters by maximising the log marginal likelihood (bounded L-BFGS over
    /// log-parameters from the default start and `config.restarts` random starts; the best
    /// wins).
    ///
    /// # Errors
    /// As [`ExactGp::with_params`], or [`SurrogateError::Fit`] when every start fails.
    pub fn fit<R: Rng + ?Sized>(
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        config: &ExactGpConfig,
        rng: &mut R,
    ) -> Result<Self> {
        Self::fit_from(x, y, config, GpParams::default_for(x.ncols()), rng)
    }

    fn fit_from<R: Rng + ?Sized>(
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        config: &ExactGpConfig,
        first: GpParams,
        rng: &mut R,
    ) -> Result<Self> {
        check_data(&x, &y)?;
        if first.log_lengthscales.len() != x.ncols() {
            return Err(SurrogateError::Dimension {
                got: first.log_lengthscales.len(),
                expected: x.ncols(),
            });
        }
        let d = x.ncols();
        let raw: Vec<f64> = x.iter().copied().collect();
        let xs = Scaler::fit(&raw, d).apply(&raw);
        let y_raw: Vec<f64> = y.to_vec();
        let ys = Scaler::fit(&y_raw, 1).apply(&y_raw);
        let mut bounds = Bounds::cube(d + 3, -7.0, 7.0);
        bounds.lower[d + 1] = config.min_noise_variance.ln();
        bounds.upper[d + 1] = 2.0;
        if !config.optimise_mean {
            bounds.lower[d + 2] = 0.0;
            bounds.upper[d + 2] = 0.0;
        } else {
            bounds.lower[d + 2] = -5.0;
            bounds.upper[d + 2] = 5.0;
        }
        let mut best: Option<(f64, GpParams)> = None;
        let mut last_error = String::from("no start");
        for restart in 0..=config.restarts {
            let start = if restart == 0 {
                first.clone()
            } else {
                GpParams {
                    log_lengthscales: (0..d)
                        .map(|_| rng.sample::<f64, _>(StandardNormal))
                        .collect(),
                    log_signal_variance: 0.5 * rng.sample::<f64, _>(StandardNormal),
                    log_noise_variance: (0.01f64).ln() + rng.sample::<f64, _>(StandardNormal),
                    mean: 0.0,
                }
            };
            let objective = |v: &[f64]| match factor(
                config.kernel,
                &xs,
                &ys,
                d,
                &GpParams::from_slice(v),
                true,
                ys.len(),
            ) {
                Ok(f) => (-f.lml, f.grad.iter().map(|g| -g).collect()),
                Err(_) => (f64::INFINITY, vec![0.0; v.len()]),
            };
            match minimise_bounded(objective, &start.to_vec(), &bounds, &LbfgsConfig::default()) {
                Ok(m) if best.as_ref().is_none_or(|(b, _)| m.value < *b) => {
                    best = Some((m.value, GpParams::from_slice(&m.x)));
                }
                Ok(_) => {}
                Err(e) => last_error = e.to_string(),
            }
        }
        let (_, params) = best.ok_or(SurrogateError::Fit(last_error))?;
        Self::with_params(x, y, config.kernel, params)
    }

    /// Refit on new data starting from this GP's hyperparameters (one local search, no
    /// restarts): the warm-started refit the paper does after each query of a round.
    ///
    /// # Errors
    /// As [`ExactGp::fit`].
    pub fn refit(
        &self,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        config: &ExactGpConfig,
    ) -> Result<Self> {
        Self::refit_from(&self.warm_start(), x, y, config)
    }

    /// What [`ExactGp::refit`] starts from: the hyperparameters (no inducing inputs).
    pub fn warm_start(&self) -> WarmStart {
        WarmStart {
            params: self.params.clone(),
            inducing: Vec::new(),
        }
    }

    /// [`ExactGp::refit`] from a saved [`WarmStart`] (its inducing inputs, if any, unused): the
    /// same fit as refitting the GP the start was taken from.
    ///
    /// # Errors
    /// As [`ExactGp::fit`]; [`SurrogateError::Dimension`] if the start has another dimension.
    pub fn refit_from(
        start: &WarmStart,
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        config: &ExactGpConfig,
    ) -> Result<Self> {
        // no restarts: the generator is never drawn from
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let config = ExactGpConfig {
            restarts: 0,
            ..*config
        };
        Self::fit_from(x, y, &config, start.params.clone(), &mut rng)
    }

    /// The GP conditioned on one more, noise-free observation at `z` equal to its own predictive
    /// mean there (the kriging believer's fantasy), with the same hyperparameters and
    /// standardisation: the mean is unchanged and the latent variance at `z` drops to zero.
    ///
    /// # Errors
    /// [`SurrogateError::Dimension`], or [`SurrogateError::NotPositiveDefinite`].
    pub fn fantasize(&self, z: &[f64]) -> Result<Self> {
        if z.len() != self.d {
            return Err(SurrogateError::Dimension {
                got: z.len(),
                expected: self.d,
            });
        }
        let mean = self.predict_one(z, false).mean;
        let mut x = self.x.clone();
        x.extend(
            z.iter()
                .zip(&self.x_scaler.mean)
                .zip(&self.x_scaler.scale)
                .map(|((v, m), s)| (v - m) / s),
        );
        let mut y = self.y.clone();
        y.push((mean - self.y_scaler.mean[0]) / self.y_scaler.scale[0]);
        let f = factor(
            self.kernel,
            &x,
            &y,
            self.d,
            &self.params,
            false,
            self.observed,
        )?;
        Ok(Self {
            x,
            y,
            chol: f.chol,
            alpha: f.alpha,
            lml: f.lml,
            ..self.clone()
        })
    }

    /// The hyperparameters.
    pub fn params(&self) -> &GpParams {
        &self.params
    }

    /// Log marginal likelihood of the standardised targets.
    pub fn log_marginal_likelihood(&self) -> f64 {
        self.lml
    }

    /// Predictive mean and latent variance at each row of `x`, in the original units.
    ///
    /// # Errors
    /// [`SurrogateError::Dimension`] for rows of the wrong length.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<(Array1<f64>, Array1<f64>)> {
        crate::predict_rows(self.d, x, |row| self.predict_one(row, false))
    }

    fn predict_one(&self, z: &[f64], with_grad: bool) -> MeanVarGrad {
        let d = self.d;
        let zs: Vec<f64> = z
            .iter()
            .zip(&self.x_scaler.mean)
            .zip(&self.x_scaler.scale)
            .map(|((v, m), s)| (v - m) / s)
            .collect();
        let ls: Vec<f64> = self
            .params
            .log_lengthscales
            .iter()
            .map(|l| (2.0 * l).exp())
            .collect();
        let signal = self.params.log_signal_variance.exp();
        let n = self.alpha.len();
        let mut kstar = Mat::<f64>::zeros(n, 1);
        let mut radial = vec![0.0; n];
        for i in 0..n {
            let xi = &self.x[i * d..(i + 1) * d];
            let r2: f64 = (0..d).map(|k| (zs[k] - xi[k]).powi(2) / ls[k]).sum();
            (kstar[(i, 0)], radial[i]) = self.kernel.value_and_radial(r2, signal);
        }
        let mean_s = self.params.mean + (0..n).map(|i| kstar[(i, 0)] * self.alpha[i]).sum::<f64>();
        // v = L⁻¹ k*, var = s² - vᵀv
        let mut v = kstar.clone();
        solve_lower(&self.chol, &mut v, faer::Par::Seq);
        let var_s = (signal - (0..n).map(|i| v[(i, 0)] * v[(i, 0)]).sum::<f64>()).max(0.0);
        let (ym, ysd) = (self.y_scaler.mean[0], self.y_scaler.scale[0]);
        let mut out = MeanVarGrad {
            mean: ym + ysd * mean_s,
            var: ysd * ysd * var_s,
            mean_grad: vec![0.0; d],
            var_grad: vec![0.0; d],
        };
        if with_grad {
            // w = L⁻ᵀ v = K⁻¹ k*
            let mut w = v;
            solve_upper_t(&self.chol, &mut w, faer::Par::Seq);
            for k in 0..d {
                let (mut gm, mut gv) = (0.0, 0.0);
                for i in 0..n {
                    let dk = -radial[i] * (zs[k] - self.x[i * d + k]) / ls[k];
                    gm += dk * self.alpha[i];
                    gv += -2.0 * dk * w[(i, 0)];
                }
                let scale = self.x_scaler.scale[k];
                out.mean_grad[k] = ysd * gm / scale;
                out.var_grad[k] = ysd * ysd * gv / scale;
            }
        }
        out
    }
}

impl Posterior for ExactGp {
    fn dim(&self) -> usize {
        self.d
    }

    fn predict_with_grad(&self, z: &[f64]) -> lso_optim::Result<MeanVarGrad> {
        if z.len() != self.d {
            return Err(OptimError::Surrogate(format!(
                "point of dimension {}; the GP has {}",
                z.len(),
                self.d
            )));
        }
        Ok(self.predict_one(z, true))
    }
}

/// Cholesky factor, `α = K⁻¹ (y - m)`, log marginal likelihood and (optionally) its gradient
/// with respect to `[log l_1..log l_d, log s², log σ², m]`.
fn factor(
    kernel: Kernel,
    x: &[f64],
    y: &[f64],
    d: usize,
    params: &GpParams,
    with_grad: bool,
    observed: usize,
) -> Result<Factor> {
    let n = y.len();
    let ls: Vec<f64> = params
        .log_lengthscales
        .iter()
        .map(|l| (2.0 * l).exp())
        .collect();
    let signal = params.log_signal_variance.exp();
    let noise = params.log_noise_variance.exp();
    let r2 = |i: usize, j: usize| -> f64 {
        (0..d)
            .map(|k| (x[i * d + k] - x[j * d + k]).powi(2) / ls[k])
            .sum()
    };
    let k = Mat::<f64>::from_fn(n, n, |i, j| {
        kernel.value(r2(i, j), signal) + if i == j && i < observed { noise } else { 0.0 }
    });
    let chol = cholesky(k)?;
    let resid: Vec<f64> = y.iter().map(|v| v - params.mean).collect();
    let mut a = Mat::<f64>::from_fn(n, 1, |i, _| resid[i]);
    solve_lower(&chol, &mut a, faer::Par::Seq);
    let quad: f64 = (0..n).map(|i| a[(i, 0)] * a[(i, 0)]).sum();
    solve_upper_t(&chol, &mut a, faer::Par::Seq);
    let alpha: Vec<f64> = (0..n).map(|i| a[(i, 0)]).collect();
    let log_det: f64 = (0..n).map(|i| chol[(i, i)].ln()).sum();
    let lml = -0.5 * quad - log_det - 0.5 * n as f64 * (2.0 * std::f64::consts::PI).ln();
    let mut grad = Vec::new();
    if with_grad {
        // K⁻¹ from the factor: L⁻¹ then (L⁻¹)ᵀ L⁻¹
        let mut linv = Mat::<f64>::identity(n, n);
        solve_lower(&chol, &mut linv, faer::Par::Seq);
        let kinv = cleared(linv.transpose() * &linv);
        grad = vec![0.0; d + 3];
        for i in 0..n {
            for j in 0..n {
                let w = alpha[i] * alpha[j] - kinv[(i, j)];
                let rr = r2(i, j);
                let (v, g) = kernel.value_and_radial(rr, signal);
                grad[d] += 0.5 * w * v;
                for k in 0..d {
                    let diff = x[i * d + k] - x[j * d + k];
                    grad[k] += 0.5 * w * g * diff * diff / ls[k];
                }
            }
            if i < observed {
                grad[d + 1] += 0.5 * noise * (alpha[i] * alpha[i] - kinv[(i, i)]);
            }
        }
        grad[d + 2] = alpha.iter().sum();
    }
    Ok(Factor {
        chol,
        alpha,
        lml,
        grad,
    })
}

impl ExactGp {
    /// Log marginal likelihood and its gradient with respect to
    /// `[log l_1..log l_d, log s², log σ², mean]` at other hyperparameters, on this GP's
    /// (standardised) data.
    ///
    /// # Errors
    /// [`SurrogateError::NotPositiveDefinite`].
    pub fn lml_at(&self, params: &GpParams) -> Result<(f64, Vec<f64>)> {
        let f = factor(
            self.kernel,
            &self.x,
            &self.y,
            self.d,
            params,
            true,
            self.observed,
        )?;
        Ok((f.lml, f.grad))
    }
}
