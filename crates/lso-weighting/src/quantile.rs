//! Quantiles with numpy's default (`method="linear"`) semantics.

use crate::{Error, Result};

/// The `q`-quantile of `values`, bit-compatible with `numpy.quantile(values, q)`.
///
/// numpy's default method places the quantile at the virtual index `h = (n - 1) q` of the sorted
/// values and interpolates linearly between the neighbours `a = x[floor(h)]`, `b = x[floor(h) + 1]`
/// with `t = h - floor(h)`, computing `a + (b - a) t` when `t < 0.5` and `b - (b - a)(1 - t)`
/// otherwise (numpy's `_lerp`). This function does the same floating-point operations in the same
/// order, so the baselines' cut-offs match the paper's code.
///
/// # Errors
/// [`Error::Empty`], [`Error::NonFiniteValue`], [`Error::QuantileOutOfRange`].
pub fn quantile(values: &[f64], q: f64) -> Result<f64> {
    if !(0.0..=1.0).contains(&q) {
        return Err(Error::QuantileOutOfRange(q));
    }
    crate::scheme::check_values(values)?;
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    Ok(quantile_sorted(&sorted, q))
}

/// [`quantile`] on values already sorted ascending, all finite, `q` in `[0, 1]`.
pub(crate) fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let n = sorted.len();
    let h = (n - 1) as f64 * q;
    let lo = h.floor();
    let t = h - lo;
    let lo = lo as usize;
    let hi = (lo + 1).min(n - 1);
    let (a, b) = (sorted[lo], sorted[hi]);
    let diff = b - a;
    if t >= 0.5 {
        b - diff * (1.0 - t)
    } else {
        a + diff * t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_hand_computed_values() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(quantile(&v, 0.0).unwrap(), 1.0);
        assert_eq!(quantile(&v, 1.0).unwrap(), 4.0);
        assert_eq!(quantile(&v, 0.5).unwrap(), 2.5);
        assert!((quantile(&v, 0.8).unwrap() - 3.4).abs() < 1e-12);
        assert_eq!(quantile(&[7.0], 0.3).unwrap(), 7.0);
    }

    #[test]
    fn rejects_bad_input() {
        assert_eq!(quantile(&[], 0.5), Err(Error::Empty));
        assert_eq!(quantile(&[1.0], 1.5), Err(Error::QuantileOutOfRange(1.5)));
        assert!(matches!(
            quantile(&[1.0, f64::NAN], 0.5),
            Err(Error::NonFiniteValue { index: 1, .. })
        ));
    }
}
