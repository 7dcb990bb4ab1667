//! The command's models: one [`Model`] for every estimator kind of the core's registry
//! ([`EstimatorKind`]), in either float type, with what the command stores beside the weights
//! ([`Extra`]).
//!
//! A model is a [`Fitted`] trait object. Each family implements [`Fitted`] for its estimators
//! and [`Training`] for its checked hyperparameters in its own file ([`mlp`], [`perceptron`],
//! [`rbm`], [`rnn`]); the rest of the command asks the trait, or the kind's registry entry (its output:
//! classes, values or features), and never names a kind. Adding a family is its file here, one
//! line in [`read`] (how its model files load) and one in [`crate::params`] (how its flags
//! become parameters).
//!
//! The command also reads the model files of the Python package and the Rust crate: their
//! classes may be integers ([`ClassLabel`]).

mod extra;
mod mlp;
mod perceptron;
mod rbm;
mod rnn;
mod training;

use std::any::{Any, TypeId};
use std::fmt;
use std::ops::Deref;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use ndarray::{Array1, Array2, Axis, CowArray, Ix2};
use neurona::data::sequences::SequenceSet;
use neurona::estimator::{EstimatorKind, Family, InputKind, OutputKind};
use neurona::prelude::*;
use serde_json::Value;

pub use self::extra::{Extra, FeatureColumns, Scaler};
pub use self::training::{Epoch, FitInput, FitSummary, OnEpoch, Training};
use crate::args::Dtype;
use crate::data::Features;
use crate::labels::{ClassLabel, texts};

/// Runs `$body` with the type `$f` set to the float type of `$dtype` (`f32` or `f64`), so that
/// generic code is written once for both.
macro_rules! with_float {
    ($dtype:expr, $f:ident => $body:expr) => {
        match $dtype {
            $crate::args::Dtype::F32 => {
                type $f = f32;
                $body
            }
            $crate::args::Dtype::F64 => {
                type $f = f64;
                $body
            }
        }
    };
}
pub(crate) use with_float;

/// The [`Fitted`] methods that every estimator answers the same way, from the core's traits and
/// its fitted state; written inside each `impl<F: Float> Fitted for ...`. A classifier adds its
/// classes and the kind of scores it gives (`fitted_common!(classes with Probabilities)`).
macro_rules! fitted_common {
    (classes with $scores:ident) => {
        $crate::model::fitted_common!();

        fn class_labels(&self) -> &[$crate::labels::ClassLabel] {
            self.classes().unwrap_or_default()
        }

        fn class_scores(&self) -> $crate::model::ClassScores {
            $crate::model::ClassScores::$scores
        }
    };
    () => {
        fn kind(&self) -> neurona::estimator::EstimatorKind {
            <Self as neurona::estimator::Estimator>::KIND
        }

        fn dtype(&self) -> $crate::args::Dtype {
            $crate::args::Dtype::of::<F>()
        }

        fn n_features_in(&self) -> anyhow::Result<usize> {
            Ok(self.state()?.n_features_in())
        }

        fn file_bytes(&self, extra: &serde_json::Value) -> anyhow::Result<Vec<u8>> {
            Ok(self.to_bytes_with_extra(extra)?)
        }
    };
}
use fitted_common;

impl Dtype {
    /// The float type `F`.
    pub fn of<F: Float>() -> Self {
        if TypeId::of::<F>() == TypeId::of::<f32>() { Self::F32 } else { Self::F64 }
    }

    /// numpy's name, as model files and messages write it (`float32`, `float64`).
    pub fn name(self) -> &'static str {
        with_float!(self, F => F::DTYPE)
    }

    /// The float type a model file names, if it is one of the two.
    fn from_name(name: &str) -> Option<Self> {
        [Self::F32, Self::F64].into_iter().find(|d| d.name() == name)
    }
}

/// A model's predictions for a batch of rows.
#[derive(Debug)]
pub enum Predictions {
    /// Class labels, and the probabilities `(n, n_classes)`.
    Labels { labels: Vec<String>, proba: Array2<f64> },
    /// Class labels, and the decision scores: `(n, 1)` for two classes (positive means the
    /// second class), `(n, n_classes)` otherwise.
    Decisions { labels: Vec<String>, decision: Array2<f64> },
    /// Multi-label indicators `(n, n_labels)` and their probabilities.
    Indicators { indicators: Array2<bool>, proba: Array2<f64> },
    /// Regression outputs `(n, n_outputs)`.
    Values(Array2<f64>),
}

impl Predictions {
    /// The predicted class labels, for the classifiers with one label per sample.
    pub fn labels(&self) -> Option<&[String]> {
        match self {
            Self::Labels { labels, .. } | Self::Decisions { labels, .. } => Some(labels),
            _ => None,
        }
    }

    /// The predictions of these rows, in this order (a recurrent model's per-step predictions
    /// put back in the table's row order).
    pub fn select(&self, rows: &[usize]) -> Self {
        let labels = |labels: &[String]| rows.iter().map(|&i| labels[i].clone()).collect();
        match self {
            Self::Labels { labels: l, proba } => Self::Labels { labels: labels(l), proba: proba.select(Axis(0), rows) },
            Self::Decisions { labels: l, decision } => {
                Self::Decisions { labels: labels(l), decision: decision.select(Axis(0), rows) }
            }
            Self::Indicators { indicators, proba } => {
                Self::Indicators { indicators: indicators.select(Axis(0), rows), proba: proba.select(Axis(0), rows) }
            }
            Self::Values(values) => Self::Values(values.select(Axis(0), rows)),
        }
    }
}

/// The class scores a classifier adds to its labels (`predict --proba` or
/// `--decision-function`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClassScores {
    /// Class probabilities.
    Probabilities,
    /// Decision scores, which are not probabilities.
    Decisions,
    /// None: the model does not classify.
    None,
}

/// A fitted estimator of any kind, as the command uses it. The default methods are what a kind
/// without that ability answers: an error that says which command it needs instead, or nothing.
pub trait Fitted: Dynamic + fmt::Debug + Send + Sync {
    /// The kind, from the core's registry.
    fn kind(&self) -> EstimatorKind;
    /// The float type.
    fn dtype(&self) -> Dtype;
    /// The number of input features the model was fitted with.
    fn n_features_in(&self) -> Result<usize>;
    /// Model-file bytes with the command's `extra` JSON in the header.
    fn file_bytes(&self, extra: &Value) -> Result<Vec<u8>>;

    /// The class labels as the model holds them (empty unless it classifies one label per row).
    fn class_labels(&self) -> &[ClassLabel] {
        &[]
    }

    /// The scores `predict` can add to the labels.
    fn class_scores(&self) -> ClassScores {
        ClassScores::None
    }

    /// Predictions for already-scaled features.
    fn predict(&self, _x: &Array2<f64>) -> Result<Predictions> {
        Err(unsupervised(self.kind()))
    }

    /// Predictions for already-scaled sequences: one per sequence, or one per step (sequence by
    /// sequence) when [`targets_per_step`](Fitted::targets_per_step).
    fn predict_sequences(&self, _x: &SequenceSet<f64>) -> Result<Predictions> {
        bail!("the model is a {}, which reads the rows of a table, not sequences", self.kind())
    }

    /// Whether the model predicts one target per step of each sequence.
    fn targets_per_step(&self) -> bool {
        false
    }

    /// The learned features `(n, n_components)` of already-scaled rows.
    fn transform(&self, _x: &Array2<f64>) -> Result<Array2<f64>> {
        Err(not_a_transformer(self.kind()))
    }

    /// The pseudo-likelihood of each already-scaled row (an RBM's `score_samples`).
    fn score_samples(&self, _x: &Array2<f64>) -> Result<Array1<f64>> {
        bail!("the model is a {}, which has no pseudo-likelihood", self.kind())
    }

    /// How the last fit went; `epochs` are the epochs the command saw it run.
    fn fit_summary(&self, epochs: &[Epoch]) -> FitSummary;

    /// The learned weights to draw as one image per hidden unit `(n_components, n_features)`.
    fn components(&self) -> Option<Array2<f64>> {
        None
    }

    /// `inspect`'s lines on the model's structure, from the model and its file's header.
    fn structure(&self, header: &Value) -> Vec<String>;

    /// `inspect`'s lines on the last fit (none when the model keeps no report).
    fn fit_report(&self, _header: &Value) -> Vec<String> {
        Vec::new()
    }
}

/// What every [`Fitted`] type has by its derives: comparison, cloning and downcasting through
/// the trait object (implemented once, for every type, below).
pub trait Dynamic: Any {
    fn as_any(&self) -> &dyn Any;
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
    fn clone_box(&self) -> Box<dyn Fitted>;
    fn equals(&self, other: &dyn Any) -> bool;
}

impl<T: Fitted + Clone + PartialEq> Dynamic for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }

    fn clone_box(&self) -> Box<dyn Fitted> {
        Box::new(self.clone())
    }

    fn equals(&self, other: &dyn Any) -> bool {
        other.downcast_ref::<T>() == Some(self)
    }
}

fn unsupervised(kind: EstimatorKind) -> anyhow::Error {
    anyhow!(
        "the model is a {kind}, which is unsupervised and predicts nothing: `neurona transform` writes its hidden \
         features"
    )
}

fn not_a_transformer(kind: EstimatorKind) -> anyhow::Error {
    anyhow!(
        "the model is a {kind}, which has no hidden features to transform into: `neurona transform` needs an RBM \
         (train one with --model-kind rbm); use `neurona predict` for this model"
    )
}

/// Whether a family learns from targets (a kind of it does, in the core's registry).
pub fn is_supervised(family: Family) -> bool {
    family.kinds().any(|kind| kind.is_supervised())
}

/// Whether a family reads sequences rather than the rows of a table (the core's registry says).
pub fn reads_sequences(family: Family) -> bool {
    family.kinds().any(|kind| kind.input() == InputKind::Sequences)
}

/// A fitted model of any kind, in either float type: the one model type of the command.
#[derive(Debug)]
pub struct Model(Box<dyn Fitted>);

impl Model {
    pub fn new(fitted: impl Fitted) -> Self {
        Self(Box::new(fitted))
    }

    /// The estimator itself, when it has type `M`; the model back otherwise.
    pub fn downcast<M: Fitted>(self) -> std::result::Result<M, Self> {
        if self.0.as_any().is::<M>() {
            let any = self.0.into_any();
            Ok(*any.downcast::<M>().expect("checked above"))
        } else {
            Err(self)
        }
    }

    /// Whether the model predicts (every kind but those that learn features).
    pub fn is_supervised(&self) -> bool {
        self.kind().is_supervised()
    }

    /// Whether the model predicts classes.
    pub fn is_classifier(&self) -> bool {
        self.kind().output() == OutputKind::Classes
    }

    /// An error unless the model predicts, pointing to `neurona transform` for one that learns
    /// features.
    pub fn require_supervised(&self) -> Result<()> {
        if self.is_supervised() { Ok(()) } else { Err(unsupervised(self.kind())) }
    }

    /// An error unless the model learns features, which `neurona transform` needs.
    pub fn require_transformer(&self) -> Result<()> {
        if self.kind().output() == OutputKind::Features { Ok(()) } else { Err(not_a_transformer(self.kind())) }
    }

    /// Predictions for already-scaled rows or sequences, as the model reads.
    pub fn predict_features(&self, x: &Features) -> Result<Predictions> {
        match x {
            Features::Rows(x) => self.predict(x),
            Features::Sequences(x) => self.predict_sequences(x),
        }
    }

    /// The class labels as text, as predictions name them.
    pub fn classes(&self) -> Vec<String> {
        texts(self.class_labels())
    }

    /// The RBM's mean pseudo-likelihood of already-scaled rows (scikit-learn's
    /// `score_samples(X).mean()`).
    pub fn pseudo_likelihood(&self, x: &Array2<f64>) -> Result<f64> {
        Ok(self.score_samples(x)?.mean().unwrap_or(f64::NAN))
    }

    pub fn to_bytes(&self, extra: &Extra) -> Result<Vec<u8>> {
        self.0.file_bytes(&extra.to_json())
    }

    /// Reads a model file written by `neurona train`, the Python package or the Rust crate.
    pub fn load(path: &Path) -> Result<(Self, Extra)> {
        let bytes = neurona::persist::read_file(path)?;
        let info = neurona::persist::inspect(&bytes).with_context(|| format!("cannot load {}", path.display()))?;
        let kind = EstimatorKind::from_header(&info.header).ok();
        let read = match (kind, Dtype::from_name(&info.dtype)) {
            (Some(kind), Some(dtype)) => with_float!(dtype, F => read::<F>(kind, &bytes)),
            _ => Ok(None),
        };
        let (model, extra) = read.with_context(|| format!("cannot load {}", path.display()))?.with_context(|| {
            format!(
                "{}: a {} {} model, which the neurona command cannot use",
                path.display(),
                info.dtype,
                info.estimator
            )
        })?;
        let extra = Extra::from_json(&extra, model.n_features_in()?)
            .with_context(|| format!("cannot load {}", path.display()))?;
        Ok((model, extra))
    }
}

/// The command's registry of model files: how a file of each kind loads, in the float type
/// `F` (`None` for a kind the command does not know).
fn read<F: Float>(kind: EstimatorKind, bytes: &[u8]) -> Result<Option<(Model, Value)>> {
    fn model<M: Fitted>((fitted, extra): (M, Value)) -> Option<(Model, Value)> {
        Some((Model::new(fitted), extra))
    }
    Ok(match kind {
        EstimatorKind::MlpClassifier => model(MlpClassifier::<F, ClassLabel>::from_bytes_with_extra(bytes)?),
        EstimatorKind::MlpRegressor => model(MlpRegressor::<F>::from_bytes_with_extra(bytes)?),
        EstimatorKind::Perceptron => model(Perceptron::<F, ClassLabel>::from_bytes_with_extra(bytes)?),
        EstimatorKind::BernoulliRbm => model(BernoulliRbm::<F>::from_bytes_with_extra(bytes)?),
        EstimatorKind::RnnClassifier => model(RnnClassifier::<F, ClassLabel>::from_bytes_with_extra(bytes)?),
        EstimatorKind::RnnRegressor => model(RnnRegressor::<F>::from_bytes_with_extra(bytes)?),
        _ => None,
    })
}

impl Deref for Model {
    type Target = dyn Fitted;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl Clone for Model {
    fn clone(&self) -> Self {
        Self(self.0.clone_box())
    }
}

impl PartialEq for Model {
    fn eq(&self, other: &Self) -> bool {
        self.0.equals(other.0.as_any())
    }
}

/// `x` in the float type `F`: a view of `x` itself for float64 (a copy would double the memory
/// of the data), a converted copy for float32.
fn in_dtype<F: Float>(x: &Array2<f64>) -> CowArray<'_, F, Ix2> {
    match (x as &dyn Any).downcast_ref::<Array2<F>>() {
        Some(same) => CowArray::from(same.view()),
        None => CowArray::from(x.mapv(F::from_f64)),
    }
}

/// `a` as float64: itself for float64 (no copy), a widened copy for float32.
fn widen<F: Float, D: ndarray::Dimension>(a: ndarray::Array<F, D>) -> ndarray::Array<f64, D> {
    a.mapv_into_any(F::as_f64)
}

/// A header value as `inspect` shows it: text without its quotes, anything else as JSON.
pub fn json_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}
