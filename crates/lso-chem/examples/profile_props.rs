//! Time each stage of penalized logP over the ZINC subset (every 10th molecule).
use std::time::Instant;

use lso_chem::*;

/// A named stage timed over every molecule.
type Stage = (&'static str, Box<dyn Fn(&Molecule) -> f64>);

fn main() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/zinc/zinc_subset.txt"
    ))
    .unwrap();
    let smiles: Vec<&str> = text.lines().step_by(10).collect();
    let _ = sa_score(&Molecule::from_smiles("CCO").unwrap());
    let t = Instant::now();
    let mols: Vec<Molecule> = smiles
        .iter()
        .map(|s| Molecule::from_smiles(s).unwrap())
        .collect();
    let parse = t.elapsed();
    let stages: Vec<Stage> = vec![
        ("crippen", Box::new(crippen_logp)),
        ("morgan", Box::new(|m| morgan_counts(m, 2).len() as f64)),
        ("stereo", Box::new(|m| count_stereocentres(m) as f64)),
        (
            "spiro+bridge",
            Box::new(|m| (spiro_atoms(m) + bridgehead_atoms(m)) as f64),
        ),
        ("sa total", Box::new(sa_score)),
        ("cycle", Box::new(|m| cycle_penalty(m) as f64)),
    ];
    println!(
        "parse+sanitise: {:.1} us/mol",
        parse.as_secs_f64() * 1e6 / mols.len() as f64
    );
    for (name, f) in stages {
        let t = Instant::now();
        let s: f64 = mols.iter().map(&f).sum();
        println!(
            "{name}: {:.1} us/mol ({s})",
            t.elapsed().as_secs_f64() * 1e6 / mols.len() as f64
        );
    }
}
