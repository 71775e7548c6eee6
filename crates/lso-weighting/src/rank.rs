//! Ranks of objective values in descending order.

use crate::Result;

/// 0-based rank of every value in descending order: the largest value has rank 0.
///
/// This is numpy's `argsort(argsort(-y))` with a stable sort: equal values keep their input order,
/// so among ties the point with the **smaller index gets the smaller rank** (the larger weight).
/// `-0.0` and `0.0` are equal, as in numpy.
///
/// Runs in `O(n log n)`: one sort of `(key, index)` pairs packed into `u128`, where the key is an
/// order-preserving integer image of the value.
///
/// # Errors
/// [`crate::Error::Empty`] and [`crate::Error::NonFiniteValue`].
///
/// ```
/// assert_eq!(lso_weighting::ranks_descending(&[1.0, 5.0, 1.0, 3.0])?, vec![2, 0, 3, 1]);
/// # Ok::<(), lso_weighting::Error>(())
/// ```
pub fn ranks_descending(values: &[f64]) -> Result<Vec<usize>> {
    crate::scheme::check_values(values)?;
    let mut keyed: Vec<u128> = values
        .iter()
        .enumerate()
        .map(|(i, &v)| (u128::from(descending_key(v)) << 64) | i as u128)
        .collect();
    keyed.sort_unstable();
    let mut ranks = vec![0usize; values.len()];
    for (rank, &packed) in keyed.iter().enumerate() {
        ranks[packed as u64 as usize] = rank;
    }
    Ok(ranks)
}

/// Integer key whose ascending order is the descending order of finite `v`.
fn descending_key(v: f64) -> u64 {
    // +0.0 and -0.0 must tie.
    let v = if v == 0.0 { 0.0 } else { v };
    let bits = v.to_bits();
    let ascending = if bits >> 63 == 1 {
        !bits
    } else {
        bits | (1 << 63)
    };
    !ascending
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ties_go_to_the_earlier_index() {
        assert_eq!(
            ranks_descending(&[2.0, 2.0, 3.0, 2.0]).unwrap(),
            vec![1, 2, 0, 3]
        );
        assert_eq!(ranks_descending(&[-0.0, 0.0]).unwrap(), vec![0, 1]);
        assert_eq!(ranks_descending(&[0.0, -0.0]).unwrap(), vec![0, 1]);
    }

    #[test]
    fn handles_negative_and_extreme_values() {
        let v = [-1.0, f64::MAX, -f64::MAX, 0.5, -1e-300, 1e-300];
        assert_eq!(ranks_descending(&v).unwrap(), vec![4, 0, 5, 1, 3, 2]);
    }
}
