//! `neurona trace --cell rnn|lstm|gru`: the course's trace through time.

use super::*;

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

/// The number after the last `=` of the first line that starts with `start`.
fn value_of(out: &str, start: &str) -> f64 {
    let line = out.lines().find(|l| l.starts_with(start)).unwrap_or_else(|| panic!("no line '{start}' in:\n{out}"));
    line.rsplit('=').next().unwrap().trim().parse().unwrap_or_else(|e| panic!("{line}: {e}"))
}

#[test]
fn trace_through_time_for_each_cell() {
    let dir = tempfile::tempdir().unwrap();
    // h1(1) from the weights the trace prints, by hand (x(1) = (0.5, -1), h(0) = c(0) = 0).
    let h1 = [
        ("rnn", 0.65f64.tanh()),
        ("lstm", sigmoid(0.25) * (sigmoid(-0.05) * 0.65f64.tanh()).tanh()),
        ("gru", (1.0 - sigmoid(-0.15)) * (0.65 + sigmoid(0.3) * 0.2).tanh()),
    ];
    for (cell, h1) in h1 {
        let out = ok(dir.path(), &["trace", "--cell", cell]);
        for section in [
            "Weights (PyTorch's",
            "Forward pass, step by step.",
            "Step t = 3: x(3) = (-0.5, 1)",
            "Output and error:",
            "Back-propagation through time",
            "Step t = 3, going back:",
            "Step t = 1, going back:",
            "This step's shares:",
            "Gradients: each weight's shares from the 3 steps, summed.",
            "Gradient step with learning rate 0.5",
        ] {
            assert!(out.contains(section), "{cell}: missing '{section}' in:\n{out}");
        }
        assert!(out.contains(&format!(" = {h1:.9}\n")), "{cell}: no h1(1) = {h1:.9} in:\n{out}");
        assert!((value_of(&out, "h1(1) = ") - h1).abs() < 6e-10, "{cell}");
        // The error and the output bias's step, recomputed from the printed output y.
        let y = value_of(&out, "y = ");
        assert!((value_of(&out, "E = ") - 0.5 * (y - 1.0) * (y - 1.0)).abs() < 1e-8, "{cell}");
        assert!((value_of(&out, "b_y = 0.1 - 0.5 * ") - (0.1 - 0.5 * (y - 1.0))).abs() < 1e-8, "{cell}");
    }
    let gru = ok(dir.path(), &words("trace --cell gru --inputs 1,0;0,1 --targets 0 --learning-rate 0.1"));
    assert!(gru.contains("delta_hn1(2)") && gru.contains("Step t = 1, going back:"), "{gru}");
    assert!(!gru.contains("Step t = 3") && gru.contains("w <- w - 0.1 * dE/dw"), "{gru}");
    let mlp = ok(dir.path(), &["trace"]);
    assert!(mlp.contains("E_total = 0.298371109") && !mlp.contains("through time"), "{mlp}");
}

#[test]
fn bad_recurrent_traces_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let err = fails(dir.path(), &["trace", "--cell", "lstm", "--inputs", "1,2,3"], 1);
    assert!(err.contains("step 1 has 3 features; the weights take 2"), "{err}");
    let err = fails(dir.path(), &["trace", "--cell", "rnn", "--targets", "1,2"], 1);
    assert!(err.contains("one target, got 2 values"), "{err}");
    let err = fails(dir.path(), &["trace", "--cell", "gru", "--learning-rate", "0"], 1);
    assert!(err.contains("learning_rate"), "{err}");
    let err = fails(dir.path(), &["trace", "--cell", "gru", "--inputs", "1,x"], 1);
    assert!(err.contains("'x' is not a number"), "{err}");
    let err = fails(dir.path(), &["trace", "--cell", "elman"], 2);
    assert!(err.contains("rnn") && err.contains("lstm") && err.contains("gru"), "{err}");
    let err = fails(dir.path(), &["trace", "--cell", "lstm", "--weights", "1,2"], 2);
    assert!(err.contains("--weights"), "{err}");
}
