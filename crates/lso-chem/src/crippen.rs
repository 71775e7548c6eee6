//! Wildman-Crippen logP, as RDKit's `Crippen.MolLogP` computes it.
//!
//! Every atom, hydrogens included (implicit hydrogens become explicit atoms first), gets the
//! first atom type of `data/crippen.txt` (RDKit's table, in RDKit's order) whose SMARTS matches
//! with its first atom on that atom; logP is the sum of the types' contributions.

use std::sync::OnceLock;

use crate::mol::{BondOrder, Molecule};
use crate::smarts::{AtomFacts, MatchGraph, Smarts};

struct AtomType {
    pattern: Smarts,
    logp: f64,
}

/// The atom types, and for each element the indices of the types whose first atom can match it
/// (in table order).
struct Table {
    types: Vec<AtomType>,
    by_element: Vec<Vec<usize>>,
}

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let types: Vec<AtomType> = include_str!("../data/crippen.txt")
            .lines()
            .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
            .map(|l| {
                let cols: Vec<&str> = l.split('\t').collect();
                AtomType {
                    pattern: Smarts::parse(cols[1]).expect("the shipped Crippen table parses"),
                    logp: cols[2]
                        .trim()
                        .parse()
                        .expect("the shipped Crippen table has numbers"),
                }
            })
            .collect();
        let by_element = (0..=118u8)
            .map(|z| {
                (0..types.len())
                    .filter(|&t| {
                        types[t]
                            .pattern
                            .root_elements()
                            .is_none_or(|els| els.contains(&z))
                    })
                    .collect()
            })
            .collect();
        Table { types, by_element }
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
    (0..g.atoms.len())
        .map(|atom| {
            table.by_element[usize::from(g.atoms[atom].element)]
                .iter()
                .map(|&t| &table.types[t])
                .find(|t| t.pattern.matches_at(&g, atom))
                .map_or(0.0, |t| t.logp)
        })
        .sum()
}
