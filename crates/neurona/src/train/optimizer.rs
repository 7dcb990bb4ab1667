//! The stochastic optimizers, built in one place from the solver settings.
//!
//! The optimizers themselves ([`crate::optim`]) see only flat buffers and take their constants
//! one by one; this is where scikit-learn's parameters are handed to them, for a fit and for a
//! model file that resumes one.

use crate::float::Float;
use crate::network::ElementwiseUpdate;
use crate::optim::adam::{Adam, AdamStep};
use crate::optim::sgd::{Sgd, SgdStep, Trigger};
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

    /// Begins a step (Adam's count advances), to be applied to the parameters as their
    /// gradient is finished (see [`ElementwiseUpdate`]).
    pub(crate) fn begin_step(&mut self) -> OptimizerStep<'_, F> {
        match self {
            Self::Sgd(sgd) => OptimizerStep::Sgd(sgd.begin_step()),
            Self::Adam(adam) => OptimizerStep::Adam(adam.begin_step()),
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

/// One step of a stochastic optimizer, begun by [`OptimizerState::begin_step`].
pub(crate) enum OptimizerStep<'a, F> {
    /// An SGD step.
    Sgd(SgdStep<'a, F>),
    /// An Adam step.
    Adam(AdamStep<'a, F>),
}

impl<F: Float> ElementwiseUpdate<F> for OptimizerStep<'_, F> {
    unsafe fn apply(&self, at: usize, params: &mut [F], grad: &[F]) {
        // SAFETY: the caller's promise, handed on.
        match self {
            Self::Sgd(step) => unsafe { step.apply(at, params, grad) },
            Self::Adam(step) => unsafe { step.apply(at, params, grad) },
        }
    }

    fn apply_all(&self, params: &mut [F], grad: &[F]) {
        match self {
            Self::Sgd(step) => step.apply_all(params, grad),
            Self::Adam(step) => step.apply_all(params, grad),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::activation::Activation;
    use crate::linalg::tests::filled;
    use crate::linalg::{MatRef, available_cores, with_max_threads};
    use crate::loss::OutputHead;
    use crate::network::{Batch, Layout, Mlp, Objective, Workspace};
    use crate::optim::schedule::LearningRate;

    /// `steps` minibatch steps of `optimizer` on `mlp` from `params`, each either the network's
    /// training step (the update fused into its parameter job, with work beside it that counts
    /// its runs) or the gradient followed by the update over the whole buffer: the parameters
    /// and the losses, as bits.
    fn train(
        mlp: &Mlp,
        mut optimizer: OptimizerState<f64>,
        params: &[f64],
        batch: Batch<'_, f64>,
        fused: bool,
        steps: usize,
    ) -> (Vec<u64>, Vec<u64>) {
        let (mut params, mut grad) = (params.to_vec(), vec![f64::NAN; params.len()]);
        let mut workspace = Workspace::new(mlp.layout(), batch.input.rows());
        let mut losses = Vec::new();
        let beside_runs = AtomicUsize::new(0);
        let beside = || {
            beside_runs.fetch_add(1, Ordering::Relaxed);
        };
        for step in 0..steps {
            let loss = if fused {
                let update = optimizer.begin_step();
                let loss = mlp.train_step(&mut params, batch, 1e-3, &mut workspace, &mut grad, &update, Some(&beside));
                assert_eq!(beside_runs.load(Ordering::Relaxed), step + 1, "the work beside the step runs once");
                loss
            } else {
                let loss = Objective::loss_and_gradient(mlp, &params, batch, 1e-3, &mut workspace, &mut grad);
                optimizer.begin_step().apply_all(&mut params, &grad);
                loss
            };
            losses.push(loss.to_bits());
        }
        (params.iter().map(|v| v.to_bits()).collect(), losses)
    }

    // Layers whose weight gradients the parameter job cuts along columns (64x100) and along
    // rows (120x30), one too small to cut, and a last batch of a few rows.
    #[test]
    fn the_update_fused_into_the_step_gives_the_bits_of_the_update_after_it_on_any_number_of_threads() {
        for (units, rows) in [(vec![64, 100, 10], 200), (vec![120, 30, 40, 5], 200), (vec![7, 40, 2], 37)] {
            let layout = Layout::new(units.clone());
            let mlp = Mlp::new(layout.clone(), Activation::Relu, OutputHead::LogLoss);
            let (p, k, n) = (units[0], *units.last().unwrap(), layout.len());
            let params = filled::<f64>(n, 1);
            let x = filled::<f64>(rows * p, 2);
            let y: Vec<f64> = (0..rows * k).map(|i| f64::from(u8::from(i % k == (i / k) % k))).collect();
            let batch = Batch::rows(MatRef::row_major(&x, rows, p), &y);
            let optimizers = [
                OptimizerState::Adam(Adam::new(n, 1e-3, 0.9, 0.999, 1e-8)),
                OptimizerState::Sgd(Sgd::new(n, 0.1, LearningRate::Constant, 0.9, true, 0.5)),
                OptimizerState::Sgd(Sgd::new(n, 0.1, LearningRate::Constant, 0.9, false, 0.5)),
            ];
            for optimizer in optimizers {
                let separate = train(&mlp, optimizer.clone(), &params, batch, false, 3);
                for threads in [1, available_cores().max(2)] {
                    let fused =
                        with_max_threads(Some(threads), || train(&mlp, optimizer.clone(), &params, batch, true, 3))
                            .unwrap();
                    assert_eq!(fused.1, separate.1, "{units:?}, {threads} threads: losses");
                    assert_eq!(fused.0, separate.0, "{units:?}, {threads} threads: parameters");
                }
            }
        }
    }
}
