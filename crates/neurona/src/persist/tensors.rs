//! The tensors of a model file: written from `F` slices and 32-bit words, read back after
//! checking name, type, shape and finiteness against what the estimator needs.

use safetensors::SafeTensors;
use safetensors::tensor::{Dtype, TensorView};

use crate::error::{NeuronaError, Result};
use crate::float::Float;

/// The safetensors type of `F`.
fn dtype_of<F: Float>() -> Dtype {
    if F::DTYPE == "float32" { Dtype::F32 } else { Dtype::F64 }
}

/// The tensors of a model file on their way out, each with its own type and shape.
#[derive(Debug, Default)]
pub(crate) struct TensorSet {
    pub(super) entries: Vec<(String, Dtype, Vec<usize>, Vec<u8>)>,
}

impl TensorSet {
    /// Adds `values` in `F` (little-endian), with this shape.
    pub(crate) fn floats<F: Float>(&mut self, name: &str, shape: &[usize], values: &[F]) {
        let mut bytes = Vec::with_capacity(std::mem::size_of_val(values));
        for &v in values {
            match F::DTYPE {
                "float32" => bytes.extend_from_slice(&(v.as_f64() as f32).to_le_bytes()),
                _ => bytes.extend_from_slice(&v.as_f64().to_le_bytes()),
            }
        }
        self.entries.push((name.to_owned(), dtype_of::<F>(), shape.to_vec(), bytes));
    }

    /// Adds an array in `F`, with its shape, written in row-major order whatever its layout.
    pub(crate) fn array<F: Float, D: ndarray::Dimension>(&mut self, name: &str, values: ndarray::ArrayView<'_, F, D>) {
        let row_major: Vec<F> = values.iter().copied().collect();
        self.floats(name, values.shape(), &row_major);
    }

    /// Adds 32-bit words (a random generator's key), as a 1-D tensor.
    pub(crate) fn words(&mut self, name: &str, values: &[u32]) {
        let bytes = values.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.entries.push((name.to_owned(), Dtype::U32, vec![values.len()], bytes));
    }

    /// Views of the tensors, for safetensors to serialize.
    pub(super) fn views(&self) -> Result<Vec<(String, TensorView<'_>)>> {
        self.entries
            .iter()
            .map(|(name, dtype, shape, bytes)| {
                TensorView::new(*dtype, shape.clone(), bytes)
                    .map(|view| (name.clone(), view))
                    .map_err(|e| NeuronaError::model_file(format!("could not be written: {e}")))
            })
            .collect()
    }
}

/// The tensor `name` after checking that it exists and has type `F`.
fn tensor_of<'a, F: Float>(tensors: &'a SafeTensors<'_>, name: &str) -> Result<TensorView<'a>> {
    let view = tensors.tensor(name).map_err(|_| NeuronaError::model_file(format!("is missing the tensor '{name}'")))?;
    if view.dtype() != dtype_of::<F>() {
        return Err(NeuronaError::model_file(format!(
            "has tensor '{name}' of type {:?}, but it must be {}",
            view.dtype(),
            F::DTYPE
        )));
    }
    Ok(view)
}

/// The shape of the tensor `name` of type `F`, to size a model from before reading it.
pub(crate) fn tensor_shape<F: Float>(tensors: &SafeTensors<'_>, name: &str) -> Result<Vec<usize>> {
    Ok(tensor_of::<F>(tensors, name)?.shape().to_vec())
}

/// The values of the tensor `name`, which must have type `F`, this shape and finite values.
/// Nothing is allocated beyond the bytes the file holds: safetensors checked that the data
/// match the declared shape, and the shape must equal the one the model needs.
pub(crate) fn read_tensor<F: Float>(tensors: &SafeTensors<'_>, name: &str, shape: &[usize]) -> Result<Vec<F>> {
    let view = tensor_of::<F>(tensors, name)?;
    if view.shape() != shape {
        return Err(NeuronaError::model_file(format!(
            "has tensor '{name}' of shape {:?}, but the model needs {shape:?}",
            view.shape()
        )));
    }
    let values: Vec<F> = match F::DTYPE {
        "float32" => view
            .data()
            .chunks_exact(4)
            .map(|c| F::from_f64(f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))))
            .collect(),
        _ => view
            .data()
            .chunks_exact(8)
            .map(|c| F::from_f64(f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])))
            .collect(),
    };
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(NeuronaError::model_file(format!("has a non-finite value in tensor '{name}' at index {i}")));
    }
    Ok(values)
}

/// The 32-bit words of the 1-D tensor `name`, which must hold `len` of them.
pub(crate) fn read_words(tensors: &SafeTensors<'_>, name: &str, len: usize) -> Result<Vec<u32>> {
    let view = tensors.tensor(name).map_err(|_| NeuronaError::model_file(format!("is missing the tensor '{name}'")))?;
    if view.dtype() != Dtype::U32 || view.shape() != [len] {
        return Err(NeuronaError::model_file(format!(
            "has tensor '{name}' of type {:?} and shape {:?}, but the model needs U32 and [{len}]",
            view.dtype(),
            view.shape()
        )));
    }
    Ok(view.data().chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
}
