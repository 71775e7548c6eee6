//! Weighted retraining of a trained model, and the optimisation loop's generative-model trait.

use std::ops::Range;
use std::path::Path;

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsAccumulator, GradientsParams};
use burn::tensor::Device;
use lso_core::{BoxError, Decoded, Encoded, GenerativeModel, StreamRng, parallel_map};
use lso_weighting::WeightedSampler;
use ndarray::{Array2, ArrayView2};
use rand::{Rng, RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, StandardNormal};

use crate::batch::plan_assembly;
use crate::features::MolGraph;
use crate::model::PassRows;
use crate::moltree::TreeNode;
use crate::retrain_partial::{PartialRetrain, RetrainProgress};
use crate::tree_cache::TreeCache;
use crate::{Jtvae, JtvaeError, JtvaeModel, MolTree, load_model, plan_batch, save_model};

/// Settings of weighted retraining (the weighted-retraining paper's chemistry runs).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetrainSettings {
    /// Molecules per step.
    pub batch_size: usize,
    /// Adam learning rate (a fresh optimiser per retraining, as the paper's code does).
    pub lr: f64,
    /// KL weight (the pretrained model's final value).
    pub beta: f32,
    /// Per-parameter gradient-norm clip.
    pub clip_norm: f32,
    /// Most graph elements (atoms and bonds of the molecules and of their candidate
    /// attachments) in one forward and backward pass: a batch above it is split into passes
    /// of consecutive molecules, and a molecule above it into passes over ranges of its nodes,
    /// whose gradients are added before the step (the same step, in less memory). A batch of
    /// the optimiser's 400-atom polyacenes needed over 20 GB in one pass; with the default a
    /// batch of 32 of them peaks at 0.9 GB (the process's resident memory).
    pub max_pass_elements: usize,
    /// Most candidate attachments scored in one molecule's assembly loss (`None`: all of them,
    /// as the paper). A molecule above it keeps, at every node, its true attachment and a
    /// uniform sample of the others ([`MolTree::limit_candidates`]), drawn anew at every
    /// draw of it. A departure from the paper for the optimiser's fused aromatic sheets,
    /// whose thousands of candidates make a step of one 17-43 s (docs/chem-task.md).
    pub max_candidates: Option<usize>,
    /// Steps between saves of the progress, when the retraining is given a directory for it
    /// (the optimisation loop gives one): a retraining cut short goes on from its last save.
    /// Saves change no result; each writes the model and Adam's moments (~60 MB for the
    /// paper's sizes).
    pub save_every: usize,
}

impl Default for RetrainSettings {
    fn default() -> Self {
        Self {
            batch_size: 32,
            lr: 7e-4,
            beta: 0.005,
            clip_norm: 20.0,
            max_pass_elements: 25_000,
            max_candidates: None,
            save_every: 10,
        }
    }
}

/// What a retraining did.
#[derive(Debug, Clone, PartialEq)]
pub struct RetrainReport {
    /// Optimisation steps taken.
    pub steps: usize,
    /// Molecules drawn (with replacement) that could not be built and were left out.
    pub skipped: usize,
    /// Mean training loss over the steps (`word + topo + assm + beta kl` per molecule).
    pub mean_loss: f32,
}

impl Jtvae {
    /// Retrain on `smiles` weighted by `weights` for `epochs` epochs: `ceil(epochs * n /
    /// batch)` steps (at least one), each on a batch drawn with replacement with probability
    /// proportional to the weights (the weighting crate's sampler). Molecules that cannot be
    /// built (clusters outside the vocabulary) are left out of their batch and counted.
    /// `progress(steps done, steps)` is called before every step and once at the end.
    ///
    /// With `partial`, a directory for this retraining's progress, the model, Adam's state and
    /// the counters are saved there every [`RetrainSettings::save_every`] steps, and a
    /// retraining started again with the same directory, data, settings and generator goes on
    /// from the last save (the generator's draws of the steps done are replayed, without their
    /// work) to the model an uninterrupted retraining makes. The caller removes the directory
    /// once the result is safe.
    ///
    /// # Errors
    /// [`JtvaeError::Weights`] for unusable weights or lengths that differ;
    /// [`JtvaeError::Io`] and [`JtvaeError::Checkpoint`] when the progress cannot be saved or
    /// read back.
    #[allow(clippy::too_many_arguments)]
    pub fn retrain<R: Rng + ?Sized>(
        &mut self,
        smiles: &[String],
        weights: &[f64],
        epochs: f64,
        settings: &RetrainSettings,
        rng: &mut R,
        progress: &mut dyn FnMut(usize, usize),
        partial: Option<&Path>,
    ) -> Result<RetrainReport, JtvaeError> {
        if smiles.len() != weights.len() {
            return Err(JtvaeError::Weights {
                reason: format!("{} molecules but {} weights", smiles.len(), weights.len()),
            });
        }
        if !(epochs.is_finite() && epochs > 0.0) {
            return Err(JtvaeError::Weights {
                reason: format!("epochs must be positive, got {epochs}"),
            });
        }
        let sampler = WeightedSampler::new(weights).map_err(|e| JtvaeError::Weights {
            reason: e.to_string(),
        })?;
        let bs = settings.batch_size.max(1);
        let steps = ((epochs * smiles.len() as f64) / bs as f64).ceil().max(1.0) as usize;
        let device = self.device().clone().autodiff();
        let optim = AdamConfig::new()
            .with_grad_clipping(Some(burn::grad_clipping::GradientClippingConfig::Norm(
                settings.clip_norm,
            )))
            .init();
        let partial = partial
            .map(|dir| PartialRetrain::open(dir, &identity(smiles.len(), steps, settings)))
            .transpose()?;
        let mut cache = self.take_tree_cache();
        let wanted = TreeCache::wanted(smiles, weights, steps * bs);
        cache.retain(&wanted);
        let resumed = match &partial {
            Some(p) => p.resume(self.config(), optim.clone(), &device)?,
            None => None,
        };
        let (mut model, mut optim, mut done) = match resumed {
            Some((model, optim, done)) => (model.train(), optim, done),
            None => (
                self.model().clone().fork(&device).train(),
                optim,
                RetrainProgress::default(),
            ),
        };
        for step in 0..steps {
            progress(step, steps);
            let picks = sampler.sample_n(bs, rng);
            let noise_seed: u64 = rng.random();
            if step < done.step {
                continue; // done before the save this retraining resumed from
            }
            let batch: Vec<&String> = picks.iter().map(|&i| &smiles[i]).collect();
            let mut built = parallel_map(&batch, |s| match cache.get(s) {
                Some(tree) => Ok(tree.clone()),
                None => MolTree::new(s, self.clusters()),
            });
            for tree in built.iter().flatten() {
                if wanted.contains(tree.smiles.as_str()) {
                    cache.insert(tree);
                }
            }
            if let Some(max) = settings.max_candidates {
                // from the step's noise seed, so a limit no molecule reaches changes nothing
                let mut sample = ChaCha8Rng::seed_from_u64(noise_seed ^ 0x6361_6e64_6964_6174);
                for tree in built.iter_mut().flatten() {
                    tree.limit_candidates(max, &mut sample);
                }
            }
            let trees: Vec<&MolTree> = built.iter().filter_map(|t| t.as_ref().ok()).collect();
            done.skipped += built.len() - trees.len();
            done.step = step + 1;
            if !trees.is_empty() {
                let (grads, loss) = batch_gradients(&model, &trees, settings, noise_seed, &device);
                done.total_loss += loss;
                done.taken += 1;
                model = optim.step(settings.lr, model, grads);
            }
            if let Some(p) = &partial
                && done.step < steps
                && done.step.is_multiple_of(settings.save_every.max(1))
            {
                p.save(
                    &model,
                    self.config(),
                    self.clusters().vocab(),
                    &optim,
                    &done,
                )?;
            }
        }
        progress(steps, steps);
        self.set_model(model.valid());
        self.put_tree_cache(cache);
        Ok(RetrainReport {
            steps: done.taken,
            skipped: done.skipped,
            mean_loss: if done.taken > 0 {
                done.total_loss / done.taken as f32
            } else {
                0.0
            },
        })
    }
}

/// The gradients of a batch's loss, added over its passes, and the summed loss.
fn batch_gradients(
    model: &JtvaeModel,
    trees: &[&MolTree],
    settings: &RetrainSettings,
    noise_seed: u64,
    device: &Device,
) -> (GradientsParams, f32) {
    let mut grads = GradientsAccumulator::<JtvaeModel>::new();
    let mut loss = 0.0;
    for pass in plan_passes(trees, settings.max_pass_elements) {
        let part = &trees[pass.first..pass.first + pass.len];
        let plan = match &pass.nodes {
            None => plan_batch(part),
            Some(nodes) => plan_assembly(part, |_, i| nodes.contains(&i)),
        };
        let rows = PassRows {
            first: pass.first,
            total: trees.len(),
            tree_terms: pass.tree_terms(),
        };
        let terms = model.loss_of_rows(&plan, settings.beta, noise_seed, rows, device);
        loss += terms.word + terms.topo + terms.assm + settings.beta * terms.kl;
        grads.accumulate(
            model,
            GradientsParams::from_grads(terms.loss.backward(), model),
        );
    }
    (grads.grads(), loss)
}

/// What names a retraining in its progress directory: a save of another one is not resumed.
fn identity(molecules: usize, steps: usize, s: &RetrainSettings) -> serde_json::Value {
    serde_json::json!({
        "molecules": molecules,
        "steps": steps,
        "batch_size": s.batch_size,
        "lr": s.lr,
        "beta": s.beta,
        "clip_norm": s.clip_norm,
        "max_pass_elements": s.max_pass_elements,
        "max_candidates": s.max_candidates,
    })
}

/// One forward and backward pass of a step: consecutive molecules of the batch with all their
/// assembly nodes, or one molecule with a range of its nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Pass {
    /// Position in the batch of the first molecule.
    first: usize,
    /// Molecules in the pass.
    len: usize,
    /// The nodes whose assembly the pass scores (`None`: all of them).
    nodes: Option<Range<usize>>,
}

impl Pass {
    /// Whether the pass adds the molecules' label, expand/stop and KL terms: exactly one pass
    /// over each molecule does, the one holding its first node.
    fn tree_terms(&self) -> bool {
        self.nodes.as_ref().is_none_or(|r| r.start == 0)
    }
}

/// Atoms and bonds of a graph.
fn graph_elements(g: &MolGraph) -> usize {
    g.atoms.len() + g.bonds.len()
}

/// Graph elements of a node's scored candidate attachments (none for a node with one).
fn node_elements(node: &TreeNode) -> usize {
    if node.candidates.len() > 1 {
        node.candidates.iter().map(graph_elements).sum()
    } else {
        0
    }
}

/// Graph elements of a training example: atoms and bonds of the molecule and of every scored
/// candidate attachment (what the encoders' tensors grow with).
pub(crate) fn elements(tree: &MolTree) -> usize {
    graph_elements(&tree.graph) + tree.nodes.iter().map(node_elements).sum::<usize>()
}

/// The passes of a batch, each within `max` graph elements where it can be: consecutive
/// molecules while they fit, and a molecule above `max` alone, its nodes split into ranges
/// (each with the molecule's own graph and at least one scored node; the first adds the tree
/// terms; a single node above `max` is a range of its own).
fn plan_passes(trees: &[&MolTree], max: usize) -> Vec<Pass> {
    let whole = |first, len| Pass {
        first,
        len,
        nodes: None,
    };
    let mut passes = Vec::new();
    let (mut start, mut size) = (0, 0);
    for (i, tree) in trees.iter().enumerate() {
        let e = elements(tree);
        if i > start && size + e > max {
            passes.push(whole(start, i - start));
            (start, size) = (i, 0);
        }
        if e <= max {
            size += e;
            continue;
        }
        let base = graph_elements(&tree.graph);
        let (mut lo, mut used) = (0, base);
        for (j, node) in tree.nodes.iter().enumerate() {
            let n = node_elements(node);
            if n > 0 && used > base && used + n > max {
                passes.push(Pass {
                    first: i,
                    len: 1,
                    nodes: Some(lo..j),
                });
                (lo, used) = (j, base);
            }
            used += n;
        }
        passes.push(Pass {
            first: i,
            len: 1,
            nodes: Some(lo..tree.nodes.len()),
        });
        (start, size) = (i + 1, 0);
    }
    if start < trees.len() {
        passes.push(whole(start, trees.len() - start));
    }
    passes
}

impl GenerativeModel for Jtvae {
    type Item = String;

    fn latent_dim(&self) -> usize {
        Jtvae::latent_dim(self)
    }

    fn encode(&mut self, items: &[String]) -> Result<Vec<Encoded>, BoxError> {
        Ok(Jtvae::encode(self, items)
            .into_iter()
            .map(|r| match r {
                Ok(z) => Encoded::Latent(z.into_iter().map(f64::from).collect()),
                Err(e) => Encoded::Failed(e.to_string()),
            })
            .collect())
    }

    fn decode(
        &mut self,
        z: ArrayView2<'_, f64>,
        _rng: &mut StreamRng,
    ) -> Result<Vec<Decoded<String>>, BoxError> {
        let rows: Vec<Vec<f32>> = z
            .rows()
            .into_iter()
            .map(|r| r.iter().map(|&v| v as f32).collect())
            .collect();
        let options = *self.decode_options();
        Ok(Jtvae::decode(self, &rows, &options)
            .into_iter()
            .map(|o| match o.smiles {
                Ok(s) => Decoded::Item(s),
                Err(e) => Decoded::Invalid(e.to_string()),
            })
            .collect())
    }

    fn sample_prior(&mut self, n: usize, rng: &mut StreamRng) -> Array2<f64> {
        let d = Jtvae::latent_dim(self);
        Array2::from_shape_simple_fn((n, d), || StandardNormal.sample(rng))
    }

    fn retrain(
        &mut self,
        items: &[String],
        weights: &[f64],
        epochs: f64,
        rng: &mut StreamRng,
        progress: &mut dyn FnMut(usize, usize),
        partial: &Path,
    ) -> Result<(), BoxError> {
        let settings = *self.retrain_settings();
        Jtvae::retrain(
            self,
            items,
            weights,
            epochs,
            &settings,
            rng,
            progress,
            Some(partial),
        )?;
        Ok(())
    }

    fn save_checkpoint(&self, dir: &Path) -> Result<(), BoxError> {
        save_model(dir, self.model(), self.config(), self.clusters().vocab())?;
        Ok(())
    }

    fn load_checkpoint(&mut self, dir: &Path) -> Result<(), BoxError> {
        let (model, config, clusters) = load_model(dir, self.device())?;
        if &config != self.config() || clusters.vocab() != self.clusters().vocab() {
            return Err(format!(
                "{}: the checkpoint's sizes or vocabulary differ from this model's",
                dir.display()
            )
            .into());
        }
        self.set_model(model);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ClusterSet, Vocabulary};

    fn trees(n: usize) -> Vec<MolTree> {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/zinc");
        let text = std::fs::read_to_string(dir.join("cliques.txt")).expect("cliques");
        let clusters = ClusterSet::new(Vocabulary::parse(&text).expect("vocab")).expect("clusters");
        std::fs::read_to_string(dir.join("zinc_subset.txt"))
            .expect("zinc subset")
            .lines()
            .take(n)
            .map(|s| MolTree::new(s, &clusters).expect("builds"))
            .collect()
    }

    /// Every molecule's tree terms are added once and every node's assembly once, and a pass
    /// is within the limit unless it holds a single molecule or a single scored node above it.
    fn check(trees: &[&MolTree], max: usize) -> Vec<Pass> {
        let passes = plan_passes(trees, max);
        let mut tree_terms = vec![0; trees.len()];
        let mut nodes: Vec<Vec<usize>> = trees.iter().map(|t| vec![0; t.nodes.len()]).collect();
        let mut next = 0;
        for p in &passes {
            assert!(p.len > 0, "{p:?}");
            assert!(p.first == next || (p.first + 1 == next && p.nodes.is_some()));
            next = p.first + p.len;
            let mut size = 0;
            for k in p.first..p.first + p.len {
                if p.tree_terms() {
                    tree_terms[k] += 1;
                }
                let t = trees[k];
                size += graph_elements(&t.graph);
                let mut scored = 0;
                for i in p.nodes.clone().unwrap_or(0..t.nodes.len()) {
                    nodes[k][i] += 1;
                    size += node_elements(&t.nodes[i]);
                    scored += usize::from(node_elements(&t.nodes[i]) > 0);
                }
                if p.nodes.is_some() && scored > 1 {
                    assert!(size <= max, "{p:?}: {size} > {max}");
                }
            }
            if p.len > 1 {
                assert!(size <= max, "{p:?}: {size} > {max}");
            }
        }
        assert_eq!(next, trees.len());
        assert!(tree_terms.iter().all(|&c| c == 1), "{tree_terms:?}");
        assert!(nodes.iter().flatten().all(|&c| c == 1), "{nodes:?}");
        passes
    }

    #[test]
    fn passes_cover_every_term_once_within_the_limit() {
        let built = trees(12);
        let refs: Vec<&MolTree> = built.iter().collect();
        let sizes: Vec<usize> = refs.iter().map(|t| elements(t)).collect();
        let biggest = *sizes.iter().max().expect("molecules");
        // one pass when everything fits
        let all = check(&refs, sizes.iter().sum());
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].nodes, None);
        // a molecule per pass, none split
        let each = check(&refs, biggest);
        assert!(each.iter().all(|p| p.nodes.is_none()));
        // the biggest molecule split across its nodes
        let split = check(&refs, biggest - 1);
        assert!(split.iter().filter(|p| p.nodes.is_some()).count() >= 2);
        // every scored node on its own
        let nodes = check(&refs, 1);
        let scored = |t: &MolTree| t.nodes.iter().filter(|n| node_elements(n) > 0).count();
        let expected: usize = refs.iter().map(|t| scored(t).max(1)).sum();
        assert_eq!(nodes.len(), expected);
        assert!(expected > refs.len());
    }
}
