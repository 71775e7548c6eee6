//! Property tests of the weighting invariants.

use lso_weighting::{
    WeightedSampler, Weighting, WeightingConfig, normalise_mean_one, quantile, replicate,
};
use proptest::prelude::*;
use rand::SeedableRng;

fn values() -> impl Strategy<Value = Vec<f64>> {
    // Include exact ties by drawing from a coarse grid half of the time.
    prop_oneof![
        prop::collection::vec(-1e6f64..1e6, 1..200),
        prop::collection::vec((-20i32..20).prop_map(|v| v as f64 * 0.5), 1..200),
    ]
}

fn scheme() -> impl Strategy<Value = Weighting> {
    prop_oneof![
        Just(WeightingConfig::Uniform),
        prop_oneof![
            Just(1e-3),
            Just(1e-1),
            Just(1.0),
            Just(f64::INFINITY),
            1e-6f64..1e3
        ]
        .prop_map(|k| WeightingConfig::Rank { k }),
        (0.0f64..=1.0, prop_oneof![Just(0.0), 1e-3f64..100.0])
            .prop_map(|(quantile, noise)| WeightingConfig::Dbas { quantile, noise }),
        (0.0f64..=1.0).prop_map(|quantile| WeightingConfig::CemPi { quantile }),
        (0.0f64..10.0).prop_map(|alpha| WeightingConfig::Rwr { alpha }),
        (0.0f64..=1.0).prop_map(|quantile| WeightingConfig::Fb { quantile }),
    ]
    .prop_map(|c| c.check().expect("generated parameters are valid"))
}

fn rank(k: f64) -> Weighting {
    WeightingConfig::Rank { k }.check().unwrap()
}

proptest! {
    #[test]
    fn weights_are_finite_non_negative_and_not_all_zero(y in values(), s in scheme()) {
        let w = s.weights(&y).unwrap();
        prop_assert_eq!(w.len(), y.len());
        prop_assert!(w.iter().all(|w| w.is_finite() && *w >= 0.0));
        prop_assert!(w.iter().any(|w| *w > 0.0));
    }

    #[test]
    fn rank_weights_never_rise_with_the_objective_falling(y in values(), k in 1e-4f64..10.0) {
        let w = rank(k).weights(&y).unwrap();
        for i in 0..y.len() {
            for j in 0..y.len() {
                if y[i] > y[j] {
                    prop_assert!(w[i] >= w[j]);
                }
            }
        }
    }

    #[test]
    fn rank_weights_are_invariant_under_increasing_transforms(y in values(), k in 1e-4f64..10.0) {
        let w = rank(k).weights(&y).unwrap();
        // strictly increasing maps on the generated range
        let cubed: Vec<f64> = y.iter().map(|v| v * v * v + 3.0 * v).collect();
        let shifted: Vec<f64> = y.iter().map(|v| 2.0 * v - 7.0).collect();
        prop_assert_eq!(&w, &rank(k).weights(&cubed).unwrap());
        prop_assert_eq!(&w, &rank(k).weights(&shifted).unwrap());
    }

    #[test]
    fn large_k_tends_to_uniform(y in values()) {
        let n = y.len() as f64;
        let mut previous_spread = f64::INFINITY;
        for k in [1.0, 1e2, 1e4, 1e6] {
            let w = normalise_mean_one(&rank(k).weights(&y).unwrap()).unwrap();
            let spread = w.iter().map(|w| (w - 1.0).abs()).fold(0.0, f64::max);
            // max |w - 1| of normalised rank weights is at most (n - 1) / (k n)
            prop_assert!(spread <= (n - 1.0) / (k * n) + 1e-12);
            prop_assert!(spread <= previous_spread + 1e-15);
            previous_spread = spread;
        }
        prop_assert!(rank(f64::INFINITY).weights(&y).unwrap().iter().all(|w| *w == 1.0));
    }

    #[test]
    fn weights_are_permutation_equivariant(y in values(), s in scheme(), seed in any::<u64>()) {
        // Permute distinct values only: with ties, ranks depend on positions by design.
        let mut distinct = y.clone();
        distinct.sort_by(f64::total_cmp);
        distinct.dedup();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        let mut perm: Vec<usize> = (0..distinct.len()).collect();
        rand::seq::SliceRandom::shuffle(perm.as_mut_slice(), &mut rng);
        let permuted: Vec<f64> = perm.iter().map(|&i| distinct[i]).collect();
        let w = s.weights(&distinct).unwrap();
        let wp = s.weights(&permuted).unwrap();
        for (pos, &i) in perm.iter().enumerate() {
            let (a, b) = (wp[pos], w[i]);
            // RWR divides by a sum whose order changes: allow its rounding.
            prop_assert!((a - b).abs() <= 1e-12 * a.abs().max(b.abs()), "{} vs {}", a, b);
        }
    }

    #[test]
    fn replication_preserves_each_points_weight(y in values(), s in scheme()) {
        let w = s.weights(&y).unwrap();
        let normalised = normalise_mean_one(&w).unwrap();
        let rep = replicate(&w).unwrap();
        let mut total = vec![0.0; y.len()];
        for (&i, &c) in rep.indices.iter().zip(&rep.weights) {
            prop_assert!(c > 0.0 && c <= 1.0);
            total[i] += c;
        }
        for (t, w) in total.iter().zip(&normalised) {
            prop_assert!((t - w).abs() <= 1e-9 * w.max(1.0));
        }
        prop_assert!(rep.indices.windows(2).all(|p| p[0] <= p[1]));
    }

    #[test]
    fn normalised_mean_is_one(y in values(), s in scheme()) {
        let w = normalise_mean_one(&s.weights(&y).unwrap()).unwrap();
        let mean = w.iter().sum::<f64>() / w.len() as f64;
        prop_assert!((mean - 1.0).abs() < 1e-9);
    }

    #[test]
    fn quantile_schemes_keep_the_top_points(y in values(), q in 0.0f64..=1.0) {
        let n = y.len();
        let keep = ((1.0 - q) * n as f64).floor() as usize;
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| y[b].total_cmp(&y[a]));
        for cfg in [WeightingConfig::CemPi { quantile: q }, WeightingConfig::Dbas { quantile: q, noise: 0.0 }] {
            let w = cfg.check().unwrap().weights(&y).unwrap();
            prop_assert!(w.iter().filter(|w| **w > 0.0).count() >= keep.max(1));
            for &i in &order[..keep] {
                prop_assert_eq!(w[i], 1.0);
            }
        }
        let admitted = WeightingConfig::Fb { quantile: q }.check().unwrap().admit(&y).unwrap();
        for &i in &order[..keep] {
            prop_assert!(admitted[i]);
        }
        // the cut-off lies within the data
        let cut = quantile(&y, q).unwrap();
        let (lo, hi) = (y.iter().copied().fold(f64::INFINITY, f64::min), y.iter().copied().fold(f64::NEG_INFINITY, f64::max));
        prop_assert!(lo <= cut && cut <= hi);
    }

    #[test]
    fn rwr_sums_to_one(y in values(), alpha in 0.0f64..10.0) {
        let w = WeightingConfig::Rwr { alpha }.check().unwrap().weights(&y).unwrap();
        prop_assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }

    #[test]
    fn sampler_never_draws_zero_weights(y in values(), s in scheme(), seed in any::<u64>()) {
        let w = s.weights(&y).unwrap();
        let sampler = WeightedSampler::new(&w).unwrap();
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        for i in sampler.sample_n(200, &mut rng) {
            prop_assert!(i < w.len() && w[i] > 0.0);
        }
    }
}
