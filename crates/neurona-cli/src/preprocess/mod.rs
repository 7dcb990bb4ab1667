//! What the command does to a table's feature columns before the network: fill missing cells
//! and one-hot encode text categories, fitted on the training rows, kept in the model file and
//! applied again by predict and evaluate.
//!
//! It does what this scikit-learn `ColumnTransformer` does, so that a model file loads in Python
//! as that pipeline and the columns come out in its order: the number columns first (a
//! `SimpleImputer(strategy="median")`), then the category columns
//! (`SimpleImputer(strategy="most_frequent")` and a `OneHotEncoder` with one column per sorted
//! category), then the yes/no columns (the same, but one 0/1 column: the "no" or "false"
//! category dropped), each group in the table's order. `--missing drop-rows` or `error` leaves
//! the imputers out.

mod cells;
mod fit;
mod json;
mod onnx;

use anyhow::{Result, bail};
use ndarray::{Array2, ArrayViewMut1, s};

pub use self::cells::{RawColumn, RawFeatures, describe_missing};
pub use self::fit::FitOptions;
use crate::args::{HandleUnknown, Missing};

/// The fitted preprocessing of a model's feature columns.
#[derive(Debug, Clone, PartialEq)]
pub struct Preprocessor {
    /// The table's feature columns, in the table's order.
    pub columns: Vec<ColumnStep>,
    pub missing: Missing,
    pub handle_unknown: HandleUnknown,
}

/// One feature column and what becomes of it.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnStep {
    pub name: String,
    pub encoding: Encoding,
}

/// A number column, or a category column.
#[derive(Debug, Clone, PartialEq)]
pub enum Encoding {
    /// Kept as it is; a missing cell takes the training median (`None` without imputation).
    Number { median: Option<f64> },
    /// One column per category, but `drop` (the "no" of a yes/no column, which then gives one
    /// 0/1 column); a missing cell takes the most frequent category (an index).
    Categories { categories: Categories, most_frequent: Option<usize>, drop: Option<usize> },
}

/// The categories of a column, sorted as scikit-learn sorts them: text by its characters
/// (Unicode code points), numbers (`--categorical` on a number column) by value; all of one
/// kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Categories(pub Vec<Category>);

/// One category: text, or a number.
#[derive(Debug, Clone, PartialEq)]
pub enum Category {
    Text(String),
    Number(f64),
}

impl Categories {
    pub fn count(&self) -> usize {
        self.0.len()
    }

    /// The category `k` as text ("3" for the number 3).
    pub fn name(&self, k: usize) -> String {
        match &self.0[k] {
            Category::Text(c) => c.clone(),
            Category::Number(c) => c.to_string(),
        }
    }

    /// Whether they are sorted and distinct, and all of one kind.
    fn sorted(&self) -> bool {
        self.0.windows(2).all(|w| match (&w[0], &w[1]) {
            (Category::Text(a), Category::Text(b)) => a < b,
            (Category::Number(a), Category::Number(b)) => a < b,
            _ => false,
        })
    }

    /// The index of the category of cell `i` of `column`, `None` for an unseen one (or a
    /// missing cell).
    fn find(&self, column: &RawColumn, i: usize) -> Option<usize> {
        let text = column.text(i)?;
        let number = column.number(i).ok().flatten();
        self.0.iter().position(|c| match c {
            Category::Text(c) => *c == text,
            Category::Number(c) => Some(*c) == number,
        })
    }
}

impl ColumnStep {
    /// Which group of the column transformer the column belongs to: numbers (0), categories
    /// (1), yes/no (2).
    fn group(&self) -> u8 {
        match &self.encoding {
            Encoding::Number { .. } => 0,
            Encoding::Categories { drop: None, .. } => 1,
            Encoding::Categories { drop: Some(_), .. } => 2,
        }
    }

    /// The names of the columns it gives, as scikit-learn's `get_feature_names_out` writes them
    /// without the transformer's prefix ("island_Biscoe").
    fn output_names(&self) -> Vec<String> {
        match &self.encoding {
            Encoding::Number { .. } => vec![self.name.clone()],
            Encoding::Categories { categories, drop, .. } => (0..categories.count())
                .filter(|&k| Some(k) != *drop)
                .map(|k| format!("{}_{}", self.name, categories.name(k)))
                .collect(),
        }
    }

    /// What is done to it, for the run's output and `inspect`: "number, median 44.45" or
    /// "3 categories (Biscoe, Dream, Torgersen), most frequent Biscoe".
    pub fn describe(&self) -> String {
        match &self.encoding {
            Encoding::Number { median: Some(m) } => format!("number, missing -> median {m}"),
            Encoding::Number { median: None } => "number".to_owned(),
            Encoding::Categories { categories, most_frequent, drop } => {
                let names: Vec<String> = (0..categories.count()).map(|k| categories.name(k)).collect();
                let shown = if names.len() > 6 { format!("{}, ...", names[..6].join(", ")) } else { names.join(", ") };
                let what = match drop {
                    Some(d) => format!("yes/no: one 0/1 column, 0 for '{}'", categories.name(*d)),
                    None => format!("{} categories ({shown}), one column each", names.len()),
                };
                match most_frequent {
                    Some(k) => format!("{what}, missing -> '{}'", categories.name(*k)),
                    None => what,
                }
            }
        }
    }
}

impl Preprocessor {
    /// The table columns it reads, in the table's order.
    pub fn input_names(&self) -> Vec<String> {
        self.columns.iter().map(|c| c.name.clone()).collect()
    }

    /// The steps in the order of their output columns: numbers, categories, yes/no.
    fn ordered(&self) -> Vec<&ColumnStep> {
        let mut steps: Vec<&ColumnStep> = self.columns.iter().collect();
        steps.sort_by_key(|step| step.group());
        steps
    }

    /// The names of the columns the network reads, in order.
    pub fn output_names(&self) -> Vec<String> {
        self.ordered().iter().flat_map(|step| step.output_names()).collect()
    }

    /// The numbers the network reads for the rows of `raw` (which has the model's columns).
    pub fn transform(&self, raw: &RawFeatures) -> Result<Array2<f64>> {
        let n_out = self.output_names().len();
        let mut x = Array2::zeros((raw.n_rows(), n_out));
        let mut at = 0;
        for step in self.ordered() {
            let Some(j) = raw.names.iter().position(|n| *n == step.name) else {
                bail!("{}: no feature column '{}'", raw.source, step.name);
            };
            let column = &raw.columns[j];
            let width = step.output_names().len();
            for i in 0..raw.n_rows() {
                self.encode_cell(step, column, i, raw, x.slice_mut(s![i, at..at + width]))?;
            }
            at += width;
        }
        Ok(x)
    }

    /// Writes cell `i` of `column` into `out` (its step's output columns).
    fn encode_cell(
        &self,
        step: &ColumnStep,
        column: &RawColumn,
        i: usize,
        raw: &RawFeatures,
        mut out: ArrayViewMut1<f64>,
    ) -> Result<()> {
        let (source, row, name) = (&raw.source, raw.file_rows[i], &step.name);
        let no_fill = || {
            let how = match self.missing {
                Missing::DropRows => "it was trained with --missing drop-rows",
                _ => "it was trained with --missing error",
            };
            anyhow::anyhow!(
                "{source}: feature column '{name}' has a missing value at row {row}, which the model cannot fill ({how})"
            )
        };
        match &step.encoding {
            Encoding::Number { median } => {
                out[0] = match column.number(i) {
                    Ok(Some(v)) => v,
                    Ok(None) => median.ok_or_else(no_fill)?,
                    Err(cell) => bail!("{source}: feature column '{name}' is not numeric (row {row}: '{cell}')"),
                };
            }
            Encoding::Categories { categories, most_frequent, drop } => {
                let k = if column.is_missing(i) {
                    Some(most_frequent.ok_or_else(no_fill)?)
                } else {
                    categories.find(column, i)
                };
                match k {
                    Some(k) if Some(k) == *drop => {}
                    Some(k) => out[k - usize::from(drop.is_some_and(|d| d < k))] = 1.0,
                    None if self.handle_unknown == HandleUnknown::Ignore => {}
                    None => {
                        let cell = column.text(i).unwrap_or_default();
                        let known: Vec<String> =
                            (0..categories.count().min(10)).map(|k| format!("'{}'", categories.name(k))).collect();
                        let more = if categories.count() > 10 { ", ..." } else { "" };
                        bail!(
                            "{source}: feature column '{name}' has the category '{cell}' at row {row}, which the model \
                             did not see in training (it knows {}{more}); --handle-unknown ignore encodes it as zeros",
                            known.join(", ")
                        );
                    }
                }
            }
        }
        Ok(())
    }

    /// One line per column, for the run's output and `inspect`.
    pub fn describe(&self) -> Vec<String> {
        self.columns.iter().map(|step| format!("{}: {}", step.name, step.describe())).collect()
    }

    /// Whether a category column is one-hot encoded.
    pub fn has_categories(&self) -> bool {
        self.columns.iter().any(|c| c.group() > 0)
    }
}
