//! The float64 recurrent layers in elementary operators: ONNX Runtime has no double kernels
//! for `RNN`, `LSTM` and `GRU`, but runs `Scan`, `MatMul`, `Gemm`, `Tanh`, `Sigmoid`, `Mul`
//! and `Where` in double. Each layer and direction is one `Scan` over the steps, its body one
//! step of PyTorch's cell (gates in PyTorch's order, neurona's own), so no gate is reordered.
//!
//! Unequal lengths by masking: a step past a sequence's length leaves its state as it was
//! (`Where(step < length, new, old)`), so a forward pass ends at the sequence's last step and a
//! reverse pass (`Scan`'s reverse direction) starts there from the zero state, as neurona's
//! exact lengths do. The input projection of every step is one `MatMul` before the `Scan`.

use super::graph::{Dim, Graph, as_i64, graph_attribute, int_attribute, ints_attribute};
use super::proto::data_type;
use crate::float::Float;
use crate::network::recurrent::{Cell, Nonlinearity, RecurrentShape};

/// The recurrent layers over `x` `(T, N, input)` in double, `lengths` `(N,)` int32: returns
/// every step's top-layer output `(T, N, D·H)` and the top layer's final states `(N, D·H)`
/// (forward then reverse, PyTorch's order).
pub(super) fn layers<F: Float>(
    graph: &mut Graph,
    shape: &RecurrentShape,
    params: &[F],
    x: &str,
    lengths: &str,
) -> (String, String) {
    let mask = step_mask(graph, x, lengths);
    let zeros = zero_state(graph, x, shape.hidden_size);
    let mut value = x.to_owned();
    let mut finals = Vec::new();
    for layer in 0..shape.num_layers {
        let mut outputs = Vec::new();
        finals.clear();
        for direction in 0..shape.directions() {
            let (y, h) = direction_scan(graph, shape, params, (layer, direction), (&value, &mask, &zeros));
            outputs.push(y);
            finals.push(h);
        }
        value = concat(graph, &outputs, 2);
    }
    let finals = concat(graph, &finals, 1);
    (value, finals)
}

/// `Concat` along `axis`, or the one value itself.
fn concat(graph: &mut Graph, values: &[String], axis: i64) -> String {
    match values {
        [one] => one.clone(),
        _ => {
            let values: Vec<&str> = values.iter().map(String::as_str).collect();
            graph.node("Concat", &values, None, vec![int_attribute("axis", axis)])
        }
    }
}

/// `(T, N, 1)` bool: whether step `t` is within sequence `n`'s length.
fn step_mask(graph: &mut Graph, x: &str, lengths: &str) -> String {
    let steps = graph.node("Shape", &[x], None, vec![int_attribute("start", 0), int_attribute("end", 1)]);
    let scalar = graph.int64s("scan_scalar_shape", &[0], &[]);
    let steps = graph.node("Reshape", &[&steps, &scalar], None, Vec::new());
    let (zero, one) = (graph.int64s("scan_zero", &[], &[0]), graph.int64s("scan_one", &[], &[1]));
    let range = graph.node("Range", &[&zero, &steps, &one], None, Vec::new());
    let column = graph.int64s("scan_column_shape", &[2], &[-1, 1]);
    let range = graph.node("Reshape", &[&range, &column], None, Vec::new());
    let lengths = graph.node("Cast", &[lengths], None, vec![int_attribute("to", i64::from(data_type::INT64))]);
    let within = graph.node("Less", &[&range, &lengths], None, Vec::new());
    let last_axis = graph.int64s("scan_last_axis", &[1], &[2]);
    graph.node("Unsqueeze", &[&within, &last_axis], None, Vec::new())
}

/// The zero state `(N, H)` in double, `N` read from `x` `(T, N, input)`.
fn zero_state(graph: &mut Graph, x: &str, hidden: usize) -> String {
    let rows = graph.node("Shape", &[x], None, vec![int_attribute("start", 1), int_attribute("end", 2)]);
    let width = graph.int64s("scan_hidden_size", &[1], &[as_i64(hidden)]);
    let target = graph.node("Concat", &[&rows, &width], None, vec![int_attribute("axis", 0)]);
    let zeros = graph.floats("scan_zeros", &[hidden], std::iter::repeat_n(0.0_f64, hidden));
    graph.node("Expand", &[&zeros, &target], None, Vec::new())
}

/// One layer and direction: its `Scan` over `x` `(T, N, input)` with `mask` `(T, N, 1)` from
/// the state `zeros`; returns every step's output `(T, N, H)` and the final state `(N, H)`.
fn direction_scan<F: Float>(
    graph: &mut Graph,
    shape: &RecurrentShape,
    params: &[F],
    (layer, direction): (usize, usize),
    (x, mask, zeros): (&str, &str, &str),
) -> (String, String) {
    let (h, gh) = (shape.hidden_size, shape.gates() * shape.hidden_size);
    let block = shape.param_block(layer, direction);
    let input = block.input_size;
    let mark = format!("l{layer}{}", if direction == 0 { "" } else { "_reverse" });
    // weight_ih `(G·H, input)` transposed for `x · W_ihᵀ` over `(T, N, input)`.
    let w_ih = &params[block.weight_ih];
    let transposed = (0..input).flat_map(|j| (0..gh).map(move |g| w_ih[g * input + j]));
    let w_ih = graph.floats(&format!("weight_ih_{mark}_T"), &[input, gh], transposed);
    let b_ih = graph.floats(&format!("bias_ih_{mark}"), &[gh], params[block.bias_ih].iter().copied());
    let projected = graph.node("MatMul", &[x, &w_ih], None, Vec::new());
    let projected = graph.node("Add", &[&projected, &b_ih], None, Vec::new());
    let w_hh = graph.floats(&format!("weight_hh_{mark}"), &[gh, h], params[block.weight_hh].iter().copied());
    let b_hh = graph.floats(&format!("bias_hh_{mark}"), &[gh], params[block.bias_hh].iter().copied());

    let body = step_body(&format!("scan_{mark}"), shape, (&w_hh, &b_hh));
    let lstm = shape.cell == Cell::Lstm;
    let states: Vec<&str> = if lstm { vec![zeros, zeros] } else { vec![zeros] };
    let inputs: Vec<&str> = states.iter().copied().chain([projected.as_str(), mask]).collect();
    let final_h = graph.fresh(&format!("{mark}_h"));
    let final_c = graph.fresh(&format!("{mark}_c"));
    let y = graph.fresh(&format!("{mark}_y"));
    let outputs: Vec<&str> =
        if lstm { vec![final_h.as_str(), final_c.as_str(), y.as_str()] } else { vec![final_h.as_str(), y.as_str()] };
    let reverse = i64::from(direction == 1);
    let attributes = vec![
        graph_attribute("body", body),
        int_attribute("num_scan_inputs", 2),
        ints_attribute("scan_input_directions", &[reverse, reverse]),
        ints_attribute("scan_output_directions", &[reverse]),
    ];
    graph.node_outputs("Scan", &inputs, &outputs, attributes);
    (y, final_h)
}

/// One step of the cell as a `Scan` body: inputs the state(s) `h` (and `c`) `(N, H)`, the
/// step's projected input `(N, G·H)` and its mask `(N, 1)`; outputs the new state(s) and the
/// step's output. `w_hh` and `b_hh` are the outer graph's constants.
fn step_body(name: &str, shape: &RecurrentShape, (w_hh, b_hh): (&str, &str)) -> super::proto::GraphProto {
    let (h, gh) = (shape.hidden_size, shape.gates() * shape.hidden_size);
    let mut body = Graph::subgraph(name);
    let double = data_type::DOUBLE;
    let state =
        |body: &mut Graph, stem: &str| body.input(&format!("{name}_{stem}"), double, &[Dim::Batch, Dim::Fixed(h)]);
    let h_prev = state(&mut body, "h");
    let c_prev = (shape.cell == Cell::Lstm).then(|| state(&mut body, "c"));
    let x = body.input(&format!("{name}_x"), double, &[Dim::Batch, Dim::Fixed(gh)]);
    let keep = body.input(&format!("{name}_mask"), data_type::BOOL, &[Dim::Batch, Dim::Fixed(1)]);
    let recurrent = body.node("Gemm", &[&h_prev, w_hh, b_hh], None, vec![int_attribute("transB", 1)]);
    let (h_new, c_new) = match shape.cell {
        Cell::Rnn => {
            let pre = body.node("Add", &[&x, &recurrent], None, Vec::new());
            let op = if shape.nonlinearity == Nonlinearity::Relu { "Relu" } else { "Tanh" };
            (body.node(op, &[&pre], None, Vec::new()), None)
        }
        Cell::Lstm => {
            let c_prev = c_prev.as_deref().unwrap_or_default();
            let (h_new, c_new) = lstm_step(&mut body, &x, &recurrent, c_prev);
            (h_new, Some(c_new))
        }
        Cell::Gru => (gru_step(&mut body, &x, &recurrent, &h_prev), None),
    };
    let h_out = body.node("Where", &[&keep, &h_new, &h_prev], None, Vec::new());
    body.output(&h_out, double, &[Dim::Batch, Dim::Fixed(h)]);
    if let (Some(c_new), Some(c_prev)) = (c_new, &c_prev) {
        let c_out = body.node("Where", &[&keep, &c_new, c_prev], None, Vec::new());
        body.output(&c_out, double, &[Dim::Batch, Dim::Fixed(h)]);
    }
    // A scan output must be a value of its own, not the state output again.
    let y = body.node("Identity", &[&h_out], None, Vec::new());
    body.output(&y, double, &[Dim::Batch, Dim::Fixed(h)]);
    body.into_subgraph()
}

/// `n` equal parts of `value` along axis 1.
fn split(body: &mut Graph, value: &str, n: usize) -> Vec<String> {
    let names: Vec<String> = (0..n).map(|k| body.fresh(&format!("part{k}"))).collect();
    let outputs: Vec<&str> = names.iter().map(String::as_str).collect();
    body.node_outputs("Split", &[value], &outputs, vec![int_attribute("axis", 1)]);
    names
}

/// PyTorch's LSTM step from the gates' pre-activations `x + recurrent` (i, f, g, o): returns
/// `(h, c)`.
fn lstm_step(body: &mut Graph, x: &str, recurrent: &str, c_prev: &str) -> (String, String) {
    let pre = body.node("Add", &[x, recurrent], None, Vec::new());
    let gates = split(body, &pre, 4);
    let i = body.node("Sigmoid", &[&gates[0]], None, Vec::new());
    let f = body.node("Sigmoid", &[&gates[1]], None, Vec::new());
    let g = body.node("Tanh", &[&gates[2]], None, Vec::new());
    let o = body.node("Sigmoid", &[&gates[3]], None, Vec::new());
    let kept = body.node("Mul", &[&f, c_prev], None, Vec::new());
    let written = body.node("Mul", &[&i, &g], None, Vec::new());
    let c = body.node("Add", &[&kept, &written], None, Vec::new());
    let tanh_c = body.node("Tanh", &[&c], None, Vec::new());
    (body.node("Mul", &[&o, &tanh_c], None, Vec::new()), c)
}

/// PyTorch's GRU step (r, z, n; the reset gate scales the biased recurrent product):
/// `h = (1 - z)·n + z·h_prev`.
fn gru_step(body: &mut Graph, x: &str, recurrent: &str, h_prev: &str) -> String {
    let xs = split(body, x, 3);
    let hs = split(body, recurrent, 3);
    let r = body.node("Add", &[&xs[0], &hs[0]], None, Vec::new());
    let r = body.node("Sigmoid", &[&r], None, Vec::new());
    let z = body.node("Add", &[&xs[1], &hs[1]], None, Vec::new());
    let z = body.node("Sigmoid", &[&z], None, Vec::new());
    let reset = body.node("Mul", &[&r, &hs[2]], None, Vec::new());
    let n = body.node("Add", &[&xs[2], &reset], None, Vec::new());
    let n = body.node("Tanh", &[&n], None, Vec::new());
    let one = body.floats(&body.fresh("one"), &[], [1.0_f64]);
    let update = body.node("Sub", &[&one, &z], None, Vec::new());
    let new = body.node("Mul", &[&update, &n], None, Vec::new());
    let old = body.node("Mul", &[&z, h_prev], None, Vec::new());
    body.node("Add", &[&new, &old], None, Vec::new())
}
