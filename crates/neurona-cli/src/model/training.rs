//! What `neurona train` needs from a family, whatever it is: [`Training`], implemented by each
//! family's checked hyperparameters in its own file.

use std::ops::ControlFlow;

use anyhow::{Result, bail};
use ndarray::Array2;
use neurona::estimator::Family;

use super::{Fitted, Model};
use crate::args::{Dtype, Scale};
use crate::data::Targets;
use crate::report::CurveText;

/// One epoch of training, whatever the family: its number (from 1), the value of its learning
/// curve (the loss, or an RBM's pseudo-likelihood) and the validation score when early
/// stopping.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Epoch {
    pub epoch: usize,
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

/// A family's checked hyperparameters: everything `neurona train` needs to describe, fit and
/// report a model of the family.
pub trait Training: std::fmt::Debug {
    /// The family, from the core's registry.
    fn family(&self) -> Family;

    /// One line on the model about to be trained.
    fn describe(&self, n_features: usize) -> String;

    /// The epochs a progress bar counts; `None` for a family trained without an epoch callback.
    fn progress_epochs(&self) -> Option<usize>;

    /// The seed of every random draw, which also picks the test rows.
    fn random_state(&self) -> Option<u32>;

    /// Whether training continues the model in `--model` (`--warm-start`).
    fn warm_start(&self) -> bool {
        false
    }

    /// The feature scaling when `--scale` is left out.
    fn default_scale(&self) -> Scale {
        Scale::Standard
    }

    /// The hyperparameters as (name, value) rows for the report.
    fn hyperparameters(&self) -> Vec<(String, String)>;

    /// What the learning curve is.
    fn curve_text(&self) -> CurveText<'static> {
        CurveText::LOSS
    }

    /// The note the report shows in place of a curve this family never records.
    fn no_curve_note(&self, _summary: &FitSummary) -> Option<String> {
        None
    }

    /// Trains a fresh model in `dtype`, or continues `previous` (`--warm-start`, in its own
    /// float type) with these parameters.
    fn fit(
        &self,
        previous: Option<Model>,
        dtype: Dtype,
        x: &Array2<f64>,
        y: Option<&Targets>,
        on_epoch: &mut OnEpoch<'_>,
    ) -> Result<Model>;
}

/// Hyperparameters as (name, value) rows, from their JSON: text as it is, `null` as scikit-learn's
/// `None`, anything else as JSON.
pub(super) fn rows(params: &serde_json::Value) -> Vec<(String, String)> {
    let Some(params) = params.as_object() else { return Vec::new() };
    params
        .iter()
        .map(|(name, value)| {
            let value = match value {
                serde_json::Value::Null => "None".to_owned(),
                other => super::json_text(other),
            };
            (name.clone(), value)
        })
        .collect()
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
