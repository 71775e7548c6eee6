//! `lso chem encode | decode | sample | reconstruct`: the JT-VAE on molecules and latent points.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use lso_jtvae::{DEFAULT_WORK_LIMIT, DecodeOptions, DecodeOutcome, Jtvae, SHIPPED_MODEL};

/// The repository root, where the shipped model lies (two levels above this crate).
const REPO_ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");

/// Rows handled between writes.
const CHUNK: usize = 32;

/// Options shared by the commands that load a model.
#[derive(Args)]
pub struct ModelArgs {
    /// Model directory (weights, config.json, vocab.txt); defaults to the pretrained model
    /// shipped in the repository.
    #[arg(long)]
    model: Option<PathBuf>,
    #[command(flatten)]
    device: crate::device_arg::DeviceArg,
}

/// Options of the commands that decode.
#[derive(Args)]
pub struct DecodeArgs {
    /// Sample stop decisions, labels and attachments instead of taking the most likely.
    #[arg(long)]
    stochastic: bool,
    /// Work allowed per molecule before it is reported as a failure, in units of sanitisation
    /// work (a count, not a clock: the same outcome on any machine).
    #[arg(long, default_value_t = DEFAULT_WORK_LIMIT)]
    work_limit: u64,
    /// Seed of stochastic decoding.
    #[arg(long, default_value_t = 0)]
    decode_seed: u64,
    /// Attach the tree nodes still open when the decoder's 100 steps run out to their
    /// fathers (the official decoder, the default, leaves them out of the molecule).
    #[arg(long)]
    attach_open_branches: bool,
}

impl DecodeArgs {
    fn options(&self) -> anyhow::Result<DecodeOptions> {
        anyhow::ensure!(self.work_limit > 0, "--work-limit must be positive, got 0");
        Ok(DecodeOptions {
            stochastic: self.stochastic,
            work_limit: self.work_limit,
            seed: self.decode_seed,
            attach_open_branches: self.attach_open_branches,
        })
    }
}

/// `lso chem encode`.
#[derive(Args)]
pub struct Encode {
    #[command(flatten)]
    model: ModelArgs,
    /// One SMILES per line (extra whitespace-separated fields are ignored).
    #[arg(long)]
    input: PathBuf,
    /// TSV: `smiles z0 .. z55 error`, one row per input line; a molecule that cannot be
    /// encoded has empty latent columns and its error.
    #[arg(long)]
    output: PathBuf,
}

/// `lso chem decode`.
#[derive(Args)]
pub struct Decode {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    decode: DecodeArgs,
    /// Latent rows: the output of `lso chem encode` (its `z*` columns are used) or lines of
    /// whitespace-separated numbers.
    #[arg(long)]
    input: PathBuf,
    /// TSV: `smiles valid work nodes open error`, one row per latent row (`work` in the units
    /// of `--work-limit`, deterministic, unlike the times of the summary line; `nodes` the
    /// junction-tree nodes decoded, `open` those still open when the 100 decoder steps ran out,
    /// which are not part of the molecule unless `--attach-open-branches`).
    #[arg(long)]
    output: PathBuf,
}

/// `lso chem sample`.
#[derive(Args)]
pub struct Sample {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    decode: DecodeArgs,
    /// Number of prior samples.
    #[arg(long)]
    n: usize,
    /// Seed of the latent draws.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// TSV: `smiles valid work nodes open error`, as `lso chem decode` writes.
    #[arg(long)]
    output: PathBuf,
    /// Training molecules (one SMILES per line): also report how many unique valid samples are
    /// novel, i.e. not among them (canonical SMILES, stereo ignored).
    #[arg(long)]
    novel_against: Option<PathBuf>,
}

/// `lso chem reconstruct`.
#[derive(Args)]
pub struct Reconstruct {
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    decode: DecodeArgs,
    /// One SMILES per line.
    #[arg(long)]
    input: PathBuf,
    /// TSV: `smiles reconstructed same` (canonical SMILES equality, stereo ignored).
    #[arg(long)]
    output: PathBuf,
}

fn load(args: &ModelArgs) -> anyhow::Result<Jtvae> {
    let dir = args
        .model
        .clone()
        .unwrap_or_else(|| Path::new(REPO_ROOT).join(SHIPPED_MODEL));
    Jtvae::load(&dir, args.device.device()?)
        .with_context(|| format!("loading the JT-VAE model in {}", dir.display()))
}

fn create(path: &Path) -> anyhow::Result<BufWriter<File>> {
    Ok(BufWriter::new(
        File::create(path).with_context(|| format!("creating {}", path.display()))?,
    ))
}

fn progress(n: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(n as u64);
    bar.set_style(
        ProgressStyle::with_template(&format!(
            "{what} {{bar:40}} {{pos}}/{{len}} [{{elapsed_precise}} < {{eta_precise}}]"
        ))
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar
}

fn read_smiles(path: &Path) -> anyhow::Result<Vec<String>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(text
        .lines()
        .map(|l| l.split_whitespace().next().unwrap_or("").to_owned())
        .collect())
}

fn clean(text: &str) -> String {
    text.replace(['\t', '\n'], " ")
}

/// Decode times and validity of a set of outcomes, for the summary line.
fn summary(outcomes: &[DecodeOutcome]) -> String {
    let n = outcomes.len();
    let valid = outcomes.iter().filter(|o| o.smiles.is_ok()).count();
    let mut secs: Vec<f64> = outcomes.iter().map(|o| o.elapsed.as_secs_f64()).collect();
    secs.sort_by(f64::total_cmp);
    let mut work: Vec<u64> = outcomes.iter().map(|o| o.work).collect();
    work.sort_unstable();
    let at = |q: f64| ((q * n as f64).ceil() as usize).saturating_sub(1);
    let pick = |q: f64| secs.get(at(q)).copied().unwrap_or(0.0);
    format!(
        "{valid}/{n} valid; decode time p50 {:.3} s, p99 {:.3} s, max {:.3} s; work p50 {}, \
         max {} units",
        pick(0.5),
        pick(0.99),
        secs.last().copied().unwrap_or(0.0),
        work.get(at(0.5)).copied().unwrap_or(0),
        work.last().copied().unwrap_or(0)
    )
}

impl Encode {
    /// Run the command.
    pub fn run(&self) -> anyhow::Result<()> {
        let model = load(&self.model)?;
        let smiles = read_smiles(&self.input)?;
        let mut out = create(&self.output)?;
        let header: Vec<String> = (0..model.latent_dim()).map(|i| format!("z{i}")).collect();
        writeln!(out, "smiles\t{}\terror", header.join("\t"))?;
        let bar = progress(smiles.len(), "encode");
        let mut failed = 0;
        for (c, chunk) in smiles.chunks(CHUNK * 8).enumerate() {
            for (k, (s, r)) in chunk.iter().zip(model.encode(chunk)).enumerate() {
                match r {
                    Ok(z) => {
                        let cols: Vec<String> = z.iter().map(|v| format!("{v}")).collect();
                        writeln!(out, "{s}\t{}\t", cols.join("\t"))?;
                    }
                    Err(e) => {
                        failed += 1;
                        let line = c * CHUNK * 8 + k + 1;
                        let empty = "\t".repeat(model.latent_dim());
                        writeln!(out, "{s}{empty}\tline {line}: {}", clean(&e.to_string()))?;
                    }
                }
            }
            out.flush()?;
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        eprintln!(
            "{} molecules encoded, {failed} failed",
            smiles.len() - failed
        );
        Ok(())
    }
}

/// Latent rows of a file: `Err` rows carry the reason with the line number.
fn read_latents(path: &Path, dim: usize) -> anyhow::Result<Vec<Result<Vec<f32>, String>>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut lines = text.lines().enumerate().peekable();
    // the header of `lso chem encode` names the latent columns
    let mut columns: Option<Vec<usize>> = None;
    if let Some((_, first)) = lines.peek()
        && first.split('\t').any(|c| c == "z0")
    {
        let cols: Vec<usize> = first
            .split('\t')
            .enumerate()
            .filter(|(_, c)| c.starts_with('z') && c[1..].parse::<usize>().is_ok())
            .map(|(i, _)| i)
            .collect();
        columns = Some(cols);
        lines.next();
    }
    Ok(lines
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| {
            let fields: Vec<&str> = match &columns {
                Some(cols) => {
                    let all: Vec<&str> = l.split('\t').collect();
                    cols.iter()
                        .map(|&c| all.get(c).copied().unwrap_or(""))
                        .collect()
                }
                None => l.split_whitespace().collect(),
            };
            if fields.iter().all(|f| f.trim().is_empty()) {
                return Err(format!("line {}: no latent values", i + 1));
            }
            if fields.len() != dim {
                return Err(format!(
                    "line {}: {} latent values, the model expects {dim}",
                    i + 1,
                    fields.len()
                ));
            }
            fields
                .iter()
                .enumerate()
                .map(|(k, f)| {
                    f.trim().parse::<f32>().map_err(|_| {
                        format!("line {}: latent value z{k} is not a number: '{f}'", i + 1)
                    })
                })
                .collect()
        })
        .collect())
}

fn write_decoded(out: &mut impl Write, o: &DecodeOutcome) -> std::io::Result<()> {
    let counts = format!("{}\t{}\t{}", o.work, o.tree_nodes, o.open_nodes);
    match &o.smiles {
        Ok(s) => writeln!(out, "{s}\ttrue\t{counts}\t"),
        Err(e) => writeln!(out, "\tfalse\t{counts}\t{}", clean(&e.to_string())),
    }
}

/// Decode chunk `c` (of `CHUNK` rows) of a file: one entry per row, in order, rows that are
/// already errors passed through. Stochastic choices of row `i` of the file use `seed + i`.
fn decode_chunk(
    model: &Jtvae,
    chunk: &[Result<Vec<f32>, String>],
    c: usize,
    options: &DecodeOptions,
) -> anyhow::Result<Vec<Result<DecodeOutcome, String>>> {
    let good: Vec<Vec<f32>> = chunk.iter().filter_map(|r| r.clone().ok()).collect();
    let chunk_options = DecodeOptions {
        seed: options.seed.wrapping_add((c * CHUNK) as u64),
        ..*options
    };
    let mut decoded = model.decode(&good, &chunk_options).into_iter();
    chunk
        .iter()
        .map(|r| match r {
            Ok(_) => decoded
                .next()
                .map(Ok)
                .context("decoder returned too few rows"),
            Err(e) => Ok(Err(e.clone())),
        })
        .collect()
}

/// Decode `rows` in chunks, writing each outcome as it comes.
fn decode_rows(
    model: &Jtvae,
    rows: &[Result<Vec<f32>, String>],
    options: &DecodeOptions,
    out: &mut impl Write,
    what: &str,
) -> anyhow::Result<Vec<DecodeOutcome>> {
    let bar = progress(rows.len(), what);
    let mut all = Vec::with_capacity(rows.len());
    for (c, chunk) in rows.chunks(CHUNK).enumerate() {
        for r in decode_chunk(model, chunk, c, options)? {
            match r {
                Ok(o) => {
                    write_decoded(out, &o)?;
                    all.push(o);
                }
                Err(e) => writeln!(out, "\tfalse\t\t\t\t{}", clean(&e))?,
            }
        }
        out.flush()?;
        bar.inc(chunk.len() as u64);
    }
    bar.finish_and_clear();
    Ok(all)
}

impl Decode {
    /// Run the command.
    pub fn run(&self) -> anyhow::Result<()> {
        let options = self.decode.options()?;
        let model = load(&self.model)?;
        let rows = read_latents(&self.input, model.latent_dim())?;
        let mut out = create(&self.output)?;
        writeln!(out, "smiles\tvalid\twork\tnodes\topen\terror")?;
        let outcomes = decode_rows(&model, &rows, &options, &mut out, "decode")?;
        eprintln!("{}", summary(&outcomes));
        Ok(())
    }
}

impl Sample {
    /// Run the command.
    pub fn run(&self) -> anyhow::Result<()> {
        let options = self.decode.options()?;
        let model = load(&self.model)?;
        let rows: Vec<Result<Vec<f32>, String>> = model
            .sample_prior(self.n, self.seed)
            .into_iter()
            .map(Ok)
            .collect();
        let mut out = create(&self.output)?;
        writeln!(out, "smiles\tvalid\twork\tnodes\topen\terror")?;
        let outcomes = decode_rows(&model, &rows, &options, &mut out, "sample")?;
        let unique: std::collections::HashSet<&String> = outcomes
            .iter()
            .filter_map(|o| o.smiles.as_ref().ok())
            .collect();
        let novel = match &self.novel_against {
            Some(path) => {
                let known: std::collections::HashSet<String> = read_smiles(path)?
                    .iter()
                    .filter_map(|s| canonical(s))
                    .collect();
                let novel = unique
                    .iter()
                    .filter(|s| canonical(s).is_none_or(|c| !known.contains(&c)))
                    .count();
                format!("; {novel} of them novel against {}", path.display())
            }
            None => String::new(),
        };
        eprintln!("{}; {} unique{novel}", summary(&outcomes), unique.len());
        Ok(())
    }
}

/// Canonical stereo-free SMILES of `smiles`, if it parses.
fn canonical(smiles: &str) -> Option<String> {
    lso_chem::Molecule::from_smiles(smiles)
        .ok()
        .map(|m| m.to_smiles(false))
}

impl Reconstruct {
    /// Run the command.
    pub fn run(&self) -> anyhow::Result<()> {
        let options = self.decode.options()?;
        let model = load(&self.model)?;
        let smiles = read_smiles(&self.input)?;
        let mut out = create(&self.output)?;
        writeln!(out, "smiles\treconstructed\tsame")?;
        let bar = progress(smiles.len(), "reconstruct");
        let (mut same, mut total) = (0usize, 0usize);
        let mut outcomes = Vec::new();
        for (c, chunk) in smiles.chunks(CHUNK).enumerate() {
            let encoded: Vec<Result<Vec<f32>, String>> = model
                .encode(chunk)
                .into_iter()
                .map(|r| r.map_err(|e| e.to_string()))
                .collect();
            let decoded = decode_chunk(&model, &encoded, c, &options)?;
            for (s, d) in chunk.iter().zip(decoded) {
                total += 1;
                let rec = match d {
                    Ok(o) => {
                        let r = o.smiles.clone().ok();
                        outcomes.push(o);
                        r
                    }
                    Err(_) => None,
                };
                let ok = matches!((&rec, canonical(s)), (Some(r), Some(c)) if *r == c);
                same += usize::from(ok);
                writeln!(out, "{s}\t{}\t{ok}", rec.unwrap_or_default())?;
            }
            out.flush()?;
            bar.inc(chunk.len() as u64);
        }
        bar.finish_and_clear();
        eprintln!(
            "{same}/{total} reconstructed exactly ({:.1}%); {}",
            100.0 * same as f64 / total.max(1) as f64,
            summary(&outcomes)
        );
        Ok(())
    }
}
