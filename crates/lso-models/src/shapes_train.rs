//! Pretraining the shapes VAE with the paper's KL schedule, checkpoints, resume and a TSV log.

use std::io::Write;
use std::path::Path;

use burn::module::Module;
use burn::tensor::Device;
use lso_core::{StepState, TrainDir, epoch_order, step_seed};
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::shapes_vae::{FORMAT_VERSION, PIXELS, StepTrainer, load_model, save_model};
use crate::{ConvVaeConfig, ModelError, ShapesVae};

/// Settings of a pretraining run (defaults: the paper's).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PretrainSettings {
    /// Seed of initialisation, data order and latent noise.
    pub seed: u64,
    /// Number of epochs (paper: 20).
    pub epochs: usize,
    /// Images per minibatch (paper: 16).
    pub batch_size: usize,
    /// Adam learning rate (paper: 1e-3).
    pub lr: f64,
    /// KL weight at the start (paper: 1e-6).
    pub beta_start: f64,
    /// Largest KL weight (paper: 10).
    pub beta_final: f64,
    /// Steps at the starting weight (paper: 1,000).
    pub beta_warmup_steps: usize,
    /// After the warm-up, the weight is multiplied by `beta_factor` every `beta_every` steps
    /// (paper: 1.1 every 10).
    pub beta_every: usize,
    /// See `beta_every`.
    pub beta_factor: f64,
    /// Steps between checkpoints.
    pub checkpoint_every: usize,
}

impl Default for PretrainSettings {
    fn default() -> Self {
        Self {
            seed: 0,
            epochs: 20,
            batch_size: 16,
            lr: 1e-3,
            beta_start: 1e-6,
            beta_final: 10.0,
            beta_warmup_steps: 1000,
            beta_every: 10,
            beta_factor: 1.1,
            checkpoint_every: 500,
        }
    }
}

impl PretrainSettings {
    /// The KL weight at (0-based) step `step`.
    pub fn beta_at(&self, step: usize) -> f64 {
        if step < self.beta_warmup_steps {
            return self.beta_start;
        }
        let times = (step - self.beta_warmup_steps) / self.beta_every.max(1);
        let log = self.beta_start.ln() + times as f64 * self.beta_factor.ln();
        if log >= self.beta_final.ln() {
            self.beta_final
        } else {
            log.exp()
        }
    }
}

/// Metrics of one step, as logged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PretrainStep {
    /// 1-based step.
    pub step: usize,
    /// Fractional epoch reached.
    pub epoch: f64,
    /// KL weight used.
    pub beta: f64,
    /// Loss (reconstruction + beta KL) per image.
    pub loss: f64,
    /// Bernoulli negative log-likelihood per image.
    pub reconstruction: f64,
    /// KL per image.
    pub kl: f64,
    /// Seconds of the step.
    pub seconds: f64,
}

const LOG_HEADER: &str = "step\tepoch\tbeta\tloss\treconstruction\tkl\tseconds";

/// A pretraining run in a directory: `settings.json`, `checkpoint/` (model directory plus
/// optimiser state and progress), `train.tsv` (one row per step) and, at the end, `model/`.
pub struct ShapesPretrainer {
    run: TrainDir,
    settings: PretrainSettings,
    pixels: Vec<f32>,
    trainer: StepTrainer,
    state: StepState,
}

impl ShapesPretrainer {
    /// Start a run in `dir` on images (`n x 4096` pixels), or resume the one there (its
    /// settings and data size must match).
    ///
    /// # Errors
    /// [`ModelError`] for file errors, unusable settings or a checkpoint of another run.
    pub fn open(
        dir: &Path,
        settings: PretrainSettings,
        pixels: Vec<f32>,
        device: &Device,
    ) -> Result<Self, ModelError> {
        let n = pixels.len() / PIXELS;
        if n == 0 || !pixels.len().is_multiple_of(PIXELS) || settings.batch_size == 0 {
            return Err(ModelError::Input(format!(
                "{} pixel values and batch size {}: need whole 64 x 64 images and a positive batch",
                pixels.len(),
                settings.batch_size
            )));
        }
        let run = TrainDir::open(dir, &serde_json::json!({"train": settings, "images": n}))?;
        let steps_per_epoch = n.div_ceil(settings.batch_size);
        let ckpt = run.checkpoint_dir();
        let autodiff = device.clone().autodiff();
        let (trainer, state) = if let Some(state) = run.read_state::<StepState>()? {
            let (model, _) = load_model(&ckpt, &autodiff)?;
            let mut trainer = StepTrainer::new(model.train(), &autodiff);
            let optim_path = ckpt.join("optim.bpk");
            trainer.optim = trainer
                .optim
                .load(&optim_path)
                .map_err(|e| ModelError::checkpoint(&optim_path, format!("{e:?}")))?;
            (trainer, state)
        } else {
            let vae = ShapesVae::new(ConvVaeConfig::default(), 0.0, settings.seed, &autodiff);
            (
                StepTrainer::new(vae.model().clone().train(), &autodiff),
                StepState {
                    format_version: FORMAT_VERSION,
                    step: 0,
                    steps_per_epoch,
                },
            )
        };
        run.trim_log(LOG_HEADER, state.step)?;
        Ok(Self {
            run,
            settings,
            pixels,
            trainer,
            state,
        })
    }

    /// Completed steps.
    pub fn step(&self) -> usize {
        self.state.step
    }

    /// Total steps of the run.
    pub fn total_steps(&self) -> usize {
        self.state.steps_per_epoch * self.settings.epochs
    }

    /// Run up to `max_steps` more steps (or to the end), checkpointing as configured;
    /// `on_step` sees every step. At the end the model goes to `model/`. Returns whether the
    /// run is complete.
    ///
    /// # Errors
    /// [`ModelError`] for file errors.
    pub fn run(
        &mut self,
        max_steps: usize,
        mut on_step: impl FnMut(&PretrainStep),
    ) -> Result<bool, ModelError> {
        let spe = self.state.steps_per_epoch;
        let bs = self.settings.batch_size;
        let log_path = self.run.log_path();
        let mut log = self.run.append_log()?;
        let mut done = 0;
        let mut order = (usize::MAX, Vec::new());
        while self.state.step < self.total_steps() && done < max_steps {
            let t0 = std::time::Instant::now();
            let epoch = self.state.step / spe;
            if order.0 != epoch {
                order = (
                    epoch,
                    epoch_order(self.settings.seed, epoch, self.pixels.len() / PIXELS),
                );
            }
            let k = self.state.step % spe;
            let batch: Vec<f32> = order.1[k * bs..((k + 1) * bs).min(order.1.len())]
                .iter()
                .flat_map(|&i| self.pixels[i * PIXELS..(i + 1) * PIXELS].iter().copied())
                .collect();
            let beta = self.settings.beta_at(self.state.step);
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(step_seed(
                self.settings.seed,
                self.state.step,
            ));
            let (loss, reconstruction, kl) =
                self.trainer.step(&batch, beta, self.settings.lr, &mut rng);
            self.state.step += 1;
            done += 1;
            let report = PretrainStep {
                step: self.state.step,
                epoch: self.state.step as f64 / spe as f64,
                beta,
                loss,
                reconstruction,
                kl,
                seconds: t0.elapsed().as_secs_f64(),
            };
            writeln!(
                log,
                "{}\t{:.5}\t{:.6e}\t{:.4}\t{:.4}\t{:.4}\t{:.4}",
                report.step,
                report.epoch,
                report.beta,
                report.loss,
                report.reconstruction,
                report.kl,
                report.seconds
            )
            .map_err(|e| ModelError::io(&log_path, &e))?;
            on_step(&report);
            if self
                .state
                .step
                .is_multiple_of(self.settings.checkpoint_every.max(1))
                || self.state.step == self.total_steps()
            {
                self.checkpoint()?;
            }
        }
        let complete = self.state.step >= self.total_steps();
        if complete {
            let beta = self.settings.beta_at(self.total_steps().saturating_sub(1));
            save_model(
                &self.run.path().join("model"),
                &self.trainer.model.valid(),
                beta,
            )?;
        }
        Ok(complete)
    }

    /// Write the checkpoint atomically (a fresh directory renamed over the old one).
    ///
    /// # Errors
    /// [`ModelError`] for file errors.
    pub fn checkpoint(&self) -> Result<(), ModelError> {
        self.run.write_checkpoint(|tmp| {
            let beta = self.settings.beta_at(self.state.step.saturating_sub(1));
            save_model(tmp, &self.trainer.model.valid(), beta)?;
            self.trainer
                .optim
                .save(tmp.join("optim.bpk"))
                .map_err(|e| ModelError::checkpoint(tmp, format!("{e:?}")))?;
            Ok(TrainDir::write_state(tmp, &self.state)?)
        })
    }
}
