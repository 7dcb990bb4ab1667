//! The perceptron in ONNX: its scores `x · coef_ᵀ + intercept_` in one `Gemm`, then the label.

use super::ToOnnx;
use super::graph::{Dim, Graph, elem_type};
use super::labels::{OnnxLabel, argmax_index, binary_index, gather_labels};
use super::mlp::doc;
use crate::error::Result;
use crate::estimators::perceptron::Perceptron;
use crate::float::Float;

impl<F: Float, L: OnnxLabel> ToOnnx for Perceptron<F, L> {
    /// Outputs `label` and `scores` (the decision function: one column for two classes,
    /// positive for the second; one per class otherwise, the first maximum winning).
    fn to_onnx(&self) -> Result<Vec<u8>> {
        let state = self.state()?;
        let n_scores = state.coef().nrows();
        let mut graph = Graph::new("Perceptron");
        let scores = graph.linear_from_input(("coef", state.coef()), ("intercept", state.intercept()), Some("scores"));
        let index = if n_scores == 1 {
            binary_index(&mut graph, &scores, F::zero())
        } else {
            argmax_index(&mut graph, &scores)
        };
        gather_labels(&mut graph, &L::onnx_classes(state.classes())?, &index, &[Dim::Batch]);
        graph.output("scores", elem_type::<F>(), &[Dim::Batch, Dim::Fixed(n_scores)]);
        Ok(graph.finish(doc("Perceptron")))
    }
}
