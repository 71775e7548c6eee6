//! A tiny end-to-end expression run: tiny grammar VAE, 60 starting expressions, the sparse GP
//! with expected improvement, rank-weighted retraining, resume; and the shipped configs parse.

use std::path::Path;

use burn::tensor::Device;
use lso_core::{NoObserver, TextItem};
use lso_models::{GrammarModel, GrammarVaeConfig};
use lso_tasks::RunConfig;
use lso_tasks::expr::{ExprObjective, Expression};

fn root() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

#[test]
fn a_tiny_expr_run_queries_scores_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let config = GrammarVaeConfig {
        latent_dim: 4,
        hidden: 16,
        gru_hidden: 16,
        ..GrammarVaeConfig::default()
    };
    let model_dir = tmp.path().join("model");
    GrammarModel::new(config, 2, &Device::flex())
        .save(&model_dir)
        .unwrap();
    let data = root().join("data/expr");
    let toml = format!(
        r#"
[task]
kind = "expr"
model = "{}"
expressions = "{}"
scores = "{}"
n_data = 60
retrain_batch_size = 16

[loop]
seed = 1
budget = 4
retrain_every = 2
initial_retrain_epochs = 0.5
retrain_epochs = 0.5
samples_per_model = 0
invalid_score = -7.0

[loop.surrogate_data]
n_best = 10
n_random = 20

[loop.weighting]
scheme = "rank"
k = 1e-3

[strategy]
kind = "gp-ei"
inducing = 6
sparse_max_iters = 20
n_random_starts = 3
n_data_starts = 3
"#,
        model_dir.display(),
        data.join("equation2_15_dataset.txt").display(),
        data.join("scores_all.tsv").display(),
    );
    let run_dir = tmp.path().join("run");
    let checked = RunConfig::from_toml(&toml).unwrap().check().unwrap();
    let summary = checked.execute(&run_dir, &mut NoObserver).unwrap();
    assert_eq!(summary.queries.len(), 4);
    let objective = ExprObjective::default();
    for q in &summary.queries {
        assert_eq!(q.z.len(), 4);
        match (&q.item, q.value) {
            // every recorded value is -score of the recorded expression
            (Some(text), Some(v)) => {
                let e = Expression::from_text(text).unwrap();
                assert_eq!(-objective.score(&e), v, "{text}");
            }
            _ => assert!(q.invalid.is_some()),
        }
    }
    let again = checked.execute(&run_dir, &mut NoObserver).unwrap();
    assert_eq!(again.resumed_at, 4);
    assert_eq!(again.queries, summary.queries);
}

#[test]
fn the_shipped_configs_parse_and_check() {
    // `configs/` and its subdirectories (the diagnostics' configs)
    let mut dirs = vec![root().join("configs")];
    let mut files = Vec::new();
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "toml") {
                files.push(path);
            }
        }
    }
    assert!(files.len() > 3, "{files:?}");
    for path in files {
        let text = std::fs::read_to_string(&path).unwrap();
        let config =
            RunConfig::from_toml(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        config
            .check()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    }
}
