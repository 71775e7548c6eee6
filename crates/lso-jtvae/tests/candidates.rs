//! Limiting the candidate attachments a molecule's assembly loss scores
//! (`MolTree::limit_candidates`): the true attachment always stays, the sample is a subsequence
//! of the candidates, every node is cut to the same count, and a molecule within the limit is
//! left as it is.

use std::path::Path;
use std::sync::OnceLock;

use lso_jtvae::{ClusterSet, MolTree, Vocabulary};
use proptest::prelude::*;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;

/// ZINC molecules with many candidates (built once: building is the slow part).
fn trees() -> &'static [MolTree] {
    static TREES: OnceLock<Vec<MolTree>> = OnceLock::new();
    TREES.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/zinc");
        let text = std::fs::read_to_string(dir.join("cliques.txt")).expect("cliques");
        let clusters = ClusterSet::new(Vocabulary::parse(&text).expect("vocab")).expect("vocab");
        let smiles = std::fs::read_to_string(dir.join("zinc_subset.txt")).expect("zinc");
        let mut trees: Vec<MolTree> = smiles
            .lines()
            .take(300)
            .filter_map(|s| MolTree::new(s, &clusters).ok())
            .collect();
        trees.sort_by_key(|t| std::cmp::Reverse(t.n_candidates()));
        trees.truncate(8);
        trees
    })
}

#[test]
fn the_test_molecules_have_enough_candidates_to_cut() {
    let t = trees();
    assert!(t[0].n_candidates() >= 40, "{}", t[0].n_candidates());
    assert!(
        t.iter()
            .all(|t| t.nodes.iter().any(|n| n.candidates.len() > 2))
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn the_label_stays_and_every_node_is_cut_alike(
        which in 0usize..8, max in 1usize..80, seed in any::<u64>()
    ) {
        let before = &trees()[which];
        let mut after = before.clone();
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let dropped = after.limit_candidates(max, &mut rng);
        prop_assert_eq!(dropped, before.n_candidates() - after.n_candidates());
        if before.n_candidates() <= max {
            prop_assert_eq!(dropped, 0);
            prop_assert_eq!(&after, before);
            return Ok(());
        }
        prop_assert!(dropped > 0);
        let kept: Vec<usize> = after.nodes.iter().map(|n| n.candidates.len()).collect();
        let cap = kept.iter().copied().max().unwrap_or(0);
        prop_assert!(cap >= 2);
        prop_assert!(after.n_candidates() <= max || cap == 2, "{} > {max}", after.n_candidates());
        for (b, a) in before.nodes.iter().zip(&after.nodes) {
            prop_assert_eq!(a.candidates.len(), b.candidates.len().min(cap));
            if b.candidates.is_empty() {
                continue;
            }
            prop_assert_eq!(&a.candidates[a.label], &b.candidates[b.label]);
            // kept in their order: a subsequence of the node's candidates
            let mut rest = b.candidates.iter();
            for g in &a.candidates {
                prop_assert!(rest.any(|h| h == g));
            }
        }
        // one more candidate for every node would break the limit
        let wider: usize = before.nodes.iter().map(|n| n.candidates.len().min(cap + 1)).sum();
        prop_assert!(cap == 2 || wider > max);
        // the same stream draws the same sample
        let mut again = before.clone();
        again.limit_candidates(max, &mut ChaCha8Rng::seed_from_u64(seed));
        prop_assert_eq!(&again, &after);
    }
}
