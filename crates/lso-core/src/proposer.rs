//! Proposing the latent points to query.

use ndarray::{Array2, ArrayView1, Axis};

use crate::{BoxError, GenerativeModel, StreamRng};

/// The surrogate's training data of the current round: latent means of selected data points and
/// their values, plus every point queried so far in the round.
#[derive(Debug, Clone, PartialEq)]
pub struct LatentData {
    /// Latent points, one row each.
    pub z: Array2<f64>,
    /// Their objective values (maximised), floored at the run's invalid score.
    pub y: Vec<f64>,
}

impl LatentData {
    /// Append one point.
    ///
    /// # Panics
    /// If `z` does not have the data's latent dimension (an invariant the loop upholds).
    pub fn push(&mut self, z: ArrayView1<'_, f64>, y: f64) {
        self.z
            .push(Axis(0), z)
            .expect("latent points of one run share the model's dimension");
        self.y.push(y);
    }

    /// Number of points.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// True without points.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }
}

/// What a proposer is asked for.
pub struct ProposalRequest<'a, M> {
    /// The current generative model (after this round's retraining).
    pub model: &'a mut M,
    /// The surrogate's training data, when [`Proposer::needs_latent_data`] says so.
    pub data: Option<&'a LatentData>,
    /// Number of latent points to return.
    pub n: usize,
    /// True for the first proposal of a round (a surrogate fits from scratch); later proposals
    /// of the same round may warm-start from the previous fit.
    pub first_in_round: bool,
    /// The proposal's own random stream.
    pub rng: &'a mut StreamRng,
}

/// Chooses the latent points to query: a surrogate with an acquisition function, a grid search,
/// or prior sampling.
pub trait Proposer<M: GenerativeModel> {
    /// Points per call: `Some(1)` for a surrogate refit after every query (the paper's GP), `None`
    /// for a whole round at once (sampling, grid search).
    fn batch_size(&self) -> Option<usize>;

    /// Whether the loop must encode data into [`LatentData`] for this proposer.
    fn needs_latent_data(&self) -> bool;

    /// Return `request.n` latent points, `n x latent_dim`.
    ///
    /// # Errors
    /// Any failure of the surrogate or the optimiser.
    fn propose(&mut self, request: ProposalRequest<'_, M>) -> Result<Array2<f64>, BoxError>;

    /// What this proposer carries from one proposal of a round to the next (for the GP, the fit
    /// the next refit starts from), as JSON. The loop saves it after every recorded query, so a
    /// resumed run continues the round from there instead of replaying it from its start.
    /// `None` (the default): nothing is saved and a resumed round is replayed.
    fn snapshot(&self) -> Option<serde_json::Value> {
        None
    }

    /// Take back a [`Proposer::snapshot`]; the next proposal is then the one the proposer would
    /// have made had it never stopped.
    ///
    /// # Errors
    /// A snapshot this proposer cannot read (the loop then replays the round).
    fn restore(&mut self, snapshot: &serde_json::Value) -> Result<(), BoxError> {
        let _ = snapshot;
        Err("this proposer keeps no snapshot".into())
    }
}

/// The sampling strategy of the paper's baselines: query decoded draws from the prior.
#[derive(Debug, Default, Clone, Copy)]
pub struct PriorSampling;

impl<M: GenerativeModel> Proposer<M> for PriorSampling {
    fn batch_size(&self) -> Option<usize> {
        None
    }

    fn needs_latent_data(&self) -> bool {
        false
    }

    fn propose(&mut self, request: ProposalRequest<'_, M>) -> Result<Array2<f64>, BoxError> {
        Ok(request.model.sample_prior(request.n, request.rng))
    }
}
