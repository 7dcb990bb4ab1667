//! `neurona._core.Perceptron`: the core's `Perceptron` for `neurona.Perceptron`.
//!
//! As for the MLP classifier, the Python layer keeps the class labels (`classes_`, of any type)
//! and passes their indices (`int64`, `0..n_classes`); it also turns `class_weight` (a dict or
//! `'balanced'`) into one weight per class index with scikit-learn's own `compute_class_weight`,
//! so the core sees `ClassWeight::PerClass` or nothing. In the model file, as for the classifier,
//! integer and string labels replace the indices (`to_bytes` takes them, `from_bytes` gives them
//! back), so that the `neurona` command and the Rust crate see the real classes.

use neurona::persist::ModelLabel;
use neurona::prelude::*;
use numpy::{Element, PyArray1, PyReadonlyArray1, ToPyArray};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::common::{self, Dtype, Labels, RngArg};
use crate::errors::{to_py, value_error};

/// The perceptron in the float type of the data it was fitted on.
#[derive(Debug, Clone)]
enum Model {
    F32(neurona::prelude::Perceptron<f32, i64>),
    F64(neurona::prelude::Perceptron<f64, i64>),
}

/// The checked hyperparameters in `dict`: scikit-learn's `get_params()` as plain values, with
/// `penalty` as `'none'` for `None` and `class_weight` as `None` or one weight per class index.
fn params_from_dict(dict: &Bound<'_, PyDict>) -> PyResult<PerceptronValidParams<i64>> {
    // class_weight comes as one weight per class index (or None): the core's JSON pairs them.
    let dict = dict.copy()?;
    if let Some(weights) = dict.get_item("class_weight")?.filter(|w| !w.is_none()) {
        let weights: Vec<f64> = weights.extract()?;
        let pairs: Vec<(usize, f64)> = weights.into_iter().enumerate().collect();
        dict.set_item("class_weight", pairs)?;
    }
    crate::params::hyperparams::<PerceptronParams<i64>>(&dict)?.check().map_err(to_py)
}

/// Rosenblatt's perceptron (the numerics of `neurona.Perceptron`).
#[pyclass(module = "neurona._core", name = "Perceptron")]
#[derive(Debug)]
pub struct Perceptron {
    model: Model,
}

#[pymethods]
impl Perceptron {
    /// An unfitted perceptron with these hyperparameters, computing in `dtype`.
    #[new]
    fn new(params: &Bound<'_, PyDict>, dtype: &str) -> PyResult<Self> {
        let params = params_from_dict(params)?;
        let model = match Dtype::parse(dtype)? {
            Dtype::F32 => Model::F32(neurona::prelude::Perceptron::new(params)),
            Dtype::F64 => Model::F64(neurona::prelude::Perceptron::new(params)),
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

    /// New hyperparameters, keeping what was learned (for `warm_start` and `partial_fit`).
    fn set_params(&mut self, params: &Bound<'_, PyDict>) -> PyResult<()> {
        let params = params_from_dict(params)?;
        dispatch!(&mut self.model, m, F => m.set_params(params));
        Ok(())
    }

    /// Trains on X and class indices `y`; returns the random stream's new state when `rng`
    /// was given.
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
            let x = common::features::<F>(x)?;
            let sw = sample_weight.map(|w| common::vector::<F>("sample_weight", w)).transpose()?;
            let coef = coef_init.map(|c| common::matrix::<F>("coef_init", c)).transpose()?;
            let intercept = intercept_init.map(|b| common::vector::<F>("intercept_init", b)).transpose()?;
            let options = PerceptronFitOptions {
                sample_weight: sw.as_ref().map(|w| w.as_array()),
                coef_init: coef.as_ref().map(|c| c.as_array()),
                intercept_init: intercept.as_ref().map(|b| b.as_array()),
                random_state: rng.as_mut(),
            };
            let x = x.as_array();
            py.detach(|| m.fit_with(x, y, options).map(drop)).map_err(to_py)?;
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
            let x = common::features::<F>(x)?;
            let sw = sample_weight.map(|w| common::vector::<F>("sample_weight", w)).transpose()?;
            let options = PerceptronFitOptions {
                sample_weight: sw.as_ref().map(|w| w.as_array()),
                random_state: rng.as_mut(),
                ..PerceptronFitOptions::default()
            };
            let x = x.as_array();
            py.detach(|| m.partial_fit_with(x, y, classes.as_deref(), options).map(drop)).map_err(to_py)?;
        });
        common::rng_out(py, rng)
    }

    /// The scores `(n_samples, 1 or n_classes)` in the model's dtype.
    fn decision_function<'py>(&self, py: Python<'py>, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        dispatch!(&self.model, m, F => {
            let x = common::features::<F>(x)?;
            let x = x.as_array();
            let scores = py.detach(|| m.decision_function(x)).map_err(to_py)?;
            Ok(numpy::PyArray2::from_owned_array(py, scores).into_any())
        })
    }

    /// Predicted class indices `(n_samples,)`.
    fn predict<'py>(&self, py: Python<'py>, x: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        dispatch!(&self.model, m, F => {
            let x = common::features::<F>(x)?;
            let x = x.as_array();
            let labels = py.detach(|| m.predict(x)).map_err(to_py)?;
            Ok(PyArray1::from_vec(py, labels).into_any())
        })
    }

    /// The fitted attributes (copies), or `NotFittedError`.
    fn state<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        dispatch!(&self.model, m, F => state_dict::<F>(py, m.state().map_err(to_py)?))
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

    /// A perceptron from model-file bytes (treated as untrusted): `(perceptron, labels, extra)`,
    /// where `labels` are the file's class labels in index order.
    #[staticmethod]
    fn from_bytes(data: &[u8]) -> PyResult<(Perceptron, Labels, String)> {
        let info = neurona::persist::inspect(data).map_err(to_py)?;
        let (model, labels, extra) = match (Dtype::parse(&info.dtype)?, common::string_labels(&info)) {
            (Dtype::F32, false) => indexed::<f32, i64>(data, Model::F32, Labels::Ints)?,
            (Dtype::F64, false) => indexed::<f64, i64>(data, Model::F64, Labels::Ints)?,
            (Dtype::F32, true) => indexed::<f32, String>(data, Model::F32, Labels::Strings)?,
            (Dtype::F64, true) => indexed::<f64, String>(data, Model::F64, Labels::Strings)?,
        };
        Ok((Perceptron { model }, labels, extra.to_string()))
    }
}

/// The perceptron with its class indices `0..k` replaced by `labels`.
fn relabelled<F: Float, L: ModelLabel>(
    m: &neurona::prelude::Perceptron<F, i64>,
    labels: Vec<L>,
) -> PyResult<neurona::prelude::Perceptron<F, L>> {
    let classes = m.classes().map_err(to_py)?;
    let k = classes.len();
    if labels.len() != k || classes.iter().zip(0..).any(|(&c, i)| c != i) {
        return Err(value_error(format!(
            "labels must hold one label for each of the {k} classes, got {}",
            labels.len()
        )));
    }
    // Per-class weights are keyed by index too (the Python layer passes one per class).
    let label = |&i: &i64| usize::try_from(i).ok().and_then(|i| labels.get(i)).cloned();
    if let ClassWeight::PerClass(weights) = m.params().get_class_weight()
        && let Some((i, _)) = weights.iter().find(|(i, _)| label(i).is_none())
    {
        return Err(value_error(format!("class_weight names class index {i}, but there are {k} classes")));
    }
    m.clone().map_labels(|i| label(i).expect("checked above")).map_err(to_py)
}

/// Loads a perceptron whose file holds labels of type `L` and turns its labels into indices
/// (the per-class weights of labels that are not classes, which scikit-learn allows when every
/// class has one, get distinct negative indices, which no sample has).
fn indexed<F: Float + Element, L: ModelLabel>(
    data: &[u8],
    wrap: fn(neurona::prelude::Perceptron<F, i64>) -> Model,
    labels: fn(Vec<L>) -> Labels,
) -> PyResult<(Model, Labels, serde_json::Value)> {
    let (model, extra) = neurona::prelude::Perceptron::<F, L>::from_bytes_with_extra(data).map_err(to_py)?;
    let classes = model.classes().map_err(to_py)?.to_vec();
    let mut unknown = 0;
    let index = |label: &L| match classes.binary_search(label) {
        Ok(i) => i as i64,
        Err(_) => {
            unknown -= 1;
            unknown
        }
    };
    let model = model.map_labels(index).map_err(to_py)?;
    Ok((wrap(model), labels(classes), extra))
}

fn state_dict<'py, F: Float + Element>(
    py: Python<'py>,
    state: &PerceptronState<F, i64>,
) -> PyResult<Bound<'py, PyDict>> {
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
