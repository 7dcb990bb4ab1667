//! `neurona._core.Classifier`: the core's `MlpClassifier` for `neurona.MLPClassifier`.
//!
//! The Python layer keeps the class labels (`classes_`, of any type) and passes their indices
//! (`int64`, `0..n_classes`), or a boolean indicator matrix for multi-label targets.

use ndarray::{Array2, ArrayView1, ArrayView2};
use neurona::data::labels::argmax;
use neurona::persist::{self, ModelLabel};
use neurona::prelude::*;
use numpy::{Element, PyArray1, PyArray2, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::common::{self, Dtype, Labels, ModelFloat, PredictBuffers, RngArg, SMALL_BATCH};
use crate::errors::{to_py, value_error};
use crate::params;

/// The classifier in the float type of the data it was fitted on.
#[derive(Debug, Clone)]
enum Model {
    F32(MlpClassifier<f32, i64>),
    F64(MlpClassifier<f64, i64>),
}

/// A multilayer-perceptron classifier (the numerics of `neurona.MLPClassifier`).
#[pyclass(module = "neurona._core", name = "Classifier")]
#[derive(Debug)]
pub struct Classifier {
    model: Model,
    buffers: PredictBuffers,
}

impl From<Model> for Classifier {
    fn from(model: Model) -> Self {
        Self { model, buffers: PredictBuffers::default() }
    }
}

#[pymethods]
impl Classifier {
    /// An unfitted classifier with these hyperparameters, computing in `dtype`.
    #[new]
    fn new(params: &Bound<'_, PyDict>, dtype: &str) -> PyResult<Self> {
        let params = params::from_dict(params)?;
        let model = match Dtype::parse(dtype)? {
            Dtype::F32 => Model::F32(MlpClassifier::new(params)),
            Dtype::F64 => Model::F64(MlpClassifier::new(params)),
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

    fn is_multilabel(&self) -> bool {
        dispatch!(&self.model, m, F => m.is_multilabel())
    }

    /// New hyperparameters, keeping what was learned (for `warm_start` and `partial_fit`).
    fn set_params(&mut self, params: &Bound<'_, PyDict>) -> PyResult<()> {
        let params = params::from_dict(params)?;
        dispatch!(&mut self.model, m, F => m.set_params(params));
        Ok(())
    }

    /// Trains on X and class indices `y`; returns the random stream's new state when `rng`
    /// was given.
    #[pyo3(signature = (x, y, sample_weight=None, rng=None, on_epoch=None, n_jobs=None))]
    #[allow(clippy::too_many_arguments)]
    fn fit<'py>(
        &mut self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        y: PyReadonlyArray1<'py, i64>,
        sample_weight: Option<&Bound<'py, PyAny>>,
        rng: Option<RngArg<'py>>,
        on_epoch: Option<Py<PyAny>>,
        n_jobs: Option<isize>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let threads = common::threads("n_jobs", n_jobs)?;
        let mut rng = common::rng_from(rng)?;
        let y = y.as_slice().map_err(|e| value_error(format!("y: {e}")))?;
        dispatch!(&mut self.model, m, F => {
            let x = common::features::<F>(x)?;
            let sw = sample_weight.map(|w| common::vector::<F>("sample_weight", w)).transpose()?;
            let x = x.as_array();
            common::train(py, threads, sw.as_ref().map(|w| w.as_array()), &mut rng, on_epoch.as_ref(), |options| {
                m.fit_with(x, y, options).map(drop)
            })?;
        });
        common::rng_out(py, rng)
    }

    /// Trains on X and a boolean indicator matrix `y: (n_samples, n_labels)`.
    #[pyo3(signature = (x, y, sample_weight=None, rng=None, on_epoch=None, n_jobs=None))]
    #[allow(clippy::too_many_arguments)]
    fn fit_multilabel<'py>(
        &mut self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        y: PyReadonlyArray2<'py, bool>,
        sample_weight: Option<&Bound<'py, PyAny>>,
        rng: Option<RngArg<'py>>,
        on_epoch: Option<Py<PyAny>>,
        n_jobs: Option<isize>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let threads = common::threads("n_jobs", n_jobs)?;
        let mut rng = common::rng_from(rng)?;
        let y = y.as_array();
        dispatch!(&mut self.model, m, F => {
            let x = common::features::<F>(x)?;
            let sw = sample_weight.map(|w| common::vector::<F>("sample_weight", w)).transpose()?;
            let x = x.as_array();
            common::train(py, threads, sw.as_ref().map(|w| w.as_array()), &mut rng, on_epoch.as_ref(), |options| {
                m.fit_multilabel_with(x, y, options).map(drop)
            })?;
        });
        common::rng_out(py, rng)
    }

    /// One epoch over X and class indices `y`; `n_classes` on the first call.
    #[pyo3(signature = (x, y, n_classes=None, sample_weight=None, rng=None, on_epoch=None, n_jobs=None))]
    #[allow(clippy::too_many_arguments)]
    fn partial_fit<'py>(
        &mut self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        y: PyReadonlyArray1<'py, i64>,
        n_classes: Option<i64>,
        sample_weight: Option<&Bound<'py, PyAny>>,
        rng: Option<RngArg<'py>>,
        on_epoch: Option<Py<PyAny>>,
        n_jobs: Option<isize>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let threads = common::threads("n_jobs", n_jobs)?;
        let mut rng = common::rng_from(rng)?;
        let y = y.as_slice().map_err(|e| value_error(format!("y: {e}")))?;
        let classes: Option<Vec<i64>> = n_classes.map(|n| (0..n).collect());
        dispatch!(&mut self.model, m, F => {
            let x = common::features::<F>(x)?;
            let sw = sample_weight.map(|w| common::vector::<F>("sample_weight", w)).transpose()?;
            let x = x.as_array();
            common::train(py, threads, sw.as_ref().map(|w| w.as_array()), &mut rng, on_epoch.as_ref(), |options| {
                m.partial_fit_with(x, y, classes.as_deref(), options).map(drop)
            })?;
        });
        common::rng_out(py, rng)
    }

    /// One epoch over X and a boolean indicator matrix.
    #[pyo3(signature = (x, y, sample_weight=None, rng=None, on_epoch=None, n_jobs=None))]
    #[allow(clippy::too_many_arguments)]
    fn partial_fit_multilabel<'py>(
        &mut self,
        py: Python<'py>,
        x: &Bound<'py, PyAny>,
        y: PyReadonlyArray2<'py, bool>,
        sample_weight: Option<&Bound<'py, PyAny>>,
        rng: Option<RngArg<'py>>,
        on_epoch: Option<Py<PyAny>>,
        n_jobs: Option<isize>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        let threads = common::threads("n_jobs", n_jobs)?;
        let mut rng = common::rng_from(rng)?;
        let y = y.as_array();
        dispatch!(&mut self.model, m, F => {
            let x = common::features::<F>(x)?;
            let sw = sample_weight.map(|w| common::vector::<F>("sample_weight", w)).transpose()?;
            let x = x.as_array();
            common::train(py, threads, sw.as_ref().map(|w| w.as_array()), &mut rng, on_epoch.as_ref(), |options| {
                m.partial_fit_multilabel_with(x, y, options).map(drop)
            })?;
        });
        common::rng_out(py, rng)
    }

    /// A classifier for `n_classes` classes that has not trained yet, holding the given weights
    /// (scikit-learn's `coefs_` and `intercepts_` assigned before `partial_fit`).
    #[staticmethod]
    fn with_weights(
        params: &Bound<'_, PyDict>,
        dtype: &str,
        n_classes: i64,
        coefs: &Bound<'_, PyAny>,
        intercepts: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        let params = params::from_dict(params)?;
        let classes: Vec<i64> = (0..n_classes).collect();
        let model = match Dtype::parse(dtype)? {
            Dtype::F32 => Model::F32(common::with_weight_views(coefs, intercepts, |c, b| {
                MlpClassifier::with_weights(params, &classes, c, b)
            })?),
            Dtype::F64 => Model::F64(common::with_weight_views(coefs, intercepts, |c, b| {
                MlpClassifier::with_weights(params, &classes, c, b)
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

    /// Predicted class indices `(n_samples,)`, with at most `n_jobs` threads (joblib's
    /// convention; None: the process-wide setting). With `screen` (the Python layer's fast
    /// path, which has not validated X), None when X holds a NaN or an infinity.
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
            |x| class_indices(m, x, &self.buffers),
            |py, result| PyArray1::from_vec(py, result).into_any(),
        ))
    }

    /// Predicted indicator matrix `(n_samples, n_labels)` of a multi-label classifier
    /// (`n_jobs` and `screen` as for [`predict`](Self::predict)).
    #[pyo3(signature = (x, n_jobs=None, screen=false))]
    fn predict_multilabel<'py>(
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
            |x| indicators(m, x, &self.buffers),
            |py, result| PyArray2::from_owned_array(py, result).into_any(),
        ))
    }

    /// Class probabilities `(n_samples, n_classes)` in the model's dtype (`n_jobs` and
    /// `screen` as for [`predict`](Self::predict)).
    #[pyo3(signature = (x, n_jobs=None, screen=false))]
    fn predict_proba<'py>(
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
            |x| probabilities(m, x, &self.buffers),
            |py, result| PyArray2::from_owned_array(py, result).into_any(),
        ))
    }

    /// The fitted attributes (copies), or `NotFittedError`.
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dispatch!(&self.model, m, F => {
            let d = common::state_dict(py, m.state().map_err(to_py)?)?;
            d.set_item("multilabel", m.is_multilabel())?;
            Ok(d)
        })
    }

    /// The model file's bytes. `labels` replaces the class indices by the real labels in the
    /// file (they must sort as the indices do), so that other readers see the real classes;
    /// `extra` is JSON text kept beside the model.
    #[pyo3(signature = (extra, labels=None))]
    fn to_bytes<'py>(&self, py: Python<'py>, extra: &str, labels: Option<Labels>) -> PyResult<Bound<'py, PyBytes>> {
        let extra = common::extra_json(extra)?;
        let bytes = dispatch!(&self.model, m, F => match labels {
            None => m.to_bytes_with_extra(&extra),
            Some(Labels::Ints(values)) => relabelled(m, values)?.to_bytes_with_extra(&extra),
            Some(Labels::Strings(values)) => relabelled(m, values)?.to_bytes_with_extra(&extra),
        })
        .map_err(to_py)?;
        Ok(PyBytes::new(py, &bytes))
    }

    /// A classifier from model-file bytes (treated as untrusted): `(classifier, labels, extra)`,
    /// where `labels` are the file's class labels in index order (`None` for multi-label).
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<(Classifier, Option<Labels>, String)> {
        let info = persist::inspect(data).map_err(to_py)?;
        let (model, labels, extra) = match (Dtype::parse(&info.dtype)?, common::string_labels(&info)) {
            (Dtype::F32, false) => indexed::<f32, i64>(data, Model::F32, Labels::Ints)?,
            (Dtype::F64, false) => indexed::<f64, i64>(data, Model::F64, Labels::Ints)?,
            (Dtype::F32, true) => indexed::<f32, String>(data, Model::F32, Labels::Strings)?,
            (Dtype::F64, true) => indexed::<f64, String>(data, Model::F64, Labels::Strings)?,
        };
        Ok((model.into(), labels, extra.to_string()))
    }
}

/// Class indices of the rows of `x`; a few rows are predicted with the kept buffers.
fn class_indices<F: ModelFloat>(
    m: &MlpClassifier<F, i64>,
    x: ArrayView2<'_, F>,
    buffers: &PredictBuffers,
) -> neurona::Result<Vec<i64>> {
    // (A single class, which a model file may hold, decodes to 0 whatever the output.)
    if x.nrows() > SMALL_BATCH || m.is_multilabel() || m.classes()?.len() < 2 {
        return m.predict(x);
    }
    common::small_batch(m.state()?, x, buffers, |outputs| outputs.rows().into_iter().map(class_index).collect())
}

/// The class index of one row of network outputs, decoded as the core's `predict` decodes it:
/// a binary classifier's one output says `1` above 0.5, otherwise the first maximum wins.
fn class_index<F: Float>(outputs: ArrayView1<'_, F>) -> i64 {
    let index = match outputs.len() {
        1 => usize::from(outputs[0] > F::from_f64(0.5)),
        _ => argmax(outputs.iter().copied()),
    };
    index as i64
}

/// The indicator matrix of a multi-label classifier (an output above 0.5 sets the label).
fn indicators<F: ModelFloat>(
    m: &MlpClassifier<F, i64>,
    x: ArrayView2<'_, F>,
    buffers: &PredictBuffers,
) -> neurona::Result<Array2<bool>> {
    if x.nrows() > SMALL_BATCH || !m.is_multilabel() {
        return m.predict_multilabel(x);
    }
    common::small_batch(m.state()?, x, buffers, |outputs| outputs.mapv(|p| p > F::from_f64(0.5)))
}

/// Class probabilities, `[1 - p, p]` for a binary classifier, as the core's `predict_proba`.
fn probabilities<F: ModelFloat>(
    m: &MlpClassifier<F, i64>,
    x: ArrayView2<'_, F>,
    buffers: &PredictBuffers,
) -> neurona::Result<Array2<F>> {
    if x.nrows() > SMALL_BATCH {
        return m.predict_proba(x);
    }
    let binary = !m.is_multilabel();
    common::small_batch(m.state()?, x, buffers, |outputs| {
        if binary && outputs.ncols() == 1 {
            Array2::from_shape_fn((outputs.nrows(), 2), |(i, j)| {
                let p = outputs[(i, 0)];
                if j == 0 { F::one() - p } else { p }
            })
        } else {
            outputs.to_owned()
        }
    })
}

/// The classifier with its class indices `0..k` replaced by `labels`.
fn relabelled<F: Float, L: ModelLabel>(m: &MlpClassifier<F, i64>, labels: Vec<L>) -> PyResult<MlpClassifier<F, L>> {
    let k = m.classes().map_err(to_py)?.len();
    if labels.len() != k || m.classes().map_err(to_py)?.iter().zip(0..).any(|(&c, i)| c != i) {
        return Err(value_error(format!(
            "labels must hold one label for each of the {k} classes, got {}",
            labels.len()
        )));
    }
    m.clone().map_labels(|&i| labels[i as usize].clone()).map_err(to_py)
}

/// Loads a classifier whose file holds labels of type `L` and turns its labels into indices.
fn indexed<F: Float + Element, L: ModelLabel>(
    data: &[u8],
    wrap: fn(MlpClassifier<F, i64>) -> Model,
    labels: fn(Vec<L>) -> Labels,
) -> PyResult<(Model, Option<Labels>, serde_json::Value)> {
    let (model, extra) = MlpClassifier::<F, L>::from_bytes_with_extra(data).map_err(to_py)?;
    let multilabel = model.is_multilabel();
    let classes = model.classes().map_err(to_py)?.to_vec();
    let model = model.map_labels(|label| classes.binary_search(label).map_or(-1, |i| i as i64)).map_err(to_py)?;
    Ok((wrap(model), (!multilabel).then(|| labels(classes)), extra))
}
