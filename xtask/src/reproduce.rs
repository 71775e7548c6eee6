//! `cargo xtask reproduce chem|expr|shapes`: every run of one of the paper's experiments, in
//! parallel, resumable, then the report (`docs/results/<task>.md`, `summary.tsv`, `best.tsv`,
//! plots).
//!
//! Each run is `lso run` on a config derived from `configs/<task>.toml` (weighting, retraining
//! period, seed, budget; the baselines switch to prior sampling) in `<out>/<setting>/seed<N>/`;
//! running the command again resumes every unfinished run and never re-evaluates a recorded
//! query. The report covers the chosen runs and every other recorded run of the paper's
//! settings in the same directory, so resuming one seed reports them all. The expression task first pretrains any missing grammar VAE it needs
//! (`pretrain/expr/k_<k>/model`, one per rank-weighting k, resumable).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::report;

/// An experiment of the paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Task {
    /// Penalized logP with the JT-VAE and the sparse GP.
    Chem,
    /// Closeness of an arithmetic expression to a target, with the grammar VAE and the sparse GP.
    Expr,
    /// Area of 64 x 64 images with the conv VAE and grid search.
    Shapes,
}

impl Task {
    /// Lower-case name: config, run and report names.
    pub fn name(self) -> &'static str {
        match self {
            Task::Chem => "chem",
            Task::Expr => "expr",
            Task::Shapes => "shapes",
        }
    }
}

/// Command-line options.
#[derive(clap::Args)]
pub struct Args {
    /// A reduced version that runs in minutes (small budgets, short retraining, first seed only
    /// unless `--seeds` is given); results go to `<out>-quick` and `docs/results/<task>-quick/`.
    #[arg(long)]
    quick: bool,
    /// Comma-separated settings to run (default: all), e.g. `k_1e-3/r_50,k_inf/r_1000000`.
    #[arg(long, value_delimiter = ',')]
    settings: Vec<String>,
    /// Comma-separated seeds (default: 1-5 for the rank settings of chem and shapes, 1-3 for
    /// those of expr and for the baselines).
    #[arg(long, value_delimiter = ',')]
    seeds: Vec<u64>,
    /// Runs in parallel.
    #[arg(long, default_value_t = 1)]
    jobs: usize,
    /// Run directory root (default `docs/results/<task>/runs` for chem and expr, whose records
    /// are kept in the repository without their model checkpoints, `runs/shapes` for shapes).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Only rebuild the report from the runs on disk.
    #[arg(long)]
    report_only: bool,
    /// Expression task: start every run from the paper's own pretrained grammar VAEs, imported
    /// from their Keras files (`official`, `pretrain/expr-official`, runs in
    /// `docs/results/expr/runs-official`), or from ours (`ours`, `pretrain/expr`, pretrained
    /// first when missing, runs in `docs/results/expr/runs`).
    #[arg(long, value_enum, default_value_t = ExprModels::Official)]
    model: ExprModels,
}

/// Which pretrained grammar VAEs the expression runs start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ExprModels {
    /// The paper's, imported (`scripts/import_official_expr.py`).
    Official,
    /// Ours (`lso train expr`).
    Ours,
}

impl ExprModels {
    /// Name in `summary.tsv`'s `model` column.
    pub fn name(self) -> &'static str {
        match self {
            ExprModels::Official => "official",
            ExprModels::Ours => "ours",
        }
    }

    /// Directory of the model pretrained with rank-weighting `k` (the model in `<dir>/model`).
    fn dir(self, k: &str) -> String {
        match self {
            ExprModels::Official => format!("pretrain/expr-official/k_{k}"),
            ExprModels::Ours => format!("pretrain/expr/k_{k}"),
        }
    }
}

/// One experimental setting.
#[derive(Debug, Clone)]
pub struct Setting {
    /// Name as in the paper's result paths, e.g. `k_1e-3/r_50`, `dbas/q_0.95/r_200/n_0.1`.
    pub name: String,
    /// TOML of the `[loop.weighting]` table.
    weighting: String,
    /// The rank-weighting `k` of a rank setting (`1e-3`, `inf`, ...), `None` for a baseline.
    k: Option<&'static str>,
    /// Retraining period.
    retrain_every: u64,
    /// Rank settings optimise with the GP; baselines sample the prior.
    pub baseline: bool,
}

/// The paper's settings of `task`: six rank settings, then the sampling baselines.
pub fn all_settings(task: Task) -> Vec<Setting> {
    let mut out = Vec::new();
    let rank: [(&str, u64); 6] = match task {
        Task::Chem | Task::Expr => [
            ("1e-3", 50),
            ("inf", 1_000_000),
            ("1e-3", 1_000_000),
            ("inf", 50),
            ("1e-3", 100),
            ("1e-1", 50),
        ],
        Task::Shapes => [
            ("1e-3", 50),
            ("inf", 1_000_000),
            ("1e-3", 1_000_000),
            ("1e-3", 5),
            ("inf", 5),
            ("1e-1", 5),
        ],
    };
    // DbAS noise and RWR alphas of the paper's baselines
    let (noise, alphas) = match task {
        Task::Chem | Task::Expr => ("0.1", [("1e-1", "0.1"), ("1.0", "1.0")]),
        Task::Shapes => ("10", [("1e-3", "0.001"), ("1e-2", "0.01")]),
    };
    for (k, r) in rank {
        out.push(Setting {
            name: format!("k_{k}/r_{r}"),
            weighting: format!("scheme = \"rank\"\nk = {k}\n"),
            k: Some(k),
            retrain_every: r,
            baseline: false,
        });
    }
    for q in ["0.8", "0.95"] {
        for r in [200, 500] {
            out.push(Setting {
                name: format!("dbas/q_{q}/r_{r}/n_{noise}"),
                weighting: format!("scheme = \"dbas\"\nquantile = {q}\nnoise = {noise}\n"),
                k: None,
                retrain_every: r,
                baseline: true,
            });
            out.push(Setting {
                name: format!("cem-pi/q_{q}/r_{r}"),
                weighting: format!("scheme = \"cem-pi\"\nquantile = {q}\n"),
                k: None,
                retrain_every: r,
                baseline: true,
            });
            out.push(Setting {
                name: format!("fb/q_{q}/r_{r}"),
                weighting: format!("scheme = \"fb\"\nquantile = {q}\n"),
                k: None,
                retrain_every: r,
                baseline: true,
            });
        }
    }
    for r in [200, 500] {
        for (alpha, text) in alphas {
            out.push(Setting {
                name: format!("rwr/r_{r}/alpha_{alpha}"),
                weighting: format!("scheme = \"rwr\"\nalpha = {text}\n"),
                k: None,
                retrain_every: r,
                baseline: true,
            });
        }
    }
    out
}

/// The run config of `setting` and `seed`, from the `configs/<task>.toml` template.
fn config_text(
    task: Task,
    template: &str,
    setting: &Setting,
    seed: u64,
    quick: bool,
    models: ExprModels,
) -> anyhow::Result<String> {
    let mut doc: toml::Table = toml::from_str(template).context("parsing the config template")?;
    let weighting: toml::Table = toml::from_str(&setting.weighting)?;
    if task == Task::Expr {
        // one pretrained model per k; the baselines start from the unweighted one. Each seed
        // draws its own starting set.
        let t = doc
            .get_mut("task")
            .and_then(toml::Value::as_table_mut)
            .context("the config template has no [task]")?;
        t.insert(
            "model".into(),
            toml::Value::String(format!("{}/model", models.dir(setting.k_or_inf()))),
        );
        t.insert("data_seed".into(), toml::Value::Integer(seed as i64));
    }
    let lp = doc
        .get_mut("loop")
        .and_then(toml::Value::as_table_mut)
        .context("the config template has no [loop]")?;
    lp.insert("seed".into(), toml::Value::Integer(seed as i64));
    lp.insert("weighting".into(), toml::Value::Table(weighting));
    let (budget, retrain_every) = match (setting.baseline, quick) {
        (false, false) => (500, setting.retrain_every),
        (true, false) => (5000, setting.retrain_every),
        (false, true) => (20, setting.retrain_every.min(10)),
        (true, true) => (40, setting.retrain_every.min(20)),
    };
    lp.insert("budget".into(), toml::Value::Integer(budget));
    lp.insert(
        "retrain_every".into(),
        toml::Value::Integer(retrain_every as i64),
    );
    if setting.baseline {
        // the paper's baselines: no initial retraining, prior samples; 0.1 epoch per round for
        // chem, 1 epoch for shapes (with 50 samples per model)
        lp.insert("initial_retrain_epochs".into(), toml::Value::Float(0.0));
        if task == Task::Shapes {
            lp.insert("retrain_epochs".into(), toml::Value::Float(1.0));
            lp.insert("samples_per_model".into(), toml::Value::Integer(50));
        }
        doc.insert(
            "strategy".into(),
            toml::Value::Table(toml::from_str("kind = \"sample\"")?),
        );
    }
    if quick {
        let lp = doc
            .get_mut("loop")
            .and_then(toml::Value::as_table_mut)
            .context("[loop]")?;
        // a short initial retraining where the full run has one (not expr's: the paper's loop
        // starts from the pretrained model)
        let initial = lp
            .get("initial_retrain_epochs")
            .and_then(toml::Value::as_float)
            .unwrap_or(1.0);
        if !setting.baseline && initial > 0.0 {
            lp.insert("initial_retrain_epochs".into(), toml::Value::Float(0.02));
        }
        lp.insert("retrain_epochs".into(), toml::Value::Float(0.01));
        if matches!(task, Task::Chem | Task::Expr) {
            lp.insert(
                "surrogate_data".into(),
                toml::Value::Table(toml::from_str("n_best = 200\nn_random = 800")?),
            );
        }
        if let Some(s) = doc.get_mut("strategy").and_then(toml::Value::as_table_mut)
            && s.get("kind").and_then(toml::Value::as_str) == Some("gp-ei")
        {
            s.insert("inducing".into(), toml::Value::Integer(50));
            s.insert("sparse_max_iters".into(), toml::Value::Integer(50));
        }
        if let Some(s) = doc.get_mut("strategy").and_then(toml::Value::as_table_mut)
            && s.get("kind").and_then(toml::Value::as_str) == Some("grid")
        {
            s.insert("grid_len".into(), toml::Value::Integer(20));
        }
    }
    Ok(toml::to_string(&doc)?)
}

impl Setting {
    /// The `k` of the pretrained model a run starts from: the setting's own, `inf` for the
    /// baselines.
    fn k_or_inf(&self) -> &'static str {
        self.k.unwrap_or("inf")
    }
}

/// Pretrain every grammar VAE `settings` need and that is not finished yet (resumes a started
/// one).
fn pretrain_expr_models(
    lso: &Path,
    settings: &[Setting],
    models: ExprModels,
) -> anyhow::Result<()> {
    let mut ks: Vec<&str> = settings.iter().map(Setting::k_or_inf).collect();
    ks.sort_unstable();
    ks.dedup();
    for k in ks {
        let dir = models.dir(k);
        let model = Path::new(&dir).join("model");
        if model.join("config.json").exists() && model.join("model.bpk").exists() {
            continue;
        }
        if models == ExprModels::Official {
            bail!(
                "{} is missing: the paper's models are imported by \
                 `python3 scripts/import_official_expr.py`",
                model.display()
            );
        }
        eprintln!("pretraining the grammar VAE with k = {k} in {dir} (about 40-60 min on 2 cores)");
        let status = Command::new(lso)
            .args(["train", "expr", "--k", k, "--out", &dir])
            .status()
            .context("starting lso train expr")?;
        if !status.success() {
            bail!("pretraining the grammar VAE with k = {k} failed ({status})");
        }
    }
    Ok(())
}

/// Directory of one run.
pub fn run_dir(out: &Path, setting: &str, seed: u64) -> PathBuf {
    out.join(setting).join(format!("seed{seed}"))
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

/// Run the experiment, then write the report.
///
/// # Errors
/// Unknown settings, a failed build, run failures (reported after every run was tried).
pub fn run(task: Task, args: &Args) -> anyhow::Result<()> {
    let root = workspace_root();
    std::env::set_current_dir(&root)?;
    let all = all_settings(task);
    let chosen: Vec<Setting> = if args.settings.is_empty() {
        all.clone()
    } else {
        let mut v = Vec::new();
        for name in &args.settings {
            match all.iter().find(|s| &s.name == name) {
                Some(s) => v.push(s.clone()),
                None => bail!(
                    "unknown setting {name}; known: {}",
                    all.iter()
                        .map(|s| s.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
        v
    };
    let base = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(task, args.model));
    let out = if args.quick {
        PathBuf::from(format!("{}-quick", base.display()))
    } else {
        base
    };
    let mut jobs: Vec<(Setting, u64)> = Vec::new();
    for s in &chosen {
        let seeds: Vec<u64> = match (args.seeds.is_empty(), args.quick, s.baseline) {
            (false, _, _) => args.seeds.clone(),
            (true, true, _) => vec![1],
            (true, false, false) if task != Task::Expr => (1..=5).collect(),
            (true, false, false) => (1..=3).collect(),
            (true, false, true) => (1..=3).collect(),
        };
        jobs.extend(seeds.into_iter().map(|seed| (s.clone(), seed)));
    }
    if !args.report_only {
        let status = Command::new("cargo")
            .args(["build", "--release", "--quiet", "-p", "lso-cli"])
            .status()
            .context("running cargo build")?;
        if !status.success() {
            bail!("building lso failed");
        }
        let lso = root.join("target/release/lso");
        if task == Task::Expr {
            pretrain_expr_models(&lso, &chosen, args.model)?;
        }
        let template_path = format!("configs/{}.toml", task.name());
        let template = std::fs::read_to_string(&template_path)
            .with_context(|| format!("reading {template_path}"))?;
        let queue = Mutex::new(jobs.clone().into_iter());
        let failures = Mutex::new(Vec::new());
        std::thread::scope(|scope| {
            for _ in 0..args.jobs.max(1) {
                scope.spawn(|| {
                    loop {
                        let next = queue.lock().map(|mut q| q.next()).ok().flatten();
                        let Some((setting, seed)) = next else { break };
                        if let Err(e) = run_one(
                            task, &lso, &template, &out, &setting, seed, args.quick, args.model,
                        ) {
                            eprintln!("{} seed {seed}: {e:#}", setting.name);
                            if let Ok(mut f) = failures.lock() {
                                f.push(format!("{} seed {seed}", setting.name));
                            }
                        }
                    }
                });
            }
        });
        let failures = failures.into_inner().unwrap_or_default();
        if !failures.is_empty() {
            eprintln!("failed runs (logs: <out>/<setting>/seed<N>.log): {failures:?}");
        }
    }
    // the expression runs on the paper's models get their own report beside ours
    let variant = if task == Task::Expr && args.model == ExprModels::Official {
        "-official"
    } else {
        ""
    };
    let docs = PathBuf::from(format!(
        "docs/results/{}{variant}{}",
        task.name(),
        if args.quick { "-quick" } else { "" }
    ));
    report::write(
        task,
        &out,
        &report_jobs(&all, &jobs, &out),
        &docs,
        args.quick,
        (task == Task::Expr).then_some(args.model.name()),
    )
}

/// The runs a report covers: the chosen ones (those not started are said so), and every other
/// run of the paper's settings with a record in `out`, so that resuming one seed
/// (`--seeds 4`) or one setting rewrites the report of all of them, not of that one alone.
fn report_jobs(all: &[Setting], chosen: &[(Setting, u64)], out: &Path) -> Vec<(Setting, u64)> {
    let mut jobs = Vec::new();
    for setting in all {
        let mut seeds: Vec<u64> = chosen
            .iter()
            .filter(|(s, _)| s.name == setting.name)
            .map(|(_, seed)| *seed)
            .collect();
        if let Ok(entries) = std::fs::read_dir(out.join(&setting.name)) {
            for entry in entries.flatten() {
                let recorded = entry
                    .file_name()
                    .to_str()
                    .and_then(|n| n.strip_prefix("seed"))
                    .and_then(|n| n.parse::<u64>().ok())
                    .filter(|_| entry.path().join("queries.jsonl").is_file());
                if let Some(seed) = recorded.filter(|seed| !seeds.contains(seed)) {
                    seeds.push(seed);
                }
            }
        }
        seeds.sort_unstable();
        jobs.extend(seeds.into_iter().map(|seed| (setting.clone(), seed)));
    }
    jobs
}

/// Where a task's runs go by default. A chemistry run costs hours and an expression run half an
/// hour, so their records (config, queries, rounds) are kept in the repository beside the report
/// (`.gitignore` leaves out model checkpoints, logs and the expression baselines, whose 5,000
/// queries a run are cheap to redo and too large to keep); a resumed run whose model checkpoints
/// are gone replays their retraining (`docs/runs.md`).
fn default_out(task: Task, models: ExprModels) -> PathBuf {
    match task {
        Task::Expr if models == ExprModels::Official => {
            PathBuf::from("docs/results/expr/runs-official")
        }
        Task::Chem | Task::Expr => PathBuf::from(format!("docs/results/{}/runs", task.name())),
        Task::Shapes => PathBuf::from("runs/shapes"),
    }
}

#[allow(clippy::too_many_arguments)]
fn run_one(
    task: Task,
    lso: &Path,
    template: &str,
    out: &Path,
    setting: &Setting,
    seed: u64,
    quick: bool,
    models: ExprModels,
) -> anyhow::Result<()> {
    let dir = run_dir(out, &setting.name, seed);
    let parent = dir.parent().context("run directory has a parent")?;
    std::fs::create_dir_all(parent)?;
    // beside the run directory, which `lso run` wants empty or holding its own run
    let config = parent.join(format!("seed{seed}.toml"));
    std::fs::write(
        &config,
        config_text(task, template, setting, seed, quick, models)?,
    )?;
    let log_path = parent.join(format!("seed{seed}.log"));
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)?;
    eprintln!("{} seed {seed}: running", setting.name);
    let t0 = Instant::now();
    let status = Command::new(lso)
        .arg("run")
        .arg("--config")
        .arg(&config)
        .arg("--out")
        .arg(&dir)
        .stdout(log.try_clone()?)
        .stderr(log)
        .status()
        .context("starting lso")?;
    if !status.success() {
        bail!("lso run failed ({status}); see {}", log_path.display());
    }
    eprintln!(
        "{} seed {seed}: done in {:.0} s",
        setting.name,
        t0.elapsed().as_secs_f64()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_report_covers_the_chosen_runs_and_every_recorded_one() {
        let out = std::env::temp_dir().join(format!("lso-report-jobs-{}", std::process::id()));
        let all = all_settings(Task::Chem);
        let recorded = [
            ("k_1e-3/r_50", 2),
            ("k_1e-3/r_50", 5),
            ("k_inf/r_1000000", 1),
        ];
        for (name, seed) in recorded {
            let dir = run_dir(&out, name, seed);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("queries.jsonl"), "").unwrap();
        }
        // a run directory without a record, and a run's config and log beside the directories
        std::fs::create_dir_all(run_dir(&out, "k_1e-3/r_50", 3)).unwrap();
        std::fs::write(out.join("k_1e-3/r_50/seed2.toml"), "").unwrap();
        std::fs::write(out.join("k_1e-3/r_50/seed2.log"), "").unwrap();
        let chosen: Vec<(Setting, u64)> = [4, 2]
            .into_iter()
            .map(|seed| (all[0].clone(), seed))
            .collect();
        let jobs: Vec<(String, u64)> = report_jobs(&all, &chosen, &out)
            .into_iter()
            .map(|(s, seed)| (s.name, seed))
            .collect();
        std::fs::remove_dir_all(&out).unwrap();
        let expected = [
            ("k_1e-3/r_50", 2),
            ("k_1e-3/r_50", 4),
            ("k_1e-3/r_50", 5),
            ("k_inf/r_1000000", 1),
        ];
        assert_eq!(
            jobs,
            expected.map(|(n, s)| (n.to_owned(), s)).to_vec(),
            "sorted by the paper's settings, then seed; each once"
        );
    }

    #[test]
    fn configs_of_every_setting_parse_and_check() {
        for task in [Task::Chem, Task::Expr, Task::Shapes] {
            check_configs(task);
        }
    }

    fn check_configs(task: Task) {
        let template =
            std::fs::read_to_string(workspace_root().join(format!("configs/{}.toml", task.name())))
                .unwrap();
        let settings = all_settings(task);
        assert_eq!(settings.iter().filter(|s| !s.baseline).count(), 6);
        assert_eq!(settings.iter().filter(|s| s.baseline).count(), 16);
        for s in &settings {
            for quick in [false, true] {
                let text = config_text(task, &template, s, 3, quick, ExprModels::Official).unwrap();
                let cfg = lso_tasks::RunConfig::from_toml(&text)
                    .unwrap_or_else(|e| panic!("{}: {e}\n{text}", s.name));
                let checked = cfg.check().unwrap_or_else(|e| panic!("{}: {e}", s.name));
                let c = checked.config();
                assert_eq!(c.run_loop.seed, 3);
                if let lso_tasks::TaskConfig::Expr(e) = &c.task {
                    let k = s.k.unwrap_or("inf");
                    assert_eq!(
                        e.model,
                        PathBuf::from(format!("pretrain/expr-official/k_{k}/model"))
                    );
                    assert_eq!(e.data_seed, 3);
                }
                assert_eq!(
                    c.run_loop.budget,
                    match (s.baseline, quick) {
                        (false, false) => 500,
                        (true, false) => 5000,
                        (false, true) => 20,
                        (true, true) => 40,
                    }
                );
            }
        }
    }

    fn chem_config(name: &str, quick: bool) -> toml::Table {
        let template = std::fs::read_to_string(workspace_root().join("configs/chem.toml"))
            .expect("configs/chem.toml");
        let setting = all_settings(Task::Chem)
            .into_iter()
            .find(|s| s.name == name)
            .expect("a chem setting");
        toml::from_str(
            &config_text(
                Task::Chem,
                &template,
                &setting,
                3,
                quick,
                ExprModels::Official,
            )
            .expect("config"),
        )
        .expect("toml")
    }

    #[test]
    fn chem_runs_follow_the_official_code() {
        for (name, quick) in [
            ("k_1e-3/r_50", false),
            ("k_inf/r_1000000", false),
            ("k_inf/r_1000000", true),
            ("dbas/q_0.8/r_200/n_0.1", false),
        ] {
            let config = chem_config(name, quick);
            assert_eq!(config["loop"]["seed"].as_integer(), Some(3));
            // the paper's retraining loss (every candidate attachment) and decoder
            assert_eq!(config["task"].get("retrain_max_candidates"), None, "{name}");
            assert_ne!(
                config["task"]
                    .get("attach_open_branches")
                    .and_then(toml::Value::as_bool),
                Some(true),
                "{name}"
            );
            let strategy = &config["strategy"];
            if strategy["kind"].as_str() == Some("gp-ei") {
                // the paper's chemistry GP, refitted after every query
                assert_eq!(strategy["sparse_zero_mean"].as_bool(), Some(true));
                assert_eq!(strategy["sparse_standardise"].as_bool(), Some(false));
                assert!(strategy["sparse_refit_iters"].as_integer() > Some(0));
            }
        }
    }

    /// The expression runs: the paper's loop (`docs/expr.md`) on the paper's models by default.
    #[test]
    fn expr_runs_follow_the_official_code() {
        let template = std::fs::read_to_string(workspace_root().join("configs/expr.toml"))
            .expect("configs/expr.toml");
        for (name, quick, models) in [
            ("k_1e-3/r_50", false, ExprModels::Official),
            ("k_inf/r_1000000", true, ExprModels::Official),
            ("k_1e-1/r_50", false, ExprModels::Ours),
        ] {
            let setting = all_settings(Task::Expr)
                .into_iter()
                .find(|s| s.name == name)
                .expect("an expr setting");
            let config: toml::Table = toml::from_str(
                &config_text(Task::Expr, &template, &setting, 2, quick, models).expect("config"),
            )
            .expect("toml");
            let k = setting.k_or_inf();
            let model = config["task"]["model"].as_str().expect("model");
            assert_eq!(model, format!("{}/model", models.dir(k)));
            // no initial retraining; retraining as the paper's Keras fit
            assert_eq!(
                config["loop"]["initial_retrain_epochs"].as_float(),
                Some(0.0)
            );
            assert_eq!(config["task"]["retrain_batch_size"].as_integer(), Some(600));
            assert_eq!(
                config["task"]["retrain_validation_split"].as_float(),
                Some(0.1)
            );
            assert_eq!(
                config["task"]["retrain_adam_epsilon"].as_float(),
                Some(1e-7)
            );
            let strategy = &config["strategy"];
            for key in [
                "scalar_standardise",
                "data_starts_without_replacement",
                "converged_only",
            ] {
                assert_eq!(strategy[key].as_bool(), Some(true), "{key}");
            }
            assert!(strategy["sparse_refit_iters"].as_integer() > Some(0));
        }
    }
}
