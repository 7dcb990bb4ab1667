//! Weights saved by PyTorch: a `.safetensors` file as `safetensors.torch.save_file(
//! module.state_dict(), path)` writes it, read into named float tensors, so that a recurrent
//! estimator can start from weights trained there (and, the other way, a neurona model file's
//! recurrent tensors load into `nn.LSTM` / `nn.GRU` / `nn.RNN`: they carry PyTorch's names).

use safetensors::{Dtype, SafeTensors};

use crate::error::{NeuronaError, Result};
use crate::float::Float;

/// A named tensor: its name, its shape and its values, row-major.
pub type StateTensor<F> = (String, Vec<usize>, Vec<F>);

/// The tensors of a safetensors file (float32 or float64, converted to `F`), in the file's order
/// of names. The file is untrusted input: its structure is checked by the safetensors crate, and
/// a tensor of another type or holding NaN or infinity is refused, naming it.
pub fn read_state_dict<F: Float>(bytes: &[u8]) -> Result<Vec<StateTensor<F>>> {
    let file = SafeTensors::deserialize(bytes)
        .map_err(|e| NeuronaError::input("weights", format!("are not a readable safetensors file: {e}")))?;
    let mut names = file.names();
    names.sort();
    names
        .into_iter()
        .map(|name| {
            let view = file.tensor(name).map_err(|e| NeuronaError::input("weights", format!("'{name}': {e}")))?;
            let values: Vec<F> = match view.dtype() {
                Dtype::F32 => (view.data().chunks_exact(4))
                    .map(|c| F::from_f64(f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))))
                    .collect(),
                Dtype::F64 => (view.data().chunks_exact(8))
                    .map(|c| F::from_f64(f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])))
                    .collect(),
                other => {
                    return Err(NeuronaError::input(
                        "weights",
                        format!("have tensor '{name}' of type {other:?}; float32 or float64 is needed"),
                    ));
                }
            };
            if values.iter().any(|v| !v.is_finite()) {
                return Err(NeuronaError::input("weights", format!("have a non-finite value in '{name}'")));
            }
            Ok((name.to_owned(), view.shape().to_vec(), values))
        })
        .collect()
}
