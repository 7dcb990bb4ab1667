//! L-BFGS over rows summed in chunks elsewhere (`neurona.dask`): a chunk's sums computed with
//! the GIL released ([`chunk_sums`], what a Dask worker runs), and the fit whose evaluations
//! call back into Python ([`run_summed`], under the `fit_summed` methods of `Classifier` and
//! `Regressor`). The driver is the core's (`neurona::train::summed`), the
//! one the in-memory fit shares, so that one chunk gives the in-memory model's bytes.

use neurona::NeuronaError;
use neurona::network::{LossSums, Mlp};
use neurona::prelude::{Activation, RandomState};
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
    let chunk = Chunk { params, x, y, sample_weight };
    if params.extract::<PyReadonlyArray1<'py, f32>>().is_ok() {
        sums::<f32>(py, &network, chunk, threads)
    } else {
        sums::<f64>(py, &network, chunk, threads)
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

/// The arrays of [`chunk_sums`], as Python gave them.
struct Chunk<'a, 'py> {
    params: &'a Bound<'py, PyAny>,
    x: &'a Bound<'py, PyAny>,
    y: &'a Bound<'py, PyAny>,
    sample_weight: Option<&'a Bound<'py, PyAny>>,
}

/// [`chunk_sums`] in the float type `F`.
fn sums<'py, F: ModelFloat>(
    py: Python<'py>,
    network: &Mlp,
    Chunk { params, x, y, sample_weight }: Chunk<'_, 'py>,
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

/// The evaluator [`run_summed`] hands a core `fit_summed`.
pub(crate) type Evaluate<'a, F> = &'a mut dyn FnMut(&[F], &mut [F]) -> neurona::Result<LossSums>;

/// Runs `fit(random_state, evaluator)` (a core `fit_summed`) with the GIL released, drawing
/// from numpy's stream `rng` when given (its new state returned) and with at most `n_jobs`
/// threads per product; the evaluator's exception, if any, is raised.
pub(crate) fn run_summed<'py, F: ModelFloat>(
    py: Python<'py>,
    evaluate: &Py<PyAny>,
    rng: Option<RngArg<'py>>,
    n_jobs: Option<isize>,
    fit: impl FnOnce(Option<&mut RandomState>, Evaluate<'_, F>) -> neurona::Result<()> + Send,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let mut rng = common::rng_from(rng)?;
    let threads = common::threads("n_jobs", n_jobs)?;
    let mut pending = None;
    let random_state = rng.as_mut();
    let result = py.detach(|| {
        let mut evaluate = evaluator::<F>(evaluate, &mut pending);
        neurona::linalg::with_max_threads(threads, || fit(random_state, &mut evaluate)).and_then(|result| result)
    });
    if let Some(error) = pending {
        return Err(error);
    }
    result.map_err(to_py)?;
    common::rng_out(py, rng)
}
