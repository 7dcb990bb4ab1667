//! A step-by-step trace of back-propagation through time, for learners.
//!
//! A tiny recurrent network reads a sequence `x(1), ..., x(T)` one step at a time, carrying its
//! state `h(t)` (and the LSTM's cell `c(t)`) from each step to the next, starting from zeros.
//! Its last state feeds one linear output `y = w_y · h(T) + b_y`, and the error is the squared
//! error `E = ½ (y − target)²`. The cells are PyTorch's, with its names and layout (see
//! [`crate::network::recurrent`]): each gate's pre-activation is `W_i· x + b_i· + W_h· h + b_h·`
//! (two biases, as PyTorch has), with the gates stacked in the order i, f, g, o (LSTM) and r, z, n
//! (GRU), and the GRU's reset gate applied to the biased recurrent product,
//! `n = tanh(W_in x + b_in + r (W_hn h + b_hn))`.
//!
//! The backward pass goes through time in reverse: at each step the error's derivative with
//! respect to the state, `∂E/∂h(t)`, is what the output sends (at the last step) or what the
//! next step sends back through `W_hh` (and through the GRU's `z`, the LSTM's cell); the chain
//! rule turns it into each gate's delta `∂E/∂a` (its pre-activation's derivative), and every
//! step adds its share `δ · x(t)` and `δ · h(t − 1)` to the gradients of the weights it shares
//! with every other step. One gradient-descent step then moves every weight and bias by
//! `−η · ∂E/∂w`. [`trace`] records every one of these numbers with plain loops, written apart
//! from the engine's batched passes, so the two check each other.
//!
//! ```
//! use neurona::explain::recurrent::{course_example, trace};
//! use neurona::network::recurrent::Cell;
//!
//! let t = trace(&course_example(Cell::Gru))?;
//! // Three steps forward, the same three back; then one step against the gradient.
//! assert_eq!((t.forward.len(), t.backward.len()), (3, 3));
//! assert_eq!(t.gradients.output_bias, t.output - t.example.target);
//! assert_eq!(t.updated.output_bias, 0.1 - 0.5 * t.gradients.output_bias);
//! # Ok::<(), neurona::NeuronaError>(())
//! ```

use crate::activation::logistic;
use crate::error::{NeuronaError, Result};
use crate::network::recurrent::{Cell, Nonlinearity};

/// The weights of a traced recurrent network, in PyTorch's layout.
#[derive(Debug, Clone, PartialEq)]
pub struct RecurrentWeights {
    /// `weight_ih_l0`, `(G·H, input)`: row `k·H + u` feeds unit `u` of gate `k`.
    pub weight_ih: Vec<Vec<f64>>,
    /// `weight_hh_l0`, `(G·H, H)`.
    pub weight_hh: Vec<Vec<f64>>,
    /// `bias_ih_l0`, `(G·H,)`.
    pub bias_ih: Vec<f64>,
    /// `bias_hh_l0`, `(G·H,)`.
    pub bias_hh: Vec<f64>,
    /// The output's weights, one per unit of the state, `(H,)`.
    pub output_weights: Vec<f64>,
    /// The output's bias.
    pub output_bias: f64,
}

impl RecurrentWeights {
    /// `H`, the units of the state.
    pub fn hidden_size(&self) -> usize {
        self.output_weights.len()
    }

    /// The recurrent tensors in the flat buffer of [`crate::network::recurrent`] (PyTorch's
    /// `named_parameters()` order: `weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`,
    /// `bias_hh_l0`, each row-major), the output's weights and bias left out.
    pub fn recurrent_params(&self) -> Vec<f64> {
        let rows = self.weight_ih.iter().chain(&self.weight_hh).flatten();
        rows.chain(&self.bias_ih).chain(&self.bias_hh).copied().collect()
    }

    /// `f(w, o)` for each value `w` of `self` and `o` of `other`, in the same place of weights
    /// of the same shapes.
    fn zip_map(&self, other: &Self, f: impl Fn(f64, f64) -> f64) -> Self {
        let values = |w: &[f64], o: &[f64]| -> Vec<f64> { w.iter().zip(o).map(|(&w, &o)| f(w, o)).collect() };
        let rows =
            |w: &[Vec<f64>], o: &[Vec<f64>]| -> Vec<Vec<f64>> { w.iter().zip(o).map(|(w, o)| values(w, o)).collect() };
        Self {
            weight_ih: rows(&self.weight_ih, &other.weight_ih),
            weight_hh: rows(&self.weight_hh, &other.weight_hh),
            bias_ih: values(&self.bias_ih, &other.bias_ih),
            bias_hh: values(&self.bias_hh, &other.bias_hh),
            output_weights: values(&self.output_weights, &other.output_weights),
            output_bias: f(self.output_bias, other.output_bias),
        }
    }
}

/// A network and a sequence to trace.
#[derive(Debug, Clone, PartialEq)]
pub struct RecurrentExample {
    /// The cell.
    pub cell: Cell,
    /// The Elman cell's non-linearity (the LSTM and GRU ignore it).
    pub nonlinearity: Nonlinearity,
    /// The weights before the step.
    pub weights: RecurrentWeights,
    /// The sequence, `(T, input)`.
    pub inputs: Vec<Vec<f64>>,
    /// The target of the output.
    pub target: f64,
    /// The learning rate η.
    pub learning_rate: f64,
}

/// What one step of the forward pass computed. Vectors of `G·H` values are stacked by gate as
/// the weights' rows are.
#[derive(Debug, Clone, PartialEq)]
pub struct StepForward {
    /// `x(t)`.
    pub input: Vec<f64>,
    /// `h(t − 1)` (zeros before the first step).
    pub h_prev: Vec<f64>,
    /// `c(t − 1)` (LSTM; empty otherwise).
    pub c_prev: Vec<f64>,
    /// `W_ih x(t) + b_ih`, `(G·H)`.
    pub input_part: Vec<f64>,
    /// `W_hh h(t − 1) + b_hh`, `(G·H)`.
    pub recurrent_part: Vec<f64>,
    /// Each gate's pre-activation `a`: the two parts' sum, but the GRU's n gate's
    /// `input_part + r · recurrent_part`.
    pub pre_activation: Vec<f64>,
    /// Each gate's value: σ(a) for i, f, o, r, z; tanh(a) for g, n; the Elman cell's f(a) = h(t).
    pub gates: Vec<f64>,
    /// `c(t)` (LSTM; empty otherwise).
    pub cell: Vec<f64>,
    /// `h(t)`.
    pub hidden: Vec<f64>,
}

/// What back-propagation through time computed at one step.
#[derive(Debug, Clone, PartialEq)]
pub struct StepBackward {
    /// `∂E/∂h(t)`: from the output at the last step, from step `t + 1` before it.
    pub d_hidden: Vec<f64>,
    /// `∂E/∂c(t)` (LSTM; empty otherwise).
    pub d_cell: Vec<f64>,
    /// `∂E/∂(gate value)`, `(G·H)` (the Elman cell's is `∂E/∂h(t)`).
    pub d_gates: Vec<f64>,
    /// `δ = ∂E/∂a`, each gate's pre-activation's derivative, `(G·H)`: the gradient of
    /// `W_ih x + b_ih`.
    pub delta: Vec<f64>,
    /// The gradient of `W_hh h(t − 1) + b_hh`: `δ`, but `δ_n · r` for the GRU's n gate.
    pub delta_recurrent: Vec<f64>,
    /// This step's share of `∂E/∂W_ih`: `δ x(t)ᵀ`, `(G·H, input)`.
    pub d_weight_ih: Vec<Vec<f64>>,
    /// This step's share of `∂E/∂W_hh`: `δ_recurrent h(t − 1)ᵀ`, `(G·H, H)`.
    pub d_weight_hh: Vec<Vec<f64>>,
}

/// The whole traced step.
#[derive(Debug, Clone, PartialEq)]
pub struct RecurrentTrace {
    /// What was traced: the cell, the weights before the step, the sequence, the target and
    /// the learning rate.
    pub example: RecurrentExample,
    /// One entry per step, in time order.
    pub forward: Vec<StepForward>,
    /// `y = w_y · h(T) + b_y`.
    pub output: f64,
    /// `E = ½ (y − target)²`.
    pub error: f64,
    /// `∂E/∂y = y − target`.
    pub d_output: f64,
    /// One entry per step, in time order (computed from the last step back).
    pub backward: Vec<StepBackward>,
    /// `∂E/∂w` of every weight and bias: the steps' shares summed.
    pub gradients: RecurrentWeights,
    /// The weights after one step `w − η ∂E/∂w`.
    pub updated: RecurrentWeights,
}

/// Rows of 2 values.
fn rows(values: &[[f64; 2]]) -> Vec<Vec<f64>> {
    values.iter().map(|r| r.to_vec()).collect()
}

/// The course's recurrent tensors, and its output `w_y = (0.6, -0.4)`, `b_y = 0.1`.
fn course_weights(
    weight_ih: &[[f64; 2]],
    weight_hh: &[[f64; 2]],
    bias_ih: &[f64],
    bias_hh: &[f64],
) -> RecurrentWeights {
    RecurrentWeights {
        weight_ih: rows(weight_ih),
        weight_hh: rows(weight_hh),
        bias_ih: bias_ih.to_vec(),
        bias_hh: bias_hh.to_vec(),
        output_weights: vec![0.6, -0.4],
        output_bias: 0.1,
    }
}

/// The course's tiny network for `cell` (input 2, hidden 2, 3 steps), with small round weights
/// a learner can redo by hand: `x(1) = (0.5, −1)`, `x(2) = (1, 0.5)`, `x(3) = (−0.5, 1)`,
/// target 1, output weights `(0.6, −0.4)` and bias 0.1, learning rate 0.5. The Elman cell's
/// weights are also the LSTM's g gate and the GRU's n gate.
pub fn course_example(cell: Cell) -> RecurrentExample {
    // Per gate, two rows (units 1 and 2) of two weights.
    let weights = match cell {
        Cell::Rnn => course_weights(&[[0.5, -0.3], [0.2, 0.4]], &[[0.1, -0.2], [0.3, 0.2]], &[0.1, -0.1], &[0.0, 0.1]),
        Cell::Lstm => course_weights(
            // i, f, g, o
            &[[0.1, 0.2], [-0.1, 0.3], [0.4, -0.2], [0.2, 0.1], [0.5, -0.3], [0.2, 0.4], [0.3, 0.1], [-0.2, 0.2]],
            &[[0.2, -0.1], [0.1, 0.3], [0.1, 0.2], [-0.3, 0.1], [0.1, -0.2], [0.3, 0.2], [-0.1, 0.2], [0.2, 0.1]],
            &[0.1, 0.0, 0.5, 0.5, 0.1, -0.1, 0.1, -0.1],
            &[0.0, 0.1, 0.0, 0.0, 0.0, 0.1, 0.1, 0.0],
        ),
        Cell::Gru => course_weights(
            // r, z, n
            &[[0.2, -0.1], [0.1, 0.3], [0.3, 0.2], [-0.2, 0.1], [0.5, -0.3], [0.2, 0.4]],
            &[[0.1, 0.2], [-0.1, 0.1], [0.2, -0.1], [0.1, 0.2], [0.1, -0.2], [0.3, 0.2]],
            &[0.0, 0.1, -0.1, 0.0, 0.1, -0.1],
            &[0.1, 0.0, 0.0, 0.1, 0.2, -0.1],
        ),
    };
    RecurrentExample {
        cell,
        nonlinearity: Nonlinearity::Tanh,
        weights,
        inputs: rows(&[[0.5, -1.0], [1.0, 0.5], [-0.5, 1.0]]),
        target: 1.0,
        learning_rate: 0.5,
    }
}

/// Checks that the weights' shapes fit the cell and each other, the inputs the weights, and
/// that every number is finite.
fn check(example: &RecurrentExample) -> Result<()> {
    let w = &example.weights;
    let (g, h) = (example.cell.gates(), w.hidden_size());
    if h == 0 {
        return Err(NeuronaError::input("weights", "the output needs at least one weight (one per hidden unit)"));
    }
    for (name, found) in [
        ("weight_ih", w.weight_ih.len()),
        ("weight_hh", w.weight_hh.len()),
        ("bias_ih", w.bias_ih.len()),
        ("bias_hh", w.bias_hh.len()),
    ] {
        if found != g * h {
            return Err(NeuronaError::input(
                "weights",
                format!("{name} has {found} rows; a {} cell with {h} hidden units needs {}", example.cell, g * h),
            ));
        }
    }
    // The input width is weight_ih's: the sequence's steps are checked against it.
    let input = w.weight_ih[0].len();
    for (name, rows, width) in [("weight_ih", &w.weight_ih, input.max(1)), ("weight_hh", &w.weight_hh, h)] {
        if let Some((r, row)) = rows.iter().enumerate().find(|(_, row)| row.len() != width) {
            return Err(NeuronaError::input(
                "weights",
                format!("row {} of {name} has {} values, expected {width}", r + 1, row.len()),
            ));
        }
    }
    if example.inputs.is_empty() {
        return Err(NeuronaError::input("inputs", "the sequence needs at least one step"));
    }
    if let Some((t, step)) = example.inputs.iter().enumerate().find(|(_, step)| step.len() != input) {
        return Err(NeuronaError::input(
            "inputs",
            format!("step {} has {} features; the weights take {input}", t + 1, step.len()),
        ));
    }
    if example.learning_rate <= 0.0 {
        return Err(NeuronaError::parameter("learning_rate", "a float > 0", example.learning_rate));
    }
    let numbers = w.recurrent_params().into_iter().chain(w.output_weights.iter().copied()).chain([
        w.output_bias,
        example.target,
        example.learning_rate,
    ]);
    if !numbers.chain(example.inputs.iter().flatten().copied()).all(f64::is_finite) {
        return Err(NeuronaError::input(
            "weights",
            "inputs, target, weights and the learning rate must be finite numbers",
        ));
    }
    Ok(())
}

/// `W v + b`, row by row.
fn affine(w: &[Vec<f64>], v: &[f64], b: &[f64]) -> Vec<f64> {
    w.iter().zip(b).map(|(row, b)| row.iter().zip(v).map(|(w, v)| w * v).sum::<f64>() + b).collect()
}

/// One step of the forward pass.
fn step_forward(ex: &RecurrentExample, x: &[f64], h_prev: &[f64], c_prev: &[f64]) -> StepForward {
    let w = &ex.weights;
    let h = w.hidden_size();
    let input_part = affine(&w.weight_ih, x, &w.bias_ih);
    let recurrent_part = affine(&w.weight_hh, h_prev, &w.bias_hh);
    let mut pre: Vec<f64> = input_part.iter().zip(&recurrent_part).map(|(a, b)| a + b).collect();
    let mut gates = vec![0.0; pre.len()];
    let (cell, hidden): (Vec<f64>, Vec<f64>) = match ex.cell {
        Cell::Rnn => {
            for (v, &a) in gates.iter_mut().zip(&pre) {
                *v = if ex.nonlinearity == Nonlinearity::Tanh { a.tanh() } else { a.max(0.0) };
            }
            (Vec::new(), gates.clone())
        }
        Cell::Lstm => {
            for (k, (v, &a)) in gates.iter_mut().zip(&pre).enumerate() {
                // Gate g (the third) is the candidate, squashed by tanh; i, f, o are sigmoids.
                *v = if k / h == 2 { a.tanh() } else { logistic(a) };
            }
            let c: Vec<f64> = (0..h).map(|u| gates[h + u] * c_prev[u] + gates[u] * gates[2 * h + u]).collect();
            let hidden = (0..h).map(|u| gates[3 * h + u] * c[u].tanh()).collect();
            (c, hidden)
        }
        Cell::Gru => {
            for k in 0..2 * h {
                gates[k] = logistic(pre[k]);
            }
            for u in 0..h {
                pre[2 * h + u] = input_part[2 * h + u] + gates[u] * recurrent_part[2 * h + u];
                gates[2 * h + u] = pre[2 * h + u].tanh();
            }
            let hidden = (0..h).map(|u| (1.0 - gates[h + u]) * gates[2 * h + u] + gates[h + u] * h_prev[u]).collect();
            (Vec::new(), hidden)
        }
    };
    StepForward {
        input: x.to_vec(),
        h_prev: h_prev.to_vec(),
        c_prev: if ex.cell == Cell::Lstm { c_prev.to_vec() } else { Vec::new() },
        input_part,
        recurrent_part,
        pre_activation: pre,
        gates,
        cell,
        hidden,
    }
}

/// The gates' derivatives at one step, from `∂E/∂h(t)` and (LSTM) the part of `∂E/∂c(t)` that
/// step `t + 1` sends back, `∂E/∂c(t + 1) · f(t + 1)`: `(d_cell, d_gates, delta,
/// delta_recurrent)`.
fn step_deltas(ex: &RecurrentExample, s: &StepForward, d_h: &[f64], d_c_next: &[f64]) -> [Vec<f64>; 4] {
    let h = d_h.len();
    let v = &s.gates;
    let sigmoid_slope = |k: usize| v[k] * (1.0 - v[k]);
    let tanh_slope = |k: usize| 1.0 - v[k] * v[k];
    let mut d_cell = Vec::new();
    let mut d_gates = vec![0.0; v.len()];
    let mut delta = vec![0.0; v.len()];
    match ex.cell {
        Cell::Rnn => {
            for (u, &d) in d_h.iter().enumerate() {
                d_gates[u] = d;
                let slope = match ex.nonlinearity {
                    Nonlinearity::Tanh => tanh_slope(u),
                    // The derivative of max(a, 0) taken as 0 at a = 0, as the engine takes it.
                    Nonlinearity::Relu => f64::from(u8::from(v[u] > 0.0)),
                };
                delta[u] = d * slope;
            }
        }
        Cell::Lstm => {
            for u in 0..h {
                let (i, f, g, o) = (u, h + u, 2 * h + u, 3 * h + u);
                let tanh_c = s.cell[u].tanh();
                let d_c = d_h[u] * v[o] * (1.0 - tanh_c * tanh_c) + d_c_next[u];
                d_cell.push(d_c);
                d_gates[i] = d_c * v[g];
                d_gates[f] = d_c * s.c_prev[u];
                d_gates[g] = d_c * v[i];
                d_gates[o] = d_h[u] * tanh_c;
                for (k, slope) in
                    [(i, sigmoid_slope(i)), (f, sigmoid_slope(f)), (g, tanh_slope(g)), (o, sigmoid_slope(o))]
                {
                    delta[k] = d_gates[k] * slope;
                }
            }
        }
        Cell::Gru => {
            for (u, &d) in d_h.iter().enumerate() {
                let (r, z, n) = (u, h + u, 2 * h + u);
                d_gates[n] = d * (1.0 - v[z]);
                d_gates[z] = d * (s.h_prev[u] - v[n]);
                delta[n] = d_gates[n] * tanh_slope(n);
                delta[z] = d_gates[z] * sigmoid_slope(z);
                d_gates[r] = delta[n] * s.recurrent_part[n];
                delta[r] = d_gates[r] * sigmoid_slope(r);
            }
        }
    }
    let mut delta_recurrent = delta.clone();
    if ex.cell == Cell::Gru {
        for u in 0..h {
            delta_recurrent[2 * h + u] = delta[2 * h + u] * v[u];
        }
    }
    [d_cell, d_gates, delta, delta_recurrent]
}

/// `δ vᵀ`: one step's share of a weight matrix's gradient.
fn outer(delta: &[f64], v: &[f64]) -> Vec<Vec<f64>> {
    delta.iter().map(|d| v.iter().map(|x| d * x).collect()).collect()
}

/// Back-propagation through time, from the last step to the first: the steps' records in time
/// order and the summed gradients of the recurrent weights (added to `grads`).
fn backward(
    ex: &RecurrentExample,
    forward: &[StepForward],
    d_y: f64,
    grads: &mut RecurrentWeights,
) -> Vec<StepBackward> {
    let w = &ex.weights;
    let h = w.hidden_size();
    let mut d_h: Vec<f64> = w.output_weights.iter().map(|v| d_y * v).collect();
    let mut d_c_next = vec![0.0; h];
    let mut steps = Vec::with_capacity(forward.len());
    for s in forward.iter().rev() {
        let [d_cell, d_gates, delta, delta_recurrent] = step_deltas(ex, s, &d_h, &d_c_next);
        let d_weight_ih = outer(&delta, &s.input);
        let d_weight_hh = outer(&delta_recurrent, &s.h_prev);
        for (sum, share) in [(&mut grads.weight_ih, &d_weight_ih), (&mut grads.weight_hh, &d_weight_hh)] {
            sum.iter_mut().flatten().zip(share.iter().flatten()).for_each(|(g, v)| *g += v);
        }
        grads.bias_ih.iter_mut().zip(&delta).for_each(|(g, v)| *g += v);
        grads.bias_hh.iter_mut().zip(&delta_recurrent).for_each(|(g, v)| *g += v);
        // What this step sends back to h(t − 1): through W_hh, and the GRU's direct path z h.
        let mut d_h_prev: Vec<f64> =
            (0..h).map(|j| delta_recurrent.iter().zip(&w.weight_hh).map(|(d, row)| d * row[j]).sum()).collect();
        if ex.cell == Cell::Gru {
            (0..h).for_each(|u| d_h_prev[u] += d_h[u] * s.gates[h + u]);
        }
        if ex.cell == Cell::Lstm {
            d_c_next = (0..h).map(|u| d_cell[u] * s.gates[h + u]).collect();
        }
        steps.push(StepBackward {
            d_hidden: std::mem::replace(&mut d_h, d_h_prev),
            d_cell,
            d_gates,
            delta,
            delta_recurrent,
            d_weight_ih,
            d_weight_hh,
        });
    }
    steps.reverse();
    steps
}

/// Traces the forward pass step by step, the error, back-propagation through time step by
/// step backwards, and one gradient step of every weight and bias.
///
/// # Errors
/// [`NeuronaError::InvalidInput`] if the weights' shapes do not fit the cell or each other,
/// the sequence is empty or its steps' widths differ from `weight_ih`'s, or a number is not
/// finite; [`NeuronaError::InvalidParameter`] for a learning rate that is not > 0.
pub fn trace(example: &RecurrentExample) -> Result<RecurrentTrace> {
    check(example)?;
    let w = &example.weights;
    let h = w.hidden_size();
    let (mut h_prev, mut c_prev) = (vec![0.0; h], vec![0.0; h]);
    let mut forward = Vec::with_capacity(example.inputs.len());
    for x in &example.inputs {
        let s = step_forward(example, x, &h_prev, &c_prev);
        h_prev.clone_from(&s.hidden);
        if example.cell == Cell::Lstm {
            c_prev.clone_from(&s.cell);
        }
        forward.push(s);
    }
    let output = w.output_weights.iter().zip(&h_prev).map(|(v, h)| v * h).sum::<f64>() + w.output_bias;
    let d_output = output - example.target;
    let mut gradients = w.zip_map(w, |_, _| 0.0);
    gradients.output_weights = h_prev.iter().map(|h| d_output * h).collect();
    gradients.output_bias = d_output;
    let backward = backward(example, &forward, d_output, &mut gradients);
    let updated = w.zip_map(&gradients, |w, g| w - example.learning_rate * g);
    Ok(RecurrentTrace {
        example: example.clone(),
        forward,
        output,
        error: 0.5 * d_output * d_output,
        d_output,
        backward,
        gradients,
        updated,
    })
}
