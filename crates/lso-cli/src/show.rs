//! `lso show DIR`: what a run has done, read without opening it (no lock, nothing written), so
//! it works while the run goes on and on a read-only copy.

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::Context;
use lso_core::RunView;
use lso_tasks::{RunConfig, StrategyConfig, TaskConfig};

/// Arguments of `lso show`.
#[derive(clap::Args)]
pub struct Show {
    /// The run directory.
    dir: PathBuf,
}

/// Items longer than this are shown by their start and length (a shapes image is 1,024 hex
/// digits).
const SHOWN_CHARS: usize = 120;

fn shown_item(item: &str) -> String {
    if item.chars().count() <= SHOWN_CHARS {
        item.to_owned()
    } else {
        format!(
            "{}... ({} characters)",
            item.chars().take(SHOWN_CHARS).collect::<String>(),
            item.chars().count()
        )
    }
}

fn duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {} s", s / 60, s % 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

impl Show {
    /// Run it.
    pub fn run(self) -> anyhow::Result<()> {
        if !self.dir.join("run.json").is_file() {
            anyhow::bail!("{} holds no run (no run.json)", self.dir.display());
        }
        let view = RunView::read(&self.dir)?;
        let config = RunConfig::from_toml(&view.config)
            .with_context(|| format!("{}: the stored config", self.dir.display()))?;
        let task = match &config.task {
            TaskConfig::Synthetic(_) => "synthetic",
            TaskConfig::Chem(_) => "chem",
            TaskConfig::Shapes(_) => "shapes",
            TaskConfig::Expr(_) => "expr",
        };
        let strategy = match &config.strategy {
            StrategyConfig::Sample => "sample",
            StrategyConfig::GpEi(_) => "gp-ei",
            StrategyConfig::Grid(_) => "grid",
        };
        let l = &config.run_loop;
        let q = &view.recorded.queries;
        let rounds = l.budget.div_ceil(l.retrain_every.max(1));
        println!(
            "run {} (task {task}, strategy {strategy}, seed {}, made by lso {})",
            self.dir.display(),
            l.seed,
            view.manifest.lso_version
        );
        let invalid = q.iter().filter(|r| r.value.is_none()).count();
        println!(
            "queries: {} of {} ({:.0} %), {invalid} invalid; rounds finished: {} of {rounds}",
            q.len(),
            l.budget,
            100.0 * q.len() as f64 / l.budget.max(1) as f64,
            view.recorded.rounds.len()
        );
        let best = q
            .iter()
            .filter_map(|r| r.value.map(|v| (v, r)))
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.query.cmp(&a.1.query)));
        match best {
            Some((v, r)) => println!(
                "best value (maximised): {v} at query {} (round {}): {}",
                r.query,
                r.round,
                shown_item(r.item.as_deref().unwrap_or("?"))
            ),
            None => println!("best value: none yet"),
        }
        let spent: f64 = q
            .iter()
            .map(|r| r.seconds + r.propose_seconds + r.decode_seconds)
            .sum::<f64>()
            + view
                .recorded
                .rounds
                .iter()
                .map(|r| r.retrain_seconds + r.samples_seconds + r.encode_seconds)
                .sum::<f64>();
        println!("time recorded: {}", duration(spent));
        if let Some(last) = q.last() {
            let now = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |t| t.as_secs_f64());
            println!("last query recorded {} ago", duration(now - last.unix_time));
            let recent: Vec<f64> = q
                .iter()
                .rev()
                .take(20)
                .map(|r| r.seconds + r.propose_seconds + r.decode_seconds)
                .collect();
            let rate = recent.iter().sum::<f64>() / recent.len() as f64;
            let left = l.budget.saturating_sub(q.len());
            if left > 0 {
                println!(
                    "about {} per query over the last {}: {left} queries left, about {} \
                     (retrainings not counted)",
                    duration(rate),
                    recent.len(),
                    duration(rate * left as f64)
                );
            } else {
                println!("finished");
            }
        }
        Ok(())
    }
}
