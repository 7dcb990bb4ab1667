//! The preprocessing in the model file's header (`extra.cli.preprocess`), versioned: a file
//! without it (older, or trained on complete number columns) reads its columns as they are.
//!
//! ```json
//! {"version": 1, "missing": "impute", "handle_unknown": "error",
//!  "columns": [{"name": "bill_length_mm", "median": 44.45},
//!              {"name": "island", "categories": ["Biscoe", "Dream", "Torgersen"],
//!               "most_frequent": "Biscoe", "drop": null}]}
//! ```
//!
//! A number column has `median` (null without imputation); a category column has its sorted
//! `categories` (text, or numbers for `--categorical` on a number column), `most_frequent` (null
//! without imputation) and `drop` (the "no" of a yes/no column, else null).

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};

use super::{Categories, Category, ColumnStep, Encoding, Preprocessor};
use crate::args::{HandleUnknown, Missing};

/// The version this build writes and reads.
pub const VERSION: u64 = 1;

impl Categories {
    fn value(&self, k: usize) -> Value {
        match &self.0[k] {
            Category::Text(c) => json!(c),
            Category::Number(c) => json!(c),
        }
    }

    fn index_of(&self, v: &Value) -> Option<usize> {
        self.0.iter().position(|c| match c {
            Category::Text(c) => v.as_str() == Some(c),
            Category::Number(c) => v.as_f64() == Some(*c),
        })
    }

    fn from_json(v: &Value, name: &str) -> Result<Self> {
        let items = v.as_array().with_context(|| format!("column '{name}': the categories are not a list"))?;
        let categories = items
            .iter()
            .map(|item| match item {
                Value::String(c) => Ok(Category::Text(c.clone())),
                c => c
                    .as_f64()
                    .map(Category::Number)
                    .with_context(|| format!("column '{name}': the category {c} is neither text nor a number")),
            })
            .collect::<Result<Vec<Category>>>()?;
        let categories = Categories(categories);
        if categories.count() == 0 || !categories.sorted() {
            bail!("column '{name}': the categories are not a sorted list of distinct values of one kind");
        }
        Ok(categories)
    }
}

impl Preprocessor {
    pub fn to_json(&self) -> Value {
        let columns: Vec<Value> = self
            .columns
            .iter()
            .map(|step| match &step.encoding {
                Encoding::Number { median } => json!({"name": step.name, "median": median}),
                Encoding::Categories { categories, most_frequent, drop } => json!({
                    "name": step.name,
                    "categories": (0..categories.count()).map(|k| categories.value(k)).collect::<Vec<_>>(),
                    "most_frequent": most_frequent.map(|k| categories.value(k)),
                    "drop": drop.map(|k| categories.value(k)),
                }),
            })
            .collect();
        let missing = match self.missing {
            Missing::Impute => "impute",
            Missing::DropRows => "drop-rows",
            Missing::Error => "error",
        };
        let handle_unknown = match self.handle_unknown {
            HandleUnknown::Error => "error",
            HandleUnknown::Ignore => "ignore",
        };
        json!({"version": VERSION, "missing": missing, "handle_unknown": handle_unknown, "columns": columns})
    }

    /// Reads it back, checking everything: the file is untrusted.
    pub fn from_json(v: &Value) -> Result<Self> {
        match v["version"].as_u64() {
            Some(VERSION) => {}
            Some(newer) if newer > VERSION => bail!(
                "the model file's preprocessing is version {newer}, newer than this neurona reads ({VERSION}): \
                 update neurona"
            ),
            _ => bail!("the model file's preprocessing has no valid version: {}", v["version"]),
        }
        let missing = match v["missing"].as_str() {
            Some("impute") => Missing::Impute,
            Some("drop-rows") => Missing::DropRows,
            Some("error") => Missing::Error,
            _ => bail!("the model file's preprocessing has no valid 'missing': {}", v["missing"]),
        };
        let handle_unknown = match v["handle_unknown"].as_str() {
            Some("error") => HandleUnknown::Error,
            Some("ignore") => HandleUnknown::Ignore,
            _ => bail!("the model file's preprocessing has no valid 'handle_unknown': {}", v["handle_unknown"]),
        };
        let items = v["columns"].as_array().context("the model file's preprocessing has no 'columns' list")?;
        let mut columns: Vec<ColumnStep> = Vec::with_capacity(items.len());
        for item in items {
            let step = column_from_json(item, missing)?;
            if columns.iter().any(|c| c.name == step.name) {
                bail!("the model file's preprocessing names the column '{}' twice", step.name);
            }
            columns.push(step);
        }
        if columns.is_empty() {
            bail!("the model file's preprocessing has no columns");
        }
        Ok(Self { columns, missing, handle_unknown })
    }
}

fn column_from_json(v: &Value, missing: Missing) -> Result<ColumnStep> {
    let name = v["name"].as_str().filter(|n| !n.is_empty()).context("a preprocessed column has no name")?.to_owned();
    let impute = missing == Missing::Impute;
    let encoding = if v["categories"].is_null() {
        let median = match (&v["median"], impute) {
            (Value::Null, false) => None,
            (m, true) => Some(
                m.as_f64()
                    .filter(|m| m.is_finite())
                    .with_context(|| format!("column '{name}': the median is not a finite number: {m}"))?,
            ),
            (m, false) => bail!("column '{name}': a median ({m}) without imputation"),
        };
        Encoding::Number { median }
    } else {
        let categories = Categories::from_json(&v["categories"], &name)?;
        let index = |key: &str| -> Result<Option<usize>> {
            match &v[key] {
                Value::Null => Ok(None),
                value => categories
                    .index_of(value)
                    .map(Some)
                    .with_context(|| format!("column '{name}': the {key} value {value} is not one of its categories")),
            }
        };
        let (most_frequent, drop) = (index("most_frequent")?, index("drop")?);
        if most_frequent.is_some() != impute {
            bail!("column '{name}': a most frequent value must be there exactly when the model imputes");
        }
        Encoding::Categories { categories, most_frequent, drop }
    };
    Ok(ColumnStep { name, encoding })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bad_headers() {
        let p = Preprocessor {
            columns: vec![
                ColumnStep { name: "x".into(), encoding: Encoding::Number { median: Some(1.5) } },
                ColumnStep {
                    name: "c".into(),
                    encoding: Encoding::Categories {
                        categories: Categories(vec![Category::Text("no".into()), Category::Text("yes".into())]),
                        most_frequent: Some(1),
                        drop: Some(0),
                    },
                },
                ColumnStep {
                    name: "k".into(),
                    encoding: Encoding::Categories {
                        categories: Categories(vec![Category::Number(1.0), Category::Number(3.0)]),
                        most_frequent: Some(0),
                        drop: None,
                    },
                },
            ],
            missing: Missing::Impute,
            handle_unknown: HandleUnknown::Ignore,
        };
        assert_eq!(Preprocessor::from_json(&p.to_json()).unwrap(), p);
        assert_eq!(p.output_names(), ["x", "k_1", "k_3", "c_yes"]);
        let mut v = p.to_json();
        v["version"] = json!(2);
        assert!(format!("{:#}", Preprocessor::from_json(&v).unwrap_err()).contains("newer than this neurona"));
        let mut v = p.to_json();
        v["columns"][1]["categories"] = json!(["yes", "no"]);
        assert!(format!("{:#}", Preprocessor::from_json(&v).unwrap_err()).contains("not a sorted list"));
        let mut v = p.to_json();
        v["columns"][0]["median"] = json!("x");
        assert!(format!("{:#}", Preprocessor::from_json(&v).unwrap_err()).contains("median is not a finite"));
    }
}
