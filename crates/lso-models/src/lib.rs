//! Generative models in burn 0.22 for latent-space optimisation.
//!
//! * [`ConvVae`]: the paper's convolutional VAE for 64 x 64 binary images (2-D latent space,
//!   Bernoulli likelihood), with its ELBO loss.
//! * [`ShapesVae`]: the conv VAE with its KL weight on a device: encoding, decoding, weighted
//!   retraining (the weighting crate's sampler, with replacement, as the paper's code), model
//!   directories with a format version.
//! * [`Grammar`]: context-free grammars for the grammar VAE (masks, masked decoding,
//!   derivations).
//! * [`GrammarVae`] / [`GrammarModel`]: the expression task's grammar VAE (conv encoder, GRU
//!   decoder, grammar-masked loss) and its weighted training and model directories;
//!   [`NamedArrays`] imports one trained elsewhere (the paper's Keras models).
//! * [`ShapesPretrainer`]: pretraining with the paper's KL schedule, checkpoints and resume.
//!
//! Library code takes a `&Device`; binaries choose it (`Device::flex()` is the pure-Rust CPU
//! default; add `.autodiff()` for training).

mod conv_vae;
mod device;
mod error;
mod grammar;
mod grammar_import;
mod grammar_model;
mod grammar_train;
mod grammar_vae;
mod shapes_train;
mod shapes_vae;

pub use conv_vae::{ConvVae, ConvVaeConfig, ElboTerms};
pub use device::{DEVICE_NAMES, device};
pub use error::ModelError;
pub use grammar::{Choice, Grammar, GrammarError, Production, Symbol};
pub use grammar_import::{NamedArray, NamedArrays};
pub use grammar_model::{
    EpochReport, GRAMMAR_FORMAT_VERSION, GrammarModel, GrammarTrainSettings, SequenceBatch,
};
pub use grammar_train::{GrammarPretrainSettings, GrammarPretrainer};
pub use grammar_vae::{EPSILON_STD, GrammarVae, GrammarVaeConfig, GrammarVaeLoss};
pub use shapes_train::{PretrainSettings, PretrainStep, ShapesPretrainer};
pub use shapes_vae::{FORMAT_VERSION, PIXELS, RetrainSettings, ShapesVae};
