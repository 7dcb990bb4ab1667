//! The hyperparameter vocabulary shared by every estimator family.
//!
//! [`SolverParams`] holds the settings of gradient training that any network family shares
//! (scikit-learn's names and defaults): the solver, the L2 penalty, minibatching, the learning
//! rate and its schedule, momentum, Adam's constants, the stopping rule, early stopping, warm
//! start and the random seed. The multilayer perceptrons embed it; every later gradient-trained
//! family embeds it too, so that the training loop ([`crate::train`]) reads one struct whatever
//! the network.

use std::fmt;
use std::str::FromStr;

use crate::error::{NeuronaError, Result};
use crate::optim::schedule::LearningRate;

/// The optimisation algorithm (scikit-learn's `solver`). Default: `Adam`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Solver {
    /// Full-batch L-BFGS (quasi-Newton); fast and accurate on small data sets.
    Lbfgs,
    /// Minibatch stochastic gradient descent, with momentum and a learning-rate schedule.
    Sgd,
    /// Minibatch Adam.
    #[default]
    Adam,
}

impl Solver {
    /// scikit-learn's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Lbfgs => "lbfgs",
            Self::Sgd => "sgd",
            Self::Adam => "adam",
        }
    }

    /// Whether the solver trains on minibatches, epoch by epoch (sgd and adam).
    pub fn is_stochastic(self) -> bool {
        self != Self::Lbfgs
    }
}

impl fmt::Display for Solver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Solver {
    type Err = NeuronaError;

    fn from_str(s: &str) -> Result<Self> {
        [Self::Lbfgs, Self::Sgd, Self::Adam]
            .into_iter()
            .find(|v| v.name() == s)
            .ok_or_else(|| NeuronaError::parameter("solver", "one of 'lbfgs', 'sgd', 'adam'", format!("'{s}'")))
    }
}

/// Minibatch size (scikit-learn's `batch_size`). Default: `Auto`, i.e. `min(200, n_samples)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BatchSize {
    /// `min(200, n_samples)`.
    #[default]
    Auto,
    /// A fixed size, clipped to the number of training samples.
    Fixed(usize),
}

impl fmt::Display for BatchSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Auto => f.write_str("auto"),
            Self::Fixed(n) => write!(f, "{n}"),
        }
    }
}

impl FromStr for BatchSize {
    type Err = NeuronaError;

    fn from_str(s: &str) -> Result<Self> {
        if s == "auto" {
            return Ok(Self::Auto);
        }
        s.parse::<usize>()
            .map(Self::Fixed)
            .map_err(|_| NeuronaError::parameter("batch_size", "'auto' or an integer >= 1", format!("'{s}'")))
    }
}

/// Epochs without improvement before stopping (scikit-learn's `n_iter_no_change`). Default: 10.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Patience {
    /// Stop (or, with the adaptive schedule, cut the rate) after more than this many epochs.
    Epochs(usize),
    /// Never stop early (scikit-learn's `np.inf`): train for `max_iter` epochs.
    Never,
}

impl fmt::Display for Patience {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Epochs(n) => write!(f, "{n}"),
            Self::Never => f.write_str("inf"),
        }
    }
}

impl FromStr for Patience {
    type Err = NeuronaError;

    fn from_str(s: &str) -> Result<Self> {
        if s == "inf" {
            return Ok(Self::Never);
        }
        s.parse::<usize>()
            .map(Self::Epochs)
            .map_err(|_| NeuronaError::parameter("n_iter_no_change", "an integer >= 1 or 'inf'", format!("'{s}'")))
    }
}

/// The settings of gradient training shared by every gradient-trained family, with
/// scikit-learn's `MLPClassifier` defaults. Families embed it (the MLPs as `training`).
#[derive(Debug, Clone, PartialEq)]
pub struct SolverParams {
    pub(crate) solver: Solver,
    pub(crate) alpha: f64,
    pub(crate) batch_size: BatchSize,
    pub(crate) learning_rate: LearningRate,
    pub(crate) learning_rate_init: f64,
    pub(crate) power_t: f64,
    pub(crate) max_iter: usize,
    pub(crate) shuffle: bool,
    pub(crate) random_state: Option<u32>,
    pub(crate) tol: f64,
    pub(crate) verbose: bool,
    pub(crate) warm_start: bool,
    pub(crate) momentum: f64,
    pub(crate) nesterovs_momentum: bool,
    pub(crate) early_stopping: bool,
    pub(crate) validation_fraction: f64,
    pub(crate) beta_1: f64,
    pub(crate) beta_2: f64,
    pub(crate) epsilon: f64,
    pub(crate) n_iter_no_change: Patience,
    pub(crate) max_fun: usize,
}

impl Default for SolverParams {
    fn default() -> Self {
        Self {
            solver: Solver::Adam,
            alpha: 1e-4,
            batch_size: BatchSize::Auto,
            learning_rate: LearningRate::Constant,
            learning_rate_init: 1e-3,
            power_t: 0.5,
            max_iter: 200,
            shuffle: true,
            random_state: None,
            tol: 1e-4,
            verbose: false,
            warm_start: false,
            momentum: 0.9,
            nesterovs_momentum: true,
            early_stopping: false,
            validation_fraction: 0.1,
            beta_1: 0.9,
            beta_2: 0.999,
            epsilon: 1e-8,
            n_iter_no_change: Patience::Epochs(10),
            max_fun: 15000,
        }
    }
}
