//! X as a dense array or a scipy CSR matrix (`csr_matrix` or `csr_array`), for the estimators
//! that read sparse rows (the perceptron): the values cross without a copy, the column indices
//! and row offsets are copied once into the core's index types. Nothing is densified. And
//! `check_densifiable`, which the Python layer calls before it densifies a sparse X for the
//! networks.

use neurona::data::sparse::{CsrMatrix, Samples, check_densifiable as core_check};
use numpy::{Element, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;

use crate::common::{ModelFloat, features};
use crate::errors::{to_py, value_error, wrong_type};
use crate::family::Dtype;

/// X as read from Python, held while a call runs.
pub(crate) enum HeldSamples<'py, F: Element> {
    Dense(PyReadonlyArray2<'py, F>),
    Csr { shape: (usize, usize), indptr: Vec<usize>, indices: Vec<u32>, data: PyReadonlyArray1<'py, F> },
}

impl<F: ModelFloat> HeldSamples<'_, F> {
    /// The core's view of X (a CSR matrix's structure checked here).
    pub(crate) fn samples(&self) -> PyResult<Samples<'_, F>> {
        match self {
            Self::Dense(x) => Ok(Samples::Dense(x.as_array())),
            Self::Csr { shape, indptr, indices, data } => {
                let data = data.as_slice().map_err(|e| value_error(format!("X.data: {e}")))?;
                CsrMatrix::new(*shape, indptr, indices, data).map(Samples::Csr).map_err(to_py)
            }
        }
    }
}

/// X in the model's dtype: a 2-D array (no copy), or a scipy CSR matrix (its `data` in the
/// model's dtype, C-contiguous; its `indices` and `indptr` of any integer type numpy holds).
pub(crate) fn samples<'py, F: ModelFloat>(x: &Bound<'py, PyAny>) -> PyResult<HeldSamples<'py, F>> {
    let is_csr = x.getattr("format").ok().and_then(|f| f.extract::<String>().ok()).is_some_and(|f| f == "csr");
    if !is_csr {
        return features::<F>(x).map(HeldSamples::Dense);
    }
    let shape: (usize, usize) = x.getattr("shape")?.extract()?;
    let data = x.getattr("data")?;
    let data = crate::common::aligned(&data)?
        .extract::<PyReadonlyArray1<'py, F>>()
        .map_err(|_| wrong_type("X.data", &format!("a 1-D {} array (the model's dtype)", F::DTYPE), &data))?;
    let indices = index_array("X.indices", &x.getattr("indices")?)?;
    let indices = indices
        .into_iter()
        .map(|j| u32::try_from(j).map_err(|_| value_error(format!("X.indices must be column numbers, got {j}"))))
        .collect::<PyResult<Vec<u32>>>()?;
    let indptr = index_array("X.indptr", &x.getattr("indptr")?)?
        .into_iter()
        .map(|p| usize::try_from(p).map_err(|_| value_error(format!("X.indptr must not be negative, got {p}"))))
        .collect::<PyResult<Vec<usize>>>()?;
    Ok(HeldSamples::Csr { shape, indptr, indices, data })
}

/// A 1-D array of int32 (scipy's usual index type) or int64, as i64 values.
fn index_array(input: &str, values: &Bound<'_, PyAny>) -> PyResult<Vec<i64>> {
    if let Ok(small) = values.extract::<PyReadonlyArray1<'_, i32>>() {
        return Ok(small.as_array().iter().map(|&v| i64::from(v)).collect());
    }
    let large = values
        .extract::<PyReadonlyArray1<'_, i64>>()
        .map_err(|_| wrong_type(input, "a 1-D int32 or int64 array", values))?;
    Ok(large.as_array().to_vec())
}

/// Runs `body` on X, dense or sparse, as the core reads it (see [`samples`]).
pub(crate) fn with_samples<F: ModelFloat, R>(
    x: &Bound<'_, PyAny>,
    body: impl FnOnce(Samples<'_, F>) -> PyResult<R>,
) -> PyResult<R> {
    body(samples::<F>(x)?.samples()?)
}

/// Raises `MemoryError` when the dense form of a sparse matrix of `shape`, in `dtype`
/// (`'float32'` or `'float64'`), could not be allocated: the check the Python layer runs before
/// it densifies X for an estimator that trains on dense arrays.
#[pyfunction]
pub(crate) fn check_densifiable(shape: (usize, usize), dtype: &str) -> PyResult<()> {
    let size = match Dtype::parse(dtype)? {
        Dtype::F32 => size_of::<f32>(),
        Dtype::F64 => size_of::<f64>(),
    };
    core_check(shape, size).map_err(to_py)
}
