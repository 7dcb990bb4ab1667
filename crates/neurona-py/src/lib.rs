//! `neurona._core`: the private extension module under the Python package `neurona`.
//!
//! A thin layer over the core crate. The pure-Python classes `neurona.MLPClassifier` and
//! `neurona.MLPRegressor` do what scikit-learn's conventions need (parameter and input
//! validation, labels of any type, warnings, pickling) and call the two classes here for the
//! numerics:
//!
//! * [`classifier::Classifier`] and [`regressor::Regressor`] wrap the core's estimators in f32
//!   or f64, chosen by the dtype of the data of the first fit; so do [`perceptron::Perceptron`]
//!   and [`rbm::Rbm`] for `neurona.Perceptron` and `neurona.BernoulliRBM`, and
//!   [`rnn::RnnClassifierCore`] and [`rnn::RnnRegressorCore`] for `neurona.RNNClassifier` and
//!   `neurona.RNNRegressor` (X as sequences: a 3-D array or a list of 2-D arrays). Each is one
//!   [`family::Family`] declared as a class by one macro (see [`family`]); a new family is a
//!   new file, a line in `family`'s `estimators!`, and its `mod` and `add_class` lines below.
//! * numpy arrays cross as read-only views, without a copy (any strides); results come back as
//!   new numpy arrays.
//! * The GIL is released while training and predicting; during training it is taken back once
//!   per epoch for the verbose printer and Ctrl-C. Every MLP and recurrent call that computes
//!   takes `n_jobs`,
//!   the most threads its products may use (`neurona::linalg::with_max_threads`); predictions
//!   called with `screen=True` serve the Python layer's fast path for plain float arrays, and
//!   a few rows are predicted with buffers the model keeps.
//! * Core errors become Python exceptions in one place, [`errors`]. Nothing here panics on
//!   input: the core returns errors for bad data, and the binding checks what it indexes.
//! * Model files are the core's (`neurona::persist`), the same bytes the CLI reads and writes.

/// Runs `$body` with `$m` bound to the model of a [`family::Model`] and `$F` to its float type.
/// (Defined before the modules, so that each of them sees it.)
macro_rules! dispatch {
    ($model:expr, $m:ident, $F:ident => $body:expr) => {
        match $model {
            $crate::family::Model::F32($m) => {
                #[allow(dead_code)]
                type $F = f32;
                $body
            }
            $crate::family::Model::F64($m) => {
                #[allow(dead_code)]
                type $F = f64;
                $body
            }
        }
    };
}

/// A [`family::Model`] in the float type named `$dtype` (`'float32'` or `'float64'`, else a
/// `ValueError` returned by `?`): `$body`, the estimator, built with `$F` that type.
macro_rules! model_in {
    ($dtype:expr, $F:ident => $body:expr) => {
        match $crate::family::Dtype::parse($dtype)? {
            $crate::family::Dtype::F32 => {
                #[allow(dead_code)]
                type $F = f32;
                $crate::family::Model::F32($body)
            }
            $crate::family::Dtype::F64 => {
                #[allow(dead_code)]
                type $F = f64;
                $crate::family::Model::F64($body)
            }
        }
    };
}

// The modules that define macros come first (macros are seen after their definition).
#[macro_use]
mod family;
#[macro_use]
mod labels;
mod classifier;
mod common;
mod errors;
mod params;
mod perceptron;
mod rbm;
mod regressor;
mod rnn;
mod sequences;
mod sparse;
mod summed;

use pyo3::prelude::*;

/// A model file's header: `(estimator, dtype, header_json)` (the file is checked first).
#[pyfunction]
fn inspect(data: &[u8]) -> PyResult<(String, String, String)> {
    let info = neurona::persist::inspect(data).map_err(errors::to_py)?;
    Ok((info.estimator, info.dtype, info.header.to_string()))
}

/// Sets the most threads one matrix product may use in this process, for every model:
/// `None` (the default) means every core (fewer where `OMP_NUM_THREADS` says so), `n >= 1` at most `n`, `-1` every core, `-2` all but
/// one (joblib's convention); 0 is a `ValueError`. An estimator's `n_jobs` overrides it for its
/// own calls. Results are the same whatever the setting.
#[pyfunction]
fn set_num_threads(n: Option<isize>) -> PyResult<()> {
    neurona::linalg::set_max_threads(common::threads("n", n)?).map_err(errors::to_py)
}

/// The most threads one matrix product started from this thread may use now: the setting of
/// `set_num_threads`, never more than the cores available to the process.
#[pyfunction]
fn get_num_threads() -> usize {
    neurona::linalg::max_threads()
}

/// The thread cap as threadpoolctl reads it (`python/neurona/_threadpool.py`): it finds a
/// library's thread controls by C symbols in the loaded shared object, as it finds OpenBLAS's.
/// The process-wide cap of `get_num_threads`.
#[unsafe(no_mangle)]
pub extern "C" fn neurona_get_num_threads() -> std::ffi::c_int {
    std::ffi::c_int::try_from(neurona::linalg::max_threads()).unwrap_or(std::ffi::c_int::MAX)
}

/// threadpoolctl's limit: `n >= 1` caps the process-wide threads as `set_num_threads(n)` does;
/// anything else (threadpoolctl never passes it) restores the default.
#[unsafe(no_mangle)]
pub extern "C" fn neurona_set_num_threads(n: std::ffi::c_int) {
    let threads = usize::try_from(n).ok().filter(|&n| n > 0);
    // `Some(0)` is the only refused value, filtered out above.
    let _ = neurona::linalg::set_max_threads(threads);
}

/// Writes model-file bytes to `path` atomically (a temporary file renamed into place), as the
/// core and the CLI write them.
#[pyfunction]
fn write_file(py: Python<'_>, path: std::path::PathBuf, data: &[u8]) -> PyResult<()> {
    py.detach(|| neurona::persist::write_atomically(&path, data)).map_err(errors::to_py)
}

/// The ONNX model (serialized `ModelProto` bytes) of the estimator a model file holds
/// (`neurona::export`).
#[pyfunction]
fn onnx_from_model_file<'py>(py: Python<'py>, data: &[u8]) -> PyResult<Bound<'py, pyo3::types::PyBytes>> {
    let onnx = py.detach(|| neurona::export::onnx_from_model_file(data)).map_err(errors::to_py)?;
    Ok(pyo3::types::PyBytes::new(py, &onnx))
}

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("FORMAT_VERSION", neurona::persist::FORMAT_VERSION)?;
    m.add_class::<classifier::Classifier>()?;
    m.add_class::<regressor::Regressor>()?;
    m.add_class::<perceptron::Perceptron>()?;
    m.add_class::<rbm::Rbm>()?;
    m.add_class::<rnn::RnnClassifierCore>()?;
    m.add_class::<rnn::RnnRegressorCore>()?;
    m.add_function(wrap_pyfunction!(inspect, m)?)?;
    m.add_function(wrap_pyfunction!(write_file, m)?)?;
    m.add_function(wrap_pyfunction!(onnx_from_model_file, m)?)?;
    m.add_function(wrap_pyfunction!(sparse::check_densifiable, m)?)?;
    m.add_function(wrap_pyfunction!(set_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(get_num_threads, m)?)?;
    m.add_function(wrap_pyfunction!(params::specs, m)?)?;
    m.add_function(wrap_pyfunction!(summed::chunk_sums, m)?)?;
    Ok(())
}
