//! Subnormal floats flushed to zero on the threads that compute, for speed.
//!
//! A trained network's gradients hold many values below `f32::MIN_POSITIVE` (about 1.2e-38),
//! and x86-64 cores take the slow path for every multiply-add on such a subnormal. Measured on
//! the JT-VAE (docs/chem-task.md): 10 retraining steps of the pretrained model on ZINC took
//! 61 s with IEEE subnormals and 38 s with them flushed, the same mean loss to 7 digits
//! (docs/benchmarks.md).
//!
//! Flushing is a per-thread CPU mode (MXCSR's flush-to-zero and denormals-are-zero bits). A
//! binary turns it on with [`flush_subnormals`] first thing in `main`: for its own thread,
//! rayon's global pool (burn's and faer's kernels) and the threads of
//! [`crate::parallel_map`]. Library code leaves the mode alone unless a binary asked for it.
//! Results stay deterministic; they differ from IEEE arithmetic only where a value would fall
//! below `f32::MIN_POSITIVE` (`f64::MIN_POSITIVE` for doubles). Elsewhere than x86-64 nothing
//! changes.
#![allow(unsafe_code)]

use std::sync::atomic::{AtomicBool, Ordering};

static FLUSHING: AtomicBool = AtomicBool::new(false);

/// Flush subnormals to zero on this thread, on rayon's global pool (built here with that
/// setting) and on the threads [`crate::parallel_map`] starts from now on.
///
/// Returns `false` when rayon's global pool already existed: its threads then keep IEEE
/// subnormals, so call this before any parallel work.
pub fn flush_subnormals() -> bool {
    FLUSHING.store(true, Ordering::SeqCst);
    flush_on_this_thread();
    rayon::ThreadPoolBuilder::new()
        .start_handler(|_| flush_on_this_thread())
        .build_global()
        .is_ok()
}

/// Whether [`flush_subnormals`] was called in this process.
pub fn flushing_subnormals() -> bool {
    FLUSHING.load(Ordering::SeqCst)
}

/// Apply the process's choice to a thread just started.
pub(crate) fn on_thread_start() {
    if flushing_subnormals() {
        flush_on_this_thread();
    }
}

#[cfg(target_arch = "x86_64")]
#[allow(deprecated)] // the intrinsics still work; their replacement is inline assembly
fn flush_on_this_thread() {
    use std::arch::x86_64::{_mm_getcsr, _mm_setcsr};
    /// MXCSR's flush-to-zero (results) and denormals-are-zero (inputs) bits.
    const FTZ_DAZ: u32 = 0x8040;
    // SAFETY: SSE is part of x86-64; reading MXCSR and setting two of its mode bits changes how
    // this thread rounds subnormals and nothing else (no exception is unmasked).
    unsafe { _mm_setcsr(_mm_getcsr() | FTZ_DAZ) }
}

#[cfg(not(target_arch = "x86_64"))]
fn flush_on_this_thread() {}
