//! `neurona train`: read the data, split off a test set, scale, train with a progress bar,
//! report the scores, save the model and write the report.

use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::{Array2, Axis};
use neurona::data::split::train_test_split_indices;
use neurona::estimators::mlp::EpochProgress;
use neurona::prelude::*;

use crate::UsageError;
use crate::cli::{Dtype, Task, TrainArgs};
use crate::commands::evaluate::numeric_targets;
use crate::dataset::{self, Dataset};
use crate::model::{AnyModel, Extra, Predictions, Scaler};
use crate::report::{Confusion, ReportInput, write_report};
use crate::scores::{accuracy, confusion, regression_scores};
use crate::table::Column;

/// The most distinct values an integer-valued numeric target may have and still be read as
/// class labels when `--task` is left out.
const MAX_INFERRED_CLASSES: usize = 20;

/// What the model learns to predict.
enum Targets {
    Labels(Vec<String>),
    Indicators(Array2<bool>),
    Values(Array2<f64>),
}

impl Targets {
    fn select(&self, rows: &[usize]) -> Self {
        match self {
            Self::Labels(l) => Self::Labels(rows.iter().map(|&i| l[i].clone()).collect()),
            Self::Indicators(m) => Self::Indicators(m.select(Axis(0), rows)),
            Self::Values(m) => Self::Values(m.select(Axis(0), rows)),
        }
    }
}

fn infer_task(data: &Dataset) -> (Task, String) {
    let first = &data.targets[0];
    let name = &data.target_names[0];
    match first {
        Column::Text(values) => {
            let mut distinct = values.clone();
            distinct.sort();
            distinct.dedup();
            (Task::Classification, format!("target '{name}' holds text: {} classes", distinct.len()))
        }
        Column::Numeric(values) => {
            let mut distinct: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
            distinct.sort_by(f64::total_cmp);
            distinct.dedup();
            let integers = values.iter().all(|v| v.fract() == 0.0);
            if integers && distinct.len() <= MAX_INFERRED_CLASSES {
                (Task::Classification, format!("target '{name}' holds {} distinct whole numbers", distinct.len()))
            } else {
                (Task::Regression, format!("target '{name}' holds {} distinct numbers", distinct.len()))
            }
        }
    }
}

fn targets_for(task: Task, data: &Dataset) -> Result<Targets> {
    let columns: Vec<&Column> = data.targets.iter().collect();
    Ok(match task {
        Task::Regression => Targets::Values(numeric_targets(&columns, &data.target_names, "target")?),
        Task::Classification if columns.len() == 1 => Targets::Labels(columns[0].as_text_labels()),
        Task::Classification => {
            let values = numeric_targets(&columns, &data.target_names, "label")?;
            if let Some(((row, k), v)) = values.indexed_iter().find(|(_, v)| **v != 0.0 && **v != 1.0) {
                bail!(
                    "several --target columns make a multi-label problem, whose labels must be 0 or 1: column '{}' has {v} at row {}",
                    data.target_names[k],
                    row + 1
                );
            }
            Targets::Indicators(values.mapv(|v| v == 1.0))
        }
    })
}

/// Progress on a terminal: a bar per epoch with the loss and validation score.
fn progress_bar(args: &TrainArgs) -> ProgressBar {
    if args.quiet || args.verbose || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(args.mlp.max_iter as u64);
    let style = ProgressStyle::with_template("{spinner} epoch {pos:>4}/{len} [{bar:30}] {msg} ({elapsed})")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// Trains `clf` (fresh, or fitted before when warm-starting) on `x`, `y`.
fn fit_classifier<F: Float>(
    mut clf: MlpClassifier<F, String>,
    x: &Array2<f64>,
    y: &Targets,
    on_epoch: &mut dyn FnMut(&EpochProgress) -> ControlFlow<()>,
) -> Result<MlpClassifier<F, String>> {
    let x = x.mapv(F::from_f64);
    let options = FitOptions { on_epoch: Some(on_epoch), ..FitOptions::default() };
    match y {
        Targets::Labels(labels) => clf.fit_with(x.view(), labels, options)?,
        Targets::Indicators(indicators) => clf.fit_multilabel_with(x.view(), indicators.view(), options)?,
        Targets::Values(_) => bail!("a classifier cannot learn continuous targets"),
    };
    Ok(clf)
}

/// Trains `reg` (fresh, or fitted before when warm-starting) on `x`, `y`.
fn fit_regressor<F: Float>(
    mut reg: MlpRegressor<F>,
    x: &Array2<f64>,
    y: &Targets,
    on_epoch: &mut dyn FnMut(&EpochProgress) -> ControlFlow<()>,
) -> Result<MlpRegressor<F>> {
    let Targets::Values(values) = y else { bail!("a regressor learns continuous targets, not class labels") };
    let options = FitOptions { on_epoch: Some(on_epoch), ..FitOptions::default() };
    reg.fit_with(x.mapv(F::from_f64).view(), values.mapv(F::from_f64).view(), options)?;
    Ok(reg)
}

/// Trains a fresh model, or continues `previous` (`--warm-start`) with the new parameters.
fn fit_model(
    params: MlpValidParams,
    dtype: Dtype,
    previous: Option<AnyModel>,
    x: &Array2<f64>,
    y: &Targets,
    on_epoch: &mut dyn FnMut(&EpochProgress) -> ControlFlow<()>,
) -> Result<AnyModel> {
    let classify = !matches!(y, Targets::Values(_));
    Ok(match previous {
        Some(AnyModel::Classifier32(mut m)) if classify => {
            m.set_params(params);
            AnyModel::Classifier32(fit_classifier(m, x, y, on_epoch)?)
        }
        Some(AnyModel::Classifier64(mut m)) if classify => {
            m.set_params(params);
            AnyModel::Classifier64(fit_classifier(m, x, y, on_epoch)?)
        }
        Some(AnyModel::Regressor32(mut m)) if !classify => {
            m.set_params(params);
            AnyModel::Regressor32(fit_regressor(m, x, y, on_epoch)?)
        }
        Some(AnyModel::Regressor64(mut m)) if !classify => {
            m.set_params(params);
            AnyModel::Regressor64(fit_regressor(m, x, y, on_epoch)?)
        }
        Some(other) => {
            bail!("--warm-start: the model file holds a {}, which cannot learn this task", other.state_summary().0)
        }
        None => match (dtype, classify) {
            (Dtype::F64, true) => AnyModel::Classifier64(fit_classifier(MlpClassifier::new(params), x, y, on_epoch)?),
            (Dtype::F32, true) => AnyModel::Classifier32(fit_classifier(MlpClassifier::new(params), x, y, on_epoch)?),
            (Dtype::F64, false) => AnyModel::Regressor64(fit_regressor(MlpRegressor::new(params), x, y, on_epoch)?),
            (Dtype::F32, false) => AnyModel::Regressor32(fit_regressor(MlpRegressor::new(params), x, y, on_epoch)?),
        },
    })
}

/// The score line of a split: accuracy, subset accuracy or R².
fn score(model: &AnyModel, x: &Array2<f64>, y: &Targets) -> Result<(String, f64)> {
    Ok(match (model.predict(x)?, y) {
        (Predictions::Labels { labels, .. }, Targets::Labels(truth)) => {
            ("accuracy".to_owned(), accuracy(truth, &labels))
        }
        (Predictions::Indicators { indicators, .. }, Targets::Indicators(truth)) => {
            let hits = indicators.rows().into_iter().zip(truth.rows()).filter(|(p, t)| p == t).count();
            ("subset accuracy".to_owned(), hits as f64 / truth.nrows().max(1) as f64)
        }
        (Predictions::Values(values), Targets::Values(truth)) => {
            ("R^2".to_owned(), neurona::metrics::r2_score(truth.view(), values.view(), None))
        }
        _ => bail!("the model's predictions do not match the target kind"),
    })
}

pub fn run(args: &TrainArgs) -> Result<()> {
    let params = args.mlp.params(args.verbose).map_err(|e| UsageError(e.to_string()))?;
    if !(0.0..1.0).contains(&args.test_fraction) {
        return Err(UsageError(format!("--test-fraction must be in [0, 1), got {}", args.test_fraction)).into());
    }
    let data = match &args.data {
        Some(path) => dataset::from_file(path, &args.target)?,
        None => dataset::bundled(args.dataset.unwrap_or(crate::cli::Bundled::Digits)),
    };
    let say = |line: String| {
        if !args.quiet {
            println!("{line}");
        }
    };
    say(format!(
        "data: {} ({} rows, {} features; target {})",
        data.source,
        data.x.nrows(),
        data.x.ncols(),
        data.target_names.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", ")
    ));
    let task = match args.task {
        Some(task) => {
            say(format!("task: {task:?}").to_lowercase());
            task
        }
        None => {
            let (task, why) = infer_task(&data);
            say(format!("task: {} (inferred: {why}; --task overrides)", format!("{task:?}").to_lowercase()));
            task
        }
    };
    let targets = targets_for(task, &data)?;

    let n = data.x.nrows();
    let (train_rows, test_rows) = if args.test_fraction > 0.0 {
        // The hold-out split is drawn from --random-state (0 when not given), so that the same
        // command holds out the same rows every time.
        let mut rng = RandomState::new(args.mlp.random_state.unwrap_or(0));
        let split = train_test_split_indices(n, args.test_fraction, None, &mut rng)
            .with_context(|| format!("cannot hold out --test-fraction {} of {n} rows", args.test_fraction))?;
        (split.train, split.test)
    } else {
        ((0..n).collect(), Vec::new())
    };
    let mut x_train = data.x.select(Axis(0), &train_rows);
    let mut x_test = data.x.select(Axis(0), &test_rows);
    // --warm-start continues the model in --model, with the scaling it was trained with.
    let previous = if params.get_warm_start() && args.model.exists() {
        let (model, extra) = AnyModel::load(&args.model)?;
        if extra.feature_names != data.feature_names {
            bail!(
                "--warm-start: {} was trained on the features {:?}, but the data has {:?}",
                args.model.display(),
                extra.feature_names,
                data.feature_names
            );
        }
        say(format!("warm start: continuing {} from {}", model.state_summary().0, args.model.display()));
        Some((model, extra.scaler))
    } else {
        None
    };
    let (previous, scaler) = match previous {
        Some((model, scaler)) => (Some(model), scaler),
        None => (None, Scaler::fit(args.scale, &x_train)),
    };
    scaler.transform(&mut x_train);
    scaler.transform(&mut x_test);
    let (y_train, y_test) = (targets.select(&train_rows), targets.select(&test_rows));
    say(format!(
        "split: {} training rows, {} test rows; scaling: {}",
        train_rows.len(),
        test_rows.len(),
        scaler.name()
    ));
    let hidden: Vec<String> = params.get_hidden_layer_sizes().iter().map(|u| u.to_string()).collect();
    say(format!(
        "network: {} -> [{}] -> output, activation {}, solver {}, alpha {}, max_iter {}",
        data.x.ncols(),
        hidden.join(", "),
        params.get_activation(),
        params.get_solver(),
        params.get_alpha(),
        params.get_max_iter()
    ));

    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = Arc::clone(&interrupted);
        // A second handler cannot be installed (e.g. in tests running train twice): then Ctrl-C
        // keeps its default meaning.
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    }
    let bar = progress_bar(args);
    let mut on_epoch = |p: &EpochProgress| {
        bar.set_position(p.epoch as u64);
        let validation = p.validation_score.map(|s| format!(", validation {s:.4}")).unwrap_or_default();
        bar.set_message(format!("loss {:.5}{validation}", p.loss));
        if interrupted.load(Ordering::SeqCst) { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    };
    let started = Instant::now();
    let model = fit_model(params.clone(), args.dtype, previous, &x_train, &y_train, &mut on_epoch)?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();
    let (loss_curve, validation_scores, report) = model.curves();
    let unit = if params.get_solver() == Solver::Lbfgs { "iterations" } else { "epochs" };
    say(format!(
        "trained: {} {unit} in {seconds:.2} s, final loss {:.6}, converged: {}",
        report.n_iter,
        report.loss,
        if report.converged { "yes" } else { "no" }
    ));
    if report.interrupted {
        say("interrupted by Ctrl-C: the model trained so far is kept".to_owned());
    } else if !report.converged && !report.message.is_empty() {
        say(format!("note: {}", report.message.lines().next().unwrap_or_default()));
    }
    for warning in &report.warnings {
        say(format!("warning: {warning}"));
    }

    let (metric, train_score) = score(&model, &x_train, &y_train)?;
    let mut scores = vec![(format!("train {metric}"), format!("{train_score:.4}"))];
    say(format!("train {metric}: {train_score:.4}"));
    if !test_rows.is_empty() {
        let (_, test_score) = score(&model, &x_test, &y_test)?;
        say(format!("test {metric}: {test_score:.4}"));
        scores.push((format!("test {metric}"), format!("{test_score:.4}")));
    }
    if let (Predictions::Values(values), Targets::Values(truth)) = (
        model.predict(if test_rows.is_empty() { &x_train } else { &x_test })?,
        if test_rows.is_empty() { &y_train } else { &y_test },
    ) {
        for (name, (_, mae, rmse)) in data.target_names.iter().zip(regression_scores(truth, &values)) {
            scores.push((format!("{name}: MAE"), format!("{mae:.4}")));
            scores.push((format!("{name}: RMSE"), format!("{rmse:.4}")));
        }
    }

    let extra = Extra {
        feature_names: data.feature_names.clone(),
        target_names: data.target_names.clone(),
        scaler,
        source: data.source.clone(),
    };
    neurona::persist::write_atomically(&args.model, &model.to_bytes(&extra)?)?;
    say(format!("model: {}", args.model.display()));

    if !args.no_report {
        let (eval_x, eval_y, which) =
            if test_rows.is_empty() { (&x_train, &y_train, "training") } else { (&x_test, &y_test, "test") };
        let confusion_matrix = match (model.predict(eval_x)?, eval_y) {
            (Predictions::Labels { labels, .. }, Targets::Labels(truth)) => {
                let classes = model.classes();
                Some(Confusion { counts: confusion(&classes, truth, &labels), labels: classes })
            }
            _ => None,
        };
        let mut parameters = vec![
            ("data".to_owned(), data.source.clone()),
            ("task".to_owned(), format!("{task:?}").to_lowercase()),
            ("rows (train / test)".to_owned(), format!("{} / {}", train_rows.len(), test_rows.len())),
            ("scaling".to_owned(), extra.scaler.name().to_owned()),
            ("dtype".to_owned(), format!("{:?}", args.dtype).to_lowercase()),
        ];
        parameters.extend(crate::commands::train::hyperparameters(&params));
        let input = ReportInput {
            title: format!("neurona: {} on {}", model.state_summary().0, data.source),
            parameters,
            loss_curve: &loss_curve,
            validation_scores: validation_scores.as_deref(),
            validation_label: if task == Task::Classification { "validation accuracy" } else { "validation R²" },
            scores: {
                let mut s = scores.clone();
                s.push((
                    "fit".to_owned(),
                    format!("{} {unit}, {seconds:.2} s, converged: {}", report.n_iter, report.converged),
                ));
                s.push(("confusion matrix".to_owned(), format!("on the {which} rows")));
                s
            },
            confusion: confusion_matrix,
        };
        let written = write_report(&args.report, &input)?;
        let html = written.iter().find(|p| p.extension().is_some_and(|e| e == "html"));
        say(format!("report: {}", html.map_or_else(|| args.report.display().to_string(), |p| p.display().to_string())));
    }
    Ok(())
}

/// The hyperparameters as (name, value) pairs for the report.
pub fn hyperparameters(p: &MlpValidParams) -> Vec<(String, String)> {
    let rows: [(&str, String); 12] = [
        ("hidden_layer_sizes", format!("{:?}", p.get_hidden_layer_sizes())),
        ("activation", p.get_activation().to_string()),
        ("solver", p.get_solver().to_string()),
        ("alpha", p.get_alpha().to_string()),
        ("batch_size", p.get_batch_size().to_string()),
        ("learning_rate", p.get_learning_rate().to_string()),
        ("learning_rate_init", p.get_learning_rate_init().to_string()),
        ("max_iter", p.get_max_iter().to_string()),
        ("random_state", p.get_random_state().map_or("None".to_owned(), |s| s.to_string())),
        ("tol", p.get_tol().to_string()),
        ("early_stopping", p.get_early_stopping().to_string()),
        ("n_iter_no_change", p.get_n_iter_no_change().to_string()),
    ];
    rows.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}
