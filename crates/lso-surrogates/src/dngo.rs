//! DNGO (Snoek et al. 2015): a neural network's last hidden layer as the basis of a Bayesian
//! linear regression.
//!
//! A `tanh` MLP (`d -> 50 -> 50 -> 50 -> 1` by default) is trained on the standardised data by
//! Adam on the squared error; its last hidden layer plus a constant gives features `φ(x)`. On
//! them, Bayesian linear regression with weight prior `N(0, α⁻¹ I)` and noise precision `β`,
//! both chosen by maximising the marginal likelihood (MacKay's evidence fixed point, as
//! scikit-learn's `BayesianRidge` with flat hyperpriors). Predictions: mean `mᵀ φ(x)`, latent
//! variance `φ(x)ᵀ S φ(x)`, and their input gradients through the network's Jacobian.

use faer::{Mat, Side};
use lso_optim::{MeanVarGrad, OptimError, Posterior};
use ndarray::{Array1, ArrayView1, ArrayView2};
use rand::seq::SliceRandom;
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

use crate::exact_gp::check_data;
use crate::standardise::Scaler;
use crate::vector_state::cleared;
use crate::{Result, SurrogateError};

/// How [`Dngo::fit`] trains.
#[derive(Debug, Clone, PartialEq)]
pub struct DngoConfig {
    /// Hidden layer widths (the last one gives the basis).
    pub hidden: Vec<usize>,
    /// Training epochs.
    pub epochs: usize,
    /// Minibatch size.
    pub batch_size: usize,
    /// Adam learning rate.
    pub lr: f64,
}

impl Default for DngoConfig {
    fn default() -> Self {
        Self {
            hidden: vec![50, 50, 50],
            epochs: 500,
            batch_size: 32,
            lr: 1e-3,
        }
    }
}

/// Bayesian linear regression with evidence-maximised precisions.
#[derive(Debug, Clone, PartialEq)]
pub struct BayesianLinear {
    /// Weight-prior precision `α`.
    pub alpha: f64,
    /// Noise precision `β`.
    pub beta: f64,
    /// Posterior mean of the weights.
    pub mean: Vec<f64>,
    /// Posterior covariance of the weights, row-major `k x k`.
    pub cov: Vec<f64>,
    /// Log marginal likelihood at `α`, `β`.
    pub log_evidence: f64,
}

impl BayesianLinear {
    /// Fit on features `phi` (`n x k`) and targets `y` by MacKay's fixed point on `α` and `β`
    /// (at most 1,000 updates, until both change by less than 1e-12 relative).
    ///
    /// # Errors
    /// [`SurrogateError::ShapeMismatch`], [`SurrogateError::NotPositiveDefinite`].
    pub fn fit(phi: ArrayView2<'_, f64>, y: ArrayView1<'_, f64>) -> Result<Self> {
        let (n, k) = phi.dim();
        if n != y.len() || n == 0 {
            return Err(SurrogateError::ShapeMismatch {
                inputs: n,
                targets: y.len(),
            });
        }
        let p = Mat::<f64>::from_fn(n, k, |i, j| phi[(i, j)]);
        let ptp = cleared(p.transpose() * &p);
        let yv = Mat::<f64>::from_fn(n, 1, |i, _| y[i]);
        let pty = cleared(p.transpose() * &yv);
        let eig = cleared(ptp.self_adjoint_eigen(Side::Lower))
            .map_err(|_| SurrogateError::NotPositiveDefinite { jitter: 0.0 })?;
        let lam: Vec<f64> = (0..k).map(|i| eig.S()[i].max(0.0)).collect();
        let u = eig.U().to_owned();
        // uᵀ Φᵀ y
        let uty = cleared(u.transpose() * &pty);
        let yy: f64 = y.iter().map(|v| v * v).sum();
        let var_y = y.iter().map(|v| v * v).sum::<f64>() / n as f64;
        let (mut alpha, mut beta) = (1.0, 1.0 / var_y.max(1e-12));
        let mut mean_u = vec![0.0; k];
        for _ in 0..1000 {
            // posterior mean in the eigenbasis: (β λ + α)⁻¹ β uᵀΦᵀy
            for i in 0..k {
                mean_u[i] = beta * uty[(i, 0)] / (beta * lam[i] + alpha);
            }
            let gamma: f64 = (0..k)
                .map(|i| beta * lam[i] / (beta * lam[i] + alpha))
                .sum();
            let mm: f64 = mean_u.iter().map(|v| v * v).sum();
            // |y - Φm|² = yᵀy - 2 mᵀΦᵀy + mᵀΦᵀΦm
            let rss = (yy - 2.0 * (0..k).map(|i| mean_u[i] * uty[(i, 0)]).sum::<f64>()
                + (0..k).map(|i| lam[i] * mean_u[i] * mean_u[i]).sum::<f64>())
            .max(1e-300);
            let new_alpha = gamma / mm.max(1e-300);
            let new_beta = (n as f64 - gamma).max(1e-12) / rss;
            let done = ((new_alpha - alpha) / alpha).abs() < 1e-12
                && ((new_beta - beta) / beta).abs() < 1e-12;
            alpha = new_alpha;
            beta = new_beta;
            if done {
                break;
            }
        }
        for i in 0..k {
            mean_u[i] = beta * uty[(i, 0)] / (beta * lam[i] + alpha);
        }
        let mean_m = &u * Mat::<f64>::from_fn(k, 1, |i, _| mean_u[i]);
        let mean: Vec<f64> = (0..k).map(|i| mean_m[(i, 0)]).collect();
        let scaled = Mat::<f64>::from_fn(k, k, |i, j| u[(i, j)] / (beta * lam[j] + alpha));
        let cov_m = &scaled * u.transpose();
        let cov: Vec<f64> = (0..k * k).map(|t| cov_m[(t / k, t % k)]).collect();
        let rss = (yy - 2.0 * (0..k).map(|i| mean_u[i] * uty[(i, 0)]).sum::<f64>()
            + (0..k).map(|i| lam[i] * mean_u[i] * mean_u[i]).sum::<f64>())
        .max(0.0);
        let mm: f64 = mean.iter().map(|v| v * v).sum();
        let log_det_a: f64 = (0..k).map(|i| (beta * lam[i] + alpha).ln()).sum();
        let nf = n as f64;
        let log_evidence = 0.5 * k as f64 * alpha.ln() + 0.5 * nf * beta.ln()
            - 0.5 * beta * rss
            - 0.5 * alpha * mm
            - 0.5 * log_det_a
            - 0.5 * nf * (2.0 * std::f64::consts::PI).ln();
        Ok(Self {
            alpha,
            beta,
            mean,
            cov,
            log_evidence,
        })
    }
}

/// One dense layer: `out = W x + b`, `W` row-major `out x in`.
#[derive(Debug, Clone)]
struct Layer {
    w: Vec<f64>,
    b: Vec<f64>,
    n_in: usize,
    n_out: usize,
}

impl Layer {
    fn forward(&self, x: &[f64]) -> Vec<f64> {
        (0..self.n_out)
            .map(|o| {
                self.b[o]
                    + (0..self.n_in)
                        .map(|i| self.w[o * self.n_in + i] * x[i])
                        .sum::<f64>()
            })
            .collect()
    }
}

/// A fitted DNGO model; inputs and targets standardised inside (see the [crate docs](crate)).
#[derive(Debug, Clone)]
pub struct Dngo {
    d: usize,
    x_scaler: Scaler,
    y_scaler: Scaler,
    /// Hidden layers (tanh) then the linear output layer used for training only.
    layers: Vec<Layer>,
    blr: BayesianLinear,
}

/// Activations of every layer for one input (`acts[0]` is the input); every layer is `tanh`
/// except the last when `linear_last`.
fn forward_all(layers: &[Layer], x: &[f64], linear_last: bool) -> Vec<Vec<f64>> {
    let mut acts = vec![x.to_vec()];
    for (l, layer) in layers.iter().enumerate() {
        let z = layer.forward(acts.last().expect("input"));
        let last = linear_last && l + 1 == layers.len();
        acts.push(if last {
            z
        } else {
            z.into_iter().map(f64::tanh).collect()
        });
    }
    acts
}

impl Dngo {
    /// Train the network, then fit the Bayesian linear regression on its last hidden layer.
    ///
    /// # Errors
    /// [`SurrogateError`] for inconsistent or non-finite data.
    pub fn fit<R: Rng + ?Sized>(
        x: ArrayView2<'_, f64>,
        y: ArrayView1<'_, f64>,
        config: &DngoConfig,
        rng: &mut R,
    ) -> Result<Self> {
        check_data(&x, &y)?;
        let (n, d) = x.dim();
        let raw: Vec<f64> = x.iter().copied().collect();
        let x_scaler = Scaler::fit(&raw, d);
        let xs = x_scaler.apply(&raw);
        let y_raw = y.to_vec();
        let y_scaler = Scaler::fit(&y_raw, 1);
        let ys = y_scaler.apply(&y_raw);
        let mut sizes = vec![d];
        sizes.extend(&config.hidden);
        sizes.push(1);
        let mut layers: Vec<Layer> = sizes
            .windows(2)
            .map(|w| {
                let scale = (1.0 / w[0] as f64).sqrt();
                Layer {
                    w: (0..w[0] * w[1])
                        .map(|_| scale * rng.sample::<f64, _>(StandardNormal))
                        .collect(),
                    b: vec![0.0; w[1]],
                    n_in: w[0],
                    n_out: w[1],
                }
            })
            .collect();
        // Adam state
        let mut m: Vec<(Vec<f64>, Vec<f64>)> = layers
            .iter()
            .map(|l| (vec![0.0; l.w.len()], vec![0.0; l.b.len()]))
            .collect();
        let mut v = m.clone();
        let (b1, b2, eps): (f64, f64, f64) = (0.9, 0.999, 1e-8);
        let mut step = 0i32;
        let mut order: Vec<usize> = (0..n).collect();
        for _ in 0..config.epochs {
            order.shuffle(rng);
            for batch in order.chunks(config.batch_size.max(1)) {
                let mut gw: Vec<(Vec<f64>, Vec<f64>)> = layers
                    .iter()
                    .map(|l| (vec![0.0; l.w.len()], vec![0.0; l.b.len()]))
                    .collect();
                for &i in batch {
                    let acts = forward_all(&layers, &xs[i * d..(i + 1) * d], true);
                    let out = acts.last().expect("output")[0];
                    // d(½ (out - y)²)/d out, averaged over the batch
                    let mut delta = vec![(out - ys[i]) / batch.len() as f64];
                    for l in (0..layers.len()).rev() {
                        let layer = &layers[l];
                        let input = &acts[l];
                        let (gw_w, gw_b) = {
                            let g = &mut gw[l];
                            (&mut g.0, &mut g.1)
                        };
                        for (o, (gb, dl)) in gw_b.iter_mut().zip(&delta).enumerate() {
                            *gb += dl;
                            let row = &mut gw_w[o * layer.n_in..(o + 1) * layer.n_in];
                            for (gwk, xk) in row.iter_mut().zip(input) {
                                *gwk += dl * xk;
                            }
                        }
                        if l > 0 {
                            delta = (0..layer.n_in)
                                .map(|k| {
                                    let s: f64 = (0..layer.n_out)
                                        .map(|o| layer.w[o * layer.n_in + k] * delta[o])
                                        .sum();
                                    s * (1.0 - input[k] * input[k])
                                })
                                .collect();
                        }
                    }
                }
                step += 1;
                let (c1, c2) = (1.0 - b1.powi(step), 1.0 - b2.powi(step));
                for (((layer, g), ml), vl) in layers
                    .iter_mut()
                    .zip(&gw)
                    .zip(m.iter_mut())
                    .zip(v.iter_mut())
                {
                    for (p, g, mm, vv) in [
                        (&mut layer.w, &g.0, &mut ml.0, &mut vl.0),
                        (&mut layer.b, &g.1, &mut ml.1, &mut vl.1),
                    ] {
                        for t in 0..p.len() {
                            mm[t] = b1 * mm[t] + (1.0 - b1) * g[t];
                            vv[t] = b2 * vv[t] + (1.0 - b2) * g[t] * g[t];
                            p[t] -= config.lr * (mm[t] / c1) / ((vv[t] / c2).sqrt() + eps);
                        }
                    }
                }
            }
        }
        let hidden = layers.len() - 1;
        let k = sizes[hidden] + 1;
        let mut phi = ndarray::Array2::<f64>::ones((n, k));
        for i in 0..n {
            let acts = forward_all(&layers[..hidden], &xs[i * d..(i + 1) * d], false);
            for (j, v) in acts[hidden].iter().enumerate() {
                phi[(i, j)] = *v;
            }
        }
        let blr = BayesianLinear::fit(phi.view(), Array1::from(ys).view())?;
        Ok(Self {
            d,
            x_scaler,
            y_scaler,
            layers,
            blr,
        })
    }

    /// The Bayesian linear regression on the network's features.
    pub fn regression(&self) -> &BayesianLinear {
        &self.blr
    }

    fn predict_one(&self, x: &[f64], with_grad: bool) -> MeanVarGrad {
        let d = self.d;
        let xs: Vec<f64> = x
            .iter()
            .zip(&self.x_scaler.mean)
            .zip(&self.x_scaler.scale)
            .map(|((v, mu), s)| (v - mu) / s)
            .collect();
        let hidden = self.layers.len() - 1;
        let acts = forward_all(&self.layers[..hidden], &xs, false);
        let mut phi = acts[hidden].clone();
        phi.push(1.0);
        let k = phi.len();
        let mean_s: f64 = phi.iter().zip(&self.blr.mean).map(|(a, b)| a * b).sum();
        let s_phi: Vec<f64> = (0..k)
            .map(|i| (0..k).map(|j| self.blr.cov[i * k + j] * phi[j]).sum())
            .collect();
        let var_s: f64 = phi
            .iter()
            .zip(&s_phi)
            .map(|(a, b)| a * b)
            .sum::<f64>()
            .max(0.0);
        let (ym, ysd) = (self.y_scaler.mean[0], self.y_scaler.scale[0]);
        let mut out = MeanVarGrad {
            mean: ym + ysd * mean_s,
            var: ysd * ysd * var_s,
            mean_grad: vec![0.0; d],
            var_grad: vec![0.0; d],
        };
        if with_grad {
            // back-propagate v through the hidden layers: ∂(vᵀφ)/∂x
            let back = |v: &[f64]| -> Vec<f64> {
                let mut delta: Vec<f64> = v[..k - 1].to_vec();
                for l in (0..hidden).rev() {
                    let layer = &self.layers[l];
                    let a = &acts[l + 1];
                    let pre: Vec<f64> = (0..layer.n_out)
                        .map(|o| delta[o] * (1.0 - a[o] * a[o]))
                        .collect();
                    delta = (0..layer.n_in)
                        .map(|i| {
                            (0..layer.n_out)
                                .map(|o| layer.w[o * layer.n_in + i] * pre[o])
                                .sum()
                        })
                        .collect();
                }
                delta
            };
            let gm = back(&self.blr.mean);
            let two_s_phi: Vec<f64> = s_phi.iter().map(|v| 2.0 * v).collect();
            let gv = back(&two_s_phi);
            for t in 0..d {
                let scale = self.x_scaler.scale[t];
                out.mean_grad[t] = ysd * gm[t] / scale;
                out.var_grad[t] = ysd * ysd * gv[t] / scale;
            }
        }
        out
    }

    /// Predictive mean and latent variance at each row of `x`, in original units.
    ///
    /// # Errors
    /// [`SurrogateError::Dimension`] for rows of the wrong length.
    pub fn predict(&self, x: ArrayView2<'_, f64>) -> Result<(Array1<f64>, Array1<f64>)> {
        crate::predict_rows(self.d, x, |row| self.predict_one(row, false))
    }
}

impl Posterior for Dngo {
    fn dim(&self) -> usize {
        self.d
    }

    fn predict_with_grad(&self, z: &[f64]) -> lso_optim::Result<MeanVarGrad> {
        if z.len() != self.d {
            return Err(OptimError::Surrogate(format!(
                "point of dimension {}; DNGO has {}",
                z.len(),
                self.d
            )));
        }
        Ok(self.predict_one(z, true))
    }
}
