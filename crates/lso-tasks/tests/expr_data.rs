//! Every line of the paper's expression data parses into a derivation of at most 15
//! productions that derives the same text back, and its score recomputed in Rust agrees with
//! the published one.

use std::path::PathBuf;

use lso_tasks::expr::{ExprObjective, MAX_LEN, expression_grammar, load, starting_set};
use rand::SeedableRng;

fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/expr")
}

#[test]
fn every_line_parses_derives_back_and_scores_as_published() {
    let dir = data_dir();
    let data = load(
        &dir.join("equation2_15_dataset.txt"),
        &dir.join("scores_all.tsv"),
    )
    .expect("data loads");
    assert_eq!(data.expressions.len(), 100_000);
    let text = std::fs::read_to_string(dir.join("equation2_15_dataset.txt")).unwrap();
    let grammar = expression_grammar();
    let objective = ExprObjective::default();
    let (mut exact, mut worst) = (0usize, 0.0f64);
    let mut lengths = [0usize; MAX_LEN + 1];
    for ((line, e), &published) in text.lines().zip(&data.expressions).zip(&data.scores) {
        assert_eq!(e.to_string(), line);
        assert_eq!(grammar.derive(e.derivation()).unwrap().join(" "), line);
        lengths[e.derivation().len()] += 1;
        let ours = objective.score(e);
        let diff = (ours - published).abs();
        assert!(
            diff <= 1e-12 * published.abs().max(1.0),
            "{line}: ours {ours}, published {published}"
        );
        worst = worst.max(diff);
        exact += usize::from(ours == published);
    }
    eprintln!("bit-identical scores: {exact} of 100000; largest difference {worst:e}");
    eprintln!("derivation lengths: {lengths:?}");
    assert!(lengths[..8].iter().all(|&c| c == 0));
    // the starting set: the better half removed
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let start = starting_set(&data, 50.0, 5000, &mut rng);
    assert_eq!(start.scores.len(), 5000);
    let median = lso_tasks::expr::percentile(&data.scores, 50.0);
    assert!(start.scores.iter().all(|&s| s >= median));
}
