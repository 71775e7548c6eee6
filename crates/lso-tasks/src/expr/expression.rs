//! Expressions of the paper's grammar: tokens, the 12-production grammar, parsing into the
//! leftmost derivation and back.

use lso_core::{ParseItemError, TextItem};
use lso_models::{Grammar, Production, Symbol};

/// Maximum derivation length (the paper's 15).
pub const MAX_LEN: usize = 15;

/// A token of an expression (`sin(` and `exp(` are single tokens, as in the paper's data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Token {
    /// `+`
    Plus,
    /// `*`
    Times,
    /// `/`
    Divide,
    /// `(`
    Open,
    /// `sin(`
    Sin,
    /// `exp(`
    Exp,
    /// `)`
    Close,
    /// `x`
    X,
    /// `1`
    One,
    /// `2`
    Two,
    /// `3`
    Three,
}

impl Token {
    /// The token's text.
    pub fn text(self) -> &'static str {
        match self {
            Self::Plus => "+",
            Self::Times => "*",
            Self::Divide => "/",
            Self::Open => "(",
            Self::Sin => "sin(",
            Self::Exp => "exp(",
            Self::Close => ")",
            Self::X => "x",
            Self::One => "1",
            Self::Two => "2",
            Self::Three => "3",
        }
    }

    fn from_text(text: &str) -> Option<Self> {
        Some(match text {
            "+" => Self::Plus,
            "*" => Self::Times,
            "/" => Self::Divide,
            "(" => Self::Open,
            "sin(" => Self::Sin,
            "exp(" => Self::Exp,
            ")" => Self::Close,
            "x" => Self::X,
            "1" => Self::One,
            "2" => Self::Two,
            "3" => Self::Three,
            _ => return None,
        })
    }

    fn opens(self) -> bool {
        matches!(self, Self::Open | Self::Sin | Self::Exp)
    }
}

/// Split text into tokens: `sin(` and `exp(` are one token each, spaces are optional.
///
/// # Errors
/// The byte offset and text of the first unknown token.
pub fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c.is_whitespace() {
            rest = &rest[c.len_utf8()..];
            continue;
        }
        let len = if rest.starts_with("sin(") || rest.starts_with("exp(") {
            4
        } else {
            c.len_utf8()
        };
        let Some(token) = Token::from_text(&rest[..len]) else {
            let offset = text.len() - rest.len();
            let word: String = rest.chars().take_while(|c| !c.is_whitespace()).collect();
            return Err(format!("unknown token {word:?} at byte {offset}"));
        };
        tokens.push(token);
        rest = &rest[len..];
    }
    Ok(tokens)
}

/// Production indices of the paper's grammar, in its order.
mod p {
    pub const ADD: usize = 0;
    pub const MUL: usize = 1;
    pub const DIV: usize = 2;
    pub const TERM: usize = 3;
    pub const PAREN: usize = 4;
    pub const SIN: usize = 5;
    pub const EXP: usize = 6;
    pub const X: usize = 7;
    pub const ONE: usize = 8;
    pub const TWO: usize = 9;
    pub const THREE: usize = 10;
    pub const NOTHING: usize = 11;
}

/// The paper's grammar: `S -> S + T | S * T | S / T | T`,
/// `T -> ( S ) | sin( S ) | exp( S ) | x | 1 | 2 | 3`, `Nothing -> None` (padding), start `S`,
/// sequences of at most [`MAX_LEN`] productions.
pub fn expression_grammar() -> Grammar {
    const S: usize = 0;
    const T: usize = 1;
    let t = |s: &str| Symbol::Terminal(s.to_owned());
    let nt = Symbol::NonTerminal;
    let prod = |lhs: usize, rhs: Vec<Symbol>| Production { lhs, rhs };
    let productions = vec![
        prod(S, vec![nt(S), t("+"), nt(T)]),
        prod(S, vec![nt(S), t("*"), nt(T)]),
        prod(S, vec![nt(S), t("/"), nt(T)]),
        prod(S, vec![nt(T)]),
        prod(T, vec![t("("), nt(S), t(")")]),
        prod(T, vec![t("sin("), nt(S), t(")")]),
        prod(T, vec![t("exp("), nt(S), t(")")]),
        prod(T, vec![t("x")]),
        prod(T, vec![t("1")]),
        prod(T, vec![t("2")]),
        prod(T, vec![t("3")]),
        prod(2, vec![]),
    ];
    Grammar::new(
        vec!["S".into(), "T".into(), "Nothing".into()],
        productions,
        S,
        p::NOTHING,
        MAX_LEN,
    )
    .expect("the paper's grammar is well-formed")
}

/// A well-formed expression of the grammar whose derivation fits in [`MAX_LEN`] productions.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Expression {
    tokens: Vec<Token>,
    derivation: Vec<usize>,
}

impl Expression {
    /// Parse text (tokens as in the paper's data, spaces optional).
    ///
    /// # Errors
    /// A message naming the token position and the problem: unknown token, unbalanced
    /// parenthesis, a term that is not one, or a derivation longer than [`MAX_LEN`].
    pub fn parse(text: &str) -> Result<Self, String> {
        let tokens = tokenize(text)?;
        let mut derivation = Vec::new();
        parse_s(&tokens, 0, &mut derivation)?;
        if derivation.len() > MAX_LEN {
            return Err(format!(
                "derivation of {} productions, more than {MAX_LEN}",
                derivation.len()
            ));
        }
        Ok(Self { tokens, derivation })
    }

    /// The expression of a leftmost derivation (padding allowed at the end).
    ///
    /// # Errors
    /// When the sequence is not a complete derivation of the grammar.
    pub fn from_derivation(grammar: &Grammar, productions: &[usize]) -> Result<Self, String> {
        let terminals = grammar.derive(productions).map_err(|e| e.to_string())?;
        Self::parse(&terminals.join(" "))
    }

    /// The tokens.
    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    /// The leftmost derivation (production indices, without padding).
    pub fn derivation(&self) -> &[usize] {
        &self.derivation
    }
}

impl std::fmt::Display for Expression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (k, t) in self.tokens.iter().enumerate() {
            if k > 0 {
                f.write_str(" ")?;
            }
            f.write_str(t.text())?;
        }
        Ok(())
    }
}

impl TextItem for Expression {
    fn to_text(&self) -> String {
        self.to_string()
    }

    fn from_text(text: &str) -> Result<Self, ParseItemError> {
        Self::parse(text).map_err(|reason| ParseItemError {
            text: text.to_owned(),
            reason,
        })
    }
}

/// Depth after each token: openers count up, `)` down.
fn last_top_level_operator(tokens: &[Token], at: usize) -> Result<Option<usize>, String> {
    let mut depth = 0i32;
    let mut last = None;
    for (k, &t) in tokens.iter().enumerate() {
        if t.opens() {
            depth += 1;
        } else if t == Token::Close {
            depth -= 1;
            if depth < 0 {
                return Err(format!("unmatched ')' at token {}", at + k));
            }
        } else if depth == 0 && matches!(t, Token::Plus | Token::Times | Token::Divide) {
            last = Some(k);
        }
    }
    if depth != 0 {
        return Err(format!(
            "unclosed parenthesis in tokens {at}..{}",
            at + tokens.len()
        ));
    }
    Ok(last)
}

/// `S`: the grammar has no operator precedence and is left-recursive, so the production at
/// the root is the last operator outside parentheses; its left side is an `S`, its right a `T`.
fn parse_s(tokens: &[Token], at: usize, out: &mut Vec<usize>) -> Result<(), String> {
    if tokens.is_empty() {
        return Err(format!("missing operand at token {at}"));
    }
    match last_top_level_operator(tokens, at)? {
        Some(k) => {
            out.push(match tokens[k] {
                Token::Plus => p::ADD,
                Token::Times => p::MUL,
                _ => p::DIV,
            });
            parse_s(&tokens[..k], at, out)?;
            parse_t(&tokens[k + 1..], at + k + 1, out)
        }
        None => {
            out.push(p::TERM);
            parse_t(tokens, at, out)
        }
    }
}

fn parse_t(tokens: &[Token], at: usize, out: &mut Vec<usize>) -> Result<(), String> {
    match tokens {
        [] => Err(format!("missing operand at token {at}")),
        [t] => {
            out.push(match t {
                Token::X => p::X,
                Token::One => p::ONE,
                Token::Two => p::TWO,
                Token::Three => p::THREE,
                other => {
                    return Err(format!("{:?} at token {at} is not a term", other.text()));
                }
            });
            Ok(())
        }
        [first, inner @ .., Token::Close] if first.opens() => {
            out.push(match first {
                Token::Open => p::PAREN,
                Token::Sin => p::SIN,
                _ => p::EXP,
            });
            parse_s(inner, at + 1, out)
        }
        _ => Err(format!(
            "tokens {at}..{} are not one term (a bracket, a function or x, 1, 2, 3)",
            at + tokens.len()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_derives_back() {
        let grammar = expression_grammar();
        for text in [
            "x",
            "x + x + ( x ) + sin( x + 1 )",
            "1 / 3 + ( x ) + sin( x * x )",
            "exp( x / 2 ) * 3",
        ] {
            let e = Expression::parse(text).unwrap();
            assert_eq!(e.to_string(), text);
            let back = grammar.derive(e.derivation()).unwrap().join(" ");
            assert_eq!(back, text);
            let padded = grammar.pad(e.derivation()).unwrap();
            assert_eq!(padded.len(), MAX_LEN);
            assert_eq!(Expression::from_derivation(&grammar, &padded).unwrap(), e);
        }
        // S -> S * T -> (S -> S + T) ...: left-recursive, no precedence
        let e = Expression::parse("x + 1 * 2").unwrap();
        assert_eq!(e.derivation(), &[1, 0, 3, 7, 8, 9]);
    }

    #[test]
    fn tokens_without_spaces() {
        let e = Expression::parse("sin(x)+exp(2*x)").unwrap();
        assert_eq!(e.to_string(), "sin( x ) + exp( 2 * x )");
    }

    #[test]
    fn bad_text_is_an_error_naming_the_place() {
        for (text, needle) in [
            ("", "missing operand"),
            ("x +", "missing operand at token 2"),
            ("( x", "unclosed"),
            ("x )", "unmatched ')' at token 1"),
            ("x y", "unknown token \"y\" at byte 2"),
            ("x x", "not one term"),
            ("cos( x )", "unknown token"),
            ("x + x + x + x + x + x + x + x", "more than 15"),
        ] {
            let err = Expression::parse(text).unwrap_err();
            assert!(err.contains(needle), "{text:?}: {err}");
        }
    }

    #[test]
    fn derive_rejects_sequences_that_are_not_derivations() {
        let g = expression_grammar();
        // T-production where S is leftmost
        assert!(g.derive(&[7]).is_err());
        // unfinished
        assert!(g.derive(&[0, 3, 7]).is_err());
        // a production after the end
        assert!(g.derive(&[3, 7, 7]).is_err());
        // unknown production
        assert!(g.derive(&[3, 99]).is_err());
        assert!(g.derive(&[3, 7, 11, 11]).is_ok());
    }
}
