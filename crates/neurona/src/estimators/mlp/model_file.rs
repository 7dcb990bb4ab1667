//! The MLPs in the model file (see [`crate::persist`]): the flat parameter buffer `params`,
//! `best_params` and the optimizer's velocities (`sgd.velocities`) or moments
//! (`adam.first_moments`, `adam.second_moments`) as tensors in `F`; the hyperparameters, the
//! network (layer sizes, activations), the classes, the training state (`n_iter_`, `t_`, loss
//! curve, validation scores, the optimizer's step and learning rate) and the last fit's report in
//! the JSON header. That is everything `partial_fit` and `warm_start` resume from.

use safetensors::SafeTensors;
use serde_json::{Value, json};

use super::algorithm::{FitReport, MlpState, OptimizerState};
use super::classifier::{MlpClassifier, Targets};
use super::hyperparams::{MlpParams, MlpValidParams, RegressionLoss, Solver};
use super::regressor::MlpRegressor;
use crate::activation::Activation;
use crate::data::labels::{LabelBinarizer, TargetKind};
use crate::error::{NeuronaError, Result};
use crate::estimator::{EstimatorKind, ModelFile};
use crate::float::Float;
use crate::loss::OutputHead;
use crate::network::{Layout, Mlp};
use crate::params::Hyperparams;
use crate::persist::{
    ModelLabel, TensorSet, bad, bool_from, extra_of, float_from, float_json, floats_from, labels_from, open_model,
    optional, parsed, read_tensor, str_from, strings_from, uint_from, usize_from, write_model,
};

/// The most parameters a model file may declare: far above any network this library trains on a
/// CPU, low enough that a corrupted size cannot ask for an absurd allocation.
const MAX_PARAMETERS: usize = 1 << 32;

fn params_to_json(p: &MlpParams) -> Value {
    p.to_json()
}

fn params_from_json(v: &Value) -> Result<MlpValidParams> {
    MlpParams::from_json(v)
        .and_then(MlpParams::check)
        .map_err(|e| NeuronaError::model_file(format!("has invalid hyperparameters: {e}")))
}

/// A fitted MLP as model-file bytes; `classes` is the classifier's JSON (null for a regressor).
fn encode<F: Float>(
    kind: EstimatorKind,
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
    write_model::<F>(kind, header, &tensors)
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
    Ok((Mlp::new(Layout::new(units), activation, head), n_params))
}

/// The stochastic solver's optimizer as the file left it: built as a fit builds it from the
/// hyperparameters, then given the saved velocities or moments, step and learning rate.
fn restore_optimizer<F: Float>(
    params: &MlpValidParams,
    n_params: usize,
    saved: &Value,
    tensors: &SafeTensors<'_>,
) -> Result<Option<OptimizerState<F>>> {
    if saved.is_null() {
        return Ok(None);
    }
    let learning_rate = || float_from(&saved["learning_rate"], "learning_rate");
    // Built as a fit builds it (train::OptimizerState), then given the saved state. The kind is
    // the saved one: parameters changed after the fit (set_params) keep the optimizer it left.
    let (t, kind) = (&params.training, str_from(&saved["kind"], "optimizer")?);
    match (kind, if kind == "sgd" { OptimizerState::sgd(t, n_params) } else { OptimizerState::adam(t, n_params) }) {
        ("sgd", OptimizerState::Sgd(mut sgd)) => {
            sgd.restore(&read_tensor::<F>(tensors, "sgd.velocities", &[n_params])?, learning_rate()?);
            Ok(Some(OptimizerState::Sgd(sgd)))
        }
        ("adam", OptimizerState::Adam(mut adam)) => {
            adam.restore(
                &read_tensor::<F>(tensors, "adam.first_moments", &[n_params])?,
                &read_tensor::<F>(tensors, "adam.second_moments", &[n_params])?,
                uint_from(&saved["steps"], "steps")?,
                learning_rate()?,
            );
            Ok(Some(OptimizerState::Adam(adam)))
        }
        _ => Err(bad("optimizer", saved)),
    }
}

/// The last fit's report.
fn report_from(r: &Value) -> Result<FitReport> {
    Ok(FitReport {
        converged: bool_from(&r["converged"], "converged")?,
        n_iter: usize_from(&r["n_iter"], "n_iter")?,
        loss: float_from(&r["loss"], "loss")?,
        message: str_from(&r["message"], "message")?.to_owned(),
        warnings: strings_from(&r["warnings"], "warnings")?,
        interrupted: bool_from(&r["interrupted"], "interrupted")?,
    })
}

/// Decodes and validates model-file bytes written for `kind` in type `F`.
fn decode<F: Float>(bytes: &[u8], kind: EstimatorKind) -> Result<Decoded<F>> {
    let (header, tensors) = open_model::<F>(bytes, kind)?;
    let params = params_from_json(&header["params"])?;
    let (mlp, n_params) = network_from(&header["network"], &params)?;
    let weights = read_tensor::<F>(&tensors, "params", &[n_params])?;
    let best_params = read_tensor::<F>(&tensors, "best_params", &[n_params])?;
    let s = &header["state"];
    let optimizer = restore_optimizer(&params, n_params, &s["optimizer"], &tensors)?;
    if optimizer.is_some() && params.training.solver == Solver::Lbfgs && s["loss_curve"].is_null() {
        return Err(NeuronaError::model_file("has a stochastic optimizer state for an lbfgs model"));
    }
    let state = MlpState {
        mlp,
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
        report: report_from(&header["report"])?,
    };
    Ok(Decoded { params, state, classes: header["classes"].clone(), extra: extra_of(&header) })
}

/// The classifier's classes in the header: the sorted labels, or the number of labels of a
/// multi-label classifier.
fn classes_to_json<L: ModelLabel>(targets: &Targets<L>) -> Value {
    match targets {
        Targets::Labels(binarizer) => {
            json!({"labels": binarizer.classes().iter().map(|c| c.to_json()).collect::<Vec<_>>()})
        }
        Targets::Multilabel(n) => json!({"multilabel": n}),
    }
}

/// The classes of a header, checked against the network's outputs.
fn classes_from<L: ModelLabel>(classes: &Value, n_outputs: usize) -> Result<Targets<L>> {
    if let Some(labels) = classes["labels"].as_array() {
        let classes: Vec<L> = labels_from(labels)?;
        let binarizer = LabelBinarizer::new(&classes);
        if binarizer.classes().len() != classes.len() || classes.len() < 2 || binarizer.n_outputs() != n_outputs {
            return Err(NeuronaError::model_file(format!(
                "has {} classes for a network with {n_outputs} outputs",
                classes.len()
            )));
        }
        Ok(Targets::Labels(binarizer))
    } else if let Some(n) = classes["multilabel"].as_u64() {
        if n as usize != n_outputs {
            return Err(NeuronaError::model_file(format!("has {n} labels for a network with {n_outputs} outputs")));
        }
        Ok(Targets::Multilabel(n_outputs))
    } else {
        Err(NeuronaError::model_file("has no classes"))
    }
}

impl<F: Float, L: ModelLabel> ModelFile for MlpClassifier<F, L> {
    const KIND: EstimatorKind = EstimatorKind::MlpClassifier;

    fn to_bytes_with_extra(&self, extra: &Value) -> Result<Vec<u8>> {
        let classes = classes_to_json(self.fitted_targets()?);
        encode(Self::KIND, &self.params, self.state()?, classes, extra)
    }

    fn from_bytes_with_extra(bytes: &[u8]) -> Result<(Self, Value)> {
        let decoded = decode::<F>(bytes, Self::KIND)?;
        let targets = classes_from::<L>(&decoded.classes, decoded.state.n_outputs())?;
        let expected_head = match &targets {
            Targets::Labels(b) if b.kind() == TargetKind::Multiclass => OutputHead::LogLoss,
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
        encode(Self::KIND, &self.params, self.state()?, Value::Null, extra)
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
