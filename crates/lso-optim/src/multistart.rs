//! Multi-start maximisation of an acquisition function, as the paper does it.

use rand::seq::SliceRandom;
use rand::{Rng, RngExt};
use rand_distr::StandardNormal;

use crate::{Acquisition, Bounds, LbfgsConfig, OptimError, Posterior, Result, minimise_bounded};

/// The paper's box: every coordinate in `±1.1 × percentile(|z|, 99.9)` over all coordinates of
/// all data points (rows of `data`, `d` columns; numpy's linear percentile).
///
/// # Errors
/// [`OptimError::Bounds`] for empty data or a non-finite value.
pub fn data_bounds(data: &[f64], d: usize) -> Result<Bounds> {
    if data.is_empty() || d == 0 || !data.len().is_multiple_of(d) {
        return Err(OptimError::Bounds(format!(
            "{} values do not form rows of {d}",
            data.len()
        )));
    }
    if data.iter().any(|v| !v.is_finite()) {
        return Err(OptimError::Bounds("data contain a non-finite value".into()));
    }
    let abs: Vec<f64> = data.iter().map(|v| v.abs()).collect();
    let p = lso_weighting::quantile(&abs, 0.999).map_err(|e| OptimError::Bounds(e.to_string()))?;
    let b = 1.1 * p.max(f64::MIN_POSITIVE);
    Ok(Bounds::cube(d, -b, b))
}

/// Settings of [`maximise_multistart`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MultiStartConfig {
    /// Starts drawn from the standard normal prior (the paper: 10).
    pub n_random: usize,
    /// Starts drawn from the best data points (the paper: 10).
    pub n_from_data: usize,
    /// Fraction of the data counted as "best" for those starts (the paper: 0.2).
    pub best_fraction: f64,
    /// Stop after this many converged runs, as the paper's code does with `Some(n_out)`: the
    /// result is then the best of the runs made so far, often the local maximum of the first
    /// start that climbs. A run that stops where it started (EI underflowing far from the data,
    /// a zero gradient) does not count. `None` runs every start and keeps the best.
    pub stop_after_converged: Option<usize>,
    /// Draw the data starts without replacement (the paper's code: `np.random.choice(...,
    /// replace=False)`; all of the best points when there are fewer than `n_from_data`);
    /// `false` draws them with replacement.
    pub data_without_replacement: bool,
    /// Choose among the runs that converged only (the paper's code keeps the successful
    /// results of `scipy.optimize.minimize`), falling back to all runs when none converged;
    /// `false` chooses among all runs.
    pub converged_only: bool,
    /// The local optimiser.
    pub lbfgs: LbfgsConfig,
}

impl Default for MultiStartConfig {
    fn default() -> Self {
        Self {
            n_random: 10,
            n_from_data: 10,
            best_fraction: 0.2,
            stop_after_converged: None,
            data_without_replacement: false,
            converged_only: false,
            lbfgs: LbfgsConfig::default(),
        }
    }
}

/// Maximise `acquisition` over `bounds` from the paper's starts and return up to `q` distinct
/// maximisers (best first) with their values.
///
/// Starts: `n_random` draws from `N(0, I)` and `n_from_data` rows of `data` (with values `y`,
/// maximised) drawn from those at or above the `1 - best_fraction` quantile, all clamped into
/// the bounds and shuffled. Two results closer than `1e-3` of the box's widest side (infinity
/// norm; `1e-6` for an unbounded box) count as one.
///
/// # Errors
/// [`OptimError`] from the posterior, or when no start produced a finite value.
#[allow(clippy::too_many_arguments)]
pub fn maximise_multistart<R: Rng + ?Sized>(
    acquisition: &dyn Acquisition,
    posterior: &dyn Posterior,
    bounds: &Bounds,
    data: &[f64],
    y: &[f64],
    q: usize,
    config: &MultiStartConfig,
    rng: &mut R,
) -> Result<Vec<(Vec<f64>, f64)>> {
    let d = bounds.dim();
    if posterior.dim() != d {
        return Err(OptimError::Bounds(format!(
            "bounds of dimension {d} for a posterior of dimension {}",
            posterior.dim()
        )));
    }
    let mut starts: Vec<Vec<f64>> = (0..config.n_random)
        .map(|_| {
            (0..d)
                .map(|_| rng.sample::<f64, _>(StandardNormal))
                .collect()
        })
        .collect();
    if !y.is_empty() && data.len() == y.len() * d {
        let mut sorted = y.to_vec();
        sorted.sort_unstable_by(f64::total_cmp);
        let cut = sorted[(((1.0 - config.best_fraction) * (y.len() - 1) as f64).floor() as usize)
            .min(y.len() - 1)];
        let mut good: Vec<usize> = (0..y.len()).filter(|&i| y[i] >= cut).collect();
        let chosen: Vec<usize> = if config.data_without_replacement {
            good.shuffle(rng);
            good.truncate(config.n_from_data);
            good
        } else {
            (0..config.n_from_data)
                .map(|_| good[rng.random_range(0..good.len())])
                .collect()
        };
        for i in chosen {
            starts.push(data[i * d..(i + 1) * d].to_vec());
        }
    }
    for s in &mut starts {
        bounds.project(s);
    }
    starts.shuffle(rng);
    let mut results: Vec<(Vec<f64>, f64, bool)> = Vec::new();
    let mut converged = 0;
    let mut last_error = None;
    for start in starts {
        let objective = |z: &[f64]| match acquisition.value_grad(posterior, z) {
            Ok((v, g)) if v.is_finite() => (-v, g.iter().map(|x| -x).collect()),
            _ => (f64::INFINITY, vec![0.0; z.len()]),
        };
        match minimise_bounded(objective, &start, bounds, &config.lbfgs) {
            Ok(m) => {
                if m.converged() && m.iterations > 0 {
                    converged += 1;
                }
                let ok = m.converged();
                results.push((m.x, -m.value, ok));
            }
            Err(e) => last_error = Some(e),
        }
        if config.stop_after_converged.is_some_and(|n| converged >= n) {
            break;
        }
    }
    if config.converged_only && results.iter().any(|r| r.2) {
        results.retain(|r| r.2);
    }
    results.sort_by(|a, b| b.1.total_cmp(&a.1));
    let width = (0..d)
        .map(|k| bounds.upper[k] - bounds.lower[k])
        .filter(|w| w.is_finite())
        .fold(0.0, f64::max);
    let tolerance = if width > 0.0 { 1e-3 * width } else { 1e-6 };
    let mut distinct: Vec<(Vec<f64>, f64)> = Vec::new();
    for (x, v, _) in results {
        if distinct.len() == q {
            break;
        }
        if !distinct
            .iter()
            .any(|(o, _)| o.iter().zip(&x).all(|(a, b)| (a - b).abs() < tolerance))
        {
            distinct.push((x, v));
        }
    }
    if distinct.is_empty() {
        return Err(last_error.unwrap_or(OptimError::NotFinite { value: f64::NAN }));
    }
    Ok(distinct)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ExpectedImprovement, MeanVarGrad};
    use rand::SeedableRng;

    /// Two bumps: the higher one at (1.5, -1), with constant variance.
    struct Bumps;
    impl Posterior for Bumps {
        fn dim(&self) -> usize {
            2
        }
        fn predict_with_grad(&self, z: &[f64]) -> Result<MeanVarGrad> {
            let b = |cx: f64, cy: f64, h: f64| {
                let e = h * (-((z[0] - cx).powi(2) + (z[1] - cy).powi(2))).exp();
                (e, vec![-2.0 * (z[0] - cx) * e, -2.0 * (z[1] - cy) * e])
            };
            let (a, ga) = b(1.5, -1.0, 2.0);
            let (c, gc) = b(-1.0, 1.0, 1.0);
            Ok(MeanVarGrad {
                mean: a + c,
                var: 0.01,
                mean_grad: vec![ga[0] + gc[0], ga[1] + gc[1]],
                var_grad: vec![0.0, 0.0],
            })
        }
    }

    #[test]
    fn finds_the_global_bump_and_distinct_local_ones() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let acq = ExpectedImprovement {
            best: 0.5,
            log: true,
        };
        let bounds = Bounds::cube(2, -3.0, 3.0);
        let found = maximise_multistart(
            &acq,
            &Bumps,
            &bounds,
            &[],
            &[],
            2,
            &MultiStartConfig::default(),
            &mut rng,
        )
        .unwrap();
        assert_eq!(found.len(), 2);
        assert!(
            (found[0].0[0] - 1.5).abs() < 1e-3 && (found[0].0[1] + 1.0).abs() < 1e-3,
            "{found:?}"
        );
        assert!((found[1].0[0] + 1.0).abs() < 1e-2, "{found:?}");
    }

    #[test]
    fn the_papers_early_stop_takes_the_first_converged_local_maximum() {
        let acq = ExpectedImprovement {
            best: 0.5,
            log: true,
        };
        let bounds = Bounds::cube(2, -3.0, 3.0);
        // one data point near each bump; the 20 starts are drawn from them
        let data = [-0.9, 0.9, 1.4, -0.9];
        let lower_bump_wins = |stop: Option<usize>| {
            (0..20)
                .filter(|&seed| {
                    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
                    let config = MultiStartConfig {
                        n_random: 0,
                        n_from_data: 20,
                        stop_after_converged: stop,
                        ..MultiStartConfig::default()
                    };
                    let found = maximise_multistart(
                        &acq,
                        &Bumps,
                        &bounds,
                        &data,
                        &[1.0, 1.0],
                        1,
                        &config,
                        &mut rng,
                    )
                    .unwrap();
                    (found[0].0[0] + 1.0).abs() < 1e-2
                })
                .count()
        };
        assert_eq!(lower_bump_wins(None), 0);
        let early = lower_bump_wins(Some(1));
        assert!(early > 0 && early < 20, "{early}");
    }

    /// Ten equally good data points as the only starts and a flat posterior, so each run ends
    /// where it starts: drawn without replacement, every point starts once.
    #[test]
    fn data_starts_without_replacement_use_every_good_point_once() {
        struct Flat;
        impl Posterior for Flat {
            fn dim(&self) -> usize {
                1
            }
            fn predict_with_grad(&self, _z: &[f64]) -> Result<MeanVarGrad> {
                Ok(MeanVarGrad {
                    mean: 0.0,
                    var: 1.0,
                    mean_grad: vec![0.0],
                    var_grad: vec![0.0],
                })
            }
        }
        let acq = ExpectedImprovement {
            best: 0.0,
            log: true,
        };
        let data: Vec<f64> = (0..10).map(f64::from).collect();
        let distinct = |without: bool, seed: u64| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            let config = MultiStartConfig {
                n_random: 0,
                n_from_data: 10,
                best_fraction: 1.0,
                data_without_replacement: without,
                ..MultiStartConfig::default()
            };
            let bounds = Bounds::cube(1, -1.0, 10.0);
            maximise_multistart(
                &acq, &Flat, &bounds, &data, &[1.0; 10], 10, &config, &mut rng,
            )
            .unwrap()
            .len()
        };
        for seed in 0..5 {
            assert_eq!(distinct(true, seed), 10);
            assert!(distinct(false, seed) < 10);
        }
    }

    /// A start at the lower bump's top converges at once; a start on the higher bump's slope,
    /// cut after one iteration, does not, though it is higher: only the converged run counts.
    #[test]
    fn converged_only_ignores_runs_cut_short() {
        let acq = ExpectedImprovement {
            best: 0.5,
            log: true,
        };
        let bounds = Bounds::cube(2, -3.0, 3.0);
        let data = [-1.0, 1.0, 1.0, -0.4];
        let best = |converged_only: bool| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
            let config = MultiStartConfig {
                n_random: 0,
                n_from_data: 2,
                best_fraction: 1.0,
                data_without_replacement: true,
                converged_only,
                lbfgs: LbfgsConfig {
                    max_iterations: 1,
                    // the other bump's tail tilts the lower top by about 1e-3
                    gradient_tolerance: 1e-2,
                    ..LbfgsConfig::default()
                },
                ..MultiStartConfig::default()
            };
            maximise_multistart(
                &acq,
                &Bumps,
                &bounds,
                &data,
                &[1.0, 1.0],
                1,
                &config,
                &mut rng,
            )
            .unwrap()[0]
                .0
                .clone()
        };
        let all = best(false);
        assert!(all[0] > 0.5, "{all:?}");
        let converged = best(true);
        assert!((converged[0] + 1.0).abs() < 0.05, "{converged:?}");
    }

    #[test]
    fn bounds_follow_the_papers_percentile_rule() {
        let data: Vec<f64> = (0..1000).map(|i| i as f64 / 100.0 - 5.0).collect();
        let b = data_bounds(&data, 2).unwrap();
        // |z| 99.9th percentile of values spread over [-5, 4.99]
        assert!((b.upper[0] - 1.1 * 4.99).abs() < 0.02, "{b:?}");
        assert_eq!(b.lower[1], -b.upper[1]);
        assert!(data_bounds(&[1.0, f64::NAN], 1).is_err());
    }
}
