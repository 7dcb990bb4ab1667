//! What the training loop ([`crate::train`]) needs from a network: the loss of a batch and its
//! gradient with respect to one flat parameter buffer, and the network's outputs for chosen rows
//! (to score a validation set). The multilayer perceptron is the first implementation.
//!
//! The loop is generic over the network and monomorphised for each one: a call through this
//! trait is a direct, inlinable call, so the minibatch loop costs what it cost when it called
//! the network by name, and it still allocates nothing (the network's buffers live in its
//! [`Objective::Workspace`], made once per fit).
//!
//! A minibatch step ends with the optimizer's update of every parameter from its gradient.
//! SGD's and Adam's act on each parameter alone ([`ElementwiseUpdate`]), so a network may apply
//! the update to each block of its parameters as soon as that block's gradient is final, on the
//! thread that finished it, rather than in a pass over the whole buffer after the gradient
//! ([`Objective::train_step`]; the MLP does, in its parameter job): the same bits either way.

use ndarray::{Array2, ArrayView2};

use crate::float::Float;
use crate::linalg::MatRef;

/// One batch of training rows, gathered by the loop.
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a, F> {
    /// `input: (n, n_features)`, any layout; for sequences `(n, t_max · n_features)`, each row
    /// one sequence padded to `t_max` steps, row-major.
    pub input: MatRef<'a, F>,
    /// For sequences, the number of steps of each row; `None` for rows of features.
    pub lengths: Option<&'a [usize]>,
    /// `targets: (n, n_outputs)`, row-major.
    pub targets: &'a [F],
    /// One weight per row, or `None` for all 1.
    pub sample_weight: Option<&'a [F]>,
}

impl<'a, F> Batch<'a, F> {
    /// Rows of features `input: (n, n_features)` and their `targets: (n, n_outputs)`, each row
    /// weighing 1.
    pub fn rows(input: MatRef<'a, F>, targets: &'a [F]) -> Self {
        Self { input, lengths: None, targets, sample_weight: None }
    }

    /// The same rows weighted by `sample_weight` (`None`: all 1).
    pub fn weighted(self, sample_weight: Option<&'a [F]>) -> Self {
        Self { sample_weight, ..self }
    }
}

/// An optimizer's update that acts on each parameter alone, from its gradient and its own
/// state (SGD's velocity, Adam's moments): applied to disjoint runs of the parameters, on any
/// threads and in any order, it gives the bits of one pass over the whole buffer.
pub trait ElementwiseUpdate<F>: Sync {
    /// Updates `params`, the parameters from `at` on, from their gradient `grad`.
    ///
    /// # Safety
    /// No other call on another thread may update a run overlapping this one meanwhile, and a
    /// step updates each parameter once.
    unsafe fn apply(&self, at: usize, params: &mut [F], grad: &[F]);

    /// Updates every parameter, `params` from `grad`.
    fn apply_all(&self, params: &mut [F], grad: &[F]) {
        // SAFETY: one run, the whole buffer, on this thread alone.
        unsafe { self.apply(0, params, grad) }
    }
}

/// A network as an objective over its flat parameter buffer.
pub trait Objective<F: Float> {
    /// Buffers of one loss-and-gradient pass (activations, deltas), made once per fit.
    type Workspace;

    /// The length of the flat parameter buffer (and of the gradient).
    fn n_params(&self) -> usize;

    /// Buffers for batches of at most `max_rows` rows.
    fn workspace(&self, max_rows: usize) -> Self::Workspace;

    /// The loss of `batch` with the L2 penalty `alpha` (scikit-learn's objective for the MLP,
    /// see [`Mlp::loss_and_gradient`](crate::network::Mlp::loss_and_gradient)), its gradient with respect to every parameter written into
    /// `grad` (same layout as `params`).
    fn loss_and_gradient(
        &self,
        params: &[F],
        batch: Batch<'_, F>,
        alpha: f64,
        workspace: &mut Self::Workspace,
        grad: &mut [F],
    ) -> f64;

    /// One minibatch step: [`loss_and_gradient`](Self::loss_and_gradient), then `update`
    /// applied to every parameter from its gradient, and `beside` run once, at any point
    /// (work of the caller's that touches nothing the step reads or writes: the training
    /// loop gathers the next batch). Returns the loss; `grad` holds the whole gradient
    /// afterwards, as after `loss_and_gradient`. A network may apply the update to each block
    /// of parameters as soon as that block's gradient is final (see the module docs), and run
    /// `beside` as a piece of its own work for the thread team; by default the update runs
    /// after the whole gradient, and `beside` first.
    #[allow(clippy::too_many_arguments)]
    fn train_step(
        &self,
        params: &mut [F],
        batch: Batch<'_, F>,
        alpha: f64,
        workspace: &mut Self::Workspace,
        grad: &mut [F],
        update: &dyn ElementwiseUpdate<F>,
        beside: Option<&(dyn Fn() + Sync)>,
    ) -> f64 {
        if let Some(beside) = beside {
            beside();
        }
        let loss = self.loss_and_gradient(params, batch, alpha, workspace, grad);
        update.apply_all(params, grad);
        loss
    }

    /// The outputs for the rows `rows` of `x: (n_samples, n_features)`, `(rows, n_outputs)`:
    /// what a classifier's probabilities or a regressor's predictions are made of (the loop
    /// scores its held-out rows with them). For sequences `lengths` gives every row's steps (of
    /// all of `x`, not only `rows`).
    fn outputs(&self, params: &[F], x: ArrayView2<'_, F>, lengths: Option<&[usize]>, rows: &[usize]) -> Array2<F>;
}
