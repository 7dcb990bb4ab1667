//! `neurona trace`: one forward and backward pass of a tiny logistic network, neuron by neuron,
//! with every partial derivative of the chain rule (the course's worked example by default);
//! with `--cell`, a tiny recurrent network through time ([`recurrent`]).

use anyhow::{Context, Result, bail};
use neurona::explain::{BackpropTrace, TraceLayer, course_example, trace};

use crate::args::TraceArgs;

mod recurrent;

fn numbers(text: &str, what: &str) -> Result<Vec<f64>> {
    text.split(',')
        .map(|t| t.trim().parse::<f64>().with_context(|| format!("--{what}: '{t}' is not a number (in '{text}')")))
        .collect()
}

/// Layers, inputs, targets and learning rate of a traced step.
type Example = (Vec<TraceLayer>, Vec<f64>, Vec<f64>, f64);

/// The network to trace: the course's, or the one given by the flags.
fn network(args: &TraceArgs) -> Result<Example> {
    let (mut layers, mut inputs, mut targets, mut rate) = course_example();
    if !args.weights.is_empty() {
        if args.biases.len() > args.weights.len() {
            bail!("--biases is given {} times for {} layers of --weights", args.biases.len(), args.weights.len());
        }
        layers = args
            .weights
            .iter()
            .enumerate()
            .map(|(l, w)| {
                let weights: Vec<Vec<f64>> =
                    w.split(';').map(|neuron| numbers(neuron, "weights")).collect::<Result<_>>()?;
                let biases = match args.biases.get(l) {
                    None => vec![0.0; weights.len()],
                    Some(b) => {
                        let b = numbers(b, "biases")?;
                        if b.len() == 1 { vec![b[0]; weights.len()] } else { b }
                    }
                };
                Ok(TraceLayer { weights, biases })
            })
            .collect::<Result<_>>()?;
    } else if !args.biases.is_empty() {
        bail!("--biases needs --weights");
    }
    if let Some(x) = &args.inputs {
        inputs = numbers(x, "inputs")?;
    }
    if let Some(t) = &args.targets {
        targets = numbers(t, "targets")?;
    }
    if let Some(r) = args.learning_rate {
        rate = r;
    }
    Ok((layers, inputs, targets, rate))
}

pub fn run(args: &TraceArgs) -> Result<()> {
    if let Some(cell) = args.cell {
        return recurrent::run(args, cell);
    }
    let (layers, inputs, targets, rate) = network(args)?;
    let t = trace(&layers, &inputs, &targets, rate)?;
    print!("{}", render(&t));
    Ok(())
}

/// Neuron names as the course writes them: inputs i1.., hidden layers h1.. (h1_1.. when there
/// are several), outputs o1..; weights numbered w1.. across the network, neuron by neuron.
fn neuron_name(layer: usize, n_layers: usize, j: usize) -> String {
    if layer + 1 == n_layers {
        format!("o{}", j + 1)
    } else if n_layers == 2 {
        format!("h{}", j + 1)
    } else {
        format!("h{}_{}", layer + 1, j + 1)
    }
}

fn input_name(layer: usize, n_layers: usize, i: usize) -> String {
    if layer == 0 { format!("i{}", i + 1) } else { neuron_name(layer - 1, n_layers, i) }
}

pub fn render(t: &BackpropTrace) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let n_layers = t.layers.len();
    let mut first_weight = vec![0; n_layers];
    let mut next = 1;
    for (l, layer) in t.layers.iter().enumerate() {
        first_weight[l] = next;
        next += layer.weights.len() * layer.inputs.len();
    }
    let w_name = |l: usize, j: usize, i: usize| format!("w{}", first_weight[l] + j * t.layers[l].inputs.len() + i);
    let _ = writeln!(out, "Forward pass: each neuron sums its weighted inputs plus its bias (net), then squashes it");
    let _ = writeln!(out, "with the logistic function out = 1 / (1 + e^-net).\n");
    let _ = writeln!(
        out,
        "inputs: {}",
        t.inputs.iter().enumerate().map(|(i, v)| format!("i{} = {v}", i + 1)).collect::<Vec<_>>().join(", ")
    );
    for (l, layer) in t.layers.iter().enumerate() {
        let _ = writeln!(out);
        for j in 0..layer.out.len() {
            let name = neuron_name(l, n_layers, j);
            let terms: Vec<String> = (0..layer.inputs.len())
                .map(|i| format!("{}*{}", w_name(l, j, i), input_name(l, n_layers, i)))
                .collect();
            let values: Vec<String> =
                (0..layer.inputs.len()).map(|i| format!("{}*{}", layer.weights[j][i], layer.inputs[i])).collect();
            let _ = writeln!(
                out,
                "net_{name} = {} + b = {} + {} = {:.9}",
                terms.join(" + "),
                values.join(" + "),
                layer.biases[j],
                layer.net[j]
            );
            let _ = writeln!(out, "out_{name} = 1 / (1 + e^-{:.9}) = {:.9}", layer.net[j], layer.out[j]);
        }
    }
    let _ = writeln!(out, "\nError: E = sum of 1/2 (target - out)^2 over the outputs.");
    let outputs = &t.layers[n_layers - 1];
    for (k, e) in t.output_errors.iter().enumerate() {
        let _ = writeln!(out, "E_o{} = 1/2 ({} - {:.9})^2 = {:.9}", k + 1, t.targets[k], outputs.out[k], e);
    }
    let _ = writeln!(out, "E_total = {:.9}", t.total_error);

    let _ = writeln!(out, "\nBackward pass: the chain rule, dE/dw = dE/dout * dout/dnet * dnet/dw,");
    let _ = writeln!(out, "with dout/dnet = out (1 - out) for the logistic function.");
    for l in (0..n_layers).rev() {
        let layer = &t.layers[l];
        let _ = writeln!(out);
        for j in 0..layer.out.len() {
            let name = neuron_name(l, n_layers, j);
            if l + 1 == n_layers {
                let _ = writeln!(out, "dE/dout_{name} = out_{name} - target_{name} = {:.9}", layer.d_error_d_out[j]);
            } else {
                let above = &t.layers[l + 1];
                let terms: Vec<String> = (0..above.out.len())
                    .map(|k| format!("delta_{} * {}", neuron_name(l + 1, n_layers, k), w_name(l + 1, k, j)))
                    .collect();
                let _ = writeln!(out, "dE/dout_{name} = {} = {:.9}", terms.join(" + "), layer.d_error_d_out[j]);
            }
            let _ =
                writeln!(out, "dout_{name}/dnet_{name} = out_{name} (1 - out_{name}) = {:.9}", layer.d_out_d_net[j]);
            let _ = writeln!(out, "delta_{name} = dE/dout_{name} * dout_{name}/dnet_{name} = {:.9}", layer.delta[j]);
            for i in 0..layer.inputs.len() {
                let _ = writeln!(
                    out,
                    "dE/d{} = delta_{name} * {} = {:.9} * {} = {:.9}",
                    w_name(l, j, i),
                    input_name(l, n_layers, i),
                    layer.delta[j],
                    layer.inputs[i],
                    layer.weight_gradients[j][i]
                );
            }
        }
    }
    let _ = writeln!(
        out,
        "\nGradient step with learning rate {}: w <- w - {} * dE/dw (biases held fixed).",
        t.learning_rate, t.learning_rate
    );
    for (l, layer) in t.layers.iter().enumerate() {
        for j in 0..layer.out.len() {
            for i in 0..layer.inputs.len() {
                let _ = writeln!(
                    out,
                    "{} = {} - {} * {:.9} = {:.9}",
                    w_name(l, j, i),
                    layer.weights[j][i],
                    t.learning_rate,
                    layer.weight_gradients[j][i],
                    layer.updated_weights[j][i]
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_course_example_prints_its_numbers() {
        let (layers, inputs, targets, rate) = course_example();
        let text = render(&trace(&layers, &inputs, &targets, rate).unwrap());
        for expected in [
            "0.593269992",
            "0.751365070",
            "E_total = 0.298371109",
            "w5 = 0.4 - 0.5 * 0.082167041 = 0.358916480",
            "w1 = 0.15",
        ] {
            assert!(text.contains(expected), "missing {expected} in:\n{text}");
        }
    }
}
