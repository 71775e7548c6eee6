//! Diagnostic: fit 16 distinct squares with a tiny KL weight and print the loss and the
//! latent means (they must spread out when the latent space is used).
use burn::tensor::Device;
use lso_models::{ConvVaeConfig, PIXELS, RetrainSettings, ShapesVae};
use rand::SeedableRng;

fn main() {
    let n = 16;
    let mut x = vec![0.0f32; n * PIXELS];
    for k in 0..n {
        let side = 2 + k;
        for r in 3..3 + side {
            for c in 32..32 + side {
                x[k * PIXELS + r * 64 + c] = 1.0;
            }
        }
    }
    let device = Device::flex();
    let mut vae = ShapesVae::new(ConvVaeConfig::default(), 1e-6, 0, &device);
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let w = vec![1.0; n];
    for round in 0..8 {
        let loss = vae
            .retrain(
                &x,
                &w,
                50.0,
                &RetrainSettings {
                    batch_size: 16,
                    lr: 1e-3,
                },
                &mut rng,
                &mut |_, _| {},
            )
            .unwrap();
        let z = vae.encode(&x).unwrap();
        println!(
            "after {} steps: loss {loss:.1}, means {:?}",
            (round + 1) * 50,
            &z[..8]
        );
    }
}
