//! The stopping rule of the stochastic solvers: scikit-learn's `_update_no_improvement_count`
//! and the test that follows it in `_fit_stochastic`.
//!
//! After each epoch the training loss (or, when early stopping, the validation score) is
//! compared with the best so far: an epoch that does not beat it by more than `tol` counts as
//! no improvement, any other resets the count. Past `n_iter_no_change` such epochs in a row the
//! optimizer decides: SGD's `adaptive` schedule divides its rate by 5 and training goes on, every
//! other optimizer stops.

use crate::float::Float;
use crate::params::{Patience, SolverParams};
use crate::train::optimizer::OptimizerState;

/// The count of epochs in a row without improvement and the best value so far. The comparisons
/// are scikit-learn's, shared by the MLP's `_update_no_improvement_count` and the linear models'
/// `_plain_sgd`; what the count is compared with differs between the two and is the caller's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct NoImprovement {
    /// Epochs in a row without an improvement of more than `tol`.
    pub count: usize,
    /// The lowest loss or the highest score so far.
    pub best: f64,
}

impl NoImprovement {
    /// Records a loss, where lower is better: no improvement unless `loss <= best - tol`.
    /// Returns whether it is the best so far.
    pub fn record_loss(&mut self, loss: f64, tol: f64) -> bool {
        if loss > self.best - tol {
            self.count += 1;
        } else {
            self.count = 0;
        }
        let improved = loss < self.best;
        if improved {
            self.best = loss;
        }
        improved
    }

    /// Records a score, where higher is better: no improvement when `score < best + tol`.
    /// Returns whether it is the best so far.
    pub fn record_score(&mut self, score: f64, tol: f64) -> bool {
        // A NaN score compares false both ways: it resets the count, as in scikit-learn.
        if score < self.best + tol {
            self.count += 1;
        } else {
            self.count = 0;
        }
        let improved = score > self.best;
        if improved {
            self.best = score;
        }
        improved
    }
}

/// The stopping rule of sgd and adam, from the solver settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct StoppingRule {
    tol: f64,
    patience: Patience,
    early_stopping: bool,
    verbose: bool,
}

impl StoppingRule {
    pub fn new(solver: &SolverParams) -> Self {
        Self {
            tol: solver.tol,
            patience: solver.n_iter_no_change,
            early_stopping: solver.early_stopping,
            verbose: solver.verbose,
        }
    }

    /// Records the epoch's training loss into the count and `best_loss`.
    pub fn record_loss(&self, loss: f64, best_loss: &mut Option<f64>, count: &mut usize) {
        let mut rule = NoImprovement { count: *count, best: best_loss.unwrap_or(f64::INFINITY) };
        if rule.record_loss(loss, self.tol) {
            *best_loss = Some(rule.best);
        }
        *count = rule.count;
    }

    /// Records the epoch's validation score into the count and `best_score`; returns whether
    /// it is the best so far (whose weights early stopping keeps).
    pub fn record_score(&self, score: f64, best_score: &mut Option<f64>, count: &mut usize) -> bool {
        let mut rule = NoImprovement { count: *count, best: best_score.unwrap_or(f64::NEG_INFINITY) };
        let improved = rule.record_score(score, self.tol);
        if improved {
            *best_score = Some(rule.best);
        }
        *count = rule.count;
        improved
    }

    /// The test after each epoch: past the patience, the optimizer cuts its rate (the count
    /// starts again) or training stops, with scikit-learn's message, returned.
    pub fn stops<F: Float>(&self, count: &mut usize, optimizer: &mut OptimizerState<F>) -> Option<String> {
        let Patience::Epochs(patience) = self.patience else { return None };
        if *count <= patience {
            return None;
        }
        let what = if self.early_stopping { "Validation score" } else { "Training loss" };
        let reason = format!("{what} did not improve more than tol={:.6} for {patience} consecutive epochs.", self.tol);
        let trigger = optimizer.trigger_stopping();
        let text = format!("{reason}{}", trigger.describe());
        if self.verbose {
            println!("{text}");
        }
        if trigger.stops() {
            return Some(text);
        }
        *count = 0;
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::schedule::LearningRate;
    use crate::params::Solver;

    #[test]
    fn the_count_grows_without_an_improvement_of_more_than_tol() {
        let mut rule = NoImprovement { count: 0, best: f64::INFINITY };
        assert!(rule.record_loss(1.0, 0.1));
        assert_eq!(rule.count, 0);
        assert!(rule.record_loss(0.95, 0.1), "a new best, but by less than tol");
        assert_eq!((rule.count, rule.best), (1, 0.95));
        assert!(!rule.record_loss(2.0, 0.1));
        assert_eq!(rule.count, 2);
        assert!(rule.record_loss(0.5, 0.1));
        assert_eq!(rule.count, 0);
    }

    #[test]
    fn a_nan_score_resets_the_count_and_is_never_the_best() {
        let mut rule = NoImprovement { count: 3, best: 0.5 };
        assert!(!rule.record_score(f64::NAN, 1e-4));
        assert_eq!((rule.count, rule.best), (0, 0.5));
    }

    #[test]
    fn past_the_patience_adaptive_sgd_cuts_its_rate_then_stops() {
        let solver = SolverParams {
            solver: Solver::Sgd,
            learning_rate: LearningRate::Adaptive,
            learning_rate_init: 2e-6,
            n_iter_no_change: Patience::Epochs(1),
            ..SolverParams::default()
        };
        let rule = StoppingRule::new(&solver);
        let mut optimizer = OptimizerState::<f64>::new(&solver, 3);
        let mut count = 1;
        assert_eq!(rule.stops(&mut count, &mut optimizer), None);
        count = 2;
        assert_eq!(rule.stops(&mut count, &mut optimizer), None, "the rate is cut");
        assert_eq!((count, optimizer.learning_rate()), (0, 2e-6 / 5.0));
        count = 2;
        assert_eq!(
            rule.stops(&mut count, &mut optimizer).as_deref(),
            Some(
                "Training loss did not improve more than tol=0.000100 for 1 consecutive epochs. Learning rate too \
                 small. Stopping."
            )
        );
    }
}
