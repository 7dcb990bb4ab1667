//! The MLPs in ONNX: one `Gemm` per layer (`coefs_[l]` is already `(fan_in, fan_out)`), the
//! hidden activation after each hidden layer, the output activation, then the classifier's
//! labels or the regressor's values.

use super::graph::{Dim, Graph, elem_type};
use super::labels::{OnnxLabel, above, argmax_index, binary_index, gather_labels};
use super::{ToOnnx, unsupported};
use crate::activation::Activation;
use crate::error::Result;
use crate::estimators::mlp::{MlpClassifier, MlpRegressor, MlpState};
use crate::float::Float;
use crate::loss::OutputHead;

/// The network's forward pass from the input `X`; the output activation's value is named
/// `output` (a regressor's `variable`) or a fresh name. Returns its name.
fn forward<F: Float>(graph: &mut Graph, state: &MlpState<F>, output: Option<&str>) -> String {
    let mlp = state.network();
    let units = mlp.layout().layer_units();
    graph.input("X", elem_type::<F>(), &[Dim::Batch, Dim::Fixed(units[0])]);
    let (coefs, intercepts) = (state.coefs(), state.intercepts());
    let last = coefs.len() - 1;
    let mut value = "X".to_owned();
    for (l, (coef, intercept)) in coefs.iter().zip(&intercepts).enumerate() {
        let w = graph.floats(&format!("coef_{l}"), &[coef.nrows(), coef.ncols()], coef.iter().copied());
        let b = graph.floats(&format!("intercept_{l}"), &[intercept.len()], intercept.iter().copied());
        let activation = if l < last { hidden_op(mlp.hidden()) } else { output_op(mlp.head()) };
        let gemm_output = if activation.is_none() && l == last { output } else { None };
        value = graph.node("Gemm", &[&value, &w, &b], gemm_output, Vec::new());
        if let Some(op) = activation {
            let attributes = if op == "Softmax" { vec![super::graph::int_attribute("axis", 1)] } else { Vec::new() };
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

impl<F: Float, L: OnnxLabel> ToOnnx for MlpClassifier<F, L> {
    /// Outputs `label` and `probabilities`. A binary classifier's one logistic output `p`
    /// gives `probabilities = [1 - p, p]` and the second class where `p > 0.5`; a multiclass
    /// one, the softmax and the class of its first maximum; a multi-label one, the logistic
    /// outputs and `label`, the 0/1 indicator matrix (`p > 0.5`) as int64.
    fn to_onnx(&self) -> Result<Vec<u8>> {
        let state = self.state()?;
        let n_outputs = state.n_outputs();
        let mut graph = Graph::new("MLPClassifier");
        let elem = elem_type::<F>();
        if self.is_multilabel() {
            let p = forward(&mut graph, state, Some("probabilities"));
            above(&mut graph, &p, F::from_f64(0.5), Some("label"));
            graph.output("label", super::proto::data_type::INT64, &[Dim::Batch, Dim::Fixed(n_outputs)]);
            graph.output("probabilities", elem, &[Dim::Batch, Dim::Fixed(n_outputs)]);
            return Ok(graph.finish(doc("MLPClassifier (multi-label)")));
        }
        let classes = self.classes()?;
        if classes.len() < 2 {
            return Err(unsupported(format!(
                "is an MLPClassifier fitted on a single class ({classes:?}), which the ONNX export does not cover"
            )));
        }
        let classes = L::onnx_classes(classes)?;
        let index = if n_outputs == 1 {
            let p = forward(&mut graph, state, None);
            let one = graph.floats("one", &[], [F::one()]);
            let q = graph.node("Sub", &[&one, &p], None, Vec::new());
            let concat = vec![super::graph::int_attribute("axis", 1)];
            graph.node("Concat", &[&q, &p], Some("probabilities"), concat);
            binary_index(&mut graph, &p, F::from_f64(0.5))
        } else {
            let p = forward(&mut graph, state, Some("probabilities"));
            argmax_index(&mut graph, &p)
        };
        gather_labels(&mut graph, &classes, &index);
        graph.output("probabilities", elem, &[Dim::Batch, Dim::Fixed(n_outputs.max(2))]);
        Ok(graph.finish(doc("MLPClassifier")))
    }
}

impl<F: Float> ToOnnx for MlpRegressor<F> {
    /// Outputs `variable: (N, n_outputs)`.
    fn to_onnx(&self) -> Result<Vec<u8>> {
        let state = self.state()?;
        let mut graph = Graph::new("MLPRegressor");
        forward(&mut graph, state, Some("variable"));
        graph.output("variable", elem_type::<F>(), &[Dim::Batch, Dim::Fixed(state.n_outputs())]);
        Ok(graph.finish(doc("MLPRegressor")))
    }
}

/// The model's description.
pub(super) fn doc(what: &str) -> String {
    format!("{what} exported by neurona {}", env!("CARGO_PKG_VERSION"))
}
