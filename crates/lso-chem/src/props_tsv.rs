//! The `lso chem props` table: one SMILES per line in, one TSV row per line out, streaming.

use std::io::{self, BufRead, Write};

use crate::{Molecule, properties};

/// Header of the properties table.
pub const PROPS_HEADER: &str =
    "smiles\tvalid\tcanonical_smiles\tlogp\tsa\tcycle\tpenalized_logp\terror";

/// Counts of a properties run.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PropsSummary {
    /// Input lines read.
    pub lines: usize,
    /// Lines that gave a molecule.
    pub valid: usize,
}

/// One row of the table for one input line (without the newline).
///
/// The SMILES is the line's first whitespace-separated field (a `.smi` file's name column is
/// ignored). A valid molecule gives its canonical SMILES (with stereo), Crippen logP, SA score,
/// cycle penalty and penalized logP, each printed as the shortest decimal that reads back to
/// the same `f64`; an invalid line gives `valid` 0, empty numbers and the error.
pub fn props_row(line: &str) -> (String, bool) {
    let smiles = line.split_whitespace().next().unwrap_or("");
    match Molecule::from_smiles(smiles) {
        Ok(mol) => {
            let p = properties(&mol);
            (
                format!(
                    "{smiles}\t1\t{}\t{}\t{}\t{}\t{}\t",
                    mol.to_smiles(true),
                    p.logp,
                    p.sa,
                    p.cycle,
                    p.penalized_logp
                ),
                true,
            )
        }
        Err(e) => {
            let error: String = e
                .to_string()
                .chars()
                .map(|c| {
                    if c == '\t' || c == '\n' || c == '\r' {
                        ' '
                    } else {
                        c
                    }
                })
                .collect();
            (format!("{smiles}\t0\t\t\t\t\t\t{error}"), false)
        }
    }
}

/// Stream a properties table from `input` (one SMILES per line) to `output`, header first, one
/// row per input line in order. Memory stays bounded whatever the input size.
///
/// # Errors
/// I/O errors of `input` or `output` (including input that is not UTF-8, named by line).
pub fn write_props<R: BufRead, W: Write>(input: R, mut output: W) -> io::Result<PropsSummary> {
    writeln!(output, "{PROPS_HEADER}")?;
    let mut summary = PropsSummary::default();
    for (k, line) in input.lines().enumerate() {
        let line =
            line.map_err(|e| io::Error::new(e.kind(), format!("input line {}: {e}", k + 1)))?;
        let (row, valid) = props_row(line.trim_end_matches('\r'));
        summary.lines += 1;
        summary.valid += usize::from(valid);
        writeln!(output, "{row}")?;
    }
    output.flush()?;
    Ok(summary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_for_valid_and_invalid_lines() {
        let input = "CCO\nC1CC\n\nc1ccccc1 benzene\r\n";
        let mut out = Vec::new();
        let summary = write_props(input.as_bytes(), &mut out).unwrap();
        assert_eq!(summary, PropsSummary { lines: 4, valid: 2 });
        let text = String::from_utf8(out).unwrap();
        let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
        assert_eq!(rows[0].join("\t"), PROPS_HEADER);
        assert!(rows.iter().all(|r| r.len() == 8), "{text}");
        assert_eq!((rows[1][0], rows[1][1], rows[1][2]), ("CCO", "1", "CCO"));
        assert_eq!(rows[2][1], "0");
        assert!(
            rows[2][7].contains("ring bond 1 is never closed"),
            "{}",
            rows[2][7]
        );
        assert_eq!(rows[3][1], "0");
        assert!(rows[3][7].contains("empty"));
        assert_eq!((rows[4][0], rows[4][2]), ("c1ccccc1", "c1ccccc1"));
        let logp: f64 = rows[1][3].parse().unwrap();
        assert!((logp - -0.0014).abs() < 1e-9);
    }
}
