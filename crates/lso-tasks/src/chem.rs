//! The paper's chemistry task: penalized logP of molecules decoded by the JT-VAE.
//!
//! * Items are SMILES strings; the generative model is [`lso_jtvae::Jtvae`] (deterministic
//!   decoding, weighted retraining through the weighting crate's sampler).
//! * The objective ([`PenalizedLogP`]) is `lso-chem`'s penalized logP of the molecule without
//!   stereo marks (the paper's standardisation); a SMILES that does not parse is invalid.
//! * The starting data are the molecules of a SMILES file (default: the 29,445 ZINC molecules
//!   of `data/zinc/zinc_subset.txt`; the paper started from ~250,000) with their values;
//!   molecules that do not parse are skipped.

use std::path::PathBuf;
use std::time::Duration;

use burn::tensor::Device;
use lso_core::{BoxError, ConfigError, Dataset, Objective, Outcome};
use lso_jtvae::{DecodeOptions, Jtvae, SHIPPED_MODEL};
use serde::{Deserialize, Serialize};

/// Settings of the chemistry task (`[task]` with `kind = "chem"`). Relative paths are resolved
/// against the working directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ChemConfig {
    /// Starting molecules, one SMILES per line.
    pub data: PathBuf,
    /// Use only the first `n_data` lines (0: all).
    pub n_data: usize,
    /// JT-VAE model directory (default: the shipped model, relative to the working directory).
    pub model: PathBuf,
    /// Per-molecule decoding time limit, seconds.
    pub decode_time_limit: f64,
    /// Most candidate attachments scored in one molecule's assembly loss when retraining (0:
    /// all of them, the paper's loss). See [`lso_jtvae::RetrainSettings::max_candidates`]:
    /// a departure from the paper that makes retraining on the optimiser's fused aromatic
    /// sheets affordable on a CPU. Left out of a written config when 0, so the configs of
    /// runs made before it existed still match.
    #[serde(skip_serializing_if = "is_zero")]
    pub retrain_max_candidates: usize,
}

impl Default for ChemConfig {
    fn default() -> Self {
        Self {
            data: PathBuf::from("data/zinc/zinc_subset.txt"),
            n_data: 0,
            model: PathBuf::from(SHIPPED_MODEL),
            decode_time_limit: 20.0,
            retrain_max_candidates: 0,
        }
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Penalized logP of SMILES strings; see the [module docs](self).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PenalizedLogP;

impl PenalizedLogP {
    /// The value of one SMILES, or why there is none.
    pub fn score(smiles: &str) -> Outcome {
        match lso_chem::Molecule::from_smiles(smiles) {
            Ok(m) => Outcome::Value(lso_chem::penalized_logp(&m.without_stereo())),
            Err(e) => Outcome::Invalid(format!("{smiles}: {e}")),
        }
    }
}

impl Objective<String> for PenalizedLogP {
    fn evaluate(&mut self, items: &[String]) -> Result<Vec<Outcome>, BoxError> {
        Ok(items.iter().map(|s| Self::score(s)).collect())
    }
}

/// A built chemistry task.
#[derive(Debug, Clone)]
pub struct ChemTask {
    /// The JT-VAE.
    pub model: Jtvae,
    /// Penalized logP.
    pub objective: PenalizedLogP,
    /// Starting molecules and their values.
    pub data: Dataset<String>,
}

impl ChemConfig {
    /// Check the settings without loading anything.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the key (prefixed by `prefix`).
    pub fn check(&self, prefix: &str) -> Result<(), ConfigError> {
        if !(self.decode_time_limit.is_finite() && self.decode_time_limit > 0.0) {
            return Err(ConfigError::new(
                format!("{prefix}decode_time_limit"),
                self.decode_time_limit,
                "must be a positive number of seconds",
            ));
        }
        Ok(())
    }

    /// Load the model onto `device` and score the starting molecules (in parallel).
    ///
    /// # Errors
    /// A [`ConfigError`] naming the key whose file cannot be used.
    pub fn build(&self, prefix: &str, device: &Device) -> Result<ChemTask, ConfigError> {
        self.check(prefix)?;
        let mut model = Jtvae::load(&self.model, device.clone()).map_err(|e| {
            ConfigError::new(
                format!("{prefix}model"),
                self.model.display(),
                e.to_string(),
            )
        })?;
        model.set_decode_options(DecodeOptions {
            time_limit: Duration::from_secs_f64(self.decode_time_limit),
            ..DecodeOptions::default()
        });
        model.set_retrain_settings(lso_jtvae::RetrainSettings {
            max_candidates: (self.retrain_max_candidates > 0)
                .then_some(self.retrain_max_candidates),
            ..*model.retrain_settings()
        });
        let text = std::fs::read_to_string(&self.data).map_err(|e| {
            ConfigError::new(format!("{prefix}data"), self.data.display(), e.to_string())
        })?;
        let mut lines: Vec<String> = text
            .lines()
            .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
            .collect();
        if self.n_data > 0 {
            lines.truncate(self.n_data);
        }
        let scored = lso_core::parallel_map(&lines, |s| PenalizedLogP::score(s));
        let (items, values): (Vec<String>, Vec<f64>) = lines
            .into_iter()
            .zip(scored)
            .filter_map(|(s, o)| o.value().map(|v| (s, v)))
            .unzip();
        if items.is_empty() {
            return Err(ConfigError::new(
                format!("{prefix}data"),
                self.data.display(),
                "holds no valid molecule",
            ));
        }
        let data = Dataset::new(items, values).ok_or_else(|| {
            ConfigError::new(format!("{prefix}data"), self.data.display(), "bad values")
        })?;
        Ok(ChemTask {
            model,
            objective: PenalizedLogP,
            data,
        })
    }
}
