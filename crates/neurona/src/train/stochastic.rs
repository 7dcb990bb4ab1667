//! The epoch loop of sgd and adam (scikit-learn's `_fit_stochastic`).

use crate::error::{NeuronaError, Result};
use crate::float::Float;
use crate::interrupt;
use crate::network::Objective;
use crate::params::{BatchSize, SolverParams};
use crate::rng::RandomState;
use crate::train::FitState;
use crate::train::batches::Minibatches;
use crate::train::data::{TrainingSet, ValidationSet, split_validation};
use crate::train::optimizer::OptimizerState;
use crate::train::report::{EpochCallback, EpochProgress, FitReport};
use crate::train::stopping::StoppingRule;

/// Why the epochs ended before `max_iter` (or, for `partial_fit`, before the one epoch ended).
enum Ending {
    /// The stopping rule fired, with its message.
    Converged(String),
    /// The caller's callback asked to stop, or its interruption check (between minibatches).
    Interrupted,
}

/// Minibatch training with sgd or adam: at most `max_iter` epochs (one for `partial_fit`,
/// `incremental`) over shuffled minibatches, each followed by the stopping rule and the
/// caller's callback. Continues from `state` (a warm start or `partial_fit` keeps the optimizer,
/// the loss curve and the count) and leaves the attributes of the run there; with early
/// stopping, the weights of the best validation score.
pub(crate) fn fit_stochastic<F: Float, N: Objective<F>>(
    network: &N,
    mut state: FitState<'_, F>,
    solver: &SolverParams,
    data: &TrainingSet<'_, F>,
    incremental: bool,
    rng: &mut RandomState,
    on_epoch: Option<&mut EpochCallback<'_>>,
) -> Result<FitReport> {
    if !incremental || state.optimizer.is_none() {
        *state.optimizer = Some(OptimizerState::new(solver, network.n_params()));
    }
    if solver.early_stopping && incremental {
        return Err(NeuronaError::parameter(
            "early_stopping",
            "false for partial_fit (partial_fit does not support early_stopping=True)",
            "true",
        ));
    }
    state.begin_attributes(solver.early_stopping);
    let (train_rows, validation) = split_validation(data, solver, rng)?;
    let (batch_size, warnings) = batch_size(solver.batch_size, train_rows.len());
    let mut batches = Minibatches::new(network, data, train_rows, batch_size, solver.shuffle);
    let epochs = Epochs { network, data, solver, rule: StoppingRule::new(solver), validation };
    let ending = epochs.run(&mut state, &mut batches, incremental, rng, on_epoch);

    let message = match &ending {
        Some(Ending::Converged(text)) => text.clone(),
        Some(Ending::Interrupted) => "Training interrupted by user.".to_owned(),
        None if !incremental && *state.n_iter == solver.max_iter => format!(
            "Stochastic Optimizer: Maximum iterations ({}) reached and the optimization hasn't converged yet.",
            solver.max_iter
        ),
        None => String::new(),
    };
    if solver.early_stopping {
        state.params.copy_from_slice(state.best_params);
    }
    Ok(FitReport {
        converged: matches!(ending, Some(Ending::Converged(_))),
        n_iter: *state.n_iter,
        loss: *state.loss,
        message,
        warnings,
        interrupted: matches!(ending, Some(Ending::Interrupted)),
    })
}

/// scikit-learn's batch size: `min(200, n)` for `auto`, else the size clipped to `[1, n]`, with
/// its warning when it was larger than `n`.
fn batch_size(batch_size: BatchSize, n: usize) -> (usize, Vec<String>) {
    match batch_size {
        BatchSize::Auto => (n.min(200), Vec::new()),
        BatchSize::Fixed(size) => {
            let mut warnings = Vec::new();
            if size > n {
                warnings.push(format!(
                    "batch_size ({size}) is larger than the number of training samples ({n}); it is clipped to {n}"
                ));
            }
            (size.clamp(1, n), warnings)
        }
    }
}

/// What stays the same from one epoch to the next.
struct Epochs<'r, 'd, F, N> {
    network: &'r N,
    data: &'r TrainingSet<'d, F>,
    solver: &'r SolverParams,
    rule: StoppingRule,
    validation: Option<ValidationSet<F>>,
}

impl<F: Float, N: Objective<F>> Epochs<'_, '_, F, N> {
    /// The epochs, until `max_iter`, the stopping rule or the callback ends them (`partial_fit`
    /// runs one). Returns why they ended early, if they did.
    fn run(
        &self,
        state: &mut FitState<'_, F>,
        batches: &mut Minibatches<F, N::Workspace>,
        incremental: bool,
        rng: &mut RandomState,
        mut on_epoch: Option<&mut EpochCallback<'_>>,
    ) -> Option<Ending> {
        // Out of the state for the epochs, so that the state's other fields can be lent beside it.
        let mut optimizer = state.optimizer.take().expect("created before the epochs");
        *state.n_iter = 0;
        let mut ending = None;
        for _ in 0..self.solver.max_iter {
            let epoch = batches.epoch(self.network, self.data, state.params, &mut optimizer, self.solver.alpha, rng);
            let Some(loss) = epoch else {
                // scikit-learn's `KeyboardInterrupt` mid-epoch: the epoch is not recorded.
                ending = Some(Ending::Interrupted);
                break;
            };
            state.record_epoch(loss, batches.n_rows(), self.solver.verbose);
            let validation_score = match self.record_progress(state, &mut optimizer) {
                Ok(score) => score,
                Err(interrupted) => {
                    ending = Some(interrupted);
                    break;
                }
            };
            if let Some(text) = self.rule.stops(state.no_improvement_count, &mut optimizer) {
                ending = Some(Ending::Converged(text));
                break;
            }
            if let Some(callback) = on_epoch.as_deref_mut() {
                let progress = EpochProgress {
                    epoch: *state.n_iter,
                    max_epochs: self.solver.max_iter,
                    loss: *state.loss,
                    validation_score,
                };
                if callback(&progress).is_break() {
                    ending = Some(Ending::Interrupted);
                    break;
                }
            }
            if incremental {
                break;
            }
        }
        *state.optimizer = Some(optimizer);
        ending
    }

    /// scikit-learn's `_update_no_improvement_count` (on the validation score when early
    /// stopping, keeping the best weights, else on the training loss), then the end of the
    /// optimizer's epoch. Returns the validation score, or [`Ending::Interrupted`] when the
    /// caller interrupted the validation pass (whose score, computed on part of the rows, is then
    /// not recorded, as scikit-learn records none when its `KeyboardInterrupt` comes there).
    fn record_progress(
        &self,
        state: &mut FitState<'_, F>,
        optimizer: &mut OptimizerState<F>,
    ) -> Result<Option<f64>, Ending> {
        let mut validation_score = None;
        if let Some(validation) = &self.validation {
            let score = validation.score(self.network, state.params, self.data);
            if interrupt::fired() {
                return Err(Ending::Interrupted);
            }
            validation_score = Some(score);
            state.validation_scores.get_or_insert_with(Vec::new).push(score);
            if self.solver.verbose {
                println!("Validation score: {score:.6}");
            }
            if self.rule.record_score(score, state.best_validation_score, state.no_improvement_count) {
                state.best_params.copy_from_slice(state.params);
            }
        } else {
            self.rule.record_loss(*state.loss, state.best_loss, state.no_improvement_count);
        }
        optimizer.iteration_ends(*state.t);
        Ok(validation_score)
    }
}
