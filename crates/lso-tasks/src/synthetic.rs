//! A synthetic task with no neural network, for testing the loop end to end.
//!
//! * Items are points `x` of `R^D` ([`Point`]).
//! * The generative model ([`LinearModel`]) decodes `x = A z + b` with a fixed `D x d` matrix `A`
//!   of orthonormal columns and encodes `z = Aᵀ (x - b)`. Retraining draws `ceil(epochs N)`
//!   points with the weighted sampler and moves the offset `b` half-way (times the epoch
//!   fraction, at most 1) towards their mean, so weighted retraining moves the decodable plane
//!   towards the heavily weighted data, as a VAE's latent space does.
//! * The objective ([`SphereObjective`]) is `-mean((x - t)²)` for a target `t` off the initial
//!   plane, and is invalid outside the box `|x_i| <= bound`.
//! * The initial data are `n_data` points `A z + noise` inside the box.

use std::path::Path;

use lso_core::{
    BoxError, ConfigError, Dataset, Decoded, Encoded, GenerativeModel, Objective, Outcome,
    ParseItemError, StreamRng, TextItem,
};
use lso_weighting::WeightedSampler;
use ndarray::{Array1, Array2, ArrayView2};
use rand::{RngExt, SeedableRng};
use rand_distr::StandardNormal;
use serde::{Deserialize, Serialize};

/// A point of `R^D`; its text form is its coordinates separated by spaces, each written as the
/// shortest decimal that parses back to the same `f64`.
#[derive(Debug, Clone, PartialEq)]
pub struct Point(pub Vec<f64>);

impl TextItem for Point {
    fn to_text(&self) -> String {
        self.0
            .iter()
            .map(|v| v.to_string())
            .collect::<Vec<_>>()
            .join(" ")
    }

    fn from_text(text: &str) -> Result<Self, ParseItemError> {
        text.split(' ')
            .map(|t| t.parse::<f64>())
            .collect::<Result<Vec<_>, _>>()
            .map(Point)
            .map_err(|e| ParseItemError {
                text: text.to_owned(),
                reason: e.to_string(),
            })
    }
}

/// Settings of the synthetic task (`[task]` with `kind = "synthetic"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SyntheticConfig {
    /// Latent dimension `d`.
    pub latent_dim: usize,
    /// Data dimension `D >= d`.
    pub data_dim: usize,
    /// Number of initial data points.
    pub n_data: usize,
    /// Seed of the task itself (matrix, target, initial data), separate from the run seed.
    pub task_seed: u64,
    /// Half-width of the box outside which the objective is invalid.
    pub bound: f64,
    /// Simulated cost of one evaluation, in milliseconds (0: none); for demos and for testing
    /// interrupted runs.
    pub eval_delay_ms: u64,
    /// Standard deviation of the initial data's noise off the decoder's plane (0: the data lie
    /// on the generative model's manifold, so their values are a function of their codes).
    pub data_noise: f64,
}

impl Default for SyntheticConfig {
    fn default() -> Self {
        Self {
            latent_dim: 2,
            data_dim: 8,
            n_data: 200,
            task_seed: 0,
            bound: 4.0,
            eval_delay_ms: 0,
            data_noise: 0.5,
        }
    }
}

/// The synthetic task's parts.
#[derive(Debug, Clone)]
pub struct SyntheticTask {
    /// The generative model.
    pub model: LinearModel,
    /// The objective.
    pub objective: SphereObjective,
    /// The initial data.
    pub data: Dataset<Point>,
}

impl SyntheticConfig {
    /// Validate the settings and build the task.
    ///
    /// # Errors
    /// A [`ConfigError`] naming the key (prefixed by `prefix`).
    pub fn build(&self, prefix: &str) -> Result<SyntheticTask, ConfigError> {
        let key = |k: &str| format!("{prefix}{k}");
        if self.latent_dim == 0 || self.latent_dim > 10_000 {
            return Err(ConfigError::new(
                key("latent_dim"),
                self.latent_dim,
                "must be between 1 and 10000",
            ));
        }
        if self.data_dim > 100_000 {
            return Err(ConfigError::new(
                key("data_dim"),
                self.data_dim,
                "must be at most 100000",
            ));
        }
        if self.data_dim < self.latent_dim {
            return Err(ConfigError::new(
                key("data_dim"),
                self.data_dim,
                format!("must be at least latent_dim = {}", self.latent_dim),
            ));
        }
        if self.n_data == 0 || self.n_data.saturating_mul(self.data_dim) > 100_000_000 {
            return Err(ConfigError::new(
                key("n_data"),
                self.n_data,
                format!(
                    "must be at least 1, with n_data x data_dim ({}) at most 100000000 values",
                    self.data_dim
                ),
            ));
        }
        if self.eval_delay_ms > 3_600_000 {
            return Err(ConfigError::new(
                key("eval_delay_ms"),
                self.eval_delay_ms,
                "must be at most 3600000 (one hour)",
            ));
        }
        if !(self.data_noise.is_finite() && self.data_noise >= 0.0) {
            return Err(ConfigError::new(
                key("data_noise"),
                self.data_noise,
                "must be finite and >= 0",
            ));
        }
        if !(self.bound.is_finite() && self.bound > 0.0) {
            return Err(ConfigError::new(
                key("bound"),
                self.bound,
                "must be finite and > 0",
            ));
        }
        let (d, dd) = (self.latent_dim, self.data_dim);
        let mut rng = StreamRng::seed_from_u64(self.task_seed);
        let a = orthonormal_columns(dd, d, &mut rng);
        let target: Vec<f64> = (0..dd)
            .map(|_| 1.5 * rng.sample::<f64, _>(StandardNormal))
            .map(|v| v.clamp(-0.9 * self.bound, 0.9 * self.bound))
            .collect();
        let model = LinearModel {
            a,
            b: Array1::zeros(dd),
        };
        let objective = SphereObjective {
            target,
            bound: self.bound,
            delay: std::time::Duration::from_millis(self.eval_delay_ms),
        };
        let mut items = Vec::with_capacity(self.n_data);
        let mut values = Vec::with_capacity(self.n_data);
        // rejection sampling inside the box, with a bounded number of draws
        let max_draws = self.n_data.saturating_mul(1000);
        let mut draws = 0usize;
        while items.len() < self.n_data {
            if draws == max_draws {
                return Err(ConfigError::new(
                    key("bound"),
                    self.bound,
                    format!(
                        "only {} of the {} initial points fell inside the box in {draws} draws \
                         (data_noise {}); use a larger bound or less noise",
                        items.len(),
                        self.n_data,
                        self.data_noise
                    ),
                ));
            }
            draws += 1;
            let z: Array1<f64> = (0..d).map(|_| rng.sample(StandardNormal)).collect();
            let x: Vec<f64> = (model.a.dot(&z))
                .iter()
                .map(|v| v + self.data_noise * rng.sample::<f64, _>(StandardNormal))
                .collect();
            if let Outcome::Value(v) = objective.score(&x) {
                items.push(Point(x));
                values.push(v);
            }
        }
        let data = Dataset::new(items, values).expect("equal lengths and finite values");
        Ok(SyntheticTask {
            model,
            objective,
            data,
        })
    }
}

fn orthonormal_columns(rows: usize, cols: usize, rng: &mut StreamRng) -> Array2<f64> {
    let mut a = Array2::<f64>::zeros((rows, cols));
    for j in 0..cols {
        loop {
            let mut v: Array1<f64> = (0..rows).map(|_| rng.sample(StandardNormal)).collect();
            for k in 0..j {
                let col = a.column(k);
                let proj = col.dot(&v);
                v = v - &col * proj;
            }
            let norm = v.dot(&v).sqrt();
            if norm > 1e-6 {
                a.column_mut(j).assign(&(v / norm));
                break;
            }
        }
    }
    a
}

/// `x = A z + b` with orthonormal columns of `A`; see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    a: Array2<f64>,
    b: Array1<f64>,
}

impl LinearModel {
    /// The offset `b`, which retraining moves.
    pub fn offset(&self) -> &Array1<f64> {
        &self.b
    }
}

impl GenerativeModel for LinearModel {
    type Item = Point;

    fn latent_dim(&self) -> usize {
        self.a.ncols()
    }

    fn encode(&mut self, items: &[Point]) -> Result<Vec<Encoded>, BoxError> {
        Ok(items
            .iter()
            .map(|p| {
                if p.0.len() != self.a.nrows() {
                    return Encoded::Failed(format!(
                        "point has {} coordinates; the model's data dimension is {}",
                        p.0.len(),
                        self.a.nrows()
                    ));
                }
                let x = Array1::from(p.0.clone()) - &self.b;
                Encoded::Latent(self.a.t().dot(&x).to_vec())
            })
            .collect())
    }

    fn decode(
        &mut self,
        z: ArrayView2<'_, f64>,
        _rng: &mut StreamRng,
    ) -> Result<Vec<Decoded<Point>>, BoxError> {
        Ok(z.rows()
            .into_iter()
            .map(|row| {
                let x = self.a.dot(&row) + &self.b;
                if x.iter().all(|v| v.is_finite()) {
                    Decoded::Item(Point(x.to_vec()))
                } else {
                    Decoded::Invalid("decoded point is not finite".to_owned())
                }
            })
            .collect())
    }

    fn retrain(
        &mut self,
        items: &[Point],
        weights: &[f64],
        epochs: f64,
        rng: &mut StreamRng,
        _progress: &mut dyn FnMut(usize, usize),
        _partial: &Path,
    ) -> Result<(), BoxError> {
        let sampler = WeightedSampler::new(weights)?;
        let draws = (epochs * items.len() as f64).ceil().max(1.0) as usize;
        let mut mean = Array1::<f64>::zeros(self.b.len());
        for i in sampler.sample_n(draws, rng) {
            mean += &Array1::from(items[i].0.clone());
        }
        mean /= draws as f64;
        let step = 0.5 * epochs.min(1.0);
        self.b = &self.b + &((mean - &self.b) * step);
        Ok(())
    }

    fn save_checkpoint(&self, dir: &Path) -> Result<(), BoxError> {
        let text = serde_json::to_string(&self.b.to_vec())?;
        std::fs::write(dir.join("offset.json"), text)?;
        Ok(())
    }

    fn load_checkpoint(&mut self, dir: &Path) -> Result<(), BoxError> {
        let path = dir.join("offset.json");
        let b: Vec<f64> = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
        if b.len() != self.b.len() {
            return Err(format!(
                "{}: offset of dimension {}; this model has data dimension {}",
                path.display(),
                b.len(),
                self.b.len()
            )
            .into());
        }
        self.b = Array1::from(b);
        Ok(())
    }
}

/// `-mean((x - t)²)`, invalid outside the box; see the [module docs](self).
#[derive(Debug, Clone, PartialEq)]
pub struct SphereObjective {
    target: Vec<f64>,
    bound: f64,
    delay: std::time::Duration,
}

impl SphereObjective {
    /// The maximiser `t` (value 0).
    pub fn target(&self) -> &[f64] {
        &self.target
    }

    fn score(&self, x: &[f64]) -> Outcome {
        if x.len() != self.target.len() {
            return Outcome::Invalid(format!(
                "point has {} coordinates, expected {}",
                x.len(),
                self.target.len()
            ));
        }
        if let Some(i) = x.iter().position(|v| v.abs() > self.bound) {
            return Outcome::Invalid(format!(
                "coordinate {i} = {} is outside [-{b}, {b}]",
                x[i],
                b = self.bound
            ));
        }
        let sq: f64 = x
            .iter()
            .zip(&self.target)
            .map(|(a, b)| (a - b) * (a - b))
            .sum();
        Outcome::Value(-sq / x.len() as f64)
    }
}

impl Objective<Point> for SphereObjective {
    fn evaluate(&mut self, items: &[Point]) -> Result<Vec<Outcome>, BoxError> {
        std::thread::sleep(self.delay * items.len() as u32);
        Ok(items.iter().map(|p| self.score(&p.0)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_inverts_decode() {
        let mut task = SyntheticConfig::default().build("").unwrap();
        task.model.b = Array1::from_elem(8, 0.25);
        let z = ndarray::array![[0.5, -1.0], [2.0, 0.0]];
        let mut rng = StreamRng::seed_from_u64(0);
        let decoded = task.model.decode(z.view(), &mut rng).unwrap();
        let items: Vec<Point> = decoded
            .into_iter()
            .map(|d| match d {
                Decoded::Item(p) => p,
                Decoded::Invalid(r) => panic!("{r}"),
            })
            .collect();
        for (row, e) in z.rows().into_iter().zip(task.model.encode(&items).unwrap()) {
            let Encoded::Latent(v) = e else {
                panic!("encodes")
            };
            for (a, b) in v.iter().zip(row) {
                assert!((a - b).abs() < 1e-12);
            }
        }
    }

    #[test]
    fn text_round_trips_exactly() {
        let p = Point(vec![0.1, -1.0 / 3.0, 1e-310, 12345.678]);
        assert_eq!(Point::from_text(&p.to_text()).unwrap(), p);
        assert!(Point::from_text("1 x").is_err());
    }

    #[test]
    fn retraining_on_rank_weights_moves_towards_the_best() {
        let mut task = SyntheticConfig::default().build("").unwrap();
        let w = lso_weighting::WeightingConfig::Rank { k: 1e-3 }
            .check()
            .unwrap()
            .weights(&task.data.values)
            .unwrap();
        let dist = |m: &LinearModel, t: &[f64]| -> f64 {
            m.b.iter().zip(t).map(|(a, b)| (a - b) * (a - b)).sum()
        };
        let before = dist(&task.model, task.objective.target());
        let mut rng = StreamRng::seed_from_u64(1);
        task.model
            .retrain(
                &task.data.items,
                &w,
                1.0,
                &mut rng,
                &mut |_, _| {},
                Path::new("unused"),
            )
            .unwrap();
        assert!(dist(&task.model, task.objective.target()) < before);
    }

    #[test]
    fn bad_settings_name_their_key() {
        let c = SyntheticConfig {
            data_dim: 1,
            ..Default::default()
        };
        assert_eq!(c.build("task.").unwrap_err().key, "task.data_dim");
        let c = SyntheticConfig {
            bound: -1.0,
            ..Default::default()
        };
        assert_eq!(c.build("task.").unwrap_err().key, "task.bound");
    }
}
