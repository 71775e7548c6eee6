//! Time one evaluation of the SGPR bound with its full gradient, and a short fit, at the
//! chemistry setting (n = 10,000, d = 56, m = 500) or sizes given as `n d m iterations`.

use std::time::Instant;

use lso_surrogates::{GpParams, Kernel, Sgpr, SgprConfig};
use ndarray::{Array1, Array2};
use rand::SeedableRng;
use rand_distr::{Distribution, StandardNormal};

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (n, d, m, iters) = match args[..] {
        [n, d, m, i] => (n, d, m, i),
        _ => (10_000, 56, 500, 10),
    };
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let x = Array2::from_shape_simple_fn((n, d), || StandardNormal.sample(&mut rng));
    let y: Array1<f64> = x
        .rows()
        .into_iter()
        .map(|r| r.iter().take(5).map(|v: &f64| v.sin()).sum::<f64>())
        .collect();
    let z: Vec<f64> = x.iter().take(m * d).copied().collect();
    let t = Instant::now();
    let model = Sgpr::with_params(
        x.view(),
        y.view(),
        Kernel::SquaredExponential,
        GpParams::default_for(d),
        z.clone(),
    )
    .expect("conditions");
    println!("condition (bound only): {:.3} s", t.elapsed().as_secs_f64());
    let t = Instant::now();
    let (b, g) = model
        .bound_at(&GpParams::default_for(d), &z)
        .expect("bound");
    println!(
        "bound + gradient ({} values): {:.3} s (bound {b:.1})",
        g.len(),
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let config = SgprConfig {
        inducing: m,
        max_iters: iters,
        ..SgprConfig::default()
    };
    let fitted = Sgpr::fit(x.view(), y.view(), &config, &mut rng).expect("fits");
    println!(
        "fit, at most {iters} L-BFGS iterations: {:.2} s (bound {:.1})",
        t.elapsed().as_secs_f64(),
        fitted.bound()
    );
    println!("{:?}", fitted.fit_report());
}
