//! The weighting schemes of the paper and its baselines.

use serde::{Deserialize, Serialize};

use crate::normal::normal_sf;
use crate::quantile::quantile_sorted;
use crate::rank::ranks_descending;
use crate::{Error, Result};

/// A weighting scheme as written in a configuration file, before its parameters are checked.
///
/// In TOML: `scheme = "rank"` with `k = 1e-3` (or `k = inf` for uniform weights),
/// `scheme = "dbas"` with `quantile` and `noise`, `scheme = "cem-pi"` with `quantile`,
/// `scheme = "rwr"` with `alpha`, `scheme = "fb"` with `quantile`, or `scheme = "uniform"`.
/// [`WeightingConfig::check`] turns it into a [`Weighting`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "scheme", rename_all = "kebab-case", deny_unknown_fields)]
pub enum WeightingConfig {
    /// Every point has weight 1.
    Uniform,
    /// `w = 1 / (k N + rank)`, rank 0 for the best point.
    Rank {
        /// Strength: small `k` (1e-3) favours the best points strongly, `k = inf` is uniform.
        k: f64,
    },
    /// Design by adaptive sampling: weight of `y` is `P(N(y, noise²) >= quantile(y, q))`.
    Dbas {
        /// Quantile `q` in `[0, 1]` of the cut-off.
        quantile: f64,
        /// Standard deviation of the observation noise; 0 gives an indicator.
        noise: f64,
    },
    /// Cross-entropy method with probability of improvement: indicator of `y >= quantile(y, q)`.
    CemPi {
        /// Quantile `q` in `[0, 1]` of the cut-off.
        quantile: f64,
    },
    /// Reward-weighted regression: `exp(alpha (y - max y))`, normalised to sum 1.
    Rwr {
        /// Inverse temperature `alpha >= 0`.
        alpha: f64,
    },
    /// Feedback VAE: uniform weights, but only the new points at or above the `q`-quantile of
    /// their batch join the data (see [`Weighting::admit`]).
    Fb {
        /// Quantile `q` in `[0, 1]` of the admission cut-off.
        quantile: f64,
    },
}

impl Default for WeightingConfig {
    fn default() -> Self {
        Self::Rank { k: 1e-3 }
    }
}

impl WeightingConfig {
    /// Check the parameters and return the usable scheme.
    ///
    /// # Errors
    /// [`Error::NonPositiveK`], [`Error::QuantileOutOfRange`], [`Error::InvalidNoise`],
    /// [`Error::InvalidAlpha`].
    pub fn check(self) -> Result<Weighting> {
        let check_q = |q: f64| {
            if (0.0..=1.0).contains(&q) {
                Ok(())
            } else {
                Err(Error::QuantileOutOfRange(q))
            }
        };
        match self {
            Self::Uniform => {}
            Self::Rank { k } => {
                if k.is_nan() || k <= 0.0 {
                    return Err(Error::NonPositiveK(k));
                }
            }
            Self::Dbas { quantile, noise } => {
                check_q(quantile)?;
                if !noise.is_finite() || noise < 0.0 {
                    return Err(Error::InvalidNoise(noise));
                }
            }
            Self::CemPi { quantile } | Self::Fb { quantile } => check_q(quantile)?,
            Self::Rwr { alpha } => {
                if !alpha.is_finite() || alpha < 0.0 {
                    return Err(Error::InvalidAlpha(alpha));
                }
            }
        }
        Ok(Weighting(self))
    }
}

/// A checked weighting scheme; build it with [`WeightingConfig::check`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weighting(WeightingConfig);

impl Weighting {
    /// The scheme's parameters.
    pub fn config(&self) -> WeightingConfig {
        self.0
    }

    /// Weight of every point, given all objective values so far (larger is better).
    ///
    /// Semantics, as in the paper's code:
    /// * uniform and fb: all 1;
    /// * rank: `1 / (k N + rank)`, ranks from [`ranks_descending`] (ties: earlier index first);
    ///   `k = inf` gives all 1;
    /// * dbas: `y* = quantile(y, q)`; with noise 0 the indicator `y >= y*`, otherwise the normal
    ///   survival function `P(N(y, noise²) > y*)`;
    /// * cem-pi: the indicator `y >= quantile(y, q)`;
    /// * rwr: `exp(alpha (y - max y)) / sum`.
    ///
    /// Quantiles are numpy's linear ones ([`crate::quantile`]). The weights are finite, `>= 0`,
    /// and at least one is positive.
    ///
    /// # Errors
    /// [`Error::Empty`] and [`Error::NonFiniteValue`] (an invalid point must be given a finite
    /// value, such as the task's invalid score, before weighting).
    pub fn weights(&self, values: &[f64]) -> Result<Vec<f64>> {
        check_values(values)?;
        let n = values.len();
        Ok(match self.0 {
            WeightingConfig::Uniform | WeightingConfig::Fb { .. } => vec![1.0; n],
            WeightingConfig::Rank { k } if k.is_infinite() => vec![1.0; n],
            WeightingConfig::Rank { k } => {
                let offset = k * n as f64;
                ranks_descending(values)?
                    .into_iter()
                    .map(|rank| 1.0 / (offset + rank as f64))
                    .collect()
            }
            WeightingConfig::Dbas { quantile, noise } => {
                let cutoff = sorted_quantile(values, quantile);
                if noise == 0.0 {
                    indicator(values, cutoff)
                } else {
                    values
                        .iter()
                        .map(|&y| normal_sf(cutoff, y, noise))
                        .collect()
                }
            }
            WeightingConfig::CemPi { quantile } => {
                indicator(values, sorted_quantile(values, quantile))
            }
            WeightingConfig::Rwr { alpha } => {
                let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let raw: Vec<f64> = values.iter().map(|y| (alpha * (y - max)).exp()).collect();
                let total: f64 = raw.iter().sum();
                raw.into_iter().map(|w| w / total).collect()
            }
        })
    }

    /// Which of a batch of newly evaluated points join the training data.
    ///
    /// The feedback VAE (fb) admits only the new points whose value is at or above the
    /// `q`-quantile of the new batch's values; every other scheme admits all of them.
    ///
    /// # Errors
    /// [`Error::NonFiniteValue`]. An empty batch admits nothing and is not an error.
    pub fn admit(&self, new_values: &[f64]) -> Result<Vec<bool>> {
        if new_values.is_empty() {
            return Ok(Vec::new());
        }
        check_values(new_values)?;
        Ok(match self.0 {
            WeightingConfig::Fb { quantile } => {
                let cutoff = sorted_quantile(new_values, quantile);
                new_values.iter().map(|&y| y >= cutoff).collect()
            }
            _ => vec![true; new_values.len()],
        })
    }
}

/// Check that values are non-empty and finite.
pub(crate) fn check_values(values: &[f64]) -> Result<()> {
    if values.is_empty() {
        return Err(Error::Empty);
    }
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(Error::NonFiniteValue {
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

fn sorted_quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    quantile_sorted(&sorted, q)
}

fn indicator(values: &[f64], cutoff: f64) -> Vec<f64> {
    values
        .iter()
        .map(|&y| if y >= cutoff { 1.0 } else { 0.0 })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_bad_parameter_has_its_error() {
        assert_eq!(
            WeightingConfig::Rank { k: 0.0 }.check(),
            Err(Error::NonPositiveK(0.0))
        );
        assert!(matches!(
            WeightingConfig::Rank { k: f64::NAN }.check(),
            Err(Error::NonPositiveK(_))
        ));
        assert_eq!(
            WeightingConfig::CemPi { quantile: -0.1 }.check(),
            Err(Error::QuantileOutOfRange(-0.1))
        );
        assert_eq!(
            WeightingConfig::Dbas {
                quantile: 0.5,
                noise: -1.0
            }
            .check(),
            Err(Error::InvalidNoise(-1.0))
        );
        assert_eq!(
            WeightingConfig::Rwr {
                alpha: f64::INFINITY
            }
            .check(),
            Err(Error::InvalidAlpha(f64::INFINITY))
        );
        assert!(WeightingConfig::Rank { k: f64::INFINITY }.check().is_ok());
    }

    #[test]
    fn fb_admits_the_top_of_the_new_batch() {
        let fb = WeightingConfig::Fb { quantile: 0.5 }.check().unwrap();
        assert_eq!(
            fb.admit(&[1.0, 4.0, 2.0, 3.0]).unwrap(),
            vec![false, true, false, true]
        );
        assert_eq!(fb.weights(&[1.0, 2.0]).unwrap(), vec![1.0, 1.0]);
        let rank = WeightingConfig::Rank { k: 1.0 }.check().unwrap();
        assert_eq!(rank.admit(&[1.0, 4.0]).unwrap(), vec![true, true]);
    }

    #[test]
    fn toml_round_trip() {
        let parsed: WeightingConfig =
            serde_json::from_str(r#"{"scheme":"cem-pi","quantile":0.8}"#).unwrap();
        assert_eq!(parsed, WeightingConfig::CemPi { quantile: 0.8 });
    }
}
