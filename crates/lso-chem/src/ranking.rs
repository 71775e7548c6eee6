//! Dense ranks of keys, shared by the symmetry and canonical rankings.

/// Rank of each key among the distinct keys (0 for the smallest; equal keys share a rank).
pub(crate) fn dense_ranks<K: Ord + Clone>(keys: &[K]) -> Vec<usize> {
    let mut sorted = keys.to_vec();
    sorted.sort();
    sorted.dedup();
    keys.iter()
        .map(|k| {
            sorted
                .binary_search(k)
                .expect("every key is among the sorted keys")
        })
        .collect()
}

/// Number of distinct values.
pub(crate) fn count_distinct<T: Ord + Clone>(values: &[T]) -> usize {
    let mut v = values.to_vec();
    v.sort();
    v.dedup();
    v.len()
}
