//! Errors of the JT-VAE crate.

/// What can go wrong with junction trees and vocabularies.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum JtvaeError {
    /// The molecule could not be read or kekulised.
    #[error(transparent)]
    Chem(#[from] lso_chem::SanitizeError),
    /// A cluster's fragment is not a valid molecule on its own.
    #[error("cluster {cluster:?} does not form a valid molecule: {reason}")]
    Cluster {
        /// The cluster's atoms.
        cluster: Vec<usize>,
        /// Why.
        reason: String,
    },
    /// A cluster label is not in the vocabulary.
    #[error("cluster {label} is not in the vocabulary")]
    NotInVocabulary {
        /// The label.
        label: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// A checkpoint or model directory is unusable.
    #[error("checkpoint {path}: {reason}")]
    Checkpoint {
        /// The file or directory.
        path: String,
        /// Why.
        reason: String,
    },
    /// Retraining weights are unusable.
    #[error("retraining weights: {reason}")]
    Weights {
        /// Why.
        reason: String,
    },
    /// A vocabulary line could not be read.
    #[error("vocabulary line {line}: {reason}")]
    Vocabulary {
        /// 1-based line number.
        line: usize,
        /// Why.
        reason: String,
    },
}

impl From<lso_core::TrainDirError> for JtvaeError {
    fn from(e: lso_core::TrainDirError) -> Self {
        match e {
            lso_core::TrainDirError::Io { path, reason } => Self::Io { path, reason },
            lso_core::TrainDirError::Mismatch { path, reason } => Self::Checkpoint { path, reason },
        }
    }
}
