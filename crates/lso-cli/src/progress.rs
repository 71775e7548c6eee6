//! `lso run`'s progress: a bar on a terminal; plain, timed lines when stderr is a log file.
//!
//! A run started by `cargo xtask reproduce` writes stderr to `<setting>/seed<N>.log`, where a
//! bar draws nothing; there the same events are lines (`[00:12:05] round 3: retrain 120/410`),
//! so a log shows what a long run is doing (a resumed chem run can spend hours replaying
//! retrainings before its first new query).

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};
use lso_core::{Observer, QueryRecord, RoundRecord};

/// The least time between two lines of a stage's step progress in a log.
const LOG_PROGRESS_EVERY: Duration = Duration::from_secs(60);

/// Progress of queries done, with the best value so far.
pub(crate) struct Progress {
    bar: ProgressBar,
    best: f64,
    /// New queries in the current round.
    new_queries: usize,
    /// Set when stderr is not a terminal: events are written as lines.
    log: Option<LogLines>,
    /// Time of the latest new queries (propose, decode, evaluate), newest last.
    recent: std::collections::VecDeque<f64>,
    /// Queries of the run and queries recorded so far.
    budget: usize,
    done: usize,
}

/// Queries whose mean time gives the ETA.
const ETA_WINDOW: usize = 20;

/// `1 h 5 min`, `12 min`, `40 s`.
fn short_duration(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        _ => format!("{} h {} min", s / 3600, (s % 3600) / 60),
    }
}

/// Plain progress lines, timed from the start.
struct LogLines {
    started: Instant,
    /// When the last stage or step-progress line was written.
    last_progress: Instant,
}

impl LogLines {
    /// Write `line` with the time since the start.
    fn line(&self, line: &str) {
        let s = self.started.elapsed().as_secs();
        eprintln!("[{:02}:{:02}:{:02}] {line}", s / 3600, s / 60 % 60, s % 60);
    }

    /// Write a stage's start; step progress is timed from it.
    fn stage(&mut self, line: &str) {
        self.line(line);
        self.last_progress = Instant::now();
    }

    /// Write a stage's step progress, if it is the last step or a minute has passed since the
    /// last such line.
    fn progress(&mut self, line: &str, last_step: bool) {
        if last_step || self.last_progress.elapsed() >= LOG_PROGRESS_EVERY {
            self.stage(line);
        }
    }
}

impl Progress {
    /// A bar when stderr is a terminal, plain lines otherwise.
    pub(crate) fn new() -> Self {
        let bar = ProgressBar::new(0);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} queries  {msg}",
            )
            .expect("valid template"),
        );
        let log = (!std::io::stderr().is_terminal()).then(|| LogLines {
            started: Instant::now(),
            last_progress: Instant::now(),
        });
        Self {
            bar,
            best: f64::NEG_INFINITY,
            new_queries: 0,
            log,
            recent: std::collections::VecDeque::new(),
            budget: 0,
            done: 0,
        }
    }

    /// Clear the bar at the end of the run.
    pub(crate) fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// The best value so far for the bar (`-` before the first valid query).
    fn best_text(&self) -> String {
        if self.best.is_finite() {
            format!("{:.4}", self.best)
        } else {
            "-".to_owned()
        }
    }

    /// Time left at the mean rate of the latest queries (retrainings not counted), once a
    /// query has been made.
    fn eta_text(&self) -> String {
        if self.recent.is_empty() {
            return String::new();
        }
        let rate = self.recent.iter().sum::<f64>() / self.recent.len() as f64;
        let left = self.budget.saturating_sub(self.done);
        format!(
            "; eta {} for {left} queries",
            short_duration(rate * left as f64)
        )
    }

    /// Write `line` with the time since the start, if progress goes to a log.
    fn log_line(&self, line: &str) {
        if let Some(log) = &self.log {
            log.line(line);
        }
    }
}

impl Observer for Progress {
    fn on_start(&mut self, budget: usize, recorded: &[QueryRecord]) {
        let done = recorded.len();
        // the best of the whole run, not only of the queries this process replays or makes
        self.best = recorded
            .iter()
            .filter_map(|r| r.value)
            .fold(f64::NEG_INFINITY, f64::max);
        self.bar.set_length(budget as u64);
        self.bar.set_position(done as u64);
        self.budget = budget;
        self.done = done;
        if done > 0 {
            self.log_line(&format!(
                "resuming: {done} of {budget} queries recorded; best {}",
                self.best_text()
            ));
        } else {
            self.log_line(&format!("starting: budget {budget} queries"));
        }
    }

    fn on_stage(&mut self, round: usize, stage: &str) {
        self.bar
            .set_message(format!("round {round}: {stage}; best {}", self.best_text()));
        if let Some(log) = &mut self.log {
            log.stage(&format!("round {round}: {stage}"));
        }
    }

    fn on_progress(&mut self, round: usize, stage: &str, done: usize, total: usize) {
        let line = format!("round {round}: {stage} {done}/{total}");
        self.bar
            .set_message(format!("{line}; best {}", self.best_text()));
        if let Some(log) = &mut self.log {
            log.progress(&line, done == total);
        }
    }

    fn on_query(&mut self, record: &QueryRecord, replayed: bool) {
        if let Some(v) = record.value {
            self.best = self.best.max(v);
        }
        if !replayed {
            self.bar.inc(1);
            self.new_queries += 1;
            self.done = self.done.max(record.query + 1);
            self.recent
                .push_back(record.seconds + record.propose_seconds + record.decode_seconds);
            if self.recent.len() > ETA_WINDOW {
                self.recent.pop_front();
            }
            let outcome = match (&record.value, &record.invalid) {
                (Some(v), _) => format!("value {v:.4}"),
                (None, Some(reason)) => format!("invalid ({reason})"),
                (None, None) => "invalid".to_owned(),
            };
            self.log_line(&format!(
                "query {} (round {}): {outcome}; best {}{}",
                record.query,
                record.round,
                self.best_text(),
                self.eta_text()
            ));
        }
        self.bar.set_message(format!(
            "round {}; best {}{}",
            record.round,
            self.best_text(),
            self.eta_text()
        ));
    }

    fn on_replay_diverged(&mut self, query: usize, detail: &str) {
        self.bar.suspend(|| {
            eprintln!(
                "resuming: query {query} replays differently ({detail}); the run continues \
                 from the recorded query"
            );
        });
    }

    fn on_snapshot_restored(&mut self, round: usize, query: usize) {
        self.bar.suspend(|| {
            eprintln!(
                "resuming: round {round} goes on at query {query} from the proposer's snapshot \
                 (its recorded queries are not replayed)"
            );
        });
    }

    fn on_snapshot_unusable(&mut self, reason: &str) {
        self.bar.suspend(|| {
            eprintln!(
                "resuming: the proposer's snapshot is not used ({reason}); the round is replayed \
                 from its start"
            );
        });
    }

    fn on_round(&mut self, record: &RoundRecord) {
        let line = format!(
            "round {:>4}: {} queries, top1 {}, top10 {}, data {}",
            record.round,
            record.queries_done,
            fmt(record.top1),
            fmt(record.top10),
            record.dataset_size
        );
        // the round's time split, from its record
        let before = record.retrain_seconds + record.samples_seconds + record.encode_seconds;
        let queries = record.seconds - before;
        let mut stages: Vec<String> = [
            ("retrain", record.retrain_seconds),
            ("samples", record.samples_seconds),
            ("encode", record.encode_seconds),
        ]
        .iter()
        .filter(|(_, t)| *t >= 0.05)
        .map(|(n, t)| format!("{n} {t:.1} s"))
        .collect();
        stages.push(format!(
            "queries {queries:.1} s ({:.2} s per query)",
            queries / self.new_queries.max(1) as f64
        ));
        let timing = format!("round {:>4} time: {}", record.round, stages.join(", "));
        self.new_queries = 0;
        self.bar.suspend(|| eprintln!("{line}\n{timing}"));
    }
}

fn fmt(v: Option<f64>) -> String {
    v.map_or("-".to_owned(), |v| format!("{v:.4}"))
}
