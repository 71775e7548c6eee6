//! Junction-tree decomposition.

use std::collections::BTreeMap;

use lso_chem::Molecule;

/// Weight offset of the spanning tree (edge weights are shared-atom counts below it).
const MAX_WEIGHT: u32 = 100;

/// Clusters of a molecule and the tree that links them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JunctionTree {
    /// Atom indices of each cluster.
    pub clusters: Vec<Vec<usize>>,
    /// Tree edges as `(cluster, cluster)` with the smaller index first, sorted.
    pub edges: Vec<(usize, usize)>,
}

/// Decompose a sanitised molecule into its junction tree, as the JT-VAE does.
///
/// 1. Clusters: every bond outside a ring, then every ring of the symmetrised SSSR.
/// 2. Rings sharing more than two atoms are merged (bridged systems), in order.
/// 3. For each atom in several clusters: in more than two bond clusters, or in two bond
///    clusters and another cluster, it becomes a singleton cluster linked to all of them
///    (weight 1); else, in more than two rings of more than four atoms, a singleton linked with
///    weight 99; otherwise each pair of its clusters is linked with weight = shared atoms.
/// 4. The tree is the maximum spanning tree of the weighted cluster graph: Kruskal on
///    `100 - weight`, ties broken by `(first cluster, second cluster)`.
///
/// A single-atom molecule is one cluster and no edge.
pub fn decompose(mol: &Molecule) -> JunctionTree {
    let n = mol.n_atoms();
    if n == 1 {
        return JunctionTree {
            clusters: vec![vec![0]],
            edges: Vec::new(),
        };
    }
    let mut clusters: Vec<Vec<usize>> = (0..mol.bonds().len())
        .filter(|&b| !mol.bond_in_ring(b))
        .map(|b| vec![mol.bonds()[b].begin, mol.bonds()[b].end])
        .collect();
    clusters.extend(mol.rings().iter().cloned());
    let member = membership(&clusters, n);
    for i in 0..clusters.len() {
        if clusters[i].len() <= 2 {
            continue;
        }
        let atoms = clusters[i].clone();
        for a in atoms {
            for &j in &member[a] {
                if i >= j || clusters[j].len() <= 2 {
                    continue;
                }
                let shared = clusters[i]
                    .iter()
                    .filter(|x| clusters[j].contains(x))
                    .count();
                if shared > 2 {
                    let mut merged = clusters[i].clone();
                    merged.extend(clusters[j].iter().copied());
                    merged.sort_unstable();
                    merged.dedup();
                    clusters[i] = merged;
                    clusters[j].clear();
                }
            }
        }
    }
    clusters.retain(|c| !c.is_empty());
    let member = membership(&clusters, n);
    let mut weights: BTreeMap<(usize, usize), u32> = BTreeMap::new();
    for (a, around) in member.iter().enumerate() {
        if around.len() <= 1 {
            continue;
        }
        let bonds = around.iter().filter(|&&k| clusters[k].len() == 2).count();
        let big_rings = around.iter().filter(|&&k| clusters[k].len() > 4).count();
        if bonds > 2 || (bonds == 2 && around.len() > 2) {
            clusters.push(vec![a]);
            let single = clusters.len() - 1;
            for &k in around {
                weights.insert((k, single), 1);
            }
        } else if big_rings > 2 {
            clusters.push(vec![a]);
            let single = clusters.len() - 1;
            for &k in around {
                weights.insert((k, single), MAX_WEIGHT - 1);
            }
        } else {
            for x in 0..around.len() {
                for y in x + 1..around.len() {
                    let (k1, k2) = (around[x], around[y]);
                    let shared = clusters[k1]
                        .iter()
                        .filter(|v| clusters[k2].contains(v))
                        .count() as u32;
                    let w = weights.entry((k1, k2)).or_insert(0);
                    if *w < shared {
                        *w = shared;
                    }
                }
            }
        }
    }
    // Kruskal on 100 - weight (a maximum spanning tree of the weights)
    let mut edges: Vec<(u32, usize, usize)> = weights
        .into_iter()
        .filter(|(_, w)| *w > 0)
        .map(|((a, b), w)| (MAX_WEIGHT - w, a, b))
        .collect();
    edges.sort_unstable();
    let mut parent: Vec<usize> = (0..clusters.len()).collect();
    fn find(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    let mut tree = Vec::new();
    for (_, a, b) in edges {
        let (ra, rb) = (find(&mut parent, a), find(&mut parent, b));
        if ra != rb {
            parent[ra] = rb;
            tree.push((a.min(b), a.max(b)));
        }
    }
    tree.sort_unstable();
    JunctionTree {
        clusters,
        edges: tree,
    }
}

fn membership(clusters: &[Vec<usize>], n: usize) -> Vec<Vec<usize>> {
    let mut member = vec![Vec::new(); n];
    for (k, c) in clusters.iter().enumerate() {
        for &a in c {
            member[a].push(k);
        }
    }
    member
}
