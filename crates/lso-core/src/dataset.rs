//! The data the loop trains on.

/// Items with their objective values; the generative model retrains on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Dataset<T> {
    /// The items.
    pub items: Vec<T>,
    /// Objective value of each item (finite; invalid items carry the run's invalid score).
    pub values: Vec<f64>,
}

impl<T> Dataset<T> {
    /// A dataset from items and values of equal length.
    ///
    /// # Panics
    /// Never; returns `None` when the lengths differ or a value is not finite.
    pub fn new(items: Vec<T>, values: Vec<f64>) -> Option<Self> {
        (items.len() == values.len() && values.iter().all(|v| v.is_finite()))
            .then_some(Self { items, values })
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True without points.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Add one point.
    pub fn push(&mut self, item: T, value: f64) {
        self.items.push(item);
        self.values.push(value);
    }
}
