//! Exact GP with n = 1,000 points in d = 25: one log-likelihood-and-gradient evaluation, a full
//! fit, and one EI maximisation with the paper's 20 starts.
use criterion::{Criterion, criterion_group, criterion_main};
use lso_optim::{ExpectedImprovement, MultiStartConfig, data_bounds, maximise_multistart};
use lso_surrogates::{ExactGp, ExactGpConfig, GpParams, Kernel};
use ndarray::{Array1, Array2};
use rand::{RngExt, SeedableRng};

fn data(n: usize, d: usize) -> (Array2<f64>, Array1<f64>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let x =
        Array2::from_shape_simple_fn((n, d), || rng.sample::<f64, _>(rand_distr::StandardNormal));
    let y = x
        .rows()
        .into_iter()
        .map(|r| r.iter().take(5).map(|v| v.sin()).sum::<f64>() + 0.1 * r[5])
        .collect();
    (x, y)
}

fn bench(c: &mut Criterion) {
    let (x, y) = data(1000, 25);
    let mut group = c.benchmark_group("exact_gp_n1000_d25");
    group.sample_size(10);
    let gp = ExactGp::with_params(
        x.view(),
        y.view(),
        Kernel::SquaredExponential,
        GpParams::default_for(25),
    )
    .unwrap();
    let params = gp.params().clone();
    group.bench_function("lml_and_gradient", |b| {
        b.iter(|| gp.lml_at(&params).unwrap())
    });
    group.bench_function("fit_no_restarts", |b| {
        b.iter(|| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
            let config = ExactGpConfig {
                restarts: 0,
                ..ExactGpConfig::default()
            };
            ExactGp::fit(x.view(), y.view(), &config, &mut rng).unwrap()
        })
    });
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
    let fitted = ExactGp::fit(
        x.view(),
        y.view(),
        &ExactGpConfig {
            restarts: 0,
            ..ExactGpConfig::default()
        },
        &mut rng,
    )
    .unwrap();
    let flat: Vec<f64> = x.iter().copied().collect();
    let bounds = data_bounds(&flat, 25).unwrap();
    let best = lso_weighting::quantile(y.as_slice().unwrap(), 0.9).unwrap();
    group.bench_function("ei_maximisation_20_starts", |b| {
        b.iter(|| {
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
            maximise_multistart(
                &ExpectedImprovement { best, log: true },
                &fitted,
                &bounds,
                &flat,
                y.as_slice().unwrap(),
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
