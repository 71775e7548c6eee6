//! Agreement with RDKit 2026.09.1 on 6,000 ZINC molecules (`fixtures/golden/`).

use std::io::Read;

use lso_chem::Molecule;

struct Row {
    smiles: String,
    cols: Vec<String>,
}

fn golden() -> (Vec<String>, Vec<Row>) {
    let file = std::fs::File::open(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/golden/chem_golden_visible.tsv.gz"
    ))
    .expect("golden fixture present");
    let mut text = String::new();
    flate2::read::GzDecoder::new(file)
        .read_to_string(&mut text)
        .expect("gzip text");
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split('\t')
        .map(str::to_owned)
        .collect();
    let rows = lines
        .map(|l| {
            let cols: Vec<String> = l.split('\t').map(str::to_owned).collect();
            Row {
                smiles: cols[0].clone(),
                cols,
            }
        })
        .collect();
    (header, rows)
}

fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("column {name}"))
}

/// Compare an integer property on every molecule; return the number of disagreements.
fn compare_counts(name: &str, f: impl Fn(&Molecule) -> usize) -> (usize, usize) {
    let (header, rows) = golden();
    let c = col(&header, name);
    let mut bad = Vec::new();
    for row in &rows {
        let mol =
            Molecule::from_smiles(&row.smiles).unwrap_or_else(|e| panic!("{}: {e}", row.smiles));
        let expected: usize = row.cols[c].parse().unwrap();
        let got = f(&mol);
        if got != expected {
            bad.push(format!("{}: ours {got}, RDKit {expected}", row.smiles));
        }
    }
    for b in bad.iter().take(10) {
        eprintln!("{name} mismatch: {b}");
    }
    (bad.len(), rows.len())
}

#[test]
fn every_golden_molecule_parses_and_sanitises() {
    let (_, rows) = golden();
    assert_eq!(rows.len(), 6000);
    for row in &rows {
        if let Err(e) = Molecule::from_smiles(&row.smiles) {
            panic!("{}: {e}", row.smiles);
        }
    }
}

#[test]
fn heavy_atoms_match() {
    let (bad, _) = compare_counts("heavy_atoms", Molecule::heavy_atom_count);
    assert_eq!(bad, 0);
}

#[test]
fn symmetrised_sssr_ring_counts_match() {
    let (bad, _) = compare_counts("n_sssr_rings", |m| m.rings().len());
    assert_eq!(bad, 0);
    let (bad, _) = compare_counts("max_sssr_ring", |m| {
        m.rings().iter().map(Vec::len).max().unwrap_or(0)
    });
    assert_eq!(bad, 0);
}

/// Compare a float property on every molecule to 1e-6 absolute; return disagreements.
fn compare_floats(name: &str, f: impl Fn(&Molecule) -> f64) -> Vec<String> {
    let (header, rows) = golden();
    let c = col(&header, name);
    let mut bad = Vec::new();
    for row in &rows {
        let mol = Molecule::from_smiles(&row.smiles).unwrap();
        let expected: f64 = row.cols[c].parse().unwrap();
        let got = f(&mol);
        if (got - expected).abs() > 1e-6 {
            bad.push(format!("{}: ours {got}, RDKit {expected}", row.smiles));
        }
    }
    for b in bad.iter().take(15) {
        eprintln!("{name} mismatch: {b}");
    }
    bad
}

#[test]
fn crippen_logp_matches() {
    let bad = compare_floats("logp", lso_chem::crippen_logp);
    // the bar: 99.9% of molecules within 1e-6
    assert!(bad.is_empty(), "{} of 6000 molecules disagree", bad.len());
}

#[test]
fn cycle_penalty_matches_networkx_2_5() {
    let (bad, _) = compare_counts("cycle", lso_chem::cycle_penalty);
    assert_eq!(bad, 0);
}

#[test]
fn ring_descriptors_match() {
    assert_eq!(compare_counts("n_spiro", lso_chem::spiro_atoms).0, 0);
    assert_eq!(
        compare_counts("n_bridgeheads", lso_chem::bridgehead_atoms).0,
        0
    );
    assert_eq!(
        compare_counts("n_macrocycles", |m| m
            .rings()
            .iter()
            .filter(|r| r.len() > 8)
            .count())
        .0,
        0
    );
    assert_eq!(
        compare_counts("n_morgan_fragments", |m| lso_chem::morgan_counts(m, 2)
            .len())
        .0,
        0
    );
}

#[test]
fn stereocentre_counts_match_legacy_rdkit() {
    let (bad, _) = compare_counts("n_chiral_centers", lso_chem::count_stereocentres);
    assert_eq!(bad, 0);
}

#[test]
fn sa_score_matches() {
    let bad = compare_floats("sa", lso_chem::sa_score);
    assert!(bad.is_empty(), "{} of 6000 molecules disagree", bad.len());
}

#[test]
fn penalized_logp_matches() {
    let bad = compare_floats("penalized_logp", lso_chem::penalized_logp);
    assert!(bad.is_empty(), "{} of 6000 molecules disagree", bad.len());
}

/// The paper's training-set values: stereo marks dropped first (all 6,000 agree).
#[test]
fn penalized_logp_of_the_standardised_molecule_matches_the_papers_data() {
    let bad = compare_floats("penalized_logp_paper_data", |m| {
        lso_chem::penalized_logp(&m.without_stereo())
    });
    assert!(bad.is_empty(), "{} of 6000 molecules disagree", bad.len());
}
