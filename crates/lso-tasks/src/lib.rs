//! The tasks of lso, wired onto `lso-core`'s traits, and the run config that selects one.
//!
//! * [`synthetic`]: a task with no neural network (a linear generative model and an analytic
//!   objective) that exercises the loop, its records and resume.
//! * [`shapes`]: the paper's 2D shapes data and objective (the conv VAE follows).
//! * [`expr`]: the paper's arithmetic-expression task: grammar, data and objective.
//! * [`chem`]: the paper's chemistry task (JT-VAE, penalized logP).
//! * [`GpEiProposer`]: the paper's optimisation strategy (a GP on latent codes, expected
//!   improvement maximised from many starts).
//!
//! A run is described by a [`RunConfig`] (TOML): the task, the loop settings and the proposal
//! strategy. [`RunConfig::check`] validates it, naming the key, the value and the reason of the
//! first problem, and [`CheckedRun::execute`] runs it into a run directory.

pub mod chem;
mod error;
pub mod expr;
mod finite_rows;
mod gp_ei;
mod run_config;
pub mod shapes;
pub mod synthetic;

pub use error::TaskError;
pub use gp_ei::{GpEiConfig, GpEiProposer, KernelChoice, SparseSchedule};
pub use run_config::{CheckedRun, RunConfig, StrategyConfig, TaskConfig};
