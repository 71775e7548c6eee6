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

/// Molecules the chem optimisation decoded (`fixtures/optimised/`): long chains and large
/// polyaromatic sheets far outside ZINC, where the best penalized logP values come from.
#[test]
fn optimised_molecules_match_rdkit() {
    let text = include_str!("fixtures/optimised/optimised.tsv");
    let mut bad = Vec::new();
    let mut n = 0;
    for line in text.lines().skip(1) {
        n += 1;
        let c: Vec<&str> = line.split('\t').collect();
        let m = match Molecule::from_smiles(c[0]) {
            Ok(m) => m,
            Err(e) => {
                bad.push(format!("{}: RDKit accepts it, we reject it: {e}", c[0]));
                continue;
            }
        };
        let p = properties(&m);
        let value = |col: usize| c[col].parse::<f64>().unwrap();
        for (name, ours, col) in [
            ("logp", p.logp, 1),
            ("sa", p.sa, 2),
            ("cycle", p.cycle as f64, 3),
            ("penalized_logp", p.penalized_logp, 4),
        ] {
            if (ours - value(col)).abs() > 1e-9 {
                bad.push(format!(
                    "{}: {name} {ours} against RDKit's {}",
                    c[0], c[col]
                ));
            }
        }
    }
    assert_eq!(n, 103);
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

/// A ladder of `m` fused six-membered rings whose two ends are also joined by a chain of
/// `chain` atoms: one long ring beside many short ones.
fn ladder_with_macrocycle(m: usize, chain: usize) -> String {
    let label = |i: usize| {
        if i < 10 {
            i.to_string()
        } else {
            format!("%{i}")
        }
    };
    // top row t0 x t1 x ... t_m (t_i opens the rung to b_i), then b_m ... b0 back
    let mut s = format!("C%99{}", label(1));
    for i in 1..m {
        s.push_str(&format!("CC{}", label(i + 1)));
    }
    s.push_str(&format!("CC({}C%99)C", "C".repeat(chain - 1)));
    for i in (0..m).rev() {
        s.push_str(&format!("CC{}", label(i + 1)));
    }
    s
}

#[test]
fn a_long_ring_beside_a_large_fused_system_is_found_without_enumerating_every_path() {
    // the JT-VAE decoder's sheets closed into a macrocycle made ring perception run for hours
    let (m, chain) = (20, 20);
    let smiles = ladder_with_macrocycle(m, chain);
    let mol = Molecule::from_smiles(&smiles).unwrap_or_else(|e| panic!("{smiles}: {e}"));
    let mut sizes: Vec<usize> = mol.rings().iter().map(Vec::len).collect();
    sizes.sort_unstable();
    // m six-membered rings and the long one: the top row (2m + 1 atoms) and the chain
    assert_eq!(sizes.len(), m + 1, "{sizes:?}");
    assert!(sizes[..m].iter().all(|&s| s == 6), "{sizes:?}");
    assert_eq!(sizes[m], 2 * m + 1 + chain, "{sizes:?}");
}

/// Decoded sheets closed into macrocycles (`fixtures/ring_labels/`): written along our
/// traversal they need ring-closure labels above 99, which were written `%100` (read back as
/// `%10` then `0`) and recorded as invalid queries.
#[test]
fn ring_labels_above_99_are_written_so_that_they_read_back() {
    let mut above_99 = 0;
    for line in include_str!("fixtures/ring_labels/ring_labels.tsv")
        .lines()
        .skip(1)
    {
        let c: Vec<&str> = line.split('\t').collect();
        let mol = Molecule::from_smiles(c[0]).unwrap_or_else(|e| panic!("{}: {e}", c[0]));
        // RDKit's counts of the same SMILES
        assert_eq!(mol.n_atoms().to_string(), c[1]);
        assert_eq!(mol.bonds().len().to_string(), c[2]);
        let written = mol.to_smiles(false);
        above_99 += usize::from(written.contains("%(1"));
        let back = Molecule::from_smiles(&written).unwrap_or_else(|e| panic!("{written}: {e}"));
        assert_eq!(back.n_atoms(), mol.n_atoms());
        assert_eq!(back.bonds().len(), mol.bonds().len());
        assert_eq!(back.to_smiles(false), written);
    }
    assert!(above_99 >= 1, "no molecule needed a label above 99");
}
