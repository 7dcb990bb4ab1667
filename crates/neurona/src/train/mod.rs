//! One training loop for every gradient-trained network.
//!
//! A network plugs in through [`Objective`](crate::network::Objective) (the loss and gradient
//! of a batch over its flat parameters, and its outputs); the solver settings come from
//! [`SolverParams`](crate::params::SolverParams) alone. The pieces, in the order of a fit:
//!
//! * the optimizers built in one place ([`OptimizerState`], `optimizer.rs`);
//! * the early-stopping split and its scoring (`data.rs`);
//! * the epochs of sgd and adam (`stochastic.rs`) over minibatches of shuffled indices
//!   (`batches.rs`, which allocates nothing per epoch), each epoch followed by the stopping rule
//!   (`stopping.rs`: the no-improvement count, the best validation score and its weights,
//!   the adaptive schedule's rate cut, scikit-learn's messages);
//! * or the full-batch L-BFGS adapter (`lbfgs.rs`) around [`crate::optim::lbfgs`], and the same
//!   L-BFGS over a caller's summed chunks of rows ([`summed`]: Dask workers);
//! * what a caller passes and gets back: [`FitOptions`], [`EpochProgress`] and [`FitReport`];
//! * what a fit leaves behind besides the weights, held by every family's state and saved by
//!   `persist/training.rs`: [`TrainingAttributes`] (`attributes.rs`).

mod attributes;
mod batches;
mod data;
mod lbfgs;
mod optimizer;
mod report;
mod stochastic;
mod stopping;
pub mod summed;

pub use attributes::TrainingAttributes;
pub use optimizer::OptimizerState;
pub use report::{EpochCallback, EpochProgress, FitOptions, FitReport};

pub(crate) use data::{Scorer, SequenceRows, TrainingData, TrainingSet};
pub(crate) use lbfgs::fit_lbfgs;
pub(crate) use report::FitCall;
pub(crate) use stochastic::fit_stochastic;
pub(crate) use stopping::NoImprovement;

/// The weights and the training attributes (scikit-learn's fitted attributes of a stochastic
/// fit) that a fit continues from and leaves behind, lent by the estimator's state for one call.
pub(crate) struct FitState<'a, F> {
    pub params: &'a mut [F],
    /// The weights of the best validation score (early stopping).
    pub best_params: &'a mut [F],
    /// `n_iter_`: epochs run by this call.
    pub n_iter: &'a mut usize,
    /// `t_`: training samples seen since initialisation.
    pub t: &'a mut u64,
    /// `loss_`: the last epoch's loss.
    pub loss: &'a mut f64,
    pub loss_curve: &'a mut Option<Vec<f64>>,
    /// `None` when early stopping.
    pub best_loss: &'a mut Option<f64>,
    /// `Some` when early stopping.
    pub validation_scores: &'a mut Option<Vec<f64>>,
    pub best_validation_score: &'a mut Option<f64>,
    pub no_improvement_count: &'a mut usize,
    pub optimizer: &'a mut Option<OptimizerState<F>>,
}

impl<F> FitState<'_, F> {
    /// A state fitted without early stopping has no validation attributes; a warm start that
    /// turns it on begins them here (and the other way round, the best loss).
    fn begin_attributes(&mut self, early_stopping: bool) {
        if early_stopping && self.validation_scores.is_none() {
            *self.validation_scores = Some(Vec::new());
            *self.best_validation_score = Some(f64::NEG_INFINITY);
            *self.best_loss = None;
        } else if !early_stopping && self.best_loss.is_none() {
            *self.best_loss = Some(f64::INFINITY);
        }
        self.loss_curve.get_or_insert_with(Vec::new);
    }

    /// The end of an epoch over `n_rows` rows with mean loss `loss`.
    fn record_epoch(&mut self, loss: f64, n_rows: usize, verbose: bool) {
        *self.n_iter += 1;
        *self.loss = loss;
        *self.t += n_rows as u64;
        self.loss_curve.get_or_insert_with(Vec::new).push(loss);
        if verbose {
            println!("Iteration {}, loss = {:.8}", self.n_iter, loss);
        }
    }
}

impl<F: crate::float::Float> TrainingAttributes<F> {
    /// One call's training of `weights` on `set` by the solver `solver` names, continuing from
    /// and recording into these attributes: the stochastic epochs, or L-BFGS (whose iterations
    /// and loss become `n_iter_` and `loss_`). Weights that left the finite range are an error.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn run_solver<N: crate::network::Objective<F>>(
        &mut self,
        network: &N,
        weights: &mut [F],
        solver: &crate::params::SolverParams,
        set: &TrainingSet<'_, F>,
        incremental: bool,
        rng: &mut crate::rng::RandomState,
        on_epoch: Option<&mut EpochCallback<'_>>,
    ) -> crate::error::Result<()> {
        if !solver.solver.is_stochastic() {
            return self.record_lbfgs(fit_lbfgs(network, weights, solver, set), weights);
        }
        self.report = fit_stochastic(network, self.fit_state(weights), solver, set, incremental, rng, on_epoch)?;
        check_finite_weights(weights)
    }

    /// Records an L-BFGS run that left `weights` (its iterations and loss become `n_iter_` and
    /// `loss_`): the in-memory fit's and the summed chunks' ([`summed`]) one ending.
    pub(crate) fn record_lbfgs(&mut self, report: FitReport, weights: &[F]) -> crate::error::Result<()> {
        self.n_iter = report.n_iter;
        self.loss = report.loss;
        self.report = report;
        check_finite_weights(weights)
    }
}

/// Weights that left the finite range are an error.
fn check_finite_weights<F: crate::float::Float>(weights: &[F]) -> crate::error::Result<()> {
    if weights.iter().any(|p| !p.is_finite()) {
        return Err(crate::error::NeuronaError::NonFiniteWeights);
    }
    Ok(())
}
