//! A step-by-step trace of one forward and one backward pass, for learners.
//!
//! The course teaches back-propagation on a tiny network of logistic neurons with the squared
//! error `E = Σ ½ (target − out)²`: each neuron forms a weighted sum of its inputs plus a bias
//! (`net`), squashes it (`out = σ(net)`), and after the forward pass every weight's share of
//! the error follows from the chain rule
//! `∂E/∂w = ∂E/∂out · ∂out/∂net · ∂net/∂w`. One gradient-descent step then moves each weight
//! by `−η · ∂E/∂w`; as in the course, the biases are held fixed. [`trace`] records every one of
//! these numbers, neuron by neuron, so a program (the CLI's `neurona trace`) can print them.
//! [`recurrent`] does the same through time, for a tiny recurrent network.

use crate::activation::logistic;
use crate::error::{NeuronaError, Result};

pub mod recurrent;

/// One layer of a traced network: `weights[j][i]` connects input `i` to neuron `j`.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceLayer {
    /// Incoming weights, one row per neuron.
    pub weights: Vec<Vec<f64>>,
    /// One bias per neuron.
    pub biases: Vec<f64>,
}

/// What happened in one layer during the traced step.
#[derive(Debug, Clone, PartialEq)]
pub struct LayerTrace {
    /// The layer's inputs (the previous layer's outputs, or the network inputs).
    pub inputs: Vec<f64>,
    /// Weights before the step, `[neuron][input]`.
    pub weights: Vec<Vec<f64>>,
    /// Biases (held fixed).
    pub biases: Vec<f64>,
    /// Weighted sum plus bias of each neuron.
    pub net: Vec<f64>,
    /// `σ(net)` of each neuron.
    pub out: Vec<f64>,
    /// `∂E/∂out` of each neuron.
    pub d_error_d_out: Vec<f64>,
    /// `∂out/∂net = out · (1 − out)` of each neuron.
    pub d_out_d_net: Vec<f64>,
    /// `δ = ∂E/∂net` of each neuron.
    pub delta: Vec<f64>,
    /// `∂E/∂w = δ_j · input_i`, `[neuron][input]`.
    pub weight_gradients: Vec<Vec<f64>>,
    /// Weights after the step.
    pub updated_weights: Vec<Vec<f64>>,
}

/// The whole traced step.
#[derive(Debug, Clone, PartialEq)]
pub struct BackpropTrace {
    /// Network inputs.
    pub inputs: Vec<f64>,
    /// Targets of the output neurons.
    pub targets: Vec<f64>,
    /// The learning rate η.
    pub learning_rate: f64,
    /// One entry per layer, input side first.
    pub layers: Vec<LayerTrace>,
    /// `½ (target − out)²` of each output neuron.
    pub output_errors: Vec<f64>,
    /// Their sum, `E`.
    pub total_error: f64,
}

/// The course's worked example: inputs 0.05 and 0.10, targets 0.01 and 0.99, hidden weights
/// 0.15, 0.20, 0.25, 0.30 with bias 0.35, output weights 0.40, 0.45, 0.50, 0.55 with bias 0.60,
/// learning rate 0.5. Returns `(layers, inputs, targets, learning_rate)`.
pub fn course_example() -> (Vec<TraceLayer>, Vec<f64>, Vec<f64>, f64) {
    let layers = vec![
        TraceLayer { weights: vec![vec![0.15, 0.20], vec![0.25, 0.30]], biases: vec![0.35, 0.35] },
        TraceLayer { weights: vec![vec![0.40, 0.45], vec![0.50, 0.55]], biases: vec![0.60, 0.60] },
    ];
    (layers, vec![0.05, 0.10], vec![0.01, 0.99], 0.5)
}

/// Traces one forward pass, the error, the backward pass and one gradient step.
pub fn trace(layers: &[TraceLayer], inputs: &[f64], targets: &[f64], learning_rate: f64) -> Result<BackpropTrace> {
    if layers.is_empty() {
        return Err(NeuronaError::input("weights", "must describe at least one layer"));
    }
    let mut width = inputs.len();
    for (l, layer) in layers.iter().enumerate() {
        if layer.weights.is_empty() || layer.weights.len() != layer.biases.len() {
            return Err(NeuronaError::input(
                "weights",
                format!("layer {} has {} neurons but {} biases", l + 1, layer.weights.len(), layer.biases.len()),
            ));
        }
        if let Some(row) = layer.weights.iter().find(|row| row.len() != width) {
            return Err(NeuronaError::input(
                "weights",
                format!("layer {} expects {width} inputs per neuron, found a neuron with {}", l + 1, row.len()),
            ));
        }
        width = layer.weights.len();
    }
    if targets.len() != width {
        return Err(NeuronaError::input(
            "targets",
            format!("must have one value per output neuron ({width}), got {}", targets.len()),
        ));
    }
    // As scikit-learn's `learning_rate_init`: a step against the gradient, never along it (NaN
    // and infinity are refused with the other non-finite numbers below).
    if learning_rate <= 0.0 {
        return Err(NeuronaError::parameter("learning_rate", "a float > 0", learning_rate));
    }
    let all_finite = inputs.iter().chain(targets).chain([&learning_rate]).all(|v| v.is_finite())
        && layers.iter().all(|l| l.biases.iter().chain(l.weights.iter().flatten()).all(|v| v.is_finite()));
    if !all_finite {
        return Err(NeuronaError::input(
            "weights",
            "inputs, targets, weights and the learning rate must be finite numbers",
        ));
    }

    let mut traces = Vec::with_capacity(layers.len());
    let mut current = inputs.to_vec();
    for layer in layers {
        let net: Vec<f64> = layer
            .weights
            .iter()
            .zip(&layer.biases)
            .map(|(row, b)| row.iter().zip(&current).map(|(w, x)| w * x).sum::<f64>() + b)
            .collect();
        let out: Vec<f64> = net.iter().map(|&z| logistic(z)).collect();
        traces.push(LayerTrace {
            inputs: current.clone(),
            weights: layer.weights.clone(),
            biases: layer.biases.clone(),
            net,
            out: out.clone(),
            d_error_d_out: Vec::new(),
            d_out_d_net: Vec::new(),
            delta: Vec::new(),
            weight_gradients: Vec::new(),
            updated_weights: Vec::new(),
        });
        current = out;
    }
    let output_errors: Vec<f64> = targets.iter().zip(&current).map(|(t, o)| 0.5 * (t - o) * (t - o)).collect();
    let total_error = output_errors.iter().sum();

    // Backward: ∂E/∂out is (out − target) at the output and Σ_k δ_k · w_kj below it.
    let mut d_error_d_out: Vec<f64> = current.iter().zip(targets).map(|(o, t)| o - t).collect();
    for l in (0..traces.len()).rev() {
        let layer = &mut traces[l];
        layer.d_out_d_net = layer.out.iter().map(|o| o * (1.0 - o)).collect();
        layer.delta = d_error_d_out.iter().zip(&layer.d_out_d_net).map(|(a, b)| a * b).collect();
        layer.d_error_d_out = d_error_d_out;
        layer.weight_gradients = layer.delta.iter().map(|d| layer.inputs.iter().map(|x| d * x).collect()).collect();
        layer.updated_weights = layer
            .weights
            .iter()
            .zip(&layer.weight_gradients)
            .map(|(row, grads)| row.iter().zip(grads).map(|(w, g)| w - learning_rate * g).collect())
            .collect();
        // Uses the weights before the step, as the chain rule requires.
        d_error_d_out = (0..layer.inputs.len())
            .map(|i| layer.delta.iter().zip(&layer.weights).map(|(d, row)| d * row[i]).sum())
            .collect();
    }
    Ok(BackpropTrace {
        inputs: inputs.to_vec(),
        targets: targets.to_vec(),
        learning_rate,
        layers: traces,
        output_errors,
        total_error,
    })
}
