//! Training examples: a molecule's junction tree with vocabulary classes, its graph, and the
//! candidate attachments the assembly network learns to rank.

use std::collections::BTreeMap;

use lso_chem::Molecule;
use rand::Rng;

use crate::assemble::{Part, aroma_kinds, enum_assemble, sanitized};
use crate::features::MolGraph;
use crate::{JtvaeError, Vocabulary, cluster_label, decompose};

/// The vocabulary with each label's kekulé molecule, ready for assembly.
#[derive(Debug, Clone)]
pub struct ClusterSet {
    vocab: Vocabulary,
    mols: Vec<Molecule>,
    aroma: Vec<u8>,
}

impl ClusterSet {
    /// Read every label of `vocab` as a kekulé molecule.
    ///
    /// # Errors
    /// [`JtvaeError::Vocabulary`] for a label that is not a molecule.
    pub fn new(vocab: Vocabulary) -> Result<Self, JtvaeError> {
        let mols = vocab
            .labels()
            .iter()
            .enumerate()
            .map(|(k, l)| {
                Molecule::from_smiles_kekule(l).map_err(|e| JtvaeError::Vocabulary {
                    line: k + 1,
                    reason: e.to_string(),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let aroma = aroma_kinds(vocab.labels());
        Ok(Self { vocab, mols, aroma })
    }

    /// The vocabulary.
    pub fn vocab(&self) -> &Vocabulary {
        &self.vocab
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.mols.len()
    }

    /// True when there is no label.
    pub fn is_empty(&self) -> bool {
        self.mols.is_empty()
    }

    /// The kekulé molecule of label `wid`.
    pub fn mol(&self, wid: usize) -> &Molecule {
        &self.mols[wid]
    }

    /// The label's atoms as `(element, charge, total hydrogens)`: the official attachment slots.
    pub(crate) fn slots(&self, wid: usize) -> Vec<(u8, i8, u32)> {
        self.mols[wid]
            .atoms()
            .iter()
            .map(|a| (a.element, a.charge, a.total_h()))
            .collect()
    }

    /// A part with an explicit leaf flag (leaves are unmarked), as the tree decoder's
    /// feasibility check builds them.
    pub(crate) fn part_as(&self, wid: usize, nid: u32, is_leaf: bool) -> Part<'_> {
        Part {
            nid,
            mol: &self.mols[wid],
            class: if is_leaf { 0 } else { nid },
            is_leaf,
            aroma: self.aroma[wid],
        }
    }

    pub(crate) fn part(&self, wid: usize, nid: u32, n_neighbours: usize) -> Part<'_> {
        Part {
            nid,
            mol: &self.mols[wid],
            class: if n_neighbours > 1 { nid } else { 0 },
            is_leaf: n_neighbours == 1,
            aroma: self.aroma[wid],
        }
    }
}

/// A node of a training tree.
#[derive(Debug, Clone, PartialEq)]
pub struct TreeNode {
    /// Vocabulary class.
    pub wid: usize,
    /// Neighbouring nodes, in the order the tree's edges list them.
    pub neighbours: Vec<usize>,
    /// Candidate attachments ranked by the assembly network: empty for leaves and for nodes with
    /// a single candidate, which add nothing to the loss.
    pub candidates: Vec<MolGraph>,
    /// Index of the true attachment in `candidates`.
    pub label: usize,
}

/// A training molecule.
#[derive(Debug, Clone, PartialEq)]
pub struct MolTree {
    /// The molecule's SMILES as given.
    pub smiles: String,
    /// Tree nodes; node 0 is the root (the cluster of atom 0).
    pub nodes: Vec<TreeNode>,
    /// The molecule's graph.
    pub graph: MolGraph,
}

impl MolTree {
    /// Build the training example of a SMILES string.
    ///
    /// # Errors
    /// [`JtvaeError`] when the molecule cannot be read or kekulised, or one of its clusters is
    /// not in the vocabulary.
    pub fn new(smiles: &str, clusters: &ClusterSet) -> Result<Self, JtvaeError> {
        Self::build(smiles, clusters, true)
    }

    /// The tree and graph of a SMILES string without candidate attachments: all the encoder
    /// needs, at a fraction of the cost.
    ///
    /// # Errors
    /// As [`MolTree::new`].
    pub fn for_encoding(smiles: &str, clusters: &ClusterSet) -> Result<Self, JtvaeError> {
        Self::build(smiles, clusters, false)
    }

    /// Candidate attachments scored over all nodes (what the assembly loss costs).
    pub fn n_candidates(&self) -> usize {
        self.nodes.iter().map(|n| n.candidates.len()).sum()
    }

    /// Keep at most `max` scored candidate attachments over the whole molecule: every scored
    /// node keeps its true attachment and a uniform sample of the others, all nodes cut to the
    /// same number `c`, the largest with `sum_i min(n_i, c) <= max` (at least 2, so a node
    /// is never left without a term). A molecule within `max` is unchanged. The loss then
    /// ranks the label against a sample of the candidates (a sampled softmax): a departure
    /// from the paper's loss, which scores all of them, for the optimiser's fused aromatic
    /// sheets (hundreds of candidates a node; docs/chem-task.md). Returns the candidates
    /// dropped.
    pub fn limit_candidates<R: Rng + ?Sized>(&mut self, max: usize, rng: &mut R) -> usize {
        let total = self.n_candidates();
        if total <= max {
            return 0;
        }
        let counts: Vec<usize> = self
            .nodes
            .iter()
            .map(|n| n.candidates.len())
            .filter(|&n| n > 0)
            .collect();
        let kept = |c: usize| counts.iter().map(|&n| n.min(c)).sum::<usize>();
        let largest = counts.iter().copied().max().unwrap_or(0);
        let mut cap = 2;
        while cap < largest && kept(cap + 1) <= max {
            cap += 1;
        }
        for node in &mut self.nodes {
            let n = node.candidates.len();
            if n <= cap {
                continue;
            }
            let others: Vec<usize> = (0..n).filter(|&i| i != node.label).collect();
            let mut keep: Vec<usize> = rand::seq::index::sample(rng, others.len(), cap - 1)
                .into_iter()
                .map(|i| others[i])
                .collect();
            keep.push(node.label);
            keep.sort_unstable();
            let label = keep.iter().position(|&i| i == node.label).unwrap_or(0);
            node.candidates = std::mem::take(&mut node.candidates)
                .into_iter()
                .enumerate()
                .filter(|(i, _)| keep.binary_search(i).is_ok())
                .map(|(_, g)| g)
                .collect();
            node.label = label;
        }
        total - self.n_candidates()
    }

    fn build(smiles: &str, clusters: &ClusterSet, candidates: bool) -> Result<Self, JtvaeError> {
        let mol = Molecule::from_smiles(smiles)?;
        let kek = mol.kekulized()?;
        let tree = decompose(&mol);
        let n = tree.clusters.len();
        // root: the last cluster holding atom 0, swapped to the front
        let root = (0..n)
            .rev()
            .find(|&i| tree.clusters[i].iter().min() == Some(&0))
            .unwrap_or(0);
        let perm = |i: usize| {
            if i == root {
                0
            } else if i == 0 {
                root
            } else {
                i
            }
        };
        let mut atoms: Vec<Vec<usize>> = vec![Vec::new(); n];
        let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); n];
        for (i, c) in tree.clusters.iter().enumerate() {
            atoms[perm(i)] = c.clone();
        }
        // swapping the root to the front keeps each node's neighbours in edge order
        for &(x, y) in &tree.edges {
            neighbours[perm(x)].push(perm(y));
            neighbours[perm(y)].push(perm(x));
        }
        let wids = atoms
            .iter()
            .map(|c| clusters.vocab.index(&cluster_label(&kek, c)?))
            .collect::<Result<Vec<_>, _>>()?;
        let mut nodes: Vec<TreeNode> = (0..n)
            .map(|i| TreeNode {
                wid: wids[i],
                neighbours: neighbours[i].clone(),
                candidates: Vec::new(),
                label: 0,
            })
            .collect();
        for i in 0..n {
            if !candidates || neighbours[i].len() <= 1 {
                continue;
            }
            let label = recover_label(&kek, &atoms, &neighbours, i)?;
            let label_smiles = label.to_smiles(false);
            let mut order: Vec<usize> = neighbours[i]
                .iter()
                .copied()
                .filter(|&j| clusters.mols[wids[j]].n_atoms() > 1)
                .collect();
            order.sort_by_key(|&j| std::cmp::Reverse(clusters.mols[wids[j]].n_atoms()));
            let mut nbrs: Vec<usize> = neighbours[i]
                .iter()
                .copied()
                .filter(|&j| clusters.mols[wids[j]].n_atoms() == 1)
                .collect();
            nbrs.extend(order);
            let parts: Vec<Part<'_>> = nbrs
                .iter()
                .map(|&j| clusters.part(wids[j], j as u32 + 1, neighbours[j].len()))
                .collect();
            let centre = clusters.part(wids[i], i as u32 + 1, neighbours[i].len());
            let mut cands = enum_assemble(&centre, &parts, &[], &Vec::new());
            if cands.iter().any(|c| c.aroma >= 0.0) {
                cands.retain(|c| c.aroma >= 0.0);
            }
            let mut graphs: Vec<MolGraph> = Vec::with_capacity(cands.len() + 1);
            let mut found = None;
            for (k, c) in cands.iter().enumerate() {
                if c.smiles == label_smiles {
                    found = Some(k);
                }
                graphs.push(MolGraph::new(&c.mol, &c.mol.kekulized()?));
            }
            let label_index = match found {
                Some(k) => k,
                None => {
                    graphs.push(MolGraph::new(&label, &label.kekulized()?));
                    graphs.len() - 1
                }
            };
            if graphs.len() > 1 {
                nodes[i].candidates = graphs;
                nodes[i].label = label_index;
            }
        }
        let graph = MolGraph::new(&mol, &kek);
        Ok(Self {
            smiles: smiles.to_owned(),
            nodes,
            graph,
        })
    }
}

/// The true local attachment around node `i`: its atoms and its neighbours' atoms cut from the
/// kekulé molecule, atoms marked with the node they belong to (a neighbour's atoms shared with
/// `i` keep `i`'s mark unless the neighbour is a singleton; leaves are unmarked), sanitised.
fn recover_label(
    kek: &Molecule,
    atoms: &[Vec<usize>],
    neighbours: &[Vec<usize>],
    i: usize,
) -> Result<Molecule, JtvaeError> {
    let mut class: BTreeMap<usize, u32> = BTreeMap::new();
    for &a in &atoms[i] {
        class.insert(
            a,
            if neighbours[i].len() > 1 {
                i as u32 + 1
            } else {
                0
            },
        );
    }
    for &j in &neighbours[i] {
        let leaf = neighbours[j].len() == 1;
        for &a in &atoms[j] {
            let e = class.entry(a).or_insert(0);
            if !leaf && (!atoms[i].contains(&a) || atoms[j].len() == 1) {
                *e = j as u32 + 1;
            }
        }
    }
    let list: Vec<usize> = class.keys().copied().collect();
    let mut frag = kek.fragment(&list);
    for (k, a) in list.iter().enumerate() {
        frag.set_atom_class(k, class[a]);
    }
    sanitized(frag).ok_or_else(|| JtvaeError::Cluster {
        cluster: list,
        reason: "the local attachment is not a valid molecule".into(),
    })
}
