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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use lso_core::{Encoded, Stage, StreamRng, stream_rng};
    use ndarray::ArrayView2;

    use super::*;
    use crate::shapes::squares;

    /// Decodes `z` to a square of side `1 + floor(z0 + 3)` (1 to 7) at the top left.
    struct Squares;

    impl GenerativeModel for Squares {
        type Item = BinaryImage;
        fn latent_dim(&self) -> usize {
            2
        }
        fn encode(&mut self, items: &[BinaryImage]) -> Result<Vec<Encoded>, BoxError> {
            Ok(vec![Encoded::Latent(vec![0.0, 0.0]); items.len()])
        }
        fn decode(
            &mut self,
            z: ArrayView2<'_, f64>,
            _rng: &mut StreamRng,
        ) -> Result<Vec<Decoded<BinaryImage>>, BoxError> {
            Ok(z.rows()
                .into_iter()
                .map(|r| {
                    let side = (1.0 + (r[0] + 3.0 + 1e-9).floor()).clamp(1.0, 7.0) as usize;
                    Decoded::Item(squares(side, 0, 0))
                })
                .collect())
        }
        fn retrain(
            &mut self,
            _: &[BinaryImage],
            _: &[f64],
            _: f64,
            _: &mut StreamRng,
            _: &mut dyn FnMut(usize, usize),
            _: &Path,
        ) -> Result<(), BoxError> {
            Ok(())
        }
        fn save_checkpoint(&self, _: &Path) -> Result<(), BoxError> {
            Ok(())
        }
        fn load_checkpoint(&mut self, _: &Path) -> Result<(), BoxError> {
            Ok(())
        }
    }

    fn propose(n: usize) -> Array2<f64> {
        let mut model = Squares;
        let mut rng = stream_rng(0, 0, Stage::Propose, 0);
        let mut grid = GridSearch {
            grid_len: 7,
            bound: 3.0,
        };
        grid.propose(ProposalRequest {
            model: &mut model,
            data: None,
            n,
            first_in_round: true,
            rng: &mut rng,
        })
        .unwrap()
    }

    #[test]
    fn proposes_the_largest_distinct_images_first_in_grid_order() {
        let z = propose(3);
        // sides 7, 6, 5: first grid points with z0 = 3, 2, 1 (z1 = -3, the first of each row)
        assert_eq!(z.row(0).to_vec(), vec![3.0, -3.0]);
        assert_eq!(z.row(1).to_vec(), vec![2.0, -3.0]);
        assert_eq!(z.row(2).to_vec(), vec![1.0, -3.0]);
    }

    #[test]
    fn with_fewer_distinct_images_than_asked_the_ranking_repeats() {
        let z = propose(9);
        assert_eq!(z.row(7).to_vec(), z.row(0).to_vec());
        assert_eq!(z.row(8).to_vec(), z.row(1).to_vec());
        assert_eq!(z.row(6).to_vec(), vec![-3.0, -3.0]);
    }
}
