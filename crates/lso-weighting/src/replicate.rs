//! Normalisation to mean 1 and variance reduction by replication.

use crate::{Error, Result};

/// Scale weights so that their mean is 1.
///
/// # Errors
/// [`Error::Empty`], [`Error::InvalidWeight`] for a negative or non-finite weight, and
/// [`Error::ZeroTotalWeight`] when every weight is zero.
pub fn normalise_mean_one(weights: &[f64]) -> Result<Vec<f64>> {
    check_weights(weights)?;
    let total: f64 = weights.iter().sum();
    if total <= 0.0 {
        return Err(Error::ZeroTotalWeight { n: weights.len() });
    }
    let scale = weights.len() as f64 / total;
    Ok(weights.iter().map(|w| w * scale).collect())
}

/// Weighted data after variance reduction by replication: row `j` is a copy of input point
/// `indices[j]` with weight `weights[j]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Replicated {
    /// Index of the original point of each copy, in input order.
    pub indices: Vec<usize>,
    /// Weight of each copy, in `(0, 1]`.
    pub weights: Vec<f64>,
}

impl Replicated {
    /// Number of copies.
    pub fn len(&self) -> usize {
        self.indices.len()
    }

    /// True when there are no copies.
    pub fn is_empty(&self) -> bool {
        self.indices.is_empty()
    }
}

/// Reduce the variance of a weighted loss by replicating heavy points, as the paper's expression
/// task does before training with per-sample weights.
///
/// The weights are first normalised to mean 1 ([`normalise_mean_one`]). Then each point with
/// weight `w > 0` becomes copies of weight 1 while `w > 1` (subtracting 1 each time), followed by
/// one copy with what remains; points of weight 0 are dropped. So `w = 2.5` gives `1, 1, 0.5`,
/// `w = 2` gives `1, 1` (no zero-weight copy) and `w = 0.3` gives `0.3`. Each point's total weight
/// is preserved up to the rounding of the repeated subtraction. Copies are in input order.
///
/// # Errors
/// As [`normalise_mean_one`].
pub fn replicate(weights: &[f64]) -> Result<Replicated> {
    let normalised = normalise_mean_one(weights)?;
    let mut out = Replicated {
        indices: Vec::with_capacity(weights.len()),
        weights: Vec::with_capacity(weights.len()),
    };
    for (i, mut w) in normalised.into_iter().enumerate() {
        if w == 0.0 {
            continue;
        }
        while w > 1.0 {
            out.indices.push(i);
            out.weights.push(1.0);
            w -= 1.0;
        }
        out.indices.push(i);
        out.weights.push(w);
    }
    Ok(out)
}

/// Check that weights are non-empty, finite and non-negative.
pub(crate) fn check_weights(weights: &[f64]) -> Result<()> {
    if weights.is_empty() {
        return Err(Error::Empty);
    }
    match weights.iter().position(|w| !w.is_finite() || *w < 0.0) {
        Some(index) => Err(Error::InvalidWeight {
            index,
            value: weights[index],
        }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replicates_as_the_official_loop() {
        // mean of [5, 4, 0, 0.6, 0.4] is 2, so normalised: [2.5, 2, 0, 0.3, 0.2]
        let r = replicate(&[5.0, 4.0, 0.0, 0.6, 0.4]).unwrap();
        assert_eq!(r.indices, vec![0, 0, 0, 1, 1, 3, 4]);
        let expect = [1.0, 1.0, 0.5, 1.0, 1.0, 0.3, 0.2];
        for (a, b) in r.weights.iter().zip(expect) {
            assert!((a - b).abs() < 1e-12, "{a} vs {b}");
        }
    }

    #[test]
    fn errors_name_the_bad_weight() {
        assert_eq!(
            normalise_mean_one(&[1.0, -2.0]),
            Err(Error::InvalidWeight {
                index: 1,
                value: -2.0
            })
        );
        assert_eq!(
            normalise_mean_one(&[0.0, 0.0]),
            Err(Error::ZeroTotalWeight { n: 2 })
        );
        assert_eq!(replicate(&[]), Err(Error::Empty));
    }
}
