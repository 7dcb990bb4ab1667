//! The stochastic optimizers, built in one place from the solver settings.
//!
//! The optimizers themselves ([`crate::optim`]) see only flat buffers and take their constants
//! one by one; this is where scikit-learn's parameters are handed to them, for a fit and for a
//! model file that resumes one.

use crate::float::Float;
use crate::optim::adam::Adam;
use crate::optim::sgd::{Sgd, Trigger};
use crate::params::{Solver, SolverParams};

/// The state of a stochastic optimizer, kept between `partial_fit` calls.
#[derive(Debug, Clone, PartialEq)]
pub enum OptimizerState<F> {
    /// SGD velocities and learning rate.
    Sgd(Sgd<F>),
    /// Adam moments and step count.
    Adam(Adam<F>),
}

impl<F: Float> OptimizerState<F> {
    /// A fresh optimizer for `n_params` parameters: SGD for `solver = sgd`, Adam otherwise
    /// (scikit-learn's `_fit_stochastic` builds Adam for every solver but sgd; lbfgs never
    /// asks).
    pub fn new(solver: &SolverParams, n_params: usize) -> Self {
        match solver.solver {
            Solver::Sgd => Self::sgd(solver, n_params),
            _ => Self::adam(solver, n_params),
        }
    }

    /// A fresh SGD for `n_params` parameters from `learning_rate_init`, `learning_rate`,
    /// `momentum`, `nesterovs_momentum` and `power_t`, with zero velocities.
    pub fn sgd(solver: &SolverParams, n_params: usize) -> Self {
        Self::Sgd(Sgd::new(
            n_params,
            solver.learning_rate_init,
            solver.learning_rate,
            solver.momentum,
            solver.nesterovs_momentum,
            solver.power_t,
        ))
    }

    /// A fresh Adam for `n_params` parameters from `learning_rate_init`, `beta_1`, `beta_2` and
    /// `epsilon`, with zero moments.
    pub fn adam(solver: &SolverParams, n_params: usize) -> Self {
        Self::Adam(Adam::new(n_params, solver.learning_rate_init, solver.beta_1, solver.beta_2, solver.epsilon))
    }

    /// One step: updates `params` in place from `grad`.
    #[inline]
    pub(crate) fn update(&mut self, params: &mut [F], grad: &[F]) {
        match self {
            Self::Sgd(sgd) => sgd.update(params, grad),
            Self::Adam(adam) => adam.update(params, grad),
        }
    }

    /// The end of an epoch after `samples_seen` training samples (SGD's `invscaling` schedule).
    pub(crate) fn iteration_ends(&mut self, samples_seen: u64) {
        if let Self::Sgd(sgd) = self {
            sgd.iteration_ends(samples_seen);
        }
    }

    /// The no-improvement rule fired: SGD's `adaptive` schedule cuts the rate, everything else
    /// stops.
    pub(crate) fn trigger_stopping(&mut self) -> Trigger {
        match self {
            Self::Sgd(sgd) => sgd.trigger_stopping(),
            Self::Adam(_) => Trigger::Stop,
        }
    }

    /// The current learning rate (scikit-learn's `_optimizer.learning_rate`).
    pub fn learning_rate(&self) -> f64 {
        match self {
            Self::Sgd(sgd) => sgd.learning_rate(),
            Self::Adam(adam) => adam.learning_rate(),
        }
    }
}
