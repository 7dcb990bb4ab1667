//! ONNX export: a fitted estimator as an ONNX model that ONNX Runtime (or any ONNX runtime)
//! runs with neurona's own predictions.
//!
//! Each estimator implements [`ToOnnx`] in this module's file for its family (`mlp.rs`,
//! `perceptron.rs`, `rbm.rs`, `rnn.rs`); [`onnx_from_model_file`] exports a model file of any
//! kind (the command's `neurona export` and Python's `to_onnx` go through it).
//!
//! The file states ONNX IR version [`IR_VERSION`] and imports the default operator set
//! (`ai.onnx`) at version [`OPSET`], which ONNX Runtime has run since 1.12. The graph's input
//! is `X: (N, n_features)` in the model's float type (`float` or `double`), `N` any number of
//! rows. Its outputs are named as skl2onnx names scikit-learn's:
//!
//! | kind | outputs |
//! | --- | --- |
//! | `MLPClassifier` | `label: (N,)` (the classes as int64 or string), `probabilities: (N, n_classes)`; multi-label: `label: (N, n_labels)` int64 0/1 indicators, `probabilities: (N, n_labels)` |
//! | `MLPRegressor` | `variable: (N, n_outputs)` |
//! | `Perceptron` | `label: (N,)`, `scores: (N, 1)` (binary: positive means the second class) or `(N, n_classes)`, the decision function |
//! | `BernoulliRBM` | `variable: (N, n_components)`, the transform (hidden units' probabilities) |
//! | `RNNClassifier`, `RNNRegressor` | as the MLPs', per sequence or `(N, T, ...)` per step; inputs `X: (N, T, n_features)` and `sequence_lens: (N,)` (see `rnn.rs`); float64 through `Scan` (`scan.rs`) |
//!
//! The messages are `prost` structs declared with `onnx.proto`'s field numbers ([`proto`]).
//!
//! ## A graph that prepares its own inputs
//!
//! [`onnx_from_model_file_with_prefix`] lets the caller write the graph's first nodes: instead
//! of the input `X`, a [`Prefix`] declares whatever inputs it wants on the public [`Graph`]
//! builder and returns the value the network reads ([`NetworkInput`]: the model's float type,
//! `(N, n_features)`, or `(N, T, n_features)` for a recurrent network). The command's
//! `neurona export` writes its scaler and its preparation of a table's columns (missing cells
//! filled, categories one-hot encoded) that way, one graph input per table column; the core
//! knows nothing of them.

mod graph;
mod labels;
mod mlp;
mod perceptron;
pub mod proto;
mod rbm;
mod rnn;
mod scan;

use serde_json::Value;

pub use graph::{Dim, Graph, elem_type, int_attribute, ints_attribute, string_attribute, strings_attribute};
pub use labels::{OnnxClasses, OnnxLabel};

use crate::error::{NeuronaError, Result};
use crate::estimator::{EstimatorKind, ModelFile};
use crate::estimators::mlp::{MlpClassifier, MlpRegressor};
use crate::estimators::perceptron::Perceptron;
use crate::estimators::rbm::BernoulliRbm;
use crate::estimators::rnn::{RnnClassifier, RnnRegressor};
use crate::float::Float;

/// The ONNX IR version the files state (IR 8, ONNX 1.10).
pub const IR_VERSION: i64 = 8;
/// The version of the default operator set (`ai.onnx`) the files import.
pub const OPSET: i64 = 17;
/// The files' `producer_name`.
pub const PRODUCER: &str = "neurona";

/// The value the network of an exported graph reads, which a [`Prefix`] must produce.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetworkInput {
    /// The model's float type: `FLOAT` or `DOUBLE` ([`proto::data_type`]).
    pub elem_type: i32,
    /// `[N, n_features]`, or `[N, T, n_features]` for a recurrent network.
    pub dims: Vec<Dim>,
}

impl NetworkInput {
    /// The number of features, the last dimension.
    pub fn n_features(&self) -> usize {
        match self.dims.last() {
            Some(Dim::Fixed(n)) => *n,
            _ => 0,
        }
    }
}

/// The first nodes of an exported graph: declares the graph's inputs and returns the name of
/// the value the network reads, as `NetworkInput` describes it.
pub type Prefix<'a> = dyn FnMut(&mut Graph, &NetworkInput) -> Result<String> + 'a;

/// The default prefix: the network reads the graph's input `X` itself.
fn plain_input(graph: &mut Graph, input: &NetworkInput) -> Result<String> {
    Ok(graph.input("X", input.elem_type, &input.dims))
}

/// A fitted estimator that exports as an ONNX model.
pub trait ToOnnx {
    /// The serialized ONNX `ModelProto` (see the [module documentation](self) for its inputs
    /// and outputs). Fails with `NotFitted` before a fit, and with an error that says which
    /// combination for a model the export does not cover.
    fn to_onnx(&self) -> Result<Vec<u8>> {
        self.to_onnx_with_prefix(&mut plain_input)
    }

    /// The same model, its network reading the value that `prefix` writes instead of the
    /// input `X`.
    fn to_onnx_with_prefix(&self, prefix: &mut Prefix<'_>) -> Result<Vec<u8>>;
}

/// The ONNX model of the estimator a neurona model file holds, whatever its kind, float type
/// and label type (integers or strings).
///
/// ```
/// use neurona::prelude::*;
///
/// let iris = neurona::datasets::iris();
/// let params = MlpParams::new().hidden_layer_sizes([5]).solver(Solver::Lbfgs).max_iter(20).random_state(0).check()?;
/// let mut clf = MlpClassifier::<f32, i64>::new(params);
/// let y: Vec<i64> = iris.target.iter().map(|&c| c as i64).collect();
/// clf.fit(iris.standardized_features().mapv(|v| v as f32).view(), &y)?;
/// let onnx = neurona::export::onnx_from_model_file(&clf.to_bytes()?)?;
/// assert_eq!(onnx, clf.to_onnx()?);
/// # Ok::<(), neurona::NeuronaError>(())
/// ```
pub fn onnx_from_model_file(bytes: &[u8]) -> Result<Vec<u8>> {
    onnx_from_model_file_with_prefix(bytes, &mut plain_input)
}

/// [`onnx_from_model_file`], the graph beginning with `prefix`'s nodes (see the [module
/// documentation](self#a-graph-that-prepares-its-own-inputs)).
///
/// ```
/// use neurona::export::{Graph, NetworkInput};
/// use neurona::prelude::*;
///
/// let iris = neurona::datasets::iris();
/// let params = MlpParams::new().hidden_layer_sizes([3]).max_iter(5).random_state(0).check()?;
/// let mut clf = MlpClassifier::<f64, i64>::new(params);
/// let y: Vec<i64> = iris.target.iter().map(|&c| c as i64).collect();
/// clf.fit(iris.standardized_features().view(), &y)?;
/// // The network reads `features / 10`, the graph's input named `raw`.
/// let mut prefix = |graph: &mut Graph, input: &NetworkInput| {
///     let raw = graph.input("raw", input.elem_type, &input.dims);
///     let ten = graph.floats("ten", &[], [10.0_f64]);
///     Ok::<_, neurona::NeuronaError>(graph.node("Div", &[&raw, &ten], None, Vec::new()))
/// };
/// let onnx = neurona::export::onnx_from_model_file_with_prefix(&clf.to_bytes()?, &mut prefix)?;
/// let model = <neurona::export::proto::ModelProto as prost::Message>::decode(&onnx[..]).expect("valid bytes");
/// let inputs = model.graph.expect("a graph").input;
/// assert_eq!(inputs.iter().map(|i| i.name.as_str()).collect::<Vec<_>>(), ["raw"]);
/// # Ok::<(), neurona::NeuronaError>(())
/// ```
pub fn onnx_from_model_file_with_prefix(bytes: &[u8], prefix: &mut Prefix<'_>) -> Result<Vec<u8>> {
    let info = crate::persist::inspect(bytes)?;
    let kind = EstimatorKind::from_header(&info.header)?;
    let labels = info.header["classes"]["labels"].as_array();
    let strings = labels.is_some_and(|labels| labels.iter().any(Value::is_string));
    match info.dtype.as_str() {
        "float32" => from_model_file::<f32>(bytes, kind, strings, prefix),
        "float64" => from_model_file::<f64>(bytes, kind, strings, prefix),
        other => Err(NeuronaError::model_file(format!("has dtype '{other}', not float32 or float64"))),
    }
}

fn from_model_file<F: Float>(
    bytes: &[u8],
    kind: EstimatorKind,
    strings: bool,
    prefix: &mut Prefix<'_>,
) -> Result<Vec<u8>> {
    match kind {
        EstimatorKind::MlpClassifier if strings => {
            MlpClassifier::<F, String>::from_bytes(bytes)?.to_onnx_with_prefix(prefix)
        }
        EstimatorKind::MlpClassifier => MlpClassifier::<F, i64>::from_bytes(bytes)?.to_onnx_with_prefix(prefix),
        EstimatorKind::MlpRegressor => MlpRegressor::<F>::from_bytes(bytes)?.to_onnx_with_prefix(prefix),
        EstimatorKind::Perceptron if strings => Perceptron::<F, String>::from_bytes(bytes)?.to_onnx_with_prefix(prefix),
        EstimatorKind::Perceptron => Perceptron::<F, i64>::from_bytes(bytes)?.to_onnx_with_prefix(prefix),
        EstimatorKind::BernoulliRbm => BernoulliRbm::<F>::from_bytes(bytes)?.to_onnx_with_prefix(prefix),
        EstimatorKind::RnnClassifier if strings => {
            RnnClassifier::<F, String>::from_bytes(bytes)?.to_onnx_with_prefix(prefix)
        }
        EstimatorKind::RnnClassifier => RnnClassifier::<F, i64>::from_bytes(bytes)?.to_onnx_with_prefix(prefix),
        EstimatorKind::RnnRegressor => RnnRegressor::<F>::from_bytes(bytes)?.to_onnx_with_prefix(prefix),
    }
}

/// The error for a model the export does not cover; `problem` says which combination.
pub(crate) fn unsupported(problem: String) -> NeuronaError {
    NeuronaError::input("the model", problem)
}
