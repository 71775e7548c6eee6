//! Penalized logP, the objective of the paper's chemistry task.

use crate::mol::{BondDirection, Chirality, Molecule};
use crate::{crippen_logp, cycle_penalty, sa_score};

/// The properties behind penalized logP.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Properties {
    /// Crippen logP.
    pub logp: f64,
    /// SA score.
    pub sa: f64,
    /// Cycle penalty.
    pub cycle: usize,
    /// `(logp - 2.45777691) / 1.43341767 + (3.05352042 - sa) / 0.83460587
    ///  + (0.04861121 - cycle) / 0.28746695`, with the paper's fixed ZINC-250k statistics.
    pub penalized_logp: f64,
}

/// Compute every property of a sanitised molecule.
///
/// ```
/// let m = lso_chem::Molecule::from_smiles("CCOC(=O)c1ccccc1")?;
/// let p = lso_chem::properties(&m);
/// // RDKit 2026.09.1: logP 1.8633, SA 1.135031601805915, penalized logP 2.053051380539579
/// assert!((p.logp - 1.8633).abs() < 1e-9);
/// assert!((p.sa - 1.135031601805915).abs() < 1e-9);
/// assert!((p.penalized_logp - 2.053051380539579).abs() < 1e-9);
/// # Ok::<(), lso_chem::SanitizeError>(())
/// ```
pub fn properties(mol: &Molecule) -> Properties {
    let logp = crippen_logp(mol);
    let sa = sa_score(mol);
    let cycle = cycle_penalty(mol);
    let penalized_logp = (logp - 2.457_776_91) / 1.433_417_67
        + (3.053_520_42 - sa) / 0.834_605_87
        + (0.048_611_21 - cycle as f64) / 0.287_466_95;
    Properties {
        logp,
        sa,
        cycle,
        penalized_logp,
    }
}

/// Penalized logP of a sanitised molecule (see [`Properties::penalized_logp`]).
pub fn penalized_logp(mol: &Molecule) -> f64 {
    properties(mol).penalized_logp
}

impl Molecule {
    /// A copy without stereo marks (tetrahedral marks and bond directions). The paper's code
    /// computes its objective on the molecule re-read from its non-stereo SMILES; without stereo
    /// marks the SA score counts only the centres that need none.
    pub fn without_stereo(&self) -> Molecule {
        let mut m = self.clone();
        for a in &mut m.atoms {
            a.chirality = Chirality::None;
        }
        for b in &mut m.bonds {
            b.direction = BondDirection::None;
        }
        m
    }
}
