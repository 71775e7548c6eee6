//! `lso expr import`: a grammar VAE trained elsewhere (named weight arrays, as written by
//! `scripts/import_official_expr.py` from the paper's Keras models) saved as a model directory.

use std::path::PathBuf;

use anyhow::Context;
use lso_models::{GrammarModel, NamedArrays};

/// Arguments of `lso expr import`.
#[derive(clap::Args)]
pub struct ExprImport {
    /// JSON file of named weight arrays with the network's sizes and the weights' source.
    #[arg(long)]
    weights: PathBuf,
    /// Model directory to write (`config.json`, `model.bpk`, `source.txt`).
    #[arg(long)]
    out: PathBuf,
}

impl ExprImport {
    /// Run it.
    pub fn run(self) -> anyhow::Result<()> {
        let text = std::fs::read_to_string(&self.weights)
            .with_context(|| format!("reading {}", self.weights.display()))?;
        let weights: NamedArrays = serde_json::from_str(&text)
            .with_context(|| format!("{}: not a named-arrays file", self.weights.display()))?;
        let device = burn::tensor::Device::flex();
        let model = GrammarModel::from_named_arrays(&weights, &device)
            .with_context(|| format!("{}", self.weights.display()))?;
        model.save(&self.out)?;
        let source = self.out.join("source.txt");
        std::fs::write(&source, format!("{}\n", weights.source))
            .with_context(|| format!("writing {}", source.display()))?;
        eprintln!("wrote {}", self.out.display());
        Ok(())
    }
}
