//! The MLPs in ONNX: one `Gemm` per layer (`coefs_[l]` is already `(fan_in, fan_out)`), the
//! hidden activation after each hidden layer, the output activation, then the classifier's
//! labels or the regressor's values. The recurrent networks' dense head is built here too.

use super::graph::{Dim, Graph, elem_type, int_attribute};
use super::labels::{OnnxLabel, above, argmax_index, binary_index, gather_labels};
use super::proto::data_type;
use super::{NetworkInput, Prefix, ToOnnx, unsupported};
use crate::activation::Activation;
use crate::error::Result;
use crate::estimators::mlp::{MlpClassifier, MlpRegressor};
use crate::float::Float;
use crate::loss::OutputHead;
use crate::network::Mlp;

/// The dense layers of `mlp` (its flat buffer `params`) over the rows of the value `input`,
/// `(rows, n_features)`; the output activation's value is named `output`, or a fresh name.
/// Returns its name.
pub(super) fn dense<F: Float>(graph: &mut Graph, mlp: &Mlp, params: &[F], input: &str, output: Option<&str>) -> String {
    let layout = mlp.layout();
    let last = layout.n_weight_layers() - 1;
    let mut value = input.to_owned();
    for l in 0..=last {
        let (fan_in, fan_out) = layout.fans(l);
        let w = graph.floats(&format!("coef_{l}"), &[fan_in, fan_out], params[layout.coef_range(l)].iter().copied());
        let b = graph.floats(&format!("intercept_{l}"), &[fan_out], params[layout.intercept_range(l)].iter().copied());
        let activation = if l < last { hidden_op(mlp.hidden()) } else { output_op(mlp.head()) };
        let gemm_output = if activation.is_none() && l == last { output } else { None };
        value = graph.node("Gemm", &[&value, &w, &b], gemm_output, Vec::new());
        if let Some(op) = activation {
            let attributes = if op == "Softmax" { vec![int_attribute("axis", -1)] } else { Vec::new() };
            value = graph.node(op, &[&value], if l == last { output } else { None }, attributes);
        }
    }
    value
}

/// The ONNX operator of a hidden activation (none for the identity).
fn hidden_op(activation: Activation) -> Option<&'static str> {
    match activation {
        Activation::Identity => None,
        Activation::Logistic => Some("Sigmoid"),
        Activation::Tanh => Some("Tanh"),
        Activation::Relu => Some("Relu"),
    }
}

/// The ONNX operator of an output head's activation (none for the identity).
fn output_op(head: OutputHead) -> Option<&'static str> {
    match head {
        OutputHead::SquaredError => None,
        OutputHead::Poisson => Some("Exp"),
        OutputHead::BinaryLogLoss => Some("Sigmoid"),
        OutputHead::LogLoss => Some("Softmax"),
    }
}

/// A network classifier's outputs `label` and `probabilities` over `rows` (`[N]`, or `[N, T]`
/// for one output per step) from `network`, which adds the network's output activation
/// `(rows..., n_outputs)` to the graph, named as asked. `classes` empty means multi-label.
///
/// A binary classifier's one logistic output `p` gives `probabilities = [1 - p, p]` and the
/// second class where `p > 0.5`; a multiclass one, the softmax and the class of its first
/// maximum; a multi-label one, the logistic outputs and `label`, the 0/1 indicator matrix
/// (`p > 0.5`) as int64.
pub(super) fn classifier_outputs<F: Float, L: OnnxLabel>(
    graph: &mut Graph,
    classes: &[L],
    n_outputs: usize,
    rows: &[Dim],
    network: impl FnOnce(&mut Graph, Option<&str>) -> String,
) -> Result<()> {
    let with_width = |width: usize| [rows, &[Dim::Fixed(width)]].concat();
    if classes.is_empty() {
        let p = network(graph, Some("probabilities"));
        above(graph, &p, F::from_f64(0.5), Some("label"));
        graph.output("label", data_type::INT64, &with_width(n_outputs));
        graph.output("probabilities", elem_type::<F>(), &with_width(n_outputs));
        return Ok(());
    }
    if classes.len() < 2 {
        return Err(unsupported(format!(
            "is a classifier fitted on a single class ({classes:?}), which the ONNX export does not cover"
        )));
    }
    let classes = L::onnx_classes(classes)?;
    let index = if n_outputs == 1 {
        let p = network(graph, None);
        let one = graph.floats("one", &[], [F::one()]);
        let q = graph.node("Sub", &[&one, &p], None, Vec::new());
        graph.node("Concat", &[&q, &p], Some("probabilities"), vec![int_attribute("axis", -1)]);
        binary_index(graph, &p, F::from_f64(0.5))
    } else {
        let p = network(graph, Some("probabilities"));
        argmax_index(graph, &p)
    };
    gather_labels(graph, &classes, &index, rows);
    graph.output("probabilities", elem_type::<F>(), &with_width(n_outputs.max(2)));
    Ok(())
}

impl<F: Float, L: OnnxLabel> ToOnnx for MlpClassifier<F, L> {
    /// Outputs `label` and `probabilities` (see the [module documentation](super)).
    fn to_onnx_with_prefix(&self, prefix: &mut Prefix<'_>) -> Result<Vec<u8>> {
        let state = self.state()?;
        let mlp = state.network();
        let mut graph = Graph::new("MLPClassifier");
        let x = prefix(&mut graph, &rows_input::<F>(mlp.n_features()))?;
        let classes = if self.is_multilabel() { &[] } else { self.classes()? };
        classifier_outputs::<F, L>(&mut graph, classes, state.n_outputs(), &[Dim::Batch], |graph, output| {
            dense(graph, mlp, state.flat_params(), &x, output)
        })?;
        Ok(graph.finish(doc("MLPClassifier")))
    }
}

impl<F: Float> ToOnnx for MlpRegressor<F> {
    /// Outputs `variable: (N, n_outputs)`.
    fn to_onnx_with_prefix(&self, prefix: &mut Prefix<'_>) -> Result<Vec<u8>> {
        let state = self.state()?;
        let mlp = state.network();
        let mut graph = Graph::new("MLPRegressor");
        let x = prefix(&mut graph, &rows_input::<F>(mlp.n_features()))?;
        dense(&mut graph, mlp, state.flat_params(), &x, Some("variable"));
        graph.output("variable", elem_type::<F>(), &[Dim::Batch, Dim::Fixed(state.n_outputs())]);
        Ok(graph.finish(doc("MLPRegressor")))
    }
}

/// What a network over rows of `n_features` features in `F` reads: `(N, n_features)`.
pub(super) fn rows_input<F: Float>(n_features: usize) -> NetworkInput {
    NetworkInput { elem_type: elem_type::<F>(), dims: vec![Dim::Batch, Dim::Fixed(n_features)] }
}

/// The model's description.
pub(super) fn doc(what: &str) -> String {
    format!("{what} exported by neurona {}", env!("CARGO_PKG_VERSION"))
}
