//! The course's worked example, every intermediate written out: a 2-2-2 network of logistic
//! neurons, squared error, one gradient step of rate 0.5 with the biases held fixed.
//! (The course's slides misprint two of these numbers; these are the correct ones.)

use neurona::activation::Activation;
use neurona::explain::{course_example, trace};
use neurona::network::dense::{dense_backward, dense_forward};

const HIDDEN_OUT: [f64; 2] = [0.593269992, 0.596884378];
const OUTPUT_OUT: [f64; 2] = [0.75136507, 0.772928465];
const TOTAL_ERROR: f64 = 0.298371109;
const NEW_W5_TO_W8: [f64; 4] = [0.35891648, 0.408666186, 0.511301270, 0.561370121];
const NEW_W1_TO_W4: [f64; 4] = [0.149780716, 0.19956143, 0.24975114, 0.29950229];

fn close(what: &str, ours: f64, expected: f64) {
    // The course prints 8 to 9 significant digits.
    assert!((ours - expected).abs() < 5e-9, "{what}: {ours} vs {expected}");
}

#[test]
fn the_trace_reproduces_every_number_of_the_course() {
    let (layers, inputs, targets, rate) = course_example();
    let t = trace(&layers, &inputs, &targets, rate).unwrap();
    for j in 0..2 {
        close("hidden out", t.layers[0].out[j], HIDDEN_OUT[j]);
        close("output out", t.layers[1].out[j], OUTPUT_OUT[j]);
    }
    close("total error", t.total_error, TOTAL_ERROR);
    // The course's intermediate values for w5: ∂E/∂out_o1, ∂out/∂net, ∂E/∂w5.
    close("dE/dout_o1", t.layers[1].d_error_d_out[0], 0.74136507);
    close("dout_o1/dnet_o1", t.layers[1].d_out_d_net[0], 0.186815602);
    close("dE/dw5", t.layers[1].weight_gradients[0][0], 0.082167041);
    let w = &t.layers[1].updated_weights;
    for (got, want) in [w[0][0], w[0][1], w[1][0], w[1][1]].into_iter().zip(NEW_W5_TO_W8) {
        close("w5..w8", got, want);
    }
    let w = &t.layers[0].updated_weights;
    for (got, want) in [w[0][0], w[0][1], w[1][0], w[1][1]].into_iter().zip(NEW_W1_TO_W4) {
        close("w1..w4", got, want);
    }
}

/// The same step through the engine's own layers: `dense_forward`/`dense_backward` and the
/// logistic activation with its derivative written in terms of its output.
#[test]
fn the_engine_layers_take_the_same_step() {
    let x = [0.05, 0.10];
    let target = [0.01, 0.99];
    // (fan_in, fan_out) row-major: w[i][j] connects input i to neuron j, so w1 = [0][0],
    // w2 = [1][0], w3 = [0][1], w4 = [1][1].
    let mut w_hidden = [0.15, 0.25, 0.20, 0.30];
    let mut w_out = [0.40, 0.50, 0.45, 0.55];
    let (b_hidden, b_out) = ([0.35, 0.35], [0.60, 0.60]);
    let mut hidden = [0.0; 2];
    dense_forward(&mut hidden, &x, &w_hidden, &b_hidden, 1);
    Activation::Logistic.forward(&mut hidden);
    let mut out = [0.0; 2];
    dense_forward(&mut out, &hidden, &w_out, &b_out, 1);
    Activation::Logistic.forward(&mut out);
    for j in 0..2 {
        close("hidden out", hidden[j], HIDDEN_OUT[j]);
        close("output out", out[j], OUTPUT_OUT[j]);
    }
    let error: f64 = out.iter().zip(target).map(|(o, t)| 0.5 * (t - o) * (t - o)).sum();
    close("total error", error, TOTAL_ERROR);

    let mut delta_out = [out[0] - target[0], out[1] - target[1]];
    Activation::Logistic.backward(&mut delta_out, &out);
    let (mut d_w_out, mut d_b_out, mut delta_hidden) = ([0.0; 4], [0.0; 2], [0.0; 2]);
    dense_backward(Some(&mut delta_hidden), &mut d_w_out, &mut d_b_out, &delta_out, &hidden, &w_out, 1);
    Activation::Logistic.backward(&mut delta_hidden, &hidden);
    let (mut d_w_hidden, mut d_b_hidden) = ([0.0; 4], [0.0; 2]);
    dense_backward(None, &mut d_w_hidden, &mut d_b_hidden, &delta_hidden, &x, &w_hidden, 1);
    w_out.iter_mut().zip(d_w_out).for_each(|(w, g)| *w -= 0.5 * g);
    w_hidden.iter_mut().zip(d_w_hidden).for_each(|(w, g)| *w -= 0.5 * g);
    for (got, want) in [w_out[0], w_out[2], w_out[1], w_out[3]].into_iter().zip(NEW_W5_TO_W8) {
        close("w5..w8", got, want);
    }
    for (got, want) in [w_hidden[0], w_hidden[2], w_hidden[1], w_hidden[3]].into_iter().zip(NEW_W1_TO_W4) {
        close("w1..w4", got, want);
    }
}

#[test]
fn malformed_networks_are_clear_errors() {
    let (mut layers, inputs, targets, rate) = course_example();
    assert!(
        trace(&layers, &inputs, &targets[..1], rate)
            .unwrap_err()
            .to_string()
            .contains("one value per output neuron (2), got 1")
    );
    assert!(
        trace(&layers, &inputs[..1], &targets, rate).unwrap_err().to_string().contains("expects 1 inputs per neuron")
    );
    layers[0].biases.pop();
    assert!(trace(&layers, &inputs, &targets, rate).unwrap_err().to_string().contains("2 neurons but 1 biases"));
    assert!(trace(&[], &inputs, &targets, rate).is_err());
    let (layers, inputs, targets, _) = course_example();
    assert!(trace(&layers, &inputs, &targets, f64::NAN).is_err());
    for rate in [0.0, -1.0] {
        let err = trace(&layers, &inputs, &targets, rate).unwrap_err().to_string();
        assert_eq!(err, format!("learning_rate must be a float > 0, got {rate}"));
    }
    assert!(trace(&layers, &inputs, &targets, f64::INFINITY).is_err());
}
