//! Junction-tree VAE for molecules (Jin, Barzilay and Jaakkola, ICML 2018), as the weighted
//! retraining paper uses it for its chemistry task.
//!
//! This crate now holds the chemistry of the junction tree: the decomposition of a molecule
//! into clusters (ring systems, bonds, branching atoms) linked by a tree ([`decompose`]), and the
//! vocabulary of cluster labels ([`cluster_label`], [`Vocabulary`]). The neural model follows.

mod error;
mod tree;
mod vocab;

pub use error::JtvaeError;
pub use tree::{JunctionTree, decompose};
pub use vocab::{Vocabulary, cluster_label, molecule_labels};
