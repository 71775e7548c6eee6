//! Cold fit, then warm refits after one more point with capped iterations, on a TSV of latent
//! rows (`d` values then the target per line): the bound each cap reaches and its time.
//!
//! `cargo run --release -p lso-surrogates --example sgpr_refit -- FILE [m] [cold iterations]
//! [refit caps] [--raw] [--adam]`
//!
//! `refit caps`: comma-separated iteration caps of the warm L-BFGS refits (default `10,100`),
//! every refit optimising all parameters as the loop's do. `--raw`: the paper's chemistry GP
//! (no standardisation, prior mean 0). `--adam`: also the paper's incremental refit (Adam at
//! learning rate 0.03 on all parameters, checked every 100 steps until the bound changes by
//! less than 5e-4 relative).

use std::time::Instant;

use lso_surrogates::{Sgpr, SgprConfig};
use ndarray::{Array1, Array2};
use rand::SeedableRng;

fn main() {
    let all: Vec<String> = std::env::args().skip(1).collect();
    let raw = all.iter().any(|a| a == "--raw");
    let adam = all.iter().any(|a| a == "--adam");
    let args: Vec<&String> = all.iter().filter(|a| !a.starts_with("--")).collect();
    let path = args.first().expect("usage: sgpr_refit FILE [m]");
    let m: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(500);
    let cold_iters: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let caps: Vec<usize> = args
        .get(3)
        .map(|a| a.split(',').filter_map(|c| c.parse().ok()).collect())
        .unwrap_or_else(|| vec![10, 100]);
    let text = std::fs::read_to_string(path).expect("readable file");
    let rows: Vec<Vec<f64>> = text
        .lines()
        .map(|l| l.split('\t').map(|v| v.parse().expect("number")).collect())
        .collect();
    let d = rows[0].len() - 1;
    let n = rows.len() - 1;
    let to_xy = |rs: &[Vec<f64>]| {
        let x = Array2::from_shape_fn((rs.len(), d), |(i, j)| rs[i][j]);
        let y: Array1<f64> = rs.iter().map(|r| r[d]).collect();
        (x, y)
    };
    let (x, y) = to_xy(&rows[..n]);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let config = SgprConfig {
        inducing: m,
        max_iters: cold_iters,
        standardise: !raw,
        fixed_mean: raw.then_some(0.0),
        ..SgprConfig::default()
    };
    let t = Instant::now();
    let cold = Sgpr::fit(x.view(), y.view(), &config, &mut rng).expect("fits");
    println!(
        "cold fit n={n} d={d} m={m}: {:.1} s, bound {:.2}, {:?}",
        t.elapsed().as_secs_f64(),
        cold.bound(),
        cold.fit_report()
    );
    println!(
        "log noise variance {:.3}, log signal variance {:.3}",
        cold.params().log_noise_variance,
        cold.params().log_signal_variance
    );
    // finite-difference check of the gradient at the fitted point
    let params = cold.params().clone();
    let z = cold.inducing_standardised().to_vec();
    let (_, grad) = cold.bound_at(&params, &z).expect("bound");
    let at = |k: usize, h: f64| {
        let mut p = params.clone();
        let mut zz = z.clone();
        match k {
            k if k < d => p.log_lengthscales[k] += h,
            k if k == d => p.log_signal_variance += h,
            k if k == d + 1 => p.log_noise_variance += h,
            k if k == d + 2 => p.mean += h,
            k => zz[k - d - 3] += h,
        }
        cold.bound_at(&p, &zz).expect("bound").0
    };
    for k in [
        0,
        1,
        5,
        d - 1,
        d,
        d + 1,
        d + 2,
        d + 3,
        d + 4,
        d + 100,
        d + 3 + 57 * 200,
    ] {
        let h = 1e-5;
        let fd = (at(k, h) - at(k, -h)) / (2.0 * h);
        println!(
            "gradient {k}: analytic {:.6e}, finite difference {fd:.6e}",
            grad[k]
        );
    }
    let (x2, y2) = to_xy(&rows);
    if adam {
        let t = Instant::now();
        let warm = cold
            .refit(
                x2.view(),
                y2.view(),
                &SgprConfig {
                    max_iters: 100_000,
                    schedule: lso_surrogates::SgprSchedule::PaperAdam,
                    ..config
                },
            )
            .expect("refits");
        println!(
            "the paper's warm refit (Adam) after one more point: {:.1} s, bound {:.2}, {:?}",
            t.elapsed().as_secs_f64(),
            warm.bound(),
            warm.fit_report()
                .map(|r| (r.iterations, r.evaluations, r.reason.clone()))
        );
    }
    for cap in caps {
        let t = Instant::now();
        let warm = cold
            .refit(
                x2.view(),
                y2.view(),
                &SgprConfig {
                    max_iters: cap,
                    ..config
                },
            )
            .expect("refits");
        println!(
            "warm refit after one more point, at most {cap} iterations: {:.1} s, bound {:.2}, {:?}",
            t.elapsed().as_secs_f64(),
            warm.bound(),
            warm.fit_report()
                .map(|r| (r.iterations, r.evaluations, r.reason.clone()))
        );
    }
}
