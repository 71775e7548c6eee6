//! Errors of the loop.

use crate::record::RecordError;

/// The error type components return through the loop's traits.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What stopped a run. Component errors are kept as the source.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RunError {
    /// Computing the weights of the data failed.
    #[error("weighting the data of round {round}")]
    Weighting {
        /// Round index.
        round: usize,
        /// Cause.
        #[source]
        source: lso_weighting::Error,
    },
    /// The generative model failed to retrain.
    #[error("retraining the generative model in round {round}")]
    Retrain {
        /// Round index.
        round: usize,
        /// Cause.
        #[source]
        source: BoxError,
    },
    /// Saving or loading a model checkpoint failed.
    #[error("model checkpoint of round {round}")]
    Checkpoint {
        /// Round index.
        round: usize,
        /// Cause.
        #[source]
        source: BoxError,
    },
    /// Encoding the data failed as a whole (single items may fail without stopping the run).
    #[error("encoding the data in round {round}")]
    Encode {
        /// Round index.
        round: usize,
        /// Cause.
        #[source]
        source: BoxError,
    },
    /// The proposer failed.
    #[error("proposing latent points for query {query} (round {round})")]
    Propose {
        /// Round index.
        round: usize,
        /// First query index of the proposal.
        query: usize,
        /// Cause.
        #[source]
        source: BoxError,
    },
    /// The proposer returned an array of the wrong shape.
    #[error(
        "proposer returned a {rows}x{cols} array for query {query}; expected {expected_rows}x{expected_cols}"
    )]
    ProposalShape {
        /// First query index of the proposal.
        query: usize,
        /// Rows returned.
        rows: usize,
        /// Columns returned.
        cols: usize,
        /// Rows asked for.
        expected_rows: usize,
        /// Latent dimension.
        expected_cols: usize,
    },
    /// Decoding failed as a whole (single points may decode to invalid without stopping the run).
    #[error("decoding latent points for query {query} (round {round})")]
    Decode {
        /// Round index.
        round: usize,
        /// First query index of the batch.
        query: usize,
        /// Cause.
        #[source]
        source: BoxError,
    },
    /// The objective failed as a whole.
    #[error("evaluating the objective for query {query} (round {round})")]
    Evaluate {
        /// Round index.
        round: usize,
        /// First query index of the batch.
        query: usize,
        /// Cause.
        #[source]
        source: BoxError,
    },
    /// A component returned a batch of the wrong length.
    #[error("{component} returned {got} results for a batch of {expected}")]
    BatchLength {
        /// Which component.
        component: &'static str,
        /// Results returned.
        got: usize,
        /// Batch size.
        expected: usize,
    },
    /// The objective returned a non-finite value instead of [`crate::Outcome::Invalid`].
    #[error(
        "objective returned {value} for query {query}; return Outcome::Invalid for invalid items"
    )]
    NonFiniteValue {
        /// Query index.
        query: usize,
        /// The value.
        value: f64,
    },
    /// Reading or writing the run directory failed.
    #[error(transparent)]
    Record(#[from] RecordError),
}
