//! `neurona._core.RnnClassifier` and `neurona._core.RnnRegressor`: the core's recurrent
//! estimators for `neurona.RNNClassifier` and `neurona.RNNRegressor`.
//!
//! X crosses as sequences ([`ReadX`] for the recurrent cores): a 3-D array, or a list of 2-D
//! arrays of unequal lengths, in the model's dtype and in the layout its `layout`
//! hyperparameter names (`steps_features`, or aeon's `features_steps`, for the list's arrays
//! too); the core checks them and names the sequence, step and feature of anything wrong. As
//! for the MLP classifier, the Python layer keeps the class labels and passes their indices, and
//! model files hold the real labels (see [`labels`](crate::labels)). Predictions give one row per
//! sequence, or one per real step (sequence by sequence) with `output = step`.

use neurona::prelude::*;
use numpy::{PyArray1, PyArrayMethods, PyReadonlyArrayDyn};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::common::{self, ModelFloat, ReadX};
use crate::errors::{to_py, value_error, wrong_type};
use crate::family::Family;
use crate::sequences::sequences;

impl<F: ModelFloat> ReadX<F> for RnnClassifier<F, i64> {
    type Held<'py> = SequenceSet<F>;
    fn read_x(&self, x: &Bound<'_, PyAny>) -> PyResult<SequenceSet<F>> {
        sequences(x, self.params().get_layout())
    }
}

impl<F: ModelFloat> ReadX<F> for RnnRegressor<F> {
    type Held<'py> = SequenceSet<F>;
    fn read_x(&self, x: &Bound<'_, PyAny>) -> PyResult<SequenceSet<F>> {
        sequences(x, self.params().get_layout())
    }
}

/// Everything a fit learned: the training attributes, the sizes, and `tensors`, each weight
/// tensor by name (PyTorch's for the recurrent layers, `coefs_{l}` / `intercepts_{l}` for the
/// dense head) as a new array of its shape.
fn state_dict<'py, F: ModelFloat>(py: Python<'py>, state: &RnnState<F>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let tensors = PyDict::new(py);
    for (name, shape, values) in state.tensors() {
        tensors.set_item(name, PyArray1::from_slice(py, values).reshape(shape)?)?;
    }
    d.set_item("tensors", tensors)?;
    d.set_item("n_features_in", state.n_features_in())?;
    d.set_item("n_outputs", state.n_outputs())?;
    d.set_item("out_activation", state.out_activation())?;
    common::training_attributes(&d, state)?;
    d.set_item("dtype", F::DTYPE)?;
    Ok(d)
}

/// Named weight tensors from a Python dict `name -> array` (contiguous, of the model's dtype).
type NamedArrays<'py, F> = Vec<(String, PyReadonlyArrayDyn<'py, F>)>;

fn named_arrays<'py, F: ModelFloat>(tensors: &Bound<'py, PyDict>) -> PyResult<NamedArrays<'py, F>> {
    tensors
        .iter()
        .map(|(name, array)| {
            let name: String = name.extract()?;
            let array = crate::common::aligned(&array)?
                .extract::<PyReadonlyArrayDyn<'py, F>>()
                .map_err(|_| wrong_type(&format!("tensor '{name}'"), &format!("a {} array", F::DTYPE), &array))?;
            Ok((name, array))
        })
        .collect()
}

/// Runs `build` on the core's view of [`NamedArrays`]: `(name, shape, values)`.
fn with_tensors<F: ModelFloat, T>(
    tensors: &Bound<'_, PyDict>,
    build: impl FnOnce(&[(&str, Vec<usize>, &[F])]) -> neurona::Result<T>,
) -> PyResult<T> {
    let arrays = named_arrays::<F>(tensors)?;
    let given = arrays
        .iter()
        .map(|(name, array)| {
            let values =
                array.as_slice().map_err(|_| value_error(format!("tensor '{name}' must be a C-contiguous array")))?;
            Ok((name.as_str(), array.as_array().shape().to_vec(), values))
        })
        .collect::<PyResult<Vec<_>>>()?;
    build(&given).map_err(to_py)
}

/// The checked recurrent hyperparameters in `dict` (scikit-learn's `get_params()` as plain
/// values; `n_jobs` and `verbose` are the Python layer's).
fn rnn_params(dict: &Bound<'_, PyDict>) -> PyResult<RnnValidParams> {
    crate::params::hyperparams::<RnnParams>(dict)?.check().map_err(to_py)
}

impl Family for RnnClassifierFamily {
    type Params = RnnValidParams;
    type Model<F: ModelFloat> = RnnClassifier<F, i64>;
    type Buffers = ();
    labelled_files!();

    fn params(dict: &Bound<'_, PyDict>) -> PyResult<RnnValidParams> {
        rnn_params(dict)
    }

    fn state<'py, F: ModelFloat>(py: Python<'py>, model: &RnnClassifier<F, i64>) -> PyResult<Bound<'py, PyDict>> {
        let d = state_dict(py, model.state().map_err(to_py)?)?;
        d.set_item("multilabel", model.classes().map_err(to_py)?.is_empty())?;
        Ok(d)
    }
}

estimator_class! {
    /// A recurrent classifier (the numerics of `neurona.RNNClassifier`).
    class RnnClassifierCore("RnnClassifier") of RnnClassifierFamily;
    train(class_indices) {}
    predict_sequences {
        /// Predicted class indices: one per sequence, or per real step.
        fn predict(m) => |x| m.predict(x);
        /// The predicted indicator matrix of a multi-label classifier.
        fn predict_multilabel(m) => |x| m.predict_multilabel(x);
        /// Class probabilities `(rows, n_classes)` in the model's dtype.
        fn predict_proba(m) => |x| m.predict_proba(x);
    }
    file(labels);
    /// A classifier for `n_classes` classes and sequences of `n_features` features that has not
    /// trained yet, holding `tensors` (a dict `name -> array`: PyTorch's names and shapes for
    /// the recurrent layers, `coefs_{l}` / `intercepts_{l}` for the head), from which
    /// `partial_fit` and a warm-start `fit` continue.
    with_weights(n_classes: i64, n_features: usize, tensors: &Bound<'_, PyDict>) {
        let classes: Vec<i64> = (0..n_classes).collect();
    } |params| with_tensors::<F, _>(tensors, |t| RnnClassifier::with_weights(params, &classes, n_features, t));
}

impl Family for RnnRegressorFamily {
    type Params = RnnValidParams;
    type Model<F: ModelFloat> = RnnRegressor<F>;
    type Buffers = ();
    unlabelled_files!();

    fn params(dict: &Bound<'_, PyDict>) -> PyResult<RnnValidParams> {
        rnn_params(dict)
    }

    fn state<'py, F: ModelFloat>(py: Python<'py>, model: &RnnRegressor<F>) -> PyResult<Bound<'py, PyDict>> {
        state_dict(py, model.state().map_err(to_py)?)
    }
}

estimator_class! {
    /// A recurrent regressor (the numerics of `neurona.RNNRegressor`).
    class RnnRegressorCore("RnnRegressor") of RnnRegressorFamily;
    train(targets) {}
    predict_sequences {
        /// Predictions `(rows, n_outputs)` in the model's dtype: one row per sequence, or per
        /// real step.
        fn predict(m) => |x| m.predict(x);
    }
    file();
    /// A regressor with `n_outputs` outputs for sequences of `n_features` features that has not
    /// trained yet, holding `tensors` (as for `RnnClassifier.with_weights`).
    with_weights(n_outputs: usize, n_features: usize, tensors: &Bound<'_, PyDict>) {}
        |params| with_tensors::<F, _>(tensors, |t| RnnRegressor::with_weights(params, n_features, n_outputs, t));
}
