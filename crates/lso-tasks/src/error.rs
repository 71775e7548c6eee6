//! Errors of the tasks.

/// A task could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TaskError {
    /// A setting is not allowed.
    #[error(transparent)]
    Config(#[from] lso_core::ConfigError),
    /// The run failed.
    #[error(transparent)]
    Run(#[from] lso_core::RunError),
    /// The config could not be read or parsed.
    #[error("{0}")]
    Parse(String),
}
