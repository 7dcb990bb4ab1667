//! The recurrent estimators in the model file (see [`crate::persist`]). Each weight tensor is
//! stored under its own name, PyTorch's for the recurrent layers (`weight_ih_l0`,
//! `bias_hh_l1_reverse`, ...), with PyTorch's shape, and `coefs_{l}` / `intercepts_{l}` for the
//! dense head, so that `safetensors.torch.load_file` gives a PyTorch user a `state_dict` for
//! `nn.LSTM` / `nn.GRU` / `nn.RNN` (its recurrent keys). The training state (`best_params`, the
//! optimizer's tensors, the attributes) is the shared encoding of [`crate::persist`].

use safetensors::SafeTensors;
use serde_json::{Value, json};

use super::algorithm::RnnState;
use super::classifier::RnnClassifier;
use super::hyperparams::{RnnParams, RnnValidParams};
use super::regressor::RnnRegressor;
use crate::data::labels::{ClassTargets, ModelLabel};
use crate::error::{NeuronaError, Result};
use crate::estimator::{EstimatorKind, ModelFile};
use crate::float::Float;
use crate::loss::OutputHead;
use crate::network::{Layout, Mlp, RecurrentNet};
use crate::persist::{
    MAX_NETWORK_PARAMETERS, NetworkModel, TensorSet, bad, decode_training, extra_of, open_model, read_tensor, str_from,
    usize_from, write_network_model,
};

impl<F: Float> NetworkModel<F> for RnnState<F> {
    fn network_json(&self) -> Value {
        json!({
            "input_size": self.n_features_in(),
            "n_outputs": self.n_outputs(),
            "out_activation": self.out_activation(),
        })
    }

    /// Each tensor by its own name and shape (PyTorch's for the recurrent layers).
    fn write_weights(&self, tensors: &mut TensorSet) {
        for (name, shape, values) in self.tensors() {
            tensors.floats(&name, &shape, values);
        }
    }
}

/// Decodes and validates model-file bytes written for `kind`; returns the checked
/// hyperparameters, the state, the classes' JSON and the `extra` JSON.
fn decode<F: Float>(bytes: &[u8], kind: EstimatorKind) -> Result<(RnnValidParams, RnnState<F>, Value, Value)> {
    let (header, tensors) = open_model::<F>(bytes, kind)?;
    let params = crate::params::from_model_file(&header["params"], RnnParams::check)?;
    let net = network_from(&header["network"], &params)?;
    let n_params = crate::network::Objective::<F>::n_params(&net);
    if n_params > MAX_NETWORK_PARAMETERS {
        return Err(bad("network", &header["network"]));
    }
    let mut state = RnnState {
        training: decode_training(&header["state"], &header["report"], n_params, &params.training, &tensors)?,
        params: vec![F::zero(); n_params],
        net,
    };
    let given = read_named(&state, &tensors)?;
    let given: Vec<(&str, Vec<usize>, &[F])> =
        given.iter().map(|(n, s, v)| (n.as_str(), s.clone(), v.as_slice())).collect();
    state.set_tensors(&given).map_err(|e| NeuronaError::model_file(format!("has weights that do not fit: {e}")))?;
    Ok((params, state, header["classes"].clone(), extra_of(&header)))
}

/// Every tensor the network needs, read by name with the shape it must have.
#[allow(clippy::type_complexity)]
fn read_named<F: Float>(state: &RnnState<F>, tensors: &SafeTensors<'_>) -> Result<Vec<(String, Vec<usize>, Vec<F>)>> {
    state
        .tensors()
        .into_iter()
        .map(|(name, shape, _)| {
            let values = read_tensor::<F>(tensors, &name, &shape)?;
            Ok((name, shape, values))
        })
        .collect()
}

/// The network a header describes, built from the hyperparameters and checked sizes.
fn network_from(network: &Value, params: &RnnValidParams) -> Result<RecurrentNet> {
    let input_size = usize_from(&network["input_size"], "input_size")?;
    let n_outputs = usize_from(&network["n_outputs"], "n_outputs")?;
    let out = str_from(&network["out_activation"], "out_activation")?;
    let head = OutputHead::from_out_activation(out).ok_or_else(|| bad("out_activation", &network["out_activation"]))?;
    if input_size == 0 || n_outputs == 0 || input_size > MAX_NETWORK_PARAMETERS || n_outputs > MAX_NETWORK_PARAMETERS {
        return Err(bad("network", network));
    }
    let shape = params.recurrent_shape(input_size);
    shape.check().map_err(|e| NeuronaError::model_file(format!("describes an invalid network: {e}")))?;
    let mut units = vec![shape.output_size()];
    units.extend_from_slice(&params.hidden_layer_sizes);
    units.push(n_outputs);
    let head = Mlp::new(Layout::new(units), params.activation, head);
    Ok(RecurrentNet::new(shape, head, params.output, 1))
}

impl<F: Float, L: ModelLabel> ModelFile for RnnClassifier<F, L> {
    const KIND: EstimatorKind = EstimatorKind::RnnClassifier;

    fn to_bytes_with_extra(&self, extra: &Value) -> Result<Vec<u8>> {
        let params = crate::params::Hyperparams::to_json(&*self.params);
        write_network_model(Self::KIND, params, self.state()?, self.fitted_targets()?.to_json(), extra)
    }

    fn from_bytes_with_extra(bytes: &[u8]) -> Result<(Self, Value)> {
        let (params, state, classes, extra) = decode::<F>(bytes, Self::KIND)?;
        let targets = ClassTargets::<L>::from_json(&classes, state.n_outputs())?;
        let expected = OutputHead::for_classes(targets.kind());
        if state.net.head().head() != expected {
            return Err(NeuronaError::model_file(format!(
                "has output activation '{}' for these classes",
                state.out_activation()
            )));
        }
        Ok((Self { params, state: Some(state), targets: Some(targets) }, extra))
    }
}

impl<F: Float> ModelFile for RnnRegressor<F> {
    const KIND: EstimatorKind = EstimatorKind::RnnRegressor;

    fn to_bytes_with_extra(&self, extra: &Value) -> Result<Vec<u8>> {
        let params = crate::params::Hyperparams::to_json(&*self.params);
        write_network_model(Self::KIND, params, self.state()?, Value::Null, extra)
    }

    fn from_bytes_with_extra(bytes: &[u8]) -> Result<(Self, Value)> {
        let (params, state, _, extra) = decode::<F>(bytes, Self::KIND)?;
        if state.net.head().head() != OutputHead::SquaredError {
            return Err(NeuronaError::model_file(format!(
                "has output activation '{}' for a regressor",
                state.out_activation()
            )));
        }
        Ok((Self { params, state: Some(state) }, extra))
    }
}
