//! Stationary ARD kernels.

/// A stationary kernel with one lengthscale per input coordinate (ARD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kernel {
    /// `s² exp(-r²/2)`, `r² = Σ (x_d - x'_d)² / l_d²` (the paper's kernel).
    #[default]
    SquaredExponential,
    /// `s² (1 + √5 r + 5r²/3) exp(-√5 r)`.
    Matern52,
}

const SQRT5: f64 = 2.236_067_977_499_79;

impl Kernel {
    /// Kernel value from the scaled squared distance `r2` and signal variance.
    pub(crate) fn value(self, r2: f64, signal: f64) -> f64 {
        match self {
            Self::SquaredExponential => signal * (-0.5 * r2).exp(),
            Self::Matern52 => {
                let r = r2.sqrt();
                signal * (1.0 + SQRT5 * r + 5.0 / 3.0 * r2) * (-SQRT5 * r).exp()
            }
        }
    }

    /// [`Kernel::value`] and the radial factor `g(r²)` (defined on `radial`) together, from one
    /// exponential (the same numbers as computing them apart).
    pub(crate) fn value_and_radial(self, r2: f64, signal: f64) -> (f64, f64) {
        match self {
            Self::SquaredExponential => {
                let k = signal * (-0.5 * r2).exp();
                (k, k)
            }
            Self::Matern52 => {
                let r = r2.sqrt();
                let e = (-SQRT5 * r).exp();
                (
                    signal * (1.0 + SQRT5 * r + 5.0 / 3.0 * r2) * e,
                    signal * 5.0 / 3.0 * (1.0 + SQRT5 * r) * e,
                )
            }
        }
    }

    /// `g(r²)` such that `∂k/∂x_d = -g · (x_d - x'_d) / l_d²` and
    /// `∂k/∂log l_d = g · (x_d - x'_d)² / l_d²`.
    /// (The code computes it with the value, by [`Kernel::value_and_radial`]; this form is the
    /// reference its test checks.)
    #[cfg(test)]
    pub(crate) fn radial(self, r2: f64, signal: f64) -> f64 {
        match self {
            Self::SquaredExponential => signal * (-0.5 * r2).exp(),
            Self::Matern52 => {
                let r = r2.sqrt();
                signal * 5.0 / 3.0 * (1.0 + SQRT5 * r) * (-SQRT5 * r).exp()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_and_radial_are_the_two_calls_to_the_bit() {
        for kernel in [Kernel::SquaredExponential, Kernel::Matern52] {
            for r2 in [0.0, 1e-12, 0.3, 1.0, 7.5, 42.0, 700.0] {
                let (v, g) = kernel.value_and_radial(r2, 1.7);
                assert_eq!(
                    v.to_bits(),
                    kernel.value(r2, 1.7).to_bits(),
                    "{kernel:?} {r2}"
                );
                assert_eq!(
                    g.to_bits(),
                    kernel.radial(r2, 1.7).to_bits(),
                    "{kernel:?} {r2}"
                );
            }
        }
    }
}
