//! `lso chem encode | decode | sample | reconstruct` on the shipped pretrained model.

use std::path::Path;
use std::process::Command;

const LSO: &str = env!("CARGO_BIN_EXE_lso");

fn lso(args: &[&str], files: &[&Path]) -> String {
    let mut cmd = Command::new(LSO);
    cmd.args(args);
    for f in files {
        cmd.arg(f);
    }
    let out = cmd.output().expect("runs");
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{args:?}: {err}");
    err
}

fn held_out(n: usize) -> Vec<String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../data/zinc/zinc_subset.txt"),
    )
    .expect("zinc");
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len() - n..]
        .iter()
        .map(|s| (*s).to_owned())
        .collect()
}

#[test]
fn encode_then_decode_with_the_shipped_model() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("in.smi");
    let latents = tmp.path().join("z.tsv");
    let decoded = tmp.path().join("out.tsv");
    let mut mols = held_out(3);
    mols.insert(1, "C1CCC[Se]CCC1".into());
    std::fs::write(&input, mols.join("\n")).unwrap();
    lso(
        &[
            "chem",
            "encode",
            "--output",
            latents.to_str().unwrap(),
            "--input",
        ],
        &[&input],
    );
    let text = std::fs::read_to_string(&latents).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0].len(), 58);
    assert_eq!(rows[0][1], "z0");
    assert_eq!(rows[0][57], "error");
    for (k, row) in rows[1..].iter().enumerate() {
        assert_eq!(row.len(), 58, "{row:?}");
        assert_eq!(row[0], mols[k]);
        if k == 1 {
            assert!(row[57].contains("line 2") && row[57].contains("not in the vocabulary"));
            assert!(row[1].is_empty());
        } else {
            assert!(row[57].is_empty(), "{row:?}");
            assert!(row[1..57].iter().all(|v| v.parse::<f32>().is_ok()));
        }
    }
    let summary = lso(
        &[
            "chem",
            "decode",
            "--output",
            decoded.to_str().unwrap(),
            "--input",
        ],
        &[&latents],
    );
    assert!(summary.contains("valid; decode time p50"), "{summary}");
    let text = std::fs::read_to_string(&decoded).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(
        rows[0],
        vec!["smiles", "valid", "work", "nodes", "open", "error"]
    );
    assert_eq!(rows.len(), 5);
    // the molecule that could not be encoded has no latent row to decode, nor work
    assert_eq!(rows[2][1..5], ["false", "", "", ""]);
    assert!(rows[2][5].contains("line 3"), "{:?}", rows[2]);
    for k in [1, 3, 4] {
        assert_eq!(rows[k][1], "true", "{:?}", rows[k]);
        assert!(lso_chem::Molecule::from_smiles(rows[k][0]).is_ok());
        // every decode sanitises its molecule at least
        assert!(
            rows[k][2].parse::<u64>().is_ok_and(|w| w > 0),
            "{:?}",
            rows[k]
        );
        // a ZINC molecule's tree finishes within the decoder's steps
        assert!(
            rows[k][3].parse::<u64>().is_ok_and(|n| n > 0),
            "{:?}",
            rows[k]
        );
        assert_eq!(rows[k][4], "0", "{:?}", rows[k]);
        assert!(rows[k][5].is_empty(), "{:?}", rows[k]);
    }
}

#[test]
fn sample_and_reconstruct_with_the_shipped_model() {
    let tmp = tempfile::tempdir().unwrap();
    let samples = tmp.path().join("s.tsv");
    let summary = lso(
        &["chem", "sample", "--n", "6", "--seed", "3", "--output"],
        &[&samples],
    );
    assert!(summary.contains("unique"), "{summary}");
    let text = std::fs::read_to_string(&samples).unwrap();
    assert_eq!(text.lines().count(), 7);
    assert!(text.lines().skip(1).all(|l| {
        let row: Vec<&str> = l.split('\t').collect();
        row.len() == 6
            && row[2..5].iter().all(|v| v.parse::<u64>().is_ok())
            && matches!(
                (row[1], row[5].is_empty()),
                ("true", true) | ("false", false)
            )
    }));
    // deterministic: the same seed gives the same file
    let again = tmp.path().join("s2.tsv");
    lso(
        &["chem", "sample", "--n", "6", "--seed", "3", "--output"],
        &[&again],
    );
    assert_eq!(text, std::fs::read_to_string(&again).unwrap());
    // novelty: none of the samples is novel against themselves
    let known = tmp.path().join("known.smi");
    let valid: Vec<&str> = text
        .lines()
        .skip(1)
        .filter(|l| l.contains("\ttrue\t"))
        .map(|l| l.split('\t').next().unwrap())
        .collect();
    assert!(!valid.is_empty());
    std::fs::write(&known, valid.join("\n")).unwrap();
    let summary = lso(
        &[
            "chem",
            "sample",
            "--n",
            "6",
            "--seed",
            "3",
            "--output",
            again.to_str().unwrap(),
            "--novel-against",
        ],
        &[&known],
    );
    assert!(summary.contains("; 0 of them novel against"), "{summary}");

    let input = tmp.path().join("in.smi");
    let rec = tmp.path().join("rec.tsv");
    std::fs::write(&input, held_out(4).join("\n")).unwrap();
    let summary = lso(
        &[
            "chem",
            "reconstruct",
            "--output",
            rec.to_str().unwrap(),
            "--input",
        ],
        &[&input],
    );
    assert!(summary.contains("reconstructed exactly"), "{summary}");
    let text = std::fs::read_to_string(&rec).unwrap();
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(rows[0], vec!["smiles", "reconstructed", "same"]);
    assert_eq!(rows.len(), 5);
    for r in &rows[1..] {
        assert!(r[2] == "true" || r[2] == "false");
    }
}
