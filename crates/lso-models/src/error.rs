//! Errors of the models crate.

use std::path::Path;

/// What can go wrong with a model, its files or its inputs.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The system's reason.
        reason: String,
    },
    /// A model directory or checkpoint that does not fit (version, sizes, content).
    #[error("{path}: {reason}")]
    Checkpoint {
        /// The file.
        path: String,
        /// What does not fit.
        reason: String,
    },
    /// Inputs of the wrong shape, non-finite values or unusable weights.
    #[error("{0}")]
    Input(String),
}

impl ModelError {
    pub(crate) fn io(path: &Path, e: &std::io::Error) -> Self {
        Self::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    }

    pub(crate) fn checkpoint(path: &Path, reason: impl ToString) -> Self {
        Self::Checkpoint {
            path: path.display().to_string(),
            reason: reason.to_string(),
        }
    }
}

impl From<lso_core::TrainDirError> for ModelError {
    fn from(e: lso_core::TrainDirError) -> Self {
        match e {
            lso_core::TrainDirError::Io { path, reason } => Self::Io { path, reason },
            lso_core::TrainDirError::Mismatch { path, reason } => Self::Checkpoint { path, reason },
        }
    }
}
