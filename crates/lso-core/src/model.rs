//! The generative model.

use std::path::Path;

use ndarray::{Array2, ArrayView2};

use crate::{BoxError, StreamRng, TextItem};

/// The latent code of one item, or why it has none.
#[derive(Debug, Clone, PartialEq)]
pub enum Encoded {
    /// Latent mean, of the model's latent dimension.
    Latent(Vec<f64>),
    /// The item cannot be encoded (e.g. a molecule outside the vocabulary).
    Failed(String),
}

/// The item decoded from one latent point, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum Decoded<T> {
    /// A well-formed item.
    Item(T),
    /// No item: the reason is recorded, and the query counts as invalid.
    Invalid(String),
}

/// An encoder-decoder model over items of type [`GenerativeModel::Item`], retrainable on weighted
/// data.
///
/// Determinism: given the same state and generator, every method must give the same result; the
/// loop's resume relies on it and checks it.
pub trait GenerativeModel {
    /// Items of the search space.
    type Item: TextItem;

    /// Dimension of the latent space.
    fn latent_dim(&self) -> usize;

    /// Latent means of a batch of items, one entry per item.
    ///
    /// # Errors
    /// Only when the whole batch fails; one bad item is an [`Encoded::Failed`].
    fn encode(&mut self, items: &[Self::Item]) -> Result<Vec<Encoded>, BoxError>;

    /// Decode a batch of latent points (rows of `z`), one entry per row.
    ///
    /// # Errors
    /// Only when the whole batch fails; one bad point is a [`Decoded::Invalid`].
    fn decode(
        &mut self,
        z: ArrayView2<'_, f64>,
        rng: &mut StreamRng,
    ) -> Result<Vec<Decoded<Self::Item>>, BoxError>;

    /// `n` draws from the prior, `n x latent_dim`. The default is the standard normal.
    fn sample_prior(&mut self, n: usize, rng: &mut StreamRng) -> Array2<f64> {
        use rand::RngExt;
        let d = self.latent_dim();
        Array2::from_shape_simple_fn((n, d), || rng.sample(rand_distr::StandardNormal))
    }

    /// Retrain on `items` weighted by `weights` (finite, `>= 0`, same length) for `epochs`
    /// epochs; a fraction below 1 means that fraction of one epoch's batches. A model whose
    /// retraining takes long calls `progress(steps done, total steps)` as it goes (the loop
    /// shows it); a quick one may leave it unused.
    ///
    /// `partial` is a directory (absent at first) for the progress of this retraining: a model
    /// whose retraining is long saves its progress there as it goes, and when called again
    /// with the same arguments after being cut short, goes on from the last save to the model
    /// an uninterrupted retraining makes. The loop removes the directory once the retrained
    /// model is checkpointed. A quick retraining may leave it unused.
    ///
    /// # Errors
    /// Any training failure.
    fn retrain(
        &mut self,
        items: &[Self::Item],
        weights: &[f64],
        epochs: f64,
        rng: &mut StreamRng,
        progress: &mut dyn FnMut(usize, usize),
        partial: &Path,
    ) -> Result<(), BoxError>;

    /// Write the model's full state into the (existing, empty) directory `dir`.
    ///
    /// # Errors
    /// I/O failures.
    fn save_checkpoint(&self, dir: &Path) -> Result<(), BoxError>;

    /// Restore the state written by [`GenerativeModel::save_checkpoint`].
    ///
    /// # Errors
    /// I/O failures and checkpoints that do not fit this model.
    fn load_checkpoint(&mut self, dir: &Path) -> Result<(), BoxError>;
}
