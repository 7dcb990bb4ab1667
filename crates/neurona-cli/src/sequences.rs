//! Sequence data for the recurrent family, read from files: long tables (one row per step,
//! grouped into sequences by `--sequence-id` and ordered by `--step`, through the core's
//! `group_sequences`), `.ts` files (the UCR/UEA archives' format, through the core's
//! `TsDataset`), and the bundled Japanese vowels.
//!
//! For training, a [`Dataset`] whose targets come one per sequence or one per step (sequence by
//! sequence); for `predict` and `evaluate`, a [`SequenceInput`]: the sequences a model reads,
//! scaled as in training, with the [`Keys`] that name each prediction and the targets to score.
//!
//! In a long table, a missing target cell (empty, `NA`, `NaN`, `?`, `null`) gives no target: a target per
//! sequence may be written on one of its rows only (every row that gives one must agree). The
//! core's messages about grouping count the table's rows from 0 after the header, as its arrays
//! do; the messages of this module count them from 1, as the rest of the command does.

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use ndarray::ArrayView2;
use neurona::data::long_table::{GroupedSequences, group_sequences};
use neurona::data::sequences::SequenceSet;
use neurona::data::ts_format::TsDataset;

use crate::UsageError;
use crate::args::{SequenceColumns, Task};
use crate::data::{self, Dataset, Features};
use crate::model::Extra;
use crate::table::{Column, Table, is_missing, read_table};

/// The key column of a `.ts` file's cases (counted from 0) in predictions.
const CASE: &str = "case";
/// The key column of the steps of a `.ts` file's cases (counted from 0).
const STEP: &str = "step";

/// Whether `path` is a `.ts` file (by its extension).
pub fn is_ts(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("ts"))
}

/// The `.ts` file at `path`; a malformed line is an error giving its line number.
pub fn read_ts(path: &Path) -> Result<TsDataset> {
    let file = File::open(path).map_err(|e| anyhow!("cannot open {}: {e}", path.display()))?;
    TsDataset::read(BufReader::new(file)).with_context(|| path.display().to_string())
}

/// The features of `.ts` channels, as aeon and sktime name them in their data frames.
fn channel_names(n: usize) -> Vec<String> {
    (0..n).map(|c| format!("dim_{c}")).collect()
}

/// Training data from a recurrent model's `--data` (or `--test-data`): a `.ts` file, or a long
/// table whose rows `columns` group into sequences, with the `targets` columns, one target per
/// sequence or `per_step`.
pub fn from_file(path: &Path, columns: &SequenceColumns, targets: &[String], per_step: bool) -> Result<Dataset> {
    if is_ts(path) {
        let mut given = columns.given();
        if !targets.is_empty() {
            given.push("--target");
        }
        if !given.is_empty() {
            return Err(UsageError(format!(
                "{} name(s) columns of a long table, but {} is a .ts file, which has one case per line and its own \
                 target",
                given.join(", "),
                path.display()
            ))
            .into());
        }
        return ts_dataset(read_ts(path)?, path.display().to_string(), "class", per_step);
    }
    long_table(path, columns, targets, per_step)
}

/// The bundled Japanese vowels: its training and test sets.
pub fn bundled(per_step: bool) -> Result<(Dataset, Dataset)> {
    let (train, test) = neurona::datasets::load_japanese_vowels()?;
    let source = "bundled JapaneseVowels data set";
    Ok((
        ts_dataset(train, source.to_owned(), "speaker", per_step)?,
        ts_dataset(test, "bundled JapaneseVowels test split".to_owned(), "speaker", per_step)?,
    ))
}

/// A `.ts` data set as training data: the channels are the features (`dim_0`, ...), the class
/// labels (a target called `target_name`) or regression targets it declares are the targets,
/// one per case.
fn ts_dataset(ts: TsDataset, source: String, target_name: &str, per_step: bool) -> Result<Dataset> {
    if per_step {
        return Err(UsageError(format!(
            "--output step needs a target per step, but {source} has one per case (a .ts file): use a long table"
        ))
        .into());
    }
    let (name, column, task) = match (ts.labels, ts.targets) {
        (Some(labels), _) => (target_name, Column::Text(labels), Task::Classification),
        (None, Some(targets)) => ("target", Column::Numeric(targets), Task::Regression),
        (None, None) => {
            bail!("{source} has no targets to learn: its header has neither @classLabel true nor @targetLabel true")
        }
    };
    Ok(Dataset {
        source,
        feature_names: channel_names(ts.sequences.n_features()),
        x: Features::Sequences(ts.sequences),
        target_names: vec![name.to_owned()],
        targets: vec![column],
        task: Some(task),
    })
}

/// Training data from a long table: every column but the sequence id, the step and the targets
/// is a feature.
fn long_table(path: &Path, columns: &SequenceColumns, targets: &[String], per_step: bool) -> Result<Dataset> {
    let Some(id) = columns.sequence_id.as_deref() else {
        return Err(UsageError(format!(
            "--model-kind rnn on a table needs --sequence-id COLUMN, the column naming each row's sequence ({} is \
             read as a long table, one row per step; a .ts file needs none)",
            path.display()
        ))
        .into());
    };
    if targets.is_empty() {
        bail!("--data needs at least one --target COLUMN");
    }
    let table = read_table(path)?;
    let step = columns.step.as_deref();
    let keys: Vec<&str> = std::iter::once(id).chain(step).collect();
    for (flag, name) in [("--sequence-id", Some(id)), ("--step", step)] {
        let Some(name) = name else { continue };
        if table.index_of(name).is_none() {
            bail!("{}: unknown {flag} column '{name}' (the columns are: {})", path.display(), table.names.join(", "));
        }
        if targets.iter().any(|t| t == name) {
            bail!("{}: column '{name}' is given to both {flag} and --target", path.display());
        }
    }
    if let Some(unknown) = targets.iter().find(|t| table.index_of(t).is_none()) {
        bail!("{}: unknown target column '{unknown}' (the columns are: {})", path.display(), table.names.join(", "));
    }
    let feature_names: Vec<String> =
        table.names.iter().filter(|n| !targets.contains(n) && !keys.contains(&n.as_str())).cloned().collect();
    if feature_names.is_empty() {
        bail!("{}: no feature columns left once the sequence id, step and target(s) are taken", path.display());
    }
    let x = data::features(&table, &feature_names, path)?;
    let grouped = group(&table, id, step, x.view(), path)?;
    let targets_grouped =
        targets.iter().map(|t| group_target(&grouped, &table, t, per_step, path)).collect::<Result<Vec<_>>>()?;
    Ok(Dataset {
        source: path.display().to_string(),
        feature_names,
        x: Features::Sequences(grouped.sequences),
        target_names: targets.to_vec(),
        targets: targets_grouped,
        task: None,
    })
}

/// The rows of `table` (features `x`) grouped into sequences by the `id` column, each ordered
/// by the `step` column (numbers) when given.
fn group(
    table: &Table,
    id: &str,
    step: Option<&str>,
    x: ArrayView2<'_, f64>,
    path: &Path,
) -> Result<GroupedSequences<f64, String>> {
    let ids = table.column(id).context("the id column was checked")?.as_text_labels();
    let steps = step.map(|name| step_values(table, name, path)).transpose()?;
    group_sequences(&ids, steps, x).with_context(|| {
        format!(
            "{}: cannot group the rows into sequences by --sequence-id '{id}' (rows counted from 0 after the header)",
            path.display()
        )
    })
}

/// The step column's numbers, each finite (rows counted from 1 in messages).
fn step_values<'a>(table: &'a Table, name: &str, path: &Path) -> Result<&'a [f64]> {
    match table.column(name) {
        Some(Column::Numeric(values)) => {
            if let Some(row) = values.iter().position(|v| !v.is_finite()) {
                bail!("{}: step column '{name}' has {} at row {}", path.display(), values[row], row + 1);
            }
            Ok(values)
        }
        Some(Column::Text(cells)) => {
            let row = cells.iter().position(|c| c.parse::<f64>().is_err()).unwrap_or(0);
            bail!("{}: step column '{name}' is not numeric (row {}: '{}')", path.display(), row + 1, cells[row])
        }
        None => bail!("{}: unknown --step column '{name}'", path.display()),
    }
}

/// The target column `name` of `table`, one entry per sequence or, `per_step`, per step
/// (sequence by sequence) of `grouped`.
fn group_target(
    grouped: &GroupedSequences<f64, String>,
    table: &Table,
    name: &str,
    per_step: bool,
    path: &Path,
) -> Result<Column> {
    let context = || format!("{}: target column '{name}' (rows counted from 0 after the header)", path.display());
    let column = table.column(name).context("the target column was checked")?;
    if per_step {
        // The core would say the same, counting rows from 0; the command counts them from 1.
        let missing = |row: usize| match column {
            Column::Numeric(values) => values[row].is_nan(),
            Column::Text(values) => is_missing(&values[row]),
        };
        for (id, rows) in grouped.ids.iter().zip(&grouped.rows) {
            if let Some((t, row)) = rows.iter().enumerate().find(|&(_, &row)| missing(row)) {
                bail!(
                    "{}: target column '{name}' has no target at row {} (step {t} of sequence '{id}'), but --output \
                     step needs one on every row",
                    path.display(),
                    row + 1
                );
            }
        }
    }
    match column {
        Column::Numeric(values) => {
            if let Some(row) = values.iter().position(|v| v.is_infinite()) {
                bail!("{}: target column '{name}' has infinity at row {}", path.display(), row + 1);
            }
            let cells: Vec<Option<f64>> = values.iter().map(|&v| (!v.is_nan()).then_some(v)).collect();
            Ok(Column::Numeric(grouped_targets(grouped, &cells, per_step).with_context(context)?))
        }
        Column::Text(values) => {
            let cells: Vec<Option<String>> = values.iter().map(|v| (!is_missing(v)).then(|| v.clone())).collect();
            Ok(Column::Text(grouped_targets(grouped, &cells, per_step).with_context(context)?))
        }
    }
}

/// The targets of `grouped` from one cell per table row: per sequence, or `per_step` per step
/// sequence by sequence, as one list.
fn grouped_targets<T: Clone + PartialEq + std::fmt::Display>(
    grouped: &GroupedSequences<f64, String>,
    cells: &[Option<T>],
    per_step: bool,
) -> neurona::Result<Vec<T>> {
    if per_step {
        Ok(grouped.step_targets(cells)?.into_iter().flatten().collect())
    } else {
        grouped.sequence_targets(cells)
    }
}

/// What names each prediction of a recurrent model in `predict`'s output.
#[derive(Debug, Clone, PartialEq)]
pub struct Keys {
    /// The columns naming each sequence: its id (a `.ts` file's case number).
    pub sequence: Vec<(String, Column)>,
    /// The columns naming each step, in the order of the output rows: the table's id and step
    /// columns, row by row (a `.ts` file's case and step numbers, case by case).
    pub step: Vec<(String, Column)>,
    /// For each output row of a per-step prediction, the index of its prediction among those
    /// the model gives (sequence by sequence, step by step); `None`: that same order.
    pub step_order: Option<Vec<usize>>,
}

/// Sequences read for a model: what `predict` and `evaluate` need.
#[derive(Debug)]
pub struct SequenceInput {
    /// The sequences, scaled as the model was trained.
    pub x: SequenceSet<f64>,
    pub keys: Keys,
    /// The targets asked for, one column each, one entry per sequence or per step (sequence by
    /// sequence).
    pub targets: Vec<Column>,
    /// What the file holds, for the summary line: "12 rows" or "370 cases".
    pub what: String,
}

/// The sequences in `path` (a `.ts` file or a long table) for a model with `extra` that reads
/// `n_features` per step, and the `targets` columns (for `evaluate`), one per sequence or
/// `per_step`. The long table's id and step columns are `columns`' or, when not given, the
/// model's.
pub fn read_for_model(
    path: &Path,
    extra: &Extra,
    n_features: usize,
    columns: &SequenceColumns,
    targets: &[String],
    per_step: bool,
) -> Result<SequenceInput> {
    if is_ts(path) {
        if !columns.given().is_empty() {
            let message = format!(
                "{} name(s) columns of a long table, but {} is a .ts file",
                columns.given().join(", "),
                path.display()
            );
            return Err(UsageError(message).into());
        }
        return ts_input(path, extra, n_features, targets, per_step);
    }
    let id = columns.sequence_id.as_deref().or(extra.sequence_id.as_deref()).ok_or_else(|| {
        UsageError(format!(
            "{}: give --sequence-id COLUMN, the column naming each row's sequence (the model was not trained on a \
             long table, so it does not know it)",
            path.display()
        ))
    })?;
    let step = columns.step.as_deref().or(extra.step.as_deref());
    let table = read_table(path)?;
    for (flag, name) in [("--sequence-id", Some(id)), ("--step", step)] {
        if let Some(name) = name
            && table.index_of(name).is_none()
        {
            bail!("{}: no {flag} column '{name}' (the columns are: {})", path.display(), table.names.join(", "));
        }
    }
    let mut excluded: Vec<String> = targets.to_vec();
    excluded.extend([Some(id), step].into_iter().flatten().map(str::to_owned));
    let x = extra.read_features(&table, &excluded, path)?;
    let grouped = group(&table, id, step, x.view(), path)?;
    let targets = targets.iter().map(|t| group_target(&grouped, &table, t, per_step, path)).collect::<Result<_>>()?;
    let keys = table_keys(&table, &grouped, id, step)?;
    Ok(SequenceInput { x: grouped.sequences, keys, targets, what: format!("{} rows", table.n_rows) })
}

/// The keys of a long table's predictions: each sequence's id (as the table has it: numbers
/// stay numbers), and per step the table's own id and step columns, row by row.
fn table_keys(table: &Table, grouped: &GroupedSequences<f64, String>, id: &str, step: Option<&str>) -> Result<Keys> {
    let column = |name: &str| table.column(name).with_context(|| format!("no column '{name}'"));
    let first_rows: Vec<usize> = grouped.rows.iter().map(|rows| rows[0]).collect();
    let ids = match column(id)? {
        Column::Numeric(values) => Column::Numeric(first_rows.iter().map(|&r| values[r]).collect()),
        Column::Text(values) => Column::Text(first_rows.iter().map(|&r| values[r].clone()).collect()),
    };
    let mut step_keys = vec![(id.to_owned(), column(id)?.clone())];
    if let Some(step) = step {
        step_keys.push((step.to_owned(), column(step)?.clone()));
    }
    let mut order = vec![0; table.n_rows];
    for (k, &row) in grouped.rows.iter().flatten().enumerate() {
        order[row] = k;
    }
    Ok(Keys { sequence: vec![(id.to_owned(), ids)], step: step_keys, step_order: Some(order) })
}

/// The cases of a `.ts` file for a model: its channels in order are the model's features.
fn ts_input(
    path: &Path,
    extra: &Extra,
    n_features: usize,
    targets: &[String],
    per_step: bool,
) -> Result<SequenceInput> {
    let ts = read_ts(path)?;
    let n_channels = ts.sequences.n_features();
    if n_channels != n_features {
        bail!(
            "{}: the model reads {n_features} features per step, but the .ts file has {n_channels} channel(s)",
            path.display()
        );
    }
    let truth = match (targets, ts.labels, ts.targets) {
        ([], _, _) => Vec::new(),
        ([_], _, _) if per_step => {
            bail!("{}: the model predicts one target per step, but a .ts file has one per case", path.display())
        }
        ([_], Some(labels), _) => vec![Column::Text(labels)],
        ([_], None, Some(values)) => vec![Column::Numeric(values)],
        ([_], None, None) => bail!("{}: the .ts file has no class labels or targets to score", path.display()),
        (many, _, _) => {
            bail!("{}: a .ts file has one target per case, but {} were asked for", path.display(), many.len())
        }
    };
    let lengths = ts.sequences.lengths().to_vec();
    let Features::Sequences(x) = Features::Sequences(ts.sequences).map_steps(|x| extra.scaler.transform(x))? else {
        bail!("scaling turned the sequences of {} into rows", path.display());
    };
    let n = lengths.len();
    let cases = Column::Numeric((0..n).map(|i| i as f64).collect());
    let step_cases = lengths.iter().enumerate().flat_map(|(i, &len)| std::iter::repeat_n(i as f64, len)).collect();
    let steps = lengths.iter().flat_map(|&len| (0..len).map(|t| t as f64)).collect();
    let keys = Keys {
        sequence: vec![(CASE.to_owned(), cases)],
        step: vec![(CASE.to_owned(), Column::Numeric(step_cases)), (STEP.to_owned(), Column::Numeric(steps))],
        step_order: None,
    };
    Ok(SequenceInput { x, keys, targets: truth, what: format!("{n} cases") })
}
