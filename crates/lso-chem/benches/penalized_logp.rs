//! Penalized-logP throughput on the ZINC subset (parse, sanitise, logP, SA, cycle), one core.
//! Compare with `benches/rdkit_penalized_logp.py` on the same molecules.
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lso_chem::{Molecule, penalized_logp};

fn bench(c: &mut Criterion) {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../data/zinc/zinc_subset.txt"
    ))
    .expect("ZINC subset");
    let smiles: Vec<&str> = text.lines().step_by(10).collect();
    // load the fragment table outside the timing, as the RDKit script does
    let _ = penalized_logp(&Molecule::from_smiles("CCO").unwrap());
    let mut group = c.benchmark_group("chem");
    group.sample_size(10);
    group.throughput(Throughput::Elements(smiles.len() as u64));
    group.bench_function("penalized_logp_zinc_every_10th", |b| {
        b.iter(|| {
            smiles
                .iter()
                .map(|s| penalized_logp(&Molecule::from_smiles(s).unwrap()))
                .sum::<f64>()
        })
    });
    group.bench_function("canonical_smiles_zinc_every_10th", |b| {
        b.iter(|| {
            smiles
                .iter()
                .map(|s| Molecule::from_smiles(s).unwrap().to_smiles(true).len())
                .sum::<usize>()
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
