//! `components_` and the intercepts replaced by the caller's (see [`crate::estimators::assign`]).

use ndarray::{ArrayView1, ArrayView2};

use crate::error::Result;
use crate::estimators::assign::{check_replacement, row};
use crate::estimators::rbm::BernoulliRbm;
use crate::float::Float;

impl<F: Float> BernoulliRbm<F> {
    /// Replaces `components_` `(n_components, n_features)`, `intercept_hidden_`
    /// `(n_components,)` and `intercept_visible_` `(n_features,)`; the persistent chain
    /// (`h_samples_`) is kept.
    ///
    /// # Errors
    /// `NotFitted` before a fit; [`InvalidInput`](crate::NeuronaError::InvalidInput) for another shape or a value
    /// that is not finite.
    pub fn set_weights(
        &mut self,
        components: ArrayView2<'_, F>,
        intercept_hidden: ArrayView1<'_, F>,
        intercept_visible: ArrayView1<'_, F>,
    ) -> Result<()> {
        let (n_components, n_features) = self.state()?.components.dim();
        check_replacement("components", components, (n_components, n_features))?;
        check_replacement("intercept_hidden", row(intercept_hidden), (1, n_components))?;
        check_replacement("intercept_visible", row(intercept_visible), (1, n_features))?;
        let state = self.state.as_mut().expect("checked fitted above");
        state.components.assign(&components);
        state.intercept_hidden.assign(&intercept_hidden);
        state.intercept_visible.assign(&intercept_visible);
        Ok(())
    }
}
