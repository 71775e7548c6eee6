//! Choosing the burn device (backend) by name, as binaries and run configs spell it.
//!
//! The default build has only `flex`, burn's pure-Rust CPU backend. GPU backends are cargo
//! features of this crate (and of `lso-cli`, which forwards them): `vulkan` and `wgpu` (burn's
//! wgpu runtime; a Vulkan loader and driver at run time), `cuda` (cubecl-cuda; its build
//! downloads LLVM, so it cannot be built offline) and `tch` (libtorch; deprecated upstream, needs
//! a libtorch matching burn-tch, see `LIBTORCH` in burn-tch's README). The device is always
//! chosen explicitly: burn's `Device::default()` prefers a GPU runtime whenever one is compiled
//! in, even on a machine without a GPU.

use burn::module::{Module, ModuleVisitor, Param};
use burn::tensor::{Device, Tensor};

use crate::ModelError;

/// The device names [`device`] accepts, in every build.
pub const DEVICE_NAMES: &[&str] = &["flex", "vulkan", "wgpu", "cuda", "tch", "tch-cuda"];

/// The burn device called `name`: `flex` (CPU, always built), `vulkan`, `wgpu`, `cuda` (first
/// GPU), `tch` (libtorch on the CPU) or `tch-cuda` (libtorch on the first GPU).
///
/// # Errors
/// [`ModelError::Input`] for an unknown name, or a backend this build does not include (the
/// message names the cargo feature to build with).
pub fn device(name: &str) -> Result<Device, ModelError> {
    #[allow(unused_variables)] // with every backend built in
    let missing = |feature: &str| {
        ModelError::Input(format!(
            "device `{name}`: this build has no `{feature}` backend; build with \
             `--features {feature}` (the default build has only `flex`)"
        ))
    };
    match name {
        "flex" => Ok(Device::flex()),
        "vulkan" => {
            #[cfg(feature = "vulkan")]
            return Ok(Device::vulkan(burn::tensor::DeviceKind::DefaultDevice));
            #[cfg(not(feature = "vulkan"))]
            Err(missing("vulkan"))
        }
        "wgpu" => {
            #[cfg(feature = "wgpu")]
            return Ok(Device::wgpu(burn::tensor::DeviceKind::DefaultDevice));
            #[cfg(not(feature = "wgpu"))]
            Err(missing("wgpu"))
        }
        "cuda" => {
            #[cfg(feature = "cuda")]
            return Ok(Device::cuda(0));
            #[cfg(not(feature = "cuda"))]
            Err(missing("cuda"))
        }
        "tch" => {
            #[cfg(feature = "tch")]
            #[allow(deprecated)]
            return Ok(Device::libtorch());
            #[cfg(not(feature = "tch"))]
            Err(missing("tch"))
        }
        "tch-cuda" => {
            #[cfg(feature = "tch")]
            #[allow(deprecated)]
            return Ok(Device::libtorch_cuda(0));
            #[cfg(not(feature = "tch"))]
            Err(missing("tch"))
        }
        other => Err(ModelError::Input(format!(
            "unknown device `{other}`: expected one of {}",
            DEVICE_NAMES.join(", ")
        ))),
    }
}

/// Run `init` right after seeding the device's random generator with `seed` and draw every
/// parameter before returning, holding a process-wide lock: burn's generator is global per
/// backend and its parameters are initialised lazily (on first use), so two models initialised
/// on other threads at the same time (tests, parallel runs) would otherwise draw from each
/// other's sequence and lose their determinism. Every module construction of this crate goes
/// through it, including those whose weights are then loaded from a file.
pub(crate) fn seeded_init<M: Module>(device: &Device, seed: u64, init: impl FnOnce() -> M) -> M {
    /// Touches every float parameter, which runs its pending initialisation.
    struct Materialise;
    impl ModuleVisitor for Materialise {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let _ = param.val();
        }
    }
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    // a panic in another initialisation leaves nothing to repair: the guard only orders calls
    let _guard = LOCK
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    device.seed(seed);
    let module = init();
    module.visit(&mut Materialise);
    module
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flex_is_always_there_and_bad_names_are_named() {
        assert!(device("flex").is_ok());
        let err = device("gpu").unwrap_err().to_string();
        assert!(err.contains("`gpu`") && err.contains("vulkan"), "{err}");
    }

    #[cfg(not(feature = "cuda"))]
    #[test]
    fn a_backend_left_out_of_the_build_names_its_feature() {
        let err = device("cuda").unwrap_err().to_string();
        assert!(err.contains("--features cuda"), "{err}");
    }
}
