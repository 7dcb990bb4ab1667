//! `neurona._core.Perceptron`: the core's `Perceptron` for `neurona.Perceptron`.
//!
//! As for the MLP classifier, the Python layer keeps the class labels (`classes_`, of any type)
//! and passes their indices (`int64`, `0..n_classes`), and model files hold the real labels
//! (see [`labels`]). It also turns `class_weight` (a dict or `'balanced'`) into one weight per
//! class index with scikit-learn's own `compute_class_weight`, so the core sees
//! `ClassWeight::PerClass` or nothing. X is a dense array or a scipy CSR matrix (see
//! [`sparse`](crate::sparse)), which the core trains on as scikit-learn's sparse path does.

use neurona::prelude::*;
use numpy::{PyArray1, PyReadonlyArray1, ToPyArray};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::common::{self, ModelFloat, RngArg, ToNumpy};
use crate::errors::{to_py, value_error};
use crate::family::Family;
use crate::sparse;

impl Family for PerceptronFamily {
    type Params = PerceptronValidParams<i64>;
    type Model<F: ModelFloat> = neurona::prelude::Perceptron<F, i64>;
    type Buffers = ();
    labelled_files!();

    /// scikit-learn's `get_params()` as plain values through the spec table, with
    /// `class_weight` as `None` or one weight per class index (which the core's JSON pairs).
    fn params(dict: &Bound<'_, PyDict>) -> PyResult<PerceptronValidParams<i64>> {
        let dict = dict.copy()?;
        if let Some(weights) = dict.get_item("class_weight")?.filter(|w| !w.is_none()) {
            let weights: Vec<f64> = weights.extract()?;
            let pairs: Vec<(usize, f64)> = weights.into_iter().enumerate().collect();
            dict.set_item("class_weight", pairs)?;
        }
        crate::params::hyperparams::<PerceptronParams<i64>>(&dict)?.check().map_err(to_py)
    }

    fn state<'py, F: ModelFloat>(
        py: Python<'py>,
        model: &neurona::prelude::Perceptron<F, i64>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let state = model.state().map_err(to_py)?;
        let d = PyDict::new(py);
        d.set_item("coef", state.coef().to_pyarray(py))?;
        d.set_item("intercept", state.intercept().to_pyarray(py))?;
        d.set_item("intercept_f64", PyArray1::from_slice(py, state.intercept_f64()))?;
        d.set_item("n_classes", state.classes().len())?;
        d.set_item("n_iter", state.n_iter())?;
        d.set_item("t", state.t())?;
        d.set_item("n_features_in", state.n_features_in())?;
        let report = state.report();
        d.set_item("converged", report.converged)?;
        d.set_item("warnings", &report.warnings)?;
        d.set_item("dtype", F::DTYPE)?;
        Ok(d)
    }
}

estimator_class! {
    /// Rosenblatt's perceptron (the numerics of `neurona.Perceptron`).
    class Perceptron("Perceptron") of PerceptronFamily;
    file(labels);
    methods {
        /// Trains on X (dense, or a scipy CSR matrix) and class indices `y`; returns the random
        /// stream's new state when `rng` was given. Ctrl-C stops the fit within an epoch and
        /// raises `KeyboardInterrupt`, as scikit-learn's fit does.
        #[pyo3(signature = (x, y, sample_weight=None, coef_init=None, intercept_init=None, rng=None))]
        #[allow(clippy::too_many_arguments)]
        fn fit<'py>(
            &mut self,
            py: Python<'py>,
            x: &Bound<'py, PyAny>,
            y: PyReadonlyArray1<'py, i64>,
            sample_weight: Option<&Bound<'py, PyAny>>,
            coef_init: Option<&Bound<'py, PyAny>>,
            intercept_init: Option<&Bound<'py, PyAny>>,
            rng: Option<RngArg<'py>>,
        ) -> PyResult<Option<Bound<'py, PyAny>>> {
            let mut rng = common::rng_from(rng)?;
            let y = y.as_slice().map_err(|e| value_error(format!("y: {e}")))?;
            dispatch!(&mut self.model, m, F => {
                let sw = sample_weight.map(|w| common::vector::<F>("sample_weight", w)).transpose()?;
                let coef = coef_init.map(|c| common::matrix::<F>("coef_init", c)).transpose()?;
                let intercept = intercept_init.map(|b| common::vector::<F>("intercept_init", b)).transpose()?;
                let options = PerceptronFitOptions {
                    sample_weight: sw.as_ref().map(|w| w.as_array()),
                    coef_init: coef.as_ref().map(|c| c.as_array()),
                    intercept_init: intercept.as_ref().map(|b| b.as_array()),
                    random_state: rng.as_mut(),
                };
                sparse::with_samples::<F, _>(x, |x| {
                    common::run_interruptible(py, None, || m.fit_with(x, y, options).map(drop))
                })?;
            });
            common::rng_out(py, rng)
        }

        /// One epoch over X and class indices `y`; `n_classes` on the first call.
        #[pyo3(signature = (x, y, n_classes=None, sample_weight=None, rng=None))]
        fn partial_fit<'py>(
            &mut self,
            py: Python<'py>,
            x: &Bound<'py, PyAny>,
            y: PyReadonlyArray1<'py, i64>,
            n_classes: Option<i64>,
            sample_weight: Option<&Bound<'py, PyAny>>,
            rng: Option<RngArg<'py>>,
        ) -> PyResult<Option<Bound<'py, PyAny>>> {
            let mut rng = common::rng_from(rng)?;
            let y = y.as_slice().map_err(|e| value_error(format!("y: {e}")))?;
            let classes: Option<Vec<i64>> = n_classes.map(|n| (0..n).collect());
            dispatch!(&mut self.model, m, F => {
                let sw = sample_weight.map(|w| common::vector::<F>("sample_weight", w)).transpose()?;
                let options = PerceptronFitOptions {
                    sample_weight: sw.as_ref().map(|w| w.as_array()),
                    random_state: rng.as_mut(),
                    ..PerceptronFitOptions::default()
                };
                let classes = classes.as_deref();
                sparse::with_samples::<F, _>(x, |x| {
                    common::run_interruptible(py, None, || m.partial_fit_with(x, y, classes, options).map(drop))
                })?;
            });
            common::rng_out(py, rng)
        }

        /// The scores `(n_samples, 1 or n_classes)` in the model's dtype.
        fn decision_function<'py>(&self, py: Python<'py>, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
            dispatch!(&self.model, m, F => {
                sparse::with_samples::<F, _>(x, |x| Ok(common::run(py, None, || m.decision_function(x))?.to_numpy(py)))
            })
        }

        /// Predicted class indices `(n_samples,)`.
        fn predict<'py>(&self, py: Python<'py>, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
            dispatch!(&self.model, m, F => {
                sparse::with_samples::<F, _>(x, |x| Ok(common::run(py, None, || m.predict(x))?.to_numpy(py)))
            })
        }

        /// Replaces `coef_` (the model's dtype) and `intercept_` (float64), same shapes: the
        /// Python layer's arrays, which a user may have assigned or edited in place.
        fn set_weights(&mut self, coef: &Bound<'_, PyAny>, intercept: PyReadonlyArray1<'_, f64>) -> PyResult<()> {
            dispatch!(&mut self.model, m, F => {
                let coef = common::matrix::<F>("coef", coef)?;
                m.set_weights(coef.as_array(), intercept.as_array()).map_err(to_py)
            })
        }
    }
}
