//! The model file: one `.safetensors` file per model. This module is the envelope, the same for
//! every estimator: it knows the format, not the estimators, whose codecs live in their own
//! folders (`estimators/<family>/model_file.rs`, through [`ModelFile`](crate::estimator::ModelFile)).
//!
//! # What a file holds
//!
//! Tensors hold the weights and the state needed to resume training exactly: for the MLPs
//! `params` (the flat buffer of [`crate::network::Layout`]), `best_params` and the optimizer's
//! velocities or moments; for the perceptron `coef` and `intercept`; for the restricted
//! Boltzmann machine `components`, both intercepts, the persistent chain `h_samples` and the
//! words of its random stream. The safetensors header's metadata holds, under the key `neurona`,
//! one JSON document: the format version, the estimator kind (an
//! [`EstimatorKind`] name: `MLPClassifier`, `MLPRegressor`, `Perceptron`, `BernoulliRBM`), the
//! dtype, every hyperparameter, the classes, the fitted attributes and the fit report, plus an
//! `extra` object the caller may fill (the CLI stores its scaler and column names there), and,
//! as its last member, the checksum.
//!
//! # Integrity
//!
//! The checksum is CRC-32 of the JSON header and of every tensor (name, dtype, shape and bytes,
//! in the order of their names), written as `"checksum":"crc32:<8 hex digits>"`. Loading
//! verifies it before anything else in the file is read, so a file whose bytes changed (one
//! flipped bit anywhere, a tensor or the header) is refused with
//! `model file is corrupted: its checksum does not match ...`. It guards against accidental
//! corruption, not tampering: whoever edits a file can recompute it. The design, and why no
//! single flipped bit passes, is in `checksum.rs`.
//!
//! # Untrusted input
//!
//! Loading treats the file as untrusted: every size is checked against the bytes actually
//! present before anything is allocated from it, every field is validated (the hyperparameters
//! go through the estimator's `check`), and anything wrong is a [`NeuronaError::ModelFile`] that
//! says what. Unlike a pickle, loading never executes anything. Files are written to a temporary
//! file and renamed into place ([`write_atomically`]), so a crash never leaves a half-written
//! model.
//!
//! # Versions
//!
//! - 1: the first format, without a checksum. Such files still load.
//! - 2: adds the checksum, which a file of version 2 or later must carry. The version's digit
//!   is not one flipped bit away from `1`, so a damaged version-2 file cannot pass as a
//!   version-1 file without a checksum.
//!
//! A file of a later version than this build's [`FORMAT_VERSION`] is refused with a message
//! saying so.

mod checksum;
pub mod file;
mod json;
pub mod state_dict;
mod tensors;
mod training;

use std::collections::HashMap;

use safetensors::SafeTensors;
use safetensors::tensor::TensorView;
use serde_json::{Map, Value, json};

pub use self::file::{read_file, write_atomically};
pub use self::json::ModelLabel;
pub(crate) use self::json::{
    bad, bool_from, float_from, float_json, floats_from, labels_from, optional, parsed, str_from, strings_from,
    uint_from, usize_from,
};
pub use self::state_dict::{StateTensor, read_state_dict};
pub(crate) use self::tensors::{TensorSet, read_tensor, read_words, tensor_shape};
pub(crate) use self::training::{MAX_NETWORK_PARAMETERS, NetworkModel, decode_training, write_network_model};
use crate::error::{NeuronaError, Result};
use crate::estimator::EstimatorKind;
use crate::float::Float;

/// The version of the file format this build writes (it reads this one and every earlier one).
pub const FORMAT_VERSION: u64 = 2;

/// The first version whose files must carry a checksum.
const CHECKSUM_SINCE: u64 = 2;

/// The safetensors metadata key under which neurona keeps its JSON header.
const METADATA_KEY: &str = "neurona";

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
    /// report, extra), without the checksum.
    pub header: Value,
    /// The CRC-32 the file carries, verified; `None` for a file of version 1.
    pub checksum: Option<u32>,
}

/// Reads a model file's header after checking its structure and its checksum, without building
/// the model.
pub fn inspect(bytes: &[u8]) -> Result<ModelInfo> {
    let opened = open(bytes)?;
    let header = opened.header;
    Ok(ModelInfo {
        format_version: header["format_version"].as_u64().unwrap_or(0),
        estimator: header["estimator"].as_str().unwrap_or_default().to_owned(),
        dtype: header["dtype"].as_str().unwrap_or_default().to_owned(),
        checksum: opened.checksum,
        header,
    })
}

/// Model-file bytes from a finished header and tensors, with their checksum: for tools that
/// rewrite a model file (and tests that build damaged ones). `header` is neurona's JSON object as
/// [`inspect`] gives it, format version included, and without a `checksum` field, which this
/// adds. Estimators write through [`ModelFile`](crate::estimator::ModelFile) instead.
pub fn seal<'a>(header: &Value, tensors: impl IntoIterator<Item = (String, TensorView<'a>)>) -> Result<Vec<u8>> {
    let Value::Object(fields) = header else {
        return Err(NeuronaError::model_file("could not be written: its header is not a JSON object"));
    };
    if fields.is_empty() || fields.contains_key(checksum::FIELD) {
        return Err(NeuronaError::model_file(
            "could not be written: its header must be a non-empty JSON object without a 'checksum' field",
        ));
    }
    let text = header.to_string();
    let views: Vec<(String, TensorView<'a>)> = tensors.into_iter().collect();
    let crc =
        checksum::crc32(&text, views.iter().map(|(name, v)| (name.as_str(), v.dtype(), v.shape().to_vec(), v.data())));
    let metadata = HashMap::from([(METADATA_KEY.to_owned(), checksum::append(&text, crc))]);
    safetensors::serialize(views, Some(metadata))
        .map_err(|e| NeuronaError::model_file(format!("could not be written: {e}")))
}

/// Model-file bytes of an estimator of this `kind` in type `F`: `fields` (the estimator's part
/// of the JSON header, an object) with the format version, the kind and the dtype added, the
/// tensors, and the checksum of both.
pub(crate) fn write_model<F: Float>(kind: EstimatorKind, fields: Value, tensors: &TensorSet) -> Result<Vec<u8>> {
    let Value::Object(mut fields) = fields else {
        return Err(NeuronaError::model_file("could not be written: its header is not a JSON object"));
    };
    fields.insert("format_version".to_owned(), json!(FORMAT_VERSION));
    fields.insert("estimator".to_owned(), json!(kind.name()));
    fields.insert("dtype".to_owned(), json!(F::DTYPE));
    seal(&Value::Object(fields), tensors.views()?)
}

/// Opens model-file bytes written for `kind` in type `F`: the checked structure and checksum,
/// the estimator kind and the dtype, then the JSON header and the tensors for the estimator's
/// codec to read.
pub(crate) fn open_model<F: Float>(bytes: &[u8], kind: EstimatorKind) -> Result<(Value, SafeTensors<'_>)> {
    let Opened { header, tensors, .. } = open(bytes)?;
    let found = EstimatorKind::from_header(&header)?;
    if found != kind {
        return Err(NeuronaError::model_file(format!("holds a {found}, not a {kind}")));
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

/// A file whose structure and checksum were checked.
struct Opened<'a> {
    /// neurona's header, without the checksum.
    header: Value,
    tensors: SafeTensors<'a>,
    /// The verified checksum, if the file has one.
    checksum: Option<u32>,
}

/// Checks the safetensors structure and the checksum, then parses neurona's header and checks
/// its version.
fn open(bytes: &[u8]) -> Result<Opened<'_>> {
    let invalid =
        |e: safetensors::SafeTensorError| NeuronaError::model_file(format!("is not a valid safetensors file ({e})"));
    let tensors = SafeTensors::deserialize(bytes).map_err(invalid)?;
    let (_, metadata) = SafeTensors::read_metadata(bytes).map_err(invalid)?;
    let stored = match metadata.metadata() {
        None => return Err(NeuronaError::model_file("has no neurona header: it was not written by neurona")),
        Some(entries) => entries.get(METADATA_KEY).ok_or_else(|| {
            let mut keys: Vec<&str> = entries.keys().map(String::as_str).collect();
            keys.sort_unstable();
            NeuronaError::model_file(format!(
                "has no neurona header (its metadata holds {keys:?}): it was not written by neurona, or is corrupted"
            ))
        })?,
    };
    let (text, checksum) = match checksum::split(stored) {
        Some((text, stored_crc)) => {
            let computed = checksum::crc32(&text, checksum::parts(&tensors));
            if computed != stored_crc {
                return Err(NeuronaError::model_file(format!(
                    "is corrupted: its checksum does not match its contents (the file says crc32 {stored_crc:08x}, \
                     its header and tensors give {computed:08x})"
                )));
            }
            (text, Some(stored_crc))
        }
        None => (stored.clone(), None),
    };
    let header: Value = serde_json::from_str(&text)
        .map_err(|e| NeuronaError::model_file(format!("has a corrupted neurona header ({e})")))?;
    if !header.is_object() {
        return Err(NeuronaError::model_file("has a corrupted neurona header (not a JSON object)"));
    }
    let version = check_version(&header)?;
    if checksum.is_none() && (version >= CHECKSUM_SINCE || header.get(checksum::FIELD).is_some()) {
        return Err(NeuronaError::model_file(format!(
            "is corrupted: its checksum is missing or unreadable (files of format version {CHECKSUM_SINCE} and \
             later carry one; this one says version {version})"
        )));
    }
    Ok(Opened { header, tensors, checksum })
}

/// The header's format version, which this build must know.
fn check_version(header: &Value) -> Result<u64> {
    let version = uint_from(&header["format_version"], "format_version")?;
    if version > FORMAT_VERSION {
        return Err(NeuronaError::model_file(format!(
            "was written by a newer neurona (format version {version}); this build reads versions 1 to {FORMAT_VERSION}"
        )));
    }
    if version == 0 {
        return Err(bad("format_version", &header["format_version"]));
    }
    Ok(version)
}
