//! The paper's optimisation strategy: a GP on latent codes and expected improvement.

use lso_core::{BoxError, GenerativeModel, LatentData, ProposalRequest, Proposer};
use lso_optim::{Bounds, ExpectedImprovement, MultiStartConfig, data_bounds, maximise_multistart};
use lso_surrogates::{ExactGp, ExactGpConfig, Kernel, Sgpr, SgprConfig, SgprSchedule, WarmStart};
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};

/// The GP's kernel, as written in a config.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KernelChoice {
    /// ARD squared exponential (the paper's).
    #[default]
    SquaredExponential,
    /// ARD Matérn 5/2.
    Matern52,
}

/// How the sparse GP's hyperparameters are fitted at the first query of a round, as written in a
/// config.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SparseSchedule {
    /// Bounded L-BFGS on all parameters from lengthscales `sqrt(d)` (standardised units): reaches
    /// a far better bound than the paper's schedule in a fraction of its time.
    #[default]
    Lbfgs,
    /// The paper's `gp_train.py` schedule: Adam from lengthscales near 1 in the data's units,
    /// stopped by its relative tolerances (`sparse_max_iters` caps each phase's steps; the paper
    /// allows 100,000).
    PaperAdam,
}

/// Settings of the GP-EI strategy (`[strategy]` with `kind = "gp-ei"`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GpEiConfig {
    /// The kernel.
    pub kernel: KernelChoice,
    /// Random restarts of the hyperparameter search at the first fit of a round.
    pub restarts: usize,
    /// Quantile of the GP targets used as the incumbent (the paper: the 10th percentile of its
    /// minimised targets, i.e. 0.9 of ours).
    pub incumbent_quantile: f64,
    /// Maximise `log EI` (same maximiser as EI, better conditioned far from the data).
    pub log_ei: bool,
    /// Starts from the prior.
    pub n_random_starts: usize,
    /// Starts from the best 20% of the data.
    pub n_data_starts: usize,
    /// Points proposed per GP fit (the paper: 1). More than one are chosen by the kriging
    /// believer: after each point, the GP is conditioned on its own mean there (same
    /// hyperparameters), the incumbent rises to at least that value, and EI is maximised again,
    /// so the batch spreads out.
    pub batch: usize,
    /// Inducing points of a sparse GP (the paper's chemistry setting: 500); 0 selects the exact
    /// GP. The sparse GP proposes one point per fit (`batch = 1`).
    pub inducing: usize,
    /// Most L-BFGS iterations of a sparse-GP fit at the first query of a round.
    pub sparse_max_iters: usize,
    /// Most L-BFGS iterations of the warm-started sparse-GP refits after each query (the
    /// paper refits after every query: `configs/chem.toml` and `configs/expr.toml` set 10). 0
    /// conditions the round's fitted GP on the new points without moving its hyperparameters
    /// or inducing inputs, about six times cheaper a query.
    pub sparse_refit_iters: usize,
    /// The sparse GP's prior mean is fixed at 0 in the objective's units, as gpflow's `SGPR`
    /// without a mean function, the paper's chemistry GP (far from the data the predictions
    /// return to 0); `false` fits a constant mean (the data's level). The paper's expression
    /// GP is `scalar_standardise`.
    pub sparse_zero_mean: bool,
    /// Standardise the latent codes and scores before the sparse GP is fitted (the default);
    /// `false` fits it in their own units, as the paper's chemistry code (with
    /// `sparse_zero_mean = true`: gpflow's `SGPR` as `gp_train.py` builds it, prior mean 0 in
    /// penalized-logP units).
    pub sparse_standardise: bool,
    /// How the sparse GP is fitted at the first query of a round (warm refits use the same
    /// optimiser: L-BFGS, or the paper schedule's second phase).
    pub sparse_schedule: SparseSchedule,
    /// Stop the multi-start EI maximisation after this many runs converged by relative decrease
    /// and take the best so far, as the paper's code does (1); 0 runs all starts and keeps the
    /// best.
    pub stop_after_converged: usize,
    /// Keep the EI box of a round's first query for the whole round: the box comes from the
    /// round's encoded data only. `false` (the paper's code as we read it) recomputes it before
    /// every query from the data with the round's earlier queries appended, so queries at the
    /// box's faces widen it (`docs/chem-task.md`).
    pub fixed_round_box: bool,
    /// Draw the starts from the best data without replacement, as the paper's `gp_opt.py`;
    /// `false` (runs made before the key existed) draws them with replacement.
    pub data_starts_without_replacement: bool,
    /// Take the best of the EI runs that converged only, as the paper's `gp_opt.py` keeps the
    /// successful optimiser results (all runs when none converged); `false` (runs made before
    /// the key existed) takes the best of all runs.
    pub converged_only: bool,
    /// Work in the paper's expression units (`expr_data.py`): the latent codes shifted and
    /// scaled by one scalar mean and one scalar standard deviation of the round's encoded data
    /// (all coordinates pooled), the scores standardised by their mean and standard deviation;
    /// the GP (prior mean 0 there, i.e. the data's mean), the EI box and the random starts
    /// (`N(0, I)`) all live in those units, and the proposals are mapped back. The transform
    /// is fixed at a round's first query. With it on, the sparse GP is fitted in these units as
    /// they are (`sparse_standardise` and `sparse_zero_mean` do not apply). `false`: the raw
    /// latent units (runs made before the key existed).
    pub scalar_standardise: bool,
}

/// The paper's expression-task units: `z' = (z - shift) / scale`, `y' = (y - y_shift) /
/// y_scale`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ScalarUnits {
    shift: f64,
    scale: f64,
    y_shift: f64,
    y_scale: f64,
}

impl ScalarUnits {
    /// Mean and standard deviation (population, as numpy's) of all values; a zero or
    /// non-finite spread becomes 1.
    fn moments(values: &[f64]) -> (f64, f64) {
        let n = values.len().max(1) as f64;
        let mean = values.iter().sum::<f64>() / n;
        let sd = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        (mean, if sd.is_finite() && sd > 0.0 { sd } else { 1.0 })
    }

    fn of(data: &LatentData) -> Self {
        let flat: Vec<f64> = data.z.iter().copied().collect();
        let (shift, scale) = Self::moments(&flat);
        let (y_shift, y_scale) = Self::moments(&data.y);
        Self {
            shift,
            scale,
            y_shift,
            y_scale,
        }
    }

    fn apply(&self, data: &LatentData) -> LatentData {
        LatentData {
            z: data.z.mapv(|v| (v - self.shift) / self.scale),
            y: data
                .y
                .iter()
                .map(|v| (v - self.y_shift) / self.y_scale)
                .collect(),
        }
    }
}

impl Default for GpEiConfig {
    fn default() -> Self {
        Self {
            kernel: KernelChoice::SquaredExponential,
            restarts: 3,
            incumbent_quantile: 0.9,
            log_ei: true,
            n_random_starts: 10,
            n_data_starts: 10,
            batch: 1,
            inducing: 0,
            sparse_max_iters: 100,
            sparse_refit_iters: 0,
            sparse_zero_mean: false,
            sparse_standardise: true,
            sparse_schedule: SparseSchedule::Lbfgs,
            stop_after_converged: 0,
            fixed_round_box: false,
            data_starts_without_replacement: false,
            converged_only: false,
            scalar_standardise: false,
        }
    }
}

/// Proposes one latent point at a time: fit an exact GP to the round's latent data (from scratch
/// at the first query of a round, warm-started from the previous fit afterwards, as the paper
/// refits after every query), then maximise EI over the paper's box with the paper's starts.
///
/// Its snapshot ([`Proposer::snapshot`]) is the previous fit's [`WarmStart`] and the round's EI
/// box, so a resumed run refits exactly as it would have without stopping.
#[derive(Debug, Clone)]
pub struct GpEiProposer {
    config: GpEiConfig,
    state: GpEiState,
}

/// What a GP-EI proposer carries between the proposals of a round.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct GpEiState {
    /// Where the next warm refit starts (the last fit of the round).
    warm: Option<WarmStart>,
    /// The EI box of the last proposal, `(lower, upper)`.
    round_box: Option<(Vec<f64>, Vec<f64>)>,
    /// The round's units when `scalar_standardise` is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    units: Option<ScalarUnits>,
}

impl GpEiProposer {
    /// A proposer with these settings.
    pub fn new(config: GpEiConfig) -> Self {
        Self {
            config,
            state: GpEiState::default(),
        }
    }
}

impl<M: GenerativeModel> Proposer<M> for GpEiProposer {
    fn batch_size(&self) -> Option<usize> {
        Some(self.config.batch.max(1))
    }

    fn needs_latent_data(&self) -> bool {
        true
    }

    fn propose(&mut self, request: ProposalRequest<'_, M>) -> Result<Array2<f64>, BoxError> {
        let raw = request.data.ok_or("GP-EI needs the round's latent data")?;
        let units = if self.config.scalar_standardise {
            let units = match self.state.units {
                Some(u) if !request.first_in_round => u,
                _ => ScalarUnits::of(raw),
            };
            self.state.units = Some(units);
            Some(units)
        } else {
            None
        };
        let scaled = units.map(|u| u.apply(raw));
        let data = scaled.as_ref().unwrap_or(raw);
        let y = Array1::from(data.y.clone());
        let kernel = match self.config.kernel {
            KernelChoice::SquaredExponential => Kernel::SquaredExponential,
            KernelChoice::Matern52 => Kernel::Matern52,
        };
        let best = lso_weighting::quantile(&data.y, self.config.incumbent_quantile)?;
        let flat: Vec<f64> = data.z.iter().copied().collect();
        let bounds = match &self.state.round_box {
            Some((lower, upper)) if self.config.fixed_round_box && !request.first_in_round => {
                Bounds {
                    lower: lower.clone(),
                    upper: upper.clone(),
                }
            }
            _ => data_bounds(&flat, data.z.ncols())?,
        };
        self.state.round_box = Some((bounds.lower.clone(), bounds.upper.clone()));
        let mut acquisition = ExpectedImprovement {
            best,
            log: self.config.log_ei,
        };
        let multistart = MultiStartConfig {
            n_random: self.config.n_random_starts,
            n_from_data: self.config.n_data_starts,
            stop_after_converged: (self.config.stop_after_converged > 0)
                .then_some(self.config.stop_after_converged),
            data_without_replacement: self.config.data_starts_without_replacement,
            converged_only: self.config.converged_only,
            ..MultiStartConfig::default()
        };
        if self.config.inducing > 0 {
            let sparse_config = SgprConfig {
                kernel,
                inducing: self.config.inducing,
                max_iters: self.config.sparse_max_iters,
                fixed_mean: (self.config.sparse_zero_mean || units.is_some()).then_some(0.0),
                standardise: self.config.sparse_standardise && units.is_none(),
                schedule: match self.config.sparse_schedule {
                    SparseSchedule::Lbfgs => SgprSchedule::Lbfgs,
                    SparseSchedule::PaperAdam => SgprSchedule::PaperAdam,
                },
                ..SgprConfig::default()
            };
            let gp = match (&self.state.warm, request.first_in_round) {
                (Some(warm), false) => Sgpr::refit_from(
                    warm,
                    data.z.view(),
                    y.view(),
                    &SgprConfig {
                        max_iters: self.config.sparse_refit_iters,
                        ..sparse_config
                    },
                )?,
                _ => Sgpr::fit(data.z.view(), y.view(), &sparse_config, request.rng)?,
            };
            let found = maximise_multistart(
                &acquisition,
                &gp,
                &bounds,
                &flat,
                &data.y,
                request.n,
                &multistart,
                request.rng,
            )?;
            let mut z = Array2::zeros((found.len(), data.z.ncols()));
            for (i, (point, _)) in found.iter().enumerate() {
                z.row_mut(i).assign(&ndarray::ArrayView1::from(point));
            }
            self.state.warm = Some(gp.warm_start());
            return Ok(to_raw(z, units));
        }
        let gp_config = ExactGpConfig {
            kernel,
            restarts: self.config.restarts,
            ..ExactGpConfig::default()
        };
        let gp = match (&self.state.warm, request.first_in_round) {
            (Some(warm), false) => ExactGp::refit_from(warm, data.z.view(), y.view(), &gp_config)?,
            _ => ExactGp::fit(data.z.view(), y.view(), &gp_config, request.rng)?,
        };
        let d = data.z.ncols();
        let mut z = Array2::zeros((request.n, d));
        let mut believer = gp.clone();
        for i in 0..request.n {
            let found = maximise_multistart(
                &acquisition,
                &believer,
                &bounds,
                &flat,
                &data.y,
                1,
                &multistart,
                request.rng,
            )?;
            let point = &found[0].0;
            z.row_mut(i).assign(&ndarray::ArrayView1::from(point));
            if i + 1 < request.n {
                // the believer: the fantasy (the GP's mean at the point) joins the data, so the
                // incumbent is at least that value
                let fantasy = lso_optim::Posterior::predict_with_grad(&believer, point)?.mean;
                acquisition.best = acquisition.best.max(fantasy);
                believer = believer.fantasize(point)?;
            }
        }
        self.state.warm = Some(gp.warm_start());
        Ok(to_raw(z, units))
    }

    fn snapshot(&self) -> Option<serde_json::Value> {
        serde_json::to_value(&self.state).ok()
    }

    fn restore(&mut self, snapshot: &serde_json::Value) -> Result<(), BoxError> {
        self.state = GpEiState::deserialize(snapshot)?;
        Ok(())
    }
}

/// Proposals back in the latent units.
fn to_raw(z: Array2<f64>, units: Option<ScalarUnits>) -> Array2<f64> {
    match units {
        Some(u) => z.mapv(|v| v * u.scale + u.shift),
        None => z,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lso_core::{LatentData, StreamRng};
    use ndarray::array;
    use rand::SeedableRng;

    /// Propose the point after a round's first query, which landed far outside the round's
    /// data with the best value so far: a recomputed box reaches it, a fixed one does not.
    fn second_proposal(fixed_round_box: bool) -> Vec<f64> {
        let mut model = crate::synthetic::SyntheticConfig::default()
            .build("task.")
            .expect("task")
            .model;
        let mut proposer = GpEiProposer::new(GpEiConfig {
            fixed_round_box,
            ..GpEiConfig::default()
        });
        // a 5 x 5 grid on [-1, 1]^2 with values rising along the first axis
        let mut data = LatentData {
            z: Array2::zeros((0, 2)),
            y: Vec::new(),
        };
        for i in 0..5 {
            for j in 0..5 {
                let p = array![-1.0 + 0.5 * i as f64, -1.0 + 0.5 * j as f64];
                data.push(p.view(), p[0]);
            }
        }
        let mut rng = StreamRng::seed_from_u64(1);
        for first_in_round in [true, false] {
            let z = Proposer::<crate::synthetic::LinearModel>::propose(
                &mut proposer,
                ProposalRequest {
                    model: &mut model,
                    data: Some(&data),
                    n: 1,
                    first_in_round,
                    rng: &mut rng,
                },
            )
            .expect("proposes");
            if !first_in_round {
                return z.row(0).to_vec();
            }
            // the round's first query, far out along the rising axis
            data.push(array![8.0, 8.0].view(), 8.0);
        }
        unreachable!()
    }

    /// Data far from the origin in a thin shell: in the paper's expression units the box and
    /// the random starts follow the data, so the proposal stays near it; the units are fixed
    /// for the round and survive a snapshot.
    #[test]
    fn scalar_units_keep_the_proposals_near_the_data() {
        let mut model = crate::synthetic::SyntheticConfig::default()
            .build("task.")
            .expect("task")
            .model;
        let config = GpEiConfig {
            scalar_standardise: true,
            inducing: 10,
            sparse_max_iters: 20,
            data_starts_without_replacement: true,
            converged_only: true,
            ..GpEiConfig::default()
        };
        let mut proposer = GpEiProposer::new(config);
        let mut data = LatentData {
            z: Array2::zeros((0, 2)),
            y: Vec::new(),
        };
        for i in 0..6 {
            for j in 0..6 {
                let p = array![5.0 + 0.1 * f64::from(i), 5.0 + 0.1 * f64::from(j)];
                data.push(p.view(), -(p[0] - 5.3).powi(2) - (p[1] - 5.2).powi(2));
            }
        }
        let mut rng = StreamRng::seed_from_u64(3);
        let mut propose = |proposer: &mut GpEiProposer, data: &LatentData, first: bool| {
            Proposer::<crate::synthetic::LinearModel>::propose(
                proposer,
                ProposalRequest {
                    model: &mut model,
                    data: Some(data),
                    n: 1,
                    first_in_round: first,
                    rng: &mut rng,
                },
            )
            .expect("proposes")
            .row(0)
            .to_vec()
        };
        let z = propose(&mut proposer, &data, true);
        assert!(z.iter().all(|v| (4.8..=5.7).contains(v)), "{z:?}");
        let units = proposer.state.units.expect("units recorded");
        assert!((units.shift - 5.25).abs() < 1e-9, "{units:?}");
        // a far query later in the round does not move the units
        data.push(array![9.0, 9.0].view(), -30.0);
        let snapshot = Proposer::<crate::synthetic::LinearModel>::snapshot(&proposer).unwrap();
        let mut resumed = GpEiProposer::new(config);
        Proposer::<crate::synthetic::LinearModel>::restore(&mut resumed, &snapshot).unwrap();
        let z = propose(&mut resumed, &data, false);
        assert_eq!(resumed.state.units, Some(units));
        assert!(z.iter().all(|v| v.is_finite()), "{z:?}");
        // the next round takes its own
        propose(&mut resumed, &data, true);
        assert!(resumed.state.units.expect("units").shift > 5.25);
    }

    #[test]
    fn a_fixed_round_box_ignores_the_rounds_queries() {
        let fixed = second_proposal(true);
        assert!(
            fixed.iter().all(|v| v.abs() <= 1.1 + 1e-9),
            "outside the round's box: {fixed:?}"
        );
        let moving = second_proposal(false);
        assert!(
            moving.iter().any(|v| v.abs() > 1.1 + 1e-9),
            "inside the round's box: {moving:?}"
        );
    }
}
