//! Turning tables into feature matrices and targets, with errors that name the column and row;
//! [`Features`], what a model reads: rows, or sequences (read by [`crate::sequences`]).

use std::borrow::Cow;
use std::path::Path;

use anyhow::{Result, bail};
use ndarray::{Array2, Axis};
use neurona::data::sequences::SequenceSet;

use crate::args::{Bundled, ColumnArgs, Missing, Task};
use crate::preprocess::{RawFeatures, describe_missing};
use crate::table::{Column, Table, read_table};

/// Data split into named features and targets: the rows of a table, or sequences.
#[derive(Debug)]
pub struct Dataset {
    pub source: String,
    pub feature_names: Vec<String>,
    pub x: Features,
    pub target_names: Vec<String>,
    /// One entry per target row: per row of a table, per sequence, or per step of each sequence
    /// (sequence by sequence) for a recurrent model with one output per step.
    pub targets: Vec<Column>,
    /// The task the data declares itself (a `.ts` file's `@classLabel` or `@targetLabel`),
    /// taken when `--task` is left out.
    pub task: Option<Task>,
}

/// What a model reads: the rows of a table `(n, n_features)`, or sequences of unequal lengths
/// (the recurrent family, as the core's registry says of its input).
#[derive(Debug, Clone, PartialEq)]
pub enum Features {
    Rows(Array2<f64>),
    Sequences(SequenceSet<f64>),
}

impl Features {
    /// Rows, or sequences: what a split draws and a model predicts one of.
    pub fn n_samples(&self) -> usize {
        match self {
            Self::Rows(x) => x.nrows(),
            Self::Sequences(x) => x.n_sequences(),
        }
    }

    /// Features per row, or per step.
    pub fn n_features(&self) -> usize {
        match self {
            Self::Rows(x) => x.ncols(),
            Self::Sequences(x) => x.n_features(),
        }
    }

    /// What a sample is, in messages: "rows" or "sequences".
    pub fn unit(&self) -> &'static str {
        match self {
            Self::Rows(_) => "rows",
            Self::Sequences(_) => "sequences",
        }
    }

    /// "150 rows, 4 features" or "270 sequences of 7 to 26 steps, 12 features".
    pub fn describe(&self) -> String {
        match self {
            Self::Rows(x) => format!("{} rows, {} features", x.nrows(), x.ncols()),
            Self::Sequences(x) => {
                let lengths = x.lengths();
                let (shortest, longest) = (lengths.iter().min(), lengths.iter().max());
                let steps = match (shortest, longest) {
                    (Some(a), Some(b)) if a == b => format!("{a} steps"),
                    (Some(a), Some(b)) => format!("{a} to {b} steps"),
                    _ => "no steps".to_owned(),
                };
                format!("{} sequences of {steps}, {} features", x.n_sequences(), x.n_features())
            }
        }
    }

    /// The samples at `samples`, in this order (at least one).
    pub fn select(&self, samples: &[usize]) -> Result<Self> {
        Ok(match self {
            Self::Rows(x) => Self::Rows(x.select(Axis(0), samples)),
            Self::Sequences(x) => Self::Sequences(x.select(samples)?),
        })
    }

    /// The target rows of `samples`: the samples themselves, or, with one target per step,
    /// the steps of each selected sequence (targets are held sequence by sequence).
    pub fn target_rows(&self, samples: &[usize], per_step: bool) -> Vec<usize> {
        let Self::Sequences(x) = self else { return samples.to_vec() };
        if !per_step {
            return samples.to_vec();
        }
        let starts: Vec<usize> =
            x.lengths().iter().scan(0, |at, &len| Some(std::mem::replace(at, *at + len))).collect();
        samples.iter().flat_map(|&i| starts[i]..starts[i] + x.lengths()[i]).collect()
    }

    /// The rows, or an error for sequences: `reader` (a model, a model kind) reads a table.
    pub fn rows(&self, reader: impl std::fmt::Display) -> Result<&Array2<f64>> {
        match self {
            Self::Rows(x) => Ok(x),
            Self::Sequences(_) => bail!("{reader} reads the rows of a table, not sequences"),
        }
    }

    /// The sequences, or an error for rows: `reader` (a model, a model kind) reads sequences.
    pub fn sequences(&self, reader: impl std::fmt::Display) -> Result<&SequenceSet<f64>> {
        match self {
            Self::Sequences(x) => Ok(x),
            Self::Rows(_) => bail!(
                "{reader} reads sequences (a long table with --sequence-id, or a .ts file), not the rows of a table"
            ),
        }
    }

    /// Every row, or every real step of every sequence (padding left out): what a feature
    /// scaler fits on.
    pub fn steps(&self) -> Cow<'_, Array2<f64>> {
        match self {
            Self::Rows(x) => Cow::Borrowed(x),
            Self::Sequences(x) => {
                let mut steps = Array2::zeros((x.lengths().iter().sum(), x.n_features()));
                let mut at = 0;
                for i in 0..x.n_sequences() {
                    let sequence = x.sequence(i);
                    steps.slice_mut(ndarray::s![at..at + sequence.nrows(), ..]).assign(&sequence);
                    at += sequence.nrows();
                }
                Cow::Owned(steps)
            }
        }
    }

    /// The features with `f` applied to every row, or to every step (padding included, which
    /// is set back to zero and enters nothing): feature scaling.
    pub fn map_steps(self, f: impl FnOnce(&mut Array2<f64>)) -> Result<Self> {
        Ok(match self {
            Self::Rows(mut x) => {
                f(&mut x);
                Self::Rows(x)
            }
            Self::Sequences(x) => {
                let (values, lengths) = x.into_parts();
                let (n, t_max, n_features) = values.dim();
                let mut steps = values.into_shape_with_order((n * t_max, n_features))?;
                f(&mut steps);
                let values = steps.into_shape_with_order((n, t_max, n_features))?;
                Self::Sequences(SequenceSet::from_padded(values, lengths)?)
            }
        })
    }
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

fn quoted(names: &[impl AsRef<str>]) -> String {
    names.iter().map(|n| format!("'{}'", n.as_ref())).collect::<Vec<_>>().join(", ")
}

/// A training table's feature columns as read (before they are fitted and encoded on the
/// training rows), and what was done to its rows, for the run's output and report.
#[derive(Debug)]
pub struct TableFeatures {
    pub raw: RawFeatures,
    /// "2 rows without a target left out", "missing: 11 cells imputed: sex 11, ...".
    pub notes: Vec<String>,
}

/// Reads a training table. The `targets` columns, which must exist, are left out of the
/// features; a supervised model learns them (and needs at least one; rows without one are left
/// out), an unsupervised one keeps none (they are labels or ids to leave out). `columns` chooses
/// the features and what becomes of missing cells. The dataset's features are a placeholder of
/// no columns: the returned [`TableFeatures`] are encoded once the training rows are known.
pub fn from_file(
    path: &Path,
    targets: &[String],
    supervised: bool,
    columns: &ColumnArgs,
) -> Result<(Dataset, TableFeatures)> {
    if supervised && targets.is_empty() {
        bail!("--data needs at least one --target COLUMN");
    }
    let table = read_table(path)?;
    let source = path.display().to_string();
    if let Some(unknown) = targets.iter().find(|t| table.index_of(t).is_none()) {
        let what = if supervised { "target column" } else { "column" };
        let given = if supervised { "" } else { " given to --target" };
        bail!("{source}: unknown {what} '{unknown}'{given} (the columns are: {})", quoted(&table.names));
    }
    let feature_names = choose_features(&table, targets, columns, &source)?;
    if feature_names.is_empty() {
        let how = if supervised { "the target(s) are taken" } else { "the --target column(s) are left out" };
        let dropped = if columns.drop.is_empty() { "" } else { " and the --drop columns" };
        bail!("{source}: no feature columns left once {how}{dropped}");
    }
    let raw = RawFeatures::from_table(&table, &feature_names, &source)?;
    let (rows, notes) = rows_to_keep(&table, &raw, if supervised { targets } else { &[] }, columns.missing)?;
    let raw = raw.select(&rows);
    let (target_names, targets) = if supervised {
        let selected = targets.iter().map(|t| table.column(t).expect("checked above").select(&rows)).collect();
        (targets.to_vec(), selected)
    } else {
        (Vec::new(), Vec::new())
    };
    let dataset = Dataset {
        source,
        feature_names,
        x: Features::Rows(Array2::zeros((rows.len(), 0))),
        target_names,
        targets,
        task: None,
    };
    Ok((dataset, TableFeatures { raw, notes }))
}

/// The feature columns, in the table's order: those of `--features`, or every column but the
/// targets and those of `--drop`. Every column named must exist, and no target be a feature.
fn choose_features(table: &Table, targets: &[String], columns: &ColumnArgs, source: &str) -> Result<Vec<String>> {
    for (flag, names) in
        [("--features", &columns.features), ("--drop", &columns.drop), ("--categorical", &columns.categorical)]
    {
        if let Some(unknown) = names.iter().find(|n| table.index_of(n).is_none()) {
            bail!("{source}: unknown column '{unknown}' given to {flag} (the columns are: {})", quoted(&table.names));
        }
    }
    if let Some(target) = columns.features.iter().find(|n| targets.contains(n)) {
        bail!("--features names '{target}', which is the target: a column cannot be both");
    }
    let chosen: Vec<String> = table
        .names
        .iter()
        .filter(|n| !targets.contains(n) && !columns.drop.contains(n))
        .filter(|n| columns.features.is_empty() || columns.features.contains(n))
        .cloned()
        .collect();
    if let Some(other) = columns.categorical.iter().find(|n| !chosen.contains(n)) {
        bail!(
            "--categorical names '{other}', which is not a feature column (a target, or left out by --features or --drop)"
        );
    }
    Ok(chosen)
}

/// The rows to train on: those with every target (when there are targets) and, with
/// `--missing drop-rows`, every feature; and what was done, said in the run's output.
fn rows_to_keep(
    table: &Table,
    raw: &RawFeatures,
    targets: &[String],
    missing: Missing,
) -> Result<(Vec<usize>, Vec<String>)> {
    let source = &raw.source;
    let has_target = |i: usize| targets.iter().all(|t| table.column(t).is_some_and(|c| !c.is_missing(i)));
    let mut rows: Vec<usize> = (0..table.n_rows).filter(|&i| has_target(i)).collect();
    let mut notes = Vec::new();
    let without_target = table.n_rows - rows.len();
    if rows.is_empty() {
        bail!("{source}: every row lacks the target ({} rows, none with a value in {})", table.n_rows, quoted(targets));
    }
    if without_target > 0 {
        notes.push(format!("{without_target} row{} without a target left out", plural(without_target)));
    }
    let kept = raw.select(&rows);
    let counts = kept.missing_counts();
    if counts.is_empty() {
        return Ok((rows, notes));
    }
    match missing {
        Missing::Impute => notes.push(format!("missing: {}", describe_missing(&counts, "imputed"))),
        Missing::Error => {
            let (name, row) = kept.first_missing().expect("there are missing cells");
            bail!(
                "{source}: feature column '{name}' has a missing value at row {row} (--missing impute fills it, \
                 --missing drop-rows leaves the row out)"
            );
        }
        Missing::DropRows => {
            let complete = kept.complete_rows();
            let dropped = rows.len() - complete.len();
            rows = complete.iter().map(|&k| rows[k]).collect();
            if rows.is_empty() {
                bail!(
                    "{source}: every row has a missing feature ({}), and --missing drop-rows leaves them all out",
                    describe_missing(&counts, "missing")
                );
            }
            let cells = describe_missing(&counts, "missing");
            notes.push(format!("missing: {dropped} row{} with a missing feature left out ({cells})", plural(dropped)));
        }
    }
    Ok((rows, notes))
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// A bundled table as a dataset. Digits' classes are the integers 0 to 9, read as numbers (so
/// that they are integer classes, as a table's would be); iris's are the species' names. The
/// sequence set (Japanese vowels) is read by [`crate::sequences::bundled`].
pub fn bundled(which: Bundled) -> Result<Dataset> {
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
            return Ok(Dataset {
                source: format!("bundled {} data set", d.name),
                feature_names: d.feature_names,
                x: Features::Rows(d.data),
                target_names: vec!["progression".to_owned()],
                targets: vec![Column::Numeric(d.target.to_vec())],
                task: None,
            });
        }
        Bundled::JapaneseVowels => bail!("the japanese-vowels data set holds sequences, not the rows of a table"),
    };
    Ok(Dataset {
        source: format!("bundled {} data set", d.name),
        feature_names: d.feature_names,
        x: Features::Rows(d.data),
        target_names: vec![target.to_owned()],
        targets: vec![column],
        task: None,
    })
}
