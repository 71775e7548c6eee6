//! Training examples kept between the steps (and rounds) of weighted retraining.
//!
//! Building a molecule's training example enumerates the attachment candidates of every tree
//! node, with a canonical SMILES of each to drop duplicates: for the fused aromatic sheets the
//! optimiser finds, 1.4-5 s a molecule on a shared core, and about 40 % of a k = 1e-3 retraining's time
//! (docs/chem-task.md). Rank weighting with a small `k` draws the same best molecules hundreds of
//! times a retraining, and the run's other queries again in every round. The cache keeps the
//! examples of the molecules a retraining is expected to draw at least half a time (from their
//! weights), within a size budget, across rounds. Building is deterministic,
//! so the cache changes no result, only the time.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::MolTree;
use crate::retrain::elements;

/// Most graph elements (atoms and bonds of the molecules and their candidates) kept: about
/// 14 bytes each with the vectors' overhead, so about 1.4 GB.
const MAX_ELEMENTS: usize = 100_000_000;

/// Expected draws (in one retraining) from which a molecule's example is kept: a molecule drawn
/// every other retraining is drawn again within the next rounds. With k = 1e-3, the run's
/// queries and a few hundred ZINC molecules; the examples of a seed's 454 distinct queries
/// take 431 MB. Uniform weights over an epoch (about one draw each) keep molecules up to the
/// budget, for nothing when there is no later retraining.
const MIN_EXPECTED_DRAWS: f64 = 0.5;

/// Built training examples by SMILES.
#[derive(Clone, Default)]
pub(crate) struct TreeCache {
    trees: HashMap<String, Arc<MolTree>>,
    elements: usize,
}

impl std::fmt::Debug for TreeCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TreeCache")
            .field("molecules", &self.trees.len())
            .field("elements", &self.elements)
            .finish()
    }
}

impl TreeCache {
    /// The molecules worth keeping for a retraining of `draws` draws with these weights
    /// (positive sum): those expected to be drawn at least half a time.
    pub fn wanted<'a>(smiles: &'a [String], weights: &[f64], draws: usize) -> HashSet<&'a str> {
        let total: f64 = weights.iter().sum();
        smiles
            .iter()
            .zip(weights)
            .filter(|&(_, &w)| draws as f64 * w / total >= MIN_EXPECTED_DRAWS)
            .map(|(s, _)| s.as_str())
            .collect()
    }

    /// Drop the examples of molecules not in `wanted`.
    pub fn retain(&mut self, wanted: &HashSet<&str>) {
        self.trees.retain(|s, _| wanted.contains(s.as_str()));
        self.elements = self.trees.values().map(|t| elements(t)).sum();
    }

    /// The kept example of a molecule.
    pub fn get(&self, smiles: &str) -> Option<&MolTree> {
        self.trees.get(smiles).map(AsRef::as_ref)
    }

    /// Keep an example, unless it is kept already or the budget is full.
    pub fn insert(&mut self, tree: &MolTree) {
        if self.trees.contains_key(&tree.smiles) {
            return;
        }
        let size = elements(tree);
        if self.elements + size <= MAX_ELEMENTS {
            self.elements += size;
            self.trees
                .insert(tree.smiles.clone(), Arc::new(tree.clone()));
        }
    }

    /// Molecules kept.
    pub fn len(&self) -> usize {
        self.trees.len()
    }
}
