//! The paper's arithmetic-expression task: find a univariate expression close to
//! `1/3 + x + sin(x·x)` on `[-10, 10]`.
//!
//! * [`Expression`]: a well-formed expression of the paper's 12-production grammar
//!   ([`expression_grammar`]), parsed into its leftmost derivation of at most [`MAX_LEN`]
//!   productions; its text form is the data's (space-separated tokens).
//! * [`score`] / [`ExprObjective`]: the paper's objective (lower score is better; the loop
//!   maximises `-score`).
//! * [`ExprModel`]: the grammar VAE of `lso-models` on the loop's generative-model trait.
//! * [`ExprConfig`]: the task built from a run config.
//! * [`load`] / [`starting_set`]: the 100,000 expressions of `data/expr/` and the paper's
//!   starting set (the better half removed, 5,000 drawn).

mod config;
mod data;
mod expression;
mod model;
mod objective;

pub use config::{ExprConfig, ExprTask};
pub use data::{DataError, ExprData, load, percentile, starting_set};
pub use expression::{Expression, MAX_LEN, Token, expression_grammar, tokenize};
pub use model::{DECODE_ATTEMPTS, ExprModel, one_hot};
pub use objective::{ExprObjective, GRID, WORST_SCORE, constant_floor, grid, score, target};
