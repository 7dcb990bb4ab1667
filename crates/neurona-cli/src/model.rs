//! The CLI's models: any of the core's estimators in either float type, with what the CLI
//! stores beside the weights (scaler, column names) in the model file's `extra` header.

use std::path::Path;

use anyhow::{Context, Result, bail};
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
}

/// A model's predictions for a batch of rows.
#[derive(Debug)]
pub enum Predictions {
    /// Class labels, and the probabilities `(n, n_classes)`.
    Labels { labels: Vec<String>, proba: Array2<f64> },
    /// Multi-label indicators `(n, n_labels)` and their probabilities.
    Indicators { indicators: Array2<bool>, proba: Array2<f64> },
    /// Regression outputs `(n, n_outputs)`.
    Values(Array2<f64>),
}

impl AnyModel {
    pub fn state_summary(&self) -> (&'static str, &'static str) {
        match self {
            Self::Classifier32(_) => ("MLPClassifier", "float32"),
            Self::Classifier64(_) => ("MLPClassifier", "float64"),
            Self::Regressor32(_) => ("MLPRegressor", "float32"),
            Self::Regressor64(_) => ("MLPRegressor", "float64"),
        }
    }

    /// Predictions for already-scaled features.
    pub fn predict(&self, x: &Array2<f64>) -> Result<Predictions> {
        let x32 = || x.mapv(|v| v as f32);
        let widen = |a: Array2<f32>| a.mapv(f64::from);
        Ok(match self {
            Self::Classifier64(m) if m.is_multilabel() => Predictions::Indicators {
                indicators: m.predict_multilabel(x.view())?,
                proba: m.predict_proba(x.view())?,
            },
            Self::Classifier32(m) if m.is_multilabel() => {
                let x = x32();
                Predictions::Indicators {
                    indicators: m.predict_multilabel(x.view())?,
                    proba: widen(m.predict_proba(x.view())?),
                }
            }
            Self::Classifier64(m) => {
                Predictions::Labels { labels: m.predict(x.view())?, proba: m.predict_proba(x.view())? }
            }
            Self::Classifier32(m) => {
                let x = x32();
                Predictions::Labels { labels: m.predict(x.view())?, proba: widen(m.predict_proba(x.view())?) }
            }
            Self::Regressor64(m) => Predictions::Values(m.predict(x.view())?),
            Self::Regressor32(m) => Predictions::Values(widen(m.predict(x32().view())?)),
        })
    }

    /// The class labels (empty for regressors and multi-label classifiers).
    pub fn classes(&self) -> Vec<String> {
        match self {
            Self::Classifier32(m) => m.classes().map(<[String]>::to_vec).unwrap_or_default(),
            Self::Classifier64(m) => m.classes().map(<[String]>::to_vec).unwrap_or_default(),
            _ => Vec::new(),
        }
    }

    pub fn is_classifier(&self) -> bool {
        matches!(self, Self::Classifier32(_) | Self::Classifier64(_))
    }

    pub fn is_multilabel(&self) -> bool {
        match self {
            Self::Classifier32(m) => m.is_multilabel(),
            Self::Classifier64(m) => m.is_multilabel(),
            _ => false,
        }
    }

    /// The loss curve (empty for lbfgs), validation scores and fit report.
    pub fn curves(&self) -> (Vec<f64>, Option<Vec<f64>>, FitReport) {
        fn get<F: Float>(s: &MlpState<F>) -> (Vec<f64>, Option<Vec<f64>>, FitReport) {
            (
                s.loss_curve().unwrap_or_default().to_vec(),
                s.validation_scores().map(<[f64]>::to_vec),
                s.report().clone(),
            )
        }
        match self {
            Self::Classifier32(m) => m.state().map(get),
            Self::Classifier64(m) => m.state().map(get),
            Self::Regressor32(m) => m.state().map(get),
            Self::Regressor64(m) => m.state().map(get),
        }
        .expect("the CLI only holds fitted models")
    }

    pub fn to_bytes(&self, extra: &Extra) -> Result<Vec<u8>> {
        let extra = extra.to_json();
        Ok(match self {
            Self::Classifier32(m) => m.to_bytes_with_extra(&extra)?,
            Self::Classifier64(m) => m.to_bytes_with_extra(&extra)?,
            Self::Regressor32(m) => m.to_bytes_with_extra(&extra)?,
            Self::Regressor64(m) => m.to_bytes_with_extra(&extra)?,
        })
    }

    /// Reads a model file written by `neurona train`.
    pub fn load(path: &Path) -> Result<(Self, Extra)> {
        let bytes = neurona::persist::read_file(path)?;
        let info = neurona::persist::inspect(&bytes).with_context(|| format!("cannot load {}", path.display()))?;
        let (model, extra) = match (info.estimator.as_str(), info.dtype.as_str()) {
            ("MLPClassifier", "float32") => {
                let (m, e) = MlpClassifier::<f32, String>::from_bytes_with_extra(&bytes)?;
                (Self::Classifier32(m), e)
            }
            ("MLPClassifier", "float64") => {
                let (m, e) = MlpClassifier::<f64, String>::from_bytes_with_extra(&bytes)?;
                (Self::Classifier64(m), e)
            }
            ("MLPRegressor", "float32") => {
                let (m, e) = MlpRegressor::<f32>::from_bytes_with_extra(&bytes)?;
                (Self::Regressor32(m), e)
            }
            ("MLPRegressor", "float64") => {
                let (m, e) = MlpRegressor::<f64>::from_bytes_with_extra(&bytes)?;
                (Self::Regressor64(m), e)
            }
            (kind, dtype) => bail!("{}: a {dtype} {kind} model, which the neurona command cannot use", path.display()),
        };
        let n_features = match &model {
            Self::Classifier32(m) => m.state()?.n_features_in(),
            Self::Classifier64(m) => m.state()?.n_features_in(),
            Self::Regressor32(m) => m.state()?.n_features_in(),
            Self::Regressor64(m) => m.state()?.n_features_in(),
        };
        let extra = Extra::from_json(&extra, n_features).with_context(|| format!("cannot load {}", path.display()))?;
        Ok((model, extra))
    }
}
