//! The directory of a resumable training run, as the pretraining commands keep it:
//! `settings.json` (a run resumes only with the same settings), `train.tsv` (one row per step,
//! trimmed back to the checkpoint on resume) and `checkpoint/` (replaced atomically).

use std::fs;
use std::path::{Path, PathBuf};

use rand::SeedableRng;
use rand::seq::SliceRandom;

/// What can go wrong with a training directory.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrainDirError {
    /// A file could not be read or written.
    #[error("{path}: {reason}")]
    Io {
        /// The file.
        path: String,
        /// The system's reason.
        reason: String,
    },
    /// The directory holds another run (other settings) or an unreadable settings file.
    #[error("{path}: {reason}")]
    Mismatch {
        /// The file.
        path: String,
        /// What differs.
        reason: String,
    },
}

impl TrainDirError {
    fn io(path: &Path, e: &std::io::Error) -> Self {
        Self::Io {
            path: path.display().to_string(),
            reason: e.to_string(),
        }
    }
}

/// Progress of a step-counted training run, saved as `state.json` in every checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StepState {
    /// Layout version of the checkpoint.
    pub format_version: u32,
    /// Completed optimisation steps.
    pub step: usize,
    /// Steps per epoch.
    pub steps_per_epoch: usize,
}

/// File name of a checkpoint's progress.
const STATE_FILE: &str = "state.json";

/// A training run's directory.
#[derive(Debug, Clone)]
pub struct TrainDir {
    dir: PathBuf,
}

impl TrainDir {
    /// Create `dir` with `settings` in `settings.json`, or open the run there if its settings
    /// are the same.
    ///
    /// # Errors
    /// [`TrainDirError::Mismatch`] naming both settings when the run there used others;
    /// [`TrainDirError::Io`] for file errors.
    pub fn open(dir: &Path, settings: &serde_json::Value) -> Result<Self, TrainDirError> {
        fs::create_dir_all(dir).map_err(|e| TrainDirError::io(dir, &e))?;
        let path = dir.join("settings.json");
        if path.exists() {
            let text = fs::read_to_string(&path).map_err(|e| TrainDirError::io(&path, &e))?;
            let found: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| TrainDirError::Mismatch {
                    path: path.display().to_string(),
                    reason: e.to_string(),
                })?;
            if &found != settings {
                return Err(TrainDirError::Mismatch {
                    path: path.display().to_string(),
                    reason: format!("the run there used {found}, this one asks for {settings}"),
                });
            }
        } else {
            fs::write(&path, settings.to_string()).map_err(|e| TrainDirError::io(&path, &e))?;
        }
        Ok(Self {
            dir: dir.to_path_buf(),
        })
    }

    /// The run's directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// The current checkpoint's directory (`checkpoint/`; absent before the first one).
    pub fn checkpoint_dir(&self) -> PathBuf {
        self.dir.join("checkpoint")
    }

    /// The progress saved with the current checkpoint (`checkpoint/state.json`), or `None`
    /// before the first checkpoint.
    ///
    /// # Errors
    /// [`TrainDirError::Io`] when it cannot be read, [`TrainDirError::Mismatch`] when it does
    /// not parse as `T`.
    pub fn read_state<T: serde::de::DeserializeOwned>(&self) -> Result<Option<T>, TrainDirError> {
        let path = self.checkpoint_dir().join(STATE_FILE);
        if !path.exists() {
            return Ok(None);
        }
        let text = fs::read_to_string(&path).map_err(|e| TrainDirError::io(&path, &e))?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| TrainDirError::Mismatch {
                path: path.display().to_string(),
                reason: e.to_string(),
            })
    }

    /// Write `state` as `state.json` into `dir`, a checkpoint being written by
    /// [`TrainDir::write_checkpoint`].
    ///
    /// # Errors
    /// [`TrainDirError::Io`] when it cannot be written.
    pub fn write_state<T: serde::Serialize>(dir: &Path, state: &T) -> Result<(), TrainDirError> {
        let path = dir.join(STATE_FILE);
        let text = serde_json::to_string(state).map_err(|e| TrainDirError::Mismatch {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
        fs::write(&path, text).map_err(|e| TrainDirError::io(&path, &e))
    }

    /// The step log, `train.tsv`.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("train.tsv")
    }

    /// Rewrite the log with `header` and only the rows of steps up to `last_step` (the
    /// checkpoint's), so a resumed run logs every step once.
    ///
    /// # Errors
    /// [`TrainDirError::Io`] when the log cannot be written.
    pub fn trim_log(&self, header: &str, last_step: usize) -> Result<(), TrainDirError> {
        let path = self.log_path();
        let text = fs::read_to_string(&path).unwrap_or_default();
        let mut out = format!("{header}\n");
        for line in text.lines().skip(1) {
            let step: usize = line
                .split('\t')
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(usize::MAX);
            if step <= last_step {
                out.push_str(line);
                out.push('\n');
            }
        }
        fs::write(&path, out).map_err(|e| TrainDirError::io(&path, &e))
    }

    /// The log opened for appending.
    ///
    /// # Errors
    /// [`TrainDirError::Io`] when it cannot be opened.
    pub fn append_log(&self) -> Result<fs::File, TrainDirError> {
        let path = self.log_path();
        fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .map_err(|e| TrainDirError::io(&path, &e))
    }

    /// Write a new checkpoint: `write` fills a fresh directory, which then replaces
    /// `checkpoint/` by renames, so a kill at any moment leaves a whole checkpoint (the old or
    /// the new one).
    ///
    /// # Errors
    /// `write`'s error, or [`TrainDirError::Io`] (converted) when the swap fails.
    pub fn write_checkpoint<E: From<TrainDirError>>(
        &self,
        write: impl FnOnce(&Path) -> Result<(), E>,
    ) -> Result<(), E> {
        let tmp = self.dir.join("checkpoint.tmp");
        let _ = fs::remove_dir_all(&tmp);
        write(&tmp)?;
        let dst = self.checkpoint_dir();
        let old = self.dir.join("checkpoint.old");
        let _ = fs::remove_dir_all(&old);
        if dst.exists() {
            fs::rename(&dst, &old).map_err(|e| TrainDirError::io(&dst, &e))?;
        }
        fs::rename(&tmp, &dst).map_err(|e| TrainDirError::io(&dst, &e))?;
        let _ = fs::remove_dir_all(&old);
        Ok(())
    }
}

/// The order of the `n` training examples in epoch `epoch` of a run seeded `seed`: a shuffle
/// that depends only on these three numbers, so a resumed run sees the same batches.
pub fn epoch_order(seed: u64, epoch: usize, n: usize) -> Vec<usize> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(
        seed ^ (epoch as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
    );
    let mut idx: Vec<usize> = (0..n).collect();
    idx.shuffle(&mut rng);
    idx
}

/// The seed of the random draws (latent noise) of 0-based step `step` of a run seeded `seed`.
pub fn step_seed(seed: u64, step: usize) -> u64 {
    seed ^ (1 + step as u64).wrapping_mul(0xD1B5_4A32_D192_ED03)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_must_match_to_resume() {
        let tmp = tempfile::tempdir().unwrap();
        let a = serde_json::json!({"epochs": 2});
        TrainDir::open(tmp.path(), &a).unwrap();
        TrainDir::open(tmp.path(), &a).unwrap();
        let err = TrainDir::open(tmp.path(), &serde_json::json!({"epochs": 3})).unwrap_err();
        assert!(matches!(err, TrainDirError::Mismatch { .. }));
        assert!(err.to_string().contains("settings.json"), "{err}");
    }

    #[test]
    fn log_is_trimmed_to_the_checkpoint() {
        let tmp = tempfile::tempdir().unwrap();
        let run = TrainDir::open(tmp.path(), &serde_json::json!({})).unwrap();
        fs::write(run.log_path(), "step\tloss\n1\t3.0\n2\t2.0\n3\t1.0\n").unwrap();
        run.trim_log("step\tloss", 2).unwrap();
        assert_eq!(
            fs::read_to_string(run.log_path()).unwrap(),
            "step\tloss\n1\t3.0\n2\t2.0\n"
        );
    }

    #[test]
    fn checkpoint_is_replaced_whole_and_a_failed_write_keeps_the_old_one() {
        let tmp = tempfile::tempdir().unwrap();
        let run = TrainDir::open(tmp.path(), &serde_json::json!({})).unwrap();
        let write = |text: &'static str| {
            move |d: &Path| -> Result<(), TrainDirError> {
                fs::create_dir_all(d).unwrap();
                fs::write(d.join("w"), text).unwrap();
                Ok(())
            }
        };
        run.write_checkpoint(write("one")).unwrap();
        run.write_checkpoint(write("two")).unwrap();
        let read = || fs::read_to_string(run.checkpoint_dir().join("w")).unwrap();
        assert_eq!(read(), "two");
        let failed = run.write_checkpoint(|_| {
            Err(TrainDirError::Io {
                path: "x".into(),
                reason: "disk full".into(),
            })
        });
        assert!(failed.is_err());
        assert_eq!(read(), "two");
    }

    #[test]
    fn epoch_orders_are_permutations_that_differ_by_epoch() {
        let a = epoch_order(0, 0, 100);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<_>>());
        assert_eq!(a, epoch_order(0, 0, 100));
        assert_ne!(a, epoch_order(0, 1, 100));
        assert_ne!(step_seed(0, 0), step_seed(0, 1));
    }
}
