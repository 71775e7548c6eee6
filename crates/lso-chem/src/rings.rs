//! Ring perception: the smallest set of smallest rings (SSSR) and RDKit's symmetrised SSSR.
//!
//! Within each ring system, every simple cycle no longer than the longest ring a minimum cycle
//! basis needs is enumerated. The SSSR is a minimum cycle basis chosen greedily by length over
//! GF(2); the symmetrised set (what RDKit's `RingInfo` holds after sanitisation) adds every cycle
//! that is independent of the strictly shorter cycles (the *relevant cycles*), so that
//! symmetry-equivalent rings are all present (cubane: 6 rings, not 5).

use crate::mol::Molecule;

/// Upper bound on cycles enumerated in one ring system before falling back to the SSSR alone.
const MAX_CYCLES: usize = 20_000;

/// Upper bound on the path extensions of one cycle enumeration before the same fallback: in a
/// large fused system with a long ring (the JT-VAE decoder's aromatic sheets closed into a
/// macrocycle), the simple paths up to the long ring's length are exponentially many while
/// the cycles stay few, and an unbounded search ran for hours.
const MAX_PATH_STEPS: usize = 2_000_000;

/// Rings of a molecule.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Rings {
    /// SSSR (a minimum cycle basis).
    pub sssr: Vec<Vec<usize>>,
    /// Symmetrised SSSR (relevant cycles).
    pub symmetrised: Vec<Vec<usize>>,
}

/// Find the rings of `mol`.
pub(crate) fn find_rings(mol: &Molecule) -> Rings {
    let n = mol.n_atoms();
    crate::work::add(n);
    let ring_bond = ring_bonds(mol);
    let mut seen = vec![false; n];
    let mut out = Rings::default();
    for start in 0..n {
        if seen[start] || !mol.adjacency[start].iter().any(|(_, b)| ring_bond[*b]) {
            continue;
        }
        // ring system: atoms connected through ring bonds
        let mut system = vec![start];
        seen[start] = true;
        let mut k = 0;
        while k < system.len() {
            let a = system[k];
            k += 1;
            for &(nb, b) in &mol.adjacency[a] {
                if ring_bond[b] && !seen[nb] {
                    seen[nb] = true;
                    system.push(nb);
                }
            }
        }
        system.sort_unstable();
        let edges: Vec<usize> = (0..mol.bonds.len())
            .filter(|&b| ring_bond[b] && system.binary_search(&mol.bonds[b].begin).is_ok())
            .collect();
        let n_rings = edges.len() + 1 - system.len();
        let (sssr, symmetrised) = system_rings(mol, &system, &edges, &ring_bond, n_rings);
        out.sssr.extend(sssr);
        out.symmetrised.extend(symmetrised);
    }
    out
}

/// Bonds that lie on a cycle (not bridges).
fn ring_bonds(mol: &Molecule) -> Vec<bool> {
    let n = mol.n_atoms();
    let mut disc = vec![usize::MAX; n];
    let mut low = vec![0; n];
    let mut is_ring = vec![true; mol.bonds.len()];
    let mut time = 0;
    for root in 0..n {
        if disc[root] != usize::MAX {
            continue;
        }
        // iterative DFS: (atom, parent bond, next neighbour index)
        let mut stack = vec![(root, usize::MAX, 0usize)];
        disc[root] = time;
        low[root] = time;
        time += 1;
        while let Some(&mut (a, pb, ref mut next)) = stack.last_mut() {
            if let Some(&(nb, b)) = mol.adjacency[a].get(*next) {
                *next += 1;
                if b == pb {
                    continue;
                }
                if disc[nb] == usize::MAX {
                    disc[nb] = time;
                    low[nb] = time;
                    time += 1;
                    stack.push((nb, b, 0));
                } else {
                    low[a] = low[a].min(disc[nb]);
                }
            } else {
                stack.pop();
                if let Some(&(parent, _, _)) = stack.last() {
                    low[parent] = low[parent].min(low[a]);
                    if low[a] > disc[parent] {
                        is_ring[pb] = false;
                    }
                }
            }
        }
    }
    is_ring
}

type EdgeSet = Vec<u64>;

fn system_rings(
    mol: &Molecule,
    system: &[usize],
    edges: &[usize],
    ring_bond: &[bool],
    n_rings: usize,
) -> (Vec<Vec<usize>>, Vec<Vec<usize>>) {
    let words = edges.len().div_ceil(64);
    let edge_index = |b: usize| edges.binary_search(&b).expect("ring bond of this system");
    let to_set = |cycle: &[usize]| -> EdgeSet {
        let mut set = vec![0u64; words];
        for i in 0..cycle.len() {
            let b = mol
                .bond_between(cycle[i], cycle[(i + 1) % cycle.len()])
                .expect("consecutive ring atoms are bonded");
            let e = edge_index(b);
            set[e / 64] |= 1 << (e % 64);
        }
        set
    };
    // enumerate cycles by increasing length limit until a basis is complete
    let mut limit = 3;
    loop {
        let cycles = simple_cycles(mol, system, ring_bond, limit);
        let mut cycles = match cycles {
            Some(c) => c,
            None => break,
        };
        cycles.sort_by(|a, b| a.len().cmp(&b.len()).then_with(|| a.cmp(b)));
        let sets: Vec<EdgeSet> = cycles.iter().map(|c| to_set(c)).collect();
        let mut basis = Basis::default();
        let mut sssr = Vec::new();
        for (c, s) in cycles.iter().zip(&sets) {
            if basis.insert(s.clone()) {
                sssr.push(c.clone());
            }
            if sssr.len() == n_rings {
                break;
            }
        }
        if sssr.len() == n_rings {
            let max_len = sssr.iter().map(Vec::len).max().unwrap_or(0);
            // relevant cycles: independent of all strictly shorter cycles
            let mut shorter = Basis::default();
            let mut relevant = Vec::new();
            let mut i = 0;
            while i < cycles.len() && cycles[i].len() <= max_len {
                let len = cycles[i].len();
                let mut j = i;
                while j < cycles.len() && cycles[j].len() == len {
                    if shorter.independent(&sets[j]) {
                        relevant.push(cycles[j].clone());
                    }
                    j += 1;
                }
                for s in &sets[i..j] {
                    shorter.insert(s.clone());
                }
                i = j;
            }
            return (sssr, relevant);
        }
        if limit > system.len() {
            break;
        }
        limit = (limit * 2).min(system.len());
    }
    // Too many cycles to enumerate: fall back to Horton's candidates for the SSSR alone.
    let sssr = horton_sssr(mol, system, ring_bond, n_rings, &to_set);
    (sssr.clone(), sssr)
}

/// All simple cycles of at most `limit` atoms, each starting at its smallest atom, in the
/// direction of its smaller second atom; `None` past [`MAX_CYCLES`] cycles or
/// [`MAX_PATH_STEPS`] path extensions. The path extensions count as sanitisation work
/// ([`crate::thread_work`]) however the enumeration ends.
fn simple_cycles(
    mol: &Molecule,
    system: &[usize],
    ring_bond: &[bool],
    limit: usize,
) -> Option<Vec<Vec<usize>>> {
    let mut steps = 0usize;
    let cycles = enumerate_cycles(mol, system, ring_bond, limit, &mut steps);
    crate::work::add(steps);
    cycles
}

/// [`simple_cycles`], counting its path extensions in `steps`.
fn enumerate_cycles(
    mol: &Molecule,
    system: &[usize],
    ring_bond: &[bool],
    limit: usize,
    steps: &mut usize,
) -> Option<Vec<Vec<usize>>> {
    let mut cycles = Vec::new();
    let mut on_path = vec![false; mol.n_atoms()];
    for &start in system {
        let mut path = vec![start];
        on_path[start] = true;
        let mut stack: Vec<usize> = vec![0];
        while let Some(next) = stack.last_mut() {
            let a = *path.last().expect("path follows stack");
            let nbrs = &mol.adjacency[a];
            if let Some(&(nb, b)) = nbrs.get(*next) {
                *next += 1;
                if !ring_bond[b] || nb < start {
                    continue;
                }
                if nb == start && path.len() >= 3 {
                    if path[1] < path[path.len() - 1] {
                        cycles.push(path.clone());
                        if cycles.len() > MAX_CYCLES {
                            return None;
                        }
                    }
                    continue;
                }
                if on_path[nb] || path.len() >= limit {
                    continue;
                }
                *steps += 1;
                if *steps > MAX_PATH_STEPS {
                    return None;
                }
                on_path[nb] = true;
                path.push(nb);
                stack.push(0);
            } else {
                stack.pop();
                if let Some(a) = path.pop() {
                    on_path[a] = false;
                }
            }
        }
    }
    Some(cycles)
}

/// Horton's candidate cycles (shortest paths from each root) and a greedy minimum cycle basis.
fn horton_sssr(
    mol: &Molecule,
    system: &[usize],
    ring_bond: &[bool],
    n_rings: usize,
    to_set: &dyn Fn(&[usize]) -> EdgeSet,
) -> Vec<Vec<usize>> {
    let n = mol.n_atoms();
    let mut candidates = Vec::new();
    for &root in system {
        let mut parent = vec![usize::MAX; n];
        let mut dist = vec![usize::MAX; n];
        dist[root] = 0;
        let mut queue = std::collections::VecDeque::from([root]);
        while let Some(a) = queue.pop_front() {
            for &(nb, b) in &mol.adjacency[a] {
                if ring_bond[b] && dist[nb] == usize::MAX {
                    dist[nb] = dist[a] + 1;
                    parent[nb] = a;
                    queue.push_back(nb);
                }
            }
        }
        let path = |mut v: usize| {
            let mut p = vec![v];
            while v != root {
                v = parent[v];
                p.push(v);
            }
            p
        };
        for &u in system {
            for &(v, b) in &mol.adjacency[u] {
                if !ring_bond[b] || u >= v || dist[u] == usize::MAX || dist[v] == usize::MAX {
                    continue;
                }
                // an edge of the shortest-path tree closes no cycle (it would be the edge
                // walked there and back)
                if parent[u] == v || parent[v] == u {
                    continue;
                }
                let (pu, pv) = (path(u), path(v));
                let shared = pu.iter().filter(|x| pv.contains(x)).count();
                if shared != 1 {
                    continue;
                }
                // root..u followed by v..root (root repeated at the end)
                let mut cycle: Vec<usize> = pu.into_iter().rev().collect();
                cycle.extend(pv);
                candidates.push(cycle);
            }
        }
    }
    crate::work::add(candidates.len());
    candidates.sort_by_key(Vec::len);
    let mut basis = Basis::default();
    let mut out = Vec::new();
    for c in candidates {
        // cycle: root..u then v..root (root repeated at the end): drop the duplicate root
        let mut c = c;
        if c.first() == c.last() {
            c.pop();
        }
        if basis.insert(to_set(&c)) {
            out.push(c);
            if out.len() == n_rings {
                break;
            }
        }
    }
    out
}

/// An incremental GF(2) basis of edge sets (rows kept reduced by their leading bit).
#[derive(Default)]
struct Basis {
    rows: Vec<(usize, EdgeSet)>,
}

impl Basis {
    fn reduce(&self, mut v: EdgeSet) -> EdgeSet {
        for (lead, row) in &self.rows {
            if v[lead / 64] >> (lead % 64) & 1 == 1 {
                for (a, b) in v.iter_mut().zip(row) {
                    *a ^= b;
                }
            }
        }
        v
    }

    fn independent(&self, v: &EdgeSet) -> bool {
        self.reduce(v.clone()).iter().any(|w| *w != 0)
    }

    fn insert(&mut self, v: EdgeSet) -> bool {
        let v = self.reduce(v);
        let Some(word) = v.iter().position(|w| *w != 0) else {
            return false;
        };
        let lead = word * 64 + v[word].trailing_zeros() as usize;
        // keep existing rows reduced with respect to the new leading bit
        for (_, row) in &mut self.rows {
            if row[lead / 64] >> (lead % 64) & 1 == 1 {
                for (a, b) in row.iter_mut().zip(&v) {
                    *a ^= b;
                }
            }
        }
        self.rows.push((lead, v));
        true
    }
}
