//! Reading SMILES (OpenSMILES, as RDKit accepts it) into a [`Molecule`].

use std::collections::HashMap;

use crate::element;
use crate::mol::{Atom, BondDirection, BondOrder, Chirality, IMPLICIT_H, Molecule};

/// Why a SMILES string could not be read, and where. Its message quotes at most 100 characters
/// of the input, around the problem (the whole input stays in [`ParseError::smiles`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SMILES {}, position {position}: {reason}", excerpt(smiles, *position))]
pub struct ParseError {
    /// The input.
    pub smiles: String,
    /// 0-based byte offset of the problem.
    pub position: usize,
    /// What is wrong.
    pub reason: String,
}

/// Most characters of the input an error message quotes.
const QUOTED_CHARS: usize = 100;

/// The input quoted whole if short, else the `QUOTED_CHARS` characters around byte
/// `position` with `...` where it is cut and the input's length.
fn excerpt(smiles: &str, position: usize) -> String {
    let n = smiles.chars().count();
    if n <= QUOTED_CHARS {
        return format!("{smiles:?}");
    }
    let at = smiles
        .char_indices()
        .take_while(|&(b, _)| b < position)
        .count();
    let from = at.saturating_sub(QUOTED_CHARS / 2).min(n - QUOTED_CHARS);
    let window: String = smiles.chars().skip(from).take(QUOTED_CHARS).collect();
    format!(
        "{}{window:?}{} ({n} characters)",
        if from > 0 { "..." } else { "" },
        if from + QUOTED_CHARS < n { "..." } else { "" }
    )
}

/// A bond symbol read but not yet used.
#[derive(Debug, Clone, Copy, PartialEq)]
struct BondSpec {
    order: BondOrder,
    direction: BondDirection,
    position: usize,
}

struct RingOpen {
    atom: usize,
    bond: Option<BondSpec>,
}

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    mol: Molecule,
    /// Neighbour order per atom as written (see `Molecule::stereo_order`).
    order: Vec<Vec<usize>>,
}

/// Placeholder in the neighbour order for an open ring bond `number`.
fn ring_placeholder(number: u32) -> usize {
    IMPLICIT_H - 1 - number as usize
}

/// Parse a SMILES string into a molecule graph, without sanitisation (see
/// [`crate::Molecule::from_smiles`] for the sanitised molecule).
///
/// # Errors
/// [`ParseError`] with the byte position and the reason; no input panics.
pub fn parse_smiles(smiles: &str) -> Result<Molecule, ParseError> {
    let mut p = Parser {
        s: smiles.as_bytes(),
        text: smiles,
        i: 0,
        mol: Molecule::default(),
        order: Vec::new(),
    };
    p.parse()?;
    p.mol.stereo_order = p.order;
    Ok(p.mol)
}

impl Parser<'_> {
    fn err<T>(&self, position: usize, reason: impl Into<String>) -> Result<T, ParseError> {
        Err(ParseError {
            smiles: self.text.to_owned(),
            position,
            reason: reason.into(),
        })
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn parse(&mut self) -> Result<(), ParseError> {
        if self.s.is_empty() {
            return self.err(0, "empty SMILES");
        }
        let mut prev: Option<usize> = None;
        let mut pending: Option<BondSpec> = None;
        let mut branches: Vec<(usize, usize)> = Vec::new(); // (atom, position of '(')
        let mut rings: HashMap<u32, RingOpen> = HashMap::new();
        let mut ring_positions: HashMap<u32, usize> = HashMap::new();
        // (ring number, closing atom, opening atom, bond symbol) of each closed ring bond
        let mut closures: Vec<(u32, usize, usize, Option<BondSpec>)> = Vec::new();
        while let Some(c) = self.peek() {
            let pos = self.i;
            match c {
                b'-' | b'=' | b'#' | b'$' | b':' | b'/' | b'\\' => {
                    if pending.is_some() {
                        return self.err(pos, "two bond symbols in a row");
                    }
                    if prev.is_none() {
                        return self.err(pos, "bond symbol without a preceding atom");
                    }
                    let (order, direction) = match c {
                        b'-' => (BondOrder::Single, BondDirection::None),
                        b'=' => (BondOrder::Double, BondDirection::None),
                        b'#' => (BondOrder::Triple, BondDirection::None),
                        b'$' => (BondOrder::Quadruple, BondDirection::None),
                        b':' => (BondOrder::Aromatic, BondDirection::None),
                        b'/' => (BondOrder::Single, BondDirection::Up),
                        _ => (BondOrder::Single, BondDirection::Down),
                    };
                    pending = Some(BondSpec {
                        order,
                        direction,
                        position: pos,
                    });
                    self.i += 1;
                }
                b'(' => {
                    let Some(atom) = prev else {
                        return self.err(pos, "branch opened before any atom");
                    };
                    if pending.is_some() {
                        return self.err(pos, "bond symbol before '('; put it inside the branch");
                    }
                    if self.s.get(pos + 1) == Some(&b')') {
                        return self.err(pos, "empty branch '()'");
                    }
                    branches.push((atom, pos));
                    self.i += 1;
                }
                b')' => {
                    if let Some(b) = pending {
                        return self.err(b.position, "bond symbol without a following atom");
                    }
                    let Some((atom, _)) = branches.pop() else {
                        return self.err(pos, "')' without a matching '('");
                    };
                    prev = Some(atom);
                    self.i += 1;
                }
                b'.' => {
                    if let Some(b) = pending {
                        return self.err(b.position, "bond symbol without a following atom");
                    }
                    if prev.is_none() || !branches.is_empty() {
                        return self.err(pos, "'.' must separate two complete components");
                    }
                    prev = None;
                    self.i += 1;
                    if matches!(self.peek(), None | Some(b'.')) {
                        return self.err(self.i, "'.' must be followed by an atom");
                    }
                }
                b'0'..=b'9' | b'%' => {
                    let Some(atom) = prev else {
                        return self.err(pos, "ring-closure digit before any atom");
                    };
                    let number = self.ring_number()?;
                    if let Some(open) = rings.remove(&number) {
                        let spec = match (open.bond, pending) {
                            (Some(a), Some(b)) if a.order != b.order => {
                                return self.err(
                                    pos,
                                    format!(
                                        "ring bond {number} has conflicting orders at its two ends"
                                    ),
                                );
                            }
                            (Some(a), Some(b)) => Some(BondSpec {
                                direction: b.direction,
                                ..a
                            }),
                            // a mark written at the opening digit reads from the opening
                            // atom; the bond is stored from the closing atom, so flip it
                            (Some(a), None) => Some(BondSpec {
                                direction: match a.direction {
                                    BondDirection::Up => BondDirection::Down,
                                    BondDirection::Down => BondDirection::Up,
                                    BondDirection::None => BondDirection::None,
                                },
                                ..a
                            }),
                            (None, b) => b,
                        };
                        if open.atom == atom {
                            return self
                                .err(pos, format!("ring bond {number} closes on its own atom"));
                        }
                        if self.mol.bond_between(open.atom, atom).is_some()
                            || closures.iter().any(|&(_, a, b, _)| {
                                (a, b) == (atom, open.atom) || (a, b) == (open.atom, atom)
                            })
                        {
                            return self.err(
                                pos,
                                format!("ring bond {number} duplicates an existing bond"),
                            );
                        }
                        // RDKit adds ring-closure bonds after all chain bonds, by ring number
                        closures.push((number, atom, open.atom, spec));
                        self.order[atom].push(open.atom);
                        if let Some(slot) = self.order[open.atom]
                            .iter_mut()
                            .find(|v| **v == ring_placeholder(number))
                        {
                            *slot = atom;
                        }
                        ring_positions.remove(&number);
                    } else {
                        self.order[atom].push(ring_placeholder(number));
                        rings.insert(
                            number,
                            RingOpen {
                                atom,
                                bond: pending,
                            },
                        );
                        ring_positions.insert(number, pos);
                    }
                    pending = None;
                }
                _ => {
                    let atom = self.atom()?;
                    self.order.push(Vec::new());
                    if let Some(p) = prev {
                        self.connect(p, atom, pending.take());
                        self.order[atom].push(p);
                        self.order[p].push(atom);
                    } else if let Some(b) = pending {
                        return self.err(b.position, "bond symbol without a preceding atom");
                    }
                    for _ in 0..self.mol.atoms[atom].explicit_h {
                        self.order[atom].push(IMPLICIT_H);
                    }
                    prev = Some(atom);
                }
            }
        }
        if let Some(b) = pending {
            return self.err(b.position, "bond symbol at the end of the SMILES");
        }
        if let Some((_, pos)) = branches.last() {
            return self.err(*pos, "'(' without a matching ')'");
        }
        if let Some((number, pos)) = ring_positions.iter().min_by_key(|(_, p)| **p) {
            return self.err(*pos, format!("ring bond {number} is never closed"));
        }
        closures.sort_by_key(|c| c.0);
        for (_, closing, opening, spec) in closures {
            self.connect(closing, opening, spec);
        }
        Ok(())
    }

    fn connect(&mut self, a: usize, b: usize, spec: Option<BondSpec>) {
        let both_aromatic = self.mol.atoms[a].aromatic && self.mol.atoms[b].aromatic;
        let (order, direction) = match spec {
            // a directional mark between aromatic atoms keeps the bond aromatic, as in RDKit
            Some(s) if s.direction != BondDirection::None && both_aromatic => {
                (BondOrder::Aromatic, s.direction)
            }
            Some(s) => (s.order, s.direction),
            None if both_aromatic => (BondOrder::Aromatic, BondDirection::None),
            None => (BondOrder::Single, BondDirection::None),
        };
        self.mol.add_bond(a, b, order, direction);
    }

    fn ring_number(&mut self) -> Result<u32, ParseError> {
        let pos = self.i;
        if self.s[pos] != b'%' {
            self.i += 1;
            return Ok(u32::from(self.s[pos] - b'0'));
        }
        self.i += 1;
        if self.peek() == Some(b'(') {
            self.i += 1;
            let start = self.i;
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.i += 1;
            }
            if self.i == start || self.peek() != Some(b')') || self.i - start > 5 {
                return self.err(pos, "malformed ring number '%(...)'");
            }
            let n: u32 = self.text[start..self.i].parse().expect("digits");
            self.i += 1;
            return Ok(n);
        }
        match (self.s.get(pos + 1), self.s.get(pos + 2)) {
            (Some(a @ b'0'..=b'9'), Some(b @ b'0'..=b'9')) => {
                self.i += 2;
                Ok(u32::from(a - b'0') * 10 + u32::from(b - b'0'))
            }
            _ => self.err(pos, "'%' must be followed by two digits"),
        }
    }

    fn atom(&mut self) -> Result<usize, ParseError> {
        let pos = self.i;
        let c = self.s[pos];
        if c == b'[' {
            return self.bracket_atom();
        }
        let (z, aromatic, len) = match (c, self.s.get(pos + 1).copied()) {
            (b'C', Some(b'l')) => (17, false, 2),
            (b'B', Some(b'r')) => (35, false, 2),
            (b'B', _) => (5, false, 1),
            (b'C', _) => (6, false, 1),
            (b'N', _) => (7, false, 1),
            (b'O', _) => (8, false, 1),
            (b'P', _) => (15, false, 1),
            (b'S', _) => (16, false, 1),
            (b'F', _) => (9, false, 1),
            (b'I', _) => (53, false, 1),
            (b'b', _) => (5, true, 1),
            (b'c', _) => (6, true, 1),
            (b'n', _) => (7, true, 1),
            (b'o', _) => (8, true, 1),
            (b'p', _) => (15, true, 1),
            (b's', _) => (16, true, 1),
            (b'*', _) => (0, false, 1),
            _ => {
                let ch = self.text[pos..].chars().next().unwrap_or('?');
                return self.err(pos, format!("unexpected character {ch:?}"));
            }
        };
        self.i += len;
        let mut atom = Atom::new(z);
        atom.aromatic = aromatic;
        Ok(self.mol.add_atom(atom))
    }

    fn number(&mut self, max: u32, what: &str) -> Result<Option<u32>, ParseError> {
        let start = self.i;
        while matches!(self.peek(), Some(b'0'..=b'9')) {
            self.i += 1;
        }
        if self.i == start {
            return Ok(None);
        }
        match self.text[start..self.i].parse::<u32>() {
            Ok(n) if n <= max => Ok(Some(n)),
            _ => self.err(
                start,
                format!(
                    "{what} {} is too large (at most {max})",
                    &self.text[start..self.i]
                ),
            ),
        }
    }

    fn bracket_atom(&mut self) -> Result<usize, ParseError> {
        let open = self.i;
        self.i += 1;
        let isotope = self.number(999, "isotope")?;
        let sym_pos = self.i;
        let rest = &self.text[self.i..];
        let (z, aromatic, len) = if rest.starts_with('*') {
            (0, false, 1)
        } else if let Some(sym) = ["se", "as", "te"].iter().find(|s| rest.starts_with(**s)) {
            (
                element::atomic_number(&capitalise(sym)).expect("known element"),
                true,
                2,
            )
        } else if let Some(c @ (b'b' | b'c' | b'n' | b'o' | b'p' | b's')) = self.peek() {
            (
                element::atomic_number(&(c.to_ascii_uppercase() as char).to_string())
                    .expect("known"),
                true,
                1,
            )
        } else {
            let two: String = rest.chars().take(2).collect();
            let one: String = rest.chars().take(1).collect();
            if two.len() == 2
                && two.as_bytes()[1].is_ascii_lowercase()
                && let Some(z) = element::atomic_number(&two)
            {
                (z, false, 2)
            } else if let Some(z) = element::atomic_number(&one).filter(|_| one != "*") {
                (z, false, 1)
            } else if one.is_empty() {
                return self.err(open, "unclosed '['");
            } else {
                return self.err(
                    sym_pos,
                    format!("unknown element in bracket atom starting {one:?}"),
                );
            }
        };
        self.i += len;
        let mut atom = Atom::new(z);
        atom.aromatic = aromatic;
        atom.no_implicit = true;
        atom.isotope = isotope.map(|v| v as u16);
        if self.peek() == Some(b'@') {
            self.i += 1;
            atom.chirality = if self.peek() == Some(b'@') {
                self.i += 1;
                Chirality::Clockwise
            } else {
                let rest = &self.text[self.i..];
                if rest.starts_with("TH1") {
                    self.i += 3;
                    Chirality::Anticlockwise
                } else if rest.starts_with("TH2") {
                    self.i += 3;
                    Chirality::Clockwise
                } else if ["AL", "SP", "TB", "OH"].iter().any(|p| rest.starts_with(p)) {
                    self.i += 2;
                    if self.number(30, "chirality class")?.is_none() {
                        return self.err(self.i, "chirality class needs a number");
                    }
                    Chirality::Other
                } else {
                    Chirality::Anticlockwise
                }
            };
        }
        if self.peek() == Some(b'H') {
            self.i += 1;
            atom.explicit_h = self.number(9, "hydrogen count")?.unwrap_or(1) as u8;
        }
        if let Some(sign @ (b'+' | b'-')) = self.peek() {
            self.i += 1;
            let mut magnitude = 1i32;
            if let Some(n) = self.number(15, "charge")? {
                magnitude = n as i32;
            } else {
                while self.peek() == Some(sign) {
                    self.i += 1;
                    magnitude += 1;
                }
                if magnitude > 15 {
                    return self.err(self.i, "charge is too large (at most 15)");
                }
            }
            atom.charge = if sign == b'+' { magnitude } else { -magnitude } as i8;
        }
        if self.peek() == Some(b':') {
            self.i += 1;
            atom.atom_class = match self.number(u32::MAX / 2, "atom class")? {
                Some(n) => n,
                None => return self.err(self.i, "atom class ':' needs a number"),
            };
        }
        match self.peek() {
            Some(b']') => {
                self.i += 1;
                Ok(self.mol.add_atom(atom))
            }
            None => self.err(open, "unclosed '['"),
            Some(_) => {
                let ch = self.text[self.i..].chars().next().unwrap_or('?');
                self.err(self.i, format!("unexpected {ch:?} in bracket atom"))
            }
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_inputs_are_quoted_in_part_around_the_problem() {
        let long = format!("{}({}", "C".repeat(5000), "O".repeat(10));
        let e = crate::Molecule::from_smiles(&long).unwrap_err().to_string();
        assert!(e.len() < 300, "{e}");
        assert!(e.contains("(5011 characters)") && e.contains("..."), "{e}");
        let short = crate::Molecule::from_smiles("C1CC")
            .unwrap_err()
            .to_string();
        assert!(short.contains("\"C1CC\""), "{short}");
    }

    #[test]
    fn reads_atoms_bonds_rings_and_branches() {
        let m = parse_smiles("CC(=O)Oc1ccccc1C(=O)[O-]").unwrap();
        assert_eq!(m.n_atoms(), 13);
        assert_eq!(m.bonds().len(), 13);
        assert_eq!(m.atoms()[12].charge, -1);
        assert!(m.atoms()[5].aromatic);
        assert_eq!(m.bonds()[1].order, BondOrder::Double);
        let m = parse_smiles("C%10CC%(11)").unwrap_err();
        assert!(m.reason.contains("never closed"), "{m}");
        let m = parse_smiles("[13CH3:7][C@@H](F)/C=C\\[nH+]").unwrap();
        assert_eq!(m.atoms()[0].isotope, Some(13));
        assert_eq!(m.atoms()[0].explicit_h, 3);
        assert_eq!(m.atoms()[0].atom_class, 7);
        assert_eq!(m.atoms()[1].chirality, Chirality::Clockwise);
        assert_eq!(m.bonds()[2].direction, BondDirection::Up);
        assert_eq!(m.atoms()[5].charge, 1);
        let m = parse_smiles("[Cl-].[Na+]").unwrap();
        assert_eq!(m.bonds().len(), 0);
        let m = parse_smiles("[se]1cccc1").unwrap();
        assert!(m.atoms()[0].aromatic && m.atoms()[0].element == 34);
    }

    #[test]
    fn errors_carry_positions() {
        for (s, pos) in [
            ("", 0),
            ("C(", 1),
            ("C)", 1),
            ("C1CC", 1),
            ("C=", 1),
            ("=C", 0),
            ("C[Xx]", 2),
            ("C[C", 1),
            ("C==C", 2),
            ("C.", 2),
            ("C1CC=1-1", 7),
            ("C11", 2),
            ("Cé", 1),
            ("C()C", 1),
            ("C1CC=1", usize::MAX),
        ] {
            match parse_smiles(s) {
                Err(e) => assert_eq!(e.position, pos, "{s}: {e}"),
                Ok(_) => assert_eq!(pos, usize::MAX, "{s} should fail"),
            }
        }
    }
}
