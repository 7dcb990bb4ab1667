//! The mechanics every class shares: arrays in, a computation or a training call with the GIL
//! released (and the thread cap of `n_jobs`, and the epoch callback), buffers kept for small
//! predictions, the random stream of a numpy `RandomState`, and numpy arrays, fitted
//! attributes and model-file bytes out.

use std::cell::RefCell;
use std::ops::ControlFlow;
use std::rc::Rc;
use std::sync::Mutex;

use ndarray::{Array, ArrayView1, ArrayView2, ArrayViewMut2, Dimension};
use neurona::Float;
use neurona::estimators::mlp::{EpochProgress, FitOptions, MlpState, OptimizerState};
use neurona::network::PredictScratch;
use neurona::prelude::{MlpClassifier, MlpRegressor, RandomState};
use neurona::train::TrainingAttributes;
use neurona::{interrupt, linalg};
use numpy::{
    Element, PyArray, PyArray1, PyReadonlyArray, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArray,
    PyUntypedArrayMethods, ToPyArray,
};
use pyo3::call::PyCallArgs;
use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::{to_py, value_error, wrong_type};

/// X as a read-only numpy view in the model's float type: no copy, whatever the strides.
pub(crate) fn features<'py, F: Float + Element>(x: &Bound<'py, PyAny>) -> PyResult<PyReadonlyArray2<'py, F>> {
    aligned(x)?
        .extract::<PyReadonlyArray2<'py, F>>()
        .map_err(|_| wrong_type("X", &format!("a 2-D {} array (the model's dtype)", F::DTYPE), x))
}

/// `v` itself, or a copy of it when it is a numpy array whose data is not aligned for its type:
/// Rust reads an array through references, which must be aligned, and numpy makes unaligned
/// arrays from buffers it did not allocate (an array unpickled out of band, as Dask's workers
/// receive their chunks). `copy()` allocates an aligned array with the same values.
pub(crate) fn aligned<'py>(v: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    match v.cast::<PyUntypedArray>() {
        Ok(array) if !array.is_aligned() => v.call_method0("copy"),
        _ => Ok(v.clone()),
    }
}

/// X as a core estimator's training methods take it: the hook through which
/// `estimator_class!`'s `train` block reads X (a matrix for the MLPs, sequences for the
/// recurrent networks), in the model's dtype.
pub(crate) trait ReadX<F: ModelFloat> {
    /// What is read from Python and held while the call runs (a read-only numpy view, or the
    /// sequences copied out of numpy).
    type Held<'py>: ViewX;
    /// X read from Python as this estimator's hyperparameters say (a layout of sequences).
    fn read_x<'py>(&self, x: &Bound<'py, PyAny>) -> PyResult<Self::Held<'py>>;
}

/// What the core's methods borrow from a [`ReadX::Held`].
pub(crate) trait ViewX {
    type View<'a>
    where
        Self: 'a;
    fn view_x(&self) -> Self::View<'_>;
}

impl<F: Element> ViewX for PyReadonlyArray2<'_, F> {
    type View<'a>
        = ArrayView2<'a, F>
    where
        Self: 'a;
    fn view_x(&self) -> ArrayView2<'_, F> {
        self.as_array()
    }
}

impl<F: ModelFloat> ReadX<F> for MlpClassifier<F, i64> {
    type Held<'py> = PyReadonlyArray2<'py, F>;
    fn read_x<'py>(&self, x: &Bound<'py, PyAny>) -> PyResult<PyReadonlyArray2<'py, F>> {
        features::<F>(x)
    }
}

impl<F: ModelFloat> ReadX<F> for MlpRegressor<F> {
    type Held<'py> = PyReadonlyArray2<'py, F>;
    fn read_x<'py>(&self, x: &Bound<'py, PyAny>) -> PyResult<PyReadonlyArray2<'py, F>> {
        features::<F>(x)
    }
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
    float_array(input, v)
}

/// An array of `D`'s dimensions in the model's float type, named `input` in the error.
fn float_array<'py, F: Float + Element, D: Dimension>(
    input: &str,
    v: &Bound<'py, PyAny>,
) -> PyResult<PyReadonlyArray<'py, F, D>> {
    let ndim = D::NDIM.map_or_else(|| "an".to_owned(), |n| format!("a {n}-D"));
    aligned(v)?
        .extract::<PyReadonlyArray<'py, F, D>>()
        .map_err(|_| wrong_type(input, &format!("{ndim} {} array", F::DTYPE), v))
}

/// Class indices `y` as a slice.
pub(crate) fn indices<'a>(y: &'a PyReadonlyArray1<'_, i64>) -> PyResult<&'a [i64]> {
    y.as_slice().map_err(|e| value_error(format!("y: {e}")))
}

/// A 2-D array of the model's float type (regression targets).
pub(crate) fn matrix<'py, F: Float + Element>(
    input: &str,
    v: &Bound<'py, PyAny>,
) -> PyResult<PyReadonlyArray2<'py, F>> {
    float_array(input, v)
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

/// [`run`] for a call that Ctrl-C interrupts (see [`interruptible`]): a `KeyboardInterrupt`
/// (or whatever Python's signal handler raised) is raised, whatever a fit kept, as scikit-learn
/// raises it from the fits that do not catch it (the perceptron's, the RBM's) and from every
/// prediction. A prediction asks the check between its blocks of rows only, so that a small one
/// never takes the GIL back.
pub(crate) fn run_interruptible<T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    f: impl FnOnce() -> neurona::Result<T> + Send,
) -> PyResult<T> {
    let main = on_main_thread(py);
    let (result, pending) = py.detach(|| interruptible(main, || linalg::with_max_threads(threads, f)));
    match pending {
        Some(error) => Err(error),
        None => result.and_then(|result| result).map_err(to_py),
    }
}

/// Runs `f` (on this thread, with the GIL released) under an interruption check that asks
/// Python whether a signal arrived (`PyErr_CheckSignals`, which runs Python's handler and
/// needs the GIL: taken back for the check, at most once every
/// [`neurona::interrupt::CHECK_INTERVAL`]); the core's long loops ask it between minibatches,
/// iterations and blocks of rows. Returns `f`'s result and the exception the handler raised, if
/// it did (a `KeyboardInterrupt` for Ctrl-C): the loops have then stopped.
///
/// Python runs signal handlers in the main thread only: a call in another thread (`main`
/// false) runs without a check, never interrupted, as a Python loop in that thread would not
/// be, and without taking the GIL back for nothing.
fn interruptible<T>(main: bool, f: impl FnOnce() -> T) -> (T, Option<PyErr>) {
    if !main {
        return (f(), None);
    }
    let pending: Rc<RefCell<Option<PyErr>>> = Rc::default();
    let sink = Rc::clone(&pending);
    let check = move || {
        Python::attach(|py| match py.check_signals() {
            Ok(()) => false,
            Err(error) => {
                *sink.borrow_mut() = Some(error);
                true
            }
        })
    };
    let (result, _) = interrupt::with_check(check, f);
    let error = pending.borrow_mut().take();
    (result, error)
}

/// Whether this is Python's main thread, the one that runs signal handlers (true when that
/// cannot be told: the check then merely finds nothing).
fn on_main_thread(py: Python<'_>) -> bool {
    let ask = || -> PyResult<bool> {
        let threading = py.import("threading")?;
        let main = threading.call_method0("main_thread")?.getattr("ident")?;
        main.eq(threading.call_method0("get_ident")?)
    };
    ask().unwrap_or(true)
}

/// A computed result as a new numpy array.
pub(crate) trait ToNumpy {
    fn to_numpy(self, py: Python<'_>) -> Bound<'_, PyAny>;
}

impl<T: Element> ToNumpy for Vec<T> {
    fn to_numpy(self, py: Python<'_>) -> Bound<'_, PyAny> {
        PyArray1::from_vec(py, self).into_any()
    }
}

impl<T: Element, D: Dimension> ToNumpy for Array<T, D> {
    fn to_numpy(self, py: Python<'_>) -> Bound<'_, PyAny> {
        PyArray::from_owned_array(py, self).into_any()
    }
}

/// The body of every computation on X that is not an MLP's prediction (an RBM's transform,
/// draw or score): X in the model's dtype, `compute(x)` with the GIL released and Ctrl-C
/// raising `KeyboardInterrupt` (see [`run_interruptible`]), and its result as a numpy array.
pub(crate) fn compute<'py, F: ModelFloat, T: ToNumpy + Send>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    compute: impl FnOnce(ArrayView2<'_, F>) -> neurona::Result<T> + Send,
) -> PyResult<Bound<'py, PyAny>> {
    let x = features::<F>(x)?;
    let x = x.as_array();
    Ok(run_interruptible(py, None, || compute(x))?.to_numpy(py))
}

/// The body of every MLP prediction method: X in the model's dtype (with `screen`, None for X
/// holding a NaN or an infinity, see [`prediction_input`]), `predict(x)` with the GIL released,
/// at most `n_jobs` threads and Ctrl-C raising `KeyboardInterrupt` (see
/// [`run_interruptible`]), and its result as a numpy array.
pub(crate) fn predict_with<'py, F: ModelFloat, T: ToNumpy + Send>(
    py: Python<'py>,
    x: &Bound<'py, PyAny>,
    n_jobs: Option<isize>,
    screen: bool,
    predict: impl FnOnce(ArrayView2<'_, F>) -> neurona::Result<T> + Send,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let threads = threads("n_jobs", n_jobs)?;
    let Some(x) = prediction_input::<F>(x, screen)? else { return Ok(None) };
    let x = x.as_array();
    let result = run_interruptible(py, threads, || predict(x))?;
    Ok(Some(result.to_numpy(py)))
}

/// Batches of at most this many rows are predicted with buffers kept from one call to the next
/// ([`small_or_whole`]): the Python layer's one-row predictions allocate nothing but their result.
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

/// A prediction of the rows of `x`: for more than [`SMALL_BATCH`] rows, `whole(x)` (the core's
/// prediction); for fewer, `decode(outputs)` of the network outputs `(n_samples, n_outputs)`,
/// computed with the kept buffers.
pub(crate) fn small_or_whole<F: ModelFloat, T>(
    x: ArrayView2<'_, F>,
    buffers: &PredictBuffers,
    state: neurona::Result<&MlpState<F>>,
    params: Option<&[F]>,
    whole: impl FnOnce(ArrayView2<'_, F>) -> neurona::Result<T>,
    decode: impl FnOnce(ArrayView2<'_, F>) -> neurona::Result<T>,
) -> neurona::Result<T> {
    if let Some(params) = params {
        let state = state?;
        check_prediction_input(state, x)?;
        if x.nrows() > SMALL_BATCH {
            return decode(state.network().predict(params, x).view());
        }
        return with_small_batch(buffers, (x.nrows(), state.n_outputs()), |outputs, scratch| {
            state.network().predict_into(params, x, outputs, scratch);
            decode(ArrayView2::from_shape((x.nrows(), state.n_outputs()), &*outputs).expect("sized to the shape"))
        });
    }
    if x.nrows() > SMALL_BATCH {
        return whole(x);
    }
    let state = state?;
    with_small_batch(buffers, (x.nrows(), state.n_outputs()), |outputs, scratch| {
        let shape = (x.nrows(), state.n_outputs());
        let mut view = ArrayViewMut2::from_shape(shape, outputs).expect("sized to the shape");
        state.predict_into(x, view.view_mut(), scratch)?;
        decode(view.view())
    })
}

/// `body(outputs, scratch)` with the model's kept buffers for a small batch, `outputs` sized to
/// `shape` (row-major).
fn with_small_batch<F: ModelFloat, T>(
    buffers: &PredictBuffers,
    shape: (usize, usize),
    body: impl FnOnce(&mut [F], &mut PredictScratch<F>) -> neurona::Result<T>,
) -> neurona::Result<T> {
    // A second thread predicting with the same model at the same moment (the GIL is released)
    // takes fresh buffers rather than waiting; so does every call after a panic.
    let mut fresh = SmallBatch::default();
    let mut kept = F::buffers(buffers).try_lock();
    let batch = match kept.as_deref_mut() {
        Ok(kept) => kept,
        Err(_) => &mut fresh,
    };
    batch.outputs.resize(shape.0 * shape.1, F::zero());
    body(&mut batch.outputs, &mut batch.scratch)
}

/// What the core's own predictions check of X, for a prediction with the caller's weights:
/// the fitted width and finite values.
fn check_prediction_input<F: ModelFloat>(state: &MlpState<F>, x: ArrayView2<'_, F>) -> neurona::Result<()> {
    let expected = state.n_features_in();
    if x.ncols() != expected {
        return Err(neurona::NeuronaError::FeatureMismatch { estimator: "MLP", expected, found: x.ncols() });
    }
    neurona::data::validate::check_finite("X", x)
}

/// The flat weights a prediction computes with (the Python layer's buffer behind `coefs_` and
/// `intercepts_`), checked against the model's layout; None when not given.
pub(crate) fn prediction_params<'py, F: ModelFloat>(
    params: Option<&Bound<'py, PyAny>>,
    state: neurona::Result<&MlpState<F>>,
) -> PyResult<Option<PyReadonlyArray1<'py, F>>> {
    let Some(params) = params else { return Ok(None) };
    let params = vector::<F>("params", params)?;
    let expected = state.map_err(to_py)?.flat_params().len();
    if !params.as_slice().is_ok_and(|values| values.len() == expected) {
        return Err(value_error(format!("params must be a contiguous array of the model's {expected} weights")));
    }
    Ok(Some(params))
}

/// numpy's legacy `RandomState.get_state()` without its leading `'MT19937'`:
/// `(key: uint32[624], pos, has_gauss, cached_gaussian)`.
pub(crate) type RngArg<'py> = (PyReadonlyArray1<'py, u32>, usize, bool, f64);

/// The generator a fit draws from, read from numpy's state.
pub(crate) fn rng_from(rng: Option<RngArg<'_>>) -> PyResult<Option<RandomState>> {
    rng.map(stream).transpose()
}

/// The generator of numpy's state.
pub(crate) fn stream((key, pos, has_gauss, cached): RngArg<'_>) -> PyResult<RandomState> {
    let key = key.as_array().to_vec();
    RandomState::from_state(&key, pos, has_gauss, cached).map_err(to_py)
}

/// The generator's state after the fit, in the shape `RandomState.set_state()` takes.
pub(crate) fn rng_out<'py>(py: Python<'py>, rng: Option<RandomState>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let Some(rng) = rng else { return Ok(None) };
    let state = rng.state();
    let key = PyArray1::from_vec(py, state.key);
    Ok(Some(("MT19937", key, state.pos, state.has_gauss, state.cached_gaussian).into_pyobject(py)?.into_any()))
}

/// Runs one training call with the GIL released; `body` gets the epoch callback to hand to
/// the core.
///
/// After every epoch the callback takes the GIL back briefly: to call `on_epoch(*args(progress))`
/// (the Python layer's verbose printer) and to check for Ctrl-C; between the epochs' minibatches
/// and iterations the core asks too (see [`interruptible`]). A `KeyboardInterrupt` stops
/// training there, and the core keeps what was learned (an MLP's fit report then says
/// `interrupted`). With `keeps`, the call then returns normally, as scikit-learn's stochastic
/// solvers do (the Python layer warns, or raises where scikit-learn raises); without, the
/// `KeyboardInterrupt` is raised. Any other exception raised by `on_epoch` or by a signal
/// handler stops training too and is raised once the call returns. Products use at most
/// `threads` threads (see [`threads`]).
pub(crate) fn train<P, A, T: Send>(
    py: Python<'_>,
    threads: Option<usize>,
    on_epoch: Option<&Py<PyAny>>,
    args: impl Fn(&P) -> A + Sync,
    keeps: bool,
    body: impl FnOnce(&mut dyn FnMut(&P) -> ControlFlow<()>) -> neurona::Result<T> + Send,
) -> PyResult<T>
where
    A: for<'py> PyCallArgs<'py>,
{
    let main = on_main_thread(py);
    let (result, pending) = py.detach(|| {
        let mut pending: Option<PyErr> = None;
        let mut callback = |progress: &P| -> ControlFlow<()> {
            Python::attach(|py| {
                let called = match on_epoch {
                    Some(f) => f.bind(py).call1(args(progress)).map(drop),
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
        let (result, signalled) =
            interruptible(main, || linalg::with_max_threads(threads, || body(&mut callback)).and_then(|result| result));
        (result, pending.or(signalled))
    });
    match pending {
        Some(error) if !(keeps && error.is_instance_of::<PyKeyboardInterrupt>(py)) => Err(error),
        _ => result.map_err(to_py),
    }
}

/// The arguments every MLP training method takes beside X and y (`sample_weight`, `rng`,
/// `on_epoch`, `n_jobs`), read once.
pub(crate) struct FitArgs<'a, 'py> {
    sample_weight: Option<&'a Bound<'py, PyAny>>,
    rng: Option<RandomState>,
    on_epoch: Option<Py<PyAny>>,
    threads: Option<usize>,
}

impl<'a, 'py> FitArgs<'a, 'py> {
    pub(crate) fn new(
        sample_weight: Option<&'a Bound<'py, PyAny>>,
        rng: Option<RngArg<'py>>,
        on_epoch: Option<Py<PyAny>>,
        n_jobs: Option<isize>,
    ) -> PyResult<Self> {
        let threads = threads("n_jobs", n_jobs)?;
        Ok(Self { sample_weight, rng: rng_from(rng)?, on_epoch, threads })
    }

    /// Runs `fit` as [`train`] runs its body, with the sample weights (in the model's dtype),
    /// the random stream and the epoch callback as its options.
    pub(crate) fn train<F: ModelFloat>(
        &mut self,
        py: Python<'py>,
        fit: impl FnOnce(FitOptions<'_, F>) -> neurona::Result<()> + Send,
    ) -> PyResult<()> {
        let sw = self.sample_weight.map(|w| vector::<F>("sample_weight", w)).transpose()?;
        let sample_weight = sw.as_ref().map(|w| w.as_array());
        let random_state = &mut self.rng;
        let progress = |p: &EpochProgress| (p.epoch, p.loss, p.validation_score);
        train(py, self.threads, self.on_epoch.as_ref(), progress, true, |on_epoch| {
            fit(FitOptions { sample_weight, random_state: random_state.as_mut(), on_epoch: Some(on_epoch) })
        })
    }

    /// The random stream's new state, when `rng` was given (see [`rng_out`]).
    pub(crate) fn rng_out(self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        rng_out(py, self.rng)
    }
}

/// Everything a fit learned, as the Python layer's fitted attributes: arrays are copies.
pub(crate) fn state_dict<'py, F: Float + Element>(
    py: Python<'py>,
    state: &MlpState<F>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    // One writable copy of the flat buffer (every weight matrix, then every bias vector): the
    // Python layer makes `coefs_` and `intercepts_` views of it and hands it back to the
    // predictions (`params`), so that editing them in place changes what is predicted.
    d.set_item("params", state.flat_params().to_pyarray(py))?;
    d.set_item("layer_units", state.network().layout().layer_units().to_vec())?;
    d.set_item("n_layers", state.n_layers())?;
    d.set_item("n_outputs", state.n_outputs())?;
    d.set_item("n_features_in", state.n_features_in())?;
    d.set_item("out_activation", state.out_activation())?;
    training_attributes(&d, state)?;
    d.set_item("dtype", F::DTYPE)?;
    Ok(d)
}

/// The fitted attributes of gradient training (`loss_`, `n_iter_`, `loss_curve_`, ...) and the
/// fit report, set in `d`.
pub(crate) fn training_attributes<F: Float>(d: &Bound<'_, PyDict>, state: &TrainingAttributes<F>) -> PyResult<()> {
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
    Ok(())
}
