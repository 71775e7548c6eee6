//! The tasks of lso, wired onto `lso-core`'s traits, and the run config that selects one.
//!
//! * [`synthetic`]: a task with no neural network (a linear generative model and an analytic
//!   objective) that exercises the loop, its records and resume.
//!
//! A run is described by a [`RunConfig`] (TOML): the task, the loop settings and the proposal
//! strategy. [`RunConfig::check`] validates it, naming the key, the value and the reason of the
//! first problem, and [`CheckedRun::execute`] runs it into a run directory.

mod error;
mod run_config;
pub mod synthetic;

pub use error::TaskError;
pub use run_config::{CheckedRun, RunConfig, StrategyConfig, TaskConfig};
