//! Turning tables into feature matrices and targets, with errors that name the column and row.

use std::path::Path;

use anyhow::{Result, bail};
use ndarray::{Array2, Axis};

use crate::args::Bundled;
use crate::table::{Column, Table, read_table};

/// A table split into named features and targets.
#[derive(Debug)]
pub struct Dataset {
    pub source: String,
    pub feature_names: Vec<String>,
    pub x: Array2<f64>,
    pub target_names: Vec<String>,
    pub targets: Vec<Column>,
}

/// What a supervised model learns to predict.
#[derive(Debug, Clone, PartialEq)]
pub enum Targets {
    /// One class label per row.
    Labels(Vec<String>),
    /// Multi-label indicators `(n, n_labels)`.
    Indicators(Array2<bool>),
    /// Regression targets `(n, n_outputs)`.
    Values(Array2<f64>),
}

impl Targets {
    /// The targets of these rows, in this order.
    pub fn select(&self, rows: &[usize]) -> Self {
        match self {
            Self::Labels(l) => Self::Labels(rows.iter().map(|&i| l[i].clone()).collect()),
            Self::Indicators(m) => Self::Indicators(m.select(Axis(0), rows)),
            Self::Values(m) => Self::Values(m.select(Axis(0), rows)),
        }
    }
}

/// Features in the given order, each required to be numeric and finite.
pub fn features(table: &Table, names: &[String], path: &Path) -> Result<Array2<f64>> {
    let missing: Vec<&str> = names.iter().filter(|n| table.index_of(n).is_none()).map(String::as_str).collect();
    if !missing.is_empty() {
        bail!(
            "{}: missing feature column(s) {} that the model was trained on (the file has: {})",
            path.display(),
            quoted(&missing),
            quoted(&table.names.iter().map(String::as_str).collect::<Vec<_>>())
        );
    }
    let mut x = Array2::zeros((table.n_rows, names.len()));
    for (j, name) in names.iter().enumerate() {
        let column = table.column(name).expect("checked above");
        let values = numeric_column(column, name, path)?;
        x.column_mut(j).iter_mut().zip(values).for_each(|(d, &v)| *d = v);
    }
    Ok(x)
}

/// A feature column's numbers, or an error naming the first bad cell (rows counted from 1,
/// header excluded).
fn numeric_column<'a>(column: &'a Column, name: &str, path: &Path) -> Result<&'a [f64]> {
    match column {
        Column::Text(cells) => {
            let (row, cell) =
                cells.iter().enumerate().find(|(_, c)| c.parse::<f64>().is_err()).unwrap_or((0, &cells[0]));
            bail!("{}: feature column '{name}' is not numeric (row {}: '{cell}')", path.display(), row + 1)
        }
        Column::Numeric(values) => {
            if let Some((row, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
                let what = if v.is_nan() { "NaN" } else { "infinity" };
                bail!("{}: feature column '{name}' has {what} at row {}", path.display(), row + 1);
            }
            Ok(values)
        }
    }
}

/// A numeric target matrix `(n, columns.len())`, each value finite; `what` names the columns in
/// messages ("target", "label").
pub fn numeric_targets(columns: &[&Column], names: &[String], what: &str) -> Result<Array2<f64>> {
    let n = columns.first().map_or(0, |c| c.len());
    let mut y = Array2::zeros((n, columns.len()));
    for (k, column) in columns.iter().enumerate() {
        let Some(values) = column.as_numeric() else {
            bail!("{what} column '{}' is not numeric", names[k]);
        };
        if let Some(row) = values.iter().position(|v| !v.is_finite()) {
            bail!("{what} column '{}' has a non-finite value at row {}", names[k], row + 1);
        }
        y.column_mut(k).iter_mut().zip(values).for_each(|(d, &v)| *d = v);
    }
    Ok(y)
}

fn quoted(names: &[&str]) -> String {
    names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
}

/// Reads a training table. The `targets` columns, which must exist, are left out of the
/// features; a supervised model learns them (and needs at least one), an unsupervised one keeps
/// none (they are labels or ids to leave out).
pub fn from_file(path: &Path, targets: &[String], supervised: bool) -> Result<Dataset> {
    if supervised && targets.is_empty() {
        bail!("--data needs at least one --target COLUMN");
    }
    let table = read_table(path)?;
    if let Some(unknown) = targets.iter().find(|t| table.index_of(t).is_none()) {
        let what = if supervised { "target column" } else { "column" };
        let given = if supervised { "" } else { " given to --target" };
        bail!(
            "{}: unknown {what} '{unknown}'{given} (the columns are: {})",
            path.display(),
            quoted(&table.names.iter().map(String::as_str).collect::<Vec<_>>())
        );
    }
    let feature_names: Vec<String> = table.names.iter().filter(|n| !targets.contains(n)).cloned().collect();
    if feature_names.is_empty() {
        let how = if supervised { "the target(s) are taken" } else { "the --target column(s) are left out" };
        bail!("{}: no feature columns left once {how}", path.display());
    }
    let x = features(&table, &feature_names, path)?;
    let (target_names, targets) = if supervised {
        (targets.to_vec(), targets.iter().map(|t| table.column(t).expect("checked above").clone()).collect())
    } else {
        (Vec::new(), Vec::new())
    };
    Ok(Dataset { source: path.display().to_string(), feature_names, x, target_names, targets })
}

/// A bundled data set as a dataset. Digits' classes are the integers 0 to 9, read as numbers
/// (so that they are integer classes, as a table's would be); iris's are the species' names.
pub fn bundled(which: Bundled) -> Dataset {
    let (d, target, column) = match which {
        Bundled::Digits => {
            let d = neurona::datasets::digits();
            let digits = Column::Numeric(d.target.iter().map(|&t| t as f64).collect());
            (d, "digit", digits)
        }
        Bundled::Iris => {
            let d = neurona::datasets::iris();
            let species = Column::Text(d.target.iter().map(|&t| d.target_names[t].clone()).collect());
            (d, "species", species)
        }
        Bundled::Diabetes => {
            let d = neurona::datasets::diabetes();
            return Dataset {
                source: format!("bundled {} data set", d.name),
                feature_names: d.feature_names,
                x: d.data,
                target_names: vec!["progression".to_owned()],
                targets: vec![Column::Numeric(d.target.to_vec())],
            };
        }
    };
    Dataset {
        source: format!("bundled {} data set", d.name),
        feature_names: d.feature_names,
        x: d.data,
        target_names: vec![target.to_owned()],
        targets: vec![column],
    }
}
