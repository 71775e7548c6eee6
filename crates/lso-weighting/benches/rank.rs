//! Rank weights of 1,000,000 values (target: under 150 ms on one core).
use criterion::{Criterion, criterion_group, criterion_main};
use lso_weighting::{WeightedSampler, WeightingConfig};
use rand::{RngExt, SeedableRng};

fn bench(c: &mut Criterion) {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let values: Vec<f64> = (0..1_000_000)
        .map(|_| rng.random::<f64>() * 40.0 - 20.0)
        .collect();
    let rank = WeightingConfig::Rank { k: 1e-3 }.check().unwrap();
    let mut group = c.benchmark_group("weighting");
    group.sample_size(20);
    group.bench_function("rank_weights_1e6", |b| {
        b.iter(|| rank.weights(&values).unwrap())
    });
    let weights = rank.weights(&values).unwrap();
    group.bench_function("sampler_build_1e6", |b| {
        b.iter(|| WeightedSampler::new(&weights).unwrap())
    });
    let sampler = WeightedSampler::new(&weights).unwrap();
    group.bench_function("sampler_draw_1e6", |b| {
        b.iter(|| sampler.sample_n(1_000_000, &mut rng))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
