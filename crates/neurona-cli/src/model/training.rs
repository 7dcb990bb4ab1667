//! What `neurona train` needs from a family, whatever it is: [`Training`], implemented by each
//! family's checked hyperparameters in its own file.

use std::ops::{ControlFlow, Deref};

use anyhow::{Result, bail};
use neurona::estimator::Family;
use neurona::params::{Hyperparams, Solver};
use neurona::train::TrainingAttributes;
use serde_json::Value;

use super::{Fitted, Model};
use crate::args::{Dtype, Scale};
use crate::data::{Features, Targets};
use crate::report::CurveText;

/// One epoch of training, whatever the family: its number (from 1) of the most the fit may run,
/// the value of its learning curve (the loss, or an RBM's pseudo-likelihood) and the validation
/// score when early stopping.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Epoch {
    pub epoch: usize,
    pub of: usize,
    pub value: f64,
    pub validation: Option<f64>,
}

/// Called after every epoch; `ControlFlow::Break` stops training after it, keeping the model.
pub type OnEpoch<'a> = dyn FnMut(&Epoch) -> ControlFlow<()> + 'a;

/// How a fit went, as the summary lines and the report tell it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FitSummary {
    /// Epochs (or L-BFGS iterations) of the last fit.
    pub n_iter: usize,
    /// What `n_iter` counts: "epochs" or "iterations".
    pub unit: &'static str,
    /// The curve's last value as the summary says it, e.g. "final loss 0.005621".
    pub last: Option<String>,
    /// Whether the fit converged, for the families that say.
    pub converged: Option<bool>,
    /// Why a fit that did not converge stopped (its first line is shown).
    pub message: String,
    /// The fit's warnings.
    pub warnings: Vec<String>,
    /// The learning curve, one value per epoch.
    pub curve: Vec<f64>,
    /// The validation score per epoch, when early stopping.
    pub validation_scores: Option<Vec<f64>>,
}

impl FitSummary {
    /// `trained: ...`'s words after "trained: ": "147 epochs in 0.56 s, final loss 0.005621,
    /// converged: yes".
    pub fn line(&self, seconds: f64) -> String {
        let mut line = format!("{} {} in {seconds:.2} s", self.n_iter, self.unit);
        if let Some(last) = &self.last {
            line.push_str(&format!(", {last}"));
        }
        if let Some(converged) = self.converged {
            line.push_str(if converged { ", converged: yes" } else { ", converged: no" });
        }
        line
    }

    /// The report's row: "147 epochs, 0.56 s, converged: true".
    pub fn row(&self, seconds: f64) -> String {
        let mut row = format!("{} {}, {seconds:.2} s", self.n_iter, self.unit);
        if let Some(converged) = self.converged {
            row.push_str(&format!(", converged: {converged}"));
        }
        row
    }
}

/// Checked hyperparameters as the core's spec table sees them: every family's, by their
/// `Deref` to the builder that implements `Hyperparams`.
pub trait HyperparamsJson {
    /// The hyperparameters as the model file's JSON has them.
    fn hyperparams_json(&self) -> Value;
}

impl<V: Deref<Target: Hyperparams>> HyperparamsJson for V {
    fn hyperparams_json(&self) -> Value {
        Hyperparams::to_json(&**self)
    }
}

/// A family's checked hyperparameters: everything `neurona train` needs to describe, fit and
/// report a model of the family.
pub trait Training: HyperparamsJson + std::fmt::Debug {
    /// The family, from the core's registry.
    fn family(&self) -> Family;

    /// One line on the model about to be trained.
    fn describe(&self, n_features: usize) -> String;

    /// The seed of every random draw, which also picks the test rows.
    fn random_state(&self) -> Option<u32> {
        self.hyperparams_json()["random_state"].as_u64().and_then(|seed| u32::try_from(seed).ok())
    }

    /// Whether training continues the model in `--model` (`--warm-start`).
    fn warm_start(&self) -> bool {
        self.hyperparams_json()["warm_start"].as_bool().unwrap_or(false)
    }

    /// Whether the model learns one target per step of each sequence (a recurrent network's
    /// `--output step`) rather than one per sample.
    fn targets_per_step(&self) -> bool {
        self.hyperparams_json()["output"].as_str() == Some("step")
    }

    /// The feature scaling when `--scale` is left out.
    fn default_scale(&self) -> Scale {
        Scale::Standard
    }

    /// The hyperparameters as (name, value) rows for the report: text as it is, `null` as
    /// scikit-learn's `None`, anything else as JSON.
    fn hyperparameters(&self) -> Vec<(String, String)> {
        let json = self.hyperparams_json();
        let Some(params) = json.as_object() else { return Vec::new() };
        let text = |value: &Value| if value.is_null() { "None".to_owned() } else { super::json_text(value) };
        params.iter().map(|(name, value)| (name.clone(), text(value))).collect()
    }

    /// What the learning curve is.
    fn curve_text(&self) -> CurveText<'static> {
        CurveText::LOSS
    }

    /// The note the report shows in place of a curve this family never records.
    fn no_curve_note(&self, _summary: &FitSummary) -> Option<String> {
        None
    }

    /// Trains a fresh model, or continues the one fitted before, with these parameters.
    fn fit(&self, input: FitInput<'_, '_>) -> Result<Model>;
}

/// What a fit starts from.
pub struct FitInput<'a, 'b> {
    /// The model to continue (`--warm-start`), in its own float type.
    pub previous: Option<Model>,
    /// The float type of a fresh model.
    pub dtype: Dtype,
    /// The scaled training features: rows, or sequences for a family that reads them.
    pub x: &'a Features,
    /// The targets, for a supervised family.
    pub y: Option<&'a Targets>,
    pub on_epoch: &'a mut OnEpoch<'b>,
}

impl std::fmt::Debug for FitInput<'_, '_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FitInput").field("previous", &self.previous).field("dtype", &self.dtype).finish_non_exhaustive()
    }
}

impl FitInput<'_, '_> {
    /// The float type of the fit: the previous model's, else the one asked for.
    pub fn dtype(&self) -> Dtype {
        self.previous.as_ref().map_or(self.dtype, |model| model.dtype())
    }
}

/// The model to train: `previous` when it is an `M` (a warm start), else `fresh()`.
pub(super) fn resume<M: Fitted>(previous: Option<Model>, family: Family, fresh: impl FnOnce() -> M) -> Result<M> {
    match previous.map(Model::downcast::<M>) {
        None => Ok(fresh()),
        Some(Ok(model)) => Ok(model),
        Some(Err(other)) => bail!(
            "--warm-start: the model file holds a {}, which cannot continue as --model-kind {family} on this task",
            other.kind()
        ),
    }
}

/// The targets of a supervised fit.
pub(super) fn targets(y: Option<&Targets>) -> Result<&Targets> {
    match y {
        Some(y) => Ok(y),
        None => bail!("a supervised model needs a target"),
    }
}

/// The last fit of a network trained by gradient (the MLPs, the recurrent networks): L-BFGS
/// counts iterations, the stochastic solvers epochs (L-BFGS records no loss curve).
pub(super) fn gradient_summary<F>(attributes: Option<&TrainingAttributes<F>>, solver: Solver) -> FitSummary {
    let Some(attributes) = attributes else { return FitSummary::default() };
    let report = attributes.report();
    FitSummary {
        n_iter: report.n_iter,
        unit: if solver.is_stochastic() { "epochs" } else { "iterations" },
        last: Some(format!("final loss {:.6}", report.loss)),
        converged: Some(report.converged),
        message: report.message.clone(),
        warnings: report.warnings.clone(),
        curve: attributes.loss_curve().unwrap_or_default().to_vec(),
        validation_scores: attributes.validation_scores().map(<[f64]>::to_vec),
    }
}

/// The fit report of a network trained by gradient, as its model file's header holds it (one
/// encoding for every such family).
pub(super) fn gradient_fit_report(header: &Value) -> Vec<String> {
    let (report, state) = (&header["report"], &header["state"]);
    let text = super::json_text;
    let mut lines = vec![
        format!("  converged: {}", text(&report["converged"])),
        format!("  iterations in the last call: {}", text(&report["n_iter"])),
        format!("  final loss: {}", text(&report["loss"])),
    ];
    if let Some(curve) = state["loss_curve"].as_array() {
        lines.push(format!("  epochs in all: {} ({} samples seen)", curve.len(), text(&state["t"])));
    }
    if let Some(best) = state["best_validation_score"].as_f64() {
        lines.push(format!("  best validation score: {best:.4}"));
    }
    let message = text(&report["message"]);
    if !message.is_empty() {
        lines.push(format!("  {}", message.replace('\n', "\n  ")));
    }
    lines
}
