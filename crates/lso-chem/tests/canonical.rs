//! Canonical SMILES: independent of atom order, stable under writing and reading again.

use lso_chem::Molecule;
use proptest::prelude::*;

fn zinc() -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/zinc/zinc_subset.txt"
    );
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn shuffled(n: usize, seed: u64) -> Vec<usize> {
    // a small deterministic shuffle (xorshift), to keep the test free of extra dependencies
    let mut perm: Vec<usize> = (0..n).collect();
    let mut x = seed.max(1);
    for i in (1..n).rev() {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        perm.swap(i, (x % (i as u64 + 1)) as usize);
    }
    perm
}

#[test]
fn every_zinc_molecule_round_trips_and_is_order_independent() {
    let mut bad = Vec::new();
    for (k, s) in zinc().iter().enumerate() {
        let mol = Molecule::from_smiles(s).unwrap();
        for stereo in [false, true] {
            let canon = mol.to_smiles(stereo);
            let again =
                Molecule::from_smiles(&canon).unwrap_or_else(|e| panic!("{s} -> {canon}: {e}"));
            if again.to_smiles(stereo) != canon {
                bad.push(format!(
                    "not idempotent: {s} -> {canon} -> {}",
                    again.to_smiles(stereo)
                ));
            }
            let perm = shuffled(mol.n_atoms(), k as u64 + 1);
            let other = mol.renumbered(&perm).to_smiles(stereo);
            if other != canon {
                bad.push(format!(
                    "order-dependent (stereo {stereo}): {s}: {canon} vs {other}"
                ));
            }
            if !stereo {
                let (a, b) = (
                    lso_chem::properties(&mol.without_stereo()),
                    lso_chem::properties(&again),
                );
                if (a.penalized_logp - b.penalized_logp).abs() > 1e-9 && a.cycle == b.cycle {
                    bad.push(format!("properties change: {s} -> {canon}"));
                }
            }
        }
    }
    for b in bad.iter().take(20) {
        eprintln!("{b}");
    }
    assert!(bad.is_empty(), "{} problems", bad.len());
}

proptest! {
    #[test]
    fn random_atom_orders_give_the_same_string(idx in 0usize..29_445, seed in any::<u64>()) {
        let smiles = &zinc()[idx];
        let mol = Molecule::from_smiles(smiles).unwrap();
        let perm = shuffled(mol.n_atoms(), seed);
        prop_assert_eq!(mol.renumbered(&perm).to_smiles(true), mol.to_smiles(true));
    }
}

/// RDKit's random SMILES of the same stereo molecule (other atom orders, ring closures and mark
/// placements) all give one canonical string, for tetrahedral and double-bond stereo.
#[test]
fn rdkit_random_smiles_of_a_molecule_share_one_canonical_string() {
    let mut bad = Vec::new();
    let mut n = 0;
    for line in include_str!("fixtures/random_smiles/random_smiles.tsv").lines() {
        let variants: Vec<&str> = line.split('\t').collect();
        let reference = Molecule::from_smiles(variants[0]).unwrap().to_smiles(true);
        for v in &variants[1..] {
            n += 1;
            let ours = Molecule::from_smiles(v).unwrap().to_smiles(true);
            if ours != reference {
                bad.push(format!("{} -> {reference}\n   {v} -> {ours}", variants[0]));
            }
        }
    }
    for b in bad.iter().take(10) {
        eprintln!("{b}");
    }
    assert!(n > 1000);
    assert!(
        bad.is_empty(),
        "{} of {n} variants give another string",
        bad.len()
    );
}
