//! A tiny end-to-end shapes run: an untrained conv VAE, the paper's squares, grid search,
//! rank-weighted retraining, resume; and the prior-sampling baseline.

use burn::tensor::Device;
use lso_core::{NoObserver, TextItem};
use lso_models::{ConvVaeConfig, ShapesVae};
use lso_tasks::RunConfig;
use lso_tasks::shapes::BinaryImage;

fn config(model: &std::path::Path, strategy: &str) -> String {
    format!(
        r#"
[task]
kind = "shapes"
model = "{}"

[loop]
seed = 2
budget = 6
retrain_every = 3
initial_retrain_epochs = 0.003
retrain_epochs = 0.003
samples_per_model = 2
invalid_score = 0.0

[loop.weighting]
scheme = "rank"
k = 1e-3

[strategy]
{strategy}
"#,
        model.display()
    )
}

#[test]
fn a_tiny_shapes_run_queries_the_largest_grid_images_and_resumes() {
    let tmp = tempfile::tempdir().unwrap();
    let model_dir = tmp.path().join("model");
    ShapesVae::new(ConvVaeConfig::default(), 10.0, 0, &Device::flex())
        .save(&model_dir)
        .unwrap();
    let toml = config(&model_dir, "kind = \"grid\"\ngrid_len = 6\nbound = 3.0");
    let checked = RunConfig::from_toml(&toml).unwrap().check().unwrap();
    let run_dir = tmp.path().join("run");
    let summary = checked.execute(&run_dir, &mut NoObserver).unwrap();
    assert_eq!(summary.queries.len(), 6);
    for q in &summary.queries {
        assert_eq!(q.z.len(), 2);
        assert!(q.z.iter().all(|v| v.abs() <= 3.0));
        // every recorded value is the area of the recorded image
        let image = BinaryImage::from_text(q.item.as_deref().unwrap()).unwrap();
        assert_eq!(q.value, Some(f64::from(image.area())));
    }
    let again = checked.execute(&run_dir, &mut NoObserver).unwrap();
    assert_eq!(again.resumed_at, 6);
    assert_eq!(again.queries, summary.queries);

    // the sampling baseline through the same loop
    let toml = config(&model_dir, "kind = \"sample\"");
    let checked = RunConfig::from_toml(&toml).unwrap().check().unwrap();
    let summary = checked
        .execute(&tmp.path().join("sample"), &mut NoObserver)
        .unwrap();
    assert_eq!(summary.queries.len(), 6);
}

#[test]
fn grid_search_needs_the_shapes_task_and_sane_settings() {
    let toml = "[task]\nkind = \"synthetic\"\n[strategy]\nkind = \"grid\"\n";
    let err = RunConfig::from_toml(toml)
        .unwrap()
        .check()
        .unwrap_err()
        .to_string();
    assert!(err.contains("strategy.kind"), "{err}");
    let toml = "[task]\nkind = \"shapes\"\n[strategy]\nkind = \"grid\"\ngrid_len = 1\n";
    let err = RunConfig::from_toml(toml)
        .unwrap()
        .check()
        .unwrap_err()
        .to_string();
    assert!(err.contains("strategy.grid_len"), "{err}");
    let toml = "[task]\nkind = \"shapes\"\nmodel = \"/nonexistent\"\n[strategy]\nkind = \"grid\"\n";
    let checked = RunConfig::from_toml(toml).unwrap().check().unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let err = checked
        .execute(&tmp.path().join("run"), &mut NoObserver)
        .unwrap_err()
        .to_string();
    assert!(err.contains("task.model"), "{err}");
}

#[test]
fn non_finite_latent_points_are_invalid_and_the_others_keep_their_images() {
    use lso_core::{Decoded, GenerativeModel, Stage, stream_rng};
    use lso_models::RetrainSettings;
    use lso_tasks::shapes::ShapesModel;
    let vae = ShapesVae::new(ConvVaeConfig::default(), 1.0, 3, &Device::flex());
    let mut model = ShapesModel::new(
        vae,
        RetrainSettings {
            batch_size: 16,
            lr: 1e-3,
        },
    );
    let mut rng = stream_rng(0, 0, Stage::Decode, 0);
    let finite = ndarray::array![[0.5, -1.0], [2.0, 1.5]];
    let expected = model.decode(finite.view(), &mut rng).unwrap();
    let mixed = ndarray::array![
        [0.5, -1.0],
        [f64::NAN, 0.0],
        [2.0, 1.5],
        [0.0, f64::INFINITY]
    ];
    let got = model.decode(mixed.view(), &mut rng).unwrap();
    assert_eq!(got.len(), 4);
    let item = |d: &Decoded<BinaryImage>| match d {
        Decoded::Item(image) => Some(image.to_text()),
        Decoded::Invalid(_) => None,
    };
    assert_eq!(item(&got[0]), item(&expected[0]));
    assert_eq!(item(&got[2]), item(&expected[1]));
    assert!(item(&got[0]).is_some() && item(&got[2]).is_some());
    for k in [1, 3] {
        assert!(
            matches!(&got[k], Decoded::Invalid(why) if why.contains(&format!("latent point {k}"))),
            "{k}"
        );
    }
}
