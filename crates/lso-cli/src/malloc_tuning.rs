//! Keep freed heap memory in the process instead of handing it back to the kernel.
//!
//! burn's CPU backend allocates and frees tensors of tens of megabytes at every training step
//! (the JT-VAE's candidate-graph messages are about 90 MB). glibc serves blocks that large with
//! `mmap` and returns them with `munmap`, and trims the heap top back to the kernel, so every step
//! touches fresh pages: the JT-VAE pretraining took about 117,000 page faults per second and
//! spent a fifth of its CPU time in the kernel. With the settings below it takes none and a
//! training step is faster (measured in `docs/benchmarks.md`). The cost is that the process keeps
//! its peak heap size until it exits, which suits a compute-bound command-line tool.
#![allow(unsafe_code)]

/// Serve every allocation from the heap (no `mmap` per block), never trim the heap below 2 GiB
/// of free top space, and grow it in steps of 256 MiB.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn keep_freed_memory() {
    // SAFETY: `mallopt` only changes glibc's allocator parameters, with option codes and values
    // from its documentation; it is called first thing in `main`, before any other thread
    // exists. A rejected option returns 0 and leaves the default in place, which is harmless.
    unsafe {
        libc::mallopt(libc::M_MMAP_MAX, 0);
        libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX);
        libc::mallopt(libc::M_TOP_PAD, 256 << 20);
    }
}

/// Outside glibc the allocator's defaults stay.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn keep_freed_memory() {}
