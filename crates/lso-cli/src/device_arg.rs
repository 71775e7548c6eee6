//! The `--device` option of the commands that run a neural network.

use burn::tensor::Device;

/// `--device NAME`: where the networks run.
#[derive(clap::Args, Clone, Debug)]
pub struct DeviceArg {
    /// burn device: `flex` (pure-Rust CPU, the default build's only one), or, in a build with
    /// the matching cargo feature, `vulkan`, `wgpu`, `cuda`, `tch` or `tch-cuda`.
    #[arg(long, default_value = "flex")]
    device: String,
}

impl DeviceArg {
    /// The chosen device.
    ///
    /// # Errors
    /// An unknown name, or a backend this build leaves out (the message names its feature).
    pub fn device(&self) -> anyhow::Result<Device> {
        Ok(lso_models::device(&self.device)?)
    }
}
