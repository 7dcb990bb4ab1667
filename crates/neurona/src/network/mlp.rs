//! The multilayer perceptron: forward propagation and back-propagation into the flat gradient.
//!
//! The objective for a batch of `n` rows with sample weights `s` (all 1 when none are given) and
//! `S = Σ s` is scikit-learn's: `loss = head.loss(y, P, s) + α/(2S) · ‖W‖²` over the weight
//! matrices only (biases are not penalised). Its gradient is computed exactly as scikit-learn's
//! `_backprop` does, including one known quirk kept for parity: for the squared error with
//! `K > 1` outputs the loss averages over outputs while the gradient sums over them, so the
//! gradient is `K` times the gradient of the reported loss (scikit-learn issue #8349).

use std::sync::{Mutex, PoisonError};

use ndarray::{Array2, ArrayView2};

use crate::activation::Activation;
use crate::float::Float;
use crate::interrupt::SharedStop;
use crate::linalg::{MatRef, for_each_part, max_threads, sum_of_squares};
use crate::loss::OutputHead;
use crate::network::dense::dense_activation_forward;
use crate::network::objective::{Batch, ElementwiseUpdate, Objective};
use crate::network::step;
use crate::network::summed::LossSums;
use crate::network::{Layout, PredictScratch, Workspace};

/// Rows per block when predicting: memory stays bounded whatever the number of rows, and each
/// thread takes whole runs of blocks. Timed on 60,000 rows of a 784-256-128-10 network in
/// float32 on two threads (`examples/bench.rs train --predict`): blocks of 128 to 1024 rows all
/// took 0.26-0.27 s at best, 2048 and 4096 rows 0.28-0.30 s.
const PREDICT_BLOCK_ROWS: usize = 512;

/// A network's shape and non-linearities (its parameters live in a separate flat buffer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mlp {
    layout: Layout,
    hidden: Activation,
    head: OutputHead,
}

impl Mlp {
    /// A network with the given layout, hidden activation and output head.
    pub fn new(layout: Layout, hidden: Activation, head: OutputHead) -> Self {
        Self { layout, hidden, head }
    }

    /// Where each layer's parameters sit in the flat buffer.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The hidden activation.
    pub fn hidden(&self) -> Activation {
        self.hidden
    }

    /// The output head.
    pub fn head(&self) -> OutputHead {
        self.head
    }

    /// Number of inputs.
    pub fn n_features(&self) -> usize {
        self.layout.layer_units()[0]
    }

    /// Number of outputs.
    pub fn n_outputs(&self) -> usize {
        *self.layout.layer_units().last().expect("a network has an output layer")
    }

    /// Forward pass of the `n` rows of `input: (n, n_features)` (any view): every layer's output
    /// is kept in `workspace` for the backward pass; the network output is
    /// `workspace.output(n, K)`.
    ///
    /// # Panics
    /// If `input` has another number of columns than the network has inputs (a bug in the
    /// caller: the estimators check X first).
    pub fn forward<F: Float>(&self, params: &[F], input: MatRef<'_, F>, workspace: &mut Workspace<F>) {
        assert_eq!(input.cols(), self.n_features(), "input columns differ from the network's inputs");
        let n = input.rows();
        let last = self.layout.n_weight_layers() - 1;
        for l in 0..=last {
            let (done, rest) = workspace.activations.split_at_mut(l);
            let (fan_in, fan_out) = self.layout.fans(l);
            let layer_input = if l == 0 { input } else { MatRef::row_major(&done[l - 1], n, fan_in) };
            let out = &mut rest[0][..n * fan_out];
            let activation = if l == last { Activation::Identity } else { self.hidden };
            let (weight, bias) = (&params[self.layout.coef_range(l)], &params[self.layout.intercept_range(l)]);
            dense_activation_forward(out, layer_input, weight, bias, activation);
            if l == last {
                self.head.forward(out, fan_out);
            }
        }
    }

    /// Loss of the `batch` (rows of features: its lengths are not read) and its gradient with
    /// respect to every parameter, written into `grad` (same layout as `params`):
    /// [`loss_and_gradient_sums`](Self::loss_and_gradient_sums), then
    /// [`finish_loss_and_gradient`](Self::finish_loss_and_gradient). Every training path goes
    /// through these two, so that a fit whose rows are summed in chunks elsewhere (on Dask
    /// workers) normalises exactly as a fit in memory does.
    ///
    /// When `input_delta` is given, it receives the raw gradient of the summed loss with respect
    /// to the input, `(n, n_features)`: what a network below this one (the recurrent layers
    /// under a dense head) back-propagates. Like the layers' raw sums it is not yet divided by
    /// the sample-weight sum; `input` must then be row-major.
    pub fn loss_and_gradient<F: Float>(
        &self,
        params: &[F],
        batch: Batch<'_, F>,
        alpha: f64,
        workspace: &mut Workspace<F>,
        grad: &mut [F],
        input_delta: Option<&mut [F]>,
    ) -> f64 {
        // The sums and their normalisation in one pass (each block of the gradient finished
        // where it is summed): the same bits as the two calls.
        let (sums, penalty) =
            step::loss_and_gradient(self.step(), params, batch, workspace, grad, input_delta, Some(alpha));
        self.objective(sums, penalty, alpha)
    }

    /// The unnormalised sums of the `batch` (rows of features): the weighted sum of the loss
    /// terms and of the sample weights (returned), and the gradient of the summed data loss,
    /// without the penalty, written into `grad_sum` (same layout as `params`). Sums of disjoint batches add up to the sums of their union (up to rounding,
    /// and exactly for one batch), whatever the machine that computed each.
    ///
    /// Two jobs for the thread team (`step.rs`): the rows in blocks through the forward pass,
    /// the output delta and the deltas handed down (each layer's derivative applied to the
    /// delta it hands down), then the weight gradients in blocks of outputs beside the bias
    /// sums and the loss; the same bits for any number of threads. `input_delta` as in
    /// [`loss_and_gradient`](Self::loss_and_gradient).
    pub fn loss_and_gradient_sums<F: Float>(
        &self,
        params: &[F],
        batch: Batch<'_, F>,
        workspace: &mut Workspace<F>,
        grad_sum: &mut [F],
        input_delta: Option<&mut [F]>,
    ) -> LossSums {
        step::loss_and_gradient(self.step(), params, batch, workspace, grad_sum, input_delta, None).0
    }

    /// What the training step needs of the network.
    fn step(&self) -> step::Network<'_> {
        step::Network { layout: &self.layout, hidden: self.hidden, head: self.head }
    }

    /// scikit-learn's objective `loss + α/(2S) · ‖W‖²` from the sums and `penalty = ‖W‖²`.
    fn objective(&self, sums: LossSums, penalty: f64, alpha: f64) -> f64 {
        self.head.mean_loss(sums.loss_sum, sums.weight_sum, self.n_outputs()) + 0.5 * alpha * penalty / sums.weight_sum
    }

    /// The objective and its gradient from the summed `sums` and `grad` (the raw gradient sum,
    /// normalised in place) of one data set: scikit-learn's `loss + α/(2S) · ‖W‖²` and
    /// `(Aᵀδ + αW) / S` for the weights, `Σδ / S` for the biases, with `S` the weight sum.
    pub fn finish_loss_and_gradient<F: Float>(&self, params: &[F], sums: LossSums, alpha: f64, grad: &mut [F]) -> f64 {
        let n_coefs = self.layout.n_coefs();
        let penalty = sum_of_squares(&params[..n_coefs]);
        let (grad_coefs, grad_intercepts) = grad.split_at_mut(n_coefs);
        let (alpha_f, weight_sum) = (F::from_f64(alpha), F::from_f64(sums.weight_sum));
        step::finish_weights(grad_coefs, &params[..n_coefs], grad_intercepts, alpha_f, weight_sum);
        self.objective(sums, penalty, alpha)
    }

    /// The network output for the rows of `x: (n_samples, n_features)` written into `out:
    /// (n_samples, n_outputs)` row-major, on the calling thread, with buffers from `scratch`:
    /// the fast path for one row or a few, which allocates nothing once `scratch` has served a
    /// batch as large (and the products of so few rows are too small to share among threads).
    ///
    /// # Panics
    /// If `out` holds fewer than `n_samples · n_outputs` values (a bug in the caller).
    pub fn predict_into<F: Float>(
        &self,
        params: &[F],
        x: ArrayView2<'_, F>,
        out: &mut [F],
        scratch: &mut PredictScratch<F>,
    ) {
        let n_outputs = self.n_outputs();
        let n_samples = x.nrows();
        assert!(out.len() >= n_samples * n_outputs, "output buffer too small for the predictions");
        if n_samples == 0 {
            return;
        }
        let block = PREDICT_BLOCK_ROWS.min(n_samples);
        let mut gathered = std::mem::take(&mut scratch.gathered);
        let workspace = scratch.workspace(&self.layout, block);
        for (b, out_block) in out[..n_samples * n_outputs].chunks_mut(block * n_outputs).enumerate() {
            let n = out_block.len() / n_outputs;
            let input = block_rows(x, None, b * block, n, &mut gathered);
            self.forward(params, input, workspace);
            out_block.copy_from_slice(workspace.output(n, n_outputs));
        }
        scratch.gathered = gathered;
    }

    /// The network output for every row of `x: (n_samples, n_features)`, computed in blocks so
    /// that memory stays bounded whatever the number of rows; the blocks are shared among up to
    /// [`max_threads`] threads, each with its own buffers (a row's output never depends on the
    /// other rows, so neither on the threads). Under a caller's interruption check
    /// ([`crate::interrupt`]) the blocks stop once it fires, leaving the rest of the output zero
    /// ([`crate::interrupt::fired`] then says so).
    pub fn predict<F: Float>(&self, params: &[F], x: ArrayView2<'_, F>) -> Array2<F> {
        self.predict_rows(params, x, None)
    }

    /// The network output for the rows `rows` of `x` (all of them when `None`), in that order:
    /// [`predict`](Self::predict) without copying the rows out first.
    pub fn predict_rows<F: Float>(&self, params: &[F], x: ArrayView2<'_, F>, rows: Option<&[usize]>) -> Array2<F> {
        let n_outputs = self.n_outputs();
        let n_samples = rows.map_or(x.nrows(), <[usize]>::len);
        let mut out = Array2::zeros((n_samples, n_outputs));
        if n_samples == 0 {
            return out;
        }
        let block = PREDICT_BLOCK_ROWS.min(n_samples);
        let n_blocks = n_samples.div_ceil(block);
        let threads = max_threads().min(n_blocks);
        let out_slice = out.as_slice_mut().expect("a fresh array is contiguous");
        let stop = SharedStop::default();
        let run = |first_block: usize, out_run: &mut [F]| {
            let mut workspace = Workspace::for_prediction(&self.layout, block);
            let mut gathered = Vec::new();
            for (b, out_block) in out_run.chunks_mut(block * n_outputs).enumerate() {
                // Asked between blocks (a call of one block never is): an interrupted
                // prediction leaves the rest zero, and its caller returns no result.
                if first_block + b > 0 && stop.requested() {
                    return;
                }
                let n = out_block.len() / n_outputs;
                let input = block_rows(x, rows, (first_block + b) * block, n, &mut gathered);
                self.forward(params, input, &mut workspace);
                out_block.copy_from_slice(workspace.output(n, n_outputs));
            }
        };
        if threads <= 1 {
            run(0, out_slice);
            return out;
        }
        // Each thread takes a contiguous run of whole blocks: the block boundaries, and with them
        // every product's shape and summation order, are the same whatever the number of threads.
        // The products inside a run stay on its thread (the team is busy with the runs).
        let blocks_per_thread = n_blocks.div_ceil(threads);
        let runs: Vec<Mutex<Option<&mut [F]>>> =
            out_slice.chunks_mut(blocks_per_thread * block * n_outputs).map(|run| Mutex::new(Some(run))).collect();
        for_each_part(runs.len(), &|t| {
            if let Some(out_run) = runs[t].lock().unwrap_or_else(PoisonError::into_inner).take() {
                run(t * blocks_per_thread, out_run);
            }
        });
        out
    }
}

/// The training loop's view of the MLP: its forward and backward pass over a batch.
impl<F: Float> Objective<F> for Mlp {
    type Workspace = Workspace<F>;

    fn n_params(&self) -> usize {
        self.layout().len()
    }

    fn workspace(&self, max_rows: usize) -> Workspace<F> {
        Workspace::new(self.layout(), max_rows)
    }

    #[inline]
    fn loss_and_gradient(
        &self,
        params: &[F],
        batch: Batch<'_, F>,
        alpha: f64,
        workspace: &mut Workspace<F>,
        grad: &mut [F],
    ) -> f64 {
        Mlp::loss_and_gradient(self, params, batch, alpha, workspace, grad, None)
    }

    /// The update applied to each block of parameters in the training step's parameter job,
    /// as soon as the block's gradient is finished, and `beside` a piece of that job (see
    /// `step.rs`).
    #[inline]
    fn train_step(
        &self,
        params: &mut [F],
        batch: Batch<'_, F>,
        alpha: f64,
        workspace: &mut Workspace<F>,
        grad: &mut [F],
        update: &dyn ElementwiseUpdate<F>,
        beside: Option<&(dyn Fn() + Sync)>,
    ) -> f64 {
        let after = step::AfterGradient { alpha, update, beside };
        let (sums, penalty) = step::loss_gradient_and_update(self.step(), params, batch, workspace, grad, after);
        self.objective(sums, penalty, alpha)
    }

    fn outputs(&self, params: &[F], x: ArrayView2<'_, F>, _lengths: Option<&[usize]>, rows: &[usize]) -> Array2<F> {
        self.predict_rows(params, x, Some(rows))
    }
}

/// Rows `start..start + n` of `x` (or of its rows `rows`) as a matrix view: a view into `x`
/// when it is laid out in one block (row- or column-major), else the rows gathered into
/// `buffer`, row-major.
fn block_rows<'a, F: Float>(
    x: ArrayView2<'a, F>,
    rows: Option<&[usize]>,
    start: usize,
    n: usize,
    buffer: &'a mut Vec<F>,
) -> MatRef<'a, F> {
    let p = x.ncols();
    if rows.is_none()
        && let Some(all) = MatRef::from_array(&x)
    {
        return all.rows_range(start, start + n);
    }
    buffer.resize(n * p, F::zero());
    for (i, dst) in buffer.chunks_exact_mut(p.max(1)).take(n).enumerate() {
        let row = x.row(rows.map_or(start + i, |r| r[start + i]));
        match row.to_slice() {
            Some(src) => dst.copy_from_slice(src),
            None => dst.iter_mut().zip(row.iter()).for_each(|(d, &s)| *d = s),
        }
    }
    MatRef::row_major(&buffer[..n * p], n, p)
}
