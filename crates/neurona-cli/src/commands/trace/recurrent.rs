//! `neurona trace --cell rnn|lstm|gru`: a tiny recurrent network traced through time, the
//! forward pass step by step, the error, every partial derivative of back-propagation through
//! time and the updated weights, with PyTorch's names for the weights (`W_ii`, `W_hf`, `b_hn`,
//! ...) and the course's for the rest.

use std::fmt::Write;

use anyhow::{Context, Result, bail};
use neurona::explain::recurrent::{RecurrentTrace, course_example, trace};
use neurona::network::recurrent::{Cell, Nonlinearity};

use super::numbers;
use crate::args::TraceArgs;

/// Traces the course's network of `cell`, with the flags' inputs, target and learning rate.
pub fn run(args: &TraceArgs, cell: Cell) -> Result<()> {
    let mut example = course_example(cell);
    if let Some(x) = &args.inputs {
        example.inputs = x.split(';').map(|step| numbers(step, "inputs")).collect::<Result<_>>()?;
    }
    if let Some(t) = &args.targets {
        let t = numbers(t, "targets")?;
        if t.len() != 1 {
            bail!("--targets: the recurrent network has one output, so one target, got {} values", t.len());
        }
        example.target = t[0];
    }
    if let Some(r) = args.learning_rate {
        example.learning_rate = r;
    }
    let t = trace(&example).with_context(|| format!("cannot trace the {cell} network"))?;
    print!("{}", render(&t));
    Ok(())
}

/// The names of a trace's quantities. Row `k` of the stacked weights is unit `u = k % H + 1`
/// of gate `k / H`; steps `t` count from 1, `h(0)` and `c(0)` are the zero start.
struct Names {
    cell: Cell,
    h: usize,
}

impl Names {
    /// The gate's letter of row `k` (none for the Elman cell) and its unit, from 1.
    fn gate(&self, k: usize) -> (&'static str, usize) {
        let letters: &[&str] = match self.cell {
            Cell::Rnn => &[""],
            Cell::Lstm => &["i", "f", "g", "o"],
            Cell::Gru => &["r", "z", "n"],
        };
        (letters[k / self.h], k % self.h + 1)
    }

    /// `W_ii`, `W_hf`, `b_in`, ... (the Elman cell's `W_ih`, `W_hh`, `b_ih`, `b_hh`).
    fn tensor(&self, kind: &str, side: char, k: usize) -> String {
        match self.gate(k).0 {
            "" => format!("{kind}_{side}h"),
            g => format!("{kind}_{side}{g}"),
        }
    }

    fn w(&self, side: char, k: usize, column: usize) -> String {
        format!("{}[{},{}]", self.tensor("W", side, k), self.gate(k).1, column + 1)
    }

    fn b(&self, side: char, k: usize) -> String {
        format!("{}[{}]", self.tensor("b", side, k), self.gate(k).1)
    }

    /// `a_i1(t)`, the pre-activation (the Elman cell's `a1(t)`).
    fn pre(&self, k: usize, t: usize) -> String {
        let (g, u) = self.gate(k);
        if g.is_empty() { format!("a{u}({t})") } else { format!("a_{g}{u}({t})") }
    }

    /// `i1(t)`, the gate's value (the Elman cell's `h1(t)`).
    fn value(&self, k: usize, t: usize) -> String {
        let (g, u) = self.gate(k);
        format!("{}{u}({t})", if g.is_empty() { "h" } else { g })
    }

    fn delta(&self, k: usize, t: usize) -> String {
        let (g, u) = self.gate(k);
        if g.is_empty() { format!("delta{u}({t})") } else { format!("delta_{g}{u}({t})") }
    }

    /// The delta of row `k`'s recurrent part: the GRU's n gate has its own, `delta_hn1(t)`.
    fn delta_recurrent(&self, k: usize, t: usize) -> String {
        match self.gate(k) {
            ("n", u) if self.cell == Cell::Gru => format!("delta_hn{u}({t})"),
            _ => self.delta(k, t),
        }
    }
}

fn num(v: f64) -> String {
    format!("{v:.9}")
}

/// `v^2`, a negative `v` in parentheses (`-0.5^2` would read as `-(0.5^2)`).
fn squared(v: f64) -> String {
    if v < 0.0 { format!("({})^2", num(v)) } else { format!("{}^2", num(v)) }
}

/// `(0.5, -1)` for given numbers, `(0.123456789, ...)` for computed ones.
fn tuple(values: &[f64], computed: bool) -> String {
    let parts: Vec<String> = values.iter().map(|&v| if computed { num(v) } else { v.to_string() }).collect();
    format!("({})", parts.join(", "))
}

fn matrix(rows: &[Vec<f64>]) -> String {
    let rows: Vec<String> = rows.iter().map(|r| tuple(r, false)).collect();
    format!("({})", rows.join(", "))
}

fn header(out: &mut String, t: &RecurrentTrace, names: &Names) {
    let (steps, inputs) = (t.example.inputs.len(), t.example.inputs[0].len());
    let (cell, module) = match t.example.cell {
        Cell::Rnn => ("Elman", "nn.RNN"),
        Cell::Lstm => ("LSTM", "nn.LSTM"),
        Cell::Gru => ("GRU", "nn.GRU"),
    };
    let _ = writeln!(
        out,
        "A recurrent network of {cell} cells (PyTorch's {module}): {inputs} inputs, {} hidden units, {steps} steps.",
        names.h
    );
    let _ =
        writeln!(out, "It reads x(1), ..., x({steps}) one step at a time, carrying its state from each step to the");
    let _ = writeln!(
        out,
        "next from h(0) = 0; its last state feeds one linear output y; the error is E = 1/2 (y - target)^2."
    );
    let lines: &[&str] = match (t.example.cell, t.example.nonlinearity) {
        (Cell::Rnn, Nonlinearity::Tanh) => &["a(t) = W_ih x(t) + b_ih + W_hh h(t-1) + b_hh,  h(t) = tanh(a(t))."],
        (Cell::Rnn, Nonlinearity::Relu) => &["a(t) = W_ih x(t) + b_ih + W_hh h(t-1) + b_hh,  h(t) = max(a(t), 0)."],
        (Cell::Lstm, _) => &[
            "Each gate k of i (input), f (forget), g (candidate), o (output) has a pre-activation",
            "a_k(t) = W_ik x(t) + b_ik + W_hk h(t-1) + b_hk; i, f, o = sigmoid(a), g = tanh(a);",
            "c(t) = f(t) c(t-1) + i(t) g(t) from c(0) = 0, and h(t) = o(t) tanh(c(t)).",
        ],
        (Cell::Gru, _) => &[
            "Gates r (reset) and z (update): a_k(t) = W_ik x(t) + b_ik + W_hk h(t-1) + b_hk, sigmoid(a);",
            "the candidate n(t) = tanh(a_n(t)), a_n(t) = W_in x(t) + b_in + r(t) (W_hn h(t-1) + b_hn);",
            "h(t) = (1 - z(t)) n(t) + z(t) h(t-1).",
        ],
    };
    lines.iter().for_each(|l| _ = writeln!(out, "{l}"));
    let g = t.example.cell.gates();
    let stacked: Vec<String> = (0..g).map(|k| names.tensor("W", 'i', k * names.h)).collect();
    if g == 1 {
        let _ = writeln!(out, "\nWeights (PyTorch's weight_ih_l0, weight_hh_l0, bias_ih_l0, bias_hh_l0):");
    } else {
        let _ = writeln!(
            out,
            "\nWeights (PyTorch's names; weight_ih_l0 stacks {}, and so do weight_hh_l0, bias_ih_l0, bias_hh_l0):",
            stacked.join(", ")
        );
    }
    let w = &t.example.weights;
    for k in (0..g).map(|k| k * names.h) {
        let rows = k..k + names.h;
        let _ = writeln!(
            out,
            "{} = {}  {} = {}  {} = {}  {} = {}",
            names.tensor("W", 'i', k),
            matrix(&w.weight_ih[rows.clone()]),
            names.tensor("W", 'h', k),
            matrix(&w.weight_hh[rows.clone()]),
            names.tensor("b", 'i', k),
            tuple(&w.bias_ih[rows.clone()], false),
            names.tensor("b", 'h', k),
            tuple(&w.bias_hh[rows], false),
        );
    }
    let _ = writeln!(out, "w_y = {}  b_y = {}", tuple(&w.output_weights, false), w.output_bias);
    let xs: Vec<String> =
        t.example.inputs.iter().enumerate().map(|(s, x)| format!("x({}) = {}", s + 1, tuple(x, false))).collect();
    let _ = writeln!(out, "inputs: {}; target = {}", xs.join(", "), t.example.target);
}

/// `W[k,1]*x1(t) + ...` and its values, for row `k` of `W_ih` or `W_hh`.
fn product(names: &Names, side: char, k: usize, row: &[f64], v: &[f64], t: usize) -> (String, String) {
    let var = if side == 'i' { "x" } else { "h" };
    let terms: Vec<String> = (0..row.len()).map(|j| format!("{}*{var}{}({t})", names.w(side, k, j), j + 1)).collect();
    let given = side == 'i';
    let values: Vec<String> =
        row.iter().zip(v).map(|(w, x)| if given { format!("{w}*{x}") } else { format!("{w}*{}", num(*x)) }).collect();
    (terms.join(" + "), values.join(" + "))
}

fn forward_step(out: &mut String, tr: &RecurrentTrace, names: &Names, step: usize) {
    let (s, t, h, w) = (&tr.forward[step], step + 1, names.h, &tr.example.weights);
    let _ =
        writeln!(out, "\nStep t = {t}: x({t}) = {}, h({}) = {}", tuple(&s.input, false), t - 1, tuple(&s.h_prev, true));
    for k in 0..s.gates.len() {
        let (x_terms, x_values) = product(names, 'i', k, &w.weight_ih[k], &s.input, t);
        let (h_terms, h_values) = product(names, 'h', k, &w.weight_hh[k], &s.h_prev, t - 1);
        let (bi, bh) = (names.b('i', k), names.b('h', k));
        let (bi_v, bh_v) = (w.bias_ih[k], w.bias_hh[k]);
        if tr.example.cell == Cell::Gru && k >= 2 * h {
            let r = names.value(k - 2 * h, t);
            let _ = writeln!(out, "{} = {x_terms} + {bi} + {r} * ({h_terms} + {bh})", names.pre(k, t));
            let r_v = num(s.gates[k - 2 * h]);
            let _ = writeln!(
                out,
                "    = {x_values} + {bi_v} + {r_v} * ({h_values} + {bh_v}) = {}",
                num(s.pre_activation[k])
            );
        } else {
            let _ = writeln!(out, "{} = {x_terms} + {bi} + {h_terms} + {bh}", names.pre(k, t));
            let _ = writeln!(out, "    = {x_values} + {bi_v} + {h_values} + {bh_v} = {}", num(s.pre_activation[k]));
        }
        let squash = match (tr.example.cell, names.gate(k).0, tr.example.nonlinearity) {
            (Cell::Rnn, _, Nonlinearity::Relu) => "max(0, {})",
            (Cell::Rnn, ..) | (_, "g" | "n", _) => "tanh({})",
            _ => "sigmoid({})",
        };
        let squashed = squash.replace("{}", &num(s.pre_activation[k]));
        let _ = writeln!(out, "{} = {squashed} = {}", names.value(k, t), num(s.gates[k]));
    }
    for u in 1..=h {
        let v = |k: usize| num(s.gates[k]);
        let (p, q) = (t - 1, u - 1);
        match tr.example.cell {
            Cell::Rnn => {}
            Cell::Lstm => {
                let _ = writeln!(
                    out,
                    "c{u}({t}) = f{u}({t})*c{u}({p}) + i{u}({t})*g{u}({t}) = {}*{} + {}*{} = {}",
                    v(h + q),
                    num(s.c_prev[q]),
                    v(q),
                    v(2 * h + q),
                    num(s.cell[q])
                );
                let _ = writeln!(
                    out,
                    "h{u}({t}) = o{u}({t})*tanh(c{u}({t})) = {}*tanh({}) = {}",
                    v(3 * h + q),
                    num(s.cell[q]),
                    num(s.hidden[q])
                );
            }
            Cell::Gru => {
                let _ = writeln!(
                    out,
                    "h{u}({t}) = (1 - z{u}({t}))*n{u}({t}) + z{u}({t})*h{u}({p}) = (1 - {})*{} + {}*{} = {}",
                    v(h + q),
                    v(2 * h + q),
                    v(h + q),
                    num(s.h_prev[q]),
                    num(s.hidden[q])
                );
            }
        }
    }
}

fn output_and_error(out: &mut String, tr: &RecurrentTrace) {
    let last = tr.example.inputs.len();
    let h = &tr.forward[last - 1].hidden;
    let w = &tr.example.weights;
    let terms: Vec<String> = (1..=h.len()).map(|u| format!("w_y{u}*h{u}({last})")).collect();
    let values: Vec<String> = w.output_weights.iter().zip(h).map(|(v, h)| format!("{v}*{}", num(*h))).collect();
    let _ = writeln!(out, "\nOutput and error:");
    let _ = writeln!(
        out,
        "y = {} + b_y = {} + {} = {}",
        terms.join(" + "),
        values.join(" + "),
        w.output_bias,
        num(tr.output)
    );
    let _ = writeln!(
        out,
        "E = 1/2 (y - target)^2 = 1/2 ({} - {})^2 = {}",
        num(tr.output),
        tr.example.target,
        num(tr.error)
    );
}

fn backward_output(out: &mut String, tr: &RecurrentTrace) {
    let last = tr.example.inputs.len();
    let _ =
        writeln!(out, "\nBack-propagation through time: the chain rule from the error back to every weight, step by");
    let _ = writeln!(out, "step from the last to the first. The same weights serve every step, so each step adds its");
    let _ = writeln!(
        out,
        "share to their gradients: dE/dW_i = sum over t of delta(t) x(t), dE/dW_h = sum of delta(t) h(t-1)."
    );
    let _ = writeln!(out, "\ndE/dy = y - target = {}", num(tr.d_output));
    for (u, h) in tr.forward[last - 1].hidden.iter().enumerate() {
        let u = u + 1;
        let g = tr.gradients.output_weights[u - 1];
        let _ = writeln!(out, "dE/dw_y{u} = dE/dy * h{u}({last}) = {}*{} = {}", num(tr.d_output), num(*h), num(g));
    }
    let _ = writeln!(out, "dE/db_y = dE/dy = {}", num(tr.d_output));
}

/// `dE/dh_u(t)`: from the output at the last step, else sent back by step `t + 1`.
fn d_hidden(out: &mut String, tr: &RecurrentTrace, names: &Names, step: usize, q: usize) {
    let (t, u) = (step + 1, q + 1);
    let d = tr.backward[step].d_hidden[q];
    if t == tr.example.inputs.len() {
        let v = tr.example.weights.output_weights[q];
        let _ = writeln!(out, "dE/dh{u}({t}) = dE/dy * w_y{u} = {}*{v} = {}", num(tr.d_output), num(d));
        return;
    }
    let next = &tr.backward[step + 1];
    let w = &tr.example.weights.weight_hh;
    let mut terms: Vec<String> =
        (0..w.len()).map(|k| format!("{}*{}", names.delta_recurrent(k, t + 1), names.w('h', k, q))).collect();
    let mut values: Vec<String> =
        (0..w.len()).map(|k| format!("{}*{}", num(next.delta_recurrent[k]), w[k][q])).collect();
    if tr.example.cell == Cell::Gru {
        terms.push(format!("dE/dh{u}({})*z{u}({})", t + 1, t + 1));
        values.push(format!("{}*{}", num(next.d_hidden[q]), num(tr.forward[step + 1].gates[names.h + q])));
    }
    let _ = writeln!(out, "dE/dh{u}({t}) = {}", terms.join(" + "));
    let _ = writeln!(out, "    = {} = {}", values.join(" + "), num(d));
}

/// The LSTM's chain at one unit: `dE/dc`, then each gate's `dE/dk` and delta.
fn lstm_unit(out: &mut String, tr: &RecurrentTrace, step: usize, q: usize) {
    let (t, u, h) = (step + 1, q + 1, tr.example.weights.hidden_size());
    let (s, b) = (&tr.forward[step], &tr.backward[step]);
    let tanh_c = s.cell[q].tanh();
    let (o, d_h) = (num(s.gates[3 * h + q]), num(b.d_hidden[q]));
    if step + 1 < tr.example.inputs.len() {
        let (f_next, d_c_next) = (tr.forward[step + 1].gates[h + q], tr.backward[step + 1].d_cell[q]);
        let _ = writeln!(
            out,
            "dE/dc{u}({t}) = dE/dh{u}({t})*o{u}({t})*(1 - tanh(c{u}({t}))^2) + dE/dc{u}({n})*f{u}({n})",
            n = t + 1
        );
        let _ = writeln!(
            out,
            "    = {d_h}*{o}*(1 - {}) + {}*{} = {}",
            squared(tanh_c),
            num(d_c_next),
            num(f_next),
            num(b.d_cell[q])
        );
    } else {
        let _ = writeln!(
            out,
            "dE/dc{u}({t}) = dE/dh{u}({t})*o{u}({t})*(1 - tanh(c{u}({t}))^2) = {d_h}*{o}*(1 - {}) = {}",
            squared(tanh_c),
            num(b.d_cell[q])
        );
    }
    let d_c = num(b.d_cell[q]);
    let p = t - 1;
    let parts = [
        (3 * h + q, format!("dE/dh{u}({t})*tanh(c{u}({t})) = {d_h}*{}", num(tanh_c)), "sigmoid"),
        (q, format!("dE/dc{u}({t})*g{u}({t}) = {d_c}*{}", num(s.gates[2 * h + q])), "sigmoid"),
        (h + q, format!("dE/dc{u}({t})*c{u}({p}) = {d_c}*{}", num(s.c_prev[q])), "sigmoid"),
        (2 * h + q, format!("dE/dc{u}({t})*i{u}({t}) = {d_c}*{}", num(s.gates[q])), "tanh"),
    ];
    for (k, formula, squash) in parts {
        gate_delta(out, tr, step, k, Some(&formula), squash);
    }
}

/// `dE/dk = formula` (unless the formula is `None`: the Elman cell's `dE/dh` is written
/// already), then `delta_k = dE/dk * slope`.
fn gate_delta(out: &mut String, tr: &RecurrentTrace, step: usize, k: usize, formula: Option<&str>, squash: &str) {
    let names = Names { cell: tr.example.cell, h: tr.example.weights.hidden_size() };
    let (t, b, v) = (step + 1, &tr.backward[step], tr.forward[step].gates[k]);
    let value = names.value(k, t);
    if let Some(formula) = formula {
        let _ = writeln!(out, "dE/d{value} = {formula} = {}", num(b.d_gates[k]));
    }
    let (slope, slope_value) = match squash {
        "sigmoid" => (format!("{value}*(1 - {value})"), format!("{}*(1 - {})", num(v), num(v))),
        "tanh" => (format!("(1 - {value}^2)"), format!("(1 - {})", squared(v))),
        _ => (format!("[{value} > 0]"), format!("{}", u8::from(v > 0.0))),
    };
    let _ = writeln!(
        out,
        "{} = dE/d{value}*{slope} = {}*{slope_value} = {}",
        names.delta(k, t),
        num(b.d_gates[k]),
        num(b.delta[k])
    );
}

/// The GRU's chain at one unit: n, z, then r (which reaches the error through n).
fn gru_unit(out: &mut String, tr: &RecurrentTrace, step: usize, q: usize) {
    let (t, u, h) = (step + 1, q + 1, tr.example.weights.hidden_size());
    let (s, b) = (&tr.forward[step], &tr.backward[step]);
    let (r, z, n) = (q, h + q, 2 * h + q);
    let d_h = num(b.d_hidden[q]);
    let p = t - 1;
    let formula = format!("dE/dh{u}({t})*(1 - z{u}({t})) = {d_h}*(1 - {})", num(s.gates[z]));
    gate_delta(out, tr, step, n, Some(&formula), "tanh");
    let (h_prev, n_v) = (num(s.h_prev[q]), num(s.gates[n]));
    let formula = format!("dE/dh{u}({t})*(h{u}({p}) - n{u}({t})) = {d_h}*({h_prev} - {n_v})");
    gate_delta(out, tr, step, z, Some(&formula), "sigmoid");
    let rec = format!("(W_hn[{u},:] h({p}) + b_hn[{u}])");
    let formula = format!("delta_n{u}({t})*{rec} = {}*{}", num(b.delta[n]), num(s.recurrent_part[n]));
    gate_delta(out, tr, step, r, Some(&formula), "sigmoid");
    let _ = writeln!(
        out,
        "delta_hn{u}({t}) = delta_n{u}({t})*r{u}({t}) = {}*{} = {}   (the delta of W_hn h({p}) + b_hn)",
        num(b.delta[n]),
        num(s.gates[r]),
        num(b.delta_recurrent[n])
    );
}

fn backward_step(out: &mut String, tr: &RecurrentTrace, names: &Names, step: usize) {
    let (t, h) = (step + 1, names.h);
    let (s, b) = (&tr.forward[step], &tr.backward[step]);
    let _ = writeln!(out, "\nStep t = {t}, going back:");
    for q in 0..h {
        d_hidden(out, tr, names, step, q);
    }
    for q in 0..h {
        match tr.example.cell {
            Cell::Rnn => {
                let squash = if tr.example.nonlinearity == Nonlinearity::Tanh { "tanh" } else { "relu" };
                gate_delta(out, tr, step, q, None, squash);
            }
            Cell::Lstm => lstm_unit(out, tr, step, q),
            Cell::Gru => gru_unit(out, tr, step, q),
        }
    }
    let _ = writeln!(out, "This step's shares:");
    for k in 0..b.delta.len() {
        let (d, d_rec) = (names.delta(k, t), names.delta_recurrent(k, t));
        // The gate's two weight matrices take one formula: W_i* from the input x(t) (shown as
        // given), W_h* from the previous state h(t-1) (as computed).
        let weights = [
            ('i', &d, format!("x({t})"), b.delta[k], tuple(&s.input, false), &b.d_weight_ih[k]),
            ('h', &d_rec, format!("h({})", t - 1), b.delta_recurrent[k], tuple(&s.h_prev, true), &b.d_weight_hh[k]),
        ];
        for (side, delta, source, value, source_values, gradient) in weights {
            let _ = writeln!(
                out,
                "dE/d{}[{},:] += {delta}*{source} = {}*{source_values} = {}",
                names.tensor("W", side, k),
                names.gate(k).1,
                num(value),
                tuple(gradient, true)
            );
        }
        let _ = writeln!(
            out,
            "dE/d{} += {d} = {},  dE/d{} += {d_rec} = {}",
            names.b('i', k),
            num(b.delta[k]),
            names.b('h', k),
            num(b.delta_recurrent[k])
        );
    }
}

/// Each weight's gradient as the sum of the steps' shares, then the gradient step.
fn sums_and_step(out: &mut String, tr: &RecurrentTrace, names: &Names) {
    let _ = writeln!(out, "\nGradients: each weight's shares from the {} steps, summed.", tr.example.inputs.len());
    let shares = |f: &dyn Fn(usize) -> f64| -> String {
        let parts: Vec<String> = (0..tr.backward.len()).map(|s| num(f(s))).collect();
        parts.join(" + ")
    };
    let (g, b) = (&tr.gradients, &tr.backward);
    for k in 0..g.bias_ih.len() {
        for (i, v) in g.weight_ih[k].iter().enumerate() {
            let _ = writeln!(out, "dE/d{} = {} = {}", names.w('i', k, i), shares(&|s| b[s].d_weight_ih[k][i]), num(*v));
        }
        for (j, v) in g.weight_hh[k].iter().enumerate() {
            let _ = writeln!(out, "dE/d{} = {} = {}", names.w('h', k, j), shares(&|s| b[s].d_weight_hh[k][j]), num(*v));
        }
        let _ = writeln!(out, "dE/d{} = {} = {}", names.b('i', k), shares(&|s| b[s].delta[k]), num(g.bias_ih[k]));
        let _ =
            writeln!(out, "dE/d{} = {} = {}", names.b('h', k), shares(&|s| b[s].delta_recurrent[k]), num(g.bias_hh[k]));
    }
    let rate = tr.example.learning_rate;
    let _ =
        writeln!(out, "\nGradient step with learning rate {rate}: w <- w - {rate} * dE/dw (every weight and bias).");
    let line = |out: &mut String, name: String, w: f64, g: f64, new: f64| {
        let _ = writeln!(out, "{name} = {w} - {rate} * {} = {}", num(g), num(new));
    };
    let (w, new) = (&tr.example.weights, &tr.updated);
    for k in 0..g.bias_ih.len() {
        for i in 0..w.weight_ih[k].len() {
            line(out, names.w('i', k, i), w.weight_ih[k][i], g.weight_ih[k][i], new.weight_ih[k][i]);
        }
        for j in 0..w.weight_hh[k].len() {
            line(out, names.w('h', k, j), w.weight_hh[k][j], g.weight_hh[k][j], new.weight_hh[k][j]);
        }
        line(out, names.b('i', k), w.bias_ih[k], g.bias_ih[k], new.bias_ih[k]);
        line(out, names.b('h', k), w.bias_hh[k], g.bias_hh[k], new.bias_hh[k]);
    }
    for u in 0..w.hidden_size() {
        line(out, format!("w_y{}", u + 1), w.output_weights[u], g.output_weights[u], new.output_weights[u]);
    }
    line(out, "b_y".to_owned(), w.output_bias, g.output_bias, new.output_bias);
}

/// The whole trace as text.
pub fn render(tr: &RecurrentTrace) -> String {
    let names = Names { cell: tr.example.cell, h: tr.example.weights.hidden_size() };
    let mut out = String::new();
    header(&mut out, tr, &names);
    let _ = writeln!(out, "\nForward pass, step by step.");
    for step in 0..tr.forward.len() {
        forward_step(&mut out, tr, &names, step);
    }
    output_and_error(&mut out, tr);
    backward_output(&mut out, tr);
    for step in (0..tr.backward.len()).rev() {
        backward_step(&mut out, tr, &names, step);
    }
    sums_and_step(&mut out, tr, &names);
    out
}
