//! Isotope masses, for the mass term of fingerprint invariants.

/// Standard atomic weight of the elements the project meets (RDKit's values).
fn atomic_weight(z: u8) -> Option<f64> {
    Some(match z {
        1 => 1.008,
        5 => 10.812,
        6 => 12.011,
        7 => 14.007,
        8 => 15.999,
        9 => 18.998,
        14 => 28.086,
        15 => 30.974,
        16 => 32.067,
        17 => 35.453,
        34 => 78.971,
        35 => 79.904,
        53 => 126.904,
        _ => return None,
    })
}

/// Exact masses of common isotopes.
fn isotope_mass(z: u8, a: u16) -> Option<f64> {
    Some(match (z, a) {
        (1, 1) => 1.007_825_032,
        (1, 2) => 2.014_101_778,
        (1, 3) => 3.016_049_278,
        (6, 12) => 12.0,
        (6, 13) => 13.003_354_835,
        (6, 14) => 14.003_241_989,
        (7, 14) => 14.003_074_004,
        (7, 15) => 15.000_108_899,
        (8, 16) => 15.994_914_62,
        (8, 17) => 16.999_131_757,
        (8, 18) => 17.999_159_613,
        (9, 18) => 18.000_938,
        (9, 19) => 18.998_403_163,
        (15, 31) => 30.973_761_998,
        (15, 32) => 31.973_907_643,
        (16, 32) => 31.972_071_174,
        (16, 34) => 33.967_867_004,
        (16, 35) => 34.969_032_161,
        (17, 35) => 34.968_852_682,
        (17, 36) => 35.968_306_82,
        (17, 37) => 36.965_902_602,
        (35, 79) => 78.918_337_6,
        (35, 81) => 80.916_289_7,
        (53, 123) => 122.905_589,
        (53, 125) => 124.904_630_2,
        (53, 127) => 126.904_472_6,
        (53, 131) => 130.906_126_3,
        _ => return None,
    })
}

/// RDKit's `int(atom mass - standard atomic weight)`: 0 without an isotope label; for an
/// isotope the difference of its exact mass (or, when unknown here, its mass number) from the
/// element's weight, truncated toward zero.
pub(crate) fn mass_delta(z: u8, isotope: Option<u16>) -> i32 {
    let (Some(a), Some(weight)) = (isotope, atomic_weight(z)) else {
        return 0;
    };
    let mass = isotope_mass(z, a).unwrap_or(f64::from(a));
    (mass - weight) as i32
}
