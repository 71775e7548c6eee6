//! Dense ranks of keys, shared by the symmetry and canonical rankings.

/// Rank of each key among the distinct keys (0 for the smallest; equal keys share a rank).
pub(crate) fn dense_ranks<K: Ord + Clone>(keys: &[K]) -> Vec<usize> {
    let mut sorted = keys.to_vec();
    sorted.sort();
    sorted.dedup();
    keys.iter()
        .map(|k| {
            sorted
                .binary_search(k)
                .expect("every key is among the sorted keys")
        })
        .collect()
}

/// Number of distinct values.
pub(crate) fn count_distinct<T: Ord + Clone>(values: &[T]) -> usize {
    let mut v = values.to_vec();
    v.sort();
    v.dedup();
    v.len()
}

/// Iterated refinement of atom ranks to its fixed point, in near-linear time.
///
/// The result is exactly that of the plain iteration: starting from `initial` (dense ranks),
/// replace every atom's rank by the dense rank of `(rank, key(atom))` and repeat until no class
/// splits, where `key(atom, rank_of)` describes the atom's neighbours through `rank_of` and
/// depends only on their ranks' order (any order-preserving renumbering of the ranks gives keys
/// in the same order). The plain iteration costs `O(n)` work a round and a chain of `n` atoms
/// needs about `n / 2` rounds, so `O(n²)`: a 20,000-atom chain took 107 s. Here a round only
/// looks at the atoms next to a class that split in the round before, and of a split class only
/// the atoms outside its largest part count as changed (Hopcroft's rule: the atoms of a class
/// none of whose neighbours moved have equal keys, so the class cannot split between them).
/// Ranks are kept as class offsets (the number of atoms in lower classes), which order the
/// atoms as the dense ranks do, and turned into dense ranks at the end.
pub(crate) fn refine_to_fixpoint<K: Ord>(
    initial: &[usize],
    neighbours: impl Fn(usize) -> Vec<usize>,
    key: impl Fn(usize, &dyn Fn(usize) -> usize) -> K,
) -> Vec<usize> {
    let n = initial.len();
    let k = initial.iter().copied().max().map_or(0, |m| m + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); k];
    let mut class_of = initial.to_vec();
    let mut pos = vec![0; n];
    for (atom, &r) in initial.iter().enumerate() {
        pos[atom] = members[r].len();
        members[r].push(atom);
    }
    let mut start = Vec::with_capacity(k);
    let mut below = 0;
    for m in &members {
        start.push(below);
        below += m.len();
    }
    let mut touched = vec![true; n];
    let mut touched_list: Vec<usize> = (0..n).collect();
    while !touched_list.is_empty() {
        // the touched atoms of each class, classes in increasing order of offset
        touched_list.sort_unstable_by_key(|&a| (start[class_of[a]], a));
        let mut plans: Vec<Split<K>> = Vec::new();
        {
            let rank_of = |a: usize| start[class_of[a]];
            for group in touched_list.chunk_by(|&a, &b| class_of[a] == class_of[b]) {
                let c = class_of[group[0]];
                if members[c].len() == 1 {
                    continue;
                }
                let rest = (group.len() < members[c].len())
                    .then(|| {
                        members[c]
                            .iter()
                            .copied()
                            .find(|&a| !touched[a])
                            .map(|a| key(a, &rank_of))
                    })
                    .flatten();
                let mut keyed: Vec<(K, usize)> =
                    group.iter().map(|&a| (key(a, &rank_of), a)).collect();
                keyed.sort();
                let first = &keyed[0].0;
                let uniform = keyed.iter().all(|(kk, _)| kk == first)
                    && rest.as_ref().is_none_or(|r| r == first);
                if !uniform {
                    plans.push(Split {
                        class: c,
                        keyed,
                        rest,
                    });
                }
            }
        }
        for &a in &touched_list {
            touched[a] = false;
        }
        touched_list.clear();
        for plan in plans {
            let c = plan.class;
            // the parts in key order: (atoms, or None for the untouched rest of the class)
            let mut parts: Vec<(Option<Vec<usize>>, usize)> = Vec::new();
            let mut rest_len = members[c].len() - plan.keyed.len();
            let mut rest_placed = plan.rest.is_none();
            for run in plan.keyed.chunk_by(|x, y| x.0 == y.0) {
                let atoms: Vec<usize> = run.iter().map(|&(_, a)| a).collect();
                match &plan.rest {
                    Some(r) if !rest_placed && *r == run[0].0 => {
                        // equal to the rest: these atoms stay in the class
                        rest_len += atoms.len();
                        parts.push((None, 0));
                        rest_placed = true;
                        continue;
                    }
                    Some(r) if !rest_placed && *r < run[0].0 => {
                        parts.push((None, 0));
                        rest_placed = true;
                    }
                    _ => {}
                }
                for &a in &atoms {
                    remove_member(&mut members, &mut pos, c, a);
                }
                let len = atoms.len();
                parts.push((Some(atoms), len));
            }
            if !rest_placed {
                parts.push((None, 0));
            }
            for p in &mut parts {
                if p.0.is_none() {
                    p.1 = rest_len;
                }
            }
            // an empty rest (every atom touched) hands the class to its first part
            if rest_len == 0 {
                parts.retain(|p| p.0.is_some());
                if let Some((Some(atoms), _)) = parts.first_mut() {
                    for &a in atoms.iter() {
                        pos[a] = members[c].len();
                        members[c].push(a);
                    }
                }
                if let Some(first) = parts.first_mut() {
                    first.0 = None;
                }
            }
            let largest = (0..parts.len())
                .max_by(|&x, &y| parts[x].1.cmp(&parts[y].1).then(y.cmp(&x)))
                .unwrap_or(0);
            let mut offset = start[c];
            for (i, (atoms, len)) in parts.into_iter().enumerate() {
                let id = match atoms {
                    None => c,
                    Some(atoms) => {
                        let id = members.len();
                        for (p, &a) in atoms.iter().enumerate() {
                            class_of[a] = id;
                            pos[a] = p;
                        }
                        members.push(atoms);
                        start.push(0);
                        id
                    }
                };
                start[id] = offset;
                offset += len;
                if i != largest {
                    for &a in &members[id] {
                        for nb in neighbours(a) {
                            if !touched[nb] {
                                touched[nb] = true;
                                touched_list.push(nb);
                            }
                        }
                    }
                }
            }
        }
    }
    let offsets: Vec<usize> = class_of.iter().map(|&c| start[c]).collect();
    dense_ranks(&offsets)
}

/// How one class splits in a round: its touched atoms with their keys (sorted), and the key
/// of its other atoms (all equal), if it has any.
struct Split<K> {
    class: usize,
    keyed: Vec<(K, usize)>,
    rest: Option<K>,
}

fn remove_member(members: &mut [Vec<usize>], pos: &mut [usize], c: usize, a: usize) {
    let p = pos[a];
    members[c].swap_remove(p);
    if let Some(&moved) = members[c].get(p) {
        pos[moved] = p;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain iteration the fast refinement must equal.
    fn plain(initial: &[usize], adjacency: &[Vec<usize>]) -> Vec<usize> {
        let mut ranks = initial.to_vec();
        let mut classes = count_distinct(&ranks);
        loop {
            let keys: Vec<(usize, Vec<usize>)> = (0..ranks.len())
                .map(|i| {
                    let mut nb: Vec<usize> = adjacency[i].iter().map(|&o| ranks[o]).collect();
                    nb.sort_unstable();
                    (ranks[i], nb)
                })
                .collect();
            let next = dense_ranks(&keys);
            let c = count_distinct(&next);
            ranks = next;
            if c == classes {
                return ranks;
            }
            classes = c;
        }
    }

    fn fast(initial: &[usize], adjacency: &[Vec<usize>]) -> Vec<usize> {
        refine_to_fixpoint(
            initial,
            |a| adjacency[a].clone(),
            |a, rank| {
                let mut nb: Vec<usize> = adjacency[a].iter().map(|&o| rank(o)).collect();
                nb.sort_unstable();
                nb
            },
        )
    }

    #[test]
    fn the_fast_refinement_is_the_plain_one_on_random_graphs() {
        // xorshift: numbers below `m`
        let mut state = 88_172_645_463_325_252u64;
        let mut below = |m: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % m as u64) as usize
        };
        for case in 0..400 {
            let n = 1 + below(39);
            let mut adjacency = vec![Vec::new(); n];
            // a random forest plus a few extra edges, like molecules
            for i in 1..n {
                if below(10) != 0 {
                    let j = below(i);
                    adjacency[i].push(j);
                    adjacency[j].push(i);
                }
            }
            for _ in 0..below(4) {
                let (i, j) = (below(n), below(n));
                if i != j && !adjacency[i].contains(&j) {
                    adjacency[i].push(j);
                    adjacency[j].push(i);
                }
            }
            let labels: Vec<usize> = (0..n).map(|_| below(3)).collect();
            let initial = dense_ranks(&labels);
            assert_eq!(
                fast(&initial, &adjacency),
                plain(&initial, &adjacency),
                "case {case}"
            );
        }
    }

    #[test]
    fn a_long_chain_refines_as_the_plain_iteration() {
        let n = 301;
        let adjacency: Vec<Vec<usize>> = (0..n)
            .map(|i| {
                let mut v = Vec::new();
                if i > 0 {
                    v.push(i - 1);
                }
                if i + 1 < n {
                    v.push(i + 1);
                }
                v
            })
            .collect();
        let initial = vec![0; n];
        let ranks = fast(&initial, &adjacency);
        assert_eq!(ranks, plain(&initial, &adjacency));
        // by distance from the nearer end: 151 classes
        assert_eq!(count_distinct(&ranks), 151);
    }
}
