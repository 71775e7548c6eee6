//! The paper's latent optimiser of the shapes task: decode a grid, keep the best images.

use lso_core::{BoxError, Decoded, GenerativeModel, ProposalRequest, Proposer};
use lso_optim::Bounds;
use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::BinaryImage;

/// Decode every point of a `grid_len x grid_len` grid over `[-bound, bound]²`, keep the first
/// grid point of each distinct decoded image, and propose the points of the `n` images of
/// largest area (ties: grid order). The area is cheap, so ranking every decoded image is what
/// the paper does; only the proposed points count as queries. With fewer distinct images than
/// `n`, the ranking is repeated from the top. Needs a 2-D latent space.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GridSearch {
    /// Points per axis (the paper: 50).
    pub grid_len: usize,
    /// Half-width of the square (the paper: 3).
    pub bound: f64,
}

impl Default for GridSearch {
    fn default() -> Self {
        Self {
            grid_len: 50,
            bound: 3.0,
        }
    }
}

impl<M: GenerativeModel<Item = BinaryImage>> Proposer<M> for GridSearch {
    fn batch_size(&self) -> Option<usize> {
        None
    }

    fn needs_latent_data(&self) -> bool {
        false
    }

    fn propose(&mut self, request: ProposalRequest<'_, M>) -> Result<Array2<f64>, BoxError> {
        let d = request.model.latent_dim();
        if d != 2 {
            return Err(format!("grid search needs a 2-D latent space, the model has {d}").into());
        }
        let points = lso_optim::grid(&Bounds::cube(2, -self.bound, self.bound), self.grid_len)?;
        let z = Array2::from_shape_fn((points.len(), 2), |(i, j)| points[i][j]);
        let decoded = request.model.decode(z.view(), request.rng)?;
        let mut seen = std::collections::HashSet::new();
        let mut ranked: Vec<(u32, usize)> = Vec::new();
        for (i, item) in decoded.iter().enumerate() {
            if let Decoded::Item(image) = item
                && seen.insert(*image)
            {
                ranked.push((image.area(), i));
            }
        }
        if ranked.is_empty() {
            return Err("no grid point decoded to an image".into());
        }
        ranked.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        Ok(Array2::from_shape_fn((request.n, 2), |(k, j)| {
            z[[ranked[k % ranked.len()].1, j]]
        }))
    }
}
