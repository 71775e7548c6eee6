//! Time and memory of JT-VAE retraining steps on a run's best molecules: the worst case of a
//! k = 1e-3 retraining, whose batches are mostly copies of the optimiser's largest molecules.
//! Reads a run's `queries.jsonl`, takes its `n` best valid molecules, and retrains the model on
//! them (equal weights, batch 32) for `steps` steps with the given pass limit, printing the
//! graph elements of the molecules and the seconds per step. Measure the peak memory around it
//! with `/usr/bin/time -v`.
//!
//! `cargo run --release -p lso-tasks --example chem_retrain_memory -- MODEL_DIR queries.jsonl
//! [n] [steps] [max_pass_elements] [max_candidates] [batch_size]` (`max_candidates` 0: all, the
//! paper's loss)

use std::path::PathBuf;
use std::time::Instant;

use burn::tensor::Device;
use lso_jtvae::{Jtvae, MolTree, RetrainSettings};
use rand::SeedableRng;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage =
        "MODEL_DIR queries.jsonl [n] [steps] [max_pass_elements] [max_candidates] [batch_size]";
    let model_dir = PathBuf::from(args.first().ok_or(usage)?);
    let queries = PathBuf::from(args.get(1).ok_or(usage)?);
    let n: usize = args.get(2).map_or(Ok(8), |s| s.parse())?;
    let steps: usize = args.get(3).map_or(Ok(2), |s| s.parse())?;
    let settings = RetrainSettings {
        max_pass_elements: args
            .get(4)
            .map_or(Ok(RetrainSettings::default().max_pass_elements), |s| {
                s.parse()
            })?,
        max_candidates: match args.get(5).map_or(Ok(0), |s| s.parse())? {
            0 => None,
            m => Some(m),
        },
        batch_size: args
            .get(6)
            .map_or(Ok(RetrainSettings::default().batch_size), |s| s.parse())?,
        ..RetrainSettings::default()
    };
    let mut scored: Vec<(f64, String)> = Vec::new();
    for line in std::fs::read_to_string(&queries)?.lines() {
        let q: serde_json::Value = serde_json::from_str(line)?;
        if let (Some(v), Some(s)) = (q["value"].as_f64(), q["item"].as_str()) {
            scored.push((v, s.to_owned()));
        }
    }
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.truncate(n);
    let mut model = Jtvae::load(&model_dir, Device::flex())?;
    for (v, s) in &scored {
        let built = Instant::now();
        let tree = MolTree::new(s, model.clusters())?;
        let build_seconds = built.elapsed().as_secs_f64();
        let candidates = tree.n_candidates();
        println!(
            "value {v:.2}: {} atoms, {} nodes, {candidates} candidates, built in {build_seconds:.2} s",
            tree.graph.atoms.len(),
            tree.nodes.len()
        );
    }
    let smiles: Vec<String> = scored.into_iter().map(|(_, s)| s).collect();
    let weights = vec![1.0; smiles.len()];
    let epochs = (steps * settings.batch_size) as f64 / smiles.len() as f64;
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let start = Instant::now();
    let report = model.retrain(
        &smiles,
        &weights,
        epochs,
        &settings,
        &mut rng,
        &mut |i, n| {
            println!("step {i}/{n} at {:.1} s", start.elapsed().as_secs_f64());
        },
        None,
    )?;
    println!(
        "max_pass_elements {}, max_candidates {:?}: {} steps in {:.1} s ({:.1} s per step), mean loss {:.3}",
        settings.max_pass_elements,
        settings.max_candidates,
        report.steps,
        start.elapsed().as_secs_f64(),
        start.elapsed().as_secs_f64() / report.steps as f64,
        report.mean_loss
    );
    Ok(())
}
