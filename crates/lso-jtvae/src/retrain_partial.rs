//! A retraining's progress kept on disk, so a retraining cut short (a run killed, a session
//! ended) goes on from its last save instead of from its first step.
//!
//! The directory is a [`TrainDir`]: `settings.json` names the retraining (molecules, steps and
//! settings), `checkpoint/` holds the model, the optimiser's state (Adam's moments) and the
//! [`RetrainProgress`], replaced atomically at every save (the layout version is the model
//! directory's, checked by [`load_model`]).

use std::fs;
use std::path::Path;

use burn::optim::ModuleOptimizer;
use burn::tensor::Device;
use lso_core::TrainDir;
use serde::{Deserialize, Serialize};

use crate::train::{load_optimizer, save_optimizer};
use crate::{JtvaeConfig, JtvaeError, JtvaeModel, Vocabulary, load_model, save_model};

/// Counters of a retraining after its completed steps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct RetrainProgress {
    /// Completed steps (taken, or skipped because no molecule of the batch could be built).
    pub step: usize,
    /// Optimisation steps taken.
    pub taken: usize,
    /// Molecules drawn that could not be built.
    pub skipped: usize,
    /// Sum of the steps' training losses.
    pub total_loss: f32,
}

/// The directory of one retraining's saved progress.
pub(crate) struct PartialRetrain {
    run: TrainDir,
}

impl PartialRetrain {
    /// Open `dir` for the retraining named by `identity`. A directory left by another
    /// retraining (other molecules, steps or settings) is cleared: its progress is of no use.
    pub fn open(dir: &Path, identity: &serde_json::Value) -> Result<Self, JtvaeError> {
        let run = match TrainDir::open(dir, identity) {
            Ok(run) => run,
            Err(lso_core::TrainDirError::Mismatch { .. }) => {
                fs::remove_dir_all(dir).map_err(|e| JtvaeError::Io {
                    path: dir.display().to_string(),
                    reason: e.to_string(),
                })?;
                TrainDir::open(dir, identity)?
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Self { run })
    }

    /// The saved model (on `device`), optimiser and progress, or `None` before the first save.
    pub fn resume(
        &self,
        config: &JtvaeConfig,
        optim: ModuleOptimizer,
        device: &Device,
    ) -> Result<Option<(JtvaeModel, ModuleOptimizer, RetrainProgress)>, JtvaeError> {
        let Some(progress) = self.run.read_state::<RetrainProgress>()? else {
            return Ok(None);
        };
        let dir = self.run.checkpoint_dir();
        let (model, found, _) = load_model(&dir, device)?;
        if &found != config {
            return Err(JtvaeError::Checkpoint {
                path: dir.display().to_string(),
                reason: "model sizes differ from the retrained model's".into(),
            });
        }
        let optim = load_optimizer(optim, &dir)?;
        Ok(Some((model, optim, progress)))
    }

    /// Save the model, the optimiser and the progress (atomically: a kill leaves the previous
    /// save or this one).
    pub fn save(
        &self,
        model: &JtvaeModel,
        config: &JtvaeConfig,
        vocab: &Vocabulary,
        optim: &ModuleOptimizer,
        progress: &RetrainProgress,
    ) -> Result<(), JtvaeError> {
        self.run.write_checkpoint(|tmp| {
            save_model(tmp, model, config, vocab)?;
            save_optimizer(optim, tmp)?;
            Ok(TrainDir::write_state(tmp, progress)?)
        })
    }
}
