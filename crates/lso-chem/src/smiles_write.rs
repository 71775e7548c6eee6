//! Canonical SMILES.
//!
//! Atoms are ranked canonically: iterative refinement of atom invariants (element, aromaticity,
//! charge, isotope, degree, hydrogens, ring membership, with bond orders to the neighbours),
//! and while two atoms tie, the first of the lowest tied class is promoted and the refinement
//! repeated. Tied atoms are interchangeable by the molecule's symmetry, so the choice does not
//! change the string. The SMILES is written depth-first from the lowest-ranked atom, visiting
//! neighbours in rank order, in aromatic form, with brackets only where a reader would infer
//! other hydrogens. Tetrahedral marks are re-expressed for the written neighbour order.

use crate::mol::{Atom, BondOrder, Chirality, IMPLICIT_H, Molecule};
use crate::ranking::{count_distinct, dense_ranks, refine_to_fixpoint};
use crate::{stereo, valence};

/// Invariant of an atom for canonical ranking: element, aromatic, charge, isotope, degree,
/// hydrogens, in a ring, marked chiral, atom class (map number, as RDKit ranks it).
type AtomKey = (u8, bool, i8, u16, usize, u32, bool, u8, u32);

/// Canonical rank of every atom (a permutation of `0..n`).
pub fn canonical_ranks(mol: &Molecule, with_stereo: bool) -> Vec<usize> {
    let n = mol.n_atoms();
    let keys: Vec<AtomKey> = (0..n)
        .map(|i| {
            let a = &mol.atoms[i];
            let chir = match a.chirality {
                Chirality::Anticlockwise | Chirality::Clockwise if with_stereo => 1,
                _ => 0,
            };
            (
                a.element,
                a.aromatic,
                a.charge,
                a.isotope.unwrap_or(0),
                mol.degree(i),
                a.total_h(),
                mol.atom_ring_count(i) > 0,
                chir,
                a.atom_class,
            )
        })
        .collect();
    let mut ranks = refine(mol, dense_ranks(&keys));
    if with_stereo {
        // configuration labels relative to the refined ranks tell mirror-related centres and
        // differently configured double bonds apart before ties are broken
        let double_bonds = stereo::stereo_double_bonds(mol);
        loop {
            let r32: Vec<u32> = ranks.iter().map(|&r| r as u32).collect();
            let mut labels: Vec<u8> = (0..n)
                .map(|i| {
                    let marked = matches!(
                        mol.atoms[i].chirality,
                        Chirality::Anticlockwise | Chirality::Clockwise
                    );
                    if marked && stereo::distinct_neighbours(mol, i, &r32) {
                        stereo::configuration(mol, i, &r32)
                    } else {
                        0
                    }
                })
                .collect();
            // double bonds: cis (3) or trans (4) of the highest-ranked neighbours of the two ends
            for sb in &double_bonds {
                let top = |x: usize, other: usize| -> Option<usize> {
                    let mut nbrs: Vec<usize> = mol.adjacency[x]
                        .iter()
                        .map(|(nb, _)| *nb)
                        .filter(|nb| *nb != other)
                        .collect();
                    nbrs.sort_by_key(|&nb| std::cmp::Reverse(ranks[nb]));
                    match nbrs.as_slice() {
                        [a] => Some(*a),
                        [a, b, ..] if ranks[*a] != ranks[*b] => Some(*a),
                        _ => None,
                    }
                };
                let ([(x, rx), (y, ry)], cis) = (sb.ends, sb.cis);
                if let (Some(tx), Some(ty)) = (top(x, y), top(y, x)) {
                    let cis = cis ^ (tx != rx) ^ (ty != ry);
                    let label = if cis { 3 } else { 4 };
                    labels[x] = labels[x].max(label);
                    labels[y] = labels[y].max(label);
                }
            }
            let keys: Vec<(usize, u8)> = ranks.iter().copied().zip(labels).collect();
            let next = refine(mol, dense_ranks(&keys));
            if count_distinct(&next) == count_distinct(&ranks) {
                break;
            }
            ranks = next;
        }
    }
    loop {
        ranks = refine(mol, ranks);
        let mut counts = vec![0usize; n];
        for &r in &ranks {
            counts[r] += 1;
        }
        let Some(tied) = (0..n).find(|&r| counts[r] > 1) else {
            return ranks;
        };
        // promote the first atom of the lowest tied class
        let first = (0..n)
            .find(|&i| ranks[i] == tied)
            .expect("class is populated");
        let keys: Vec<(usize, bool)> = (0..n).map(|i| (ranks[i], i != first)).collect();
        ranks = dense_ranks(&keys);
    }
}

/// Refine dense `ranks` by the neighbours' ranks and bond orders to the fixed point.
fn refine(mol: &Molecule, ranks: Vec<usize>) -> Vec<usize> {
    refine_to_fixpoint(
        &ranks,
        |a| mol.adjacency[a].iter().map(|&(o, _)| o).collect(),
        |i, rank| {
            let mut nb: Vec<(usize, u32)> = mol.adjacency[i]
                .iter()
                .map(|&(o, b)| (rank(o), mol.bonds[b].order.twice_valence()))
                .collect();
            nb.sort_unstable();
            nb
        },
    )
}

/// Writer state: the DFS tree and ring closures.
struct Writer<'a> {
    mol: &'a Molecule,
    ranks: Vec<usize>,
    with_stereo: bool,
    visited: Vec<bool>,
    /// Per atom: ring-closure bonds to write after it, as (partner, bond), in order.
    closures: Vec<Vec<(usize, usize)>>,
    /// Per atom: children in the DFS tree, in order.
    children: Vec<Vec<(usize, usize)>>,
    /// Parent of each atom in the DFS tree.
    parent: Vec<Option<usize>>,
    /// Direction marks to write: bond -> (atom it is written from, `true` for `/`).
    marks: std::collections::HashMap<usize, (usize, bool)>,
}

impl Molecule {
    /// Canonical SMILES: the same string for the same molecule whatever its input atom order.
    /// With `with_stereo`, tetrahedral marks are kept (double-bond `/` `\` marks are not yet
    /// written).
    ///
    /// ```
    /// let a = lso_chem::Molecule::from_smiles("OCC1=CC=CC=C1")?;
    /// let b = lso_chem::Molecule::from_smiles("c1ccc(CO)cc1")?;
    /// assert_eq!(a.to_smiles(false), b.to_smiles(false));
    /// # Ok::<(), lso_chem::SanitizeError>(())
    /// ```
    pub fn to_smiles(&self, with_stereo: bool) -> String {
        let n = self.n_atoms();
        let mut w = Writer {
            mol: self,
            ranks: canonical_ranks(self, with_stereo),
            with_stereo,
            visited: vec![false; n],
            closures: vec![Vec::new(); n],
            children: vec![Vec::new(); n],
            parent: vec![None; n],
            marks: std::collections::HashMap::new(),
        };
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&i| w.ranks[i]);
        let mut starts = Vec::new();
        for &start in &order {
            if !w.visited[start] {
                w.build_tree(start);
                starts.push(start);
            }
        }
        if with_stereo {
            w.place_direction_marks(&starts);
        }
        let mut parts = Vec::new();
        for start in starts {
            let mut out = String::new();
            let mut digits: Vec<Option<usize>> = Vec::new();
            let mut open: Vec<Option<(usize, usize)>> = vec![None; self.bonds.len()];
            w.write(start, &mut out, &mut digits, &mut open);
            parts.push(out);
        }
        parts.join(".")
    }
}

impl Writer<'_> {
    fn sorted_neighbours(&self, a: usize) -> Vec<(usize, usize)> {
        let mut nb = self.mol.adjacency[a].clone();
        nb.sort_by_key(|&(o, _)| self.ranks[o]);
        nb
    }

    /// Depth-first tree from `start`; back edges become ring closures at both ends.
    fn build_tree(&mut self, start: usize) {
        let mut stack = vec![(start, 0usize)];
        self.visited[start] = true;
        let mut tree_or_closed = vec![false; self.mol.bonds.len()];
        while let Some(&mut (a, ref mut k)) = stack.last_mut() {
            let nb = self.sorted_neighbours(a);
            if let Some(&(o, b)) = nb.get(*k) {
                *k += 1;
                if tree_or_closed[b] {
                    continue;
                }
                tree_or_closed[b] = true;
                if self.visited[o] {
                    // ring closure: opened at the atom written first (o), closed at a
                    self.closures[o].push((a, b));
                    self.closures[a].push((o, b));
                } else {
                    self.visited[o] = true;
                    self.parent[o] = Some(a);
                    self.children[a].push((o, b));
                    stack.push((o, 0));
                }
            } else {
                stack.pop();
            }
        }
    }

    /// Choose `/` and `\\` marks that give every stereo double bond its configuration in the
    /// written order; a single bond shared by two stereo double bonds gets one consistent mark.
    fn place_direction_marks(&mut self, starts: &[usize]) {
        // written position of each atom (preorder of the DFS trees)
        let mut position = vec![0usize; self.mol.n_atoms()];
        let mut next = 0;
        for &s in starts {
            let mut stack = vec![s];
            while let Some(a) = stack.pop() {
                position[a] = next;
                next += 1;
                for &(c, _) in self.children[a].iter().rev() {
                    stack.push(c);
                }
            }
        }
        // the atom a bond is written from: the parent for tree bonds, the closing (later) atom
        // for ring closures
        let written_from = |w: &Self, b: usize| -> usize {
            let bond = w.mol.bonds[b];
            let (x, y) = (bond.begin, bond.end);
            if w.parent[y] == Some(x) {
                x
            } else if w.parent[x] == Some(y) {
                y
            } else if position[x] > position[y] {
                x
            } else {
                y
            }
        };
        let mut stereo = stereo::stereo_double_bonds(self.mol);
        stereo.sort_by_key(|s| position[s.ends[0].0].min(position[s.ends[1].0]));
        for sb in stereo {
            let mut ends = sb.ends;
            if position[ends[0].0] > position[ends[1].0] {
                ends.swap(0, 1);
            }
            // candidate neighbours of an end: single (or aromatic) bonds, marked ones first,
            // then in written order
            let candidates = |w: &Self, x: usize, other: usize| -> Vec<usize> {
                let mut c: Vec<usize> = w.mol.adjacency[x]
                    .iter()
                    .filter(|&&(n, b)| {
                        n != other
                            && matches!(
                                w.mol.bonds[b].order,
                                BondOrder::Single | BondOrder::Aromatic
                            )
                    })
                    .map(|&(n, _)| n)
                    .collect();
                c.sort_by_key(|&n| {
                    let b = w.mol.bond_between(x, n).expect("neighbour");
                    (!w.marks.contains_key(&b), position[n])
                });
                c
            };
            let (x, y) = (ends[0].0, ends[1].0);
            let side_of = |w: &Self, x: usize, n: usize| -> Option<bool> {
                let b = w.mol.bond_between(x, n)?;
                let &(from, up) = w.marks.get(&b)?;
                Some(if from == x { up } else { !up })
            };
            let set_side = |w: &mut Self, x: usize, n: usize, above: bool| {
                let b = w.mol.bond_between(x, n).expect("neighbour");
                let from = written_from(w, b);
                w.marks
                    .insert(b, (from, if from == x { above } else { !above }));
            };
            let Some(&nx) = candidates(self, x, y).first() else {
                continue;
            };
            // configuration relative to the chosen neighbours
            let flip = |end: (usize, usize), chosen: usize| end.1 != chosen;
            let above_x = match side_of(self, x, nx) {
                Some(a) => a,
                None => {
                    set_side(self, x, nx, false);
                    false
                }
            };
            for ny in candidates(self, y, x) {
                let cis = sb.cis ^ flip(ends[0], nx) ^ flip(ends[1], ny);
                let want = if cis { above_x } else { !above_x };
                match side_of(self, y, ny) {
                    Some(a) if a != want => continue,
                    Some(_) => {}
                    None => set_side(self, y, ny, want),
                }
                break;
            }
        }
    }

    fn bond_symbol(&self, b: usize) -> &'static str {
        if let Some(&(_, up)) = self.marks.get(&b) {
            return if up { "/" } else { "\\" };
        }
        let bond = self.mol.bonds[b];
        let both_aromatic =
            self.mol.atoms[bond.begin].aromatic && self.mol.atoms[bond.end].aromatic;
        match bond.order {
            BondOrder::Single if both_aromatic => "-",
            BondOrder::Single => "",
            BondOrder::Double => "=",
            BondOrder::Triple => "#",
            BondOrder::Quadruple => "$",
            BondOrder::Aromatic if both_aromatic => "",
            BondOrder::Aromatic => ":",
        }
    }

    fn write(
        &self,
        a: usize,
        out: &mut String,
        digits: &mut Vec<Option<usize>>,
        open: &mut [Option<(usize, usize)>],
    ) {
        // the written neighbour order of `a`, for its chirality mark
        let mut written: Vec<usize> = Vec::new();
        if let Some(p) = self.parent[a] {
            written.push(p);
        }
        let mut closure_text = String::new();
        for &(partner, b) in &self.closures[a] {
            if let Some((digit, _)) = open[b] {
                closure_text.push_str(self.bond_symbol(b));
                push_digit(&mut closure_text, digit);
                digits[digit] = None;
                open[b] = None;
            } else {
                let digit = match digits.iter().position(Option::is_none) {
                    Some(d) => d,
                    None => {
                        digits.push(None);
                        digits.len() - 1
                    }
                };
                digits[digit] = Some(b);
                open[b] = Some((digit, a));
                push_digit(&mut closure_text, digit);
            }
            written.push(partner);
        }
        let children = &self.children[a];
        written.extend(children.iter().map(|(c, _)| *c));
        out.push_str(&self.atom_text(a, &written));
        out.push_str(&closure_text);
        for (k, &(c, b)) in children.iter().enumerate() {
            let last = k + 1 == children.len();
            if !last {
                out.push('(');
            }
            out.push_str(self.bond_symbol(b));
            self.write(c, out, digits, open);
            if !last {
                out.push(')');
            }
        }
    }

    fn atom_text(&self, a: usize, written: &[usize]) -> String {
        let atom = &self.mol.atoms[a];
        let chirality = if self.with_stereo {
            self.output_chirality(a, written)
        } else {
            Chirality::None
        };
        let symbol = if atom.aromatic {
            atom.symbol().to_ascii_lowercase()
        } else {
            atom.symbol().to_owned()
        };
        let organic = matches!(atom.element, 5 | 6 | 7 | 8 | 9 | 15 | 16 | 17 | 35 | 53)
            && (!atom.aromatic || matches!(atom.element, 5 | 6 | 7 | 8 | 15 | 16));
        let plain = organic
            && atom.charge == 0
            && atom.isotope.is_none()
            && atom.atom_class == 0
            && chirality == Chirality::None
            && self.inferred_h(a) == Some(atom.total_h());
        if plain {
            return symbol;
        }
        let mut s = String::from("[");
        if let Some(iso) = atom.isotope {
            s.push_str(&iso.to_string());
        }
        s.push_str(&symbol);
        match chirality {
            Chirality::Anticlockwise => s.push('@'),
            Chirality::Clockwise => s.push_str("@@"),
            _ => {}
        }
        match atom.total_h() {
            0 => {}
            1 => s.push('H'),
            h => s.push_str(&format!("H{h}")),
        }
        match atom.charge {
            0 => {}
            1 => s.push('+'),
            -1 => s.push('-'),
            c if c > 0 => s.push_str(&format!("+{c}")),
            c => s.push_str(&format!("-{}", -c)),
        }
        if atom.atom_class != 0 {
            s.push_str(&format!(":{}", atom.atom_class));
        }
        s.push(']');
        s
    }

    /// Hydrogens a reader would give atom `a` written without brackets.
    fn inferred_h(&self, a: usize) -> Option<u32> {
        let probe = Atom {
            explicit_h: 0,
            implicit_h: 0,
            no_implicit: false,
            ..self.mol.atoms[a].clone()
        };
        let ev = valence::explicit_valence_of(&probe, self.mol.twice_bond_valence(a), a).ok()?;
        valence::implicit_hydrogens_of(&probe, a, ev)
            .ok()
            .map(u32::from)
    }

    /// The mark of atom `a` for the written neighbour order `written`.
    fn output_chirality(&self, a: usize, written: &[usize]) -> Chirality {
        let atom = &self.mol.atoms[a];
        let flip = |c: Chirality| match c {
            Chirality::Anticlockwise => Chirality::Clockwise,
            Chirality::Clockwise => Chirality::Anticlockwise,
            c => c,
        };
        if !matches!(
            atom.chirality,
            Chirality::Anticlockwise | Chirality::Clockwise
        ) {
            return Chirality::None;
        }
        let reference = stereo::reference_order(self.mol, a);
        // written order: parent, then the hydrogen, then closures and children
        let mut out: Vec<usize> = Vec::with_capacity(4);
        let mut rest = written.iter().copied();
        if self.parent[a].is_some() {
            out.extend(rest.next());
        }
        if atom.total_h() == 1 {
            out.push(IMPLICIT_H);
        }
        out.extend(rest);
        if out.len() != reference.len() {
            return atom.chirality;
        }
        let position: Vec<usize> = out
            .iter()
            .map(|x| reference.iter().position(|r| r == x).unwrap_or(0))
            .collect();
        if stereo::odd_permutation(&position) {
            flip(atom.chirality)
        } else {
            atom.chirality
        }
    }
}

/// Write ring-closure number `digit + 1`: one digit, `%nn` up to 99, then `%(nnn)` (RDKit's
/// form; `%100` would read back as ring 10 followed by ring 0).
fn push_digit(s: &mut String, digit: usize) {
    let d = digit + 1;
    if d < 10 {
        s.push_str(&d.to_string());
    } else if d < 100 {
        s.push_str(&format!("%{d:02}"));
    } else {
        s.push_str(&format!("%({d})"));
    }
}
