//! Sample weights for weighted retraining (Tripp, Daxberger and Hernández-Lobato, NeurIPS 2020).
//!
//! Weighted retraining refits a generative model on all data gathered so far, with each point
//! weighted by how good its objective value is. This crate computes those weights with the exact
//! semantics of the paper's official code, and offers the two ways training loops consume them:
//!
//! * as a vector ([`Weighting::weights`]), optionally normalised to mean 1
//!   ([`normalise_mean_one`]) and turned into low-variance replicated data ([`replicate`]), the way
//!   the expression task's weighted loss uses them;
//! * as a weighted sampler with replacement ([`WeightedSampler`], a [`rand::distr::Distribution`]),
//!   the way the shapes and molecule tasks draw their epochs.
//!
//! Objective values are always **maximised** here: larger is better. A minimisation problem passes
//! its negated values.
//!
//! ```
//! use lso_weighting::{Weighting, WeightingConfig};
//! let scheme = WeightingConfig::Rank { k: 1e-3 }.check()?;
//! let w = scheme.weights(&[3.0, 1.0, 2.0])?;
//! // the best value (3.0) has rank 0 and the largest weight: 1 / (k N + 0)
//! assert!((w[0] - 1.0 / 3e-3).abs() < 1e-9);
//! assert!(w[0] > w[2] && w[2] > w[1]);
//! # Ok::<(), lso_weighting::Error>(())
//! ```
//!
//! This crate has no deep-learning dependency; it is usable on its own.

mod error;
mod normal;
mod quantile;
mod rank;
mod replicate;
mod sampler;
mod scheme;

pub use error::{Error, Result};
pub use normal::normal_sf;
pub use quantile::quantile;
pub use rank::ranks_descending;
pub use replicate::{Replicated, normalise_mean_one, replicate};
pub use sampler::WeightedSampler;
pub use scheme::{Weighting, WeightingConfig};
