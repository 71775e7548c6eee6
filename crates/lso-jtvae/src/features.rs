//! Atom and bond features of the JT-VAE's graph networks, kept as small indices and expanded to
//! one-hot rows when a batch is built.

use lso_chem::{BondOrder, Chirality, Molecule};

/// Atomic numbers of the official element list (`C N O S F Si P Cl Br Mg Na Ca Fe Al I B K Se Zn
/// H Cu Mn`); anything else is the 23rd class, "unknown".
const ELEMENTS: [u8; 22] = [
    6, 7, 8, 16, 9, 14, 15, 17, 35, 12, 11, 20, 26, 13, 53, 5, 19, 34, 30, 1, 29, 25,
];

/// Width of the element one-hot block.
pub const N_ELEMENTS: usize = ELEMENTS.len() + 1;

/// Width of the molecule encoder's atom features: element (23), degree 0-5 (6), formal charge
/// in (-1, -2, 1, 2, 0) (5), chiral tag 0-3 (4), aromatic (1).
pub const ATOM_FDIM: usize = N_ELEMENTS + 6 + 5 + 4 + 1;
/// Width of the molecule encoder's bond features: single, double, triple, aromatic, in ring, and
/// a stereo one-hot of six classes.
pub const BOND_FDIM: usize = 5 + 6;
/// Width of the candidate encoder's atom features (no chiral tag).
pub const CAND_ATOM_FDIM: usize = N_ELEMENTS + 6 + 5 + 1;
/// Width of the candidate encoder's bond features (no stereo).
pub const CAND_BOND_FDIM: usize = 5;

/// Features of one atom, as class indices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AtomFeatures {
    /// Element class (0..23).
    pub element: u8,
    /// Number of bonded heavy atoms, capped at 5.
    pub degree: u8,
    /// Formal-charge class (0..5).
    pub charge: u8,
    /// Chiral tag as RDKit numbers it: 0 none, 1 clockwise (`@@`), 2 anticlockwise (`@`), 3 other.
    pub chiral: u8,
    /// Aromatic flag.
    pub aromatic: bool,
}

/// Features of one bond.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BondFeatures {
    /// Kekulé bond type: 0 single, 1 double, 2 triple (molecules are kekulised first, as the
    /// official code does, so the aromatic column stays empty).
    pub kind: u8,
    /// In a ring.
    pub in_ring: bool,
}

/// A molecular graph as the message-passing networks read it.
#[derive(Debug, Clone, PartialEq)]
pub struct MolGraph {
    /// Per atom features.
    pub atoms: Vec<AtomFeatures>,
    /// Bonds as `(begin, end, features)`.
    pub bonds: Vec<(u32, u32, BondFeatures)>,
    /// Per atom: the local tree node it belongs to (from its atom class), for candidate graphs.
    pub node: Vec<Option<u32>>,
}

impl MolGraph {
    /// Featurise a sanitised molecule and its kekulé form (same atom and bond order).
    pub fn new(mol: &Molecule, kekule: &Molecule) -> Self {
        let atoms = mol
            .atoms()
            .iter()
            .enumerate()
            .map(|(i, a)| AtomFeatures {
                element: ELEMENTS
                    .iter()
                    .position(|&z| z == a.element)
                    .unwrap_or(ELEMENTS.len()) as u8,
                degree: mol.degree(i).min(5) as u8,
                charge: match a.charge {
                    -1 => 0,
                    -2 => 1,
                    1 => 2,
                    2 => 3,
                    _ => 4,
                },
                chiral: match a.chirality {
                    Chirality::None => 0,
                    Chirality::Clockwise => 1,
                    Chirality::Anticlockwise => 2,
                    Chirality::Other => 3,
                },
                aromatic: a.aromatic,
            })
            .collect();
        let bonds = kekule
            .bonds()
            .iter()
            .enumerate()
            .map(|(k, b)| {
                let kind = match b.order {
                    BondOrder::Double => 1,
                    BondOrder::Triple => 2,
                    _ => 0,
                };
                (
                    b.begin as u32,
                    b.end as u32,
                    BondFeatures {
                        kind,
                        in_ring: mol.bond_in_ring(k),
                    },
                )
            })
            .collect();
        let node = mol
            .atoms()
            .iter()
            .map(|a| a.atom_class.checked_sub(1))
            .collect();
        Self { atoms, bonds, node }
    }

    /// Number of atoms.
    pub fn n_atoms(&self) -> usize {
        self.atoms.len()
    }

    /// Write the one-hot atom features of atom `i` into `row` (length [`ATOM_FDIM`], or
    /// [`CAND_ATOM_FDIM`] without the chiral block).
    pub fn atom_row(&self, i: usize, with_chiral: bool, row: &mut [f32]) {
        let a = self.atoms[i];
        row[usize::from(a.element)] = 1.0;
        row[N_ELEMENTS + usize::from(a.degree)] = 1.0;
        row[N_ELEMENTS + 6 + usize::from(a.charge)] = 1.0;
        let mut k = N_ELEMENTS + 11;
        if with_chiral {
            row[k + usize::from(a.chiral)] = 1.0;
            k += 4;
        }
        if a.aromatic {
            row[k] = 1.0;
        }
    }

    /// Write the bond features of bond `b` into `row` (length 5, or [`BOND_FDIM`] with the
    /// stereo block, whose "none" class is always set: E/Z labels are not used).
    pub fn bond_row(&self, b: usize, with_stereo: bool, row: &mut [f32]) {
        let f = self.bonds[b].2;
        row[usize::from(f.kind)] = 1.0;
        if f.in_ring {
            row[4] = 1.0;
        }
        if with_stereo {
            row[5] = 1.0;
        }
    }
}
