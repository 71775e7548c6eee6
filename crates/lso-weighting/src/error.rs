//! Errors of the weighting crate.

/// Result alias of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong when computing or using weights.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The objective values or weights were empty.
    #[error("no values given: weights need at least one point")]
    Empty,
    /// An objective value is NaN or infinite.
    #[error("objective value at index {index} is {value}: values must be finite")]
    NonFiniteValue {
        /// Position of the offending value.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// A weight is negative, NaN or infinite.
    #[error("weight at index {index} is {value}: weights must be finite and >= 0")]
    InvalidWeight {
        /// Position of the offending weight.
        index: usize,
        /// The offending weight.
        value: f64,
    },
    /// All weights are zero, so nothing can be normalised or sampled.
    #[error("all {n} weights are zero")]
    ZeroTotalWeight {
        /// Number of weights.
        n: usize,
    },
    /// Rank weighting needs `k > 0` (`k = inf` gives uniform weights).
    #[error("rank weighting k = {0}: k must be > 0 (use inf for uniform weights)")]
    NonPositiveK(f64),
    /// A quantile outside `[0, 1]`.
    #[error("quantile {0}: must be in [0, 1]")]
    QuantileOutOfRange(f64),
    /// DbAS noise must be finite and `>= 0`.
    #[error("DbAS noise {0}: must be finite and >= 0")]
    InvalidNoise(f64),
    /// RWR alpha must be finite and `>= 0`.
    #[error("RWR alpha {0}: must be finite and >= 0")]
    InvalidAlpha(f64),
}
