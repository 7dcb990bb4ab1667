//! `neurona train`: read the data, split off a test set, scale, train with a progress bar,
//! report the scores, save the model and write the report, for an MLP, a perceptron or an RBM
//! (`--model-kind`).

use std::any::Any;
use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use ndarray::{Array2, Axis, CowArray, Ix2};
use neurona::data::split::train_test_split_indices;
use neurona::estimators::mlp::EpochProgress;
use neurona::prelude::*;

use crate::UsageError;
use crate::cli::{Bundled, Dtype, ModelKind, ModelParams, Scale, Task, TrainArgs};
use crate::commands::evaluate::numeric_targets;
use crate::dataset::{self, Dataset};
use crate::model::{AnyModel, ClassLabel, Extra, FeatureColumns, Predictions, Scaler, integer_labels};
use crate::report::{Components, Confusion, CurveText, ReportInput, write_report};
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

/// Progress on a terminal: a bar per epoch with the loss (or the pseudo-likelihood) and the
/// validation score.
fn progress_bar(args: &TrainArgs, epochs: usize) -> ProgressBar {
    if args.quiet || args.verbose || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(epochs as u64);
    let style = ProgressStyle::with_template("{spinner} epoch {pos:>4}/{len} [{bar:30}] {msg} ({elapsed})")
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// `x` in the training's float type: a view of `x` itself for float64 (a copy would double the
/// memory of the data), a converted copy for float32.
fn in_dtype<F: Float>(x: &Array2<f64>) -> CowArray<'_, F, Ix2> {
    match (x as &dyn Any).downcast_ref::<Array2<F>>() {
        Some(same) => CowArray::from(same.view()),
        None => CowArray::from(x.mapv(F::from_f64)),
    }
}

/// The table's labels as the labels of a model with these classes (none yet: a fresh one),
/// and whether they are integers ([`integer_labels`]).
fn model_labels(labels: &[String], classes: &[ClassLabel]) -> (Vec<ClassLabel>, bool) {
    let integers = integer_labels(labels, classes);
    (labels.iter().map(|label| ClassLabel::parse(label, integers)).collect(), integers)
}

/// Trains `clf` (fresh, or fitted before when warm-starting) on `x`, `y`.
fn fit_classifier<F: Float>(
    mut clf: MlpClassifier<F, ClassLabel>,
    x: &Array2<f64>,
    y: &Targets,
    on_epoch: &mut dyn FnMut(&EpochProgress) -> ControlFlow<()>,
) -> Result<MlpClassifier<F, ClassLabel>> {
    let x = in_dtype::<F>(x);
    let options = FitOptions { on_epoch: Some(on_epoch), ..FitOptions::default() };
    match y {
        Targets::Labels(labels) => {
            let (labels, _) = model_labels(labels, clf.classes().unwrap_or_default());
            clf.fit_with(x.view(), &labels, options)?
        }
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
    reg.fit_with(in_dtype::<F>(x).view(), values.mapv(F::from_f64).view(), options)?;
    Ok(reg)
}

/// Trains `clf` (fresh, or fitted before when warm-starting) on `x`, `y` with `params`, whose
/// `--class-weight` labels are read as the training labels are (integers or text).
fn fit_perceptron<F: Float>(
    mut clf: Perceptron<F, ClassLabel>,
    params: &PerceptronValidParams<ClassLabel>,
    x: &Array2<f64>,
    y: &Targets,
) -> Result<Perceptron<F, ClassLabel>> {
    let Targets::Labels(labels) = y else { bail!("the perceptron learns one class label per row") };
    let (labels, integers) = model_labels(labels, clf.classes().unwrap_or_default());
    clf.set_params(match params.get_class_weight() {
        ClassWeight::PerClass(weights) => {
            let weights = weights.iter().map(|(label, w)| (ClassLabel::parse(&label.to_string(), integers), *w));
            params.clone().into_params().class_weight(ClassWeight::PerClass(weights.collect())).check()?
        }
        _ => params.clone(),
    });
    clf.fit(in_dtype::<F>(x).view(), &labels)?;
    Ok(clf)
}

/// Trains a fresh RBM on `x`, calling `on_epoch` with each epoch's pseudo-likelihood.
fn fit_rbm<F: Float>(
    params: RbmValidParams,
    x: &Array2<f64>,
    on_epoch: &mut dyn FnMut(&RbmEpochProgress) -> ControlFlow<()>,
) -> Result<BernoulliRbm<F>> {
    let mut rbm = BernoulliRbm::new(params);
    rbm.fit_with(in_dtype::<F>(x).view(), RbmFitOptions { on_epoch: Some(on_epoch), ..RbmFitOptions::default() })?;
    Ok(rbm)
}

/// What training reports after each epoch, whatever the model kind.
enum Epoch<'a> {
    Mlp(&'a EpochProgress),
    Rbm(&'a RbmEpochProgress),
}

/// Trains a fresh model, or continues `previous` (`--warm-start`) with the new parameters.
fn fit_model(
    params: &ModelParams,
    dtype: Dtype,
    previous: Option<AnyModel>,
    x: &Array2<f64>,
    y: Option<&Targets>,
    on_epoch: &mut dyn FnMut(Epoch<'_>) -> ControlFlow<()>,
) -> Result<AnyModel> {
    let mut on_mlp_epoch = |p: &EpochProgress| on_epoch(Epoch::Mlp(p));
    let y = match (params, y) {
        (ModelParams::Rbm(params), _) => {
            let mut on_rbm_epoch = |p: &RbmEpochProgress| on_epoch(Epoch::Rbm(p));
            return Ok(match dtype {
                Dtype::F64 => AnyModel::Rbm64(fit_rbm(params.clone(), x, &mut on_rbm_epoch)?),
                Dtype::F32 => AnyModel::Rbm32(fit_rbm(params.clone(), x, &mut on_rbm_epoch)?),
            });
        }
        (_, Some(y)) => y,
        (_, None) => bail!("a supervised model needs a target"),
    };
    let classify = !matches!(y, Targets::Values(_));
    Ok(match (params, previous) {
        (ModelParams::Mlp(params), Some(AnyModel::Classifier32(mut m))) if classify => {
            m.set_params(params.clone());
            AnyModel::Classifier32(fit_classifier(m, x, y, &mut on_mlp_epoch)?)
        }
        (ModelParams::Mlp(params), Some(AnyModel::Classifier64(mut m))) if classify => {
            m.set_params(params.clone());
            AnyModel::Classifier64(fit_classifier(m, x, y, &mut on_mlp_epoch)?)
        }
        (ModelParams::Mlp(params), Some(AnyModel::Regressor32(mut m))) if !classify => {
            m.set_params(params.clone());
            AnyModel::Regressor32(fit_regressor(m, x, y, &mut on_mlp_epoch)?)
        }
        (ModelParams::Mlp(params), Some(AnyModel::Regressor64(mut m))) if !classify => {
            m.set_params(params.clone());
            AnyModel::Regressor64(fit_regressor(m, x, y, &mut on_mlp_epoch)?)
        }
        (ModelParams::Perceptron(params), Some(AnyModel::Perceptron32(m))) => {
            AnyModel::Perceptron32(fit_perceptron(m, params, x, y)?)
        }
        (ModelParams::Perceptron(params), Some(AnyModel::Perceptron64(m))) => {
            AnyModel::Perceptron64(fit_perceptron(m, params, x, y)?)
        }
        (params, Some(other)) => bail!(
            "--warm-start: the model file holds a {}, which cannot continue as --model-kind {} on this task",
            other.state_summary().0,
            params.kind().name()
        ),
        (ModelParams::Mlp(params), None) => match (dtype, classify) {
            (Dtype::F64, true) => {
                AnyModel::Classifier64(fit_classifier(MlpClassifier::new(params.clone()), x, y, &mut on_mlp_epoch)?)
            }
            (Dtype::F32, true) => {
                AnyModel::Classifier32(fit_classifier(MlpClassifier::new(params.clone()), x, y, &mut on_mlp_epoch)?)
            }
            (Dtype::F64, false) => {
                AnyModel::Regressor64(fit_regressor(MlpRegressor::new(params.clone()), x, y, &mut on_mlp_epoch)?)
            }
            (Dtype::F32, false) => {
                AnyModel::Regressor32(fit_regressor(MlpRegressor::new(params.clone()), x, y, &mut on_mlp_epoch)?)
            }
        },
        (ModelParams::Perceptron(params), None) => match dtype {
            Dtype::F64 => AnyModel::Perceptron64(fit_perceptron(Perceptron::new(params.clone()), params, x, y)?),
            Dtype::F32 => AnyModel::Perceptron32(fit_perceptron(Perceptron::new(params.clone()), params, x, y)?),
        },
        (ModelParams::Rbm(_), None) => bail!("an RBM learns without a target"),
    })
}

/// The score line of a split: accuracy, subset accuracy, R² or (for an RBM) the mean
/// pseudo-likelihood.
fn score(model: &AnyModel, x: &Array2<f64>, y: Option<&Targets>) -> Result<(String, f64)> {
    let Some(y) = y else {
        return Ok(("pseudo-likelihood".to_owned(), model.pseudo_likelihood(x)?));
    };
    let predictions = model.predict(x)?;
    if let (Some(labels), Targets::Labels(truth)) = (predictions.labels(), y) {
        return Ok(("accuracy".to_owned(), accuracy(truth, labels)));
    }
    Ok(match (predictions, y) {
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

/// The data of a run: a file or a bundled set, with targets unless the model is an RBM.
fn read_data(args: &TrainArgs) -> Result<Dataset> {
    Ok(match (&args.data, args.model_kind) {
        (Some(path), ModelKind::Rbm) => dataset::features_from_file(path, &args.target)?,
        (Some(path), _) => dataset::from_file(path, &args.target)?,
        (None, kind) => {
            let mut data = dataset::bundled(args.dataset.unwrap_or(Bundled::Digits));
            // A bundled set has its own target: a --target naming another is a mistake, not
            // something to ignore.
            if !args.target.is_empty() && args.target != data.target_names {
                return Err(UsageError(format!(
                    "--target names columns of a --data file; the {} has the target '{}'",
                    data.source,
                    data.target_names.join("', '")
                ))
                .into());
            }
            if kind == ModelKind::Rbm {
                data.target_names.clear();
                data.targets.clear();
            }
            data
        }
    })
}

/// The task and the line that says how it was chosen.
fn choose_task(args: &TrainArgs, data: &Dataset) -> Result<(Task, String)> {
    let task = args.task.map(|task| (task, format!("task: {task:?}").to_lowercase()));
    if args.model_kind == ModelKind::Perceptron {
        if data.targets.len() != 1 {
            return Err(UsageError(format!(
                "the perceptron predicts one target column, but {} were given with --target",
                data.targets.len()
            ))
            .into());
        }
        return match task {
            Some((Task::Regression, _)) => Err(UsageError(
                "--task regression does not apply to --model-kind perceptron, which classifies".to_owned(),
            )
            .into()),
            Some(given) => Ok(given),
            None => match infer_task(data) {
                (Task::Classification, why) => {
                    Ok((Task::Classification, format!("task: classification (the perceptron classifies; {why})")))
                }
                (Task::Regression, why) => bail!(
                    "the perceptron classifies, but {why}, which looks like a regression target (--task \
                     classification treats each value as a class)"
                ),
            },
        };
    }
    Ok(task.unwrap_or_else(|| {
        let (task, why) = infer_task(data);
        (task, format!("task: {} (inferred: {why}; --task overrides)", format!("{task:?}").to_lowercase()))
    }))
}

/// One line describing the model about to be trained.
fn describe(params: &ModelParams, n_features: usize) -> String {
    match params {
        ModelParams::Mlp(p) => {
            let hidden: Vec<String> = p.get_hidden_layer_sizes().iter().map(|u| u.to_string()).collect();
            format!(
                "network: {n_features} -> [{}] -> output, activation {}, solver {}, alpha {}, max_iter {}",
                hidden.join(", "),
                p.get_activation(),
                p.get_solver(),
                p.get_alpha(),
                p.get_max_iter()
            )
        }
        ModelParams::Perceptron(p) => format!(
            "perceptron: {n_features} inputs -> step activation (one-vs-all for 3+ classes), penalty {}, alpha {}, \
             eta0 {}, max_iter {}",
            p.get_penalty(),
            p.get_alpha(),
            p.get_eta0(),
            p.get_max_iter()
        ),
        ModelParams::Rbm(p) => format!(
            "rbm: {n_features} visible <-> {} hidden units, learning_rate {}, batch_size {}, n_iter {}",
            p.get_n_components(),
            p.get_learning_rate(),
            p.get_batch_size(),
            p.get_n_iter()
        ),
    }
}

pub fn run(args: &TrainArgs) -> Result<()> {
    let params = args.model_params()?;
    if !(0.0..1.0).contains(&args.test_fraction) {
        return Err(UsageError(format!("--test-fraction must be in [0, 1), got {}", args.test_fraction)).into());
    }
    let kind = args.model_kind;
    neurona::linalg::set_max_threads(args.threads).map_err(|e| UsageError(format!("--threads: {e}")))?;
    let mut data = read_data(args)?;
    let say = |line: String| {
        if !args.quiet {
            println!("{line}");
        }
    };
    let what = if kind == ModelKind::Rbm {
        "unsupervised: every column is a feature".to_owned()
    } else {
        format!("target {}", data.target_names.iter().map(|t| format!("'{t}'")).collect::<Vec<_>>().join(", "))
    };
    say(format!("data: {} ({} rows, {} features; {what})", data.source, data.x.nrows(), data.x.ncols()));
    let (task, targets) = if kind == ModelKind::Rbm {
        (None, None)
    } else {
        let (task, line) = choose_task(args, &data)?;
        say(line);
        (Some(task), Some(targets_for(task, &data)?))
    };

    let n = data.x.nrows();
    let (train_rows, test_rows) = if args.test_fraction > 0.0 {
        // The hold-out split is drawn from --random-state (0 when not given), so that the same
        // command holds out the same rows every time.
        let mut rng = RandomState::new(args.shared.random_state.unwrap_or(0));
        let split = train_test_split_indices(n, args.test_fraction, None, &mut rng)
            .with_context(|| format!("cannot hold out --test-fraction {} of {n} rows", args.test_fraction))?;
        (split.train, split.test)
    } else {
        ((0..n).collect(), Vec::new())
    };
    let mut x_train = data.x.select(Axis(0), &train_rows);
    let mut x_test = data.x.select(Axis(0), &test_rows);
    // The two parts hold every row: free the whole table (keeping its width), which would
    // otherwise double the memory of the data during training.
    data.x = Array2::zeros((0, data.x.ncols()));
    // --warm-start continues the model in --model, with the scaling it was trained with.
    let previous = if args.shared.warm_start && args.model.exists() {
        let (model, extra) = AnyModel::load(&args.model)?;
        if !extra.features.accepts(&data.feature_names) {
            bail!(
                "--warm-start: {} was trained on the features {}, but the data has {:?}",
                args.model.display(),
                extra.features,
                data.feature_names
            );
        }
        say(format!("warm start: continuing {} from {}", model.state_summary().0, args.model.display()));
        Some((model, extra.scaler))
    } else {
        None
    };
    let default_scale = if kind == ModelKind::Rbm { Scale::Minmax } else { Scale::Standard };
    let (previous, scaler) = match previous {
        Some((model, scaler)) => (Some(model), scaler),
        None => (None, Scaler::fit(args.scale.unwrap_or(default_scale), &x_train)),
    };
    scaler.transform(&mut x_train);
    scaler.transform(&mut x_test);
    let (y_train, y_test) = match &targets {
        Some(t) => (Some(t.select(&train_rows)), Some(t.select(&test_rows))),
        None => (None, None),
    };
    say(format!(
        "split: {} training rows, {} test rows; scaling: {}",
        train_rows.len(),
        test_rows.len(),
        scaler.name()
    ));
    say(describe(&params, data.x.ncols()));

    let interrupted = Arc::new(AtomicBool::new(false));
    {
        let flag = Arc::clone(&interrupted);
        // A second handler cannot be installed (e.g. in tests running train twice): then Ctrl-C
        // keeps its default meaning.
        let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    }
    let epochs = match &params {
        ModelParams::Mlp(p) => p.get_max_iter(),
        ModelParams::Perceptron(p) => p.get_max_iter(),
        ModelParams::Rbm(p) => p.get_n_iter(),
    };
    // The perceptron runs its epochs without a callback: it is fast, so it has no bar.
    let bar = if kind == ModelKind::Perceptron { ProgressBar::hidden() } else { progress_bar(args, epochs) };
    let mut pseudo_likelihoods = Vec::new();
    let mut rbm_interrupted = false;
    let mut on_epoch = |epoch: Epoch<'_>| {
        match epoch {
            Epoch::Mlp(p) => {
                bar.set_position(p.epoch as u64);
                let validation = p.validation_score.map(|s| format!(", validation {s:.4}")).unwrap_or_default();
                bar.set_message(format!("loss {:.5}{validation}", p.loss));
            }
            Epoch::Rbm(p) => {
                bar.set_position(p.epoch as u64);
                bar.set_message(format!("pseudo-likelihood {:.3}", p.pseudo_likelihood));
                pseudo_likelihoods.push(p.pseudo_likelihood);
            }
        }
        if interrupted.load(Ordering::SeqCst) {
            rbm_interrupted = kind == ModelKind::Rbm;
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let started = Instant::now();
    let model = fit_model(&params, args.dtype, previous, &x_train, y_train.as_ref(), &mut on_epoch)?;
    bar.finish_and_clear();
    let seconds = started.elapsed().as_secs_f64();

    // What the fit says about itself, and the learning curve of the report.
    let mut curve = Vec::new();
    let mut validation_scores = None;
    let fit_summary;
    if let Some(curves) = model.mlp_curves() {
        let report = &curves.report;
        let unit = if matches!(&params, ModelParams::Mlp(p) if p.get_solver() == Solver::Lbfgs) {
            "iterations"
        } else {
            "epochs"
        };
        fit_summary = format!("{} {unit}, {seconds:.2} s, converged: {}", report.n_iter, report.converged);
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
        curve = curves.loss;
        validation_scores = curves.validation_scores;
    } else if let Some(report) = model.perceptron_report() {
        fit_summary = format!("{} epochs, {seconds:.2} s, converged: {}", report.n_iter, report.converged);
        say(format!(
            "trained: {} epochs in {seconds:.2} s, converged: {}",
            report.n_iter,
            if report.converged { "yes" } else { "no" }
        ));
        for warning in &report.warnings {
            say(format!("warning: {warning}"));
        }
    } else {
        let last = pseudo_likelihoods.last().map(|v| format!(", pseudo-likelihood {v:.4}")).unwrap_or_default();
        fit_summary = format!("{} epochs, {seconds:.2} s", pseudo_likelihoods.len());
        say(format!("trained: {} epochs in {seconds:.2} s{last}", pseudo_likelihoods.len()));
        if rbm_interrupted {
            say("interrupted by Ctrl-C: the model trained so far is kept".to_owned());
        }
        curve = pseudo_likelihoods;
    }

    let (metric, train_score) = score(&model, &x_train, y_train.as_ref())?;
    let mut scores = vec![(format!("train {metric}"), format!("{train_score:.4}"))];
    say(format!("train {metric}: {train_score:.4}"));
    if !test_rows.is_empty() {
        let (_, test_score) = score(&model, &x_test, y_test.as_ref())?;
        say(format!("test {metric}: {test_score:.4}"));
        scores.push((format!("test {metric}"), format!("{test_score:.4}")));
    }
    let (eval_x, eval_y, which) =
        if test_rows.is_empty() { (&x_train, &y_train, "training") } else { (&x_test, &y_test, "test") };
    if let (false, Some(Targets::Values(truth))) = (model.is_rbm(), eval_y)
        && let Predictions::Values(values) = model.predict(eval_x)?
    {
        for (name, (_, mae, rmse)) in data.target_names.iter().zip(regression_scores(truth, &values)) {
            scores.push((format!("{name}: MAE"), format!("{mae:.4}")));
            scores.push((format!("{name}: RMSE"), format!("{rmse:.4}")));
        }
    }

    let extra = Extra {
        features: FeatureColumns::Named(data.feature_names.clone()),
        target_names: data.target_names.clone(),
        scaler,
        source: data.source.clone(),
    };
    neurona::persist::write_atomically(&args.model, &model.to_bytes(&extra)?)?;
    say(format!("model: {}", args.model.display()));

    if !args.no_report {
        let confusion_matrix = match (model.is_rbm(), eval_y) {
            (false, Some(Targets::Labels(truth))) => model.predict(eval_x)?.labels().map(|labels| {
                let classes = model.classes();
                Confusion { counts: confusion(&classes, truth, labels), labels: classes }
            }),
            _ => None,
        };
        let mut parameters = vec![
            ("model kind".to_owned(), kind.name().to_owned()),
            ("data".to_owned(), data.source.clone()),
            ("rows (train / test)".to_owned(), format!("{} / {}", train_rows.len(), test_rows.len())),
            ("scaling".to_owned(), extra.scaler.name().to_owned()),
            ("dtype".to_owned(), format!("{:?}", args.dtype).to_lowercase()),
        ];
        if let Some(task) = task {
            parameters.insert(2, ("task".to_owned(), format!("{task:?}").to_lowercase()));
        }
        parameters.extend(match &params {
            ModelParams::Mlp(p) => hyperparameters(p),
            ModelParams::Perceptron(p) => perceptron_hyperparameters(p),
            ModelParams::Rbm(p) => rbm_hyperparameters(p),
        });
        let perceptron_note;
        let curve_text = match kind {
            ModelKind::Mlp => CurveText::LOSS,
            ModelKind::Perceptron => {
                perceptron_note = format!(
                    "No learning curve: the perceptron records no loss per epoch ({}).",
                    fit_summary.split(',').next().unwrap_or_default()
                );
                CurveText { missing: &perceptron_note, ..CurveText::LOSS }
            }
            ModelKind::Rbm => CurveText::PSEUDO_LIKELIHOOD,
        };
        // The learned weights of each hidden unit, drawn as images when the features are the
        // digits' 8x8 pixels.
        let components = model
            .rbm_components()
            .filter(|_| data.feature_names == neurona::datasets::digits().feature_names)
            .map(|weights| Components { side: 8, weights });
        let mut shown_scores = scores.clone();
        shown_scores.push(("fit".to_owned(), fit_summary));
        if confusion_matrix.is_some() {
            shown_scores.push(("confusion matrix".to_owned(), format!("on the {which} rows")));
        }
        let input = ReportInput {
            title: format!("neurona: {} on {}", model.state_summary().0, data.source),
            parameters,
            loss_curve: &curve,
            validation_scores: validation_scores.as_deref(),
            validation_label: if task == Some(Task::Regression) { "validation R²" } else { "validation accuracy" },
            curve: curve_text,
            scores: shown_scores,
            confusion: confusion_matrix,
            components,
        };
        let written = write_report(&args.report, &input)?;
        let html = written.iter().find(|p| p.extension().is_some_and(|e| e == "html"));
        say(format!("report: {}", html.map_or_else(|| args.report.display().to_string(), |p| p.display().to_string())));
    }
    Ok(())
}

impl ModelParams {
    /// The model kind these parameters are for.
    pub fn kind(&self) -> ModelKind {
        match self {
            Self::Mlp(_) => ModelKind::Mlp,
            Self::Perceptron(_) => ModelKind::Perceptron,
            Self::Rbm(_) => ModelKind::Rbm,
        }
    }
}

/// The MLP's hyperparameters as (name, value) pairs for the report.
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

/// The perceptron's hyperparameters as (name, value) pairs for the report.
pub fn perceptron_hyperparameters(p: &PerceptronValidParams<ClassLabel>) -> Vec<(String, String)> {
    let class_weight = match p.get_class_weight() {
        ClassWeight::Uniform => "None".to_owned(),
        ClassWeight::Balanced => "balanced".to_owned(),
        ClassWeight::PerClass(weights) => {
            weights.iter().map(|(label, w)| format!("{label}: {w}")).collect::<Vec<_>>().join(", ")
        }
    };
    let rows: [(&str, String); 12] = [
        ("penalty", p.get_penalty().to_string()),
        ("alpha", p.get_alpha().to_string()),
        ("l1_ratio", p.get_l1_ratio().to_string()),
        ("fit_intercept", p.get_fit_intercept().to_string()),
        ("eta0", p.get_eta0().to_string()),
        ("max_iter", p.get_max_iter().to_string()),
        ("tol", p.get_tol().map_or("None".to_owned(), |t| t.to_string())),
        ("shuffle", p.get_shuffle().to_string()),
        ("random_state", p.get_random_state().map_or("None".to_owned(), |s| s.to_string())),
        ("early_stopping", p.get_early_stopping().to_string()),
        ("n_iter_no_change", p.get_n_iter_no_change().to_string()),
        ("class_weight", class_weight),
    ];
    rows.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The RBM's hyperparameters as (name, value) pairs for the report.
pub fn rbm_hyperparameters(p: &RbmValidParams) -> Vec<(String, String)> {
    let rows: [(&str, String); 5] = [
        ("n_components", p.get_n_components().to_string()),
        ("learning_rate", p.get_learning_rate().to_string()),
        ("batch_size", p.get_batch_size().to_string()),
        ("n_iter", p.get_n_iter().to_string()),
        ("random_state", p.get_random_state().map_or("None".to_owned(), |s| s.to_string())),
    ];
    rows.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}
