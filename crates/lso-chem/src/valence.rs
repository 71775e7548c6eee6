//! Explicit and implicit valence, as RDKit computes them.

use crate::element;
use crate::mol::{Atom, Molecule};
use crate::sanitize::SanitizeError;

/// Charge as it shifts the allowed valences of element `z` (RDKit's convention: sign flipped for
/// early elements; a positive carbon behaves like a negative one).
pub(crate) fn valence_charge(z: u8, charge: i8) -> i32 {
    let mut c = i32::from(charge);
    if element::is_early(z) {
        c = -c;
    }
    if z == 6 && c > 0 {
        c = -c;
    }
    c
}

/// RDKit's explicit valence of atom `i`: bond orders (aromatic 1.5) plus explicit hydrogens,
/// lowered for aromatic atoms to the nearest allowed valence, rounded half up.
pub(crate) fn explicit_valence(mol: &Molecule, i: usize) -> Result<u32, SanitizeError> {
    explicit_valence_of(&mol.atoms[i], mol.twice_bond_valence(i), i)
}

/// [`explicit_valence`] of `atom` (index `i`, for errors) with bond valences summing to
/// `twice_bond_valence / 2`.
pub(crate) fn explicit_valence_of(
    atom: &Atom,
    twice_bond_valence: u32,
    i: usize,
) -> Result<u32, SanitizeError> {
    let twice = twice_bond_valence + 2 * u32::from(atom.explicit_h);
    let mut accum = f64::from(twice) / 2.0;
    let valences = element::valences(atom.element);
    let chg = valence_charge(atom.element, atom.charge);
    if let Some(&dv) = valences.first() {
        let dv = i32::from(dv) + chg;
        if atom.aromatic && accum > f64::from(dv) {
            let mut pval = dv;
            for &v in valences {
                let val = i32::from(v) + chg;
                if f64::from(val) > accum {
                    break;
                }
                pval = val;
            }
            if accum - f64::from(pval) <= 1.5 {
                accum = f64::from(pval);
            }
        }
    }
    let ev = (accum + 0.1).round() as i64;
    if let Some(&max) = valences.last() {
        let effective = if element::outer_electrons(atom.element) >= 4 {
            ev - i64::from(atom.charge)
        } else {
            ev + i64::from(atom.charge)
        };
        if max > 0 && effective > i64::from(max) {
            return Err(SanitizeError::Valence {
                atom: i,
                symbol: atom.symbol(),
                valence: ev as u32,
            });
        }
    }
    Ok(ev.max(0) as u32)
}

/// RDKit's implicit hydrogen count of atom `i` given its explicit valence `ev`.
pub(crate) fn implicit_hydrogens(mol: &Molecule, i: usize, ev: u32) -> Result<u8, SanitizeError> {
    implicit_hydrogens_of(&mol.atoms[i], i, ev)
}

/// [`implicit_hydrogens`] of `atom` (index `i`, for errors).
pub(crate) fn implicit_hydrogens_of(atom: &Atom, i: usize, ev: u32) -> Result<u8, SanitizeError> {
    let valences = element::valences(atom.element);
    if atom.no_implicit || atom.element == 0 || valences.is_empty() {
        return Ok(0);
    }
    let chg = valence_charge(atom.element, atom.charge);
    let ev = ev as i32;
    if atom.aromatic {
        let dv = i32::from(valences[0]) + chg;
        if ev <= dv {
            return Ok((dv - ev) as u8);
        }
        if valences.iter().any(|&v| i32::from(v) + chg == ev) {
            return Ok(0);
        }
        return Err(SanitizeError::AromaticValence {
            atom: i,
            symbol: atom.symbol(),
            valence: ev as u32,
        });
    }
    for &v in valences {
        let total = i32::from(v) + chg;
        if ev <= total {
            return Ok((total - ev) as u8);
        }
    }
    Ok(0)
}
