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

    /// A kekulé form: aromatic bonds replaced by single and double bonds and aromatic flags
    /// cleared (RDKit's `Kekulize(mol, clearAromaticFlags=True)`); hydrogen counts are kept
    /// (as explicit counts, so they do not depend on the new bond orders).
    ///
    /// # Errors
    /// [`SanitizeError::Kekulize`] when no alternation fits.
    pub fn kekulized(&self) -> Result<Molecule, SanitizeError> {
        let mut m = self.clone();
        // explicit plus implicit valence, as sanitisation computed it
        let total = (0..m.n_atoms())
            .map(|i| {
                valence::explicit_valence(&m, i).map(|ev| ev + u32::from(m.atoms[i].implicit_h))
            })
            .collect::<Result<Vec<u32>, _>>()?;
        kekulize::kekulize(&mut m, &total)?;
        for a in &mut m.atoms {
            a.aromatic = false;
            a.explicit_h += a.implicit_h;
            a.implicit_h = 0;
            a.no_implicit = true;
        }
        Ok(m)
    }

    /// The substructure on `atoms` (in that order): each atom reduced to its element and
    /// charge, with every bond between two of them; not sanitised. This is how the JT-VAE cuts
    /// a cluster out of a (kekulé) molecule before reading it as a molecule of its own.
    pub fn fragment(&self, atoms: &[usize]) -> Molecule {
        let mut m = Molecule::default();
        let mut index = vec![usize::MAX; self.n_atoms()];
        for (k, &a) in atoms.iter().enumerate() {
            let mut atom = crate::Atom::new(self.atoms[a].element);
            atom.charge = self.atoms[a].charge;
            m.add_atom(atom);
            index[a] = k;
        }
        for bond in &self.bonds {
            let (b, e) = (index[bond.begin], index[bond.end]);
            if b != usize::MAX && e != usize::MAX {
                m.add_bond(b, e, bond.order, crate::BondDirection::None);
            }
        }
        m
    }

    /// Parse SMILES into a kekulé molecule: aromatic input is sanitised and kekulised, kekulé
    /// input is sanitised without aromaticity perception, so its bond orders stay as written.
    ///
    /// # Errors
    /// [`SanitizeError`].
    pub fn from_smiles_kekule(smiles: &str) -> Result<Self, SanitizeError> {
        let mut mol = smiles_parse::parse_smiles(smiles)?;
        mol.remove_plain_hydrogens();
        if mol.atoms.iter().any(|a| a.aromatic)
            || mol
                .bonds
                .iter()
                .any(|b| b.order == crate::BondOrder::Aromatic)
        {
            mol.sanitize()?;
            mol.kekulized()
        } else {
            mol.sanitize_kekule()?;
            Ok(mol)
        }
    }

    /// Sanitise a molecule without aromatic atoms or bonds, keeping its kekulé bond orders:
    /// valence checks, implicit hydrogens and rings, but no aromaticity perception.
    ///
    /// # Errors
    /// [`SanitizeError`], and [`SanitizeError::AromaticOutsideRing`] for an aromatic atom (use
    /// [`Molecule::sanitize`] for aromatic input).
    pub fn sanitize_kekule(&mut self) -> Result<(), SanitizeError> {
        if let Some(i) = self.atoms.iter().position(|a| a.aromatic) {
            return Err(SanitizeError::AromaticOutsideRing { atom: i });
        }
        for i in 0..self.n_atoms() {
            let ev = valence::explicit_valence(self, i)?;
            let h = valence::implicit_hydrogens(self, i, ev)?;
            self.atoms[i].implicit_h = h;
        }
        self.rings = rings::find_rings(self).symmetrised;
        Ok(())
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
