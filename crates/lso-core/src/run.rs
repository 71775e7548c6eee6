//! The weighted-retraining loop.

use std::collections::HashSet;
use std::path::Path;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use ndarray::{Array2, ArrayView1};

use crate::record::{FNV_OFFSET, Recorded, fnv1a};
use crate::{
    Dataset, Decoded, Encoded, GenerativeModel, LatentData, LoopSettings, Objective, Observer,
    Outcome, ProposalRequest, Proposer, ProposerSnapshot, QueryRecord, RecordError, RoundRecord,
    RunDir, RunError, SampleRecord, Stage, TextItem, stream_rng, top_k_mean,
};

/// Everything a finished run recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    /// Every query, in order.
    pub queries: Vec<QueryRecord>,
    /// Every round's summary.
    pub rounds: Vec<RoundRecord>,
    /// Queries that were already recorded when this execution started (0 for a fresh run).
    pub resumed_at: usize,
}

/// A weighted-retraining run: the components, the loop settings and the initial data.
///
/// [`Run::execute`] runs the loop as the paper's official code does. For each round `i` of
/// `ceil(B / r)`:
/// 1. retrain the model on the data weighted by the run's weighting, for the initial epochs in
///    round 0 and the per-round epochs later (skipped when 0), and checkpoint it;
/// 2. decode and score `samples_per_model` prior samples, for the log only;
/// 3. if the proposer needs it, encode the surrogate's training points (the best `n_best` and
///    `n_random` random others) with targets floored at the invalid score;
/// 4. make `min(r, B - r i)` queries, asking the proposer for its batch size at a time (one at a
///    time for a surrogate refit after every query); a batch is decoded at once, then its
///    points are evaluated one at a time (the objective sees one item per call), each recorded
///    durably as its evaluation completes, and appended to the surrogate's data;
/// 5. add the round's queried items to the data (all of them, or the top of the round for the
///    feedback scheme) and record the round's summary.
///
/// A query whose latent point decodes to no item is recorded as invalid and never reaches the
/// objective; it enters the surrogate data at the invalid score but not the training data.
pub struct Run<M: GenerativeModel, O, P> {
    settings: LoopSettings,
    model: M,
    objective: O,
    proposer: P,
    data: Dataset<M::Item>,
}

impl<M, O, P> Run<M, O, P>
where
    M: GenerativeModel,
    O: Objective<M::Item>,
    P: Proposer<M>,
{
    /// A run from its settings, components and initial data.
    pub fn new(
        settings: LoopSettings,
        model: M,
        objective: O,
        proposer: P,
        initial: Dataset<M::Item>,
    ) -> Self {
        Self {
            settings,
            model,
            objective,
            proposer,
            data: initial,
        }
    }

    /// The generative model (after [`Run::execute`]: as the run left it).
    pub fn model(&self) -> &M {
        &self.model
    }

    /// The current training data.
    pub fn data(&self) -> &Dataset<M::Item> {
        &self.data
    }

    /// Run (or resume) the loop, recording into the run directory `dir`.
    ///
    /// `config_toml` is the run's full resolved config; it is stored in a new run directory and
    /// must equal the stored one to resume an existing run. Recorded queries are never evaluated
    /// again. A proposer that keeps a [`Proposer::snapshot`] (saved after every query) goes on
    /// from it at the first unrecorded query. Otherwise (or if the snapshot does not match the
    /// record) the resumed round is replayed from its start, with recorded outcomes in place of
    /// the objective, and every replayed proposal and decode is checked against the record. A
    /// replay that differs (other thread count or machine: floating-point sums in another
    /// order) is reported to the observer and the round continues from the recorded queries.
    ///
    /// # Errors
    /// [`RunError`], naming the stage, round and query that failed.
    pub fn execute(
        &mut self,
        dir: &Path,
        config_toml: &str,
        observer: &mut dyn Observer,
    ) -> Result<RunSummary, RunError> {
        let fingerprint = data_fingerprint(&self.data);
        let (mut run_dir, recorded) = RunDir::open(dir, config_toml, fingerprint, self.data.len())?;
        let start_round = self.check_recorded(&run_dir, &recorded)?;
        let resumed_at = recorded.queries.len();
        observer.on_start(self.settings.config().budget, &recorded.queries);

        // The latest checkpoint holds the model of its round; the retrainings of later finished
        // rounds (their checkpoints lost, e.g. a run directory restored from its records alone)
        // are replayed on the data each of them saw, so the model is the one the run had.
        let checkpoint = run_dir.latest_checkpoint()?;
        let replay_from = checkpoint.as_ref().map_or(0, |(c, _)| c + 1);
        if let Some((round, path)) = checkpoint {
            self.model
                .load_checkpoint(&path)
                .map_err(|source| RunError::Checkpoint { round, source })?;
        }
        for round in 0..start_round {
            if round >= replay_from {
                self.retrain(round, &run_dir, observer)?;
            }
            let (first, end) = (
                self.settings.first_query(round),
                self.settings.first_query(round + 1),
            );
            let items = recorded.queries[first..end]
                .iter()
                .map(|q| recorded_item::<M::Item>(q, dir))
                .collect::<Result<Vec<_>, _>>()?;
            self.admit_round(round, &recorded.queries[first..end], items)?;
        }

        let mut queries = recorded.queries;
        let mut rounds = recorded.rounds;
        for round in start_round..self.settings.n_rounds() {
            let started = Instant::now();
            let mut lap = started;
            self.retrain(round, &run_dir, observer)?;
            let retrain_seconds = lap_seconds(&mut lap);
            if self.settings.config().samples_per_model > 0 {
                observer.on_stage(round, "samples");
                self.log_samples(round, &recorded.samples, &mut run_dir)?;
            }
            let samples_seconds = lap_seconds(&mut lap);
            let mut latent = if self.proposer.needs_latent_data() {
                observer.on_stage(round, "encode");
                Some(self.latent_data(round)?)
            } else {
                None
            };
            let encode_seconds = lap_seconds(&mut lap);
            observer.on_stage(round, "queries");
            let items =
                self.query_round(round, &mut latent, &mut queries, &mut run_dir, observer)?;
            let (first, end) = (
                self.settings.first_query(round),
                self.settings.first_query(round + 1),
            );
            let n_admitted = self.admit_round(round, &queries[first..end], items)?;
            let invalid_score = self.settings.config().invalid_score;
            let all: Vec<f64> = queries
                .iter()
                .map(|q| q.value.unwrap_or(invalid_score))
                .collect();
            let record = RoundRecord {
                round,
                queries_done: queries.len(),
                top1: top_k_mean(&all, 1),
                top10: top_k_mean(&all, 10),
                top50: top_k_mean(&all, 50),
                n_invalid: queries[first..end]
                    .iter()
                    .filter(|q| q.value.is_none())
                    .count(),
                n_admitted,
                dataset_size: self.data.len(),
                seconds: started.elapsed().as_secs_f64(),
                retrain_seconds,
                samples_seconds,
                encode_seconds,
            };
            run_dir.append_round(&record)?;
            observer.on_round(&record);
            rounds.push(record);
        }
        Ok(RunSummary {
            queries,
            rounds,
            resumed_at,
        })
    }

    /// Check the recorded logs against the schedule; return the first unfinished round.
    fn check_recorded(&self, run_dir: &RunDir, recorded: &Recorded) -> Result<usize, RunError> {
        let s = &self.settings;
        let r = s.config().retrain_every;
        let bad = |reason: String| {
            RunError::Record(RecordError::Inconsistent {
                dir: run_dir.path().to_owned(),
                reason,
            })
        };
        for (i, q) in recorded.queries.iter().enumerate() {
            if q.query != i || q.round != i / r {
                return Err(bad(format!(
                    "line {} of queries.jsonl holds query {} of round {}; expected query {i} of round {}",
                    i + 1,
                    q.query,
                    q.round,
                    i / r
                )));
            }
        }
        for (i, round) in recorded.rounds.iter().enumerate() {
            if round.round != i {
                return Err(bad(format!(
                    "line {} of rounds.jsonl is round {}",
                    i + 1,
                    round.round
                )));
            }
        }
        let start = recorded.rounds.len();
        let n = recorded.queries.len();
        if start > s.n_rounds() || n < s.first_query(start) || n > s.first_query(start + 1) {
            return Err(bad(format!(
                "{start} finished rounds but {n} recorded queries; the schedule has {} rounds of {r}",
                s.n_rounds()
            )));
        }
        if let Some((c, _)) = run_dir.latest_checkpoint()?
            && c > start
        {
            return Err(bad(format!(
                "model checkpoint of round {c} but only {start} rounds finished"
            )));
        }
        Ok(start)
    }

    /// Retrain at the start of `round` unless the schedule skips it or a checkpoint has it.
    fn retrain(
        &mut self,
        round: usize,
        run_dir: &RunDir,
        observer: &mut dyn Observer,
    ) -> Result<(), RunError> {
        let epochs = self.settings.epochs(round);
        let checkpointed = run_dir.latest_checkpoint()?.map(|(c, _)| c) == Some(round);
        if epochs <= 0.0 || checkpointed {
            return Ok(());
        }
        observer.on_stage(round, "retrain");
        let weights = self
            .settings
            .weighting()
            .weights(&self.data.values)
            .map_err(|source| RunError::Weighting { round, source })?;
        let mut rng = stream_rng(self.settings.config().seed, round, Stage::Retrain, 0);
        self.model
            .retrain(
                &self.data.items,
                &weights,
                epochs,
                &mut rng,
                &mut |done, total| {
                    observer.on_progress(round, "retrain", done, total);
                },
                &run_dir.retrain_progress_dir(round),
            )
            .map_err(|source| RunError::Retrain { round, source })?;
        let model = &self.model;
        run_dir
            .save_checkpoint(round, |path| model.save_checkpoint(path))
            .map_err(|source| RunError::Checkpoint { round, source })
    }

    /// Decode and score the prior samples of the model version `round`, skipping recorded ones.
    fn log_samples(
        &mut self,
        round: usize,
        recorded: &[SampleRecord],
        run_dir: &mut RunDir,
    ) -> Result<(), RunError> {
        let n = self.settings.config().samples_per_model;
        let seed = self.settings.config().seed;
        let done: HashSet<usize> = recorded
            .iter()
            .filter(|s| s.model_version == round)
            .map(|s| s.index)
            .collect();
        if (0..n).all(|i| done.contains(&i)) {
            return Ok(());
        }
        let z = self
            .model
            .sample_prior(n, &mut stream_rng(seed, round, Stage::Samples, 0));
        let decoded = self
            .model
            .decode(
                z.view(),
                &mut stream_rng(seed, round, Stage::SampleDecode, 0),
            )
            .map_err(|source| RunError::Decode {
                round,
                query: usize::MAX,
                source,
            })?;
        check_len("decode", decoded.len(), n)?;
        let todo: Vec<usize> = (0..n).filter(|i| !done.contains(i)).collect();
        let outcomes = self.evaluate(round, usize::MAX, todo.iter().map(|&i| &decoded[i]))?;
        let records: Vec<SampleRecord> = todo
            .iter()
            .zip(outcomes)
            .map(|(&i, (value, invalid))| SampleRecord {
                model_version: round,
                index: i,
                item: item_text(&decoded[i]),
                value,
                invalid,
            })
            .collect();
        run_dir.append_samples(&records)?;
        Ok(())
    }

    /// Encode the surrogate's training points of `round`.
    fn latent_data(&mut self, round: usize) -> Result<LatentData, RunError> {
        let cfg = self.settings.config();
        let n = self.data.len();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| {
            self.data.values[b]
                .total_cmp(&self.data.values[a])
                .then(a.cmp(&b))
        });
        let n_best = cfg.surrogate_data.n_best.min(n);
        let rest = &order[n_best..];
        let n_random = cfg.surrogate_data.n_random.min(rest.len());
        let mut rng = stream_rng(cfg.seed, round, Stage::SurrogateData, 0);
        let chosen = rand::seq::index::sample(&mut rng, rest.len(), n_random);
        let selected: Vec<usize> = order[..n_best]
            .iter()
            .copied()
            .chain(chosen.iter().map(|i| rest[i]))
            .collect();
        let items: Vec<M::Item> = selected
            .iter()
            .map(|&i| self.data.items[i].clone())
            .collect();
        let encoded = self
            .model
            .encode(&items)
            .map_err(|source| RunError::Encode { round, source })?;
        check_len("encode", encoded.len(), items.len())?;
        let d = self.model.latent_dim();
        let mut z = Vec::with_capacity(selected.len() * d);
        let mut y = Vec::with_capacity(selected.len());
        for (&i, e) in selected.iter().zip(encoded) {
            if let Encoded::Latent(v) = e {
                if v.len() != d || v.iter().any(|x| !x.is_finite()) {
                    return Err(RunError::Encode {
                        round,
                        source: format!(
                            "data point {i} encoded to {} non-finite or mis-sized values",
                            v.len()
                        )
                        .into(),
                    });
                }
                z.extend(v);
                y.push(self.data.values[i].max(cfg.invalid_score));
            }
        }
        let z = Array2::from_shape_vec((y.len(), d), z).expect("rows of the latent dimension");
        Ok(LatentData { z, y })
    }

    /// Make the queries of `round`; return the decoded item of each.
    fn query_round(
        &mut self,
        round: usize,
        latent: &mut Option<LatentData>,
        queries: &mut Vec<QueryRecord>,
        run_dir: &mut RunDir,
        observer: &mut dyn Observer,
    ) -> Result<Vec<Option<M::Item>>, RunError> {
        let seed = self.settings.config().seed;
        let invalid_score = self.settings.config().invalid_score;
        let (first, end) = (
            self.settings.first_query(round),
            self.settings.first_query(round + 1),
        );
        let d = self.model.latent_dim();
        let mut items = Vec::with_capacity(end - first);
        let mut next = first;
        if let Some(resume_at) =
            self.restore_snapshot(round, first, queries.len(), run_dir, observer)
        {
            for record in &queries[first..resume_at] {
                push_recorded(latent.as_mut(), record, invalid_score);
                items.push(recorded_item::<M::Item>(record, run_dir.path())?);
                observer.on_query(record, true);
            }
            next = resume_at;
        }
        while next < end {
            let n = self
                .proposer
                .batch_size()
                .map_or(end - next, |b| b.clamp(1, end - next));
            let proposing = Instant::now();
            let z = self
                .proposer
                .propose(ProposalRequest {
                    model: &mut self.model,
                    data: latent.as_ref(),
                    n,
                    first_in_round: next == first,
                    rng: &mut stream_rng(seed, round, Stage::Propose, next),
                })
                .map_err(|source| RunError::Propose {
                    round,
                    query: next,
                    source,
                })?;
            if z.dim() != (n, d) {
                return Err(RunError::ProposalShape {
                    query: next,
                    rows: z.nrows(),
                    cols: z.ncols(),
                    expected_rows: n,
                    expected_cols: d,
                });
            }
            if z.iter().any(|v| !v.is_finite()) {
                return Err(RunError::Propose {
                    round,
                    query: next,
                    source: "proposed latent point is not finite".into(),
                });
            }
            let propose_seconds = proposing.elapsed().as_secs_f64() / n as f64;
            let decoding = Instant::now();
            let decoded = self
                .model
                .decode(z.view(), &mut stream_rng(seed, round, Stage::Decode, next))
                .map_err(|source| RunError::Decode {
                    round,
                    query: next,
                    source,
                })?;
            check_len("decode", decoded.len(), n)?;
            let decode_seconds = decoding.elapsed().as_secs_f64() / n as f64;
            let recorded = queries.len();
            let fresh = recorded.saturating_sub(next).min(n)..n;
            for (j, dec) in decoded.into_iter().enumerate() {
                let q = next + j;
                let mut diverged = false;
                if fresh.contains(&j) {
                    // one evaluation at a time, each recorded (fsynced) as it completes, so a
                    // kill during a batch loses at most the evaluation under way
                    let started = Instant::now();
                    let (value, invalid) = self
                        .evaluate(round, q, std::iter::once(&dec))?
                        .pop()
                        .expect("one outcome per query");
                    let per_item = started.elapsed().as_secs_f64();
                    let rec = QueryRecord {
                        query: q,
                        round,
                        z: z.row(j).to_vec(),
                        item: item_text(&dec),
                        value,
                        invalid,
                        seconds: per_item,
                        propose_seconds,
                        decode_seconds,
                        unix_time: SystemTime::now()
                            .duration_since(UNIX_EPOCH)
                            .map_or(0.0, |t| t.as_secs_f64()),
                    };
                    run_dir.append_query(&rec)?;
                    observer.on_query(&rec, false);
                    queries.push(rec);
                } else {
                    if let Some(detail) = replay_difference(&queries[q], z.row(j), &dec) {
                        observer.on_replay_diverged(q, &detail);
                        diverged = true;
                    }
                    observer.on_query(&queries[q], true);
                }
                // a replay that diverged from the record continues from the record
                push_recorded(latent.as_mut(), &queries[q], invalid_score);
                items.push(if diverged {
                    recorded_item::<M::Item>(&queries[q], run_dir.path())?
                } else {
                    match dec {
                        Decoded::Item(x) => Some(x),
                        Decoded::Invalid(_) => None,
                    }
                });
            }
            if !fresh.is_empty()
                && let Some(state) = self.proposer.snapshot()
            {
                run_dir.save_snapshot(&ProposerSnapshot {
                    round,
                    next_query: next + n,
                    state,
                })?;
            }
            next += n;
        }
        Ok(items)
    }

    /// Where a resumed `round` goes on without replaying its recorded queries: the first
    /// unrecorded query, if the proposer's snapshot was taken there and the proposer took it
    /// back; `None` to replay the round from `first`.
    fn restore_snapshot(
        &mut self,
        round: usize,
        first: usize,
        recorded: usize,
        run_dir: &RunDir,
        observer: &mut dyn Observer,
    ) -> Option<usize> {
        if recorded <= first {
            return None;
        }
        let snapshot = match run_dir.read_snapshot() {
            Ok(Some(s)) => s,
            Ok(None) => return None,
            Err(e) => {
                observer.on_snapshot_unusable(&e.to_string());
                return None;
            }
        };
        if (snapshot.round, snapshot.next_query) != (round, recorded) {
            observer.on_snapshot_unusable(&format!(
                "it was taken before query {} of round {}, but the record goes on to query {recorded} \
                 of round {round}",
                snapshot.next_query, snapshot.round
            ));
            return None;
        }
        if let Err(e) = self.proposer.restore(&snapshot.state) {
            observer.on_snapshot_unusable(&e.to_string());
            return None;
        }
        observer.on_snapshot_restored(round, recorded);
        Some(recorded)
    }

    /// Evaluate decoded points: invalid decodes are not sent to the objective.
    /// Returns `(value, invalid reason)` per point.
    fn evaluate<'a>(
        &mut self,
        round: usize,
        query: usize,
        decoded: impl Iterator<Item = &'a Decoded<M::Item>>,
    ) -> Result<Vec<Scored>, RunError>
    where
        M::Item: 'a,
    {
        let decoded: Vec<&Decoded<M::Item>> = decoded.collect();
        let items: Vec<M::Item> = decoded
            .iter()
            .filter_map(|d| match d {
                Decoded::Item(x) => Some(x.clone()),
                Decoded::Invalid(_) => None,
            })
            .collect();
        let outcomes = if items.is_empty() {
            Vec::new()
        } else {
            self.objective
                .evaluate(&items)
                .map_err(|source| RunError::Evaluate {
                    round,
                    query,
                    source,
                })?
        };
        check_len("objective", outcomes.len(), items.len())?;
        let mut outcomes = outcomes.into_iter();
        decoded
            .iter()
            .map(|d| match d {
                Decoded::Invalid(reason) => Ok((None, Some(format!("decode: {reason}")))),
                Decoded::Item(_) => match outcomes.next().expect("one outcome per item") {
                    Outcome::Value(v) if v.is_finite() => Ok((Some(v), None)),
                    Outcome::Value(v) => Err(RunError::NonFiniteValue { query, value: v }),
                    Outcome::Invalid(reason) => Ok((None, Some(reason))),
                },
            })
            .collect()
    }

    /// Add the queried items of a finished round to the data; return how many were added.
    fn admit_round(
        &mut self,
        round: usize,
        queries: &[QueryRecord],
        items: Vec<Option<M::Item>>,
    ) -> Result<usize, RunError> {
        let invalid_score = self.settings.config().invalid_score;
        let (items, values): (Vec<M::Item>, Vec<f64>) = items
            .into_iter()
            .zip(queries)
            .filter_map(|(item, q)| item.map(|x| (x, q.value.unwrap_or(invalid_score))))
            .unzip();
        let admitted = self
            .settings
            .weighting()
            .admit(&values)
            .map_err(|source| RunError::Weighting { round, source })?;
        let mut n = 0;
        for ((item, value), keep) in items.into_iter().zip(values).zip(admitted) {
            if keep {
                self.data.push(item, value);
                n += 1;
            }
        }
        Ok(n)
    }
}

/// Fingerprint of a dataset: FNV-1a over item texts and value bits.
pub(crate) fn data_fingerprint<T: TextItem>(data: &Dataset<T>) -> u64 {
    data.items
        .iter()
        .zip(&data.values)
        .fold(FNV_OFFSET, |h, (item, value)| {
            let h = fnv1a(h, item.to_text().as_bytes());
            fnv1a(fnv1a(h, b"\n"), &value.to_bits().to_le_bytes())
        })
}

/// A point's objective value and, when invalid, the reason.
type Scored = (Option<f64>, Option<String>);

/// How a replayed query differs from its record (decoded item or latent point), if it does.
fn replay_difference<T: TextItem>(
    rec: &QueryRecord,
    z: ArrayView1<'_, f64>,
    decoded: &Decoded<T>,
) -> Option<String> {
    let text = item_text(decoded);
    if rec.item != text {
        return Some(format!(
            "recorded item {:?}, replayed {:?}",
            rec.item.as_deref().unwrap_or("(invalid)"),
            text.as_deref().unwrap_or("(invalid)")
        ));
    }
    if rec.z.len() != z.len() || !rec.z.iter().eq(z.iter()) {
        let gap = rec
            .z
            .iter()
            .zip(z.iter())
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        return Some(format!(
            "same item, latent point differs by up to {gap:.3e}"
        ));
    }
    None
}

/// Add a recorded query to the surrogate's data, if the proposer has any: its latent point and
/// its value floored at the invalid score (the invalid score for an invalid query).
fn push_recorded(latent: Option<&mut LatentData>, record: &QueryRecord, invalid_score: f64) {
    if let Some(l) = latent {
        let y = record.value.unwrap_or(invalid_score).max(invalid_score);
        l.push(ArrayView1::from(&record.z[..]), y);
    }
}

/// The item of a recorded query, read back from its text (`None` for an invalid query).
fn recorded_item<T: TextItem>(rec: &QueryRecord, dir: &Path) -> Result<Option<T>, RunError> {
    rec.item
        .as_deref()
        .map(T::from_text)
        .transpose()
        .map_err(|e| {
            RecordError::Inconsistent {
                dir: dir.to_owned(),
                reason: format!("the item of query {} does not parse: {e}", rec.query),
            }
            .into()
        })
}

fn item_text<T: TextItem>(d: &Decoded<T>) -> Option<String> {
    match d {
        Decoded::Item(x) => Some(x.to_text()),
        Decoded::Invalid(_) => None,
    }
}

fn check_len(component: &'static str, got: usize, expected: usize) -> Result<(), RunError> {
    if got == expected {
        Ok(())
    } else {
        Err(RunError::BatchLength {
            component,
            got,
            expected,
        })
    }
}

/// Seconds since `lap`, which restarts now.
fn lap_seconds(lap: &mut Instant) -> f64 {
    let now = Instant::now();
    let seconds = now.duration_since(*lap).as_secs_f64();
    *lap = now;
    seconds
}
