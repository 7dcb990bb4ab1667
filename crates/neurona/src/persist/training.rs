//! The training attributes in the model file, the same for every gradient-trained family (see
//! [`TrainingAttributes`]): `best_params` and the optimizer's velocities (`sgd.velocities`) or
//! moments (`adam.first_moments`, `adam.second_moments`) as tensors in `F`, each as long as the
//! flat weights; `n_iter_`, `t_`, the loss, loss curve and validation scores, the no-improvement
//! count and the optimizer's step and learning rate in the header's `"state"` object; the last
//! fit's [`FitReport`] in its `"report"` object. That is everything `partial_fit` and
//! `warm_start` resume from besides the network and its weights, which the family's codec writes.

use safetensors::SafeTensors;
use serde_json::{Value, json};

use super::{
    TensorSet, bad, bool_from, float_from, float_json, floats_from, optional, read_tensor, str_from, strings_from,
    uint_from, usize_from, write_model,
};
use crate::error::{NeuronaError, Result};
use crate::estimator::EstimatorKind;
use crate::float::Float;
use crate::params::{Solver, SolverParams};
use crate::train::{FitReport, OptimizerState, TrainingAttributes};

/// The most parameters a network's model file may declare: far above any network this library
/// trains on a CPU, low enough that a corrupted size cannot ask for an absurd allocation: 2^32
/// where `usize` holds it, and on a 32-bit target (WebAssembly) as many f64 as its address space
/// holds.
pub(crate) const MAX_NETWORK_PARAMETERS: usize = match 1usize.checked_shl(32) {
    Some(limit) => limit,
    None => usize::MAX / std::mem::size_of::<f64>(),
};

/// A gradient-trained network's fitted state as its family writes it into the model file: the
/// network's description and its weights. The rest of the file is the same for every family
/// ([`write_network_model`]); the training attributes are the state's own (it derefs to them).
pub(crate) trait NetworkModel<F: Float>: std::ops::Deref<Target = TrainingAttributes<F>> {
    /// The header's `"network"` object: the sizes the family's decoder rebuilds the network
    /// from, checked against the hyperparameters.
    fn network_json(&self) -> Value;

    /// Writes the weights into the file's tensors.
    fn write_weights(&self, tensors: &mut TensorSet);
}

/// The model file of a gradient-trained network (the MLPs, the recurrent networks): a header
/// of the hyperparameters, the network's description, the classes (null for a regressor), the
/// training attributes and `extra`, and the tensors: the weights, then the training
/// attributes'.
pub(crate) fn write_network_model<F: Float>(
    kind: EstimatorKind,
    params: Value,
    state: &impl NetworkModel<F>,
    classes: Value,
    extra: &Value,
) -> Result<Vec<u8>> {
    let mut tensors = TensorSet::default();
    state.write_weights(&mut tensors);
    let training = encode_training(state, &mut tensors);
    let header = json!({
        "params": params,
        "network": state.network_json(),
        "classes": classes,
        "state": training,
        "report": encode_report(&state.report),
        "extra": extra,
    });
    write_model::<F>(kind, header, &tensors)
}

/// Writes `best_params` and the optimizer's tensors into `tensors`, and returns the header's
/// `"state"` object.
fn encode_training<F: Float>(attrs: &TrainingAttributes<F>, tensors: &mut TensorSet) -> Value {
    let n_params = attrs.best_params.len();
    tensors.floats("best_params", &[n_params], &attrs.best_params);
    let optimizer = match &attrs.optimizer {
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
    let floats = |values: &Vec<f64>| values.iter().map(|&v| float_json(v)).collect::<Vec<_>>();
    json!({
        "n_iter": attrs.n_iter,
        "t": attrs.t,
        "loss": float_json(attrs.loss),
        "loss_curve": attrs.loss_curve.as_ref().map(floats),
        "best_loss": attrs.best_loss.map(float_json),
        "validation_scores": attrs.validation_scores.as_ref().map(floats),
        "best_validation_score": attrs.best_validation_score.map(float_json),
        "no_improvement_count": attrs.no_improvement_count,
        "optimizer": optimizer,
    })
}

/// The header's `"report"` object.
fn encode_report(report: &FitReport) -> Value {
    json!({
        "converged": report.converged,
        "n_iter": report.n_iter,
        "loss": float_json(report.loss),
        "message": report.message,
        "warnings": report.warnings,
        "interrupted": report.interrupted,
    })
}

/// The training attributes a file saved, from its `"state"` and `"report"` objects and its
/// tensors, for a network of `n_params` weights trained with `training_params` (which rebuild
/// the optimizer as a fit builds it, before it is given the saved state).
pub(crate) fn decode_training<F: Float>(
    state: &Value,
    report: &Value,
    n_params: usize,
    training_params: &SolverParams,
    tensors: &SafeTensors<'_>,
) -> Result<TrainingAttributes<F>> {
    let best_params = read_tensor::<F>(tensors, "best_params", &[n_params])?;
    let optimizer = restore_optimizer(training_params, n_params, &state["optimizer"], tensors)?;
    if optimizer.is_some() && training_params.solver == Solver::Lbfgs && state["loss_curve"].is_null() {
        return Err(NeuronaError::model_file("has a stochastic optimizer state for an lbfgs model"));
    }
    Ok(TrainingAttributes {
        n_iter: usize_from(&state["n_iter"], "n_iter")?,
        t: uint_from(&state["t"], "t")?,
        loss: float_from(&state["loss"], "loss")?,
        loss_curve: optional(&state["loss_curve"], |v| floats_from(v, "loss_curve"))?,
        best_loss: optional(&state["best_loss"], |v| float_from(v, "best_loss"))?,
        validation_scores: optional(&state["validation_scores"], |v| floats_from(v, "validation_scores"))?,
        best_validation_score: optional(&state["best_validation_score"], |v| float_from(v, "best_validation_score"))?,
        no_improvement_count: usize_from(&state["no_improvement_count"], "no_improvement_count")?,
        best_params,
        optimizer,
        report: report_from(report)?,
    })
}

/// The stochastic solver's optimizer as the file left it: built as a fit builds it from the
/// solver settings, then given the saved velocities or moments, step and learning rate.
fn restore_optimizer<F: Float>(
    training_params: &SolverParams,
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
    let (t, kind) = (training_params, str_from(&saved["kind"], "optimizer")?);
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

/// The last fit's report, as [`encode_report`] wrote it.
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
