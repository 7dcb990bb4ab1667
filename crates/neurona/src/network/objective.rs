//! What the training loop ([`crate::train`]) needs from a network: the loss of a batch and its
//! gradient with respect to one flat parameter buffer, and the network's outputs for chosen rows
//! (to score a validation set). The multilayer perceptron is the first implementation.
//!
//! The loop is generic over the network and monomorphised for each one: a call through this
//! trait is a direct, inlinable call, so the minibatch loop costs what it cost when it called
//! the network by name, and it still allocates nothing (the network's buffers live in its
//! [`Objective::Workspace`], made once per fit).

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

    /// The outputs for the rows `rows` of `x: (n_samples, n_features)`, `(rows, n_outputs)`:
    /// what a classifier's probabilities or a regressor's predictions are made of (the loop
    /// scores its held-out rows with them). For sequences `lengths` gives every row's steps (of
    /// all of `x`, not only `rows`).
    fn outputs(&self, params: &[F], x: ArrayView2<'_, F>, lengths: Option<&[usize]>, rows: &[usize]) -> Array2<F>;
}
