//! Class labels in an ONNX graph: a constant tensor of int64 or strings that the predicted
//! class index gathers from, and the outputs that decode a classifier's scores into it.

use super::graph::{Dim, Graph, int_attribute};
use super::proto::data_type;
use super::unsupported;
use crate::data::labels::ModelLabel;
use crate::error::Result;
use crate::float::Float;

/// A classifier's classes as an ONNX tensor holds them.
#[derive(Debug, Clone, PartialEq)]
pub enum OnnxClasses {
    /// Integer labels, as int64.
    Int64(Vec<i64>),
    /// Text labels.
    Strings(Vec<String>),
}

/// A label type that an ONNX graph can output: integers (as int64) or strings.
pub trait OnnxLabel: ModelLabel {
    /// The classes as an ONNX tensor's values; an error for a label ONNX's int64 cannot hold.
    fn onnx_classes(classes: &[Self]) -> Result<OnnxClasses>;
}

macro_rules! integer_labels {
    ($($t:ty),*) => {$(
        impl OnnxLabel for $t {
            fn onnx_classes(classes: &[Self]) -> Result<OnnxClasses> {
                let ints = classes.iter().map(|&c| {
                    i64::try_from(c).map_err(|_| unsupported(format!("has class {c}, which ONNX's int64 labels cannot hold")))
                });
                Ok(OnnxClasses::Int64(ints.collect::<Result<_>>()?))
            }
        }
    )*};
}

integer_labels!(i32, i64, u32, u64, usize);

impl OnnxLabel for String {
    fn onnx_classes(classes: &[Self]) -> Result<OnnxClasses> {
        Ok(OnnxClasses::Strings(classes.to_vec()))
    }
}

/// The output `label`, `classes[index]` for `index` int64 of shape `rows`.
pub(crate) fn gather_labels(graph: &mut Graph, classes: &OnnxClasses, index: &str, rows: &[Dim]) {
    let (constant, elem_type) = match classes {
        OnnxClasses::Int64(ints) => (graph.int64s("classes", &[ints.len()], ints), data_type::INT64),
        OnnxClasses::Strings(texts) => (graph.strings("classes", texts), data_type::STRING),
    };
    graph.node("Gather", &[&constant, index], Some("label"), vec![int_attribute("axis", 0)]);
    graph.output("label", elem_type, rows);
}

/// `scores > threshold` as int64 0/1, in the shape of `scores` (a multi-label indicator
/// matrix, or the class index of one binary score).
pub(crate) fn above<F: Float>(graph: &mut Graph, scores: &str, threshold: F, output: Option<&str>) -> String {
    let threshold = graph.floats(&format!("threshold_{}", graph_safe(scores)), &[], [threshold]);
    let greater = graph.node("Greater", &[scores, &threshold], None, Vec::new());
    graph.node("Cast", &[&greater], output, vec![int_attribute("to", i64::from(data_type::INT64))])
}

/// The class index of one binary score `(..., 1)`, without its last axis: 1 where it is above
/// `threshold` (the strict rule neurona's and scikit-learn's `predict` apply; a tie goes to the
/// first class).
pub(crate) fn binary_index<F: Float>(graph: &mut Graph, score: &str, threshold: F) -> String {
    let index = above(graph, score, threshold, None);
    let last = graph.int64s("last_axis", &[1], &[-1]);
    graph.node("Squeeze", &[&index, &last], None, Vec::new())
}

/// The class index of scores `(..., n_classes)`, without their last axis: the first maximum,
/// as `argmax`.
pub(crate) fn argmax_index(graph: &mut Graph, scores: &str) -> String {
    graph.node("ArgMax", &[scores], None, vec![int_attribute("axis", -1), int_attribute("keepdims", 0)])
}

/// A value name usable inside another name.
fn graph_safe(name: &str) -> String {
    name.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
}
