//! The first streamed pass of `--stream` and what it fixes for training ([`Plan`]): the
//! columns, the task (as `--task` says, or inferred from the target as in memory), the classes
//! (the target column only is read when nothing is scaled) and the scaler, whose statistics are
//! merged row group by row group (Chan, Golub and LeVeque's pairwise update of the mean and the
//! sum of squared deviations), then the row groups read as training batches.

use std::collections::BTreeSet;

use anyhow::{Result, bail};
use ndarray::Array2;
use neurona::Float;

use crate::args::{Scale, Task, TrainArgs};
use crate::labels::{ClassLabel, integer_labels};
use crate::model::Scaler;
use crate::table::Column;
use crate::table::parquet_stream::ParquetStream;

/// The most distinct whole numbers a numeric target may hold and still be read as class labels
/// when `--task` is left out (as in memory).
const MAX_INFERRED_CLASSES: usize = 20;

/// What the first pass fixed, and the row groups read as batches.
#[derive(Debug)]
pub struct Plan<'a> {
    pub stream: &'a ParquetStream,
    /// The feature columns (indices into the stream's names), in the file's order.
    pub features: Vec<usize>,
    /// The target columns, as `--target` lists them.
    pub targets: Vec<usize>,
    pub task: Task,
    /// How the task was chosen, for the run's lines.
    pub task_line: String,
    /// The sorted classes, for classification.
    pub classes: Vec<ClassLabel>,
    /// Whether the labels read as integers.
    integers: bool,
    pub scaler: Scaler,
}

/// One row group as training reads it: the scaled features and the targets.
#[derive(Debug)]
pub struct Chunk<F> {
    pub x: Array2<F>,
    targets: ChunkTargets<F>,
}

#[derive(Debug)]
enum ChunkTargets<F> {
    Labels(Vec<ClassLabel>),
    Values(Array2<F>),
}

impl<F: Float> Chunk<F> {
    /// The class labels of a classification's chunk.
    pub fn labels(&self) -> Result<&[ClassLabel]> {
        match &self.targets {
            ChunkTargets::Labels(labels) => Ok(labels),
            ChunkTargets::Values(_) => bail!("a regression's row group has no class labels"),
        }
    }

    /// The target values `(rows, n_targets)` of a regression's chunk.
    pub fn values(&self) -> Result<&Array2<F>> {
        match &self.targets {
            ChunkTargets::Values(values) => Ok(values),
            ChunkTargets::Labels(_) => bail!("a classification's row group has no target values"),
        }
    }
}

/// What the first pass gathers from the target column: the distinct labels (while they may be
/// classes) and whether every value is a whole number.
#[derive(Debug)]
struct Labels {
    distinct: BTreeSet<String>,
    /// Collect at most this many (a numeric target past it is a regression's).
    limit: Option<usize>,
    whole: bool,
    text: bool,
}

impl Labels {
    fn add(&mut self, column: &Column) {
        match column {
            Column::Numeric(values) => self.whole &= values.iter().all(|v| v.fract() == 0.0),
            Column::Text(_) => self.text = true,
        }
        if self.limit.is_some_and(|limit| self.distinct.len() > limit) {
            return;
        }
        self.distinct.extend(column.as_text_labels());
    }
}

/// The scaler's statistics merged over row groups.
#[derive(Debug)]
struct Moments {
    kind: Scale,
    rows: f64,
    /// Per feature: the mean and the sum of squared deviations (standard), or the minimum and
    /// the maximum (min-max).
    first: Vec<f64>,
    second: Vec<f64>,
}

impl Moments {
    fn new(kind: Scale, n_features: usize) -> Self {
        let (first, second) = match kind {
            Scale::Minmax => (vec![f64::INFINITY; n_features], vec![f64::NEG_INFINITY; n_features]),
            _ => (vec![0.0; n_features], vec![0.0; n_features]),
        };
        Self { kind, rows: 0.0, first, second }
    }

    /// Merges the numbers of one row group's feature columns.
    fn add(&mut self, columns: &[&[f64]]) {
        let n = columns.first().map_or(0, |c| c.len()) as f64;
        for (j, values) in columns.iter().enumerate() {
            if self.kind == Scale::Minmax {
                self.first[j] = values.iter().copied().fold(self.first[j], f64::min);
                self.second[j] = values.iter().copied().fold(self.second[j], f64::max);
                continue;
            }
            let mean = values.iter().sum::<f64>() / n;
            let squares: f64 = values.iter().map(|v| (v - mean) * (v - mean)).sum();
            let delta = mean - self.first[j];
            let total = self.rows + n;
            self.first[j] += delta * n / total;
            self.second[j] += squares + delta * delta * self.rows * n / total;
        }
        self.rows += n;
    }

    /// The scaler: constant features keep a scale (range) of 1, as in memory.
    fn scaler(self) -> Scaler {
        let not_zero = |v: f64| if v == 0.0 { 1.0 } else { v };
        match self.kind {
            Scale::None => Scaler::None,
            Scale::Standard => {
                let rows = self.rows;
                let scale = self.second.iter().map(|m2| not_zero((m2 / rows).sqrt())).collect();
                Scaler::Standard { mean: self.first, scale }
            }
            Scale::Minmax => {
                let range = self.first.iter().zip(&self.second).map(|(lo, hi)| not_zero(hi - lo)).collect();
                Scaler::MinMax { min: self.first, range }
            }
        }
    }
}

impl<'a> Plan<'a> {
    /// The first pass over `stream`: the target column, and the feature columns when a scaler
    /// is fitted.
    pub fn survey(args: &TrainArgs, stream: &'a ParquetStream) -> Result<Self> {
        let targets = target_columns(args, stream)?;
        let features = feature_columns(args, stream, &targets)?;
        let scale = args.scale.unwrap_or(Scale::Standard);
        let fixed_limit = args.task.is_none() && !stream.is_text(targets[0]);
        let mut labels = Labels {
            distinct: BTreeSet::new(),
            limit: fixed_limit.then_some(MAX_INFERRED_CLASSES),
            whole: true,
            text: false,
        };
        let classify = args.task != Some(Task::Regression) && targets.len() == 1;
        let mut moments = Moments::new(scale, features.len());
        let mut columns = targets.clone();
        if scale != Scale::None {
            columns.extend(&features);
        }
        for (group, info) in stream.groups.iter().enumerate() {
            let read = stream.read(group, &columns)?;
            for (column, &j) in read.iter().zip(&targets) {
                if let Some(i) = (0..column.len()).find(|&i| column.is_missing(i)) {
                    let row = info.first_row + i + 1;
                    bail!(
                        "{}: target column '{}' has a missing cell at row {row}; --stream needs a target on every row",
                        stream.source,
                        stream.names[j]
                    );
                }
            }
            if classify {
                labels.add(&read[0]);
            }
            if scale != Scale::None {
                let numbers = numbers_of(stream, &read[targets.len()..], &features, info.first_row)?;
                moments.add(&numbers);
            }
        }
        let plan = Self {
            stream,
            features,
            targets,
            task: Task::Regression,
            task_line: String::new(),
            classes: Vec::new(),
            integers: false,
            scaler: moments.scaler(),
        };
        plan.with_task(args.task, labels)
    }

    /// The task, and the classes of a classification.
    fn with_task(mut self, given: Option<Task>, labels: Labels) -> Result<Self> {
        let name = self.stream.names[self.targets[0]].clone();
        let (task, line) = match given {
            Some(task) => (task, format!("task: {}", format!("{task:?}").to_lowercase())),
            None if self.targets.len() > 1 => (Task::Regression, "task: regression (several targets)".to_owned()),
            None if labels.text => (
                Task::Classification,
                format!("task: classification (inferred: target '{name}' holds text; --task overrides)"),
            ),
            None if labels.whole && labels.distinct.len() <= MAX_INFERRED_CLASSES => (
                Task::Classification,
                format!(
                    "task: classification (inferred: target '{name}' holds whole numbers: {} integer classes; \
                     --task overrides)",
                    labels.distinct.len()
                ),
            ),
            None => (
                Task::Regression,
                format!(
                    "task: regression (inferred: target '{name}' holds more than {MAX_INFERRED_CLASSES} distinct numbers or fractions; --task overrides)"
                ),
            ),
        };
        (self.task, self.task_line) = (task, line);
        match task {
            Task::Regression => {
                if let Some(&j) = self.targets.iter().find(|&&j| self.stream.is_text(j)) {
                    bail!(
                        "{}: target column '{}' holds text, but a regression needs numbers",
                        self.stream.source,
                        self.stream.names[j]
                    );
                }
            }
            Task::Classification => {
                super::one_target_to_classify(&self.target_names())?;
                let texts: Vec<String> = labels.distinct.into_iter().collect();
                self.integers = integer_labels(&texts, &[]);
                let mut classes: Vec<ClassLabel> = texts.iter().map(|t| ClassLabel::parse(t, self.integers)).collect();
                classes.sort();
                classes.dedup();
                if classes.len() < 2 {
                    bail!(
                        "{}: target column '{name}' holds one class ({}) in its {} rows; a classifier needs two or more",
                        self.stream.source,
                        crate::labels::texts(&classes).join(", "),
                        self.stream.n_rows
                    );
                }
                self.classes = classes;
            }
        }
        Ok(self)
    }

    pub fn feature_names(&self) -> Vec<String> {
        self.features.iter().map(|&j| self.stream.names[j].clone()).collect()
    }

    pub fn target_names(&self) -> Vec<String> {
        self.targets.iter().map(|&j| self.stream.names[j].clone()).collect()
    }

    /// "target 'y'" for the run's lines.
    pub fn target_line(&self) -> String {
        let names: Vec<String> = self.target_names().iter().map(|t| format!("'{t}'")).collect();
        format!("target {}", names.join(", "))
    }

    /// Row group `group` as a training batch: its features scaled as in memory (`(v - shift) /
    /// divide` in float64, then the float type `F`), its labels or target values.
    pub fn read<F: Float>(&self, group: usize) -> Result<Chunk<F>> {
        let mut wanted = self.features.clone();
        wanted.extend(&self.targets);
        let mut columns = self.stream.read(group, &wanted)?;
        let target_columns = columns.split_off(self.features.len());
        let first_row = self.stream.groups[group].first_row;
        let numbers = numbers_of(self.stream, &columns, &self.features, first_row)?;
        let n = numbers.first().map_or(0, |c| c.len());
        let scaling = self.scaler.shift_divide();
        let x = Array2::from_shape_fn((n, numbers.len()), |(i, j)| {
            let v = numbers[j][i];
            F::from_f64(scaling.map_or(v, |(shift, divide)| (v - shift[j]) / divide[j]))
        });
        drop(columns);
        let targets = match self.task {
            Task::Classification => ChunkTargets::Labels(
                target_columns[0].as_text_labels().iter().map(|t| ClassLabel::parse(t, self.integers)).collect(),
            ),
            Task::Regression => {
                let values: Vec<&[f64]> = target_columns.iter().filter_map(Column::as_numeric).collect();
                if values.len() != target_columns.len() {
                    bail!("{}: a target column changed to text while training", self.stream.source);
                }
                ChunkTargets::Values(Array2::from_shape_fn((n, values.len()), |(i, k)| F::from_f64(values[k][i])))
            }
        };
        Ok(Chunk { x, targets })
    }

    /// A classification chunk's targets as the network is trained on them: one 0/1 column for two
    /// classes, one-hot columns otherwise; a regression's values as they are.
    pub fn encoded<F: Float>(&self, chunk: &Chunk<F>) -> Result<Array2<F>> {
        let labels = match &chunk.targets {
            ChunkTargets::Values(values) => return Ok(values.clone()),
            ChunkTargets::Labels(labels) => labels,
        };
        let binary = self.classes.len() == 2;
        let mut y = Array2::zeros((labels.len(), if binary { 1 } else { self.classes.len() }));
        for (i, label) in labels.iter().enumerate() {
            let k = self.classes.binary_search(label).map_err(|_| super::changed(&self.stream.source, label))?;
            match binary {
                true if k == 1 => y[[i, 0]] = F::one(),
                true => {}
                false => y[[i, k]] = F::one(),
            }
        }
        Ok(y)
    }
}

/// The numbers of a row group's feature columns, each finite, or an error naming the column,
/// the row and the value.
fn numbers_of<'c>(
    stream: &ParquetStream,
    columns: &'c [Column],
    features: &[usize],
    first_row: usize,
) -> Result<Vec<&'c [f64]>> {
    let mut numbers = Vec::with_capacity(columns.len());
    for (column, &j) in columns.iter().zip(features) {
        let Some(values) = column.as_numeric() else {
            bail!("{}: feature column '{}' holds text; --stream reads numbers", stream.source, stream.names[j]);
        };
        if let Some((i, v)) = values.iter().enumerate().find(|(_, v)| !v.is_finite()) {
            let what = if v.is_nan() { "a missing cell".to_owned() } else { format!("the value {v}") };
            bail!(
                "{}: feature column '{}' has {what} at row {}; --stream reads complete columns of finite numbers \
                 (fill them, or train without --stream to impute)",
                stream.source,
                stream.names[j],
                first_row + i + 1
            );
        }
        numbers.push(values);
    }
    Ok(numbers)
}

/// The `--target` columns, each one of the data's.
fn target_columns(args: &TrainArgs, stream: &ParquetStream) -> Result<Vec<usize>> {
    args.target
        .iter()
        .map(|name| {
            stream.index_of(name).ok_or_else(|| {
                anyhow::anyhow!(
                    "{}: unknown target column '{name}' (the columns are: {})",
                    stream.source,
                    quoted(&stream.names)
                )
            })
        })
        .collect()
}

/// The feature columns: those of `--features`, or every column but the targets and those of
/// `--drop`; each a column of numbers.
fn feature_columns(args: &TrainArgs, stream: &ParquetStream, targets: &[usize]) -> Result<Vec<usize>> {
    let columns = &args.columns;
    for (flag, names) in [("--features", &columns.features), ("--drop", &columns.drop)] {
        if let Some(unknown) = names.iter().find(|n| stream.index_of(n).is_none()) {
            bail!(
                "{}: unknown column '{unknown}' given to {flag} (the columns are: {})",
                stream.source,
                quoted(&stream.names)
            );
        }
    }
    if let Some(target) = columns.features.iter().find(|n| args.target.contains(n)) {
        bail!("--features names '{target}', which is the target: a column cannot be both");
    }
    let chosen: Vec<usize> = (0..stream.names.len())
        .filter(|j| !targets.contains(j))
        .filter(|&j| !columns.drop.contains(&stream.names[j]))
        .filter(|&j| columns.features.is_empty() || columns.features.contains(&stream.names[j]))
        .collect();
    if chosen.is_empty() {
        bail!("{}: no feature columns left once the target(s) are taken", stream.source);
    }
    if let Some(&j) = chosen.iter().find(|&&j| stream.is_text(j)) {
        bail!(
            "{}: feature column '{}' holds text; --stream reads feature columns of numbers (one-hot encoding needs \
             the whole table: train without --stream, or --drop it)",
            stream.source,
            stream.names[j]
        );
    }
    Ok(chosen)
}

fn quoted(names: &[String]) -> String {
    names.iter().map(|n| format!("'{n}'")).collect::<Vec<_>>().join(", ")
}
