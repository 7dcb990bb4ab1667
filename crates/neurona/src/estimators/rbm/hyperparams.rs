//! The hyperparameters of [`BernoulliRbm`](super::BernoulliRbm), with scikit-learn's names,
//! defaults and rules.

use crate::error::{NeuronaError, Result};

/// Hyperparameters of the restricted Boltzmann machine, unchecked: a consuming builder whose
/// setters give scikit-learn's defaults. [`RbmParams::check`] applies scikit-learn's rules and
/// returns [`RbmValidParams`], which [`BernoulliRbm`](super::BernoulliRbm) takes.
///
/// ```
/// use neurona::prelude::*;
///
/// let params = RbmParams::new().n_components(64).n_iter(5).random_state(0);
/// assert!(params.clone().check().is_ok());
/// let err = params.learning_rate(0.0).check().unwrap_err();
/// assert_eq!(err.to_string(), "learning_rate must be a float > 0, got 0");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct RbmParams {
    pub(crate) n_components: usize,
    pub(crate) learning_rate: f64,
    pub(crate) batch_size: usize,
    pub(crate) n_iter: usize,
    pub(crate) verbose: bool,
    pub(crate) random_state: Option<u32>,
}

impl Default for RbmParams {
    fn default() -> Self {
        Self { n_components: 256, learning_rate: 0.1, batch_size: 10, n_iter: 10, verbose: false, random_state: None }
    }
}

macro_rules! setters {
    ($($(#[$doc:meta])* $name:ident: $ty:ty;)*) => {
        $(
            $(#[$doc])*
            pub fn $name(mut self, value: $ty) -> Self {
                self.$name = value;
                self
            }
        )*
    };
}

impl RbmParams {
    /// scikit-learn's defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Seed of the random draws (initial weights, the Gibbs samples, the pseudo-likelihood's
    /// flipped features). Default: none, which seeds from the operating system.
    pub fn random_state(mut self, seed: u32) -> Self {
        self.random_state = Some(seed);
        self
    }

    /// Seed or `None` (see [`RbmParams::random_state`]).
    pub fn random_state_option(mut self, seed: Option<u32>) -> Self {
        self.random_state = seed;
        self
    }

    setters! {
        /// Number of hidden units. Default 256.
        n_components: usize;
        /// Learning rate of the weight updates (divided by the batch's size). Default 0.1.
        learning_rate: f64;
        /// Samples per minibatch in `fit`, and rows of the persistent chain. Default 10.
        batch_size: usize;
        /// Epochs of `fit`; 0 only initialises. Default 10.
        n_iter: usize;
        /// Print scikit-learn's per-epoch pseudo-likelihood line to stdout. Default false.
        verbose: bool;
    }

    /// Applies scikit-learn's rules to every parameter.
    pub fn check(self) -> Result<RbmValidParams> {
        self.check_ref()?;
        Ok(RbmValidParams(self))
    }

    /// Every rule, in one place (scikit-learn's `_parameter_constraints` for `BernoulliRBM`).
    pub fn check_ref(&self) -> Result<()> {
        if self.n_components == 0 {
            return Err(NeuronaError::parameter("n_components", "an integer >= 1", self.n_components));
        }
        if !(self.learning_rate > 0.0 && self.learning_rate.is_finite()) {
            return Err(NeuronaError::parameter("learning_rate", "a float > 0", self.learning_rate));
        }
        if self.batch_size == 0 {
            return Err(NeuronaError::parameter("batch_size", "an integer >= 1", self.batch_size));
        }
        Ok(())
    }
}

/// Hyperparameters that passed [`RbmParams::check`]. Read them through `Deref`.
#[derive(Debug, Clone, PartialEq)]
pub struct RbmValidParams(RbmParams);

impl std::ops::Deref for RbmValidParams {
    type Target = RbmParams;

    fn deref(&self) -> &RbmParams {
        &self.0
    }
}

impl RbmValidParams {
    /// Back to the unchecked builder, to change a setting (then `check` again).
    pub fn into_params(self) -> RbmParams {
        self.0
    }
}

/// Read access to every hyperparameter, with scikit-learn's names.
impl RbmParams {
    /// See [`RbmParams::n_components`].
    pub fn get_n_components(&self) -> usize {
        self.n_components
    }
    /// See [`RbmParams::learning_rate`].
    pub fn get_learning_rate(&self) -> f64 {
        self.learning_rate
    }
    /// See [`RbmParams::batch_size`].
    pub fn get_batch_size(&self) -> usize {
        self.batch_size
    }
    /// See [`RbmParams::n_iter`].
    pub fn get_n_iter(&self) -> usize {
        self.n_iter
    }
    /// See [`RbmParams::verbose`].
    pub fn get_verbose(&self) -> bool {
        self.verbose
    }
    /// See [`RbmParams::random_state_option`].
    pub fn get_random_state(&self) -> Option<u32> {
        self.random_state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_scikit_learns() {
        let p = RbmParams::new();
        assert_eq!((p.n_components, p.learning_rate, p.batch_size, p.n_iter), (256, 0.1, 10, 10));
        assert_eq!((p.verbose, p.random_state), (false, None));
        assert!(p.n_iter(0).check().is_ok(), "n_iter=0 only initialises");
    }

    #[test]
    fn every_rule_names_the_parameter_and_the_value() {
        let cases = [
            (RbmParams::new().n_components(0), "n_components must be an integer >= 1, got 0"),
            (RbmParams::new().learning_rate(-0.5), "learning_rate must be a float > 0, got -0.5"),
            (RbmParams::new().learning_rate(f64::NAN), "learning_rate must be a float > 0, got NaN"),
            (RbmParams::new().batch_size(0), "batch_size must be an integer >= 1, got 0"),
        ];
        for (params, message) in cases {
            assert_eq!(params.check().unwrap_err().to_string(), message);
        }
    }
}
