//! Buffers allocated once per fit (or once per prediction run), so that the minibatch loop
//! allocates nothing.

use crate::float::Float;
use crate::network::Layout;

/// Activations and deltas for up to `capacity` rows, one buffer per non-input layer.
#[derive(Debug, Clone)]
pub struct Workspace<F> {
    /// `activations[l]`: the output of layer `l + 1`, `(rows, layer_units[l + 1])` row-major.
    pub(crate) activations: Vec<Vec<F>>,
    /// `deltas[l]`: the loss gradient with respect to the pre-activation of layer `l + 1`.
    pub(crate) deltas: Vec<Vec<F>>,
    /// Where each layer's activations and deltas start, written at the start of each training
    /// step (`step.rs`), whose row-wise job writes disjoint blocks of rows of every buffer from
    /// several threads; its capacity is the number of layers, so the step allocates nothing.
    pub(crate) starts: Vec<(RowsPtr<F>, RowsPtr<F>)>,
    capacity: usize,
}

/// The start of a buffer of rows that several threads write, each its own rows (the training
/// step's activations, deltas and gradient, see `step.rs`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RowsPtr<F>(pub(crate) *mut F);

// SAFETY: a `RowsPtr` is only dereferenced through `RowsPtr::rows`, whose callers hand each
// thread elements no other thread accesses meanwhile.
unsafe impl<F: Send> Send for RowsPtr<F> {}
// SAFETY: as above; a shared `RowsPtr` only gives out copies of the pointer.
unsafe impl<F: Sync> Sync for RowsPtr<F> {}

impl<F> RowsPtr<F> {
    /// The `len` elements from `start` on.
    ///
    /// # Safety
    /// They must lie inside the buffer the pointer was taken from, which must outlive `'a`, and
    /// no other thread or reference may access them during `'a`.
    pub(crate) unsafe fn rows<'a>(self, start: usize, len: usize) -> &'a mut [F] {
        // SAFETY: as the caller guarantees.
        unsafe { std::slice::from_raw_parts_mut(self.0.add(start), len) }
    }
}

impl<F: Float> Workspace<F> {
    /// Buffers for training on batches of at most `capacity` rows of a network with this
    /// layout: activations and deltas, `2 · capacity · (Σ units of the non-input layers)` values.
    pub fn new(layout: &Layout, capacity: usize) -> Self {
        let units = &layout.layer_units()[1..];
        Self {
            activations: units.iter().map(|&u| vec![F::zero(); u * capacity]).collect(),
            deltas: units.iter().map(|&u| vec![F::zero(); u * capacity]).collect(),
            starts: Vec::with_capacity(units.len()),
            capacity,
        }
    }

    /// Buffers for forward passes only (prediction) on at most `capacity` rows: the
    /// activations, without the deltas a backward pass needs. Reused across calls, they make a
    /// prediction allocate nothing but its output.
    pub fn for_prediction(layout: &Layout, capacity: usize) -> Self {
        let units = &layout.layer_units()[1..];
        Self {
            activations: units.iter().map(|&u| vec![F::zero(); u * capacity]).collect(),
            deltas: Vec::new(),
            starts: Vec::new(),
            capacity,
        }
    }

    /// Whether these buffers can hold a backward pass (made by [`Workspace::new`]).
    pub fn has_deltas(&self) -> bool {
        !self.deltas.is_empty()
    }

    /// The largest batch these buffers hold.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The output of layer `l + 1` (hidden layers first, the network output last) in the last
    /// forward pass: `(rows, layer_units[l + 1])` row-major; what a teaching page draws as each
    /// unit's response. `None` for a layer the network does not have, or more rows than the
    /// buffers hold.
    pub fn layer_output(&self, l: usize, rows: usize) -> Option<&[F]> {
        let layer = self.activations.get(l)?;
        let units = layer.len() / self.capacity.max(1);
        layer.get(..rows.checked_mul(units)?)
    }

    /// The network output of the last forward pass: `(rows, n_outputs)` row-major, `rows` as given
    /// to that pass.
    pub fn output(&self, rows: usize, n_outputs: usize) -> &[F] {
        let last = self.activations.last().expect("a network has an output layer");
        &last[..rows * n_outputs]
    }
}

/// Reusable buffers for predictions with [`Mlp::predict_into`](crate::network::Mlp::predict_into)
/// (and `MlpState::predict_into`): the first call sizes them, later calls on batches no larger
/// (and the same network) allocate nothing at all.
#[derive(Debug, Clone, Default)]
pub struct PredictScratch<F> {
    /// The units of the network the buffers were made for, and the buffers.
    workspace: Option<(Vec<usize>, Workspace<F>)>,
    /// Rows of a non-contiguous input, gathered into one slice.
    pub(crate) gathered: Vec<F>,
}

impl<F: Float> PredictScratch<F> {
    /// Empty buffers (sized by the first prediction).
    pub fn new() -> Self {
        Self { workspace: None, gathered: Vec::new() }
    }

    /// Buffers for `rows` rows of a network with `layout`, reused when large enough.
    pub(crate) fn workspace(&mut self, layout: &Layout, rows: usize) -> &mut Workspace<F> {
        let fits =
            matches!(&self.workspace, Some((units, ws)) if units == layout.layer_units() && ws.capacity() >= rows);
        if !fits {
            self.workspace = Some((layout.layer_units().to_vec(), Workspace::for_prediction(layout, rows)));
        }
        &mut self.workspace.as_mut().expect("made above").1
    }
}
