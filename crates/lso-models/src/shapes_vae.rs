//! The shapes VAE ready for use: encode, decode, weighted retraining, model directories.

use std::fs;
use std::path::Path;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};
use lso_weighting::WeightedSampler;
use rand::Rng;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::{ConvVae, ConvVaeConfig, ModelError};

/// Pixels of one 64 x 64 image.
pub const PIXELS: usize = 64 * 64;

/// Version of the model directory layout (`config.json` + `model.bpk`).
pub const FORMAT_VERSION: u32 = 1;

/// Images per network call when encoding or decoding.
const CHUNK: usize = 256;

/// What a model directory's `config.json` holds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ModelMeta {
    format_version: u32,
    latent_dim: usize,
    /// The KL weight the model finished pretraining with (used for retraining).
    beta: f64,
}

/// Settings of weighted retraining (the paper's shapes runs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetrainSettings {
    /// Images per step (the paper's training batch size, 16).
    pub batch_size: usize,
    /// Adam learning rate (a fresh optimiser per retraining, as the paper's code does).
    pub lr: f64,
}

impl Default for RetrainSettings {
    fn default() -> Self {
        Self {
            batch_size: 16,
            lr: 1e-3,
        }
    }
}

/// The conv VAE with its KL weight, on a device.
#[derive(Debug, Clone)]
pub struct ShapesVae {
    model: ConvVae,
    beta: f64,
    device: Device,
}

impl ShapesVae {
    /// A freshly initialised model (initialisation seeded by `seed`) with KL weight `beta`.
    pub fn new(config: ConvVaeConfig, beta: f64, seed: u64, device: &Device) -> Self {
        Self {
            model: crate::device::seeded_init(device, seed, || ConvVae::new(config, device)),
            beta,
            device: device.clone(),
        }
    }

    /// Wrap a network.
    pub fn from_model(model: ConvVae, beta: f64, device: &Device) -> Self {
        Self {
            model,
            beta,
            device: device.clone(),
        }
    }

    /// The network.
    pub fn model(&self) -> &ConvVae {
        &self.model
    }

    /// Replace the network (same sizes).
    pub fn set_model(&mut self, model: ConvVae) {
        self.model = model;
    }

    /// The KL weight of retraining (the pretraining's final value).
    pub fn beta(&self) -> f64 {
        self.beta
    }

    /// The device.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// Latent dimension.
    pub fn latent_dim(&self) -> usize {
        self.model.latent_dim()
    }

    /// Latent means of images given as `n x 4096` row-major pixel values in `[0, 1]`,
    /// returned as `n x latent_dim` row-major.
    ///
    /// # Errors
    /// [`ModelError::Input`] when the length is not a multiple of 4,096 or a value is not
    /// finite.
    pub fn encode(&self, pixels: &[f32]) -> Result<Vec<f32>, ModelError> {
        check_values(pixels, PIXELS, "pixels")?;
        let mut out = Vec::with_capacity(pixels.len() / PIXELS * self.latent_dim());
        for chunk in pixels.chunks(CHUNK * PIXELS) {
            let n = chunk.len() / PIXELS;
            let x = Tensor::<4>::from_data(
                TensorData::new(chunk.to_vec(), [n, 1, 64, 64]),
                &self.device,
            );
            let (mean, _) = self.model.encode(x);
            out.extend(tensor_values(mean.into_data())?);
        }
        Ok(out)
    }

    /// Pixel probabilities (`n x 4096`, row-major) of latent points given as `n x latent_dim`
    /// row-major.
    ///
    /// # Errors
    /// [`ModelError::Input`] when the length is not a multiple of the latent dimension or a
    /// value is not finite.
    pub fn decode(&self, z: &[f32]) -> Result<Vec<f32>, ModelError> {
        let d = self.latent_dim();
        check_values(z, d, "latent points")?;
        let mut out = Vec::with_capacity(z.len() / d * PIXELS);
        for chunk in z.chunks(CHUNK * d) {
            let n = chunk.len() / d;
            let z = Tensor::<2>::from_data(TensorData::new(chunk.to_vec(), [n, d]), &self.device);
            let p = burn::tensor::activation::sigmoid(self.model.decode_logits(z));
            out.extend(tensor_values(p.into_data())?);
        }
        Ok(out)
    }

    /// Retrain on images (`n x 4096` pixels) weighted by `weights` for `epochs` epochs:
    /// `ceil(epochs * n / batch)` steps (at least one), each on a batch drawn with replacement
    /// with probability proportional to the weights (the weighting crate's sampler), with the
    /// model's KL weight and a fresh Adam. `progress` sees (steps done, steps in all) after
    /// every step. Returns the mean loss over the steps.
    ///
    /// # Errors
    /// [`ModelError::Input`] for pixels or weights that do not fit, or `epochs` not positive.
    pub fn retrain<R: Rng + ?Sized>(
        &mut self,
        pixels: &[f32],
        weights: &[f64],
        epochs: f64,
        settings: &RetrainSettings,
        rng: &mut R,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<f64, ModelError> {
        check_values(pixels, PIXELS, "pixels")?;
        let n = pixels.len() / PIXELS;
        if weights.len() != n {
            return Err(ModelError::Input(format!(
                "{n} images but {} weights",
                weights.len()
            )));
        }
        if !(epochs.is_finite() && epochs > 0.0) {
            return Err(ModelError::Input(format!(
                "epochs must be positive, got {epochs}"
            )));
        }
        let sampler =
            WeightedSampler::new(weights).map_err(|e| ModelError::Input(e.to_string()))?;
        let bs = settings.batch_size.max(1);
        let steps = ((epochs * n as f64) / bs as f64).ceil().max(1.0) as usize;
        let device = self.device.clone().autodiff();
        let mut trainer = StepTrainer::new(self.model.clone().fork(&device).train(), &device);
        let mut total = 0.0;
        for step in 0..steps {
            let picks = sampler.sample_n(bs, rng);
            let batch: Vec<f32> = picks
                .iter()
                .flat_map(|&i| pixels[i * PIXELS..(i + 1) * PIXELS].iter().copied())
                .collect();
            let (loss, _, _) = trainer.step(&batch, self.beta, settings.lr, rng);
            total += loss;
            progress(step + 1, steps);
        }
        self.model = trainer.model.valid();
        Ok(total / steps as f64)
    }

    /// Write a model directory: `config.json` (format version, latent dimension, KL weight)
    /// and `model.bpk` (weights).
    ///
    /// # Errors
    /// [`ModelError::Io`] / [`ModelError::Checkpoint`] on a file error.
    pub fn save(&self, dir: &Path) -> Result<(), ModelError> {
        save_model(dir, &self.model, self.beta)
    }

    /// Load a model directory written by [`ShapesVae::save`] (a training checkpoint directory
    /// works too).
    ///
    /// # Errors
    /// [`ModelError::Checkpoint`] for a missing file, another format version or weights that
    /// do not fit the stored sizes.
    pub fn load(dir: &Path, device: &Device) -> Result<Self, ModelError> {
        let (model, beta) = load_model(dir, device)?;
        Ok(Self::from_model(model, beta, device))
    }
}

/// One optimisation step at a time on an autodiff device: the loop of pretraining and
/// retraining.
pub(crate) struct StepTrainer {
    pub model: ConvVae,
    pub optim: ModuleOptimizer,
    device: Device,
}

impl StepTrainer {
    pub fn new(model: ConvVae, device: &Device) -> Self {
        Self {
            model,
            optim: AdamConfig::new().init(),
            device: device.clone(),
        }
    }

    /// One Adam step on a batch (`b x 4096` pixels) with latent noise from `rng`; returns the
    /// loss, reconstruction and KL (per image).
    pub fn step<R: Rng + ?Sized>(
        &mut self,
        batch: &[f32],
        beta: f64,
        lr: f64,
        rng: &mut R,
    ) -> (f64, f64, f64) {
        let b = batch.len() / PIXELS;
        let d = self.model.latent_dim();
        let images = Tensor::<4>::from_data(
            TensorData::new(batch.to_vec(), [b, 1, 64, 64]),
            &self.device,
        );
        let noise: Vec<f32> = (0..b * d).map(|_| StandardNormal.sample(rng)).collect();
        let noise = Tensor::<2>::from_data(TensorData::new(noise, [b, d]), &self.device);
        let terms = self.model.elbo(images, noise, beta);
        let grads = GradientsParams::from_grads(terms.loss.backward(), &self.model);
        self.model = self.optim.step(lr, self.model.clone(), grads);
        let (r, k) = (f64::from(terms.reconstruction), f64::from(terms.kl));
        (r + beta * k, r, k)
    }
}

/// Values that are whole rows of `width` and finite, or an error naming the row.
pub(crate) fn check_values(values: &[f32], width: usize, what: &str) -> Result<(), ModelError> {
    if width == 0 || !values.len().is_multiple_of(width) {
        return Err(ModelError::Input(format!(
            "{what}: {} values is not a whole number of rows of {width}",
            values.len()
        )));
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(ModelError::Input(format!(
            "{what}: value {} of row {} is not finite",
            i % width,
            i / width
        )));
    }
    Ok(())
}

/// A tensor's values as `f32`.
pub(crate) fn tensor_values(data: TensorData) -> Result<Vec<f32>, ModelError> {
    data.try_into_vec::<f32>()
        .map_err(|e| ModelError::Input(format!("tensor data: {e:?}")))
}

/// File names of a model directory.
pub(crate) const CONFIG_FILE: &str = "config.json";
pub(crate) const WEIGHTS_FILE: &str = "model.bpk";

pub(crate) fn save_model(dir: &Path, model: &ConvVae, beta: f64) -> Result<(), ModelError> {
    fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, &e))?;
    let meta = ModelMeta {
        format_version: FORMAT_VERSION,
        latent_dim: model.latent_dim(),
        beta,
    };
    let path = dir.join(CONFIG_FILE);
    let text = serde_json::to_string_pretty(&meta).map_err(|e| ModelError::checkpoint(&path, e))?;
    fs::write(&path, text).map_err(|e| ModelError::io(&path, &e))?;
    let path = dir.join(WEIGHTS_FILE);
    model
        .clone()
        .save_file(&path)
        .map_err(|e| ModelError::checkpoint(&path, format!("{e:?}")))
}

pub(crate) fn load_model(dir: &Path, device: &Device) -> Result<(ConvVae, f64), ModelError> {
    let path = dir.join(CONFIG_FILE);
    let text = fs::read_to_string(&path).map_err(|e| ModelError::io(&path, &e))?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| ModelError::checkpoint(&path, e))?;
    let version = value["format_version"].as_u64().unwrap_or(0);
    if version != u64::from(FORMAT_VERSION) {
        return Err(ModelError::checkpoint(
            &path,
            format!("format version {version}, this build reads version {FORMAT_VERSION}"),
        ));
    }
    let meta: ModelMeta =
        serde_json::from_value(value).map_err(|e| ModelError::checkpoint(&path, e))?;
    if meta.latent_dim == 0 || !(meta.beta.is_finite() && meta.beta >= 0.0) {
        return Err(ModelError::checkpoint(
            &path,
            format!(
                "latent dimension {} and KL weight {} are not usable",
                meta.latent_dim, meta.beta
            ),
        ));
    }
    let path = dir.join(WEIGHTS_FILE);
    let config = ConvVaeConfig {
        latent_dim: meta.latent_dim,
    };
    // initialised under the lock too: the draws would otherwise interleave with a seeded one
    let model = crate::device::seeded_init(device, 0, || ConvVae::new(config, device))
        .try_load_file(&path)
        .map_err(|e| ModelError::checkpoint(&path, format!("{e:?}")))?;
    Ok((model, meta.beta))
}
