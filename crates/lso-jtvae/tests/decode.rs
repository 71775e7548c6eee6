//! Decoding on tiny models: bounded, explicit about failures, deterministic, and faithful
//! enough that a model fitted to a few molecules gives them back.

use std::path::Path;

use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::Device;
use lso_jtvae::{
    ClusterSet, DecodeFailure, DecodeOptions, Jtvae, JtvaeConfig, JtvaeError, JtvaeModel,
    MAX_TREE_NODES, MolTree, Vocabulary, build_examples, plan_batch,
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

fn config(hidden: usize, vocab_size: usize) -> JtvaeConfig {
    JtvaeConfig {
        hidden,
        latent: 8,
        depth_graph: 3,
        vocab_size,
    }
}

fn canonical(smiles: &str) -> String {
    lso_chem::Molecule::from_smiles(smiles)
        .expect("valid")
        .to_smiles(false)
}

#[test]
fn random_points_decode_to_valid_molecules_or_explicit_failures() {
    let clusters = clusters();
    let device = Device::flex();
    let model = JtvaeModel::new(&config(16, clusters.len()), 11, &device);
    let jtvae = Jtvae::new(model, config(16, clusters.len()), clusters, device);
    let mut zs = jtvae.sample_prior(12, 4);
    // far outside the prior
    zs.push(vec![40.0; 8]);
    zs.push(vec![-40.0; 8]);
    // an untrained model grows 100-node trees whose assembly search can run long: the work
    // limit bounds it
    let limit = 20_000;
    let mut exhausted = 0;
    for options in [
        DecodeOptions {
            work_limit: limit,
            ..DecodeOptions::default()
        },
        DecodeOptions {
            stochastic: true,
            seed: 9,
            work_limit: limit,
            ..DecodeOptions::default()
        },
    ] {
        let outcomes = jtvae.decode(&zs, &options);
        assert_eq!(outcomes.len(), zs.len());
        for o in &outcomes {
            assert!(o.tree_nodes <= MAX_TREE_NODES);
            match &o.smiles {
                Ok(s) => assert_eq!(&canonical(s), s, "output is canonical and parses"),
                Err(DecodeFailure::WorkLimit { limit: l }) => {
                    assert_eq!(*l, limit);
                    assert!(o.work > limit, "stopped at {} units", o.work);
                    exhausted += 1;
                }
                Err(e) => assert!(!e.to_string().is_empty()),
            }
        }
        // the same seed and options give the same molecules and the same work, every one: the
        // limit is a count, not a clock
        let again = jtvae.decode(&zs, &options);
        for (a, b) in outcomes.iter().zip(&again) {
            assert_eq!((&a.smiles, a.work), (&b.smiles, b.work));
        }
    }
    assert!(
        exhausted > 0,
        "the limit struck no decode: the test checks nothing of it"
    );
}

#[test]
fn bad_latent_rows_and_work_limits_are_reported() {
    let clusters = clusters();
    let device = Device::flex();
    let model = JtvaeModel::new(&config(16, clusters.len()), 1, &device);
    let jtvae = Jtvae::new(model, config(16, clusters.len()), clusters, device);
    let rows = vec![
        vec![0.0; 7],
        vec![0.0, f32::NAN, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        vec![0.0; 8],
    ];
    let out = jtvae.decode(&rows, &DecodeOptions::default());
    assert_eq!(
        out[0].smiles,
        Err(DecodeFailure::Dimension {
            got: 7,
            expected: 8
        })
    );
    assert_eq!(out[1].smiles, Err(DecodeFailure::NotFinite { index: 1 }));
    assert!(out[2].smiles.is_ok(), "{:?}", out[2].smiles);
    let none = DecodeOptions {
        work_limit: 1,
        ..DecodeOptions::default()
    };
    let out = jtvae.decode(&rows[2..], &none);
    match &out[0].smiles {
        Err(DecodeFailure::WorkLimit { limit: 1 }) => assert!(out[0].work > 1),
        other => assert_eq!(out[0].work, 0, "{other:?} after work past the limit"),
    }
}

#[test]
fn encoding_reports_bad_molecules_without_failing_the_batch() {
    let clusters = clusters();
    let device = Device::flex();
    let model = JtvaeModel::new(&config(16, clusters.len()), 2, &device);
    let jtvae = Jtvae::new(model, config(16, clusters.len()), clusters, device);
    let input: Vec<String> = vec![
        "CCO".into(),
        "not a molecule".into(),
        // a cyclooctyne-like ring label absent from the vocabulary
        "C1CCC[Se]CCC1".into(),
        "c1ccccc1O".into(),
    ];
    let out = jtvae.encode(&input);
    assert_eq!(out.len(), 4);
    assert_eq!(out[0].as_ref().map(Vec::len), Ok(8));
    assert!(matches!(out[1], Err(JtvaeError::Chem(_))));
    assert!(
        matches!(&out[2], Err(JtvaeError::NotInVocabulary { label }) if label.contains("Se")),
        "{:?}",
        out[2]
    );
    assert!(out[3].is_ok());
    // a batch encodes each molecule as it would alone
    let alone = jtvae.encode(&input[3..]);
    let (a, b) = (out[3].as_ref().unwrap(), alone[0].as_ref().unwrap());
    for (x, y) in a.iter().zip(b) {
        assert!((x - y).abs() < 1e-5, "{a:?} vs {b:?}");
    }
}

#[test]
fn a_model_fitted_to_a_few_molecules_reconstructs_them() {
    let clusters = clusters();
    let smiles: Vec<String> = zinc(40)
        .into_iter()
        .filter(|s| s.len() < 40)
        .take(3)
        .collect();
    assert_eq!(smiles.len(), 3);
    let (trees, failed) = build_examples(&smiles, &clusters);
    assert!(failed.is_empty());
    let refs: Vec<&MolTree> = trees.iter().collect();
    let plan = plan_batch(&refs);
    let device = Device::flex().autodiff();
    let cfg = config(48, clusters.len());
    let mut model = JtvaeModel::new(&cfg, 5, &device);
    let mut optim = AdamConfig::new().init();
    for step in 0..120 {
        let terms = model.loss(&plan, 0.0, step, &device);
        let grads = GradientsParams::from_grads(terms.loss.backward(), &model);
        model = optim.step(5e-3, model, grads);
    }
    let jtvae = Jtvae::new(model, cfg, clusters, device);
    let z: Vec<Vec<f32>> = jtvae
        .encode(&smiles)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    let out = jtvae.decode(&z, &DecodeOptions::default());
    let same = smiles
        .iter()
        .zip(&out)
        .filter(|(s, o)| o.smiles.as_ref().ok() == Some(&canonical(s)))
        .count();
    assert!(
        same >= 2,
        "{:?} -> {:?}",
        smiles,
        out.iter().map(|o| o.smiles.clone()).collect::<Vec<_>>()
    );
}

fn eval_loss(jtvae: &Jtvae, smiles: &str) -> f32 {
    let tree = MolTree::new(smiles, jtvae.clusters()).expect("builds");
    let plan = plan_batch(&[&tree]);
    let t = jtvae.model().loss(&plan, 0.0, 1, jtvae.device());
    t.word + t.topo + t.assm
}

#[test]
fn weighted_retraining_fits_the_heavy_molecules_and_is_deterministic() {
    use lso_core::GenerativeModel;
    use rand::SeedableRng;
    let clusters = clusters();
    let device = Device::flex();
    let cfg = config(32, clusters.len());
    let smiles: Vec<String> = zinc(3);
    let fresh = Jtvae::new(JtvaeModel::new(&cfg, 8, &device), cfg, clusters, device);
    let before: Vec<f32> = smiles.iter().map(|s| eval_loss(&fresh, s)).collect();
    let weights = [1.0, 0.0, 0.0];
    let settings = lso_jtvae::RetrainSettings {
        batch_size: 4,
        lr: 1e-2,
        ..Default::default()
    };
    let mut a = fresh.clone();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let report = a
        .retrain(
            &smiles,
            &weights,
            20.0,
            &settings,
            &mut rng,
            &mut |_, _| {},
            None,
        )
        .expect("retrains");
    assert_eq!(report.steps, 15);
    assert_eq!(report.skipped, 0);
    let after: Vec<f32> = smiles.iter().map(|s| eval_loss(&a, s)).collect();
    // all the weight is on the first molecule: it is fitted far better than the others
    assert!(after[0] < 0.5 * before[0], "{before:?} -> {after:?}");
    assert!(
        after[0] / before[0] < after[1] / before[1],
        "{before:?} -> {after:?}"
    );
    // the same state and generator give the same model
    let mut b = fresh.clone();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    b.retrain(
        &smiles,
        &weights,
        20.0,
        &settings,
        &mut rng,
        &mut |_, _| {},
        None,
    )
    .expect("retrains");
    assert_eq!(a.encode(&smiles), b.encode(&smiles));
    // bad weights are refused with the reason
    let err = b
        .retrain(
            &smiles,
            &[1.0, 2.0],
            1.0,
            &settings,
            &mut rng,
            &mut |_, _| {},
            None,
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("3 molecules but 2 weights"),
        "{err}"
    );
    // the loop's checkpoint round trip restores the retrained model
    let dir = tempfile::tempdir().expect("tempdir");
    GenerativeModel::save_checkpoint(&a, dir.path()).expect("saves");
    let mut c = fresh.clone();
    GenerativeModel::load_checkpoint(&mut c, dir.path()).expect("loads");
    assert_eq!(Jtvae::encode(&a, &smiles), Jtvae::encode(&c, &smiles));
}

#[test]
fn a_candidate_limit_changes_only_the_molecules_above_it() {
    use rand::SeedableRng;
    let clusters = clusters();
    let device = Device::flex();
    let cfg = config(32, clusters.len());
    let smiles: Vec<String> = zinc(3);
    let most = smiles
        .iter()
        .map(|s| MolTree::new(s, &clusters).expect("builds").n_candidates())
        .max()
        .unwrap_or(0);
    assert!(most > 4, "{most}");
    let fresh = Jtvae::new(JtvaeModel::new(&cfg, 8, &device), cfg, clusters, device);
    let retrained = |max_candidates: Option<usize>| {
        let settings = lso_jtvae::RetrainSettings {
            batch_size: 4,
            lr: 1e-2,
            max_candidates,
            ..Default::default()
        };
        let mut m = fresh.clone();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        m.retrain(
            &smiles,
            &[1.0, 2.0, 3.0],
            4.0,
            &settings,
            &mut rng,
            &mut |_, _| {},
            None,
        )
        .expect("retrains");
        m.encode(&smiles)
            .into_iter()
            .flat_map(Result::unwrap)
            .collect::<Vec<f32>>()
    };
    let all = retrained(None);
    // a limit no molecule reaches takes the paper's steps exactly
    assert_eq!(retrained(Some(most)), all);
    // a limit below the largest changes the steps, the same way every time
    let cut = retrained(Some(2));
    assert_ne!(cut, all);
    assert_eq!(retrained(Some(2)), cut);
}

#[test]
fn a_batch_split_into_passes_takes_the_same_step() {
    use rand::SeedableRng;
    let clusters = clusters();
    let device = Device::flex();
    let cfg = config(32, clusters.len());
    let smiles: Vec<String> = zinc(3);
    let fresh = Jtvae::new(JtvaeModel::new(&cfg, 8, &device), cfg, clusters, device);
    let whole = lso_jtvae::RetrainSettings {
        batch_size: 4,
        lr: 1e-2,
        ..Default::default()
    };
    // every molecule in passes of its own, one per scored node (a molecule above the limit)
    let split = lso_jtvae::RetrainSettings {
        max_pass_elements: 1,
        ..whole
    };
    let mut models = Vec::new();
    for settings in [whole, split] {
        let mut m = fresh.clone();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        let report = m
            .retrain(
                &smiles,
                &[1.0, 2.0, 3.0],
                4.0,
                &settings,
                &mut rng,
                &mut |_, _| {},
                None,
            )
            .expect("retrains");
        assert_eq!(report.steps, 3);
        models.push(m);
    }
    let a: Vec<f32> = models[0]
        .encode(&smiles)
        .into_iter()
        .flat_map(Result::unwrap)
        .collect();
    let b: Vec<f32> = models[1]
        .encode(&smiles)
        .into_iter()
        .flat_map(Result::unwrap)
        .collect();
    let c: Vec<f32> = fresh
        .encode(&smiles)
        .into_iter()
        .flat_map(Result::unwrap)
        .collect();
    let diff = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max);
    let moved = a
        .iter()
        .zip(&c)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max);
    assert!(moved > 1e-3, "retraining moved the encodings by {moved}");
    assert!(
        diff < 1e-4 * moved.max(1.0),
        "split and whole differ by {diff} (moved {moved})"
    );
}

#[test]
fn a_retraining_cut_short_goes_on_from_its_last_save_to_the_same_model() {
    use rand::SeedableRng;
    let clusters = clusters();
    let device = Device::flex();
    let cfg = config(32, clusters.len());
    let smiles: Vec<String> = zinc(6);
    let weights = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
    let start = Jtvae::new(
        JtvaeModel::new(&cfg, 8, &device),
        cfg,
        clusters.clone(),
        device,
    );
    let settings = lso_jtvae::RetrainSettings {
        batch_size: 2,
        lr: 1e-2,
        save_every: 3,
        ..Default::default()
    };
    // 7 steps: saves after steps 3 and 6
    let epochs = 7.0 * 2.0 / 6.0;
    let latents = |m: &Jtvae| -> Vec<f32> {
        m.encode(&smiles)
            .into_iter()
            .flat_map(Result::unwrap)
            .collect()
    };
    let retrain = |m: &mut Jtvae, partial: Option<&Path>, stop_at: Option<usize>| {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let mut seen = Vec::new();
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            m.retrain(
                &smiles,
                &weights,
                epochs,
                &settings,
                &mut rng,
                &mut |done, _| {
                    assert_ne!(Some(done), stop_at, "killed before step {done}");
                    seen.push(done);
                },
                partial,
            )
        }));
        (run.ok().map(|r| r.expect("retrains")), seen)
    };
    let mut whole = start.clone();
    let (report, _) = retrain(&mut whole, None, None);
    assert_eq!(report.expect("finished").steps, 7);

    // killed before step 5: the save after step 3 is on disk
    let dir = tempfile::tempdir().expect("tempdir");
    let partial = dir.path().join("partial");
    let mut cut = start.clone();
    let (report, _) = retrain(&mut cut, Some(&partial), Some(5));
    assert!(report.is_none());
    // started again from another model: the save's model is what goes on, to the same result
    let other = Jtvae::new(
        JtvaeModel::new(&cfg, 99, start.device()),
        cfg,
        clusters,
        start.device().clone(),
    );
    let mut resumed = other.clone();
    let (report, seen) = retrain(&mut resumed, Some(&partial), None);
    let report = report.expect("finished");
    assert_eq!((report.steps, report.skipped), (7, 0));
    assert_eq!(seen, (0..=7).collect::<Vec<_>>());
    assert_eq!(latents(&resumed), latents(&whole));

    // a save of another retraining (other steps) is cleared, not resumed
    let mut fresh = other.clone();
    let longer = lso_jtvae::RetrainSettings {
        batch_size: 3,
        ..settings
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    fresh
        .retrain(
            &smiles,
            &weights,
            epochs,
            &longer,
            &mut rng,
            &mut |_, _| {},
            Some(&partial),
        )
        .expect("retrains");
    let mut plain = other.clone();
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
    plain
        .retrain(
            &smiles,
            &weights,
            epochs,
            &longer,
            &mut rng,
            &mut |_, _| {},
            None,
        )
        .expect("retrains");
    assert_eq!(latents(&fresh), latents(&plain));
}

#[test]
fn kept_training_examples_change_no_retraining() {
    use rand::SeedableRng;
    let clusters = clusters();
    let device = Device::flex();
    let cfg = config(32, clusters.len());
    let smiles: Vec<String> = zinc(3);
    let fresh = Jtvae::new(
        JtvaeModel::new(&cfg, 8, &device),
        cfg,
        clusters.clone(),
        device.clone(),
    );
    // a candidate limit below the molecules' counts: a kept example must be the one built,
    // not the one the limit cut
    let settings = lso_jtvae::RetrainSettings {
        batch_size: 4,
        lr: 1e-2,
        max_candidates: Some(2),
        ..Default::default()
    };
    let retrain = |m: &mut Jtvae, weights: &[f64], epochs: f64, seed: u64| {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        m.retrain(
            &smiles,
            weights,
            epochs,
            &settings,
            &mut rng,
            &mut |_, _| {},
            None,
        )
        .expect("retrains");
    };
    let heavy = [1.0, 0.0, 0.0];
    let mut a = fresh.clone();
    retrain(&mut a, &heavy, 4.0, 5);
    // only the molecule expected to be drawn more than once is kept
    assert_eq!(a.cached_training_examples(), 1);
    let mut b = Jtvae::new(a.model().clone(), cfg, clusters, device);
    assert_eq!(b.cached_training_examples(), 0);
    retrain(&mut a, &[1.0, 0.2, 0.0], 8.0, 6);
    retrain(&mut b, &[1.0, 0.2, 0.0], 8.0, 6);
    assert_eq!(a.cached_training_examples(), 2);
    assert_eq!(a.encode(&smiles), b.encode(&smiles));
    // one step of 4 draws: the first two molecules are expected a third of a draw each and
    // are dropped; the third is kept
    retrain(&mut a, &[1.0, 1.0, 10.0], 1.0, 7);
    assert_eq!(a.cached_training_examples(), 1);
}
