//! The CLI's models: any of the core's estimators in either float type, with what the CLI
//! stores beside the weights (scaler, column names) in the model file's `extra` header.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use ndarray::{Array2, Axis};
use neurona::prelude::*;
use serde_json::{Value, json};

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

/// What the CLI keeps beside the weights.
#[derive(Debug, Clone, PartialEq)]
pub struct Extra {
    pub feature_names: Vec<String>,
    pub target_names: Vec<String>,
    pub scaler: Scaler,
    /// Where the training data came from, for `inspect`.
    pub source: String,
}

impl Extra {
    fn to_json(&self) -> Value {
        json!({
            "cli": {
                "feature_names": self.feature_names,
                "target_names": self.target_names,
                "scaler": self.scaler.to_json(),
                "source": self.source,
            }
        })
    }

    fn from_json(v: &Value, n_features: usize) -> Result<Self> {
        let cli = &v["cli"];
        let names = |key: &str| -> Result<Vec<String>> {
            cli[key]
                .as_array()
                .with_context(|| format!("the model file has no '{key}': was it written by the neurona command?"))?
                .iter()
                .map(|s| s.as_str().map(str::to_owned).context("a column name is not text"))
                .collect()
        };
        let feature_names = names("feature_names")?;
        if feature_names.len() != n_features {
            bail!("the model file names {} features for a network with {n_features} inputs", feature_names.len());
        }
        Ok(Self {
            feature_names,
            target_names: names("target_names")?,
            scaler: Scaler::from_json(&cli["scaler"], n_features)?,
            source: cli["source"].as_str().unwrap_or_default().to_owned(),
        })
    }
}

/// Any model the CLI trains.
#[derive(Debug, Clone, PartialEq)]
pub enum AnyModel {
    Classifier32(MlpClassifier<f32, String>),
    Classifier64(MlpClassifier<f64, String>),
    Regressor32(MlpRegressor<f32>),
    Regressor64(MlpRegressor<f64>),
    Perceptron32(Perceptron<f32, String>),
    Perceptron64(Perceptron<f64, String>),
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
                Predictions::Labels { labels: m.predict(x.view())?, proba: m.predict_proba(x.view())? }
            }
            Self::Classifier32(m) => {
                let x = narrow(x);
                Predictions::Labels { labels: m.predict(x.view())?, proba: widen(m.predict_proba(x.view())?) }
            }
            Self::Regressor64(m) => Predictions::Values(m.predict(x.view())?),
            Self::Regressor32(m) => Predictions::Values(widen(m.predict(narrow(x).view())?)),
            Self::Perceptron64(m) => {
                Predictions::Decisions { labels: m.predict(x.view())?, decision: m.decision_function(x.view())? }
            }
            Self::Perceptron32(m) => {
                let x = narrow(x);
                Predictions::Decisions { labels: m.predict(x.view())?, decision: widen(m.decision_function(x.view())?) }
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

    /// The class labels (empty for regressors, multi-label classifiers and RBMs).
    pub fn classes(&self) -> Vec<String> {
        match self {
            Self::Classifier32(m) => m.classes().map(<[String]>::to_vec).unwrap_or_default(),
            Self::Classifier64(m) => m.classes().map(<[String]>::to_vec).unwrap_or_default(),
            Self::Perceptron32(m) => m.classes().map(<[String]>::to_vec).unwrap_or_default(),
            Self::Perceptron64(m) => m.classes().map(<[String]>::to_vec).unwrap_or_default(),
            _ => Vec::new(),
        }
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
