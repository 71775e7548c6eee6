//! Statistics of training examples over a SMILES file: `cargo run --release -p lso-jtvae
//! --example moltree_stats -- data/zinc/zinc_subset.txt data/zinc/cliques.txt 2000`.

use lso_jtvae::{ClusterSet, MolTree, Vocabulary};
use rand::SeedableRng;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let smiles = std::fs::read_to_string(&args[1]).expect("smiles file");
    let vocab =
        Vocabulary::parse(&std::fs::read_to_string(&args[2]).expect("vocab")).expect("vocab");
    let n: usize = args.get(3).map_or(1000, |s| s.parse().expect("n"));
    let clusters = ClusterSet::new(vocab).expect("clusters");
    let start = std::time::Instant::now();
    let mut hist: Vec<usize> = Vec::new();
    let budgets = [64, 128, 256, 512];
    let mut per_mol: Vec<usize> = Vec::new();
    let (mut over, mut kept) = (vec![0usize; budgets.len()], vec![0usize; budgets.len()]);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let (mut ok, mut fail, mut nodes, mut scored, mut cands, mut max_c, mut appended) =
        (0, 0, 0, 0, 0, 0, 0);
    for line in smiles.lines().take(n) {
        match MolTree::new(line, &clusters) {
            Ok(t) => {
                ok += 1;
                let n_cands = t.n_candidates();
                per_mol.push(n_cands);
                for (b, &budget) in budgets.iter().enumerate() {
                    let dropped = t.clone().limit_candidates(budget, &mut rng);
                    over[b] += usize::from(dropped > 0);
                    kept[b] += n_cands - dropped;
                }
                nodes += t.nodes.len();
                for node in &t.nodes {
                    if !node.candidates.is_empty() {
                        scored += 1;
                        cands += node.candidates.len();
                        hist.push(node.candidates.len());
                        max_c = max_c.max(node.candidates.len());
                        if node.label + 1 == node.candidates.len() {
                            appended += 1;
                        }
                    }
                }
            }
            Err(e) => {
                fail += 1;
                eprintln!("{line}: {e}");
            }
        }
    }
    hist.sort_unstable();
    let total: usize = hist.iter().sum();
    for cap in [8, 16, 32, 64] {
        let capped: usize = hist.iter().map(|&c| c.min(cap)).sum();
        println!(
            "cap {cap}: {:.3} of candidate graphs kept",
            capped as f64 / total as f64
        );
    }
    per_mol.sort_unstable();
    let all: usize = per_mol.iter().sum();
    for (b, &budget) in budgets.iter().enumerate() {
        println!(
            "budget {budget} a molecule: {:.4} of molecules over it, {:.3} of candidate graphs kept",
            over[b] as f64 / per_mol.len() as f64,
            kept[b] as f64 / all as f64
        );
    }
    println!(
        "candidates a molecule: mean {:.1} median {} p90 {} p99 {} max {}",
        all as f64 / per_mol.len() as f64,
        per_mol[per_mol.len() / 2],
        per_mol[per_mol.len() * 9 / 10],
        per_mol[per_mol.len() * 99 / 100],
        per_mol[per_mol.len() - 1]
    );
    println!(
        "median {} p90 {} p99 {}",
        hist[hist.len() / 2],
        hist[hist.len() * 9 / 10],
        hist[hist.len() * 99 / 100]
    );
    println!(
        "ok {ok} fail {fail} nodes/mol {:.2} scored nodes/mol {:.2} cands/scored {:.2} max {max_c} label-last {appended} time {:.2}s",
        nodes as f64 / ok as f64,
        scored as f64 / ok as f64,
        cands as f64 / scored as f64,
        start.elapsed().as_secs_f64()
    );
}
