//! `lso chem props` on real input, from a file and through pipes.

use std::io::Write;
use std::process::{Command, Stdio};

const LSO: &str = env!("CARGO_BIN_EXE_lso");

#[test]
fn props_from_a_file_match_the_library() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.smi");
    let output = tmp.path().join("out.tsv");
    std::fs::write(
        &input,
        "CC(=O)Oc1ccccc1C(=O)O\nnot a smiles\nC[C@H](N)C(=O)O\n",
    )
    .unwrap();
    let out = Command::new(LSO)
        .args(["chem", "props", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&output).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0], lso_chem::PROPS_HEADER);
    assert_eq!(lines[1], lso_chem::props_row("CC(=O)Oc1ccccc1C(=O)O").0);
    assert!(lines[2].starts_with("not\t0\t"), "{}", lines[2]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("3 lines, 2 valid"));
}

#[test]
fn props_stream_through_pipes() {
    let mut child = Command::new(LSO)
        .args(["chem", "props"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"c1ccncc1\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.lines()
            .nth(1)
            .unwrap()
            .starts_with("c1ccncc1\t1\tc1ccncc1\t"),
        "{text}"
    );
}

#[test]
fn a_missing_input_file_is_named() {
    let out = Command::new(LSO)
        .args(["chem", "props", "--input", "/nonexistent/x.smi"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/x.smi"));
}

#[test]
fn vocab_lists_the_clusters_and_reports_bad_lines() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.smi");
    let output = tmp.path().join("vocab.txt");
    std::fs::write(&input, "CCc1ccccc1\nC1CC\nOC1CCNCC1\n").unwrap();
    let out = Command::new(LSO)
        .args(["chem", "vocab", "--input"])
        .arg(&input)
        .arg("--output")
        .arg(&output)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let vocab = std::fs::read_to_string(&output).unwrap();
    assert_eq!(vocab, "C1C=CC=CC=1\nC1CCNCC1\nCC\nCO\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2: C1CC"), "{err}");
    assert!(err.contains("3 molecules, 1 skipped, 4 clusters"), "{err}");
}

/// The chemistry reproduction's promise on `docs/results/chem/best.tsv`: every value in it is
/// the penalized logP that `lso chem props` gives for its SMILES (the report writes the run's
/// recorded objective value; this checks that value against the command a user would run).
#[test]
fn the_committed_best_molecules_have_the_values_lso_chem_props_gives() {
    let best =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/results/chem/best.tsv");
    let text = std::fs::read_to_string(&best).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("setting\tseed\tquery_index\tsmiles\tpenalized_logp")
    );
    let rows: Vec<(&str, f64)> = lines
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert_eq!(f.len(), 5, "{l}");
            (f[3], f[4].parse().unwrap())
        })
        .collect();
    assert!(rows.len() >= 10, "best.tsv has {} rows", rows.len());
    // each distinct molecule once: the runs find the same ones again and again
    let mut distinct: Vec<&str> = rows.iter().map(|(s, _)| *s).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let mut child = Command::new(LSO)
        .args(["chem", "props"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = distinct.join("\n") + "\n";
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let props = String::from_utf8(out.stdout).unwrap();
    let mut given = std::collections::HashMap::new();
    for line in props.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f[1], "1", "lso chem props cannot read {}: {}", f[0], f[7]);
        given.insert(f[0].to_string(), f[6].parse::<f64>().unwrap());
    }
    assert_eq!(given.len(), distinct.len());
    for (smiles, value) in rows {
        let props_value = given[smiles];
        assert!(
            (props_value - value).abs() <= 1e-9 * value.abs().max(1.0),
            "best.tsv gives {value} for {smiles}; lso chem props gives {props_value}"
        );
    }
}
