//! Sparse rows: a checked view of a matrix in compressed sparse row (CSR) form, scipy's
//! `csr_matrix` layout, and [`Samples`], the rows of features a linear model reads (dense or
//! CSR).
//!
//! Only the perceptron trains on CSR rows (as scikit-learn's `CSRDataset`); the networks read
//! dense rows, and [`check_densifiable`] says up front whether a sparse matrix's dense form
//! could be held at all.

use ndarray::ArrayView2;

use crate::data::validate::{check_features, check_reservable};
use crate::error::{NeuronaError, Result};
use crate::float::Float;

/// A matrix of `n_rows × n_cols` in CSR form, borrowed: row `i`'s stored entries are
/// `data[indptr[i]..indptr[i + 1]]`, in columns `indices[indptr[i]..indptr[i + 1]]`.
///
/// Entries are kept exactly as given: in their stored order (sorted or not), explicit zeros and
/// repeated columns included, since scikit-learn's sparse training visits them so and the order
/// of a sum changes its last bits. [`CsrMatrix::new`] checks the structure once, so that
/// reading a row never fails.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CsrMatrix<'a, F> {
    n_rows: usize,
    n_cols: usize,
    indptr: &'a [usize],
    indices: &'a [u32],
    data: &'a [F],
}

impl<'a, F: Float> CsrMatrix<'a, F> {
    /// The CSR matrix of shape `(n_rows, n_cols)` with these arrays, after checking that they
    /// describe one: `n_rows + 1` non-decreasing offsets from 0 to the number of entries, one
    /// column below `n_cols` and one value per entry. Values are not checked here (see
    /// [`Samples::check`]).
    pub fn new(
        (n_rows, n_cols): (usize, usize),
        indptr: &'a [usize],
        indices: &'a [u32],
        data: &'a [F],
    ) -> Result<Self> {
        if indptr.len().checked_sub(1) != Some(n_rows) {
            return Err(NeuronaError::input(
                "indptr",
                format!("has {} offsets, but a CSR matrix of {n_rows} rows needs one more", indptr.len()),
            ));
        }
        let (n_indices, n_values) = (indices.len(), data.len());
        if n_indices != n_values {
            // A CSR matrix has one column index per stored value.
            return Err(NeuronaError::input("indices", format!("has {n_indices} entries, but data has {n_values}")));
        }
        if indptr[0] != 0 || indptr[n_rows] != data.len() {
            return Err(NeuronaError::input(
                "indptr",
                format!(
                    "must run from 0 to the number of stored values ({}), got {} to {}",
                    data.len(),
                    indptr[0],
                    indptr[n_rows]
                ),
            ));
        }
        if let Some(row) = indptr.windows(2).position(|pair| pair[0] > pair[1]) {
            return Err(NeuronaError::input(
                "indptr",
                format!("must not decrease, got {} then {} (row {row})", indptr[row], indptr[row + 1]),
            ));
        }
        if let Some(k) = indices.iter().position(|&j| j as usize >= n_cols) {
            return Err(NeuronaError::input(
                "indices",
                format!("must be below the number of columns ({n_cols}), got {} at entry {k}", indices[k]),
            ));
        }
        Ok(Self { n_rows, n_cols, indptr, indices, data })
    }

    /// `(n_rows, n_cols)`.
    pub fn dim(&self) -> (usize, usize) {
        (self.n_rows, self.n_cols)
    }

    /// The number of rows.
    pub fn nrows(&self) -> usize {
        self.n_rows
    }

    /// The number of columns.
    pub fn ncols(&self) -> usize {
        self.n_cols
    }

    /// The number of stored entries (explicit zeros included).
    pub fn nnz(&self) -> usize {
        self.data.len()
    }

    /// Row `i`'s stored entries: their columns and values, in stored order.
    ///
    /// # Panics
    /// If `i >= nrows()`.
    pub fn row(&self, i: usize) -> (&'a [u32], &'a [F]) {
        let range = self.indptr[i]..self.indptr[i + 1];
        (&self.indices[range.clone()], &self.data[range])
    }

    /// Every stored value finite; the message names the first offending row and column.
    fn check_finite(&self, input: &'static str) -> Result<()> {
        if self.data.iter().fold(true, |ok, v| ok & v.is_finite()) {
            return Ok(());
        }
        for i in 0..self.n_rows {
            let (columns, values) = self.row(i);
            if let Some((&col, &v)) = columns.iter().zip(values).find(|(_, v)| !v.is_finite()) {
                let what = if v.is_nan() { "NaN" } else { "infinity" };
                return Err(NeuronaError::input(input, format!("contains {what} at row {i}, column {col}")));
            }
        }
        Ok(())
    }
}

/// Rows of features as a linear model reads them: a dense matrix or a CSR matrix. Both convert
/// into it (`x.view().into()`, `csr.into()`).
#[derive(Debug, Clone, Copy)]
pub enum Samples<'a, F> {
    /// A dense matrix `(n_samples, n_features)`.
    Dense(ArrayView2<'a, F>),
    /// A checked CSR matrix `(n_samples, n_features)`.
    Csr(CsrMatrix<'a, F>),
}

impl<'a, F: Float> Samples<'a, F> {
    /// `(n_samples, n_features)`.
    pub fn dim(&self) -> (usize, usize) {
        match self {
            Self::Dense(x) => x.dim(),
            Self::Csr(x) => x.dim(),
        }
    }

    /// The number of samples.
    pub fn nrows(&self) -> usize {
        self.dim().0
    }

    /// The number of features.
    pub fn ncols(&self) -> usize {
        self.dim().1
    }

    /// At least one sample and one feature, and only finite values (for a CSR matrix, its
    /// stored ones), as [`check_features`] requires of a dense X.
    pub fn check(&self, estimator: &str) -> Result<()> {
        match self {
            Self::Dense(x) => check_features(*x, estimator),
            Self::Csr(x) => {
                let (n_samples, n_features) = x.dim();
                for (count, what) in [(n_samples, "samples"), (n_features, "features")] {
                    if count == 0 {
                        return Err(NeuronaError::input(
                            "X",
                            format!(
                                "has 0 {what} (sparse, shape ({n_samples}, {n_features})), but {estimator} needs at \
                                 least 1"
                            ),
                        ));
                    }
                }
                x.check_finite("X")
            }
        }
    }
}

impl<'a, F> From<ArrayView2<'a, F>> for Samples<'a, F> {
    fn from(x: ArrayView2<'a, F>) -> Self {
        Self::Dense(x)
    }
}

impl<'a, F> From<CsrMatrix<'a, F>> for Samples<'a, F> {
    fn from(x: CsrMatrix<'a, F>) -> Self {
        Self::Csr(x)
    }
}

/// Whether the dense form of a sparse matrix of `shape`, with values of `size` bytes, could be
/// allocated: [`NeuronaError::OutOfMemory`] naming the shape otherwise. The networks train on
/// dense rows; this refuses, before anything is allocated, a sparse X they could never hold
/// (e.g. a bag of words over millions of documents and terms), where densifying would end the
/// process or drive the machine into swap.
pub fn check_densifiable((n_rows, n_cols): (usize, usize), size: usize) -> Result<()> {
    check_reservable(
        || {
            format!(
                "the dense form of the sparse X of shape ({n_rows}, {n_cols}) (this estimator trains and predicts on \
                 dense arrays; reduce the number of features, e.g. with TruncatedSVD or feature selection, or predict \
                 in smaller batches of rows)"
            )
        },
        n_rows as f64 * n_cols as f64,
        size,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_keep_the_stored_order() {
        let (indptr, indices, data) = ([0, 2, 2, 3], [3u32, 0, 1], [1.0f64, 2.0, 0.0]);
        let m = CsrMatrix::new((3, 4), &indptr, &indices, &data).unwrap();
        assert_eq!(m.dim(), (3, 4));
        assert_eq!(m.nnz(), 3);
        assert_eq!(m.row(0), (&[3u32, 0][..], &[1.0, 2.0][..]));
        assert_eq!(m.row(1), (&[][..], &[][..]));
        assert_eq!(m.row(2), (&[1u32][..], &[0.0][..]), "an explicit zero stays an entry");
    }

    #[test]
    fn malformed_arrays_are_refused_with_the_reason() {
        let err = |indptr: &[usize], indices: &[u32], data: &[f64]| {
            CsrMatrix::new((2, 3), indptr, indices, data).unwrap_err().to_string()
        };
        assert!(
            err(&[0, 1], &[0], &[1.0]).starts_with("indptr has 2 offsets, but a CSR matrix of 2 rows needs one more")
        );
        assert!(err(&[0, 1, 2], &[0], &[1.0, 2.0]).starts_with("indices has 1 entries, but data has 2"));
        assert!(err(&[0, 1, 1], &[0, 1], &[1.0, 2.0]).starts_with("indptr must run from 0 to the number"));
        assert!(err(&[0, 2, 1], &[0], &[1.0]).contains("must not decrease, got 2 then 1 (row 1)"));
        assert!(err(&[0, 1, 1], &[3], &[1.0]).contains("below the number of columns (3), got 3 at entry 0"));
    }

    #[test]
    fn samples_are_checked_as_dense_features_are() {
        let (indptr, indices) = ([0, 1, 2], [0u32, 2]);
        let data = [1.0, f64::NAN];
        let m = CsrMatrix::new((2, 3), &indptr, &indices, &data).unwrap();
        assert_eq!(Samples::from(m).check("P").unwrap_err().to_string(), "X contains NaN at row 1, column 2");
        let empty = CsrMatrix::<f64>::new((0, 3), &[0], &[], &[]).unwrap();
        let err = Samples::from(empty).check("P").unwrap_err().to_string();
        assert!(err.starts_with("X has 0 samples (sparse, shape (0, 3))"), "{err}");
        let x = ndarray::Array2::<f64>::zeros((2, 3));
        assert_eq!(Samples::from(x.view()).dim(), (2, 3));
    }

    #[test]
    fn a_dense_form_beyond_memory_is_refused() {
        assert!(check_densifiable((100, 100), 8).is_ok());
        let err = check_densifiable((10_000_000, 100_000_000), 8).unwrap_err();
        assert!(matches!(err, NeuronaError::OutOfMemory { .. }));
        let text = err.to_string();
        assert!(text.starts_with("the dense form of the sparse X of shape (10000000, 100000000)"), "{text}");
        assert!(text.ends_with("needs about 8.000e15 bytes, more than can be reserved"), "{text}");
    }
}
