//! Top-k summaries of objective values.

/// Mean of the `k` largest values, or `None` with fewer than `k` values (or `k = 0`).
///
/// ```
/// assert_eq!(lso_core::top_k_mean(&[1.0, 5.0, 3.0], 2), Some(4.0));
/// assert_eq!(lso_core::top_k_mean(&[1.0], 2), None);
/// ```
pub fn top_k_mean(values: &[f64], k: usize) -> Option<f64> {
    if k == 0 || values.len() < k {
        return None;
    }
    let mut sorted = values.to_vec();
    sorted.sort_unstable_by(|a, b| b.total_cmp(a));
    Some(sorted[..k].iter().sum::<f64>() / k as f64)
}
