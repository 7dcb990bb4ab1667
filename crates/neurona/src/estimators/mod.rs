//! The estimators: one folder each, with its hyperparameters, its algorithm and its model-file
//! codec; below, each kind's lines of the registry ([`crate::estimator`]).

/// The accessors every estimator has over its `params` and `state` fields: the checked
/// hyperparameters (`$valid`), what the last fit learned (`$state`), and whether there is any.
/// `$name` is the kind's name, for the not-fitted error.
macro_rules! fitted_accessors {
    ($valid:ty, $state:ty, $name:expr) => {
        /// The hyperparameters.
        pub fn params(&self) -> &$valid {
            &self.params
        }

        /// Replaces the hyperparameters, keeping what was learned (for `warm_start` and
        /// `partial_fit`, as scikit-learn's `set_params`).
        pub fn set_params(&mut self, params: $valid) {
            self.params = params;
        }

        /// Everything the last fit learned (scikit-learn's fitted attributes), or `NotFitted`.
        pub fn state(&self) -> $crate::error::Result<&$state> {
            self.state.as_ref().ok_or($crate::error::NeuronaError::NotFitted { estimator: $name })
        }

        /// Whether it has been fitted (or loaded from a model file).
        pub fn is_fitted(&self) -> bool {
            self.state.is_some()
        }
    };
}
pub(crate) use fitted_accessors;

mod assign;
pub mod mlp;
pub mod network;
pub mod perceptron;
pub mod rbm;
pub mod rnn;

use crate::data::labels::ModelLabel;
use crate::estimator::{Estimator, EstimatorKind};
use crate::float::Float;
use crate::params::{Hyperparams, Spec};
use mlp::{MlpClassifier, MlpParams, MlpRegressor};
use perceptron::{Perceptron, PerceptronParams};
use rbm::{BernoulliRbm, RbmParams};
use rnn::{RnnClassifier, RnnParams, RnnRegressor};

impl EstimatorKind {
    /// The spec table of the kind's hyperparameters (what the command's flags, the Python
    /// binding and the docs read).
    pub fn specs(self) -> Vec<Spec> {
        match self {
            Self::MlpClassifier | Self::MlpRegressor => MlpParams::specs(),
            Self::Perceptron => PerceptronParams::<i64>::specs(),
            Self::BernoulliRbm => RbmParams::specs(),
            Self::RnnClassifier | Self::RnnRegressor => RnnParams::specs(),
        }
    }
}

macro_rules! estimators {
    ($($kind:ident: [$($generics:tt)*] $ty:ty => $params:ty;)*) => {$(
        impl<$($generics)*> Estimator for $ty {
            const KIND: EstimatorKind = EstimatorKind::$kind;
            type Params = $params;

            fn hyperparams(&self) -> &$params {
                self.params()
            }

            fn is_fitted(&self) -> bool {
                <$ty>::is_fitted(self)
            }
        }
    )*};
}

// The registry's estimators: one line a kind.
estimators! {
    MlpClassifier: [F: Float, L: ModelLabel] MlpClassifier<F, L> => MlpParams;
    MlpRegressor: [F: Float] MlpRegressor<F> => MlpParams;
    Perceptron: [F: Float, L: ModelLabel] Perceptron<F, L> => PerceptronParams<L>;
    BernoulliRbm: [F: Float] BernoulliRbm<F> => RbmParams;
    RnnClassifier: [F: Float, L: ModelLabel] RnnClassifier<F, L> => RnnParams;
    RnnRegressor: [F: Float] RnnRegressor<F> => RnnParams;
}

// The network families, by their hyperparameters: the kinds of their two estimators.
impl network::NetworkFamily for mlp::MlpValidParams {
    const CLASSIFIER: EstimatorKind = EstimatorKind::MlpClassifier;
    const REGRESSOR: EstimatorKind = EstimatorKind::MlpRegressor;
}

impl network::NetworkFamily for rnn::RnnValidParams {
    const CLASSIFIER: EstimatorKind = EstimatorKind::RnnClassifier;
    const REGRESSOR: EstimatorKind = EstimatorKind::RnnRegressor;
}
