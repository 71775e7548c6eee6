//! Sparse GP at the chemistry setting (n = 10,000 points in d = 56, m = 500 inducing points):
//! one bound-and-gradient evaluation, a cold fit (k-means start, 20 L-BFGS iterations: the
//! per-iteration cost; `docs/surrogates.md` has whole fits on encoded molecules), a warm refit
//! after one more point with the loop's cap of 10 iterations, and one EI maximisation with the
//! paper's 20 starts.
use criterion::{Criterion, criterion_group, criterion_main};
use lso_optim::{ExpectedImprovement, MultiStartConfig, data_bounds, maximise_multistart};
use lso_surrogates::{Sgpr, SgprConfig};
use ndarray::{Array1, Array2, Axis};
use rand::{RngExt, SeedableRng};

const N: usize = 10_000;
const D: usize = 56;
const M: usize = 500;

/// `N + 1` points: a smooth function of a few coordinates plus noise.
fn data() -> (Array2<f64>, Array1<f64>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let x = Array2::from_shape_simple_fn((N + 1, D), || {
        rng.sample::<f64, _>(rand_distr::StandardNormal)
    });
    let y = x
        .rows()
        .into_iter()
        .map(|r| {
            r.iter().take(6).map(|v| v.sin()).sum::<f64>()
                + 0.3 * r[6] * r[7]
                + 0.1 * rng.sample::<f64, _>(rand_distr::StandardNormal)
        })
        .collect();
    (x, y)
}

fn bench(c: &mut Criterion) {
    let (x_all, y_all) = data();
    let (x, _) = x_all.view().split_at(Axis(0), N);
    let (y, _) = y_all.view().split_at(Axis(0), N);
    let mut group = c.benchmark_group("sgpr_n10000_d56_m500");
    group.sample_size(10);
    let config = SgprConfig {
        inducing: M,
        max_iters: 20,
        ..SgprConfig::default()
    };
    let cold = Sgpr::fit(
        x,
        y,
        &config,
        &mut rand_chacha::ChaCha8Rng::seed_from_u64(1),
    )
    .unwrap();
    let params = cold.params().clone();
    let z = cold.inducing_standardised().to_vec();
    group.bench_function("bound_and_gradient", |b| {
        b.iter(|| cold.bound_at(&params, &z).unwrap())
    });
    group.bench_function("cold_fit_20_iterations", |b| {
        b.iter(|| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
            Sgpr::fit(x, y, &config, &mut rng).unwrap()
        })
    });
    let warm_config = SgprConfig {
        max_iters: 10,
        ..config
    };
    group.bench_function("warm_refit_one_more_point_10_iterations", |b| {
        b.iter(|| {
            cold.refit(x_all.view(), y_all.view(), &warm_config)
                .unwrap()
        })
    });
    let flat: Vec<f64> = x.iter().copied().collect();
    let bounds = data_bounds(&flat, D).unwrap();
    let y_vec = y.to_vec();
    let best = lso_weighting::quantile(&y_vec, 0.9).unwrap();
    group.bench_function("ei_maximisation_20_starts", |b| {
        b.iter(|| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
            maximise_multistart(
                &ExpectedImprovement { best, log: true },
                &cold,
                &bounds,
                &flat,
                &y_vec,
                1,
                &MultiStartConfig::default(),
                &mut rng,
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
