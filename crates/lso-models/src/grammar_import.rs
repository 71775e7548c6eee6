//! Grammar VAEs trained elsewhere: a network built from named weight arrays.
//!
//! The paper's three pretrained expression models are Keras 1.2.1 HDF5 files. Reading HDF5 in
//! Rust needs the HDF5 C library (no pure-Rust reader handles these files), which the default
//! build avoids, so `scripts/import_official_expr.py` (h5py) writes their weights as named
//! arrays in this crate's layout (JSON, [`NamedArrays`]) and [`GrammarModel::from_named_arrays`]
//! builds the network from them; `lso expr import` saves it as a model directory.
//!
//! Names and layouts (`k` = layer index from 0; weights `[input, output]` as burn's `Linear`):
//! `convs.k.weight` `[out, in, kernel]`, `convs.k.bias`; `conv_norms.k.{gamma, beta,
//! running_mean, running_var}` and `dec_norm.*` likewise; `enc_hidden`, `enc_mean`,
//! `enc_log_var`, `dec_in`, `dec_out` `.weight` / `.bias`; `grus.k.{update, reset, new}.{input,
//! hidden}.{weight, bias}`. The encoder's flattened convolution output is channel-major
//! (`channel * length + position`).

use std::collections::BTreeMap;

use burn::module::{Param, RunningState};
use burn::nn::Linear;
use burn::nn::gru::Gru;
use burn::tensor::{Device, Tensor, TensorData};
use serde::{Deserialize, Serialize};

use crate::{GrammarModel, GrammarVae, GrammarVaeConfig, ModelError};

/// One weight array: its shape and its values, row-major.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedArray {
    /// Dimensions.
    pub shape: Vec<usize>,
    /// Values, row-major.
    pub values: Vec<f32>,
}

/// A network's weights by name, with the sizes they make (the file of
/// `scripts/import_official_expr.py`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedArrays {
    /// Where the weights come from (recorded beside the imported model).
    pub source: String,
    /// The network's sizes.
    pub config: GrammarVaeConfig,
    /// The arrays.
    pub arrays: BTreeMap<String, NamedArray>,
}

/// Takes arrays out of a [`NamedArrays`] by name, checking shapes and values.
struct Taker<'a> {
    arrays: &'a BTreeMap<String, NamedArray>,
    used: Vec<&'a str>,
    device: &'a Device,
}

impl<'a> Taker<'a> {
    fn values(&mut self, name: &str, shape: &[usize]) -> Result<TensorData, ModelError> {
        let (key, array) = self
            .arrays
            .get_key_value(name)
            .ok_or_else(|| ModelError::Input(format!("weight `{name}` missing")))?;
        if array.shape != shape {
            return Err(ModelError::Input(format!(
                "weight `{name}` has shape {:?}, the network needs {shape:?}",
                array.shape
            )));
        }
        let expected: usize = shape.iter().product();
        if array.values.len() != expected {
            return Err(ModelError::Input(format!(
                "weight `{name}` holds {} values for shape {shape:?} ({expected})",
                array.values.len()
            )));
        }
        if let Some(i) = array.values.iter().position(|v| !v.is_finite()) {
            return Err(ModelError::Input(format!(
                "weight `{name}` value {i} is not finite"
            )));
        }
        self.used.push(key);
        Ok(TensorData::new(array.values.clone(), shape.to_vec()))
    }

    fn tensor<const D: usize>(
        &mut self,
        name: &str,
        shape: [usize; D],
    ) -> Result<Tensor<D>, ModelError> {
        Ok(Tensor::from_data(self.values(name, &shape)?, self.device))
    }

    fn linear(&mut self, layer: &mut Linear, name: &str) -> Result<(), ModelError> {
        let dims = layer.weight.dims();
        layer.weight = Param::from_tensor(self.tensor(&format!("{name}.weight"), dims)?);
        if layer.bias.is_some() {
            layer.bias = Some(Param::from_tensor(
                self.tensor(&format!("{name}.bias"), [dims[1]])?,
            ));
        }
        Ok(())
    }

    fn batch_norm(&mut self, norm: &mut burn::nn::BatchNorm, name: &str) -> Result<(), ModelError> {
        let [n] = norm.gamma.dims();
        norm.gamma = Param::from_tensor(self.tensor(&format!("{name}.gamma"), [n])?);
        norm.beta = Param::from_tensor(self.tensor(&format!("{name}.beta"), [n])?);
        norm.running_mean = RunningState::new(self.tensor(&format!("{name}.running_mean"), [n])?);
        let var = self.tensor(&format!("{name}.running_var"), [n])?;
        let smallest = var.clone().min().into_scalar::<f32>();
        if smallest < 0.0 {
            return Err(ModelError::Input(format!(
                "weight `{name}.running_var` holds a negative variance ({smallest})"
            )));
        }
        norm.running_var = RunningState::new(var);
        Ok(())
    }

    fn gru(&mut self, gru: &mut Gru, name: &str) -> Result<(), ModelError> {
        for (gate, part) in [
            (&mut gru.update_gate, "update"),
            (&mut gru.reset_gate, "reset"),
            (&mut gru.new_gate, "new"),
        ] {
            self.linear(&mut gate.input_transform, &format!("{name}.{part}.input"))?;
            self.linear(&mut gate.hidden_transform, &format!("{name}.{part}.hidden"))?;
        }
        Ok(())
    }
}

impl GrammarModel {
    /// The network of `weights.config` with the weights of `weights` (see the module docs for
    /// the names and layouts).
    ///
    /// # Errors
    /// [`ModelError::Input`] naming the weight that is missing, of the wrong shape, non-finite,
    /// a negative running variance, or not used by the network.
    pub fn from_named_arrays(weights: &NamedArrays, device: &Device) -> Result<Self, ModelError> {
        let config = weights.config;
        if config.max_len < 7 || config.productions == 0 || config.latent_dim == 0 {
            return Err(ModelError::Input(format!(
                "sizes not usable: length {} (at least 7), productions {}, latent {}",
                config.max_len, config.productions, config.latent_dim
            )));
        }
        let mut net: GrammarVae =
            crate::device::seeded_init(device, 0, || GrammarVae::new(config, device));
        let mut take = Taker {
            arrays: &weights.arrays,
            used: Vec::new(),
            device,
        };
        for (k, conv) in net.convs.iter_mut().enumerate() {
            let dims = conv.weight.dims();
            conv.weight = Param::from_tensor(take.tensor(&format!("convs.{k}.weight"), dims)?);
            conv.bias = Some(Param::from_tensor(
                take.tensor(&format!("convs.{k}.bias"), [dims[0]])?,
            ));
        }
        for (k, norm) in net.conv_norms.iter_mut().enumerate() {
            take.batch_norm(norm, &format!("conv_norms.{k}"))?;
        }
        take.linear(&mut net.enc_hidden, "enc_hidden")?;
        take.linear(&mut net.enc_mean, "enc_mean")?;
        take.linear(&mut net.enc_log_var, "enc_log_var")?;
        take.batch_norm(&mut net.dec_norm, "dec_norm")?;
        take.linear(&mut net.dec_in, "dec_in")?;
        for (k, gru) in net.grus.iter_mut().enumerate() {
            take.gru(gru, &format!("grus.{k}"))?;
        }
        take.linear(&mut net.dec_out, "dec_out")?;
        if let Some(unused) = weights
            .arrays
            .keys()
            .find(|name| !take.used.contains(&name.as_str()))
        {
            return Err(ModelError::Input(format!(
                "weight `{unused}` is not part of the network"
            )));
        }
        Ok(Self::from_network(net, config, device))
    }
}
