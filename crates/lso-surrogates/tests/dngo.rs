//! DNGO: its Bayesian linear regression against scikit-learn's BayesianRidge
//! (`fixtures/sklearn/make_blr.py`), its network and its input gradients.

use lso_optim::Posterior;
use lso_surrogates::{BayesianLinear, Dngo, DngoConfig};
use ndarray::{Array1, Array2};
use rand::SeedableRng;
use serde_json::Value;

mod common;
use common::{matrix, vector};

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs()).max(1e-12)
}

#[test]
fn bayesian_linear_regression_matches_scikit_learn() {
    let f: Value = serde_json::from_str(include_str!("fixtures/sklearn/blr.json")).unwrap();
    for case in f["cases"].as_array().unwrap() {
        let phi = matrix(&case["phi"]);
        let y = Array1::from(vector(&case["y"]));
        let blr = BayesianLinear::fit(phi.view(), y.view()).unwrap();
        let beta = case["noise_precision"].as_f64().unwrap();
        let alpha = case["weight_precision"].as_f64().unwrap();
        assert!(rel(blr.beta, beta) < 1e-6, "{} vs {beta}", blr.beta);
        assert!(rel(blr.alpha, alpha) < 1e-6, "{} vs {alpha}", blr.alpha);
        for (a, b) in blr.mean.iter().zip(vector(&case["coef"])) {
            assert!((a - b).abs() < 1e-6 * (1.0 + b.abs()), "{a} vs {b}");
        }
        for (a, b) in blr.cov.iter().zip(vector(&case["sigma"])) {
            assert!((a - b).abs() < 1e-6 * (1.0 + b.abs()), "{a} vs {b}");
        }
        let test = matrix(&case["test"]);
        let k = test.ncols();
        for (i, (m, s)) in vector(&case["pred_mean"])
            .into_iter()
            .zip(vector(&case["pred_std"]))
            .enumerate()
        {
            let row = test.row(i);
            let mean: f64 = row.iter().zip(&blr.mean).map(|(a, b)| a * b).sum();
            let var: f64 = (0..k)
                .map(|a| {
                    (0..k)
                        .map(|b| row[a] * blr.cov[a * k + b] * row[b])
                        .sum::<f64>()
                })
                .sum();
            assert!((mean - m).abs() < 1e-6 * (1.0 + m.abs()));
            assert!(rel((var + 1.0 / blr.beta).sqrt(), s) < 1e-6);
        }
    }
}

fn toy(n: usize, rng: &mut impl rand::Rng) -> (Array2<f64>, Array1<f64>) {
    use rand::RngExt;
    let x: Array2<f64> = Array2::from_shape_fn((n, 2), |_| rng.random_range(-2.0..2.0));
    let y = x
        .rows()
        .into_iter()
        .map(|r| (1.5 * r[0]).sin() + 0.5 * r[1] * r[1] + 10.0)
        .collect();
    (x, y)
}

#[test]
fn dngo_fits_a_smooth_function_and_is_uncertain_away_from_data() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
    let (x, y) = toy(120, &mut rng);
    let config = DngoConfig {
        hidden: vec![20, 20],
        epochs: 300,
        ..DngoConfig::default()
    };
    let model = Dngo::fit(x.view(), y.view(), &config, &mut rng).unwrap();
    let (xt, yt) = toy(50, &mut rng);
    let (mean, var) = model.predict(xt.view()).unwrap();
    let rmse = (mean
        .iter()
        .zip(&yt)
        .map(|(a, b)| (a - b).powi(2))
        .sum::<f64>()
        / 50.0)
        .sqrt();
    // targets spread about 1.0 (standard deviation); a fitted model is far better than the mean
    assert!(rmse < 0.15, "rmse {rmse}");
    let far = Array2::from_shape_vec((1, 2), vec![8.0, -8.0]).unwrap();
    let (_, far_var) = model.predict(far.view()).unwrap();
    let near_var = var.iter().sum::<f64>() / 50.0;
    assert!(far_var[0] > 5.0 * near_var, "{} vs {near_var}", far_var[0]);
}

#[test]
fn dngo_input_gradients_match_finite_differences() {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let (x, y) = toy(60, &mut rng);
    let config = DngoConfig {
        hidden: vec![10, 10],
        epochs: 50,
        ..DngoConfig::default()
    };
    let model = Dngo::fit(x.view(), y.view(), &config, &mut rng).unwrap();
    for point in [[0.3, -1.0], [1.7, 0.4]] {
        let p = model.predict_with_grad(&point).unwrap();
        for k in 0..2 {
            let h = 1e-6;
            let (mut a, mut b) = (point, point);
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
