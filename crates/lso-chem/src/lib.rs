//! Pure-Rust molecules for latent-space optimisation: SMILES in, sanitisation as RDKit does it,
//! and the properties of the paper's chemistry task.
//!
//! No RDKit at run time: RDKit (from pip) is only the reference the tests compare against.

mod aromaticity;
mod crippen;
mod element;
mod kekulize;
mod mol;
mod rings;
mod sanitize;
mod smarts;
mod smiles_parse;
mod valence;

pub use crippen::crippen_logp;
pub use mol::{Atom, Bond, BondDirection, BondOrder, Chirality, Molecule};
pub use sanitize::SanitizeError;
pub use smiles_parse::{ParseError, parse_smiles};
