//! The loop interrupted at every query, and during retraining, resumes to the uninterrupted run.
//!
//! Interruptions are injected as failures of the objective or of retraining: the run stops with
//! an error exactly where a crash would stop it, and the next execution resumes from the record.

use std::path::Path;

use lso_core::{
    BoxError, Decoded, Encoded, GenerativeModel, LoopConfig, NoObserver, Objective, Outcome,
    ProposalRequest, Proposer, QueryRecord, Run, RunError, StreamRng,
};
use lso_tasks::synthetic::{LinearModel, Point, SphereObjective, SyntheticConfig};
use lso_weighting::WeightingConfig;
use ndarray::{Array2, ArrayView2};
use rand::RngExt;

/// Proposes the best latent point of the surrogate data plus a Gaussian step, one at a time,
/// every coordinate moved by the shift (non-zero: a proposer that gives other numbers after a
/// restart, as a different thread count or machine would).
struct LocalStep(f64);

impl<M: GenerativeModel> Proposer<M> for LocalStep {
    fn batch_size(&self) -> Option<usize> {
        Some(1)
    }
    fn needs_latent_data(&self) -> bool {
        true
    }
    fn propose(&mut self, req: ProposalRequest<'_, M>) -> Result<Array2<f64>, BoxError> {
        let data = req.data.ok_or("no latent data")?;
        let best = (0..data.len())
            .max_by(|&a, &b| data.y[a].total_cmp(&data.y[b]))
            .ok_or("empty latent data")?;
        let mut z = data.z.row(best).to_owned();
        for v in z.iter_mut() {
            *v += 0.8 * req.rng.sample::<f64, _>(rand_distr::StandardNormal) + self.0;
        }
        Ok(z.insert_axis(ndarray::Axis(0)))
    }
}

/// The linear model, decoding points with `z[0] > 1.2` as invalid, and able to fail retraining.
struct Model {
    inner: LinearModel,
    fail_retrain_in: Option<usize>,
    retrains: usize,
}

impl GenerativeModel for Model {
    type Item = Point;
    fn latent_dim(&self) -> usize {
        self.inner.latent_dim()
    }
    fn encode(&mut self, items: &[Point]) -> Result<Vec<Encoded>, BoxError> {
        self.inner.encode(items)
    }
    fn decode(
        &mut self,
        z: ArrayView2<'_, f64>,
        rng: &mut StreamRng,
    ) -> Result<Vec<Decoded<Point>>, BoxError> {
        let mut out = self.inner.decode(z, rng)?;
        for (d, row) in out.iter_mut().zip(z.rows()) {
            if row[0] > 1.2 {
                *d = Decoded::Invalid("outside the decodable region".into());
            }
        }
        Ok(out)
    }
    fn retrain(
        &mut self,
        items: &[Point],
        w: &[f64],
        epochs: f64,
        rng: &mut StreamRng,
        progress: &mut dyn FnMut(usize, usize),
        partial: &Path,
    ) -> Result<(), BoxError> {
        if self.fail_retrain_in == Some(self.retrains) {
            return Err("injected crash during retraining".into());
        }
        self.retrains += 1;
        self.inner.retrain(items, w, epochs, rng, progress, partial)
    }
    fn save_checkpoint(&self, dir: &Path) -> Result<(), BoxError> {
        self.inner.save_checkpoint(dir)
    }
    fn load_checkpoint(&mut self, dir: &Path) -> Result<(), BoxError> {
        self.inner.load_checkpoint(dir)
    }
}

/// The sphere objective, failing on its `fail_at`-th call and counting items evaluated.
struct Counting {
    inner: SphereObjective,
    fail_at: Option<usize>,
    calls: usize,
    evaluated: usize,
}

impl Objective<Point> for Counting {
    fn evaluate(&mut self, items: &[Point]) -> Result<Vec<Outcome>, BoxError> {
        if self.fail_at == Some(self.calls) {
            return Err("injected crash during evaluation".into());
        }
        self.calls += 1;
        self.evaluated += items.len();
        self.inner.evaluate(items)
    }
}

const CONFIG: &str = "[test]\nname = \"loop_resume\"\n";

fn settings(weighting: WeightingConfig) -> LoopConfig {
    LoopConfig {
        seed: 3,
        budget: 17,
        retrain_every: 5,
        initial_retrain_epochs: 1.0,
        retrain_epochs: 0.5,
        samples_per_model: 2,
        invalid_score: -20.0,
        weighting,
        ..LoopConfig::default()
    }
}

fn execute(
    dir: &Path,
    weighting: WeightingConfig,
    fail_at: Option<usize>,
    fail_retrain_in: Option<usize>,
) -> Result<Vec<QueryRecord>, RunError> {
    let task = SyntheticConfig {
        n_data: 30,
        ..Default::default()
    }
    .build("")
    .unwrap();
    let model = Model {
        inner: task.model,
        fail_retrain_in,
        retrains: 0,
    };
    let objective = Counting {
        inner: task.objective,
        fail_at,
        calls: 0,
        evaluated: 0,
    };
    let mut run = Run::new(
        settings(weighting).check("").unwrap(),
        model,
        objective,
        LocalStep(0.0),
        task.data,
    );
    run.execute(dir, CONFIG, &mut NoObserver).map(|s| s.queries)
}

fn strip(q: Vec<QueryRecord>) -> Vec<QueryRecord> {
    q.into_iter().map(QueryRecord::without_times).collect()
}

fn check_all_interruptions(weighting: WeightingConfig) {
    let tmp = tempfile::tempdir().unwrap();
    let reference = strip(execute(&tmp.path().join("reference"), weighting, None, None).unwrap());
    assert_eq!(reference.len(), 17);
    assert!(
        reference.iter().any(|q| q.value.is_none()),
        "no invalid decode exercised"
    );
    assert!(reference.iter().any(|q| q.value.is_some()));

    // Every objective call (prior samples and queries) is a possible crash point.
    for fail_at in 0..40 {
        let dir = tmp.path().join(format!("eval-{fail_at}"));
        let first = execute(&dir, weighting, Some(fail_at), None);
        if first.is_ok() {
            break; // fewer calls than fail_at: nothing more to interrupt
        }
        assert!(matches!(first, Err(RunError::Evaluate { .. })), "{first:?}");
        let resumed = strip(execute(&dir, weighting, None, None).unwrap());
        assert_eq!(
            resumed, reference,
            "interrupted at objective call {fail_at}"
        );
    }
    // Every retraining is a possible crash point too.
    for fail_retrain_in in 0..4 {
        let dir = tmp.path().join(format!("retrain-{fail_retrain_in}"));
        let first = execute(&dir, weighting, None, Some(fail_retrain_in));
        assert!(matches!(first, Err(RunError::Retrain { .. })), "{first:?}");
        let resumed = strip(execute(&dir, weighting, None, None).unwrap());
        assert_eq!(
            resumed, reference,
            "interrupted in retraining {fail_retrain_in}"
        );
    }
}

/// A run directory that lost its model checkpoints (restored from its records alone, say)
/// resumes by replaying the finished rounds' retrainings, to the uninterrupted run.
#[test]
fn a_run_without_its_checkpoints_replays_the_retrainings() {
    let weighting = WeightingConfig::Rank { k: 1e-3 };
    let tmp = tempfile::tempdir().unwrap();
    let reference = strip(execute(&tmp.path().join("reference"), weighting, None, None).unwrap());
    // interrupted in round 1, 2 and 3 (5 queries a round, 2 prior samples before each round)
    for fail_at in [8, 14, 19] {
        let dir = tmp.path().join(format!("lost-{fail_at}"));
        let first = execute(&dir, weighting, Some(fail_at), None);
        assert!(matches!(first, Err(RunError::Evaluate { .. })), "{first:?}");
        let models = dir.join("models");
        assert!(models.is_dir(), "no checkpoint was written");
        std::fs::remove_dir_all(&models).unwrap();
        let resumed = strip(execute(&dir, weighting, None, None).unwrap());
        assert_eq!(
            resumed, reference,
            "interrupted at objective call {fail_at}"
        );
    }
}

#[test]
fn rank_weighted_run_resumes_from_any_interruption() {
    check_all_interruptions(WeightingConfig::Rank { k: 1e-3 });
}

#[test]
fn feedback_run_resumes_from_any_interruption() {
    check_all_interruptions(WeightingConfig::Fb { quantile: 0.5 });
}

#[test]
fn resumed_runs_do_not_evaluate_recorded_queries_again() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("run");
    let w = WeightingConfig::Rank { k: 1e-3 };
    let task = SyntheticConfig {
        n_data: 30,
        ..Default::default()
    }
    .build("")
    .unwrap();
    let model = Model {
        inner: task.model.clone(),
        fail_retrain_in: None,
        retrains: 0,
    };
    let objective = Counting {
        inner: task.objective.clone(),
        fail_at: Some(9),
        calls: 0,
        evaluated: 0,
    };
    let mut run = Run::new(
        settings(w).check("").unwrap(),
        model,
        objective,
        LocalStep(0.0),
        task.data.clone(),
    );
    assert!(run.execute(&dir, CONFIG, &mut NoObserver).is_err());
    let read = |name: &str| -> Vec<String> {
        std::fs::read_to_string(dir.join(name))
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    };
    let recorded = read("queries.jsonl").len();
    let samples_before = read("samples.jsonl").len();
    assert!(recorded > 0);

    // A second execution evaluates exactly the queries (and samples) not yet recorded.
    struct Spy<'a>(&'a mut usize, SphereObjective);
    impl Objective<Point> for Spy<'_> {
        fn evaluate(&mut self, items: &[Point]) -> Result<Vec<Outcome>, BoxError> {
            *self.0 += items.len();
            self.1.evaluate(items)
        }
    }
    let mut evaluated = 0;
    let model = Model {
        inner: task.model,
        fail_retrain_in: None,
        retrains: 0,
    };
    let mut run = Run::new(
        settings(w).check("").unwrap(),
        model,
        Spy(&mut evaluated, task.objective),
        LocalStep(0.0),
        task.data,
    );
    let summary = run.execute(&dir, CONFIG, &mut NoObserver).unwrap();
    drop(run);
    let valid_new = summary.queries[recorded..]
        .iter()
        .filter(|q| q.item.is_some())
        .count();
    let valid_new_samples = read("samples.jsonl")[samples_before..]
        .iter()
        .filter(|l| !l.contains("\"item\":null"))
        .count();
    assert_eq!(summary.resumed_at, recorded);
    // exactly the new valid queries and the new valid prior samples reach the objective
    assert_eq!(evaluated, valid_new + valid_new_samples);
}

#[test]
fn same_seed_same_run_different_seed_different_run() {
    let tmp = tempfile::tempdir().unwrap();
    let w = WeightingConfig::Rank { k: 1e-3 };
    let a = strip(execute(&tmp.path().join("a"), w, None, None).unwrap());
    let b = strip(execute(&tmp.path().join("b"), w, None, None).unwrap());
    assert_eq!(a, b);
    let task = SyntheticConfig {
        n_data: 30,
        ..Default::default()
    }
    .build("")
    .unwrap();
    let model = Model {
        inner: task.model,
        fail_retrain_in: None,
        retrains: 0,
    };
    let objective = Counting {
        inner: task.objective,
        fail_at: None,
        calls: 0,
        evaluated: 0,
    };
    let mut cfg = settings(w);
    cfg.seed = 4;
    let mut run = Run::new(
        cfg.check("").unwrap(),
        model,
        objective,
        LocalStep(0.0),
        task.data,
    );
    let c = strip(
        run.execute(&tmp.path().join("c"), CONFIG, &mut NoObserver)
            .unwrap()
            .queries,
    );
    assert_ne!(a, c);
}

/// Collects the queries whose replay diverged.
#[derive(Default)]
struct Divergences(Vec<(usize, String)>);

impl lso_core::Observer for Divergences {
    fn on_replay_diverged(&mut self, query: usize, detail: &str) {
        self.0.push((query, detail.to_owned()));
    }
}

#[test]
fn a_replay_that_diverges_continues_from_the_record() {
    let tmp = tempfile::tempdir().unwrap();
    let w = WeightingConfig::Rank { k: 1e-3 };
    let task = SyntheticConfig {
        n_data: 30,
        ..Default::default()
    }
    .build("")
    .unwrap();
    let model = || Model {
        inner: task.model.clone(),
        fail_retrain_in: None,
        retrains: 0,
    };
    let read = |dir: &Path| -> Vec<String> {
        std::fs::read_to_string(dir.join("queries.jsonl"))
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    };
    // interrupt a run with at least two queries recorded in its unfinished round
    let (dir, before) = (5..40)
        .find_map(|fail_at| {
            let dir = tmp.path().join(format!("run-{fail_at}"));
            let objective = Counting {
                inner: task.objective.clone(),
                fail_at: Some(fail_at),
                calls: 0,
                evaluated: 0,
            };
            let mut run = Run::new(
                settings(w).check("").unwrap(),
                model(),
                objective,
                LocalStep(0.0),
                task.data.clone(),
            );
            assert!(run.execute(&dir, CONFIG, &mut NoObserver).is_err());
            let lines = read(&dir);
            (lines.len() % 5 >= 2).then_some((dir, lines))
        })
        .expect("an interruption inside a round");
    let recorded = before.len();
    let round_start = recorded / 5 * 5;

    // resumed with a proposer that no longer reproduces the record
    let mut divergences = Divergences::default();
    let objective = Counting {
        inner: task.objective.clone(),
        fail_at: None,
        calls: 0,
        evaluated: 0,
    };
    let mut run = Run::new(
        settings(w).check("").unwrap(),
        model(),
        objective,
        LocalStep(1e-6),
        task.data.clone(),
    );
    let summary = run.execute(&dir, CONFIG, &mut divergences).unwrap();
    assert_eq!(summary.queries.len(), 17);
    assert_eq!(summary.resumed_at, recorded);
    let diverged: Vec<usize> = divergences.0.iter().map(|(q, _)| *q).collect();
    assert_eq!(diverged, (round_start..recorded).collect::<Vec<_>>());
    assert!(
        divergences
            .0
            .iter()
            .all(|(_, d)| d.contains("differs") || d.contains("recorded item")),
        "{:?}",
        divergences.0
    );
    // the recorded queries stay as they were, byte for byte, and the run went on after them
    assert_eq!(read(&dir)[..recorded], before[..]);
    assert_eq!(read(&dir).len(), 17);
}
