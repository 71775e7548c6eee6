//! Errors of the surrogates.

/// Result alias of this crate.
pub type Result<T, E = SurrogateError> = std::result::Result<T, E>;

/// What can go wrong when fitting or predicting.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum SurrogateError {
    /// Inputs and targets disagree in length, or the data are empty.
    #[error("{inputs} input rows but {targets} targets")]
    ShapeMismatch {
        /// Input rows.
        inputs: usize,
        /// Targets.
        targets: usize,
    },
    /// A point of the wrong dimension.
    #[error("point of dimension {got}; the model has dimension {expected}")]
    Dimension {
        /// Given.
        got: usize,
        /// Expected.
        expected: usize,
    },
    /// An input or target is NaN or infinite.
    #[error("non-finite value in the {what} at row {row}")]
    NotFinite {
        /// `inputs` or `targets`.
        what: &'static str,
        /// Row.
        row: usize,
    },
    /// The kernel matrix stayed indefinite after the largest jitter.
    #[error("kernel matrix not positive definite after jitter {jitter:e}")]
    NotPositiveDefinite {
        /// The largest jitter tried.
        jitter: f64,
    },
    /// Inducing inputs that are not a non-empty `m x d` row-major block.
    #[error("{len} inducing-input values do not form rows of dimension {d}")]
    InducingShape {
        /// Values given.
        len: usize,
        /// Input dimension.
        d: usize,
    },
    /// Hyperparameter search failed at every restart.
    #[error("hyperparameter optimisation failed: {0}")]
    Fit(String),
}
