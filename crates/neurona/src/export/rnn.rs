//! The recurrent networks in ONNX: one `RNN`, `LSTM` or `GRU` operator per layer, then the
//! dense head ([`super::mlp::dense`]).
//!
//! The graph takes `X: (N, T, n_features)`, sequences padded to `T` steps (whatever the
//! estimator's `layout`), and `sequence_lens: (N,)` int32, each sequence's own length: the
//! operators stop each sequence's state at its last step, as neurona (and PyTorch's packed
//! sequences) do. One output per sequence reads the top layer's final states `Y_h` (forward at
//! the last step, reverse at step 0); one output per step reads every step's output, and its
//! outputs are `(N, T, ...)`, the steps past a sequence's length holding padding.
//!
//! ONNX orders the gates differently from PyTorch (and neurona): LSTM `i, o, f, c` (PyTorch
//! `i, f, g, o`), GRU `z, r, h` (PyTorch `r, z, n`), with `linear_before_reset = 1`, PyTorch's
//! GRU. ONNX Runtime runs these operators in float32 only: a float64 network's layers are
//! written in elementary operators instead, one `Scan` per layer and direction (`scan.rs`).

use super::graph::{Dim, Graph, elem_type, int_attribute, ints_attribute, string_attribute, strings_attribute};
use super::mlp::{classifier_outputs, dense, doc};
use super::proto::data_type;
use super::{NetworkInput, Prefix, ToOnnx};
use crate::error::Result;
use crate::estimators::rnn::{RnnClassifier, RnnRegressor, RnnState};
use crate::float::Float;
use crate::network::recurrent::{Cell, Nonlinearity, RecurrentShape};
use crate::network::{OutputPer, RecurrentNet};

impl<F: Float, L: super::OnnxLabel> ToOnnx for RnnClassifier<F, L> {
    /// Outputs `label` and `probabilities`, per sequence `(N, ...)` or per step `(N, T, ...)`,
    /// decoded as the MLP classifier's.
    fn to_onnx_with_prefix(&self, prefix: &mut Prefix<'_>) -> Result<Vec<u8>> {
        let state = self.state()?;
        let mut graph = Graph::new("RNNClassifier");
        let (x, features, rows) = recurrent(&mut graph, state, prefix)?;
        classifier_outputs::<F, L>(&mut graph, self.classes()?, state.n_outputs(), &rows, |graph, output| {
            head(graph, state, &x, &features, output)
        })?;
        Ok(graph.finish(doc("RNNClassifier")))
    }
}

impl<F: Float> ToOnnx for RnnRegressor<F> {
    /// Outputs `variable`: `(N, n_outputs)` per sequence, `(N, T, n_outputs)` per step.
    fn to_onnx_with_prefix(&self, prefix: &mut Prefix<'_>) -> Result<Vec<u8>> {
        let state = self.state()?;
        let mut graph = Graph::new("RNNRegressor");
        let (x, features, mut rows) = recurrent(&mut graph, state, prefix)?;
        head(&mut graph, state, &x, &features, Some("variable"));
        rows.push(Dim::Fixed(state.n_outputs()));
        graph.output("variable", elem_type::<F>(), &rows);
        Ok(graph.finish(doc("RNNRegressor")))
    }
}

/// The inputs and the recurrent layers: returns the value the network reads (`(N, T,
/// n_features)`, from `prefix`), the value the head reads, `(N, D·H)` per sequence or
/// `(N·T, D·H)` per step, and the dimensions of the outputs' rows.
fn recurrent<F: Float>(
    graph: &mut Graph,
    state: &RnnState<F>,
    prefix: &mut Prefix<'_>,
) -> Result<(String, String, Vec<Dim>)> {
    let net = state.network();
    let shape = net.shape();
    let dims = vec![Dim::Batch, Dim::Steps, Dim::Fixed(shape.input_size)];
    let x = prefix(graph, &NetworkInput { elem_type: elem_type::<F>(), dims })?;
    let lengths = graph.input("sequence_lens", data_type::INT32, &[Dim::Batch]);
    let steps = graph.node("Transpose", &[&x], None, vec![ints_attribute("perm", &[1, 0, 2])]);
    // ONNX Runtime has no double kernels for the recurrent operators: float64 goes through
    // `Scan` over elementary operators instead.
    let (value, final_rows) = if F::DTYPE == f32::DTYPE {
        operator_layers(graph, shape, state.flat_params(), &steps, &lengths)
    } else {
        super::scan::layers(graph, shape, state.flat_params(), &steps, &lengths)
    };
    Ok(match net.output() {
        OutputPer::Sequence => (x, final_rows, vec![Dim::Batch]),
        OutputPer::Step => {
            let rows = graph.node("Transpose", &[&value], None, vec![ints_attribute("perm", &[1, 0, 2])]);
            (x, reshape(graph, &rows, &[-1, i64_of(shape.output_size())]), vec![Dim::Batch, Dim::Steps])
        }
    })
}

/// The layers as ONNX's `RNN`, `LSTM` or `GRU` operators over `steps` `(T, N, input)`: returns
/// every step's output `(T, N, D·H)` and the top layer's final states `(N, D·H)`.
fn operator_layers<F: Float>(
    graph: &mut Graph,
    shape: &RecurrentShape,
    params: &[F],
    steps: &str,
    lengths: &str,
) -> (String, String) {
    let mut value = steps.to_owned();
    let mut final_states = String::new();
    for layer in 0..shape.num_layers {
        let [w, r, b] = layer_tensors(graph, shape, params, layer);
        let (y, y_h) = (graph.fresh("y"), graph.fresh("y_h"));
        graph.node_outputs(op_type(shape.cell), &[&value, &w, &r, &b, lengths], &[&y, &y_h], attributes(shape));
        // (T, D, N, H) -> (T, N, D·H): each step's forward then reverse outputs, PyTorch's order.
        let steps = graph.node("Transpose", &[&y], None, vec![ints_attribute("perm", &[0, 2, 1, 3])]);
        value = reshape(graph, &steps, &[0, 0, -1]);
        final_states = y_h;
    }
    // (D, N, H) -> (N, D·H).
    let rows = graph.node("Transpose", &[&final_states], None, vec![ints_attribute("perm", &[1, 0, 2])]);
    (value, reshape(graph, &rows, &[0, -1]))
}

/// The dense head over the recurrent features; per step, its `(N·T, k)` outputs reshaped to
/// `(N, T, k)` (`x`'s first two dimensions). The last value is named `output`, or a fresh
/// name; returns it.
fn head<F: Float>(graph: &mut Graph, state: &RnnState<F>, x: &str, features: &str, output: Option<&str>) -> String {
    let net: &RecurrentNet = state.network();
    let params = &state.flat_params()[net.n_recurrent()..];
    if net.output() == OutputPer::Sequence {
        return dense(graph, net.head(), params, features, output);
    }
    let flat = dense(graph, net.head(), params, features, None);
    let batch_and_steps = graph.node("Shape", &[x], None, vec![int_attribute("start", 0), int_attribute("end", 2)]);
    let width = graph.int64s("head_width", &[1], &[i64_of(net.head().n_outputs())]);
    let target = graph.node("Concat", &[&batch_and_steps, &width], None, vec![int_attribute("axis", 0)]);
    graph.node("Reshape", &[&flat, &target], output, Vec::new())
}

fn op_type(cell: Cell) -> &'static str {
    match cell {
        Cell::Rnn => "RNN",
        Cell::Lstm => "LSTM",
        Cell::Gru => "GRU",
    }
}

fn attributes(shape: &RecurrentShape) -> Vec<super::proto::AttributeProto> {
    let direction = if shape.bidirectional { "bidirectional" } else { "forward" };
    let mut attributes =
        vec![int_attribute("hidden_size", i64_of(shape.hidden_size)), string_attribute("direction", direction)];
    match shape.cell {
        Cell::Rnn => {
            let f = if shape.nonlinearity == Nonlinearity::Relu { "Relu" } else { "Tanh" };
            attributes.push(strings_attribute("activations", &vec![f; shape.directions()]));
        }
        Cell::Gru => attributes.push(int_attribute("linear_before_reset", 1)),
        Cell::Lstm => {}
    }
    attributes
}

/// ONNX's gate order as PyTorch's gate indices: LSTM `i, o, f, c` from `i, f, g, o`; GRU
/// `z, r, h` from `r, z, n`.
fn gate_order(cell: Cell) -> &'static [usize] {
    match cell {
        Cell::Rnn => &[0],
        Cell::Lstm => &[0, 3, 1, 2],
        Cell::Gru => &[1, 0, 2],
    }
}

/// Layer `layer`'s `W: (D, G·H, input)`, `R: (D, G·H, H)` and `B: (D, 2·G·H)` (input biases,
/// then recurrent ones), gates in ONNX's order, as constants; returns their names.
fn layer_tensors<F: Float>(graph: &mut Graph, shape: &RecurrentShape, params: &[F], layer: usize) -> [String; 3] {
    let (h, gh, d) = (shape.hidden_size, shape.gates() * shape.hidden_size, shape.directions());
    let order = gate_order(shape.cell);
    // Rows of a PyTorch tensor `(G·H, width)` in ONNX's gate order.
    let reorder = |values: &[F], width: usize| -> Vec<F> {
        order.iter().flat_map(|&g| values[g * h * width..(g + 1) * h * width].iter().copied()).collect()
    };
    let (mut w, mut r, mut b) = (Vec::new(), Vec::new(), Vec::new());
    for direction in 0..d {
        let block = shape.param_block(layer, direction);
        w.extend(reorder(&params[block.weight_ih], block.input_size));
        r.extend(reorder(&params[block.weight_hh], h));
        b.extend(reorder(&params[block.bias_ih], 1));
        b.extend(reorder(&params[block.bias_hh], 1));
    }
    let input = shape.layer_input_size(layer);
    [
        graph.floats(&format!("W_l{layer}"), &[d, gh, input], w),
        graph.floats(&format!("R_l{layer}"), &[d, gh, h], r),
        graph.floats(&format!("B_l{layer}"), &[d, 2 * gh], b),
    ]
}

fn reshape(graph: &mut Graph, value: &str, shape: &[i64]) -> String {
    let target = graph.int64s(&graph.fresh("shape"), &[shape.len()], shape);
    graph.node("Reshape", &[value, &target], None, Vec::new())
}

/// A size as ONNX's int64 (every size here is a tensor's, which fits).
fn i64_of(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
