//! The recurrent stack's shape and PyTorch's parameter layout: which tensor lives where in the
//! one flat buffer, and the initialisation that fills it.

use std::ops::Range;

use crate::error::{NeuronaError, Result};
use crate::float::Float;
use crate::params::declare::named_enum;
use crate::rng::RandomState;

named_enum! {
    /// The recurrent cell: PyTorch's `nn.RNN`, `nn.LSTM` or `nn.GRU`. Default: [`Cell::Lstm`].
    pub enum Cell for "cell" {
        /// Elman's cell, `h' = f(W_ih x + b_ih + W_hh h + b_hh)`, `f` the [`Nonlinearity`].
        Rnn = "rnn",
        /// Long short-term memory: gates i, f, g, o; `c' = f c + i g`, `h' = o tanh(c')`.
        #[default]
        Lstm = "lstm",
        /// Gated recurrent unit: gates r, z, n, with the reset gate applied to the biased
        /// recurrent product, `n = tanh(W_in x + b_in + r (W_hn h + b_hn))`, `h' = (1 - z) n + z h`.
        Gru = "gru",
    }
}

impl Cell {
    /// Gates per cell, `G`: 1 (Elman), 4 (LSTM: i, f, g, o), 3 (GRU: r, z, n).
    pub fn gates(self) -> usize {
        match self {
            Cell::Rnn => 1,
            Cell::Lstm => 4,
            Cell::Gru => 3,
        }
    }
}

named_enum! {
    /// The non-linearity of the Elman cell (PyTorch's `nonlinearity`). Default:
    /// [`Nonlinearity::Tanh`]. The LSTM and GRU cells have their own and ignore it.
    pub enum Nonlinearity for "nonlinearity" {
        /// The hyperbolic tangent.
        #[default]
        Tanh = "tanh",
        /// The rectified linear unit `max(x, 0)`.
        Relu = "relu",
    }
}

/// The shape of a stack of recurrent layers, as PyTorch's constructor arguments
/// (`batch_first=True`, `bias=True`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecurrentShape {
    /// The cell of every layer.
    pub cell: Cell,
    /// The Elman cell's non-linearity (ignored by the others).
    pub nonlinearity: Nonlinearity,
    /// Features per step of the input sequences.
    pub input_size: usize,
    /// Units of the state `h` (and `c`) of each layer and direction.
    pub hidden_size: usize,
    /// Stacked layers: layer `k > 0` reads the outputs of layer `k - 1`.
    pub num_layers: usize,
    /// Whether each layer also runs over the sequence backwards, its outputs concatenated
    /// after the forward direction's.
    pub bidirectional: bool,
}

/// One tensor of the flat buffer, as PyTorch's `named_parameters()` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecurrentTensor {
    /// PyTorch's name: `weight_ih_l0`, `bias_hh_l1_reverse`, ...
    pub name: String,
    /// PyTorch's shape: `(G·H, input)`, `(G·H, H)` or `(G·H,)`.
    pub shape: Vec<usize>,
    /// Where its values lie in the flat buffer, row-major.
    pub range: Range<usize>,
    /// Whether the L2 penalty applies (the weights, not the biases).
    pub penalised: bool,
}

/// Where the four tensors of one layer and direction lie in the flat buffer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParamBlock {
    /// `weight_ih`: `(G·H, input_size)` of this layer.
    pub weight_ih: Range<usize>,
    /// `weight_hh`: `(G·H, H)`.
    pub weight_hh: Range<usize>,
    /// `bias_ih`: `(G·H,)`.
    pub bias_ih: Range<usize>,
    /// `bias_hh`: `(G·H,)`.
    pub bias_hh: Range<usize>,
    /// The layer's input width: the stack's input size for layer 0, `D·H` above.
    pub input_size: usize,
}

impl RecurrentShape {
    /// Gates per cell of the stack, `G` (see [`Cell::gates`]).
    pub fn gates(&self) -> usize {
        self.cell.gates()
    }

    /// Directions per layer, `D`: 2 if bidirectional, else 1.
    pub fn directions(&self) -> usize {
        if self.bidirectional { 2 } else { 1 }
    }

    /// Width of each layer's output (and of the top layer's, the stack's output): `D·H`.
    pub fn output_size(&self) -> usize {
        self.directions() * self.hidden_size
    }

    /// The input width of layer `layer`: the stack's input size for layer 0, `D·H` above.
    pub fn layer_input_size(&self, layer: usize) -> usize {
        if layer == 0 { self.input_size } else { self.output_size() }
    }

    /// Checks the sizes: every one at least 1, and a parameter count that fits in memory's
    /// addresses.
    ///
    /// # Errors
    /// [`NeuronaError::InvalidParameter`] naming the size at fault and its value.
    pub fn check(&self) -> Result<()> {
        for (name, value) in
            [("input_size", self.input_size), ("hidden_size", self.hidden_size), ("num_layers", self.num_layers)]
        {
            if value == 0 {
                return Err(NeuronaError::parameter(name, "an integer >= 1", value));
            }
        }
        let per_block = |input: usize| {
            let gh = self.gates().checked_mul(self.hidden_size)?;
            gh.checked_mul(input.checked_add(self.hidden_size)?.checked_add(2)?)
        };
        let first = per_block(self.input_size);
        let rest = self
            .directions()
            .checked_mul(self.hidden_size)
            .and_then(per_block)
            .and_then(|b| b.checked_mul(self.num_layers - 1));
        let total = first.zip(rest).and_then(|(a, b)| a.checked_add(b)?.checked_mul(self.directions()));
        match total {
            Some(_) => Ok(()),
            None => Err(NeuronaError::parameter(
                "hidden_size",
                "small enough for the parameter count to fit in memory",
                self.hidden_size,
            )),
        }
    }

    /// The length of the flat parameter buffer.
    pub fn n_params(&self) -> usize {
        let last = self.param_block(self.num_layers.saturating_sub(1), self.directions() - 1);
        if self.num_layers == 0 { 0 } else { last.bias_hh.end }
    }

    /// The tensors of layer `layer`, direction `direction` (0 forward, 1 reverse).
    pub fn param_block(&self, layer: usize, direction: usize) -> ParamBlock {
        let gh = self.gates() * self.hidden_size;
        let block = |input: usize| gh * (input + self.hidden_size + 2);
        let d = self.directions();
        let start = if layer == 0 {
            direction * block(self.input_size)
        } else {
            d * block(self.input_size) + ((layer - 1) * d + direction) * block(self.output_size())
        };
        let input_size = self.layer_input_size(layer);
        let weight_ih = start..start + gh * input_size;
        let weight_hh = weight_ih.end..weight_ih.end + gh * self.hidden_size;
        let bias_ih = weight_hh.end..weight_hh.end + gh;
        let bias_hh = bias_ih.end..bias_ih.end + gh;
        ParamBlock { weight_ih, weight_hh, bias_ih, bias_hh, input_size }
    }

    /// Every tensor in PyTorch's `named_parameters()` order (`l0`, `l0_reverse`, `l1`, ...;
    /// within each: `weight_ih`, `weight_hh`, `bias_ih`, `bias_hh`), which is the flat buffer's.
    pub fn tensors(&self) -> Vec<RecurrentTensor> {
        let gh = self.gates() * self.hidden_size;
        let mut tensors = Vec::with_capacity(4 * self.num_layers * self.directions());
        for layer in 0..self.num_layers {
            for direction in 0..self.directions() {
                let suffix = if direction == 1 { "_reverse" } else { "" };
                let block = self.param_block(layer, direction);
                let named = |kind: &str, shape: Vec<usize>, range: Range<usize>, penalised: bool| RecurrentTensor {
                    name: format!("{kind}_l{layer}{suffix}"),
                    shape,
                    range,
                    penalised,
                };
                tensors.push(named("weight_ih", vec![gh, block.input_size], block.weight_ih, true));
                tensors.push(named("weight_hh", vec![gh, self.hidden_size], block.weight_hh, true));
                tensors.push(named("bias_ih", vec![gh], block.bias_ih, false));
                tensors.push(named("bias_hh", vec![gh], block.bias_hh, false));
            }
        }
        tensors
    }

    /// PyTorch's `reset_parameters`: every value uniform in `[-k, k)`, `k = 1/sqrt(H)`, drawn
    /// from `rng` in the buffer's order (one `rng.uniform(-k, k)` per value).
    pub fn init<F: Float>(&self, rng: &mut RandomState) -> Vec<F> {
        let k = 1.0 / (self.hidden_size as f64).sqrt();
        (0..self.n_params()).map(|_| F::from_f64(rng.uniform(-k, k))).collect()
    }
}
