//! The JT-VAE's networks in burn: tree encoder, molecule encoder, tree decoder, candidate
//! encoder and the latent heads, with the training loss of the official code.

use burn::module::{Module, Param};
use burn::nn::{Initializer, Linear, LinearConfig};
use burn::tensor::activation::{log_softmax, relu, sigmoid};
use burn::tensor::{Device, Int, Tensor, TensorData};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal, StandardNormal};
use serde::{Deserialize, Serialize};

use crate::batch::{DecoderPlan, GraphPlan, TreePlan};
use crate::features::{ATOM_FDIM, BOND_FDIM, CAND_ATOM_FDIM, CAND_BOND_FDIM};

/// Sizes of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JtvaeConfig {
    /// Hidden width of every network (paper: 450).
    pub hidden: usize,
    /// Total latent size, split evenly between tree and graph (paper: 56).
    pub latent: usize,
    /// Message-passing depth of the molecule and candidate encoders (paper: 3).
    pub depth_graph: usize,
    /// Vocabulary size.
    pub vocab_size: usize,
}

impl JtvaeConfig {
    /// The paper's sizes for a vocabulary of `vocab_size` labels.
    pub fn paper(vocab_size: usize) -> Self {
        Self {
            hidden: 450,
            latent: 56,
            depth_graph: 3,
            vocab_size,
        }
    }
}

/// Xavier-normal values (`std = sqrt(2 / (fan_in + fan_out))`) from the model's own generator,
/// so initialisation does not depend on the device's shared generator.
fn xavier(rng: &mut ChaCha8Rng, rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    let std = (2.0 / (rows + cols) as f64).sqrt();
    let normal = Normal::new(0.0, std).unwrap_or_else(|_| Normal::new(0.0, 1.0).expect("unit"));
    let v: Vec<f32> = (0..rows * cols)
        .map(|_| normal.sample(rng) as f32)
        .collect();
    floats(&v, [rows, cols], device)
}

/// A dense layer initialised as the official code does: Xavier-normal weights, zero bias.
fn dense(rng: &mut ChaCha8Rng, d_in: usize, d_out: usize, bias: bool, device: &Device) -> Linear {
    let mut l = LinearConfig::new(d_in, d_out)
        .with_bias(bias)
        .with_initializer(Initializer::Zeros)
        .init(device);
    l.weight = Param::from_tensor(xavier(rng, d_in, d_out, device));
    l
}

/// Standard normal noise of the given shape from `seed`.
pub(crate) fn noise(seed: u64, rows: usize, cols: usize, device: &Device) -> Tensor<2> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let v: Vec<f32> = (0..rows * cols)
        .map(|_| StandardNormal.sample(&mut rng))
        .collect();
    floats(&v, [rows, cols], device)
}

/// The gated recurrent update the JT-VAE uses on trees: for inputs `x` and the messages
/// `h_nei` into a node, `new = (1 - z) * sum(h) + z * tanh(W_h [x, sum(r * h)])`.
#[derive(Module, Debug)]
pub struct TreeGru {
    w_z: Linear,
    w_r: Linear,
    u_r: Linear,
    w_h: Linear,
}

impl TreeGru {
    fn new(rng: &mut ChaCha8Rng, h: usize, encoder: bool, device: &Device) -> Self {
        // the encoder's reset gate has its bias on U_r, the decoder's on W_r
        Self {
            w_z: dense(rng, 2 * h, h, true, device),
            w_r: dense(rng, h, h, !encoder, device),
            u_r: dense(rng, h, h, encoder, device),
            w_h: dense(rng, 2 * h, h, true, device),
        }
    }

    /// `x`: `[n, h]`; `h_nei`: `[n, k, h]` (zero rows pad).
    fn forward(&self, x: Tensor<2>, h_nei: Tensor<3>) -> Tensor<2> {
        let [n, k, h] = h_nei.dims();
        let sum_h = h_nei.clone().sum_dim(1).reshape([n, h]);
        let z = sigmoid(
            self.w_z
                .forward(Tensor::cat(vec![x.clone(), sum_h.clone()], 1)),
        );
        let r1 = self.w_r.forward(x.clone()).reshape([n, 1, h]);
        let r2 = self.u_r.forward(h_nei.clone());
        let r = sigmoid(r1.expand([n, k, h]) + r2);
        let gated = (r * h_nei).sum_dim(1).reshape([n, h]);
        let pre = self.w_h.forward(Tensor::cat(vec![x, gated], 1)).tanh();
        (z.ones_like() - z.clone()) * sum_h + z * pre
    }
}

/// Message passing over molecular graphs (the molecule encoder and the candidate encoder).
#[derive(Module, Debug)]
pub struct GraphEncoder {
    w_i: Linear,
    w_h: Linear,
    w_o: Linear,
    depth: usize,
}

impl GraphEncoder {
    fn new(
        rng: &mut ChaCha8Rng,
        (atom_fdim, bond_fdim): (usize, usize),
        h: usize,
        depth: usize,
        device: &Device,
    ) -> Self {
        Self {
            w_i: dense(rng, atom_fdim + bond_fdim, h, false, device),
            w_h: dense(rng, h, h, false, device),
            w_o: dense(rng, atom_fdim + h, h, true, device),
            depth,
        }
    }

    /// Mean atom state of each graph, `[n_graphs, h]`. `prefix` are the store rows before the
    /// bond messages (a zero row, or the tree messages).
    fn forward(&self, plan: &GraphPlan, prefix: Tensor<2>, device: &Device) -> Tensor<2> {
        let h = self.w_h.weight.dims()[0];
        let afd = plan.atom_features.len() / plan.n_atoms.max(1);
        let bfd = plan.bond_features.len() / plan.n_bonds.max(1);
        let n_graphs = plan.graph_sizes.len();
        let atoms = floats(&plan.atom_features, [plan.n_atoms, afd], device);
        let mut message = Tensor::zeros([0, h], device);
        if plan.n_bonds > 0 {
            let bonds = floats(&plan.bond_features, [plan.n_bonds, bfd], device);
            let binput = self.w_i.forward(bonds);
            message = relu(binput.clone());
            let src = ints(&plan.bond_src, device);
            let dst = ints(&plan.bond_dst, device);
            for _ in 1..self.depth {
                let store = Tensor::cat(vec![prefix.clone(), message], 0);
                let nei = scatter_sum(store, src.clone(), dst.clone(), plan.n_bonds, h, device);
                message = relu(binput.clone() + self.w_h.forward(nei));
            }
        }
        let store = Tensor::cat(vec![prefix, message], 0);
        let nei = scatter_sum(
            store,
            ints(&plan.atom_src, device),
            ints(&plan.atom_dst, device),
            plan.n_atoms,
            h,
            device,
        );
        let atom_h = relu(self.w_o.forward(Tensor::cat(vec![atoms, nei], 1)));
        let sums = Tensor::zeros([n_graphs, h], device).select_assign(
            0,
            ints(&plan.atom_graph, device),
            atom_h,
            burn::tensor::IndexingUpdateOp::Add,
        );
        let inv: Vec<f32> = plan
            .graph_sizes
            .iter()
            .map(|&n| 1.0 / n.max(1) as f32)
            .collect();
        sums * floats(&inv, [n_graphs, 1], device)
    }
}

/// The tree decoder's prediction heads and recurrent cell.
#[derive(Module, Debug)]
pub struct TreeDecoder {
    gru: TreeGru,
    w: Linear,
    w_o: Linear,
    u: Linear,
    u_i: Linear,
    u_o: Linear,
}

/// The whole JT-VAE.
#[derive(Module, Debug)]
pub struct JtvaeModel {
    embedding: Param<Tensor<2>>,
    enc_gru: TreeGru,
    enc_out: Linear,
    mpn: GraphEncoder,
    jtmpn: GraphEncoder,
    dec: TreeDecoder,
    a_assm: Linear,
    t_mean: Linear,
    t_var: Linear,
    g_mean: Linear,
    g_var: Linear,
}

/// Losses and accuracies of one minibatch.
#[derive(Debug, Clone)]
pub struct LossTerms {
    /// Total loss `word + topo + assm + beta * kl` (differentiable).
    pub loss: Tensor<1>,
    /// Label cross-entropy per molecule.
    pub word: f32,
    /// Expand/stop cross-entropy per molecule.
    pub topo: f32,
    /// Assembly cross-entropy per molecule.
    pub assm: f32,
    /// KL divergence per molecule.
    pub kl: f32,
    /// Label accuracy.
    pub word_acc: f32,
    /// Expand/stop accuracy.
    pub topo_acc: f32,
    /// Assembly accuracy.
    pub assm_acc: f32,
}

/// Which part of a minibatch one forward and backward pass holds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PassRows {
    /// Position in the minibatch of the pass's first molecule.
    pub first: usize,
    /// Molecules in the whole minibatch (every term is divided by it).
    pub total: usize,
    /// Whether the pass adds its molecules' label, expand/stop and KL terms; without them it
    /// adds only the assembly terms of the nodes its plan holds (the other passes over the
    /// same molecule add the rest).
    pub tree_terms: bool,
}

/// The tree decoder's terms of a minibatch.
struct DecoderLoss {
    word: Tensor<1>,
    topo: Tensor<1>,
    word_acc: f32,
    topo_acc: f32,
}

/// Everything a minibatch needs, planned on the CPU.
#[derive(Debug, Clone)]
pub struct BatchPlan {
    pub(crate) tree: TreePlan,
    pub(crate) decoder: DecoderPlan,
    pub(crate) mol: GraphPlan,
    pub(crate) cand: GraphPlan,
    /// Per scored node: number of candidates and the label index.
    pub(crate) groups: Vec<(usize, usize)>,
    /// Molecule of each candidate.
    pub(crate) cand_mol: Vec<i64>,
    pub(crate) batch_size: usize,
}

pub(crate) fn floats<const D: usize>(v: &[f32], shape: [usize; D], device: &Device) -> Tensor<D> {
    Tensor::from_data(TensorData::new(v.to_vec(), shape), device)
}

pub(crate) fn ints(v: &[i64], device: &Device) -> Tensor<1, Int> {
    Tensor::from_data(TensorData::new(v.to_vec(), [v.len()]), device)
}

fn scatter_sum(
    store: Tensor<2>,
    src: Tensor<1, Int>,
    dst: Tensor<1, Int>,
    n: usize,
    h: usize,
    device: &Device,
) -> Tensor<2> {
    let out = Tensor::zeros([n, h], device);
    if src.dims()[0] == 0 {
        return out;
    }
    out.select_assign(
        0,
        dst,
        store.select(0, src),
        burn::tensor::IndexingUpdateOp::Add,
    )
}

fn gather3(store: &Tensor<2>, idx: &[i64], width: usize, device: &Device) -> Tensor<3> {
    let h = store.dims()[1];
    let n = idx.len() / width;
    store
        .clone()
        .select(0, ints(idx, device))
        .reshape([n, width, h])
}

impl JtvaeModel {
    /// A freshly initialised model; `seed` fixes the initial weights.
    pub fn new(config: &JtvaeConfig, seed: u64, device: &Device) -> Self {
        let h = config.hidden;
        let l = config.latent / 2;
        let v = config.vocab_size;
        let rng = &mut ChaCha8Rng::seed_from_u64(seed);
        Self {
            embedding: Param::from_tensor(xavier(rng, v, h, device)),
            enc_gru: TreeGru::new(rng, h, true, device),
            enc_out: dense(rng, 2 * h, h, true, device),
            mpn: GraphEncoder::new(rng, (ATOM_FDIM, BOND_FDIM), h, config.depth_graph, device),
            jtmpn: GraphEncoder::new(
                rng,
                (CAND_ATOM_FDIM, CAND_BOND_FDIM),
                h,
                config.depth_graph,
                device,
            ),
            dec: TreeDecoder {
                gru: TreeGru::new(rng, h, false, device),
                w: dense(rng, h + l, h, true, device),
                w_o: dense(rng, h, v, true, device),
                u: dense(rng, h + l, h, true, device),
                u_i: dense(rng, 2 * h, h, true, device),
                u_o: dense(rng, h, 1, true, device),
            },
            a_assm: dense(rng, l, h, false, device),
            t_mean: dense(rng, h, l, true, device),
            t_var: dense(rng, h, l, true, device),
            g_mean: dense(rng, h, l, true, device),
            g_var: dense(rng, h, l, true, device),
        }
    }

    /// Latent size (tree half plus graph half).
    pub fn latent(&self) -> usize {
        self.t_mean.weight.dims()[1] + self.g_mean.weight.dims()[1]
    }

    /// Latent means and log-variances of a batch of molecules, one row each (no sampling).
    pub fn encode(
        &self,
        trees: &[&crate::MolTree],
        device: &Device,
    ) -> (Vec<Vec<f32>>, Vec<Vec<f32>>) {
        if trees.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let plan = crate::plan_batch(trees);
        let (_, tree_vecs) = self.encode_trees(&plan.tree, device);
        let mol_vecs = self.encode_graphs(&plan.mol, device);
        let (mean, log_var) = self.latent_params(tree_vecs, mol_vecs);
        let l = self.latent();
        let rows =
            |t: Tensor<2>| -> Vec<Vec<f32>> { to_vec(t).chunks(l).map(<[f32]>::to_vec).collect() };
        (rows(mean), rows(log_var))
    }

    pub(crate) fn hidden(&self) -> usize {
        self.embedding.dims()[1]
    }

    pub(crate) fn embed(&self, wids: &[i64], device: &Device) -> Tensor<2> {
        self.embedding.val().select(0, ints(wids, device))
    }

    /// Tree encoder: the message store (row 0 zero, then messages by position) and the root
    /// vector of each tree.
    pub(crate) fn encode_trees(&self, plan: &TreePlan, device: &Device) -> (Tensor<2>, Tensor<2>) {
        let h = self.hidden();
        let mut store: Tensor<2> = Tensor::zeros([1, h], device);
        let mut start = 0;
        for &size in &plan.level_sizes {
            let x = self.embed(&plan.src_wid[start..start + size], device);
            let idx = &plan.nei[start * plan.width..(start + size) * plan.width];
            let h_nei = gather3(&store, idx, plan.width, device);
            let new = self.enc_gru.forward(x, h_nei);
            store = Tensor::cat(vec![store, new], 0);
            start += size;
        }
        let x = self.embed(&plan.root_wid, device);
        let n = plan.root_wid.len();
        let nei = gather3(&store, &plan.root_nei, plan.root_width, device)
            .sum_dim(1)
            .reshape([n, h]);
        let roots = relu(self.enc_out.forward(Tensor::cat(vec![x, nei], 1)));
        (store, roots)
    }

    /// Molecule encoder: one vector per molecule.
    pub(crate) fn encode_graphs(&self, plan: &GraphPlan, device: &Device) -> Tensor<2> {
        self.mpn
            .forward(plan, Tensor::zeros([1, self.hidden()], device), device)
    }

    /// Latent mean and log-variance (`-|W h|`, as the official code) of tree and graph vectors.
    pub(crate) fn latent_params(
        &self,
        tree_vecs: Tensor<2>,
        mol_vecs: Tensor<2>,
    ) -> (Tensor<2>, Tensor<2>) {
        let mean = Tensor::cat(
            vec![
                self.t_mean.forward(tree_vecs.clone()),
                self.g_mean.forward(mol_vecs.clone()),
            ],
            1,
        );
        let log_var = Tensor::cat(
            vec![self.t_var.forward(tree_vecs), self.g_var.forward(mol_vecs)],
            1,
        )
        .abs()
        .neg();
        (mean, log_var)
    }

    /// Word logits for decoder states `hiddens` in trees `contexts`.
    pub(crate) fn word_logits(&self, hiddens: Tensor<2>, z_tree: Tensor<2>) -> Tensor<2> {
        let input = Tensor::cat(vec![hiddens, z_tree], 1);
        self.dec.w_o.forward(relu(self.dec.w.forward(input)))
    }

    /// Stop logit (`> 0` means expand) from node embedding `x` and the sum of messages into it.
    pub(crate) fn stop_logits(&self, x: Tensor<2>, o: Tensor<2>, z_tree: Tensor<2>) -> Tensor<2> {
        let s = relu(self.dec.u_i.forward(Tensor::cat(vec![x, o], 1)));
        let input = Tensor::cat(vec![s, z_tree], 1);
        self.dec.u_o.forward(relu(self.dec.u.forward(input)))
    }

    pub(crate) fn decoder_gru(&self, x: Tensor<2>, h_nei: Tensor<3>) -> Tensor<2> {
        self.dec.gru.forward(x, h_nei)
    }

    /// Candidate encoder, given the tree message store.
    pub(crate) fn encode_candidates(
        &self,
        plan: &GraphPlan,
        tree_store: Tensor<2>,
        device: &Device,
    ) -> Tensor<2> {
        self.jtmpn.forward(plan, tree_store, device)
    }

    /// Bilinear assembly query of graph latents.
    pub(crate) fn assembly_query(&self, z_mol: Tensor<2>) -> Tensor<2> {
        self.a_assm.forward(z_mol)
    }

    /// The training loss of a minibatch; `noise_seed` draws the latent noise.
    pub fn loss(&self, plan: &BatchPlan, beta: f32, noise_seed: u64, device: &Device) -> LossTerms {
        let rows = PassRows {
            first: 0,
            total: plan.batch_size,
            tree_terms: true,
        };
        self.loss_of_rows(plan, beta, noise_seed, rows, device)
    }

    /// The loss of the part of a minibatch that `plan` holds (see [`PassRows`]): the latent
    /// noise is the part's rows of the whole minibatch's noise and every term is divided by
    /// the whole minibatch's size, so the parts' losses add up to the whole minibatch's loss,
    /// and their gradients to its gradient.
    pub(crate) fn loss_of_rows(
        &self,
        plan: &BatchPlan,
        beta: f32,
        noise_seed: u64,
        rows: PassRows,
        device: &Device,
    ) -> LossTerms {
        let b = plan.batch_size;
        let bf = rows.total as f32;
        let (tree_store, tree_vecs) = self.encode_trees(&plan.tree, device);
        let mol_vecs = self.encode_graphs(&plan.mol, device);
        let (mean, log_var) = self.latent_params(tree_vecs, mol_vecs);
        let l = mean.dims()[1];
        let kl = (log_var.clone() + 1.0 - mean.clone().powf_scalar(2.0) - log_var.clone().exp())
            .sum()
            .mul_scalar(-0.5 / bf);
        let eps =
            noise(noise_seed, rows.total, l, device).slice([rows.first..rows.first + b, 0..l]);
        let z = mean + (log_var * 0.5).exp() * eps;
        let z_tree = z.clone().slice([0..b, 0..l / 2]);
        let z_mol = z.slice([0..b, l / 2..l]);

        let (assm, assm_acc) = if plan.groups.is_empty() {
            (Tensor::zeros([1], device), 1.0)
        } else {
            let cand_vecs = self.encode_candidates(&plan.cand, tree_store, device);
            let query = self
                .assembly_query(z_mol)
                .select(0, ints(&plan.cand_mol, device));
            let scores = (query * cand_vecs)
                .sum_dim(1)
                .reshape([plan.cand_mol.len()]);
            self.group_loss(scores, &plan.groups, bf, device)
        };
        let assm_v = assm.clone().into_scalar::<f32>();
        if !rows.tree_terms {
            return LossTerms {
                loss: assm.reshape([1]),
                word: 0.0,
                topo: 0.0,
                assm: assm_v,
                kl: 0.0,
                word_acc: f32::NAN,
                topo_acc: f32::NAN,
                assm_acc,
            };
        }
        let tree = self.decoder_loss(&plan.decoder, z_tree, bf, device);
        let word_v = tree.word.clone().into_scalar::<f32>();
        let topo_v = tree.topo.clone().into_scalar::<f32>();
        let kl_v = kl.clone().into_scalar::<f32>();
        let loss = tree.word + tree.topo + assm + kl.mul_scalar(beta);
        LossTerms {
            loss: loss.reshape([1]),
            word: word_v,
            topo: topo_v,
            assm: assm_v,
            kl: kl_v,
            word_acc: tree.word_acc,
            topo_acc: tree.topo_acc,
            assm_acc,
        }
    }

    /// Label and expand/stop cross-entropies of the tree decoder under teacher forcing,
    /// summed and divided by `bf`.
    fn decoder_loss(
        &self,
        dp: &DecoderPlan,
        z_tree: Tensor<2>,
        bf: f32,
        device: &Device,
    ) -> DecoderLoss {
        let h = self.hidden();
        let b = z_tree.dims()[0];
        let mut store: Tensor<2> = Tensor::zeros([1, h], device);
        let mut pred_h = vec![Tensor::zeros([b, h], device)];
        let mut pred_ctx: Vec<i64> = (0..b as i64).collect();
        let mut pred_tgt: Vec<i64> = dp.root_wid.clone();
        let mut stop_x = Vec::new();
        let mut stop_o = Vec::new();
        let mut stop_ctx: Vec<i64> = Vec::new();
        let mut stop_tgt: Vec<f32> = Vec::new();
        for step in &dp.steps {
            let n = step.x_wid.len();
            let x = self.embed(&step.x_wid, device);
            let h_nei = gather3(&store, &step.h_nei, step.width, device);
            let o = gather3(&store, &step.o_nei, step.width_all, device)
                .sum_dim(1)
                .reshape([n, h]);
            let new = self.decoder_gru(x.clone(), h_nei);
            stop_x.push(x);
            stop_o.push(o);
            stop_ctx.extend_from_slice(&step.tree);
            stop_tgt.extend_from_slice(&step.direction);
            if !step.pred_rows.is_empty() {
                pred_h.push(new.clone().select(0, ints(&step.pred_rows, device)));
                pred_ctx.extend(step.pred_rows.iter().map(|&r| step.tree[r as usize]));
                pred_tgt.extend_from_slice(&step.pred_targets);
            }
            store = Tensor::cat(vec![store, new], 0);
        }
        stop_x.push(self.embed(&dp.root_wid, device));
        stop_o.push(
            gather3(&store, &dp.root_o_nei, dp.root_width, device)
                .sum_dim(1)
                .reshape([b, h]),
        );
        stop_ctx.extend(0..b as i64);
        stop_tgt.extend(std::iter::repeat_n(0.0, b));

        let word_logits = self.word_logits(
            Tensor::cat(pred_h, 0),
            z_tree.clone().select(0, ints(&pred_ctx, device)),
        );
        let n_pred = pred_tgt.len();
        let targets: Tensor<2, Int> =
            Tensor::from_data(TensorData::new(pred_tgt.clone(), [n_pred, 1]), device);
        let word = log_softmax(word_logits.clone(), 1)
            .gather(1, targets)
            .sum()
            .neg()
            .div_scalar(bf);
        let word_pred = argmax_rows(word_logits);
        let word_acc = word_pred
            .iter()
            .zip(&pred_tgt)
            .filter(|(p, t)| **p as i64 == **t)
            .count() as f32
            / n_pred as f32;

        let n_stop = stop_tgt.len();
        let stop_logits = self
            .stop_logits(
                Tensor::cat(stop_x, 0),
                Tensor::cat(stop_o, 0),
                z_tree.select(0, ints(&stop_ctx, device)),
            )
            .reshape([n_stop]);
        let t = floats(&stop_tgt, [n_stop], device);
        let topo = (relu(stop_logits.clone()) - stop_logits.clone() * t
            + (stop_logits.clone().abs().neg().exp() + 1.0).log())
        .sum()
        .div_scalar(bf);
        let stop_values = to_vec(stop_logits);
        let topo_acc = stop_values
            .iter()
            .zip(&stop_tgt)
            .filter(|(s, t)| (**s >= 0.0) == (**t > 0.5))
            .count() as f32
            / n_stop as f32;
        DecoderLoss {
            word,
            topo,
            word_acc,
            topo_acc,
        }
    }

    /// Cross-entropy of each candidate group against its label, summed and divided by `bf`.
    fn group_loss(
        &self,
        scores: Tensor<1>,
        groups: &[(usize, usize)],
        bf: f32,
        device: &Device,
    ) -> (Tensor<1>, f32) {
        let n = scores.dims()[0];
        let width = groups.iter().map(|g| g.0).max().unwrap_or(1);
        // padded layout: index n is a large negative score
        let padded = Tensor::cat(vec![scores.clone(), floats(&[-1e9], [1], device)], 0);
        let mut idx = Vec::with_capacity(groups.len() * width);
        let mut labels = Vec::with_capacity(groups.len());
        let mut start = 0;
        for &(count, label) in groups {
            idx.extend((start..start + count).map(|i| i as i64));
            idx.extend(std::iter::repeat_n(n as i64, width - count));
            labels.push(label as i64);
            start += count;
        }
        let g = groups.len();
        let table = padded.select(0, ints(&idx, device)).reshape([g, width]);
        let lt: Tensor<2, Int> = Tensor::from_data(TensorData::new(labels.clone(), [g, 1]), device);
        let loss = log_softmax(table, 1)
            .gather(1, lt)
            .sum()
            .neg()
            .div_scalar(bf);
        let values = to_vec(scores);
        let mut correct = 0;
        let mut start = 0;
        for &(count, label) in groups {
            let s = &values[start..start + count];
            let best = s.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            if s[label] >= best {
                correct += 1;
            }
            start += count;
        }
        (loss, correct as f32 / g as f32)
    }
}

pub(crate) fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .unwrap_or_default()
}

fn argmax_rows(t: Tensor<2>) -> Vec<usize> {
    let [n, v] = t.dims();
    let values = to_vec(t);
    (0..n)
        .map(|i| {
            let row = &values[i * v..(i + 1) * v];
            let mut best = 0;
            for (j, &x) in row.iter().enumerate() {
                if x > row[best] {
                    best = j;
                }
            }
            best
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::batch::TreePlan;

    /// The level-order tree encoder equals the official 20 synchronous GRU iterations.
    #[test]
    fn level_order_messages_equal_synchronous_iterations() {
        let device = Device::flex();
        let config = JtvaeConfig {
            hidden: 8,
            latent: 4,
            depth_graph: 3,
            vocab_size: 5,
        };
        let model = JtvaeModel::new(&config, 4, &device);
        // a path of 5 nodes, a star with 4 leaves, a single node
        let trees = vec![
            (
                vec![0, 1, 2, 3, 4],
                vec![vec![1], vec![0, 2], vec![1, 3], vec![2, 4], vec![3]],
            ),
            (
                vec![2, 2, 3, 4, 0],
                vec![vec![1, 2, 3, 4], vec![0], vec![0], vec![0], vec![0]],
            ),
            (vec![1], vec![vec![]]),
        ];
        let plan = TreePlan::new(&trees);
        assert_eq!(plan.n_messages(), 2 * 4 + 2 * 4);
        let (store, roots) = model.encode_trees(&plan, &device);
        let n = plan.n_messages();
        let x = model.embed(&plan.src_wid, &device);
        let mut h: Tensor<2> = Tensor::zeros([n, 8], &device);
        for _ in 0..20 {
            let s = Tensor::cat(vec![Tensor::zeros([1, 8], &device), h], 0);
            h = model
                .enc_gru
                .forward(x.clone(), gather3(&s, &plan.nei, plan.width, &device));
        }
        let a = to_vec(store.slice([1..n + 1, 0..8]));
        let b = to_vec(h);
        for (u, v) in a.iter().zip(&b) {
            assert!((u - v).abs() < 1e-5, "{u} vs {v}");
        }
        assert_eq!(roots.dims(), [3, 8]);
    }
}
