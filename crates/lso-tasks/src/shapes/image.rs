//! Binary images and their area.

use lso_core::{BoxError, Objective, Outcome, ParseItemError, TextItem};

/// Width and height of the images.
pub const SIDE: usize = 64;

/// A 64 x 64 binary image; bit `c` of row `r` (least significant bit first) is pixel `(r, c)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BinaryImage(pub [u64; SIDE]);

impl BinaryImage {
    /// The empty image.
    pub fn empty() -> Self {
        Self([0; SIDE])
    }

    /// Set pixel `(row, col)`.
    ///
    /// # Panics
    /// If `row` or `col` is 64 or more.
    pub fn set(&mut self, row: usize, col: usize) {
        self.0[row] |= 1 << col;
    }

    /// Whether pixel `(row, col)` is set.
    pub fn get(&self, row: usize, col: usize) -> bool {
        self.0[row] >> col & 1 == 1
    }

    /// Number of set pixels: the task's objective.
    pub fn area(&self) -> u32 {
        self.0.iter().map(|r| r.count_ones()).sum()
    }

    /// The image from pixel probabilities (row-major, 4,096 values) rounded at 0.5, the paper's
    /// deterministic decoding.
    ///
    /// # Panics
    /// If `probabilities` does not have 4,096 values.
    pub fn from_probabilities(probabilities: &[f32]) -> Self {
        assert_eq!(
            probabilities.len(),
            SIDE * SIDE,
            "a 64 x 64 image has 4,096 pixels"
        );
        let mut image = Self::empty();
        for (i, p) in probabilities.iter().enumerate() {
            if *p >= 0.5 {
                image.set(i / SIDE, i % SIDE);
            }
        }
        image
    }

    /// Pixels as `0.0` / `1.0`, row-major.
    pub fn to_pixels(&self) -> Vec<f32> {
        (0..SIDE * SIDE)
            .map(|i| {
                if self.get(i / SIDE, i % SIDE) {
                    1.0
                } else {
                    0.0
                }
            })
            .collect()
    }
}

impl TextItem for BinaryImage {
    fn to_text(&self) -> String {
        self.0.iter().map(|r| format!("{r:016x}")).collect()
    }

    fn from_text(text: &str) -> Result<Self, ParseItemError> {
        let bad = |reason: String| ParseItemError {
            text: text.chars().take(40).collect(),
            reason,
        };
        if text.len() != SIDE * 16 || !text.is_ascii() {
            return Err(bad(format!(
                "an image is {} hexadecimal digits, got {} characters",
                SIDE * 16,
                text.len()
            )));
        }
        let mut rows = [0u64; SIDE];
        for (r, row) in rows.iter_mut().enumerate() {
            *row = u64::from_str_radix(&text[r * 16..(r + 1) * 16], 16)
                .map_err(|e| bad(format!("row {r}: {e}")))?;
        }
        Ok(Self(rows))
    }
}

/// The shapes objective: the area of the image (pixels set), maximised. Every image is valid.
#[derive(Debug, Clone, Copy, Default)]
pub struct AreaObjective;

impl Objective<BinaryImage> for AreaObjective {
    fn evaluate(&mut self, items: &[BinaryImage]) -> Result<Vec<Outcome>, BoxError> {
        Ok(items
            .iter()
            .map(|i| Outcome::Value(f64::from(i.area())))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_round_trip_and_errors() {
        let mut img = BinaryImage::empty();
        img.set(0, 0);
        img.set(63, 63);
        img.set(10, 32);
        assert_eq!(img.area(), 3);
        let text = img.to_text();
        assert_eq!(text.len(), 1024);
        assert_eq!(BinaryImage::from_text(&text).unwrap(), img);
        assert!(BinaryImage::from_text("00").is_err());
        let mut broken = text.clone();
        broken.replace_range(16..17, "g");
        assert!(
            BinaryImage::from_text(&broken)
                .unwrap_err()
                .reason
                .contains("row 1")
        );
    }

    #[test]
    fn probabilities_round_at_one_half() {
        let mut p = vec![0.2f32; 4096];
        p[5] = 0.5;
        p[4095] = 0.9;
        let img = BinaryImage::from_probabilities(&p);
        assert_eq!(img.area(), 2);
        assert!(img.get(0, 5) && img.get(63, 63));
        assert_eq!(img.to_pixels()[5], 1.0);
    }
}
