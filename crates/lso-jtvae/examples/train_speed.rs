//! Time training steps of the paper-size model on the flex CPU device.

use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::Device;
use lso_jtvae::{ClusterSet, JtvaeConfig, JtvaeModel, MolTree, Vocabulary, plan_batch};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let smiles = std::fs::read_to_string(&args[1]).expect("smiles");
    let vocab =
        Vocabulary::parse(&std::fs::read_to_string(&args[2]).expect("vocab")).expect("vocab");
    let batch: usize = args.get(3).map_or(32, |s| s.parse().expect("batch"));
    let hidden: usize = args.get(4).map_or(450, |s| s.parse().expect("hidden"));
    let clusters = ClusterSet::new(vocab).expect("clusters");
    let trees: Vec<MolTree> = smiles
        .lines()
        .take(batch * 4)
        .map(|l| MolTree::new(l, &clusters).expect("tree"))
        .collect();
    let device = Device::flex().autodiff();
    let mut config = JtvaeConfig::paper(clusters.len());
    config.hidden = hidden;
    let mut model = JtvaeModel::new(&config, 0, &device);
    let mut optim = AdamConfig::new().init();
    for (k, chunk) in trees.chunks(batch).enumerate() {
        let refs: Vec<&MolTree> = chunk.iter().collect();
        let t0 = std::time::Instant::now();
        let plan = plan_batch(&refs);
        let t1 = t0.elapsed().as_secs_f64();
        let terms = model.loss(&plan, 0.005, k as u64, &device);
        let t2 = t0.elapsed().as_secs_f64();
        let grads = GradientsParams::from_grads(terms.loss.backward(), &model);
        model = optim.step(7e-4, model, grads);
        let t3 = t0.elapsed().as_secs_f64();
        println!(
            "batch {k}: plan {t1:.3}s forward {:.3}s backward+step {:.3}s | word {:.2} topo {:.2} assm {:.2} kl {:.2} acc {:.3}/{:.3}/{:.3} cands {}",
            t2 - t1,
            t3 - t2,
            terms.word,
            terms.topo,
            terms.assm,
            terms.kl,
            terms.word_acc,
            terms.topo_acc,
            terms.assm_acc,
            plan_cands(&refs)
        );
    }
}

fn plan_cands(trees: &[&MolTree]) -> usize {
    trees.iter().map(|t| t.n_candidates()).sum()
}
