//! Time of a SMILES round trip (parse and sanitise, write, parse again) per molecule of a file:
//! `cargo run --release -p lso-chem --example round_trip_cost -- FILE` prints
//! `seconds atoms smiles`, slowest last.

fn main() {
    let path = std::env::args().nth(1).expect("a file of SMILES");
    let text = std::fs::read_to_string(&path).expect("readable file");
    let mut rows = Vec::new();
    for s in text.lines() {
        let t = std::time::Instant::now();
        let Ok(m) = lso_chem::Molecule::from_smiles(s) else {
            continue;
        };
        let again = lso_chem::Molecule::from_smiles(&m.to_smiles(false));
        let secs = t.elapsed().as_secs_f64();
        if again.is_ok() {
            rows.push((secs, m.n_atoms(), s.to_owned()));
        }
    }
    rows.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (secs, atoms, s) in rows {
        println!("{secs:.6} {atoms} {s}");
    }
}
