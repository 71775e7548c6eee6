//! The grammar VAE over expressions on the loop's generative-model trait.

use std::collections::HashMap;
use std::path::Path;

use lso_core::{BoxError, Decoded, Encoded, GenerativeModel, StreamRng};
use lso_models::{Choice, Grammar, GrammarModel, GrammarTrainSettings, SequenceBatch};
use ndarray::ArrayView2;

use super::expression::{Expression, expression_grammar};
use crate::finite_rows::decode_finite_rows;

/// Decodes per latent point (the paper's `n_decode_attempts`).
pub const DECODE_ATTEMPTS: usize = 5;

/// One-hot rows and step masks of expressions, `n x max_len x productions` each.
///
/// # Errors
/// When an expression's derivation does not fit the grammar's length.
pub fn one_hot(grammar: &Grammar, items: &[Expression]) -> Result<(Vec<f32>, Vec<f32>), BoxError> {
    let p = grammar.n_productions();
    let mut x = Vec::with_capacity(items.len() * grammar.max_len() * p);
    let mut masks = Vec::with_capacity(x.capacity());
    for e in items {
        let padded = grammar.pad(e.derivation())?;
        for &k in &padded {
            x.extend((0..p).map(|j| f32::from(u8::from(j == k))));
        }
        masks.extend(grammar.step_masks(&padded));
    }
    Ok((x, masks))
}

/// The most frequent expression among decodes (the first to reach the top count on ties).
fn majority(decodes: Vec<Expression>) -> Option<Expression> {
    let mut counts: HashMap<&Expression, (usize, usize)> = HashMap::new();
    for (k, e) in decodes.iter().enumerate() {
        counts.entry(e).or_insert((0, k)).0 += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))
        .map(|(e, _)| e.clone())
}

/// The grammar VAE over expressions: encoding gives latent means of the one-hot derivations;
/// decoding samples [`DECODE_ATTEMPTS`] masked derivations per point (Gumbel noise on the
/// allowed logits, as the paper's code) and keeps the most frequent valid expression;
/// retraining weights the loss per sequence after replication (the paper's Keras training).
#[derive(Debug, Clone)]
pub struct ExprModel {
    vae: GrammarModel,
    grammar: Grammar,
    train: GrammarTrainSettings,
}

impl ExprModel {
    /// Wrap a loaded grammar VAE.
    ///
    /// # Errors
    /// When its sizes do not fit the expression grammar.
    pub fn new(vae: GrammarModel, train: GrammarTrainSettings) -> Result<Self, BoxError> {
        let grammar = expression_grammar();
        let c = vae.config();
        if c.productions != grammar.n_productions() || c.max_len != grammar.max_len() {
            return Err(format!(
                "the model has {} productions x {} steps, the expression grammar {} x {}",
                c.productions,
                c.max_len,
                grammar.n_productions(),
                grammar.max_len()
            )
            .into());
        }
        Ok(Self {
            vae,
            grammar,
            train,
        })
    }

    /// The grammar VAE.
    pub fn vae(&self) -> &GrammarModel {
        &self.vae
    }

    /// The grammar.
    pub fn grammar(&self) -> &Grammar {
        &self.grammar
    }
}

impl GenerativeModel for ExprModel {
    type Item = Expression;

    fn latent_dim(&self) -> usize {
        self.vae.latent_dim()
    }

    fn encode(&mut self, items: &[Expression]) -> Result<Vec<Encoded>, BoxError> {
        let (x, _) = one_hot(&self.grammar, items)?;
        let d = self.latent_dim();
        Ok(self
            .vae
            .encode(&x)?
            .chunks(d)
            .map(|m| Encoded::Latent(m.iter().map(|&v| f64::from(v)).collect()))
            .collect())
    }

    fn decode(
        &mut self,
        z: ArrayView2<'_, f64>,
        rng: &mut StreamRng,
    ) -> Result<Vec<Decoded<Expression>>, BoxError> {
        let width = self.grammar.max_len() * self.grammar.n_productions();
        let grammar = &self.grammar;
        let vae = &self.vae;
        decode_finite_rows(
            z,
            width,
            |rows| Ok(vae.decode_logits(rows)?),
            |_, logits| {
                let mut valid = Vec::new();
                let mut last_error = String::new();
                for _ in 0..DECODE_ATTEMPTS {
                    match grammar
                        .decode(logits, Choice::Sample(&mut *rng))
                        .map_err(|e| e.to_string())
                        .and_then(|d| Expression::from_derivation(grammar, &d))
                    {
                        Ok(e) => valid.push(e),
                        Err(e) => last_error = e,
                    }
                }
                match majority(valid) {
                    Some(e) => Decoded::Item(e),
                    None => Decoded::Invalid(format!(
                        "no valid expression in {DECODE_ATTEMPTS} decodes ({last_error})"
                    )),
                }
            },
        )
    }

    fn retrain(
        &mut self,
        items: &[Expression],
        weights: &[f64],
        epochs: f64,
        rng: &mut StreamRng,
        progress: &mut dyn FnMut(usize, usize),
        _partial: &Path,
    ) -> Result<(), BoxError> {
        let (one_hot, masks) = one_hot(&self.grammar, items)?;
        self.vae.train(
            SequenceBatch {
                one_hot: &one_hot,
                masks: &masks,
            },
            weights,
            epochs,
            &self.train,
            rng,
            progress,
        )?;
        Ok(())
    }

    fn save_checkpoint(&self, dir: &Path) -> Result<(), BoxError> {
        self.vae.save(dir)?;
        Ok(())
    }

    fn load_checkpoint(&mut self, dir: &Path) -> Result<(), BoxError> {
        let loaded = GrammarModel::load(dir, self.vae.device())?;
        if loaded.config() != self.vae.config() {
            return Err(format!(
                "{}: sizes {:?}, this model has {:?}",
                dir.display(),
                loaded.config(),
                self.vae.config()
            )
            .into());
        }
        self.vae = loaded;
        Ok(())
    }
}
