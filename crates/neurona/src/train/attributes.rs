//! The fitted training attributes of a gradient-trained network (scikit-learn's `n_iter_`,
//! `loss_curve_`, `best_loss_`, ...), kept in one struct so that every family holds, resumes and
//! saves them the same way: an estimator's state holds one beside its network and weights.

use super::{FitReport, FitState, OptimizerState};

/// What training leaves behind besides the network and its weights: scikit-learn's fitted
/// attributes of the loop, the optimizer's state and the last call's report. An estimator's
/// state dereferences to this, so that `state.n_iter()` and the rest read the same everywhere.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingAttributes<F> {
    pub(crate) n_iter: usize,
    pub(crate) t: u64,
    pub(crate) loss: f64,
    pub(crate) loss_curve: Option<Vec<f64>>,
    pub(crate) best_loss: Option<f64>,
    pub(crate) validation_scores: Option<Vec<f64>>,
    pub(crate) best_validation_score: Option<f64>,
    pub(crate) no_improvement_count: usize,
    /// The weights of the best validation score (early stopping), as long as the flat weights.
    pub(crate) best_params: Vec<F>,
    pub(crate) optimizer: Option<OptimizerState<F>>,
    pub(crate) report: FitReport,
}

impl<F> TrainingAttributes<F> {
    /// The attributes of a network that has not trained yet, whose weights are `best_params`:
    /// a stochastic solver starts its loss curve, and either its best loss or, when early
    /// stopping, its validation scores (as scikit-learn's `_initialize`).
    pub(crate) fn fresh(best_params: Vec<F>, stochastic: bool, early_stopping: bool) -> Self {
        let early = stochastic && early_stopping;
        Self {
            n_iter: 0,
            t: 0,
            loss: f64::NAN,
            loss_curve: stochastic.then(Vec::new),
            best_loss: (stochastic && !early).then_some(f64::INFINITY),
            validation_scores: early.then(Vec::new),
            best_validation_score: early.then_some(f64::NEG_INFINITY),
            no_improvement_count: 0,
            best_params,
            optimizer: None,
            report: FitReport::untrained(),
        }
    }

    /// These attributes and the network's weights `params`, lent to the training loop.
    pub(crate) fn fit_state<'a>(&'a mut self, params: &'a mut [F]) -> FitState<'a, F> {
        FitState {
            params,
            best_params: &mut self.best_params,
            n_iter: &mut self.n_iter,
            t: &mut self.t,
            loss: &mut self.loss,
            loss_curve: &mut self.loss_curve,
            best_loss: &mut self.best_loss,
            validation_scores: &mut self.validation_scores,
            best_validation_score: &mut self.best_validation_score,
            no_improvement_count: &mut self.no_improvement_count,
            optimizer: &mut self.optimizer,
        }
    }

    /// `loss_`: the last epoch's loss (sgd, adam) or the final objective (lbfgs).
    pub fn loss(&self) -> f64 {
        self.loss
    }

    /// `n_iter_`: epochs or iterations run by the last call.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// `t_`: training samples seen by the stochastic solvers since initialisation.
    pub fn t(&self) -> u64 {
        self.t
    }

    /// `loss_curve_` (sgd and adam only; `None` for lbfgs, where scikit-learn has no attribute).
    pub fn loss_curve(&self) -> Option<&[f64]> {
        self.loss_curve.as_deref()
    }

    /// `best_loss_`: `None` for lbfgs and when early stopping.
    pub fn best_loss(&self) -> Option<f64> {
        self.best_loss
    }

    /// `validation_scores_`: per-epoch validation scores when early stopping.
    pub fn validation_scores(&self) -> Option<&[f64]> {
        self.validation_scores.as_deref()
    }

    /// `best_validation_score_` when early stopping.
    pub fn best_validation_score(&self) -> Option<f64> {
        self.best_validation_score
    }

    /// `_no_improvement_count`: consecutive epochs without improvement.
    pub fn no_improvement_count(&self) -> usize {
        self.no_improvement_count
    }

    /// The stochastic optimizer's state (`None` for lbfgs).
    pub fn optimizer(&self) -> Option<&OptimizerState<F>> {
        self.optimizer.as_ref()
    }

    /// How the last call ended.
    pub fn report(&self) -> &FitReport {
        &self.report
    }
}
