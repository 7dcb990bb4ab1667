//! `neurona train`: read the data (rows of a table, or sequences for the recurrent family),
//! split off a test set (or read it), scale, train with a progress bar, report the scores, save
//! the model and write the report, for any family (`--model-kind`).

mod fit;
mod outcome;
mod stream;
mod task;

use anyhow::{Context, Result, bail};
use ndarray::Array2;
use neurona::data::split::train_test_split_indices;
use neurona::prelude::*;

use crate::UsageError;
use crate::args::{Bundled, Task, TrainArgs};
use crate::data::{self, Dataset, Features, TableFeatures, Targets};
use crate::model::{self, Extra, FeatureColumns, Model, Scaler, Training, reads_sequences};
use crate::preprocess::{Encoding, FitOptions, Preprocessor};
use crate::{params, sequences};

/// Prints the run's lines unless `--quiet`.
#[derive(Debug)]
pub struct Say {
    quiet: bool,
}

impl Say {
    fn line(&self, line: String) {
        if !self.quiet {
            println!("{line}");
        }
    }
}

/// The data ready to train on: split, scaled, with the targets of the task and the model to
/// continue (`--warm-start`).
#[derive(Debug)]
pub struct Prepared {
    /// The data set's names and source (its features are freed once split).
    data: Dataset,
    task: Option<Task>,
    x_train: Features,
    /// The test rows or sequences; `None` when none are held out.
    x_test: Option<Features>,
    y_train: Option<Targets>,
    y_test: Option<Targets>,
    n_train: usize,
    n_test: usize,
    scaler: Scaler,
    /// The table's columns filled and encoded, when they needed it.
    preprocess: Option<Preprocessor>,
    /// What was done to the table's rows and cells ("2 rows without a target left out").
    notes: Vec<String>,
    previous: Option<Model>,
}

pub fn run(args: &TrainArgs) -> Result<()> {
    let training = params::training(args)?;
    if !(0.0..1.0).contains(&args.test_fraction) {
        return Err(UsageError(format!("--test-fraction must be in [0, 1), got {}", args.test_fraction)).into());
    }
    neurona::linalg::set_max_threads(args.threads).map_err(|e| UsageError(format!("--threads: {e}")))?;
    let say = Say { quiet: args.quiet };
    if args.stream {
        return stream::run(args, &say);
    }
    let mut prepared = prepare(args, &*training, &say)?;
    say.line(training.describe(prepared.data.feature_names.len()));
    let fit = fit::fit(args, &*training, &mut prepared, &say)?;
    let scores = outcome::scores(&fit.model, &prepared, &say)?;
    let data = &prepared.data;
    let extra = Extra {
        features: FeatureColumns::Named(data.feature_names.clone()),
        target_names: data.target_names.clone(),
        scaler: prepared.scaler.clone(),
        source: data.source.clone(),
        sequence_id: args.sequence_columns.sequence_id.clone(),
        step: args.sequence_columns.step.clone(),
        preprocess: prepared.preprocess.clone(),
    };
    crate::table::write_file(&args.model, &fit.model.to_bytes(&extra)?)?;
    say.line(format!("model: {}", args.model.display()));
    if !args.no_report {
        outcome::report(args, &*training, &prepared, &fit, &scores, &say)?;
    }
    Ok(())
}

/// Reads the data and the task, splits off the test rows (or sequences) unless a test set is
/// given, fills and encodes a table's columns (fitted on the training rows), and scales both
/// parts (as the warm-started model was scaled, or with a fresh scaler fitted on the training
/// part).
fn prepare(args: &TrainArgs, training: &dyn Training, say: &Say) -> Result<Prepared> {
    let family = args.model_kind;
    let supervised = model::is_supervised(family);
    let (mut data, mut test_data, tables) = read_data(args, training, supervised)?;
    let previous = warm_start(args, training)?;
    let split = match test_data {
        Some(_) => None,
        None => Some(split_rows(args, training.random_state(), data.x.n_samples())?),
    };
    let (preprocess, notes, lines) = match tables {
        Some(tables) => {
            let train_rows =
                split.as_ref().map_or_else(|| (0..data.x.n_samples()).collect(), |(train, _)| train.clone());
            let previous = previous.as_ref().map(|(_, extra)| extra);
            encode(args, &mut data, test_data.as_mut(), tables, &train_rows, previous)?
        }
        None => (None, Vec::new(), Vec::new()),
    };
    let what = if supervised {
        format!("target {}", data.target_names.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", "))
    } else {
        "unsupervised: every column is a feature".to_owned()
    };
    say.line(format!("data: {} ({}; {what})", data.source, data.x.describe()));
    if let Some(test) = &test_data {
        say.line(format!("test data: {} ({})", test.source, test.x.describe()));
    }
    lines.into_iter().for_each(|line| say.line(line));
    let (task, targets, test_targets) = if supervised {
        let (task, mut line) = task::choose_task(args.task.or(data.task), family, &data)?;
        if args.task.is_none() && data.task.is_some() {
            line.push_str(" (as the data declares; --task overrides)");
        }
        say.line(line);
        let test_targets = test_data.as_ref().map(|test| task::targets_for(task, test)).transpose()?;
        (Some(task), Some(task::targets_for(task, &data)?), test_targets)
    } else {
        (None, None, None)
    };
    let unit = data.x.unit();
    // The features are moved into the two parts: the data set keeps its names and width only,
    // so that the memory of the data is not held twice during training.
    let x = std::mem::replace(&mut data.x, Features::Rows(Array2::zeros((0, data.feature_names.len()))));
    let (x_train, x_test, y_train, y_test) = match (test_data, split) {
        (Some(test), _) => (x, Some(test.x), targets, test_targets),
        (None, split) => {
            let (train_rows, test_rows) = split.unwrap_or_default();
            let per_step = training.targets_per_step();
            let y_of = |rows: &[usize]| targets.as_ref().map(|t| t.select(&x.target_rows(rows, per_step)));
            let x_test = if test_rows.is_empty() { None } else { Some(x.select(&test_rows)?) };
            let (y_train, y_test) = (y_of(&train_rows), y_of(&test_rows));
            (x.select(&train_rows)?, x_test, y_train, y_test)
        }
    };
    let (previous, scaler) = match previous {
        Some((model, extra)) => {
            check_warm_start(args, &model, &extra, &data, say)?;
            (Some(model), extra.scaler)
        }
        None => (None, Scaler::fit(args.scale.unwrap_or(training.default_scale()), &x_train.steps())),
    };
    let x_train = x_train.map_steps(|x| scaler.transform(x))?;
    let x_test = x_test.map(|x| x.map_steps(|x| scaler.transform(x))).transpose()?;
    let (n_train, n_test) = (x_train.n_samples(), x_test.as_ref().map_or(0, Features::n_samples));
    say.line(format!("split: {n_train} training {unit}, {n_test} test {unit}; scaling: {}", scaler.name()));
    Ok(Prepared { data, task, x_train, x_test, y_train, y_test, n_train, n_test, scaler, preprocess, notes, previous })
}

/// The tables of a run (`--data`, and `--test-data` if given) as read, before encoding.
type Tables = (TableFeatures, Option<TableFeatures>);

/// Fills and encodes the columns of a table (and of the test table): with the warm-started
/// model's preprocessing, or one fitted on `train_rows`. It is kept in the model only when it
/// does something (a category column, or a missing cell), so that a table of complete numbers
/// gives the model file it always gave.
fn encode(
    args: &TrainArgs,
    data: &mut Dataset,
    test: Option<&mut Dataset>,
    (table, test_table): Tables,
    train_rows: &[usize],
    previous: Option<&Extra>,
) -> Result<(Option<Preprocessor>, Vec<String>, Vec<String>)> {
    let columns = &args.columns;
    let options = FitOptions {
        categorical: &columns.categorical,
        missing: columns.missing,
        handle_unknown: columns.handle_unknown,
    };
    let kept = previous.and_then(|extra| extra.preprocess.clone());
    let preprocess = match kept {
        Some(kept) => kept,
        None => Preprocessor::fit(&table.raw, train_rows, options)?,
    };
    data.x = Features::Rows(preprocess.transform(&table.raw)?);
    data.feature_names = preprocess.output_names();
    let mut notes = table.notes;
    let mut holes = !table.raw.missing_counts().is_empty();
    if let (Some(test), Some(test_table)) = (test, test_table) {
        test.x = Features::Rows(preprocess.transform(&test_table.raw)?);
        test.feature_names = data.feature_names.clone();
        holes |= !test_table.raw.missing_counts().is_empty();
        notes.extend(test_table.notes.into_iter().map(|note| format!("test data: {note}")));
    }
    let mut lines = notes.clone();
    let stored = previous.is_some_and(|extra| extra.preprocess.is_some()) || preprocess.has_categories() || holes;
    if !stored {
        return Ok((None, notes, lines));
    }
    let encoded: Vec<&str> = preprocess
        .columns
        .iter()
        .filter(|c| !matches!(c.encoding, Encoding::Number { .. }))
        .map(|c| c.name.as_str())
        .collect();
    lines.push(format!(
        "columns: {} in, {} features out; one-hot encoded: {}",
        preprocess.columns.len(),
        data.feature_names.len(),
        if encoded.is_empty() { "none".to_owned() } else { encoded.join(", ") }
    ));
    if args.verbose {
        lines.extend(preprocess.describe().into_iter().map(|line| format!("  {line}")));
    }
    Ok((Some(preprocess), notes, lines))
}

/// The data of a run, with targets when the model learns them: a file (and the test set's
/// file, `--test-data`) or a bundled set (with its own test set, for the sequences). A table's
/// features come as read, encoded once the training rows are known.
fn read_data(
    args: &TrainArgs,
    training: &dyn Training,
    supervised: bool,
) -> Result<(Dataset, Option<Dataset>, Option<Tables>)> {
    let family = args.model_kind;
    let sequences = reads_sequences(family);
    let per_step = training.targets_per_step();
    let column_flag = args.columns.given().first().copied();
    if let (Some(flag), true) = (column_flag, sequences || args.data.is_none()) {
        let message = if sequences {
            format!("{flag} chooses the columns of a table of rows; --model-kind {family} reads sequences")
        } else {
            format!("{flag} names columns of a --data table")
        };
        return Err(UsageError(message).into());
    }
    if let Some(path) = &args.data {
        if sequences {
            let read =
                |path: &std::path::Path| sequences::from_file(path, &args.sequence_columns, &args.target, per_step);
            let data = read(path)?;
            let test = args.test_data.as_deref().map(read).transpose()?;
            check_same_features(&data, test.as_ref())?;
            return Ok((data, test, None));
        }
        let read = |path: &std::path::Path| {
            if sequences::is_ts(path) {
                let message = format!("{}: a .ts file holds sequences, which --model-kind rnn reads", path.display());
                return Err(UsageError(message).into());
            }
            data::from_file(path, &args.target, supervised, &args.columns)
        };
        let (data, table) = read(path)?;
        let (test, test_table) = args.test_data.as_deref().map(read).transpose()?.unzip();
        check_same_features(&data, test.as_ref())?;
        return Ok((data, test, Some((table, test_table))));
    }
    if let Some(flag) = args.sequence_columns.given().first() {
        return Err(UsageError(format!("{flag} names a column of a --data table")).into());
    }
    let (mut data, test) = match (args.dataset, sequences) {
        (None, true) | (Some(Bundled::JapaneseVowels), true) => {
            let (train, test) = sequences::bundled(per_step)?;
            (train, Some(test))
        }
        (Some(Bundled::JapaneseVowels), false) => {
            let message = "--dataset japanese-vowels holds sequences, which --model-kind rnn reads";
            return Err(UsageError(message.to_owned()).into());
        }
        (Some(which), true) => {
            let message = format!(
                "--model-kind {family} reads sequences, but --dataset {} is a table: use --dataset \
                 japanese-vowels, a long table with --sequence-id, or a .ts file",
                format!("{which:?}").to_lowercase()
            );
            return Err(UsageError(message).into());
        }
        (which, false) => (data::bundled(which.unwrap_or(Bundled::Digits))?, None),
    };
    // A bundled set has its own target: a --target naming another is a mistake, not something
    // to ignore.
    if !args.target.is_empty() && args.target != data.target_names {
        let message = format!(
            "--target names columns of a --data file; the {} has the target '{}'",
            data.source,
            data.target_names.join("', '")
        );
        return Err(UsageError(message).into());
    }
    if !supervised {
        data.target_names.clear();
        data.targets.clear();
    }
    Ok((data, test, None))
}

/// A --test-data table must have the features of --data.
fn check_same_features(data: &Dataset, test: Option<&Dataset>) -> Result<()> {
    if let Some(test) = test
        && test.feature_names != data.feature_names
    {
        bail!(
            "--test-data {} has the features {:?}, but --data has {:?}",
            test.source,
            test.feature_names,
            data.feature_names
        );
    }
    Ok(())
}

/// The training and test rows. The hold-out split is drawn from `random_state` (0 when not
/// given), so that the same command holds out the same rows every time.
fn split_rows(args: &TrainArgs, random_state: Option<u32>, n: usize) -> Result<(Vec<usize>, Vec<usize>)> {
    if args.test_fraction == 0.0 {
        return Ok(((0..n).collect(), Vec::new()));
    }
    let mut rng = RandomState::new(random_state.unwrap_or(0));
    let split = train_test_split_indices(n, args.test_fraction, None, &mut rng)
        .with_context(|| format!("cannot hold out --test-fraction {} of {n} rows", args.test_fraction))?;
    Ok((split.train, split.test))
}

/// `--warm-start` continues the model in `--model` (when the file exists), with the
/// preprocessing and the scaling it was trained with.
fn warm_start(args: &TrainArgs, training: &dyn Training) -> Result<Option<(Model, Extra)>> {
    if !training.warm_start() || !args.model.exists() {
        return Ok(None);
    }
    Ok(Some(Model::load(&args.model)?))
}

/// The warm-started model must read the features the data gives.
fn check_warm_start(args: &TrainArgs, model: &Model, extra: &Extra, data: &Dataset, say: &Say) -> Result<()> {
    if !extra.features.accepts(&data.feature_names) {
        bail!(
            "--warm-start: {} was trained on the features {}, but the data has {:?}",
            args.model.display(),
            extra.features,
            data.feature_names
        );
    }
    say.line(format!("warm start: continuing {} from {}", model.kind(), args.model.display()));
    Ok(())
}
