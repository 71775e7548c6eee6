//! `cargo xtask`: project automation.
//!
//! - `cargo xtask reproduce chem|expr|shapes [--quick] [--settings A,B] [--seeds 1,2]
//!   [--jobs N] [--out DIR] [--report-only]`: the paper's chemistry, expression or shapes
//!   experiment (see `reproduce`).

use clap::{Parser, Subcommand};

mod expr_queries;
mod plot;
mod report;
mod reproduce;
mod timing;

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
    Chem(reproduce::Args),
    /// The expression task: six rank-weighting settings x 3 seeds (budget 500) and the sampling
    /// baselines (budget 5,000, 3 seeds); pretrains the grammar VAEs it needs first.
    Expr(reproduce::Args),
    /// The shapes task: six rank-weighting settings x 5 seeds (budget 500) and the sampling
    /// baselines (budget 5,000, 3 seeds).
    Shapes(reproduce::Args),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Reproduce(Reproduce::Chem(args)) => reproduce::run(reproduce::Task::Chem, &args),
        Command::Reproduce(Reproduce::Expr(args)) => reproduce::run(reproduce::Task::Expr, &args),
        Command::Reproduce(Reproduce::Shapes(args)) => {
            reproduce::run(reproduce::Task::Shapes, &args)
        }
    }
}
