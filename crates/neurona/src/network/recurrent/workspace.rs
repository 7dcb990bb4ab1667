//! Every buffer of a forward and backward pass of a recurrent stack, allocated once and reused
//! from batch to batch.

use crate::float::Float;
use crate::linalg::PackedB;
use crate::network::recurrent::packing::Packing;
use crate::network::recurrent::shape::{Cell, RecurrentShape};

/// The buffers of one direction of one layer, over the packed rows (`P`, the sum of the
/// lengths).
#[derive(Debug, Clone, Default)]
pub(super) struct DirectionBuffers<F> {
    /// `(P, G·H)`: the products on entry to a step, the activated gates after it.
    pub gates: Vec<F>,
    /// `(P, H)`: each row's previous state `h` (zeros where a sequence starts), aligned with
    /// `gates`, so that the recurrent product and `W_hh`'s gradient read contiguous rows.
    pub h_prev: Vec<F>,
    /// LSTM: `(P, H)`, the cell state `c`.
    pub cell: Vec<F>,
    /// LSTM: `(P, H)`, `tanh(c)`, kept for the backward pass.
    pub tanh_cell: Vec<F>,
    /// LSTM: `(P, H)`, the previous cell state, aligned like `h_prev`.
    pub c_prev: Vec<F>,
    /// GRU: `(P, H)`, `W_hn h_prev + b_hn`.
    pub hn: Vec<F>,
    /// The biases folded once per pass: `b_ih + b_hh` (GRU: `b_hn` left out, see `b_hn`).
    pub bias: Vec<F>,
    /// `W_hh^T: (H, G·H)` packed once per pass for the GEMM's kernels, which read it at every
    /// step (through `matmul` it was packed at every step).
    pub w_hh_packed: PackedB<F>,
    /// GRU: `b_hn`.
    pub b_hn: Vec<F>,
}

/// The buffers of one layer.
#[derive(Debug, Clone, Default)]
pub(super) struct LayerBuffers<F> {
    /// `(P, D·H)`: the layer's output, the forward direction's states then the reverse's.
    pub out: Vec<F>,
    /// `(P, D·H)`, layers above the first with dropout: the layer below's output times its
    /// mask, this layer's input.
    pub dropped: Vec<F>,
    /// One per direction.
    pub directions: Vec<DirectionBuffers<F>>,
}

/// The backward pass's buffers, shared by every layer and direction in turn.
#[derive(Debug, Clone, Default)]
pub(super) struct GradientBuffers<F> {
    /// `(P, G·H)`: the gradient of the gates' pre-activations on the input product's side.
    pub d_gi: Vec<F>,
    /// GRU: `(P, G·H)`, the same on the recurrent product's side (the other cells use `d_gi`).
    pub d_gh: Vec<F>,
    /// `(n, H)`: the gradient of the state `h` carried from step to step.
    pub d_h: Vec<F>,
    /// LSTM: `(n, H)`, the gradient of the cell state carried from step to step.
    pub d_c: Vec<F>,
    /// `(P, max(D·H, input_size))`: the gradient of the current layer's output.
    pub d_out: Vec<F>,
    /// `(P, max(D·H, input_size))`: the gradient of the current layer's input.
    pub d_below: Vec<F>,
    /// `(max(D·H, input_size), G·H)`: a direction's input weights' gradient, transposed.
    pub w_ih_t: Vec<F>,
    /// `W_hh: (G·H, H)` of the current direction, packed once per pass (see
    /// [`DirectionBuffers::w_hh_packed`]).
    pub w_hh_packed: PackedB<F>,
}

/// What a forward pass leaves for the caller, in the batch's own order.
#[derive(Debug, Clone, Default)]
pub(super) struct Results<F> {
    pub outputs: Vec<F>,
    pub final_hidden: Vec<F>,
    pub final_cell: Vec<F>,
    pub last_states: Vec<F>,
}

/// All buffers of a forward and backward pass for batches of sequences: a training run makes
/// one and reuses it, so that its batches allocate nothing (a batch larger than any before
/// grows the buffers once).
///
/// After [`forward`](crate::network::recurrent::forward) it holds the pass's results,
/// [`outputs`](Self::outputs), [`final_hidden`](Self::final_hidden),
/// [`final_cell`](Self::final_cell), [`last_states`](Self::last_states), and what
/// [`backward`](crate::network::recurrent::backward) needs.
#[derive(Debug, Clone)]
pub struct RecurrentWorkspace<F> {
    pub(super) shape: RecurrentShape,
    pub(super) packing: Packing,
    /// `(P, input_size)`: the input, packed.
    pub(super) x: Vec<F>,
    pub(super) layers: Vec<LayerBuffers<F>>,
    /// GRU: `(n, 3H)`, one step's recurrent product.
    pub(super) rec: Vec<F>,
    pub(super) grads: GradientBuffers<F>,
    pub(super) results: Results<F>,
    /// Packed rows the buffers hold.
    row_capacity: usize,
    /// Whether the last forward pass ran with dropout (`None` before any pass).
    pub(super) forward_dropout: Option<bool>,
    /// Whether a forward pass stops between steps once a caller's interruption check fires
    /// ([`crate::interrupt`]): set for predictions, whose interrupted result is dropped, never
    /// for training, whose gradient must cover the whole batch.
    pub(crate) interruptible: bool,
    /// Whether a forward pass fills [`Self::outputs`] (true unless its owner says otherwise):
    /// a network whose head reads only the last states clears it, since scattering every
    /// step's output into the padded layout, and zeroing the padding, cost it about 1.5% of
    /// an LSTM epoch for values nobody read.
    pub(crate) padded_outputs: bool,
    /// Whether [`Self::reserve`] grows the backward pass's buffers too: false for a
    /// prediction's workspace, which never runs backward (a `backward` grows them itself).
    gradients: bool,
}

/// Grows `buf` to at least `len` values.
pub(super) fn grow<F: Float>(buf: &mut Vec<F>, len: usize) {
    if buf.is_empty() {
        // A fresh zeroed allocation comes from the system as zero pages, written only when a
        // pass first touches them: a large prediction block then starts at once, its first
        // steps already asking for Ctrl-C, instead of after a memset of the whole block.
        *buf = vec![F::zero(); len];
    } else if buf.len() < len {
        buf.resize(len, F::zero());
    }
}

impl<F: Float> RecurrentWorkspace<F> {
    /// Buffers for batches of up to `max_rows` sequences of up to `t_max` steps (more grows
    /// them).
    pub fn new(shape: &RecurrentShape, max_rows: usize, t_max: usize) -> Self {
        Self::with_gradients(shape, max_rows, t_max, true)
    }

    /// [`Self::new`] without the backward pass's buffers (about half the memory): for
    /// predictions.
    pub fn for_prediction(shape: &RecurrentShape, max_rows: usize, t_max: usize) -> Self {
        Self::with_gradients(shape, max_rows, t_max, false)
    }

    fn with_gradients(shape: &RecurrentShape, max_rows: usize, t_max: usize, gradients: bool) -> Self {
        let mut ws = Self {
            shape: *shape,
            packing: Packing::default(),
            x: Vec::new(),
            layers: (0..shape.num_layers)
                .map(|_| LayerBuffers {
                    out: Vec::new(),
                    dropped: Vec::new(),
                    directions: vec![DirectionBuffers::default(); shape.directions()],
                })
                .collect(),
            rec: Vec::new(),
            grads: GradientBuffers::default(),
            results: Results::default(),
            row_capacity: 0,
            forward_dropout: None,
            interruptible: false,
            padded_outputs: true,
            gradients,
        };
        ws.reserve(max_rows, t_max, max_rows.saturating_mul(t_max));
        ws
    }

    /// The bytes [`RecurrentWorkspace::new`] takes for `max_rows` sequences of `t_max`
    /// steps (dropout's buffers included), as a float: it may exceed every integer type. For a
    /// check that the memory can be reserved before anything is built.
    pub fn estimated_bytes(shape: &RecurrentShape, max_rows: usize, t_max: usize) -> f64 {
        let (p, n) = (max_rows as f64 * t_max as f64, max_rows as f64);
        let (i, h, dh) = (shape.input_size as f64, shape.hidden_size as f64, shape.output_size() as f64);
        let gh = shape.gates() as f64 * h;
        let (layers, directions) = (shape.num_layers as f64, shape.directions() as f64);
        let state_buffers = match shape.cell {
            Cell::Rnn => 1.0,
            Cell::Lstm => 4.0,
            Cell::Gru => 2.0,
        };
        let lstm = if shape.cell == Cell::Lstm { 1.0 } else { 0.0 };
        // The packed `W_hh^T` and `W_hh`: their columns padded to whole panels (at most 32).
        let per_direction = p * (gh + state_buffers * h) + (gh + 32.0) * h + 16.0 + gh + h;
        let dropped = (layers - 1.0) * p * dh;
        let gru = if shape.cell == Cell::Gru { p * gh + n * gh } else { 0.0 };
        let gradients = p * gh + (1.0 + lstm) * n * h + (2.0 * p + gh) * dh.max(i) + gru + (h + 32.0) * gh + 16.0;
        let results = p * dh + (1.0 + lstm) * layers * directions * n * h + n * dh;
        let values = p * i + layers * (p * dh + directions * per_direction) + dropped + gradients + results;
        values * size_of::<F>() as f64
    }

    /// The shape the buffers are for.
    pub fn shape(&self) -> &RecurrentShape {
        &self.shape
    }

    /// Grows every buffer (but the dropout ones, see [`Self::reserve_dropout`]) for `n`
    /// sequences of `t_max` steps, `rows` packed rows.
    pub(super) fn reserve(&mut self, n: usize, t_max: usize, rows: usize) {
        let s = self.shape;
        let (h, gh, dh) = (s.hidden_size, s.gates() * s.hidden_size, s.output_size());
        self.row_capacity = self.row_capacity.max(rows);
        let p = self.row_capacity;
        grow(&mut self.x, p * s.input_size);
        for layer in &mut self.layers {
            grow(&mut layer.out, p * dh);
            for d in &mut layer.directions {
                grow(&mut d.gates, p * gh);
                grow(&mut d.h_prev, p * h);
                grow(&mut d.bias, gh);
                d.w_hh_packed.reserve(h, gh);
                if s.cell == Cell::Lstm {
                    grow(&mut d.cell, p * h);
                    grow(&mut d.tanh_cell, p * h);
                    grow(&mut d.c_prev, p * h);
                }
                if s.cell == Cell::Gru {
                    grow(&mut d.hn, p * h);
                    grow(&mut d.b_hn, h);
                }
            }
        }
        if s.cell == Cell::Gru {
            grow(&mut self.rec, n * gh);
        }
        if self.gradients {
            self.reserve_gradients(n);
        }
        let r = &mut self.results;
        let layers_dirs = s.num_layers * s.directions();
        grow(&mut r.outputs, n * t_max * dh);
        grow(&mut r.final_hidden, layers_dirs * n * h);
        if s.cell == Cell::Lstm {
            grow(&mut r.final_cell, layers_dirs * n * h);
        }
        grow(&mut r.last_states, n * dh);
    }

    /// Grows the backward pass's buffers for `n` sequences and the packed rows the forward
    /// buffers hold.
    pub(super) fn reserve_gradients(&mut self, n: usize) {
        let s = self.shape;
        let (h, gh, dh) = (s.hidden_size, s.gates() * s.hidden_size, s.output_size());
        let p = self.row_capacity;
        self.gradients = true;
        let g = &mut self.grads;
        if s.cell == Cell::Gru {
            grow(&mut g.d_gh, p * gh);
        }
        grow(&mut g.d_gi, p * gh);
        grow(&mut g.d_h, n * h);
        if s.cell == Cell::Lstm {
            grow(&mut g.d_c, n * h);
        }
        grow(&mut g.d_out, p * dh.max(s.input_size));
        grow(&mut g.d_below, p * dh.max(s.input_size));
        grow(&mut g.w_ih_t, dh.max(s.input_size) * gh);
        g.w_hh_packed.reserve(gh, h);
    }

    /// Grows the buffers of the dropped inputs of the layers above the first.
    pub(super) fn reserve_dropout(&mut self) {
        let len = self.row_capacity * self.shape.output_size();
        for layer in self.layers.iter_mut().skip(1) {
            grow(&mut layer.dropped, len);
        }
    }

    fn batch(&self) -> (usize, usize) {
        (self.packing.n, self.packing.t_max)
    }

    /// The top layer's outputs of the last forward pass: `(n, t_max, D·H)` row-major, zeros
    /// at padded steps (PyTorch's `pad_packed_sequence(..., batch_first=True)`). Left as
    /// they were where the crate's own network reads only the last states.
    pub fn outputs(&self) -> &[F] {
        let (n, t_max) = self.batch();
        &self.results.outputs[..n * t_max * self.shape.output_size()]
    }

    /// The final states `h` of every layer and direction: `(num_layers·D, n, H)`, PyTorch's
    /// `h_n`; each sequence's is the one at its own last step (the reverse direction's: at
    /// step 0).
    pub fn final_hidden(&self) -> &[F] {
        let (n, _) = self.batch();
        &self.results.final_hidden[..self.shape.num_layers * self.shape.directions() * n * self.shape.hidden_size]
    }

    /// LSTM: the final cell states, `(num_layers·D, n, H)`, PyTorch's `c_n`; `None` for the
    /// other cells.
    pub fn final_cell(&self) -> Option<&[F]> {
        let (n, _) = self.batch();
        let len = self.shape.num_layers * self.shape.directions() * n * self.shape.hidden_size;
        (self.shape.cell == Cell::Lstm).then(|| &self.results.final_cell[..len])
    }

    /// Each sequence's last state: `(n, D·H)`, the top layer's forward output at the
    /// sequence's own last step, then (bidirectional) the reverse output at step 0; equal to
    /// `cat(h_n[-2], h_n[-1])` (bidirectional) or `h_n[-1]`.
    pub fn last_states(&self) -> &[F] {
        let (n, _) = self.batch();
        &self.results.last_states[..n * self.shape.output_size()]
    }
}
