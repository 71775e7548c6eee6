//! Context-free grammars for the grammar VAE: productions, masks of the productions each
//! non-terminal allows, masked decoding of production logits and expansion of a leftmost
//! derivation into terminals.
//!
//! A sequence is a leftmost derivation: production `t` rewrites the leftmost non-terminal left
//! after productions `0..t`. It is padded to the grammar's maximum length with its padding
//! production (the paper's `Nothing -> None`).

use rand::Rng;
use rand::RngExt;

/// A symbol on the right side of a production.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Symbol {
    /// A terminal: text of the item.
    Terminal(String),
    /// A non-terminal, by index into the grammar's non-terminals.
    NonTerminal(usize),
}

/// One production `lhs -> rhs`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Production {
    /// Index of the non-terminal on the left side.
    pub lhs: usize,
    /// The right side, left to right (empty for the padding production).
    pub rhs: Vec<Symbol>,
}

/// A grammar that is not well-formed, or a sequence it cannot derive.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GrammarError {
    /// The grammar's definition is inconsistent.
    #[error("grammar: {0}")]
    Definition(String),
    /// A production sequence that is not a leftmost derivation of this grammar.
    #[error("production {production} at step {step}: {reason}")]
    Derivation {
        /// Step in the sequence.
        step: usize,
        /// The production there.
        production: usize,
        /// What is wrong.
        reason: String,
    },
    /// Decoding used every step and non-terminals are still left.
    #[error("derivation unfinished after {max_len} productions ({left} non-terminals left)")]
    Unfinished {
        /// The grammar's maximum length.
        max_len: usize,
        /// Non-terminals still on the stack.
        left: usize,
    },
    /// Logits of the wrong length.
    #[error("expected {expected} logits ({max_len} steps x {productions} productions), got {got}")]
    LogitShape {
        /// Expected length.
        expected: usize,
        /// Given length.
        got: usize,
        /// Steps.
        max_len: usize,
        /// Productions.
        productions: usize,
    },
}

/// How masked decoding picks a production among the allowed ones.
#[derive(Debug)]
pub enum Choice<'a, R: Rng> {
    /// The allowed production with the largest logit.
    Argmax,
    /// A draw from the softmax of the allowed logits (the Gumbel-max trick, as the paper's code).
    Sample(&'a mut R),
}

/// A context-free grammar with a start symbol, a padding production and a maximum length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grammar {
    nonterminals: Vec<String>,
    productions: Vec<Production>,
    start: usize,
    padding: usize,
    max_len: usize,
    /// `masks[nt][p]`: production `p` has left side `nt`.
    masks: Vec<Vec<bool>>,
}

impl Grammar {
    /// A grammar over `nonterminals`; `start` indexes the start symbol, `padding` the production
    /// that pads sequences to `max_len` (its right side must be empty and its left side no other
    /// production's).
    ///
    /// # Errors
    /// [`GrammarError::Definition`] naming the inconsistency.
    pub fn new(
        nonterminals: Vec<String>,
        productions: Vec<Production>,
        start: usize,
        padding: usize,
        max_len: usize,
    ) -> Result<Self, GrammarError> {
        let bad = |s: String| Err(GrammarError::Definition(s));
        let n_nt = nonterminals.len();
        if start >= n_nt {
            return bad(format!("start symbol {start} of {n_nt} non-terminals"));
        }
        if padding >= productions.len() {
            return bad(format!(
                "padding production {padding} of {}",
                productions.len()
            ));
        }
        if max_len == 0 {
            return bad("maximum length 0".into());
        }
        for (k, p) in productions.iter().enumerate() {
            if p.lhs >= n_nt {
                return bad(format!("production {k}: left side {} out of range", p.lhs));
            }
            for s in &p.rhs {
                if let Symbol::NonTerminal(nt) = s
                    && *nt >= n_nt
                {
                    return bad(format!("production {k}: non-terminal {nt} out of range"));
                }
            }
        }
        let pad = &productions[padding];
        if !pad.rhs.is_empty() {
            return bad("the padding production must have an empty right side".into());
        }
        if productions
            .iter()
            .enumerate()
            .any(|(k, p)| k != padding && p.lhs == pad.lhs)
        {
            return bad("the padding production's left side has other productions".into());
        }
        if let Some(nt) = (0..n_nt).find(|&nt| productions.iter().all(|p| p.lhs != nt)) {
            return bad(format!(
                "non-terminal {} has no production",
                nonterminals[nt]
            ));
        }
        let masks = (0..n_nt)
            .map(|nt| productions.iter().map(|p| p.lhs == nt).collect())
            .collect();
        Ok(Self {
            nonterminals,
            productions,
            start,
            padding,
            max_len,
            masks,
        })
    }

    /// Number of productions (the one-hot width).
    pub fn n_productions(&self) -> usize {
        self.productions.len()
    }

    /// Maximum sequence length.
    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Index of the padding production.
    pub fn padding(&self) -> usize {
        self.padding
    }

    /// The productions.
    pub fn productions(&self) -> &[Production] {
        &self.productions
    }

    /// Name of non-terminal `nt`.
    pub fn nonterminal(&self, nt: usize) -> &str {
        &self.nonterminals[nt]
    }

    /// Which productions non-terminal `nt` allows.
    pub fn mask(&self, nt: usize) -> &[bool] {
        &self.masks[nt]
    }

    /// For each step of a padded sequence, the mask of its production's left side (the
    /// productions that could have been chosen there): the training loss's softmax runs over
    /// these. Row-major `max_len x n_productions`, as 0/1.
    pub fn step_masks(&self, padded: &[usize]) -> Vec<f32> {
        padded
            .iter()
            .flat_map(|&p| {
                self.masks[self.productions[p].lhs]
                    .iter()
                    .map(|&a| f32::from(u8::from(a)))
            })
            .collect()
    }

    /// `productions` padded to the maximum length.
    ///
    /// # Errors
    /// [`GrammarError::Derivation`] when the sequence is too long or not a complete derivation.
    pub fn pad(&self, productions: &[usize]) -> Result<Vec<usize>, GrammarError> {
        self.derive(productions)?;
        if productions.len() > self.max_len {
            return Err(GrammarError::Derivation {
                step: self.max_len,
                production: productions[self.max_len],
                reason: format!("longer than the maximum length {}", self.max_len),
            });
        }
        let mut padded = productions.to_vec();
        padded.resize(self.max_len, self.padding);
        Ok(padded)
    }

    /// Expand a leftmost derivation (padding allowed at the end) into its terminals.
    ///
    /// # Errors
    /// [`GrammarError::Derivation`] when a production does not rewrite the leftmost
    /// non-terminal, productions follow a finished derivation, or it ends unfinished.
    pub fn derive(&self, productions: &[usize]) -> Result<Vec<String>, GrammarError> {
        let err = |step: usize, production: usize, reason: String| GrammarError::Derivation {
            step,
            production,
            reason,
        };
        let mut stack = vec![Symbol::NonTerminal(self.start)];
        let mut out = Vec::new();
        let mut steps = productions.iter().copied().enumerate();
        while let Some(symbol) = stack.pop() {
            match symbol {
                Symbol::Terminal(t) => out.push(t),
                Symbol::NonTerminal(nt) => {
                    let Some((step, p)) = steps.next() else {
                        return Err(err(
                            productions.len(),
                            self.padding,
                            format!("derivation ends with {} unexpanded", self.nonterminals[nt]),
                        ));
                    };
                    let Some(production) = self.productions.get(p) else {
                        return Err(err(step, p, "no such production".into()));
                    };
                    if production.lhs != nt {
                        return Err(err(
                            step,
                            p,
                            format!(
                                "rewrites {} but the leftmost non-terminal is {}",
                                self.nonterminals[production.lhs], self.nonterminals[nt]
                            ),
                        ));
                    }
                    stack.extend(production.rhs.iter().rev().cloned());
                }
            }
        }
        for (step, p) in steps {
            if p != self.padding {
                return Err(err(
                    step,
                    p,
                    "follows a finished derivation (only padding may)".into(),
                ));
            }
        }
        Ok(out)
    }

    /// Masked decoding of one sequence of logits (row-major `max_len x n_productions`): a
    /// stack of non-terminals starts as the start symbol; each step pops the top and chooses a
    /// production it allows, pushing the right side's non-terminals; an empty stack emits
    /// padding. Returns the derivation without padding.
    ///
    /// # Errors
    /// [`GrammarError::Unfinished`] when non-terminals are left after `max_len` steps,
    /// [`GrammarError::LogitShape`] for logits of the wrong length.
    pub fn decode<R: Rng>(
        &self,
        logits: &[f32],
        mut choice: Choice<'_, R>,
    ) -> Result<Vec<usize>, GrammarError> {
        let np = self.productions.len();
        if logits.len() != self.max_len * np {
            return Err(GrammarError::LogitShape {
                expected: self.max_len * np,
                got: logits.len(),
                max_len: self.max_len,
                productions: np,
            });
        }
        let mut stack = vec![self.start];
        let mut out = Vec::new();
        for step in 0..self.max_len {
            let Some(nt) = stack.pop() else { break };
            let row = &logits[step * np..(step + 1) * np];
            let mut best = (f64::NEG_INFINITY, None);
            for (p, &allowed) in self.masks[nt].iter().enumerate() {
                if !allowed {
                    continue;
                }
                let mut score = f64::from(row[p]);
                if !score.is_finite() {
                    score = f64::MIN;
                }
                if let Choice::Sample(rng) = &mut choice {
                    // Gumbel noise: -ln(-ln U), U uniform in (0, 1)
                    let u: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
                    score += -(-u.ln()).ln();
                }
                if best.1.is_none() || score > best.0 {
                    best = (score, Some(p));
                }
            }
            let p = best
                .1
                .expect("every non-terminal has a production (checked in new)");
            out.push(p);
            for s in self.productions[p].rhs.iter().rev() {
                if let Symbol::NonTerminal(child) = s {
                    stack.push(*child);
                }
            }
        }
        if !stack.is_empty() {
            return Err(GrammarError::Unfinished {
                max_len: self.max_len,
                left: stack.len(),
            });
        }
        Ok(out)
    }
}
