//! Errors of the optimisers.

/// Result alias of this crate.
pub type Result<T, E = OptimError> = std::result::Result<T, E>;

/// What can go wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum OptimError {
    /// Bounds and start point disagree in dimension, or a lower bound exceeds its upper bound.
    #[error("bounds: {0}")]
    Bounds(String),
    /// The objective returned a non-finite value or gradient at the start point.
    #[error("objective is not finite at the start point (value {value})")]
    NotFinite {
        /// The value.
        value: f64,
    },
    /// The surrogate failed.
    #[error("surrogate: {0}")]
    Surrogate(String),
}
