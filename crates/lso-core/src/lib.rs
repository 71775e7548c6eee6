//! The weighted-retraining loop of latent-space optimisation, and the traits it composes.
//!
//! Latent-space optimisation searches a structured space (images, expressions, molecules) through
//! the continuous latent space of a generative model. Weighted retraining (Tripp, Daxberger and
//! Hernández-Lobato, NeurIPS 2020) refits the generative model every `r` queries on all data so far,
//! weighted by the rank of its objective value, so the latent space keeps adapting to the optimum.
//!
//! This crate is deliberately thin. It holds:
//! * one small trait per verb of the loop: [`Objective`] (evaluate a batch; *invalid* is an
//!   [`Outcome`], never a magic number), [`GenerativeModel`] (encode, decode, sample the prior,
//!   retrain on weighted data, checkpoint), and [`Proposer`] (latent points to query next, e.g. a
//!   surrogate with an acquisition function, or prior sampling);
//! * the loop itself, [`Run`], as the paper's official code runs it ([`LoopConfig`]);
//! * the run record ([`RunDir`]): the resolved config and an append-only, fsynced log of every
//!   query, so that a killed run resumes without evaluating any recorded query again.
//!
//! Objective values are maximised. A task that minimises (the expression task) negates its score.
//!
//! Determinism: every random stage of every round draws from its own generator, seeded from the
//! run seed, the round, the stage and the query index ([`stream_rng`]); the same seed and config
//! give the same run, and a resumed run continues exactly as an uninterrupted one.

mod config;
mod dataset;
mod error;
mod item;
mod model;
mod objective;
mod observer;
mod parallel;
mod proposer;
mod record;
mod run;
mod seed;
mod subnormals;
mod summary;
mod train_dir;

pub use config::{ConfigError, LoopConfig, LoopSettings, SurrogateDataConfig};
pub use dataset::Dataset;
pub use error::{BoxError, RunError};
pub use item::{ParseItemError, TextItem};
pub use model::{Decoded, Encoded, GenerativeModel};
pub use objective::{Objective, Outcome};
pub use observer::{NoObserver, Observer};
pub use parallel::parallel_map;
pub use proposer::{LatentData, PriorSampling, ProposalRequest, Proposer};
pub use record::{
    CONFIG_FILE, FORMAT_VERSION, Manifest, ProposerSnapshot, QueryRecord, RecordError, RoundRecord,
    RunDir, RunView, SampleRecord, latest_checkpoint,
};
pub use run::{Run, RunSummary};
pub use seed::{Stage, StreamRng, stream_rng};
pub use subnormals::{flush_subnormals, flushing_subnormals};
pub use summary::top_k_mean;
pub use train_dir::{StepState, TrainDir, TrainDirError, epoch_order, step_seed};
