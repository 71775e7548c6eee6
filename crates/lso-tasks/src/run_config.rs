//! The run config: task, loop settings and strategy, from TOML.

use std::path::Path;

use burn::tensor::Device;

use lso_core::{
    Dataset, GenerativeModel, LoopConfig, LoopSettings, Objective, Observer, PriorSampling,
    Proposer, Run, RunSummary,
};
use serde::{Deserialize, Serialize};

use crate::TaskError;
use crate::chem::ChemConfig;
use crate::expr::ExprConfig;
use crate::shapes::{GridSearch, ShapesConfig};
use crate::synthetic::SyntheticConfig;
use crate::{GpEiConfig, GpEiProposer};

/// Which task to run (`[task]`, selected by `kind`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TaskConfig {
    /// The synthetic task of [`crate::synthetic`].
    Synthetic(SyntheticConfig),
    /// The paper's chemistry task ([`crate::chem`]).
    Chem(ChemConfig),
    /// The paper's 2D shapes task ([`crate::shapes`]).
    Shapes(ShapesConfig),
    /// The paper's arithmetic-expression task ([`crate::expr`]).
    Expr(ExprConfig),
}

/// How latent points are proposed (`[strategy]`, selected by `kind`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum StrategyConfig {
    /// Decode draws from the prior (the paper's `sample` strategy of the baselines).
    #[default]
    Sample,
    /// A GP on the latent codes with expected improvement (the paper's `opt` strategy).
    GpEi(GpEiConfig),
    /// Decode a grid over a 2-D latent square and query the best decoded items (the paper's
    /// `opt` strategy of the shapes task).
    Grid(GridSearch),
}

/// A whole run as written in TOML:
///
/// ```toml
/// [task]
/// kind = "synthetic"
/// n_data = 200
///
/// [loop]
/// seed = 0
/// budget = 100
/// retrain_every = 10
///
/// [loop.weighting]
/// scheme = "rank"
/// k = 1e-3
///
/// [strategy]
/// kind = "sample"
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// The task.
    pub task: TaskConfig,
    /// The loop settings.
    #[serde(rename = "loop", default)]
    pub run_loop: LoopConfig,
    /// The proposal strategy.
    #[serde(default)]
    pub strategy: StrategyConfig,
}

impl RunConfig {
    /// Parse a config from TOML text.
    ///
    /// # Errors
    /// [`TaskError::Parse`] with the line, column and key of the problem.
    pub fn from_toml(text: &str) -> Result<Self, TaskError> {
        toml::from_str(text).map_err(|e| TaskError::Parse(e.to_string()))
    }

    /// Validate every setting.
    ///
    /// # Errors
    /// The first [`lso_core::ConfigError`] found, naming its key.
    pub fn check(self) -> Result<CheckedRun, TaskError> {
        let settings = self.run_loop.clone().check("loop.")?;
        match &self.task {
            TaskConfig::Synthetic(c) => {
                c.build("task.")?;
            }
            TaskConfig::Chem(c) => c.check("task.")?,
            TaskConfig::Shapes(c) => c.check("task.")?,
            TaskConfig::Expr(c) => c.check("task.")?,
        }
        if let StrategyConfig::Grid(g) = &self.strategy {
            if !matches!(self.task, TaskConfig::Shapes(_)) {
                return Err(grid_needs_shapes().into());
            }
            if g.grid_len < 2 || g.grid_len > 1000 {
                return Err(lso_core::ConfigError::new(
                    "strategy.grid_len",
                    g.grid_len,
                    "must be between 2 and 1000",
                )
                .into());
            }
            if !(g.bound.is_finite() && g.bound > 0.0) {
                return Err(lso_core::ConfigError::new(
                    "strategy.bound",
                    g.bound,
                    "must be a positive number",
                )
                .into());
            }
        }
        if let StrategyConfig::GpEi(g) = &self.strategy {
            if g.batch == 0 {
                return Err(lso_core::ConfigError::new(
                    "strategy.batch",
                    0,
                    "must be at least 1 point per GP fit",
                )
                .into());
            }
            for (key, value, most) in [
                ("restarts", g.restarts, 100),
                ("n_random_starts", g.n_random_starts, 10_000),
                ("n_data_starts", g.n_data_starts, 10_000),
                ("batch", g.batch, 10_000),
                ("inducing", g.inducing, 100_000),
                ("sparse_max_iters", g.sparse_max_iters, 1_000_000),
                ("sparse_refit_iters", g.sparse_refit_iters, 1_000_000),
                ("stop_after_converged", g.stop_after_converged, 10_000),
            ] {
                if value > most {
                    return Err(lso_core::ConfigError::new(
                        format!("strategy.{key}"),
                        value,
                        format!("must be at most {most}"),
                    )
                    .into());
                }
            }
            if g.n_random_starts == 0 && g.n_data_starts == 0 {
                return Err(lso_core::ConfigError::new(
                    "strategy.n_random_starts",
                    0,
                    "the EI maximisation needs a start: n_random_starts or n_data_starts at least 1",
                )
                .into());
            }
        }
        if let StrategyConfig::GpEi(g) = &self.strategy
            && g.inducing > 0
            && g.batch > 1
        {
            return Err(lso_core::ConfigError::new(
                "strategy.batch",
                g.batch,
                "must be 1 with a sparse GP (strategy.inducing > 0)",
            )
            .into());
        }
        if let StrategyConfig::GpEi(g) = &self.strategy
            && !(0.0..=1.0).contains(&g.incumbent_quantile)
        {
            return Err(lso_core::ConfigError::new(
                "strategy.incumbent_quantile",
                g.incumbent_quantile,
                "must be in [0, 1]",
            )
            .into());
        }
        Ok(CheckedRun {
            config: self,
            settings,
            device: Device::flex(),
        })
    }
}

/// A validated run config, ready to execute.
#[derive(Debug, Clone)]
pub struct CheckedRun {
    config: RunConfig,
    settings: LoopSettings,
    device: Device,
}

impl CheckedRun {
    /// Run the task's neural networks on `device` (default: burn's `flex` CPU backend; see
    /// [`lso_models::device`]). The device is not part of the run's identity: a run started on
    /// one device resumes on another (numbers may then differ in the last bits).
    #[must_use]
    pub fn with_device(mut self, device: Device) -> Self {
        self.device = device;
        self
    }

    /// The config as given.
    pub fn config(&self) -> &RunConfig {
        &self.config
    }

    /// The resolved config (every default filled in) as TOML, as stored in the run directory.
    pub fn resolved_toml(&self) -> String {
        toml::to_string(&self.config).expect("run configs serialise to TOML")
    }

    /// The config text to check against the run in `dir`: the stored text when it is this
    /// config written before keys added since (they take their defaults, which keep the earlier
    /// behaviour), so such runs resume; otherwise the resolved config, whose first difference
    /// from the stored one the loop reports.
    fn stored_form(&self, dir: &Path) -> String {
        let resolved = self.resolved_toml();
        let stored = std::fs::read_to_string(dir.join(lso_core::CONFIG_FILE)).ok();
        match stored {
            Some(text)
                if RunConfig::from_toml(&text)
                    .is_ok_and(|c| toml::to_string(&c).is_ok_and(|t| t == resolved)) =>
            {
                text
            }
            _ => resolved,
        }
    }

    /// Run or resume the run in `dir`.
    ///
    /// # Errors
    /// [`TaskError`] from building the task or from the loop.
    pub fn execute(
        &self,
        dir: &Path,
        observer: &mut dyn Observer,
    ) -> Result<RunSummary, TaskError> {
        let toml = self.stored_form(dir);
        let job = Job {
            settings: &self.settings,
            dir,
            toml: &toml,
            observer,
        };
        match (&self.config.task, self.config.strategy) {
            (TaskConfig::Synthetic(c), strategy) => {
                let t = c.build("task.")?;
                job.common(t.model, t.objective, t.data, strategy)
            }
            (TaskConfig::Chem(c), strategy) => {
                let t = c.build("task.", &self.device)?;
                job.common(t.model, t.objective, t.data, strategy)
            }
            (TaskConfig::Shapes(c), StrategyConfig::Grid(grid)) => {
                let t = c.build("task.", &self.device)?;
                job.go(t.model, t.objective, grid, t.data)
            }
            (TaskConfig::Shapes(c), strategy) => {
                let t = c.build("task.", &self.device)?;
                job.common(t.model, t.objective, t.data, strategy)
            }
            (TaskConfig::Expr(c), strategy) => {
                let t = c.build("task.", &self.device)?;
                job.common(t.model, t.objective, t.data, strategy)
            }
        }
    }
}

/// Where and how a checked run goes.
struct Job<'a> {
    settings: &'a LoopSettings,
    dir: &'a Path,
    toml: &'a str,
    observer: &'a mut dyn Observer,
}

impl Job<'_> {
    /// Run one task with one proposer.
    fn go<M, O, P>(
        self,
        model: M,
        objective: O,
        proposer: P,
        data: Dataset<M::Item>,
    ) -> Result<RunSummary, TaskError>
    where
        M: GenerativeModel,
        O: Objective<M::Item>,
        P: Proposer<M>,
    {
        let mut run = Run::new(self.settings.clone(), model, objective, proposer, data);
        Ok(run.execute(self.dir, self.toml, self.observer)?)
    }

    /// Run one task with a strategy every task has (prior sampling, GP-EI).
    fn common<M, O>(
        self,
        model: M,
        objective: O,
        data: Dataset<M::Item>,
        strategy: StrategyConfig,
    ) -> Result<RunSummary, TaskError>
    where
        M: GenerativeModel,
        O: Objective<M::Item>,
    {
        match strategy {
            StrategyConfig::Sample => self.go(model, objective, PriorSampling, data),
            StrategyConfig::GpEi(g) => self.go(model, objective, GpEiProposer::new(g), data),
            StrategyConfig::Grid(_) => Err(grid_needs_shapes().into()),
        }
    }
}

fn grid_needs_shapes() -> lso_core::ConfigError {
    lso_core::ConfigError::new(
        "strategy.kind",
        "grid",
        "grid search ranks decoded images by area: it needs the shapes task",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_keys_and_values_are_named() {
        let err = RunConfig::from_toml("[task]\nkind = \"synthetic\"\nn_dta = 3\n").unwrap_err();
        assert!(err.to_string().contains("n_dta"), "{err}");
        let err = RunConfig::from_toml("[task]\nkind = \"shapes3\"\n").unwrap_err();
        assert!(err.to_string().contains("shapes3"), "{err}");
        let err = RunConfig::from_toml("[task]\nkind = \"synthetic\"\n[loop]\nbudget = -1\n")
            .unwrap_err();
        assert!(err.to_string().contains("budget"), "{err}");
        let cfg =
            RunConfig::from_toml("[task]\nkind = \"synthetic\"\n[loop]\nbudget = 0\n").unwrap();
        let err = cfg.check().unwrap_err().to_string();
        assert!(err.contains("`loop.budget` = 0"), "{err}");
        let cfg = RunConfig::from_toml("[task]\nkind = \"synthetic\"\nlatent_dim = 9\n").unwrap();
        let err = cfg.check().unwrap_err().to_string();
        assert!(err.contains("`task.data_dim` = 8"), "{err}");
    }

    /// Values that passed the check and then aborted, hung or were silently changed: each is
    /// now a clean error naming its key, quickly.
    #[test]
    fn absurd_values_are_refused_by_key() {
        for (text, key) in [
            (
                "[task]\nkind = \"synthetic\"\nn_data = 1000000000\n",
                "task.n_data",
            ),
            (
                "[task]\nkind = \"synthetic\"\nlatent_dim = 4294967296\n",
                "task.latent_dim",
            ),
            (
                "[task]\nkind = \"synthetic\"\neval_delay_ms = 9223372036854775807\n",
                "task.eval_delay_ms",
            ),
            (
                "[task]\nkind = \"synthetic\"\nbound = 1e-300\n",
                "task.bound",
            ),
            (
                "[task]\nkind = \"synthetic\"\n[loop]\nbudget = 9223372036854775807\nretrain_every = 9223372036854775807\n",
                "loop.budget",
            ),
            (
                "[task]\nkind = \"synthetic\"\n[loop]\nsamples_per_model = 9223372036854775807\n",
                "loop.samples_per_model",
            ),
            (
                "[task]\nkind = \"synthetic\"\n[loop]\ninitial_retrain_epochs = 1e30\n",
                "loop.initial_retrain_epochs",
            ),
            (
                "[task]\nkind = \"synthetic\"\n[strategy]\nkind = \"gp-ei\"\nbatch = 0\n",
                "strategy.batch",
            ),
            (
                "[task]\nkind = \"synthetic\"\n[strategy]\nkind = \"gp-ei\"\nn_random_starts = 0\nn_data_starts = 0\n",
                "strategy.n_random_starts",
            ),
        ] {
            let start = std::time::Instant::now();
            let err = RunConfig::from_toml(text)
                .unwrap()
                .check()
                .expect_err(text)
                .to_string();
            assert!(err.contains(&format!("`{key}`")), "{text}: {err}");
            assert!(start.elapsed().as_secs() < 10, "{text}: slow");
        }
    }

    /// Every numeric key of the loop, the synthetic and expression tasks and the GP-EI
    /// strategy, set to extreme values and wrong types: parsing and the check end in a clean
    /// error or a valid config, never a panic, and quickly.
    #[test]
    fn extreme_values_of_every_key_give_a_clean_answer() {
        let keys: [(&str, &str); 31] = [
            ("loop", "seed"),
            ("loop", "budget"),
            ("loop", "retrain_every"),
            ("loop", "initial_retrain_epochs"),
            ("loop", "retrain_epochs"),
            ("loop", "samples_per_model"),
            ("loop", "invalid_score"),
            ("loop.surrogate_data", "n_best"),
            ("loop.surrogate_data", "n_random"),
            ("loop.weighting", "k"),
            ("task", "latent_dim"),
            ("task", "data_dim"),
            ("task", "n_data"),
            ("task", "task_seed"),
            ("task", "bound"),
            ("task", "eval_delay_ms"),
            ("task", "data_noise"),
            ("expr", "n_data"),
            ("expr", "ignore_percentile"),
            ("expr", "retrain_batch_size"),
            ("expr", "retrain_lr"),
            ("expr", "retrain_validation_split"),
            ("expr", "retrain_adam_epsilon"),
            ("strategy", "restarts"),
            ("strategy", "incumbent_quantile"),
            ("strategy", "n_random_starts"),
            ("strategy", "n_data_starts"),
            ("strategy", "batch"),
            ("strategy", "inducing"),
            ("strategy", "sparse_max_iters"),
            ("strategy", "sparse_refit_iters"),
        ];
        let values = [
            "0",
            "-1",
            "1",
            "9223372036854775807",
            "-9223372036854775808",
            "4294967296",
            "1e300",
            "-1e300",
            "1e-300",
            "nan",
            "inf",
            "-inf",
            "0.5",
            "\"x\"",
            "true",
            "[1]",
        ];
        for (table, key) in keys {
            for value in values {
                let (task, table) = if table == "expr" {
                    ("kind = \"expr\"\n", "task")
                } else {
                    ("kind = \"synthetic\"\nn_data = 20\n", table)
                };
                let mut text = format!("[task]\n{task}[strategy]\nkind = \"gp-ei\"\n");
                if table == "task" && task.contains("synthetic") && key == "n_data" {
                    text = text.replace("n_data = 20\n", "");
                }
                if table == "task" || table == "strategy" {
                    text = text.replace(
                        &format!("[{table}]\n"),
                        &format!("[{table}]\n{key} = {value}\n"),
                    );
                } else if table == "loop.weighting" {
                    text.push_str(&format!("[{table}]\nscheme = \"rank\"\n{key} = {value}\n"));
                } else {
                    text.push_str(&format!("[{table}]\n{key} = {value}\n"));
                }
                let start = std::time::Instant::now();
                let outcome = std::panic::catch_unwind(|| {
                    RunConfig::from_toml(&text)
                        .and_then(RunConfig::check)
                        .map(|_| ())
                });
                match outcome {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        let e = e.to_string();
                        assert!(e.contains(key) || e.contains("invalid"), "{text}: {e}");
                    }
                    Err(_) => panic!("panicked on\n{text}"),
                }
                assert!(start.elapsed().as_secs() < 5, "slow on\n{text}");
            }
        }
    }

    #[test]
    fn runs_written_before_a_new_key_resume_and_real_differences_are_refused() {
        let text = "[task]\nkind = \"synthetic\"\nn_data = 30\n[loop]\nbudget = 3\n\
                    retrain_every = 2\nsamples_per_model = 0\n\
                    [loop.surrogate_data]\nn_best = 10\nn_random = 10\n\
                    [strategy]\nkind = \"gp-ei\"\n";
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        let run = RunConfig::from_toml(text).unwrap().check().unwrap();
        let first = run.execute(&dir, &mut lso_core::NoObserver).unwrap();
        assert_eq!(first.queries.len(), 3);
        // the stored config as an older lso wrote it, without keys added since (their
        // defaults are in effect here)
        let path = dir.join(lso_core::CONFIG_FILE);
        let stored = std::fs::read_to_string(&path).unwrap();
        let older: String = stored
            .lines()
            .filter(|l| {
                !l.starts_with("sparse_zero_mean") && !l.starts_with("stop_after_converged")
            })
            .map(|l| format!("{l}\n"))
            .collect();
        assert_eq!(older.lines().count() + 2, stored.lines().count());
        std::fs::write(&path, &older).unwrap();
        // ... and its manifest, which kept no copy of the config then
        let manifest_path = dir.join("run.json");
        let mut manifest: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&manifest_path).unwrap()).unwrap();
        manifest
            .as_object_mut()
            .unwrap()
            .remove("config")
            .expect("a copy");
        std::fs::write(&manifest_path, manifest.to_string()).unwrap();
        let again = run.execute(&dir, &mut lso_core::NoObserver).unwrap();
        assert_eq!(again.resumed_at, 3);
        assert_eq!(again.queries, first.queries);
        // a value that differs from the default the older run had is a different config
        let zero_mean = format!("{text}sparse_zero_mean = true\n");
        let run = RunConfig::from_toml(&zero_mean).unwrap().check().unwrap();
        let err = run
            .execute(&dir, &mut lso_core::NoObserver)
            .unwrap_err()
            .to_string();
        assert!(err.contains("strategy.sparse_zero_mean"), "{err}");
        let seed = text.replace("budget = 3", "budget = 3\nseed = 9");
        let run = RunConfig::from_toml(&seed).unwrap().check().unwrap();
        let err = run
            .execute(&dir, &mut lso_core::NoObserver)
            .unwrap_err()
            .to_string();
        assert!(err.contains("loop.seed"), "{err}");
    }

    #[test]
    fn resolved_config_parses_back() {
        let cfg = RunConfig::from_toml(
            "[task]\nkind = \"synthetic\"\n[loop.weighting]\nscheme = \"rank\"\nk = inf\n",
        )
        .unwrap();
        let checked = cfg.clone().check().unwrap();
        let back = RunConfig::from_toml(&checked.resolved_toml()).unwrap();
        assert_eq!(back, cfg);
    }
}
