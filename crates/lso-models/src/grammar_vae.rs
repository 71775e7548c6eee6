//! The grammar VAE of the paper's expression task (after Kusner et al. 2017): a convolutional
//! encoder over one-hot production sequences and a GRU decoder of production logits, trained
//! with the loss masked by the grammar.

use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::gru::{Gru, GruConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

/// Standard deviation of the reparameterisation noise (the paper's `epsilon_std`): the latent
/// sample is `mean + exp(log_var / 2) · 0.01 · N(0, I)`.
pub const EPSILON_STD: f64 = 0.01;

/// Encoder convolutions `(filters, kernel)`, each followed by a ReLU and batch normalisation.
const CONVS: [(usize, usize); 3] = [(2, 2), (3, 3), (4, 4)];

/// Keras' batch normalisation (the paper's model is Keras): momentum 0.99 of the running
/// statistics, epsilon 1e-3.
fn keras_batch_norm(features: usize, device: &Device) -> BatchNorm {
    BatchNormConfig::new(features)
        .with_momentum(0.01)
        .with_epsilon(1e-3)
        .init(device)
}

/// Sizes of the grammar VAE.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GrammarVaeConfig {
    /// Productions of the grammar (one-hot width; the paper: 12).
    pub productions: usize,
    /// Sequence length (the paper: 15).
    pub max_len: usize,
    /// Latent dimension (the paper: 25).
    pub latent_dim: usize,
    /// Width of the encoder's dense layer (the paper: 100).
    pub hidden: usize,
    /// Hidden size of each of the three GRU layers (the paper: 100).
    pub gru_hidden: usize,
    /// GRU candidate state with the reset gate applied after the recurrent product
    /// (`tanh(W x + r ⊙ (U h + b))`, burn's default and cuDNN's) instead of before it
    /// (`tanh(W x + U (r ⊙ h) + b)`, Keras' `reset_after = False`, with which the paper's
    /// optimisation loop runs its models). `false` for new models; model directories written
    /// before this field existed were trained with `true`.
    pub gru_reset_after: bool,
}

impl Default for GrammarVaeConfig {
    fn default() -> Self {
        Self {
            productions: 12,
            max_len: 15,
            latent_dim: 25,
            hidden: 100,
            gru_hidden: 100,
            gru_reset_after: false,
        }
    }
}

/// The network: encoder Conv1D(2, 2) → BN → Conv1D(3, 3) → BN → Conv1D(4, 4) → BN (ReLU after
/// each convolution) → flatten → dense ReLU → latent mean and log-variance; decoder BN → dense
/// ReLU (latent width) → repeated over the sequence → 3 GRU layers → per-step production
/// logits.
#[derive(Module, Debug)]
pub struct GrammarVae {
    pub(crate) convs: Vec<Conv1d>,
    pub(crate) conv_norms: Vec<BatchNorm>,
    pub(crate) enc_hidden: Linear,
    pub(crate) enc_mean: Linear,
    pub(crate) enc_log_var: Linear,
    pub(crate) dec_norm: BatchNorm,
    pub(crate) dec_in: Linear,
    pub(crate) grus: Vec<Gru>,
    pub(crate) dec_out: Linear,
}

/// Loss terms of a batch.
#[derive(Debug, Clone)]
pub struct GrammarVaeLoss {
    /// The weighted batch loss `mean(weight) · mean(reconstruction) + mean(weight · KL)`
    /// (scalar tensor).
    pub loss: Tensor<1>,
    /// Mean reconstruction term (unweighted).
    pub reconstruction: f32,
    /// Mean KL term (unweighted).
    pub kl: f32,
}

impl GrammarVae {
    /// A freshly initialised network on `device`.
    ///
    /// # Panics
    /// When `max_len` is too short for the three convolutions (below 7).
    pub fn new(config: GrammarVaeConfig, device: &Device) -> Self {
        let GrammarVaeConfig {
            productions,
            max_len,
            latent_dim,
            hidden,
            gru_hidden,
            gru_reset_after,
        } = config;
        assert!(max_len >= 7, "sequence length {max_len} below 7");
        let mut channels = productions;
        let mut length = max_len;
        let mut convs = Vec::new();
        let mut conv_norms = Vec::new();
        for (filters, kernel) in CONVS {
            convs.push(Conv1dConfig::new(channels, filters, kernel).init(device));
            conv_norms.push(keras_batch_norm(filters, device));
            channels = filters;
            length -= kernel - 1;
        }
        let grus = (0..3)
            .map(|k| {
                let input = if k == 0 { latent_dim } else { gru_hidden };
                GruConfig::new(input, gru_hidden, true)
                    .with_reset_after(gru_reset_after)
                    .init(device)
            })
            .collect();
        Self {
            convs,
            conv_norms,
            enc_hidden: LinearConfig::new(channels * length, hidden).init(device),
            enc_mean: LinearConfig::new(hidden, latent_dim).init(device),
            enc_log_var: LinearConfig::new(hidden, latent_dim).init(device),
            dec_norm: keras_batch_norm(latent_dim, device),
            dec_in: LinearConfig::new(latent_dim, latent_dim).init(device),
            grus,
            dec_out: LinearConfig::new(gru_hidden, productions).init(device),
        }
    }

    /// Latent dimension.
    pub fn latent_dim(&self) -> usize {
        self.dec_in.weight.dims()[0]
    }

    /// Productions (one-hot width).
    pub fn productions(&self) -> usize {
        self.dec_out.weight.dims()[1]
    }

    /// Latent mean and log-variance of one-hot sequences.
    ///
    /// # Shapes
    /// `x`: `[batch, max_len, productions]` -> two `[batch, latent]`.
    pub fn encode(&self, x: Tensor<3>) -> (Tensor<2>, Tensor<2>) {
        let mut h = x.swap_dims(1, 2);
        for (conv, norm) in self.convs.iter().zip(&self.conv_norms) {
            h = norm.forward(relu(conv.forward(h)));
        }
        let [batch, channels, length] = h.dims();
        let h = relu(
            self.enc_hidden
                .forward(h.reshape([batch, channels * length])),
        );
        (
            self.enc_mean.forward(h.clone()),
            self.enc_log_var.forward(h),
        )
    }

    /// Production logits of latent points.
    ///
    /// # Shapes
    /// `z`: `[batch, latent]` -> `[batch, max_len, productions]`.
    pub fn decode_logits(&self, z: Tensor<2>, max_len: usize) -> Tensor<3> {
        let [batch, latent] = z.dims();
        let h = self
            .dec_norm
            .forward(z.reshape([batch, latent, 1]))
            .reshape([batch, latent]);
        let h = relu(self.dec_in.forward(h));
        let mut h = h.unsqueeze_dim::<3>(1).repeat_dim(1, max_len);
        for gru in &self.grus {
            h = gru.forward(h, None);
        }
        self.dec_out.forward(h)
    }

    /// The loss of a batch, per sequence as the grammar VAE's terms and scales: reconstruction
    /// = the binary cross-entropy between the one-hot sequence and the production
    /// probabilities (a softmax over the productions the true production's left side allows,
    /// clipped to `[1e-7, 1 - 1e-7]` as Keras does), summed over steps and productions and
    /// divided by the number of productions; KL = the KL divergence to `N(0, I)` averaged over
    /// latent dimensions.
    ///
    /// Sample weights enter as in the grammar VAE's Keras code, whose reconstruction term is
    /// one number per batch (the cross-entropy of the flattened batch) added to each sequence's
    /// KL before Keras weights the per-sequence losses: the batch loss is
    /// `mean(weight) · mean(reconstruction) + mean(weight · KL)`. A weight thus scales its
    /// sequence's KL but not its reconstruction, which every sequence of the batch shares
    /// equally; weighted reconstruction comes from the replication of heavy points
    /// (`lso_weighting::replicate`).
    ///
    /// # Shapes
    /// `x`, `masks`: `[batch, max_len, productions]` (one-hot, and 0/1 masks from
    /// `Grammar::step_masks`); `noise`: `[batch, latent]` standard normal; `weights`: `[batch]`.
    pub fn loss(
        &self,
        x: Tensor<3>,
        masks: Tensor<3>,
        noise: Tensor<2>,
        weights: Tensor<1>,
    ) -> GrammarVaeLoss {
        let [batch, max_len, productions] = x.dims();
        let (mean, log_var) = self.encode(x.clone());
        let z = mean.clone() + (log_var.clone() * 0.5).exp() * noise * EPSILON_STD;
        let logits = self.decode_logits(z, max_len);
        // masked softmax: disallowed logits pushed far down before the maximum is taken
        let masked = logits + (masks.clone() - 1.0) * 1e4;
        let shifted = masked.clone() - masked.max_dim(2);
        let e = shifted.exp() * masks;
        let p = (e.clone() / e.sum_dim(2)).clamp(1e-7, 1.0 - 1e-7);
        let bce = (x.clone() * p.clone().log() + (x.neg() + 1.0) * (p.neg() + 1.0).log()).neg();
        let reconstruction = bce.sum_dim(2).sum_dim(1).reshape([batch]) / productions as f64;
        let kl = ((log_var.clone() + 1.0 - mean.powf_scalar(2.0) - log_var.exp()) * -0.5)
            .mean_dim(1)
            .reshape([batch]);
        let reconstruction = reconstruction.mean();
        let rec_mean = reconstruction.clone().into_scalar::<f32>();
        let kl_mean = kl.clone().mean().into_scalar::<f32>();
        let loss = reconstruction * weights.clone().mean() + (kl * weights).mean();
        GrammarVaeLoss {
            loss,
            reconstruction: rec_mean,
            kl: kl_mean,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::TensorData;

    /// Weights scale each sequence's KL but not its reconstruction (the Keras code's batch
    /// cross-entropy): two sequences with the same input and noise, so the same encoding and KL,
    /// but different masks, so very different reconstruction terms, give the same loss whichever
    /// of them carries the weight.
    #[test]
    fn weights_scale_the_kl_and_the_batch_reconstruction_alike() {
        let device = Device::flex();
        let (p, len, d) = (4, 8, 3);
        let config = GrammarVaeConfig {
            productions: p,
            max_len: len,
            latent_dim: d,
            hidden: 8,
            gru_hidden: 8,
            gru_reset_after: false,
        };
        let vae = GrammarVae::new(config, &device);
        let row: Vec<f32> = (0..len * p)
            .map(|i| f32::from(u8::from(i % p == (i / p) % p)))
            .collect();
        let x: Vec<f32> = row.iter().chain(&row).copied().collect();
        // first sequence: only its true production allowed (reconstruction near 0); second:
        // everything allowed
        let masks: Vec<f32> = row.iter().copied().chain(vec![1.0; len * p]).collect();
        let loss = |w: [f32; 2]| {
            let t3 = |v: &Vec<f32>| {
                Tensor::<3>::from_data(TensorData::new(v.clone(), [2, len, p]), &device)
            };
            let noise =
                Tensor::<2>::from_data(TensorData::new(vec![0.5f32; 2 * d], [2, d]), &device);
            let w = Tensor::<1>::from_data(TensorData::new(w.to_vec(), [2]), &device);
            vae.loss(t3(&x), t3(&masks), noise, w)
        };
        let first = loss([2.0, 0.0]);
        let second = loss([0.0, 2.0]);
        let both = loss([1.0, 1.0]);
        let value = |l: &GrammarVaeLoss| f64::from(l.loss.clone().into_scalar::<f32>());
        let expected = f64::from(both.reconstruction) + f64::from(both.kl);
        assert!(both.reconstruction > 0.1, "{}", both.reconstruction);
        for l in [&first, &second, &both] {
            assert!(
                (value(l) - expected).abs() < 1e-5 * expected,
                "{} vs {expected}",
                value(l)
            );
        }
        let half = loss([0.5, 0.5]);
        assert!((value(&half) - expected / 2.0).abs() < 1e-5 * expected);
    }
}
