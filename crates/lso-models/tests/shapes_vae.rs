//! The shapes VAE handle and its pretraining: inputs checked, model directories round trip and
//! refuse what does not fit, weighted retraining fits the weighted image, pretraining resumes
//! exactly.

use burn::tensor::Device;
use lso_models::{
    ConvVaeConfig, ModelError, PIXELS, PretrainSettings, RetrainSettings, ShapesPretrainer,
    ShapesVae,
};
use rand::SeedableRng;

/// `n` images: filled squares of growing side in column 32.
fn squares(n: usize) -> Vec<f32> {
    let mut pixels = vec![0.0f32; n * PIXELS];
    for k in 0..n {
        let side = 2 + (k * 3) % 18;
        for r in 5..5 + side {
            for c in 32..32 + side {
                pixels[k * PIXELS + r * 64 + c] = 1.0;
            }
        }
    }
    pixels
}

fn tempdir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("lso-models-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn encode_decode_shapes_and_bad_inputs() {
    let device = Device::flex();
    let vae = ShapesVae::new(ConvVaeConfig::default(), 10.0, 0, &device);
    let z = vae.encode(&squares(3)).unwrap();
    assert_eq!(z.len(), 6);
    let p = vae.decode(&z).unwrap();
    assert_eq!(p.len(), 3 * PIXELS);
    assert!(p.iter().all(|v| (0.0..=1.0).contains(v)));
    let err = vae.encode(&[0.0; 100]).unwrap_err().to_string();
    assert!(err.contains("not a whole number of rows of 4096"), "{err}");
    let err = vae.decode(&[0.0, f32::NAN]).unwrap_err().to_string();
    assert!(err.contains("value 1 of row 0 is not finite"), "{err}");
}

#[test]
fn model_directories_round_trip_and_refuse_mismatches() {
    let device = Device::flex();
    let vae = ShapesVae::new(ConvVaeConfig::default(), 2.5, 3, &device);
    let dir = tempdir("roundtrip");
    vae.save(&dir).unwrap();
    let loaded = ShapesVae::load(&dir, &device).unwrap();
    assert_eq!(loaded.beta(), 2.5);
    let x = squares(4);
    assert_eq!(vae.encode(&x).unwrap(), loaded.encode(&x).unwrap());

    // another format version
    let config = dir.join("config.json");
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(
        &config,
        text.replace("\"format_version\": 1", "\"format_version\": 7"),
    )
    .unwrap();
    let err = ShapesVae::load(&dir, &device).unwrap_err();
    assert!(matches!(err, ModelError::Checkpoint { .. }));
    assert!(err.to_string().contains("format version 7"), "{err}");
    // weights of another size
    std::fs::write(
        &config,
        text.replace("\"latent_dim\": 2", "\"latent_dim\": 3"),
    )
    .unwrap();
    let err = ShapesVae::load(&dir, &device).unwrap_err().to_string();
    assert!(err.contains("model.bpk"), "{err}");
    // missing directory
    let err = ShapesVae::load(&dir.join("nothing"), &device)
        .unwrap_err()
        .to_string();
    assert!(err.contains("config.json"), "{err}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn weighted_retraining_fits_the_weighted_image_and_is_deterministic() {
    let device = Device::flex();
    let x = squares(8);
    let base = ShapesVae::new(ConvVaeConfig::default(), 1e-3, 1, &device);
    let run = |favourite: usize| {
        let mut weights = vec![1e-6; 8];
        weights[favourite] = 1.0;
        let mut vae = base.clone();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(4);
        let settings = RetrainSettings {
            batch_size: 8,
            lr: 3e-3,
        };
        let mut steps = (0, 0);
        vae.retrain(&x, &weights, 80.0, &settings, &mut rng, &mut |d, t| {
            steps = (d, t)
        })
        .unwrap();
        // 80 epochs of 8 images in batches of 8: 80 steps, the last reported
        assert_eq!(steps, (80, 80));
        vae
    };
    let a = run(5);
    assert_eq!(a.encode(&x).unwrap(), run(5).encode(&x).unwrap());
    // image 5 is reconstructed much better by the model whose weight was on it
    let b = run(0);
    let error = |vae: &ShapesVae, k: usize| -> f32 {
        let p = vae.decode(&vae.encode(&x).unwrap()).unwrap();
        (0..PIXELS)
            .map(|i| (p[k * PIXELS + i] - x[k * PIXELS + i]).abs())
            .sum()
    };
    let (favoured, other) = (error(&a, 5), error(&b, 5));
    assert!(
        favoured < 0.5 * other,
        "favoured {favoured} vs other {other}"
    );
    let bad = base
        .clone()
        .retrain(
            &x,
            &[1.0; 3],
            1.0,
            &RetrainSettings::default(),
            &mut rand_chacha::ChaCha8Rng::seed_from_u64(0),
            &mut |_, _| {},
        )
        .unwrap_err()
        .to_string();
    assert!(bad.contains("8 images but 3 weights"), "{bad}");
}

#[test]
fn beta_follows_the_paper_schedule() {
    let s = PretrainSettings::default();
    assert_eq!(s.beta_at(0), 1e-6);
    assert_eq!(s.beta_at(999), 1e-6);
    assert!((s.beta_at(1010) - 1.1e-6).abs() < 1e-15);
    assert!((s.beta_at(1025) - 1.21e-6).abs() < 1e-15);
    assert_eq!(s.beta_at(100_000), 10.0);
}

#[test]
fn pretraining_resumes_exactly_where_it_stopped() {
    let device = Device::flex();
    let x = squares(12);
    let settings = PretrainSettings {
        epochs: 2,
        batch_size: 4,
        checkpoint_every: 2,
        beta_warmup_steps: 2,
        beta_every: 1,
        beta_factor: 10.0,
        ..PretrainSettings::default()
    };
    let straight = tempdir("straight");
    let mut t = ShapesPretrainer::open(&straight, settings, x.clone(), &device).unwrap();
    assert_eq!(t.total_steps(), 6);
    assert!(t.run(usize::MAX, |_| {}).unwrap());
    let stopped = tempdir("stopped");
    let mut t = ShapesPretrainer::open(&stopped, settings, x.clone(), &device).unwrap();
    assert!(!t.run(4, |_| {}).unwrap());
    drop(t);
    let mut t = ShapesPretrainer::open(&stopped, settings, x.clone(), &device).unwrap();
    assert_eq!(t.step(), 4);
    assert!(t.run(usize::MAX, |_| {}).unwrap());
    let a = ShapesVae::load(&straight.join("model"), &device).unwrap();
    let b = ShapesVae::load(&stopped.join("model"), &device).unwrap();
    assert_eq!(a.encode(&x).unwrap(), b.encode(&x).unwrap());
    assert!((a.beta() - 1e-3).abs() < 1e-12, "{}", a.beta());
    let log = std::fs::read_to_string(stopped.join("train.tsv")).unwrap();
    assert_eq!(log.lines().count(), 7, "{log}");
    // another run's settings are refused
    let other = PretrainSettings {
        seed: 9,
        ..settings
    };
    let err = ShapesPretrainer::open(&stopped, other, x, &device)
        .err()
        .unwrap()
        .to_string();
    assert!(err.contains("settings.json"), "{err}");
    std::fs::remove_dir_all(&straight).ok();
    std::fs::remove_dir_all(&stopped).ok();
}
