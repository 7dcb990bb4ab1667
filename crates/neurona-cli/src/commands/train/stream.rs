//! `neurona train --stream`: an MLP trained out of core on Parquet data, one row group in memory
//! at a time ([`ParquetStream`]). A first pass finds the task, the classes and the scaler; then
//! sgd and adam make one pass per epoch, a `partial_fit` per row group, and lbfgs one pass per
//! evaluation, each group's loss and gradient sums ([`chunk_sums`]) added in a fixed order and
//! normalised once by the core's [`MlpClassifier::fit_summed`] (the path of `neurona.dask`), so
//! that a file of one row group gives the in-memory L-BFGS model exactly.
//!
//! The order of the row groups is drawn from `--random-state` (0 when none): a new permutation
//! each epoch for sgd and adam (the file's order with `--shuffle false`), one for every
//! evaluation of lbfgs. The epochs stop by scikit-learn's rule on the training loss (`tol`,
//! `n_iter_no_change`), the loss of an epoch being the mean of its row groups' losses weighted
//! by their rows.

mod survey;

use std::cell::RefCell;
use std::ops::ControlFlow;
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::{Result, anyhow, bail};
use indicatif::ProgressBar;
use neurona::estimator::Family;
use neurona::loss::OutputHead;
use neurona::network::{Layout, LossSums, Mlp, chunk_sums};
use neurona::params::{Patience, SolverSettings};
use neurona::prelude::*;

use self::survey::Plan;
use super::Say;
use crate::UsageError;
use crate::args::{Task, TrainArgs};
use crate::labels::ClassLabel;
use crate::model::{Extra, FeatureColumns, FitSummary, Model};
use crate::table::parquet_stream::{ParquetStream, is_parquet_source};

/// Trains as the [module](self) says and writes the model.
pub fn run(args: &TrainArgs, say: &Say) -> Result<()> {
    let params = refuse_what_does_not_stream(args)?;
    let path = args.data.as_deref().ok_or_else(|| UsageError("--stream needs --data".to_owned()))?;
    let stream = ParquetStream::open(path)?;
    let plan = Plan::survey(args, &stream)?;
    let n_features = plan.features.len();
    say.line(format!("data: {} ({}, {n_features} features; {})", stream.source, stream.describe(), plan.target_line()));
    say.line(plan.task_line.clone());
    say.line(format!("scaling: {} (fitted in a first streamed pass)", plan.scaler.name()));
    say.line(format!("{} (streamed)", crate::model::Training::describe(&params, n_features)));
    let started = Instant::now();
    let (model, summary) = crate::model::with_float!(args.dtype, F => fit::<F>(args, &params, &plan))?;
    let seconds = started.elapsed().as_secs_f64();
    say.line(format!("trained: {} (passes of {} rows)", summary.line(seconds), stream.n_rows));
    if summary.converged == Some(false) && !summary.message.is_empty() {
        say.line(format!("note: {}", summary.message.lines().next().unwrap_or_default()));
    }
    let extra = Extra {
        features: FeatureColumns::Named(plan.feature_names()),
        target_names: plan.target_names(),
        scaler: plan.scaler.clone(),
        source: stream.source.clone(),
        sequence_id: None,
        step: None,
        preprocess: None,
    };
    crate::table::write_file(&args.model, &model.to_bytes(&extra)?)?;
    say.line(format!("model: {}", args.model.display()));
    Ok(())
}

/// The MLP's parameters, once every flag that cannot be honoured over a stream is refused,
/// naming it.
fn refuse_what_does_not_stream(args: &TrainArgs) -> Result<MlpValidParams> {
    let usage = |message: String| -> Result<MlpValidParams> { Err(UsageError(message).into()) };
    if args.model_kind != Family::Mlp {
        return usage(format!("--stream trains --model-kind mlp, got --model-kind {}", args.model_kind));
    }
    if let Some(path) = args.data.as_deref().filter(|path| !is_parquet_source(path)) {
        return usage(format!(
            "--stream reads a Parquet file (.parquet, .pq) or a folder of them, got --data {} (convert a CSV file \
             to Parquet, or train without --stream)",
            path.display()
        ));
    }
    if !args.columns.categorical.is_empty() {
        return usage("--categorical does not combine with --stream, which reads feature columns of numbers".into());
    }
    if args.target.is_empty() {
        return usage("--stream needs the target column: --target COLUMN".into());
    }
    let params = crate::params::mlp(args)?;
    if params.get_early_stopping() {
        return usage(
            "--early-stopping does not combine with --stream (its --validation-fraction holds rows out of \
             memory-sized batches; score the model with `neurona evaluate` on held-out data)"
                .into(),
        );
    }
    if params.get_warm_start() {
        return usage("--warm-start does not combine with --stream, which trains a fresh model".into());
    }
    Ok(params)
}

/// Trains the model the task and solver call for, in the float type `F`.
fn fit<F: Float>(args: &TrainArgs, params: &MlpValidParams, plan: &Plan) -> Result<(Model, FitSummary)> {
    let bar = rows_bar(args, plan.stream.n_rows);
    let result = match (params.get_solver(), plan.task) {
        (Solver::Lbfgs, Task::Classification) => {
            let mut clf = MlpClassifier::<F, ClassLabel>::new(params.clone());
            let n_features = plan.features.len();
            let interrupted = summed::<F>(plan, params, &bar, |evaluate| {
                clf.fit_summed(n_features, &plan.classes, None, evaluate).map(drop)
            })?;
            lbfgs_outcome(Model::new(clf), interrupted)
        }
        (Solver::Lbfgs, Task::Regression) => {
            let mut reg = MlpRegressor::<F>::new(params.clone());
            let (n_features, n_outputs) = (plan.features.len(), plan.targets.len());
            let interrupted = summed::<F>(plan, params, &bar, |evaluate| {
                reg.fit_summed(n_features, n_outputs, None, evaluate).map(drop)
            })?;
            lbfgs_outcome(Model::new(reg), interrupted)
        }
        (_, Task::Classification) => {
            let mut clf = MlpClassifier::<F, ClassLabel>::new(params.clone());
            let summary = epochs::<F>(params, plan, &bar, |chunk, first| {
                let classes = first.then_some(plan.classes.as_slice());
                let report = clf.partial_fit(chunk.x.view(), chunk.labels()?, classes)?;
                Ok((report.loss, report.interrupted))
            })?;
            (Model::new(clf), summary)
        }
        (_, Task::Regression) => {
            let mut reg = MlpRegressor::<F>::new(params.clone());
            let summary = epochs::<F>(params, plan, &bar, |chunk, _| {
                let report = Regressor::partial_fit(&mut reg, chunk.x.view(), chunk.values()?.view())?;
                Ok((report.loss, report.interrupted))
            })?;
            (Model::new(reg), summary)
        }
    };
    bar.finish_and_clear();
    Ok(result)
}

/// A progress bar of the rows read in the current pass, on a terminal unless `--quiet` or
/// `--verbose`.
fn rows_bar(args: &TrainArgs, rows: usize) -> ProgressBar {
    super::fit::styled_bar(args, rows, "{spinner} {msg} [{bar:30}] {pos}/{len} rows ({elapsed})")
}

/// The row groups' order: a permutation drawn from `rng`, or the file's order.
fn order(rng: Option<&mut RandomState>, n: usize) -> Vec<usize> {
    rng.map_or_else(|| (0..n).collect(), |rng| rng.permutation(n))
}

/// The random stream of the row groups' order: `--random-state`, 0 when none.
fn order_rng(params: &MlpValidParams) -> RandomState {
    RandomState::new(params.get_random_state().unwrap_or(0))
}

/// L-BFGS with each evaluation one pass over the row groups in one drawn order: `fit` runs the
/// core's `fit_summed` with the evaluator it is handed. A row group that cannot be read ends the
/// fit with its error. Returns whether Ctrl-C stopped the fit.
fn summed<F: Float>(
    plan: &Plan,
    params: &MlpValidParams,
    bar: &ProgressBar,
    fit: impl FnOnce(&mut dyn FnMut(&[F], &mut [F]) -> neurona::Result<LossSums>) -> neurona::Result<()>,
) -> Result<bool> {
    let order = order(Some(&mut order_rng(params)), plan.stream.groups.len());
    let mlp = network(plan, params)?;
    let failure = RefCell::new(None);
    let mut scratch = vec![F::zero(); mlp.layout().len()];
    let mut evaluations = 0usize;
    let mut evaluate = |p: &[F], grad: &mut [F]| -> neurona::Result<LossSums> {
        evaluations += 1;
        bar.set_position(0);
        bar.set_message(format!("evaluation {evaluations}"));
        let mut total = LossSums::ZERO;
        for (k, &group) in order.iter().enumerate() {
            let read = plan.read::<F>(group).and_then(|chunk| Ok((plan.encoded(&chunk)?, chunk)));
            let (y, chunk) = read.map_err(|e| {
                *failure.borrow_mut() = Some(e);
                NeuronaError::Interrupted
            })?;
            // The first group's sums are the total so far: written in place, not added to zeros,
            // so that one row group is the in-memory evaluation to the bit (signs of zero too).
            let out = if k == 0 { &mut *grad } else { &mut scratch[..] };
            total.add(chunk_sums(&mlp, p, chunk.x.view(), y.view(), None, out)?);
            if k > 0 {
                grad.iter_mut().zip(&scratch).for_each(|(g, s)| *g += *s);
            }
            bar.inc(chunk.x.nrows() as u64);
        }
        Ok(total)
    };
    // Ctrl-C stops L-BFGS between iterations (a pass over the row groups runs to its end) and
    // keeps its last accepted iterate, as the in-memory fit does.
    let interrupted = super::fit::ctrl_c_flag();
    let (outcome, signalled) =
        neurona::interrupt::with_check(move || interrupted.load(Ordering::SeqCst), || fit(&mut evaluate));
    match (failure.into_inner(), outcome) {
        (Some(error), _) => Err(error),
        (None, outcome) => outcome.map(|()| signalled).map_err(Into::into),
    }
}

/// The model an L-BFGS fit left and its summary, which says so when Ctrl-C stopped it.
fn lbfgs_outcome(model: Model, interrupted: bool) -> (Model, FitSummary) {
    let mut summary = model.fit_summary(&[]);
    if interrupted {
        summary.converged = Some(false);
        summary.message = "interrupted by Ctrl-C: the model trained so far is kept".into();
    }
    (model, summary)
}

/// The network `fit_summed` trains, built the same way: the features, the hidden layers and the
/// outputs of the task, under its output head.
fn network(plan: &Plan, params: &MlpValidParams) -> Result<Mlp> {
    let (n_outputs, out_activation) = match plan.task {
        Task::Classification if plan.classes.len() == 2 => (1, "logistic"),
        Task::Classification => (plan.classes.len(), "softmax"),
        Task::Regression if params.get_loss() == RegressionLoss::Poisson => (plan.targets.len(), "exp"),
        Task::Regression => (plan.targets.len(), "identity"),
    };
    let head =
        OutputHead::from_out_activation(out_activation).ok_or_else(|| anyhow!("no output head {out_activation}"))?;
    let mut units = vec![plan.features.len()];
    units.extend(params.get_hidden_layer_sizes());
    units.push(n_outputs);
    Ok(Mlp::new(Layout::new(units), params.get_activation(), head))
}

/// The epochs of sgd and adam: each a pass over the row groups in a fresh order, `step(chunk,
/// first)` training on one (`first` on the fit's first call) and giving its loss and whether
/// it was interrupted. Ctrl-C stops between two row groups, keeping the model.
fn epochs<F: Float>(
    params: &MlpValidParams,
    plan: &Plan,
    bar: &ProgressBar,
    mut step: impl FnMut(survey::Chunk<F>, bool) -> Result<(f64, bool)>,
) -> Result<FitSummary> {
    let interrupted = super::fit::ctrl_c_flag();
    let max_iter = params.get_max_iter();
    let mut rng = params.get_shuffle().then(|| order_rng(params));
    let mut rule = StoppingRule::new(params);
    let mut first = true;
    for epoch in 1..=max_iter {
        bar.set_position(0);
        bar.set_message(format!("epoch {epoch}/{max_iter}"));
        let (mut loss_sum, mut rows) = (0.0, 0usize);
        for group in order(rng.as_mut(), plan.stream.groups.len()) {
            let chunk = plan.read::<F>(group)?;
            let n = chunk.x.nrows();
            let (loss, stopped) = step(chunk, first)?;
            first = false;
            (loss_sum, rows) = (loss_sum + loss * n as f64, rows + n);
            bar.inc(n as u64);
            if stopped || interrupted.load(Ordering::SeqCst) {
                return Ok(rule.summary(
                    epoch,
                    "interrupted by Ctrl-C: the model trained so far is kept".into(),
                    false,
                ));
            }
        }
        if let ControlFlow::Break(message) = rule.record(loss_sum / rows as f64) {
            return Ok(rule.summary(epoch, message, true));
        }
    }
    let message = format!(
        "Stochastic Optimizer: Maximum iterations ({max_iter}) reached and the optimization hasn't converged yet."
    );
    Ok(rule.summary(max_iter, message, false))
}

/// scikit-learn's stopping rule on the training loss, over the streamed epochs.
struct StoppingRule {
    tol: f64,
    patience: Option<usize>,
    best: f64,
    no_improvement: usize,
    curve: Vec<f64>,
}

impl StoppingRule {
    fn new(params: &MlpValidParams) -> Self {
        let patience = match params.get_n_iter_no_change() {
            Patience::Epochs(epochs) => Some(epochs),
            Patience::Never => None,
        };
        Self { tol: params.get_tol(), patience, best: f64::INFINITY, no_improvement: 0, curve: Vec::new() }
    }

    /// Records an epoch's loss; breaks with scikit-learn's message when the loss has not improved
    /// by `tol` for more than `n_iter_no_change` epochs.
    fn record(&mut self, loss: f64) -> ControlFlow<String> {
        self.curve.push(loss);
        if loss > self.best - self.tol {
            self.no_improvement += 1;
        } else {
            self.no_improvement = 0;
        }
        self.best = self.best.min(loss);
        match self.patience {
            Some(patience) if self.no_improvement > patience => ControlFlow::Break(format!(
                "Training loss did not improve more than tol={:.6} for {patience} consecutive epochs. Stopping.",
                self.tol
            )),
            _ => ControlFlow::Continue(()),
        }
    }

    fn summary(self, epochs: usize, message: String, converged: bool) -> FitSummary {
        FitSummary {
            n_iter: epochs,
            unit: "epochs",
            last: self.curve.last().map(|loss| format!("final loss {loss:.6}")),
            converged: Some(converged),
            message,
            warnings: Vec::new(),
            curve: self.curve,
            validation_scores: None,
        }
    }
}

/// A class label of a row group that the first pass did not see: the file changed under us.
pub(super) fn changed(source: &str, label: &ClassLabel) -> anyhow::Error {
    anyhow!("{source}: the label {label} was not in the first pass over the data (did the data change while training?)")
}

/// Refuses classification on several target columns, which streams no multi-label fit.
pub(super) fn one_target_to_classify(targets: &[String]) -> Result<()> {
    if targets.len() > 1 {
        bail!(
            "--stream classifies one --target column; {} were given (multi-label classification needs the whole \
             table: train without --stream)",
            targets.len()
        );
    }
    Ok(())
}
