//! The expression task's objective, computed as the paper's code does: the expression is
//! evaluated with ordinary operator precedence (the text is handed to numpy, not read through
//! the grammar, which has none) on `x = linspace(-10, 10, 1000)`, and scored against the target
//! `1/3 + x + sin(x·x)` by `min(7, ln(1 + mean((f(x) - t(x))²)))`; 7 when the value is not
//! finite. Lower scores are better; the loop maximises `-score`.

use lso_core::{BoxError, Objective, Outcome};

use super::expression::{Expression, Token};

/// Number of grid points.
pub const GRID: usize = 1000;
/// The worst score (the clip, and the score of expressions that do not evaluate to finite
/// values).
pub const WORST_SCORE: f64 = 7.0;

/// numpy's `linspace(-10, 10, 1000)`: `i * step + start`, the last point set to `stop`.
pub fn grid() -> Vec<f64> {
    let (start, stop) = (-10.0f64, 10.0f64);
    let step = (stop - start) / (GRID - 1) as f64;
    let mut x: Vec<f64> = (0..GRID).map(|i| i as f64 * step + start).collect();
    x[GRID - 1] = stop;
    x
}

/// The target `1/3 + x + sin(x * x)`, evaluated in Python's order.
pub fn target(x: f64) -> f64 {
    1.0 / 3.0 + x + (x * x).sin()
}

/// An expression tree with ordinary precedence (`*` and `/` before `+`, left-associative).
#[derive(Debug, Clone, PartialEq)]
enum Node {
    X,
    Const(f64),
    Add(Box<Node>, Box<Node>),
    Mul(Box<Node>, Box<Node>),
    Div(Box<Node>, Box<Node>),
    Sin(Box<Node>),
    Exp(Box<Node>),
}

impl Node {
    fn eval(&self, x: f64) -> f64 {
        match self {
            Self::X => x,
            Self::Const(c) => *c,
            Self::Add(a, b) => a.eval(x) + b.eval(x),
            Self::Mul(a, b) => a.eval(x) * b.eval(x),
            Self::Div(a, b) => a.eval(x) / b.eval(x),
            Self::Sin(a) => a.eval(x).sin(),
            Self::Exp(a) => a.eval(x).exp(),
        }
    }
}

/// Recursive descent over a well-formed token sequence (an [`Expression`]'s, so balanced).
struct Precedence<'a> {
    tokens: &'a [Token],
    at: usize,
}

impl Precedence<'_> {
    fn peek(&self) -> Option<Token> {
        self.tokens.get(self.at).copied()
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.peek();
        self.at += 1;
        t
    }

    fn sum(&mut self) -> Option<Node> {
        let mut node = self.product()?;
        while self.peek() == Some(Token::Plus) {
            self.at += 1;
            node = Node::Add(Box::new(node), Box::new(self.product()?));
        }
        Some(node)
    }

    fn product(&mut self) -> Option<Node> {
        let mut node = self.factor()?;
        loop {
            match self.peek() {
                Some(Token::Times) => {
                    self.at += 1;
                    node = Node::Mul(Box::new(node), Box::new(self.factor()?));
                }
                Some(Token::Divide) => {
                    self.at += 1;
                    node = Node::Div(Box::new(node), Box::new(self.factor()?));
                }
                _ => return Some(node),
            }
        }
    }

    fn factor(&mut self) -> Option<Node> {
        Some(match self.next()? {
            Token::X => Node::X,
            Token::One => Node::Const(1.0),
            Token::Two => Node::Const(2.0),
            Token::Three => Node::Const(3.0),
            open @ (Token::Open | Token::Sin | Token::Exp) => {
                let inner = self.sum()?;
                if self.next()? != Token::Close {
                    return None;
                }
                match open {
                    Token::Sin => Node::Sin(Box::new(inner)),
                    Token::Exp => Node::Exp(Box::new(inner)),
                    _ => inner,
                }
            }
            _ => return None,
        })
    }
}

/// numpy's pairwise summation (`add.reduce` of float64): blocks of up to 128 summed with eight
/// accumulators, longer runs halved at a multiple of 8.
fn pairwise_sum(a: &[f64]) -> f64 {
    let n = a.len();
    if n < 8 {
        a.iter().fold(0.0, |s, v| s + v)
    } else if n <= 128 {
        let mut r: [f64; 8] = a[..8].try_into().expect("8 values");
        let whole = n - n % 8;
        for chunk in a[8..whole].chunks_exact(8) {
            for (acc, v) in r.iter_mut().zip(chunk) {
                *acc += v;
            }
        }
        let mut res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for v in &a[whole..] {
            res += v;
        }
        res
    } else {
        let mut n2 = n / 2;
        n2 -= n2 % 8;
        pairwise_sum(&a[..n2]) + pairwise_sum(&a[n2..])
    }
}

/// Score of an expression on the grid (lower is better, in `[0, 7]`).
pub fn score(expression: &Expression, grid: &[f64]) -> f64 {
    let mut parser = Precedence {
        tokens: expression.tokens(),
        at: 0,
    };
    let tree = parser
        .sum()
        .filter(|_| parser.at == expression.tokens().len())
        .expect("an Expression's tokens are well-formed");
    let squared: Vec<f64> = grid
        .iter()
        .map(|&x| (tree.eval(x) - target(x)).powi(2))
        .collect();
    let mse = pairwise_sum(&squared) / grid.len() as f64;
    let s = (1.0 + mse).ln();
    // Python's min(7, nan) is 7; inf clips to 7 too
    if s.is_nan() || s > WORST_SCORE {
        WORST_SCORE
    } else {
        s
    }
}

/// The lowest score of any expression without `x` on `grid`: a constant `c` scores
/// `ln(1 + mean((c - t)²))`, smallest at the grid mean of the target, where it is
/// `ln(1 + var t)` (3.552 on the paper's grid). Every score below it comes from an expression
/// with `x` in it, whatever its constants.
pub fn constant_floor(grid: &[f64]) -> f64 {
    let t: Vec<f64> = grid.iter().map(|&x| target(x)).collect();
    let n = t.len() as f64;
    let mean = t.iter().sum::<f64>() / n;
    let var = t.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n;
    (1.0 + var).ln()
}

/// The objective the loop maximises: `-score`.
#[derive(Debug, Clone)]
pub struct ExprObjective {
    grid: Vec<f64>,
}

impl Default for ExprObjective {
    fn default() -> Self {
        Self { grid: grid() }
    }
}

impl ExprObjective {
    /// The score (lower is better) of one expression.
    pub fn score(&self, expression: &Expression) -> f64 {
        score(expression, &self.grid)
    }
}

impl Objective<Expression> for ExprObjective {
    fn evaluate(&mut self, items: &[Expression]) -> Result<Vec<Outcome>, BoxError> {
        Ok(items
            .iter()
            .map(|e| Outcome::Value(-self.score(e)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_target_scores_zero_and_precedence_is_ordinary() {
        let g = grid();
        assert_eq!(g[0], -10.0);
        assert_eq!(g[999], 10.0);
        let t = Expression::parse("1 / 3 + ( x ) + sin( x * x )").unwrap();
        assert_eq!(score(&t, &g), 0.0);
        // 1 + 2 * x is 1 + (2 x) with ordinary precedence, (1 + 2) x by the grammar
        let e = Expression::parse("1 + 2 * x").unwrap();
        let direct: f64 = g
            .iter()
            .map(|&x| (1.0 + 2.0 * x - target(x)).powi(2))
            .sum::<f64>()
            / 1000.0;
        assert!((score(&e, &g) - (1.0 + direct).ln()).abs() < 1e-12);
        // overflow: exp(exp(exp(x))) is inf for large x
        let e = Expression::parse("exp( exp( exp( x ) ) )").unwrap();
        assert_eq!(score(&e, &g), WORST_SCORE);
    }

    #[test]
    fn no_constant_scores_below_the_floor_and_expressions_with_x_can() {
        let g = grid();
        let floor = constant_floor(&g);
        let score_of = |text: &str| score(&Expression::parse(text).unwrap(), &g);
        // the grid mean of the target is about 1/3 + mean(sin(x x)) (mean(x) is 0)
        for text in [
            "3",
            "1 + 3",
            "2 + 3 * 2",
            "1 / 3",
            "sin( 2 )",
            "exp( 1 )",
            "2 / 3 + 1",
        ] {
            assert!(
                score_of(text) >= floor,
                "{text}: {} < {floor}",
                score_of(text)
            );
        }
        // the bound is tight: a constant at the target's mean scores it
        let t: Vec<f64> = g.iter().map(|&x| target(x)).collect();
        let mean = t.iter().sum::<f64>() / t.len() as f64;
        let at_mean =
            (1.0 + t.iter().map(|v| (mean - v).powi(2)).sum::<f64>() / t.len() as f64).ln();
        assert!((at_mean - floor).abs() < 1e-12);
        for text in ["x", "x + 2", "x + 3", "1 / 3 + x + sin( x * x )"] {
            assert!(score_of(text) < floor, "{text}");
        }
    }

    #[test]
    fn pairwise_sum_matches_plain_sum_closely() {
        let v: Vec<f64> = (0..1000).map(|i| (i as f64 * 0.37).sin()).collect();
        let plain: f64 = v.iter().sum();
        assert!((pairwise_sum(&v) - plain).abs() < 1e-12);
        assert_eq!(pairwise_sum(&[1.0, 2.0, 3.0]), 6.0);
    }
}
