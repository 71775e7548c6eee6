//! Kekulisation: turning aromatic bonds into alternating single and double bonds.

use crate::element;
use crate::mol::{BondOrder, Molecule, ring_has_edge};
use crate::sanitize::SanitizeError;
use crate::valence::valence_charge;

/// Upper bound on backtracking steps of the matching search.
const MAX_STEPS: usize = 200_000;

/// Replace the aromatic bonds of `mol` by single and double bonds.
///
/// Aromatic bonds outside every ring become single. Each aromatic atom that needs a double bond
/// (its allowed valence minus its bonds counted as single and its hydrogens is 1, as RDKit
/// decides it) gets exactly one, through a perfect matching over the aromatic ring bonds. Atom
/// aromatic flags are left for aromaticity perception to reset. `total_valence[i]` is the
/// explicit plus implicit valence of atom `i`.
pub(crate) fn kekulize(mol: &mut Molecule, total_valence: &[u32]) -> Result<(), SanitizeError> {
    let n_bonds = mol.bonds.len();
    for b in 0..n_bonds {
        let bond = mol.bonds[b];
        if bond.order == BondOrder::Aromatic
            && !mol
                .rings
                .iter()
                .any(|r| ring_has_edge(r, bond.begin, bond.end))
        {
            mol.bonds[b].order = BondOrder::Single;
        }
    }
    let aromatic_bonds: Vec<usize> = (0..n_bonds)
        .filter(|&b| mol.bonds[b].order == BondOrder::Aromatic)
        .collect();
    if aromatic_bonds.is_empty() {
        return Ok(());
    }
    let needs: Vec<bool> = (0..mol.n_atoms())
        .map(|i| needs_double_bond(mol, i, total_valence[i]))
        .collect();
    // candidate edges: aromatic bonds between two atoms that need a double bond
    let mut options: Vec<Vec<(usize, usize)>> = vec![Vec::new(); mol.n_atoms()];
    for &b in &aromatic_bonds {
        let bond = mol.bonds[b];
        if needs[bond.begin] && needs[bond.end] {
            options[bond.begin].push((bond.end, b));
            options[bond.end].push((bond.begin, b));
        }
    }
    let mut partner: Vec<Option<usize>> = vec![None; mol.n_atoms()];
    let mut steps = 0;
    let todo: Vec<usize> = (0..mol.n_atoms()).filter(|&i| needs[i]).collect();
    let matched = match_all(&todo, &options, &mut partner, &mut steps);
    crate::work::add(steps);
    if !matched {
        let left: Vec<String> = todo.iter().map(|i| i.to_string()).collect();
        return Err(SanitizeError::Kekulize {
            atoms: left.join(" "),
        });
    }
    for &b in &aromatic_bonds {
        mol.bonds[b].order = BondOrder::Single;
    }
    for &b in partner.iter().flatten() {
        mol.bonds[b].order = BondOrder::Double;
    }
    Ok(())
}

/// Whether aromatic atom `i` must take a double bond, as RDKit's kekulisation decides it.
fn needs_double_bond(mol: &Molecule, i: usize, total_valence: u32) -> bool {
    let atom = &mol.atoms[i];
    if !atom.aromatic || atom.element == 0 {
        return false;
    }
    let valences = element::valences(atom.element);
    let Some(&first) = valences.first() else {
        return false;
    };
    let chg = valence_charge(atom.element, atom.charge);
    let tbo = total_valence as i32;
    let mut dv = i32::from(first) + chg;
    for &v in &valences[1..] {
        if tbo <= dv {
            break;
        }
        dv = i32::from(v) + chg;
    }
    let sbo: i32 = mol.adjacency[i]
        .iter()
        .map(|(_, b)| match mol.bonds[*b].order {
            BondOrder::Aromatic => 1,
            o => (o.twice_valence() / 2) as i32,
        })
        .sum::<i32>()
        + atom.total_h() as i32;
    dv - sbo == 1
}

/// Backtracking perfect matching of the atoms in `todo`; each step matches the unmatched atom
/// with the fewest free options.
fn match_all(
    todo: &[usize],
    options: &[Vec<(usize, usize)>],
    partner: &mut [Option<usize>],
    steps: &mut usize,
) -> bool {
    *steps += 1;
    if *steps > MAX_STEPS {
        return false;
    }
    let free = |a: usize, partner: &[Option<usize>]| {
        options[a]
            .iter()
            .filter(|(nb, _)| partner[*nb].is_none())
            .count()
    };
    let Some(&atom) = todo
        .iter()
        .filter(|&&a| partner[a].is_none())
        .min_by_key(|&&a| (free(a, partner), a))
    else {
        return true;
    };
    for &(nb, b) in &options[atom] {
        if partner[nb].is_some() {
            continue;
        }
        partner[atom] = Some(b);
        partner[nb] = Some(b);
        if match_all(todo, options, partner, steps) {
            return true;
        }
        partner[atom] = None;
        partner[nb] = None;
    }
    false
}
