//! Index plans of a minibatch: which messages feed which, computed on the CPU so the networks
//! run as a few large tensor operations per level or step.

use std::collections::HashMap;

use crate::features::MolGraph;

/// Message passing over junction trees, in dependency order.
///
/// Every directed tree edge `x -> y` carries a message computed from the messages into `x` from
/// its other neighbours. Messages are grouped in levels (a message's level is one more than the
/// highest level it reads) and stored level after level at positions `1..`; position 0 is the
/// zero padding row. One pass over the levels gives the fixed point that the official encoder
/// approaches with 20 synchronous iterations (identical for trees of depth below 20).
#[derive(Debug, Clone, Default)]
pub struct TreePlan {
    /// Vocabulary class of each message's source node.
    pub src_wid: Vec<i64>,
    /// Number of messages in each level.
    pub level_sizes: Vec<usize>,
    /// Per message: positions of the messages it reads, padded with 0 to `width`.
    pub nei: Vec<i64>,
    /// Padded neighbour count of `nei`.
    pub width: usize,
    /// Vocabulary class of each tree's root.
    pub root_wid: Vec<i64>,
    /// Per tree: positions of the messages into its root, padded with 0 to `root_width`.
    pub root_nei: Vec<i64>,
    /// Padded width of `root_nei`.
    pub root_width: usize,
    /// Position of the message from global node `x` to global node `y`.
    pub position: HashMap<(usize, usize), usize>,
}

impl TreePlan {
    /// Plan the trees given by node classes and adjacency lists; node `0` of each is its root.
    /// Global node numbers run over the trees in order.
    pub fn new(trees: &[(Vec<usize>, Vec<Vec<usize>>)]) -> Self {
        let mut msgs: Vec<(usize, usize, usize, usize)> = Vec::new(); // (level, tree, x, y) local
        for (t, (_, adj)) in trees.iter().enumerate() {
            let mut level: HashMap<(usize, usize), usize> = HashMap::new();
            for x in 0..adj.len() {
                for &y in &adj[x] {
                    let l = message_level(adj, x, y, &mut level);
                    msgs.push((l, t, x, y));
                }
            }
        }
        msgs.sort_by_key(|m| m.0);
        let offsets: Vec<usize> = trees
            .iter()
            .scan(0, |acc, (w, _)| {
                let o = *acc;
                *acc += w.len();
                Some(o)
            })
            .collect();
        let mut plan = Self::default();
        for &(l, t, x, y) in &msgs {
            if plan.level_sizes.len() <= l {
                plan.level_sizes.resize(l + 1, 0);
            }
            plan.level_sizes[l] += 1;
            let pos = plan.position.len() + 1;
            plan.position.insert((offsets[t] + x, offsets[t] + y), pos);
            plan.src_wid.push(trees[t].0[x] as i64);
        }
        plan.width = msgs
            .iter()
            .map(|&(_, t, x, _)| trees[t].1[x].len().saturating_sub(1))
            .max()
            .unwrap_or(0)
            .max(1);
        for &(_, t, x, y) in &msgs {
            let o = offsets[t];
            let row: Vec<i64> = trees[t].1[x]
                .iter()
                .filter(|&&z| z != y)
                .map(|&z| plan.position[&(o + z, o + x)] as i64)
                .collect();
            push_padded(&mut plan.nei, &row, plan.width);
        }
        plan.root_width = trees
            .iter()
            .map(|(_, a)| a[0].len())
            .max()
            .unwrap_or(0)
            .max(1);
        for (t, (w, adj)) in trees.iter().enumerate() {
            let o = offsets[t];
            plan.root_wid.push(w[0] as i64);
            let row: Vec<i64> = adj[0]
                .iter()
                .map(|&z| plan.position[&(o + z, o)] as i64)
                .collect();
            push_padded(&mut plan.root_nei, &row, plan.root_width);
        }
        plan
    }

    /// Number of messages.
    pub fn n_messages(&self) -> usize {
        self.src_wid.len()
    }
}

fn message_level(
    adj: &[Vec<usize>],
    x: usize,
    y: usize,
    memo: &mut HashMap<(usize, usize), usize>,
) -> usize {
    if let Some(&l) = memo.get(&(x, y)) {
        return l;
    }
    let mut l = 0;
    for &z in &adj[x] {
        if z != y {
            l = l.max(message_level(adj, z, x, memo) + 1);
        }
    }
    memo.insert((x, y), l);
    l
}

fn push_padded(out: &mut Vec<i64>, row: &[i64], width: usize) {
    out.extend_from_slice(row);
    out.extend(std::iter::repeat_n(0, width - row.len()));
}

/// One step of the tree decoder under teacher forcing: a message for each tree still being
/// traversed.
#[derive(Debug, Clone, Default)]
pub struct DecoderStep {
    /// Class of the node each message leaves.
    pub x_wid: Vec<i64>,
    /// Positions (in the decoder's message store) of the messages into that node except from
    /// the target, padded with 0 to `width`.
    pub h_nei: Vec<i64>,
    /// Positions of all messages into that node so far, padded with 0 to `width_all`.
    pub o_nei: Vec<i64>,
    /// Padded width of `h_nei`.
    pub width: usize,
    /// Padded width of `o_nei`.
    pub width_all: usize,
    /// Tree of each message.
    pub tree: Vec<i64>,
    /// Expansion (1) or backtrack (0), the stop target.
    pub direction: Vec<f32>,
    /// Rows of expansions, and the class of the node each one creates.
    pub pred_rows: Vec<i64>,
    /// Targets of `pred_rows`.
    pub pred_targets: Vec<i64>,
}

/// The teacher-forced traversal of a batch of trees, as the official decoder walks them
/// (depth first from the root, one message per tree per step).
#[derive(Debug, Clone, Default)]
pub struct DecoderPlan {
    /// The steps.
    pub steps: Vec<DecoderStep>,
    /// Root classes (first word prediction, from a zero state).
    pub root_wid: Vec<i64>,
    /// Final stop decision at each root: positions of all messages into it, padded.
    pub root_o_nei: Vec<i64>,
    /// Padded width of `root_o_nei`.
    pub root_width: usize,
}

impl DecoderPlan {
    /// Plan the traversal of trees given by node classes and adjacency lists.
    pub fn new(trees: &[(Vec<usize>, Vec<Vec<usize>>)]) -> Self {
        let traces: Vec<Vec<(usize, usize, bool)>> = trees
            .iter()
            .map(|(_, adj)| {
                let mut s = Vec::new();
                dfs(adj, 0, usize::MAX, &mut s);
                s
            })
            .collect();
        let max_len = traces.iter().map(Vec::len).max().unwrap_or(0);
        // per tree: node -> (neighbour, message position) discovered so far
        let mut seen: Vec<Vec<Vec<(usize, usize)>>> = trees
            .iter()
            .map(|(w, _)| vec![Vec::new(); w.len()])
            .collect();
        let mut next_pos = 1;
        let mut plan = Self::default();
        for t in 0..max_len {
            let mut step = DecoderStep::default();
            let active: Vec<usize> = (0..trees.len()).filter(|&i| t < traces[i].len()).collect();
            step.width = active
                .iter()
                .map(|&i| {
                    let (x, _, _) = traces[i][t];
                    seen[i][x].len()
                })
                .max()
                .unwrap_or(0)
                .max(1);
            step.width_all = step.width;
            for &i in &active {
                let (x, y, forward) = traces[i][t];
                let h: Vec<i64> = seen[i][x]
                    .iter()
                    .filter(|(z, _)| *z != y)
                    .map(|&(_, p)| p as i64)
                    .collect();
                let o: Vec<i64> = seen[i][x].iter().map(|&(_, p)| p as i64).collect();
                push_padded(&mut step.h_nei, &h, step.width);
                push_padded(&mut step.o_nei, &o, step.width_all);
                step.x_wid.push(trees[i].0[x] as i64);
                step.tree.push(i as i64);
                step.direction.push(if forward { 1.0 } else { 0.0 });
                if forward {
                    step.pred_rows.push(step.x_wid.len() as i64 - 1);
                    step.pred_targets.push(trees[i].0[y] as i64);
                }
            }
            for &i in &active {
                let (x, y, _) = traces[i][t];
                seen[i][y].push((x, next_pos));
                next_pos += 1;
            }
            plan.steps.push(step);
        }
        plan.root_width = seen.iter().map(|s| s[0].len()).max().unwrap_or(0).max(1);
        for (i, (w, _)) in trees.iter().enumerate() {
            plan.root_wid.push(w[0] as i64);
            let o: Vec<i64> = seen[i][0].iter().map(|&(_, p)| p as i64).collect();
            push_padded(&mut plan.root_o_nei, &o, plan.root_width);
        }
        plan
    }
}

fn dfs(adj: &[Vec<usize>], x: usize, parent: usize, out: &mut Vec<(usize, usize, bool)>) {
    for &y in &adj[x] {
        if y == parent {
            continue;
        }
        out.push((x, y, true));
        dfs(adj, y, x, out);
        out.push((y, x, false));
    }
}

/// Message passing over the bonds of a batch of molecular graphs.
///
/// Directed bond messages live after `offset` rows of external messages (the tree messages of
/// the candidate encoder, or a single zero row for the molecule encoder); each reads the
/// messages into its source atom except its own reverse, and tree messages attached to that
/// atom. Reads are listed as `(source row, destination)` pairs summed by a scatter.
#[derive(Debug, Clone, Default)]
pub struct GraphPlan {
    /// Atom feature rows, `n_atoms x atom_fdim`, row-major.
    pub atom_features: Vec<f32>,
    /// Bond-message input rows (source atom features then bond features), `n_bonds x
    /// (atom_fdim + bond_fdim)`.
    pub bond_features: Vec<f32>,
    /// Number of atoms.
    pub n_atoms: usize,
    /// Number of directed bond messages.
    pub n_bonds: usize,
    /// Bond-to-bond reads: (store row, bond message).
    pub bond_src: Vec<i64>,
    /// Destinations of `bond_src`.
    pub bond_dst: Vec<i64>,
    /// Bond-to-atom reads: (store row, atom).
    pub atom_src: Vec<i64>,
    /// Destinations of `atom_src`.
    pub atom_dst: Vec<i64>,
    /// Graph of each atom.
    pub atom_graph: Vec<i64>,
    /// Number of atoms of each graph.
    pub graph_sizes: Vec<usize>,
}

impl GraphPlan {
    /// Plan a batch of graphs. `molecule` selects the molecule encoder's features (with chiral
    /// and stereo blocks); otherwise candidate features. `tree_links` gives, for graph `g`, the
    /// global tree node of each local node id, and `tree_position` the store row of each tree
    /// message (candidate encoder only); `offset` is the number of rows before bond messages.
    pub fn new(
        graphs: &[(&MolGraph, Option<&[usize]>)],
        molecule: bool,
        tree_position: Option<&HashMap<(usize, usize), usize>>,
        offset: usize,
    ) -> Self {
        let (afd, bfd) = if molecule {
            (crate::ATOM_FDIM, crate::BOND_FDIM)
        } else {
            (crate::CAND_ATOM_FDIM, crate::CAND_BOND_FDIM)
        };
        let mut plan = Self::default();
        let mut atom_base = 0;
        // (source atom, destination atom) of each directed bond, global
        let mut dir: Vec<(usize, usize)> = Vec::new();
        let mut into_atom: Vec<Vec<usize>> = Vec::new(); // per atom: store rows read
        for (g, (graph, links)) in graphs.iter().enumerate() {
            let n = graph.n_atoms();
            plan.graph_sizes.push(n);
            for i in 0..n {
                let mut row = vec![0.0; afd];
                graph.atom_row(i, molecule, &mut row);
                plan.atom_features.extend_from_slice(&row);
                plan.atom_graph.push(g as i64);
                into_atom.push(Vec::new());
            }
            for (k, &(a, b, _)) in graph.bonds.iter().enumerate() {
                let (a, b) = (a as usize, b as usize);
                let mut brow = vec![0.0; bfd];
                graph.bond_row(k, molecule, &mut brow);
                for (s, d) in [(a, b), (b, a)] {
                    let mut row = vec![0.0; afd];
                    graph.atom_row(s, molecule, &mut row);
                    plan.bond_features.extend_from_slice(&row);
                    plan.bond_features.extend_from_slice(&brow);
                    into_atom[atom_base + d].push(offset + dir.len());
                    dir.push((atom_base + s, atom_base + d));
                }
                if let (Some(links), Some(pos)) = (links, tree_position) {
                    let (na, nb) = (graph.node[a], graph.node[b]);
                    if let (Some(na), Some(nb)) = (na, nb) {
                        let (ga, gb) = (links[na as usize], links[nb as usize]);
                        if ga != gb {
                            if let Some(&p) = pos.get(&(ga, gb)) {
                                into_atom[atom_base + b].push(p);
                            }
                            if let Some(&p) = pos.get(&(gb, ga)) {
                                into_atom[atom_base + a].push(p);
                            }
                        }
                    }
                }
            }
            atom_base += n;
        }
        plan.n_atoms = atom_base;
        plan.n_bonds = dir.len();
        for (k, &(s, d)) in dir.iter().enumerate() {
            for &row in &into_atom[s] {
                let is_reverse = row >= offset && dir[row - offset].0 == d;
                if !is_reverse {
                    plan.bond_src.push(row as i64);
                    plan.bond_dst.push(k as i64);
                }
            }
        }
        for (a, rows) in into_atom.iter().enumerate() {
            for &row in rows {
                plan.atom_src.push(row as i64);
                plan.atom_dst.push(a as i64);
            }
        }
        plan
    }
}

/// Plan a minibatch of training molecules.
pub fn plan_batch(trees: &[&crate::MolTree]) -> crate::model::BatchPlan {
    plan_assembly(trees, |_, _| true)
}

/// Plan a minibatch whose assembly loss covers only the nodes that `keep(molecule, node)`
/// selects (indices into `trees` and into that tree's nodes).
pub(crate) fn plan_assembly(
    trees: &[&crate::MolTree],
    keep: impl Fn(usize, usize) -> bool,
) -> crate::model::BatchPlan {
    let shapes: Vec<(Vec<usize>, Vec<Vec<usize>>)> = trees
        .iter()
        .map(|t| {
            (
                t.nodes.iter().map(|n| n.wid).collect(),
                t.nodes.iter().map(|n| n.neighbours.clone()).collect(),
            )
        })
        .collect();
    let tree = TreePlan::new(&shapes);
    let decoder = DecoderPlan::new(&shapes);
    let mol_graphs: Vec<(&MolGraph, Option<&[usize]>)> =
        trees.iter().map(|t| (&t.graph, None)).collect();
    let mol = GraphPlan::new(&mol_graphs, true, None, 1);
    let mut links: Vec<Vec<usize>> = Vec::with_capacity(trees.len());
    let mut base = 0;
    for t in trees {
        links.push((base..base + t.nodes.len()).collect());
        base += t.nodes.len();
    }
    let mut groups = Vec::new();
    let mut cand_mol = Vec::new();
    let mut cands: Vec<(&MolGraph, Option<&[usize]>)> = Vec::new();
    for (k, t) in trees.iter().enumerate() {
        for (i, node) in t.nodes.iter().enumerate() {
            if node.candidates.len() > 1 && keep(k, i) {
                groups.push((node.candidates.len(), node.label));
                for g in &node.candidates {
                    cands.push((g, Some(links[k].as_slice())));
                    cand_mol.push(k as i64);
                }
            }
        }
    }
    let cand = GraphPlan::new(&cands, false, Some(&tree.position), tree.n_messages() + 1);
    crate::model::BatchPlan {
        tree,
        decoder,
        mol,
        cand,
        groups,
        cand_mol,
        batch_size: trees.len(),
    }
}
