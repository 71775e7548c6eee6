//! A SMARTS subset for atom typing: atom primitives `*`, element symbols (aliphatic and
//! aromatic), `#n`, `A`, `a`, `Hn` (total hydrogens), `Xn` (total connections), `Dn` (explicit
//! degree), charges (`+`, `-`, `+n`, `-n`, `++`, `--`, `+0`); logic `!`, `&` (or adjacency),
//! `,` and `;` with SMARTS precedence; bonds `-`, `=`, `#`, `:`, `~` and the default
//! single-or-aromatic; branches. No ring closures, ring primitives or recursive SMARTS: a
//! pattern using them is rejected with a clear error.

use crate::element;
use crate::mol::BondOrder;

/// Why a SMARTS pattern was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("SMARTS {pattern:?}, position {position}: {reason}")]
pub struct SmartsError {
    /// The pattern.
    pub pattern: String,
    /// Byte offset of the problem.
    pub position: usize,
    /// What is wrong.
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq)]
enum Prim {
    Any,
    Element { z: u8, aromatic: Option<bool> },
    Aliphatic,
    Aromatic,
    TotalH(u32),
    Connections(u32),
    Degree(u32),
    Charge(i32),
}

#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Prim(Prim),
    Not(Box<Expr>),
    And(Vec<Expr>),
    Or(Vec<Expr>),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum BondQuery {
    Default,
    Order(BondOrder),
    Any,
}

/// The properties a pattern atom is tested against.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct AtomFacts {
    pub element: u8,
    pub aromatic: bool,
    pub total_h: u32,
    pub connections: u32,
    pub degree: u32,
    pub charge: i32,
}

/// A graph to match patterns in: atom facts and adjacency with bond orders.
#[derive(Debug, Clone, Default)]
pub(crate) struct MatchGraph {
    pub atoms: Vec<AtomFacts>,
    pub adjacency: Vec<Vec<(usize, BondOrder)>>,
}

/// A parsed SMARTS pattern (a tree of atoms).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Smarts {
    atoms: Vec<Expr>,
    /// `(parent, child, bond)` in pattern order; every atom but the first has one parent.
    edges: Vec<(usize, usize, BondQuery)>,
}

impl Expr {
    /// Elements this expression can match, or `None` for any element.
    fn elements(&self) -> Option<Vec<u8>> {
        match self {
            Self::Prim(Prim::Element { z, .. }) => Some(vec![*z]),
            Self::Prim(_) | Self::Not(_) => None,
            Self::Or(es) => {
                let mut all = Vec::new();
                for e in es {
                    all.extend(e.elements()?);
                }
                all.sort_unstable();
                all.dedup();
                Some(all)
            }
            Self::And(es) => es
                .iter()
                .filter_map(Expr::elements)
                .reduce(|a, b| a.into_iter().filter(|z| b.contains(z)).collect()),
        }
    }

    fn eval(&self, a: &AtomFacts) -> bool {
        match self {
            Self::Prim(p) => match *p {
                Prim::Any => true,
                Prim::Element { z, aromatic } => {
                    a.element == z && aromatic.is_none_or(|ar| ar == a.aromatic)
                }
                Prim::Aliphatic => !a.aromatic,
                Prim::Aromatic => a.aromatic,
                Prim::TotalH(n) => a.total_h == n,
                Prim::Connections(n) => a.connections == n,
                Prim::Degree(n) => a.degree == n,
                Prim::Charge(c) => a.charge == c,
            },
            Self::Not(e) => !e.eval(a),
            Self::And(es) => es.iter().all(|e| e.eval(a)),
            Self::Or(es) => es.iter().any(|e| e.eval(a)),
        }
    }
}

impl BondQuery {
    fn accepts(self, order: BondOrder) -> bool {
        match self {
            Self::Any => true,
            Self::Default => matches!(order, BondOrder::Single | BondOrder::Aromatic),
            Self::Order(o) => o == order,
        }
    }
}

impl Smarts {
    /// Parse a pattern.
    pub(crate) fn parse(pattern: &str) -> Result<Self, SmartsError> {
        let s = pattern.as_bytes();
        let err = |position: usize, reason: &str| SmartsError {
            pattern: pattern.to_owned(),
            position,
            reason: reason.to_owned(),
        };
        let mut atoms = Vec::new();
        let mut edges = Vec::new();
        let mut prev: Option<usize> = None;
        let mut branches = Vec::new();
        let mut bond = None;
        let mut i = 0;
        while i < s.len() {
            let c = s[i];
            match c {
                b'(' => {
                    branches.push(prev.ok_or_else(|| err(i, "branch before any atom"))?);
                    i += 1;
                }
                b')' => {
                    prev = Some(branches.pop().ok_or_else(|| err(i, "unmatched ')'"))?);
                    i += 1;
                }
                b'-' | b'=' | b'#' | b':' | b'~' => {
                    bond = Some(match c {
                        b'-' => BondQuery::Order(BondOrder::Single),
                        b'=' => BondQuery::Order(BondOrder::Double),
                        b'#' => BondQuery::Order(BondOrder::Triple),
                        b':' => BondQuery::Order(BondOrder::Aromatic),
                        _ => BondQuery::Any,
                    });
                    i += 1;
                }
                b'[' => {
                    let close = s[i..]
                        .iter()
                        .position(|&b| b == b']')
                        .ok_or_else(|| err(i, "unclosed '['"))?
                        + i;
                    let expr = parse_low(pattern, i + 1, close).map_err(|(p, r)| err(p, &r))?;
                    atoms.push(expr);
                    i = close + 1;
                    Self::link(&mut edges, &mut prev, &mut bond, atoms.len() - 1);
                }
                _ => {
                    let (prim, len) =
                        organic(&s[i..]).ok_or_else(|| err(i, "unsupported SMARTS syntax"))?;
                    atoms.push(Expr::Prim(prim));
                    i += len;
                    Self::link(&mut edges, &mut prev, &mut bond, atoms.len() - 1);
                }
            }
        }
        if atoms.is_empty() || !branches.is_empty() || bond.is_some() {
            return Err(err(s.len(), "incomplete pattern"));
        }
        Ok(Self { atoms, edges })
    }

    fn link(
        edges: &mut Vec<(usize, usize, BondQuery)>,
        prev: &mut Option<usize>,
        bond: &mut Option<BondQuery>,
        atom: usize,
    ) {
        if let Some(p) = *prev {
            edges.push((p, atom, bond.take().unwrap_or(BondQuery::Default)));
        }
        *prev = Some(atom);
    }

    /// Elements the pattern's first atom can match, or `None` for any.
    pub(crate) fn root_elements(&self) -> Option<Vec<u8>> {
        self.atoms[0].elements()
    }

    /// How many distinct matches (atom mappings, symmetric ones counted apart, as RDKit's
    /// `SubstructMatch` with `uniquify = false` lists them) have the pattern's first atom on
    /// `root`, counting up to `cap`.
    pub(crate) fn count_at(&self, g: &MatchGraph, root: usize, cap: usize) -> usize {
        if cap == 0 || !self.atoms[0].eval(&g.atoms[root]) {
            return 0;
        }
        let mut map = vec![usize::MAX; self.atoms.len()];
        map[0] = root;
        let mut count = 0;
        self.count_extensions(g, &mut map, 0, cap, &mut count);
        count
    }

    fn count_extensions(
        &self,
        g: &MatchGraph,
        map: &mut [usize],
        k: usize,
        cap: usize,
        count: &mut usize,
    ) {
        let Some(&(parent, child, query)) = self.edges.get(k) else {
            *count += 1;
            return;
        };
        let from = map[parent];
        for &(nb, order) in &g.adjacency[from] {
            if *count >= cap {
                return;
            }
            if !query.accepts(order) || map.contains(&nb) || !self.atoms[child].eval(&g.atoms[nb]) {
                continue;
            }
            map[child] = nb;
            self.count_extensions(g, map, k + 1, cap, count);
            map[child] = usize::MAX;
        }
    }
}

/// An unbracketed atom.
fn organic(s: &[u8]) -> Option<(Prim, usize)> {
    let two = |z| {
        Some((
            Prim::Element {
                z,
                aromatic: Some(false),
            },
            2,
        ))
    };
    match (s[0], s.get(1).copied()) {
        (b'C', Some(b'l')) => two(17),
        (b'B', Some(b'r')) => two(35),
        (b'*', _) => Some((Prim::Any, 1)),
        (b'A', _) => Some((Prim::Aliphatic, 1)),
        (b'a', _) => Some((Prim::Aromatic, 1)),
        (c @ (b'B' | b'C' | b'N' | b'O' | b'P' | b'S' | b'F' | b'I'), _) => {
            let z = element::atomic_number(&(c as char).to_string())?;
            Some((
                Prim::Element {
                    z,
                    aromatic: Some(false),
                },
                1,
            ))
        }
        (c @ (b'b' | b'c' | b'n' | b'o' | b'p' | b's'), _) => {
            let z = element::atomic_number(&(c.to_ascii_uppercase() as char).to_string())?;
            Some((
                Prim::Element {
                    z,
                    aromatic: Some(true),
                },
                1,
            ))
        }
        _ => None,
    }
}

type ParseResult<T> = Result<T, (usize, String)>;

/// `;`-separated conjunction (lowest precedence).
fn parse_low(p: &str, start: usize, end: usize) -> ParseResult<Expr> {
    let parts = split(p, start, end, b';');
    let exprs = parts
        .into_iter()
        .map(|(a, b)| parse_or(p, a, b))
        .collect::<ParseResult<Vec<_>>>()?;
    Ok(if exprs.len() == 1 {
        exprs.into_iter().next().expect("one")
    } else {
        Expr::And(exprs)
    })
}

fn parse_or(p: &str, start: usize, end: usize) -> ParseResult<Expr> {
    let parts = split(p, start, end, b',');
    let exprs = parts
        .into_iter()
        .map(|(a, b)| parse_and(p, a, b))
        .collect::<ParseResult<Vec<_>>>()?;
    Ok(if exprs.len() == 1 {
        exprs.into_iter().next().expect("one")
    } else {
        Expr::Or(exprs)
    })
}

fn split(p: &str, start: usize, end: usize, sep: u8) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = start;
    for (k, &b) in p.as_bytes()[start..end].iter().enumerate() {
        if b == sep {
            out.push((from, start + k));
            from = start + k + 1;
        }
    }
    out.push((from, end));
    out
}

/// High-precedence conjunction: primitives side by side or joined by `&`, each maybe negated.
fn parse_and(p: &str, start: usize, end: usize) -> ParseResult<Expr> {
    let s = p.as_bytes();
    let mut i = start;
    let mut exprs = Vec::new();
    let whole = &p[start..end];
    if whole == "H" {
        return Ok(Expr::Prim(Prim::Element {
            z: 1,
            aromatic: None,
        }));
    }
    while i < end {
        if s[i] == b'&' {
            i += 1;
            continue;
        }
        let mut negate = false;
        while i < end && s[i] == b'!' {
            negate = !negate;
            i += 1;
        }
        if i >= end {
            return Err((i, "expected a primitive".into()));
        }
        let number = |i: &mut usize| -> Option<u32> {
            let from = *i;
            while *i < end && s[*i].is_ascii_digit() {
                *i += 1;
            }
            p[from..*i].parse().ok()
        };
        let prim = match s[i] {
            b'*' => {
                i += 1;
                Prim::Any
            }
            b'#' => {
                i += 1;
                let z = number(&mut i).ok_or((i, "'#' needs an atomic number".to_string()))?;
                Prim::Element {
                    z: z as u8,
                    aromatic: None,
                }
            }
            b'A' if !s.get(i + 1).is_some_and(|c| c.is_ascii_lowercase()) => {
                i += 1;
                Prim::Aliphatic
            }
            b'a' if !s.get(i + 1).is_some_and(|c| c.is_ascii_lowercase())
                || s.get(i + 1) == Some(&b'a') =>
            {
                i += 1;
                Prim::Aromatic
            }
            b'H' => {
                i += 1;
                Prim::TotalH(number(&mut i).unwrap_or(1))
            }
            b'X' => {
                i += 1;
                Prim::Connections(number(&mut i).unwrap_or(1))
            }
            b'D' => {
                i += 1;
                Prim::Degree(number(&mut i).unwrap_or(1))
            }
            sign @ (b'+' | b'-') => {
                i += 1;
                let unit = if sign == b'+' { 1 } else { -1 };
                let mut charge = unit;
                if let Some(n) = number(&mut i) {
                    charge = unit * n as i32;
                } else {
                    while i < end && s[i] == sign {
                        charge += unit;
                        i += 1;
                    }
                }
                Prim::Charge(charge)
            }
            c if c.is_ascii_uppercase() => {
                let two = p
                    .get(i..i + 2)
                    .filter(|t| t.as_bytes()[1].is_ascii_lowercase());
                if let Some(z) = two.and_then(element::atomic_number) {
                    i += 2;
                    Prim::Element {
                        z,
                        aromatic: Some(false),
                    }
                } else {
                    let z = element::atomic_number(&p[i..i + 1])
                        .ok_or((i, "unknown element".to_string()))?;
                    i += 1;
                    Prim::Element {
                        z,
                        aromatic: Some(false),
                    }
                }
            }
            c if c.is_ascii_lowercase() => {
                let z = match p.get(i..i + 2) {
                    Some("se") => Some(34),
                    Some("as") => Some(33),
                    Some("te") => Some(52),
                    _ => None,
                };
                if let Some(z) = z {
                    i += 2;
                    Prim::Element {
                        z,
                        aromatic: Some(true),
                    }
                } else {
                    let z = element::atomic_number(&p[i..i + 1].to_ascii_uppercase())
                        .filter(|_| matches!(c, b'b' | b'c' | b'n' | b'o' | b'p' | b's'))
                        .ok_or((i, "unknown aromatic element".to_string()))?;
                    i += 1;
                    Prim::Element {
                        z,
                        aromatic: Some(true),
                    }
                }
            }
            _ => {
                return Err((
                    i,
                    format!("unsupported SMARTS primitive {:?}", s[i] as char),
                ));
            }
        };
        let e = Expr::Prim(prim);
        exprs.push(if negate { Expr::Not(Box::new(e)) } else { e });
    }
    if exprs.is_empty() {
        return Err((start, "empty atom expression".into()));
    }
    Ok(if exprs.len() == 1 {
        exprs.into_iter().next().expect("one")
    } else {
        Expr::And(exprs)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_crippen_subset() {
        for p in [
            "[CH4]",
            "[CH2X4]([N,O,P,S,F,Cl,Br,I])[A;!#1]",
            "[c](:a)(:a)=[C,N,O]",
            "[NH0;+,+2,+3](=[#6])=[#7]",
            "[OX1;-,-2,-2][#16]",
            "[#9,#17,#35,#53;-]",
            "[O]=C([C,c])[a;!#1]",
            "[+;#3,#11,#19,#37,#55]",
        ] {
            Smarts::parse(p).unwrap_or_else(|e| panic!("{e}"));
        }
        assert!(Smarts::parse("C1CC1").is_err());
        assert!(Smarts::parse("[C").is_err());
        assert!(Smarts::parse("[$(C=O)]").is_err());
    }
}
