//! A trained model ready for use: encode molecules, decode latent points, sample the prior.

use std::path::Path;

use burn::tensor::Device;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::retrain::RetrainSettings;
use crate::tree_cache::TreeCache;
use crate::{
    ClusterSet, DecodeOptions, DecodeOutcome, JtvaeConfig, JtvaeError, JtvaeModel, MolTree,
    decode_batch, load_model,
};

/// Molecules encoded per network call.
const ENCODE_BATCH: usize = 64;

/// The shipped pretrained model (30 epochs on the 24,445 training molecules of the ZINC
/// subset), as a path relative to the repository root.
pub const SHIPPED_MODEL: &str = "pretrain/jtvae/model";

/// A JT-VAE with its vocabulary on a device.
#[derive(Debug, Clone)]
pub struct Jtvae {
    model: JtvaeModel,
    config: JtvaeConfig,
    clusters: ClusterSet,
    device: Device,
    decode_options: DecodeOptions,
    retrain_settings: RetrainSettings,
    trees: TreeCache,
}

impl Jtvae {
    /// Wrap a model and the vocabulary it was trained with.
    pub fn new(
        model: JtvaeModel,
        config: JtvaeConfig,
        clusters: ClusterSet,
        device: Device,
    ) -> Self {
        Self {
            model,
            config,
            clusters,
            device,
            decode_options: DecodeOptions::default(),
            retrain_settings: RetrainSettings::default(),
            trees: TreeCache::default(),
        }
    }

    /// Decoding options the optimisation loop uses (default: deterministic).
    pub fn decode_options(&self) -> &DecodeOptions {
        &self.decode_options
    }

    /// Set the decoding options the optimisation loop uses.
    pub fn set_decode_options(&mut self, options: DecodeOptions) {
        self.decode_options = options;
    }

    /// Retraining settings the optimisation loop uses.
    pub fn retrain_settings(&self) -> &RetrainSettings {
        &self.retrain_settings
    }

    /// Set the retraining settings the optimisation loop uses.
    pub fn set_retrain_settings(&mut self, settings: RetrainSettings) {
        self.retrain_settings = settings;
    }

    /// Load a model directory (see [`crate::save_model`]; a training checkpoint directory works
    /// too).
    ///
    /// # Errors
    /// As [`load_model`].
    pub fn load(dir: &Path, device: Device) -> Result<Self, JtvaeError> {
        let (model, config, clusters) = load_model(dir, &device)?;
        Ok(Self::new(model, config, clusters, device))
    }

    /// The network.
    pub fn model(&self) -> &JtvaeModel {
        &self.model
    }

    /// Molecules whose training examples are kept for the next retraining steps: those the
    /// last retraining expected to draw at least half a time, within a size budget (building the
    /// example of a large fused ring system takes seconds; the examples are the same either way).
    pub fn cached_training_examples(&self) -> usize {
        self.trees.len()
    }

    pub(crate) fn take_tree_cache(&mut self) -> TreeCache {
        std::mem::take(&mut self.trees)
    }

    pub(crate) fn put_tree_cache(&mut self, trees: TreeCache) {
        self.trees = trees;
    }

    /// Replace the network (after retraining).
    pub fn set_model(&mut self, model: JtvaeModel) {
        self.model = model;
    }

    /// Sizes.
    pub fn config(&self) -> &JtvaeConfig {
        &self.config
    }

    /// Vocabulary with cluster molecules.
    pub fn clusters(&self) -> &ClusterSet {
        &self.clusters
    }

    /// The device the model lives on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Latent size.
    pub fn latent_dim(&self) -> usize {
        self.config.latent
    }

    /// Latent means of molecules, one entry per input; a molecule that cannot be read or whose
    /// clusters are not in the vocabulary gets its error and does not affect the others.
    pub fn encode(&self, smiles: &[String]) -> Vec<Result<Vec<f32>, JtvaeError>> {
        let trees = lso_core::parallel_map(smiles, |s| MolTree::for_encoding(s, &self.clusters));
        let ok: Vec<&MolTree> = trees.iter().filter_map(|t| t.as_ref().ok()).collect();
        let mut means = Vec::with_capacity(ok.len());
        for chunk in ok.chunks(ENCODE_BATCH) {
            means.extend(self.model.encode(chunk, &self.device).0);
        }
        let mut it = means.into_iter();
        trees
            .into_iter()
            .map(|t| t.map(|_| it.next().unwrap_or_default()))
            .collect()
    }

    /// Decode latent points (rows), in parallel.
    pub fn decode(&self, zs: &[Vec<f32>], options: &DecodeOptions) -> Vec<DecodeOutcome> {
        decode_batch(&self.model, &self.clusters, zs, options, &self.device)
    }

    /// `n` standard-normal latent points drawn with `seed`.
    pub fn sample_prior(&self, n: usize, seed: u64) -> Vec<Vec<f32>> {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        (0..n)
            .map(|_| {
                (0..self.latent_dim())
                    .map(|_| StandardNormal.sample(&mut rng))
                    .collect()
            })
            .collect()
    }
}
