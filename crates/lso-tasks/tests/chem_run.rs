//! A tiny end-to-end chemistry run as the reproduction runs it: tiny JT-VAE with the official
//! decoder, a few ZINC molecules, the paper's sparse GP (raw units, prior mean 0) refitted after
//! every query with expected improvement, rank-weighted retraining, resume.

use std::path::Path;

use burn::tensor::Device;
use lso_core::NoObserver;
use lso_jtvae::{ClusterSet, JtvaeConfig, JtvaeModel, Vocabulary, save_model};
use lso_tasks::RunConfig;
use lso_tasks::chem::PenalizedLogP;

fn data_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/zinc")
}

#[test]
fn a_tiny_chem_run_queries_scores_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let vocab =
        Vocabulary::parse(&std::fs::read_to_string(data_dir().join("cliques.txt")).unwrap())
            .unwrap();
    let config = JtvaeConfig {
        hidden: 16,
        latent: 8,
        depth_graph: 2,
        vocab_size: vocab.len(),
    };
    let model_dir = tmp.path().join("model");
    let model = JtvaeModel::new(&config, 4, &Device::flex());
    save_model(&model_dir, &model, &config, &vocab).unwrap();
    assert_eq!(ClusterSet::new(vocab).unwrap().len(), config.vocab_size);
    let toml = format!(
        r#"
[task]
kind = "chem"
data = "{}"
n_data = 30
model = "{}"
decode_work_limit = 200000

[loop]
seed = 1
budget = 4
retrain_every = 2
initial_retrain_epochs = 0.2
retrain_epochs = 0.1
samples_per_model = 0
invalid_score = -4.0

[loop.surrogate_data]
n_best = 10
n_random = 10

[loop.weighting]
scheme = "rank"
k = 1e-3

[strategy]
kind = "gp-ei"
inducing = 6
sparse_max_iters = 30
sparse_zero_mean = true
sparse_standardise = false
sparse_refit_iters = 3
n_random_starts = 3
n_data_starts = 3
"#,
        data_dir().join("zinc_subset.txt").display(),
        model_dir.display()
    );
    let run_dir = tmp.path().join("run");
    let checked = RunConfig::from_toml(&toml).unwrap().check().unwrap();
    let summary = checked.execute(&run_dir, &mut NoObserver).unwrap();
    assert_eq!(summary.queries.len(), 4);
    for q in &summary.queries {
        assert_eq!(q.z.len(), 8);
        match (&q.item, q.value) {
            // every recorded value is the objective of the recorded molecule
            (Some(smiles), Some(v)) => {
                assert_eq!(PenalizedLogP::score(smiles).value(), Some(v), "{smiles}");
            }
            _ => assert!(q.invalid.is_some()),
        }
    }
    // a second execution finds the run complete and evaluates nothing again
    let again = checked.execute(&run_dir, &mut NoObserver).unwrap();
    assert_eq!(again.resumed_at, 4);
    assert_eq!(again.queries, summary.queries);
}

#[test]
fn a_missing_model_is_named_in_the_error() {
    let toml = "[task]\nkind = \"chem\"\nmodel = \"/nonexistent/model\"\nn_data = 5\n";
    let checked = RunConfig::from_toml(toml).unwrap().check().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let err = checked
        .execute(&tmp.path().join("run"), &mut NoObserver)
        .unwrap_err()
        .to_string();
    assert!(err.contains("task.model"), "{err}");
}

#[test]
fn a_sparse_gp_with_a_batch_is_refused() {
    let toml = "[task]\nkind = \"chem\"\n[strategy]\nkind = \"gp-ei\"\ninducing = 10\nbatch = 2\n";
    let err = RunConfig::from_toml(toml)
        .unwrap()
        .check()
        .unwrap_err()
        .to_string();
    assert!(err.contains("strategy.batch"), "{err}");
}
