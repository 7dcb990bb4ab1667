//! The MLPs in the model file (see [`crate::persist`]): the flat parameter buffer `params` as a
//! tensor in `F`; the hyperparameters, the network (layer sizes, activations) and the classes in
//! the JSON header; and the training attributes (`best_params`, the optimizer's tensors, the
//! header's `"state"` and `"report"`) as every gradient-trained family writes them
//! (`persist/training.rs`). That is everything `partial_fit` and `warm_start` resume from.

use serde_json::{Value, json};

use super::algorithm::MlpState;
use super::classifier::MlpClassifier;
use super::hyperparams::{MlpParams, MlpValidParams, RegressionLoss};
use super::regressor::MlpRegressor;
use crate::activation::Activation;
use crate::data::labels::{ClassTargets, TargetKind};
use crate::error::{NeuronaError, Result};
use crate::estimator::{EstimatorKind, ModelFile};
use crate::float::Float;
use crate::loss::OutputHead;
use crate::network::{Layout, Mlp};
use crate::params::Hyperparams;
use crate::persist::{
    MAX_NETWORK_PARAMETERS, ModelLabel, NetworkModel, TensorSet, bad, decode_training, extra_of, open_model, parsed,
    read_tensor, str_from, usize_from, write_network_model,
};

impl<F: Float> NetworkModel<F> for MlpState<F> {
    fn network_json(&self) -> Value {
        json!({
            "layer_units": self.mlp.layout().layer_units(),
            "activation": self.mlp.hidden().name(),
            "out_activation": self.mlp.head().out_activation(),
        })
    }

    /// The flat parameter buffer, one tensor.
    fn write_weights(&self, tensors: &mut TensorSet) {
        tensors.floats("params", &[self.params.len()], &self.params);
    }
}

/// A decoded MLP: everything but the classes, which the estimator parses.
struct Decoded<F> {
    params: MlpValidParams,
    state: MlpState<F>,
    classes: Value,
    extra: Value,
}

/// The network a header describes, checked against the hyperparameters, with its parameter
/// count (computed with overflow checks before anything is built from these sizes).
fn network_from(network: &Value, params: &MlpValidParams) -> Result<(Mlp, usize)> {
    let units = network["layer_units"].as_array().ok_or_else(|| bad("layer_units", &network["layer_units"]))?;
    let units: Vec<usize> = units.iter().map(|u| usize_from(u, "layer_units")).collect::<Result<_>>()?;
    if units.len() < 2 || units.contains(&0) {
        return Err(bad("layer_units", &network["layer_units"]));
    }
    let mut n_params: usize = 0;
    for pair in units.windows(2) {
        n_params = pair[0]
            .checked_mul(pair[1])
            .and_then(|w| w.checked_add(pair[1]))
            .and_then(|layer| n_params.checked_add(layer))
            .filter(|&total| total <= MAX_NETWORK_PARAMETERS)
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
    Ok((Mlp::new(Layout::new(units), activation, head), n_params))
}

/// Decodes and validates model-file bytes written for `kind` in type `F`.
fn decode<F: Float>(bytes: &[u8], kind: EstimatorKind) -> Result<Decoded<F>> {
    let (header, tensors) = open_model::<F>(bytes, kind)?;
    let params = crate::params::from_model_file(&header["params"], MlpParams::check)?;
    let (mlp, n_params) = network_from(&header["network"], &params)?;
    let weights = read_tensor::<F>(&tensors, "params", &[n_params])?;
    let training = decode_training(&header["state"], &header["report"], n_params, &params.training, &tensors)?;
    let state = MlpState { mlp, params: weights, training };
    Ok(Decoded { params, state, classes: header["classes"].clone(), extra: extra_of(&header) })
}

impl<F: Float, L: ModelLabel> ModelFile for MlpClassifier<F, L> {
    const KIND: EstimatorKind = EstimatorKind::MlpClassifier;

    fn to_bytes_with_extra(&self, extra: &Value) -> Result<Vec<u8>> {
        let classes = self.fitted_targets()?.to_json();
        write_network_model(Self::KIND, self.params.to_json(), self.state()?, classes, extra)
    }

    fn from_bytes_with_extra(bytes: &[u8]) -> Result<(Self, Value)> {
        let decoded = decode::<F>(bytes, Self::KIND)?;
        let targets = ClassTargets::<L>::from_json(&decoded.classes, decoded.state.n_outputs())?;
        let expected_head = match &targets {
            ClassTargets::Labels(b) if b.kind() == TargetKind::Multiclass => OutputHead::LogLoss,
            _ => OutputHead::BinaryLogLoss,
        };
        if decoded.state.network().head() != expected_head {
            return Err(NeuronaError::model_file(format!(
                "has output activation '{}' for these classes",
                decoded.state.out_activation()
            )));
        }
        let classifier = Self { params: decoded.params, state: Some(decoded.state), targets: Some(targets) };
        Ok((classifier, decoded.extra))
    }
}

impl<F: Float> ModelFile for MlpRegressor<F> {
    const KIND: EstimatorKind = EstimatorKind::MlpRegressor;

    fn to_bytes_with_extra(&self, extra: &Value) -> Result<Vec<u8>> {
        write_network_model(Self::KIND, self.params.to_json(), self.state()?, Value::Null, extra)
    }

    fn from_bytes_with_extra(bytes: &[u8]) -> Result<(Self, Value)> {
        let decoded = decode::<F>(bytes, Self::KIND)?;
        let expected_head = match decoded.params.loss {
            RegressionLoss::SquaredError => OutputHead::SquaredError,
            RegressionLoss::Poisson => OutputHead::Poisson,
        };
        if decoded.state.network().head() != expected_head {
            return Err(NeuronaError::model_file(format!(
                "has output activation '{}' for loss '{}'",
                decoded.state.out_activation(),
                decoded.params.loss
            )));
        }
        Ok((Self { params: decoded.params, state: Some(decoded.state) }, decoded.extra))
    }
}
