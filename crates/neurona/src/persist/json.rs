//! Reading and writing the JSON header's values: class labels, floats (non-finite ones as the
//! strings numpy prints), and the checked readers every estimator's codec uses. A value of the
//! wrong type is a [`NeuronaError::ModelFile`] that names the field and quotes what was found.

use serde_json::{Value, json};

pub use crate::data::labels::ModelLabel;
use crate::error::{NeuronaError, Result};

/// A finite float as a JSON number, a non-finite one as the string numpy prints.
pub(crate) fn float_json(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else if v.is_nan() {
        json!("nan")
    } else if v > 0.0 {
        json!("inf")
    } else {
        json!("-inf")
    }
}

/// A float written by [`float_json`].
pub(crate) fn float_from(value: &Value, field: &str) -> Result<f64> {
    match value {
        Value::Number(n) => n.as_f64().ok_or_else(|| bad(field, value)),
        Value::String(s) if s == "nan" => Ok(f64::NAN),
        Value::String(s) if s == "inf" => Ok(f64::INFINITY),
        Value::String(s) if s == "-inf" => Ok(f64::NEG_INFINITY),
        _ => Err(bad(field, value)),
    }
}

/// The error for a field whose value has the wrong type or range, quoting (the start of) it.
pub(crate) fn bad(field: &str, value: &Value) -> NeuronaError {
    let mut shown = value.to_string();
    if shown.len() > 80 {
        shown.truncate(80);
        shown.push_str("...");
    }
    NeuronaError::model_file(format!("has an invalid '{field}': {shown}"))
}

/// A non-negative integer.
pub(crate) fn uint_from(value: &Value, field: &str) -> Result<u64> {
    value.as_u64().ok_or_else(|| bad(field, value))
}

/// A size or count.
pub(crate) fn usize_from(value: &Value, field: &str) -> Result<usize> {
    usize::try_from(uint_from(value, field)?).map_err(|_| bad(field, value))
}

/// A string.
pub(crate) fn str_from<'a>(value: &'a Value, field: &str) -> Result<&'a str> {
    value.as_str().ok_or_else(|| bad(field, value))
}

/// A boolean.
pub(crate) fn bool_from(value: &Value, field: &str) -> Result<bool> {
    value.as_bool().ok_or_else(|| bad(field, value))
}

/// An array of floats written by [`float_json`].
pub(crate) fn floats_from(value: &Value, field: &str) -> Result<Vec<f64>> {
    value.as_array().ok_or_else(|| bad(field, value))?.iter().map(|v| float_from(v, field)).collect()
}

/// A setting written by name (`relu`, `adam`...), parsed by its `FromStr`: an unknown name is a
/// model-file error that quotes the parser's message.
pub(crate) fn parsed<T: std::str::FromStr<Err = NeuronaError>>(value: &Value, field: &str) -> Result<T> {
    str_from(value, field)?.parse().map_err(|e| NeuronaError::model_file(format!("has invalid hyperparameters: {e}")))
}

/// An array of strings (a report's warnings).
pub(crate) fn strings_from(value: &Value, field: &str) -> Result<Vec<String>> {
    value.as_array().ok_or_else(|| bad(field, value))?.iter().map(|v| str_from(v, field).map(str::to_owned)).collect()
}

/// Class labels of type `L`; a label of another type (text in an integer-labelled model) is an
/// error that quotes it.
pub(crate) fn labels_from<L: ModelLabel>(values: &[Value]) -> Result<Vec<L>> {
    values
        .iter()
        .map(|v| {
            L::from_json(v).ok_or_else(|| NeuronaError::model_file(format!("has a class label of another type: {v}")))
        })
        .collect()
}

/// `None` for JSON `null`, otherwise the value read by `parse`.
pub(crate) fn optional<T>(value: &Value, parse: impl FnOnce(&Value) -> Result<T>) -> Result<Option<T>> {
    if value.is_null() { Ok(None) } else { parse(value).map(Some) }
}
