//! The paper's squares dataset, generated in code.

use super::image::{BinaryImage, SIDE};
use super::numpy_rng::NumpyRandomState;

/// One filled square: `side` pixels wide, top-left corner at `(row, col)`.
///
/// # Panics
/// If the square does not fit in the 64 x 64 canvas.
pub fn squares(side: usize, row: usize, col: usize) -> BinaryImage {
    assert!(
        side >= 1 && row + side <= SIDE && col + side <= SIDE,
        "square must fit the canvas"
    );
    let mut image = BinaryImage::empty();
    for r in row..row + side {
        for c in col..col + side {
            image.set(r, c);
        }
    }
    image
}

/// The paper's training images: squares of side 1 to 20, every top-left row `0..=64-side`,
/// column 32; each image repeated 10 times (consecutive copies), then shuffled with
/// `numpy.random.RandomState(0).shuffle`: 10,900 images, areas 1 to 400.
///
/// The generation order (side, then row) and consecutive repetition follow our reading of the
/// paper's data script; the order only decides which images fall in the validation split.
pub fn paper_dataset() -> Vec<BinaryImage> {
    let mut images = Vec::with_capacity(10_900);
    for side in 1..=20 {
        for row in 0..=SIDE - side {
            let image = squares(side, row, 32);
            images.extend(std::iter::repeat_n(image, 10));
        }
    }
    NumpyRandomState::new(0).shuffle(&mut images);
    images
}
