//! The estimators: one folder each, with its hyperparameters, its algorithm and its model-file
//! codec; below, each kind's lines of the registry ([`crate::estimator`]).

pub mod mlp;
pub mod perceptron;
pub mod rbm;

use crate::data::labels::ModelLabel;
use crate::estimator::{Estimator, EstimatorKind};
use crate::float::Float;
use crate::params::{Hyperparams, Spec};
use mlp::{MlpClassifier, MlpParams, MlpRegressor};
use perceptron::{Perceptron, PerceptronParams};
use rbm::{BernoulliRbm, RbmParams};

impl EstimatorKind {
    /// The spec table of the kind's hyperparameters (what the command's flags, the Python
    /// binding and the docs read).
    pub fn specs(self) -> Vec<Spec> {
        match self {
            Self::MlpClassifier | Self::MlpRegressor => MlpParams::specs(),
            Self::Perceptron => PerceptronParams::<i64>::specs(),
            Self::BernoulliRbm => RbmParams::specs(),
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
}
