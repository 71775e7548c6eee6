//! The shapes VAE on the loop's generative-model trait, and the task built from a config.

use std::path::{Path, PathBuf};

use burn::tensor::Device;
use lso_core::{BoxError, ConfigError, Dataset, Decoded, Encoded, GenerativeModel, StreamRng};
use lso_models::{PIXELS, RetrainSettings, ShapesVae};
use ndarray::ArrayView2;
use serde::{Deserialize, Serialize};

use super::{AreaObjective, BinaryImage, paper_dataset};
use crate::finite_rows::decode_finite_rows;

/// The conv VAE over binary images: encoding gives latent means, decoding rounds the pixel
/// probabilities at 0.5 (the paper's deterministic decoding), retraining draws weighted
/// batches with replacement.
#[derive(Debug, Clone)]
pub struct ShapesModel {
    vae: ShapesVae,
    retrain: RetrainSettings,
}

impl ShapesModel {
    /// Wrap a loaded VAE.
    pub fn new(vae: ShapesVae, retrain: RetrainSettings) -> Self {
        Self { vae, retrain }
    }

    /// The VAE.
    pub fn vae(&self) -> &ShapesVae {
        &self.vae
    }
}

impl GenerativeModel for ShapesModel {
    type Item = BinaryImage;

    fn latent_dim(&self) -> usize {
        self.vae.latent_dim()
    }

    fn encode(&mut self, items: &[BinaryImage]) -> Result<Vec<Encoded>, BoxError> {
        let pixels: Vec<f32> = items.iter().flat_map(BinaryImage::to_pixels).collect();
        let means = self.vae.encode(&pixels)?;
        let d = self.latent_dim();
        Ok(means
            .chunks(d)
            .map(|m| Encoded::Latent(m.iter().map(|&v| f64::from(v)).collect()))
            .collect())
    }

    fn decode(
        &mut self,
        z: ArrayView2<'_, f64>,
        _rng: &mut StreamRng,
    ) -> Result<Vec<Decoded<BinaryImage>>, BoxError> {
        // one decoded image per finite row, in order
        decode_finite_rows(
            z,
            PIXELS,
            |rows| Ok(self.vae.decode(rows)?),
            |_, probabilities| Decoded::Item(BinaryImage::from_probabilities(probabilities)),
        )
    }

    fn retrain(
        &mut self,
        items: &[BinaryImage],
        weights: &[f64],
        epochs: f64,
        rng: &mut StreamRng,
        progress: &mut dyn FnMut(usize, usize),
        _partial: &Path,
    ) -> Result<(), BoxError> {
        let pixels: Vec<f32> = items.iter().flat_map(BinaryImage::to_pixels).collect();
        self.vae
            .retrain(&pixels, weights, epochs, &self.retrain, rng, progress)?;
        Ok(())
    }

    fn save_checkpoint(&self, dir: &Path) -> Result<(), BoxError> {
        self.vae.save(dir)?;
        Ok(())
    }

    fn load_checkpoint(&mut self, dir: &Path) -> Result<(), BoxError> {
        let loaded = ShapesVae::load(dir, self.vae.device())?;
        if loaded.latent_dim() != self.vae.latent_dim() {
            return Err(format!(
                "{}: a latent dimension of {}, this model has {}",
                dir.display(),
                loaded.latent_dim(),
                self.vae.latent_dim()
            )
            .into());
        }
        self.vae = loaded;
        Ok(())
    }
}

/// Settings of the shapes task (`[task]` with `kind = "shapes"`). The starting data are the
/// paper's 10,900 squares, generated in code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ShapesConfig {
    /// Pretrained model directory (`lso train shapes` writes `<out>/model`).
    pub model: PathBuf,
    /// Images per retraining step (the paper: 16).
    pub retrain_batch_size: usize,
    /// Adam learning rate of retraining (the paper: 1e-3).
    pub retrain_lr: f64,
}

impl Default for ShapesConfig {
    fn default() -> Self {
        Self {
            model: PathBuf::from("pretrain/shapes/model"),
            retrain_batch_size: 16,
            retrain_lr: 1e-3,
        }
    }
}

/// A built shapes task.
#[derive(Debug, Clone)]
pub struct ShapesTask {
    /// The conv VAE.
    pub model: ShapesModel,
    /// Area.
    pub objective: AreaObjective,
    /// The paper's images and their areas.
    pub data: Dataset<BinaryImage>,
}

impl ShapesConfig {
    /// Check the settings without loading anything.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the key (prefixed by `prefix`).
    pub fn check(&self, prefix: &str) -> Result<(), ConfigError> {
        if self.retrain_batch_size == 0 {
            return Err(ConfigError::new(
                format!("{prefix}retrain_batch_size"),
                0,
                "must be at least 1",
            ));
        }
        if !(self.retrain_lr.is_finite() && self.retrain_lr > 0.0) {
            return Err(ConfigError::new(
                format!("{prefix}retrain_lr"),
                self.retrain_lr,
                "must be a positive number",
            ));
        }
        Ok(())
    }

    /// Load the model onto `device` and generate the data.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the key whose value cannot be used.
    pub fn build(&self, prefix: &str, device: &Device) -> Result<ShapesTask, ConfigError> {
        self.check(prefix)?;
        let vae = ShapesVae::load(&self.model, device).map_err(|e| {
            ConfigError::new(
                format!("{prefix}model"),
                self.model.display(),
                e.to_string(),
            )
        })?;
        let images = paper_dataset();
        let values = images.iter().map(|i| f64::from(i.area())).collect();
        let data = Dataset::new(images, values).ok_or_else(|| {
            ConfigError::new(format!("{prefix}model"), self.model.display(), "bad data")
        })?;
        Ok(ShapesTask {
            model: ShapesModel::new(
                vae,
                RetrainSettings {
                    batch_size: self.retrain_batch_size,
                    lr: self.retrain_lr,
                },
            ),
            objective: AreaObjective,
            data,
        })
    }
}
