//! Chemistry edge cases against RDKit (`fixtures/edge_cases/`): validity and every property.

use lso_chem::{Molecule, bridgehead_atoms, count_stereocentres, properties, spiro_atoms};

#[test]
fn edge_cases_match_rdkit() {
    let mut bad = Vec::new();
    let text = include_str!("fixtures/edge_cases/edge_cases.tsv");
    let mut n = 0;
    for line in text.lines().skip(1) {
        n += 1;
        let c: Vec<&str> = line.split('\t').collect();
        let smiles = c[0];
        let parsed = Molecule::from_smiles(smiles);
        match (c[1], parsed) {
            ("0", Ok(_)) => bad.push(format!("{smiles}: RDKit rejects it, we accept it")),
            ("0", Err(_)) => {}
            (_, Err(e)) => bad.push(format!("{smiles}: RDKit accepts it, we reject it: {e}")),
            (_, Ok(m)) => {
                let p = properties(&m);
                let close =
                    |ours: f64, col: usize| (ours - c[col].parse::<f64>().unwrap()).abs() <= 1e-6;
                let exact = |ours: usize, col: usize| ours == c[col].parse::<usize>().unwrap();
                for (name, ok) in [
                    ("logp", close(p.logp, 2)),
                    ("sa", close(p.sa, 3)),
                    ("cycle", exact(p.cycle, 4)),
                    ("penalized_logp", close(p.penalized_logp, 5)),
                    ("n_chiral", exact(count_stereocentres(&m), 6)),
                    ("n_bridgeheads", exact(bridgehead_atoms(&m), 7)),
                    ("n_spiro", exact(spiro_atoms(&m), 8)),
                    ("n_rings", exact(m.rings().len(), 9)),
                ] {
                    if !ok {
                        bad.push(format!("{smiles}: {name} differs ({line})"));
                    }
                }
            }
        }
    }
    assert_eq!(n, 83);
    for b in &bad {
        eprintln!("{b}");
    }
    assert!(bad.is_empty(), "{} disagreements", bad.len());
}
