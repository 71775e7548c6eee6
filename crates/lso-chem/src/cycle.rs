//! The paper's cycle penalty, from a networkx-2.5-style cycle basis.

use crate::mol::Molecule;

/// Cycles of the atom graph as networkx 2.5's `cycle_basis` finds them: per connected
/// component, a depth-first walk from the lowest-index unvisited atom with an explicit stack,
/// neighbours visited in ascending index; a neighbour already reached and not in the popped
/// atom's "used" set closes a cycle through the predecessor chain.
pub fn cycle_basis(mol: &Molecule) -> Vec<Vec<usize>> {
    let n = mol.n_atoms();
    let neighbours: Vec<Vec<usize>> = (0..n)
        .map(|i| {
            let mut v: Vec<usize> = mol.neighbours(i).iter().map(|(nb, _)| *nb).collect();
            v.sort_unstable();
            v.dedup();
            v
        })
        .collect();
    let mut visited = vec![false; n];
    let mut cycles = Vec::new();
    // used[i]: the set of atoms from which atom i was reached or closed; None when unreached
    let mut used: Vec<Option<Vec<usize>>> = vec![None; n];
    let mut pred = vec![usize::MAX; n];
    for root in 0..n {
        if visited[root] {
            continue;
        }
        let mut component = vec![root];
        let mut stack = vec![root];
        pred[root] = root;
        used[root] = Some(Vec::new());
        while let Some(z) = stack.pop() {
            for &nbr in &neighbours[z] {
                match &used[nbr] {
                    None => {
                        pred[nbr] = z;
                        stack.push(nbr);
                        used[nbr] = Some(vec![z]);
                        component.push(nbr);
                    }
                    Some(_) if nbr == z => cycles.push(vec![z]),
                    Some(_) if !used[z].as_ref().is_some_and(|u| u.contains(&nbr)) => {
                        let pn = used[nbr].clone().expect("reached");
                        let mut cycle = vec![nbr, z];
                        let mut p = pred[z];
                        while !pn.contains(&p) {
                            cycle.push(p);
                            p = pred[p];
                        }
                        cycle.push(p);
                        cycles.push(cycle);
                        used[nbr].as_mut().expect("reached").push(z);
                    }
                    Some(_) => {}
                }
            }
        }
        for a in component {
            visited[a] = true;
        }
    }
    cycles
}

/// The paper's cycle penalty: `max(0, L - 6)` with `L` the length of the longest cycle of
/// [`cycle_basis`] (0 without cycles).
pub fn cycle_penalty(mol: &Molecule) -> usize {
    cycle_basis(mol)
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(0)
        .saturating_sub(6)
}
