//! Junction-tree VAE for molecules (Jin, Barzilay and Jaakkola, ICML 2018), as the weighted
//! retraining paper uses it for its chemistry task.
//!
//! - Chemistry of the junction tree: the decomposition of a molecule into clusters (ring
//!   systems, bonds, branching atoms) linked by a tree ([`decompose`]), the vocabulary of
//!   cluster labels ([`cluster_label`], [`Vocabulary`]), and the enumeration of the ways
//!   neighbouring clusters attach to each other (the assembly step).
//! - Training examples ([`MolTree`]): tree, molecular graph and candidate attachments.

mod assemble;
mod batch;
mod decode;
mod error;
mod features;
mod model;
mod moltree;
mod pretrained;
mod retrain;
mod retrain_partial;
mod train;
mod tree;
mod tree_cache;
mod vocab;

pub use batch::plan_batch;
pub use decode::{
    DEFAULT_WORK_LIMIT, DecodeFailure, DecodeOptions, DecodeOutcome, MAX_DFS_CALLS, MAX_TREE_NODES,
    decode_batch, decode_one,
};
pub use error::JtvaeError;
pub use features::{
    ATOM_FDIM, AtomFeatures, BOND_FDIM, BondFeatures, CAND_ATOM_FDIM, CAND_BOND_FDIM, MolGraph,
    N_ELEMENTS,
};
pub use model::{BatchPlan, JtvaeConfig, JtvaeModel, LossTerms};
pub use moltree::{ClusterSet, MolTree, TreeNode};
pub use pretrained::{Jtvae, SHIPPED_MODEL};
pub use retrain::{RetrainReport, RetrainSettings};
pub use train::{
    FORMAT_VERSION, ModelFiles, StepReport, TrainSettings, TrainState, Trainer, build_examples,
    load_model, save_model,
};
pub use tree::{JunctionTree, decompose};
pub use vocab::{Vocabulary, cluster_label, molecule_labels};
