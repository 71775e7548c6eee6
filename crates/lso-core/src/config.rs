//! Settings of the loop.

use lso_weighting::{Weighting, WeightingConfig};
use serde::{Deserialize, Serialize};

/// How the surrogate's training points are chosen each round: the `n_best` best points of the
/// data plus `n_random` others drawn at random (the paper: 2,000 + 8,000 for molecules,
/// 1,000 + 4,000 for expressions). With fewer points than that, all are used.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SurrogateDataConfig {
    /// Number of best points.
    pub n_best: usize,
    /// Number of further random points.
    pub n_random: usize,
}

impl Default for SurrogateDataConfig {
    fn default() -> Self {
        Self {
            n_best: 2000,
            n_random: 8000,
        }
    }
}

/// The loop's settings as written in a run's config (`[loop]` in TOML); see the field docs.
/// [`LoopConfig::check`] validates them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LoopConfig {
    /// Seed of every random stream of the run.
    pub seed: u64,
    /// Query budget `B`: number of objective evaluations of the run.
    pub budget: usize,
    /// Retraining period `r`: queries per round. The paper writes `1000000` for "never retrain
    /// after the initial retraining".
    pub retrain_every: usize,
    /// Epochs of retraining before the first round (`n_init_retrain_epochs`); 0 skips it.
    pub initial_retrain_epochs: f64,
    /// Epochs of retraining at the start of every later round (`n_retrain_epochs`); a fraction
    /// below 1 is that fraction of one epoch; 0 skips it.
    pub retrain_epochs: f64,
    /// Prior samples decoded and scored after each retraining, for logging only.
    pub samples_per_model: usize,
    /// Value given to invalid points for weighting and the surrogate (the paper: -4 for
    /// molecules); also the floor of the surrogate's targets.
    pub invalid_score: f64,
    /// How the surrogate's training points are chosen.
    pub surrogate_data: SurrogateDataConfig,
    /// The weighting of the data for retraining.
    pub weighting: WeightingConfig,
}

impl Default for LoopConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            budget: 500,
            retrain_every: 50,
            initial_retrain_epochs: 1.0,
            retrain_epochs: 0.1,
            samples_per_model: 0,
            invalid_score: -4.0,
            surrogate_data: SurrogateDataConfig::default(),
            weighting: WeightingConfig::default(),
        }
    }
}

/// A setting that is not allowed, named by its key in the config file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid config: `{key}` = {value}: {reason}")]
pub struct ConfigError {
    /// Dotted key, e.g. `loop.budget`.
    pub key: String,
    /// The value given.
    pub value: String,
    /// Why it is refused.
    pub reason: String,
}

impl ConfigError {
    /// A new error for `key` = `value` (a value longer than 100 characters is shown by its
    /// start and its length).
    pub fn new(key: impl Into<String>, value: impl ToString, reason: impl Into<String>) -> Self {
        let mut value = value.to_string();
        if value.chars().count() > 100 {
            let len = value.len();
            value = format!(
                "{}... ({len} bytes)",
                value.chars().take(100).collect::<String>()
            );
        }
        Self {
            key: key.into(),
            value,
            reason: reason.into(),
        }
    }
}

/// Most queries a run may have (`loop.budget`).
pub const MAX_BUDGET: usize = 10_000_000;
/// Most epochs of one retraining (`loop.initial_retrain_epochs`, `loop.retrain_epochs`).
pub const MAX_EPOCHS: f64 = 10_000.0;
/// Most prior samples logged per model version (`loop.samples_per_model`).
pub const MAX_SAMPLES_PER_MODEL: usize = 1_000_000;

/// Checked loop settings; build them with [`LoopConfig::check`].
#[derive(Debug, Clone, PartialEq)]
pub struct LoopSettings {
    config: LoopConfig,
    weighting: Weighting,
}

impl LoopConfig {
    /// Validate every setting. Keys in errors are prefixed with `prefix` (e.g. `"loop."`).
    ///
    /// # Errors
    /// The first [`ConfigError`] found.
    pub fn check(self, prefix: &str) -> Result<LoopSettings, ConfigError> {
        let key = |k: &str| format!("{prefix}{k}");
        if self.budget == 0 || self.budget > MAX_BUDGET {
            return Err(ConfigError::new(
                key("budget"),
                self.budget,
                format!("the query budget must be between 1 and {MAX_BUDGET}"),
            ));
        }
        if self.samples_per_model > MAX_SAMPLES_PER_MODEL {
            return Err(ConfigError::new(
                key("samples_per_model"),
                self.samples_per_model,
                format!("must be at most {MAX_SAMPLES_PER_MODEL}"),
            ));
        }
        if self.retrain_every == 0 {
            return Err(ConfigError::new(
                key("retrain_every"),
                0,
                "must be at least 1 query per round",
            ));
        }
        for (name, epochs) in [
            ("initial_retrain_epochs", self.initial_retrain_epochs),
            ("retrain_epochs", self.retrain_epochs),
        ] {
            if !(0.0..=MAX_EPOCHS).contains(&epochs) {
                return Err(ConfigError::new(
                    key(name),
                    epochs,
                    format!("epochs must be between 0 and {MAX_EPOCHS}"),
                ));
            }
        }
        if !self.invalid_score.is_finite() {
            return Err(ConfigError::new(
                key("invalid_score"),
                self.invalid_score,
                "must be finite",
            ));
        }
        let weighting = self.weighting.check().map_err(|e| {
            use lso_weighting::Error as E;
            let (field, value) = match e {
                E::NonPositiveK(v) => ("k", v),
                E::QuantileOutOfRange(v) => ("quantile", v),
                E::InvalidNoise(v) => ("noise", v),
                E::InvalidAlpha(v) => ("alpha", v),
                _ => ("scheme", f64::NAN),
            };
            ConfigError::new(key(&format!("weighting.{field}")), value, e.to_string())
        })?;
        Ok(LoopSettings {
            config: self,
            weighting,
        })
    }
}

impl LoopSettings {
    /// The settings as given.
    pub fn config(&self) -> &LoopConfig {
        &self.config
    }

    /// The checked weighting scheme.
    pub fn weighting(&self) -> &Weighting {
        &self.weighting
    }

    /// Number of rounds, `ceil(B / r)`.
    pub fn n_rounds(&self) -> usize {
        self.config.budget.div_ceil(self.config.retrain_every)
    }

    /// Index of the first query of `round`.
    pub fn first_query(&self, round: usize) -> usize {
        round
            .saturating_mul(self.config.retrain_every)
            .min(self.config.budget)
    }

    /// Retraining epochs at the start of `round`.
    pub fn epochs(&self, round: usize) -> f64 {
        if round == 0 {
            self.config.initial_retrain_epochs
        } else {
            self.config.retrain_epochs
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_rule_names_its_key() {
        let bad = |f: fn(&mut LoopConfig)| {
            let mut c = LoopConfig::default();
            f(&mut c);
            c.check("loop.").unwrap_err().key
        };
        assert_eq!(bad(|c| c.budget = 0), "loop.budget");
        assert_eq!(bad(|c| c.retrain_every = 0), "loop.retrain_every");
        assert_eq!(bad(|c| c.retrain_epochs = -1.0), "loop.retrain_epochs");
        assert_eq!(
            bad(|c| c.initial_retrain_epochs = f64::NAN),
            "loop.initial_retrain_epochs"
        );
        assert_eq!(
            bad(|c| c.invalid_score = f64::INFINITY),
            "loop.invalid_score"
        );
        assert_eq!(
            bad(|c| c.weighting = WeightingConfig::Rank { k: -1.0 }),
            "loop.weighting.k"
        );
        assert_eq!(
            bad(|c| c.weighting = WeightingConfig::CemPi { quantile: 2.0 }),
            "loop.weighting.quantile"
        );
        // absurd sizes that used to overflow, abort or run for ever
        assert_eq!(bad(|c| c.budget = usize::MAX), "loop.budget");
        assert_eq!(
            bad(|c| c.samples_per_model = usize::MAX),
            "loop.samples_per_model"
        );
        assert_eq!(
            bad(|c| c.initial_retrain_epochs = 1e30),
            "loop.initial_retrain_epochs"
        );
    }

    #[test]
    fn a_huge_retraining_period_does_not_overflow_and_long_values_are_cut() {
        let c = LoopConfig {
            budget: MAX_BUDGET,
            retrain_every: usize::MAX,
            ..LoopConfig::default()
        };
        let s = c.check("loop.").expect("valid");
        assert_eq!(s.n_rounds(), 1);
        assert_eq!(s.first_query(1), MAX_BUDGET);
        let e = ConfigError::new("task.model", "x".repeat(10_000_000), "missing");
        assert!(e.to_string().len() < 300, "{}", e.to_string().len());
        assert!(e.value.ends_with("(10000000 bytes)"), "{}", e.value);
    }

    #[test]
    fn rounds_follow_the_official_schedule() {
        let mut c = LoopConfig {
            budget: 500,
            retrain_every: 50,
            ..LoopConfig::default()
        };
        assert_eq!(c.clone().check("").unwrap().n_rounds(), 10);
        c.retrain_every = 1_000_000;
        let s = c.clone().check("").unwrap();
        assert_eq!(s.n_rounds(), 1);
        assert_eq!(s.epochs(0), 1.0);
        c.budget = 7;
        c.retrain_every = 3;
        let s = c.check("").unwrap();
        assert_eq!(s.n_rounds(), 3);
        assert_eq!((s.first_query(2), s.first_query(3)), (6, 7));
        assert_eq!(s.epochs(1), 0.1);
    }
}
