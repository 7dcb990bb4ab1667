//! `coef_` and `intercept_` replaced by the caller's (see [`crate::estimators::assign`]).

use ndarray::{ArrayView1, ArrayView2};

use crate::data::labels::Label;
use crate::error::Result;
use crate::estimators::assign::{check_replacement, row};
use crate::estimators::perceptron::Perceptron;
use crate::float::Float;

impl<F: Float, L: Label> Perceptron<F, L> {
    /// Replaces `coef_` (`(1, n_features)` for two classes, `(n_classes, n_features)`
    /// otherwise) and `intercept_` (one per row of `coef_`, kept in `f64` as the fit keeps it).
    ///
    /// # Errors
    /// `NotFitted` before a fit; [`InvalidInput`](crate::NeuronaError::InvalidInput) for another shape or a value
    /// that is not finite.
    pub fn set_weights(&mut self, coef: ArrayView2<'_, F>, intercept: ArrayView1<'_, f64>) -> Result<()> {
        let shape = self.state()?.coef.dim();
        check_replacement("coef", coef, shape)?;
        check_replacement("intercept", row(intercept), (1, shape.0))?;
        let state = self.state.as_mut().expect("checked fitted above");
        state.coef.assign(&coef);
        state.intercept.clear();
        state.intercept.extend(intercept.iter().copied());
        Ok(())
    }
}
