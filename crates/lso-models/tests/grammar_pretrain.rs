//! Pretraining with the grammar VAE's Keras schedule at a tiny size: the validation loss is
//! logged, the best-validation model is the one kept, and a run stopped and resumed ends where
//! an uninterrupted one does.

use burn::tensor::Device;
use lso_models::{GrammarModel, GrammarPretrainSettings, GrammarPretrainer, GrammarVaeConfig};
use rand::{RngExt, SeedableRng};

const P: usize = 4;
const LEN: usize = 8;

fn data(n: usize) -> (Vec<f32>, Vec<f32>) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
    let mut x = Vec::new();
    for _ in 0..n * LEN {
        let k = rng.random_range(0..P);
        x.extend((0..P).map(|j| f32::from(u8::from(j == k))));
    }
    let masks = vec![1.0; x.len()];
    (x, masks)
}

fn settings() -> GrammarPretrainSettings {
    GrammarPretrainSettings {
        epochs: 4,
        batch_size: 8,
        lr: 1e-2,
        validation_split: 0.25,
        model: GrammarVaeConfig {
            productions: P,
            max_len: LEN,
            latent_dim: 2,
            hidden: 8,
            gru_hidden: 8,
            gru_reset_after: false,
        },
        ..GrammarPretrainSettings::default()
    }
}

fn pretrain(dir: &std::path::Path, stops: &[usize]) -> (GrammarPretrainer, Vec<f32>) {
    let device = Device::flex();
    let (x, masks) = data(40);
    let weights: Vec<f64> = (0..40).map(|i| 1.0 + f64::from(i % 3)).collect();
    let mut last = None;
    for &epochs in stops {
        let mut t =
            GrammarPretrainer::open(dir, settings(), x.clone(), masks.clone(), &weights, &device)
                .expect("opens");
        t.run(epochs, |_, _| {}).expect("trains");
        last = Some(t);
    }
    let model = GrammarModel::load(&dir.join("model"), &device).expect("final model");
    let probe = model.encode(&x).expect("encodes");
    (last.expect("ran"), probe)
}

#[test]
fn the_best_validation_model_is_kept_and_resume_is_exact() {
    let whole = tempfile::tempdir().unwrap();
    let (trainer, probe) = pretrain(whole.path(), &[usize::MAX]);
    let log = std::fs::read_to_string(whole.path().join("train.tsv")).unwrap();
    let rows: Vec<Vec<&str>> = log
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    assert_eq!(rows.len(), 4, "{log}");
    let header: Vec<&str> = log.lines().next().unwrap().split('\t').collect();
    let col = header
        .iter()
        .position(|h| *h == "val_loss")
        .expect("val_loss column");
    let vals: Vec<f64> = rows.iter().map(|r| r[col].parse().unwrap()).collect();
    let (best, epoch) = trainer.best().expect("a best epoch");
    let first_min =
        vals.iter().enumerate().fold(
            (f64::INFINITY, 0),
            |acc, (i, &v)| if v < acc.0 { (v, i + 1) } else { acc },
        );
    assert_eq!(epoch, first_min.1, "{vals:?}");
    assert!((best - first_min.0).abs() < 1e-4, "{best} vs {vals:?}");
    // the kept model is the best epoch's checkpointed one
    let kept = GrammarModel::load(&whole.path().join("checkpoint/best"), &Device::flex()).unwrap();
    assert_eq!(kept.encode(&data(40).0).unwrap(), probe);

    let split = tempfile::tempdir().unwrap();
    let (_, resumed) = pretrain(split.path(), &[1, 2, usize::MAX]);
    assert_eq!(resumed, probe);
}

#[test]
fn a_split_that_leaves_nothing_to_train_is_an_error() {
    let (x, masks) = data(4);
    let dir = tempfile::tempdir().unwrap();
    let s = GrammarPretrainSettings {
        validation_split: 0.9,
        ..settings()
    };
    let e = GrammarPretrainer::open(dir.path(), s, x, masks, &[1.0; 4], &Device::flex())
        .err()
        .expect("refused");
    assert!(e.to_string().contains("no row left"), "{e}");
}
