//! Fitting with a progress bar, Ctrl-C, and the lines that say how the fit went.

use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};

use super::{Prepared, Say};
use crate::args::TrainArgs;
use crate::model::{Epoch, FitInput, FitSummary, Model, Training};

/// A fitted model and how its fit went.
pub struct Fit {
    pub model: Model,
    pub summary: FitSummary,
    pub seconds: f64,
}

/// Progress on a terminal: a bar per epoch with the curve's value (the loss, or the
/// pseudo-likelihood) and the validation score, made at the first epoch (a fit without an epoch
/// callback, such as the perceptron's or L-BFGS, shows none). Hidden with `--quiet` or
/// `--verbose` (whose lines are scikit-learn's), and off a terminal.
fn progress_bar(args: &TrainArgs, epochs: usize) -> ProgressBar {
    styled_bar(args, epochs, "{spinner} epoch {pos:>4}/{len} [{bar:30}] {msg} ({elapsed})")
}

/// A bar of `len` steps drawn by `template`, hidden as [`progress_bar`] is.
pub(super) fn styled_bar(args: &TrainArgs, len: usize, template: &str) -> ProgressBar {
    if args.quiet || args.verbose || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len as u64);
    let style = ProgressStyle::with_template(template)
        .map(|s| s.progress_chars("=> "))
        .unwrap_or_else(|_| ProgressStyle::default_bar());
    bar.set_style(style);
    bar
}

/// A flag that Ctrl-C sets, so that training stops (between two minibatches, L-BFGS iterations
/// or blocks of a perceptron's rows: the core asks it, see `neurona::interrupt`) and keeps the
/// model trained so far.
pub(super) fn ctrl_c_flag() -> Arc<AtomicBool> {
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&interrupted);
    // A second handler cannot be installed (e.g. in tests running train twice): then Ctrl-C
    // keeps its default meaning.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    interrupted
}

/// Trains the model (continuing the warm start's), showing progress, then says how it went.
pub fn fit(args: &TrainArgs, training: &dyn Training, prepared: &mut Prepared, say: &Say) -> Result<Fit> {
    let interrupted = ctrl_c_flag();
    let mut bar: Option<ProgressBar> = None;
    let what = training.curve_text().y_label;
    let mut epochs = Vec::new();
    let mut stopped = false;
    let mut on_epoch = |epoch: &Epoch| {
        let bar = bar.get_or_insert_with(|| progress_bar(args, epoch.of));
        bar.set_position(epoch.epoch as u64);
        let validation = epoch.validation.map(|s| format!(", validation {s:.4}")).unwrap_or_default();
        bar.set_message(format!("{what} {:.5}{validation}", epoch.value));
        epochs.push(*epoch);
        if interrupted.load(Ordering::SeqCst) {
            stopped = true;
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let started = Instant::now();
    let asked = Arc::clone(&interrupted);
    let (model, signalled) = neurona::interrupt::with_check(
        move || asked.load(Ordering::SeqCst),
        || {
            training.fit(FitInput {
                family: args.model_kind,
                previous: prepared.previous.take(),
                dtype: args.dtype,
                x: &prepared.x_train,
                y: prepared.y_train.as_ref(),
                on_epoch: &mut on_epoch,
            })
        },
    );
    let model = model?;
    stopped |= signalled;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let seconds = started.elapsed().as_secs_f64();
    let summary = model.fit_summary(&epochs);
    say.line(format!("trained: {}", summary.line(seconds)));
    if stopped {
        say.line("interrupted by Ctrl-C: the model trained so far is kept".to_owned());
    } else if summary.converged == Some(false) && !summary.message.is_empty() {
        say.line(format!("note: {}", summary.message.lines().next().unwrap_or_default()));
    }
    for warning in &summary.warnings {
        say.line(format!("warning: {warning}"));
    }
    Ok(Fit { model, summary, seconds })
}
