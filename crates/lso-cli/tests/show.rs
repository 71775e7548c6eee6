//! `lso show`: a run's progress read without opening it, also while another process holds it.

use std::process::Command;

const LSO: &str = env!("CARGO_BIN_EXE_lso");

#[test]
fn show_reads_a_run_in_use_without_writing() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("c.toml");
    std::fs::write(
        &config,
        "[task]\nkind = \"synthetic\"\nn_data = 40\n[loop]\nseed = 2\nbudget = 6\n\
         retrain_every = 3\n[strategy]\nkind = \"sample\"\n",
    )
    .unwrap();
    let out = tmp.path().join("run");
    let run = Command::new(LSO)
        .args(["run", "--config"])
        .arg(&config)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    // another process holds the run's lock: show still reads it
    let lock = std::fs::OpenOptions::new()
        .write(true)
        .open(out.join("lock"))
        .unwrap();
    lock.try_lock().unwrap();
    let before: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let shown = Command::new(LSO).arg("show").arg(&out).output().unwrap();
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(
        shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    assert!(
        text.contains("task synthetic, strategy sample, seed 2"),
        "{text}"
    );
    assert!(text.contains("queries: 6 of 6 (100 %)"), "{text}");
    assert!(text.contains("rounds finished: 2 of 2"), "{text}");
    assert!(text.contains("best value (maximised): "), "{text}");
    assert!(text.contains("finished"), "{text}");
    let after: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(before, after);
    // not a run: a clear error
    let empty = Command::new(LSO)
        .arg("show")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(!empty.status.success());
    assert!(String::from_utf8_lossy(&empty.stderr).contains("holds no run (no run.json)"));
}
