//! Sanitisation, as RDKit's default `SanitizeMol` does it for organic molecules: valence checks
//! and implicit hydrogens, ring perception, kekulisation, aromaticity perception.

use crate::mol::Molecule;
use crate::{aromaticity, kekulize, rings, smiles_parse, valence};

/// Why a molecule could not be sanitised.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SanitizeError {
    /// The SMILES could not be read.
    #[error(transparent)]
    Parse(#[from] smiles_parse::ParseError),
    /// An atom has more bonds than its element allows.
    #[error("explicit valence for atom #{atom} {symbol}, {valence}, is greater than permitted")]
    Valence {
        /// Atom index.
        atom: usize,
        /// Element symbol.
        symbol: &'static str,
        /// Its explicit valence.
        valence: u32,
    },
    /// An aromatic atom's valence matches none of its element's valences.
    #[error(
        "explicit valence for aromatic atom #{atom} {symbol}, {valence}, is not an allowed valence"
    )]
    AromaticValence {
        /// Atom index.
        atom: usize,
        /// Element symbol.
        symbol: &'static str,
        /// Its explicit valence.
        valence: u32,
    },
    /// No alternation of single and double bonds fits the aromatic atoms.
    #[error("cannot kekulize the aromatic system; atoms that need a double bond: {atoms}")]
    Kekulize {
        /// The atoms that needed a double bond.
        atoms: String,
    },
    /// An atom would carry unpaired electrons; radicals are not supported.
    #[error(
        "atom #{atom} {symbol} has valence {valence}, which its element allows only as a radical; radicals are not supported"
    )]
    Radical {
        /// Atom index.
        atom: usize,
        /// Element symbol.
        symbol: &'static str,
        /// Its valence after kekulisation.
        valence: u32,
    },
    /// An atom is marked aromatic outside any ring.
    #[error("non-ring atom #{atom} is marked aromatic")]
    AromaticOutsideRing {
        /// Atom index.
        atom: usize,
    },
}

impl Molecule {
    /// Parse and sanitise a SMILES string, as RDKit's `MolFromSmiles` does by default.
    ///
    /// # Errors
    /// [`SanitizeError`] naming the position (parse errors) or atom of the problem.
    ///
    /// ```
    /// let m = lso_chem::Molecule::from_smiles("c1ccncc1")?;
    /// assert_eq!(m.n_atoms(), 6);
    /// assert!(m.atoms().iter().all(|a| a.aromatic));
    /// assert_eq!(m.atoms()[0].implicit_h, 1);
    /// # Ok::<(), lso_chem::SanitizeError>(())
    /// ```
    pub fn from_smiles(smiles: &str) -> Result<Self, SanitizeError> {
        let mut mol = smiles_parse::parse_smiles(smiles)?;
        mol.remove_plain_hydrogens();
        mol.sanitize()?;
        Ok(mol)
    }

    /// Fold hydrogen atoms into their neighbour's hydrogen count, as RDKit does when it reads
    /// SMILES: a hydrogen atom is removed when it has no isotope, charge or atom class and one
    /// bond, single, to an atom other than hydrogen. `[2H]`, `[H+]` and `[H][H]` stay atoms.
    pub fn remove_plain_hydrogens(&mut self) {
        let removable: Vec<bool> = (0..self.n_atoms())
            .map(|i| {
                let a = &self.atoms[i];
                a.element == 1
                    && a.isotope.is_none()
                    && a.charge == 0
                    && a.atom_class == 0
                    && a.explicit_h == 0
                    && self.adjacency[i].len() == 1
                    && {
                        let (nb, b) = self.adjacency[i][0];
                        self.atoms[nb].element != 1
                            && self.bonds[b].order == crate::BondOrder::Single
                    }
            })
            .collect();
        if !removable.iter().any(|&r| r) {
            return;
        }
        let mut new_index = vec![usize::MAX; self.n_atoms()];
        let mut next = 0;
        for (i, r) in removable.iter().enumerate() {
            if !r {
                new_index[i] = next;
                next += 1;
            }
        }
        let mut m = Molecule::default();
        for (i, a) in self.atoms.iter().enumerate() {
            if !removable[i] {
                let mut a = a.clone();
                a.explicit_h += self.adjacency[i]
                    .iter()
                    .filter(|(nb, _)| removable[*nb])
                    .count() as u8;
                m.add_atom(a);
            }
        }
        for bond in &self.bonds {
            if !removable[bond.begin] && !removable[bond.end] {
                m.add_bond(
                    new_index[bond.begin],
                    new_index[bond.end],
                    bond.order,
                    bond.direction,
                );
            }
        }
        if !self.stereo_order.is_empty() {
            m.stereo_order = (0..self.n_atoms())
                .filter(|&i| !removable[i])
                .map(|i| {
                    self.stereo_order[i]
                        .iter()
                        .map(|&v| match v {
                            crate::mol::IMPLICIT_H => v,
                            v if removable[v] => crate::mol::IMPLICIT_H,
                            v => new_index[v],
                        })
                        .collect()
                })
                .collect();
        }
        *self = m;
    }

    /// Sanitise a parsed molecule in place.
    ///
    /// # Errors
    /// [`SanitizeError`].
    pub fn sanitize(&mut self) -> Result<(), SanitizeError> {
        let mut total = Vec::with_capacity(self.n_atoms());
        for i in 0..self.n_atoms() {
            let ev = valence::explicit_valence(self, i)?;
            let h = valence::implicit_hydrogens(self, i, ev)?;
            self.atoms[i].implicit_h = h;
            total.push(ev + u32::from(h));
        }
        let found = rings::find_rings(self);
        self.rings = found.symmetrised;
        for (i, a) in self.atoms.iter().enumerate() {
            if a.aromatic && !self.rings.iter().any(|r| r.contains(&i)) {
                return Err(SanitizeError::AromaticOutsideRing { atom: i });
            }
        }
        kekulize::kekulize(self, &total)?;
        for i in 0..self.n_atoms() {
            let a = &self.atoms[i];
            let allowed = crate::element::valences(a.element);
            if a.element == 0 || allowed.is_empty() {
                continue;
            }
            let ev = self.twice_bond_valence(i) / 2 + a.total_h();
            let chg = valence::valence_charge(a.element, a.charge);
            let fits = allowed
                .iter()
                .any(|&v| i64::from(v) + i64::from(chg) == i64::from(ev));
            let max = allowed
                .iter()
                .map(|&v| i64::from(v) + i64::from(chg))
                .max()
                .unwrap_or(0);
            if i64::from(ev) > max && a.aromatic {
                return Err(SanitizeError::Valence {
                    atom: i,
                    symbol: a.symbol(),
                    valence: ev,
                });
            }
            if !fits && i64::from(ev) < max {
                return Err(SanitizeError::Radical {
                    atom: i,
                    symbol: a.symbol(),
                    valence: ev,
                });
            }
        }
        aromaticity::perceive(self);
        Ok(())
    }
}
