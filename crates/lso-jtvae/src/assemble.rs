//! Attaching clusters to each other, as the JT-VAE's assembly step does.
//!
//! A node of the junction tree is joined to its neighbours by sharing atoms: a singleton
//! neighbour shares one atom, a bond neighbour one of its two atoms, a ring neighbour one atom or
//! one bond. [`enum_assemble`] lists every way of attaching all neighbours to a centre cluster
//! that gives a valid molecule; the candidate molecules carry atom classes (RDKit atom map
//! numbers) naming the tree node each atom came from, so the assembly network can tell
//! attachments apart.

use std::collections::{BTreeMap, HashSet};

use lso_chem::{Atom, BondDirection, Molecule};

/// Most complete attachment configurations enumerated for one node (the official `MAX_NCAND`).
pub const MAX_CANDIDATES: usize = 2000;

/// Most partial configurations tried in one enumeration, so a pathological node cannot stall
/// decoding (the official code has no such bound).
const MAX_PARTIAL: usize = 20_000;

/// Six-membered aromatic cluster labels (kekulé) of the official aromaticity check.
const BENZYNES: [&str; 9] = [
    "C1=CC=CC=C1",
    "C1=CC=NC=C1",
    "C1=CC=NN=C1",
    "C1=CN=CC=N1",
    "C1=CN=CN=C1",
    "C1=CN=NC=N1",
    "C1=CN=NN=C1",
    "C1=NC=NC=N1",
    "C1=NN=CN=N1",
];

/// Five-membered aromatic cluster labels (kekulé) of the official aromaticity check.
const PENZYNES: [&str; 23] = [
    "C1=C[NH]C=C1",
    "C1=C[NH]C=N1",
    "C1=C[NH]N=C1",
    "C1=C[NH]N=N1",
    "C1=COC=C1",
    "C1=COC=N1",
    "C1=CON=C1",
    "C1=CSC=C1",
    "C1=CSC=N1",
    "C1=CSN=C1",
    "C1=CSN=N1",
    "C1=NN=C[NH]1",
    "C1=NN=CO1",
    "C1=NN=CS1",
    "C1=N[NH]C=N1",
    "C1=N[NH]N=C1",
    "C1=N[NH]N=N1",
    "C1=NN=N[NH]1",
    "C1=NN=NS1",
    "C1=NOC=N1",
    "C1=NON=C1",
    "C1=NSC=N1",
    "C1=NSN=C1",
];

/// Aromatic ring kind of each cluster label for the aromaticity check: 1 for the six-membered
/// list, 2 for the five-membered list, 0 otherwise. Labels are canonical kekulé labels; the lists
/// are canonicalised once.
pub(crate) fn aroma_kinds(labels: &[String]) -> Vec<u8> {
    let canon = |list: &[&str]| -> Vec<String> {
        list.iter()
            .filter_map(|s| Molecule::from_smiles_kekule(s).ok())
            .map(|m| m.to_smiles(false))
            .collect()
    };
    let (six, five) = (canon(&BENZYNES), canon(&PENZYNES));
    labels
        .iter()
        .map(|l| {
            if six.contains(l) {
                1
            } else if five.contains(l) {
                2
            } else {
                0
            }
        })
        .collect()
}

/// A cluster taking part in an assembly.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Part<'a> {
    /// 1-based node id.
    pub nid: u32,
    /// The cluster's kekulé molecule (a vocabulary label, sanitised).
    pub mol: &'a Molecule,
    /// Atom class of its atoms: `nid` for a marked (non-leaf) node, else 0.
    pub class: u32,
    /// Whether the node is a leaf of its tree.
    pub is_leaf: bool,
    /// See [`aroma_kinds`].
    pub aroma: u8,
}

impl Part<'_> {
    fn n_atoms(&self) -> usize {
        self.mol.n_atoms()
    }
}

/// One attachment: `(neighbour nid, centre atom, neighbour atom)`.
pub(crate) type Amap = Vec<(u32, usize, usize)>;

/// A candidate attachment of a node's neighbours.
#[derive(Debug, Clone)]
pub(crate) struct Candidate {
    /// Canonical SMILES with atom classes: the candidate's identity.
    pub smiles: String,
    /// The sanitised candidate molecule (aromaticity perceived, atom classes kept).
    pub mol: Molecule,
    /// Aromaticity-consistency score: 0, 1000 (consistent) or -0.001 (inconsistent).
    pub aroma: f32,
    /// The attachment: `(neighbour nid, centre atom, neighbour atom)` per shared atom.
    pub amap: Amap,
}

fn atom_equal(a: &Atom, b: &Atom) -> bool {
    a.element == b.element && a.charge == b.charge
}

/// A copy of a cluster molecule reduced to elements, charges, bond orders and atom classes.
pub(crate) fn copy_edit(part: &Part<'_>) -> Molecule {
    let mut m = Molecule::default();
    for a in part.mol.atoms() {
        let mut atom = Atom::new(a.element);
        atom.charge = a.charge;
        atom.atom_class = part.class;
        m.add_atom(atom);
    }
    for b in part.mol.bonds() {
        m.add_bond(b.begin, b.end, b.order, BondDirection::None);
    }
    m
}

/// Per node id: cluster atom -> atom of the molecule being built.
pub(crate) type GlobalMap = BTreeMap<u32, BTreeMap<usize, usize>>;

/// Add the atoms and bonds of `parts` to `mol` through the atom maps in `amaps`; atoms without a
/// map entry are new. A `prev` part (the father) overrides bond orders already present.
pub(crate) fn attach_mols(mol: &mut Molecule, parts: &[(&Part<'_>, bool)], amaps: &mut GlobalMap) {
    for &(part, prev) in parts {
        let amap = amaps.entry(part.nid).or_default();
        for (i, a) in part.mol.atoms().iter().enumerate() {
            amap.entry(i).or_insert_with(|| {
                let mut atom = Atom::new(a.element);
                atom.charge = a.charge;
                atom.atom_class = part.class;
                mol.add_atom(atom)
            });
        }
        if part.mol.bonds().is_empty() {
            mol.set_atom_class(amap[&0], part.class);
        } else {
            for b in part.mol.bonds() {
                let (x, y) = (amap[&b.begin], amap[&b.end]);
                match mol.bond_between(x, y) {
                    None => {
                        mol.add_bond(x, y, b.order, BondDirection::None);
                    }
                    Some(k) if prev => mol.set_bond_order(k, b.order),
                    Some(_) => {}
                }
            }
        }
    }
}

/// The centre with `neighbours` (and `prev`) attached by `amap_list`.
fn local_attach(
    ctr: &Part<'_>,
    neighbours: &[Part<'_>],
    prev: &[Part<'_>],
    amap_list: &Amap,
) -> Molecule {
    let mut mol = copy_edit(ctr);
    let mut amaps: GlobalMap = prev
        .iter()
        .chain(neighbours)
        .map(|p| (p.nid, BTreeMap::new()))
        .collect();
    for &(nid, c, n) in amap_list {
        amaps.entry(nid).or_default().insert(n, c);
    }
    let parts: Vec<(&Part<'_>, bool)> = prev
        .iter()
        .map(|p| (p, true))
        .chain(neighbours.iter().map(|p| (p, false)))
        .collect();
    attach_mols(&mut mol, &parts, &mut amaps);
    mol
}

/// The molecule sanitised (valence, hydrogens, rings, aromaticity), or `None` if invalid.
pub(crate) fn sanitized(mut mol: Molecule) -> Option<Molecule> {
    mol.sanitize().ok()?;
    Some(mol)
}

/// Ways of attaching `nei` to the centre molecule given the attachments so far.
fn enum_attach(ctr: &Molecule, nei: &Part<'_>, amap: &Amap, singletons: &[u32]) -> Vec<Amap> {
    let black: Vec<usize> = amap
        .iter()
        .filter(|(nid, _, _)| singletons.contains(nid))
        .map(|&(_, c, _)| c)
        .collect();
    let ctr_atoms: Vec<usize> = (0..ctr.n_atoms()).filter(|i| !black.contains(i)).collect();
    let nm = nei.mol;
    let with = |extra: &[(usize, usize)]| {
        let mut a = amap.clone();
        a.extend(extra.iter().map(|&(c, n)| (nei.nid, c, n)));
        a
    };
    let mut out = Vec::new();
    match nm.bonds().len() {
        0 => {
            let used: Vec<usize> = amap.iter().map(|&(_, c, _)| c).collect();
            for &i in &ctr_atoms {
                if atom_equal(&ctr.atoms()[i], &nm.atoms()[0]) && !used.contains(&i) {
                    out.push(with(&[(i, 0)]));
                }
            }
        }
        1 => {
            let b = &nm.bonds()[0];
            let val = b.order.twice_valence() / 2;
            for &i in &ctr_atoms {
                let a = &ctr.atoms()[i];
                if a.element == 6 && a.total_h() < val {
                    continue;
                }
                if atom_equal(a, &nm.atoms()[b.begin]) {
                    out.push(with(&[(i, b.begin)]));
                } else if atom_equal(a, &nm.atoms()[b.end]) {
                    out.push(with(&[(i, b.end)]));
                }
            }
        }
        _ => {
            for &i in &ctr_atoms {
                let a1 = &ctr.atoms()[i];
                for (j, a2) in nm.atoms().iter().enumerate() {
                    if atom_equal(a1, a2) {
                        if a1.element == 6 && a1.total_h() + a2.total_h() < 4 {
                            continue;
                        }
                        out.push(with(&[(i, j)]));
                    }
                }
            }
            if ctr.bonds().len() > 1 {
                for b1 in ctr.bonds() {
                    for b2 in nm.bonds() {
                        let (c1, c2) = (&ctr.atoms()[b1.begin], &ctr.atoms()[b1.end]);
                        let (n1, n2) = (&nm.atoms()[b2.begin], &nm.atoms()[b2.end]);
                        if atom_equal(c1, n1) && atom_equal(c2, n2) {
                            out.push(with(&[(b1.begin, b2.begin), (b1.end, b2.end)]));
                        }
                        if atom_equal(c1, n2) && atom_equal(c2, n1) {
                            out.push(with(&[(b1.begin, b2.end), (b1.end, b2.begin)]));
                        }
                    }
                }
            }
        }
    }
    out
}

/// No atom of the candidate carries two non-ring neighbours, when the assembly involves rings
/// and no singleton (the official `check_singleton`).
fn check_singleton(cand: &Molecule, ctr: &Part<'_>, neis: &[Part<'_>]) -> bool {
    let all = || neis.iter().chain(std::iter::once(ctr));
    if all().any(|p| p.n_atoms() == 1) || !all().any(|p| p.n_atoms() > 2) {
        return true;
    }
    (0..cand.n_atoms()).all(|i| {
        cand.neighbours(i)
            .iter()
            .filter(|&&(nb, _)| cand.atom_ring_count(nb) == 0)
            .count()
            <= 1
    })
}

/// The official `check_aroma`: when aromatic rings of the lists join other rings, their atoms
/// must stay aromatic in the candidate.
fn check_aroma(cand: &Molecule, ctr: &Part<'_>, neis: &[Part<'_>]) -> f32 {
    let all: Vec<&Part<'_>> = neis.iter().chain(std::iter::once(ctr)).collect();
    if all.iter().filter(|p| p.n_atoms() >= 3).count() < 2 {
        return 0.0;
    }
    let nid = |p: &Part<'_>| if p.is_leaf { 0 } else { p.nid };
    let six: Vec<u32> = all
        .iter()
        .filter(|p| p.aroma == 1)
        .map(|p| nid(p))
        .collect();
    let five: Vec<u32> = all
        .iter()
        .filter(|p| p.aroma == 2)
        .map(|p| nid(p))
        .collect();
    if six.is_empty() && five.is_empty() {
        return 0.0;
    }
    let n = cand
        .atoms()
        .iter()
        .filter(|a| a.aromatic && (six.contains(&a.atom_class) || five.contains(&a.atom_class)))
        .count();
    if n >= six.len() * 4 + five.len() * 3 {
        1000.0
    } else {
        -0.001
    }
}

/// Every distinct valid way of attaching `neighbours` (in this order) to `node`, given the
/// father `prev` already attached by `prev_amap`: the official `enum_assemble`.
pub(crate) fn enum_assemble(
    node: &Part<'_>,
    neighbours: &[Part<'_>],
    prev: &[Part<'_>],
    prev_amap: &Amap,
) -> Vec<Candidate> {
    let singletons: Vec<u32> = neighbours
        .iter()
        .chain(prev)
        .filter(|p| p.n_atoms() == 1)
        .map(|p| p.nid)
        .collect();
    let mut confs: Vec<Amap> = Vec::new();
    let mut tried = 0usize;
    search(
        &mut SearchState {
            node,
            neighbours,
            prev,
            singletons: &singletons,
            confs: &mut confs,
            tried: &mut tried,
        },
        prev_amap.clone(),
        0,
    );
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for amap in confs {
        let Some(mol) = sanitized(local_attach(node, neighbours, prev, &amap)) else {
            continue;
        };
        let smiles = mol.to_smiles(false);
        if seen.contains(&smiles) || !check_singleton(&mol, node, neighbours) {
            continue;
        }
        seen.insert(smiles.clone());
        let aroma = check_aroma(&mol, node, neighbours);
        out.push(Candidate {
            smiles,
            mol,
            aroma,
            amap,
        });
    }
    out
}

struct SearchState<'s, 'a> {
    node: &'s Part<'a>,
    neighbours: &'s [Part<'a>],
    prev: &'s [Part<'a>],
    singletons: &'s [u32],
    confs: &'s mut Vec<Amap>,
    tried: &'s mut usize,
}

fn search(st: &mut SearchState<'_, '_>, amap: Amap, depth: usize) {
    if st.confs.len() > MAX_CANDIDATES || *st.tried > MAX_PARTIAL {
        return;
    }
    if depth == st.neighbours.len() {
        st.confs.push(amap);
        return;
    }
    let nei = &st.neighbours[depth];
    let mut seen = HashSet::new();
    let mut next = Vec::new();
    for a in enum_attach(st.node.mol, nei, &amap, st.singletons) {
        *st.tried += 1;
        let Some(m) = sanitized(local_attach(st.node, &st.neighbours[..=depth], st.prev, &a))
        else {
            continue;
        };
        if seen.insert(m.to_smiles(false)) {
            next.push(a);
        }
    }
    for a in next {
        search(st, a, depth + 1);
    }
}
