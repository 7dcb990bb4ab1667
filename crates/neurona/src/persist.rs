//! The model file: one `.safetensors` file per model.
//!
//! Tensors hold the weights and the state needed to resume training exactly: for the MLPs
//! `params` (the flat buffer of [`crate::network::Layout`]), `best_params` and the optimizer's
//! velocities or moments; for the perceptron `coef` and `intercept`; for the restricted
//! Boltzmann machine `components`, both intercepts, the persistent chain `h_samples` and the
//! words of its random stream. The safetensors header's metadata holds, under the key `neurona`,
//! one JSON document: the format version, the estimator kind (`MLPClassifier`, `MLPRegressor`,
//! `Perceptron`, `BernoulliRBM`), the dtype, every hyperparameter, the classes, the fitted
//! attributes and the fit report, plus an `extra` object the caller may fill (the CLI stores its
//! scaler and column names there).
//!
//! Loading treats the file as untrusted: every size is checked against the bytes actually
//! present before anything is allocated from it, every field is validated (the hyperparameters
//! go through the estimator's `check`, e.g. [`MlpParams::check`]), and anything wrong is a
//! [`NeuronaError::ModelFile`] that says what. Unlike a pickle, loading never executes anything.
//! Files are written to a temporary file and renamed into place, so a crash never leaves a
//! half-written model.

use std::collections::HashMap;
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use safetensors::tensor::{Dtype, TensorView};
use serde_json::{Map, Value, json};

use crate::activation::Activation;
pub use crate::data::labels::ModelLabel;
use crate::error::{NeuronaError, Result};
use crate::estimators::mlp::algorithm::{FitReport, MlpState, OptimizerState};
use crate::estimators::mlp::hyperparams::{MlpParams, MlpValidParams, Solver};
use crate::float::Float;
use crate::loss::OutputHead;
use crate::network::{Layout, Mlp};
use crate::optim::adam::Adam;
use crate::optim::sgd::Sgd;
use crate::params::Hyperparams;

/// The version of the file format this build writes and reads.
pub const FORMAT_VERSION: u64 = 1;

/// The safetensors metadata key under which neurona keeps its JSON header.
const METADATA_KEY: &str = "neurona";

/// The most parameters a model file may declare: far above any network this library trains on a
/// CPU, low enough that a corrupted size cannot ask for an absurd allocation.
const MAX_PARAMETERS: usize = 1 << 32;

/// What a model file says about itself, readable without knowing its types.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    /// The format version.
    pub format_version: u64,
    /// The estimator kind (`MLPClassifier`, `MLPRegressor`, `Perceptron`, `BernoulliRBM`).
    pub estimator: String,
    /// `float32` or `float64`.
    pub dtype: String,
    /// The whole JSON header (hyperparameters, network or shapes, classes, fitted attributes,
    /// report, extra).
    pub header: Value,
}

/// Reads a model file's header (after checking its structure), without building the model.
pub fn inspect(bytes: &[u8]) -> Result<ModelInfo> {
    let (header, _) = open(bytes)?;
    let format_version = header["format_version"].as_u64().unwrap_or(0);
    Ok(ModelInfo {
        format_version,
        estimator: header["estimator"].as_str().unwrap_or_default().to_owned(),
        dtype: header["dtype"].as_str().unwrap_or_default().to_owned(),
        header,
    })
}

/// Reads a whole file, naming it in the error.
pub fn read_file(path: impl AsRef<Path>) -> Result<Vec<u8>> {
    let path = path.as_ref();
    std::fs::read(path).map_err(|e| NeuronaError::Io { path: path.display().to_string(), message: e.to_string() })
}

/// Writes `bytes` to `path` through a temporary file in the same folder renamed into place, so
/// that the file is either the old one or the complete new one, never a half-written mix.
pub fn write_atomically(path: impl AsRef<Path>, bytes: &[u8]) -> Result<()> {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let path = path.as_ref();
    let io = |e: std::io::Error| NeuronaError::Io { path: path.display().to_string(), message: e.to_string() };
    let name = path.file_name().ok_or_else(|| NeuronaError::Io {
        path: path.display().to_string(),
        message: "is not a file path".to_owned(),
    })?;
    let unique = COUNTER.fetch_add(1, Ordering::Relaxed);
    let temp = path.with_file_name(format!(".{}.{}-{unique}.tmp", name.to_string_lossy(), std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result.map_err(io)
}

/// A finite float as a JSON number, a non-finite one as the string numpy prints.
pub(crate) fn float_json(v: f64) -> Value {
    if v.is_finite() {
        json!(v)
    } else if v.is_nan() {
        json!("nan")
    } else if v > 0.0 {
        json!("inf")
    } else {
        json!("-inf")
    }
}

pub(crate) fn float_from(value: &Value, field: &str) -> Result<f64> {
    match value {
        Value::Number(n) => n.as_f64().ok_or_else(|| bad(field, value)),
        Value::String(s) if s == "nan" => Ok(f64::NAN),
        Value::String(s) if s == "inf" => Ok(f64::INFINITY),
        Value::String(s) if s == "-inf" => Ok(f64::NEG_INFINITY),
        _ => Err(bad(field, value)),
    }
}

pub(crate) fn bad(field: &str, value: &Value) -> NeuronaError {
    let mut shown = value.to_string();
    if shown.len() > 80 {
        shown.truncate(80);
        shown.push_str("...");
    }
    NeuronaError::model_file(format!("has an invalid '{field}': {shown}"))
}

pub(crate) fn uint_from(value: &Value, field: &str) -> Result<u64> {
    value.as_u64().ok_or_else(|| bad(field, value))
}

pub(crate) fn usize_from(value: &Value, field: &str) -> Result<usize> {
    usize::try_from(uint_from(value, field)?).map_err(|_| bad(field, value))
}

pub(crate) fn str_from<'a>(value: &'a Value, field: &str) -> Result<&'a str> {
    value.as_str().ok_or_else(|| bad(field, value))
}

pub(crate) fn bool_from(value: &Value, field: &str) -> Result<bool> {
    value.as_bool().ok_or_else(|| bad(field, value))
}

pub(crate) fn floats_from(value: &Value, field: &str) -> Result<Vec<f64>> {
    value.as_array().ok_or_else(|| bad(field, value))?.iter().map(|v| float_from(v, field)).collect()
}

/// A setting written by name (`relu`, `adam`...), parsed by its `FromStr`: an unknown name is a
/// model-file error that quotes the parser's message.
pub(crate) fn parsed<T: std::str::FromStr<Err = NeuronaError>>(value: &Value, field: &str) -> Result<T> {
    str_from(value, field)?.parse().map_err(|e| NeuronaError::model_file(format!("has invalid hyperparameters: {e}")))
}

pub(crate) fn optional<T>(value: &Value, parse: impl FnOnce(&Value) -> Result<T>) -> Result<Option<T>> {
    if value.is_null() { Ok(None) } else { parse(value).map(Some) }
}

fn params_to_json(p: &MlpParams) -> Value {
    p.to_json()
}

fn params_from_json(v: &Value) -> Result<MlpValidParams> {
    MlpParams::from_json(v)
        .and_then(MlpParams::check)
        .map_err(|e| NeuronaError::model_file(format!("has invalid hyperparameters: {e}")))
}

fn dtype_of<F: Float>() -> Dtype {
    if F::DTYPE == "float32" { Dtype::F32 } else { Dtype::F64 }
}

/// The tensors of a model file on their way in, each with its own type and shape.
#[derive(Debug, Default)]
pub(crate) struct TensorSet {
    entries: Vec<(String, Dtype, Vec<usize>, Vec<u8>)>,
}

impl TensorSet {
    /// Adds `values` in `F` (little-endian), with this shape.
    pub(crate) fn floats<F: Float>(&mut self, name: &str, shape: &[usize], values: &[F]) {
        let mut bytes = Vec::with_capacity(std::mem::size_of_val(values));
        for &v in values {
            match F::DTYPE {
                "float32" => bytes.extend_from_slice(&(v.as_f64() as f32).to_le_bytes()),
                _ => bytes.extend_from_slice(&v.as_f64().to_le_bytes()),
            }
        }
        self.entries.push((name.to_owned(), dtype_of::<F>(), shape.to_vec(), bytes));
    }

    /// Adds 32-bit words (a random generator's key), as a 1-D tensor.
    pub(crate) fn words(&mut self, name: &str, values: &[u32]) {
        let bytes = values.iter().flat_map(|w| w.to_le_bytes()).collect();
        self.entries.push((name.to_owned(), Dtype::U32, vec![values.len()], bytes));
    }
}

/// Model-file bytes: `fields` (the estimator's part of the JSON header, an object) with the
/// format version, the estimator kind and the dtype added, and the tensors.
pub(crate) fn write_model(estimator: &str, dtype: &str, fields: Value, tensors: &TensorSet) -> Result<Vec<u8>> {
    let Value::Object(mut fields) = fields else {
        return Err(NeuronaError::model_file("could not be written: its header is not a JSON object"));
    };
    fields.insert("format_version".to_owned(), json!(FORMAT_VERSION));
    fields.insert("estimator".to_owned(), json!(estimator));
    fields.insert("dtype".to_owned(), json!(dtype));
    let views = tensors
        .entries
        .iter()
        .map(|(name, dtype, shape, bytes)| {
            TensorView::new(*dtype, shape.clone(), bytes)
                .map(|view| (name.clone(), view))
                .map_err(|e| NeuronaError::model_file(format!("could not be written: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    let metadata = HashMap::from([(METADATA_KEY.to_owned(), Value::Object(fields).to_string())]);
    safetensors::serialize(views, Some(metadata))
        .map_err(|e| NeuronaError::model_file(format!("could not be written: {e}")))
}

/// Encodes a fitted MLP as model-file bytes.
pub(crate) fn encode<F: Float>(
    estimator: &str,
    params: &MlpValidParams,
    state: &MlpState<F>,
    classes: Value,
    extra: &Value,
) -> Result<Vec<u8>> {
    let n_params = state.params.len();
    let mut tensors = TensorSet::default();
    tensors.floats("params", &[n_params], &state.params);
    tensors.floats("best_params", &[n_params], &state.best_params);
    let optimizer = match &state.optimizer {
        None => Value::Null,
        Some(OptimizerState::Sgd(sgd)) => {
            tensors.floats("sgd.velocities", &[n_params], sgd.velocities());
            json!({"kind": "sgd", "learning_rate": sgd.learning_rate()})
        }
        Some(OptimizerState::Adam(adam)) => {
            let (m, v) = adam.moments();
            tensors.floats("adam.first_moments", &[n_params], m);
            tensors.floats("adam.second_moments", &[n_params], v);
            json!({"kind": "adam", "learning_rate": adam.learning_rate(), "steps": adam.steps()})
        }
    };
    let report = &state.report;
    let header = json!({
        "params": params_to_json(params),
        "network": {
            "layer_units": state.mlp.layout().layer_units(),
            "activation": state.mlp.hidden().name(),
            "out_activation": state.mlp.head().out_activation(),
        },
        "classes": classes,
        "state": {
            "n_iter": state.n_iter,
            "t": state.t,
            "loss": float_json(state.loss),
            "loss_curve": state.loss_curve.as_ref().map(|c| c.iter().map(|&v| float_json(v)).collect::<Vec<_>>()),
            "best_loss": state.best_loss.map(float_json),
            "validation_scores": state.validation_scores.as_ref().map(|c| c.iter().map(|&v| float_json(v)).collect::<Vec<_>>()),
            "best_validation_score": state.best_validation_score.map(float_json),
            "no_improvement_count": state.no_improvement_count,
            "optimizer": optimizer,
        },
        "report": {
            "converged": report.converged,
            "n_iter": report.n_iter,
            "loss": float_json(report.loss),
            "message": report.message,
            "warnings": report.warnings,
            "interrupted": report.interrupted,
        },
        "extra": extra,
    });
    write_model(estimator, F::DTYPE, header, &tensors)
}

/// Checks the safetensors structure and parses neurona's header.
fn open(bytes: &[u8]) -> Result<(Value, safetensors::SafeTensors<'_>)> {
    let tensors = safetensors::SafeTensors::deserialize(bytes)
        .map_err(|e| NeuronaError::model_file(format!("is not a valid safetensors file ({e})")))?;
    let (_, metadata) = safetensors::SafeTensors::read_metadata(bytes)
        .map_err(|e| NeuronaError::model_file(format!("is not a valid safetensors file ({e})")))?;
    let text = metadata
        .metadata()
        .as_ref()
        .and_then(|m| m.get(METADATA_KEY))
        .ok_or_else(|| NeuronaError::model_file("has no neurona header: it was not written by neurona"))?;
    let header: Value = serde_json::from_str(text)
        .map_err(|e| NeuronaError::model_file(format!("has a corrupted neurona header ({e})")))?;
    if !header.is_object() {
        return Err(NeuronaError::model_file("has a corrupted neurona header (not a JSON object)"));
    }
    let version = uint_from(&header["format_version"], "format_version")?;
    if version > FORMAT_VERSION {
        return Err(NeuronaError::model_file(format!(
            "was written by a newer neurona (format version {version}); this build reads version {FORMAT_VERSION}"
        )));
    }
    if version == 0 {
        return Err(bad("format_version", &header["format_version"]));
    }
    Ok((header, tensors))
}

/// A decoded MLP: everything but the classes, which the estimator parses.
pub(crate) struct Decoded<F> {
    pub params: MlpValidParams,
    pub state: MlpState<F>,
    pub classes: Value,
    pub extra: Value,
}

/// The tensor `name` after checking that it exists and has type `F`.
fn tensor_of<'a, F: Float>(tensors: &'a safetensors::SafeTensors<'_>, name: &str) -> Result<TensorView<'a>> {
    let view = tensors.tensor(name).map_err(|_| NeuronaError::model_file(format!("is missing the tensor '{name}'")))?;
    if view.dtype() != dtype_of::<F>() {
        return Err(NeuronaError::model_file(format!(
            "has tensor '{name}' of type {:?}, but it must be {}",
            view.dtype(),
            F::DTYPE
        )));
    }
    Ok(view)
}

/// The shape of the tensor `name` of type `F`, to size a model from before reading it.
pub(crate) fn tensor_shape<F: Float>(tensors: &safetensors::SafeTensors<'_>, name: &str) -> Result<Vec<usize>> {
    Ok(tensor_of::<F>(tensors, name)?.shape().to_vec())
}

/// The values of the tensor `name`, which must have type `F`, this shape and finite values.
/// Nothing is allocated beyond the bytes the file holds: safetensors checked that the data
/// match the declared shape, and the shape must equal the one the model needs.
pub(crate) fn read_tensor<F: Float>(
    tensors: &safetensors::SafeTensors<'_>,
    name: &str,
    shape: &[usize],
) -> Result<Vec<F>> {
    let view = tensor_of::<F>(tensors, name)?;
    if view.shape() != shape {
        return Err(NeuronaError::model_file(format!(
            "has tensor '{name}' of shape {:?}, but the model needs {shape:?}",
            view.shape()
        )));
    }
    let values: Vec<F> = match F::DTYPE {
        "float32" => view
            .data()
            .chunks_exact(4)
            .map(|c| F::from_f64(f64::from(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))))
            .collect(),
        _ => view
            .data()
            .chunks_exact(8)
            .map(|c| F::from_f64(f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])))
            .collect(),
    };
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(NeuronaError::model_file(format!("has a non-finite value in tensor '{name}' at index {i}")));
    }
    Ok(values)
}

/// The 32-bit words of the 1-D tensor `name`, which must hold `len` of them.
pub(crate) fn read_words(tensors: &safetensors::SafeTensors<'_>, name: &str, len: usize) -> Result<Vec<u32>> {
    let view = tensors.tensor(name).map_err(|_| NeuronaError::model_file(format!("is missing the tensor '{name}'")))?;
    if view.dtype() != Dtype::U32 || view.shape() != [len] {
        return Err(NeuronaError::model_file(format!(
            "has tensor '{name}' of type {:?} and shape {:?}, but the model needs U32 and [{len}]",
            view.dtype(),
            view.shape()
        )));
    }
    Ok(view.data().chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
}

/// Opens model-file bytes written for `estimator` in type `F`: the checked structure, the
/// estimator kind and the dtype, then the JSON header and the tensors for the estimator to read.
pub(crate) fn open_model<'a, F: Float>(
    bytes: &'a [u8],
    estimator: &str,
) -> Result<(Value, safetensors::SafeTensors<'a>)> {
    let (header, tensors) = open(bytes)?;
    let kind = str_from(&header["estimator"], "estimator")?;
    if kind != estimator {
        return Err(NeuronaError::model_file(format!("holds a {kind}, not a {estimator}")));
    }
    let dtype = str_from(&header["dtype"], "dtype")?;
    if dtype != F::DTYPE {
        return Err(NeuronaError::model_file(format!("holds a {dtype} model, but {} was asked for", F::DTYPE)));
    }
    Ok((header, tensors))
}

/// The caller's `extra` JSON of a header (an empty object when there is none).
pub(crate) fn extra_of(header: &Value) -> Value {
    match &header["extra"] {
        Value::Null => Value::Object(Map::new()),
        other => other.clone(),
    }
}

/// Decodes and validates model-file bytes written for `estimator` in type `F`.
pub(crate) fn decode<F: Float>(bytes: &[u8], estimator: &str) -> Result<Decoded<F>> {
    let (header, tensors) = open_model::<F>(bytes, estimator)?;
    let params = params_from_json(&header["params"])?;
    let network = &header["network"];
    let units = network["layer_units"].as_array().ok_or_else(|| bad("layer_units", &network["layer_units"]))?;
    let units: Vec<usize> = units.iter().map(|u| usize_from(u, "layer_units")).collect::<Result<_>>()?;
    if units.len() < 2 || units.contains(&0) {
        return Err(bad("layer_units", &network["layer_units"]));
    }
    // Count with overflow checks before building anything from these sizes.
    let mut n_params: usize = 0;
    for pair in units.windows(2) {
        n_params = pair[0]
            .checked_mul(pair[1])
            .and_then(|w| w.checked_add(pair[1]))
            .and_then(|layer| n_params.checked_add(layer))
            .filter(|&total| total <= MAX_PARAMETERS)
            .ok_or_else(|| bad("layer_units", &network["layer_units"]))?;
    }
    if units[1..units.len() - 1] != params.hidden_layer_sizes[..] {
        return Err(NeuronaError::model_file(format!(
            "has layers {units:?} that do not match hidden_layer_sizes {:?}",
            params.hidden_layer_sizes
        )));
    }
    let activation: Activation = parsed(&network["activation"], "activation")?;
    let out_activation = str_from(&network["out_activation"], "out_activation")?;
    let head = OutputHead::from_out_activation(out_activation)
        .ok_or_else(|| bad("out_activation", &network["out_activation"]))?;
    let weights = read_tensor::<F>(&tensors, "params", &[n_params])?;
    let best_params = read_tensor::<F>(&tensors, "best_params", &[n_params])?;

    let s = &header["state"];
    let optimizer = match &s["optimizer"] {
        Value::Null => None,
        o => match str_from(&o["kind"], "optimizer")? {
            "sgd" => {
                let mut sgd = Sgd::new(
                    n_params,
                    params.training.learning_rate_init,
                    params.training.learning_rate,
                    params.training.momentum,
                    params.training.nesterovs_momentum,
                    params.training.power_t,
                );
                sgd.restore(
                    &read_tensor::<F>(&tensors, "sgd.velocities", &[n_params])?,
                    float_from(&o["learning_rate"], "learning_rate")?,
                );
                Some(OptimizerState::Sgd(sgd))
            }
            "adam" => {
                let mut adam = Adam::new(
                    n_params,
                    params.training.learning_rate_init,
                    params.training.beta_1,
                    params.training.beta_2,
                    params.training.epsilon,
                );
                adam.restore(
                    &read_tensor::<F>(&tensors, "adam.first_moments", &[n_params])?,
                    &read_tensor::<F>(&tensors, "adam.second_moments", &[n_params])?,
                    uint_from(&o["steps"], "steps")?,
                    float_from(&o["learning_rate"], "learning_rate")?,
                );
                Some(OptimizerState::Adam(adam))
            }
            _ => return Err(bad("optimizer", o)),
        },
    };
    if optimizer.is_some() && params.training.solver == Solver::Lbfgs && s["loss_curve"].is_null() {
        return Err(NeuronaError::model_file("has a stochastic optimizer state for an lbfgs model"));
    }
    let r = &header["report"];
    let report = FitReport {
        converged: bool_from(&r["converged"], "converged")?,
        n_iter: usize_from(&r["n_iter"], "n_iter")?,
        loss: float_from(&r["loss"], "loss")?,
        message: str_from(&r["message"], "message")?.to_owned(),
        warnings: r["warnings"]
            .as_array()
            .ok_or_else(|| bad("warnings", &r["warnings"]))?
            .iter()
            .map(|w| str_from(w, "warnings").map(str::to_owned))
            .collect::<Result<_>>()?,
        interrupted: bool_from(&r["interrupted"], "interrupted")?,
    };
    let state = MlpState {
        mlp: Mlp::new(Layout::new(units), activation, head),
        params: weights,
        n_iter: usize_from(&s["n_iter"], "n_iter")?,
        t: uint_from(&s["t"], "t")?,
        loss: float_from(&s["loss"], "loss")?,
        loss_curve: optional(&s["loss_curve"], |v| floats_from(v, "loss_curve"))?,
        best_loss: optional(&s["best_loss"], |v| float_from(v, "best_loss"))?,
        validation_scores: optional(&s["validation_scores"], |v| floats_from(v, "validation_scores"))?,
        best_validation_score: optional(&s["best_validation_score"], |v| float_from(v, "best_validation_score"))?,
        no_improvement_count: usize_from(&s["no_improvement_count"], "no_improvement_count")?,
        best_params,
        optimizer,
        report,
    };
    Ok(Decoded { params, state, classes: header["classes"].clone(), extra: extra_of(&header) })
}
