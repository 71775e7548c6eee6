//! Where an expression run's queries go: the share of queries whose score only an expression
//! containing `x` can reach, and the share scoring the worst value, ours beside the paper's.
//!
//! Every score below [`constant_floor`] (`ln(1 + var t)` on the grid) comes from an expression
//! with `x` in it, whatever its constants. The paper's published runs record scores, not
//! expressions, so this bound is what lets their queries be compared with ours.

use std::fmt::Write as _;

use crate::report::median;
use lso_tasks::expr::{WORST_SCORE, constant_floor, grid};

/// Queries per block of the table.
const BLOCK: usize = 100;

/// Percentage of `scores` for which `keep` holds (`None` for no scores).
fn percent(scores: &[f64], keep: impl Fn(f64) -> bool) -> Option<f64> {
    if scores.is_empty() {
        return None;
    }
    let n = scores.iter().filter(|&&s| keep(s)).count();
    Some(100.0 * n as f64 / scores.len() as f64)
}

/// Median of the values present (`None` when none is).
fn median_present(values: impl Iterator<Item = Option<f64>>) -> Option<f64> {
    let mut v: Vec<f64> = values.flatten().collect();
    (!v.is_empty()).then(|| median(&mut v))
}

/// One table cell: medians over seeds, ours / the paper's.
fn cell(ours: Option<f64>, paper: Option<f64>) -> String {
    let f = |v: Option<f64>| v.map_or("-".to_owned(), |v| format!("{v:.0}"));
    format!("{} / {}", f(ours), f(paper))
}

/// Scores of one setting's runs, one list per seed, in query order (invalid queries at the
/// worst score).
pub type SeedScores = Vec<Vec<f64>>;

/// The report section: per rank setting (`settings` in report order, each with our runs'
/// scores and the paper's), the median over seeds of the share of queries below
/// [`constant_floor`] per block of 100 queries, and of the share at the worst score.
pub fn write_section(
    md: &mut String,
    settings: &[(String, SeedScores, SeedScores)],
) -> std::fmt::Result {
    let floor = constant_floor(&grid());
    let blocks = settings
        .iter()
        .flat_map(|(_, ours, paper)| ours.iter().chain(paper))
        .map(|s| s.len().div_ceil(BLOCK))
        .max()
        .unwrap_or(0);
    writeln!(
        md,
        "## Where the queries go\n\nA constant scores at least ln(1 + var t) = {floor:.3} on \
         the grid (t the target), so a query scoring below {floor:.3} is an expression with \
         `x` in it; the paper's runs record scores only, and this is how their queries compare \
         with ours. Per rank setting, the percentage of queries below {floor:.3} in each block \
         of {BLOCK} queries, and of all queries at the worst score {WORST_SCORE} (invalid \
         decodes and clipped values); medians over seeds, ours / the paper's.\n"
    )?;
    write!(md, "| setting |")?;
    for b in 0..blocks {
        write!(
            md,
            " queries {}-{}: below {floor:.2} |",
            b * BLOCK + 1,
            (b + 1) * BLOCK
        )?;
    }
    writeln!(md, " all queries: score {WORST_SCORE} |")?;
    writeln!(md, "|---|{}---|", "---|".repeat(blocks))?;
    let worst = |s: f64| s >= WORST_SCORE;
    for (name, ours, paper) in settings {
        write!(md, "| `{name}` |")?;
        for b in 0..blocks {
            let share = |runs: &SeedScores| {
                median_present(runs.iter().map(|s| {
                    let block = s.get(b * BLOCK..s.len().min((b + 1) * BLOCK))?;
                    percent(block, |v| v < floor)
                }))
            };
            write!(md, " {} |", cell(share(ours), share(paper)))?;
        }
        let all = |runs: &SeedScores| median_present(runs.iter().map(|s| percent(s, worst)));
        writeln!(md, " {} |", cell(all(ours), all(paper)))?;
    }
    writeln!(md)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_section_gives_block_shares_as_medians_over_seeds() {
        let floor = constant_floor(&grid());
        let low = floor - 1.0;
        let high = floor + 1.0;
        // two seeds of 200 queries: block 1 all low / half low; block 2 none low / all low
        let a: Vec<f64> = [vec![low; 100], vec![high; 100]].concat();
        let b: Vec<f64> = [
            vec![low; 50],
            vec![WORST_SCORE; 40],
            vec![high; 10],
            vec![low; 100],
        ]
        .concat();
        let paper = vec![vec![high; 100]];
        let mut md = String::new();
        write_section(&mut md, &[("k_1e-3/r_50".into(), vec![a, b], paper)]).unwrap();
        let row = md
            .lines()
            .find(|l| l.starts_with("| `k_1e-3/r_50`"))
            .unwrap();
        // block 1: median of 100 and 50; block 2: median of 0 and 100, the paper has none;
        // worst score: median of 0 % and 20 %
        assert_eq!(row, "| `k_1e-3/r_50` | 75 / 0 | 50 / - | 10 / 0 |");
    }
}
