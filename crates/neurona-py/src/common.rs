//! What the classifier and the regressor share: arrays in, a fit with the GIL released, the
//! random stream of a numpy `RandomState`, and the fitted attributes out.

use std::ops::ControlFlow;

use ndarray::{ArrayView1, ArrayView2};
use neurona::Float;
use neurona::estimators::mlp::{EpochProgress, FitOptions, MlpState, OptimizerState};
use neurona::prelude::RandomState;
use numpy::{Element, PyArray1, PyReadonlyArray1, PyReadonlyArray2, ToPyArray};
use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::errors::{to_py, wrong_type};

/// The float type a model computes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Dtype {
    F32,
    F64,
}

impl Dtype {
    pub(crate) fn parse(name: &str) -> PyResult<Self> {
        match name {
            "float32" => Ok(Self::F32),
            "float64" => Ok(Self::F64),
            other => Err(crate::errors::value_error(format!("dtype must be 'float32' or 'float64', got {other:?}"))),
        }
    }
}

/// X as a read-only numpy view in the model's float type: no copy, whatever the strides.
pub(crate) fn features<'py, F: Float + Element>(x: &Bound<'py, PyAny>) -> PyResult<PyReadonlyArray2<'py, F>> {
    x.extract::<PyReadonlyArray2<'py, F>>()
        .map_err(|_| wrong_type("X", &format!("a 2-D {} array (the model's dtype)", F::DTYPE), x))
}

/// A 1-D array of the model's float type (sample weights, targets).
pub(crate) fn vector<'py, F: Float + Element>(
    input: &str,
    v: &Bound<'py, PyAny>,
) -> PyResult<PyReadonlyArray1<'py, F>> {
    v.extract::<PyReadonlyArray1<'py, F>>().map_err(|_| wrong_type(input, &format!("a 1-D {} array", F::DTYPE), v))
}

/// A 2-D array of the model's float type (regression targets).
pub(crate) fn matrix<'py, F: Float + Element>(
    input: &str,
    v: &Bound<'py, PyAny>,
) -> PyResult<PyReadonlyArray2<'py, F>> {
    v.extract::<PyReadonlyArray2<'py, F>>().map_err(|_| wrong_type(input, &format!("a 2-D {} array", F::DTYPE), v))
}

/// Weight matrices and bias vectors in the model's float type (scikit-learn's `coefs_` and
/// `intercepts_`, as assigned by a user).
pub(crate) type Weights<'py, F> = (Vec<PyReadonlyArray2<'py, F>>, Vec<PyReadonlyArray1<'py, F>>);

/// [`Weights`] from two Python lists of arrays.
pub(crate) fn weights<'py, F: Float + Element>(
    coefs: &Bound<'py, PyAny>,
    intercepts: &Bound<'py, PyAny>,
) -> PyResult<Weights<'py, F>> {
    let expected = format!("a list of {} arrays", F::DTYPE);
    let coefs = coefs.extract().map_err(|_| wrong_type("coefs_", &expected, coefs))?;
    let intercepts = intercepts.extract().map_err(|_| wrong_type("intercepts_", &expected, intercepts))?;
    Ok((coefs, intercepts))
}

/// Runs `body` on the ndarray views of [`Weights`] read from two Python lists.
pub(crate) fn with_weight_views<F: Float + Element, T>(
    coefs: &Bound<'_, PyAny>,
    intercepts: &Bound<'_, PyAny>,
    body: impl FnOnce(&[ArrayView2<'_, F>], &[ArrayView1<'_, F>]) -> neurona::Result<T>,
) -> PyResult<T> {
    let (coefs, intercepts) = weights::<F>(coefs, intercepts)?;
    let coefs: Vec<_> = coefs.iter().map(|a| a.as_array()).collect();
    let intercepts: Vec<_> = intercepts.iter().map(|a| a.as_array()).collect();
    body(&coefs, &intercepts).map_err(to_py)
}

/// numpy's legacy `RandomState.get_state()` without its leading `'MT19937'`:
/// `(key: uint32[624], pos, has_gauss, cached_gaussian)`.
pub(crate) type RngArg<'py> = (PyReadonlyArray1<'py, u32>, usize, bool, f64);

/// The generator a fit draws from, read from numpy's state.
pub(crate) fn rng_from(rng: Option<RngArg<'_>>) -> PyResult<Option<RandomState>> {
    rng.map(|(key, pos, has_gauss, cached)| {
        let key = key.as_array().to_vec();
        RandomState::from_state(&key, pos, has_gauss, cached).map_err(to_py)
    })
    .transpose()
}

/// The generator's state after the fit, in the shape `RandomState.set_state()` takes.
pub(crate) fn rng_out<'py>(py: Python<'py>, rng: Option<RandomState>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let Some(rng) = rng else { return Ok(None) };
    let state = rng.state();
    let key = PyArray1::from_vec(py, state.key);
    Ok(Some(("MT19937", key, state.pos, state.has_gauss, state.cached_gaussian).into_pyobject(py)?.into_any()))
}

/// Runs one training call with the GIL released.
///
/// After every epoch the GIL is taken back briefly: to call `on_epoch(epoch, loss,
/// validation_score)` (the Python layer's verbose printer) and to check for Ctrl-C. A
/// `KeyboardInterrupt` stops training after that epoch, keeping what was learned, as
/// scikit-learn does; the fit report then says `interrupted`. Any other exception raised by
/// `on_epoch` stops training too and is raised once the call returns.
pub(crate) fn train<F, T>(
    py: Python<'_>,
    sample_weight: Option<ArrayView1<'_, F>>,
    rng: &mut Option<RandomState>,
    on_epoch: Option<&Py<PyAny>>,
    body: T,
) -> PyResult<()>
where
    F: Float,
    T: for<'a> FnOnce(FitOptions<'a, F>) -> neurona::Result<()> + Send,
{
    let (result, pending) = py.detach(|| {
        let mut pending: Option<PyErr> = None;
        let mut callback = |progress: &EpochProgress| -> ControlFlow<()> {
            Python::attach(|py| {
                let called = match on_epoch {
                    Some(f) => f.bind(py).call1((progress.epoch, progress.loss, progress.validation_score)).map(drop),
                    None => Ok(()),
                };
                match called.and_then(|()| py.check_signals()) {
                    Ok(()) => ControlFlow::Continue(()),
                    Err(error) => {
                        pending = Some(error);
                        ControlFlow::Break(())
                    }
                }
            })
        };
        let options = FitOptions { sample_weight, random_state: rng.as_mut(), on_epoch: Some(&mut callback) };
        let result = body(options);
        (result, pending)
    });
    result.map_err(to_py)?;
    match pending {
        Some(error) if !error.is_instance_of::<PyKeyboardInterrupt>(py) => Err(error),
        _ => Ok(()),
    }
}

/// Everything a fit learned, as the Python layer's fitted attributes: arrays are copies.
pub(crate) fn state_dict<'py, F: Float + Element>(
    py: Python<'py>,
    state: &MlpState<F>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let coefs = PyList::empty(py);
    for c in state.coefs() {
        coefs.append(c.to_pyarray(py))?;
    }
    let intercepts = PyList::empty(py);
    for b in state.intercepts() {
        intercepts.append(b.to_pyarray(py))?;
    }
    d.set_item("coefs", coefs)?;
    d.set_item("intercepts", intercepts)?;
    d.set_item("n_layers", state.n_layers())?;
    d.set_item("n_outputs", state.n_outputs())?;
    d.set_item("n_features_in", state.n_features_in())?;
    d.set_item("out_activation", state.out_activation())?;
    d.set_item("loss", state.loss())?;
    d.set_item("n_iter", state.n_iter())?;
    d.set_item("t", state.t())?;
    d.set_item("loss_curve", state.loss_curve().map(<[f64]>::to_vec))?;
    d.set_item("best_loss", state.best_loss())?;
    d.set_item("validation_scores", state.validation_scores().map(<[f64]>::to_vec))?;
    d.set_item("best_validation_score", state.best_validation_score())?;
    d.set_item("no_improvement_count", state.no_improvement_count())?;
    d.set_item("learning_rate", state.optimizer().map(OptimizerState::learning_rate))?;
    let report = state.report();
    d.set_item("converged", report.converged)?;
    d.set_item("message", &report.message)?;
    d.set_item("warnings", &report.warnings)?;
    d.set_item("interrupted", report.interrupted)?;
    d.set_item("dtype", F::DTYPE)?;
    Ok(d)
}

/// A model file's extra JSON, from the Python layer's text.
pub(crate) fn extra_json(text: &str) -> PyResult<serde_json::Value> {
    serde_json::from_str(text).map_err(|e| crate::errors::value_error(format!("extra must be JSON text: {e}")))
}
