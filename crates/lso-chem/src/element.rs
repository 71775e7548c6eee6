//! The periodic table facts the chemistry needs.

/// Element symbols by atomic number (index 0 is the wildcard `*`).
const SYMBOLS: [&str; 119] = [
    "*", "H", "He", "Li", "Be", "B", "C", "N", "O", "F", "Ne", "Na", "Mg", "Al", "Si", "P", "S",
    "Cl", "Ar", "K", "Ca", "Sc", "Ti", "V", "Cr", "Mn", "Fe", "Co", "Ni", "Cu", "Zn", "Ga", "Ge",
    "As", "Se", "Br", "Kr", "Rb", "Sr", "Y", "Zr", "Nb", "Mo", "Tc", "Ru", "Rh", "Pd", "Ag", "Cd",
    "In", "Sn", "Sb", "Te", "I", "Xe", "Cs", "Ba", "La", "Ce", "Pr", "Nd", "Pm", "Sm", "Eu", "Gd",
    "Tb", "Dy", "Ho", "Er", "Tm", "Yb", "Lu", "Hf", "Ta", "W", "Re", "Os", "Ir", "Pt", "Au", "Hg",
    "Tl", "Pb", "Bi", "Po", "At", "Rn", "Fr", "Ra", "Ac", "Th", "Pa", "U", "Np", "Pu", "Am", "Cm",
    "Bk", "Cf", "Es", "Fm", "Md", "No", "Lr", "Rf", "Db", "Sg", "Bh", "Hs", "Mt", "Ds", "Rg", "Cn",
    "Nh", "Fl", "Mc", "Lv", "Ts", "Og",
];

/// Symbol of atomic number `z` (`*` for 0).
pub fn symbol(z: u8) -> &'static str {
    SYMBOLS.get(usize::from(z)).copied().unwrap_or("?")
}

/// Atomic number of an element symbol (case-sensitive, `*` is 0).
pub fn atomic_number(symbol: &str) -> Option<u8> {
    SYMBOLS.iter().position(|s| *s == symbol).map(|z| z as u8)
}

/// Allowed valences, smallest first, as RDKit 2026.09's periodic table lists them; empty for
/// elements without a valence rule (any valence, no implicit hydrogens).
pub fn valences(z: u8) -> &'static [u8] {
    match z {
        1 | 3 | 9 | 11 | 17 | 19 | 35 | 37 | 55 => &[1],
        4 | 12 | 20 | 38 | 56 => &[2],
        5 | 13 => &[3],
        6 | 14 | 32 => &[4],
        7 => &[3],
        8 => &[2],
        15 => &[3, 5],
        16 | 34 | 52 => &[2, 4, 6],
        33 => &[3, 5],
        51 => &[3, 5],
        53 => &[1, 3, 5],
        2 | 10 | 18 | 36 | 54 | 86 => &[0],
        _ => &[],
    }
}

/// Number of valence-shell electrons (main-group elements; 0 where unknown).
pub fn outer_electrons(z: u8) -> u8 {
    match z {
        1 | 3 | 11 | 19 | 37 | 55 | 87 => 1,
        4 | 12 | 20 | 38 | 56 | 88 | 2 => 2,
        5 | 13 | 31 | 49 | 81 => 3,
        6 | 14 | 32 | 50 | 82 => 4,
        7 | 15 | 33 | 51 | 83 => 5,
        8 | 16 | 34 | 52 | 84 => 6,
        9 | 17 | 35 | 53 | 85 => 7,
        10 | 18 | 36 | 54 | 86 => 8,
        _ => 0,
    }
}

/// RDKit's "early atom" rule: elements left of carbon gain hydrogens as hydride, so the sign of
/// their formal charge flips in valence arithmetic.
pub fn is_early(z: u8) -> bool {
    matches!(z, 1..=5 | 11..=13 | 19..=31 | 37..=49 | 55..=81 | 87..=118) && outer_electrons(z) < 4
}

/// RDKit's electronegativity order: more outer electrons first, then the lighter element.
pub fn more_electronegative(a: u8, b: u8) -> bool {
    let (ea, eb) = (outer_electrons(a), outer_electrons(b));
    ea > eb || (ea == eb && a < b)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symbols_round_trip() {
        for z in 0..=118u8 {
            assert_eq!(atomic_number(symbol(z)), Some(z));
        }
        assert_eq!(atomic_number("Cl"), Some(17));
        assert_eq!(atomic_number("cl"), None);
    }

    #[test]
    fn electronegativity_order() {
        assert!(more_electronegative(8, 6));
        assert!(more_electronegative(7, 15));
        assert!(!more_electronegative(6, 7));
        assert!(is_early(5) && !is_early(6) && !is_early(7));
    }
}
