//! What `neurona train` needs from a family, whatever it is: [`Training`], implemented by each
//! family's checked hyperparameters in its own file.

use std::ops::{ControlFlow, Deref};

use anyhow::{Result, bail};
use ndarray::ArrayView2;
use neurona::Float;
use neurona::estimator::Family;
use neurona::params::{Hyperparams, Solver, SolverSettings};
use neurona::train::{EpochProgress, FitOptions, TrainingAttributes};
use serde_json::Value;

use super::{Fitted, Model};
use crate::args::{Dtype, Scale};
use crate::data::{Features, Targets};
use crate::labels::{ClassLabel, model_labels};
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
    /// The family trained (`--model-kind`, which chose these parameters), as messages name it.
    pub family: Family,
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
        f.debug_struct("FitInput")
            .field("family", &self.family)
            .field("previous", &self.previous)
            .field("dtype", &self.dtype)
            .finish_non_exhaustive()
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

/// A family whose classifier and regressor train by gradient through the core's shared loop
/// (the MLPs on rows, the recurrent networks on sequences), on input `X` in the float type `F`
/// (a view of rows, or a reference to sequences): each family says how its estimators are made
/// and fitted, and [`fit_by_gradient`] does the rest (the warm start, the kind of targets, the
/// labels, the epoch callback) once for all. [`gradient_family!`] implements it for a family
/// whose estimators have the core's gradient methods.
pub(super) trait GradientFamily<F: Float, X: Copy>: Training + Sized {
    /// Trained on class labels, or on multi-label indicators `(n, n_labels)`.
    type Classifier: Fitted
        + for<'y> TrainOn<Self, X, &'y [ClassLabel], F>
        + for<'y> TrainOn<Self, X, ArrayView2<'y, bool>, F>;
    /// Trained on values `(n, n_outputs)`.
    type Regressor: Fitted + for<'y> TrainOn<Self, X, ArrayView2<'y, F>, F>;

    /// An unfitted classifier with these parameters.
    fn new_classifier(&self) -> Self::Classifier;

    /// An unfitted regressor with these parameters.
    fn new_regressor(&self) -> Self::Regressor;
}

/// An estimator of a [`GradientFamily`] `P` that trains on input `X` and targets `Y`.
pub(super) trait TrainOn<P, X, Y, F> {
    /// Takes the parameters `params` and trains on `x`, `y`.
    fn train_on(&mut self, params: &P, x: X, y: Y, options: FitOptions<'_, F>) -> neurona::Result<()>;
}

/// Implements [`GradientFamily`] for a family's checked parameters whose classifier and
/// regressor have the core's gradient methods alike (`new`, `set_params`, `fit_with`,
/// `fit_multilabel_with`), on the family's input `$x` (`'x` and `F` name its lifetime and
/// float type): `gradient_family!(MlpValidParams => MlpClassifier, MlpRegressor on
/// ArrayView2<'x, F>)`.
macro_rules! gradient_family {
    ($params:ty => $classifier:ident, $regressor:ident on $x:ty) => {
        impl<'x, F: ::neurona::Float> $crate::model::training::GradientFamily<F, $x> for $params {
            type Classifier = $classifier<F, $crate::labels::ClassLabel>;
            type Regressor = $regressor<F>;

            fn new_classifier(&self) -> Self::Classifier {
                $classifier::new(self.clone())
            }

            fn new_regressor(&self) -> Self::Regressor {
                $regressor::new(self.clone())
            }
        }

        // Each fit: the estimator it trains, its targets (`'y` their lifetime), the core's method.
        $crate::model::training::gradient_family! {
            @fits $params, $x;
            $classifier<F, $crate::labels::ClassLabel>, &'y [$crate::labels::ClassLabel] => fit_with;
            $classifier<F, $crate::labels::ClassLabel>, ::ndarray::ArrayView2<'y, bool> => fit_multilabel_with;
            $regressor<F>, ::ndarray::ArrayView2<'y, F> => fit_with;
        }
    };
    (@fits $params:ty, $x:ty; $($estimator:ty, $y:ty => $core:ident;)*) => {$(
        impl<'x, 'y, F: ::neurona::Float> $crate::model::training::TrainOn<$params, $x, $y, F> for $estimator {
            fn train_on(
                &mut self,
                params: &$params,
                x: $x,
                y: $y,
                options: ::neurona::train::FitOptions<'_, F>,
            ) -> ::neurona::Result<()> {
                self.set_params(params.clone());
                self.$core(x, y, options).map(drop)
            }
        }
    )*};
}
pub(super) use gradient_family;

/// Trains `params`' classifier on class labels or indicators, or its regressor on numbers: a
/// fresh one, or the `previous` model when it is one (a warm start). Class labels are read as
/// the classes of the model continued are (integers or text).
/// `x` is `input`'s features as the family reads them, in the float type `F`.
pub(super) fn fit_by_gradient<F: Float, X: Copy, G: GradientFamily<F, X>>(
    params: &G,
    input: FitInput<'_, '_>,
    x: X,
) -> Result<Model> {
    let y = targets(input.y)?;
    let FitInput { family, previous, on_epoch, .. } = input;
    let mut on_progress = |p: &EpochProgress| {
        on_epoch(&Epoch { epoch: p.epoch, of: p.max_epochs, value: p.loss, validation: p.validation_score })
    };
    let options = FitOptions { on_epoch: Some(&mut on_progress), ..FitOptions::default() };
    if let Targets::Values(values) = y {
        let mut reg = resume(previous, family, || params.new_regressor())?;
        reg.train_on(params, x, values.mapv(F::from_f64).view(), options)?;
        return Ok(Model::new(reg));
    }
    let mut clf = resume(previous, family, || params.new_classifier())?;
    match y {
        Targets::Labels(labels) => {
            let (labels, _) = model_labels(labels, clf.class_labels());
            clf.train_on(params, x, labels.as_slice(), options)?;
        }
        Targets::Indicators(indicators) => clf.train_on(params, x, indicators.view(), options)?,
        Targets::Values(_) => bail!("a classifier cannot learn continuous targets"),
    }
    Ok(Model::new(clf))
}

/// The solver settings that end the line `describe` gives of a family trained by gradient:
/// "solver adam, alpha 0.0001, max_iter 200".
pub(super) fn describe_solver(params: &impl SolverSettings) -> String {
    format!("solver {}, alpha {}, max_iter {}", params.get_solver(), params.get_alpha(), params.get_max_iter())
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
