//! Progress reporting.

use crate::{QueryRecord, RoundRecord};

/// Watches a run: progress bars, logging. Every method has an empty default.
pub trait Observer {
    /// The run starts (or resumes) with the queries of `recorded` (in order) of its `budget`
    /// already recorded.
    fn on_start(&mut self, budget: usize, recorded: &[QueryRecord]) {
        let _ = (budget, recorded);
    }
    /// A stage of a round begins (`"retrain"`, `"samples"`, `"encode"`, `"queries"`).
    fn on_stage(&mut self, round: usize, stage: &str) {
        let _ = (round, stage);
    }
    /// Within a stage of a round: `done` of `total` steps (the generative model's retraining
    /// reports its optimisation steps).
    fn on_progress(&mut self, round: usize, stage: &str, done: usize, total: usize) {
        let _ = (round, stage, done, total);
    }
    /// A query was recorded (or replayed from the record, with `replayed` true).
    fn on_query(&mut self, record: &QueryRecord, replayed: bool) {
        let _ = (record, replayed);
    }
    /// Resuming, the replay of recorded query `query` did not reproduce it (`detail` says how);
    /// the run continues from the record.
    fn on_replay_diverged(&mut self, query: usize, detail: &str) {
        let _ = (query, detail);
    }
    /// Resuming round `round`: its recorded queries before `query` were taken from the record
    /// and the proposer from its snapshot, without replaying them.
    fn on_snapshot_restored(&mut self, round: usize, query: usize) {
        let _ = (round, query);
    }
    /// Resuming, the proposer's snapshot could not be used (`reason`); the round is replayed
    /// from its start.
    fn on_snapshot_unusable(&mut self, reason: &str) {
        let _ = reason;
    }
    /// A round finished.
    fn on_round(&mut self, record: &RoundRecord) {
        let _ = record;
    }
}

/// An observer that does nothing.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoObserver;

impl Observer for NoObserver {}
