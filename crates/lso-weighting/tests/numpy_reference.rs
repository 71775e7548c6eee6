//! Example tests against weights computed with numpy and scipy (`fixtures/make_numpy_fixtures.py`).

use lso_weighting::{WeightingConfig, quantile, replicate};
use serde_json::Value;

fn cases() -> Vec<Value> {
    let text = include_str!("fixtures/numpy_weights.json");
    let doc: Value = serde_json::from_str(text).expect("fixture is valid JSON");
    doc["cases"].as_array().expect("cases array").clone()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|x| x.as_f64().expect("number"))
        .collect()
}

fn close(a: f64, b: f64, rel: f64) -> bool {
    (a - b).abs() <= rel * a.abs().max(b.abs()) || (a - b).abs() <= 1e-300
}

#[test]
fn weights_match_numpy() {
    let mut checked = 0;
    for case in cases() {
        let Some(cfg) = case.get("config") else {
            continue;
        };
        let cfg: WeightingConfig = serde_json::from_value(cfg.clone()).unwrap();
        let values = floats(&case["values"]);
        let expected = floats(&case["weights"]);
        let got = cfg.check().unwrap().weights(&values).unwrap();
        for (i, (g, e)) in got.iter().zip(&expected).enumerate() {
            assert!(
                close(*g, *e, 1e-12),
                "{} {cfg:?} index {i}: ours {g}, numpy {e}",
                case["vector"]
            );
        }
        // scipy's normal tail underflows to 0 near 1e-300 where libm keeps a subnormal: copies
        // that tiny are compared as absent on both sides.
        let tiny = 1e-250;
        let rep = replicate(&got).unwrap();
        let ours: Vec<(usize, f64)> = rep
            .indices
            .iter()
            .zip(&rep.weights)
            .map(|(&i, &w)| (i, w))
            .filter(|(_, w)| *w > tiny)
            .collect();
        let theirs: Vec<(usize, f64)> = case["replicated_indices"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_u64().unwrap() as usize)
            .zip(floats(&case["replicated_weights"]))
            .filter(|(_, w)| *w > tiny)
            .collect();
        assert_eq!(ours.len(), theirs.len(), "{} {cfg:?}", case["vector"]);
        for ((gi, g), (ei, e)) in ours.iter().zip(&theirs) {
            assert_eq!(gi, ei, "{} {cfg:?}", case["vector"]);
            assert!(
                close(*g, *e, 1e-9),
                "{} {cfg:?}: {g} vs {e}",
                case["vector"]
            );
        }
        checked += 1;
    }
    assert_eq!(checked, 72);
}

#[test]
fn quantiles_are_bit_identical_to_numpy() {
    let mut checked = 0;
    for case in cases() {
        let Some(q) = case.get("quantiles") else {
            continue;
        };
        let values = floats(&case["values"]);
        for (q, expected) in q.as_object().unwrap() {
            let q: f64 = q.parse().unwrap();
            let got = quantile(&values, q).unwrap();
            assert_eq!(
                got,
                expected.as_f64().unwrap(),
                "{} q = {q}",
                case["vector"]
            );
            checked += 1;
        }
        let fb = WeightingConfig::Fb { quantile: 0.8 }.check().unwrap();
        let admit: Vec<bool> = case["fb_admit_q0.8"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_bool().unwrap())
            .collect();
        assert_eq!(fb.admit(&values).unwrap(), admit, "{}", case["vector"]);
    }
    assert_eq!(checked, 48);
}
