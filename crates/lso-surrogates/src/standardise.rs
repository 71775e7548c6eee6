//! Standardisation of inputs and targets.

/// Per-coordinate shift and scale: `standard = (raw - mean) / scale`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scaler {
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
}

impl Scaler {
    /// Mean and population standard deviation of each column of row-major `data` (`d` columns);
    /// a constant column gets scale 1.
    pub fn fit(data: &[f64], d: usize) -> Self {
        let n = (data.len() / d.max(1)).max(1) as f64;
        let mut mean = vec![0.0; d];
        for row in data.chunks(d) {
            for (m, v) in mean.iter_mut().zip(row) {
                *m += v;
            }
        }
        mean.iter_mut().for_each(|m| *m /= n);
        let mut var = vec![0.0; d];
        for row in data.chunks(d) {
            for ((s, v), m) in var.iter_mut().zip(row).zip(&mean) {
                *s += (v - m) * (v - m);
            }
        }
        let scale = var
            .into_iter()
            .map(|s| {
                let sd = (s / n).sqrt();
                if sd > 0.0 && sd.is_finite() { sd } else { 1.0 }
            })
            .collect();
        Self { mean, scale }
    }

    /// [`Scaler::fit`] when `standardise`, else the identity (mean 0, scale 1).
    pub fn fit_or_identity(data: &[f64], d: usize, standardise: bool) -> Self {
        if standardise {
            Self::fit(data, d)
        } else {
            Self {
                mean: vec![0.0; d],
                scale: vec![1.0; d],
            }
        }
    }

    pub fn apply(&self, raw: &[f64]) -> Vec<f64> {
        raw.chunks(self.mean.len())
            .flat_map(|row| {
                row.iter()
                    .zip(&self.mean)
                    .zip(&self.scale)
                    .map(|((v, m), s)| (v - m) / s)
            })
            .collect()
    }
}
