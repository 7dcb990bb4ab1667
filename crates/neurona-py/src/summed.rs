//! L-BFGS over rows summed in chunks elsewhere (`neurona.dask`): a chunk's sums computed with
//! the GIL released ([`chunk_sums`], what a Dask worker runs), and the fit whose evaluations
//! call back into Python ([`fit_classifier`] and [`fit_regressor`], the `fit_summed` methods
//! of `Classifier` and `Regressor`). The driver is the core's (`neurona::train::summed`), the
//! one the in-memory fit shares, so that one chunk gives the in-memory model's bytes.

use neurona::network::{LossSums, Mlp};
use neurona::prelude::{Activation, MlpClassifier, MlpRegressor};
use neurona::NeuronaError;
use numpy::{PyArray1, PyReadonlyArray1, PyUntypedArrayMethods};
use pyo3::prelude::*;

use crate::common::{self, ModelFloat, RngArg};
use crate::errors::{to_py, value_error};

/// The sums of one chunk of rows for the network of `layer_units` (`[n_features, hidden...,
/// n_outputs]`), hidden `activation` and `out_activation` (scikit-learn's names) at the flat
/// `params` (float32 or float64: the chunk is read in that dtype): `(loss_sum, grad_sum,
/// weight_sum)`, the weighted sum of the loss terms, the gradient of the summed data loss (a
/// new array of the parameters' dtype) and the sum of the rows' weights. `y` holds the encoded
/// targets `(n_rows, n_outputs)`. Computed with the GIL released and at most `n_jobs` threads.
#[pyfunction]
#[pyo3(signature = (layer_units, activation, out_activation, params, x, y, sample_weight = None, n_jobs = None))]
#[allow(clippy::too_many_arguments)]
pub(crate) fn chunk_sums<'py>(
    py: Python<'py>,
    layer_units: Vec<usize>,
    activation: &str,
    out_activation: &str,
    params: &Bound<'py, PyAny>,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    sample_weight: Option<&Bound<'py, PyAny>>,
    n_jobs: Option<isize>,
) -> PyResult<(f64, Bound<'py, PyAny>, f64)> {
    let network = network(layer_units, activation, out_activation)?;
    let threads = common::threads("n_jobs", n_jobs)?;
    if params.extract::<PyReadonlyArray1<'py, f32>>().is_ok() {
        sums::<f32>(py, &network, params, x, y, sample_weight, threads)
    } else {
        sums::<f64>(py, &network, params, x, y, sample_weight, threads)
    }
}

/// The network a chunk is summed for, checked.
fn network(layer_units: Vec<usize>, activation: &str, out_activation: &str) -> PyResult<Mlp> {
    if layer_units.len() < 2 || layer_units.contains(&0) {
        return Err(value_error(format!(
            "layer_units must list at least an input and an output layer, none empty, got {layer_units:?}"
        )));
    }
    let activation: Activation = activation.parse().map_err(to_py)?;
    let head = neurona::loss::OutputHead::from_out_activation(out_activation).ok_or_else(|| {
        value_error(format!(
            "out_activation must be one of 'identity', 'exp', 'logistic', 'softmax', got {out_activation:?}"
        ))
    })?;
    Ok(Mlp::new(neurona::network::Layout::new(layer_units), activation, head))
}

/// [`chunk_sums`] in the float type `F`.
fn sums<'py, F: ModelFloat>(
    py: Python<'py>,
    network: &Mlp,
    params: &Bound<'py, PyAny>,
    x: &Bound<'py, PyAny>,
    y: &Bound<'py, PyAny>,
    sample_weight: Option<&Bound<'py, PyAny>>,
    threads: Option<usize>,
) -> PyResult<(f64, Bound<'py, PyAny>, f64)> {
    let params = common::vector::<F>("params", params)?;
    let params = params.as_array().to_vec();
    let x = common::features::<F>(x)?;
    let y = common::matrix::<F>("y", y)?;
    let sw = sample_weight.map(|w| common::vector::<F>("sample_weight", w)).transpose()?;
    let (x, y, sw) = (x.as_array(), y.as_array(), sw.as_ref().map(|w| w.as_array()));
    let mut grad = vec![F::zero(); params.len()];
    let sums = common::run(py, threads, || neurona::network::chunk_sums(network, &params, x, y, sw, &mut grad))?;
    Ok((sums.loss_sum, PyArray1::from_vec(py, grad).into_any(), sums.weight_sum))
}

/// The core's evaluator over Python's `evaluate(params) -> (loss_sum, grad_sum, weight_sum)`:
/// called with the GIL taken back, the parameters as a new array of the model's dtype. Its
/// exception is kept in `pending` and ends the fit (the core stops at once on the error).
fn evaluator<'a, F: ModelFloat>(
    evaluate: &'a Py<PyAny>,
    pending: &'a mut Option<PyErr>,
) -> impl FnMut(&[F], &mut [F]) -> neurona::Result<LossSums> + 'a {
    move |params, grad| {
        Python::attach(|py| {
            let called = (|| -> PyResult<LossSums> {
                let returned = evaluate.bind(py).call1((PyArray1::from_slice(py, params),))?;
                let (loss_sum, grad_sum, weight_sum): (f64, Bound<'_, PyAny>, f64) = returned.extract()?;
                let grad_sum = common::vector::<F>("the evaluator's gradient sum", &grad_sum)?;
                if grad_sum.len() != grad.len() {
                    return Err(value_error(format!(
                        "the evaluator's gradient sum must hold {} values, got {}",
                        grad.len(),
                        grad_sum.len()
                    )));
                }
                grad.iter_mut().zip(grad_sum.as_array().iter()).for_each(|(g, &v)| *g = v);
                Ok(LossSums { loss_sum, weight_sum })
            })();
            called.map_err(|error| {
                *pending = Some(error);
                // Stands for the Python exception, which the caller raises instead.
                NeuronaError::Interrupted
            })
        })
    }
}

/// Runs `fit` (a core `fit_summed` over the evaluator) with the GIL released; the evaluator's
/// exception, if any, is raised.
fn run_summed<F: ModelFloat>(
    py: Python<'_>,
    evaluate: &Py<PyAny>,
    threads: Option<usize>,
    fit: impl FnOnce(&mut dyn FnMut(&[F], &mut [F]) -> neurona::Result<LossSums>) -> neurona::Result<()> + Send,
) -> PyResult<()> {
    let mut pending = None;
    let result = py.detach(|| {
        let mut evaluate = evaluator::<F>(evaluate, &mut pending);
        neurona::linalg::with_max_threads(threads, || fit(&mut evaluate)).and_then(|result| result)
    });
    match pending {
        Some(error) => Err(error),
        None => result.map_err(to_py),
    }
}

/// `Classifier.fit_summed`: trains `model` on `n_classes` classes (their indices) or, with
/// `multilabel`, `n_classes` indicator columns, of `n_features` features, by L-BFGS over
/// `evaluate`; returns the random stream's new state when `rng` was given.
#[allow(clippy::too_many_arguments)]
pub(crate) fn fit_classifier<'py, F: ModelFloat>(
    py: Python<'py>,
    model: &mut MlpClassifier<F, i64>,
    n_features: usize,
    n_classes: usize,
    multilabel: bool,
    evaluate: &Py<PyAny>,
    rng: Option<RngArg<'py>>,
    n_jobs: Option<isize>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let mut rng = common::rng_from(rng)?;
    let threads = common::threads("n_jobs", n_jobs)?;
    let classes: Vec<i64> = (0..i64::try_from(n_classes).unwrap_or(i64::MAX)).collect();
    let random_state = rng.as_mut();
    run_summed::<F>(py, evaluate, threads, |eval| {
        if multilabel {
            model.fit_summed_multilabel(n_features, n_classes, random_state, eval).map(drop)
        } else {
            model.fit_summed(n_features, &classes, random_state, eval).map(drop)
        }
    })?;
    common::rng_out(py, rng)
}

/// `Regressor.fit_summed`: [`fit_classifier`] for `n_outputs` target columns.
pub(crate) fn fit_regressor<'py, F: ModelFloat>(
    py: Python<'py>,
    model: &mut MlpRegressor<F>,
    n_features: usize,
    n_outputs: usize,
    evaluate: &Py<PyAny>,
    rng: Option<RngArg<'py>>,
    n_jobs: Option<isize>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let mut rng = common::rng_from(rng)?;
    let threads = common::threads("n_jobs", n_jobs)?;
    let random_state = rng.as_mut();
    run_summed::<F>(py, evaluate, threads, |eval| {
        model.fit_summed(n_features, n_outputs, random_state, eval).map(drop)
    })?;
    common::rng_out(py, rng)
}
