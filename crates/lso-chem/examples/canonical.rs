//! Canonical stereo-free SMILES of each line of standard input (empty line when it does not
//! parse): `cargo run --release -p lso-chem --example canonical < in.smi > out.smi`.

use std::io::{BufRead, Write};

fn main() -> std::io::Result<()> {
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line?;
        let smiles = line.split_whitespace().next().unwrap_or("");
        let canonical = lso_chem::Molecule::from_smiles(smiles)
            .map(|m| m.to_smiles(false))
            .unwrap_or_default();
        writeln!(out, "{canonical}")?;
    }
    Ok(())
}
