//! The Bernoulli RBM in ONNX: its transform, the hidden units' probabilities
//! `σ(x · components_ᵀ + intercept_hidden_)`.

use super::graph::{Dim, Graph, elem_type};
use super::mlp::{doc, rows_input};
use super::{Prefix, ToOnnx};
use crate::error::Result;
use crate::estimators::rbm::BernoulliRbm;
use crate::float::Float;

impl<F: Float> ToOnnx for BernoulliRbm<F> {
    /// Outputs `variable: (N, n_components)`.
    fn to_onnx_with_prefix(&self, prefix: &mut Prefix<'_>) -> Result<Vec<u8>> {
        let state = self.state()?;
        let n_components = state.n_components();
        let mut graph = Graph::new("BernoulliRBM");
        let x = prefix(&mut graph, &rows_input::<F>(state.components().ncols()))?;
        let bias = state.intercept_hidden().into_iter().copied();
        let z = graph.linear(&x, ("components", state.components()), ("intercept_hidden", bias), None);
        graph.node("Sigmoid", &[&z], Some("variable"), Vec::new());
        graph.output("variable", elem_type::<F>(), &[Dim::Batch, Dim::Fixed(n_components)]);
        Ok(graph.finish(doc("BernoulliRBM")))
    }
}
