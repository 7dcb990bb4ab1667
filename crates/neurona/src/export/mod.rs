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
//! | `RNNClassifier`, `RNNRegressor` | as the MLPs', per sequence or `(N, T, ...)` per step; inputs `X: (N, T, n_features)` and `sequence_lens: (N,)` (see `rnn.rs`); float32 only |
//!
//! The messages are `prost` structs declared with `onnx.proto`'s field numbers ([`proto`]).

mod graph;
mod labels;
mod mlp;
mod perceptron;
pub mod proto;
mod rbm;
mod rnn;

use serde_json::Value;

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

/// A fitted estimator that exports as an ONNX model.
pub trait ToOnnx {
    /// The serialized ONNX `ModelProto` (see the [module documentation](self) for its inputs
    /// and outputs). Fails with `NotFitted` before a fit, and with an error that says which
    /// combination for a model the export does not cover.
    fn to_onnx(&self) -> Result<Vec<u8>>;
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
    let info = crate::persist::inspect(bytes)?;
    let kind = EstimatorKind::from_header(&info.header)?;
    let labels = info.header["classes"]["labels"].as_array();
    let strings = labels.is_some_and(|labels| labels.iter().any(Value::is_string));
    match info.dtype.as_str() {
        "float32" => from_model_file::<f32>(bytes, kind, strings),
        "float64" => from_model_file::<f64>(bytes, kind, strings),
        other => Err(NeuronaError::model_file(format!("has dtype '{other}', not float32 or float64"))),
    }
}

fn from_model_file<F: Float>(bytes: &[u8], kind: EstimatorKind, strings: bool) -> Result<Vec<u8>> {
    match kind {
        EstimatorKind::MlpClassifier if strings => MlpClassifier::<F, String>::from_bytes(bytes)?.to_onnx(),
        EstimatorKind::MlpClassifier => MlpClassifier::<F, i64>::from_bytes(bytes)?.to_onnx(),
        EstimatorKind::MlpRegressor => MlpRegressor::<F>::from_bytes(bytes)?.to_onnx(),
        EstimatorKind::Perceptron if strings => Perceptron::<F, String>::from_bytes(bytes)?.to_onnx(),
        EstimatorKind::Perceptron => Perceptron::<F, i64>::from_bytes(bytes)?.to_onnx(),
        EstimatorKind::BernoulliRbm => BernoulliRbm::<F>::from_bytes(bytes)?.to_onnx(),
        EstimatorKind::RnnClassifier if strings => RnnClassifier::<F, String>::from_bytes(bytes)?.to_onnx(),
        EstimatorKind::RnnClassifier => RnnClassifier::<F, i64>::from_bytes(bytes)?.to_onnx(),
        EstimatorKind::RnnRegressor => RnnRegressor::<F>::from_bytes(bytes)?.to_onnx(),
    }
}

/// The error for a model the export does not cover; `problem` says which combination.
pub(crate) fn unsupported(problem: String) -> NeuronaError {
    NeuronaError::input("the model", problem)
}
