//! Clearing the upper halves of the vector registers after faer's matrix kernels.
//!
//! On x86-64 with AVX-512, faer 0.24 multiplies large `f64` matrices with the assembly kernels
//! of `private-gemm-x86` 0.1.22, which return with the upper halves of the `zmm` registers
//! still in use (no `vzeroupper`). Until something clears them, every scalar floating-point
//! instruction of the default (SSE) build pays a state-transition penalty: measured in the
//! sparse GP's kernel matrix (500 x 5,000, d = 25), the loop of `exp` calls after the distance
//! product took 143 ns a call instead of 5-11 ns (docs/benchmarks.md). The functions here
//! clear that state after a faer call; they change no value computed.
#![allow(unsafe_code)]

/// Clear the upper halves of the vector registers (`vzeroupper`) where the CPU has AVX.
#[inline]
pub(crate) fn clear_upper() {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx") {
        // SAFETY: `vzeroupper` exists on every CPU with AVX (checked above); it zeroes bits 128
        // and up of ymm/zmm 0-15 and nothing else. The C ABI's clobbers mark every
        // caller-saved vector register (all of them on x86-64 System V) as overwritten, so the
        // compiler keeps no value in them across this block, whatever target features the
        // surrounding code is compiled with.
        unsafe { std::arch::asm!("vzeroupper", clobber_abi("C")) }
    }
}

/// `value`, after [`clear_upper`]: wrap a faer product or decomposition in it.
#[inline]
pub(crate) fn cleared<T>(value: T) -> T {
    clear_upper();
    value
}
