//! A count of the work sanitisation does on each thread, for callers that bound a search by
//! work rather than by a clock (the JT-VAE decoder): the same molecules give the same count on
//! any machine under any load.

use std::cell::Cell;

thread_local! {
    static WORK: Cell<u64> = const { Cell::new(0) };
}

/// Work done by sanitisation on the calling thread since the thread started: one unit per atom
/// whose rings were perceived, per step of the ring search and per step of the kekulé search
/// (the parts whose cost grows with a molecule's size and ring systems). Take the difference
/// of two readings to measure a piece of work; the count only increases.
#[must_use]
pub fn thread_work() -> u64 {
    WORK.with(Cell::get)
}

/// Add `units` to the calling thread's count.
pub(crate) fn add(units: usize) {
    WORK.with(|w| w.set(w.get().saturating_add(units as u64)));
}

#[cfg(test)]
mod tests {
    use crate::Molecule;

    #[test]
    fn sanitising_counts_its_work_the_same_every_time() {
        let smiles = "c1ccc2cc3ccccc3cc2c1CCO";
        let before = super::thread_work();
        let a = Molecule::from_smiles(smiles).unwrap();
        let once = super::thread_work() - before;
        assert!(
            once >= a.n_atoms() as u64,
            "{once} units for {} atoms",
            a.n_atoms()
        );
        let before = super::thread_work();
        Molecule::from_smiles(smiles).unwrap();
        assert_eq!(super::thread_work() - before, once);
        // a bigger ring system costs more
        let before = super::thread_work();
        Molecule::from_smiles("c1ccc2cc3cc4cc5ccccc5cc4cc3cc2c1").unwrap();
        assert!(super::thread_work() - before > once);
        // another thread's work is not counted here
        let before = super::thread_work();
        std::thread::spawn(move || Molecule::from_smiles(smiles).map(|_| ()))
            .join()
            .unwrap()
            .unwrap();
        assert_eq!(super::thread_work(), before);
    }
}
