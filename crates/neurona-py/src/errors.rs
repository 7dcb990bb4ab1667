//! The one place where the core's errors become Python exceptions.
//!
//! Every error kind maps to the exception scikit-learn raises for the same mistake, so that
//! `except ValueError` (or `NotFittedError`) code written for scikit-learn keeps working. The
//! message is the core's, which names the input or parameter, the rule and the value found.

use neurona::NeuronaError;
use pyo3::exceptions::{PyKeyboardInterrupt, PyMemoryError, PyOSError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::PyType;

/// The Python exception for a core error.
pub(crate) fn to_py(error: NeuronaError) -> PyErr {
    let message = error.to_string();
    match error {
        NeuronaError::NotFitted { .. } => not_fitted(message),
        NeuronaError::Io { .. } => PyOSError::new_err(message),
        NeuronaError::InvalidParameter { .. }
        | NeuronaError::InvalidInput { .. }
        | NeuronaError::InconsistentSamples { .. }
        | NeuronaError::FeatureMismatch { .. }
        | NeuronaError::ModelFile { .. }
        | NeuronaError::NonFiniteWeights => PyValueError::new_err(message),
        NeuronaError::OutOfMemory { .. } => PyMemoryError::new_err(message),
        // Raised in Python only by a call under an interruption check, which raises the
        // signal handler's own exception first; this is the fallback.
        NeuronaError::Interrupted => PyKeyboardInterrupt::new_err(message),
        // A kind added to the core later: a bad value is the likeliest cause.
        _ => PyValueError::new_err(message),
    }
}

/// scikit-learn's `NotFittedError` (a `ValueError` and an `AttributeError`), or a plain
/// `ValueError` should scikit-learn not be importable.
fn not_fitted(message: String) -> PyErr {
    Python::attach(|py| {
        let class = py
            .import("sklearn.exceptions")
            .and_then(|module| module.getattr("NotFittedError"))
            .and_then(|class| class.cast_into::<PyType>().map_err(PyErr::from));
        match class {
            Ok(class) => PyErr::from_type(class, message),
            Err(_) => PyValueError::new_err(message),
        }
    })
}

/// A `TypeError` for an argument of the wrong type, e.g. float32 data given to a float64 model.
pub(crate) fn wrong_type(input: &str, expected: &str, found: &Bound<'_, PyAny>) -> PyErr {
    let found = match found.getattr("dtype") {
        Ok(dtype) => format!("an array of dtype {dtype}"),
        Err(_) => found.get_type().name().map_or_else(|_| "?".into(), |n| format!("a {n}")),
    };
    PyTypeError::new_err(format!("{input} must be {expected}, got {found}"))
}

/// A `ValueError` raised by the binding itself (arguments that only the Python layer passes).
pub(crate) fn value_error(message: impl Into<String>) -> PyErr {
    PyValueError::new_err(message.into())
}
