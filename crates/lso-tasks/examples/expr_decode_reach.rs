//! Where a grammar VAE's decoder stops writing expressions with `x`: the starting set of a seed
//! encoded to latent means, the EI box of the loop (`lso_optim::data_bounds`),
//! then decodes (the loop's 5 attempts) of points on the segments from data points in the best
//! 20 % (the EI maximisation's data starts) towards uniform points of the box, at several
//! fractions of the way, and of uniform points of the box itself. Per fraction: the share of
//! decodes with `x`, the share scoring below the constant floor (3.552, `constant_floor`), and
//! the share invalid;
//! then the sparse GP the loop fits to the data (500 inducing points, 100 L-BFGS iterations, as the loop's first fit of a round), and its
//! mean score at the points that decode to expressions with `x` and at those that decode to
//! constants. Also the data's mean distance from its centre by score decile.
//!
//! `cargo run --release -p lso-tasks --example expr_decode_reach -- MODEL_DIR [data_seed]`

use std::path::PathBuf;

use lso_core::{Decoded, Encoded, GenerativeModel, StreamRng};
use lso_surrogates::{Sgpr, SgprConfig};
use lso_tasks::expr::{ExprConfig, ExprObjective, Expression, Token, constant_floor, grid};
use ndarray::{Array2, ArrayView1};
use rand::{RngExt, SeedableRng};

/// Fractions of the way from a data point to a uniform point of the box.
const FRACTIONS: [f64; 6] = [0.0, 0.1, 0.25, 0.5, 0.75, 1.0];
/// Segments (data points) per fraction.
const SEGMENTS: usize = 200;

fn has_x(e: &Expression) -> bool {
    e.tokens().contains(&Token::X)
}

fn main() -> Result<(), lso_core::BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: expr_decode_reach MODEL_DIR [data_seed]";
    let model = PathBuf::from(args.first().ok_or(usage)?);
    let data_seed: u64 = args.get(1).map_or(Ok(1), |a| a.parse())?;
    let device = lso_models::device("flex")?;
    let config = ExprConfig {
        model,
        data_seed,
        ..ExprConfig::default()
    };
    let mut task = config.build("", &device)?;
    let items = task.data.items.clone();
    let values = task.data.values.clone();
    let latent: Vec<Vec<f64>> = task
        .model
        .encode(&items)?
        .into_iter()
        .map(|e| match e {
            Encoded::Latent(v) => Ok(v),
            Encoded::Failed(r) => Err(r),
        })
        .collect::<Result<_, _>>()?;
    let d = latent[0].len();
    let flat: Vec<f64> = latent.iter().flatten().copied().collect();
    let bound = lso_optim::data_bounds(&flat, d)?.upper[0];
    let mean_abs = flat.iter().map(|v| v.abs()).sum::<f64>() / flat.len() as f64;
    // the best 20 % by value (values are minus the score)
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    let best: Vec<usize> = order[..values.len() / 5].to_vec();
    // distance from the data's centre, by score decile (best first)
    let centre: Vec<f64> = (0..d)
        .map(|j| latent.iter().map(|z| z[j]).sum::<f64>() / latent.len() as f64)
        .collect();
    let radius = |i: usize| -> f64 {
        latent[i]
            .iter()
            .zip(&centre)
            .map(|(a, c)| (a - c).powi(2))
            .sum::<f64>()
            .sqrt()
    };
    let deciles: Vec<String> = order
        .chunks(order.len().div_ceil(10))
        .map(|c| {
            format!(
                "{:.3}",
                c.iter().map(|&i| radius(i)).sum::<f64>() / c.len() as f64
            )
        })
        .collect();
    println!(
        "mean distance from the data's centre by score decile, best first: {}",
        deciles.join(" ")
    );
    println!(
        "{} data points, mean |z| {mean_abs:.4}, box ± {bound:.4}; data with x: {:.1} %",
        items.len(),
        100.0 * items.iter().filter(|e| has_x(e)).count() as f64 / items.len() as f64
    );
    let mut rng = StreamRng::seed_from_u64(11);
    let starts: Vec<usize> = (0..SEGMENTS)
        .map(|_| best[rng.random_range(0..best.len())])
        .collect();
    let ends: Vec<Vec<f64>> = (0..SEGMENTS)
        .map(|_| (0..d).map(|_| rng.random_range(-bound..bound)).collect())
        .collect();
    let objective = ExprObjective::default();
    let floor = constant_floor(&grid());
    let data = Array2::from_shape_fn((latent.len(), d), |(i, j)| latent[i][j]);
    let scores: Vec<f64> = values.iter().map(|v| -v).collect();
    let gp = Sgpr::fit(
        data.view(),
        ArrayView1::from(&scores),
        &SgprConfig {
            inducing: 500,
            max_iters: 100,
            ..SgprConfig::default()
        },
        &mut rng,
    )?;
    let mean_of = |mu: &[f64], keep: &dyn Fn(usize) -> bool| {
        let v: Vec<f64> = (0..mu.len()).filter(|&i| keep(i)).map(|i| mu[i]).collect();
        if v.is_empty() {
            f64::NAN
        } else {
            v.iter().sum::<f64>() / v.len() as f64
        }
    };
    println!(
        "fraction of the way to a uniform box point: with x / below {floor:.3} / invalid (%); GP mean score at decodes with x / without x"
    );
    for t in FRACTIONS {
        let z = Array2::from_shape_fn((SEGMENTS, d), |(s, j)| {
            (1.0 - t) * latent[starts[s]][j] + t * ends[s][j]
        });
        let decoded = task.model.decode(z.view(), &mut rng)?;
        let (mut with_x, mut below, mut invalid) = (0usize, 0usize, 0usize);
        for x in &decoded {
            match x {
                Decoded::Item(e) => {
                    with_x += usize::from(has_x(e));
                    below += usize::from(objective.score(e) < floor);
                }
                Decoded::Invalid(_) => invalid += 1,
            }
        }
        let pct = |n: usize| 100.0 * n as f64 / SEGMENTS as f64;
        let (mu, _) = gp.predict(z.view())?;
        let mu = mu.to_vec();
        let x_at = |i: usize| matches!(&decoded[i], Decoded::Item(e) if has_x(e));
        let constant_at = |i: usize| matches!(&decoded[i], Decoded::Item(e) if !has_x(e));
        println!(
            "  {t:>4}: {:>5.1} / {:>5.1} / {:>5.1}; {:.3} / {:.3}",
            pct(with_x),
            pct(below),
            pct(invalid),
            mean_of(&mu, &x_at),
            mean_of(&mu, &constant_at)
        );
    }
    Ok(())
}
