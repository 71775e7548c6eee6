//! `lso train jtvae`: pretrain the junction-tree VAE with checkpoints and resume.

use std::path::PathBuf;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use lso_jtvae::{ClusterSet, JtvaeConfig, TrainSettings, Trainer, Vocabulary, build_examples};

/// Arguments of `lso train jtvae`.
#[derive(clap::Args)]
pub struct TrainJtvae {
    /// SMILES file, one molecule per line (the first token of each line is used).
    #[arg(long)]
    data: PathBuf,
    /// Use only the first N lines of the data file (the paper's training split of
    /// `data/zinc/zinc_subset.txt` is its first 24,445 lines).
    #[arg(long)]
    lines: Option<usize>,
    /// Cluster vocabulary, one SMILES per line.
    #[arg(long)]
    vocab: PathBuf,
    /// Run directory: settings, checkpoint, `train.tsv` log and, at the end, `model/`.
    /// An existing run there with the same settings is resumed.
    #[arg(long)]
    out: PathBuf,
    /// Number of epochs.
    #[arg(long, default_value_t = 30)]
    epochs: usize,
    /// Minibatch size.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Hidden width (paper: 450).
    #[arg(long, default_value_t = 450)]
    hidden: usize,
    /// Latent size, half tree and half graph (paper: 56).
    #[arg(long, default_value_t = 56)]
    latent: usize,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Steps between checkpoints.
    #[arg(long, default_value_t = 100)]
    checkpoint_every: usize,
    /// Stop after this many steps in this invocation (the run can be resumed later).
    #[arg(long)]
    max_steps: Option<usize>,
    #[command(flatten)]
    device: crate::device_arg::DeviceArg,
}

impl TrainJtvae {
    /// Run it.
    pub fn run(self) -> anyhow::Result<()> {
        let text = std::fs::read_to_string(&self.data)
            .with_context(|| format!("reading {}", self.data.display()))?;
        let smiles: Vec<String> = text
            .lines()
            .take(self.lines.unwrap_or(usize::MAX))
            .map(|l| l.split_whitespace().next().unwrap_or("").to_owned())
            .collect();
        let vocab_text = std::fs::read_to_string(&self.vocab)
            .with_context(|| format!("reading {}", self.vocab.display()))?;
        let vocab = Vocabulary::parse(&vocab_text)
            .with_context(|| format!("reading {}", self.vocab.display()))?;
        let clusters = ClusterSet::new(vocab)?;
        let t0 = std::time::Instant::now();
        let (examples, failed) = build_examples(&smiles, &clusters);
        for (line, e) in &failed {
            eprintln!("{}: line {line}: skipped: {e}", self.data.display());
        }
        eprintln!(
            "{} training molecules prepared in {:.1}s ({} skipped)",
            examples.len(),
            t0.elapsed().as_secs_f64(),
            failed.len()
        );
        let settings = TrainSettings {
            seed: self.seed,
            epochs: self.epochs,
            batch_size: self.batch_size,
            checkpoint_every: self.checkpoint_every,
            ..TrainSettings::default()
        };
        let config = JtvaeConfig {
            hidden: self.hidden,
            latent: self.latent,
            depth_graph: 3,
            vocab_size: clusters.len(),
        };
        let device = self.device.device()?.autodiff();
        let mut trainer = Trainer::open(&self.out, settings, config, clusters, examples, &device)?;
        if trainer.fresh_optimizer() {
            eprintln!(
                "resuming at step {} without optimiser state: Adam's moments restart",
                trainer.step()
            );
        }
        let bar = ProgressBar::new(trainer.total_steps() as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} steps, eta {eta} {msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_position(trainer.step() as u64);
        let complete = trainer.run(self.max_steps.unwrap_or(usize::MAX), |r| {
            bar.set_position(r.step as u64);
            bar.set_message(format!(
                "epoch {:.2} loss {:.2} word {:.3} topo {:.3} assm {:.3} kl {:.1}",
                r.epoch, r.loss, r.word_acc, r.topo_acc, r.assm_acc, r.kl
            ));
        })?;
        bar.finish();
        if complete {
            eprintln!("done: model in {}", self.out.join("model").display());
        } else {
            eprintln!(
                "stopped at step {}; run the same command to resume",
                trainer.step()
            );
        }
        Ok(())
    }
}
