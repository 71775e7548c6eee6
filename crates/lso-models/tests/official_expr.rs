//! The paper's grammar VAE imported from its Keras file (`scripts/import_official_expr.py`)
//! against a numpy forward pass of the Keras weights (`scripts/expr_keras_reference.py`), and the
//! importer's errors on weights that do not fit.

use std::path::PathBuf;

use burn::tensor::Device;
use lso_models::{GrammarModel, GrammarVaeConfig, ModelError, NamedArray, NamedArrays};
use serde::Deserialize;

#[derive(Deserialize)]
struct Reference {
    indices: Vec<Vec<usize>>,
    z_mean: Vec<Vec<f64>>,
    z: Vec<Vec<f64>>,
    logits: Vec<Vec<f64>>,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn reference() -> Reference {
    let path = root().join("crates/lso-models/tests/fixtures/official_expr/k_inf.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("parses")
}

fn assert_close(ours: &[f32], theirs: &[f64], what: &str) {
    assert_eq!(ours.len(), theirs.len(), "{what}");
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        let tolerance = 1e-4 * (1.0 + b.abs());
        assert!(
            (f64::from(*a) - b).abs() < tolerance,
            "{what} value {i}: ours {a}, numpy {b}"
        );
    }
}

#[test]
fn the_imported_model_encodes_and_decodes_as_the_keras_weights() {
    let device = Device::flex();
    let model = GrammarModel::load(&root().join("pretrain/expr-official/k_inf/model"), &device)
        .expect("the imported model loads");
    assert!(!model.config().gru_reset_after);
    let r = reference();
    let p = model.config().productions;
    let one_hot: Vec<f32> = r
        .indices
        .iter()
        .flatten()
        .flat_map(|&k| (0..p).map(move |j| f32::from(u8::from(j == k))))
        .collect();
    let mean = model.encode(&one_hot).expect("encodes");
    assert_close(&mean, &r.z_mean.concat(), "latent mean");
    let z: Vec<f32> = r.z.concat().iter().map(|&v| v as f32).collect();
    let logits = model.decode_logits(&z).expect("decodes");
    assert_close(&logits, &r.logits.concat(), "logits");
}

/// A complete set of named arrays for a small network, all zeros (variances one).
fn tiny_arrays() -> NamedArrays {
    let config = GrammarVaeConfig {
        productions: 3,
        max_len: 7,
        latent_dim: 2,
        hidden: 4,
        gru_hidden: 3,
        gru_reset_after: false,
    };
    let mut arrays = std::collections::BTreeMap::new();
    let mut put = |name: String, shape: Vec<usize>, value: f32| {
        let n = shape.iter().product();
        arrays.insert(
            name,
            NamedArray {
                shape,
                values: vec![value; n],
            },
        );
    };
    let (mut channels, mut length) = (3, 7);
    for (k, (filters, kernel)) in [(2, 2), (3, 3), (4, 4)].into_iter().enumerate() {
        put(
            format!("convs.{k}.weight"),
            vec![filters, channels, kernel],
            0.0,
        );
        put(format!("convs.{k}.bias"), vec![filters], 0.0);
        for (part, value) in [("gamma", 1.0), ("beta", 0.0), ("running_mean", 0.0)] {
            put(format!("conv_norms.{k}.{part}"), vec![filters], value);
        }
        put(format!("conv_norms.{k}.running_var"), vec![filters], 1.0);
        channels = filters;
        length -= kernel - 1;
    }
    for (name, i, o) in [
        ("enc_hidden", channels * length, 4),
        ("enc_mean", 4, 2),
        ("enc_log_var", 4, 2),
        ("dec_in", 2, 2),
        ("dec_out", 3, 3),
    ] {
        put(format!("{name}.weight"), vec![i, o], 0.0);
        put(format!("{name}.bias"), vec![o], 0.0);
    }
    for part in ["gamma", "beta", "running_mean", "running_var"] {
        put(format!("dec_norm.{part}"), vec![2], 1.0);
    }
    for k in 0..3 {
        let input = if k == 0 { 2 } else { 3 };
        for gate in ["update", "reset", "new"] {
            for (side, i) in [("input", input), ("hidden", 3)] {
                put(format!("grus.{k}.{gate}.{side}.weight"), vec![i, 3], 0.0);
                put(format!("grus.{k}.{gate}.{side}.bias"), vec![3], 0.0);
            }
        }
    }
    NamedArrays {
        source: "test".into(),
        config,
        arrays,
    }
}

fn import_error(arrays: &NamedArrays) -> String {
    match GrammarModel::from_named_arrays(arrays, &Device::flex()) {
        Err(ModelError::Input(e)) => e,
        other => panic!("expected an input error, got {:?}", other.map(|_| ())),
    }
}

#[test]
fn weights_that_do_not_fit_are_named() {
    let device = Device::flex();
    let good = tiny_arrays();
    let model = GrammarModel::from_named_arrays(&good, &device).expect("a complete set imports");
    assert_eq!(
        model.decode_logits(&[0.0, 0.0]).expect("decodes").len(),
        7 * 3
    );

    let mut missing = good.clone();
    missing.arrays.remove("grus.1.reset.hidden.weight");
    assert!(import_error(&missing).contains("`grus.1.reset.hidden.weight` missing"));

    let mut shape = good.clone();
    shape
        .arrays
        .get_mut("enc_hidden.weight")
        .expect("present")
        .shape = vec![2, 8];
    let e = import_error(&shape);
    assert!(
        e.contains("`enc_hidden.weight` has shape [2, 8], the network needs [4, 4]"),
        "{e}"
    );

    let mut short = good.clone();
    short
        .arrays
        .get_mut("dec_out.bias")
        .expect("present")
        .values
        .pop();
    assert!(import_error(&short).contains("`dec_out.bias` holds 2 values"));

    let mut nan = good.clone();
    nan.arrays.get_mut("dec_in.weight").expect("present").values[3] = f32::NAN;
    assert!(import_error(&nan).contains("`dec_in.weight` value 3 is not finite"));

    let mut negative = good.clone();
    negative
        .arrays
        .get_mut("dec_norm.running_var")
        .expect("present")
        .values[0] = -1.0;
    assert!(import_error(&negative).contains("negative variance"));

    let mut extra = good.clone();
    extra.arrays.insert(
        "grus.3.new.input.weight".into(),
        NamedArray {
            shape: vec![1],
            values: vec![0.0],
        },
    );
    assert!(import_error(&extra).contains("`grus.3.new.input.weight` is not part of the network"));

    let mut sizes = good;
    sizes.config.max_len = 3;
    assert!(import_error(&sizes).contains("sizes not usable"));
}
