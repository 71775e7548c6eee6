//! Morgan invariants and count fingerprints against RDKit (`fixtures/morgan/`).

use lso_chem::{Molecule, connectivity_invariants, morgan_counts};

/// `(smiles, atom invariants, (fragment id, count) pairs)`.
type Row = (String, Vec<u32>, Vec<(u32, u32)>);

fn rows() -> Vec<Row> {
    include_str!("fixtures/morgan/morgan.tsv")
        .lines()
        .skip(1)
        .map(|l| {
            let c: Vec<&str> = l.split('\t').collect();
            let inv = c[1].split(' ').map(|v| v.parse().unwrap()).collect();
            let fp = c[2]
                .split(' ')
                .map(|kv| {
                    let (k, v) = kv.split_once(':').unwrap();
                    (k.parse().unwrap(), v.parse().unwrap())
                })
                .collect();
            (c[0].to_owned(), inv, fp)
        })
        .collect()
}

#[test]
fn invariants_match_rdkit() {
    for (smiles, expected, _) in rows() {
        let mol = Molecule::from_smiles(&smiles).unwrap();
        assert_eq!(connectivity_invariants(&mol), expected, "{smiles}");
    }
}

#[test]
fn radius_2_counts_match_rdkit() {
    let mut bad = Vec::new();
    let all = rows();
    for (smiles, _, expected) in &all {
        let mol = Molecule::from_smiles(smiles).unwrap();
        let got: Vec<(u32, u32)> = morgan_counts(&mol, 2).into_iter().collect();
        if &got != expected {
            bad.push(smiles.clone());
        }
    }
    for b in bad.iter().take(10) {
        eprintln!("fingerprint differs: {b}");
    }
    assert!(bad.is_empty(), "{} of {} differ", bad.len(), all.len());
}
