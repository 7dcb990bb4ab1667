//! What the command keeps beside a model's weights, in the model file's `extra` header: the
//! feature scaling fitted on the training rows, where the model finds its features in a table
//! (and, for a recurrent model, its sequences in a long table), the target names and where the
//! training data came from.
//!
//! The command also reads the model files of the Python package and the Rust crate: without the
//! command's header they take their features by name when the Python package kept the names, by
//! position otherwise ([`FeatureColumns`]), unscaled.

use std::fmt;
use std::path::Path;

use anyhow::{Context, Result, bail};
use ndarray::{Array2, Axis};
use serde_json::{Value, json};

use crate::args::{HandleUnknown, Scale};
use crate::data::features;
use crate::preprocess::{Preprocessor, RawFeatures};
use crate::table::Table;

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
    pub fn fit(kind: Scale, x: &Array2<f64>) -> Self {
        let n = x.nrows().max(1) as f64;
        match kind {
            Scale::None => Self::None,
            Scale::Standard => {
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
            Scale::Minmax => {
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

    /// What a feature `j`'s value `v` becomes, `(v - shift[j]) / divide[j]`: `None` for no
    /// scaling.
    pub fn shift_divide(&self) -> Option<(&[f64], &[f64])> {
        match self {
            Self::None => None,
            Self::Standard { mean, scale } => Some((mean, scale)),
            Self::MinMax { min, range } => Some((min, range)),
        }
    }

    pub fn transform(&self, x: &mut Array2<f64>) {
        let Some((shift, divide)) = self.shift_divide() else { return };
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
    /// A recurrent model trained on a long table: the column naming each row's sequence
    /// (`--sequence-id`), which predict and evaluate read again.
    pub sequence_id: Option<String>,
    /// ... and the column that ordered the steps (`--step`), if any.
    pub step: Option<String>,
    /// The filling of missing cells and the encoding of categories that turn the table's
    /// columns into `features` (their encoded names); `None` when the columns are read as they
    /// are (numbers without holes, and every older model file).
    pub preprocess: Option<Preprocessor>,
}

impl Extra {
    /// The model's features in `table` (read from `path`), scaled as in training. `excluded`
    /// names the target columns, left out of the features taken by position.
    pub fn read_features(&self, table: &Table, excluded: &[String], path: &Path) -> Result<Array2<f64>> {
        let mut x = match (&self.preprocess, &self.features) {
            (Some(preprocess), _) => {
                let source = path.display().to_string();
                let names = preprocess.input_names();
                let absent: Vec<&str> =
                    names.iter().filter(|n| table.index_of(n).is_none()).map(String::as_str).collect();
                if !absent.is_empty() {
                    bail!(
                        "{source}: missing feature column(s) '{}' that the model was trained on (the file has: '{}')",
                        absent.join("', '"),
                        table.names.join("', '")
                    );
                }
                preprocess.transform(&RawFeatures::from_table(table, &names, &source)?)?
            }
            (None, FeatureColumns::Named(names)) => features(table, names, path)?,
            (None, FeatureColumns::InOrder(n)) => {
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

    /// `--handle-unknown` of predict and evaluate: overrides the model's choice.
    pub fn handle_unknown(&mut self, choice: Option<HandleUnknown>) {
        if let (Some(choice), Some(preprocess)) = (choice, &mut self.preprocess) {
            preprocess.handle_unknown = choice;
        }
    }

    pub(crate) fn to_json(&self) -> Value {
        let feature_names = match &self.features {
            FeatureColumns::Named(names) => json!(names),
            FeatureColumns::InOrder(_) => Value::Null,
        };
        let mut cli = json!({
            "feature_names": feature_names,
            "target_names": self.target_names,
            "scaler": self.scaler.to_json(),
            "source": self.source,
        });
        // Written only when there is one, so that the files of the other kinds keep their bytes.
        for (key, column) in [("sequence_id", &self.sequence_id), ("step", &self.step)] {
            if let Some(column) = column {
                cli[key] = json!(column);
            }
        }
        if let Some(preprocess) = &self.preprocess {
            cli["preprocess"] = preprocess.to_json();
        }
        json!({ "cli": cli })
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
        Self {
            features,
            target_names: Vec::new(),
            scaler: Scaler::None,
            source: String::new(),
            sequence_id: None,
            step: None,
            preprocess: None,
        }
    }

    pub(crate) fn from_json(v: &Value, n_features: usize) -> Result<Self> {
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
        let preprocess = match &cli["preprocess"] {
            Value::Null => None,
            v => {
                let preprocess = Preprocessor::from_json(v)?;
                if FeatureColumns::Named(preprocess.output_names()) != features {
                    bail!("the model file's preprocessing gives other columns than its feature names");
                }
                Some(preprocess)
            }
        };
        Ok(Self {
            features,
            target_names: names("target_names")?,
            scaler: Scaler::from_json(&cli["scaler"], n_features)?,
            source: cli["source"].as_str().unwrap_or_default().to_owned(),
            sequence_id: optional_name(&cli["sequence_id"])?,
            step: optional_name(&cli["step"])?,
            preprocess,
        })
    }
}

/// A column name the header may hold: absent (or null), or text.
fn optional_name(v: &Value) -> Result<Option<String>> {
    match v {
        Value::Null => Ok(None),
        Value::String(name) => Ok(Some(name.clone())),
        other => bail!("the model file has a column name that is not text: {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
