//! The training rows of `_plain_sgd`, dense or sparse, as scikit-learn's `SequentialDataset`
//! hands them over: a row is a list of (column, value) entries, every column for a dense row
//! (`ArrayDataset`), the stored entries for a CSR row (`CSRDataset`). The algorithm is written
//! once over [`Row`]; what differs between the two follows from which entries a row visits:
//!
//! * the dot product, the update `w += c·x` and the L1 truncation touch only the row's entries,
//!   and the squared and L1 norms `WeightVector.add` recomputes are summed over those entries
//!   alone (for a sparse row, a partial sum: scikit-learn's quirk, which its stopping rule
//!   reads, reproduced);
//! * the intercept's step is multiplied by [`Rows::intercept_decay`]: 1 for dense data, and
//!   scikit-learn's `SPARSE_INTERCEPT_DECAY = 0.01` for sparse data, which slows the
//!   intercept on data whose rows have few entries.

use ndarray::Array2;

use crate::data::sparse::CsrMatrix;
use crate::float::Float;

/// scikit-learn's `SPARSE_INTERCEPT_DECAY` (`sklearn/linear_model/_base.py`).
const SPARSE_INTERCEPT_DECAY: f64 = 0.01;

/// The training rows of every one-vs-all problem.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Rows<'a, F> {
    /// `(n_samples, n_features)` row-major.
    Dense {
        x: &'a [F],
        n_features: usize,
    },
    Csr(CsrMatrix<'a, F>),
}

impl<'a, F: Float> Rows<'a, F> {
    pub(crate) fn n_features(&self) -> usize {
        match self {
            Self::Dense { n_features, .. } => *n_features,
            Self::Csr(x) => x.ncols(),
        }
    }

    #[inline(always)]
    pub(crate) fn row(&self, i: usize) -> Row<'a, F> {
        match self {
            Self::Dense { x, n_features } => Row::Dense(&x[i * n_features..(i + 1) * n_features]),
            Self::Csr(x) => {
                let (indices, values) = x.row(i);
                Row::Sparse { indices, values }
            }
        }
    }

    /// What multiplies the intercept's step: scikit-learn's `intercept_decay` from
    /// `make_dataset`.
    pub(crate) fn intercept_decay(&self) -> f64 {
        match self {
            Self::Dense { .. } => 1.0,
            Self::Csr(_) => SPARSE_INTERCEPT_DECAY,
        }
    }
}

/// One row: every feature's value, or the stored (column, value) entries in stored order.
///
/// Its methods are inlined always: the callers' closures keep their running sums (the norms of
/// `WeightVector.add`) in registers only once inlined (a dense fit measured slower without).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Row<'a, F> {
    Dense(&'a [F]),
    Sparse { indices: &'a [u32], values: &'a [F] },
}

impl<F: Float> Row<'_, F> {
    /// `Σ w[j]·x_j` over the row's entries: each product in `F`, summed in `f64` in entry order
    /// (`WeightVector.dot` before its scale).
    #[inline(always)]
    pub(crate) fn dot_f64(self, w: &[F]) -> f64 {
        match self {
            Self::Dense(x) => w.iter().zip(x).fold(0.0, |sum, (&w, &v)| sum + (w * v).as_f64()),
            Self::Sparse { indices, values } => {
                indices.iter().zip(values).fold(0.0, |sum, (&j, &v)| sum + (w[j as usize] * v).as_f64())
            }
        }
    }

    /// The same sum accumulated in `F`, as numpy's and scipy's products for a prediction or a
    /// validation score compute it row by row.
    #[inline(always)]
    pub(crate) fn dot(self, w: &[F]) -> F {
        match self {
            Self::Dense(x) => w.iter().zip(x).fold(F::zero(), |sum, (&w, &v)| sum + w * v),
            Self::Sparse { indices, values } => {
                indices.iter().zip(values).fold(F::zero(), |sum, (&j, &v)| sum + w[j as usize] * v)
            }
        }
    }

    /// Calls `f(&mut w[j], x_j)` for each entry, in order.
    #[inline(always)]
    pub(crate) fn for_each_weight(self, w: &mut [F], mut f: impl FnMut(&mut F, F)) {
        match self {
            Self::Dense(x) => w.iter_mut().zip(x).for_each(|(w, &v)| f(w, v)),
            Self::Sparse { indices, values } => {
                indices.iter().zip(values).for_each(|(&j, &v)| f(&mut w[j as usize], v));
            }
        }
    }

    /// Calls `f(&mut w[j], &mut q[j])` for each entry's column `j`, in order (for a dense row,
    /// every column).
    #[inline(always)]
    pub(crate) fn for_each_pair(self, w: &mut [F], q: &mut [F], mut f: impl FnMut(&mut F, &mut F)) {
        match self {
            Self::Dense(_) => w.iter_mut().zip(q.iter_mut()).for_each(|(w, q)| f(w, q)),
            Self::Sparse { indices, .. } => {
                indices.iter().for_each(|&j| f(&mut w[j as usize], &mut q[j as usize]));
            }
        }
    }
}

/// `x · coefᵀ + intercept` for CSR rows, as scipy's sparse-times-dense product computes it (per
/// row and class, a sum in `F` over the stored entries in order), then the intercept added in
/// `F`.
pub(crate) fn csr_scores<F: Float>(x: CsrMatrix<'_, F>, coef: &Array2<F>, intercept: &[f64]) -> Array2<F> {
    let rows = Rows::Csr(x);
    let mut scores = Array2::zeros((x.nrows(), coef.nrows()));
    for (i, mut out) in scores.rows_mut().into_iter().enumerate() {
        for ((s, w), &b) in out.iter_mut().zip(coef.rows()).zip(intercept) {
            let w = w.to_slice().expect("coef_ is kept row-major");
            *s = rows.row(i).dot(w) + F::from_f64(b);
        }
    }
    scores
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sparse_row_visits_its_entries_and_a_dense_row_every_column() {
        let w = [1.0f64, 2.0, 3.0, 4.0];
        let dense = [0.0, 0.5, 0.0, 2.0];
        let (indices, values) = ([3u32, 1], [2.0, 0.5]);
        let sparse = Row::Sparse { indices: &indices, values: &values };
        assert_eq!(Row::Dense(&dense).dot_f64(&w), 9.0);
        assert_eq!(sparse.dot_f64(&w), 9.0);
        assert_eq!(sparse.dot(&w), 9.0);
        let mut touched = Vec::new();
        let mut v = w;
        sparse.for_each_weight(&mut v, |w, x| {
            touched.push(*w);
            *w += x;
        });
        assert_eq!((touched, v), (vec![4.0, 2.0], [1.0, 2.5, 3.0, 6.0]));
        let mut q = [0.0; 4];
        let mut count = 0;
        Row::Dense(&dense).for_each_pair(&mut v, &mut q, |_, _| count += 1);
        sparse.for_each_pair(&mut v, &mut q, |_, q| *q += 1.0);
        assert_eq!((count, q), (4, [0.0, 1.0, 0.0, 1.0]));
    }

    #[test]
    fn sparse_scores_add_the_intercept_to_each_class() {
        let (indptr, indices, data) = ([0, 1, 3], [0u32, 0, 2], [2.0f64, 1.0, -1.0]);
        let x = CsrMatrix::new((2, 3), &indptr, &indices, &data).unwrap();
        let coef = ndarray::array![[1.0, 0.0, 1.0], [0.0, 5.0, 2.0]];
        let scores = csr_scores(x, &coef, &[0.5, -1.0]);
        assert_eq!(scores, ndarray::array![[2.5, -1.0], [0.5, -3.0]]);
    }
}
