//! A regular grid over a box: the shapes task's latent optimiser decodes every grid point.

use crate::{Bounds, OptimError, Result};

/// All points of a grid with `per_axis` evenly spaced values on each axis of `bounds`, ends
/// included (numpy's `linspace`), the first coordinate varying slowest. The paper's shapes runs
/// use 50 points per axis over `[-3, 3]²`.
///
/// # Errors
/// [`OptimError::Bounds`] for infinite bounds, `per_axis < 2`, or more than 10 million points.
///
/// ```
/// let g = lso_optim::grid(&lso_optim::Bounds::cube(2, -1.0, 1.0), 3)?;
/// assert_eq!(g.len(), 9);
/// assert_eq!(g[0], vec![-1.0, -1.0]);
/// assert_eq!(g[1], vec![-1.0, 0.0]);
/// assert_eq!(g[8], vec![1.0, 1.0]);
/// # Ok::<(), lso_optim::OptimError>(())
/// ```
pub fn grid(bounds: &Bounds, per_axis: usize) -> Result<Vec<Vec<f64>>> {
    let d = bounds.dim();
    if per_axis < 2 {
        return Err(OptimError::Bounds(format!(
            "a grid needs at least 2 points per axis, got {per_axis}"
        )));
    }
    if (0..d).any(|k| !bounds.lower[k].is_finite() || !bounds.upper[k].is_finite()) {
        return Err(OptimError::Bounds("a grid needs finite bounds".into()));
    }
    let total = (per_axis as f64).powi(d as i32);
    if total > 1e7 {
        return Err(OptimError::Bounds(format!(
            "{total} grid points is too many"
        )));
    }
    let axes: Vec<Vec<f64>> = (0..d)
        .map(|k| {
            let (lo, hi) = (bounds.lower[k], bounds.upper[k]);
            let step = (hi - lo) / (per_axis - 1) as f64;
            (0..per_axis)
                .map(|i| {
                    if i == per_axis - 1 {
                        hi
                    } else {
                        lo + i as f64 * step
                    }
                })
                .collect()
        })
        .collect();
    let mut points = vec![Vec::with_capacity(d)];
    for axis in &axes {
        points = points
            .into_iter()
            .flat_map(|p| {
                axis.iter().map(move |v| {
                    let mut q = p.clone();
                    q.push(*v);
                    q
                })
            })
            .collect();
    }
    Ok(points)
}
