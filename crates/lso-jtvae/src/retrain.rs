//! Weighted retraining of a trained model, and the optimisation loop's generative-model trait.

use std::path::Path;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use lso_core::{BoxError, Decoded, Encoded, GenerativeModel, StreamRng, parallel_map};
use lso_weighting::WeightedSampler;
use ndarray::{Array2, ArrayView2};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

use crate::{Jtvae, JtvaeError, MolTree, load_model, plan_batch, save_model};

/// Settings of weighted retraining (the weighted-retraining paper's chemistry runs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetrainSettings {
    /// Molecules per step.
    pub batch_size: usize,
    /// Adam learning rate (a fresh optimiser per retraining, as the paper's code does).
    pub lr: f64,
    /// KL weight (the pretrained model's final value).
    pub beta: f32,
    /// Per-parameter gradient-norm clip.
    pub clip_norm: f32,
}

impl Default for RetrainSettings {
    fn default() -> Self {
        Self {
            batch_size: 32,
            lr: 7e-4,
            beta: 0.005,
            clip_norm: 20.0,
        }
    }
}

/// What a retraining did.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrainReport {
    /// Optimisation steps taken.
    pub steps: usize,
    /// Molecules drawn (with replacement) that could not be built and were left out.
    pub skipped: usize,
    /// Mean training loss over the steps (`word + topo + assm + beta kl` per molecule).
    pub mean_loss: f32,
}

impl Jtvae {
    /// Retrain on `smiles` weighted by `weights` for `epochs` epochs: `ceil(epochs * n /
    /// batch)` steps (at least one), each on a batch drawn with replacement with probability
    /// proportional to the weights (the weighting crate's sampler). Molecules that cannot be
    /// built (clusters outside the vocabulary) are left out of their batch and counted.
    /// `progress(steps done, steps)` is called before every step and once at the end.
    ///
    /// # Errors
    /// [`JtvaeError::Weights`] for unusable weights or lengths that differ.
    pub fn retrain<R: Rng + ?Sized>(
        &mut self,
        smiles: &[String],
        weights: &[f64],
        epochs: f64,
        settings: &RetrainSettings,
        rng: &mut R,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<RetrainReport, JtvaeError> {
        if smiles.len() != weights.len() {
            return Err(JtvaeError::Weights {
                reason: format!("{} molecules but {} weights", smiles.len(), weights.len()),
            });
        }
        if !(epochs.is_finite() && epochs > 0.0) {
            return Err(JtvaeError::Weights {
                reason: format!("epochs must be positive, got {epochs}"),
            });
        }
        let sampler = WeightedSampler::new(weights).map_err(|e| JtvaeError::Weights {
            reason: e.to_string(),
        })?;
        let bs = settings.batch_size.max(1);
        let steps = ((epochs * smiles.len() as f64) / bs as f64).ceil().max(1.0) as usize;
        let device = self.device().clone().autodiff();
        let mut model = self.model().clone().fork(&device).train();
        let mut optim = AdamConfig::new()
            .with_grad_clipping(Some(burn::grad_clipping::GradientClippingConfig::Norm(
                settings.clip_norm,
            )))
            .init();
        let mut skipped = 0;
        let mut total = 0.0;
        let mut taken = 0;
        for step in 0..steps {
            progress(step, steps);
            let picks = sampler.sample_n(bs, rng);
            let noise_seed: u64 = rng.random();
            let batch: Vec<&String> = picks.iter().map(|&i| &smiles[i]).collect();
            let built = parallel_map(&batch, |s| MolTree::new(s, self.clusters()));
            let trees: Vec<&MolTree> = built.iter().filter_map(|t| t.as_ref().ok()).collect();
            skipped += built.len() - trees.len();
            if trees.is_empty() {
                continue;
            }
            let plan = plan_batch(&trees);
            let terms = model.loss(&plan, settings.beta, noise_seed, &device);
            total += terms.word + terms.topo + terms.assm + settings.beta * terms.kl;
            taken += 1;
            let grads = GradientsParams::from_grads(terms.loss.backward(), &model);
            model = optim.step(settings.lr, model, grads);
        }
        progress(steps, steps);
        self.set_model(model.valid());
        Ok(RetrainReport {
            steps: taken,
            skipped,
            mean_loss: if taken > 0 { total / taken as f32 } else { 0.0 },
        })
    }
}

impl GenerativeModel for Jtvae {
    type Item = String;

    fn latent_dim(&self) -> usize {
        Jtvae::latent_dim(self)
    }

    fn encode(&mut self, items: &[String]) -> Result<Vec<Encoded>, BoxError> {
        Ok(Jtvae::encode(self, items)
            .into_iter()
            .map(|r| match r {
                Ok(z) => Encoded::Latent(z.into_iter().map(f64::from).collect()),
                Err(e) => Encoded::Failed(e.to_string()),
            })
            .collect())
    }

    fn decode(
        &mut self,
        z: ArrayView2<'_, f64>,
        _rng: &mut StreamRng,
    ) -> Result<Vec<Decoded<String>>, BoxError> {
        let rows: Vec<Vec<f32>> = z
            .rows()
            .into_iter()
            .map(|r| r.iter().map(|&v| v as f32).collect())
            .collect();
        let options = *self.decode_options();
        Ok(Jtvae::decode(self, &rows, &options)
            .into_iter()
            .map(|o| match o.smiles {
                Ok(s) => Decoded::Item(s),
                Err(e) => Decoded::Invalid(e.to_string()),
            })
            .collect())
    }

    fn sample_prior(&mut self, n: usize, rng: &mut StreamRng) -> Array2<f64> {
        let d = Jtvae::latent_dim(self);
        Array2::from_shape_simple_fn((n, d), || StandardNormal.sample(rng))
    }

    fn retrain(
        &mut self,
        items: &[String],
        weights: &[f64],
        epochs: f64,
        rng: &mut StreamRng,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<(), BoxError> {
        let settings = *self.retrain_settings();
        Jtvae::retrain(self, items, weights, epochs, &settings, rng, progress)?;
        Ok(())
    }

    fn save_checkpoint(&self, dir: &Path) -> Result<(), BoxError> {
        save_model(dir, self.model(), self.config(), self.clusters().vocab())?;
        Ok(())
    }

    fn load_checkpoint(&mut self, dir: &Path) -> Result<(), BoxError> {
        let (model, config, clusters) = load_model(dir, self.device())?;
        if &config != self.config() || clusters.vocab() != self.clusters().vocab() {
            return Err(format!(
                "{}: the checkpoint's sizes or vocabulary differ from this model's",
                dir.display()
            )
            .into());
        }
        self.set_model(model);
        Ok(())
    }
}
