//! Turning tables into feature matrices and targets, with errors that name the column and row.

use std::path::Path;

use anyhow::{Result, bail};
use ndarray::Array2;

use crate::cli::Bundled;
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

fn quoted(names: &[&str]) -> String {
    names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
}

/// Reads a training table: the targets are the named columns, every other column a feature.
pub fn from_file(path: &Path, targets: &[String]) -> Result<Dataset> {
    if targets.is_empty() {
        bail!("--data needs at least one --target COLUMN");
    }
    let table = read_table(path)?;
    for target in targets {
        if table.index_of(target).is_none() {
            bail!(
                "{}: unknown target column '{target}' (the columns are: {})",
                path.display(),
                quoted(&table.names.iter().map(String::as_str).collect::<Vec<_>>())
            );
        }
    }
    let feature_names: Vec<String> = table.names.iter().filter(|n| !targets.contains(n)).cloned().collect();
    if feature_names.is_empty() {
        bail!("{}: no feature columns left once the target(s) are taken", path.display());
    }
    let x = features(&table, &feature_names, path)?;
    let target_columns = targets.iter().map(|t| table.column(t).expect("checked above").clone()).collect();
    Ok(Dataset {
        source: path.display().to_string(),
        feature_names,
        x,
        target_names: targets.to_vec(),
        targets: target_columns,
    })
}

/// Reads a table for unsupervised training: every column is a feature but the `excluded` ones
/// (labels, ids), which must exist; the dataset has no targets.
pub fn features_from_file(path: &Path, excluded: &[String]) -> Result<Dataset> {
    let table = read_table(path)?;
    for name in excluded {
        if table.index_of(name).is_none() {
            bail!(
                "{}: unknown column '{name}' given to --target (the columns are: {})",
                path.display(),
                quoted(&table.names.iter().map(String::as_str).collect::<Vec<_>>())
            );
        }
    }
    let feature_names: Vec<String> = table.names.iter().filter(|n| !excluded.contains(n)).cloned().collect();
    if feature_names.is_empty() {
        bail!("{}: no feature columns left once the --target column(s) are left out", path.display());
    }
    let x = features(&table, &feature_names, path)?;
    Ok(Dataset { source: path.display().to_string(), feature_names, x, target_names: Vec::new(), targets: Vec::new() })
}

/// A bundled data set as a dataset.
pub fn bundled(which: Bundled) -> Dataset {
    match which {
        Bundled::Digits | Bundled::Iris => {
            let d = if which == Bundled::Digits { neurona::datasets::digits() } else { neurona::datasets::iris() };
            let labels = d.target.iter().map(|&t| d.target_names[t].clone()).collect();
            let target = if which == Bundled::Digits { "digit" } else { "species" };
            Dataset {
                source: format!("bundled {} data set", d.name),
                feature_names: d.feature_names,
                x: d.data,
                target_names: vec![target.to_owned()],
                targets: vec![Column::Text(labels)],
            }
        }
        Bundled::Diabetes => {
            let d = neurona::datasets::diabetes();
            Dataset {
                source: "bundled diabetes data set".to_owned(),
                feature_names: d.feature_names,
                x: d.data,
                target_names: vec!["progression".to_owned()],
                targets: vec![Column::Numeric(d.target.to_vec())],
            }
        }
    }
}
