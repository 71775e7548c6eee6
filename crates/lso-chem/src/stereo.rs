//! Counting possible tetrahedral stereocentres as RDKit's legacy perception does
//! (`FindMolChiralCenters(mol, includeUnassigned=True)`).
//!
//! Atoms are ranked by iterative refinement (element, isotope, then the sorted ranks of their
//! neighbours, a neighbour counted once per bond order unit, hydrogens included). An atom is a
//! possible centre when it can be tetrahedral (at most four connections, at most one hydrogen,
//! three-coordinate only for P, As, S and Se, or N in a three-membered ring) and its neighbours
//! all have different ranks.
//!
//! As in RDKit's legacy perception, a marked centre whose neighbours are all different gets a
//! configuration label (what R/S is to CIP), and the atoms are ranked again with the labels:
//! a ring atom between an R and an S branch (1,3,5-substituted cyclohexanes) then has different
//! neighbours and becomes a possible centre too; this repeats until no label is added.

use crate::mol::{BondOrder, Chirality, IMPLICIT_H, Molecule};
use crate::ranking::{dense_ranks, refine_to_fixpoint};

/// Refined atom ranks: equal ranks for atoms the refinement cannot tell apart, given
/// configuration `labels` (0 for none).
pub(crate) fn symmetry_ranks(mol: &Molecule, labels: &[u8]) -> Vec<u32> {
    let keys: Vec<(u8, u16, u32, u8)> = mol
        .atoms
        .iter()
        .zip(labels)
        .map(|(a, l)| (a.element, a.isotope.unwrap_or(0), a.total_h(), *l))
        .collect();
    // neighbour ranks (+1; hydrogens 0), a neighbour repeated per bond order unit, sorted
    // descending; atoms never carry more than MAX_SLOTS such entries in practice, and a longer
    // list keeps its first MAX_SLOTS after sorting (still a valid, if coarser, invariant)
    const MAX_SLOTS: usize = 12;
    refine_to_fixpoint(
        &dense_ranks(&keys),
        |a| mol.adjacency[a].iter().map(|&(o, _)| o).collect(),
        |i, rank| {
            let mut nb = [0u32; MAX_SLOTS];
            let mut len = 0;
            let mut push = |v: u32| {
                if len < MAX_SLOTS {
                    nb[len] = v;
                    len += 1;
                }
            };
            for &(other, b) in &mol.adjacency[i] {
                let times = match mol.bonds[b].order {
                    BondOrder::Single | BondOrder::Aromatic => 1,
                    BondOrder::Double => 2,
                    BondOrder::Triple => 3,
                    BondOrder::Quadruple => 4,
                };
                for _ in 0..times {
                    push(rank(other) as u32 + 1);
                }
            }
            // hydrogens are the zero entries
            nb.sort_unstable_by(|a, b| b.cmp(a));
            nb
        },
    )
    .into_iter()
    .map(|r| r as u32)
    .collect()
}

/// Whether atom `i` can carry tetrahedral chirality at all.
fn legal_centre(mol: &Molecule, i: usize) -> bool {
    let atom = &mol.atoms[i];
    let total_degree = mol.total_degree(i);
    if !(3..=4).contains(&total_degree) || atom.total_h() > 1 {
        return false;
    }
    if total_degree == 3 {
        return match atom.element {
            15 | 33 => true,
            16 | 34 => {
                let ev = mol.twice_bond_valence(i) / 2 + atom.total_h();
                ev == 4 || (ev == 3 && atom.charge == 1)
            }
            7 => mol.rings.iter().any(|r| r.len() == 3 && r.contains(&i)),
            _ => false,
        };
    }
    true
}

/// Whether the neighbours of atom `i` all have different ranks.
pub(crate) fn distinct_neighbours(mol: &Molecule, i: usize, ranks: &[u32]) -> bool {
    let mut seen: Vec<u32> = mol.adjacency[i].iter().map(|(nb, _)| ranks[*nb]).collect();
    seen.sort_unstable();
    let before = seen.len();
    seen.dedup();
    seen.len() == before
}

/// Configuration label (1 or 2) of a marked centre: its mark combined with the parity of the
/// permutation that sorts its neighbours, in written order, by rank.
pub(crate) fn configuration(mol: &Molecule, i: usize, ranks: &[u32]) -> u8 {
    let mut order: Vec<i64> = reference_order(mol, i)
        .into_iter()
        .map(|nb| {
            if nb == IMPLICIT_H {
                -1
            } else {
                i64::from(ranks[nb])
            }
        })
        .collect();
    if order.len() == 3 {
        // the lone pair stands where a hydrogen would
        order.insert(1.min(order.len()), -1);
    }
    let clockwise = mol.atoms[i].chirality == Chirality::Clockwise;
    1 + u8::from(clockwise ^ odd_permutation(&order))
}

/// The neighbour order a chirality mark of atom `i` refers to: as the SMILES wrote it (with
/// [`IMPLICIT_H`] for a bracket hydrogen), or, for a molecule not read from SMILES, the bond
/// order followed by its hydrogens.
pub(crate) fn reference_order(mol: &Molecule, i: usize) -> Vec<usize> {
    match mol.stereo_order.get(i) {
        Some(o) if !o.is_empty() => o.clone(),
        _ => {
            let mut o: Vec<usize> = mol.adjacency[i].iter().map(|(nb, _)| *nb).collect();
            o.extend(std::iter::repeat_n(
                IMPLICIT_H,
                mol.atoms[i].total_h() as usize,
            ));
            o
        }
    }
}

/// Whether sorting `values` takes an odd number of swaps (an odd count of inversions).
pub(crate) fn odd_permutation<T: PartialOrd>(values: &[T]) -> bool {
    let inversions = (0..values.len())
        .flat_map(|a| (a + 1..values.len()).map(move |b| (a, b)))
        .filter(|&(a, b)| values[a] > values[b])
        .count();
    inversions % 2 == 1
}

/// Number of possible tetrahedral stereocentres (assigned or not), as RDKit's legacy
/// `FindMolChiralCenters(mol, includeUnassigned=True)` counts them.
pub fn count_stereocentres(mol: &Molecule) -> usize {
    let n = mol.n_atoms();
    let mut labels = vec![0u8; n];
    let mut ranks = symmetry_ranks(mol, &labels);
    loop {
        let mut added = false;
        for (i, label) in labels.iter_mut().enumerate() {
            let marked = matches!(
                mol.atoms[i].chirality,
                Chirality::Anticlockwise | Chirality::Clockwise
            );
            if *label == 0 && marked && legal_centre(mol, i) && distinct_neighbours(mol, i, &ranks)
            {
                *label = configuration(mol, i, &ranks);
                added = true;
            }
        }
        if !added {
            break;
        }
        ranks = symmetry_ranks(mol, &labels);
    }
    (0..n)
        .filter(|&i| legal_centre(mol, i) && distinct_neighbours(mol, i, &ranks))
        .count()
}

/// A double bond with a defined configuration: the bond, a reference neighbour at each end, and
/// whether those two neighbours are on the same side (cis).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StereoBond {
    pub bond: usize,
    /// `(end atom, its reference neighbour)` for both ends.
    pub ends: [(usize, usize); 2],
    pub cis: bool,
}

/// Whether neighbour `n` of atom `x` lies "above" `x`, from the direction mark of their bond
/// (a mark on a bond from `f` to `t` with `/` means `t` is above `f`); `None` without a mark.
pub(crate) fn neighbour_above(mol: &Molecule, x: usize, n: usize) -> Option<bool> {
    let b = mol.bond_between(x, n)?;
    let bond = mol.bonds[b];
    let up = match bond.direction {
        crate::BondDirection::Up => true,
        crate::BondDirection::Down => false,
        crate::BondDirection::None => return None,
    };
    Some(if bond.begin == x { up } else { !up })
}

/// The double bonds whose configuration the direction marks define (outside rings of fewer than
/// eight atoms).
pub(crate) fn stereo_double_bonds(mol: &Molecule) -> Vec<StereoBond> {
    let mut out = Vec::new();
    for (b, bond) in mol.bonds.iter().enumerate() {
        if bond.order != BondOrder::Double
            || mol
                .rings
                .iter()
                .any(|r| r.len() < 8 && crate::mol::ring_has_edge(r, bond.begin, bond.end))
        {
            continue;
        }
        let reference = |x: usize, y: usize| {
            mol.adjacency[x]
                .iter()
                .filter(|(n, _)| *n != y)
                .find_map(|&(n, _)| neighbour_above(mol, x, n).map(|above| (n, above)))
        };
        if let (Some((nx, ax)), Some((ny, ay))) = (
            reference(bond.begin, bond.end),
            reference(bond.end, bond.begin),
        ) {
            out.push(StereoBond {
                bond: b,
                ends: [(bond.begin, nx), (bond.end, ny)],
                cis: ax == ay,
            });
        }
    }
    out
}
