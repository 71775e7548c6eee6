//! The default schedule (L-BFGS on all parameters) against the paper's (Adam, kernel phase
//! first, its stopping tolerances) on the same data and inducing initialisation: the bound
//! each reaches and its time.
//!
//! `cargo run --release -p lso-surrogates --example sgpr_schedules -- FILE [m] [caps]`
//!
//! `FILE`: TSV of latent rows (`d` values then the target per line); `caps`: comma-separated
//! L-BFGS iteration caps (default `25,50,100,200`).

use std::time::Instant;

use lso_surrogates::{Sgpr, SgprConfig, SgprSchedule};
use ndarray::{Array1, Array2};
use rand::SeedableRng;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: sgpr_schedules FILE [m] [caps]");
        std::process::exit(2);
    };
    let m: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(500);
    let caps: Vec<usize> = args
        .get(2)
        .map(|a| a.split(',').filter_map(|c| c.parse().ok()).collect())
        .unwrap_or_else(|| vec![25, 50, 100, 200]);
    let text = std::fs::read_to_string(path).expect("readable file");
    let rows: Vec<Vec<f64>> = text
        .lines()
        .map(|l| l.split('\t').map(|v| v.parse().expect("number")).collect())
        .collect();
    let d = rows[0].len() - 1;
    let n = rows.len();
    let x = Array2::from_shape_fn((n, d), |(i, j)| rows[i][j]);
    let y: Array1<f64> = rows.iter().map(|r| r[d]).collect();
    println!("n = {n}, d = {d}, m = {m}");
    let run = |schedule: SgprSchedule, max_iters: usize| {
        let config = SgprConfig {
            inducing: m,
            schedule,
            max_iters,
            ..SgprConfig::default()
        };
        // same seed: same k-means inducing initialisation for every schedule
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let t = Instant::now();
        let fitted = Sgpr::fit(x.view(), y.view(), &config, &mut rng).expect("fits");
        let report = fitted.fit_report().expect("fitted");
        println!(
            "{schedule:?}, at most {max_iters} per phase: {:.1} s, bound {:.2}, last phase {} iterations ({} evaluations), stopped by {}",
            t.elapsed().as_secs_f64(),
            fitted.bound(),
            report.iterations,
            report.evaluations,
            report.reason
        );
    };
    for &cap in &caps {
        run(SgprSchedule::Lbfgs, cap);
    }
    run(SgprSchedule::LbfgsKernelFirst, 100);
    run(SgprSchedule::PaperAdam, 100_000);
}
