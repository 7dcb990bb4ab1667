//! What a fit takes besides the data ([`FitOptions`]), what it tells a caller after every epoch
//! ([`EpochProgress`]) and how it ended ([`FitReport`]).

use std::ops::ControlFlow;

use ndarray::ArrayView1;

use crate::rng::RandomState;

/// How a call to `fit` or `partial_fit` ended. A fit that did not converge is not an error: it is
/// reported here (the Python binding turns it into scikit-learn's `ConvergenceWarning`).
#[derive(Debug, Clone, PartialEq)]
pub struct FitReport {
    /// Whether the solver met its own stopping criterion before `max_iter` (for sgd and adam: the
    /// no-improvement rule fired; for lbfgs: scipy's status 0).
    pub converged: bool,
    /// Epochs (sgd, adam) or iterations (lbfgs) run in this call.
    pub n_iter: usize,
    /// The final loss.
    pub loss: f64,
    /// What ended the run, in scikit-learn's words (its stop message or its
    /// `ConvergenceWarning` text).
    pub message: String,
    /// Warnings scikit-learn would have issued (e.g. a clipped batch size).
    pub warnings: Vec<String>,
    /// Whether the caller's epoch callback asked to stop.
    pub interrupted: bool,
}

impl FitReport {
    /// The report of a network that has not trained yet.
    pub(crate) fn untrained() -> Self {
        Self {
            converged: false,
            n_iter: 0,
            loss: f64::NAN,
            message: String::new(),
            warnings: Vec::new(),
            interrupted: false,
        }
    }
}

/// What the epoch callback sees after each epoch of sgd or adam.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochProgress {
    /// Epochs run in this call so far.
    pub epoch: usize,
    /// `max_iter`: the most epochs this call may run.
    pub max_epochs: usize,
    /// The epoch's training loss.
    pub loss: f64,
    /// The epoch's validation score (accuracy or R²) when early stopping.
    pub validation_score: Option<f64>,
}

/// A callback run after every epoch; `ControlFlow::Break` stops training after that epoch, as
/// scikit-learn does on Ctrl-C, keeping what was learned (with early stopping, the best weights).
pub type EpochCallback<'a> = dyn FnMut(&EpochProgress) -> ControlFlow<()> + 'a;

/// Extra inputs of a fit: sample weights, a caller-owned random stream, an epoch callback.
#[derive(Default)]
pub struct FitOptions<'a, F> {
    /// One weight per sample (scikit-learn's `sample_weight`).
    pub sample_weight: Option<ArrayView1<'a, F>>,
    /// Draw from this stream instead of one seeded from `random_state` (how scikit-learn treats
    /// a `RandomState` instance: the caller's stream advances).
    pub random_state: Option<&'a mut RandomState>,
    /// Called after every epoch of sgd and adam.
    pub on_epoch: Option<&'a mut EpochCallback<'a>>,
}

impl<F: crate::float::Float> FitOptions<'_, F> {
    /// The sample weights checked for `n_rows` rows of training data (one each, finite, not
    /// all zero), as the loop takes them.
    pub(crate) fn checked_sample_weight(&self, n_rows: usize) -> crate::error::Result<Option<Vec<F>>> {
        self.sample_weight.map(|sw| crate::data::validate::check_sample_weight(sw, n_rows)).transpose()
    }
}

/// One call to a network family's `fit` (`incremental = false`) or `partial_fit` (`true`),
/// besides the hyperparameters and the data: the fitted state it may continue from, the
/// caller's options, and the estimator's name for the errors it gives.
pub(crate) struct FitCall<'s, 'o, S, F> {
    pub current: Option<&'s S>,
    pub incremental: bool,
    pub options: FitOptions<'o, F>,
    pub estimator: &'static str,
}

impl<F> std::fmt::Debug for FitOptions<'_, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FitOptions")
            .field("sample_weight", &self.sample_weight.is_some())
            .field("random_state", &self.random_state.is_some())
            .field("on_epoch", &self.on_epoch.is_some())
            .finish()
    }
}
