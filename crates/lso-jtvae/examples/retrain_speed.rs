//! Time weighted retraining of the shipped model on ZINC molecules, with subnormals flushed to
//! zero (as the `lso` binary runs) or, with `ieee`, with IEEE subnormals.
//!
//! `cargo run --release -p lso-jtvae --example retrain_speed -- [steps] [ieee]` from the
//! repository root (default 10 steps of 32 molecules drawn uniformly from the first 320).

use std::path::Path;
use std::time::Instant;

use burn::tensor::Device;
use lso_jtvae::{Jtvae, RetrainSettings, SHIPPED_MODEL};
use rand::SeedableRng;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let steps: usize = args.get(1).map_or(Ok(10), |s| s.parse())?;
    let ieee = args.get(2).is_some_and(|a| a == "ieee");
    if !ieee {
        lso_core::flush_subnormals();
    }
    let smiles: Vec<String> = std::fs::read_to_string("data/zinc/zinc_subset.txt")?
        .lines()
        .take(320)
        .map(str::to_owned)
        .collect();
    let mut model = Jtvae::load(Path::new(SHIPPED_MODEL), Device::flex())?;
    let settings = RetrainSettings::default();
    let epochs = (steps * settings.batch_size) as f64 / smiles.len() as f64;
    let weights = vec![1.0; smiles.len()];
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let start = Instant::now();
    let report = model.retrain(
        &smiles,
        &weights,
        epochs,
        &settings,
        &mut rng,
        &mut |_, _| {},
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
