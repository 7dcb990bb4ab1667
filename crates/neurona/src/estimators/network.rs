//! The two estimators of every gradient-trained network family (the MLPs, the recurrent
//! networks), declared once: a classifier and a regressor over the family's checked
//! hyperparameters `P` and fitted state `S`. Each family names its pair
//! (`MlpClassifier<F, L>` is `NetworkClassifier<MlpValidParams, MlpState<F>, L>`) and writes
//! its own methods on them; those below are everyone's.

use crate::data::labels::ClassTargets;
use crate::estimator::EstimatorKind;
use crate::train::{FitCall, FitOptions};

/// A network family, known by its hyperparameters' type: the registry's kinds of its two
/// estimators (whose names the errors give).
pub trait NetworkFamily {
    /// The family's classifier.
    const CLASSIFIER: EstimatorKind;
    /// The family's regressor.
    const REGRESSOR: EstimatorKind;
}

/// A network classifier: its hyperparameters, what its last fit learned (nothing before a fit
/// or a model file) and the classes (or labels) it learned them for.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkClassifier<P, S, L> {
    pub(crate) params: P,
    pub(crate) state: Option<S>,
    pub(crate) targets: Option<ClassTargets<L>>,
}

/// A network regressor: its hyperparameters and what its last fit learned.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkRegressor<P, S> {
    pub(crate) params: P,
    pub(crate) state: Option<S>,
}

impl<P: NetworkFamily, S, L> NetworkClassifier<P, S, L> {
    /// An unfitted classifier with these hyperparameters.
    pub fn new(params: P) -> Self {
        Self { params, state: None, targets: None }
    }

    crate::estimators::fitted_accessors!(P, S, P::CLASSIFIER.name());

    /// A call to the family's training from the current state.
    pub(crate) fn fit_call<'o, F>(&self, incremental: bool, options: FitOptions<'o, F>) -> FitCall<'_, 'o, S, F> {
        FitCall { current: self.state.as_ref(), incremental, options, estimator: P::CLASSIFIER.name() }
    }
}

impl<P: NetworkFamily, S> NetworkRegressor<P, S> {
    /// An unfitted regressor with these hyperparameters.
    pub fn new(params: P) -> Self {
        Self { params, state: None }
    }

    crate::estimators::fitted_accessors!(P, S, P::REGRESSOR.name());

    /// A call to the family's training from the current state.
    pub(crate) fn fit_call<'o, F>(&self, incremental: bool, options: FitOptions<'o, F>) -> FitCall<'_, 'o, S, F> {
        FitCall { current: self.state.as_ref(), incremental, options, estimator: P::REGRESSOR.name() }
    }
}
