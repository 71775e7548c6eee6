//! Time weighted retraining, with subnormals flushed to zero (as the `lso` binary runs) or, with
//! `ieee`, with IEEE subnormals.
//!
//! `cargo run --release -p lso-jtvae --example retrain_speed -- [steps] [ieee|ftz] [RUN_DIR K]`
//! from the repository root.
//!
//! - Without `RUN_DIR`: the shipped model, 32 molecules a step drawn uniformly from the first
//!   320 ZINC molecules (default 10 steps).
//! - With `RUN_DIR K`: the retraining a chemistry run of `lso` would do next: its latest model
//!   checkpoint, retrained on the ZINC molecules plus the run's valid queries, rank-weighted
//!   with `k = K`, with the reproduction's candidate limit (256); the steps of one round's
//!   retraining take long on the optimiser's fused sheets, which is what this measures.

use std::path::{Path, PathBuf};
use std::time::Instant;

use burn::tensor::Device;
use lso_jtvae::{Jtvae, RetrainSettings, SHIPPED_MODEL};
use lso_weighting::WeightingConfig;
use rand::SeedableRng;

type Error = Box<dyn std::error::Error>;

/// A run's latest model directory, and its molecules with their values.
type RunData = (PathBuf, Vec<String>, Vec<f64>);

fn main() -> Result<(), Error> {
    let args: Vec<String> = std::env::args().collect();
    let steps: usize = args.get(1).map_or(Ok(10), |s| s.parse())?;
    let ieee = args.get(2).is_some_and(|a| a == "ieee");
    if !ieee {
        lso_core::flush_subnormals();
    }
    let zinc = std::fs::read_to_string("data/zinc/zinc_subset.txt")?;
    let (model_dir, smiles, weights, settings) = match (args.get(3), args.get(4)) {
        (Some(run), Some(k)) => {
            let (dir, smiles, values) = run_data(Path::new(run), &zinc)?;
            let k: f64 = k.parse()?;
            let weights = WeightingConfig::Rank { k }.check()?.weights(&values)?;
            let settings = RetrainSettings {
                max_candidates: Some(256),
                ..RetrainSettings::default()
            };
            (dir, smiles, weights, settings)
        }
        _ => {
            let smiles: Vec<String> = zinc.lines().take(320).map(str::to_owned).collect();
            let weights = vec![1.0; smiles.len()];
            (
                PathBuf::from(SHIPPED_MODEL),
                smiles,
                weights,
                RetrainSettings::default(),
            )
        }
    };
    let mut model = Jtvae::load(&model_dir, Device::flex())?;
    let epochs = (steps * settings.batch_size) as f64 / smiles.len() as f64;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let start = Instant::now();
    let report = model.retrain(
        &smiles,
        &weights,
        epochs,
        &settings,
        &mut rng,
        &mut |step, of| {
            eprintln!(
                "step {step} of {of}: {:.1} s",
                start.elapsed().as_secs_f64()
            )
        },
        None,
    )?;
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{} steps in {seconds:.1} s ({:.2} s a step), subnormals {}, mean loss {}",
        report.steps,
        seconds / report.steps as f64,
        if ieee { "IEEE" } else { "flushed" },
        report.mean_loss
    );
    Ok(())
}

/// The latest model checkpoint of a run, and its data: the ZINC molecules with their penalized
/// logP, then the run's valid queries with their recorded values.
fn run_data(run: &Path, zinc: &str) -> Result<RunData, Error> {
    let (_, dir) = lso_core::latest_checkpoint(run)?.ok_or("the run has no model checkpoint")?;
    let (mut smiles, mut values) = (Vec::new(), Vec::new());
    for line in zinc.lines() {
        if let Ok(m) = lso_chem::Molecule::from_smiles(line) {
            smiles.push(line.to_owned());
            values.push(lso_chem::penalized_logp(&m.without_stereo()));
        }
    }
    let n_zinc = smiles.len();
    for line in std::fs::read_to_string(run.join("queries.jsonl"))?.lines() {
        let q: lso_core::QueryRecord = serde_json::from_str(line)?;
        if let (Some(item), Some(value)) = (q.item, q.value) {
            smiles.push(item);
            values.push(value);
        }
    }
    eprintln!(
        "{} molecules ({} of them queries), model {}",
        smiles.len(),
        smiles.len() - n_zinc,
        dir.display()
    );
    Ok((dir, smiles, values))
}
