//! The course's trace through time (`explain::recurrent`), verified for each cell: its loss and
//! every gradient equal the engine's batched forward pass and back-propagation through time
//! (`network::recurrent`), and central finite differences of its own loss; a few of its numbers
//! are worked by hand.

use neurona::explain::recurrent::{RecurrentExample, RecurrentWeights, course_example, trace};
use neurona::network::recurrent::{
    self, Cell, Nonlinearity, RecurrentShape, RecurrentWorkspace, Sequences, last_states_gradient,
};

/// Every weight and bias, the recurrent tensors in the engine's order, then the output's.
fn all_params(w: &mut RecurrentWeights) -> Vec<&mut f64> {
    let rows = w.weight_ih.iter_mut().chain(w.weight_hh.iter_mut()).flatten();
    let biases = w.bias_ih.iter_mut().chain(w.bias_hh.iter_mut());
    rows.chain(biases).chain(w.output_weights.iter_mut()).chain([&mut w.output_bias]).collect()
}

fn flat(w: &RecurrentWeights) -> Vec<f64> {
    all_params(&mut w.clone()).into_iter().map(|v| *v).collect()
}

/// The engine's loss and gradient (recurrent tensors, then the output's) for the same network.
fn engine(ex: &RecurrentExample) -> (f64, Vec<f64>) {
    let w = &ex.weights;
    let (steps, h) = (ex.inputs.len(), w.hidden_size());
    let shape = RecurrentShape {
        cell: ex.cell,
        nonlinearity: ex.nonlinearity,
        input_size: ex.inputs[0].len(),
        hidden_size: h,
        num_layers: 1,
        bidirectional: false,
    };
    let params = w.recurrent_params();
    let x: Vec<f64> = ex.inputs.iter().flatten().copied().collect();
    let seqs = Sequences { values: &x, lengths: &[steps], t_max: steps };
    let mut ws = RecurrentWorkspace::new(&shape, 1, steps);
    recurrent::forward(&shape, &params, seqs, None, &mut ws).unwrap();
    let last = ws.last_states().to_vec();
    let y = w.output_weights.iter().zip(&last).map(|(a, b)| a * b).sum::<f64>() + w.output_bias;
    let d_y = y - ex.target;
    let d_last: Vec<f64> = w.output_weights.iter().map(|v| d_y * v).collect();
    let mut d_final = vec![0.0; h];
    last_states_gradient(&shape, &d_last, &mut d_final).unwrap();
    let mut grad = vec![0.0; shape.n_params()];
    recurrent::backward(&shape, &params, seqs, None, &mut ws, None, Some(&d_final), None, &mut grad, None).unwrap();
    grad.extend(last.iter().map(|h| d_y * h));
    grad.push(d_y);
    (0.5 * d_y * d_y, grad)
}

/// Central differences of the trace's own error.
fn finite_differences(ex: &RecurrentExample) -> Vec<f64> {
    let eps = 1e-6;
    let n = flat(&ex.weights).len();
    (0..n)
        .map(|k| {
            let error_at = |delta: f64| {
                let mut moved = ex.clone();
                *all_params(&mut moved.weights)[k] += delta;
                trace(&moved).unwrap().error
            };
            (error_at(eps) - error_at(-eps)) / (2.0 * eps)
        })
        .collect()
}

/// A network of `input` features, `hidden` units and `steps` steps with pseudo-random weights
/// in [-0.8, 0.8), larger than the course's so that every gate works away from its middle.
fn random_example(cell: Cell, nonlinearity: Nonlinearity, seed: u64) -> RecurrentExample {
    let (input, hidden, steps) = (3, 4, 5);
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        1.6 * ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.8
    };
    let gh = cell.gates() * hidden;
    let mut matrix = |rows: usize, cols: usize| -> Vec<Vec<f64>> {
        (0..rows).map(|_| (0..cols).map(|_| next()).collect()).collect()
    };
    let weight_ih = matrix(gh, input);
    let weight_hh = matrix(gh, hidden);
    let mut biases = matrix(3, gh);
    let inputs = matrix(steps, input).into_iter().map(|x| x.iter().map(|v| 2.0 * v).collect()).collect();
    let output_weights: Vec<f64> = biases[2][..hidden].to_vec();
    let bias_hh = biases.pop().unwrap();
    let bias_ih = biases.pop().unwrap();
    RecurrentExample {
        cell,
        nonlinearity,
        weights: RecurrentWeights {
            weight_ih,
            weight_hh,
            bias_ih,
            bias_hh: bias_hh.clone(),
            output_weights,
            output_bias: biases[0][0],
        },
        inputs,
        target: bias_hh[0] + 1.0,
        learning_rate: 0.1,
    }
}

fn examples() -> Vec<RecurrentExample> {
    let mut all: Vec<RecurrentExample> = Cell::ALL.iter().map(|&c| course_example(c)).collect();
    for (seed, &cell) in Cell::ALL.iter().enumerate() {
        all.push(random_example(cell, Nonlinearity::Tanh, seed as u64 + 1));
    }
    all.push(random_example(Cell::Rnn, Nonlinearity::Relu, 9));
    all
}

fn assert_close(what: &str, ours: &[f64], theirs: &[f64], tol: f64) {
    assert_eq!(ours.len(), theirs.len(), "{what}");
    for (k, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert!((a - b).abs() <= tol * b.abs().max(1.0), "{what}, value {k}: {a} vs {b}");
    }
}

#[test]
fn the_trace_takes_the_engines_step() {
    for ex in examples() {
        let t = trace(&ex).unwrap();
        let (error, grad) = engine(&ex);
        let what = format!("{} ({}, {} steps)", ex.cell, ex.nonlinearity, ex.inputs.len());
        assert_close(&format!("error of {what}"), &[t.error], &[error], 1e-13);
        assert_close(&format!("gradient of {what}"), &flat(&t.gradients), &grad, 1e-12);
        assert!(grad.iter().filter(|g| g.abs() > 1e-6).count() > grad.len() / 2, "{what}: mostly zero gradients");
        // The update is one step against the gradient, every weight and bias.
        let expected: Vec<f64> = flat(&ex.weights).iter().zip(&grad).map(|(w, g)| w - ex.learning_rate * g).collect();
        assert_close(&format!("update of {what}"), &flat(&t.updated), &expected, 1e-15);
    }
}

#[test]
fn the_trace_agrees_with_finite_differences() {
    for ex in examples() {
        let t = trace(&ex).unwrap();
        let what = format!("{} ({})", ex.cell, ex.nonlinearity);
        assert_close(&what, &flat(&t.gradients), &finite_differences(&ex), 1e-7);
    }
}

/// The steps' shares add up to the gradients, and what the backward pass records at each step
/// is consistent with the forward pass.
#[test]
fn the_shares_of_the_steps_sum_to_the_gradients() {
    for ex in examples() {
        let t = trace(&ex).unwrap();
        let g = &t.gradients;
        for k in 0..g.bias_ih.len() {
            let sum = |f: &dyn Fn(usize) -> f64| (0..t.backward.len()).map(f).sum::<f64>();
            assert_close("b_ih", &[sum(&|s| t.backward[s].delta[k])], &[g.bias_ih[k]], 1e-15);
            assert_close("b_hh", &[sum(&|s| t.backward[s].delta_recurrent[k])], &[g.bias_hh[k]], 1e-15);
            for i in 0..g.weight_ih[k].len() {
                assert_close("W_ih", &[sum(&|s| t.backward[s].d_weight_ih[k][i])], &[g.weight_ih[k][i]], 1e-15);
            }
        }
        // The first step's recurrent shares are zero: h(0) = 0.
        assert!(t.backward[0].d_weight_hh.iter().flatten().all(|&v| v == 0.0));
        let last = t.forward.last().unwrap();
        let d_h: Vec<f64> = ex.weights.output_weights.iter().map(|v| t.d_output * v).collect();
        assert_eq!(t.backward.last().unwrap().d_hidden, d_h);
        let y = ex.weights.output_weights.iter().zip(&last.hidden).map(|(a, b)| a * b).sum::<f64>();
        assert_close("y", &[t.output], &[y + ex.weights.output_bias], 1e-15);
    }
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The first step of each course network, by hand from the weights written in
/// [`course_example`]: x(1) = (0.5, -1), h(0) = c(0) = 0.
#[test]
fn the_first_step_worked_by_hand() {
    let first = |cell| trace(&course_example(cell)).unwrap().forward[0].clone();
    // Elman: a1 = 0.5*0.5 + -0.3*-1 + 0.1 + 0 = 0.65, a2 = 0.2*0.5 + 0.4*-1 - 0.1 + 0.1 = -0.3.
    let s = first(Cell::Rnn);
    assert_close("rnn a(1)", &s.pre_activation, &[0.65, -0.3], 1e-15);
    assert_close("rnn h(1)", &s.hidden, &[0.65f64.tanh(), (-0.3f64).tanh()], 1e-15);
    // LSTM, unit 1: a_i1 = 0.05 - 0.2 + 0.1 = -0.05, a_g1 = 0.65, a_o1 = 0.15 - 0.1 + 0.1 + 0.1.
    let s = first(Cell::Lstm);
    let c1 = sigmoid(-0.05) * 0.65f64.tanh();
    assert_close("lstm c1(1)", &s.cell[..1], &[c1], 1e-15);
    assert_close("lstm h1(1)", &s.hidden[..1], &[sigmoid(0.25) * c1.tanh()], 1e-15);
    // GRU, unit 1: a_r1 = 0.1 + 0.1 + 0 + 0.1 = 0.3, a_z1 = 0.15 - 0.2 - 0.1 = -0.15,
    // a_n1 = 0.25 + 0.3 + 0.1 + r1 * (0 + b_hn1 = 0.2).
    let s = first(Cell::Gru);
    let n1 = (0.65 + sigmoid(0.3) * 0.2).tanh();
    assert_close("gru h1(1)", &s.hidden[..1], &[(1.0 - sigmoid(-0.15)) * n1], 1e-15);
}

#[test]
fn bad_networks_are_errors_naming_what() {
    let message = |edit: &dyn Fn(&mut RecurrentExample)| {
        let mut ex = course_example(Cell::Lstm);
        edit(&mut ex);
        trace(&ex).unwrap_err().to_string()
    };
    assert!(
        message(&|ex| {
            ex.weights.weight_ih.pop();
        })
        .contains("weight_ih has 7 rows")
    );
    assert!(message(&|ex| ex.weights.weight_hh[3].push(0.0)).contains("row 4 of weight_hh has 3 values"));
    assert!(message(&|ex| ex.inputs[1].push(0.0)).contains("step 2 has 3 features"));
    assert!(message(&|ex| ex.inputs.clear()).contains("at least one step"));
    assert!(message(&|ex| ex.weights.weight_ih[0].clear()).contains("row 1 of weight_ih has 0 values"));
    assert!(message(&|ex| ex.weights.output_weights.clear()).contains("at least one weight"));
    assert!(message(&|ex| ex.learning_rate = 0.0).contains("learning_rate"));
    assert!(message(&|ex| ex.target = f64::NAN).contains("finite"));
    assert!(message(&|ex| ex.weights.bias_hh[0] = f64::INFINITY).contains("finite"));
}
