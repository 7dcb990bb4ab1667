//! `neurona._core.Rbm`: the core's `BernoulliRbm` for `neurona.BernoulliRBM`.
//!
//! The Python layer owns scikit-learn's random streams (`check_random_state(random_state)` and
//! `random_state_`, numpy `RandomState`s) and passes their state with every call that draws;
//! the core draws from a copy, and the new state goes back. Only `fit` with an integer seed
//! passes no stream: the core seeds its own, as scikit-learn's fresh `RandomState(seed)`.

use neurona::estimators::rbm::RbmEpochCallback;
use neurona::persist::ModelInfo;
use neurona::prelude::*;
use numpy::ToPyArray;
use pyo3::prelude::*;
use pyo3::types::PyDict;
use serde_json::Value;

use crate::common::{self, ModelFloat, RngArg};
use crate::errors::to_py;
use crate::family::{self, Family};

impl Family for RbmFamily {
    type Params = RbmValidParams;
    type Model<F: ModelFloat> = BernoulliRbm<F>;
    type Buffers = ();
    type FileArg<'py> = Option<RngArg<'py>>;
    type FileLabels = ();

    /// scikit-learn's `get_params()` as plain values; the verbose lines are printed by the
    /// Python layer, so `verbose` is not passed.
    fn params(dict: &Bound<'_, PyDict>) -> PyResult<RbmValidParams> {
        crate::params::hyperparams::<RbmParams>(dict)?.check().map_err(to_py)
    }

    /// `random_state_` is the state of the model's own stream, in the shape
    /// `RandomState.set_state()` takes, or None: the Python layer keeps its stream itself, but
    /// a file written by the Rust crate may hold one.
    fn state<'py, F: ModelFloat>(py: Python<'py>, model: &BernoulliRbm<F>) -> PyResult<Bound<'py, PyDict>> {
        let state = model.state().map_err(to_py)?;
        let d = PyDict::new(py);
        d.set_item("components", state.components().to_pyarray(py))?;
        d.set_item("intercept_hidden", state.intercept_hidden().to_pyarray(py))?;
        d.set_item("intercept_visible", state.intercept_visible().to_pyarray(py))?;
        d.set_item("h_samples", state.h_samples().to_pyarray(py))?;
        d.set_item("n_features_in", state.n_features_in())?;
        d.set_item("dtype", F::DTYPE)?;
        d.set_item("random_state_", common::rng_out(py, model.random_stream().cloned())?)?;
        Ok(d)
    }

    /// `rng` (scikit-learn's `random_state_`, when created) is saved as the model's stream, so
    /// that other readers resume it.
    fn to_bytes<F: ModelFloat>(model: &BernoulliRbm<F>, extra: &Value, rng: Option<RngArg<'_>>) -> PyResult<Vec<u8>> {
        let mut model = model.clone();
        model.set_random_stream(common::rng_from(rng)?);
        model.to_bytes_with_extra(extra).map_err(to_py)
    }

    fn from_bytes<F: ModelFloat>(data: &[u8], _: &ModelInfo) -> PyResult<(BernoulliRbm<F>, (), Value)> {
        family::stored(data)
    }
}

estimator_class! {
    /// A restricted Boltzmann machine (the numerics of `neurona.BernoulliRBM`).
    class Rbm("Rbm") of RbmFamily;
    file(rng);
    methods {
        /// Trains from scratch on X, with the GIL released; `on_epoch(epoch, pseudo_likelihood)`
        /// is called (with the GIL) after every epoch when given. Returns the random stream's
        /// new state when `rng` was given. Ctrl-C stops the fit between two minibatches and
        /// raises `KeyboardInterrupt`, as scikit-learn's fit does.
        #[pyo3(signature = (x, rng=None, on_epoch=None))]
        fn fit<'py>(
            &mut self,
            py: Python<'py>,
            x: &Bound<'py, PyAny>,
            rng: Option<RngArg<'py>>,
            on_epoch: Option<Py<PyAny>>,
        ) -> PyResult<Option<Bound<'py, PyAny>>> {
            let mut rng = common::rng_from(rng)?;
            let called = on_epoch.is_some();
            let progress = |p: &RbmEpochProgress| (p.epoch, p.pseudo_likelihood);
            dispatch!(&mut self.model, m, F => {
                let x = common::features::<F>(x)?;
                let x = x.as_array();
                common::train(py, None, on_epoch.as_ref(), progress, false, |callback| {
                    let on_epoch: Option<&mut RbmEpochCallback<'_>> = if called { Some(callback) } else { None };
                    m.fit_with(x, RbmFitOptions { random_state: rng.as_mut(), on_epoch })
                })?;
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
            let mut stream = common::stream(rng)?;
            dispatch!(&mut self.model, m, F => {
                let x = common::features::<F>(x)?;
                let x = x.as_array();
                common::run(py, None, || m.partial_fit_with_rng(x, &mut stream))?;
            });
            common::rng_out(py, Some(stream))
        }

        /// Replaces `components_` and the two intercepts (the model's dtype, same shapes): the
        /// Python layer's arrays, which a user may have assigned or edited in place.
        fn set_weights(
            &mut self,
            components: &Bound<'_, PyAny>,
            intercept_hidden: &Bound<'_, PyAny>,
            intercept_visible: &Bound<'_, PyAny>,
        ) -> PyResult<()> {
            dispatch!(&mut self.model, m, F => {
                let components = common::matrix::<F>("components", components)?;
                let hidden = common::vector::<F>("intercept_hidden", intercept_hidden)?;
                let visible = common::vector::<F>("intercept_visible", intercept_visible)?;
                m.set_weights(components.as_array(), hidden.as_array(), visible.as_array()).map_err(to_py)
            })
        }

        /// The hidden units' probabilities `(n_samples, n_components)` in the model's dtype.
        fn transform<'py>(&self, py: Python<'py>, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
            dispatch!(&self.model, m, F => common::compute::<F, _>(py, x, |x| m.transform(x)))
        }

        /// One Gibbs step from `v`, drawing from `rng`: `(booleans, the stream's new state)`.
        fn gibbs<'py>(&self, py: Python<'py>, v: &Bound<'py, PyAny>, rng: RngArg<'py>) -> Drawn<'py> {
            let mut stream = common::stream(rng)?;
            let sample = dispatch!(&self.model, m, F => {
                common::compute::<F, _>(py, v, |v| m.gibbs_with_rng(v, &mut stream))?
            });
            Ok((sample, common::rng_out(py, Some(stream))?))
        }

        /// The pseudo-likelihood of each row, drawing the flipped features from `rng`:
        /// `(scores, the stream's new state)`.
        fn score_samples<'py>(&self, py: Python<'py>, x: &Bound<'py, PyAny>, rng: RngArg<'py>) -> Drawn<'py> {
            let mut stream = common::stream(rng)?;
            let scores = dispatch!(&self.model, m, F => {
                common::compute::<F, _>(py, x, |x| m.score_samples_with_rng(x, &mut stream))?
            });
            Ok((scores, common::rng_out(py, Some(stream))?))
        }
    }
}

/// A result drawn from a random stream, and the stream's new state.
type Drawn<'py> = PyResult<(Bound<'py, PyAny>, Option<Bound<'py, PyAny>>)>;
