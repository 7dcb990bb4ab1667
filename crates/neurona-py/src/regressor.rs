//! `neurona._core.Regressor`: the core's `MlpRegressor` for `neurona.MLPRegressor`.

use neurona::prelude::*;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::common::{self, ModelFloat, PredictBuffers};
use crate::errors::to_py;
use crate::family::Family;
use crate::params;

impl Family for RegressorFamily {
    type Params = MlpValidParams;
    type Model<F: ModelFloat> = MlpRegressor<F>;
    type Buffers = PredictBuffers;
    unlabelled_files!();

    fn params(dict: &Bound<'_, PyDict>) -> PyResult<MlpValidParams> {
        params::from_dict(dict)
    }

    fn state<'py, F: ModelFloat>(py: Python<'py>, model: &MlpRegressor<F>) -> PyResult<Bound<'py, PyDict>> {
        common::state_dict(py, model.state().map_err(to_py)?)
    }
}

estimator_class! {
    /// A multilayer-perceptron regressor (the numerics of `neurona.MLPRegressor`).
    class Regressor("Regressor") of RegressorFamily;
    train(targets) {}
    predict {
        /// Predictions `(n_samples, n_outputs)` in the model's dtype, with at most `n_jobs`
        /// threads (joblib's convention; None: the process-wide setting). With `screen` (the
        /// Python layer's fast path, which has not validated X), None when X holds a NaN or an
        /// infinity.
        fn predict(m) => |x| m.predict(x), |outputs| Ok(outputs.to_owned());
    }
    file();
    /// A regressor that has not trained yet, holding the given weights (scikit-learn's `coefs_`
    /// and `intercepts_` assigned before `partial_fit`).
    with_weights(coefs: &Bound<'_, PyAny>, intercepts: &Bound<'_, PyAny>) {}
        |params| common::with_weight_views(coefs, intercepts, |c, b| MlpRegressor::with_weights(params, c, b));
    set_weights(coefs, intercepts);
    summed {
        /// Trains by L-BFGS on rows summed elsewhere (`neurona.dask`): `n_outputs` target
        /// columns of `n_features` features, `evaluate` as for `Classifier.fit_summed`.
        fn fit_summed(n_features, n_outputs: usize) {}
            |m, random_state, eval| m.fit_summed(n_features, n_outputs, random_state, eval);
    }
}
