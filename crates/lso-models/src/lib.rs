//! Generative models in burn 0.22 for latent-space optimisation.
//!
//! * [`ConvVae`]: the paper's convolutional VAE for 64 x 64 binary images (2-D latent space,
//!   Bernoulli likelihood), with its ELBO loss.
//!
//! Library code takes a `&Device`; binaries choose it (`Device::flex()` is the pure-Rust CPU
//! default; add `.autodiff()` for training).

mod conv_vae;

pub use conv_vae::{ConvVae, ConvVaeConfig, ElboTerms};
