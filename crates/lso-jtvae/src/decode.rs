//! Decoding latent points into molecules, every search bounded.
//!
//! The official procedure (JTNN `fast_jtnn`, as the weighted-retraining code calls it):
//! 1. **Tree**: the root label is the argmax of the word head at a zero state; then depth-first,
//!    the stop head decides whether the node on top of the stack gets another child
//!    (deterministic: logit `>= 0`; stochastic: a Bernoulli draw); the child label is the first of
//!    the five best (or five sampled) labels whose atoms can bond to the father's remaining
//!    attachment slots and whose attachment to the father's current neighbours exists.
//!    At most [`MAX_TREE_NODES`] steps and nodes.
//! 2. **Assembly**: depth first from the root, each node's candidate attachments of its children
//!    are enumerated, scored by the candidate encoder against the graph latent (plus the
//!    aromaticity-consistency score), tried best first (or in a sampled order) and the search
//!    backtracks on failure; at most [`MAX_DFS_CALLS`] recursive calls per pass. A first pass
//!    rejects aromaticity-inconsistent attachment sets, a second pass does not, and if both fail
//!    the partial molecule of the second pass is kept.
//! 3. The molecule is sanitised and written as canonical SMILES (stereo-free).
//!
//! **Open branches.** As in the official decoder, a new node records its father at once but the
//! father records the node only when the decoder backtracks from it. When the step budget
//! ([`MAX_TREE_NODES`] steps, a backtrack counting as one) runs out, the nodes still on the
//! stack are open: the assembly walks the recorded neighbour lists from the root, so an open
//! node and everything below it is not part of the molecule, and the root's own list lacks its
//! open child. The tree encoder that scores the attachments still sees every node (the
//! official encoder builds its messages from every node's list, so the open child's message
//! reaches the root's outgoing messages); a symmetric adjacency of the whole tree gives those
//! messages exactly, since no message towards an open node feeds one between assembled nodes.
//! Far from the data the step budget runs out and the official model decodes small molecules
//! there; [`DecodeOptions::attach_open_branches`] attaches the open nodes to their fathers
//! instead (this crate's behaviour before it followed the official code; it lets the decoder
//! build 100-node molecules, such as fused aromatic sheets, at the latent box's corners).
//!
//! Differences from the official code, on purpose: leaf clusters carry no atom marks during
//! assembly, exactly as in training (the official code can leave stale marks from the
//! feasibility checks); a per-molecule work limit turns a pathological search into an explicit
//! failure.
//!
//! The work limit counts, not times: the work is `lso-chem`'s count of sanitisation work on the
//! decoding thread ([`lso_chem::thread_work`]: atoms whose rings are perceived, ring-search and
//! kekulé-search steps), which every step of a decode drives (each label tried, attachment
//! enumerated and partial molecule checked is sanitised). It is checked at every tree step,
//! every assembly call and before every candidate attachment is checked, so a decode stops
//! within one such step past [`DecodeOptions::work_limit`]. Being a count, the limit gives the
//! same outcome on any machine under any load; the wall-clock limit it replaced did not, and it
//! was checked only between assembly calls, so one call trying hundreds of attachments of a
//! large molecule ran on for minutes past it.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use burn::tensor::{Device, Tensor};
use lso_chem::Molecule;
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::ClusterSet;
use crate::assemble::{Amap, GlobalMap, Part, attach_mols, copy_edit, enum_assemble, sanitized};
use crate::batch::{GraphPlan, TreePlan};
use crate::features::MolGraph;
use crate::model::{JtvaeModel, floats, to_vec};

/// Most tree-decoder steps, and most tree nodes.
pub const MAX_TREE_NODES: usize = 100;
/// Most recursive assembly calls per pass.
pub const MAX_DFS_CALLS: usize = 1000;
/// The default [`DecodeOptions::work_limit`]: about 17-20 s of the slowest kind of decode (ring
/// search dominated, 0.33-0.43 µs a unit) on one core of the machine the chemistry runs were
/// made on; the calibration is in docs/jtvae.md, "Decoding".
pub const DEFAULT_WORK_LIMIT: u64 = 50_000_000;
/// Labels tried per expansion.
const TOP_WORDS: usize = 5;

/// How to decode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DecodeOptions {
    /// Sample stop decisions, labels and attachment orders instead of taking the most likely.
    pub stochastic: bool,
    /// Most work per molecule, in units of [`lso_chem::thread_work`] (see the
    /// [module docs](self)); past it the molecule is an explicit failure.
    pub work_limit: u64,
    /// Seed of the stochastic choices (row `i` of a batch uses `seed + i`).
    pub seed: u64,
    /// Attach the nodes still open when the step budget runs out to their fathers, so they
    /// join the molecule; `false` (the default, the official decoder) leaves them out (see the
    /// [module docs](self)).
    pub attach_open_branches: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        Self {
            stochastic: false,
            work_limit: DEFAULT_WORK_LIMIT,
            seed: 0,
            attach_open_branches: false,
        }
    }
}

/// Why a latent point gave no molecule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeFailure {
    /// The latent vector has the wrong length.
    #[error("latent vector has {got} values, the model expects {expected}")]
    Dimension {
        /// Values given.
        got: usize,
        /// Latent size of the model.
        expected: usize,
    },
    /// The latent vector holds NaN or infinity.
    #[error("latent value z{index} is not finite")]
    NotFinite {
        /// Position of the first bad value.
        index: usize,
    },
    /// Decoding ran past the work limit.
    #[error("decoding exceeded the work limit of {limit} units")]
    WorkLimit {
        /// The limit.
        limit: u64,
    },
    /// Neither the assembly nor its partial fallback is a valid molecule.
    #[error("no valid molecule: {reason}")]
    Invalid {
        /// Why.
        reason: String,
    },
}

/// The result of decoding one latent point.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodeOutcome {
    /// Canonical SMILES of the molecule, or why there is none.
    pub smiles: Result<String, DecodeFailure>,
    /// Number of junction-tree nodes decoded (0 when decoding did not start), open ones
    /// included.
    pub tree_nodes: usize,
    /// Nodes still open when the step budget ran out (0 when the tree was finished): they and
    /// their descendants are left out of the molecule unless
    /// [`DecodeOptions::attach_open_branches`] is set.
    pub open_nodes: usize,
    /// Work done, in units of [`lso_chem::thread_work`].
    pub work: u64,
    /// Wall-clock time spent.
    pub elapsed: Duration,
}

/// Decode one latent point (`latent` values: tree half then graph half).
pub fn decode_one(
    model: &JtvaeModel,
    clusters: &ClusterSet,
    z: &[f32],
    options: &DecodeOptions,
    seed: u64,
    device: &Device,
) -> DecodeOutcome {
    let start = Instant::now();
    let meter = Meter::start(options.work_limit);
    let mut size = TreeSize::default();
    let smiles = decode_inner(model, clusters, z, options, seed, &meter, &mut size, device);
    DecodeOutcome {
        smiles,
        tree_nodes: size.nodes,
        open_nodes: size.open,
        work: meter.spent(),
        elapsed: start.elapsed(),
    }
}

/// Decode latent points in parallel over the machine's cores; one outcome per row, in order.
pub fn decode_batch(
    model: &JtvaeModel,
    clusters: &ClusterSet,
    zs: &[Vec<f32>],
    options: &DecodeOptions,
    device: &Device,
) -> Vec<DecodeOutcome> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(zs.len().max(1));
    let mut out: Vec<Option<DecodeOutcome>> = vec![None; zs.len()];
    let results: Vec<Vec<(usize, DecodeOutcome)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                s.spawn(move || {
                    (t..zs.len())
                        .step_by(threads)
                        .map(|i| {
                            let seed = options.seed.wrapping_add(i as u64);
                            (
                                i,
                                decode_one(model, clusters, &zs[i], options, seed, device),
                            )
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_default())
            .collect()
    });
    for (i, o) in results.into_iter().flatten() {
        out[i] = Some(o);
    }
    out.into_iter()
        .map(|o| {
            o.unwrap_or(DecodeOutcome {
                smiles: Err(DecodeFailure::Invalid {
                    reason: "the decoding thread failed".into(),
                }),
                tree_nodes: 0,
                open_nodes: 0,
                work: 0,
                elapsed: Duration::ZERO,
            })
        })
        .collect()
}

#[allow(clippy::too_many_arguments)]
fn decode_inner(
    model: &JtvaeModel,
    clusters: &ClusterSet,
    z: &[f32],
    options: &DecodeOptions,
    seed: u64,
    meter: &Meter,
    size: &mut TreeSize,
    device: &Device,
) -> Result<String, DecodeFailure> {
    let latent = model.latent();
    if z.len() != latent {
        return Err(DecodeFailure::Dimension {
            got: z.len(),
            expected: latent,
        });
    }
    if let Some(index) = z.iter().position(|v| !v.is_finite()) {
        return Err(DecodeFailure::NotFinite { index });
    }
    let mut rng = options.stochastic.then(|| ChaCha8Rng::seed_from_u64(seed));
    let half = latent / 2;
    let z_tree = floats(&z[..half], [1, half], device);
    let z_mol = floats(&z[half..], [1, latent - half], device);
    let tree = decode_tree(model, clusters, z_tree, rng.as_mut(), meter, device)?;
    *size = TreeSize {
        nodes: tree.wids.len(),
        open: tree.open.len(),
    };
    if tree.wids.len() == 1 {
        let label = &clusters.vocab().labels()[tree.wids[0]];
        return Molecule::from_smiles(label)
            .map(|m| m.to_smiles(false))
            .map_err(|e| DecodeFailure::Invalid {
                reason: format!("single cluster {label}: {e}"),
            });
    }
    assemble_tree(
        model,
        clusters,
        &tree,
        options.attach_open_branches,
        z_mol,
        rng,
        meter,
        device,
    )
}

/// Nodes of a decoded tree, and how many were still open at the end.
#[derive(Debug, Clone, Copy, Default)]
struct TreeSize {
    nodes: usize,
    open: usize,
}

/// The work of one decode on its thread, against its limit.
#[derive(Debug, Clone, Copy)]
struct Meter {
    start: u64,
    limit: u64,
}

impl Meter {
    fn start(limit: u64) -> Self {
        Self {
            start: lso_chem::thread_work(),
            limit,
        }
    }

    fn spent(&self) -> u64 {
        lso_chem::thread_work().saturating_sub(self.start)
    }

    fn exhausted(&self) -> bool {
        self.spent() > self.limit
    }

    fn check(&self) -> Result<(), DecodeFailure> {
        if self.exhausted() {
            Err(DecodeFailure::WorkLimit { limit: self.limit })
        } else {
            Ok(())
        }
    }
}

/// A decoded junction tree: labels and the neighbour lists as the official decoder records
/// them (father first, then the children the decoder backtracked from, in order), and the nodes
/// still open when the step budget ran out, each with its father (top of the stack last).
#[derive(Debug, Clone)]
struct DecodedTree {
    wids: Vec<usize>,
    neighbours: Vec<Vec<usize>>,
    open: Vec<(usize, usize)>,
}

impl DecodedTree {
    /// The whole tree's symmetric adjacency: the recorded lists with every open node added to
    /// its father's, deepest first (the order this crate attached them in before).
    fn full_neighbours(&self) -> Vec<Vec<usize>> {
        let mut full = self.neighbours.clone();
        for &(x, fa) in self.open.iter().rev() {
            full[fa].push(x);
        }
        full
    }
}

type Slots = Vec<(u8, i8, u32)>;

/// Whether a child with `child` slots can bond to a father with `father` slots; consumes the
/// matched atom of a two-atom cluster on either side (the official `have_slots`).
fn have_slots(father: &mut Slots, child: &mut Slots) -> bool {
    if father.len() > 2 && child.len() > 2 {
        return true;
    }
    let mut matches = Vec::new();
    for (i, &(e1, c1, h1)) in father.iter().enumerate() {
        for (j, &(e2, c2, h2)) in child.iter().enumerate() {
            if e1 == e2 && c1 == c2 && (e1 != 6 || h1 + h2 >= 4) {
                matches.push((i, j));
            }
        }
    }
    let Some(&(fi, cj)) = matches.first() else {
        return false;
    };
    if matches.iter().all(|m| m.0 == fi) && father.len() == 2 {
        father.remove(fi);
    }
    if matches.iter().all(|m| m.1 == cj) && child.len() == 2 {
        child.remove(cj);
    }
    true
}

/// Singletons first, then larger clusters before smaller (stable): the official neighbour
/// order of an assembly.
fn assembly_order(parts: &mut Vec<Part<'_>>) {
    let mut big: Vec<Part<'_>> = parts
        .iter()
        .copied()
        .filter(|p| p.mol.n_atoms() > 1)
        .collect();
    big.sort_by_key(|p| std::cmp::Reverse(p.mol.n_atoms()));
    parts.retain(|p| p.mol.n_atoms() == 1);
    parts.extend(big);
}

/// Whether a new child `wid` can be attached to node `x` together with its current neighbours.
fn can_assemble(clusters: &ClusterSet, tree: &DecodedTree, x: usize, wid: usize) -> bool {
    let centre = clusters.part_as(tree.wids[x], 1, false);
    let mut parts: Vec<Part<'_>> = tree.neighbours[x]
        .iter()
        .enumerate()
        .map(|(i, &n)| clusters.part_as(tree.wids[n], i as u32 + 2, tree.neighbours[n].len() <= 1))
        .collect();
    parts.push(clusters.part_as(wid, parts.len() as u32 + 2, true));
    assembly_order(&mut parts);
    !enum_assemble(&centre, &parts, &[], &Vec::new()).is_empty()
}

fn argmax(v: &[f32]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

/// Indices of `scores` best first (stable on ties).
fn ranked(scores: &[f32]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..scores.len()).collect();
    idx.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    idx
}

/// `k` draws without replacement from `softmax(scores) + floor`.
fn sample_order(scores: &[f32], k: usize, floor: f64, rng: &mut ChaCha8Rng) -> Vec<usize> {
    let top = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f64> = scores.iter().map(|&s| f64::from(s - top).exp()).collect();
    let total: f64 = exp.iter().sum();
    let mut weights: Vec<f64> = exp.iter().map(|e| e / total + floor).collect();
    let mut out = Vec::with_capacity(k.min(scores.len()));
    for _ in 0..k.min(scores.len()) {
        let sum: f64 = weights.iter().sum();
        if sum <= 0.0 {
            break;
        }
        let mut u = rng.random::<f64>() * sum;
        let mut pick = weights.iter().rposition(|&w| w > 0.0).unwrap_or(0);
        for (i, &w) in weights.iter().enumerate() {
            if w > 0.0 && u < w {
                pick = i;
                break;
            }
            u -= w;
        }
        out.push(pick);
        weights[pick] = 0.0;
    }
    out
}

fn messages_into(
    messages: &HashMap<(usize, usize), Tensor<2>>,
    tree: &DecodedTree,
    x: usize,
    skip: Option<usize>,
    hidden: usize,
    device: &Device,
) -> Tensor<3> {
    let rows: Vec<Tensor<2>> = tree.neighbours[x]
        .iter()
        .filter(|&&y| Some(y) != skip)
        .filter_map(|&y| messages.get(&(y, x)).cloned())
        .collect();
    if rows.is_empty() {
        Tensor::zeros([1, 1, hidden], device)
    } else {
        let k = rows.len();
        Tensor::cat(rows, 0).reshape([1, k, hidden])
    }
}

/// The tree decoder: depth-first expansion from the root.
fn decode_tree(
    model: &JtvaeModel,
    clusters: &ClusterSet,
    z_tree: Tensor<2>,
    mut rng: Option<&mut ChaCha8Rng>,
    meter: &Meter,
    device: &Device,
) -> Result<DecodedTree, DecodeFailure> {
    let h = model.hidden();
    let root_logits = to_vec(model.word_logits(Tensor::zeros([1, h], device), z_tree.clone()));
    let root = argmax(&root_logits);
    let mut tree = DecodedTree {
        wids: vec![root],
        neighbours: vec![Vec::new()],
        open: Vec::new(),
    };
    let mut stack: Vec<(usize, Slots)> = vec![(0, clusters.slots(root))];
    let mut messages: HashMap<(usize, usize), Tensor<2>> = HashMap::new();
    for _ in 0..MAX_TREE_NODES {
        meter.check()?;
        let Some(&(x, _)) = stack.last() else { break };
        let h_nei = messages_into(&messages, &tree, x, None, h, device);
        let cur_x = model.embed(&[tree.wids[x] as i64], device);
        let o = h_nei.clone().sum_dim(1).reshape([1, h]);
        let stop = to_vec(model.stop_logits(cur_x.clone(), o, z_tree.clone()))
            .first()
            .copied()
            .unwrap_or(-1.0);
        let expand = match rng.as_deref_mut() {
            Some(r) => r.random::<f32>() < 1.0 / (1.0 + (-stop).exp()),
            None => stop >= 0.0,
        };
        let mut backtrack = true;
        if expand && tree.wids.len() < MAX_TREE_NODES {
            let new_h = model.decoder_gru(cur_x.clone(), h_nei);
            let logits = to_vec(model.word_logits(new_h.clone(), z_tree.clone()));
            let order = match rng.as_deref_mut() {
                Some(r) => sample_order(&logits, TOP_WORDS, 0.0, r),
                None => ranked(&logits).into_iter().take(TOP_WORDS).collect(),
            };
            for wid in order {
                let mut child = clusters.slots(wid);
                let father = &mut stack.last_mut().expect("non-empty stack").1;
                if have_slots(father, &mut child) && can_assemble(clusters, &tree, x, wid) {
                    let y = tree.wids.len();
                    tree.wids.push(wid);
                    tree.neighbours.push(vec![x]);
                    messages.insert((x, y), new_h);
                    stack.push((y, child));
                    backtrack = false;
                    break;
                }
            }
        }
        if backtrack {
            if stack.len() == 1 {
                break;
            }
            let fa = stack[stack.len() - 2].0;
            let h_nei = messages_into(&messages, &tree, x, Some(fa), h, device);
            messages.insert((x, fa), model.decoder_gru(cur_x, h_nei));
            tree.neighbours[fa].push(x);
            stack.pop();
        }
    }
    // nodes left on the stack when the budget ran out are open: their fathers have not
    // recorded them
    tree.open = stack.windows(2).map(|w| (w[1].0, w[0].0)).collect();
    Ok(tree)
}

/// State of the assembly search of one tree.
struct Assembly<'a> {
    model: &'a JtvaeModel,
    device: &'a Device,
    parts: Vec<Part<'a>>,
    neighbours: &'a [Vec<usize>],
    links: Vec<usize>,
    store: Tensor<2>,
    position: HashMap<(usize, usize), usize>,
    offset: usize,
    query: Tensor<2>,
    rng: Option<ChaCha8Rng>,
    check_aroma: bool,
    calls: usize,
    meter: Meter,
    exhausted: bool,
}

/// The molecule round-tripped through SMILES (the official validity test), or `None`.
fn round_trip(mol: &Molecule) -> Option<Molecule> {
    let s = sanitized(mol.clone())?.to_smiles(false);
    Molecule::from_smiles(&s).ok()
}

impl Assembly<'_> {
    /// Assemble the subtree of `cur` (whose father `fa` is attached by `fa_amap`) into `mol`.
    /// `Err` carries the partial molecule of the official fallback.
    fn dfs(
        &mut self,
        mol: &Molecule,
        global: &GlobalMap,
        fa_amap: &Amap,
        cur: usize,
        fa: Option<usize>,
    ) -> Result<Molecule, Option<Molecule>> {
        self.calls += 1;
        self.exhausted = self.exhausted || self.meter.exhausted();
        if self.exhausted || self.calls > MAX_DFS_CALLS {
            return Err(Some(mol.clone()));
        }
        let cur_nid = cur as u32 + 1;
        let fa_nid = fa.map(|f| f as u32 + 1);
        let children: Vec<usize> = self.neighbours[cur]
            .iter()
            .copied()
            .filter(|&c| Some(c) != fa)
            .collect();
        let mut ordered: Vec<Part<'_>> = children.iter().map(|&c| self.parts[c]).collect();
        assembly_order(&mut ordered);
        let cur_amap: Amap = match fa_nid {
            Some(f) => fa_amap
                .iter()
                .filter(|a| a.0 == cur_nid)
                .map(|&(_, a1, a2)| (f, a2, a1))
                .collect(),
            None => Vec::new(),
        };
        let prev: Vec<Part<'_>> = fa.map(|f| self.parts[f]).into_iter().collect();
        let cands = enum_assemble(&self.parts[cur], &ordered, &prev, &cur_amap);
        let aroma_sum: f32 = cands.iter().map(|c| c.aroma).sum();
        if cands.is_empty() || (self.check_aroma && aroma_sum < 0.0) {
            return Err(Some(mol.clone()));
        }
        let scores = self.score(&cands);
        let order = match self.rng.as_mut() {
            Some(r) => sample_order(&scores, scores.len(), 1e-7, r),
            None => ranked(&scores),
        };
        let mut pre_mol = Some(mol.clone());
        for (i, &k) in order.iter().enumerate() {
            let mut cur_mol = mol.clone();
            let mut g = global.clone();
            let Some(centre) = g.get(&cur_nid).cloned() else {
                break;
            };
            let mut mapped = true;
            for &(nei, ctr, nat) in &cands[k].amap {
                if Some(nei) == fa_nid {
                    continue;
                }
                match centre.get(&ctr) {
                    Some(&v) => {
                        g.entry(nei).or_default().insert(nat, v);
                    }
                    None => mapped = false,
                }
            }
            if !mapped {
                continue;
            }
            let child_parts: Vec<Part<'_>> = children.iter().map(|&c| self.parts[c]).collect();
            let with_flags: Vec<(&Part<'_>, bool)> =
                child_parts.iter().map(|p| (p, false)).collect();
            attach_mols(&mut cur_mol, &with_flags, &mut g);
            if self.meter.exhausted() {
                self.exhausted = true;
                break;
            }
            if round_trip(&cur_mol).is_none() {
                continue;
            }
            let mut failed = false;
            for &c in &children {
                if self.parts[c].is_leaf {
                    continue;
                }
                match self.dfs(&cur_mol, &g, &cands[k].amap, c, Some(cur)) {
                    Ok(m) => cur_mol = m,
                    Err(p) => {
                        failed = true;
                        if i == 0 {
                            pre_mol = p;
                        }
                        break;
                    }
                }
            }
            if !failed {
                return Ok(cur_mol);
            }
            if self.exhausted {
                break;
            }
        }
        Err(pre_mol)
    }

    /// Candidate scores: the candidate encoder against the graph latent, plus aromaticity.
    fn score(&self, cands: &[crate::assemble::Candidate]) -> Vec<f32> {
        if cands.len() == 1 {
            return vec![1.0];
        }
        let graphs: Vec<Option<MolGraph>> = cands
            .iter()
            .map(|c| c.mol.kekulized().ok().map(|k| MolGraph::new(&c.mol, &k)))
            .collect();
        let usable: Vec<(&MolGraph, Option<&[usize]>)> = graphs
            .iter()
            .flatten()
            .map(|g| (g, Some(self.links.as_slice())))
            .collect();
        let plan = GraphPlan::new(&usable, false, Some(&self.position), self.offset);
        let vecs = self
            .model
            .encode_candidates(&plan, self.store.clone(), self.device);
        let n = usable.len();
        let values = to_vec((vecs * self.query.clone()).sum_dim(1).reshape([n]));
        let mut it = values.into_iter();
        graphs
            .iter()
            .zip(cands)
            .map(|(g, c)| match g {
                Some(_) => it.next().unwrap_or(f32::NEG_INFINITY) + c.aroma,
                None => f32::NEG_INFINITY,
            })
            .collect()
    }
}

/// Assemble a decoded tree of two or more nodes into a molecule: the nodes reachable from the
/// root through the recorded neighbour lists, or with `attach_open` the whole tree.
#[allow(clippy::too_many_arguments)]
fn assemble_tree(
    model: &JtvaeModel,
    clusters: &ClusterSet,
    tree: &DecodedTree,
    attach_open: bool,
    z_mol: Tensor<2>,
    rng: Option<ChaCha8Rng>,
    meter: &Meter,
    device: &Device,
) -> Result<String, DecodeFailure> {
    let n = tree.wids.len();
    let full = tree.full_neighbours();
    let walked = if attach_open { &full } else { &tree.neighbours };
    let plan = TreePlan::new(&[(tree.wids.clone(), full.clone())]);
    let (store, _) = model.encode_trees(&plan, device);
    let parts: Vec<Part<'_>> = (0..n)
        .map(|i| clusters.part(tree.wids[i], i as u32 + 1, walked[i].len()))
        .collect();
    let mut search = Assembly {
        model,
        device,
        parts,
        neighbours: walked,
        links: (0..n).collect(),
        store,
        offset: plan.n_messages() + 1,
        position: plan.position,
        query: model.assembly_query(z_mol),
        rng,
        check_aroma: true,
        calls: 0,
        meter: *meter,
        exhausted: false,
    };
    let root_mol = copy_edit(&search.parts[0]);
    let mut global = GlobalMap::new();
    global.insert(1, (0..root_mol.n_atoms()).map(|a| (a, a)).collect());
    let mut result = search.dfs(&root_mol, &global, &Vec::new(), 0, None);
    if result.is_err() && !search.exhausted {
        search.check_aroma = false;
        search.calls = 0;
        result = search.dfs(&root_mol, &global, &Vec::new(), 0, None);
    }
    if search.exhausted {
        return Err(DecodeFailure::WorkLimit { limit: meter.limit });
    }
    let (mut mol, partial) = match result {
        Ok(m) => (m, false),
        Err(Some(m)) => (m, true),
        Err(None) => {
            return Err(DecodeFailure::Invalid {
                reason: "no attachment of the root's neighbours".into(),
            });
        }
    };
    for a in 0..mol.n_atoms() {
        mol.set_atom_class(a, 0);
    }
    match round_trip(&mol) {
        Some(m) => Ok(m.to_smiles(false)),
        None => Err(DecodeFailure::Invalid {
            reason: if partial {
                "the partial assembly is not a valid molecule".into()
            } else {
                "the assembled molecule does not sanitise".into()
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn have_slots_consumes_the_matched_atom_of_a_bond() {
        // father C=O style bond cluster (C with 2 H, O with 0 H), child a single carbon
        let mut father: Slots = vec![(6, 0, 2), (8, 0, 0)];
        let mut child: Slots = vec![(6, 0, 3)];
        assert!(have_slots(&mut father, &mut child));
        assert_eq!(father, vec![(8, 0, 0)]);
        assert_eq!(child, vec![(6, 0, 3)]);
        // a carbon needing more hydrogens than the pair has cannot bond
        let mut father: Slots = vec![(6, 0, 1)];
        let mut child: Slots = vec![(6, 0, 1), (7, 0, 1)];
        assert!(!have_slots(&mut father, &mut child));
        // two rings always match
        let mut ring: Slots = vec![(6, 0, 1); 6];
        let mut other: Slots = vec![(7, 0, 0); 5];
        assert!(have_slots(&mut ring, &mut other));
    }

    #[test]
    fn sampled_orders_are_permutations_and_favour_high_scores() {
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let scores = [0.0f32, 5.0, 1.0, -2.0];
        let mut first = [0usize; 4];
        for _ in 0..200 {
            let o = sample_order(&scores, 4, 1e-7, &mut rng);
            let mut sorted = o.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, vec![0, 1, 2, 3]);
            first[o[0]] += 1;
        }
        assert!(first[1] > 150, "{first:?}");
        assert_eq!(ranked(&scores), vec![1, 2, 0, 3]);
    }
}
