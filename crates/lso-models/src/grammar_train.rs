//! Pretraining the grammar VAE as the paper's models were (the grammar VAE's Keras `fit`:
//! weighted loss after replication, the last 10 % of the rows held out for validation, Adam,
//! the learning rate dropping on plateaus of the validation loss down to a floor, the model of
//! the best validation loss kept), checkpointed after every epoch and resumable.

use std::io::Write;
use std::path::Path;

use burn::module::Module;
use burn::tensor::Device;
use lso_core::{TrainDir, epoch_order, step_seed};
use lso_weighting::{Replicated, replicate};
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use crate::grammar_model::{EpochTrainer, Plateau, hold_out};
use crate::{
    EpochReport, GRAMMAR_FORMAT_VERSION, GrammarModel, GrammarTrainSettings, GrammarVaeConfig,
    ModelError, SequenceBatch,
};

/// Settings of a pretraining run (a run resumes only with the same settings).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GrammarPretrainSettings {
    /// Seed of the initialisation, the epoch orders and the latent noise.
    pub seed: u64,
    /// Epochs (the paper: 50).
    pub epochs: usize,
    /// Sequences per step (the grammar VAE's `train_eq.py`: 600).
    pub batch_size: usize,
    /// Initial Adam learning rate (1e-3).
    pub lr: f64,
    /// Learning-rate factor on a plateau (0.2).
    pub plateau_factor: f64,
    /// Epochs without improvement before it drops (1).
    pub patience: usize,
    /// Fraction of the replicated rows held out, from the end, for the validation loss that
    /// drives the plateaus and chooses the final model (Keras `validation_split = 0.1`); 0
    /// monitors the training loss and keeps the last epoch's model.
    pub validation_split: f64,
    /// Floor of the learning rate (`ReduceLROnPlateau(min_lr = 1e-4)`).
    pub min_lr: f64,
    /// Adam's epsilon (Keras 1.2.1: 1e-8).
    pub adam_epsilon: f64,
    /// Network sizes.
    pub model: GrammarVaeConfig,
}

impl Default for GrammarPretrainSettings {
    fn default() -> Self {
        let t = GrammarTrainSettings::default();
        Self {
            seed: 0,
            epochs: 50,
            batch_size: 600,
            lr: t.lr,
            plateau_factor: t.plateau_factor,
            patience: t.patience,
            validation_split: 0.1,
            min_lr: 1e-4,
            adam_epsilon: 1e-8,
            model: GrammarVaeConfig::default(),
        }
    }
}

impl GrammarPretrainSettings {
    fn train(&self) -> GrammarTrainSettings {
        GrammarTrainSettings {
            batch_size: self.batch_size,
            lr: self.lr,
            plateau_factor: self.plateau_factor,
            patience: self.patience,
            validation_split: self.validation_split,
            adam_epsilon: self.adam_epsilon,
            min_lr: self.min_lr,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct State {
    format_version: u32,
    epoch: usize,
    plateau: Plateau,
    /// The best validation loss so far and its epoch (its model in `checkpoint/best`).
    #[serde(default)]
    best: Option<(f64, usize)>,
}

const LOG_HEADER: &str = "epoch\tsteps\tloss\treconstruction\tkl\tval_loss\tlr\tseconds";

/// Directory of the best-validation model inside a checkpoint.
const BEST: &str = "best";

/// A pretraining run in a directory: `settings.json`, `checkpoint/` (model, optimiser state,
/// progress), `train.tsv` (one row per epoch) and, at the end, `model/`.
pub struct GrammarPretrainer {
    run: TrainDir,
    settings: GrammarPretrainSettings,
    one_hot: Vec<f32>,
    masks: Vec<f32>,
    copies: Replicated,
    held_out: Replicated,
    trainer: EpochTrainer,
    epoch: usize,
    best: Option<(f64, usize)>,
    device: Device,
}

impl GrammarPretrainer {
    /// Start a run in `dir` on one-hot sequences and masks (`n x max_len x productions`)
    /// weighted by `weights`, or resume the one there (same settings and data size).
    ///
    /// # Errors
    /// [`ModelError`] for file errors, data that do not fit or a checkpoint of another run.
    pub fn open(
        dir: &Path,
        settings: GrammarPretrainSettings,
        one_hot: Vec<f32>,
        masks: Vec<f32>,
        weights: &[f64],
        device: &Device,
    ) -> Result<Self, ModelError> {
        let c = settings.model;
        let w = c.max_len * c.productions;
        let n = one_hot.len() / w.max(1);
        if n == 0
            || w == 0
            || one_hot.len() != n * w
            || masks.len() != one_hot.len()
            || weights.len() != n
            || settings.batch_size == 0
        {
            return Err(ModelError::Input(format!(
                "{} one-hot values, {} mask values, {} weights, batch size {}: need whole \
                 sequences of {w}, aligned, and a positive batch",
                one_hot.len(),
                masks.len(),
                weights.len(),
                settings.batch_size
            )));
        }
        let mut copies = replicate(weights).map_err(|e| ModelError::Input(e.to_string()))?;
        let held_out = hold_out(&mut copies, settings.validation_split)?;
        let weight_sum: f64 = weights.iter().sum();
        let run = TrainDir::open(
            dir,
            &serde_json::json!({"train": settings, "sequences": n, "weight_sum": weight_sum}),
        )?;
        let ckpt = run.checkpoint_dir();
        let autodiff = device.clone().autodiff();
        let (trainer, epoch, best) = if let Some(state) = run.read_state::<State>()? {
            let model = GrammarModel::load(&ckpt, &autodiff)?;
            if state.format_version != GRAMMAR_FORMAT_VERSION {
                return Err(ModelError::checkpoint(
                    &ckpt.join("state.json"),
                    format!("format version {}", state.format_version),
                ));
            }
            let mut trainer = EpochTrainer::new(
                model.network().clone().train(),
                c,
                &settings.train(),
                &autodiff,
            );
            let optim_path = ckpt.join("optim.bpk");
            trainer.optim = trainer
                .optim
                .load(&optim_path)
                .map_err(|e| ModelError::checkpoint(&optim_path, format!("{e:?}")))?;
            trainer.progress = state.plateau;
            (trainer, state.epoch, state.best)
        } else {
            let model = GrammarModel::new(c, settings.seed, &autodiff);
            (
                EpochTrainer::new(
                    model.network().clone().train(),
                    c,
                    &settings.train(),
                    &autodiff,
                ),
                0,
                None,
            )
        };
        run.trim_log(LOG_HEADER, epoch)?;
        Ok(Self {
            run,
            settings,
            one_hot,
            masks,
            copies,
            held_out,
            trainer,
            epoch,
            best,
            device: device.clone(),
        })
    }

    /// Completed epochs.
    pub fn epoch(&self) -> usize {
        self.epoch
    }

    /// Epochs of the run.
    pub fn total_epochs(&self) -> usize {
        self.settings.epochs
    }

    /// Run up to `max_epochs` more epochs (or to the end), checkpointing after each;
    /// `on_epoch` sees each epoch's report. At the end the model goes to `model/`. Returns
    /// whether the run is complete.
    ///
    /// # Errors
    /// [`ModelError`] for file errors or a diverged loss.
    pub fn run(
        &mut self,
        max_epochs: usize,
        mut on_epoch: impl FnMut(usize, &EpochReport),
    ) -> Result<bool, ModelError> {
        let log_path = self.run.log_path();
        let mut log = self.run.append_log()?;
        let bs = self.settings.batch_size;
        let train = self.settings.train();
        let mut done = 0;
        while self.epoch < self.settings.epochs && done < max_epochs {
            let t0 = std::time::Instant::now();
            let order = epoch_order(self.settings.seed, self.epoch, self.copies.len());
            let mut rng =
                rand_chacha::ChaCha8Rng::seed_from_u64(step_seed(self.settings.seed, self.epoch));
            let report = self.trainer.epoch(
                SequenceBatch {
                    one_hot: &self.one_hot,
                    masks: &self.masks,
                },
                &self.copies,
                &order,
                usize::MAX,
                bs,
                &mut rng,
                &mut |_| {},
            )?;
            let mut report = report;
            let improved = if self.held_out.is_empty() {
                self.trainer.plateau(report.loss, &train);
                false
            } else {
                let val = self.trainer.validate(
                    SequenceBatch {
                        one_hot: &self.one_hot,
                        masks: &self.masks,
                    },
                    &self.held_out,
                    bs,
                    &mut rng,
                )?;
                report.val_loss = Some(val);
                self.trainer.plateau(val, &train);
                // Keras' ModelCheckpoint(save_best_only): strictly below the best
                self.best.is_none_or(|(b, _)| val < b)
            };
            self.epoch += 1;
            if improved {
                self.best = report.val_loss.map(|v| (v, self.epoch));
            }
            done += 1;
            let val = report
                .val_loss
                .map_or_else(|| "-".to_owned(), |v| format!("{v:.5}"));
            writeln!(
                log,
                "{}\t{}\t{:.5}\t{:.5}\t{:.5}\t{val}\t{:.3e}\t{:.2}",
                self.epoch,
                report.steps,
                report.loss,
                report.reconstruction,
                report.kl,
                report.lr,
                t0.elapsed().as_secs_f64()
            )
            .map_err(|e| ModelError::io(&log_path, &e))?;
            on_epoch(self.epoch, &report);
            self.checkpoint(improved)?;
        }
        let complete = self.epoch >= self.settings.epochs;
        if complete {
            let out = self.run.path().join("model");
            if self.best.is_some() {
                // the best validation epoch's model, as the paper's saved checkpoint
                GrammarModel::load(&self.run.checkpoint_dir().join(BEST), &self.device)?
                    .save(&out)?;
            } else {
                self.model().save(&out)?;
            }
        }
        Ok(complete)
    }

    /// The network as it is now (on the inference device).
    pub fn model(&self) -> GrammarModel {
        GrammarModel::from_network(
            self.trainer.model.valid(),
            self.settings.model,
            &self.device,
        )
    }

    /// The best validation loss so far and the epoch (1-based) that reached it.
    pub fn best(&self) -> Option<(f64, usize)> {
        self.best
    }

    fn checkpoint(&self, improved: bool) -> Result<(), ModelError> {
        let previous_best = self.run.checkpoint_dir().join(BEST);
        self.run.write_checkpoint(|tmp| {
            self.model().save(tmp)?;
            if improved {
                self.model().save(&tmp.join(BEST))?;
            } else if self.best.is_some() {
                GrammarModel::load(&previous_best, &self.device)?.save(&tmp.join(BEST))?;
            }
            self.trainer
                .optim
                .save(tmp.join("optim.bpk"))
                .map_err(|e| ModelError::checkpoint(tmp, format!("{e:?}")))?;
            let state = State {
                format_version: GRAMMAR_FORMAT_VERSION,
                epoch: self.epoch,
                plateau: self.trainer.progress,
                best: self.best,
            };
            Ok(TrainDir::write_state(tmp, &state)?)
        })
    }
}
