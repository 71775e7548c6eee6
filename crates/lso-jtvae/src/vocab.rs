//! Cluster labels and the vocabulary.

use std::collections::BTreeSet;

use lso_chem::Molecule;

use crate::{JtvaeError, JunctionTree, decompose};

/// The label of a cluster: its fragment cut from the kekulé molecule (atoms reduced to element
/// and charge, bonds as kekulised), sanitised on its own without aromaticity perception, and
/// written as canonical kekulé SMILES without stereo. As in the JT-VAE's vocabulary, two kekulé
/// forms of one aromatic ring are different labels when the ring's symmetry does not map one to
/// the other.
///
/// # Errors
/// [`JtvaeError::Cluster`] when the fragment is not a valid molecule on its own.
pub fn cluster_label(kekulized: &Molecule, cluster: &[usize]) -> Result<String, JtvaeError> {
    let mut fragment = kekulized.fragment(cluster);
    fragment
        .sanitize_kekule()
        .map_err(|e| JtvaeError::Cluster {
            cluster: cluster.to_vec(),
            reason: e.to_string(),
        })?;
    Ok(fragment.to_smiles(false))
}

/// The junction tree of a sanitised molecule and the label of each of its clusters.
///
/// # Errors
/// [`JtvaeError`] when the molecule cannot be kekulised or a cluster is not a molecule.
pub fn molecule_labels(mol: &Molecule) -> Result<(JunctionTree, Vec<String>), JtvaeError> {
    let kekulized = mol.kekulized()?;
    let tree = decompose(mol);
    let labels = tree
        .clusters
        .iter()
        .map(|c| cluster_label(&kekulized, c))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((tree, labels))
}

/// A vocabulary of cluster labels, in a fixed order (a label's index is its class).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Vocabulary {
    labels: Vec<String>,
}

impl Vocabulary {
    /// The vocabulary of every cluster of `molecules` (SMILES), sorted; molecules that cannot
    /// be read or decomposed are returned with their error instead of stopping the build.
    pub fn build<'a>(
        molecules: impl IntoIterator<Item = &'a str>,
    ) -> (Self, Vec<(String, JtvaeError)>) {
        let mut labels = BTreeSet::new();
        let mut failures = Vec::new();
        for smiles in molecules {
            match Molecule::from_smiles(smiles)
                .map_err(JtvaeError::from)
                .and_then(|m| molecule_labels(&m))
            {
                Ok((_, l)) => labels.extend(l),
                Err(e) => failures.push((smiles.to_owned(), e)),
            }
        }
        (
            Self {
                labels: labels.into_iter().collect(),
            },
            failures,
        )
    }

    /// Read a vocabulary, one SMILES per line, canonicalising each label as a kekulé SMILES with
    /// `lso-chem` (so a vocabulary written by another toolkit, like the paper's, can be used).
    ///
    /// # Errors
    /// [`JtvaeError::Vocabulary`] naming the line of an unreadable or duplicate entry.
    pub fn parse(text: &str) -> Result<Self, JtvaeError> {
        let mut labels = Vec::new();
        let mut seen = BTreeSet::new();
        for (k, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            let label = Molecule::from_smiles_kekule(line)
                .map_err(|e| JtvaeError::Vocabulary {
                    line: k + 1,
                    reason: e.to_string(),
                })?
                .to_smiles(false);
            if !seen.insert(label.clone()) {
                return Err(JtvaeError::Vocabulary {
                    line: k + 1,
                    reason: format!("{line} duplicates an earlier entry ({label})"),
                });
            }
            labels.push(label);
        }
        Ok(Self { labels })
    }

    /// The labels, one per line.
    pub fn to_text(&self) -> String {
        self.labels.iter().map(|l| format!("{l}\n")).collect()
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The labels in class order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// Class index of a label.
    ///
    /// # Errors
    /// [`JtvaeError::NotInVocabulary`].
    pub fn index(&self, label: &str) -> Result<usize, JtvaeError> {
        self.labels
            .iter()
            .position(|l| l == label)
            .ok_or_else(|| JtvaeError::NotInVocabulary {
                label: label.to_owned(),
            })
    }
}
