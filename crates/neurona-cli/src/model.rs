//! The CLI's models: any of the core's estimators in either float type, with what the CLI
//! stores beside the weights (scaler, column names) in the model file's `extra` header.
//!
//! The command also reads the model files of the Python package and the Rust crate: their
//! classes may be integers ([`ClassLabel`]), and without the command's header they take their
//! features by name when the Python package kept the names, by position otherwise
//! ([`FeatureColumns`]), unscaled.

use std::fmt;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use ndarray::{Array2, Axis};
use neurona::persist::ModelLabel;
use neurona::prelude::*;
use serde_json::{Value, json};

use crate::dataset::features;
use crate::table::Table;

/// A class label as a model file holds it: text (the command reads every target as text) or an
/// integer (the classes of a model from the Python package or the Rust crate trained on
/// integers). Integers sort as numbers, before any text, so that a model's classes keep the
/// order its outputs follow.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClassLabel {
    Int(i64),
    Text(String),
}

impl ClassLabel {
    /// A table's label: the integer it spells when `integers` (see [`integer_labels`]), else
    /// the text.
    pub fn parse(text: &str, integers: bool) -> Self {
        match text.parse() {
            Ok(value) if integers => Self::Int(value),
            _ => Self::Text(text.to_owned()),
        }
    }
}

/// Whether a table's labels are read as integers: for a model fitted before (`--warm-start`),
/// when its classes are; for a fresh one, when every label is an integer written plainly (`3`,
/// `-1`; not `03` or `+3`, which would merge with `3`), so that the classes sort as numbers (3
/// before 10), as scikit-learn sorts integer labels.
pub fn integer_labels(labels: &[String], classes: &[ClassLabel]) -> bool {
    if !classes.is_empty() {
        return classes.iter().all(|c| matches!(c, ClassLabel::Int(_)));
    }
    !labels.is_empty() && labels.iter().all(|l| l.parse::<i64>().is_ok_and(|v| v.to_string() == *l))
}

/// As the label itself (`5`, `"setosa"`): the core's messages show labels with `{:?}`.
impl fmt::Debug for ClassLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(value) => write!(f, "{value}"),
            Self::Text(text) => write!(f, "{text:?}"),
        }
    }
}

impl fmt::Display for ClassLabel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Int(value) => write!(f, "{value}"),
            Self::Text(text) => f.write_str(text),
        }
    }
}

impl ModelLabel for ClassLabel {
    fn to_json(&self) -> Value {
        match self {
            Self::Int(value) => json!(value),
            Self::Text(text) => json!(text),
        }
    }

    fn from_json(value: &Value) -> Option<Self> {
        match value {
            Value::String(text) => Some(Self::Text(text.clone())),
            other => other.as_i64().map(Self::Int),
        }
    }
}

fn texts(labels: &[ClassLabel]) -> Vec<String> {
    labels.iter().map(ClassLabel::to_string).collect()
}

/// Feature scaling fitted on the training rows, applied again at predict time.
#[derive(Debug, Clone, PartialEq)]
pub enum Scaler {
    /// No scaling.
    None,
    /// `(x - mean) / scale` (constant features keep scale 1, as in scikit-learn).
    Standard { mean: Vec<f64>, scale: Vec<f64> },
    /// `(x - min) / range` (a constant feature keeps range 1).
    MinMax { min: Vec<f64>, range: Vec<f64> },
}

impl Scaler {
    pub fn fit(kind: crate::cli::Scale, x: &Array2<f64>) -> Self {
        let n = x.nrows().max(1) as f64;
        match kind {
            crate::cli::Scale::None => Self::None,
            crate::cli::Scale::Standard => {
                let mean: Vec<f64> = x.sum_axis(Axis(0)).iter().map(|s| s / n).collect();
                let scale = x
                    .axis_iter(Axis(1))
                    .zip(&mean)
                    .map(|(col, m)| {
                        let std = (col.iter().map(|v| (v - m) * (v - m)).sum::<f64>() / n).sqrt();
                        if std == 0.0 { 1.0 } else { std }
                    })
                    .collect();
                Self::Standard { mean, scale }
            }
            crate::cli::Scale::Minmax => {
                let min: Vec<f64> =
                    x.axis_iter(Axis(1)).map(|c| c.iter().copied().fold(f64::INFINITY, f64::min)).collect();
                let range = x
                    .axis_iter(Axis(1))
                    .zip(&min)
                    .map(|(c, lo)| {
                        let r = c.iter().copied().fold(f64::NEG_INFINITY, f64::max) - lo;
                        if r == 0.0 { 1.0 } else { r }
                    })
                    .collect();
                Self::MinMax { min, range }
            }
        }
    }

    pub fn transform(&self, x: &mut Array2<f64>) {
        let (shift, divide) = match self {
            Self::None => return,
            Self::Standard { mean, scale } => (mean, scale),
            Self::MinMax { min, range } => (min, range),
        };
        for mut row in x.rows_mut() {
            for (j, v) in row.iter_mut().enumerate() {
                *v = (*v - shift[j]) / divide[j];
            }
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Standard { .. } => "standard",
            Self::MinMax { .. } => "minmax",
        }
    }

    fn to_json(&self) -> Value {
        match self {
            Self::None => json!({"kind": "none"}),
            Self::Standard { mean, scale } => json!({"kind": "standard", "mean": mean, "scale": scale}),
            Self::MinMax { min, range } => json!({"kind": "minmax", "min": min, "range": range}),
        }
    }

    fn from_json(v: &Value, n_features: usize) -> Result<Self> {
        let floats = |key: &str| -> Result<Vec<f64>> {
            let values: Vec<f64> =
                v[key].as_array().context("scaler values missing")?.iter().filter_map(Value::as_f64).collect();
            if values.len() != n_features || values.iter().any(|x| !x.is_finite()) {
                bail!("the model file's scaler has {} finite values for {n_features} features", values.len());
            }
            Ok(values)
        };
        Ok(match v["kind"].as_str() {
            Some("none") => Self::None,
            Some("standard") => Self::Standard { mean: floats("mean")?, scale: floats("scale")? },
            Some("minmax") => Self::MinMax { min: floats("min")?, range: floats("range")? },
            _ => bail!("the model file has no valid scaler: {v}"),
        })
    }
}

/// Where a model finds its features in a table.
#[derive(Debug, Clone, PartialEq)]
pub enum FeatureColumns {
    /// The columns of these names, in this order: the command's models, and the Python
    /// package's when fitted on named columns (a DataFrame).
    Named(Vec<String>),
    /// The table's columns in order, which must be this many (once any target columns are left
    /// out): a model fitted on a plain array, by the Python package or the Rust crate.
    InOrder(usize),
}

impl FeatureColumns {
    /// Whether a training table with these feature columns continues the model
    /// (`--warm-start`).
    pub fn accepts(&self, names: &[String]) -> bool {
        match self {
            Self::Named(own) => own == names,
            Self::InOrder(n) => names.len() == *n,
        }
    }
}

impl fmt::Display for FeatureColumns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Named(names) => write!(f, "{names:?}"),
            Self::InOrder(n) => write!(f, "{n} unnamed columns, taken in order"),
        }
    }
}

/// What the CLI keeps beside the weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Extra {
    pub features: FeatureColumns,
    pub target_names: Vec<String>,
    pub scaler: Scaler,
    /// Where the training data came from, for `inspect`.
    pub source: String,
}

impl Extra {
    /// The model's features in `table` (read from `path`), scaled as in training. `excluded`
    /// names the target columns, left out of the features taken by position.
    pub fn read_features(&self, table: &Table, excluded: &[String], path: &Path) -> Result<Array2<f64>> {
        let mut x = match &self.features {
            FeatureColumns::Named(names) => features(table, names, path)?,
            FeatureColumns::InOrder(n) => {
                let names: Vec<String> = table.names.iter().filter(|c| !excluded.contains(c)).cloned().collect();
                if names.len() != *n {
                    bail!(
                        "{}: the model was fitted without column names and takes its {n} features by position, \
                         but the file has {} feature column(s) ({})",
                        path.display(),
                        names.len(),
                        names.join(", ")
                    );
                }
                features(table, &names, path)?
            }
        };
        self.scaler.transform(&mut x);
        Ok(x)
    }

    fn to_json(&self) -> Value {
        let feature_names = match &self.features {
            FeatureColumns::Named(names) => json!(names),
            FeatureColumns::InOrder(_) => Value::Null,
        };
        json!({
            "cli": {
                "feature_names": feature_names,
                "target_names": self.target_names,
                "scaler": self.scaler.to_json(),
                "source": self.source,
            }
        })
    }

    /// What a model file written by the Python package or the Rust crate (no `cli` header)
    /// implies: the column names the Python package kept, else columns by position; no
    /// scaling; no target names.
    fn foreign(v: &Value, n_features: usize) -> Self {
        let names: Option<Vec<String>> = v["python"]["feature_names_in"]
            .as_array()
            .and_then(|names| names.iter().map(|n| n.as_str().map(str::to_owned)).collect());
        let features = match names {
            Some(names) if names.len() == n_features => FeatureColumns::Named(names),
            _ => FeatureColumns::InOrder(n_features),
        };
        Self { features, target_names: Vec::new(), scaler: Scaler::None, source: String::new() }
    }

    fn from_json(v: &Value, n_features: usize) -> Result<Self> {
        let cli = &v["cli"];
        if cli.is_null() {
            return Ok(Self::foreign(v, n_features));
        }
        let names = |key: &str| -> Result<Vec<String>> {
            cli[key]
                .as_array()
                .with_context(|| format!("the model file has no '{key}': was it written by the neurona command?"))?
                .iter()
                .map(|s| s.as_str().map(str::to_owned).context("a column name is not text"))
                .collect()
        };
        let features = if cli["feature_names"].is_null() {
            FeatureColumns::InOrder(n_features)
        } else {
            let feature_names = names("feature_names")?;
            if feature_names.len() != n_features {
                bail!("the model file names {} features for a network with {n_features} inputs", feature_names.len());
            }
            FeatureColumns::Named(feature_names)
        };
        Ok(Self {
            features,
            target_names: names("target_names")?,
            scaler: Scaler::from_json(&cli["scaler"], n_features)?,
            source: cli["source"].as_str().unwrap_or_default().to_owned(),
        })
    }
}

/// Any model the CLI trains.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyModel {
    Classifier32(MlpClassifier<f32, ClassLabel>),
    Classifier64(MlpClassifier<f64, ClassLabel>),
    Regressor32(MlpRegressor<f32>),
    Regressor64(MlpRegressor<f64>),
    Perceptron32(Perceptron<f32, ClassLabel>),
    Perceptron64(Perceptron<f64, ClassLabel>),
    Rbm32(BernoulliRbm<f32>),
    Rbm64(BernoulliRbm<f64>),
}

/// A model's predictions for a batch of rows.
#[derive(Debug)]
pub enum Predictions {
    /// Class labels, and the probabilities `(n, n_classes)`.
    Labels { labels: Vec<String>, proba: Array2<f64> },
    /// Class labels, and the perceptron's decision scores: `(n, 1)` for two classes (positive
    /// means the second class), `(n, n_classes)` otherwise.
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
}

/// A learning curve and how the last fit ended, for the report.
#[derive(Debug, Clone, PartialEq)]
pub struct MlpCurves {
    pub loss: Vec<f64>,
    pub validation_scores: Option<Vec<f64>>,
    pub report: FitReport,
}

fn widen(a: Array2<f32>) -> Array2<f64> {
    a.mapv(f64::from)
}

fn narrow(x: &Array2<f64>) -> Array2<f32> {
    x.mapv(|v| v as f32)
}

impl AnyModel {
    /// The estimator kind, as the model file names it, and the dtype.
    pub fn state_summary(&self) -> (&'static str, &'static str) {
        match self {
            Self::Classifier32(_) => ("MLPClassifier", "float32"),
            Self::Classifier64(_) => ("MLPClassifier", "float64"),
            Self::Regressor32(_) => ("MLPRegressor", "float32"),
            Self::Regressor64(_) => ("MLPRegressor", "float64"),
            Self::Perceptron32(_) => ("Perceptron", "float32"),
            Self::Perceptron64(_) => ("Perceptron", "float64"),
            Self::Rbm32(_) => ("BernoulliRBM", "float32"),
            Self::Rbm64(_) => ("BernoulliRBM", "float64"),
        }
    }

    /// Whether the model is an unsupervised RBM, which transforms rather than predicts.
    pub fn is_rbm(&self) -> bool {
        matches!(self, Self::Rbm32(_) | Self::Rbm64(_))
    }

    /// An error unless the model predicts (every kind but the RBM), pointing to `neurona
    /// transform` for an RBM.
    pub fn require_supervised(&self) -> Result<()> {
        if self.is_rbm() { Err(self.unsupervised()) } else { Ok(()) }
    }

    fn unsupervised(&self) -> anyhow::Error {
        anyhow!(
            "the model is a BernoulliRBM, which is unsupervised and predicts nothing: `neurona transform` writes \
             its hidden features"
        )
    }

    /// An error unless the model is an RBM, which `neurona transform` needs.
    pub fn require_rbm(&self) -> Result<()> {
        if self.is_rbm() { Ok(()) } else { Err(self.not_an_rbm()) }
    }

    fn not_an_rbm(&self) -> anyhow::Error {
        anyhow!(
            "the model is a {}, which has no hidden features to transform into: `neurona transform` needs an RBM \
             (train one with --model-kind rbm); use `neurona predict` for this model",
            self.state_summary().0
        )
    }

    /// Predictions for already-scaled features. An RBM predicts nothing: an error that points
    /// to `neurona transform`.
    pub fn predict(&self, x: &Array2<f64>) -> Result<Predictions> {
        Ok(match self {
            Self::Classifier64(m) if m.is_multilabel() => Predictions::Indicators {
                indicators: m.predict_multilabel(x.view())?,
                proba: m.predict_proba(x.view())?,
            },
            Self::Classifier32(m) if m.is_multilabel() => {
                let x = narrow(x);
                Predictions::Indicators {
                    indicators: m.predict_multilabel(x.view())?,
                    proba: widen(m.predict_proba(x.view())?),
                }
            }
            Self::Classifier64(m) => {
                Predictions::Labels { labels: texts(&m.predict(x.view())?), proba: m.predict_proba(x.view())? }
            }
            Self::Classifier32(m) => {
                let x = narrow(x);
                Predictions::Labels { labels: texts(&m.predict(x.view())?), proba: widen(m.predict_proba(x.view())?) }
            }
            Self::Regressor64(m) => Predictions::Values(m.predict(x.view())?),
            Self::Regressor32(m) => Predictions::Values(widen(m.predict(narrow(x).view())?)),
            Self::Perceptron64(m) => Predictions::Decisions {
                labels: texts(&m.predict(x.view())?),
                decision: m.decision_function(x.view())?,
            },
            Self::Perceptron32(m) => {
                let x = narrow(x);
                Predictions::Decisions {
                    labels: texts(&m.predict(x.view())?),
                    decision: widen(m.decision_function(x.view())?),
                }
            }
            Self::Rbm32(_) | Self::Rbm64(_) => return Err(self.unsupervised()),
        })
    }

    /// The RBM's hidden features `(n, n_components)` for already-scaled features.
    pub fn transform(&self, x: &Array2<f64>) -> Result<Array2<f64>> {
        Ok(match self {
            Self::Rbm64(m) => m.transform(x.view())?,
            Self::Rbm32(m) => widen(m.transform(narrow(x).view())?),
            _ => return Err(self.not_an_rbm()),
        })
    }

    /// The RBM's mean pseudo-likelihood of already-scaled rows (scikit-learn's
    /// `score_samples(X).mean()`).
    pub fn pseudo_likelihood(&self, x: &Array2<f64>) -> Result<f64> {
        let scores = match self {
            Self::Rbm64(m) => m.score_samples(x.view())?,
            Self::Rbm32(m) => m.score_samples(narrow(x).view())?.mapv(f64::from),
            other => bail!("the model is a {}, not an RBM", other.state_summary().0),
        };
        Ok(scores.mean().unwrap_or(f64::NAN))
    }

    /// The class labels as the model holds them (empty for regressors, multi-label classifiers
    /// and RBMs).
    pub fn class_labels(&self) -> &[ClassLabel] {
        let classes = match self {
            Self::Classifier32(m) => m.classes(),
            Self::Classifier64(m) => m.classes(),
            Self::Perceptron32(m) => m.classes(),
            Self::Perceptron64(m) => m.classes(),
            _ => return &[],
        };
        classes.unwrap_or_default()
    }

    /// The class labels as text, as predictions name them.
    pub fn classes(&self) -> Vec<String> {
        texts(self.class_labels())
    }

    pub fn is_classifier(&self) -> bool {
        matches!(self, Self::Classifier32(_) | Self::Classifier64(_) | Self::Perceptron32(_) | Self::Perceptron64(_))
    }

    pub fn is_multilabel(&self) -> bool {
        match self {
            Self::Classifier32(m) => m.is_multilabel(),
            Self::Classifier64(m) => m.is_multilabel(),
            _ => false,
        }
    }

    /// An MLP's loss curve (empty for lbfgs), validation scores and fit report; `None` for the
    /// other kinds.
    pub fn mlp_curves(&self) -> Option<MlpCurves> {
        fn get<F: Float>(s: &MlpState<F>) -> MlpCurves {
            MlpCurves {
                loss: s.loss_curve().unwrap_or_default().to_vec(),
                validation_scores: s.validation_scores().map(<[f64]>::to_vec),
                report: s.report().clone(),
            }
        }
        match self {
            Self::Classifier32(m) => m.state().ok().map(get),
            Self::Classifier64(m) => m.state().ok().map(get),
            Self::Regressor32(m) => m.state().ok().map(get),
            Self::Regressor64(m) => m.state().ok().map(get),
            _ => None,
        }
    }

    /// A perceptron's report of its last fit; `None` for the other kinds.
    pub fn perceptron_report(&self) -> Option<PerceptronReport> {
        match self {
            Self::Perceptron32(m) => m.state().ok().map(|s| s.report().clone()),
            Self::Perceptron64(m) => m.state().ok().map(|s| s.report().clone()),
            _ => None,
        }
    }

    /// An RBM's weights `(n_components, n_features)`; `None` for the other kinds.
    pub fn rbm_components(&self) -> Option<Array2<f64>> {
        match self {
            Self::Rbm32(m) => m.state().ok().map(|s| s.components().mapv(f64::from)),
            Self::Rbm64(m) => m.state().ok().map(|s| s.components().to_owned()),
            _ => None,
        }
    }

    /// An RBM's hidden units, the rows of its persistent chain, and whether its `random_state_`
    /// stream (created by `partial_fit` or `gibbs`) is saved; `None` for the other kinds.
    pub fn rbm_summary(&self) -> Option<(usize, usize, bool)> {
        fn get<F: Float>(m: &BernoulliRbm<F>) -> Option<(usize, usize, bool)> {
            let state = m.state().ok()?;
            Some((state.n_components(), state.h_samples().nrows(), m.random_stream().is_some()))
        }
        match self {
            Self::Rbm32(m) => get(m),
            Self::Rbm64(m) => get(m),
            _ => None,
        }
    }

    /// The number of input features the model was fitted with.
    pub fn n_features_in(&self) -> Result<usize> {
        Ok(match self {
            Self::Classifier32(m) => m.state()?.n_features_in(),
            Self::Classifier64(m) => m.state()?.n_features_in(),
            Self::Regressor32(m) => m.state()?.n_features_in(),
            Self::Regressor64(m) => m.state()?.n_features_in(),
            Self::Perceptron32(m) => m.state()?.n_features_in(),
            Self::Perceptron64(m) => m.state()?.n_features_in(),
            Self::Rbm32(m) => m.state()?.n_features_in(),
            Self::Rbm64(m) => m.state()?.n_features_in(),
        })
    }

    pub fn to_bytes(&self, extra: &Extra) -> Result<Vec<u8>> {
        let extra = extra.to_json();
        Ok(match self {
            Self::Classifier32(m) => m.to_bytes_with_extra(&extra)?,
            Self::Classifier64(m) => m.to_bytes_with_extra(&extra)?,
            Self::Regressor32(m) => m.to_bytes_with_extra(&extra)?,
            Self::Regressor64(m) => m.to_bytes_with_extra(&extra)?,
            Self::Perceptron32(m) => m.to_bytes_with_extra(&extra)?,
            Self::Perceptron64(m) => m.to_bytes_with_extra(&extra)?,
            Self::Rbm32(m) => m.to_bytes_with_extra(&extra)?,
            Self::Rbm64(m) => m.to_bytes_with_extra(&extra)?,
        })
    }

    /// Reads a model file written by `neurona train`.
    pub fn load(path: &Path) -> Result<(Self, Extra)> {
        let bytes = neurona::persist::read_file(path)?;
        let info = neurona::persist::inspect(&bytes).with_context(|| format!("cannot load {}", path.display()))?;
        fn read<M>(
            bytes: &[u8],
            from_bytes: fn(&[u8]) -> neurona::Result<(M, Value)>,
            wrap: fn(M) -> AnyModel,
        ) -> Result<(AnyModel, Value)> {
            let (model, extra) = from_bytes(bytes)?;
            Ok((wrap(model), extra))
        }
        let (model, extra) = match (info.estimator.as_str(), info.dtype.as_str()) {
            ("MLPClassifier", "float32") => read(&bytes, MlpClassifier::from_bytes_with_extra, Self::Classifier32)?,
            ("MLPClassifier", "float64") => read(&bytes, MlpClassifier::from_bytes_with_extra, Self::Classifier64)?,
            ("MLPRegressor", "float32") => read(&bytes, MlpRegressor::from_bytes_with_extra, Self::Regressor32)?,
            ("MLPRegressor", "float64") => read(&bytes, MlpRegressor::from_bytes_with_extra, Self::Regressor64)?,
            ("Perceptron", "float32") => read(&bytes, Perceptron::from_bytes_with_extra, Self::Perceptron32)?,
            ("Perceptron", "float64") => read(&bytes, Perceptron::from_bytes_with_extra, Self::Perceptron64)?,
            ("BernoulliRBM", "float32") => read(&bytes, BernoulliRbm::from_bytes_with_extra, Self::Rbm32)?,
            ("BernoulliRBM", "float64") => read(&bytes, BernoulliRbm::from_bytes_with_extra, Self::Rbm64)?,
            (kind, dtype) => bail!("{}: a {dtype} {kind} model, which the neurona command cannot use", path.display()),
        };
        let extra = Extra::from_json(&extra, model.n_features_in()?)
            .with_context(|| format!("cannot load {}", path.display()))?;
        Ok((model, extra))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn class_labels_sort_integers_as_numbers_and_round_trip_through_json() {
        let mut labels =
            vec![ClassLabel::Text("b".into()), ClassLabel::Int(10), ClassLabel::Int(-2), ClassLabel::Int(3)];
        labels.sort();
        assert_eq!(texts(&labels), ["-2", "3", "10", "b"]);
        for label in &labels {
            assert_eq!(ClassLabel::from_json(&label.to_json()).as_ref(), Some(label));
        }
        assert_eq!(ClassLabel::from_json(&json!(true)), None);
        assert_eq!(ClassLabel::from_json(&json!(1.5)), None);
    }

    #[test]
    fn labels_are_integers_when_they_all_are_or_the_model_s_classes_are() {
        let texts = |labels: &[&str]| labels.iter().map(|l| l.to_string()).collect::<Vec<_>>();
        assert!(integer_labels(&texts(&["3", "10", "-1"]), &[]));
        assert!(!integer_labels(&texts(&["3", "03"]), &[]), "03 would merge with 3");
        assert!(!integer_labels(&texts(&["3", "x"]), &[]));
        assert!(!integer_labels(&[], &[]));
        assert!(integer_labels(&texts(&["x"]), &[ClassLabel::Int(0), ClassLabel::Int(1)]));
        assert!(!integer_labels(&texts(&["1"]), &[ClassLabel::Text("1".into())]));
        assert_eq!(ClassLabel::parse("1", true), ClassLabel::Int(1));
        assert_eq!(ClassLabel::parse("1.5", true), ClassLabel::Text("1.5".into()));
        assert_eq!(ClassLabel::parse("1", false), ClassLabel::Text("1".into()));
    }

    #[test]
    fn a_file_without_the_commands_header_takes_python_names_or_positions() {
        let python = json!({"python": {"feature_names_in": ["a", "b"]}});
        let extra = Extra::from_json(&python, 2).unwrap();
        assert_eq!(extra.features, FeatureColumns::Named(vec!["a".into(), "b".into()]));
        assert_eq!(extra.scaler, Scaler::None);
        assert_eq!(Extra::from_json(&python, 3).unwrap().features, FeatureColumns::InOrder(3));
        assert_eq!(Extra::from_json(&Value::Null, 4).unwrap().features, FeatureColumns::InOrder(4));
        // A model by position keeps that through the command's own header.
        let by_position = Extra { features: FeatureColumns::InOrder(4), ..Extra::from_json(&Value::Null, 4).unwrap() };
        assert_eq!(Extra::from_json(&by_position.to_json(), 4).unwrap(), by_position);
        assert!(FeatureColumns::InOrder(2).accepts(&["x".into(), "y".into()]));
        assert!(!FeatureColumns::Named(vec!["x".into()]).accepts(&["y".into()]));
    }
}
