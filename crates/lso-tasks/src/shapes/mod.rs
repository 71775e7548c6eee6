//! The 2D shapes task of the paper: 64 x 64 binary images of filled squares, maximising area.
//!
//! * [`BinaryImage`]: a 64 x 64 binary image (one `u64` per row), written in the run record as
//!   64 rows of 16 hexadecimal digits.
//! * [`paper_dataset`]: the paper's 10,900 training images, generated in code.
//! * [`AreaObjective`]: the number of set pixels.
//! * [`ShapesModel`]: the conv VAE of `lso-models` on the loop's generative-model trait;
//!   [`ShapesConfig`] builds the task from a run config.
//! * [`GridSearch`]: the paper's latent optimiser (decode a grid, query the largest images).

mod dataset;
mod grid_search;
mod image;
mod model;
mod numpy_rng;

pub use dataset::{paper_dataset, squares};
pub use grid_search::GridSearch;
pub use image::{AreaObjective, BinaryImage, SIDE};
pub use model::{ShapesConfig, ShapesModel, ShapesTask};
pub use numpy_rng::NumpyRandomState;
