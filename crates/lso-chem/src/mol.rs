//! The molecular graph.

use crate::element;

/// Order of a bond.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BondOrder {
    /// Single bond.
    Single,
    /// Double bond.
    Double,
    /// Triple bond.
    Triple,
    /// Quadruple bond (`$`).
    Quadruple,
    /// Aromatic bond (order 1.5).
    Aromatic,
}

impl BondOrder {
    /// Twice the bond's valence contribution (aromatic: 3).
    pub fn twice_valence(self) -> u32 {
        match self {
            Self::Single => 2,
            Self::Double => 4,
            Self::Triple => 6,
            Self::Quadruple => 8,
            Self::Aromatic => 3,
        }
    }

    /// RDKit's integer code of the bond type (SINGLE 1, DOUBLE 2, TRIPLE 3, QUADRUPLE 4,
    /// AROMATIC 12), used in fingerprint hashing.
    pub fn rdkit_code(self) -> u32 {
        match self {
            Self::Single => 1,
            Self::Double => 2,
            Self::Triple => 3,
            Self::Quadruple => 4,
            Self::Aromatic => 12,
        }
    }
}

/// Directional mark of a single bond next to a double bond (`/` or `\` in SMILES).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum BondDirection {
    /// No mark.
    #[default]
    None,
    /// `/`, read from the bond's first atom to its second.
    Up,
    /// `\`, read from the bond's first atom to its second.
    Down,
}

/// Tetrahedral chirality mark of an atom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Chirality {
    /// None given.
    #[default]
    None,
    /// `@` (anticlockwise looking from the first neighbour).
    Anticlockwise,
    /// `@@` (clockwise).
    Clockwise,
    /// Another class (`@TB..`, `@OH..`, `@SP..`, `@AL..`): kept as unspecified tetrahedral.
    Other,
}

/// An atom.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Atom {
    /// Atomic number (0 for `*`).
    pub element: u8,
    /// Mass number, if given.
    pub isotope: Option<u16>,
    /// Formal charge.
    pub charge: i8,
    /// Hydrogens given explicitly (bracket atoms).
    pub explicit_h: u8,
    /// Hydrogens implied by the valence rules (set by sanitisation).
    pub implicit_h: u8,
    /// True for bracket atoms: they never get implicit hydrogens.
    pub no_implicit: bool,
    /// Aromatic flag.
    pub aromatic: bool,
    /// Chirality mark.
    pub chirality: Chirality,
    /// Atom class (`[C:1]`), 0 when absent.
    pub atom_class: u32,
}

impl Atom {
    /// A plain atom of element `z`.
    pub fn new(z: u8) -> Self {
        Self {
            element: z,
            isotope: None,
            charge: 0,
            explicit_h: 0,
            implicit_h: 0,
            no_implicit: false,
            aromatic: false,
            chirality: Chirality::None,
            atom_class: 0,
        }
    }

    /// Total hydrogens (explicit count plus implicit), not counting hydrogen atoms of the graph.
    pub fn total_h(&self) -> u32 {
        u32::from(self.explicit_h) + u32::from(self.implicit_h)
    }

    /// The element's symbol.
    pub fn symbol(&self) -> &'static str {
        element::symbol(self.element)
    }
}

/// A bond between two atoms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Bond {
    /// First atom.
    pub begin: usize,
    /// Second atom.
    pub end: usize,
    /// Order.
    pub order: BondOrder,
    /// Directional mark.
    pub direction: BondDirection,
}

impl Bond {
    /// The atom at the other end from `atom`.
    pub fn other(&self, atom: usize) -> usize {
        if self.begin == atom {
            self.end
        } else {
            self.begin
        }
    }
}

/// A molecule: atoms, bonds and adjacency.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Molecule {
    pub(crate) atoms: Vec<Atom>,
    pub(crate) bonds: Vec<Bond>,
    /// Per atom: `(neighbour, bond index)` in bond creation order.
    pub(crate) adjacency: Vec<Vec<(usize, usize)>>,
    /// Rings (atom cycles, in ring order) after sanitisation: RDKit's symmetrised SSSR.
    pub(crate) rings: Vec<Vec<usize>>,
    /// Per atom: its neighbours in the order the SMILES wrote them, with [`IMPLICIT_H`] where a
    /// bracket hydrogen stands; the reference order of the atom's chirality mark. Empty for
    /// molecules not read from SMILES.
    pub(crate) stereo_order: Vec<Vec<usize>>,
}

/// Marker of a bracket hydrogen (or lone pair) in [`Molecule`]'s stereo neighbour order.
pub(crate) const IMPLICIT_H: usize = usize::MAX;

impl Molecule {
    /// The atoms.
    pub fn atoms(&self) -> &[Atom] {
        &self.atoms
    }

    /// The bonds.
    pub fn bonds(&self) -> &[Bond] {
        &self.bonds
    }

    /// Number of atoms.
    pub fn n_atoms(&self) -> usize {
        self.atoms.len()
    }

    /// `(neighbour, bond index)` pairs of atom `i`.
    pub fn neighbours(&self, i: usize) -> &[(usize, usize)] {
        &self.adjacency[i]
    }

    /// Number of explicit neighbours of atom `i` (RDKit's `GetDegree`).
    pub fn degree(&self, i: usize) -> usize {
        self.adjacency[i].len()
    }

    /// Degree including hydrogens (RDKit's `GetTotalDegree`).
    pub fn total_degree(&self, i: usize) -> usize {
        self.degree(i) + self.atoms[i].total_h() as usize
    }

    /// Hydrogens on atom `i` including hydrogen atoms bonded to it (RDKit's
    /// `GetTotalNumHs(includeNeighbors=True)`).
    pub fn total_h_with_neighbours(&self, i: usize) -> u32 {
        self.atoms[i].total_h()
            + self.adjacency[i]
                .iter()
                .filter(|(n, _)| self.atoms[*n].element == 1)
                .count() as u32
    }

    /// Number of atoms heavier than hydrogen.
    pub fn heavy_atom_count(&self) -> usize {
        self.atoms.iter().filter(|a| a.element > 1).count()
    }

    /// The bond between atoms `a` and `b`, if any.
    pub fn bond_between(&self, a: usize, b: usize) -> Option<usize> {
        self.adjacency[a]
            .iter()
            .find(|(n, _)| *n == b)
            .map(|(_, bond)| *bond)
    }

    /// The rings found by sanitisation (RDKit's symmetrised SSSR), each as its atoms in ring order.
    pub fn rings(&self) -> &[Vec<usize>] {
        &self.rings
    }

    /// Number of rings containing atom `i`.
    pub fn atom_ring_count(&self, i: usize) -> usize {
        self.rings.iter().filter(|r| r.contains(&i)).count()
    }

    /// Whether bond `b` lies in one of the rings.
    pub fn bond_in_ring(&self, b: usize) -> bool {
        let bond = self.bonds[b];
        self.rings
            .iter()
            .any(|r| ring_has_edge(r, bond.begin, bond.end))
    }

    /// Sum of bond valences of atom `i`, doubled (aromatic bonds count 3).
    pub(crate) fn twice_bond_valence(&self, i: usize) -> u32 {
        self.adjacency[i]
            .iter()
            .map(|(_, b)| self.bonds[*b].order.twice_valence())
            .sum()
    }

    /// The same molecule with atom `i` renumbered to `new_index[i]` (a permutation of
    /// `0..n_atoms`); bonds keep their order. Used to test that results do not depend on the
    /// input atom order.
    ///
    /// # Panics
    /// If `new_index` is not a permutation of `0..n_atoms`.
    pub fn renumbered(&self, new_index: &[usize]) -> Molecule {
        let n = self.n_atoms();
        assert_eq!(new_index.len(), n, "one new index per atom");
        let mut old_of = vec![usize::MAX; n];
        for (old, &new) in new_index.iter().enumerate() {
            old_of[new] = old;
        }
        assert!(
            old_of.iter().all(|&o| o != usize::MAX),
            "new_index must be a permutation"
        );
        let mut m = Molecule::default();
        for &old in &old_of {
            m.add_atom(self.atoms[old].clone());
        }
        for bond in &self.bonds {
            m.add_bond(
                new_index[bond.begin],
                new_index[bond.end],
                bond.order,
                bond.direction,
            );
        }
        let map = |v: usize| if v == IMPLICIT_H { v } else { new_index[v] };
        m.rings = self
            .rings
            .iter()
            .map(|r| r.iter().map(|&a| new_index[a]).collect())
            .collect();
        m.stereo_order = if self.stereo_order.is_empty() {
            Vec::new()
        } else {
            old_of
                .iter()
                .map(|&old| self.stereo_order[old].iter().map(|&v| map(v)).collect())
                .collect()
        };
        m
    }

    /// Add an atom; returns its index. Build a molecule with [`Molecule::add_atom`] and
    /// [`Molecule::add_bond`], then [`Molecule::sanitize`] it.
    pub fn add_atom(&mut self, atom: Atom) -> usize {
        self.atoms.push(atom);
        self.adjacency.push(Vec::new());
        self.atoms.len() - 1
    }

    /// Add a bond between two existing atoms; returns its index. The molecule must be
    /// sanitised again before its hydrogens, rings or aromaticity are used.
    ///
    /// # Panics
    /// If `begin` or `end` is not an atom index.
    pub fn add_bond(
        &mut self,
        begin: usize,
        end: usize,
        order: BondOrder,
        direction: BondDirection,
    ) -> usize {
        let index = self.bonds.len();
        self.bonds.push(Bond {
            begin,
            end,
            order,
            direction,
        });
        self.adjacency[begin].push((end, index));
        self.adjacency[end].push((begin, index));
        index
    }
}

impl Molecule {
    /// Change the order of bond `bond` (the molecule must be sanitised again).
    ///
    /// # Panics
    /// If `bond` is not a bond index.
    pub fn set_bond_order(&mut self, bond: usize, order: BondOrder) {
        self.bonds[bond].order = order;
    }

    /// Set the atom class (SMILES `[C:n]`, RDKit's atom map number) of atom `atom`; `0` clears it.
    ///
    /// # Panics
    /// If `atom` is not an atom index.
    pub fn set_atom_class(&mut self, atom: usize, class: u32) {
        self.atoms[atom].atom_class = class;
    }
}

/// Whether consecutive atoms `a`, `b` (in either order) form an edge of the cyclic `ring`.
pub(crate) fn ring_has_edge(ring: &[usize], a: usize, b: usize) -> bool {
    let n = ring.len();
    (0..n).any(|i| {
        let (x, y) = (ring[i], ring[(i + 1) % n]);
        (x == a && y == b) || (x == b && y == a)
    })
}
