//! Pure-Rust molecules for latent-space optimisation: SMILES in, sanitisation as RDKit does it,
//! and the properties of the paper's chemistry task.
//!
//! No RDKit at run time: RDKit (from pip) is only the reference the tests compare against.

mod aromaticity;
mod crippen;
mod cycle;
mod element;
mod kekulize;
mod mass;
mod mol;
mod morgan;
mod properties;
mod props_tsv;
mod ranking;
mod rings;
mod sa_score;
mod sanitize;
mod smarts;
mod smiles_parse;
mod smiles_write;
mod stereo;
mod valence;
mod work;

pub use crippen::crippen_logp;
pub use cycle::{cycle_basis, cycle_penalty};
pub use mol::{Atom, Bond, BondDirection, BondOrder, Chirality, Molecule};
pub use morgan::{connectivity_invariants, morgan_counts};
pub use properties::{Properties, penalized_logp, properties};
pub use props_tsv::{PROPS_HEADER, PropsSummary, props_row, write_props};
pub use sa_score::{bridgehead_atoms, sa_score, spiro_atoms};
pub use sanitize::SanitizeError;
pub use smiles_parse::{ParseError, parse_smiles};
pub use smiles_write::canonical_ranks;
pub use stereo::count_stereocentres;
pub use work::thread_work;
