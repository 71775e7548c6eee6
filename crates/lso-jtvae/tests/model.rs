//! The JT-VAE's training examples, loss, training and checkpoints on a tiny model.

use std::path::Path;

use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::Device;
use lso_jtvae::{
    ClusterSet, JtvaeConfig, JtvaeError, JtvaeModel, MolTree, TrainSettings, Trainer, Vocabulary,
    build_examples, load_model, plan_batch, save_model,
};

fn data_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/zinc")
}

fn zinc(n: usize) -> Vec<String> {
    std::fs::read_to_string(data_dir().join("zinc_subset.txt"))
        .expect("zinc subset")
        .lines()
        .take(n)
        .map(str::to_owned)
        .collect()
}

fn clusters() -> ClusterSet {
    let text = std::fs::read_to_string(data_dir().join("cliques.txt")).expect("cliques");
    ClusterSet::new(Vocabulary::parse(&text).expect("vocab")).expect("clusters")
}

fn tiny(vocab_size: usize) -> JtvaeConfig {
    JtvaeConfig {
        hidden: 16,
        latent: 8,
        depth_graph: 3,
        vocab_size,
    }
}

#[test]
fn zinc_molecules_become_training_examples_with_their_true_attachment() {
    let clusters = clusters();
    let smiles = zinc(60);
    let (trees, failed) = build_examples(&smiles, &clusters);
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(trees.len(), 60);
    let mut scored = 0;
    for t in &trees {
        assert!(!t.nodes.is_empty());
        // a tree: n - 1 edges, listed from both ends
        let ends: usize = t.nodes.iter().map(|n| n.neighbours.len()).sum();
        assert_eq!(ends, 2 * (t.nodes.len() - 1), "{}", t.smiles);
        for node in &t.nodes {
            if !node.candidates.is_empty() {
                scored += 1;
                assert!(node.candidates.len() > 1);
                assert!(node.label < node.candidates.len());
            }
        }
        assert_eq!(
            t.graph.n_atoms(),
            lso_chem::Molecule::from_smiles(&t.smiles)
                .unwrap()
                .n_atoms()
        );
    }
    assert!(scored > 60, "only {scored} nodes with several candidates");
}

#[test]
fn a_cluster_outside_the_vocabulary_is_a_clear_error() {
    let vocab = Vocabulary::parse("CC\nC=O\n").unwrap();
    let clusters = ClusterSet::new(vocab).unwrap();
    assert!(MolTree::new("CC=O", &clusters).is_ok());
    match MolTree::new("c1ccccc1C", &clusters) {
        Err(JtvaeError::NotInVocabulary { label }) => assert_eq!(
            label,
            lso_chem::Molecule::from_smiles_kekule("C1=CC=CC=C1")
                .unwrap()
                .to_smiles(false)
        ),
        other => panic!("expected NotInVocabulary, got {other:?}"),
    }
    assert!(matches!(
        MolTree::new("C1CC", &clusters),
        Err(JtvaeError::Chem(_))
    ));
}

#[test]
fn training_steps_lower_the_loss() {
    let clusters = clusters();
    let (trees, _) = build_examples(&zinc(8), &clusters);
    let refs: Vec<&MolTree> = trees.iter().collect();
    let plan = plan_batch(&refs);
    let device = Device::flex().autodiff();
    let mut model = JtvaeModel::new(&tiny(clusters.len()), 3, &device);
    let mut optim = AdamConfig::new().init();
    let mut first = None;
    let mut last = 0.0;
    for _ in 0..25 {
        let terms = model.loss(&plan, 0.0, 5, &device);
        let total = terms.word + terms.topo + terms.assm;
        first.get_or_insert(total);
        last = total;
        let grads = GradientsParams::from_grads(terms.loss.backward(), &model);
        model = optim.step(1e-2, model, grads);
    }
    let first = first.unwrap();
    assert!(last < 0.7 * first, "loss {first} -> {last}");
}

#[test]
fn a_saved_model_loads_with_identical_outputs_and_mismatches_are_refused() {
    let clusters = clusters();
    let (trees, _) = build_examples(&zinc(4), &clusters);
    let refs: Vec<&MolTree> = trees.iter().collect();
    let plan = plan_batch(&refs);
    let device = Device::flex().autodiff();
    let config = tiny(clusters.len());
    let model = JtvaeModel::new(&config, 1, &device);
    let dir = tempfile::tempdir().unwrap();
    save_model(dir.path(), &model, &config, clusters.vocab()).unwrap();
    let (loaded, found, loaded_clusters) = load_model(dir.path(), &device).unwrap();
    assert_eq!(found, config);
    assert_eq!(loaded_clusters.vocab(), clusters.vocab());
    let a = model.loss(&plan, 0.005, 9, &device);
    let b = loaded.loss(&plan, 0.005, 9, &device);
    assert_eq!(a.word, b.word);
    assert_eq!(a.assm, b.assm);
    assert_eq!(a.kl, b.kl);

    // another format version
    let cfg = dir.path().join("config.json");
    let text = std::fs::read_to_string(&cfg).unwrap();
    std::fs::write(
        &cfg,
        text.replace("\"format_version\":1", "\"format_version\":99"),
    )
    .unwrap();
    let err = load_model(dir.path(), &device).unwrap_err();
    assert!(err.to_string().contains("format version 99"), "{err}");
    std::fs::write(&cfg, &text).unwrap();
    // a vocabulary that does not fit the weights
    std::fs::write(dir.path().join("vocab.txt"), "CC\n").unwrap();
    let err = load_model(dir.path(), &device).unwrap_err();
    assert!(err.to_string().contains("vocabulary"), "{err}");
}

#[test]
fn an_interrupted_pretraining_resumes_to_the_same_log() {
    let clusters = clusters();
    let (trees, _) = build_examples(&zinc(24), &clusters);
    let settings = TrainSettings {
        epochs: 2,
        batch_size: 8,
        checkpoint_every: 2,
        ..TrainSettings::default()
    };
    let config = tiny(clusters.len());
    let device = Device::flex().autodiff();
    let full = tempfile::tempdir().unwrap();
    let mut t = Trainer::open(
        full.path(),
        settings,
        config,
        clusters.clone(),
        trees.clone(),
        &device,
    )
    .unwrap();
    assert!(t.run(usize::MAX, |_| {}).unwrap());
    let cut = tempfile::tempdir().unwrap();
    let mut t = Trainer::open(
        cut.path(),
        settings,
        config,
        clusters.clone(),
        trees.clone(),
        &device,
    )
    .unwrap();
    assert!(!t.run(3, |_| {}).unwrap()); // checkpoint at step 2, step 3 is lost
    drop(t);
    let mut t = Trainer::open(
        cut.path(),
        settings,
        config,
        clusters.clone(),
        trees.clone(),
        &device,
    )
    .unwrap();
    assert_eq!(t.step(), 2);
    assert!(t.run(usize::MAX, |_| {}).unwrap());
    let strip = |p: &Path| -> Vec<String> {
        std::fs::read_to_string(p.join("train.tsv"))
            .unwrap()
            .lines()
            .map(|l| l.rsplit_once('\t').unwrap().0.to_owned())
            .collect()
    };
    assert_eq!(strip(full.path()), strip(cut.path()));
    assert_eq!(strip(full.path()).len(), 1 + 6);
    // another run's settings are refused
    let other = TrainSettings {
        seed: 1,
        ..settings
    };
    let err = Trainer::open(cut.path(), other, config, clusters, trees, &device)
        .err()
        .expect("refused");
    assert!(
        err.to_string().contains("settings") || err.to_string().contains("used"),
        "{err}"
    );
}
