//! The expression task built from a run config.

use std::path::PathBuf;

use burn::tensor::Device;
use lso_core::{ConfigError, Dataset};
use lso_models::{GrammarModel, GrammarTrainSettings};
use rand::SeedableRng;
use serde::{Deserialize, Serialize};

use super::{ExprModel, ExprObjective, Expression, load, starting_set};

/// Settings of the expression task (`[task]` with `kind = "expr"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ExprConfig {
    /// Pretrained grammar VAE directory (`lso train expr` writes `<out>/model`).
    pub model: PathBuf,
    /// The expressions, one per line.
    pub expressions: PathBuf,
    /// Their scores (TSV with the columns `index` and `score`).
    pub scores: PathBuf,
    /// Expressions scoring better than this percentile are removed before the starting set is
    /// drawn (the paper: 50).
    pub ignore_percentile: f64,
    /// Size of the starting set (the paper: 5,000).
    pub n_data: usize,
    /// Seed of the draw of the starting set.
    pub data_seed: u64,
    /// Sequences per retraining step (the paper's loop: 600, `train_model`'s default).
    pub retrain_batch_size: usize,
    /// Adam learning rate of retraining (Keras' default, 1e-3).
    pub retrain_lr: f64,
    /// Fraction of the replicated rows held out of retraining, from the end (the paper's loop:
    /// Keras `fit(validation_split = 0.1)`, which holds out the newest queries' copies).
    pub retrain_validation_split: f64,
    /// Adam's epsilon in retraining (the paper's loop, TensorFlow 2's Keras: 1e-7).
    pub retrain_adam_epsilon: f64,
}

impl Default for ExprConfig {
    fn default() -> Self {
        Self {
            model: PathBuf::from("pretrain/expr/k_1e-3/model"),
            expressions: PathBuf::from("data/expr/equation2_15_dataset.txt"),
            scores: PathBuf::from("data/expr/scores_all.tsv"),
            ignore_percentile: 50.0,
            n_data: 5000,
            data_seed: 0,
            retrain_batch_size: 600,
            retrain_lr: 1e-3,
            retrain_validation_split: 0.1,
            retrain_adam_epsilon: 1e-7,
        }
    }
}

/// A built expression task.
#[derive(Debug, Clone)]
pub struct ExprTask {
    /// The grammar VAE.
    pub model: ExprModel,
    /// `-score`.
    pub objective: ExprObjective,
    /// The starting set with its values (`-score`).
    pub data: Dataset<Expression>,
}

impl ExprConfig {
    /// Check the settings without loading anything.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the key (prefixed by `prefix`).
    pub fn check(&self, prefix: &str) -> Result<(), ConfigError> {
        if !(0.0..=100.0).contains(&self.ignore_percentile) {
            return Err(ConfigError::new(
                format!("{prefix}ignore_percentile"),
                self.ignore_percentile,
                "must be in [0, 100]",
            ));
        }
        if self.n_data == 0 {
            return Err(ConfigError::new(
                format!("{prefix}n_data"),
                0,
                "must be at least 1",
            ));
        }
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
        if !(0.0..1.0).contains(&self.retrain_validation_split) {
            return Err(ConfigError::new(
                format!("{prefix}retrain_validation_split"),
                self.retrain_validation_split,
                "must be in [0, 1)",
            ));
        }
        if !(self.retrain_adam_epsilon.is_finite() && self.retrain_adam_epsilon > 0.0) {
            return Err(ConfigError::new(
                format!("{prefix}retrain_adam_epsilon"),
                self.retrain_adam_epsilon,
                "must be a positive number",
            ));
        }
        Ok(())
    }

    /// Load the model onto `device`, read the data and draw the starting set.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the key whose value cannot be used.
    pub fn build(&self, prefix: &str, device: &Device) -> Result<ExprTask, ConfigError> {
        self.check(prefix)?;
        let key_err = |key: &str, value: &PathBuf, e: String| {
            ConfigError::new(format!("{prefix}{key}"), value.display(), e)
        };
        let vae = GrammarModel::load(&self.model, device)
            .map_err(|e| key_err("model", &self.model, e.to_string()))?;
        let model = ExprModel::new(
            vae,
            GrammarTrainSettings {
                batch_size: self.retrain_batch_size,
                lr: self.retrain_lr,
                validation_split: self.retrain_validation_split,
                adam_epsilon: self.retrain_adam_epsilon,
                ..GrammarTrainSettings::default()
            },
        )
        .map_err(|e| key_err("model", &self.model, e.to_string()))?;
        let all = load(&self.expressions, &self.scores)
            .map_err(|e| key_err("expressions", &self.expressions, e.to_string()))?;
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(self.data_seed);
        let start = starting_set(&all, self.ignore_percentile, self.n_data, &mut rng);
        let values = start.scores.iter().map(|s| -s).collect();
        let data = Dataset::new(start.expressions, values).ok_or_else(|| {
            key_err(
                "expressions",
                &self.expressions,
                "no usable starting data".into(),
            )
        })?;
        Ok(ExprTask {
            model,
            objective: ExprObjective::default(),
            data,
        })
    }
}
