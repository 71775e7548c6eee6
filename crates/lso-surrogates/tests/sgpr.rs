//! Sparse GP against gpflow (`fixtures/gpflow/`), finite differences and the exact GP.

use lso_optim::Posterior;
use lso_surrogates::{
    ExactGp, GpParams, InducingInit, Kernel, Sgpr, SgprConfig, SgprSchedule, SurrogateError,
    WarmStart,
};
use ndarray::Array1;
use rand::SeedableRng;
use serde_json::Value;

mod common;
use common::{matrix, rel_close, vector};

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/gpflow/sgpr.json")).unwrap()
}

fn case_model(case: &Value) -> (Sgpr, GpParams, Vec<f64>) {
    let x = matrix(&case["x"]);
    let y = Array1::from(vector(&case["y"]));
    let params = GpParams {
        log_lengthscales: vector(&case["log_lengthscales"]),
        log_signal_variance: case["log_signal_variance"].as_f64().unwrap(),
        log_noise_variance: case["log_noise_variance"].as_f64().unwrap(),
        mean: case["mean"].as_f64().unwrap(),
    };
    let z = vector(&case["z"]);
    let model = Sgpr::with_params(
        x.view(),
        y.view(),
        Kernel::SquaredExponential,
        params.clone(),
        z.clone(),
    )
    .unwrap();
    (model, params, z)
}

#[test]
fn bound_gradient_and_predictions_match_gpflow() {
    let f = fixture();
    for case in f["cases"].as_array().unwrap() {
        let (model, params, z) = case_model(case);
        let bound = case["bound"].as_f64().unwrap();
        assert!(
            rel_close(model.bound(), bound, 1e-8),
            "{} vs {bound}",
            model.bound()
        );
        let (b, grad) = model.bound_at(&params, &z).unwrap();
        assert!(rel_close(b, bound, 1e-8));
        let expected = vector(&case["grad"]);
        assert_eq!(grad.len(), expected.len());
        let scale = expected.iter().fold(0.0f64, |a, g| a.max(g.abs()));
        for (k, (g, e)) in grad.iter().zip(&expected).enumerate() {
            assert!(
                (g - e).abs() <= 1e-6 * scale.max(1.0),
                "gradient {k}: {g} vs {e}"
            );
        }
        let xt = matrix(&case["x_test"]);
        let (mean, var) = model.predict(xt.view()).unwrap();
        for (i, (m, e)) in mean.iter().zip(vector(&case["pred_mean"])).enumerate() {
            assert!(rel_close(*m, e, 1e-6), "mean {i}: {m} vs {e}");
        }
        for (i, (v, e)) in var.iter().zip(vector(&case["pred_var"])).enumerate() {
            assert!(rel_close(*v, e, 1e-6), "var {i}: {v} vs {e}");
        }
    }
}

/// The paper's chemistry GP (`fixtures/gpflow/make_sgpr_raw.py`): gpflow's `SGPR` on raw
/// inputs and targets with no mean function, against the raw-unit model with its mean at 0.
#[test]
fn in_raw_units_with_a_zero_mean_the_bound_and_predictions_match_gpflow() {
    let f: Value = serde_json::from_str(include_str!("fixtures/gpflow/sgpr_raw.json")).unwrap();
    for case in f["cases"].as_array().unwrap() {
        let x = matrix(&case["x"]);
        let y = Array1::from(vector(&case["y"]));
        let d = x.ncols();
        let params = GpParams {
            log_lengthscales: vector(&case["log_lengthscales"]),
            log_signal_variance: case["log_signal_variance"].as_f64().unwrap(),
            log_noise_variance: case["log_noise_variance"].as_f64().unwrap(),
            mean: 0.0,
        };
        let z = vector(&case["z"]);
        let model = Sgpr::with_params_raw(
            x.view(),
            y.view(),
            Kernel::SquaredExponential,
            params.clone(),
            z.clone(),
        )
        .unwrap();
        let bound = case["bound"].as_f64().unwrap();
        assert!(
            rel_close(model.bound(), bound, 1e-8),
            "{} vs {bound}",
            model.bound()
        );
        // gpflow has no mean parameter: our gradient without its mean entry
        let (_, grad) = model.bound_at(&params, &z).unwrap();
        let ours: Vec<f64> = grad
            .iter()
            .enumerate()
            .filter(|&(k, _)| k != d + 2)
            .map(|(_, g)| *g)
            .collect();
        let expected = vector(&case["grad"]);
        assert_eq!(ours.len(), expected.len());
        let scale = expected.iter().fold(0.0f64, |a, g| a.max(g.abs()));
        for (k, (g, e)) in ours.iter().zip(&expected).enumerate() {
            assert!(
                (g - e).abs() <= 1e-6 * scale.max(1.0),
                "gradient {k}: {g} vs {e}"
            );
        }
        let (mean, var) = model.predict(matrix(&case["x_test"]).view()).unwrap();
        for (i, (m, e)) in mean.iter().zip(vector(&case["pred_mean"])).enumerate() {
            assert!(rel_close(*m, e, 1e-6), "mean {i}: {m} vs {e}");
        }
        for (i, (v, e)) in var.iter().zip(vector(&case["pred_var"])).enumerate() {
            assert!(rel_close(*v, e, 1e-6), "var {i}: {v} vs {e}");
        }
        // the standardised model at the same raw-unit parameters is a different GP
        let standardised =
            Sgpr::with_params(x.view(), y.view(), Kernel::SquaredExponential, params, z).unwrap();
        assert!(!rel_close(standardised.bound(), bound, 1e-3));
    }
}

#[test]
fn input_gradients_match_finite_differences() {
    let f = fixture();
    let (model, _, _) = case_model(&f["cases"][1]);
    for point in [[0.3, -1.0, 2.0], [4.0, 1.5, -0.7]] {
        let p = model.predict_with_grad(&point).unwrap();
        for k in 0..3 {
            let h = 1e-5;
            let mut a = point;
            let mut b = point;
            a[k] += h;
            b[k] -= h;
            let (pa, pb) = (
                model.predict_with_grad(&a).unwrap(),
                model.predict_with_grad(&b).unwrap(),
            );
            let dm = (pa.mean - pb.mean) / (2.0 * h);
            let dv = (pa.var - pb.var) / (2.0 * h);
            assert!(
                (dm - p.mean_grad[k]).abs() < 1e-5 * (1.0 + dm.abs()),
                "{dm} vs {}",
                p.mean_grad[k]
            );
            assert!(
                (dv - p.var_grad[k]).abs() < 1e-5 * (1.0 + dv.abs()),
                "{dv} vs {}",
                p.var_grad[k]
            );
        }
    }
}

#[test]
fn bound_gradient_matches_finite_differences_for_matern() {
    let f = fixture();
    let case = &f["cases"][0];
    let x = matrix(&case["x"]);
    let y = Array1::from(vector(&case["y"]));
    let (_, params, z) = case_model(case);
    let model = Sgpr::with_params(
        x.view(),
        y.view(),
        Kernel::Matern52,
        params.clone(),
        z.clone(),
    )
    .unwrap();
    let (_, grad) = model.bound_at(&params, &z).unwrap();
    let pack = |p: &GpParams, z: &[f64]| {
        let mut v = p.log_lengthscales.clone();
        v.extend([p.log_signal_variance, p.log_noise_variance, p.mean]);
        v.extend_from_slice(z);
        v
    };
    let d = params.log_lengthscales.len();
    let base = pack(&params, &z);
    let at = |v: &[f64]| {
        let p = GpParams {
            log_lengthscales: v[..d].to_vec(),
            log_signal_variance: v[d],
            log_noise_variance: v[d + 1],
            mean: v[d + 2],
        };
        model.bound_at(&p, &v[d + 3..]).unwrap().0
    };
    for k in 0..base.len() {
        let h = 1e-6;
        let (mut a, mut b) = (base.clone(), base.clone());
        a[k] += h;
        b[k] -= h;
        let fd = (at(&a) - at(&b)) / (2.0 * h);
        assert!(
            (fd - grad[k]).abs() < 1e-4 * (1.0 + fd.abs()),
            "parameter {k}: {fd} vs {}",
            grad[k]
        );
    }
}

#[test]
fn with_every_point_inducing_the_fit_approaches_the_exact_gp() {
    let f = fixture();
    let case = &f["cases"][0];
    let x = matrix(&case["x"]);
    let y = Array1::from(vector(&case["y"]));
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let config = SgprConfig {
        inducing: x.nrows(),
        optimise_inducing: false,
        ..SgprConfig::default()
    };
    let sparse = Sgpr::fit(x.view(), y.view(), &config, &mut rng).unwrap();
    // a lower bound, tight when Z = X up to the effect of the 1e-6 jitter on Kuu
    let exact = ExactGp::with_params(
        x.view(),
        y.view(),
        Kernel::SquaredExponential,
        sparse.params().clone(),
    )
    .unwrap();
    let lml = exact.log_marginal_likelihood();
    assert!(sparse.bound() <= lml + 1e-9);
    assert!(
        lml - sparse.bound() < 1e-3 * lml.abs(),
        "{} vs {}",
        sparse.bound(),
        exact.log_marginal_likelihood()
    );
}

#[test]
fn fitting_raises_the_bound_and_warm_refits_keep_it() {
    let f = fixture();
    let case = &f["cases"][1];
    let x = matrix(&case["x"]);
    let y = Array1::from(vector(&case["y"]));
    for init in [InducingInit::RandomSubset, InducingInit::KMeans] {
        let config = SgprConfig {
            inducing: 15,
            init,
            max_iters: 200,
            ..SgprConfig::default()
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(2);
        let fitted = Sgpr::fit(x.view(), y.view(), &config, &mut rng).unwrap();
        let start = Sgpr::with_params(
            x.view(),
            y.view(),
            Kernel::SquaredExponential,
            GpParams::default_for(3),
            // default hyperparameters at 15 of the fixture's inducing inputs
            vector(&case["z"])[..45].to_vec(),
        )
        .unwrap();
        assert!(fitted.bound() > start.bound(), "{init:?}");
        // the two-phase schedules improve on the start too
        for schedule in [SgprSchedule::LbfgsKernelFirst, SgprSchedule::PaperAdam] {
            let other = Sgpr::fit(
                x.view(),
                y.view(),
                &SgprConfig {
                    schedule,
                    max_iters: 3000,
                    ..config
                },
                &mut rand_chacha::ChaCha8Rng::seed_from_u64(2),
            )
            .unwrap();
            assert!(other.bound() > start.bound(), "{schedule:?}");
        }
        // a warm refit on the same data does not lose bound
        let again = fitted.refit(x.view(), y.view(), &config).unwrap();
        assert!(again.bound() >= fitted.bound() - 1e-6 * fitted.bound().abs());
    }
}

#[test]
fn a_fixed_mean_is_where_predictions_return_far_from_the_data() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    let n = 40;
    let x = ndarray::Array2::from_shape_fn((n, 2), |(i, j)| ((i * 7 + j * 3) % 11) as f64 / 10.0);
    let y = Array1::from_shape_fn(n, |i| 2.0 + x[[i, 0]].sin() - 0.5 * x[[i, 1]]);
    let far = ndarray::Array2::from_elem((1, 2), 100.0);
    let base = SgprConfig {
        inducing: 10,
        max_iters: 50,
        ..SgprConfig::default()
    };
    let free = Sgpr::fit(x.view(), y.view(), &base, &mut rng).unwrap();
    let (mu, _) = free.predict(far.view()).unwrap();
    assert!(
        mu[0] > 1.5,
        "a fitted constant mean stays at the data's level: {}",
        mu[0]
    );
    let pinned = SgprConfig {
        fixed_mean: Some(0.0),
        ..base
    };
    let zero = Sgpr::fit(x.view(), y.view(), &pinned, &mut rng).unwrap();
    let (mu, _) = zero.predict(far.view()).unwrap();
    assert!(mu[0].abs() < 1e-6, "{}", mu[0]);
    // near the data it still fits the targets
    let (mu, _) = zero.predict(x.view()).unwrap();
    let worst = mu
        .iter()
        .zip(&y)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < 0.5, "{worst}");
    // a refit on grown data (new standardisation, no iterations) keeps the mean at 0
    let mut x2 = x.clone();
    x2.push_row(ndarray::ArrayView1::from(&[0.5, 0.5])).unwrap();
    let mut y2 = y.to_vec();
    y2.push(12.0);
    let refit = zero
        .refit(
            x2.view(),
            Array1::from(y2.clone()).view(),
            &SgprConfig {
                max_iters: 0,
                ..pinned
            },
        )
        .unwrap();
    let (mu, _) = refit.predict(far.view()).unwrap();
    assert!(mu[0].abs() < 1e-6, "{}", mu[0]);
    // in raw units (the paper's chemistry GP) as well: the fit, a warm refit with iterations
    let raw = SgprConfig {
        standardise: false,
        ..pinned
    };
    let fitted = Sgpr::fit(x.view(), y.view(), &raw, &mut rng).unwrap();
    assert_eq!(fitted.params().mean, 0.0);
    let (mu, _) = fitted.predict(far.view()).unwrap();
    assert!(mu[0].abs() < 1e-6, "{}", mu[0]);
    let (mu, _) = fitted.predict(x.view()).unwrap();
    let worst = mu
        .iter()
        .zip(&y)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max);
    assert!(worst < 0.5, "{worst}");
    // its parameters and inducing inputs are in the data's units: the raw-unit model with them
    // is the fit
    let again = Sgpr::with_params_raw(
        x.view(),
        y.view(),
        Kernel::SquaredExponential,
        fitted.params().clone(),
        fitted.inducing_inputs(),
    )
    .unwrap();
    assert_eq!(again.bound(), fitted.bound());
    let refit = fitted
        .refit(
            x2.view(),
            Array1::from(y2.clone()).view(),
            &SgprConfig {
                max_iters: 5,
                ..raw
            },
        )
        .unwrap();
    assert_eq!(refit.params().mean, 0.0);
    let (mu, _) = refit.predict(far.view()).unwrap();
    assert!(mu[0].abs() < 1e-6, "{}", mu[0]);
}

#[test]
fn a_warm_start_saved_as_json_refits_exactly_as_the_model_it_came_from() {
    let f = fixture();
    let case = &f["cases"][1];
    let x = matrix(&case["x"]);
    let y = Array1::from(vector(&case["y"]));
    let config = SgprConfig {
        inducing: 10,
        max_iters: 30,
        ..SgprConfig::default()
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let fitted = Sgpr::fit(x.view(), y.view(), &config, &mut rng).unwrap();
    // grown data: the first rows again, shifted, so the standardisation changes
    let n = x.nrows();
    let mut x2 = ndarray::concatenate![ndarray::Axis(0), x.view(), x.slice(ndarray::s![..5, ..])];
    x2.slice_mut(ndarray::s![n.., ..]).mapv_inplace(|v| v + 0.3);
    let y2 = ndarray::concatenate![ndarray::Axis(0), y.view(), y.slice(ndarray::s![..5])];
    let refit = SgprConfig {
        max_iters: 5,
        ..config
    };
    let kept = fitted.refit(x2.view(), y2.view(), &refit).unwrap();
    let text = serde_json::to_string(&fitted.warm_start()).unwrap();
    let start: WarmStart = serde_json::from_str(&text).unwrap();
    let restored = Sgpr::refit_from(&start, x2.view(), y2.view(), &refit).unwrap();
    assert_eq!(restored.params(), kept.params());
    assert_eq!(restored.inducing_inputs(), kept.inducing_inputs());
    assert_eq!(restored.bound().to_bits(), kept.bound().to_bits());

    // a start of another dimension, or inducing inputs that are not rows, is refused
    let mut wrong = start.clone();
    wrong.params.log_lengthscales.push(0.0);
    assert!(matches!(
        Sgpr::refit_from(&wrong, x2.view(), y2.view(), &refit),
        Err(SurrogateError::Dimension {
            got: 4,
            expected: 3
        })
    ));
    let mut ragged = start;
    ragged.inducing.pop();
    assert!(matches!(
        Sgpr::refit_from(&ragged, x2.view(), y2.view(), &refit),
        Err(SurrogateError::InducingShape { d: 3, .. })
    ));
}

#[test]
fn a_refit_without_iterations_is_the_model_it_starts_from() {
    let f = fixture();
    let case = &f["cases"][1];
    let x = matrix(&case["x"]);
    let y = Array1::from(vector(&case["y"]));
    let config = SgprConfig {
        inducing: 10,
        max_iters: 30,
        ..SgprConfig::default()
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let fitted = Sgpr::fit(x.view(), y.view(), &config, &mut rng).unwrap();
    let none = SgprConfig {
        max_iters: 0,
        ..config
    };
    let same = fitted.refit(x.view(), y.view(), &none).unwrap();
    // no step and no bound gradient (the optimisation loop's refits after every query)
    let report = same.fit_report().unwrap();
    assert_eq!((report.iterations, report.evaluations), (0, 0));
    let close = |a: &[f64], b: &[f64]| a.iter().zip(b).all(|(u, v)| (u - v).abs() <= 1e-12);
    assert!(close(
        &same.params().log_lengthscales,
        &fitted.params().log_lengthscales
    ));
    assert!(close(&same.inducing_inputs(), &fitted.inducing_inputs()));
    assert!((same.bound() - fitted.bound()).abs() <= 1e-9 * fitted.bound().abs());
    let (mu_a, var_a) = same.predict(x.view()).unwrap();
    let (mu_b, var_b) = fitted.predict(x.view()).unwrap();
    assert!(close(mu_a.as_slice().unwrap(), mu_b.as_slice().unwrap()));
    assert!(close(var_a.as_slice().unwrap(), var_b.as_slice().unwrap()));
}
