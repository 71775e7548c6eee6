//! A GP-EI run stopped in the middle of a round goes on from the proposer's snapshot (the last
//! fit, saved after every query) without replaying the round, to exactly the queries of a run
//! that never stopped; a snapshot that does not match the record is not used, and the round is
//! replayed instead, to the same queries.

use std::path::Path;

use lso_core::{
    BoxError, LoopConfig, Objective, Observer, Outcome, QueryRecord, Run, SurrogateDataConfig,
};
use lso_tasks::synthetic::{Point, SyntheticConfig};
use lso_tasks::{GpEiConfig, GpEiProposer};
use lso_weighting::WeightingConfig;

const CONFIG_TOML: &str = "[test]\nname = \"gp-ei resume\"\n";

/// The synthetic objective, failing once `left` points have been evaluated (a run stopped
/// before its next query is recorded).
struct StopAfter<O> {
    inner: O,
    left: Option<usize>,
}

impl<O: Objective<Point>> Objective<Point> for StopAfter<O> {
    fn evaluate(&mut self, items: &[Point]) -> Result<Vec<Outcome>, BoxError> {
        if let Some(left) = &mut self.left {
            if *left < items.len() {
                return Err("stopped".into());
            }
            *left -= items.len();
        }
        self.inner.evaluate(items)
    }
}

/// What the loop told about resuming.
#[derive(Default)]
struct Resumes {
    restored: Vec<(usize, usize)>,
    unusable: Vec<String>,
    replayed: usize,
}

impl Observer for Resumes {
    fn on_query(&mut self, _: &QueryRecord, replayed: bool) {
        self.replayed += usize::from(replayed);
    }
    fn on_snapshot_restored(&mut self, round: usize, query: usize) {
        self.restored.push((round, query));
    }
    fn on_snapshot_unusable(&mut self, reason: &str) {
        self.unusable.push(reason.to_owned());
    }
}

/// Run 10 queries in rounds of 5 into `dir`, the objective failing after `stop_after` points;
/// return the records (without wall-clock fields) or the error.
fn run(
    dir: &Path,
    inducing: usize,
    stop_after: Option<usize>,
    observer: &mut dyn Observer,
) -> Result<Vec<QueryRecord>, lso_core::RunError> {
    let task = SyntheticConfig {
        n_data: 40,
        ..SyntheticConfig::default()
    }
    .build("task.")
    .unwrap();
    let settings = LoopConfig {
        seed: 3,
        budget: 10,
        retrain_every: 5,
        initial_retrain_epochs: 1.0,
        retrain_epochs: 0.5,
        samples_per_model: 0,
        invalid_score: -20.0,
        surrogate_data: SurrogateDataConfig {
            n_best: 10,
            n_random: 20,
        },
        weighting: WeightingConfig::default(),
    }
    .check("loop.")
    .unwrap();
    let proposer = GpEiProposer::new(GpEiConfig {
        inducing,
        sparse_max_iters: 20,
        // the warm refits move the hyperparameters, so the snapshot must carry them
        sparse_refit_iters: 3,
        n_random_starts: 3,
        n_data_starts: 3,
        ..GpEiConfig::default()
    });
    let objective = StopAfter {
        inner: task.objective,
        left: stop_after,
    };
    let mut run = Run::new(settings, task.model, objective, proposer, task.data);
    let summary = run.execute(dir, CONFIG_TOML, observer)?;
    Ok(summary
        .queries
        .into_iter()
        .map(QueryRecord::without_times)
        .collect())
}

fn read_records(dir: &Path) -> Vec<QueryRecord> {
    std::fs::read_to_string(dir.join("queries.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            serde_json::from_str::<QueryRecord>(l)
                .unwrap()
                .without_times()
        })
        .collect()
}

/// Stop `dir`'s run after 7 of its 10 queries (2 of round 1 recorded).
fn stop_at_query_7(dir: &Path, inducing: usize) {
    let stopped = run(dir, inducing, Some(7), &mut Resumes::default());
    assert!(stopped.is_err(), "the run did not stop");
    assert_eq!(read_records(dir).len(), 7);
}

#[test]
fn a_stopped_round_goes_on_from_the_snapshot_as_if_it_never_stopped() {
    for inducing in [0, 8] {
        let tmp = tempfile::tempdir().unwrap();
        let reference = run(
            &tmp.path().join("reference"),
            inducing,
            None,
            &mut Resumes::default(),
        )
        .unwrap();
        assert_eq!(reference.len(), 10);

        let dir = tmp.path().join("stopped");
        stop_at_query_7(&dir, inducing);
        let snapshot: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(dir.join("proposer.json")).unwrap())
                .unwrap();
        assert_eq!(snapshot["round"], 1, "inducing {inducing}");
        assert_eq!(snapshot["next_query"], 7, "inducing {inducing}");

        let mut seen = Resumes::default();
        let resumed = run(&dir, inducing, None, &mut seen).unwrap();
        assert_eq!(seen.restored, vec![(1, 7)], "inducing {inducing}");
        assert!(seen.unusable.is_empty(), "{:?}", seen.unusable);
        assert_eq!(resumed, reference, "inducing {inducing}");
    }
}

#[test]
fn a_snapshot_that_does_not_match_the_record_is_replaced_by_a_replay() {
    let tmp = tempfile::tempdir().unwrap();
    let inducing = 8;
    let reference = run(
        &tmp.path().join("reference"),
        inducing,
        None,
        &mut Resumes::default(),
    )
    .unwrap();
    for (case, text) in [
        // taken before an earlier query than the record's last
        ("stale", None),
        // a state the proposer cannot read
        (
            "foreign",
            Some(r#"{"round":1,"next_query":7,"state":{"lengthscales":[1.0]}}"#),
        ),
        // not JSON at all
        ("torn", Some(r#"{"round":1,"next_q"#)),
    ] {
        let dir = tmp.path().join(case);
        stop_at_query_7(&dir, inducing);
        let path = dir.join("proposer.json");
        let text = match text {
            Some(t) => t.to_owned(),
            None => std::fs::read_to_string(&path)
                .unwrap()
                .replace("\"next_query\":7", "\"next_query\":6"),
        };
        std::fs::write(&path, text).unwrap();
        let mut seen = Resumes::default();
        let resumed = run(&dir, inducing, None, &mut seen).unwrap();
        assert!(seen.restored.is_empty(), "{case}");
        assert_eq!(seen.unusable.len(), 1, "{case}");
        // round 1's two recorded queries were replayed
        assert_eq!(seen.replayed, 2, "{case}");
        assert_eq!(resumed, reference, "{case}");
    }
}
