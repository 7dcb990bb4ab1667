//! Parity with PyTorch's `nn.RNN`, `nn.LSTM` and `nn.GRU` in float64, from
//! `tests/fixtures/recurrent/cells.json` (written by `scripts/fixtures/recurrent_torch.py`
//! with PyTorch's packed sequences): for the same weights and inputs, the outputs, `h_n`,
//! `c_n`, every parameter's gradient and the input's gradient of
//! `sum(output·w_out) + sum(h_n·w_h) + sum(c_n·w_c)`.
//!
//! Tolerance, elementwise: `|ours - torch| <= 1e-10 · max(|torch|, 1e-3)`, relative with a
//! floor for values near zero, where the two summation orders leave only rounding (about
//! 1e-16 of the terms); padded steps must be exactly zero.

#[path = "common/fixtures.rs"]
mod fixtures;

use fixtures::{cases, floats, usizes};
use neurona::network::recurrent::{self, Cell, Nonlinearity, RecurrentShape, RecurrentWorkspace, Sequences};
use serde_json::Value;

const TOLERANCE: f64 = 1e-10;

fn close(what: &str, ours: &[f64], torch: &[f64]) {
    assert_eq!(ours.len(), torch.len(), "{what}: length");
    for (i, (a, b)) in ours.iter().zip(torch).enumerate() {
        assert!((a - b).abs() <= TOLERANCE * b.abs().max(1e-3), "{what}[{i}]: ours {a:e}, torch {b:e}");
    }
}

fn shape_of(case: &Value) -> RecurrentShape {
    let size = |key: &str| case[key].as_u64().unwrap() as usize;
    RecurrentShape {
        cell: case["cell"].as_str().unwrap().parse::<Cell>().unwrap(),
        nonlinearity: case["nonlinearity"].as_str().unwrap().parse::<Nonlinearity>().unwrap(),
        input_size: size("input_size"),
        hidden_size: size("hidden_size"),
        num_layers: size("num_layers"),
        bidirectional: case["bidirectional"].as_bool().unwrap(),
    }
}

/// The fixture's named tensors laid into the flat buffer, checking names, shapes and order.
fn flat(shape: &RecurrentShape, tensors: &Value, what: &str) -> Vec<f64> {
    let tensors = tensors.as_array().unwrap();
    let layout = shape.tensors();
    assert_eq!(tensors.len(), layout.len(), "{what}: tensor count");
    let mut buffer = vec![f64::NAN; shape.n_params()];
    for (tensor, expected) in tensors.iter().zip(&layout) {
        assert_eq!(tensor["name"].as_str().unwrap(), expected.name, "{what}: order");
        if !tensor["shape"].is_null() {
            assert_eq!(usizes(&tensor["shape"]), expected.shape, "{what}: {}", expected.name);
        }
        buffer[expected.range.clone()].copy_from_slice(&floats(&tensor["values"]));
    }
    buffer
}

/// The gradients of the parameters, tensor by tensor, against the fixture's.
fn close_grads(name: &str, shape: &RecurrentShape, grad: &[f64], torch: &Value) {
    for (tensor, expected) in torch.as_array().unwrap().iter().zip(shape.tensors()) {
        assert_eq!(tensor["name"].as_str().unwrap(), expected.name);
        close(&format!("{name}: grad {}", expected.name), &grad[expected.range], &floats(&tensor["values"]));
    }
}

#[test]
fn forward_and_backward_match_pytorch_in_float64() {
    let all = cases("recurrent/cells.json");
    assert!(all.len() >= 16, "{} cases", all.len());
    for case in &all {
        let name = case["name"].as_str().unwrap();
        let shape = shape_of(case);
        let (n, t_max) = (case["n_sequences"].as_u64().unwrap() as usize, case["t_max"].as_u64().unwrap() as usize);
        let lengths = usizes(&case["lengths"]);
        assert_eq!(lengths.len(), n);
        let x = floats(&case["input"]);
        let params = flat(&shape, &case["params"], name);
        let seqs = Sequences { values: &x, lengths: &lengths, t_max };
        let mut ws = RecurrentWorkspace::new(&shape, n, t_max);
        recurrent::forward(&shape, &params, seqs, None, &mut ws).unwrap();
        close(&format!("{name}: output"), ws.outputs(), &floats(&case["output"]));
        close(&format!("{name}: h_n"), ws.final_hidden(), &floats(&case["h_n"]));
        assert_eq!(ws.final_cell().is_some(), !case["c_n"].is_null(), "{name}: c_n");
        if let Some(cells) = ws.final_cell() {
            close(&format!("{name}: c_n"), cells, &floats(&case["c_n"]));
        }
        let weights = &case["loss_weights"];
        let (w_out, w_h) = (floats(&weights["output"]), floats(&weights["h_n"]));
        let w_c = (!weights["c_n"].is_null()).then(|| floats(&weights["c_n"]));
        let mut grad = vec![f64::NAN; params.len()];
        let mut d_input = vec![f64::NAN; x.len()];
        recurrent::backward(
            &shape,
            &params,
            seqs,
            None,
            &mut ws,
            Some(&w_out),
            Some(&w_h),
            w_c.as_deref(),
            &mut grad,
            Some(&mut d_input),
        )
        .unwrap();
        close_grads(name, &shape, &grad, &case["grad"]);
        close(&format!("{name}: grad_input"), &d_input, &floats(&case["grad_input"]));
    }
}

#[test]
fn the_fixtures_cover_every_cell_stacked_bidirectional_and_packed() {
    let all = cases("recurrent/cells.json");
    for (cell, nonlinearity) in [("rnn", "tanh"), ("rnn", "relu"), ("lstm", "tanh"), ("gru", "tanh")] {
        let of_cell: Vec<&Value> =
            all.iter().filter(|c| c["cell"] == cell && c["nonlinearity"] == nonlinearity).collect();
        let unequal = |c: &&&Value| usizes(&c["lengths"]).windows(2).any(|w| w[0] != w[1]);
        assert!(of_cell.iter().any(|c| c["num_layers"] == 1 && !unequal(&c)), "{cell} {nonlinearity}: 1 layer");
        assert!(
            of_cell.iter().any(|c| c["num_layers"] == 2 && c["bidirectional"] == true && unequal(&c)),
            "{cell} {nonlinearity}: 2 layers, bidirectional, packed"
        );
    }
}
