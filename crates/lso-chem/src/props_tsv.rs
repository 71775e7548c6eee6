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

/// Lines read and scored together (on all cores) before their rows are written.
const CHUNK_LINES: usize = 1024;
/// Bytes of input after which a chunk is scored even if it has fewer lines.
const CHUNK_BYTES: usize = 1 << 22;

/// Stream a properties table from `input` (one SMILES per line) to `output`, header first, one
/// row per input line in order. Lines are scored in chunks on all cores; memory stays bounded
/// by a chunk (about 1,000 lines or 4 MB, or one longer line) whatever the input size, and time
/// grows about linearly with a molecule's size. A line that is not UTF-8 gets a row with `valid`
/// 0 and the error (its number and the first bad byte's offset); the other lines are unaffected.
///
/// # Errors
/// I/O errors of `input` or `output`.
pub fn write_props<R: BufRead, W: Write>(mut input: R, mut output: W) -> io::Result<PropsSummary> {
    writeln!(output, "{PROPS_HEADER}")?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut summary = PropsSummary::default();
    let mut chunk: Vec<Vec<u8>> = Vec::new();
    loop {
        chunk.clear();
        let mut bytes = 0;
        while chunk.len() < CHUNK_LINES && bytes < CHUNK_BYTES {
            let mut line = Vec::new();
            if input.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            while line.last() == Some(&b'\r') {
                line.pop();
            }
            bytes += line.len();
            chunk.push(line);
        }
        if chunk.is_empty() {
            break;
        }
        let first = summary.lines + 1;
        let per_thread = chunk.len().div_ceil(threads);
        let rows: Vec<(String, bool)> = std::thread::scope(|scope| {
            let handles: Vec<_> = chunk
                .chunks(per_thread)
                .enumerate()
                .map(|(t, lines)| {
                    scope.spawn(move || {
                        lines
                            .iter()
                            .enumerate()
                            .map(|(k, line)| row_of_line(line, first + t * per_thread + k))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| {
                    h.join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
                })
                .collect()
        });
        for (row, valid) in rows {
            summary.lines += 1;
            summary.valid += usize::from(valid);
            writeln!(output, "{row}")?;
        }
    }
    output.flush()?;
    Ok(summary)
}

/// [`props_row`] of input line `number` (1-based), or its error row if it is not UTF-8.
fn row_of_line(line: &[u8], number: usize) -> (String, bool) {
    match std::str::from_utf8(line) {
        Ok(text) => props_row(text),
        Err(e) => {
            let lossy = String::from_utf8_lossy(line);
            let field = lossy.split_whitespace().next().unwrap_or("");
            (
                format!(
                    "{field}\t0\t\t\t\t\t\tline {number} is not UTF-8 (invalid byte at offset {})",
                    e.valid_up_to()
                ),
                false,
            )
        }
    }
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

    #[test]
    fn a_line_that_is_not_utf8_is_an_error_row_and_the_rest_go_on() {
        let mut input = b"CCO\nC\xff\xfeO\n".to_vec();
        // more lines than a chunk, so rows come from several chunks and threads in order
        for k in 0..2500 {
            input.extend_from_slice(if k % 2 == 0 { b"c1ccccc1\n" } else { b"C1CC\n" });
        }
        let mut out = Vec::new();
        let summary = write_props(&input[..], &mut out).unwrap();
        assert_eq!(summary.lines, 2502);
        assert_eq!(summary.valid, 1 + 1250);
        let text = String::from_utf8(out).unwrap();
        let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split('\t').collect()).collect();
        assert!(rows.iter().all(|r| r.len() == 8));
        assert_eq!(rows[2][1], "0");
        assert!(
            rows[2][7].contains("line 2 is not UTF-8 (invalid byte at offset 1)"),
            "{}",
            rows[2][7]
        );
        for (k, row) in rows[3..].iter().enumerate() {
            assert_eq!(row[1], if k % 2 == 0 { "1" } else { "0" }, "line {}", k + 3);
        }
    }
}
