//! The course's 2-2-2 worked example (`neurona::explain`) as JSON for the page: every input,
//! weighted sum, output, error, derivative, delta, gradient and updated weight of one forward
//! and backward pass.

use neurona::Result;
use neurona::explain::{self, LayerTrace};
use serde_json::{Value, json};

/// The traced step of the course's example network, or of the same network with the caller's
/// `inputs` and `targets` when given.
pub fn worked_example(inputs: Option<Vec<f64>>, targets: Option<Vec<f64>>) -> Result<Value> {
    let (layers, default_inputs, default_targets, learning_rate) = explain::course_example();
    let inputs = inputs.unwrap_or(default_inputs);
    let targets = targets.unwrap_or(default_targets);
    let trace = explain::trace(&layers, &inputs, &targets, learning_rate)?;
    Ok(json!({
        "inputs": trace.inputs,
        "targets": trace.targets,
        "learning_rate": learning_rate,
        "layers": trace.layers.iter().map(layer_json).collect::<Vec<_>>(),
        "output_errors": trace.output_errors,
        "total_error": trace.total_error,
    }))
}

fn layer_json(layer: &LayerTrace) -> Value {
    json!({
        "inputs": layer.inputs,
        "weights": layer.weights,
        "biases": layer.biases,
        "net": layer.net,
        "out": layer.out,
        "d_error_d_out": layer.d_error_d_out,
        "d_out_d_net": layer.d_out_d_net,
        "delta": layer.delta,
        "weight_gradients": layer.weight_gradients,
        "updated_weights": layer.updated_weights,
    })
}
