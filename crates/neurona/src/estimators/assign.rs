//! Fitted weights replaced by the caller's (scikit-learn's fitted attributes are plain arrays a
//! user may assign or edit in place, and the estimator then computes with them): the
//! perceptron's `coef_` and `intercept_`, the RBM's `components_` and intercepts. The shapes
//! must be the fitted ones and every value finite; the rest of the training state is kept. The
//! setters live in each family (`perceptron/assign.rs`, `rbm/assign.rs`); the checks here.

use ndarray::{ArrayView1, ArrayView2, Axis};

use crate::data::validate::check_finite;
use crate::error::{NeuronaError, Result};
use crate::float::Float;

/// `values` must have `expected` as its shape and hold only finite values.
pub(crate) fn check_replacement<F: Float>(
    input: &'static str,
    values: ArrayView2<'_, F>,
    expected: (usize, usize),
) -> Result<()> {
    if values.dim() != expected {
        return Err(NeuronaError::input(
            input,
            format!("must keep the fitted shape {expected:?}, got {:?}", values.dim()),
        ));
    }
    check_finite(input, values)
}

/// A vector as a one-row matrix, for [`check_replacement`].
pub(crate) fn row<F>(values: ArrayView1<'_, F>) -> ArrayView2<'_, F> {
    values.insert_axis(Axis(0))
}
