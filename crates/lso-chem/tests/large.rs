//! Large molecules against RDKit (`fixtures/large/`): alkane chains and carbocycles up to 5,000
//! atoms, fused benzene sheets, chains and helicene-like stairs, the old decoder's sheets.
//! RDKit's Crippen logP stops counting a pattern after 1,000 matches, and the paper's metric is
//! RDKit's, so every value here is RDKit's own.

use lso_chem::{Molecule, properties};

#[test]
fn large_molecules_match_rdkit() {
    let text = include_str!("fixtures/large/large.tsv");
    let mut bad = Vec::new();
    let mut n = 0;
    for line in text.lines().skip(1) {
        n += 1;
        let c: Vec<&str> = line.split('\t').collect();
        let short: String = c[0].chars().take(60).collect();
        let m = match Molecule::from_smiles(c[0]) {
            Ok(m) => m,
            Err(e) => {
                bad.push(format!("{short}: RDKit accepts it, we reject it: {e}"));
                continue;
            }
        };
        let heavy: usize = c[5].parse().unwrap();
        if m.n_atoms() != heavy {
            bad.push(format!(
                "{short}: {} atoms against RDKit's {heavy}",
                m.n_atoms()
            ));
        }
        let p = properties(&m);
        let value = |col: usize| c[col].parse::<f64>().unwrap();
        for (name, ours, col) in [
            ("logp", p.logp, 1),
            ("sa", p.sa, 2),
            ("cycle", p.cycle as f64, 3),
            ("penalized_logp", p.penalized_logp, 4),
        ] {
            if (ours - value(col)).abs() > 1e-6 {
                bad.push(format!(
                    "{short} ({heavy} atoms): {name} {ours} against RDKit's {}",
                    c[col]
                ));
            }
        }
    }
    assert_eq!(n, 92);
    assert!(
        bad.is_empty(),
        "{}\n{} of {n} differ",
        bad.join("\n"),
        bad.len()
    );
}
