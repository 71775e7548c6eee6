//! The report of an experiment: `summary.tsv`, `best.tsv`, curves (SVG) and `<task>.md`, from
//! the run directories and the paper's published runs (`data/official/<task>_rank.tsv`).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use anyhow::Context;

use crate::expr_queries;
use crate::plot;
use crate::reproduce::{Setting, Task, all_settings, run_dir};
use crate::timing::TimeSplit;
use lso_core::top_k_mean as top_k;
use plotters::style::RGBColor;

/// One run's queries in order: values (`None` when invalid) and items (text form).
struct RunData {
    values: Vec<Option<f64>>,
    items: Vec<Option<String>>,
    /// The query budget of the run's config (`None` if it does not say).
    budget: Option<usize>,
    time: TimeSplit,
}

fn read_run(dir: &Path) -> anyhow::Result<Option<RunData>> {
    let path = dir.join("queries.jsonl");
    if !path.exists() {
        return Ok(None);
    }
    let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
    let mut values = Vec::new();
    let mut items = Vec::new();
    let mut time = TimeSplit::default();
    for (i, line) in text.lines().enumerate() {
        let v: serde_json::Value = serde_json::from_str(line)
            .with_context(|| format!("{} line {}", path.display(), i + 1))?;
        values.push(v["value"].as_f64());
        items.push(v["item"].as_str().map(str::to_owned));
        time.add_query(&v);
    }
    if let Ok(rounds) = std::fs::read_to_string(dir.join("rounds.jsonl")) {
        for line in rounds.lines() {
            if let Ok(v) = serde_json::from_str::<serde_json::Value>(line) {
                time.add_round(&v);
            }
        }
    }
    let budget = std::fs::read_to_string(dir.join(lso_core::CONFIG_FILE))
        .ok()
        .and_then(|t| t.parse::<toml::Table>().ok())
        .and_then(|t| t.get("loop")?.get("budget")?.as_integer())
        .and_then(|b| usize::try_from(b).ok());
    Ok(Some(RunData {
        values,
        items,
        budget,
        time,
    }))
}

/// How far an unfinished run is (`None` once it reached its budget): `run` is its recorded
/// queries and budget, `None` for a run not started.
fn run_status(run: Option<(usize, Option<usize>)>) -> Option<String> {
    match run {
        None => Some("not started".to_owned()),
        Some((done, Some(budget))) if done < budget => Some(format!("{done} of {budget} queries")),
        Some(_) => None,
    }
}

/// The best valid value of a run.
fn best_value(values: &[Option<f64>]) -> Option<f64> {
    values.iter().flatten().copied().reduce(f64::max)
}

/// Mean of the `k` best valid values after each query (running top-k), `NaN` until there are
/// `k` valid ones.
fn running_top_k(values: &[Option<f64>], k: usize) -> Vec<f64> {
    let mut best: Vec<f64> = Vec::with_capacity(k + 1); // descending
    values
        .iter()
        .map(|v| {
            if let Some(v) = *v {
                let i = best.partition_point(|b| *b >= v);
                if i < k {
                    best.insert(i, v);
                    best.truncate(k);
                }
            }
            if best.len() == k && k > 0 {
                best.iter().sum::<f64>() / k as f64
            } else {
                f64::NAN
            }
        })
        .collect()
}

/// A running top-k curve as shown (see [`shown`]).
fn shown_curve(task: Task, values: &[Option<f64>], k: usize) -> Vec<f64> {
    running_top_k(values, k)
        .into_iter()
        .map(|v| shown(task, v))
        .collect()
}

/// The `k` of the curves drawn per setting.
const TOP_KS: [usize; 3] = [1, 10, 50];

/// Median (`NaN` for no values); sorts `v`.
pub(crate) fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        v[n / 2]
    } else {
        0.5 * (v[n / 2 - 1] + v[n / 2])
    }
}

fn fmt(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |x| format!("{x:.2}"))
}

/// Runs by setting and seed: values in query order (`None` when invalid).
type Runs = BTreeMap<String, BTreeMap<u64, Vec<Option<f64>>>>;

/// How a task's values are shown: runs record the value the loop maximises, which for expr is
/// `-score`; reports show the score (log(1 + MSE), lower is better) as the paper does.
fn shown(task: Task, v: f64) -> f64 {
    if task == Task::Expr { -v } else { v }
}

/// Official runs: setting -> seed -> values (as the loop maximises them) in query order, from
/// `data/official/<task>_rank.tsv` (columns `setting seed query_index value [smiles]`; a chem
/// query whose smiles is `None` was invalid; expr's published values are scores, negated here)
/// and the task's baselines file if there is one.
fn official(task: Task) -> anyhow::Result<Runs> {
    let path = format!("data/official/{}_rank.tsv", task.name());
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let mut out = Runs::new();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 4 {
            continue;
        }
        let seed: u64 = f[1].parse()?;
        let value = shown(task, f[3].parse()?);
        let valid = f.get(4).is_none_or(|s| *s != "None");
        out.entry(f[0].to_owned())
            .or_default()
            .entry(seed)
            .or_default()
            .push(valid.then_some(value));
    }
    official_baselines(task, &mut out)?;
    Ok(out)
}

/// Official baseline runs, where published runs carry information: `data/official/<task>_baselines.tsv`
/// (columns `retrain_every seed query_index value`) holds one run per retraining period and
/// seed, shared by every baseline setting with that period (the paper's expression baselines are
/// byte-identical across weightings; `data/official/README.md`).
fn official_baselines(task: Task, out: &mut Runs) -> anyhow::Result<()> {
    let path = format!("data/official/{}_baselines.tsv", task.name());
    if !Path::new(&path).exists() {
        return Ok(());
    }
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    let mut shared: BTreeMap<(String, u64), Vec<Option<f64>>> = BTreeMap::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        anyhow::ensure!(f.len() == 4, "{path} line {}: expected 4 columns", n + 1);
        let seed: u64 = f[1]
            .parse()
            .with_context(|| format!("{path} line {}: seed", n + 1))?;
        let value: f64 = f[3]
            .parse()
            .with_context(|| format!("{path} line {}: value", n + 1))?;
        shared
            .entry((format!("r_{}", f[0]), seed))
            .or_default()
            .push(Some(shown(task, value)));
    }
    for setting in all_settings(task).into_iter().filter(|s| s.baseline) {
        for ((period, seed), values) in &shared {
            if setting.name.split('/').any(|part| part == period) {
                out.entry(setting.name.clone())
                    .or_default()
                    .insert(*seed, values.clone());
            }
        }
    }
    Ok(())
}

/// Median and quartiles over seeds of running top-1 curves, per query.
fn bands(curves: &[Vec<f64>]) -> Vec<(f64, f64, f64)> {
    let len = curves.iter().map(Vec::len).max().unwrap_or(0);
    (0..len)
        .map(|i| {
            let mut col: Vec<f64> = curves
                .iter()
                .filter_map(|c| c.get(i).copied())
                .filter(|v| v.is_finite())
                .collect();
            col.sort_by(f64::total_cmp);
            if col.is_empty() {
                return (f64::NAN, f64::NAN, f64::NAN);
            }
            let q = |p: f64| col[((p * (col.len() - 1) as f64).round()) as usize];
            (q(0.25), median(&mut col.clone()), q(0.75))
        })
        .collect()
}

/// The recorded value must be the objective of the recorded item: for chem what `lso chem
/// props` gives for the SMILES, for shapes the number of set pixels of the image (1,024
/// hexadecimal digits), for expr minus the expression's score.
fn check_value(task: Task, item: &str, value: f64) -> anyhow::Result<()> {
    if task == Task::Expr {
        let e = lso_tasks::expr::Expression::parse(item)
            .map_err(|e| anyhow::anyhow!("recorded expression {item} does not parse: {e}"))?;
        let score = lso_tasks::expr::ExprObjective::default().score(&e);
        anyhow::ensure!(
            -score == value,
            "recorded value {value} of {item} differs from minus its score ({score})"
        );
        return Ok(());
    }
    if task == Task::Shapes {
        anyhow::ensure!(
            item.len() == 1024 && item.chars().all(|c| c.is_ascii_hexdigit()),
            "recorded image is not 1,024 hexadecimal digits"
        );
        let area: u32 = item
            .chars()
            .filter_map(|c| c.to_digit(16))
            .map(u32::count_ones)
            .sum();
        anyhow::ensure!(
            f64::from(area) == value,
            "recorded area {value} differs from the image's {area} pixels"
        );
        return Ok(());
    }
    let smiles = item;
    let mol = lso_chem::Molecule::from_smiles(smiles)
        .with_context(|| format!("recorded molecule {smiles} does not parse"))?;
    let props = lso_chem::properties(&mol).penalized_logp;
    anyhow::ensure!(
        props == value,
        "recorded penalized logP {value} of {smiles} differs from lso chem props ({props})"
    );
    Ok(())
}

/// The terms of a molecule's penalized logP and its size, as table cells: Crippen logP, SA
/// score, cycle penalty (atoms beyond six in the largest ring), heavy atoms.
fn chem_terms(smiles: &str) -> anyhow::Result<String> {
    let mol = lso_chem::Molecule::from_smiles(smiles)
        .with_context(|| format!("recorded molecule {smiles} does not parse"))?;
    let p = lso_chem::properties(&mol);
    Ok(format!(
        " {:.2} | {:.2} | {} | {} |",
        p.logp,
        p.sa,
        p.cycle,
        mol.atoms().len()
    ))
}

/// The ten best items of each of `rank_settings` (which have runs), over its seeds.
fn write_ten_best(
    md: &mut String,
    task: Task,
    rank_settings: &[&String],
    by_setting: &BTreeMap<String, Vec<(u64, RunData)>>,
) -> anyhow::Result<()> {
    let what = if task == Task::Chem {
        "molecules"
    } else {
        "expressions"
    };
    writeln!(
        md,
        "## Ten best {what} per rank setting\n\nDistinct {what} over all seeds of the setting; \
         the best 10 queries of every run, baselines included, are in `best.tsv`.{}\n",
        if task == Task::Chem {
            " The columns give the terms of the value: penalized logP = (logP - 2.458) / 1.433 \
             - (SA - 3.054) / 0.835 - (cycle - 0.049) / 0.287 (ZINC-250k statistics); Crippen \
             logP grows with the molecule's size, which the decoder caps at 100 junction-tree \
             nodes."
        } else {
            ""
        }
    )?;
    for &name in rank_settings {
        let runs = &by_setting[name];
        let mut found: Vec<(f64, u64, usize, &str)> = runs
            .iter()
            .flat_map(|(seed, d)| {
                d.values
                    .iter()
                    .zip(&d.items)
                    .enumerate()
                    .filter_map(move |(i, (v, item))| Some(((*v)?, *seed, i, item.as_deref()?)))
            })
            .collect();
        // best (largest value the loop maximises) first, then by seed and query
        found.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let terms = if task == Task::Chem {
            " logP | SA | cycle | heavy atoms |"
        } else {
            ""
        };
        writeln!(
            md,
            "`{name}`:\n\n| value |{terms} seed | query | {} |\n|---|{}---|---|---|",
            &what[..what.len() - 1],
            "---|".repeat(terms.matches('|').count())
        )?;
        // each item once, where it was first found with its best value
        let mut seen = std::collections::HashSet::new();
        for (v, seed, i, item) in found.into_iter().filter(|f| seen.insert(f.3)).take(10) {
            let terms = if task == Task::Chem {
                chem_terms(item)?
            } else {
                String::new()
            };
            writeln!(
                md,
                "| {:.2} |{terms} {seed} | {i} | `{item}` |",
                shown(task, v)
            )?;
        }
        writeln!(md)?;
    }
    Ok(())
}

/// Heavy atoms of each SMILES that parses.
fn heavy_atoms<'a>(smiles: impl Iterator<Item = &'a str>) -> Vec<f64> {
    smiles
        .filter_map(|s| lso_chem::Molecule::from_smiles(s).ok())
        .map(|m| m.atoms().len() as f64)
        .collect()
}

/// `n | median | p90 | p99 | max` of a sample (nearest rank), as table cells.
fn size_cells(mut v: Vec<f64>) -> String {
    if v.is_empty() {
        return " 0 | | | | |".into();
    }
    v.sort_by(f64::total_cmp);
    let at = |q: f64| v[((q * v.len() as f64).ceil() as usize).clamp(1, v.len()) - 1];
    format!(
        " {} | {} | {} | {} | {} |",
        v.len(),
        median(&mut v.clone()),
        at(0.9),
        at(0.99),
        v[v.len() - 1]
    )
}

/// How large the queried molecules are, per rank setting, beside the paper's queries of the
/// same setting (`data/official/chem_rank.tsv`) and the starting data.
fn write_molecule_sizes(
    md: &mut String,
    rank_settings: &[&String],
    by_setting: &BTreeMap<String, Vec<(u64, RunData)>>,
) -> anyhow::Result<()> {
    let official = std::fs::read_to_string("data/official/chem_rank.tsv")
        .context("reading data/official/chem_rank.tsv")?;
    let zinc = std::fs::read_to_string("data/zinc/zinc_subset.txt")
        .context("reading data/zinc/zinc_subset.txt")?;
    writeln!(
        md,
        "## Molecule sizes\n\nHeavy atoms of the valid queried molecules over all seeds (every \
         query counted, repeats included), beside the paper's queries of the same setting and \
         the starting data.\n\n| molecules | n | median | p90 | p99 | max |\n|---|---|---|---|---|---|\n\
         | ZINC (starting data) |{}",
        size_cells(heavy_atoms(zinc.lines()))
    )?;
    for &name in rank_settings {
        let ours = heavy_atoms(
            by_setting[name]
                .iter()
                .flat_map(|(_, d)| d.items.iter().flatten().map(String::as_str)),
        );
        let paper = heavy_atoms(official.lines().skip(1).filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.first() == Some(&name.as_str()))
                .then(|| f.get(4).copied())
                .flatten()
        }));
        writeln!(md, "| `{name}`, ours |{}", size_cells(ours))?;
        writeln!(md, "| `{name}`, the paper's |{}", size_cells(paper))?;
    }
    writeln!(md)?;
    Ok(())
}

/// Write the report. `model` names the pretrained models the runs started from (the
/// expression task's `official` or `ours`): `summary.tsv` then starts with a `model` column.
///
/// # Errors
/// Unreadable run records or official data, file errors.
pub fn write(
    task: Task,
    out: &Path,
    jobs: &[(Setting, u64)],
    docs: &Path,
    quick: bool,
    model: Option<&str>,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(docs)?;
    let official = official(task)?;
    let model_column = model.map_or(String::new(), |m| format!("{m}\t"));
    let mut summary = format!(
        "{}setting\tseed\tqueries\ttop1\ttop10\ttop50\tseconds\n",
        if model.is_some() { "model\t" } else { "" }
    );
    let mut best = String::from(match task {
        Task::Chem => "setting\tseed\tquery_index\tsmiles\tpenalized_logp\n",
        Task::Shapes => "setting\tseed\tquery_index\timage\tarea\n",
        Task::Expr => "setting\tseed\tquery_index\texpression\tscore\n",
    });
    let show = |v: Option<f64>| v.map(|v| shown(task, v));
    let mut by_setting: BTreeMap<String, Vec<(u64, RunData)>> = BTreeMap::new();
    let mut order: Vec<String> = Vec::new();
    for (setting, seed) in jobs {
        if !order.contains(&setting.name) {
            order.push(setting.name.clone());
        }
        let Some(run) = read_run(&run_dir(out, &setting.name, *seed))? else {
            continue;
        };
        let valid: Vec<f64> = run.values.iter().flatten().copied().collect();
        writeln!(
            summary,
            "{model_column}{}\t{seed}\t{}\t{}\t{}\t{}\t{:.1}",
            setting.name,
            run.values.len(),
            show(top_k(&valid, 1)).map_or(String::new(), |v| v.to_string()),
            show(top_k(&valid, 10)).map_or(String::new(), |v| v.to_string()),
            show(top_k(&valid, 50)).map_or(String::new(), |v| v.to_string()),
            run.time.total
        )?;
        let mut ranked: Vec<(usize, f64)> = run
            .values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i, v)))
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        for (i, v) in ranked.into_iter().take(10) {
            let s = run.items[i].clone().unwrap_or_default();
            check_value(task, &s, v)
                .with_context(|| format!("{} seed {seed} query {i}", setting.name))?;
            writeln!(
                best,
                "{}\t{seed}\t{i}\t{s}\t{}",
                setting.name,
                shown(task, v)
            )?;
        }
        by_setting
            .entry(setting.name.clone())
            .or_default()
            .push((*seed, run));
    }
    std::fs::write(docs.join("summary.tsv"), &summary)?;
    std::fs::write(docs.join("best.tsv"), &best)?;

    let mut md = String::new();
    let (title, data_note, objective) = match task {
        Task::Chem => (
            "Chemistry: penalized logP with the JT-VAE",
            "Starting data: the 29,445 ZINC molecules of `data/zinc/zinc_subset.txt` (the paper \
             started from its ~250,000 training molecules). Best molecules: `best.tsv`. The \
             runs follow the official code: its tree decoder (nodes still open when the 100 \
             steps run out are left out of the molecule), its GP (raw units, prior mean 0) \
             refitted after every query, its retraining loss; what remains different (the GP \
             is fitted by L-BFGS, 100 iterations cold and 10 warm after each query, where the \
             paper runs Adam until flat) and why: `docs/chem-task.md`.",
            "penalized logP",
        ),
        Task::Shapes => (
            "2D shapes: area with the conv VAE",
            "Starting data: the paper's 10,900 squares, generated in code. Best images (1,024 \
             hexadecimal digits, 64 rows of 16): `best.tsv`.",
            "area",
        ),
        Task::Expr => (
            "Arithmetic expressions: log(1 + MSE) to 1/3 + x + sin(x * x) with the grammar VAE",
            "Starting data: per seed, 5,000 expressions drawn (`data_seed` = seed) from the worse \
             half of the paper's 100,000 (`data/expr/`); lower scores are better, 7 is the worst. \
             Best expressions: `best.tsv`. The runs start from the pretrained grammar VAEs named \
             in `summary.tsv`'s `model` column: `official` the paper's own (imported from its \
             Keras files), `ours` pretrained here; `docs/expr.md` says how the loop follows the \
             paper's code.",
            "log(1 + MSE)",
        ),
    };
    writeln!(
        md,
        "# {title}{}\n",
        if quick { " (quick mode)" } else { "" }
    )?;
    writeln!(
        md,
        "Written by `cargo xtask reproduce {}{}` from the runs in `{}`. {data_note} Official \
         values: the paper's published runs (`data/official/{}_rank.tsv`{}). Per-run rows: \
         `summary.tsv`.\n",
        task.name(),
        if quick { " --quick" } else { "" },
        out.display(),
        task.name(),
        if task == Task::Expr {
            "; the baselines' in `expr_baselines.tsv`: the published expression baselines are \
             byte-identical for all weightings with the same retraining period and seed, so \
             they say nothing about the weighting, and those with r = 200 stopped at 3,200-3,400 \
             queries"
        } else {
            ""
        }
    )?;
    writeln!(
        md,
        "| setting | seeds run | queries (min) | top-1 per seed | median | official top-1 per seed | official median |\n|---|---|---|---|---|---|---|"
    )?;
    for name in &order {
        let runs = by_setting.get(name);
        let (ours, med, n, qmin) = match runs {
            Some(r) => {
                let mut tops: Vec<f64> = r
                    .iter()
                    .filter_map(|(_, d)| show(best_value(&d.values)))
                    .collect();
                let list = r
                    .iter()
                    .map(|(s, d)| format!("{s}: {}", fmt(show(best_value(&d.values)))))
                    .collect::<Vec<_>>()
                    .join(", ");
                let qmin = r.iter().map(|(_, d)| d.values.len()).min().unwrap_or(0);
                let med = if tops.is_empty() {
                    "-".to_owned()
                } else {
                    format!("{:.2}", median(&mut tops))
                };
                (list, med, r.len(), qmin)
            }
            None => ("-".into(), "-".into(), 0, 0),
        };
        let (off, off_med) = match official.get(name) {
            Some(seeds) => {
                let mut tops = Vec::new();
                let list = seeds
                    .iter()
                    .map(|(s, v)| {
                        let t = show(best_value(v));
                        if let Some(t) = t {
                            tops.push(t);
                        }
                        format!("{s}: {}", fmt(t))
                    })
                    .collect::<Vec<_>>()
                    .join(", ");
                (list, format!("{:.2}", median(&mut tops)))
            }
            None => ("-".into(), "-".into()),
        };
        writeln!(
            md,
            "| `{name}` | {n} | {qmin} | {ours} | {med} | {off} | {off_med} |"
        )?;
    }
    // runs that have not reached their budget, said plainly (settings with no run at all are
    // named once below)
    let unfinished: Vec<String> = jobs
        .iter()
        .filter(|(setting, _)| by_setting.contains_key(&setting.name))
        .filter_map(|(setting, seed)| {
            let run = by_setting
                .get(&setting.name)
                .and_then(|r| r.iter().find(|(s, _)| s == seed))
                .map(|(_, d)| d);
            run_status(run.map(|d| (d.values.len(), d.budget)))
                .map(|status| format!("`{}` seed {seed} ({status})", setting.name))
        })
        .collect();
    if !unfinished.is_empty() {
        writeln!(
            md,
            "\n**Not finished**: this report shows the runs as they stand; {}.",
            unfinished.join(", ")
        )?;
    }
    // the paper's settings without a run, said plainly
    let absent: Vec<String> = all_settings(task)
        .into_iter()
        .filter(|s| !by_setting.contains_key(&s.name))
        .map(|s| format!("`{}`", s.name))
        .collect();
    if !absent.is_empty() {
        writeln!(
            md,
            "\nThe paper's other settings, with no run in `{}` yet: {}.",
            out.display(),
            absent.join(", ")
        )?;
    }
    // curves of the rank settings that have runs, linked relative to the report
    let rel = docs
        .file_name()
        .map_or(String::new(), |f| f.to_string_lossy().into_owned());
    writeln!(md, "\n## Curves against queries\n")?;
    const COLORS: [RGBColor; 6] = [
        RGBColor(31, 119, 180),
        RGBColor(255, 127, 14),
        RGBColor(44, 160, 44),
        RGBColor(214, 39, 40),
        RGBColor(148, 103, 189),
        RGBColor(140, 86, 75),
    ];
    let rank_settings: Vec<&String> = order
        .iter()
        .filter(|n| {
            by_setting.contains_key(*n) && jobs.iter().any(|(s, _)| &s.name == *n && !s.baseline)
        })
        .collect();
    if rank_settings.len() > 1 {
        let series: Vec<plot::Series<'_>> = rank_settings
            .iter()
            .zip(COLORS.iter().cycle())
            .map(|(name, color)| {
                let curves: Vec<Vec<f64>> = by_setting[*name]
                    .iter()
                    .map(|(_, d)| shown_curve(task, &d.values, 1))
                    .collect();
                (name.as_str(), *color, bands(&curves))
            })
            .collect();
        plot::band_plot(
            &docs.join("top1_rank_settings"),
            &format!("our rank-weighting settings: top-1 {objective}"),
            objective,
            &series,
        )?;
        writeln!(
            md,
            "All our rank-weighting settings together (`k_inf/r_1000000` is standard LSO):\n\n\
             ![rank settings]({rel}/top1_rank_settings.png) ([SVG]({rel}/top1_rank_settings.svg))\n"
        )?;
    }
    writeln!(
        md,
        "Per setting: the best value found so far (top-1) and the mean of the 10 and 50 best \
         (top-10, top-50), median over seeds (line) and quartiles (band); ours in blue, the \
         paper's in grey.\n"
    )?;
    for name in &order {
        let Some(runs) = by_setting.get(name) else {
            continue;
        };
        let panels: Vec<plot::Panel<'_>> = TOP_KS
            .iter()
            .map(|&k| {
                let ours: Vec<Vec<f64>> = runs
                    .iter()
                    .map(|(_, d)| shown_curve(task, &d.values, k))
                    .collect();
                let theirs: Vec<Vec<f64>> = official
                    .get(name)
                    .map(|s| s.values().map(|v| shown_curve(task, v, k)).collect())
                    .unwrap_or_default();
                (
                    format!("{name}: top-{k}"),
                    vec![
                        ("ours", RGBColor(31, 119, 180), bands(&ours)),
                        ("paper", RGBColor(136, 136, 136), bands(&theirs)),
                    ],
                )
            })
            .collect();
        let file = format!("curves_{}", name.replace('/', "_"));
        plot::panel_plot(&docs.join(&file), objective, &panels)?;
        writeln!(
            md,
            "![{name}]({rel}/{file}.png) ([SVG]({rel}/{file}.svg))\n"
        )?;
    }
    if task != Task::Shapes {
        write_ten_best(&mut md, task, &rank_settings, &by_setting)?;
    }
    if task == Task::Chem {
        write_molecule_sizes(&mut md, &rank_settings, &by_setting)?;
    }
    if task == Task::Expr {
        // scores, with invalid queries at the worst score
        let scores =
            |runs: &mut dyn Iterator<Item = &Vec<Option<f64>>>| -> expr_queries::SeedScores {
                runs.map(|v| {
                    v.iter()
                        .map(|v| show(*v).unwrap_or(lso_tasks::expr::WORST_SCORE))
                        .collect()
                })
                .collect()
            };
        let settings: Vec<(String, expr_queries::SeedScores, expr_queries::SeedScores)> =
            rank_settings
                .iter()
                .map(|&name| {
                    let ours = scores(&mut by_setting[name].iter().map(|(_, d)| &d.values));
                    let paper =
                        scores(&mut official.get(name).into_iter().flat_map(|s| s.values()));
                    (name.clone(), ours, paper)
                })
                .collect();
        expr_queries::write_section(&mut md, &settings)?;
    }
    writeln!(md, "## Wall time per run\n")?;
    writeln!(
        md,
        "Seconds by stage, summed over the run (`-`: records written before the stage was \
         timed). A round resumed after its retraining counts that retraining as 0 and its own \
         time from the resume on (standard LSO's one round, for instance, when the machine \
         stopped it part-way). The first proposal of a round includes the surrogate's fit; the other proposals \
         are the acquisition with the new points in the posterior.\n"
    )?;
    writeln!(
        md,
        "| setting | seed | queries | {} |\n|---|---|---|{}",
        TimeSplit::HEADER,
        "---|".repeat(TimeSplit::HEADER.split('|').count())
    )?;
    for name in &order {
        if let Some(runs) = by_setting.get(name) {
            for (seed, d) in runs {
                writeln!(
                    md,
                    "| `{name}` | {seed} | {} | {} |",
                    d.values.len(),
                    d.time.cells()
                )?;
            }
        }
    }
    let md_path = docs.with_extension("md");
    std::fs::write(&md_path, md)?;
    eprintln!(
        "report: {}, {}/summary.tsv, {}/best.tsv",
        md_path.display(),
        docs.display(),
        docs.display()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unfinished_runs_say_how_far_they_are() {
        assert_eq!(run_status(None).as_deref(), Some("not started"));
        assert_eq!(
            run_status(Some((200, Some(500)))).as_deref(),
            Some("200 of 500 queries")
        );
        assert_eq!(run_status(Some((500, Some(500)))), None);
        assert_eq!(run_status(Some((7, None))), None);
    }

    #[test]
    fn running_best_and_top_k() {
        let v = [None, Some(1.0), Some(0.5), None, Some(3.0)];
        let r = running_top_k(&v, 1);
        assert!(r[0].is_nan());
        assert_eq!(&r[1..], &[1.0, 1.0, 1.0, 3.0]);
        let r = running_top_k(&v, 2);
        assert!(r[0].is_nan() && r[1].is_nan());
        assert_eq!(&r[2..], &[0.75, 0.75, 2.0]);
        assert_eq!(shown_curve(Task::Expr, &v, 2)[4], -2.0);
        assert_eq!(top_k(&[1.0, 3.0, 2.0], 2), Some(2.5));
        assert_eq!(top_k(&[1.0], 2), None);
    }

    #[test]
    fn official_data_has_the_published_medians() {
        std::env::set_current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap()).unwrap();
        let off = official(Task::Chem).unwrap();
        // the paper's k = 1e-3, r = 50 seeds: 27.84, 23.04, 15.69, 21.20, 10.52 (median 21.20)
        let mut tops: Vec<f64> = off["k_1e-3/r_50"]
            .values()
            .map(|v| best_value(v).unwrap())
            .collect();
        assert!((median(&mut tops) - 21.20).abs() < 0.01, "{tops:?}");
        let mut tops: Vec<f64> = off["k_inf/r_1000000"]
            .values()
            .map(|v| best_value(v).unwrap())
            .collect();
        assert!((median(&mut tops) - 5.65).abs() < 0.01, "{tops:?}");
        // shapes: 884 and 465
        let off = official(Task::Shapes).unwrap();
        let mut tops: Vec<f64> = off["k_1e-3/r_50"]
            .values()
            .map(|v| best_value(v).unwrap())
            .collect();
        assert_eq!(median(&mut tops), 884.0);
        let mut tops: Vec<f64> = off["k_inf/r_1000000"]
            .values()
            .map(|v| best_value(v).unwrap())
            .collect();
        assert_eq!(median(&mut tops), 465.0);
        // expr: scores 0.394, 0.653, 0.394 (median 0.394) and standard LSO 1.330
        let off = official(Task::Expr).unwrap();
        let mut tops: Vec<f64> = off["k_1e-3/r_50"]
            .values()
            .map(|v| shown(Task::Expr, best_value(v).unwrap()))
            .collect();
        assert!((median(&mut tops) - 0.394).abs() < 0.001, "{tops:?}");
        let mut tops: Vec<f64> = off["k_inf/r_1000000"]
            .values()
            .map(|v| shown(Task::Expr, best_value(v).unwrap()))
            .collect();
        assert!((median(&mut tops) - 1.330).abs() < 0.001, "{tops:?}");
    }

    #[test]
    fn official_expr_baselines_are_shared_by_retraining_period() {
        let off = official(Task::Expr).unwrap();
        let baselines: Vec<Setting> = all_settings(Task::Expr)
            .into_iter()
            .filter(|s| s.baseline)
            .collect();
        assert_eq!(baselines.len(), 16);
        for s in &baselines {
            let runs = &off[&s.name];
            let lens: Vec<usize> = runs.values().map(Vec::len).collect();
            // published: r = 200 stopped at 3,400 / 3,200 / 3,400 queries, r = 500 ran 5,000
            if s.name.contains("/r_200") {
                assert_eq!(lens, [3400, 3200, 3400], "{}", s.name);
            } else {
                assert_eq!(lens, [5000, 5000, 5000], "{}", s.name);
            }
        }
        let a = &off["dbas/q_0.8/r_200/n_0.1"];
        let b = &off["rwr/r_200/alpha_1.0"];
        assert_eq!(a, b);
        // scores are shown as published (the loop maximises minus the score)
        let first = a[&1][0].unwrap();
        assert!((shown(Task::Expr, first) - 5.711184813247403).abs() < 1e-12);
    }

    #[test]
    fn expr_values_are_checked_against_their_expressions() {
        // the target itself scores 0
        assert!(check_value(Task::Expr, "1 / 3 + x + sin( x * x )", 0.0).is_ok());
        assert!(check_value(Task::Expr, "1 / 3 + x + sin( x * x )", -0.5).is_err());
        let e = lso_tasks::expr::Expression::parse("x + 1").unwrap();
        let score = lso_tasks::expr::ExprObjective::default().score(&e);
        assert!(score > 0.5);
        assert!(check_value(Task::Expr, "x + 1", -score).is_ok());
        assert!(check_value(Task::Expr, "x + + 1", -score).is_err());
    }

    #[test]
    fn molecule_sizes_are_nearest_rank_statistics() {
        let atoms = heavy_atoms(["CCO", "c1ccccc1", "not a molecule", "C"].into_iter());
        assert_eq!(atoms, vec![3.0, 6.0, 1.0]);
        assert_eq!(size_cells(atoms), " 3 | 3 | 6 | 6 | 6 |");
        assert_eq!(size_cells(Vec::new()), " 0 | | | | |");
    }

    #[test]
    fn chem_terms_are_those_of_the_molecule() {
        // RDKit 2026.09.1: Crippen logP of toluene 1.99502; 7 heavy atoms, no ring above six
        let cells = chem_terms("Cc1ccccc1").unwrap();
        let cells: Vec<&str> = cells.split('|').map(str::trim).collect();
        let logp: f64 = cells[0].parse().unwrap();
        assert!((logp - 1.99502).abs() < 0.006, "{logp}");
        assert_eq!(&cells[2..4], ["0", "7"]);
        // a nine-membered ring: cycle penalty 3
        let cells = chem_terms("C1CCCCCCCC1").unwrap();
        assert_eq!(cells.split('|').map(str::trim).nth(2), Some("3"));
        assert!(chem_terms("C1CC").is_err());
    }

    #[test]
    fn shapes_values_are_checked_against_their_images() {
        let mut image = "0".repeat(1024);
        image.replace_range(0..1, "f");
        assert!(check_value(Task::Shapes, &image, 4.0).is_ok());
        assert!(check_value(Task::Shapes, &image, 5.0).is_err());
        assert!(check_value(Task::Shapes, "xyz", 0.0).is_err());
    }
}
