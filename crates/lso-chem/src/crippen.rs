//! Wildman-Crippen logP, as RDKit's `Crippen.MolLogP` computes it.
//!
//! Every atom, hydrogens included (implicit hydrogens become explicit atoms first, after the
//! heavy atoms, in the order of the atoms they sit on), gets the first atom type of
//! `data/crippen.txt` (RDKit's table, in RDKit's order) whose SMARTS matches with its first atom
//! on that atom; logP is the sum of the types' contributions.
//!
//! **RDKit's match cap.** RDKit lists each pattern's matches with `SubstructMatch`, which stops
//! at 1,000 matches, symmetric mappings counted apart, listed atom by atom in index order of
//! the pattern's first atom. Only the atoms of those first 1,000 matches can take the pattern's
//! type; an atom no pattern reaches within its cap contributes nothing. So on large molecules
//! (a carbon chain from about 1,000 atoms on) RDKit's logP stops growing, and this module gives
//! RDKit's number there too: the paper's metric is RDKit's. On molecules whose every pattern
//! has fewer than 1,000 matches the cap changes nothing.
use std::sync::OnceLock;

use crate::mol::{BondOrder, Molecule};
use crate::smarts::{AtomFacts, MatchGraph, Smarts};

struct AtomType {
    pattern: Smarts,
    logp: f64,
    /// Whether the pattern's first atom can be an atom of each atomic number (0-118).
    roots: Vec<bool>,
}

impl AtomType {
    fn root_can_be(&self, element: u8) -> bool {
        self.roots
            .get(usize::from(element))
            .copied()
            .unwrap_or(false)
    }
}

/// The atom types, in table order.
struct Table {
    types: Vec<AtomType>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let types: Vec<AtomType> = include_str!("../data/crippen.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let cols: Vec<&str> = l.split('\t').collect();
                let pattern = Smarts::parse(cols[1]).expect("the shipped Crippen table parses");
                let elements = pattern.root_elements();
                AtomType {
                    roots: (0..=118u8)
                        .map(|z| elements.as_ref().is_none_or(|e| e.contains(&z)))
                        .collect(),
                    pattern,
                    logp: cols[2]
                        .trim()
                        .parse()
                        .expect("the shipped Crippen table has numbers"),
                }
            })
            .collect();
        Table { types }
    })
}

/// The molecule with every hydrogen as an atom, as a graph to match patterns in.
pub(crate) fn hydrogen_expanded(mol: &Molecule) -> MatchGraph {
    let mut g = MatchGraph::default();
    for i in 0..mol.n_atoms() {
        let a = &mol.atoms[i];
        let degree = (mol.degree(i) + a.total_h() as usize) as u32;
        g.atoms.push(AtomFacts {
            element: a.element,
            aromatic: a.aromatic,
            total_h: mol.total_h_with_neighbours(i),
            connections: degree,
            degree,
            charge: i32::from(a.charge),
        });
        g.adjacency.push(
            mol.adjacency[i]
                .iter()
                .map(|&(nb, b)| (nb, mol.bonds[b].order))
                .collect(),
        );
    }
    for i in 0..mol.n_atoms() {
        for _ in 0..mol.atoms[i].total_h() {
            let h = g.atoms.len();
            g.atoms.push(AtomFacts {
                element: 1,
                aromatic: false,
                total_h: 0,
                connections: 1,
                degree: 1,
                charge: 0,
            });
            g.adjacency.push(vec![(i, BondOrder::Single)]);
            g.adjacency[i].push((h, BondOrder::Single));
        }
    }
    g
}

/// Crippen logP of a sanitised molecule.
///
/// ```
/// let m = lso_chem::Molecule::from_smiles("c1ccccc1O")?;
/// assert!((lso_chem::crippen_logp(&m) - 1.3922).abs() < 1e-4);
/// # Ok::<(), lso_chem::SanitizeError>(())
/// ```
pub fn crippen_logp(mol: &Molecule) -> f64 {
    let g = hydrogen_expanded(mol);
    let table = table();
    // each atom's first matching type, as if there were no cap
    let first: Vec<Option<usize>> = (0..g.atoms.len())
        .map(|atom| {
            table.types.iter().position(|t| {
                t.root_can_be(g.atoms[atom].element) && t.pattern.count_at(&g, atom, 1) > 0
            })
        })
        .collect();
    // the cap can only change an atom's type if that type's pattern reaches it
    let mut used: Vec<usize> = first.iter().flatten().copied().collect();
    used.sort_unstable();
    used.dedup();
    let capped = used.into_iter().any(|t| {
        listed_matches(&g, &table.types[t])
            .map(|(_, here)| here)
            .sum::<usize>()
            >= MAX_MATCHES
    });
    let types = if capped {
        capped_types(&g, table)
    } else {
        first
    };
    types
        .into_iter()
        .flatten()
        .map(|t| table.types[t].logp)
        .sum()
}

/// Each atom's type under RDKit's cap: pattern by pattern in table order, its matches atom by
/// atom in index order until [`MAX_MATCHES`], each match giving its first atom the type unless
/// an earlier pattern did.
fn capped_types(g: &MatchGraph, table: &Table) -> Vec<Option<usize>> {
    let mut types: Vec<Option<usize>> = vec![None; g.atoms.len()];
    let mut unassigned = g.atoms.len();
    for (t, atom_type) in table.types.iter().enumerate() {
        if unassigned == 0 {
            break;
        }
        for (atom, _) in listed_matches(g, atom_type) {
            if types[atom].is_none() {
                types[atom] = Some(t);
                unassigned -= 1;
            }
        }
    }
    types
}

/// The atoms a pattern's matches start on, in index order, with their number of matches, as
/// far as RDKit lists them: until [`MAX_MATCHES`] (the atom whose matches cross the cap is the
/// last, counted up to the cap).
fn listed_matches<'g>(
    g: &'g MatchGraph,
    atom_type: &'g AtomType,
) -> impl Iterator<Item = (usize, usize)> + 'g {
    let mut listed = 0;
    (0..g.atoms.len())
        .map_while(move |atom| {
            (listed < MAX_MATCHES).then(|| {
                let here = if atom_type.root_can_be(g.atoms[atom].element) {
                    atom_type.pattern.count_at(g, atom, MAX_MATCHES - listed)
                } else {
                    0
                };
                listed += here;
                (atom, here)
            })
        })
        .filter(|&(_, here)| here > 0)
}

/// Most matches RDKit's `SubstructMatch` lists for one pattern (its `maxMatches` default).
const MAX_MATCHES: usize = 1000;
