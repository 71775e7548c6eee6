//! `cargo xtask`: project automation.
//!
//! - `cargo xtask reproduce chem [--quick] [--settings A,B] [--seeds 1,2] [--jobs N]
//!   [--out DIR] [--report-only]`: the paper's chemistry experiment (see `reproduce_chem`).

use clap::{Parser, Subcommand};

mod report;
mod reproduce_chem;
mod svg;

#[derive(Parser)]
#[command(name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Reproduce an experiment of the paper.
    #[command(subcommand)]
    Reproduce(Reproduce),
}

#[derive(Subcommand)]
enum Reproduce {
    /// The chemistry task: six rank-weighting settings x 5 seeds (budget 500) and the sampling
    /// baselines (budget 5,000, 3 seeds).
    Chem(reproduce_chem::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Reproduce(Reproduce::Chem(args)) => reproduce_chem::run(&args),
    }
}
