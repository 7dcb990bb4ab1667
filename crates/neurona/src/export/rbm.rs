//! The Bernoulli RBM in ONNX: its transform, the hidden units' probabilities
//! `σ(x · components_ᵀ + intercept_hidden_)`.

use super::graph::{Dim, Graph, elem_type, int_attribute};
use super::mlp::doc;
use super::ToOnnx;
use crate::error::Result;
use crate::estimators::rbm::BernoulliRbm;
use crate::float::Float;

impl<F: Float> ToOnnx for BernoulliRbm<F> {
    /// Outputs `variable: (N, n_components)`.
    fn to_onnx(&self) -> Result<Vec<u8>> {
        let state = self.state()?;
        let components = state.components();
        let (n_components, n_features) = components.dim();
        let mut graph = Graph::new("BernoulliRBM");
        graph.input("X", elem_type::<F>(), &[Dim::Batch, Dim::Fixed(n_features)]);
        let w = graph.floats("components", &[n_components, n_features], components.iter().copied());
        let b = graph.floats("intercept_hidden", &[n_components], state.intercept_hidden().iter().copied());
        let z = graph.node("Gemm", &["X", &w, &b], None, vec![int_attribute("transB", 1)]);
        graph.node("Sigmoid", &[&z], Some("variable"), Vec::new());
        graph.output("variable", elem_type::<F>(), &[Dim::Batch, Dim::Fixed(n_components)]);
        Ok(graph.finish(doc("BernoulliRBM")))
    }
}
