//! Acquisition functions and latent optimisers for latent-space optimisation.
//!
//! * [`minimise_bounded`]: a projected L-BFGS minimiser with box bounds (infinite bounds give
//!   plain L-BFGS), the quasi-Newton method the paper runs (scipy's L-BFGS-B) for its
//!   acquisition maximisation and that the surrogates use to fit hyperparameters.
//! * [`maximise_multistart`] and [`data_bounds`]: the paper's acquisition maximisation (20
//!   starts from the prior and the best data, box from the data's 99.9th percentile).
//! * [`grid`]: a regular grid over a box (the shapes task decodes every grid point).
//! * [`Posterior`]: what a surrogate offers (mean and variance with input gradients).
//! * [`ExpectedImprovement`], [`ProbabilityOfImprovement`], [`UpperConfidenceBound`]: acquisition
//!   functions with gradients.
//!
//! Convention: objectives are **maximised** everywhere in lso. The paper's code minimises `-f`
//! with a GP on `-y` and EI for minimisation; EI for maximisation of `f` at the incumbent `y*`
//! equals that EI at `-y*`, so proposals are the same.

mod acquisition;
mod error;
mod grid;
mod lbfgs;
mod multistart;
mod normal;

pub use acquisition::{
    Acquisition, ExpectedImprovement, MeanVarGrad, Posterior, ProbabilityOfImprovement,
    UpperConfidenceBound, log_expected_improvement,
};
pub use error::{OptimError, Result};
pub use grid::grid;
pub use lbfgs::{
    Bounds, LbfgsConfig, Minimum, StopReason, minimise_bounded, minimise_bounded_lazy,
};
pub use multistart::{MultiStartConfig, data_bounds, maximise_multistart};
pub use normal::{norm_cdf, norm_pdf};
