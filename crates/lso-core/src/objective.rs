//! The black-box objective.

use crate::BoxError;

/// The result of evaluating one item.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// A finite objective value (larger is better).
    Value(f64),
    /// The item could not be scored; the reason is recorded.
    Invalid(String),
}

impl Outcome {
    /// The value, or `None` when invalid.
    pub fn value(&self) -> Option<f64> {
        match self {
            Self::Value(v) => Some(*v),
            Self::Invalid(_) => None,
        }
    }
}

/// The expensive black box being maximised.
///
/// The loop records every outcome durably before it goes on, and never evaluates a recorded query
/// again after a resume.
pub trait Objective<T> {
    /// Evaluate a batch; one [`Outcome`] per item, in order.
    ///
    /// # Errors
    /// Only for failures of the whole batch (the evaluator crashed, a file could not be read);
    /// an item that cannot be scored is an [`Outcome::Invalid`], not an error.
    fn evaluate(&mut self, items: &[T]) -> Result<Vec<Outcome>, BoxError>;
}
