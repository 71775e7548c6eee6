//! The standard normal survival function.

/// Survival function of the normal distribution: `P(X > x)` for `X ~ N(mean, sd²)`.
///
/// Computed as `erfc((x - mean) / (sd √2)) / 2`, accurate in both tails (no cancellation for
/// large positive arguments). `sd` must be `> 0`.
///
/// ```
/// let p = lso_weighting::normal_sf(0.0, 0.0, 1.0);
/// assert!((p - 0.5).abs() < 1e-15);
/// ```
pub fn normal_sf(x: f64, mean: f64, sd: f64) -> f64 {
    0.5 * libm::erfc((x - mean) / (sd * std::f64::consts::SQRT_2))
}
