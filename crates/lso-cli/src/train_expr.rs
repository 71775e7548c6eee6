//! `lso train expr`: pretrain the grammar VAE on the paper's expressions, weighted by rank,
//! checkpointed after every epoch and resumable.

use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use lso_models::{GrammarPretrainSettings, GrammarPretrainer};
use lso_tasks::expr::{expression_grammar, load, one_hot, percentile};
use lso_weighting::WeightingConfig;

/// Arguments of `lso train expr`.
#[derive(clap::Args)]
pub struct TrainExpr {
    /// Run directory: settings, checkpoint, `train.tsv` log and, at the end, `model/`. An
    /// existing run there with the same settings is resumed.
    #[arg(long)]
    out: PathBuf,
    /// Rank-weighting strength of the pretraining data (the paper trains one model per k:
    /// 1e-3, 1e-1, inf).
    #[arg(long, default_value = "inf")]
    k: f64,
    /// The expressions, one per line.
    #[arg(long, default_value = "data/expr/equation2_15_dataset.txt")]
    expressions: PathBuf,
    /// Their scores.
    #[arg(long, default_value = "data/expr/scores_all.tsv")]
    scores: PathBuf,
    /// Expressions scoring better than this percentile are left out (the paper: 50), as from
    /// the optimisation's starting data.
    #[arg(long, default_value_t = 50.0)]
    ignore_percentile: f64,
    /// Number of epochs (the paper: 50).
    #[arg(long, default_value_t = 50)]
    epochs: usize,
    /// Sequences per step (the grammar VAE's `train_eq.py`: 600).
    #[arg(long, default_value_t = 600)]
    batch_size: usize,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Stop after this many epochs in this invocation (the run can be resumed later).
    #[arg(long)]
    max_epochs: Option<usize>,
    #[command(flatten)]
    device: crate::device_arg::DeviceArg,
}

impl TrainExpr {
    /// Run it.
    pub fn run(self) -> anyhow::Result<()> {
        let data = load(&self.expressions, &self.scores)?;
        let cut = percentile(&data.scores, self.ignore_percentile);
        let keep: Vec<usize> = (0..data.scores.len())
            .filter(|&i| data.scores[i] >= cut)
            .collect();
        let items: Vec<_> = keep.iter().map(|&i| data.expressions[i].clone()).collect();
        // the loop maximises -score; rank weights on it
        let values: Vec<f64> = keep.iter().map(|&i| -data.scores[i]).collect();
        let weights = WeightingConfig::Rank { k: self.k }
            .check()
            .context("--k")?
            .weights(&values)?;
        let grammar = expression_grammar();
        let (x, masks) = one_hot(&grammar, &items).map_err(|e| anyhow::anyhow!("{e}"))?;
        eprintln!(
            "{} expressions scoring at least {cut:.4} (percentile {}), rank weights k = {}",
            items.len(),
            self.ignore_percentile,
            self.k
        );
        let settings = GrammarPretrainSettings {
            seed: self.seed,
            epochs: self.epochs,
            batch_size: self.batch_size,
            ..GrammarPretrainSettings::default()
        };
        let mut trainer = GrammarPretrainer::open(
            &self.out,
            settings,
            x,
            masks,
            &weights,
            &self.device.device()?,
        )?;
        let bar = ProgressBar::new(trainer.total_epochs() as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} epochs, eta {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_position(trainer.epoch() as u64);
        let complete = trainer.run(self.max_epochs.unwrap_or(usize::MAX), |epoch, r| {
            bar.set_position(epoch as u64);
            bar.set_message(format!(
                "loss {:.4} reconstruction {:.4} kl {:.4} lr {:.1e}",
                r.loss, r.reconstruction, r.kl, r.lr
            ));
        })?;
        bar.finish();
        if complete {
            eprintln!("done: model in {}", self.out.join("model").display());
        } else {
            eprintln!(
                "stopped after epoch {}; run the same command to resume",
                trainer.epoch()
            );
        }
        Ok(())
    }
}
