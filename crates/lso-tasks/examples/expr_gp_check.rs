//! How well the sparse GP predicts expression scores from grammar-VAE latent means: encode a
//! starting set, fit on 4/5 of it, predict the other 1/5 (correlation, RMSE against the
//! targets' spread, calibration), for the default L-BFGS schedule and the paper's Adam.
//!
//! `cargo run --release -p lso-tasks --example expr_gp_check -- MODEL_DIR [data_seed] [m]
//! [schedules]`, schedules a comma list of `lbfgs100`, `lbfgs1000`, `adam` (default all three).

use std::path::PathBuf;
use std::time::Instant;

use lso_core::{Encoded, GenerativeModel};
use lso_surrogates::{Sgpr, SgprConfig, SgprSchedule};
use lso_tasks::expr::ExprConfig;
use ndarray::{Array2, ArrayView1, Axis};
use rand::SeedableRng;

fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
    let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
    let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
    cov / (va * vb).sqrt()
}

/// Spearman's correlation: Pearson's on the ranks (the weighting crate's descending ranks;
/// reversing both orders leaves the correlation unchanged).
fn spearman(a: &[f64], b: &[f64]) -> Result<f64, lso_core::BoxError> {
    let rank = |v: &[f64]| -> Result<Vec<f64>, lso_core::BoxError> {
        Ok(lso_weighting::ranks_descending(v)?
            .into_iter()
            .map(|r| r as f64)
            .collect())
    };
    Ok(pearson(&rank(a)?, &rank(b)?))
}

fn main() -> Result<(), lso_core::BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let model = PathBuf::from(
        args.first()
            .ok_or("usage: expr_gp_check MODEL_DIR [seed] [m] [lbfgs100,lbfgs1000,adam]")?,
    );
    let data_seed: u64 = args.get(1).map_or(Ok(1), |a| a.parse())?;
    let m: usize = args.get(2).map_or(Ok(500), |a| a.parse())?;
    let device = lso_models::device("flex")?;
    let config = ExprConfig {
        model,
        data_seed,
        ..ExprConfig::default()
    };
    let mut task = config.build("", &device)?;
    let y = &task.data.values;
    let rows: Vec<Vec<f64>> = task
        .model
        .encode(&task.data.items)?
        .into_iter()
        .map(|e| match e {
            Encoded::Latent(v) => Ok(v),
            Encoded::Failed(r) => Err(r),
        })
        .collect::<Result<_, _>>()?;
    let (n, d) = (rows.len(), rows[0].len());
    let z = Array2::from_shape_fn((n, d), |(i, j)| rows[i][j]);
    let mut sd = z.std_axis(Axis(0), 0.0).to_vec();
    sd.sort_by(f64::total_cmp);
    println!(
        "{n} points, d = {d}; max |z| {:.3}; per-dimension sd min {:.4} median {:.4} max {:.4}",
        z.iter().fold(0.0, |m: f64, v| m.max(v.abs())),
        sd[0],
        sd[d / 2],
        sd[d - 1]
    );
    let n_train = n * 4 / 5;
    let (x_train, x_test) = z.view().split_at(Axis(0), n_train);
    let (y_train, y_test) = y.split_at(n_train);
    let sd_y = ArrayView1::from(y_test).std(0.0);
    println!("held-out targets: sd {sd_y:.3}");
    let schedules = args
        .get(3)
        .map_or("lbfgs100,lbfgs1000,adam", String::as_str)
        .split(',')
        .map(|s| match s {
            "lbfgs100" => Ok((SgprSchedule::Lbfgs, 100)),
            "lbfgs1000" => Ok((SgprSchedule::Lbfgs, 1000)),
            "adam" => Ok((SgprSchedule::PaperAdam, 100_000)),
            other => Err(format!("unknown schedule `{other}`")),
        })
        .collect::<Result<Vec<_>, _>>()?;
    for (schedule, iters) in schedules {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let t = Instant::now();
        let gp = Sgpr::fit(
            x_train,
            ArrayView1::from(y_train),
            &SgprConfig {
                inducing: m,
                schedule,
                max_iters: iters,
                ..SgprConfig::default()
            },
            &mut rng,
        )?;
        let secs = t.elapsed().as_secs_f64();
        let (mu, var) = gp.predict(x_test)?;
        let mu = mu.to_vec();
        let rmse = (mu
            .iter()
            .zip(y_test)
            .map(|(a, b)| (a - b).powi(2))
            .sum::<f64>()
            / mu.len() as f64)
            .sqrt();
        let within: usize = mu
            .iter()
            .zip(y_test)
            .zip(var.iter())
            .filter(|((a, b), v)| (*a - *b).abs() <= 2.0 * v.sqrt())
            .count();
        let p = gp.params();
        let mut ls: Vec<f64> = p.log_lengthscales.iter().map(|v| v.exp()).collect();
        ls.sort_by(f64::total_cmp);
        println!(
            "{schedule:?} ({iters}): {secs:.1} s, bound {:.1}; held-out pearson {:.3}, spearman {:.3}, rmse {rmse:.3}; {:.1}% within 2 sd; lengthscales (standardised) min {:.2} median {:.2} max {:.2}; noise var {:.3}, signal var {:.3}",
            gp.bound(),
            pearson(&mu, y_test),
            spearman(&mu, y_test)?,
            100.0 * within as f64 / mu.len() as f64,
            ls[0],
            ls[d / 2],
            ls[d - 1],
            p.log_noise_variance.exp(),
            p.log_signal_variance.exp(),
        );
    }
    Ok(())
}
