//! Pretraining with checkpoints, resume and a TSV log.

use std::fs;
use std::io::Write;
use std::path::Path;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams, ModuleOptimizer};
use burn::tensor::Device;
use lso_core::{TrainDir, epoch_order, step_seed};
use serde::{Deserialize, Serialize};

use crate::{ClusterSet, JtvaeConfig, JtvaeError, JtvaeModel, MolTree, Vocabulary, plan_batch};

/// Version of the checkpoint and model directory layout.
pub const FORMAT_VERSION: u32 = 1;

/// Settings of a pretraining run.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSettings {
    /// Seed of initialisation, data order and latent noise.
    pub seed: u64,
    /// Number of epochs.
    pub epochs: usize,
    /// Molecules per minibatch (paper: 32).
    pub batch_size: usize,
    /// Adam learning rate (paper: 7e-4).
    pub lr: f64,
    /// Final KL weight (paper: 0.005).
    pub beta: f32,
    /// Epochs over which the KL weight rises linearly from 0 to `beta`.
    pub beta_warmup_epochs: f32,
    /// Gradient-norm clipping threshold, per parameter tensor.
    pub clip_norm: f32,
    /// Steps between checkpoints.
    pub checkpoint_every: usize,
}

impl Default for TrainSettings {
    fn default() -> Self {
        Self {
            seed: 0,
            epochs: 30,
            batch_size: 32,
            lr: 7e-4,
            beta: 0.005,
            beta_warmup_epochs: 2.0,
            clip_norm: 50.0,
            checkpoint_every: 100,
        }
    }
}

/// Progress of a run, saved with every checkpoint.
pub type TrainState = lso_core::StepState;

/// Metrics of one step, as logged.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StepReport {
    /// 1-based step.
    pub step: usize,
    /// Fractional epoch reached.
    pub epoch: f64,
    /// KL weight used.
    pub beta: f32,
    /// Total loss.
    pub loss: f32,
    /// Label cross-entropy per molecule.
    pub word: f32,
    /// Topology cross-entropy per molecule.
    pub topo: f32,
    /// Assembly cross-entropy per molecule.
    pub assm: f32,
    /// KL per molecule.
    pub kl: f32,
    /// Label accuracy.
    pub word_acc: f32,
    /// Topology accuracy.
    pub topo_acc: f32,
    /// Assembly accuracy.
    pub assm_acc: f32,
    /// Seconds of the step.
    pub seconds: f64,
}

const LOG_HEADER: &str =
    "step\tepoch\tbeta\tloss\tword\ttopo\tassm\tkl\tword_acc\ttopo_acc\tassm_acc\tseconds";

/// Build the training examples of `smiles`, in parallel; molecules that fail are returned with
/// their line number (1-based) and error instead.
pub fn build_examples(
    smiles: &[String],
    clusters: &ClusterSet,
) -> (Vec<MolTree>, Vec<(usize, JtvaeError)>) {
    let built = lso_core::parallel_map(smiles, |l| MolTree::new(l, clusters));
    let mut ok = Vec::new();
    let mut failed = Vec::new();
    for (k, r) in built.into_iter().enumerate() {
        match r {
            Ok(t) => ok.push(t),
            Err(e) => failed.push((k + 1, e)),
        }
    }
    (ok, failed)
}

/// Files of a model directory.
pub struct ModelFiles;

impl ModelFiles {
    /// Model weights (burnpack).
    pub const WEIGHTS: &'static str = "model.bpk";
    /// Model sizes (JSON).
    pub const CONFIG: &'static str = "config.json";
    /// Vocabulary, one label per line.
    pub const VOCAB: &'static str = "vocab.txt";
}

/// Save a model directory: weights, sizes and vocabulary.
///
/// # Errors
/// [`JtvaeError::Io`] on a file error.
pub fn save_model(
    dir: &Path,
    model: &JtvaeModel,
    config: &JtvaeConfig,
    vocab: &Vocabulary,
) -> Result<(), JtvaeError> {
    fs::create_dir_all(dir).map_err(|e| io_error(dir, &e))?;
    let meta = serde_json::json!({"format_version": FORMAT_VERSION, "model": config});
    write_file(&dir.join(ModelFiles::CONFIG), meta.to_string().as_bytes())?;
    write_file(&dir.join(ModelFiles::VOCAB), vocab.to_text().as_bytes())?;
    let path = dir.join(ModelFiles::WEIGHTS);
    model
        .clone()
        .save_file(&path)
        .map_err(|e| JtvaeError::Checkpoint {
            path: path.display().to_string(),
            reason: format!("{e:?}"),
        })
}

/// Load a model directory written by [`save_model`].
///
/// # Errors
/// [`JtvaeError::Checkpoint`] for a missing file, another format version or weights that do
/// not fit the stored sizes.
pub fn load_model(
    dir: &Path,
    device: &Device,
) -> Result<(JtvaeModel, JtvaeConfig, ClusterSet), JtvaeError> {
    let cfg_path = dir.join(ModelFiles::CONFIG);
    let text = fs::read_to_string(&cfg_path).map_err(|e| io_error(&cfg_path, &e))?;
    let bad = |reason: String| JtvaeError::Checkpoint {
        path: cfg_path.display().to_string(),
        reason,
    };
    let meta: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let version = meta["format_version"].as_u64().unwrap_or(0);
    if version != u64::from(FORMAT_VERSION) {
        return Err(bad(format!(
            "format version {version}, this build reads version {FORMAT_VERSION}"
        )));
    }
    let config: JtvaeConfig =
        serde_json::from_value(meta["model"].clone()).map_err(|e| bad(e.to_string()))?;
    let vocab_path = dir.join(ModelFiles::VOCAB);
    let vocab = Vocabulary::parse(
        &fs::read_to_string(&vocab_path).map_err(|e| io_error(&vocab_path, &e))?,
    )?;
    if vocab.len() != config.vocab_size {
        return Err(bad(format!(
            "{} vocabulary labels but the model has {}",
            vocab.len(),
            config.vocab_size
        )));
    }
    let path = dir.join(ModelFiles::WEIGHTS);
    let model = JtvaeModel::new(&config, 0, device)
        .try_load_file(&path)
        .map_err(|e| JtvaeError::Checkpoint {
            path: path.display().to_string(),
            reason: format!("{e:?}"),
        })?;
    Ok((model, config, ClusterSet::new(vocab)?))
}

/// The optimiser's state in a checkpoint directory (Adam's moments).
const OPTIMIZER_FILE: &str = "optim.bpk";

/// Write the optimiser's state into the checkpoint directory `dir`.
pub(crate) fn save_optimizer(optim: &ModuleOptimizer, dir: &Path) -> Result<(), JtvaeError> {
    let path = dir.join(OPTIMIZER_FILE);
    optim.save(&path).map_err(|e| JtvaeError::Checkpoint {
        path: path.display().to_string(),
        reason: format!("{e:?}"),
    })
}

/// `optim` with the state saved in the checkpoint directory `dir`.
pub(crate) fn load_optimizer(
    optim: ModuleOptimizer,
    dir: &Path,
) -> Result<ModuleOptimizer, JtvaeError> {
    let path = dir.join(OPTIMIZER_FILE);
    optim.load(&path).map_err(|e| JtvaeError::Checkpoint {
        path: path.display().to_string(),
        reason: format!("{e:?}"),
    })
}

fn io_error(path: &Path, e: &std::io::Error) -> JtvaeError {
    JtvaeError::Io {
        path: path.display().to_string(),
        reason: e.to_string(),
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), JtvaeError> {
    fs::write(path, bytes).map_err(|e| io_error(path, &e))
}

/// A pretraining run in a directory: `checkpoint/` (model directory plus optimiser and state),
/// `train.tsv` (one row per step) and `model/` (the final model).
pub struct Trainer {
    run: TrainDir,
    settings: TrainSettings,
    config: JtvaeConfig,
    clusters: ClusterSet,
    examples: Vec<MolTree>,
    model: JtvaeModel,
    optim: ModuleOptimizer,
    state: TrainState,
    device: Device,
    fresh_optimizer: bool,
}

impl Trainer {
    /// Start a run in `dir`, or resume the one there (its settings and sizes must match).
    ///
    /// # Errors
    /// [`JtvaeError`] for file errors or a checkpoint of another run.
    pub fn open(
        dir: &Path,
        settings: TrainSettings,
        config: JtvaeConfig,
        clusters: ClusterSet,
        examples: Vec<MolTree>,
        device: &Device,
    ) -> Result<Self, JtvaeError> {
        if examples.is_empty() || settings.batch_size == 0 {
            return Err(JtvaeError::Checkpoint {
                path: dir.display().to_string(),
                reason: "no training molecule or a zero batch size".into(),
            });
        }
        let run = TrainDir::open(
            dir,
            &serde_json::json!({"train": settings, "model": config, "examples": examples.len()}),
        )?;
        let steps_per_epoch = examples.len().div_ceil(settings.batch_size);
        let mut optim = AdamConfig::new()
            .with_grad_clipping(Some(burn::grad_clipping::GradientClippingConfig::Norm(
                settings.clip_norm,
            )))
            .init();
        let ckpt = run.checkpoint_dir();
        let mut restored = false;
        let (model, state) = if let Some(state) = run.read_state::<TrainState>()? {
            let (model, found, _) = load_model(&ckpt, device)?;
            if found != config {
                return Err(JtvaeError::Checkpoint {
                    path: ckpt.display().to_string(),
                    reason: "model sizes differ from this run's".into(),
                });
            }
            if ckpt.join(OPTIMIZER_FILE).exists() {
                optim = load_optimizer(optim, &ckpt)?;
                restored = true;
            }
            (model, state)
        } else {
            (
                JtvaeModel::new(&config, settings.seed, device),
                TrainState {
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
            config,
            clusters,
            examples,
            model,
            optim,
            fresh_optimizer: state.step > 0 && !restored,
            state,
            device: device.clone(),
        })
    }

    /// True when a checkpoint was resumed without its optimiser state (`optim.bpk` missing,
    /// as in a checkpoint carried in the repository without it): Adam's moments restart.
    pub fn fresh_optimizer(&self) -> bool {
        self.fresh_optimizer
    }

    /// Completed steps.
    pub fn step(&self) -> usize {
        self.state.step
    }

    /// Total steps of the run.
    pub fn total_steps(&self) -> usize {
        self.state.steps_per_epoch * self.settings.epochs
    }

    /// The model.
    pub fn model(&self) -> &JtvaeModel {
        &self.model
    }

    /// Run up to `max_steps` more steps (or to the end), checkpointing as configured;
    /// `on_step` sees every step. Returns whether the run is complete.
    ///
    /// # Errors
    /// [`JtvaeError`] for file errors.
    pub fn run(
        &mut self,
        max_steps: usize,
        mut on_step: impl FnMut(&StepReport),
    ) -> Result<bool, JtvaeError> {
        let spe = self.state.steps_per_epoch;
        let bs = self.settings.batch_size;
        let log_path = self.run.log_path();
        let mut log = self.run.append_log()?;
        let mut done = 0;
        while self.state.step < self.total_steps() && done < max_steps {
            let t0 = std::time::Instant::now();
            let epoch = self.state.step / spe;
            let k = self.state.step % spe;
            let order = epoch_order(self.settings.seed, epoch, self.examples.len());
            let batch: Vec<&MolTree> = order[k * bs..((k + 1) * bs).min(order.len())]
                .iter()
                .map(|&i| &self.examples[i])
                .collect();
            let progress = self.state.step as f32 / spe as f32;
            let beta = if self.settings.beta_warmup_epochs > 0.0 {
                self.settings.beta * (progress / self.settings.beta_warmup_epochs).min(1.0)
            } else {
                self.settings.beta
            };
            let plan = plan_batch(&batch);
            let noise_seed = step_seed(self.settings.seed, self.state.step);
            let terms = self.model.loss(&plan, beta, noise_seed, &self.device);
            let loss = terms.word + terms.topo + terms.assm + beta * terms.kl;
            let grads = GradientsParams::from_grads(terms.loss.backward(), &self.model);
            self.model = self.optim.step(self.settings.lr, self.model.clone(), grads);
            self.state.step += 1;
            done += 1;
            let report = StepReport {
                step: self.state.step,
                epoch: self.state.step as f64 / spe as f64,
                beta,
                loss,
                word: terms.word,
                topo: terms.topo,
                assm: terms.assm,
                kl: terms.kl,
                word_acc: terms.word_acc,
                topo_acc: terms.topo_acc,
                assm_acc: terms.assm_acc,
                seconds: t0.elapsed().as_secs_f64(),
            };
            writeln!(
                log,
                "{}\t{:.5}\t{:.6}\t{:.5}\t{:.5}\t{:.5}\t{:.5}\t{:.5}\t{:.5}\t{:.5}\t{:.5}\t{:.3}",
                report.step,
                report.epoch,
                report.beta,
                report.loss,
                report.word,
                report.topo,
                report.assm,
                report.kl,
                report.word_acc,
                report.topo_acc,
                report.assm_acc,
                report.seconds
            )
            .map_err(|e| io_error(&log_path, &e))?;
            on_step(&report);
            if self
                .state
                .step
                .is_multiple_of(self.settings.checkpoint_every)
                || self.state.step == self.total_steps()
            {
                self.checkpoint()?;
            }
        }
        let complete = self.state.step >= self.total_steps();
        if complete {
            save_model(
                &self.run.path().join("model"),
                &self.model,
                &self.config,
                self.clusters.vocab(),
            )?;
        }
        Ok(complete)
    }

    /// Write the checkpoint atomically (a fresh directory renamed over the old one).
    ///
    /// # Errors
    /// [`JtvaeError`] for file errors.
    pub fn checkpoint(&self) -> Result<(), JtvaeError> {
        self.run.write_checkpoint(|tmp| {
            save_model(tmp, &self.model, &self.config, self.clusters.vocab())?;
            save_optimizer(&self.optim, tmp)?;
            Ok(TrainDir::write_state(tmp, &self.state)?)
        })
    }
}
