//! What a sparse GP fitted by our default schedule and by the paper's schedule makes of the EI
//! box's corners, on latent rows of the chemistry task: hyperparameters, predictions at the best
//! data points and at random corners, and where expected improvement is maximised (log EI or
//! plain EI, all starts or the paper's stop at the first converged start).
//!
//! `cargo run --release -p lso-tasks --example chem_gp_corners -- FILE [OUT] [FITS]`
//!
//! `FILE`: TSV of latent rows (`d` values then the penalized logP per line), e.g. the GP's
//! 2,000 best + 8,000 random molecules. `OUT` (default `FILE.proposals.tsv`): one row per EI
//! maximisation, `label z0 .. z(d-1)`, for `lso chem decode`. `FITS`: `both` (default: `lbfgs`
//! and `paper`), `lbfgs` (standardised data, a fitted constant mean: the project's earlier
//! GP), `raw` (raw units, prior mean 0: the shipped chemistry config, as the paper's model) or
//! `paper` (the paper's Adam schedule on standardised data, zero mean; about an hour at this
//! size on one shared core).

use std::fmt::Write as _;
use std::time::Instant;

use lso_optim::{
    Acquisition, ExpectedImprovement, MultiStartConfig, Posterior, data_bounds, maximise_multistart,
};
use lso_surrogates::{Sgpr, SgprConfig, SgprSchedule};
use ndarray::{Array1, Array2};
use rand::{RngExt, SeedableRng};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: chem_gp_corners FILE [OUT] [both|lbfgs|raw|paper]");
        std::process::exit(2);
    };
    let which = args.get(2).map_or("both", String::as_str);
    if !["both", "lbfgs", "raw", "paper"].contains(&which) {
        eprintln!("chem_gp_corners: FITS must be both, lbfgs, raw or paper, not {which:?}");
        std::process::exit(2);
    }
    let out = args
        .get(1)
        .cloned()
        .unwrap_or_else(|| format!("{path}.proposals.tsv"));
    let text = std::fs::read_to_string(path).expect("readable file");
    let rows: Vec<Vec<f64>> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split('\t').map(|v| v.parse().expect("number")).collect())
        .collect();
    let d = rows[0].len() - 1;
    let n = rows.len();
    let x = Array2::from_shape_fn((n, d), |(i, j)| rows[i][j]);
    let y: Array1<f64> = rows.iter().map(|r| r[d]).collect();
    let flat: Vec<f64> = x.iter().copied().collect();
    let bounds = data_bounds(&flat, d).expect("bounds");
    let b = bounds.upper[0];
    let mut sorted = y.to_vec();
    sorted.sort_unstable_by(f64::total_cmp);
    // the loop's incumbent (`GpEiProposer`: the 0.9 quantile of the GP targets)
    let incumbent = lso_weighting::quantile(&sorted, 0.9).expect("finite targets");
    let sd: Vec<f64> = (0..d)
        .map(|j| {
            let c = x.column(j);
            let m = c.mean().unwrap_or(0.0);
            (c.iter().map(|v| (v - m).powi(2)).sum::<f64>() / n as f64).sqrt()
        })
        .collect();
    println!(
        "n = {n}, d = {d}, box +-{b:.3}, incumbent (90th percentile) {incumbent:.3}, y in [{:.2}, {:.2}]",
        sorted[0],
        sorted[n - 1]
    );
    let best: Vec<usize> = {
        let mut idx: Vec<usize> = (0..n).collect();
        idx.sort_unstable_by(|&a, &c| y[c].total_cmp(&y[a]));
        idx.truncate(5);
        idx
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
    let corners: Vec<Vec<f64>> = (0..5)
        .map(|_| {
            (0..d)
                .map(|_| if rng.random::<bool>() { b } else { -b })
                .collect()
        })
        .collect();
    let mut proposals = String::new();
    // (name, tag, schedule, iterations, fixed mean, standardise)
    let fits = [
        (
            "lbfgs-100/constant-mean",
            "lbfgs",
            SgprSchedule::Lbfgs,
            100,
            None,
            true,
        ),
        (
            "lbfgs-100/raw-zero-mean",
            "raw",
            SgprSchedule::Lbfgs,
            100,
            Some(0.0),
            false,
        ),
        (
            "paper-adam/zero-mean",
            "paper",
            SgprSchedule::PaperAdam,
            100_000,
            Some(0.0),
            true,
        ),
    ];
    for (name, tag, schedule, max_iters, fixed_mean, standardise) in fits {
        let wanted = match which {
            "both" => tag != "raw",
            _ => tag == which,
        };
        if !wanted {
            continue;
        }
        let config = SgprConfig {
            inducing: 500.min(n),
            schedule,
            max_iters,
            fixed_mean,
            standardise,
            ..SgprConfig::default()
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
        let t = Instant::now();
        let gp = Sgpr::fit(x.view(), y.view(), &config, &mut rng).expect("fits");
        let p = gp.params();
        let mut ls: Vec<f64> = p
            .log_lengthscales
            .iter()
            .zip(&sd)
            .map(|(l, s)| if standardise { l.exp() * s } else { l.exp() })
            .collect();
        ls.sort_unstable_by(f64::total_cmp);
        println!(
            "\n== {name}: {:.1} s, bound {:.2}; lengthscales (data units) min {:.3} median {:.3} max {:.3}; \
             signal variance {:.4}, noise variance {:.4}, mean {:.3} ({} units)",
            t.elapsed().as_secs_f64(),
            gp.bound(),
            ls[0],
            ls[d / 2],
            ls[d - 1],
            p.log_signal_variance.exp(),
            p.log_noise_variance.exp(),
            p.mean,
            if standardise { "standardised" } else { "raw" },
        );
        let show = |label: &str, z: &[f64]| {
            let r = gp.predict_with_grad(z).expect("predicts");
            let ei = ExpectedImprovement {
                best: incumbent,
                log: false,
            }
            .value_grad(&gp, z)
            .expect("ei")
            .0;
            println!(
                "  {label}: mean {:.3}, sd {:.3}, EI {:.3e}",
                r.mean,
                r.var.max(0.0).sqrt(),
                ei
            );
        };
        for &i in &best {
            show(&format!("data point {i} (y {:.2})", y[i]), &rows[i][..d]);
        }
        for (c, z) in corners.iter().enumerate() {
            show(&format!("random corner {c}"), z);
        }
        for log in [true, false] {
            for stop in [None, Some(1)] {
                let multistart = MultiStartConfig {
                    stop_after_converged: stop,
                    ..MultiStartConfig::default()
                };
                let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
                let acquisition = ExpectedImprovement {
                    best: incumbent,
                    log,
                };
                let t = Instant::now();
                let found = maximise_multistart(
                    &acquisition,
                    &gp,
                    &bounds,
                    &flat,
                    y.as_slice().expect("contiguous"),
                    1,
                    &multistart,
                    &mut rng,
                )
                .expect("maximises");
                let (z, value) = &found[0];
                let on_bound = z.iter().filter(|v| (v.abs() - b).abs() < 1e-6 * b).count();
                let nearest = rows
                    .iter()
                    .map(|r| {
                        r[..d]
                            .iter()
                            .zip(z)
                            .map(|(a, c)| (a - c).powi(2))
                            .sum::<f64>()
                            .sqrt()
                    })
                    .fold(f64::INFINITY, f64::min);
                let norm = z.iter().map(|v| v * v).sum::<f64>().sqrt();
                let r = gp.predict_with_grad(z).expect("predicts");
                let label = format!(
                    "{name}/{}/{}",
                    if log { "log-ei" } else { "ei" },
                    if stop.is_some() { "first" } else { "all" }
                );
                println!(
                    "  EI max {label}: {:.1} s, acquisition {value:.4e}, {on_bound} of {d} coordinates on the box, \
                     |z| {norm:.2}, nearest data point at {nearest:.2}, mean {:.3}, sd {:.3}",
                    t.elapsed().as_secs_f64(),
                    r.mean,
                    r.var.max(0.0).sqrt()
                );
                let _ = write!(proposals, "{label}");
                for v in z {
                    let _ = write!(proposals, "\t{v}");
                }
                proposals.push('\n');
            }
        }
    }
    std::fs::write(&out, proposals).expect("writable output");
    println!("\nproposals written to {out}");
}
