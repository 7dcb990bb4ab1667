//! `neurona._core.Rbm`: the core's `BernoulliRbm` for `neurona.BernoulliRBM`.
//!
//! The Python layer owns scikit-learn's random streams (`check_random_state(random_state)` and
//! `random_state_`, numpy `RandomState`s) and passes their state with every call that draws;
//! the core draws from a copy, and the new state goes back. Only `fit` with an integer seed
//! passes no stream: the core seeds its own, as scikit-learn's fresh `RandomState(seed)`.

use std::ops::ControlFlow;

use neurona::estimators::rbm::RbmEpochCallback;
use neurona::prelude::*;
use numpy::{Element, PyArray2, ToPyArray};
use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::common::{self, Dtype, RngArg};
use crate::errors::to_py;

/// The machine in the float type of the data it was fitted on.
#[derive(Debug, Clone)]
enum Model {
    F32(BernoulliRbm<f32>),
    F64(BernoulliRbm<f64>),
}

/// The checked hyperparameters in `dict` (scikit-learn's `get_params()` as plain values; the
/// verbose lines are printed by the Python layer, so `verbose` is not passed).
fn params_from_dict(dict: &Bound<'_, PyDict>) -> PyResult<RbmValidParams> {
    crate::params::hyperparams::<RbmParams>(dict)?.check().map_err(to_py)
}

/// A restricted Boltzmann machine (the numerics of `neurona.BernoulliRBM`).
#[pyclass(module = "neurona._core", name = "Rbm")]
#[derive(Debug)]
pub struct Rbm {
    model: Model,
}

#[pymethods]
impl Rbm {
    /// An unfitted machine with these hyperparameters, computing in `dtype`.
    #[new]
    fn new(params: &Bound<'_, PyDict>, dtype: &str) -> PyResult<Self> {
        let params = params_from_dict(params)?;
        let model = match Dtype::parse(dtype)? {
            Dtype::F32 => Model::F32(BernoulliRbm::new(params)),
            Dtype::F64 => Model::F64(BernoulliRbm::new(params)),
        };
        Ok(Self { model })
    }

    /// `'float32'` or `'float64'`.
    #[getter]
    fn dtype(&self) -> &'static str {
        dispatch!(&self.model, _m, F => F::DTYPE)
    }

    fn is_fitted(&self) -> bool {
        dispatch!(&self.model, m, F => m.is_fitted())
    }

    /// New hyperparameters, keeping what was learned (for `partial_fit`).
    fn set_params(&mut self, params: &Bound<'_, PyDict>) -> PyResult<()> {
        let params = params_from_dict(params)?;
        dispatch!(&mut self.model, m, F => m.set_params(params));
        Ok(())
    }

    /// Trains from scratch on X, with the GIL released; `on_epoch(epoch, pseudo_likelihood)` is
    /// called (with the GIL) after every epoch when given. Returns the random stream's new state
    /// when `rng` was given. Ctrl-C stops after the current epoch, keeping what was learned.
    #[pyo3(signature = (x, rng=None, on_epoch=None))]
    fn fit<'py>(
        &mut self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        rng: Option<RngArg<'py>>,
        on_epoch: Option<Py<PyAny>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let mut rng = common::rng_from(rng)?;
        dispatch!(&mut self.model, m, F => {
            let x = common::features::<F>(x)?;
            let x = x.as_array();
            let (result, pending) = py.detach(|| {
                let mut pending: Option<PyErr> = None;
                let mut callback = |progress: &RbmEpochProgress| -> ControlFlow<()> {
                    Python::attach(|py| {
                        let called = match &on_epoch {
                            Some(f) => f.bind(py).call1((progress.epoch, progress.pseudo_likelihood)).map(drop),
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
                let on_epoch: Option<&mut RbmEpochCallback<'_>> =
                    if on_epoch.is_some() { Some(&mut callback) } else { None };
                let options = RbmFitOptions { random_state: rng.as_mut(), on_epoch };
                let result = m.fit_with(x, options);
                (result, pending)
            });
            result.map_err(to_py)?;
            if let Some(error) = pending
                && !error.is_instance_of::<PyKeyboardInterrupt>(py)
            {
                return Err(error);
            }
        });
        common::rng_out(py, rng)
    }

    /// One persistent-contrastive-divergence step on all of X, drawing from `rng`
    /// (scikit-learn's `random_state_`); returns the stream's new state.
    fn partial_fit<'py>(
        &mut self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        rng: RngArg<'py>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let mut rng = common::rng_from(Some(rng))?;
        dispatch!(&mut self.model, m, F => {
            let x = common::features::<F>(x)?;
            let x = x.as_array();
            let stream = rng.as_mut().expect("given");
            py.detach(|| m.partial_fit_with_rng(x, stream)).map_err(to_py)?;
        });
        common::rng_out(py, rng)
    }

    /// The hidden units' probabilities `(n_samples, n_components)` in the model's dtype.
    fn transform<'py>(&self, py: Python<'py>, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        dispatch!(&self.model, m, F => {
            let x = common::features::<F>(x)?;
            let x = x.as_array();
            let hidden = py.detach(|| m.transform(x)).map_err(to_py)?;
            Ok(PyArray2::from_owned_array(py, hidden).into_any())
        })
    }

    /// One Gibbs step from `v`, drawing from `rng`: `(booleans, the stream's new state)`.
    fn gibbs<'py>(
        &self,
        py: Python<'py>,
        v: &Bound<'py, PyAny>,
        rng: RngArg<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Option<Bound<'py, PyAny>>)> {
        let mut rng = common::rng_from(Some(rng))?;
        let sample = dispatch!(&self.model, m, F => {
            let v = common::features::<F>(v)?;
            let v = v.as_array();
            let stream = rng.as_mut().expect("given");
            py.detach(|| m.gibbs_with_rng(v, stream)).map_err(to_py)?
        });
        Ok((sample.to_pyarray(py).into_any(), common::rng_out(py, rng)?))
    }

    /// The pseudo-likelihood of each row, drawing the flipped features from `rng`:
    /// `(scores, the stream's new state)`.
    fn score_samples<'py>(
        &self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        rng: RngArg<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, Option<Bound<'py, PyAny>>)> {
        let mut rng = common::rng_from(Some(rng))?;
        let scores = dispatch!(&self.model, m, F => {
            let x = common::features::<F>(x)?;
            let x = x.as_array();
            let stream = rng.as_mut().expect("given");
            let scores = py.detach(|| m.score_samples_with_rng(x, stream)).map_err(to_py)?;
            scores.to_pyarray(py).into_any()
        });
        Ok((scores, common::rng_out(py, rng)?))
    }

    /// The fitted attributes (copies), or `NotFittedError`. `random_state_` is the state of the
    /// model's own stream, in the shape `RandomState.set_state()` takes, or None: the Python
    /// layer keeps its stream itself, but a file written by the Rust crate may hold one.
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dispatch!(&self.model, m, F => {
            let d = state_dict::<F>(py, m.state().map_err(to_py)?)?;
            d.set_item("random_state_", common::rng_out(py, m.random_stream().cloned())?)?;
            Ok(d)
        })
    }

    /// The model file's bytes, with `extra` (JSON text) kept beside the model and `rng`
    /// (scikit-learn's `random_state_`, when created) saved as the model's stream, so that other
    /// readers resume it.
    #[pyo3(signature = (extra, rng=None))]
    fn to_bytes<'py>(&self, py: Python<'py>, extra: &str, rng: Option<RngArg<'py>>) -> PyResult<Bound<'py, PyBytes>> {
        let extra = common::extra_json(extra)?;
        let stream = common::rng_from(rng)?;
        let bytes = dispatch!(&self.model, m, F => {
            let mut m = m.clone();
            m.set_random_stream(stream);
            m.to_bytes_with_extra(&extra)
        })
        .map_err(to_py)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// A machine from model-file bytes (treated as untrusted): `(machine, extra)`.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<(Rbm, String)> {
        let info = neurona::persist::inspect(data).map_err(to_py)?;
        let (model, extra) = match Dtype::parse(&info.dtype)? {
            Dtype::F32 => {
                let (m, extra) = BernoulliRbm::from_bytes_with_extra(data).map_err(to_py)?;
                (Model::F32(m), extra)
            }
            Dtype::F64 => {
                let (m, extra) = BernoulliRbm::from_bytes_with_extra(data).map_err(to_py)?;
                (Model::F64(m), extra)
            }
        };
        Ok((Rbm { model }, extra.to_string()))
    }
}

fn state_dict<'py, F: Float + Element>(py: Python<'py>, state: &RbmState<F>) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("components", state.components().to_pyarray(py))?;
    d.set_item("intercept_hidden", state.intercept_hidden().to_pyarray(py))?;
    d.set_item("intercept_visible", state.intercept_visible().to_pyarray(py))?;
    d.set_item("h_samples", state.h_samples().to_pyarray(py))?;
    d.set_item("n_features_in", state.n_features_in())?;
    d.set_item("dtype", F::DTYPE)?;
    Ok(d)
}
