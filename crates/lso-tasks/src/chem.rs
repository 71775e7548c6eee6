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
    /// Most work per decoded molecule ([`lso_jtvae::DecodeOptions::work_limit`], a count of
    /// sanitisation work, so the outcome does not depend on the machine); past it the query
    /// is invalid.
    pub decode_work_limit: u64,
    /// The wall-clock limit (seconds) that the work limit replaced. Read only so that the
    /// stored configs of runs made with it (all with the then default, 20 s) still load; any
    /// other value is refused, and it is never written.
    #[serde(skip_serializing)]
    pub decode_time_limit: Option<f64>,
    /// Most candidate attachments scored in one molecule's assembly loss when retraining (0:
    /// all of them, the paper's loss). See [`lso_jtvae::RetrainSettings::max_candidates`]:
    /// a departure from the paper that makes retraining on the optimiser's fused aromatic
    /// sheets affordable on a CPU. Left out of a written config when 0, so the configs of
    /// runs made before it existed still match.
    #[serde(skip_serializing_if = "is_zero")]
    pub retrain_max_candidates: usize,
    /// Attach the tree nodes still open when the decoder's step budget runs out to their
    /// fathers ([`lso_jtvae::DecodeOptions::attach_open_branches`]); `false`, the default,
    /// leaves them out of the molecule, as the official decoder does. Set, the decoder builds
    /// 100-node fused aromatic sheets at the latent box's corners (docs/chem-task.md).
    pub attach_open_branches: bool,
}

impl Default for ChemConfig {
    fn default() -> Self {
        Self {
            data: PathBuf::from("data/zinc/zinc_subset.txt"),
            n_data: 0,
            model: PathBuf::from(SHIPPED_MODEL),
            decode_work_limit: lso_jtvae::DEFAULT_WORK_LIMIT,
            decode_time_limit: None,
            retrain_max_candidates: 0,
            attach_open_branches: false,
        }
    }
}

/// The only value [`ChemConfig::decode_time_limit`] ever had in a written config.
const LEGACY_TIME_LIMIT: f64 = 20.0;

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
        if self.decode_work_limit == 0 {
            return Err(ConfigError::new(
                format!("{prefix}decode_work_limit"),
                self.decode_work_limit,
                "must be positive",
            ));
        }
        match self.decode_time_limit {
            Some(seconds) if seconds != LEGACY_TIME_LIMIT => Err(ConfigError::new(
                format!("{prefix}decode_time_limit"),
                seconds,
                "is no longer used: decoding is bounded by decode_work_limit, a count of \
                 work that gives the same outcome on any machine (a stored config \
                 of an earlier run may keep its default, 20)",
            )),
            _ => Ok(()),
        }
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
            work_limit: self.decode_work_limit,
            attach_open_branches: self.attach_open_branches,
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

#[cfg(test)]
mod tests {
    use super::ChemConfig;

    #[test]
    fn configs_stored_with_the_wall_clock_limit_read_as_the_default_work_limit() {
        let stored: ChemConfig = toml::from_str("decode_time_limit = 20.0\n").unwrap();
        assert!(stored.check("task.").is_ok());
        // written back without the old key and with the default work limit: the form a run
        // made with the wall-clock limit is compared in, so it equals today's default config
        let written = toml::to_string(&stored).unwrap();
        assert!(!written.contains("decode_time_limit"), "{written}");
        assert_eq!(written, toml::to_string(&ChemConfig::default()).unwrap());
        assert!(written.contains(&format!(
            "decode_work_limit = {}",
            lso_jtvae::DEFAULT_WORK_LIMIT
        )));
    }

    #[test]
    fn a_time_limit_other_than_the_old_default_and_a_zero_work_limit_are_refused() {
        let other: ChemConfig = toml::from_str("decode_time_limit = 5.0\n").unwrap();
        let err = other.check("task.").unwrap_err().to_string();
        assert!(
            err.contains("task.decode_time_limit") && err.contains("decode_work_limit"),
            "{err}"
        );
        let zero: ChemConfig = toml::from_str("decode_work_limit = 0\n").unwrap();
        let err = zero.check("task.").unwrap_err().to_string();
        assert!(err.contains("task.decode_work_limit"), "{err}");
    }
}
