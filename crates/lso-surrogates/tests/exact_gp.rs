//! Exact GP against scikit-learn (`fixtures/sklearn/`) and finite differences.

use lso_optim::Posterior;
use lso_surrogates::{ExactGp, ExactGpConfig, GpParams, Kernel};
use ndarray::{Array1, Array2};
use rand::SeedableRng;
use serde_json::Value;

mod common;
use common::{matrix, rel_close, vector};

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/sklearn/exact_gp.json")).unwrap()
}

#[test]
fn likelihood_gradient_and_predictions_match_sklearn() {
    let fx = fixture();
    let (x, y, xt) = (
        matrix(&fx["x"]),
        Array1::from(vector(&fx["y"])),
        matrix(&fx["x_test"]),
    );
    for case in fx["cases"].as_array().unwrap() {
        let kernel = match case["kernel"].as_str().unwrap() {
            "se" => Kernel::SquaredExponential,
            _ => Kernel::Matern52,
        };
        let params = GpParams {
            log_lengthscales: vector(&case["lengthscales"])
                .iter()
                .map(|l| l.ln())
                .collect(),
            log_signal_variance: case["signal_variance"].as_f64().unwrap().ln(),
            log_noise_variance: case["noise_variance"].as_f64().unwrap().ln(),
            mean: 0.0,
        };
        let gp = ExactGp::with_params(x.view(), y.view(), kernel, params.clone()).unwrap();
        let lml = case["lml"].as_f64().unwrap();
        assert!(
            rel_close(gp.log_marginal_likelihood(), lml, 1e-9),
            "{kernel:?}: {} vs {lml}",
            gp.log_marginal_likelihood()
        );
        // sklearn's theta: [log signal variance, log lengthscales...]
        let sk = vector(&case["lml_grad"]);
        let (_, ours) = gp.lml_at(&params).unwrap();
        assert!(
            rel_close(ours[3], sk[0], 1e-7),
            "signal gradient {} vs {}",
            ours[3],
            sk[0]
        );
        for k in 0..3 {
            assert!(
                rel_close(ours[k], sk[k + 1], 1e-7),
                "lengthscale {k} gradient {} vs {}",
                ours[k],
                sk[k + 1]
            );
        }
        let (mean, var) = gp.predict(xt.view()).unwrap();
        for (i, (m, s)) in vector(&case["mean"])
            .iter()
            .zip(vector(&case["std"]))
            .enumerate()
        {
            assert!(
                rel_close(mean[i], *m, 1e-7) || (mean[i] - m).abs() < 1e-9,
                "{kernel:?} mean {i}: {} vs {m}",
                mean[i]
            );
            assert!(
                (var[i].sqrt() - s).abs() <= 1e-6 * s.max(1e-3),
                "{kernel:?} sd {i}: {} vs {s}",
                var[i].sqrt()
            );
        }
    }
}

fn toy_data(n: usize, d: usize, seed: u64) -> (Array2<f64>, Array1<f64>) {
    use rand::RngExt;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    let x = Array2::from_shape_simple_fn((n, d), || rng.random::<f64>() * 6.0 - 3.0);
    let y = x
        .rows()
        .into_iter()
        .map(|r| r[0].sin() + 0.3 * r.iter().map(|v| v * v).sum::<f64>())
        .collect();
    (x * 2.0 + 5.0, y)
}

#[test]
fn likelihood_gradient_matches_finite_differences() {
    let (x, y) = toy_data(25, 2, 1);
    for kernel in [Kernel::SquaredExponential, Kernel::Matern52] {
        let params = GpParams {
            log_lengthscales: vec![0.3, -0.2],
            log_signal_variance: 0.4,
            log_noise_variance: -3.0,
            mean: 0.2,
        };
        let gp = ExactGp::with_params(x.view(), y.view(), kernel, params.clone()).unwrap();
        let (_, grad) = gp.lml_at(&params).unwrap();
        let as_vec = |p: &GpParams| {
            let mut v = p.log_lengthscales.clone();
            v.extend([p.log_signal_variance, p.log_noise_variance, p.mean]);
            v
        };
        let from_vec = |v: &[f64]| GpParams {
            log_lengthscales: v[..2].to_vec(),
            log_signal_variance: v[2],
            log_noise_variance: v[3],
            mean: v[4],
        };
        let base = as_vec(&params);
        for k in 0..base.len() {
            let h = 1e-5;
            let (mut a, mut b) = (base.clone(), base.clone());
            a[k] += h;
            b[k] -= h;
            let fd = (gp.lml_at(&from_vec(&a)).unwrap().0 - gp.lml_at(&from_vec(&b)).unwrap().0)
                / (2.0 * h);
            assert!(
                (fd - grad[k]).abs() <= 1e-5 * (1.0 + fd.abs()),
                "{kernel:?} parameter {k}: {} vs {fd}",
                grad[k]
            );
        }
    }
}

#[test]
fn predictive_gradients_match_finite_differences() {
    let (x, y) = toy_data(30, 3, 2);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
    for kernel in [Kernel::SquaredExponential, Kernel::Matern52] {
        let gp = ExactGp::fit(
            x.view(),
            y.view(),
            &ExactGpConfig {
                kernel,
                ..Default::default()
            },
            &mut rng,
        )
        .unwrap();
        for z in [[5.1, 4.2, 6.3], [1.0, 9.0, 5.5], [5.0, 5.0, 5.0]] {
            let p = gp.predict_with_grad(&z).unwrap();
            for k in 0..3 {
                let h = 1e-5;
                let (mut a, mut b) = (z, z);
                a[k] += h;
                b[k] -= h;
                let (pa, pb) = (
                    gp.predict_with_grad(&a).unwrap(),
                    gp.predict_with_grad(&b).unwrap(),
                );
                let (fm, fv) = (
                    (pa.mean - pb.mean) / (2.0 * h),
                    (pa.var - pb.var) / (2.0 * h),
                );
                assert!(
                    (fm - p.mean_grad[k]).abs() <= 1e-5 * (1.0 + fm.abs()),
                    "{kernel:?} mean grad {k}: {} vs {fm}",
                    p.mean_grad[k]
                );
                assert!(
                    (fv - p.var_grad[k]).abs() <= 1e-5 * (1.0 + fv.abs()),
                    "{kernel:?} var grad {k}: {} vs {fv}",
                    p.var_grad[k]
                );
            }
        }
    }
}

#[test]
fn fitting_improves_the_likelihood_and_predicts_held_out_points() {
    let (x, y) = toy_data(60, 2, 4);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let gp = ExactGp::fit(x.view(), y.view(), &ExactGpConfig::default(), &mut rng).unwrap();
    let start = ExactGp::with_params(
        x.view(),
        y.view(),
        Kernel::SquaredExponential,
        GpParams::default_for(2),
    )
    .unwrap();
    assert!(gp.log_marginal_likelihood() > start.log_marginal_likelihood());
    let (xt, yt) = toy_data(40, 2, 6);
    let (mean, _) = gp.predict(xt.view()).unwrap();
    let rmse = ((&mean - &yt).mapv(|v| v * v).sum() / 40.0).sqrt();
    let spread = yt.std(0.0);
    assert!(rmse < 0.1 * spread, "rmse {rmse} vs target sd {spread}");
}

#[test]
fn bad_data_is_refused_with_its_location() {
    let x = Array2::from_shape_vec((3, 1), vec![0.0, f64::NAN, 1.0]).unwrap();
    let y = Array1::from(vec![1.0, 2.0, 3.0]);
    let err = ExactGp::with_params(
        x.view(),
        y.view(),
        Kernel::SquaredExponential,
        GpParams::default_for(1),
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "non-finite value in the inputs at row 1");
    let y2 = Array1::from(vec![1.0, 2.0]);
    assert!(
        ExactGp::with_params(
            x.view(),
            y2.view(),
            Kernel::SquaredExponential,
            GpParams::default_for(1)
        )
        .is_err()
    );
}

#[test]
fn a_fantasy_keeps_the_mean_and_shrinks_the_variance_nearby() {
    let (x, y) = toy_data(30, 2, 8);
    let gp = ExactGp::with_params(
        x.view(),
        y.view(),
        Kernel::SquaredExponential,
        GpParams::default_for(2),
    )
    .unwrap();
    let z = [4.0, 6.5];
    let before = gp.predict_with_grad(&z).unwrap();
    let after = gp.fantasize(&z).unwrap();
    let at = after.predict_with_grad(&z).unwrap();
    assert!((at.mean - before.mean).abs() < 1e-8 * (1.0 + before.mean.abs()));
    // a noise-free fantasy leaves no latent variance at the point
    assert!(at.var < 1e-6 * before.var, "{} vs {}", at.var, before.var);
    let far = [20.0, -20.0];
    let (a, b) = (
        gp.predict_with_grad(&far).unwrap(),
        after.predict_with_grad(&far).unwrap(),
    );
    assert!((a.var - b.var).abs() < 1e-9 * a.var.max(1e-12));
}
