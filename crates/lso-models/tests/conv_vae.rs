//! The conv VAE: shapes, a training step that lowers the loss, and a checkpoint round trip.

use burn::module::Module;
use burn::optim::{AdamConfig, GradientsParams};
use burn::tensor::{Device, Distribution, Tensor, TensorData};
use lso_models::{ConvVae, ConvVaeConfig};

/// A batch of 64 x 64 images holding filled squares.
fn squares(device: &Device) -> Tensor<4> {
    let mut pixels = vec![0.0f32; 8 * 64 * 64];
    for (b, side) in [3usize, 5, 8, 12, 16, 20, 2, 10].iter().enumerate() {
        for r in 10..10 + side {
            for c in 32..32 + side.min(&32) {
                pixels[b * 4096 + r * 64 + c] = 1.0;
            }
        }
    }
    Tensor::from_data(TensorData::new(pixels, [8, 1, 64, 64]), device)
}

#[test]
fn shapes_flow_through_the_model() {
    let device = Device::flex();
    let model = ConvVae::new(ConvVaeConfig::default(), &device);
    let (mean, log_std) = model.encode(squares(&device));
    assert_eq!(mean.dims(), [8, 2]);
    assert_eq!(log_std.dims(), [8, 2]);
    let logits = model.decode_logits(mean);
    assert_eq!(logits.dims(), [8, 1, 64, 64]);
    assert_eq!(model.latent_dim(), 2);
}

#[test]
fn training_steps_lower_the_loss_and_checkpoints_round_trip() {
    let device = Device::flex().autodiff();
    device.seed(0);
    let mut model = ConvVae::new(ConvVaeConfig::default(), &device);
    let mut optim = AdamConfig::new().init();
    let images = squares(&device);
    let noise: Tensor<2> = Tensor::random([8, 2], Distribution::Normal(0.0, 1.0), &device);
    let first = model
        .elbo(images.clone(), noise.clone(), 1e-3)
        .reconstruction;
    for _ in 0..15 {
        let terms = model.elbo(images.clone(), noise.clone(), 1e-3);
        let grads = GradientsParams::from_grads(terms.loss.backward(), &model);
        model = optim.step(1e-3, model, grads);
    }
    let last = model
        .elbo(images.clone(), noise.clone(), 1e-3)
        .reconstruction;
    assert!(last < 0.95 * first, "reconstruction {first} -> {last}");

    let dir = std::env::temp_dir().join(format!("lso-models-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("vae.bpk");
    model.clone().save_file(&path).unwrap();
    let loaded = ConvVae::new(ConvVaeConfig::default(), &device).load_file(&path);
    let (a, _) = model.encode(images.clone());
    let (b, _) = loaded.encode(images);
    let diff = (a - b).abs().max().into_scalar::<f32>();
    assert!(diff == 0.0, "loaded model differs by {diff}");
    std::fs::remove_dir_all(&dir).ok();
}
