//! Decoding a batch of latent points of which some may not be finite (an optimiser can propose
//! them): the finite rows go to the decoder in one call, the others become invalid outcomes.

use lso_core::{BoxError, Decoded};
use ndarray::ArrayView2;

/// Rows with a component beyond this magnitude are treated as not finite (they overflow `f32`).
const LIMIT: f64 = 1e30;

/// Decode the finite rows of `z` and return one outcome per row, in order.
///
/// `decode_rows` gets the finite rows as row-major `f32` and must return `width` values per
/// row; `outcome` turns row `i`'s values into its outcome. A row that is not finite gets
/// [`Decoded::Invalid`] naming it.
///
/// # Errors
/// The decoder's error, or a decoder output of the wrong length.
pub(crate) fn decode_finite_rows<T>(
    z: ArrayView2<'_, f64>,
    width: usize,
    decode_rows: impl FnOnce(&[f32]) -> Result<Vec<f32>, BoxError>,
    mut outcome: impl FnMut(usize, &[f32]) -> Decoded<T>,
) -> Result<Vec<Decoded<T>>, BoxError> {
    let finite: Vec<bool> = z
        .rows()
        .into_iter()
        .map(|r| r.iter().all(|v| v.is_finite() && v.abs() < LIMIT))
        .collect();
    let rows: Vec<f32> = z
        .rows()
        .into_iter()
        .zip(&finite)
        .filter(|(_, ok)| **ok)
        .flat_map(|(r, _)| r.iter().map(|&v| v as f32).collect::<Vec<_>>())
        .collect();
    let n_finite = finite.iter().filter(|&&ok| ok).count();
    let values = if n_finite == 0 {
        Vec::new()
    } else {
        decode_rows(&rows)?
    };
    if values.len() != n_finite * width {
        return Err(format!(
            "the decoder returned {} values for {n_finite} latent points ({width} expected per point)",
            values.len()
        )
        .into());
    }
    let mut per_point = values.chunks(width.max(1));
    Ok(finite
        .iter()
        .enumerate()
        .map(|(i, &ok)| match ok.then(|| per_point.next()).flatten() {
            Some(v) => outcome(i, v),
            None => Decoded::Invalid(format!("latent point {i} is not finite")),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn non_finite_rows_are_invalid_and_the_rest_keep_their_order() {
        let z = array![[1.0, 2.0], [f64::NAN, 0.0], [3.0, 1e31], [4.0, 5.0]];
        let out = decode_finite_rows(
            z.view(),
            1,
            |rows| {
                assert_eq!(rows, &[1.0, 2.0, 4.0, 5.0]);
                Ok(rows.chunks(2).map(|r| r[0] + r[1]).collect())
            },
            |i, v| Decoded::Item((i, v[0])),
        )
        .unwrap();
        assert!(matches!(out[0], Decoded::Item((0, s)) if s == 3.0));
        assert!(matches!(&out[1], Decoded::Invalid(m) if m.contains("point 1")));
        assert!(matches!(&out[2], Decoded::Invalid(m) if m.contains("point 2")));
        assert!(matches!(out[3], Decoded::Item((3, s)) if s == 9.0));
    }

    #[test]
    fn a_decoder_output_of_the_wrong_length_is_an_error() {
        let z = array![[1.0], [2.0]];
        let r = decode_finite_rows(z.view(), 3, |_| Ok(vec![0.0; 5]), |_, _| Decoded::Item(()));
        assert!(
            r.unwrap_err()
                .to_string()
                .contains("5 values for 2 latent points")
        );
    }

    #[test]
    fn all_rows_non_finite_skips_the_decoder() {
        let z = array![[f64::INFINITY]];
        let out = decode_finite_rows::<()>(
            z.view(),
            4,
            |_| panic!("the decoder must not be called"),
            |_, _| Decoded::Item(()),
        )
        .unwrap();
        assert!(matches!(out[0], Decoded::Invalid(_)));
    }
}
