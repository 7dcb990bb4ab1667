//! Buffers allocated once per fit, so that the minibatch loop allocates nothing.

use crate::float::Float;
use crate::network::Layout;

/// Activations and deltas for up to `capacity` rows, one buffer per non-input layer.
#[derive(Debug, Clone)]
pub struct Workspace<F> {
    /// `activations[l]`: the output of layer `l + 1`, `(rows, layer_units[l + 1])` row-major.
    pub(crate) activations: Vec<Vec<F>>,
    /// `deltas[l]`: the loss gradient with respect to the pre-activation of layer `l + 1`.
    pub(crate) deltas: Vec<Vec<F>>,
    capacity: usize,
}

impl<F: Float> Workspace<F> {
    /// Buffers for batches of at most `capacity` rows of a network with this layout.
    pub fn new(layout: &Layout, capacity: usize) -> Self {
        let units = &layout.layer_units()[1..];
        Self {
            activations: units.iter().map(|&u| vec![F::zero(); u * capacity]).collect(),
            deltas: units.iter().map(|&u| vec![F::zero(); u * capacity]).collect(),
            capacity,
        }
    }

    /// The largest batch these buffers hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The network output of the last forward pass: `(rows, n_outputs)` row-major, `rows` as given
    /// to that pass.
    pub fn output(&self, rows: usize, n_outputs: usize) -> &[F] {
        let last = self.activations.last().expect("a network has an output layer");
        &last[..rows * n_outputs]
    }
}
