//! The run directory: resolved config, manifest, append-only logs and model checkpoints.
//!
//! Layout of a run directory:
//!
//! | file | content |
//! |---|---|
//! | `config.toml` | the resolved config of the run, written before anything else |
//! | `run.json` | [`Manifest`]: format version, lso version, fingerprint of the initial data |
//! | `queries.jsonl` | one [`QueryRecord`] per line, every query in order |
//! | `samples.jsonl` | one [`SampleRecord`] per line: prior samples logged per model version |
//! | `rounds.jsonl` | one [`RoundRecord`] per line: per-round summary |
//! | `models/round-NNNNN/` | the latest model checkpoint (state after that round's retraining) |
//! | `models/partial-round-NNNNN/` | the progress of round NNNNN's retraining while it runs, if the model keeps one |
//! | `proposer.json` | [`ProposerSnapshot`]: the proposer's state after the latest query, so a resumed round goes on from there |
//! | `lock` | empty; locked (advisory, exclusive) by the process that has the run open |
//!
//! Only one process at a time may have a run open: a second one gets [`RecordError::InUse`]
//! instead of appending its queries beside the first one's. The operating system releases the
//! lock when its process ends, however it ends, so a killed run is resumed without clean-up.
//!
//! Every record is written with one `write` of a whole line, then flushed and fsynced before the
//! loop goes on. A run killed in the middle of a write leaves at most one incomplete last line,
//! which is dropped on resume (its evaluation was not yet recorded); any other malformed line is
//! an error naming the file and line.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::BoxError;

/// Version of the run directory format; a directory of another version is refused.
pub const FORMAT_VERSION: u32 = 1;

/// The run's config, as written when the run was created, in its directory.
pub const CONFIG_FILE: &str = "config.toml";
const CONFIG: &str = CONFIG_FILE;
const MANIFEST: &str = "run.json";
const QUERIES: &str = "queries.jsonl";
const SAMPLES: &str = "samples.jsonl";
const ROUNDS: &str = "rounds.jsonl";
const MODELS: &str = "models";
const SNAPSHOT: &str = "proposer.json";
const LOCK: &str = "lock";

/// The proposer's state after the recorded queries before `next_query` of `round`
/// ([`crate::Proposer::snapshot`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposerSnapshot {
    /// The round the queries belong to.
    pub round: usize,
    /// The first query not yet recorded when the snapshot was taken.
    pub next_query: usize,
    /// The proposer's own state.
    pub state: serde_json::Value,
}

/// Identity of a run directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT_VERSION`] of the writer.
    pub format_version: u32,
    /// Version of lso-core that created the run.
    pub lso_version: String,
    /// FNV-1a hash of the initial data (item texts and value bits), in hex.
    pub data_fingerprint: String,
    /// Number of initial data points.
    pub data_size: usize,
    /// The config as written at creation: `config.toml` must still equal it when the run is
    /// opened again, so an edited stored config is refused. Absent in runs made before
    /// 2026-12-07, which are not checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config: Option<String>,
}

/// One query of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueryRecord {
    /// 0-based query index within the budget.
    pub query: usize,
    /// Round (model version) that proposed it.
    pub round: usize,
    /// The latent point queried.
    pub z: Vec<f64>,
    /// Text of the decoded item; `None` when decoding gave no item.
    pub item: Option<String>,
    /// Objective value; `None` when invalid.
    pub value: Option<f64>,
    /// Why the query is invalid (decoding or evaluation); `None` when valid.
    pub invalid: Option<String>,
    /// Wall-clock seconds spent evaluating it (its share of its batch).
    pub seconds: f64,
    /// Wall-clock seconds spent proposing it (its share of its batch): surrogate fit or refit
    /// and acquisition optimisation. 0 in records written before this field existed.
    #[serde(default)]
    pub propose_seconds: f64,
    /// Wall-clock seconds spent decoding it (its share of its batch). 0 in records written
    /// before this field existed.
    #[serde(default)]
    pub decode_seconds: f64,
    /// Unix time at which it was recorded.
    pub unix_time: f64,
}

impl QueryRecord {
    /// JSON keys of the wall-clock fields: the only ones that differ between two runs of the
    /// same seed and config on the same machine.
    pub const TIME_FIELDS: [&'static str; 4] =
        ["seconds", "propose_seconds", "decode_seconds", "unix_time"];

    /// The record with its wall-clock fields ([`Self::TIME_FIELDS`]) set to 0, for comparing
    /// runs that must agree on everything else.
    pub fn without_times(self) -> Self {
        Self {
            seconds: 0.0,
            propose_seconds: 0.0,
            decode_seconds: 0.0,
            unix_time: 0.0,
            ..self
        }
    }
}

/// One prior sample logged after a retraining.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleRecord {
    /// Model version (round) that was sampled.
    pub model_version: usize,
    /// Index of the sample within its version.
    pub index: usize,
    /// Text of the decoded item, if any.
    pub item: Option<String>,
    /// Objective value, if valid.
    pub value: Option<f64>,
    /// Why it is invalid, if it is.
    pub invalid: Option<String>,
}

/// Summary written at the end of each round.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoundRecord {
    /// Round index.
    pub round: usize,
    /// Queries recorded so far in the run.
    pub queries_done: usize,
    /// Best query value so far (invalid queries count as the invalid score).
    pub top1: Option<f64>,
    /// Mean of the 10 best query values so far.
    pub top10: Option<f64>,
    /// Mean of the 50 best query values so far.
    pub top50: Option<f64>,
    /// Invalid queries in this round.
    pub n_invalid: usize,
    /// Queries of this round added to the training data.
    pub n_admitted: usize,
    /// Size of the training data after this round.
    pub dataset_size: usize,
    /// Wall-clock seconds of the round (of its last execution when resumed).
    pub seconds: f64,
    /// Of `seconds`: retraining the generative model (0 in records written before this field,
    /// and for a round whose retraining was restored from a checkpoint).
    #[serde(default)]
    pub retrain_seconds: f64,
    /// Of `seconds`: drawing, decoding and scoring the logged prior samples.
    #[serde(default)]
    pub samples_seconds: f64,
    /// Of `seconds`: encoding the surrogate's training data.
    #[serde(default)]
    pub encode_seconds: f64,
}

impl RoundRecord {
    /// JSON keys of the wall-clock fields: the only ones that differ between two runs of the
    /// same seed and config on the same machine.
    pub const TIME_FIELDS: [&'static str; 4] = [
        "seconds",
        "retrain_seconds",
        "samples_seconds",
        "encode_seconds",
    ];
}

/// What could not be read from or written to a run directory.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// A file operation failed.
    #[error("{action} {path}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// A complete line of a log (or the manifest) is malformed.
    #[error("{path}, line {line}: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        reason: String,
    },
    /// Another process has the run open.
    #[error(
        "the run in {0} is in use by another process (its `lock` file is locked); wait for that run to end or stop it"
    )]
    InUse(PathBuf),
    /// The directory is not empty and is not a run directory.
    #[error("{0} is not empty and holds no run (no run.json); refusing to write into it")]
    NotARun(PathBuf),
    /// The run was made by another format version.
    #[error("{path} has run format version {found}; this lso reads version {expected}")]
    FormatVersion {
        /// The manifest.
        path: PathBuf,
        /// Version found.
        found: u32,
        /// Version supported.
        expected: u32,
    },
    /// The run directory was made by a different config.
    #[error(
        "the run in {dir} was made with a different config: `{key}` is {stored} there but {given} now; use a new directory or the stored config"
    )]
    ConfigMismatch {
        /// The run directory.
        dir: PathBuf,
        /// Dotted key of the first difference.
        key: String,
        /// Value stored in the run (or `(absent)`).
        stored: String,
        /// Value given now (or `(absent)`).
        given: String,
    },
    /// The stored `config.toml` no longer equals the config the run was created with.
    #[error(
        "the stored config {path} was edited after the run started: `{key}` was {original} at creation but is {now} there; restore it or use a new directory"
    )]
    ConfigEdited {
        /// The stored config file.
        path: PathBuf,
        /// Dotted key of the first difference.
        key: String,
        /// Value at creation (or `(absent)`).
        original: String,
        /// Value in the file now (or `(absent)`).
        now: String,
    },
    /// The initial data differs from the data the run started from.
    #[error(
        "the run in {dir} started from different initial data ({stored_size} points, fingerprint {stored}); now {given_size} points, fingerprint {given}"
    )]
    DataMismatch {
        /// The run directory.
        dir: PathBuf,
        /// Stored fingerprint.
        stored: String,
        /// Stored size.
        stored_size: usize,
        /// Current fingerprint.
        given: String,
        /// Current size.
        given_size: usize,
    },
    /// The logs contradict each other or the config.
    #[error("inconsistent run record in {dir}: {reason}")]
    Inconsistent {
        /// The run directory.
        dir: PathBuf,
        /// What contradicts what.
        reason: String,
    },
    /// The config text is not valid TOML.
    #[error("config is not valid TOML: {0}")]
    ConfigToml(String),
}

type Result<T, E = RecordError> = std::result::Result<T, E>;

/// The newest model checkpoint of the run directory `run` (`models/round-NNNNN/`, without
/// opening or locking the run): its round and directory, `None` when it has none.
///
/// # Errors
/// I/O failures.
pub fn latest_checkpoint(run: &Path) -> Result<Option<(usize, PathBuf)>> {
    let dir = run.join(MODELS);
    if !dir.exists() {
        return Ok(None);
    }
    let mut best = None;
    for entry in fs::read_dir(&dir).map_err(io("listing", &dir))? {
        let entry = entry.map_err(io("listing", &dir))?;
        let name = entry.file_name();
        if let Some(round) = name
            .to_str()
            .and_then(|n| n.strip_prefix("round-"))
            .and_then(|n| n.parse::<usize>().ok())
            && best.as_ref().is_none_or(|(b, _)| round > *b)
        {
            best = Some((round, entry.path()));
        }
    }
    Ok(best)
}

/// Open `path/lock` and lock it exclusively without waiting.
fn lock_run(path: &Path) -> Result<File> {
    let lock_path = path.join(LOCK);
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io("opening", &lock_path))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(fs::TryLockError::WouldBlock) => Err(RecordError::InUse(path.to_owned())),
        Err(fs::TryLockError::Error(e)) => Err(io("locking", &lock_path)(e)),
    }
}

fn io<'a>(action: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> RecordError + 'a {
    move |source| RecordError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

/// Records read back from an existing run directory.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Recorded {
    /// Every recorded query, in order.
    pub queries: Vec<QueryRecord>,
    /// Every recorded prior sample.
    pub samples: Vec<SampleRecord>,
    /// Every finished round.
    pub rounds: Vec<RoundRecord>,
}

/// A run directory read without opening it: no lock, nothing written, so it works on a run in
/// progress and on a read-only copy.
#[derive(Debug, Clone, PartialEq)]
pub struct RunView {
    /// The stored config (TOML text).
    pub config: String,
    /// The manifest.
    pub manifest: Manifest,
    /// The records; a torn last line (a write in progress) is left out.
    pub recorded: Recorded,
}

impl RunView {
    /// Read the run in `path`.
    ///
    /// # Errors
    /// [`RecordError::NotARun`] without a manifest; I/O failures; a malformed line (not the
    /// last) as [`RecordError::Corrupt`] with its line.
    pub fn read(path: &Path) -> Result<Self> {
        let manifest_path = path.join(MANIFEST);
        if !manifest_path.is_file() {
            return Err(RecordError::NotARun(path.to_owned()));
        }
        let manifest: Manifest = read_json(&manifest_path)?;
        let config =
            fs::read_to_string(path.join(CONFIG)).map_err(io("reading", &path.join(CONFIG)))?;
        Ok(Self {
            config,
            manifest,
            recorded: Recorded {
                queries: read_log(&path.join(QUERIES))?,
                samples: read_log(&path.join(SAMPLES))?,
                rounds: read_log(&path.join(ROUNDS))?,
            },
        })
    }
}

/// The records of a JSON-lines log without opening it for writing; a missing file has none, a
/// torn last line is left out.
fn read_log<T: DeserializeOwned>(path: &Path) -> Result<Vec<T>> {
    let text = match fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io("reading", path)(e)),
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        match decode_line(line) {
            Ok(r) => out.push(r),
            Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => {}
            Err(reason) => {
                return Err(RecordError::Corrupt {
                    path: path.to_owned(),
                    line: i + 1,
                    reason,
                });
            }
        }
    }
    Ok(out)
}

/// An open run directory.
#[derive(Debug)]
pub struct RunDir {
    path: PathBuf,
    /// Held locked while the run is open; unlocked when dropped.
    _lock: File,
    queries: File,
    samples: File,
    rounds: File,
}

impl RunDir {
    /// Create the run directory `path`, or open the run already there.
    ///
    /// A new run writes `config_toml` and the manifest first. An existing run is resumed only if
    /// its stored config equals `config_toml` (compared as TOML values) and its initial data has
    /// the same fingerprint; otherwise the error names the first differing key. The run stays
    /// locked against other processes until the returned `RunDir` is dropped.
    ///
    /// # Errors
    /// [`RecordError`] for I/O failures, foreign or corrupt directories, mismatches, and
    /// [`RecordError::InUse`] when another process has the run open.
    pub fn open(
        path: &Path,
        config_toml: &str,
        data_fingerprint: u64,
        data_size: usize,
    ) -> Result<(Self, Recorded)> {
        let given: toml::Table =
            toml::from_str(config_toml).map_err(|e| RecordError::ConfigToml(e.to_string()))?;
        let manifest_path = path.join(MANIFEST);
        let fingerprint = format!("{data_fingerprint:016x}");
        // Leftovers of a creation killed before its manifest existed (the config or its
        // temporary file, the manifest's temporary file) and the lock file do not make a
        // directory foreign: such a directory is created afresh.
        let creation_file = |name: &std::ffi::OsStr| {
            [CONFIG, LOCK, "config.tmp", "run.tmp"]
                .iter()
                .any(|n| name == std::ffi::OsStr::new(n))
        };
        let foreign = |path: &Path| -> Result<bool> {
            Ok(path.exists()
                && !manifest_path.exists()
                && fs::read_dir(path)
                    .map_err(io("listing", path))?
                    .filter_map(|e| e.ok())
                    .any(|e| !creation_file(&e.file_name())))
        };
        if foreign(path)? {
            return Err(RecordError::NotARun(path.to_owned()));
        }
        fs::create_dir_all(path).map_err(io("creating", path))?;
        // the lock first, so a second process starting the same new run reads "in use"; then
        // the check again, under the lock
        let lock = lock_run(path)?;
        if foreign(path)? {
            return Err(RecordError::NotARun(path.to_owned()));
        }
        if manifest_path.exists() {
            let manifest: Manifest = read_json(&manifest_path)?;
            if manifest.format_version != FORMAT_VERSION {
                return Err(RecordError::FormatVersion {
                    path: manifest_path,
                    found: manifest.format_version,
                    expected: FORMAT_VERSION,
                });
            }
            let stored_text =
                fs::read_to_string(path.join(CONFIG)).map_err(io("reading", &path.join(CONFIG)))?;
            let stored: toml::Table =
                toml::from_str(&stored_text).map_err(|e| RecordError::Corrupt {
                    path: path.join(CONFIG),
                    line: 1,
                    reason: e.to_string(),
                })?;
            if let Some(original) = &manifest.config {
                let original: toml::Table =
                    toml::from_str(original).map_err(|e| RecordError::Corrupt {
                        path: manifest_path.clone(),
                        line: 1,
                        reason: format!("its config: {e}"),
                    })?;
                if let Some((key, original, now)) = first_difference("", &original, &stored) {
                    return Err(RecordError::ConfigEdited {
                        path: path.join(CONFIG),
                        key,
                        original,
                        now,
                    });
                }
            }
            if let Some((key, stored, given)) = first_difference("", &stored, &given) {
                return Err(RecordError::ConfigMismatch {
                    dir: path.to_owned(),
                    key,
                    stored,
                    given,
                });
            }
            if manifest.data_fingerprint != fingerprint || manifest.data_size != data_size {
                return Err(RecordError::DataMismatch {
                    dir: path.to_owned(),
                    stored: manifest.data_fingerprint,
                    stored_size: manifest.data_size,
                    given: fingerprint,
                    given_size: data_size,
                });
            }
        } else {
            write_atomic(&path.join(CONFIG), config_toml.as_bytes())?;
            let manifest = Manifest {
                format_version: FORMAT_VERSION,
                lso_version: env!("CARGO_PKG_VERSION").to_owned(),
                data_fingerprint: fingerprint,
                data_size,
                config: Some(config_toml.to_owned()),
            };
            let text = serde_json::to_string_pretty(&manifest).expect("manifest serialises");
            write_atomic(&manifest_path, text.as_bytes())?;
        }
        let (queries, q) = open_log(&path.join(QUERIES))?;
        let (samples, s) = open_log(&path.join(SAMPLES))?;
        let (rounds, r) = open_log(&path.join(ROUNDS))?;
        Ok((
            Self {
                path: path.to_owned(),
                _lock: lock,
                queries,
                samples,
                rounds,
            },
            Recorded {
                queries: q,
                samples: s,
                rounds: r,
            },
        ))
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Append a query record durably.
    ///
    /// # Errors
    /// I/O failures.
    pub fn append_query(&mut self, record: &QueryRecord) -> Result<()> {
        append_line(&mut self.queries, &self.path.join(QUERIES), record)
    }

    /// Append sample records durably (one fsync for the batch).
    ///
    /// # Errors
    /// I/O failures.
    pub fn append_samples(&mut self, records: &[SampleRecord]) -> Result<()> {
        let mut text = String::new();
        for r in records {
            text.push_str(&encode_line(r));
            text.push('\n');
        }
        write_durably(&mut self.samples, &self.path.join(SAMPLES), text.as_bytes())
    }

    /// Append a round summary durably.
    ///
    /// # Errors
    /// I/O failures.
    pub fn append_round(&mut self, record: &RoundRecord) -> Result<()> {
        append_line(&mut self.rounds, &self.path.join(ROUNDS), record)
    }

    /// Replace the proposer's snapshot (written to a temporary file, fsynced, then renamed, so a
    /// kill leaves the old snapshot or the new one).
    ///
    /// # Errors
    /// I/O failures.
    pub fn save_snapshot(&self, snapshot: &ProposerSnapshot) -> Result<()> {
        let text = serde_json::to_vec(snapshot).expect("snapshots serialise");
        write_atomic(&self.path.join(SNAPSHOT), &text)
    }

    /// The proposer's snapshot, if one was saved.
    ///
    /// # Errors
    /// I/O failures, or a file that does not parse.
    pub fn read_snapshot(&self) -> Result<Option<ProposerSnapshot>> {
        let path = self.path.join(SNAPSHOT);
        if !path.exists() {
            return Ok(None);
        }
        read_json(&path).map(Some)
    }

    /// The newest model checkpoint: its round and directory ([`latest_checkpoint`]).
    ///
    /// # Errors
    /// I/O failures.
    pub fn latest_checkpoint(&self) -> Result<Option<(usize, PathBuf)>> {
        latest_checkpoint(&self.path)
    }

    /// The directory where the model keeps the progress of `round`'s retraining until its
    /// checkpoint is saved ([`crate::GenerativeModel::retrain`]).
    pub fn retrain_progress_dir(&self, round: usize) -> PathBuf {
        self.path
            .join(MODELS)
            .join(format!("partial-round-{round:05}"))
    }

    /// Save the model state after `round`'s retraining: `write` fills a fresh directory, which
    /// is fsynced and renamed into place; older checkpoints and the retraining's progress
    /// ([`RunDir::retrain_progress_dir`]) are then removed.
    ///
    /// # Errors
    /// The writer's error, or I/O failures.
    pub fn save_checkpoint(
        &self,
        round: usize,
        write: impl FnOnce(&Path) -> Result<(), BoxError>,
    ) -> Result<(), BoxError> {
        let models = self.path.join(MODELS);
        fs::create_dir_all(&models).map_err(io("creating", &models))?;
        let tmp = models.join(format!(".tmp-round-{round:05}"));
        if tmp.exists() {
            fs::remove_dir_all(&tmp).map_err(io("removing", &tmp))?;
        }
        fs::create_dir(&tmp).map_err(io("creating", &tmp))?;
        write(&tmp)?;
        for entry in fs::read_dir(&tmp).map_err(io("listing", &tmp))? {
            let p = entry.map_err(io("listing", &tmp))?.path();
            if p.is_file() {
                File::open(&p)
                    .and_then(|f| f.sync_all())
                    .map_err(io("syncing", &p))?;
            }
        }
        let target = models.join(format!("round-{round:05}"));
        if target.exists() {
            fs::remove_dir_all(&target).map_err(io("removing", &target))?;
        }
        fs::rename(&tmp, &target).map_err(io("renaming", &tmp))?;
        sync_dir(&models)?;
        for entry in fs::read_dir(&models).map_err(io("listing", &models))? {
            let p = entry.map_err(io("listing", &models))?.path();
            if p != target {
                fs::remove_dir_all(&p).map_err(io("removing", &p))?;
            }
        }
        Ok(())
    }
}

/// The first key at which two TOML tables differ: `(dotted key, left value, right value)`.
fn first_difference(
    prefix: &str,
    a: &toml::Table,
    b: &toml::Table,
) -> Option<(String, String, String)> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let dotted = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match (a.get(key), b.get(key)) {
            (Some(toml::Value::Table(x)), Some(toml::Value::Table(y))) => {
                if let Some(d) = first_difference(&dotted, x, y) {
                    return Some(d);
                }
            }
            (x, y) if x == y => {}
            (x, y) => {
                let show =
                    |v: Option<&toml::Value>| v.map_or("(absent)".to_owned(), |v| v.to_string());
                return Some((dotted, show(x), show(y)));
            }
        }
    }
    None
}

fn read_json<T: DeserializeOwned>(path: &Path) -> Result<T> {
    let text = fs::read_to_string(path).map_err(io("reading", path))?;
    serde_json::from_str(&text).map_err(|e| RecordError::Corrupt {
        path: path.to_owned(),
        line: e.line(),
        reason: e.to_string(),
    })
}

fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = File::create(&tmp).map_err(io("creating", &tmp))?;
    f.write_all(bytes).map_err(io("writing", &tmp))?;
    f.sync_all().map_err(io("syncing", &tmp))?;
    fs::rename(&tmp, path).map_err(io("renaming", &tmp))?;
    sync_dir(path.parent().unwrap_or(Path::new(".")))
}

fn sync_dir(dir: &Path) -> Result<()> {
    File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io("syncing", dir))
}

/// Open a JSON-lines log for appending and read its records: a torn last line is cut, a
/// complete last record that only lacks its newline is kept (the newline added).
fn open_log<T: DeserializeOwned>(path: &Path) -> Result<(File, Vec<T>)> {
    let mut file = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(path)
        .map_err(io("opening", path))?;
    let mut text = String::new();
    file.read_to_string(&mut text)
        .map_err(io("reading", path))?;
    let mut complete = text.rfind('\n').map_or(0, |i| i + 1);
    if complete < text.len() {
        if decode_line::<T>(&text[complete..]).is_ok() {
            // a whole record whose newline was not written: kept, the newline added
            write_durably(&mut file, path, b"\n")?;
            text.push('\n');
            complete = text.len();
        } else {
            // a torn record: cut, so its query is made again
            file.set_len(complete as u64)
                .map_err(io("truncating", path))?;
            file.sync_all().map_err(io("syncing", path))?;
        }
    }
    let records = text[..complete]
        .lines()
        .enumerate()
        .map(|(i, line)| {
            decode_line(line).map_err(|reason| RecordError::Corrupt {
                path: path.to_owned(),
                line: i + 1,
                reason,
            })
        })
        .collect::<Result<Vec<T>>>()?;
    Ok((file, records))
}

fn append_line<T: Serialize>(file: &mut File, path: &Path, record: &T) -> Result<()> {
    let mut line = encode_line(record);
    line.push('\n');
    write_durably(file, path, line.as_bytes())
}

/// The end of a record line that carries its checksum: `,"check":"<16 hex digits>"}`.
const CHECK_KEY: &str = ",\"check\":\"";

/// A record as one JSON object whose last field, `check`, is the FNV-1a hash of the object
/// written without it, so an edit of the line is found when it is read.
fn encode_line<T: Serialize>(record: &T) -> String {
    let plain = serde_json::to_string(record).expect("records serialise");
    let body = plain.strip_suffix('}').expect("records are JSON objects");
    let check = fnv1a(FNV_OFFSET, plain.as_bytes());
    format!("{body}{CHECK_KEY}{check:016x}\"}}")
}

/// A record line read back: its checksum verified when it has one (lines written before
/// 2026-12-07 have none and are taken as they are).
fn decode_line<T: DeserializeOwned>(line: &str) -> std::result::Result<T, String> {
    let n = line.len();
    let tail = CHECK_KEY.len() + 16 + 2;
    let checked = n > tail
        && line.is_char_boundary(n - tail)
        && line[n - tail..].starts_with(CHECK_KEY)
        && line.ends_with("\"}");
    if checked {
        let plain = format!("{}}}", &line[..n - tail]);
        let stored = &line[n - 18..n - 2];
        let actual = format!("{:016x}", fnv1a(FNV_OFFSET, plain.as_bytes()));
        if stored != actual {
            return Err(format!(
                "the line was changed after it was written (checksum {stored}, content {actual})"
            ));
        }
        serde_json::from_str(&plain).map_err(|e| e.to_string())
    } else {
        serde_json::from_str(line).map_err(|e| e.to_string())
    }
}

fn write_durably(file: &mut File, path: &Path, bytes: &[u8]) -> Result<()> {
    file.write_all(bytes).map_err(io("appending to", path))?;
    file.flush().map_err(io("flushing", path))?;
    file.sync_data().map_err(io("syncing", path))
}

/// FNV-1a 64-bit hash, used for data fingerprints.
pub(crate) fn fnv1a(state: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(state, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// FNV-1a offset basis.
pub(crate) const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

#[cfg(test)]
mod tests {
    use super::*;

    fn query(i: usize) -> QueryRecord {
        QueryRecord {
            query: i,
            round: 0,
            z: vec![0.1, -2.5e-300],
            item: Some(format!("item {i}")),
            value: Some(1.0 / 3.0),
            invalid: None,
            seconds: 0.0,
            propose_seconds: 0.25,
            decode_seconds: 0.5,
            unix_time: 0.0,
        }
    }

    #[test]
    fn records_round_trip_and_torn_tail_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run");
        let (mut run, rec) = RunDir::open(&path, "a = 1\n", 7, 3).unwrap();
        assert!(rec.queries.is_empty());
        run.append_query(&query(0)).unwrap();
        run.append_query(&query(1)).unwrap();
        drop(run);
        // simulate a kill in the middle of a write
        let mut f = OpenOptions::new()
            .append(true)
            .open(path.join(QUERIES))
            .unwrap();
        f.write_all(b"{\"query\":2,\"rou").unwrap();
        drop(f);
        let (_, rec) = RunDir::open(&path, "a = 1\n", 7, 3).unwrap();
        assert_eq!(rec.queries, vec![query(0), query(1)]);
        let text = fs::read_to_string(path.join(QUERIES)).unwrap();
        assert!(text.ends_with('\n'));
    }

    #[test]
    fn records_without_the_time_split_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run");
        drop(RunDir::open(&path, "a = 1\n", 7, 3).unwrap());
        let line = "{\"query\":0,\"round\":0,\"z\":[0.5],\"item\":\"x\",\"value\":-1.5,\
                    \"invalid\":null,\"seconds\":0.125,\"unix_time\":2.0}\n";
        fs::write(path.join(QUERIES), line).unwrap();
        let (_, rec) = RunDir::open(&path, "a = 1\n", 7, 3).unwrap();
        assert_eq!(rec.queries.len(), 1);
        let q = &rec.queries[0];
        assert_eq!(
            (q.seconds, q.propose_seconds, q.decode_seconds),
            (0.125, 0.0, 0.0)
        );
        assert_eq!(q.value, Some(-1.5));
    }

    #[test]
    fn without_times_clears_exactly_the_time_fields() {
        let mut q = query(3);
        q.seconds = 1.5;
        q.unix_time = 9.0;
        let cleared = q.clone().without_times();
        let a = serde_json::to_value(&q).unwrap();
        let b = serde_json::to_value(&cleared).unwrap();
        let (a, b) = (a.as_object().unwrap(), b.as_object().unwrap());
        for key in QueryRecord::TIME_FIELDS {
            assert_ne!(a[key], b[key], "{key} not cleared");
            assert_eq!(b[key], 0.0, "{key}");
        }
        for (key, value) in a {
            if !QueryRecord::TIME_FIELDS.contains(&key.as_str()) {
                assert_eq!(&b[key], value, "{key} changed");
            }
        }
    }

    #[test]
    fn round_time_fields_are_its_seconds_keys() {
        let r = RoundRecord {
            round: 0,
            queries_done: 1,
            top1: None,
            top10: None,
            top50: None,
            n_invalid: 0,
            n_admitted: 1,
            dataset_size: 2,
            seconds: 1.0,
            retrain_seconds: 0.5,
            samples_seconds: 0.0,
            encode_seconds: 0.25,
        };
        let v = serde_json::to_value(&r).unwrap();
        let mut timed: Vec<&str> = v
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .filter(|k| k.ends_with("seconds"))
            .collect();
        let mut listed = RoundRecord::TIME_FIELDS.to_vec();
        timed.sort_unstable();
        listed.sort_unstable();
        assert_eq!(timed, listed);
    }

    #[test]
    fn a_run_open_elsewhere_is_refused_until_it_is_closed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run");
        let (mut first, _) = RunDir::open(&path, "a = 1\n", 7, 3).unwrap();
        match RunDir::open(&path, "a = 1\n", 7, 3) {
            Err(e @ RecordError::InUse(_)) => assert!(e.to_string().contains("in use")),
            other => panic!("expected InUse, got {other:?}"),
        }
        first.append_query(&query(0)).unwrap();
        drop(first);
        let (_second, rec) = RunDir::open(&path, "a = 1\n", 7, 3).unwrap();
        assert_eq!(rec.queries.len(), 1);
    }

    /// `lso resume` reads the stored config and gives it back: an edit of `config.toml` would
    /// pass the stored-against-given check, so it is checked against the manifest's copy.
    #[test]
    fn an_edited_stored_config_is_refused_naming_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run");
        let original = "[loop]\nbudget = 10\nseed = 1\n";
        let (mut run, _) = RunDir::open(&path, original, 7, 3).unwrap();
        run.append_query(&query(0)).unwrap();
        drop(run);
        let edited = "[loop]\nbudget = 10\nseed = 2\n";
        fs::write(path.join(CONFIG), edited).unwrap();
        match RunDir::open(&path, edited, 7, 3) {
            Err(e @ RecordError::ConfigEdited { .. }) => {
                let text = e.to_string();
                assert!(
                    text.contains("`loop.seed` was 1 at creation but is 2"),
                    "{text}"
                );
            }
            other => panic!("expected ConfigEdited, got {other:?}"),
        }
        // restored, it resumes
        fs::write(path.join(CONFIG), original).unwrap();
        let (_, rec) = RunDir::open(&path, original, 7, 3).unwrap();
        assert_eq!(rec.queries.len(), 1);
    }

    /// A creation killed before its manifest was written leaves `config.tmp`, `config.toml` or
    /// `run.tmp`: the directory is created afresh, not refused as foreign. Anything else still
    /// is.
    #[test]
    fn leftovers_of_a_killed_creation_do_not_block_the_run() {
        let dir = tempfile::tempdir().unwrap();
        for leftovers in [
            &["config.tmp"][..],
            &["config.toml", "run.tmp"][..],
            &["config.toml", "lock"][..],
        ] {
            let path = dir.path().join(leftovers.join("-"));
            fs::create_dir_all(&path).unwrap();
            for name in leftovers {
                fs::write(path.join(name), "half").unwrap();
            }
            let (run, rec) = RunDir::open(&path, "a = 1\n", 7, 3).unwrap();
            assert!(rec.queries.is_empty());
            assert_eq!(fs::read_to_string(path.join(CONFIG)).unwrap(), "a = 1\n");
            drop(run);
        }
        let path = dir.path().join("foreign");
        fs::create_dir_all(&path).unwrap();
        fs::write(path.join("notes.txt"), "mine").unwrap();
        assert!(matches!(
            RunDir::open(&path, "a = 1\n", 7, 3),
            Err(RecordError::NotARun(_))
        ));
    }

    /// Two processes creating the same run at once: the second finds the lock taken while the
    /// first is still writing its first files, and reads "in use", not "not a run".
    #[test]
    fn a_run_being_created_elsewhere_is_in_use() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run");
        fs::create_dir_all(&path).unwrap();
        let holder = lock_run(&path).unwrap();
        fs::write(path.join("config.tmp"), "half").unwrap();
        match RunDir::open(&path, "a = 1\n", 7, 3) {
            Err(e @ RecordError::InUse(_)) => assert!(e.to_string().contains("in use")),
            other => panic!("expected InUse, got {other:?}"),
        }
        drop(holder);
    }

    /// A kill between a record and its newline: the record is kept, not evaluated again; a
    /// record cut short is dropped.
    #[test]
    fn a_whole_last_record_without_its_newline_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run");
        let (mut run, _) = RunDir::open(&path, "a = 1\n", 7, 3).unwrap();
        run.append_query(&query(0)).unwrap();
        drop(run);
        let whole = serde_json::to_string(&query(1)).unwrap();
        let mut f = OpenOptions::new()
            .append(true)
            .open(path.join(QUERIES))
            .unwrap();
        f.write_all(whole.as_bytes()).unwrap();
        drop(f);
        let (mut run, rec) = RunDir::open(&path, "a = 1\n", 7, 3).unwrap();
        assert_eq!(rec.queries, vec![query(0), query(1)]);
        run.append_query(&query(2)).unwrap();
        drop(run);
        let mut f = OpenOptions::new()
            .append(true)
            .open(path.join(QUERIES))
            .unwrap();
        f.write_all(&whole.as_bytes()[..whole.len() / 2]).unwrap();
        drop(f);
        let (_, rec) = RunDir::open(&path, "a = 1\n", 7, 3).unwrap();
        assert_eq!(rec.queries, vec![query(0), query(1), query(2)]);
    }

    /// Each record line carries a checksum: a line edited in the middle of a log is refused,
    /// naming it; lines without one (written before checksums) are read as they are.
    #[test]
    fn an_edited_line_is_refused_by_its_checksum() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run");
        let (mut run, _) = RunDir::open(&path, "a = 1\n", 7, 3).unwrap();
        for i in 0..3 {
            run.append_query(&query(i)).unwrap();
        }
        drop(run);
        let log = path.join(QUERIES);
        let text = fs::read_to_string(&log).unwrap();
        assert!(text.lines().all(|l| l.contains("\"check\":\"")), "{text}");
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        lines[1] = lines[1].replacen("\"round\":0", "\"round\":1", 1);
        assert_ne!(lines[1], text.lines().nth(1).unwrap());
        fs::write(&log, lines.join("\n") + "\n").unwrap();
        match RunDir::open(&path, "a = 1\n", 7, 3) {
            Err(RecordError::Corrupt { line, reason, .. }) => {
                assert_eq!(line, 2);
                assert!(reason.contains("changed after it was written"), "{reason}");
            }
            other => panic!("expected Corrupt, got {other:?}"),
        }
        // the same records without checksums, as older runs wrote them, are accepted
        let plain: String = (0..3)
            .map(|i| serde_json::to_string(&query(i)).unwrap() + "\n")
            .collect();
        fs::write(&log, plain).unwrap();
        let (_, rec) = RunDir::open(&path, "a = 1\n", 7, 3).unwrap();
        assert_eq!(rec.queries, vec![query(0), query(1), query(2)]);
    }

    #[test]
    fn a_corrupt_line_is_an_error_with_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run");
        let (mut run, _) = RunDir::open(&path, "a = 1\n", 7, 3).unwrap();
        run.append_query(&query(0)).unwrap();
        drop(run);
        let mut f = OpenOptions::new()
            .append(true)
            .open(path.join(QUERIES))
            .unwrap();
        f.write_all(b"garbage\n").unwrap();
        drop(f);
        match RunDir::open(&path, "a = 1\n", 7, 3) {
            Err(RecordError::Corrupt { line, .. }) => assert_eq!(line, 2),
            other => panic!("expected Corrupt, got {other:?}"),
        }
    }

    #[test]
    fn mismatched_config_and_data_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("run");
        RunDir::open(&path, "[loop]\nbudget = 10\nseed = 1\n", 7, 3).unwrap();
        match RunDir::open(&path, "[loop]\nbudget = 20\nseed = 1\n", 7, 3) {
            Err(RecordError::ConfigMismatch {
                key, stored, given, ..
            }) => {
                assert_eq!(
                    (key.as_str(), stored.as_str(), given.as_str()),
                    ("loop.budget", "10", "20")
                );
            }
            other => panic!("expected ConfigMismatch, got {other:?}"),
        }
        assert!(matches!(
            RunDir::open(&path, "[loop]\nbudget = 10\nseed = 1\n", 8, 3),
            Err(RecordError::DataMismatch { .. })
        ));
        // same values, different formatting: accepted
        RunDir::open(&path, "[loop]\nseed = 1\nbudget   = 10\n", 7, 3).unwrap();
    }

    #[test]
    fn foreign_directories_are_not_touched() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("notes.txt"), "mine").unwrap();
        assert!(matches!(
            RunDir::open(dir.path(), "a = 1\n", 0, 0),
            Err(RecordError::NotARun(_))
        ));
    }

    #[test]
    fn checkpoints_keep_only_the_latest() {
        let dir = tempfile::tempdir().unwrap();
        let (run, _) = RunDir::open(&dir.path().join("run"), "a = 1\n", 0, 0).unwrap();
        assert!(run.latest_checkpoint().unwrap().is_none());
        for (round, before) in [(0, None), (3, Some(0))] {
            // a retraining's progress is no checkpoint, and goes once its round's is saved
            let partial = run.retrain_progress_dir(round);
            fs::create_dir_all(partial.join("checkpoint")).unwrap();
            assert_eq!(run.latest_checkpoint().unwrap().map(|(r, _)| r), before);
            run.save_checkpoint(round, |p| {
                fs::write(p.join("state"), format!("{round}"))?;
                Ok(())
            })
            .unwrap();
        }
        let (round, path) = run.latest_checkpoint().unwrap().unwrap();
        assert_eq!(round, 3);
        assert_eq!(fs::read_to_string(path.join("state")).unwrap(), "3");
        assert_eq!(
            fs::read_dir(dir.path().join("run/models")).unwrap().count(),
            1
        );
    }
}
