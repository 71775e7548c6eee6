//! `lso shapes manifold`: the decoded latent manifold of a shapes model as a PNG (the paper's
//! Figure 2): the images decoded from an `n x n` grid over `[-bound, bound]²`, tiled.

use std::path::PathBuf;

use anyhow::Context;
use lso_models::{PIXELS, ShapesVae};

/// Arguments of `lso shapes manifold`.
#[derive(clap::Args)]
pub struct Manifold {
    /// Model directory (`config.json` + `model.bpk`).
    #[arg(long, default_value = "pretrain/shapes/model")]
    model: PathBuf,
    /// Output PNG.
    #[arg(long)]
    output: PathBuf,
    /// Grid points per axis.
    #[arg(long, default_value_t = 15)]
    grid: usize,
    /// Half-width of the latent square.
    #[arg(long, default_value_t = 3.0)]
    bound: f64,
    #[command(flatten)]
    device: crate::device_arg::DeviceArg,
}

/// Pixels between tiles.
const GAP: usize = 2;

impl Manifold {
    /// Run it: rows go from `z1 = +bound` (top) to `-bound`, columns from `z0 = -bound` to
    /// `+bound`; decoded pixels are probabilities rounded at 0.5 (white on black), tiles
    /// separated by grey lines.
    pub fn run(self) -> anyhow::Result<()> {
        anyhow::ensure!(
            (2..=100).contains(&self.grid),
            "--grid must be between 2 and 100, got {}",
            self.grid
        );
        anyhow::ensure!(
            self.bound.is_finite() && self.bound > 0.0,
            "--bound must be a positive number, got {}",
            self.bound
        );
        let vae = ShapesVae::load(&self.model, &self.device.device()?)
            .with_context(|| format!("loading {}", self.model.display()))?;
        anyhow::ensure!(
            vae.latent_dim() == 2,
            "{}: a manifold picture needs a 2-D latent space, the model has {}",
            self.model.display(),
            vae.latent_dim()
        );
        let n = self.grid;
        let at = |k: usize| -self.bound + 2.0 * self.bound * k as f64 / (n - 1) as f64;
        let mut z = Vec::with_capacity(2 * n * n);
        for row in 0..n {
            for col in 0..n {
                z.push(at(col) as f32);
                z.push(at(n - 1 - row) as f32);
            }
        }
        let p = vae.decode(&z)?;
        let side = n * 64 + (n + 1) * GAP;
        let mut image = vec![128u8; side * side];
        for (t, tile) in p.chunks(PIXELS).enumerate() {
            let (row, col) = (t / n, t % n);
            let (y0, x0) = (GAP + row * (64 + GAP), GAP + col * (64 + GAP));
            for (i, v) in tile.iter().enumerate() {
                image[(y0 + i / 64) * side + x0 + i % 64] = if *v >= 0.5 { 255 } else { 0 };
            }
        }
        let file = std::fs::File::create(&self.output)
            .with_context(|| format!("creating {}", self.output.display()))?;
        let mut encoder =
            png::Encoder::new(std::io::BufWriter::new(file), side as u32, side as u32);
        encoder.set_color(png::ColorType::Grayscale);
        encoder.set_depth(png::BitDepth::Eight);
        encoder
            .write_header()
            .and_then(|mut w| w.write_image_data(&image))
            .with_context(|| format!("writing {}", self.output.display()))?;
        eprintln!(
            "{}: {n} x {n} decoded images over [-{b}, {b}]²",
            self.output.display(),
            b = self.bound
        );
        Ok(())
    }
}
