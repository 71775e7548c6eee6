//! Weighted retraining of a trained model, and the optimisation loop's generative-model trait.

use std::path::Path;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsAccumulator, GradientsParams};
use lso_core::{BoxError, Decoded, Encoded, GenerativeModel, StreamRng, parallel_map};
use lso_weighting::WeightedSampler;
use ndarray::{Array2, ArrayView2};
use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

use crate::{Jtvae, JtvaeError, JtvaeModel, MolTree, load_model, plan_batch, save_model};

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
    /// Most graph elements (atoms and bonds of the molecules and of their candidate
    /// attachments) in one forward and backward pass: a batch above it is split into parts
    /// whose gradients are added before the step (the same step, in less memory). A batch of
    /// the optimiser's 400-atom polyacenes needed over 20 GB in one pass; with the default a
    /// retraining on them peaks at about 12 GB (measured as the process's resident memory).
    pub max_pass_elements: usize,
}

impl Default for RetrainSettings {
    fn default() -> Self {
        Self {
            batch_size: 32,
            lr: 7e-4,
            beta: 0.005,
            clip_norm: 20.0,
            max_pass_elements: 25_000,
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
            let parts = split_by_elements(&trees, settings.max_pass_elements);
            let mut grads = GradientsAccumulator::<JtvaeModel>::new();
            let mut first = 0;
            for part in parts {
                let plan = plan_batch(part);
                let terms = model.loss_of_rows(
                    &plan,
                    settings.beta,
                    noise_seed,
                    first,
                    trees.len(),
                    &device,
                );
                let share = part.len() as f32 / trees.len() as f32;
                first += part.len();
                total += share * (terms.word + terms.topo + terms.assm + settings.beta * terms.kl);
                let loss = if share < 1.0 {
                    terms.loss.mul_scalar(share)
                } else {
                    terms.loss
                };
                grads.accumulate(&model, GradientsParams::from_grads(loss.backward(), &model));
            }
            taken += 1;
            model = optim.step(settings.lr, model, grads.grads());
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

/// Graph elements of a training example: atoms and bonds of the molecule and of every
/// candidate attachment (what the encoders' tensors grow with).
fn elements(tree: &MolTree) -> usize {
    let graph = |g: &crate::MolGraph| g.atoms.len() + g.bonds.len();
    graph(&tree.graph)
        + tree
            .nodes
            .iter()
            .flat_map(|n| &n.candidates)
            .map(graph)
            .sum::<usize>()
}

/// Consecutive parts of a batch, each within `max` graph elements (a single example above it
/// is a part of its own).
fn split_by_elements<'a, 'b>(trees: &'b [&'a MolTree], max: usize) -> Vec<&'b [&'a MolTree]> {
    let mut parts = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, tree) in trees.iter().enumerate() {
        let e = elements(tree);
        if i > start && size + e > max {
            parts.push(&trees[start..i]);
            (start, size) = (i, 0);
        }
        size += e;
    }
    if start < trees.len() {
        parts.push(&trees[start..]);
    }
    parts
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
