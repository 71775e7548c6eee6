//! The shapes task's convolutional VAE.

use burn::module::Module;
use burn::nn::conv::{Conv2d, Conv2dConfig, ConvTranspose2d, ConvTranspose2dConfig};
use burn::nn::{Initializer, Linear, LinearConfig, PaddingConfig2d};
use burn::tensor::activation::{relu, softplus};
use burn::tensor::{Device, Tensor};

/// Settings of the conv VAE.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ConvVaeConfig {
    /// Latent dimension (the paper: 2).
    pub latent_dim: usize,
}

impl Default for ConvVaeConfig {
    fn default() -> Self {
        Self { latent_dim: 2 }
    }
}

/// Encoder convolutions `(in, out, kernel, stride)`, padding `kernel / 2`: 64x64 -> 16x4x4.
const ENCODER: [(usize, usize, usize, usize); 11] = [
    (1, 4, 3, 1),
    (4, 8, 5, 2),
    (8, 8, 3, 1),
    (8, 16, 5, 2),
    (16, 16, 3, 1),
    (16, 16, 3, 1),
    (16, 16, 5, 2),
    (16, 16, 3, 1),
    (16, 16, 3, 1),
    (16, 16, 5, 2),
    (16, 16, 3, 1),
];

/// Decoder transposed convolutions `(in, out, kernel, stride)`; stride-2 layers add one row and
/// column of output padding: 16x4x4 -> 1x64x64.
const DECODER: [(usize, usize, usize, usize); 11] = [
    (16, 32, 3, 1),
    (32, 32, 5, 2),
    (32, 32, 3, 1),
    (32, 16, 5, 2),
    (16, 16, 3, 1),
    (16, 16, 3, 1),
    (16, 16, 5, 2),
    (16, 8, 3, 1),
    (8, 8, 3, 1),
    (8, 8, 5, 2),
    (8, 1, 3, 1),
];

/// He (Kaiming normal, gain `sqrt(2)`, fan-in) initialisation for the layers followed by a ReLU.
/// With PyTorch's (and burn's) default uniform initialisation the signal shrinks through the
/// eleven encoder convolutions until the latent means no longer depend on the image, and
/// pretraining with the paper's schedule never leaves that state (measured: KL 0.04 nats after
/// 4,000 steps); see `docs/shapes.md`.
fn he() -> Initializer {
    Initializer::KaimingNormal {
        gain: std::f64::consts::SQRT_2,
        fan_out_only: false,
    }
}

/// The conv VAE: encoder of 11 convolutions and two linear layers to the mean and log standard
/// deviation of the latent Gaussian; decoder of two linear layers and 11 transposed
/// convolutions to 64 x 64 Bernoulli logits (ReLU between layers).
#[derive(Module, Debug)]
pub struct ConvVae {
    encoder: Vec<Conv2d>,
    enc_hidden: Linear,
    enc_out: Linear,
    dec_hidden: Linear,
    dec_in: Linear,
    decoder: Vec<ConvTranspose2d>,
}

/// The terms of the negative ELBO of a batch.
#[derive(Debug, Clone)]
pub struct ElboTerms {
    /// Loss to minimise: reconstruction + beta KL (scalar tensor).
    pub loss: Tensor<1>,
    /// Bernoulli negative log-likelihood summed over pixels, mean over the batch.
    pub reconstruction: f32,
    /// KL divergence to the standard normal summed over latent dimensions, mean over the batch.
    pub kl: f32,
}

impl ConvVae {
    /// A freshly initialised model on `device`.
    pub fn new(config: ConvVaeConfig, device: &Device) -> Self {
        let encoder = ENCODER
            .iter()
            .map(|&(i, o, k, s)| {
                let p = k / 2;
                Conv2dConfig::new([i, o], [k, k])
                    .with_initializer(he())
                    .with_stride([s, s])
                    .with_padding(PaddingConfig2d::Explicit(p, p, p, p))
                    .init(device)
            })
            .collect();
        let decoder = DECODER
            .iter()
            .enumerate()
            .map(|(layer, &(i, o, k, s))| {
                let p = k / 2;
                let config = ConvTranspose2dConfig::new([i, o], [k, k]);
                // He initialisation before ReLUs; the output layer keeps the default
                let config = if layer + 1 < DECODER.len() {
                    config.with_initializer(he())
                } else {
                    config
                };
                config
                    .with_stride([s, s])
                    .with_padding([p, p])
                    .with_padding_out(if s == 2 { [1, 1] } else { [0, 0] })
                    .init(device)
            })
            .collect();
        Self {
            encoder,
            enc_hidden: LinearConfig::new(256, 32)
                .with_initializer(he())
                .init(device),
            enc_out: LinearConfig::new(32, 2 * config.latent_dim).init(device),
            dec_hidden: LinearConfig::new(config.latent_dim, 32)
                .with_initializer(he())
                .init(device),
            dec_in: LinearConfig::new(32, 256)
                .with_initializer(he())
                .init(device),
            decoder,
        }
    }

    /// Latent dimension.
    pub fn latent_dim(&self) -> usize {
        self.dec_hidden.weight.dims()[0]
    }

    /// Mean and log standard deviation of the latent Gaussian.
    ///
    /// # Shapes
    /// `images`: `[batch, 1, 64, 64]` -> two `[batch, latent]`.
    pub fn encode(&self, images: Tensor<4>) -> (Tensor<2>, Tensor<2>) {
        let mut h = images;
        for conv in &self.encoder {
            h = relu(conv.forward(h));
        }
        let [batch, _, _, _] = h.dims();
        let h = relu(self.enc_hidden.forward(h.reshape([batch, 256])));
        let out = self.enc_out.forward(h);
        let d = self.latent_dim();
        (out.clone().narrow(1, 0, d), out.narrow(1, d, d))
    }

    /// Bernoulli logits of the decoded images.
    ///
    /// # Shapes
    /// `z`: `[batch, latent]` -> `[batch, 1, 64, 64]`.
    pub fn decode_logits(&self, z: Tensor<2>) -> Tensor<4> {
        let [batch, _] = z.dims();
        let h = relu(self.dec_hidden.forward(z));
        let h = relu(self.dec_in.forward(h));
        let mut h = h.reshape([batch, 16, 4, 4]);
        let last = self.decoder.len() - 1;
        for (k, conv) in self.decoder.iter().enumerate() {
            h = conv.forward(h);
            if k < last {
                h = relu(h);
            }
        }
        h
    }

    /// Negative ELBO of a batch with the reparameterised sample `mean + exp(log_std) * noise`:
    /// Bernoulli reconstruction (from logits, numerically stable) plus `beta` times the KL.
    ///
    /// # Shapes
    /// `images`: `[batch, 1, 64, 64]` with values 0 or 1; `noise`: `[batch, latent]`.
    pub fn elbo(&self, images: Tensor<4>, noise: Tensor<2>, beta: f64) -> ElboTerms {
        let [batch, _, _, _] = images.dims();
        let (mean, log_std) = self.encode(images.clone());
        let z = mean.clone() + log_std.clone().exp() * noise;
        let logits = self.decode_logits(z);
        // -log p(x | z) = softplus(logit) - x * logit, summed over pixels
        let nll = (softplus(logits.clone(), 1.0) - images * logits).sum() / batch as f64;
        // KL(N(mean, std²) || N(0, 1)) = 0.5 Σ (mean² + std² - 1) - Σ log std
        let kl = ((mean.powf_scalar(2.0) + (log_std.clone() * 2.0).exp() - 1.0) * 0.5 - log_std)
            .sum()
            / batch as f64;
        let reconstruction = nll.clone().into_scalar::<f32>();
        let kl_value = kl.clone().into_scalar::<f32>();
        ElboTerms {
            loss: nll + kl * beta,
            reconstruction,
            kl: kl_value,
        }
    }
}
