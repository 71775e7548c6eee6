//! Subnormals flushed to zero once a binary asks for it (its own process: the mode is global).

use std::hint::black_box;

/// Half the smallest normal `f32`: a subnormal under IEEE arithmetic, zero when flushed.
fn half_smallest() -> f32 {
    black_box(f32::MIN_POSITIVE) * black_box(0.5)
}

#[test]
fn subnormals_are_flushed_on_every_computing_thread_once_asked() {
    assert!(!lso_core::flushing_subnormals());
    assert!(half_smallest() > 0.0, "IEEE subnormals by default");
    let before = lso_core::parallel_map(&[0u8; 4], |_| half_smallest());
    assert!(before.iter().all(|&v| v > 0.0), "{before:?}");

    assert!(
        lso_core::flush_subnormals(),
        "rayon's pool built with the setting"
    );
    assert!(lso_core::flushing_subnormals());
    let expected = if cfg!(target_arch = "x86_64") {
        0.0
    } else {
        half_smallest()
    };
    assert_eq!(half_smallest(), expected);
    let threads = lso_core::parallel_map(&[0u8; 4], |_| half_smallest());
    assert!(threads.iter().all(|&v| v == expected), "{threads:?}");
    let (a, b) = rayon::join(half_smallest, half_smallest);
    assert_eq!((a, b), (expected, expected));
    // normal numbers are untouched
    assert_eq!(
        black_box(f32::MIN_POSITIVE) * black_box(2.0),
        2.0 * f32::MIN_POSITIVE
    );
}
