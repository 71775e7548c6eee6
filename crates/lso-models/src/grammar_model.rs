//! The grammar VAE ready for use: encoding one-hot sequences, decoding production logits,
//! weighted training as the paper's expression code does, model directories.

use std::fs;
use std::path::Path;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::{Device, Tensor, TensorData};
use lso_weighting::{Replicated, replicate};
use rand::Rng;
use rand::seq::SliceRandom;
use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::shapes_vae::{check_values, tensor_values};
use crate::{GrammarVae, GrammarVaeConfig, ModelError};

/// Version of the grammar model directory layout (`config.json` + `model.bpk`).
pub const GRAMMAR_FORMAT_VERSION: u32 = 1;

/// Sequences per network call when encoding or decoding.
const CHUNK: usize = 1024;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GrammarMeta {
    format_version: u32,
    productions: usize,
    max_len: usize,
    latent_dim: usize,
    hidden: usize,
    gru_hidden: usize,
    /// Absent in directories written before the field existed, whose GRUs reset after.
    #[serde(default = "reset_after_before_the_field")]
    gru_reset_after: bool,
}

/// The GRU form of model directories written before `gru_reset_after` was recorded.
fn reset_after_before_the_field() -> bool {
    true
}

/// Settings of (re)training.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GrammarTrainSettings {
    /// Sequences per step (the paper: 512).
    pub batch_size: usize,
    /// Adam learning rate at the start (Keras' default, 1e-3).
    pub lr: f64,
    /// Multiply the learning rate by this factor when an epoch's loss did not improve on the
    /// best for `patience` epochs (Keras' `ReduceLROnPlateau(0.2, patience 1)` of the paper's
    /// pretraining; retraining runs one epoch, where it never acts).
    pub plateau_factor: f64,
    /// Epochs without improvement before the learning rate drops.
    pub patience: usize,
    /// Fraction of the replicated rows held out, taken from the end as Keras'
    /// `fit(validation_split)` does before shuffling (the paper's retraining: 0.1; its queries
    /// are appended to the data, so the newest copies are held out). 0 trains on every row.
    pub validation_split: f64,
    /// Adam's epsilon (TensorFlow 2's Keras: 1e-7; burn's default 1e-5).
    pub adam_epsilon: f64,
    /// The learning rate never drops below this (Keras' `min_lr`; 0: no floor).
    pub min_lr: f64,
}

/// Keras' `ReduceLROnPlateau` counts an epoch as an improvement when the monitored loss is
/// below the best by more than this (its `epsilon`, 1e-4).
const PLATEAU_THRESHOLD: f64 = 1e-4;

impl Default for GrammarTrainSettings {
    fn default() -> Self {
        Self {
            batch_size: 512,
            lr: 1e-3,
            plateau_factor: 0.2,
            patience: 1,
            validation_split: 0.0,
            adam_epsilon: 1e-5,
            min_lr: 0.0,
        }
    }
}

/// Training data: one-hot sequences with their step masks, `n x max_len x productions` each,
/// row-major.
#[derive(Debug, Clone, Copy)]
pub struct SequenceBatch<'a> {
    /// One-hot production sequences.
    pub one_hot: &'a [f32],
    /// Masks of the productions allowed at each step (`Grammar::step_masks`).
    pub masks: &'a [f32],
}

/// What one epoch of training did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochReport {
    /// Optimiser steps.
    pub steps: usize,
    /// Mean weighted loss over the steps.
    pub loss: f64,
    /// Mean reconstruction term.
    pub reconstruction: f64,
    /// Mean KL term.
    pub kl: f64,
    /// Learning rate used.
    pub lr: f64,
    /// Weighted loss on the held-out rows, when some are held out.
    pub val_loss: Option<f64>,
}

/// The grammar VAE on a device.
#[derive(Debug, Clone)]
pub struct GrammarModel {
    model: GrammarVae,
    config: GrammarVaeConfig,
    device: Device,
}

impl GrammarModel {
    /// A freshly initialised model (initialisation seeded by `seed`).
    pub fn new(config: GrammarVaeConfig, seed: u64, device: &Device) -> Self {
        Self {
            model: crate::device::seeded_init(device, seed, || GrammarVae::new(config, device)),
            config,
            device: device.clone(),
        }
    }

    /// Wrap a network of sizes `config`.
    pub(crate) fn from_network(
        model: GrammarVae,
        config: GrammarVaeConfig,
        device: &Device,
    ) -> Self {
        Self {
            model,
            config,
            device: device.clone(),
        }
    }

    /// The network.
    pub(crate) fn network(&self) -> &GrammarVae {
        &self.model
    }

    /// The sizes.
    pub fn config(&self) -> GrammarVaeConfig {
        self.config
    }

    /// Latent dimension.
    pub fn latent_dim(&self) -> usize {
        self.config.latent_dim
    }

    /// The device.
    pub fn device(&self) -> &Device {
        &self.device
    }

    fn width(&self) -> usize {
        self.config.max_len * self.config.productions
    }

    /// Latent means of one-hot sequences (`n x max_len x productions`), `n x latent`.
    ///
    /// # Errors
    /// [`ModelError::Input`] for a length that is not whole sequences or non-finite values.
    pub fn encode(&self, one_hot: &[f32]) -> Result<Vec<f32>, ModelError> {
        let w = self.width();
        check_values(one_hot, w, "one-hot sequences")?;
        let mut out = Vec::with_capacity(one_hot.len() / w * self.latent_dim());
        for chunk in one_hot.chunks(CHUNK * w) {
            let n = chunk.len() / w;
            let x = Tensor::<3>::from_data(
                TensorData::new(
                    chunk.to_vec(),
                    [n, self.config.max_len, self.config.productions],
                ),
                &self.device,
            );
            let (mean, _) = self.model.encode(x);
            out.extend(tensor_values(mean.into_data())?);
        }
        Ok(out)
    }

    /// Production logits (`n x max_len x productions`) of latent points (`n x latent`).
    ///
    /// # Errors
    /// [`ModelError::Input`] for a length that is not whole points or non-finite values.
    pub fn decode_logits(&self, z: &[f32]) -> Result<Vec<f32>, ModelError> {
        let d = self.latent_dim();
        check_values(z, d, "latent points")?;
        let mut out = Vec::with_capacity(z.len() / d * self.width());
        for chunk in z.chunks(CHUNK * d) {
            let n = chunk.len() / d;
            let z = Tensor::<2>::from_data(TensorData::new(chunk.to_vec(), [n, d]), &self.device);
            out.extend(tensor_values(
                self.model.decode_logits(z, self.config.max_len).into_data(),
            )?);
        }
        Ok(out)
    }

    /// Train for `epochs` epochs on sequences weighted by `weights`, as the paper's Keras
    /// code: weights normalised to mean 1 and replicated (`lso_weighting::replicate`: heavy
    /// sequences become several copies of weight at most 1, zero weights are dropped), then per
    /// epoch the copies are shuffled and cut into batches, each step minimising the mean of
    /// `weight · loss`. A fraction of an epoch runs that fraction of the batches (at least
    /// one). One Adam state for the whole call (a fresh one per call, as a new `fit`); the
    /// learning rate drops on plateaus per `settings`. `progress` sees (steps done, steps in
    /// all) after every step. Returns one report per (partial) epoch.
    ///
    /// # Errors
    /// [`ModelError::Input`] for data, weights or epochs that do not fit.
    pub fn train<R: Rng + ?Sized>(
        &mut self,
        data: SequenceBatch<'_>,
        weights: &[f64],
        epochs: f64,
        settings: &GrammarTrainSettings,
        rng: &mut R,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<Vec<EpochReport>, ModelError> {
        let w = self.width();
        check_values(data.one_hot, w, "one-hot sequences")?;
        check_values(data.masks, w, "masks")?;
        let n = data.one_hot.len() / w;
        if data.masks.len() != data.one_hot.len() || weights.len() != n {
            return Err(ModelError::Input(format!(
                "{n} sequences, {} masks and {} weights",
                data.masks.len() / w,
                weights.len()
            )));
        }
        if !(epochs.is_finite() && epochs > 0.0) {
            return Err(ModelError::Input(format!(
                "epochs must be positive, got {epochs}"
            )));
        }
        let mut copies = replicate(weights).map_err(|e| ModelError::Input(e.to_string()))?;
        hold_out(&mut copies, settings.validation_split)?;
        let bs = settings.batch_size.max(1);
        let batches = copies.len().div_ceil(bs);
        let device = self.device.clone().autodiff();
        let mut trainer = EpochTrainer::new(
            self.model.clone().fork(&device).train(),
            self.config,
            settings,
            &device,
        );
        let mut reports = Vec::new();
        let mut left = epochs;
        let steps_of = |left: f64| {
            if left >= 1.0 {
                batches
            } else {
                ((left * batches as f64).ceil() as usize).clamp(1, batches)
            }
        };
        let total: usize = (0..epochs.ceil() as usize)
            .map(|e| steps_of(epochs - e as f64))
            .sum();
        let mut done = 0;
        while left > 0.0 {
            let steps = steps_of(left);
            left -= 1.0;
            let mut order: Vec<usize> = (0..copies.len()).collect();
            order.shuffle(rng);
            let report = trainer.epoch(data, &copies, &order, steps, bs, rng, &mut |k| {
                progress(done + k, total);
            })?;
            done += steps;
            trainer.plateau(report.loss, settings);
            reports.push(report);
        }
        self.model = trainer.model.valid();
        Ok(reports)
    }

    /// Write a model directory: `config.json` (format version and sizes) and `model.bpk`.
    ///
    /// # Errors
    /// [`ModelError::Io`] / [`ModelError::Checkpoint`] on a file error.
    pub fn save(&self, dir: &Path) -> Result<(), ModelError> {
        fs::create_dir_all(dir).map_err(|e| ModelError::io(dir, &e))?;
        let c = self.config;
        let meta = GrammarMeta {
            format_version: GRAMMAR_FORMAT_VERSION,
            productions: c.productions,
            max_len: c.max_len,
            latent_dim: c.latent_dim,
            hidden: c.hidden,
            gru_hidden: c.gru_hidden,
            gru_reset_after: c.gru_reset_after,
        };
        let path = dir.join("config.json");
        let text =
            serde_json::to_string_pretty(&meta).map_err(|e| ModelError::checkpoint(&path, e))?;
        fs::write(&path, text).map_err(|e| ModelError::io(&path, &e))?;
        let path = dir.join("model.bpk");
        self.model
            .clone()
            .save_file(&path)
            .map_err(|e| ModelError::checkpoint(&path, format!("{e:?}")))
    }

    /// Load a model directory written by [`GrammarModel::save`].
    ///
    /// # Errors
    /// [`ModelError::Checkpoint`] for a missing file, another format version or weights that
    /// do not fit the stored sizes.
    pub fn load(dir: &Path, device: &Device) -> Result<Self, ModelError> {
        let path = dir.join("config.json");
        let text = fs::read_to_string(&path).map_err(|e| ModelError::io(&path, &e))?;
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| ModelError::checkpoint(&path, e))?;
        let version = value["format_version"].as_u64().unwrap_or(0);
        if version != u64::from(GRAMMAR_FORMAT_VERSION) {
            return Err(ModelError::checkpoint(
                &path,
                format!(
                    "format version {version}, this build reads version {GRAMMAR_FORMAT_VERSION}"
                ),
            ));
        }
        let m: GrammarMeta =
            serde_json::from_value(value).map_err(|e| ModelError::checkpoint(&path, e))?;
        if m.max_len < 7 || m.productions == 0 || m.latent_dim == 0 {
            return Err(ModelError::checkpoint(
                &path,
                format!(
                    "sizes not usable: length {} (at least 7), productions {}, latent {}",
                    m.max_len, m.productions, m.latent_dim
                ),
            ));
        }
        let config = GrammarVaeConfig {
            productions: m.productions,
            max_len: m.max_len,
            latent_dim: m.latent_dim,
            hidden: m.hidden,
            gru_hidden: m.gru_hidden,
            gru_reset_after: m.gru_reset_after,
        };
        let path = dir.join("model.bpk");
        // initialised under the lock too: the draws would otherwise interleave with a seeded one
        let model = crate::device::seeded_init(device, 0, || GrammarVae::new(config, device))
            .try_load_file(&path)
            .map_err(|e| ModelError::checkpoint(&path, format!("{e:?}")))?;
        Ok(Self {
            model,
            config,
            device: device.clone(),
        })
    }
}

/// Keras' `fit(validation_split)`: the rows after `int(len * (1 - split))` are taken off the
/// end of `copies` (before any shuffling) and returned as the held-out rows.
pub(crate) fn hold_out(copies: &mut Replicated, split: f64) -> Result<Replicated, ModelError> {
    if !(0.0..1.0).contains(&split) {
        return Err(ModelError::Input(format!(
            "validation split must be in [0, 1), got {split}"
        )));
    }
    let keep = ((copies.len() as f64) * (1.0 - split)) as usize;
    if keep == 0 {
        return Err(ModelError::Input(format!(
            "no row left to train on: {} copies with validation split {split}",
            copies.len()
        )));
    }
    Ok(Replicated {
        indices: copies.indices.split_off(keep),
        weights: copies.weights.split_off(keep),
    })
}

/// Adam over epochs of weighted batches, with the learning rate dropping on plateaus: the
/// loop of pretraining and retraining.
pub(crate) struct EpochTrainer {
    pub model: GrammarVae,
    pub optim: ModuleOptimizer,
    pub progress: Plateau,
    config: GrammarVaeConfig,
    device: Device,
}

/// Learning rate and plateau bookkeeping (part of a checkpoint).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub(crate) struct Plateau {
    pub lr: f64,
    pub best: Option<f64>,
    pub waited: usize,
}

impl EpochTrainer {
    pub fn new(
        model: GrammarVae,
        config: GrammarVaeConfig,
        settings: &GrammarTrainSettings,
        device: &Device,
    ) -> Self {
        Self {
            model,
            optim: AdamConfig::new()
                .with_epsilon(settings.adam_epsilon as f32)
                .init(),
            progress: Plateau {
                lr: settings.lr,
                best: None,
                waited: 0,
            },
            config,
            device: device.clone(),
        }
    }

    /// `steps` batches of `bs` copies, taken in `order`; `on_step` sees the steps done.
    #[allow(clippy::too_many_arguments)]
    pub fn epoch<R: Rng + ?Sized>(
        &mut self,
        data: SequenceBatch<'_>,
        copies: &Replicated,
        order: &[usize],
        steps: usize,
        bs: usize,
        rng: &mut R,
        on_step: &mut dyn FnMut(usize),
    ) -> Result<EpochReport, ModelError> {
        let (len, p, d) = (
            self.config.max_len,
            self.config.productions,
            self.config.latent_dim,
        );
        let w = len * p;
        let device = self.device.clone();
        let mut sums = [0.0f64; 3];
        let mut taken = 0;
        for batch in order.chunks(bs).take(steps) {
            let b = batch.len();
            let gather = |src: &[f32]| -> Vec<f32> {
                batch
                    .iter()
                    .flat_map(|&c| {
                        let i = copies.indices[c];
                        src[i * w..(i + 1) * w].iter().copied()
                    })
                    .collect()
            };
            let x =
                Tensor::<3>::from_data(TensorData::new(gather(data.one_hot), [b, len, p]), &device);
            let masks =
                Tensor::<3>::from_data(TensorData::new(gather(data.masks), [b, len, p]), &device);
            let noise: Vec<f32> = (0..b * d).map(|_| StandardNormal.sample(rng)).collect();
            let noise = Tensor::<2>::from_data(TensorData::new(noise, [b, d]), &device);
            let bw: Vec<f32> = batch.iter().map(|&c| copies.weights[c] as f32).collect();
            let bw = Tensor::<1>::from_data(TensorData::new(bw, [b]), &device);
            let terms = self.model.loss(x, masks, noise, bw);
            let loss = f64::from(terms.loss.clone().into_scalar::<f32>());
            let grads = GradientsParams::from_grads(terms.loss.backward(), &self.model);
            self.model = self.optim.step(self.progress.lr, self.model.clone(), grads);
            sums[0] += loss;
            sums[1] += f64::from(terms.reconstruction);
            sums[2] += f64::from(terms.kl);
            taken += 1;
            on_step(taken);
        }
        let steps = order.chunks(bs).take(steps).count().max(1);
        let report = EpochReport {
            steps,
            loss: sums[0] / steps as f64,
            reconstruction: sums[1] / steps as f64,
            kl: sums[2] / steps as f64,
            lr: self.progress.lr,
            val_loss: None,
        };
        if !report.loss.is_finite() {
            return Err(ModelError::Input(format!(
                "training diverged: mean loss {}",
                report.loss
            )));
        }
        Ok(report)
    }

    /// Keras' (1.2.1) `ReduceLROnPlateau` after an epoch whose monitored loss is `monitored`:
    /// an improvement is a loss below the best by more than 1e-4; otherwise, once `patience`
    /// epochs have passed without one, the rate is multiplied by the factor (not below
    /// `min_lr`) and the count restarts. Keras counts the epoch of the drop too, so with
    /// patience 1 the first drop comes after two epochs without improvement, later ones after
    /// each.
    pub fn plateau(&mut self, monitored: f64, settings: &GrammarTrainSettings) {
        let p = &mut self.progress;
        if p.best.is_none_or(|b| monitored < b - PLATEAU_THRESHOLD) {
            p.best = Some(monitored);
            p.waited = 0;
            return;
        }
        if p.waited >= settings.patience.max(1) {
            if p.lr > settings.min_lr * (1.0 + 1e-4) {
                p.lr = (p.lr * settings.plateau_factor).max(settings.min_lr);
            }
            p.waited = 0;
        }
        p.waited += 1;
    }

    /// The weighted loss on `copies` (held-out rows) with the network in inference mode
    /// (batch normalisation by its running statistics, as Keras evaluates), in batches of
    /// `bs`, averaged over rows; the latent noise is drawn as in training (the grammar VAE's
    /// sampling layer is always on).
    pub fn validate<R: Rng + ?Sized>(
        &self,
        data: SequenceBatch<'_>,
        copies: &Replicated,
        bs: usize,
        rng: &mut R,
    ) -> Result<f64, ModelError> {
        let (len, p, d) = (
            self.config.max_len,
            self.config.productions,
            self.config.latent_dim,
        );
        let w = len * p;
        let model = self.model.valid();
        let device = self.device.clone().inner();
        let mut total = 0.0;
        let order: Vec<usize> = (0..copies.len()).collect();
        for batch in order.chunks(bs.max(1)) {
            let b = batch.len();
            let gather = |src: &[f32]| -> Vec<f32> {
                batch
                    .iter()
                    .flat_map(|&c| {
                        let i = copies.indices[c];
                        src[i * w..(i + 1) * w].iter().copied()
                    })
                    .collect()
            };
            let x =
                Tensor::<3>::from_data(TensorData::new(gather(data.one_hot), [b, len, p]), &device);
            let masks =
                Tensor::<3>::from_data(TensorData::new(gather(data.masks), [b, len, p]), &device);
            let noise: Vec<f32> = (0..b * d).map(|_| StandardNormal.sample(rng)).collect();
            let noise = Tensor::<2>::from_data(TensorData::new(noise, [b, d]), &device);
            let bw: Vec<f32> = batch.iter().map(|&c| copies.weights[c] as f32).collect();
            let bw = Tensor::<1>::from_data(TensorData::new(bw, [b]), &device);
            let loss = f64::from(model.loss(x, masks, noise, bw).loss.into_scalar::<f32>());
            total += loss * b as f64;
        }
        let mean = total / copies.len().max(1) as f64;
        if !mean.is_finite() {
            return Err(ModelError::Input(format!(
                "validation loss is not finite: {mean}"
            )));
        }
        Ok(mean)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Keras 1.2.1's `ReduceLROnPlateau(factor 0.2, patience 1, min_lr 1e-4)`: the epoch of a
    /// drop counts towards the next, so the first drop comes after two flat epochs and later
    /// ones after each; the rate stops at the floor; an improvement needs more than 1e-4.
    #[test]
    fn plateaus_drop_the_rate_as_keras_1_does() {
        let device = Device::flex();
        let config = GrammarVaeConfig {
            productions: 3,
            max_len: 7,
            latent_dim: 2,
            hidden: 4,
            gru_hidden: 4,
            gru_reset_after: false,
        };
        let settings = GrammarTrainSettings {
            lr: 1e-3,
            min_lr: 1e-4,
            ..GrammarTrainSettings::default()
        };
        let mut t = EpochTrainer::new(GrammarVae::new(config, &device), config, &settings, &device);
        let mut rates = Vec::new();
        for loss in [1.0, 1.0, 0.99995, 1.0, 0.5, 0.5, 0.5, 0.5] {
            t.plateau(loss, &settings);
            rates.push(t.progress.lr);
        }
        let expected = [1e-3, 1e-3, 2e-4, 1e-4, 1e-4, 1e-4, 1e-4, 1e-4];
        for (got, want) in rates.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{rates:?}");
        }
    }
}
