//! Morgan (ECFP-like) count fingerprints, hashed exactly as RDKit's `GetMorganFingerprint`.
//!
//! Atom invariants hash (atomic number, total degree, total hydrogens, formal charge, mass
//! difference from the standard atomic weight, and 1 if the atom is in a ring) with RDKit's
//! 32-bit `hash_combine`. Each iteration hashes the layer, the atom's invariant and its sorted
//! `(bond type, neighbour invariant)` pairs; an environment (set of bonds) already seen is not
//! counted again, and its atom drops out of later layers.

use std::collections::BTreeMap;

use crate::mol::Molecule;

/// RDKit's (boost-derived) 32-bit hash combination.
fn hash_combine(seed: &mut u32, value: u32) {
    *seed ^= value
        .wrapping_add(0x9e37_79b9)
        .wrapping_add(*seed << 6)
        .wrapping_add(*seed >> 2);
}

fn hash_range(values: &[u32]) -> u32 {
    let mut seed = 0;
    for &v in values {
        hash_combine(&mut seed, v);
    }
    seed
}

/// RDKit's connectivity invariants (with ring membership), one per atom.
pub fn connectivity_invariants(mol: &Molecule) -> Vec<u32> {
    (0..mol.n_atoms())
        .map(|i| {
            let a = &mol.atoms[i];
            let mut components = vec![
                u32::from(a.element),
                mol.total_degree(i) as u32,
                mol.total_h_with_neighbours(i),
                i32::from(a.charge) as u32,
                crate::mass::mass_delta(a.element, a.isotope) as u32,
            ];
            if mol.atom_ring_count(i) > 0 {
                components.push(1);
            }
            hash_range(&components)
        })
        .collect()
}

/// The Morgan count fingerprint of `radius` (RDKit's `GetMorganFingerprint(mol, radius)`):
/// fragment id to count.
pub fn morgan_counts(mol: &Molecule, radius: usize) -> BTreeMap<u32, u32> {
    let n = mol.n_atoms();
    let mut counts = BTreeMap::new();
    let mut current = connectivity_invariants(mol);
    for &v in &current {
        *counts.entry(v).or_insert(0) += 1;
    }
    let mut next = current.clone();
    // each atom's environment so far: the sorted indices of its bonds within the radius (RDKit
    // keeps a bit set of all bonds per atom, which is quadratic in memory; the sets are equal
    // exactly when RDKit's bit sets are, and only equality matters below)
    let mut neighbourhoods: Vec<Vec<u32>> = vec![Vec::new(); n];
    let mut seen: std::collections::HashSet<Vec<u32>> = std::collections::HashSet::new();
    let mut dead = vec![false; n];
    for layer in 0..radius {
        let mut round = neighbourhoods.clone();
        let mut this_round: Vec<(Vec<u32>, u32, usize)> = Vec::new();
        for i in 0..n {
            if dead[i] {
                continue;
            }
            if mol.degree(i) == 0 {
                dead[i] = true;
                continue;
            }
            let mut nbrs: Vec<(i32, u32)> = Vec::with_capacity(mol.degree(i));
            let mut env = round[i].clone();
            for &(other, b) in &mol.adjacency[i] {
                env.push(b as u32);
                env.extend_from_slice(&neighbourhoods[other]);
                nbrs.push((mol.bonds[b].order.rdkit_code() as i32, current[other]));
            }
            env.sort_unstable();
            env.dedup();
            round[i] = env;
            nbrs.sort_unstable();
            let mut invariant = layer as u32;
            hash_combine(&mut invariant, current[i]);
            for (bt, inv) in nbrs {
                let mut pair = 0;
                hash_combine(&mut pair, bt as u32);
                hash_combine(&mut pair, inv);
                hash_combine(&mut invariant, pair);
            }
            next[i] = invariant;
            this_round.push((round[i].clone(), invariant, i));
        }
        // of the atoms with one environment, the one with the lowest invariant (then index)
        // counts, the others stop; which environment comes first does not matter
        this_round.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        for (env, invariant, atom) in this_round {
            if seen.insert(env) {
                *counts.entry(invariant).or_insert(0) += 1;
            } else {
                dead[atom] = true;
            }
        }
        current.clone_from(&next);
        neighbourhoods = round;
    }
    counts
}
