//! Weighted sampling with replacement (Walker / Vose alias method).

use rand::distr::Distribution;
use rand::{Rng, RngExt};

use crate::replicate::check_weights;
use crate::{Error, Result};

/// Draws point indices with probability proportional to their weights, with replacement.
///
/// This is what PyTorch's `WeightedRandomSampler(weights, num_samples=N, replacement=True)` does in
/// the paper's shapes and molecule tasks: each epoch draws `N` indices, so heavy points appear
/// several times and zero-weight points never. Built once in `O(n)` (Vose's alias table), each draw
/// costs `O(1)`: one uniform column and one uniform coin. The same generator state gives the same
/// draws.
///
/// ```
/// use rand::distr::Distribution;
/// use rand::SeedableRng;
/// let sampler = lso_weighting::WeightedSampler::new(&[0.0, 1.0, 3.0])?;
/// let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
/// let draws: Vec<usize> = (0..1000).map(|_| sampler.sample(&mut rng)).collect();
/// assert!(draws.iter().all(|&i| i != 0));
/// # Ok::<(), lso_weighting::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct WeightedSampler {
    /// Probability of keeping the column's own index.
    keep: Vec<f64>,
    /// Index used when the column's own index is not kept.
    alias: Vec<usize>,
}

impl WeightedSampler {
    /// Build the alias table of `weights` (finite, `>= 0`, not all zero).
    ///
    /// # Errors
    /// [`Error::Empty`], [`Error::InvalidWeight`], [`Error::ZeroTotalWeight`].
    pub fn new(weights: &[f64]) -> Result<Self> {
        check_weights(weights)?;
        let n = weights.len();
        let total: f64 = weights.iter().sum();
        if total <= 0.0 {
            return Err(Error::ZeroTotalWeight { n });
        }
        let mut scaled: Vec<f64> = weights.iter().map(|w| w * n as f64 / total).collect();
        let mut keep = vec![1.0; n];
        let mut alias: Vec<usize> = (0..n).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&i| scaled[i] < 1.0);
        while let (Some(&s), Some(&l)) = (small.last(), large.last()) {
            small.pop();
            keep[s] = scaled[s];
            alias[s] = l;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Whatever is left is 1 up to rounding: keep its own index always.
        for i in small.into_iter().chain(large) {
            keep[i] = 1.0;
        }
        // A zero-weight column must never be kept, even after rounding.
        for (i, w) in weights.iter().enumerate() {
            if *w == 0.0 {
                keep[i] = 0.0;
            }
        }
        Ok(Self { keep, alias })
    }

    /// Number of points the sampler draws from.
    pub fn len(&self) -> usize {
        self.keep.len()
    }

    /// Always false: a sampler has at least one point.
    pub fn is_empty(&self) -> bool {
        self.keep.is_empty()
    }

    /// Draw `n` indices with replacement.
    pub fn sample_n<R: Rng + ?Sized>(&self, n: usize, rng: &mut R) -> Vec<usize> {
        (0..n).map(|_| self.sample(rng)).collect()
    }
}

impl Distribution<usize> for WeightedSampler {
    fn sample<R: Rng + ?Sized>(&self, rng: &mut R) -> usize {
        let column = rng.random_range(0..self.keep.len());
        let coin: f64 = rng.random();
        if coin < self.keep[column] {
            column
        } else {
            self.alias[column]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn frequencies_follow_the_weights() {
        let weights = [1.0, 0.0, 2.0, 7.0];
        let sampler = WeightedSampler::new(&weights).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let n = 200_000;
        let mut counts = [0usize; 4];
        for i in sampler.sample_n(n, &mut rng) {
            counts[i] += 1;
        }
        assert_eq!(counts[1], 0);
        for (c, w) in counts.iter().zip(weights) {
            let expected = n as f64 * w / 10.0;
            // 5 standard deviations of a binomial count
            let sd = (n as f64 * w / 10.0 * (1.0 - w / 10.0)).sqrt();
            assert!(
                (*c as f64 - expected).abs() <= 5.0 * sd + 1e-9,
                "{counts:?}"
            );
        }
    }

    #[test]
    fn rejects_all_zero() {
        assert_eq!(
            WeightedSampler::new(&[0.0, 0.0]).unwrap_err(),
            Error::ZeroTotalWeight { n: 2 }
        );
    }
}
