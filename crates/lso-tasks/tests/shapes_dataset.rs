//! The shapes dataset: numpy-exact shuffle, sizes and areas.

use lso_tasks::shapes::{NumpyRandomState, paper_dataset};
use serde_json::Value;

fn fixture() -> Value {
    serde_json::from_str(include_str!("fixtures/numpy_shuffle.json")).unwrap()
}

fn ints(v: &Value) -> Vec<u64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_u64().unwrap())
        .collect()
}

#[test]
fn mt19937_and_shuffle_match_numpy() {
    let fx = fixture();
    let mut rs = NumpyRandomState::new(0);
    let raw: Vec<u64> = (0..10).map(|_| u64::from(rs.next_u32())).collect();
    assert_eq!(raw, ints(&fx["raw"]));
    for n in [25usize, 10_900] {
        let mut idx: Vec<u64> = (0..n as u64).collect();
        NumpyRandomState::new(0).shuffle(&mut idx);
        assert_eq!(idx, ints(&fx[n.to_string().as_str()]), "n = {n}");
    }
}

#[test]
fn paper_dataset_has_the_papers_composition() {
    let data = paper_dataset();
    assert_eq!(data.len(), 10_900);
    let areas: Vec<u32> = data.iter().map(|i| i.area()).collect();
    assert_eq!(*areas.iter().max().unwrap(), 400);
    assert_eq!(*areas.iter().min().unwrap(), 1);
    // side s appears (65 - s) * 10 times
    for side in 1..=20u32 {
        let count = areas.iter().filter(|&&a| a == side * side).count();
        assert_eq!(count, (65 - side as usize) * 10, "side {side}");
    }
    // the shuffle is numpy's: the unshuffled position of each image follows the fixture
    let order = ints(&fixture()["10900"]);
    let mut unshuffled = Vec::new();
    for side in 1..=20usize {
        for row in 0..=64 - side {
            for _ in 0..10 {
                unshuffled.push(lso_tasks::shapes::squares(side, row, 32));
            }
        }
    }
    for (k, &i) in order.iter().enumerate().take(500) {
        assert_eq!(data[k], unshuffled[i as usize]);
    }
}
