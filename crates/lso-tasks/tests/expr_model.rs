//! The grammar VAE on expressions, at a tiny size: masked decoding never panics and yields a
//! well-formed expression or an explicit invalid outcome; training lowers the loss; a saved
//! model loads back to the same encodings; bad inputs are errors.

use std::path::PathBuf;

use lso_core::{Decoded, GenerativeModel, StreamRng};
use lso_models::{
    Choice, GrammarModel, GrammarTrainSettings, GrammarVaeConfig, SequenceBatch, device,
};
use lso_tasks::expr::{ExprModel, Expression, expression_grammar, one_hot};
use ndarray::Array2;
use proptest::prelude::*;
use rand::SeedableRng;

fn tiny() -> GrammarVaeConfig {
    GrammarVaeConfig {
        productions: 12,
        max_len: 15,
        latent_dim: 4,
        hidden: 16,
        gru_hidden: 16,
        ..GrammarVaeConfig::default()
    }
}

fn expressions(n: usize) -> Vec<Expression> {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/expr/equation2_15_dataset.txt");
    let text = std::fs::read_to_string(path).unwrap();
    // spread over the file: its lines are ordered by structure
    let lines: Vec<&str> = text.lines().collect();
    (0..n)
        .map(|k| Expression::parse(lines[k * (lines.len() / n)]).unwrap())
        .collect()
}

proptest! {
    #[test]
    fn masked_decoding_gives_an_expression_or_unfinished(
        logits in proptest::collection::vec(-5.0f32..5.0, 15 * 12),
        seed in any::<u64>(),
    ) {
        let g = expression_grammar();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        for choice in [Choice::Argmax, Choice::Sample(&mut rng)] {
            match g.decode(&logits, choice) {
                Ok(d) => {
                    prop_assert!(d.len() <= 15);
                    let e = Expression::from_derivation(&g, &d);
                    prop_assert!(e.is_ok(), "{:?}", e);
                    let e = e.unwrap();
                    prop_assert_eq!(e.derivation(), &d[..]);
                }
                Err(e) => prop_assert!(e.to_string().contains("unfinished"), "{}", e),
            }
        }
    }
}

#[test]
fn decoding_logits_of_a_derivation_gives_it_back() {
    let g = expression_grammar();
    for e in expressions(50) {
        let padded = g.pad(e.derivation()).unwrap();
        let logits: Vec<f32> = padded
            .iter()
            .flat_map(|&k| (0..12).map(move |j| if j == k { 3.0 } else { 0.0 }))
            .collect();
        let d = g
            .decode::<rand_chacha::ChaCha8Rng>(&logits, Choice::Argmax)
            .unwrap();
        assert_eq!(d, e.derivation());
    }
    // wrong length is an error, not a panic
    assert!(
        g.decode::<rand_chacha::ChaCha8Rng>(&[0.0; 7], Choice::Argmax)
            .is_err()
    );
}

#[test]
fn training_lowers_the_loss_and_the_model_round_trips() {
    let dev = device("flex").unwrap();
    let items = expressions(64);
    let g = expression_grammar();
    let (x, masks) = one_hot(&g, &items).unwrap();
    let mut vae = GrammarModel::new(tiny(), 7, &dev);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
    let settings = GrammarTrainSettings {
        batch_size: 16,
        lr: 1e-2,
        ..GrammarTrainSettings::default()
    };
    let mut weights = vec![1.0; items.len()];
    weights[0] = 0.0; // dropped, never an error
    let reports = vae
        .train(
            SequenceBatch {
                one_hot: &x,
                masks: &masks,
            },
            &weights,
            25.0,
            &settings,
            &mut rng,
            &mut |_, _| {},
        )
        .unwrap();
    assert_eq!(reports.len(), 25);
    let (first, last) = (reports[0].reconstruction, reports[24].reconstruction);
    assert!(last < 0.7 * first, "reconstruction {first} -> {last}");
    // a fractional epoch runs that fraction of the batches: normalised to mean 1, the 63
    // weighted points weigh 64/63 each and become 126 copies (1 + 1/63): 8 batches of 16
    let mut steps = Vec::new();
    let part = vae
        .train(
            SequenceBatch {
                one_hot: &x,
                masks: &masks,
            },
            &weights,
            0.5,
            &settings,
            &mut rng,
            &mut |d, t| steps.push((d, t)),
        )
        .unwrap();
    assert_eq!((part.len(), part[0].steps), (1, 4));
    assert_eq!(steps, vec![(1, 4), (2, 4), (3, 4), (4, 4)]);
    // save and load: same encodings
    let dir = tempfile::tempdir().unwrap();
    vae.save(dir.path()).unwrap();
    let loaded = GrammarModel::load(dir.path(), &dev).unwrap();
    assert_eq!(vae.encode(&x).unwrap(), loaded.encode(&x).unwrap());
    // after training, batch normalisation uses its running statistics: a sequence's encoding
    // and a point's decoding do not depend on the rest of the batch (as Keras at inference)
    let width = x.len() / items.len();
    let all = vae.encode(&x).unwrap();
    let one = vae.encode(&x[..width]).unwrap();
    assert_eq!(one.len(), 4);
    for (a, b) in one.iter().zip(&all[..4]) {
        assert!((a - b).abs() < 1e-5, "encoding {a} alone, {b} in a batch");
    }
    let logits_all = vae.decode_logits(&all).unwrap();
    let logits_one = vae.decode_logits(&all[4..8]).unwrap();
    for (a, b) in logits_one.iter().zip(&logits_all[width..2 * width]) {
        assert!((a - b).abs() < 1e-4, "logit {a} alone, {b} in a batch");
    }
    // bad inputs
    assert!(vae.encode(&x[..100]).is_err());
    let mut nan = x.clone();
    nan[5] = f32::NAN;
    assert!(vae.encode(&nan).unwrap_err().to_string().contains("row 0"));
    assert!(
        vae.train(
            SequenceBatch {
                one_hot: &x,
                masks: &masks,
            },
            &weights[1..],
            1.0,
            &settings,
            &mut rng,
            &mut |_, _| {},
        )
        .is_err()
    );
    // on the loop's trait: decoding far and non-finite points is an outcome per point
    let mut model = ExprModel::new(loaded, settings).unwrap();
    let mut z = Array2::from_shape_fn((6, 4), |(i, j)| (i as f64 - 2.0) * 3.0 + j as f64);
    z[[5, 0]] = f64::NAN;
    let mut stream = StreamRng::seed_from_u64(3);
    let decoded = model.decode(z.view(), &mut stream).unwrap();
    assert_eq!(decoded.len(), 6);
    assert!(matches!(decoded[5], Decoded::Invalid(_)));
    for d in &decoded[..5] {
        if let Decoded::Item(e) = d {
            assert!(e.derivation().len() <= 15);
        }
    }
    assert_eq!(model.encode(&items[..3]).unwrap().len(), 3);
}

/// Keras' `validation_split`: the last 10 % of the replicated rows never train, so changing
/// the last sequence changes nothing, while without the split it does; a split that leaves no
/// row is an error.
#[test]
fn the_validation_split_holds_out_the_last_rows() {
    let dev = device("flex").unwrap();
    let g = expression_grammar();
    let items = expressions(20);
    let mut changed = items.clone();
    changed[19] = items[3].clone();
    assert_ne!(items[19], items[3]);
    let (probe, _) = one_hot(&g, &items).unwrap();
    let trained = |items: &[Expression], split: f64| {
        let (x, masks) = one_hot(&g, items).unwrap();
        let mut vae = GrammarModel::new(tiny(), 7, &dev);
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(1);
        let settings = GrammarTrainSettings {
            batch_size: 4,
            lr: 1e-2,
            validation_split: split,
            adam_epsilon: 1e-7,
            ..GrammarTrainSettings::default()
        };
        let batch = SequenceBatch {
            one_hot: &x,
            masks: &masks,
        };
        let reports = vae.train(batch, &[1.0; 20], 1.0, &settings, &mut rng, &mut |_, _| {});
        (reports.map(|r| r[0].steps), vae.encode(&probe).unwrap())
    };
    let (steps, held_out) = trained(&items, 0.1);
    assert_eq!(steps.unwrap(), 5, "18 rows in batches of 4");
    assert_eq!(held_out, trained(&changed, 0.1).1);
    assert_ne!(trained(&items, 0.0).1, trained(&changed, 0.0).1);
    let (error, _) = trained(&items, 0.99);
    assert!(error.unwrap_err().to_string().contains("no row left"));
}
