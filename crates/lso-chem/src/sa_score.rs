//! Synthetic accessibility score (Ertl and Schuffenhauer 2009), as RDKit's Contrib `sascorer`.

use std::collections::HashMap;
use std::io::Read;
use std::sync::OnceLock;

use crate::mol::Molecule;
use crate::morgan::morgan_counts;
use crate::stereo::count_stereocentres;

fn fragment_scores() -> &'static HashMap<u32, f64> {
    static SCORES: OnceLock<HashMap<u32, f64>> = OnceLock::new();
    SCORES.get_or_init(|| {
        let bytes: &[u8] = include_bytes!("../data/fpscores.tsv.gz");
        let mut text = String::new();
        flate2::read::GzDecoder::new(bytes)
            .read_to_string(&mut text)
            .expect("the shipped fragment table is valid gzip text");
        text.lines()
            .map(|l| {
                let (id, score) = l.split_once('\t').expect("id and score");
                (
                    id.parse().expect("fragment id"),
                    score.parse().expect("fragment score"),
                )
            })
            .collect()
    })
}

/// Atoms shared by two rings that share exactly one atom (RDKit's `CalcNumSpiroAtoms`).
pub fn spiro_atoms(mol: &Molecule) -> usize {
    let rings: Vec<Vec<usize>> = mol
        .rings()
        .iter()
        .map(|r| {
            let mut r = r.clone();
            r.sort_unstable();
            r
        })
        .collect();
    let mut atoms = Vec::new();
    for i in 0..rings.len() {
        for j in i + 1..rings.len() {
            let shared: Vec<usize> = rings[i]
                .iter()
                .filter(|a| rings[j].binary_search(a).is_ok())
                .copied()
                .collect();
            if shared.len() == 1 && !atoms.contains(&shared[0]) {
                atoms.push(shared[0]);
            }
        }
    }
    atoms.len()
}

/// Bridgehead atoms: for two rings sharing more than one bond, the atoms at the ends of the
/// shared bonds (RDKit's `CalcNumBridgeheadAtoms`).
pub fn bridgehead_atoms(mol: &Molecule) -> usize {
    let bond_rings: Vec<Vec<usize>> = mol
        .rings()
        .iter()
        .map(|r| {
            let mut b: Vec<usize> = (0..r.len())
                .map(|k| {
                    mol.bond_between(r[k], r[(k + 1) % r.len()])
                        .expect("ring bond")
                })
                .collect();
            b.sort_unstable();
            b
        })
        .collect();
    let mut heads = Vec::new();
    for i in 0..bond_rings.len() {
        for j in i + 1..bond_rings.len() {
            let shared: Vec<usize> = bond_rings[i]
                .iter()
                .filter(|b| bond_rings[j].binary_search(b).is_ok())
                .copied()
                .collect();
            if shared.len() < 2 {
                continue;
            }
            let mut ends: HashMap<usize, usize> = HashMap::new();
            for &b in &shared {
                *ends.entry(mol.bonds()[b].begin).or_default() += 1;
                *ends.entry(mol.bonds()[b].end).or_default() += 1;
            }
            for (atom, count) in ends {
                if count == 1 && !heads.contains(&atom) {
                    heads.push(atom);
                }
            }
        }
    }
    heads.len()
}

/// The SA score of a sanitised molecule, from 1 (easy) to 10 (hard).
///
/// ```
/// let m = lso_chem::Molecule::from_smiles("CC(=O)Oc1ccccc1C(=O)O")?;
/// assert!((lso_chem::sa_score(&m) - 1.58).abs() < 0.01);
/// # Ok::<(), lso_chem::SanitizeError>(())
/// ```
pub fn sa_score(mol: &Molecule) -> f64 {
    let fps = morgan_counts(mol, 2);
    let table = fragment_scores();
    let mut score1 = 0.0;
    let mut nf = 0u32;
    for (id, count) in &fps {
        nf += count;
        score1 += table.get(id).copied().unwrap_or(-4.0) * f64::from(*count);
    }
    score1 /= f64::from(nf.max(1));

    let n_atoms = mol.n_atoms() as f64;
    let n_chiral = count_stereocentres(mol) as f64;
    let n_bridge = bridgehead_atoms(mol) as f64;
    let n_spiro = spiro_atoms(mol) as f64;
    let macrocycle = mol.rings().iter().any(|r| r.len() > 8);

    let size_penalty = n_atoms.powf(1.005) - n_atoms;
    let stereo_penalty = (n_chiral + 1.0).log10();
    let spiro_penalty = (n_spiro + 1.0).log10();
    let bridge_penalty = (n_bridge + 1.0).log10();
    let macrocycle_penalty = if macrocycle { 2f64.log10() } else { 0.0 };
    let score2 =
        0.0 - size_penalty - stereo_penalty - spiro_penalty - bridge_penalty - macrocycle_penalty;
    let n_frags = fps.len() as f64;
    let score3 = if n_atoms > n_frags {
        (n_atoms / n_frags).ln() * 0.5
    } else {
        0.0
    };

    let raw = score1 + score2 + score3;
    let (min, max) = (-4.0, 2.5);
    let mut sa = 11.0 - (raw - min + 1.0) / (max - min) * 9.0;
    if sa > 8.0 {
        sa = 8.0 + (sa + 1.0 - 9.0).ln();
    }
    sa.clamp(1.0, 10.0)
}
