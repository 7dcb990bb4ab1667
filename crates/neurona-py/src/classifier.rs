//! `neurona._core.Classifier`: the core's `MlpClassifier` for `neurona.MLPClassifier`.
//!
//! The Python layer keeps the class labels (`classes_`, of any type) and passes their indices
//! (`int64`, `0..n_classes`), or a boolean indicator matrix for multi-label targets.

use neurona::prelude::*;
use numpy::PyReadonlyArray2;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::common::{self, ModelFloat, PredictBuffers};
use crate::errors::to_py;
use crate::family::Family;
use crate::params;

impl Family for ClassifierFamily {
    type Params = MlpValidParams;
    type Model<F: ModelFloat> = MlpClassifier<F, i64>;
    type Buffers = PredictBuffers;
    labelled_files!();

    fn params(dict: &Bound<'_, PyDict>) -> PyResult<MlpValidParams> {
        params::from_dict(dict)
    }

    fn state<'py, F: ModelFloat>(py: Python<'py>, model: &MlpClassifier<F, i64>) -> PyResult<Bound<'py, PyDict>> {
        let d = common::state_dict(py, model.state().map_err(to_py)?)?;
        d.set_item("multilabel", model.is_multilabel())?;
        Ok(d)
    }
}

estimator_class! {
    /// A multilayer-perceptron classifier (the numerics of `neurona.MLPClassifier`).
    class Classifier("Classifier") of ClassifierFamily;
    train(class_indices) {
        /// One epoch over X and a boolean indicator matrix.
        fn partial_fit_multilabel(y: PyReadonlyArray2<'py, bool>) { let y = y.as_array(); }
            |m, x, options| neurona::prelude::MultilabelClassifier::partial_fit_multilabel_with(m, x, y, options);
    }
    predict {
        /// Predicted class indices `(n_samples,)`, with at most `n_jobs` threads (joblib's
        /// convention; None: the process-wide setting). With `screen` (the Python layer's fast
        /// path, which has not validated X), None when X holds a NaN or an infinity.
        fn predict(m) => |x| m.predict(x), |outputs| m.labels_from_outputs(outputs);
        /// Predicted indicator matrix `(n_samples, n_labels)` of a multi-label classifier
        /// (`n_jobs` and `screen` as for `predict`).
        fn predict_multilabel(m) => |x| m.predict_multilabel(x), |outputs| m.indicators_from_outputs(outputs);
        /// Class probabilities `(n_samples, n_classes)` in the model's dtype (`n_jobs` and
        /// `screen` as for `predict`).
        fn predict_proba(m) => |x| m.predict_proba(x), |outputs| m.proba_from_outputs(outputs);
    }
    file(labels);
    /// A classifier for `n_classes` classes that has not trained yet, holding the given weights
    /// (scikit-learn's `coefs_` and `intercepts_` assigned before `partial_fit`).
    with_weights(n_classes: i64, coefs: &Bound<'_, PyAny>, intercepts: &Bound<'_, PyAny>) {
        let classes: Vec<i64> = (0..n_classes).collect();
    } |params| common::with_weight_views(coefs, intercepts, |c, b| MlpClassifier::with_weights(params, &classes, c, b));
    set_weights(coefs, intercepts);
    summed {
        /// Trains by L-BFGS on rows summed elsewhere (`neurona.dask`): `n_classes` classes (or,
        /// with `multilabel`, indicator columns) of `n_features` features, `evaluate(params)`
        /// returning `(loss_sum, grad_sum, weight_sum)` over every chunk (see `chunk_sums`).
        fn fit_summed(n_features, n_classes: usize, multilabel: bool) {
            let classes: Vec<i64> = (0..i64::try_from(n_classes).unwrap_or(i64::MAX)).collect();
        } |m, random_state, eval| match multilabel {
            true => m.fit_summed_multilabel(n_features, n_classes, random_state, eval),
            false => m.fit_summed(n_features, &classes, random_state, eval),
        };
    }
    methods {
        fn is_multilabel(&self) -> bool {
            dispatch!(&self.model, m, F => m.is_multilabel())
        }
    }
}
