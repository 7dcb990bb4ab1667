//! Hyperparameters from the Python layer's dict into the core's parameters, by the core's spec
//! table: each key is a hyperparameter's name, each value goes through the core's JSON
//! conversion ([`Hyperparams::set_json`]), so that no parameter is named again here.
//!
//! The Python classes validate every parameter with scikit-learn's own constraints first (so
//! errors are scikit-learn's `InvalidParameterError`), then pass plain values: `None`, booleans,
//! numbers, strings (the names the core parses: `"auto"` or `"32"` for `batch_size`, `"inf"` or
//! `"10"` for `n_iter_no_change`) and lists. The core's `check()` still applies every rule.

use neurona::params::{Hyperparams, ParamValue};
use neurona::prelude::*;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};
use serde_json::Value;

use crate::errors::{to_py, wrong_type};

/// The hyperparameters of `P` that `dict` names (unchecked); the others keep their defaults.
pub(crate) fn hyperparams<P: Hyperparams>(dict: &Bound<'_, PyDict>) -> PyResult<P> {
    let mut params = P::default();
    for (key, value) in dict.iter() {
        let name: String = key.extract()?;
        params.set_json(&name, &plain(&name, &value)?).map_err(to_py)?;
    }
    Ok(params)
}

/// The checked MLP hyperparameters in `dict` (every key of scikit-learn's `get_params()`, `loss`
/// included for the classifier, which ignores it).
pub(crate) fn from_dict(dict: &Bound<'_, PyDict>) -> PyResult<MlpValidParams> {
    hyperparams::<MlpParams>(dict)?.check().map_err(to_py)
}

/// A plain Python value as JSON.
fn plain(name: &str, value: &Bound<'_, PyAny>) -> PyResult<Value> {
    // bool before int: Python's bool is an int.
    if value.is_none() {
        Ok(Value::Null)
    } else if value.is_instance_of::<PyBool>() {
        Ok(Value::Bool(value.extract()?))
    } else if value.is_instance_of::<PyInt>() {
        match value.extract::<i64>() {
            Ok(v) => Ok(Value::from(v)),
            Err(_) => Ok(Value::from(value.extract::<u64>()?)),
        }
    } else if value.is_instance_of::<PyFloat>() {
        Ok(value.extract::<f64>()?.to_json())
    } else if value.is_instance_of::<PyString>() {
        Ok(Value::String(value.extract()?))
    } else if value.is_instance_of::<PyList>() || value.is_instance_of::<PyTuple>() {
        value.try_iter()?.map(|item| plain(name, &item?)).collect::<PyResult<Vec<_>>>().map(Value::Array)
    } else if let Ok(v) = value.extract::<i64>() {
        // numpy's integers and other objects with `__index__`.
        Ok(Value::from(v))
    } else if let Ok(v) = value.extract::<f64>() {
        Ok(v.to_json())
    } else {
        Err(wrong_type(name, "None, a bool, a number, a string or a list", value))
    }
}

/// One hyperparameter for Python: `(name, default, kind, choices, doc)`.
type SpecTuple = (&'static str, String, &'static str, Vec<&'static str>, &'static str);

/// The spec table of an estimator kind (`MLPClassifier`, ...): one [`SpecTuple`] per
/// hyperparameter, as the core declares them.
#[pyfunction]
pub(crate) fn specs(kind: &str) -> PyResult<Vec<SpecTuple>> {
    let specs = kind.parse::<EstimatorKind>().map_err(to_py)?.specs();
    Ok(specs.into_iter().map(|s| (s.name, s.default, s.kind, s.choices, s.doc)).collect())
}
