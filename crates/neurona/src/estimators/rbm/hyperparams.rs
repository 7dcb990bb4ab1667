//! The hyperparameters of [`BernoulliRbm`](super::BernoulliRbm), with scikit-learn's names,
//! defaults and rules.

use crate::error::{NeuronaError, Result};
use crate::params::hyperparams;

hyperparams! {
    /// Hyperparameters of the restricted Boltzmann machine, unchecked: a consuming builder whose
    /// setters give scikit-learn's defaults. [`RbmParams::check`] applies scikit-learn's rules
    /// and returns [`RbmValidParams`], which [`BernoulliRbm`](super::BernoulliRbm) takes.
    ///
    /// ```
    /// use neurona::prelude::*;
    ///
    /// let params = RbmParams::new().n_components(64).n_iter(5).random_state(0);
    /// assert!(params.clone().check().is_ok());
    /// let err = params.learning_rate(0.0).check().unwrap_err();
    /// assert_eq!(err.to_string(), "learning_rate must be a float > 0, got 0");
    /// ```
    pub struct RbmParams => RbmValidParams {
        /// Number of hidden units.
        n_components / get_n_components: usize = 256;
        /// Learning rate of the weight updates (divided by the batch's size).
        learning_rate / get_learning_rate: f64 = 0.1;
        /// Samples per minibatch in `fit`, and rows of the persistent chain.
        batch_size / get_batch_size: usize = 10;
        /// Epochs of `fit`; 0 only initialises.
        n_iter / get_n_iter: usize = 10;
        /// Print scikit-learn's per-epoch pseudo-likelihood line to stdout.
        verbose / get_verbose: bool = false;
        /// Seed of the random draws (initial weights, the Gibbs samples, the pseudo-likelihood's
        /// flipped features); `none` seeds from the operating system.
        random_state / get_random_state: Option<u32> = None, into;
    }
}

impl RbmParams {
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
