//! `lso train shapes`: pretrain the shapes VAE on the paper's squares, with checkpoints and
//! resume.

use std::path::PathBuf;

use indicatif::{ProgressBar, ProgressStyle};
use lso_models::{PretrainSettings, ShapesPretrainer};
use lso_tasks::shapes::{BinaryImage, paper_dataset};

/// Arguments of `lso train shapes`.
#[derive(clap::Args)]
pub struct TrainShapes {
    /// Run directory: settings, checkpoint, `train.tsv` log and, at the end, `model/`. An
    /// existing run there with the same settings is resumed.
    #[arg(long)]
    out: PathBuf,
    /// Number of epochs (the paper: 20).
    #[arg(long, default_value_t = 20)]
    epochs: usize,
    /// Seed.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Steps between checkpoints.
    #[arg(long, default_value_t = 500)]
    checkpoint_every: usize,
    /// Stop after this many steps in this invocation (the run can be resumed later).
    #[arg(long)]
    max_steps: Option<usize>,
    #[command(flatten)]
    device: crate::device_arg::DeviceArg,
}

impl TrainShapes {
    /// Run it.
    pub fn run(self) -> anyhow::Result<()> {
        let pixels: Vec<f32> = paper_dataset()
            .iter()
            .flat_map(BinaryImage::to_pixels)
            .collect();
        let settings = PretrainSettings {
            seed: self.seed,
            epochs: self.epochs,
            checkpoint_every: self.checkpoint_every,
            ..PretrainSettings::default()
        };
        let mut trainer =
            ShapesPretrainer::open(&self.out, settings, pixels, &self.device.device()?)?;
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
                "epoch {:.2} beta {:.2e} loss {:.1} reconstruction {:.1} kl {:.2}",
                r.epoch, r.beta, r.loss, r.reconstruction, r.kl
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
