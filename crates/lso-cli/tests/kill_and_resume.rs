//! A run killed with SIGKILL part-way resumes to exactly the results of an uninterrupted run.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const LSO: &str = env!("CARGO_BIN_EXE_lso");

fn config(delay_ms: u64, k: &str) -> String {
    format!(
        r#"
[task]
kind = "synthetic"
n_data = 60
eval_delay_ms = {delay_ms}

[loop]
seed = 11
budget = 48
retrain_every = 6
initial_retrain_epochs = 1.0
retrain_epochs = 0.5
samples_per_model = 4
invalid_score = -20.0

[loop.weighting]
scheme = "rank"
k = {k}
"#
    )
}

/// Records of a log with the wall-clock fields (and the checksum over them) removed.
fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: Value = serde_json::from_str(l).unwrap();
            if let Value::Object(m) = &mut v {
                for key in lso_core::QueryRecord::TIME_FIELDS {
                    m.remove(key);
                }
                // the line's checksum covers the times too
                m.remove("check");
            }
            v
        })
        .collect()
}

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).map_or(0, |t| t.matches('\n').count())
}

fn run_to_end(config: &Path, out: &Path) -> std::process::Output {
    Command::new(LSO)
        .args(["run", "--config"])
        .arg(config)
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn killed_run_resumes_to_the_uninterrupted_result() {
    let tmp = tempfile::tempdir().unwrap();
    // The delay only slows evaluation down; it is part of the config, so both runs share it.
    let cfg = tmp.path().join("run.toml");
    std::fs::write(&cfg, config(15, "1e-3")).unwrap();

    let reference = tmp.path().join("reference");
    let out = run_to_end(&cfg, &reference);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let interrupted = tmp.path().join("interrupted");
    let queries = interrupted.join("queries.jsonl");
    // Kill twice, in different rounds, then let it finish.
    for kill_after in [9, 31] {
        let mut child = Command::new(LSO)
            .args(["run", "--config"])
            .arg(&cfg)
            .arg("--out")
            .arg(&interrupted)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let start = Instant::now();
        while lines(&queries) < kill_after {
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "run made no progress"
            );
            assert!(
                child.try_wait().unwrap().is_none(),
                "run ended before it could be killed"
            );
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let done = lines(&queries);
        assert!(
            done < 48,
            "killed after the run had finished ({done} queries)"
        );
    }
    let out = run_to_end(&cfg, &interrupted);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains(" (0 resumed"),
        "the last execution resumed nothing: {stdout}"
    );

    for log in ["queries.jsonl", "samples.jsonl"] {
        let (a, b) = (
            records(&reference.join(log)),
            records(&interrupted.join(log)),
        );
        assert_eq!(a.len(), b.len(), "{log}");
        if log == "queries.jsonl" {
            assert_eq!(a, b, "{log} differs");
        } else {
            // samples of one version may be appended in two parts across a kill: compare as sets
            let key = |v: &Value| (v["model_version"].as_u64(), v["index"].as_u64());
            let (mut a, mut b) = (a, b);
            a.sort_by_key(key);
            b.sort_by_key(key);
            assert_eq!(a, b, "{log} differs");
        }
    }
    let strip = |mut v: Vec<Value>| {
        for r in &mut v {
            for key in lso_core::RoundRecord::TIME_FIELDS {
                r.as_object_mut().unwrap().remove(key);
            }
        }
        v
    };
    assert_eq!(
        strip(records(&reference.join("rounds.jsonl"))),
        strip(records(&interrupted.join("rounds.jsonl")))
    );
    // every query index appears exactly once: nothing was evaluated twice
    let q = records(&queries);
    for (i, r) in q.iter().enumerate() {
        assert_eq!(r["query"].as_u64(), Some(i as u64));
    }
}

#[test]
fn resuming_with_another_config_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b) = (tmp.path().join("a.toml"), tmp.path().join("b.toml"));
    std::fs::write(&a, config(0, "1e-3")).unwrap();
    std::fs::write(&b, config(0, "0.1")).unwrap();
    let dir = tmp.path().join("run");
    assert!(run_to_end(&a, &dir).status.success());
    let out = run_to_end(&b, &dir);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("`loop.weighting.k` is 0.001 there but 0.1 now"),
        "{err}"
    );
    // the stored config resumes (and finds nothing left to do)
    let out = Command::new(LSO).arg("resume").arg(&dir).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("48 queries (48 resumed"));
}

#[test]
fn bad_configs_name_the_key_value_and_reason() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("bad.toml");
    let out_dir = tmp.path().join("run");
    for (text, expected) in [
        (
            "[task]\nkind = \"synthetic\"\n[loop]\nretrain_every = 0\n",
            "`loop.retrain_every` = 0: must be at least 1",
        ),
        (
            "[task]\nkind = \"synthetic\"\n[loop.weighting]\nscheme = \"rank\"\nk = -2.0\n",
            "`loop.weighting.k` = -2",
        ),
        (
            "[task]\nkind = \"synthetic\"\n[loop]\nbudgett = 3\n",
            "budgett",
        ),
        (
            "[task]\nkind = \"synthetic\"\n[loop.weighting]\nscheme = \"dbas\"\nquantile = 0.9\n",
            "noise",
        ),
    ] {
        std::fs::write(&cfg, text).unwrap();
        let out = run_to_end(&cfg, &out_dir);
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{text}: {err}");
        assert!(
            !out_dir.exists(),
            "a refused config must not create the run directory"
        );
    }
    let out = run_to_end(&tmp.path().join("missing.toml"), &out_dir);
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.toml"));
}

/// With stderr not a terminal (a log file, as `cargo xtask reproduce` gives it), the run writes
/// its progress as timed lines: the start, every stage and every new query.
#[test]
fn a_run_logged_to_a_file_writes_its_progress_as_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("run.toml");
    std::fs::write(&cfg, config(0, "1e-3")).unwrap();
    let dir = tmp.path().join("run");
    let out = run_to_end(&cfg, &dir);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    let timed: Vec<&str> = log
        .lines()
        .filter_map(|l| l.strip_prefix('[')?.split_once("] ").map(|(_, rest)| rest))
        .collect();
    assert_eq!(timed.first(), Some(&"starting: budget 48 queries"), "{log}");
    for stage in ["retrain", "samples", "queries"] {
        // 8 rounds of 6 queries, each retrained first
        let n = timed
            .iter()
            .filter(|l| l.starts_with("round ") && l.ends_with(&format!(": {stage}")))
            .count();
        assert_eq!(n, 8, "stage {stage} in\n{log}");
    }
    let queries: Vec<&&str> = timed.iter().filter(|l| l.starts_with("query ")).collect();
    assert_eq!(queries.len(), 48, "{log}");
    assert!(queries[0].starts_with("query 0 (round 0): "), "{log}");
    assert!(queries[47].starts_with("query 47 (round 7): "), "{log}");
    assert!(queries.iter().all(|l| l.contains("; best ")), "{log}");
    let best = queries[47]
        .rsplit_once("; best ")
        .unwrap()
        .1
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(queries[47].ends_with("; eta 0 s for 0 queries"), "{log}");
    assert_ne!(best, "-", "{log}");

    // resumed, the finished run says where it stands (with the best of the whole record, not
    // of this process's queries) and evaluates nothing
    let out = run_to_end(&cfg, &dir);
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{log}");
    assert!(
        log.contains(&format!(
            "] resuming: 48 of 48 queries recorded; best {best}\n"
        )),
        "{log}"
    );
    assert!(!log.contains("] query "), "{log}");
}

/// A batch strategy (prior sampling: a round's 20 queries decoded at once) records each
/// evaluation as it completes: a kill in the middle of the batch keeps what was evaluated, and
/// the resumed run evaluates only the rest.
#[test]
fn a_kill_inside_a_batch_loses_no_evaluation() {
    let tmp = tempfile::tempdir().unwrap();
    let cfg = tmp.path().join("batch.toml");
    std::fs::write(
        &cfg,
        "[task]\nkind = \"synthetic\"\nn_data = 40\neval_delay_ms = 40\n[loop]\nseed = 3\n\
         budget = 20\nretrain_every = 20\ninitial_retrain_epochs = 0.0\n\
         [strategy]\nkind = \"sample\"\n",
    )
    .unwrap();
    let out = tmp.path().join("run");
    let queries = out.join("queries.jsonl");
    let mut child = Command::new(LSO)
        .args(["run", "--config"])
        .arg(&cfg)
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while lines(&queries) < 5 {
        assert!(start.elapsed() < Duration::from_secs(60), "no progress");
        assert!(child.try_wait().unwrap().is_none(), "ended too early");
        std::thread::sleep(Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let kept = lines(&queries);
    assert!((5..20).contains(&kept), "{kept} of the batch's 20 recorded");
    let done = run_to_end(&cfg, &out);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );
    let stdout = String::from_utf8_lossy(&done.stdout);
    let resumed: usize = stdout
        .split(" resumed")
        .next()
        .and_then(|s| s.rsplit('(').next())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or_else(|| panic!("no resume count in {stdout}"));
    assert!(
        resumed >= kept,
        "{resumed} resumed, {kept} were recorded: {stdout}"
    );
    assert_eq!(lines(&queries), 20);
}
