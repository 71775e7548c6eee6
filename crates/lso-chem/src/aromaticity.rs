//! Aromaticity perception with RDKit's default model.
//!
//! Each ring atom of the kekulé structure is classified by the electrons it gives to a ring's
//! pi system (RDKit's donor types): a vacant orbital (0), one electron (an atom in a ring double
//! bond), or a lone pair (2). A ring is aromatic when every atom is a candidate and the electron
//! count is `4n + 2` (with `n = 0` allowed only for a 2-electron ring). Fused ring systems are
//! checked ring by ring, then as unions of 2, 3, ... fused rings, so azulene-like systems whose
//! single rings fail are aromatic as a whole.

use crate::element;
use crate::mol::{BondOrder, Molecule, ring_has_edge};

/// Pi electrons an atom can give: `(min, max)`, or `None` when it cannot be aromatic.
fn donor_electrons(
    mol: &Molecule,
    i: usize,
    in_ring_bond: &dyn Fn(usize) -> bool,
) -> Option<(u32, u32)> {
    let atom = &mol.atoms[i];
    if atom.element == 0 {
        return Some((0, 2));
    }
    if !matches!(atom.element, 5 | 6 | 7 | 8 | 15 | 16 | 33 | 34 | 52) {
        return None;
    }
    let mut n_multiple = 0;
    let mut cyclic_multiple = false;
    let mut exocyclic_multiple: Option<usize> = None;
    for &(nb, b) in &mol.adjacency[i] {
        if matches!(
            mol.bonds[b].order,
            BondOrder::Double | BondOrder::Triple | BondOrder::Quadruple
        ) {
            n_multiple += 1;
            if in_ring_bond(b) {
                cyclic_multiple = true;
            } else {
                exocyclic_multiple = Some(nb);
            }
        }
    }
    if n_multiple > 1 {
        return None;
    }
    let nelec = count_atom_electrons(mol, i)?;
    let exo_to_more_en = exocyclic_multiple
        .is_some_and(|nb| element::more_electronegative(mol.atoms[nb].element, atom.element));
    let electrons = match nelec {
        0 if exocyclic_multiple.is_some() => 0,
        0 if cyclic_multiple => 1,
        0 => return None,
        1 if exocyclic_multiple.is_some() => {
            if exo_to_more_en {
                0
            } else {
                1
            }
        }
        1 if cyclic_multiple => 1,
        1 if atom.charge == 1 => 0,
        1 => return None,
        // a lone-pair atom with an exocyclic multiple bond gives one electron: thiophene
        // S-oxide (4 + 1) is not aromatic in RDKit, nor is a 7-ring sulfoxide (6 + 1)
        _ if exocyclic_multiple.is_some() => 1,
        _ if cyclic_multiple => 1,
        _ => 2,
    };
    Some((electrons, electrons))
}

/// RDKit's `countAtomElec`: electrons available to a pi system, `None` for atoms that cannot
/// take part (univalent, or more than three connections).
fn count_atom_electrons(mol: &Molecule, i: usize) -> Option<i32> {
    let atom = &mol.atoms[i];
    let dv = i32::from(*element::valences(atom.element).first()?);
    if dv <= 1 {
        return None;
    }
    let degree = (mol.degree(i) + atom.total_h() as usize) as i32;
    if degree > 3 {
        return None;
    }
    let nlp =
        (i32::from(element::outer_electrons(atom.element)) - dv - i32::from(atom.charge)).max(0);
    let mut res = (dv - degree) + nlp;
    if res > 1 {
        let ev = (mol.twice_bond_valence(i) / 2) as i32 + i32::from(atom.explicit_h);
        if ev - mol.degree(i) as i32 > 1 {
            res = 1;
        }
    }
    Some(res)
}

fn huckel(atoms: &[usize], donors: &[Option<(u32, u32)>]) -> bool {
    let (mut lo, mut hi) = (0, 0);
    for &a in atoms {
        match donors[a] {
            Some((l, h)) => {
                lo += l;
                hi += h;
            }
            None => return false,
        }
    }
    if hi >= 6 {
        (lo..=hi).any(|e| e >= 2 && (e - 2) % 4 == 0)
    } else {
        hi == 2
    }
}

/// Clear and re-perceive the aromatic flags of atoms and bonds of a kekulé `mol`, using its
/// rings. Aromatic bonds get [`BondOrder::Aromatic`].
pub(crate) fn perceive(mol: &mut Molecule) {
    for a in &mut mol.atoms {
        a.aromatic = false;
    }
    let rings = mol.rings.clone();
    if rings.is_empty() {
        return;
    }
    let ring_bond: Vec<bool> = (0..mol.bonds.len()).map(|b| mol.bond_in_ring(b)).collect();
    let donors: Vec<Option<(u32, u32)>> = (0..mol.n_atoms())
        .map(|i| donor_electrons(mol, i, &|b| ring_bond[b]))
        .collect();
    // fused systems: rings sharing a bond
    let shares_bond = |a: &[usize], b: &[usize]| {
        (0..a.len()).any(|k| ring_has_edge(b, a[k], a[(k + 1) % a.len()]))
    };
    let n = rings.len();
    let mut system = vec![usize::MAX; n];
    let mut aromatic = vec![false; n];
    // bonds marked aromatic, as atom pairs of ring edges
    let mut bonds: Vec<(usize, usize)> = Vec::new();
    let mut atoms_in_unions: Vec<usize> = Vec::new();
    let ring_edges = |r: &[usize]| -> Vec<(usize, usize)> {
        (0..r.len()).map(|k| (r[k], r[(k + 1) % r.len()])).collect()
    };
    for start in 0..n {
        if system[start] != usize::MAX {
            continue;
        }
        system[start] = start;
        let mut members = vec![start];
        let mut k = 0;
        while k < members.len() {
            let r = members[k];
            k += 1;
            for o in 0..n {
                if system[o] == usize::MAX && shares_bond(&rings[r], &rings[o]) {
                    system[o] = start;
                    members.push(o);
                }
            }
        }
        for &r in &members {
            if huckel(&rings[r], &donors) {
                aromatic[r] = true;
                bonds.extend(ring_edges(&rings[r]));
            }
        }
        // unions of fused rings, smallest first (bounded to keep big systems tractable); an
        // aromatic union marks its atoms and its perimeter bonds (those in exactly one of its
        // rings), so a fusion bond inside, as in azulene, stays as it is
        let max_size = members.len().min(6);
        for size in 2..=max_size {
            for combo in combinations(&members, size) {
                if combo.iter().all(|&r| aromatic[r]) || !connected(&combo, &rings, &shares_bond) {
                    continue;
                }
                let mut atoms: Vec<usize> = combo
                    .iter()
                    .flat_map(|&r| rings[r].iter().copied())
                    .collect();
                atoms.sort_unstable();
                atoms.dedup();
                if huckel(&atoms, &donors) {
                    atoms_in_unions.extend(&atoms);
                    for &r in &combo {
                        aromatic[r] = true;
                        for (a, b) in ring_edges(&rings[r]) {
                            let shared = combo
                                .iter()
                                .filter(|&&o| ring_has_edge(&rings[o], a, b))
                                .count();
                            if shared == 1 {
                                bonds.push((a, b));
                            }
                        }
                    }
                }
            }
        }
    }
    for a in atoms_in_unions {
        mol.atoms[a].aromatic = true;
    }
    for (a, b) in bonds {
        mol.atoms[a].aromatic = true;
        mol.atoms[b].aromatic = true;
        let bond = mol
            .bond_between(a, b)
            .expect("consecutive ring atoms are bonded");
        // a ring triple bond stays triple between aromatic atoms, as in RDKit (benzyne)
        if matches!(mol.bonds[bond].order, BondOrder::Single | BondOrder::Double) {
            mol.bonds[bond].order = BondOrder::Aromatic;
        }
    }
}

fn combinations(items: &[usize], k: usize) -> Vec<Vec<usize>> {
    let mut out = Vec::new();
    let mut idx: Vec<usize> = (0..k).collect();
    if k > items.len() {
        return out;
    }
    loop {
        out.push(idx.iter().map(|&i| items[i]).collect());
        let mut i = k;
        while i > 0 && idx[i - 1] == items.len() - k + i - 1 {
            i -= 1;
        }
        if i == 0 || out.len() > 5000 {
            return out;
        }
        idx[i - 1] += 1;
        for j in i..k {
            idx[j] = idx[j - 1] + 1;
        }
    }
}

fn connected(
    combo: &[usize],
    rings: &[Vec<usize>],
    shares_bond: &dyn Fn(&[usize], &[usize]) -> bool,
) -> bool {
    let mut reached = vec![combo[0]];
    let mut k = 0;
    while k < reached.len() {
        let r = reached[k];
        k += 1;
        for &o in combo {
            if !reached.contains(&o) && shares_bond(&rings[r], &rings[o]) {
                reached.push(o);
            }
        }
    }
    reached.len() == combo.len()
}
