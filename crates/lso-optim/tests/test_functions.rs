//! The bounded minimiser on standard test problems with known optima.

use lso_optim::{Bounds, LbfgsConfig, minimise_bounded};

fn rosenbrock(x: &[f64]) -> (f64, Vec<f64>) {
    let (a, b) = (x[0], x[1]);
    let f = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
    (
        f,
        vec![
            -2.0 * (1.0 - a) - 400.0 * a * (b - a * a),
            200.0 * (b - a * a),
        ],
    )
}

fn branin(x: &[f64]) -> (f64, Vec<f64>) {
    let (a, b, c, r, s, t) = (
        1.0,
        5.1 / (4.0 * std::f64::consts::PI.powi(2)),
        5.0 / std::f64::consts::PI,
        6.0,
        10.0,
        1.0 / (8.0 * std::f64::consts::PI),
    );
    let (x1, x2) = (x[0], x[1]);
    let inner = x2 - b * x1 * x1 + c * x1 - r;
    let f = a * inner * inner + s * (1.0 - t) * x1.cos() + s;
    let d1 = 2.0 * a * inner * (-2.0 * b * x1 + c) - s * (1.0 - t) * x1.sin();
    let d2 = 2.0 * a * inner;
    (f, vec![d1, d2])
}

const H_A: [[f64; 6]; 4] = [
    [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
    [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
    [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
    [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
];
const H_P: [[f64; 6]; 4] = [
    [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
    [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
    [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
    [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
];
const H_ALPHA: [f64; 4] = [1.0, 1.2, 3.0, 3.2];

fn hartmann6(x: &[f64]) -> (f64, Vec<f64>) {
    let mut f = 0.0;
    let mut g = vec![0.0; 6];
    for i in 0..4 {
        let inner: f64 = (0..6).map(|j| H_A[i][j] * (x[j] - H_P[i][j]).powi(2)).sum();
        let e = H_ALPHA[i] * (-inner).exp();
        f -= e;
        for j in 0..6 {
            g[j] += e * 2.0 * H_A[i][j] * (x[j] - H_P[i][j]);
        }
    }
    (f, g)
}

#[test]
fn rosenbrock_unconstrained() {
    let m = minimise_bounded(
        rosenbrock,
        &[-1.2, 1.0],
        &Bounds::unbounded(2),
        &LbfgsConfig::default(),
    )
    .unwrap();
    assert!(
        (m.x[0] - 1.0).abs() < 1e-4 && (m.x[1] - 1.0).abs() < 1e-4,
        "{m:?}"
    );
    assert!(m.converged());
}

#[test]
fn branin_reaches_a_global_minimum_from_a_grid_of_starts() {
    let bounds = Bounds {
        lower: vec![-5.0, 0.0],
        upper: vec![10.0, 15.0],
    };
    let minima = [
        (-std::f64::consts::PI, 12.275),
        (std::f64::consts::PI, 2.275),
        (9.42478, 2.475),
    ];
    let mut found = [false; 3];
    for i in 0..4 {
        for j in 0..4 {
            let start = [-5.0 + 5.0 * i as f64, 15.0 * j as f64 / 3.0];
            let m = minimise_bounded(branin, &start, &bounds, &LbfgsConfig::default()).unwrap();
            assert!(m.x.iter().zip(&bounds.lower).all(|(x, l)| x >= l));
            if (m.value - 0.397887).abs() < 1e-5 {
                for (k, (a, b)) in minima.iter().enumerate() {
                    if (m.x[0] - a).abs() < 1e-3 && (m.x[1] - b).abs() < 1e-3 {
                        found[k] = true;
                    }
                }
            }
        }
    }
    assert!(found.iter().all(|f| *f), "{found:?}");
}

#[test]
fn hartmann6_in_the_unit_cube() {
    let bounds = Bounds::cube(6, 0.0, 1.0);
    let best = (0..8)
        .map(|k| {
            let start: Vec<f64> = (0..6)
                .map(|j| ((k * 7 + j * 3) % 10) as f64 / 10.0 + 0.05)
                .collect();
            minimise_bounded(hartmann6, &start, &bounds, &LbfgsConfig::default()).unwrap()
        })
        .min_by(|a, b| a.value.total_cmp(&b.value))
        .unwrap();
    assert!((best.value - -3.32237).abs() < 1e-4, "{best:?}");
}

/// With the box cut so that the optimum lies outside, the minimum sits on the bound and
/// satisfies the bound's optimality conditions.
#[test]
fn hartmann6_with_the_optimum_on_a_bound() {
    // the unconstrained optimum has x1 = 0.20169; forbid x1 < 0.3
    let mut bounds = Bounds::cube(6, 0.0, 1.0);
    bounds.lower[0] = 0.3;
    let start = [0.5, 0.15, 0.47, 0.27, 0.31, 0.65];
    // a tight function tolerance, so that the optimality conditions below are met to 1e-4
    let config = LbfgsConfig {
        function_tolerance: 1e-13,
        ..LbfgsConfig::default()
    };
    let m = minimise_bounded(hartmann6, &start, &bounds, &config).unwrap();
    assert_eq!(m.x[0], 0.3, "{m:?}");
    let (_, g) = hartmann6(&m.x);
    assert!(g[0] > 0.0, "the gradient must push against the bound");
    for (j, (x, gj)) in m.x.iter().zip(&g).enumerate().skip(1) {
        let at_bound = *x == 0.0 || *x == 1.0;
        assert!(at_bound || gj.abs() < 1e-4, "coordinate {j}: gradient {gj}");
    }
    // and it is lower than any point of a coarse grid in the cut box with x1 = 0.3
    assert!(m.value < -3.0, "{m:?}");
}

#[test]
fn bad_bounds_are_refused() {
    let b = Bounds {
        lower: vec![1.0],
        upper: vec![0.0],
    };
    assert!(minimise_bounded(rosenbrock, &[0.0], &b, &LbfgsConfig::default()).is_err());
    assert!(
        minimise_bounded(
            rosenbrock,
            &[0.0, 0.0],
            &Bounds::unbounded(3),
            &LbfgsConfig::default()
        )
        .is_err()
    );
}
