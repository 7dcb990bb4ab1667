//! `neurona._core.Regressor`: the core's `MlpRegressor` for `neurona.MLPRegressor`.

use ndarray::{Array2, ArrayView2};
use neurona::persist;
use neurona::prelude::*;
use numpy::PyArray2;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::common::{self, Dtype, ModelFloat, PredictBuffers, RngArg, SMALL_BATCH};
use crate::errors::to_py;
use crate::params;

/// The regressor in the float type of the data it was fitted on.
#[derive(Debug, Clone)]
enum Model {
    F32(MlpRegressor<f32>),
    F64(MlpRegressor<f64>),
}

/// A multilayer-perceptron regressor (the numerics of `neurona.MLPRegressor`).
#[pyclass(module = "neurona._core", name = "Regressor")]
#[derive(Debug)]
pub struct Regressor {
    model: Model,
    buffers: PredictBuffers,
}

impl From<Model> for Regressor {
    fn from(model: Model) -> Self {
        Self { model, buffers: PredictBuffers::default() }
    }
}

impl Regressor {
    /// One call to `fit` (`incremental = false`) or `partial_fit`.
    #[allow(clippy::too_many_arguments)]
    fn train<'py>(
        &mut self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        y: &Bound<'py, PyAny>,
        sample_weight: Option<&Bound<'py, PyAny>>,
        rng: Option<RngArg<'py>>,
        on_epoch: Option<Py<PyAny>>,
        n_jobs: Option<isize>,
        incremental: bool,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let threads = common::threads("n_jobs", n_jobs)?;
        let mut rng = common::rng_from(rng)?;
        dispatch!(&mut self.model, m, F => {
            let x = common::features::<F>(x)?;
            let y = common::matrix::<F>("y", y)?;
            let sw = sample_weight.map(|w| common::vector::<F>("sample_weight", w)).transpose()?;
            let (x, y) = (x.as_array(), y.as_array());
            common::train(py, threads, sw.as_ref().map(|w| w.as_array()), &mut rng, on_epoch.as_ref(), |options| {
                if incremental { m.partial_fit_with(x, y, options) } else { m.fit_with(x, y, options) }.map(drop)
            })?;
        });
        common::rng_out(py, rng)
    }
}

#[pymethods]
impl Regressor {
    /// An unfitted regressor with these hyperparameters, computing in `dtype`.
    #[new]
    fn new(params: &Bound<'_, PyDict>, dtype: &str) -> PyResult<Self> {
        let params = params::from_dict(params)?;
        let model = match Dtype::parse(dtype)? {
            Dtype::F32 => Model::F32(MlpRegressor::new(params)),
            Dtype::F64 => Model::F64(MlpRegressor::new(params)),
        };
        Ok(model.into())
    }

    /// `'float32'` or `'float64'`.
    #[getter]
    fn dtype(&self) -> &'static str {
        dispatch!(&self.model, _m, F => F::DTYPE)
    }

    fn is_fitted(&self) -> bool {
        dispatch!(&self.model, m, F => m.is_fitted())
    }

    /// New hyperparameters, keeping what was learned (for `warm_start` and `partial_fit`).
    fn set_params(&mut self, params: &Bound<'_, PyDict>) -> PyResult<()> {
        let params = params::from_dict(params)?;
        dispatch!(&mut self.model, m, F => m.set_params(params));
        Ok(())
    }

    /// Trains on X and targets `y: (n_samples, n_outputs)`; returns the random stream's new
    /// state when `rng` was given.
    #[pyo3(signature = (x, y, sample_weight=None, rng=None, on_epoch=None, n_jobs=None))]
    #[allow(clippy::too_many_arguments)]
    fn fit<'py>(
        &mut self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        y: &Bound<'py, PyAny>,
        sample_weight: Option<&Bound<'py, PyAny>>,
        rng: Option<RngArg<'py>>,
        on_epoch: Option<Py<PyAny>>,
        n_jobs: Option<isize>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.train(py, x, y, sample_weight, rng, on_epoch, n_jobs, false)
    }

    /// One epoch over X and `y` (a whole L-BFGS run for the lbfgs solver, as in scikit-learn).
    #[pyo3(signature = (x, y, sample_weight=None, rng=None, on_epoch=None, n_jobs=None))]
    #[allow(clippy::too_many_arguments)]
    fn partial_fit<'py>(
        &mut self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        y: &Bound<'py, PyAny>,
        sample_weight: Option<&Bound<'py, PyAny>>,
        rng: Option<RngArg<'py>>,
        on_epoch: Option<Py<PyAny>>,
        n_jobs: Option<isize>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.train(py, x, y, sample_weight, rng, on_epoch, n_jobs, true)
    }

    /// A regressor that has not trained yet, holding the given weights (scikit-learn's `coefs_`
    /// and `intercepts_` assigned before `partial_fit`).
    #[staticmethod]
    fn with_weights(
        params: &Bound<'_, PyDict>,
        dtype: &str,
        coefs: &Bound<'_, PyAny>,
        intercepts: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let params = params::from_dict(params)?;
        let model = match Dtype::parse(dtype)? {
            Dtype::F32 => Model::F32(common::with_weight_views(coefs, intercepts, |c, b| {
                MlpRegressor::with_weights(params, c, b)
            })?),
            Dtype::F64 => Model::F64(common::with_weight_views(coefs, intercepts, |c, b| {
                MlpRegressor::with_weights(params, c, b)
            })?),
        };
        Ok(model.into())
    }

    /// Replaces the weights (same shapes; scikit-learn's `coefs_` and `intercepts_` assigned).
    fn set_weights(&mut self, coefs: &Bound<'_, PyAny>, intercepts: &Bound<'_, PyAny>) -> PyResult<()> {
        dispatch!(&mut self.model, m, F => {
            common::with_weight_views::<F, _>(coefs, intercepts, |c, b| m.set_weights(c, b))
        })
    }

    /// Predictions `(n_samples, n_outputs)` in the model's dtype, with at most `n_jobs` threads
    /// (joblib's convention; None: the process-wide setting). With `screen` (the Python
    /// layer's fast path, which has not validated X), None when X holds a NaN or an infinity.
    #[pyo3(signature = (x, n_jobs=None, screen=false))]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        n_jobs: Option<isize>,
        screen: bool,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        dispatch!(&self.model, m, F => common::predict_with::<F, _>(
            py,
            x,
            n_jobs,
            screen,
            |x| predictions(m, x, &self.buffers),
            |py, result| PyArray2::from_owned_array(py, result).into_any(),
        ))
    }

    /// The fitted attributes (copies), or `NotFittedError`.
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dispatch!(&self.model, m, F => common::state_dict(py, m.state().map_err(to_py)?))
    }

    /// The model file's bytes, with `extra` (JSON text) kept beside the model.
    fn to_bytes<'py>(&self, py: Python<'py>, extra: &str) -> PyResult<Bound<'py, PyBytes>> {
        let extra = common::extra_json(extra)?;
        let bytes = dispatch!(&self.model, m, F => m.to_bytes_with_extra(&extra)).map_err(to_py)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// A regressor from model-file bytes (treated as untrusted): `(regressor, extra)`.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<(Regressor, String)> {
        let info = persist::inspect(data).map_err(to_py)?;
        let (model, extra) = match Dtype::parse(&info.dtype)? {
            Dtype::F32 => {
                let (m, extra) = MlpRegressor::<f32>::from_bytes_with_extra(data).map_err(to_py)?;
                (Model::F32(m), extra)
            }
            Dtype::F64 => {
                let (m, extra) = MlpRegressor::<f64>::from_bytes_with_extra(data).map_err(to_py)?;
                (Model::F64(m), extra)
            }
        };
        Ok((model.into(), extra.to_string()))
    }
}

/// The predictions for the rows of `x`; a few rows are predicted with the kept buffers.
fn predictions<F: ModelFloat>(
    m: &MlpRegressor<F>,
    x: ArrayView2<'_, F>,
    buffers: &PredictBuffers,
) -> neurona::Result<Array2<F>> {
    if x.nrows() > SMALL_BATCH {
        return m.predict(x);
    }
    common::small_batch(m.state()?, x, buffers, |outputs| outputs.to_owned())
}
