//! What the classifier and the regressor share: arrays in, a fit or a prediction with the GIL
//! released and the thread cap of `n_jobs`, buffers kept for small predictions, the random
//! stream of a numpy `RandomState`, and the fitted attributes out.

use std::ops::ControlFlow;
use std::sync::Mutex;

use ndarray::{ArrayView1, ArrayView2, ArrayViewMut2};
use neurona::Float;
use neurona::estimators::mlp::{EpochProgress, FitOptions, MlpState, OptimizerState};
use neurona::linalg;
use neurona::network::PredictScratch;
use neurona::prelude::RandomState;
use numpy::{Element, PyArray1, PyReadonlyArray1, PyReadonlyArray2, ToPyArray};
use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};

use crate::errors::{to_py, value_error, wrong_type};

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

/// Class labels given back to or taken from a model file, where the classifiers write their
/// real labels rather than the indices the Python layer trains them on.
#[derive(Debug, FromPyObject, IntoPyObject)]
pub(crate) enum Labels {
    Ints(Vec<i64>),
    Strings(Vec<String>),
}

/// Whether a model file's classes (`header["classes"]["labels"]`) are strings: their type
/// decides which label type reads the file.
pub(crate) fn string_labels(info: &neurona::persist::ModelInfo) -> bool {
    info.header["classes"]["labels"].as_array().is_some_and(|l| l.iter().any(serde_json::Value::is_string))
}

/// X as a read-only numpy view in the model's float type: no copy, whatever the strides.
pub(crate) fn features<'py, F: Float + Element>(x: &Bound<'py, PyAny>) -> PyResult<PyReadonlyArray2<'py, F>> {
    x.extract::<PyReadonlyArray2<'py, F>>()
        .map_err(|_| wrong_type("X", &format!("a 2-D {} array (the model's dtype)", F::DTYPE), x))
}

/// X for a prediction, as [`features`] gives it; with `screen`, None when X holds a NaN or an
/// infinity. The Python layer's fast path screens: it skips scikit-learn's checks and, given
/// None, runs them, and they raise scikit-learn's error. (Unscreened, the core's own check
/// rejects such X with neurona's message.)
fn prediction_input<'py, F: Float + Element>(
    x: &Bound<'py, PyAny>,
    screen: bool,
) -> PyResult<Option<PyReadonlyArray2<'py, F>>> {
    let x = features::<F>(x)?;
    if !screen {
        return Ok(Some(x));
    }
    let view = x.as_array();
    // One branch-free (vectorisable) pass when X is one block of memory.
    let finite = match view.as_slice_memory_order() {
        Some(values) => values.iter().fold(true, |ok, v| ok & v.is_finite()),
        None => view.iter().all(|v| v.is_finite()),
    };
    Ok(finite.then_some(x))
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

/// The core's thread cap for `n_jobs` (named `name` in the error), by joblib's convention:
/// None leaves the process-wide setting, `n >= 1` means at most `n` threads per product, `-1`
/// every core, `-2` all but one and so on (never fewer than one); 0 is a `ValueError`.
pub(crate) fn threads(name: &str, n_jobs: Option<isize>) -> PyResult<Option<usize>> {
    match n_jobs {
        None => Ok(None),
        Some(0) => Err(value_error(format!("{name} must be a positive or negative integer or None, got 0"))),
        Some(n) if n > 0 => Ok(Some(n.unsigned_abs())),
        Some(n) => Ok(Some(linalg::available_cores().saturating_sub(n.unsigned_abs() - 1).max(1))),
    }
}

/// Runs `f` with the GIL released and at most `threads` threads per product (see [`threads`]).
pub(crate) fn run<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    f: impl FnOnce() -> neurona::Result<T> + Send,
) -> PyResult<T> {
    py.detach(|| linalg::with_max_threads(threads, f)).and_then(|result| result).map_err(to_py)
}

/// The body every prediction method shares: X in the model's dtype (with `screen`, None for X
/// holding a NaN or an infinity, see [`prediction_input`]), `compute(x)` with the GIL released
/// and at most `n_jobs` threads, and its result as a numpy array (`to_numpy`).
pub(crate) fn predict_with<'py, F: Float + Element, T: Send>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    n_jobs: Option<isize>,
    screen: bool,
    compute: impl FnOnce(ArrayView2<'_, F>) -> neurona::Result<T> + Send,
    to_numpy: impl FnOnce(Python<'py>, T) -> Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let threads = threads("n_jobs", n_jobs)?;
    let Some(x) = prediction_input::<F>(x, screen)? else { return Ok(None) };
    let x = x.as_array();
    let result = run(py, threads, || compute(x))?;
    Ok(Some(to_numpy(py, result)))
}

/// Batches of at most this many rows are predicted with buffers kept from one call to the next
/// ([`small_batch`]): the Python layer's one-row predictions allocate nothing but their result.
/// Larger ones take the core's own prediction (which shares blocks of rows among threads), where
/// an allocation is small beside the work; the bound also keeps the buffers a model holds small
/// (this many rows of every layer).
pub(crate) const SMALL_BATCH: usize = 32;

/// The buffers of one model's small predictions.
#[derive(Debug, Default)]
pub(crate) struct SmallBatch<F> {
    scratch: PredictScratch<F>,
    /// The network outputs, `(n_samples, n_outputs)` row-major.
    outputs: Vec<F>,
}

/// [`SmallBatch`] buffers in both float types (a model uses those of its own).
#[derive(Debug, Default)]
pub(crate) struct PredictBuffers {
    f32: Mutex<SmallBatch<f32>>,
    f64: Mutex<SmallBatch<f64>>,
}

/// The float types a model computes in, each with its [`PredictBuffers`].
pub(crate) trait ModelFloat: Float + Element {
    fn buffers(buffers: &PredictBuffers) -> &Mutex<SmallBatch<Self>>;
}

impl ModelFloat for f32 {
    fn buffers(buffers: &PredictBuffers) -> &Mutex<SmallBatch<f32>> {
        &buffers.f32
    }
}

impl ModelFloat for f64 {
    fn buffers(buffers: &PredictBuffers) -> &Mutex<SmallBatch<f64>> {
        &buffers.f64
    }
}

/// Computes the network outputs `(n_samples, n_outputs)` for the rows of `x` (at most
/// [`SMALL_BATCH`] of them) with the kept buffers, and returns `read(outputs)`.
pub(crate) fn small_batch<F: ModelFloat, R>(
    state: &MlpState<F>,
    x: ArrayView2<'_, F>,
    buffers: &PredictBuffers,
    read: impl FnOnce(ArrayView2<'_, F>) -> R,
) -> neurona::Result<R> {
    // A second thread predicting with the same model at the same moment (the GIL is released)
    // takes fresh buffers rather than waiting; so does every call after a panic.
    let mut fresh = SmallBatch::default();
    let mut kept = F::buffers(buffers).try_lock();
    let batch = match kept.as_deref_mut() {
        Ok(kept) => kept,
        Err(_) => &mut fresh,
    };
    let shape = (x.nrows(), state.n_outputs());
    batch.outputs.resize(shape.0 * shape.1, F::zero());
    let mut outputs = ArrayViewMut2::from_shape(shape, &mut batch.outputs).expect("resized to the shape");
    state.predict_into(x, outputs.view_mut(), &mut batch.scratch)?;
    Ok(read(outputs.view()))
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
/// `on_epoch` stops training too and is raised once the call returns. Products use at most
/// `threads` threads (see [`threads`]).
pub(crate) fn train<F, T>(
    py: Python<'_>,
    threads: Option<usize>,
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
        let result = linalg::with_max_threads(threads, || body(options)).and_then(|result| result);
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
