//! The perceptron in ONNX: its scores `x · coef_ᵀ + intercept_` in one `Gemm`, then the label.

use super::graph::{Dim, Graph, elem_type};
use super::labels::{OnnxLabel, argmax_index, binary_index, gather_labels};
use super::mlp::{doc, rows_input};
use super::{Prefix, ToOnnx};
use crate::error::Result;
use crate::estimators::perceptron::Perceptron;
use crate::float::Float;

impl<F: Float, L: OnnxLabel> ToOnnx for Perceptron<F, L> {
    /// Outputs `label` and `scores` (the decision function: one column for two classes,
    /// positive for the second; one per class otherwise, the first maximum winning).
    fn to_onnx_with_prefix(&self, prefix: &mut Prefix<'_>) -> Result<Vec<u8>> {
        let state = self.state()?;
        let n_scores = state.coef().nrows();
        let mut graph = Graph::new("Perceptron");
        let x = prefix(&mut graph, &rows_input::<F>(state.coef().ncols()))?;
        let scores = graph.linear(&x, ("coef", state.coef()), ("intercept", state.intercept()), Some("scores"));
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
