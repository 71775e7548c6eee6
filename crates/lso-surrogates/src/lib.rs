//! Surrogate models of the objective over the latent space.
//!
//! * [`ExactGp`]: Gaussian-process regression with an ARD squared-exponential or Matérn-5/2
//!   kernel, Gaussian noise and a constant mean; hyperparameters by maximising the log marginal
//!   likelihood with analytic gradients (bounded L-BFGS over log-parameters, with restarts).
//!   Fitting costs `O(n³)` time and `O(n²)` memory, so it suits up to a few thousand points.
//! * [`Sgpr`]: sparse GP regression with Titsias' collapsed bound (gpflow's `SGPR`, the paper's
//!   surrogate): `m` inducing inputs from a random subset or k-means, fitted with the
//!   hyperparameters by L-BFGS on the bound with its analytic gradient; `O(n m²)` time and
//!   `O(n m)` memory.
//! * [`Dngo`]: a `tanh` network's last hidden layer as the basis of a Bayesian linear
//!   regression ([`BayesianLinear`]) with evidence-maximised precisions (Snoek et al. 2015).
//!
//! Inputs and targets are standardised inside every model: each input coordinate to mean 0 and
//! (population) standard deviation 1, targets likewise; hyperparameters live in that
//! standardised space, and predictions and their gradients are returned in the original units.
//! Models implement [`lso_optim::Posterior`], so acquisition functions use them directly.

mod dngo;
mod error;
mod exact_gp;
mod kernel;
mod sgpr;
mod standardise;
mod vector_state;

pub use dngo::{BayesianLinear, Dngo, DngoConfig};
pub use error::{Result, SurrogateError};
pub use exact_gp::{ExactGp, ExactGpConfig, GpParams, WarmStart};
pub use kernel::Kernel;
pub use sgpr::{FitReport, InducingInit, JITTER, Sgpr, SgprConfig, SgprSchedule};

/// Predictive mean and latent variance of each row of `x` by `predict_one`, after checking the
/// row length against `d`.
fn predict_rows(
    d: usize,
    x: ndarray::ArrayView2<'_, f64>,
    predict_one: impl Fn(&[f64]) -> lso_optim::MeanVarGrad,
) -> Result<(ndarray::Array1<f64>, ndarray::Array1<f64>)> {
    if x.ncols() != d {
        return Err(SurrogateError::Dimension {
            got: x.ncols(),
            expected: d,
        });
    }
    let mut mean = ndarray::Array1::zeros(x.nrows());
    let mut var = ndarray::Array1::zeros(x.nrows());
    for (i, row) in x.rows().into_iter().enumerate() {
        let p = predict_one(&row.to_vec());
        mean[i] = p.mean;
        var[i] = p.var;
    }
    Ok((mean, var))
}
