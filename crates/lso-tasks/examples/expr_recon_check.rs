//! Does the rank-weighted grammar VAE give back the expressions it weights most? The starting
//! set of a seed, the initial 1-epoch retraining of the loop, then (optionally) a second
//! 1-epoch retraining with a recorded run's round-0 queries added, as the loop's round 1 does.
//! After each stage: for the 10 best expressions of the data, the share of exact
//! reconstructions (encode the mean, decode with the loop's 5 attempts) and, around each one's
//! latent mean, the share of Gaussian perturbations (several scales) that decode to it again or
//! to nothing valid. At the end, the sparse GP fitted to the data's latent means (500 inducing
//! points, the default fit) and what it predicts at and around those expressions.
//!
//! `cargo run --release -p lso-tasks --example expr_recon_check -- MODEL_DIR k [data_seed]
//! [queries.jsonl] [retrain_batch_size] [retrain_epochs] [retrain_lr]`

use std::path::{Path, PathBuf};

use lso_core::{Decoded, Encoded, GenerativeModel, StreamRng};
use lso_surrogates::{Sgpr, SgprConfig};
use lso_tasks::expr::{ExprConfig, ExprModel, ExprObjective, Expression};
use lso_weighting::WeightingConfig;
use ndarray::{Array2, ArrayView1};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

/// Perturbation scales, in units of the data's latent spread (mean |z| over coordinates).
const SCALES: [f64; 4] = [0.0, 0.1, 0.3, 1.0];
/// Perturbed decodes per expression and scale.
const DRAWS: usize = 20;

/// The latent means of `items`.
fn latent_means(
    model: &mut ExprModel,
    items: &[Expression],
) -> Result<Vec<Vec<f64>>, lso_core::BoxError> {
    model
        .encode(items)?
        .into_iter()
        .map(|e| match e {
            Encoded::Latent(v) => Ok(v),
            Encoded::Failed(r) => Err(r.into()),
        })
        .collect()
}

/// `draws` rows around `center`: Gaussian steps of sd `scale * spread` (scale 0: the center
/// itself). A normal draw is taken for every entry in row order either way.
fn perturbed(
    center: &[f64],
    scale: f64,
    spread: f64,
    draws: usize,
    rng: &mut StreamRng,
) -> Array2<f64> {
    Array2::from_shape_fn((draws, center.len()), |(_, j)| {
        let noise: f64 = StandardNormal.sample(&mut *rng);
        center[j] + scale * spread * noise
    })
}

/// Mean absolute value of latent coordinates: the scale of the perturbations.
fn mean_abs<'a>(coordinates: impl Iterator<Item = &'a f64>) -> f64 {
    let (sum, n) = coordinates.fold((0.0, 0usize), |(s, n), v| (s + v.abs(), n + 1));
    sum / n as f64
}

/// Indices by value, best (largest; values are minus the score) first.
fn best_first(values: &[f64]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]));
    order
}

fn report(
    stage: &str,
    model: &mut ExprModel,
    items: &[Expression],
    values: &[f64],
    rng: &mut StreamRng,
) -> Result<(), lso_core::BoxError> {
    let latent = latent_means(model, items)?;
    let spread = mean_abs(latent.iter().flatten());
    let order = best_first(values);
    println!("{stage}: latent spread (mean |z|) {spread:.4}");
    for &i in order.iter().take(10) {
        let mut cells = Vec::new();
        let mut own = String::new();
        for scale in SCALES {
            let draws = if scale == 0.0 { 1 } else { DRAWS };
            let z = perturbed(&latent[i], scale, spread, draws, rng);
            let decoded = model.decode(z.view(), rng)?;
            let same = decoded
                .iter()
                .filter(|x| matches!(x, Decoded::Item(e) if e == &items[i]))
                .count();
            let invalid = decoded
                .iter()
                .filter(|x| matches!(x, Decoded::Invalid(_)))
                .count();
            if scale == 0.0 {
                own = match &decoded[0] {
                    Decoded::Item(e) => e.to_string(),
                    Decoded::Invalid(_) => "(invalid)".into(),
                };
            }
            cells.push(format!("{same}/{invalid}/{draws}"));
        }
        println!(
            "  {:>6.3}  {:<36} -> {:<36} same/invalid/n at scales {SCALES:?}: {}",
            -values[i],
            items[i].to_string(),
            own,
            cells.join("  ")
        );
    }
    Ok(())
}

/// Fit the sparse GP on the latent means and values (as scores), then show its predictions at
/// the 10 best expressions and at perturbations of them.
fn gp_view(
    model: &mut ExprModel,
    items: &[Expression],
    values: &[f64],
    rng: &mut StreamRng,
) -> Result<(), lso_core::BoxError> {
    let rows = latent_means(model, items)?;
    let (n, d) = (rows.len(), rows[0].len());
    let z = Array2::from_shape_fn((n, d), |(i, j)| rows[i][j]);
    let scores: Vec<f64> = values.iter().map(|v| -v).collect();
    let gp = Sgpr::fit(
        z.view(),
        ArrayView1::from(&scores),
        &SgprConfig {
            inducing: 500,
            ..SgprConfig::default()
        },
        rng,
    )?;
    let mut sorted = scores.clone();
    sorted.sort_by(f64::total_cmp);
    let spread = mean_abs(z.iter());
    let p = gp.params();
    let mut ls: Vec<f64> = p.log_lengthscales.iter().map(|v| v.exp()).collect();
    ls.sort_by(f64::total_cmp);
    println!(
        "GP on {n} points: 10th percentile of the scores {:.3} (the EI incumbent); lengthscales (standardised) min {:.2} median {:.2}; noise var {:.3}",
        sorted[n / 10],
        ls[0],
        ls[d / 2],
        p.log_noise_variance.exp()
    );
    for &i in best_first(values).iter().take(10) {
        let mut cells = Vec::new();
        for scale in SCALES {
            let draws = if scale == 0.0 { 1 } else { DRAWS };
            let zz = perturbed(&rows[i], scale, spread, draws, rng);
            let (mu, var) = gp.predict(zz.view())?;
            cells.push(format!(
                "{:.2} +- {:.2}",
                mu.mean().unwrap_or(f64::NAN),
                var.mean().unwrap_or(f64::NAN).sqrt()
            ));
        }
        println!(
            "  {:>6.3}  {:<36} GP mean +- sd at scales {SCALES:?}: {}",
            scores[i],
            items[i].to_string(),
            cells.join("  ")
        );
    }
    Ok(())
}

fn main() -> Result<(), lso_core::BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "usage: expr_recon_check MODEL_DIR k [data_seed] [queries.jsonl] [batch] [epochs] [lr]";
    let model = PathBuf::from(args.first().ok_or(usage)?);
    let k: f64 = args.get(1).ok_or(usage)?.parse()?;
    let data_seed: u64 = args.get(2).map_or(Ok(1), |a| a.parse())?;
    let device = lso_models::device("flex")?;
    let retrain_batch_size: usize = args.get(4).map_or(Ok(512), |a| a.parse())?;
    let epochs: f64 = args.get(5).map_or(Ok(1.0), |a| a.parse())?;
    let retrain_lr: f64 = args.get(6).map_or(Ok(1e-3), |a| a.parse())?;
    let config = ExprConfig {
        model,
        data_seed,
        retrain_batch_size,
        retrain_lr,
        ..ExprConfig::default()
    };
    let mut task = config.build("", &device)?;
    let weighting = WeightingConfig::Rank { k }.check()?;
    let mut rng = StreamRng::seed_from_u64(7);
    let mut items = task.data.items.clone();
    let mut values = task.data.values.clone();
    report("pretrained", &mut task.model, &items, &values, &mut rng)?;
    let w = weighting.weights(&values)?;
    task.model.retrain(
        &items,
        &w,
        1.0,
        &mut rng,
        &mut |_, _| {},
        Path::new("unused"),
    )?;
    report(
        "after the initial retraining",
        &mut task.model,
        &items,
        &values,
        &mut rng,
    )?;
    if let Some(path) = args.get(3) {
        let objective = ExprObjective::default();
        for line in std::fs::read_to_string(path)?.lines() {
            let q: serde_json::Value = serde_json::from_str(line)?;
            if q["round"].as_u64() != Some(0) {
                continue;
            }
            match q["item"].as_str().map(Expression::parse) {
                Some(Ok(e)) => {
                    values.push(-objective.score(&e));
                    items.push(e);
                }
                _ => {
                    // invalid queries enter at the invalid score, with no item to train on
                }
            }
        }
        report(
            "round 0's queries added, before retraining",
            &mut task.model,
            &items,
            &values,
            &mut rng,
        )?;
        let w = weighting.weights(&values)?;
        task.model.retrain(
            &items,
            &w,
            epochs,
            &mut rng,
            &mut |_, _| {},
            Path::new("unused"),
        )?;
        report(
            "after round 1's retraining",
            &mut task.model,
            &items,
            &values,
            &mut rng,
        )?;
        gp_view(&mut task.model, &items, &values, &mut rng)?;
    }
    Ok(())
}
