//! `neurona train`: read the data, split off a test set, scale, train with a progress bar,
//! report the scores, save the model and write the report, for any family (`--model-kind`).

mod fit;
mod outcome;
mod task;

use anyhow::{Context, Result, bail};
use ndarray::{Array2, Axis};
use neurona::data::split::train_test_split_indices;
use neurona::prelude::*;

use crate::UsageError;
use crate::args::{Bundled, Task, TrainArgs};
use crate::data::{self, Dataset, Targets};
use crate::model::{self, Extra, FeatureColumns, Model, Scaler, Training};
use crate::params;

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
    /// The data set's names and source (its feature matrix is freed once split).
    data: Dataset,
    task: Option<Task>,
    x_train: Array2<f64>,
    x_test: Array2<f64>,
    y_train: Option<Targets>,
    y_test: Option<Targets>,
    n_train: usize,
    n_test: usize,
    scaler: Scaler,
    previous: Option<Model>,
}

pub fn run(args: &TrainArgs) -> Result<()> {
    let training = params::training(args)?;
    if !(0.0..1.0).contains(&args.test_fraction) {
        return Err(UsageError(format!("--test-fraction must be in [0, 1), got {}", args.test_fraction)).into());
    }
    neurona::linalg::set_max_threads(args.threads).map_err(|e| UsageError(format!("--threads: {e}")))?;
    let say = Say { quiet: args.quiet };
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
    };
    crate::table::write_file(&args.model, &fit.model.to_bytes(&extra)?)?;
    say.line(format!("model: {}", args.model.display()));
    if !args.no_report {
        outcome::report(args, &*training, &prepared, &fit, &scores, &say)?;
    }
    Ok(())
}

/// Reads the data and the task, splits off the test rows, and scales both parts (as the
/// warm-started model was scaled, or with a fresh scaler fitted on the training rows).
fn prepare(args: &TrainArgs, training: &dyn Training, say: &Say) -> Result<Prepared> {
    let family = training.family();
    let supervised = model::is_supervised(family);
    let mut data = read_data(args, supervised)?;
    let what = if supervised {
        format!("target {}", data.target_names.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", "))
    } else {
        "unsupervised: every column is a feature".to_owned()
    };
    say.line(format!("data: {} ({} rows, {} features; {what})", data.source, data.x.nrows(), data.x.ncols()));
    let (task, targets) = if supervised {
        let (task, line) = task::choose_task(args.task, family, &data)?;
        say.line(line);
        (Some(task), Some(task::targets_for(task, &data)?))
    } else {
        (None, None)
    };
    let (train_rows, test_rows) = split_rows(args, training.random_state(), data.x.nrows())?;
    let mut x_train = data.x.select(Axis(0), &train_rows);
    let mut x_test = data.x.select(Axis(0), &test_rows);
    // The two parts hold every row: free the whole table (keeping its width), which would
    // otherwise double the memory of the data during training.
    data.x = Array2::zeros((0, data.x.ncols()));
    let (previous, scaler) = match warm_start(args, training, &data, say)? {
        Some((model, scaler)) => (Some(model), scaler),
        None => (None, Scaler::fit(args.scale.unwrap_or(training.default_scale()), &x_train)),
    };
    scaler.transform(&mut x_train);
    scaler.transform(&mut x_test);
    let (n_train, n_test) = (train_rows.len(), test_rows.len());
    say.line(format!("split: {n_train} training rows, {n_test} test rows; scaling: {}", scaler.name()));
    let (y_train, y_test) = match &targets {
        Some(t) => (Some(t.select(&train_rows)), Some(t.select(&test_rows))),
        None => (None, None),
    };
    Ok(Prepared { data, task, x_train, x_test, y_train, y_test, n_train, n_test, scaler, previous })
}

/// The data of a run: a file or a bundled set, with targets when the model learns them.
fn read_data(args: &TrainArgs, supervised: bool) -> Result<Dataset> {
    if let Some(path) = &args.data {
        return data::from_file(path, &args.target, supervised);
    }
    let mut data = data::bundled(args.dataset.unwrap_or(Bundled::Digits));
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
    Ok(data)
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

/// `--warm-start` continues the model in `--model` (when the file exists), with the scaling it
/// was trained with.
fn warm_start(args: &TrainArgs, training: &dyn Training, data: &Dataset, say: &Say) -> Result<Option<(Model, Scaler)>> {
    if !training.warm_start() || !args.model.exists() {
        return Ok(None);
    }
    let (model, extra) = Model::load(&args.model)?;
    if !extra.features.accepts(&data.feature_names) {
        bail!(
            "--warm-start: {} was trained on the features {}, but the data has {:?}",
            args.model.display(),
            extra.features,
            data.feature_names
        );
    }
    say.line(format!("warm start: continuing {} from {}", model.kind(), args.model.display()));
    Ok(Some((model, extra.scaler)))
}
