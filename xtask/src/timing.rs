//! Where a run's wall time goes, summed from its records: retraining, prior samples and encoding
//! per round (`rounds.jsonl`), and per query the proposal, decode and evaluation
//! (`queries.jsonl`). The first proposal of a round includes the surrogate's cold fit, so it is
//! counted apart from the other proposals (the acquisition and the posterior update).

use serde_json::Value;

/// Seconds by stage for one run; the round stages are `None` when the records predate them.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TimeSplit {
    /// Sum of the rounds' wall time.
    pub total: f64,
    /// Retraining the generative model.
    pub retrain: Option<f64>,
    /// Logged prior samples.
    pub samples: Option<f64>,
    /// Encoding the surrogate's training data.
    pub encode: Option<f64>,
    /// First proposal of each round: surrogate fit plus one acquisition.
    pub fit: f64,
    /// The other proposals.
    pub acquire: f64,
    /// Decoding the proposals.
    pub decode: f64,
    /// Evaluating the objective.
    pub evaluate: f64,
    last_round: Option<u64>,
}

impl TimeSplit {
    /// Count one line of `queries.jsonl` (lines in query order).
    pub fn add_query(&mut self, q: &Value) {
        let f = |k: &str| q[k].as_f64().unwrap_or(0.0);
        let round = q["round"].as_u64();
        if round != self.last_round {
            self.fit += f("propose_seconds");
            self.last_round = round;
        } else {
            self.acquire += f("propose_seconds");
        }
        self.decode += f("decode_seconds");
        self.evaluate += f("seconds");
    }

    /// Count one line of `rounds.jsonl`.
    pub fn add_round(&mut self, r: &Value) {
        self.total += r["seconds"].as_f64().unwrap_or(0.0);
        for (slot, key) in [
            (&mut self.retrain, "retrain_seconds"),
            (&mut self.samples, "samples_seconds"),
            (&mut self.encode, "encode_seconds"),
        ] {
            if let Some(v) = r[key].as_f64() {
                *slot = Some(slot.unwrap_or(0.0) + v);
            }
        }
    }

    /// Table header matching [`TimeSplit::cells`].
    pub const HEADER: &str = "total | retrain | samples | encode | GP fit (first proposal of a round) | other proposals | decode | evaluate";

    /// The stages as Markdown table cells, in seconds (`-` for a stage the records lack).
    pub fn cells(&self) -> String {
        let opt = |v: Option<f64>| v.map_or_else(|| "-".to_owned(), |v| format!("{v:.0}"));
        format!(
            "{:.0} | {} | {} | {} | {:.0} | {:.0} | {:.0} | {:.0}",
            self.total,
            opt(self.retrain),
            opt(self.samples),
            opt(self.encode),
            self.fit,
            self.acquire,
            self.decode,
            self.evaluate
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_first_proposal_of_each_round_counts_as_the_fit() {
        let mut t = TimeSplit::default();
        for (round, p) in [(0, 10.0), (0, 1.0), (0, 1.0), (1, 20.0), (1, 2.0)] {
            t.add_query(&json!({"round": round, "propose_seconds": p, "decode_seconds": 0.5, "seconds": 0.25}));
        }
        assert_eq!((t.fit, t.acquire), (30.0, 4.0));
        assert_eq!((t.decode, t.evaluate), (2.5, 1.25));
        t.add_round(&json!({"seconds": 50.0}));
        assert_eq!(t.retrain, None);
        assert!(t.cells().starts_with("50 | - | - | - | 30 | 4 |"));
        t.add_round(&json!({"seconds": 60.0, "retrain_seconds": 7.0, "samples_seconds": 0.0, "encode_seconds": 3.0}));
        assert_eq!(
            (t.total, t.retrain, t.encode),
            (110.0, Some(7.0), Some(3.0))
        );
    }
}
