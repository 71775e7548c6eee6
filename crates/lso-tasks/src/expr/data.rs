//! The paper's expression data (`data/expr/`): 100,000 expressions with their scores, and the
//! optimisation's starting set (the better half removed, then a random sample).

use std::path::Path;

use rand::Rng;
use rand::seq::index::sample;

use super::expression::Expression;

/// A problem with the data files, naming the file and line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{path}:{line}: {reason}")]
pub struct DataError {
    /// The file.
    pub path: String,
    /// 1-based line (0 for the whole file).
    pub line: usize,
    /// What is wrong.
    pub reason: String,
}

/// Expressions with their scores (lower is better).
#[derive(Debug, Clone, PartialEq)]
pub struct ExprData {
    /// The expressions.
    pub expressions: Vec<Expression>,
    /// Their scores, aligned.
    pub scores: Vec<f64>,
}

fn read(path: &Path) -> Result<String, DataError> {
    std::fs::read_to_string(path).map_err(|e| DataError {
        path: path.display().to_string(),
        line: 0,
        reason: e.to_string(),
    })
}

/// Read the expressions (one per line) and the scores (TSV with the header `index`, `score`; the
/// index being the 0-based line of the expression).
///
/// # Errors
/// [`DataError`] for an unreadable file, an expression that does not parse, a malformed score
/// row, or files that do not align.
pub fn load(expressions: &Path, scores: &Path) -> Result<ExprData, DataError> {
    let err = |path: &Path, line: usize, reason: String| DataError {
        path: path.display().to_string(),
        line,
        reason,
    };
    let text = read(expressions)?;
    let parsed = text
        .lines()
        .enumerate()
        .map(|(k, l)| Expression::parse(l).map_err(|r| err(expressions, k + 1, r)))
        .collect::<Result<Vec<_>, _>>()?;
    let text = read(scores)?;
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, "index\tscore")) => {}
        _ => {
            return Err(err(
                scores,
                1,
                "expected the header \"index\\tscore\"".into(),
            ));
        }
    }
    let mut values = Vec::with_capacity(parsed.len());
    for (k, l) in lines {
        let fields: Vec<&str> = l.split('\t').collect();
        let [index, value] = fields[..] else {
            return Err(err(
                scores,
                k + 1,
                format!("expected 2 fields, got {}", fields.len()),
            ));
        };
        if index.parse::<usize>().ok() != Some(values.len()) {
            return Err(err(
                scores,
                k + 1,
                format!("index {index:?}, expected {}", values.len()),
            ));
        }
        let value: f64 = value
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| {
                err(
                    scores,
                    k + 1,
                    format!("score {value:?} is not a finite number"),
                )
            })?;
        values.push(value);
    }
    if values.len() != parsed.len() {
        return Err(err(
            scores,
            0,
            format!(
                "{} scores for {} expressions in {}",
                values.len(),
                parsed.len(),
                expressions.display()
            ),
        ));
    }
    Ok(ExprData {
        expressions: parsed,
        scores: values,
    })
}

/// numpy's default (linear) percentile, `q` in `[0, 100]`, of a non-empty slice.
pub fn percentile(values: &[f64], q: f64) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let pos = q / 100.0 * (v.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(v.len() - 1);
    let frac = pos - lo as f64;
    v[lo] + frac * (v[hi] - v[lo])
}

/// The paper's starting set: keep the expressions scoring at or above the
/// `ignore_percentile`-th percentile (the paper: 50, removing the better half), then `n` of
/// them at random without replacement (all of them when fewer), in data order.
pub fn starting_set<R: Rng + ?Sized>(
    data: &ExprData,
    ignore_percentile: f64,
    n: usize,
    rng: &mut R,
) -> ExprData {
    let cut = percentile(&data.scores, ignore_percentile);
    let kept: Vec<usize> = (0..data.scores.len())
        .filter(|&i| data.scores[i] >= cut)
        .collect();
    let mut chosen: Vec<usize> = if kept.len() <= n {
        kept
    } else {
        sample(rng, kept.len(), n)
            .into_iter()
            .map(|k| kept[k])
            .collect()
    };
    chosen.sort_unstable();
    ExprData {
        expressions: chosen
            .iter()
            .map(|&i| data.expressions[i].clone())
            .collect(),
        scores: chosen.iter().map(|&i| data.scores[i]).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentile_is_linear() {
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 50.0), 2.5);
        assert_eq!(percentile(&[5.0], 50.0), 5.0);
        assert_eq!(percentile(&[3.0, 1.0, 2.0], 100.0), 3.0);
    }

    #[test]
    fn load_names_file_and_line() {
        let dir = std::env::temp_dir().join(format!("lso-expr-data-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let e = dir.join("e.txt");
        let s = dir.join("s.tsv");
        std::fs::write(&e, "x\nx + 1\n").unwrap();
        std::fs::write(&s, "index\tscore\n0\t1.5\n1\tnan\n").unwrap();
        let err = load(&e, &s).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.reason.contains("not a finite"), "{err}");
        std::fs::write(&e, "x\nx +\n").unwrap();
        let err = load(&e, &s).unwrap_err();
        assert_eq!((err.line, err.path.ends_with("e.txt")), (2, true));
        std::fs::write(&e, "x\nx + 1\n").unwrap();
        std::fs::write(&s, "index\tscore\n0\t1.5\n1\t2\n").unwrap();
        let data = load(&e, &s).unwrap();
        assert_eq!(data.scores, vec![1.5, 2.0]);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
