//! Tree decomposition and vocabulary against the RDKit fixture and the paper's vocabulary.

use lso_chem::Molecule;
use lso_jtvae::{Vocabulary, decompose, molecule_labels};

fn fixture() -> Vec<Vec<String>> {
    include_str!("fixtures/tree_decomposition/tree_decomposition.tsv")
        .lines()
        .skip(1)
        .map(|l| l.split('\t').map(str::to_owned).collect())
        .collect()
}

fn cluster_sets(clusters: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let mut c: Vec<Vec<usize>> = clusters
        .iter()
        .map(|c| {
            let mut c = c.clone();
            c.sort_unstable();
            c
        })
        .collect();
    c.sort();
    c
}

#[test]
fn clusters_and_tree_edges_match_the_reference() {
    let rows = fixture();
    assert_eq!(rows.len(), 2000);
    let (mut cluster_bad, mut edge_bad) = (Vec::new(), Vec::new());
    for row in &rows {
        let mol = Molecule::from_smiles(&row[0]).unwrap();
        let tree = decompose(&mol);
        let expected: Vec<Vec<usize>> = row[1]
            .split(';')
            .map(|c| c.split(',').map(|a| a.parse().unwrap()).collect())
            .collect();
        if cluster_sets(&tree.clusters) != cluster_sets(&expected) {
            cluster_bad.push(row[0].clone());
            continue;
        }
        // compare edges as pairs of atom sets
        let as_sets = |clusters: &[Vec<usize>], edges: &[(usize, usize)]| {
            let mut e: Vec<(Vec<usize>, Vec<usize>)> = edges
                .iter()
                .map(|&(a, b)| {
                    let (mut x, mut y) = (clusters[a].clone(), clusters[b].clone());
                    x.sort_unstable();
                    y.sort_unstable();
                    if x <= y { (x, y) } else { (y, x) }
                })
                .collect();
            e.sort();
            e
        };
        let expected_edges: Vec<(usize, usize)> = row[2]
            .split(' ')
            .filter(|e| !e.is_empty())
            .map(|e| {
                let (a, b) = e.split_once('-').unwrap();
                (a.parse().unwrap(), b.parse().unwrap())
            })
            .collect();
        if as_sets(&tree.clusters, &tree.edges) != as_sets(&expected, &expected_edges) {
            edge_bad.push(row[0].clone());
        }
    }
    for s in cluster_bad.iter().take(10) {
        eprintln!("clusters differ: {s}");
    }
    for s in edge_bad.iter().take(10) {
        eprintln!("tree edges differ: {s}");
    }
    // the bars: clusters on 99.9% of molecules, tree edges on 99%
    assert!(
        cluster_bad.len() <= 2,
        "{} of 2000 differ in clusters",
        cluster_bad.len()
    );
    assert!(
        edge_bad.len() <= 20,
        "{} of 2000 differ in tree edges",
        edge_bad.len()
    );
}

/// Labels agree exactly (canonical kekulé SMILES) except where a fused aromatic system is
/// kekulised differently from RDKit (a different but valid kekulé structure): 28,335 of 28,594 (99.1%) agree.
#[test]
fn labels_match_the_reference_after_canonicalisation() {
    let mut bad = Vec::new();
    let mut total = 0;
    for row in fixture() {
        let mol = Molecule::from_smiles(&row[0]).unwrap();
        let (tree, labels) = molecule_labels(&mol).unwrap();
        let expected: Vec<String> = row[3]
            .split(' ')
            .map(|l| Molecule::from_smiles_kekule(l).unwrap().to_smiles(false))
            .collect();
        let expected_clusters: Vec<Vec<usize>> = row[1]
            .split(';')
            .map(|c| c.split(',').map(|a| a.parse().unwrap()).collect())
            .collect();
        for (c, l) in tree.clusters.iter().zip(&labels) {
            total += 1;
            let mut c = c.clone();
            c.sort_unstable();
            if let Some(k) = expected_clusters.iter().position(|e| *e == c)
                && expected[k] != *l
            {
                bad.push(format!(
                    "{}: cluster {c:?}: ours {l}, reference {}",
                    row[0], expected[k]
                ));
            }
        }
    }
    for b in bad.iter().take(10) {
        eprintln!("{b}");
    }
    eprintln!("{} of {total} cluster labels differ", bad.len());
    assert!(
        bad.len() * 100 <= total,
        "{} of {total} labels differ",
        bad.len()
    );
}

/// Every cluster of all 29,445 ZINC molecules is in the paper's 780-entry vocabulary, both
/// sides canonicalised with lso-chem, except three kekulé forms of six-membered aromatic
/// rings that RDKit kekulises the other way (see docs/jtvae.md).
#[test]
fn every_zinc_cluster_is_in_the_papers_vocabulary() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/zinc/");
    let vocab =
        Vocabulary::parse(&std::fs::read_to_string(format!("{root}vocab.txt")).unwrap()).unwrap();
    assert_eq!(vocab.len(), 780);
    let zinc = std::fs::read_to_string(format!("{root}zinc_subset.txt")).unwrap();
    let (ours, failures) = Vocabulary::build(zinc.lines());
    assert!(failures.is_empty(), "{failures:?}");
    let missing: Vec<&String> = ours
        .labels()
        .iter()
        .filter(|l| vocab.index(l).is_err())
        .collect();
    eprintln!(
        "{} labels in the ZINC subset, {} missing from the paper's vocabulary: {missing:?}",
        ours.len(),
        missing.len()
    );
    let known = ["C1C=CN=NC=1", "C1C=C[NH+]=NC=1", "C1C=NN=CN=1"];
    assert!(
        missing.iter().all(|m| known.contains(&m.as_str())),
        "{missing:?}"
    );
}
