//! `lso`: latent-space optimisation with weighted retraining, from the command line.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use lso_tasks::RunConfig;

mod chem_jtvae;
mod device_arg;
mod expr_import;
mod malloc_tuning;
mod progress;
mod shapes_manifold;
mod show;
mod train_expr;
mod train_jtvae;
mod train_shapes;

/// Sample-efficient black-box optimisation in the latent space of generative models, with
/// weighted retraining.
#[derive(Parser)]
#[command(name = "lso", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the optimisation described by a TOML config into a run directory. If the directory
    /// already holds a run of the same config, it is resumed without evaluating any recorded
    /// query again.
    Run {
        /// The run's TOML config.
        #[arg(long)]
        config: PathBuf,
        /// The run directory (created if missing).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        device: device_arg::DeviceArg,
    },
    /// Show what a run has done (queries, best so far, time, what is left), read without
    /// opening it: works while it runs and on read-only copies.
    Show(show::Show),
    /// Resume the run in a directory with the config stored there.
    Resume {
        /// The run directory.
        dir: PathBuf,
        #[command(flatten)]
        device: device_arg::DeviceArg,
    },
    /// Train a generative model.
    #[command(subcommand)]
    Train(TrainCommand),
    /// Molecules: properties, vocabulary, and the JT-VAE (encode, decode, sample,
    /// reconstruct).
    #[command(subcommand)]
    Chem(ChemCommand),
    /// The shapes task's conv VAE.
    #[command(subcommand)]
    Shapes(ShapesCommand),
    /// The expression task's grammar VAE.
    #[command(subcommand)]
    Expr(ExprCommand),
}

#[derive(Subcommand)]
enum ExprCommand {
    /// Save a grammar VAE trained elsewhere (named weight arrays in JSON, as
    /// `scripts/import_official_expr.py` writes the paper's Keras models) as a model directory.
    Import(expr_import::ExprImport),
}

#[derive(Subcommand)]
enum ShapesCommand {
    /// Draw the decoded latent manifold (a grid of decoded images) as a PNG.
    Manifold(shapes_manifold::Manifold),
}

#[derive(Subcommand)]
enum TrainCommand {
    /// Pretrain the junction-tree VAE on a SMILES file (resumable).
    Jtvae(train_jtvae::TrainJtvae),
    /// Pretrain the shapes VAE on the paper's 10,900 squares, generated in code (resumable).
    Shapes(train_shapes::TrainShapes),
    /// Pretrain the grammar VAE on the paper's expressions, rank-weighted (resumable).
    Expr(train_expr::TrainExpr),
}

#[derive(Subcommand)]
enum ChemCommand {
    /// Read one SMILES per line and write a TSV table with the header
    /// `smiles valid canonical_smiles logp sa cycle penalized_logp error`, one row per input
    /// line, in order. Streams: memory stays bounded for any input size.
    Props {
        /// Input file, or `-` for standard input.
        #[arg(long, default_value = "-")]
        input: PathBuf,
        /// Output file, or `-` for standard output.
        #[arg(long, default_value = "-")]
        output: PathBuf,
    },
    /// Build the JT-VAE cluster vocabulary (canonical kekulé SMILES, one per line, sorted) of
    /// the molecules in a file (one SMILES per line). Molecules that cannot be decomposed are
    /// reported on standard error with their line and skipped.
    Vocab {
        /// Input file of SMILES.
        #[arg(long)]
        input: PathBuf,
        /// Output vocabulary file.
        #[arg(long)]
        output: PathBuf,
    },
    /// Encode molecules into JT-VAE latent means.
    Encode(chem_jtvae::Encode),
    /// Decode JT-VAE latent points into molecules.
    Decode(chem_jtvae::Decode),
    /// Decode points drawn from the JT-VAE prior.
    Sample(chem_jtvae::Sample),
    /// Encode then decode molecules and report whether each comes back.
    Reconstruct(chem_jtvae::Reconstruct),
}

fn main() -> ExitCode {
    malloc_tuning::keep_freed_memory();
    // before any parallel work, so that rayon's pool is built with it (docs/benchmarks.md)
    lso_core::flush_subnormals();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Run {
            config,
            out,
            device,
        } => optimise(&config, &out, &device),
        Command::Resume { dir, device } => {
            optimise(&dir.join(lso_core::CONFIG_FILE), &dir, &device)
        }
        Command::Show(args) => args.run(),
        Command::Train(TrainCommand::Jtvae(args)) => args.run(),
        Command::Train(TrainCommand::Shapes(args)) => args.run(),
        Command::Train(TrainCommand::Expr(args)) => args.run(),
        Command::Chem(ChemCommand::Props { input, output }) => chem_props(&input, &output),
        Command::Chem(ChemCommand::Vocab { input, output }) => chem_vocab(&input, &output),
        Command::Chem(ChemCommand::Encode(args)) => args.run(),
        Command::Chem(ChemCommand::Decode(args)) => args.run(),
        Command::Chem(ChemCommand::Sample(args)) => args.run(),
        Command::Chem(ChemCommand::Reconstruct(args)) => args.run(),
        Command::Shapes(ShapesCommand::Manifold(args)) => args.run(),
        Command::Expr(ExprCommand::Import(args)) => args.run(),
    }
}

fn chem_vocab(input: &Path, output: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(input).with_context(|| format!("reading {}", input.display()))?;
    let lines: Vec<&str> = text
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or(""))
        .collect();
    let (vocab, failures) = lso_jtvae::Vocabulary::build(lines.iter().copied());
    for (smiles, error) in &failures {
        let line = lines.iter().position(|l| l == smiles).map_or(0, |k| k + 1);
        eprintln!("line {line}: {smiles}: {error}");
    }
    std::fs::write(output, vocab.to_text())
        .with_context(|| format!("writing {}", output.display()))?;
    eprintln!(
        "{} molecules, {} skipped, {} clusters in the vocabulary",
        lines.len(),
        failures.len(),
        vocab.len()
    );
    Ok(())
}

fn chem_props(input: &Path, output: &Path) -> anyhow::Result<()> {
    use std::io::{BufReader, BufWriter, Read, Write};
    let reader: Box<dyn Read> = if input == Path::new("-") {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(
            std::fs::File::open(input)
                .with_context(|| format!("opening input {}", input.display()))?,
        )
    };
    let writer: Box<dyn Write> = if output == Path::new("-") {
        Box::new(std::io::stdout().lock())
    } else {
        Box::new(
            std::fs::File::create(output)
                .with_context(|| format!("creating output {}", output.display()))?,
        )
    };
    let summary = lso_chem::write_props(
        BufReader::with_capacity(1 << 16, reader),
        BufWriter::with_capacity(1 << 16, writer),
    )
    .context("writing the properties table")?;
    eprintln!("{} lines, {} valid molecules", summary.lines, summary.valid);
    Ok(())
}

fn optimise(config_path: &Path, out: &Path, device: &device_arg::DeviceArg) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(config_path)
        .with_context(|| format!("reading config {}", config_path.display()))?;
    let checked = RunConfig::from_toml(&text)
        .and_then(RunConfig::check)
        .with_context(|| format!("config {}", config_path.display()))?
        .with_device(device.device()?);
    let mut progress = progress::Progress::new();
    let summary = checked
        .execute(out, &mut progress)
        .with_context(|| format!("run in {}", out.display()))?;
    progress.finish();
    let best = summary
        .queries
        .iter()
        .filter_map(|q| q.value.map(|v| (v, q)))
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let n_invalid = summary.queries.iter().filter(|q| q.value.is_none()).count();
    println!(
        "{} queries ({} resumed from the record, {} invalid) in {}",
        summary.queries.len(),
        summary.resumed_at,
        n_invalid,
        out.display()
    );
    if let Some((value, q)) = best {
        println!(
            "best value {value} at query {} (round {}): {}",
            q.query,
            q.round,
            q.item.as_deref().unwrap_or("")
        );
    }
    Ok(())
}
