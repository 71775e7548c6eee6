//! Acquisition functions: invariants (proptest) and gradients against finite differences.

use lso_optim::{
    Acquisition, ExpectedImprovement, MeanVarGrad, Posterior, ProbabilityOfImprovement, Result,
    UpperConfidenceBound, log_expected_improvement, norm_cdf, norm_pdf,
};
use proptest::prelude::*;

/// An analytic posterior: mean `sin(z0) + z1²`, variance `0.05 + z0² + 0.5 z1²`.
struct Toy;

impl Posterior for Toy {
    fn dim(&self) -> usize {
        2
    }
    fn predict_with_grad(&self, z: &[f64]) -> Result<MeanVarGrad> {
        Ok(MeanVarGrad {
            mean: z[0].sin() + z[1] * z[1],
            var: 0.05 + z[0] * z[0] + 0.5 * z[1] * z[1],
            mean_grad: vec![z[0].cos(), 2.0 * z[1]],
            var_grad: vec![2.0 * z[0], z[1]],
        })
    }
}

fn check_gradient(acq: &dyn Acquisition, z: &[f64]) -> std::result::Result<(), TestCaseError> {
    let (_, g) = acq.value_grad(&Toy, z).unwrap();
    for k in 0..2 {
        let h = 1e-6;
        let (mut a, mut b) = (z.to_vec(), z.to_vec());
        a[k] += h;
        b[k] -= h;
        let fd =
            (acq.value_grad(&Toy, &a).unwrap().0 - acq.value_grad(&Toy, &b).unwrap().0) / (2.0 * h);
        prop_assert!(
            (fd - g[k]).abs() <= 1e-5 * (1.0 + fd.abs()),
            "coordinate {}: analytic {}, finite difference {}",
            k,
            g[k],
            fd
        );
    }
    Ok(())
}

proptest! {
    #[test]
    fn ei_is_non_negative_and_grows_with_the_mean(mean in -50.0f64..50.0, sd in 1e-3f64..10.0, best in -50.0f64..50.0, step in 1e-3f64..5.0) {
        let (log_a, _, _) = log_expected_improvement(mean, sd, best);
        let (log_b, _, _) = log_expected_improvement(mean + step, sd, best);
        prop_assert!(log_a.exp() >= 0.0 && log_a.is_finite());
        prop_assert!(log_b >= log_a);
    }

    #[test]
    fn log_ei_matches_the_direct_formula_where_both_are_accurate(u in -3.0f64..6.0, sd in 0.1f64..3.0, best in -5.0f64..5.0) {
        // the direct formula cancels catastrophically below u = -3, so compare above it
        let mean = best + u * sd;
        let direct = sd * (u * norm_cdf(u) + norm_pdf(u));
        let (log_ei, _, _) = log_expected_improvement(mean, sd, best);
        prop_assert!((log_ei.exp() - direct).abs() <= 1e-10 * direct.max(1e-300) + 1e-300, "{} vs {}", log_ei.exp(), direct);
    }

    #[test]
    fn gradients_match_finite_differences(z0 in -2.0f64..2.0, z1 in -2.0f64..2.0, best in -3.0f64..3.0, beta in 0.0f64..3.0) {
        let z = [z0, z1];
        check_gradient(&ExpectedImprovement { best, log: false }, &z)?;
        check_gradient(&ExpectedImprovement { best, log: true }, &z)?;
        check_gradient(&ProbabilityOfImprovement { best }, &z)?;
        check_gradient(&UpperConfidenceBound { beta }, &z)?;
    }
}

#[test]
fn log_ei_stays_finite_far_in_the_tail() {
    for u in [-10.0, -40.0, -1e3, -1e5] {
        let (log_ei, dmean, dsd) = log_expected_improvement(u, 1.0, 0.0);
        assert!(
            log_ei.is_finite() && dmean.is_finite() && dsd.is_finite(),
            "u = {u}"
        );
        // log EI ~ -u²/2 - 2 log|u| - log sqrt(2π) for large |u|
        let approx = -0.5 * u * u - 2.0 * (-u).ln() - 0.5 * (2.0 * std::f64::consts::PI).ln();
        assert!(
            (log_ei - approx).abs() < 3.0 / (u * u) + 1e-12 * approx.abs(),
            "u = {u}: {log_ei} vs {approx}"
        );
        // the gradient with respect to the mean is about x + 2/x with x = -u (it does not vanish)
        let x = -u;
        assert!(
            (dmean - (x + 2.0 / x)).abs() < 10.0 / (x * x * x) + 1e-9 * x,
            "u = {u}: {dmean}"
        );
    }
    // continuity across the switch to the continued fraction at u = -3
    let (a, _, _) = log_expected_improvement(-3.0 + 1e-9, 1.0, 0.0);
    let (b, _, _) = log_expected_improvement(-3.0 - 1e-9, 1.0, 0.0);
    assert!((a - b).abs() < 1e-7, "{a} vs {b}");
}
