//! Recurrent layers with PyTorch's maths and parameter layout: Elman's cell (tanh or relu),
//! the LSTM and the GRU, stacked and bidirectional, over batches of sequences of unequal
//! lengths handled exactly as PyTorch's packed sequences (a sequence's state stops at its own
//! last step; padding enters no output, state or gradient).
//!
//! [`forward`] and [`backward`] are the pair: the forward pass keeps in a
//! [`RecurrentWorkspace`] what back-propagation through time needs. The parameters are one
//! flat buffer holding PyTorch's tensors in `named_parameters()` order
//! ([`RecurrentShape::tensors`]), so that weights travel to and from `nn.RNN`, `nn.LSTM` and
//! `nn.GRU` unchanged.
//!
//! ```
//! use neurona::network::recurrent::{self, Cell, Nonlinearity, RecurrentShape, RecurrentWorkspace, Sequences};
//! use neurona::rng::RandomState;
//!
//! let shape = RecurrentShape {
//!     cell: Cell::Lstm, nonlinearity: Nonlinearity::Tanh,
//!     input_size: 2, hidden_size: 3, num_layers: 1, bidirectional: false,
//! };
//! let params: Vec<f64> = shape.init(&mut RandomState::new(0));
//! // Two sequences padded to 3 steps; the second has 2.
//! let values = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, -0.1, -0.2, -0.3, -0.4, 9.0, 9.0];
//! let seqs = Sequences { values: &values, lengths: &[3, 2], t_max: 3 };
//! let mut ws = RecurrentWorkspace::new(&shape, 2, 3);
//! recurrent::forward(&shape, &params, seqs, None, &mut ws)?;
//! // The second sequence's final state is its output at step 1; its step 2 is zero.
//! assert_eq!(&ws.final_hidden()[3..6], &ws.outputs()[9 + 3..9 + 6]);
//! assert!(ws.outputs()[9 + 6..].iter().all(|&v| v == 0.0));
//! # Ok::<(), neurona::NeuronaError>(())
//! ```

mod backward;
mod cells;
mod dropout;
mod forward;
mod math;
mod packing;
mod shape;
mod workspace;

pub use backward::backward;
pub use dropout::DropoutMasks;
pub use forward::forward;
pub use packing::Sequences;
pub use shape::{Cell, Nonlinearity, ParamBlock, RecurrentShape, RecurrentTensor};
pub use workspace::RecurrentWorkspace;

use crate::error::Result;
use crate::float::Float;
use crate::linalg::sum_of_squares;

/// PyTorch's `torch.nn.utils.clip_grad_norm_` over one flat gradient: the total 2-norm
/// `norm`; if `max_norm / (norm + 1e-6) < 1`, every value is multiplied by that factor.
/// Returns the norm before clipping (infinite or NaN if a value is, and then, as in PyTorch,
/// the gradient becomes NaN).
pub fn clip_grad_norm<F: Float>(grad: &mut [F], max_norm: f64) -> f64 {
    let norm = sum_of_squares(grad).sqrt();
    let factor = max_norm / (norm + 1e-6);
    if factor < 1.0 {
        let factor = F::from_f64(factor);
        grad.iter_mut().for_each(|g| *g *= factor);
    }
    norm
}

/// Turns the gradient of a loss with respect to [`RecurrentWorkspace::last_states`],
/// `d_last: (n, D·H)`, into the `d_final_hidden: (L·D, n, H)` that [`backward`] takes: the top
/// layer's blocks, zeros elsewhere (the last states are the top layer's final states).
///
/// # Errors
/// [`NeuronaError::InvalidInput`](crate::NeuronaError::InvalidInput) if `d_last` is not
/// `(n, D·H)` or `d_final_hidden` not `(L·D, n, H)` for the same `n`.
pub fn last_states_gradient<F: Float>(shape: &RecurrentShape, d_last: &[F], d_final_hidden: &mut [F]) -> Result<()> {
    let (h, d, dh) = (shape.hidden_size, shape.directions(), shape.output_size());
    let n = d_last.len() / dh.max(1);
    forward::check_len("d_last", d_last.len(), n * dh)?;
    forward::check_len("d_final_hidden", d_final_hidden.len(), shape.num_layers * d * n * h)?;
    let top = shape.num_layers.saturating_sub(1) * d * n * h;
    d_final_hidden[..top].fill(F::zero());
    for direction in 0..d {
        for seq in 0..n {
            let to = top + (direction * n + seq) * h;
            let from = seq * dh + direction * h;
            d_final_hidden[to..to + h].copy_from_slice(&d_last[from..from + h]);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
