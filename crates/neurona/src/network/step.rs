//! The MLP's training step, [`Mlp::loss_and_gradient_sums`], as two jobs for the thread team
//! rather than one job per product.
//!
//! A minibatch's products are small (200x64x100 takes about 60 µs on one core), and a product
//! cut in two for two threads gains little once its hand-over, its waits and each thread's copy
//! of the shared operand are paid, ten times a step. So the step is cut by what is independent:
//!
//! 1. **Rows** ([`row_pass`]): each thread takes a block of the batch's rows through every
//!    layer's forward product, bias and activation, the output head, its delta, and the
//!    backward products and derivatives that hand each delta down, `δ·Wᵀ ⊙ f'`: none of it
//!    reads another row.
//! 2. **Parameters** ([`gradient_sums`]): once every row's deltas are in, the weight gradients
//!    `Aᵀδ`, each cut into blocks of output rows or columns as [`crate::linalg::matmul`] cuts
//!    it, with the bias sums of a block's columns beside it, and the loss: sums over rows, each
//!    summed on one thread in the order of the rows. In a minibatch step
//!    ([`loss_gradient_and_update`]) each block, once finished, is also updated by the
//!    optimizer there, on the thread that summed it and while it is in its cache, rather than
//!    in a pass over the whole buffer after the step, on the caller alone while the helpers
//!    wait (Adam's: a square root and a division per parameter). The penalty `‖W‖²`, which
//!    reads every weight, is then summed in the row-wise job, before any weight changes.
//!
//! Every value is computed by the same operations in the same order as on one thread (a
//! product's output element does not depend on the block it is computed in, see `linalg`), so
//! the step gives the same bits for any number of threads; `tests/threads.rs` checks it. On one
//! thread each job is a single part, and the step is the plain sequence of layers.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::activation::Activation;
use crate::float::Float;
use crate::linalg::{
    MatRef, ProductCuts, for_each_part, matmul, matmul_part, max_threads, on_this_thread, sum_of_squares, team_shares,
    with_avx2,
};
use crate::loss::{OutputHead, weight_sum};
use crate::network::dense::{column_sums, column_sums_from, dense_activation_forward};
use crate::network::objective::{Batch, ElementwiseUpdate};
use crate::network::params::Layout;
use crate::network::summed::LossSums;
use crate::network::workspace::{RowsPtr, Workspace};

/// What the step needs of the MLP (`Mlp` holds it; taking it apart keeps this module below
/// `mlp.rs`).
#[derive(Clone, Copy)]
pub(super) struct Network<'a> {
    pub(super) layout: &'a Layout,
    pub(super) hidden: Activation,
    pub(super) head: OutputHead,
}

impl Network<'_> {
    fn n_features(&self) -> usize {
        self.layout.layer_units()[0]
    }

    fn n_outputs(&self) -> usize {
        self.layout.layer_units()[self.layout.n_weight_layers()]
    }
}

/// One batch, as the two jobs read it.
#[derive(Clone, Copy)]
struct JobBatch<'a, F> {
    /// `(n, n_features)`, any view.
    input: MatRef<'a, F>,
    /// `(n, n_outputs)` row-major.
    y: &'a [F],
    /// `(n,)`, or `None` for all 1.
    sample_weight: Option<&'a [F]>,
    /// The gradient with respect to the input, `(n, n_features)` row-major, when asked for.
    input_delta: Option<RowsPtr<F>>,
    /// The gradient's start, when the row-wise job is one part: it then sums each layer's
    /// biases in the pass that writes its delta (as the step did on one thread before the two
    /// jobs, a pass over every delta fewer), and the parameter job does not.
    bias_sums: Option<RowsPtr<F>>,
}

/// [`Mlp::loss_and_gradient_sums`] (its doc gives the arguments): the row-wise job, then the
/// parameter-wise one. With `alpha`, the gradient is finished in the same job (each block as
/// [`Mlp::finish_loss_and_gradient`] finishes it, see [`finish_weights`]), and the penalty's
/// `‖W‖²` is returned beside the sums (else 0).
///
/// # Panics
/// If the batch's targets or weights, `grad_sum`, `input_delta` or the workspace hold fewer
/// values than the batch needs (a bug in the caller).
pub(super) fn loss_and_gradient<F: Float>(
    mlp: Network<'_>,
    params: &[F],
    batch: Batch<'_, F>,
    workspace: &mut Workspace<F>,
    grad_sum: &mut [F],
    input_delta: Option<&mut [F]>,
    alpha: Option<f64>,
) -> (LossSums, f64) {
    assert!(params.len() >= mlp.layout.len(), "fewer parameters than the layout holds");
    let batch = job_batch(mlp, batch, input_delta);
    let params = Params { start: RowsPtr(params.as_ptr().cast_mut()), update: None, beside: None };
    // SAFETY: `params` holds the whole layout (checked above); no update: only read.
    unsafe { two_jobs(mlp, params, batch, workspace, grad_sum, alpha) }
}

/// What a minibatch step does once a block's gradient is summed: finish it with the penalty
/// `alpha` and apply `update` to it; and `beside`, the caller's work run as a piece of the
/// parameter-wise job (see [`loss_gradient_and_update`]).
#[derive(Clone, Copy)]
pub(super) struct AfterGradient<'a, F> {
    pub(super) alpha: f64,
    pub(super) update: &'a dyn ElementwiseUpdate<F>,
    pub(super) beside: Option<&'a (dyn Fn() + Sync)>,
}

/// [`loss_and_gradient`] with `alpha`, then `update` applied to each block of the parameters
/// (weights and bias columns) in the parameter job, right after the block's gradient is
/// finished: one minibatch step of an element-wise optimizer, without a pass over the whole
/// buffer after it. The penalty's `‖W‖²` is summed in the row-wise job, before any weight
/// changes. The same bits as the gradient followed by `update` over all of it. `beside` runs
/// as one more piece of the parameter job, once, on whichever thread claims it (so, on two
/// threads, beside the products rather than between steps).
///
/// # Panics
/// As [`loss_and_gradient`].
pub(super) fn loss_gradient_and_update<F: Float>(
    mlp: Network<'_>,
    params: &mut [F],
    batch: Batch<'_, F>,
    workspace: &mut Workspace<F>,
    grad: &mut [F],
    after: AfterGradient<'_, F>,
) -> (LossSums, f64) {
    assert!(params.len() >= mlp.layout.len(), "fewer parameters than the layout holds");
    let batch = job_batch(mlp, batch, None);
    let params = Params { start: RowsPtr(params.as_mut_ptr()), update: Some(after.update), beside: after.beside };
    // SAFETY: `params` holds the whole layout (checked above) and is borrowed mutably for the
    // call.
    unsafe { two_jobs(mlp, params, batch, workspace, grad, Some(after.alpha)) }
}

/// The batch as the jobs read it, checked against the network's widths.
fn job_batch<'a, F: Float>(mlp: Network<'_>, batch: Batch<'a, F>, input_delta: Option<&'a mut [F]>) -> JobBatch<'a, F> {
    let Batch { input, targets, sample_weight, .. } = batch;
    let n = input.rows();
    JobBatch {
        input,
        y: &targets[..n * mlp.n_outputs()],
        sample_weight: sample_weight.map(|sw| &sw[..n]),
        input_delta: input_delta.map(|d| RowsPtr(d[..n * mlp.n_features()].as_mut_ptr())),
        bias_sums: None,
    }
}

/// The parameters as the two jobs reach them: read by the row-wise job, and with an update,
/// updated block by block by the parameter-wise one (hence a pointer rather than a slice); and
/// the caller's work to run beside the parameter-wise job, if any.
#[derive(Clone, Copy)]
struct Params<'a, F> {
    start: RowsPtr<F>,
    update: Option<&'a dyn ElementwiseUpdate<F>>,
    beside: Option<&'a (dyn Fn() + Sync)>,
}

/// The two jobs of [`loss_and_gradient`] and [`loss_gradient_and_update`].
///
/// # Safety
/// `params.start` points at the whole parameter layout, valid for reads during the call, and
/// for writes too with an update (then nothing else may access it meanwhile).
unsafe fn two_jobs<F: Float>(
    mlp: Network<'_>,
    params: Params<'_, F>,
    batch: JobBatch<'_, F>,
    workspace: &mut Workspace<F>,
    grad_sum: &mut [F],
    alpha: Option<f64>,
) -> (LossSums, f64) {
    let layout = mlp.layout;
    let n = batch.input.rows();
    assert!(workspace.has_deltas(), "loss_and_gradient needs a workspace made by Workspace::new");
    assert!(n <= workspace.capacity(), "a batch of {n} rows in a workspace for {}", workspace.capacity());
    assert!(grad_sum.len() >= layout.len(), "the gradient holds fewer values than the parameters");
    // On a team that would not share the jobs now, one part each, as on one thread.
    let threads = if max_threads() > 1 && team_shares() { max_threads() } else { 1 };
    let rows = ProductCuts::rows::<F>(n, row_work(layout, batch.input_delta.is_some()), threads);
    let batch = JobBatch { bias_sums: (rows.parts() == 1).then_some(RowsPtr(grad_sum.as_mut_ptr())), ..batch };
    let Workspace { activations, deltas, starts, .. } = workspace;
    starts.clear();
    starts.extend(
        activations.iter_mut().zip(deltas.iter_mut()).map(|(a, d)| (RowsPtr(a.as_mut_ptr()), RowsPtr(d.as_mut_ptr()))),
    );
    let starts = &starts[..];
    // SAFETY: the caller lends the parameters for reads; the row job writes none of them.
    let read = unsafe { std::slice::from_raw_parts(params.start.0.cast_const(), layout.len()) };
    // The penalty reads every weight, which the parameter job may update: it is summed here, in
    // a piece of its own after the rows.
    let penalty = AtomicU64::new(0);
    let piece = |part: usize| {
        if part == rows.parts() {
            penalty.store(sum_of_squares(&read[..layout.n_coefs()]).to_bits(), Ordering::Relaxed);
            return;
        }
        // SAFETY: the buffers hold `n` rows of every layer (checked above: `n` is within the
        // capacity, `input_delta` was sliced to `n` rows); the parts' rows are disjoint, and
        // nothing else touches the buffers until the job ends; `bias_sums`, given to a job of
        // one part only, points at the whole parameter layout (checked above).
        on_this_thread(|| unsafe { row_pass(mlp, read, &batch, starts, rows.block(part).0) });
    };
    let pieces = rows.parts() + usize::from(alpha.is_some());
    // On one thread the pieces stay here: the team would take them regardless of the cap.
    if rows.parts() > 1 {
        for_each_part(pieces, &piece);
    } else {
        (0..pieces).for_each(piece);
    }
    let weight_sum = weight_sum(batch.sample_weight, n);
    let finish = alpha.map(|alpha| Finish { alpha: F::from_f64(alpha), weight_sum: F::from_f64(weight_sum) });
    let job = ParamJob { mlp, params, batch: &batch, activations, deltas, finish, threads };
    let loss_sum = job.run(grad_sum);
    (LossSums { loss_sum, weight_sum }, f64::from_bits(penalty.load(Ordering::Relaxed)))
}

/// The normalisation of a finished gradient: `(g + αw) / S` for a weight, `g / S` for a bias,
/// with `S` the weight sum.
#[derive(Clone, Copy)]
struct Finish<F> {
    alpha: F,
    weight_sum: F,
}

/// `grad = (grad + α · weights) / S`, element by element, and the bias gradient `biases / S`:
/// scikit-learn's normalisation, a division and not a multiplication by `1/S`, which would
/// round differently. Element-wise, so any blocks of the gradient give the bits of the whole.
pub(super) fn finish_weights<F: Float>(grad: &mut [F], weights: &[F], biases: &mut [F], alpha: F, weight_sum: F) {
    with_avx2(
        #[inline(always)]
        || {
            grad.iter_mut().zip(weights).for_each(|(g, &w)| *g = (*g + alpha * w) / weight_sum);
            biases.iter_mut().for_each(|g| *g /= weight_sum);
        },
    );
}

/// Multiply-adds per row in the row-wise job: every layer's forward product, and the backward
/// products of the deltas handed down.
fn row_work(layout: &Layout, input_delta: bool) -> usize {
    (0..layout.n_weight_layers())
        .map(|l| {
            let (fan_in, fan_out) = layout.fans(l);
            fan_in * fan_out * if l > 0 || input_delta { 2 } else { 1 }
        })
        .sum()
}

/// The row-wise work of the rows `rows` of the batch: the forward pass into the activations,
/// the output head's delta, and each delta handed down through the layer's weights and the
/// derivative of the activation below (into the input gradient at the bottom, when asked for).
///
/// # Safety
/// `starts` point at each layer's activations and deltas of at least `rows.end` rows (and so
/// does the batch's `input_delta`), and no other thread accesses these rows of them meanwhile.
unsafe fn row_pass<F: Float>(
    mlp: Network<'_>,
    params: &[F],
    batch: &JobBatch<'_, F>,
    starts: &[(RowsPtr<F>, RowsPtr<F>)],
    rows: Range<usize>,
) {
    let layout = mlp.layout;
    let last = layout.n_weight_layers() - 1;
    let (start, len) = (rows.start, rows.len());
    // SAFETY: these rows of a buffer the caller lends this thread alone.
    let block = |buffer: RowsPtr<F>, width: usize| unsafe { buffer.rows(start * width, len * width) };
    let weight = |l: usize| &params[layout.coef_range(l)];
    for l in 0..=last {
        let (fan_in, fan_out) = layout.fans(l);
        let out = block(starts[l].0, fan_out);
        let layer_input = if l == 0 {
            batch.input.rows_range(start, start + len)
        } else {
            MatRef::row_major(block(starts[l - 1].0, fan_in), len, fan_in)
        };
        let activation = if l == last { Activation::Identity } else { mlp.hidden };
        dense_activation_forward(out, layer_input, weight(l), &params[layout.intercept_range(l)], activation);
        if l == last {
            mlp.head.forward(out, fan_out);
        }
    }
    let k = mlp.n_outputs();
    let sample_weight = batch.sample_weight.map(|sw| &sw[rows.clone()]);
    let y = &batch.y[start * k..(start + len) * k];
    mlp.head.output_delta(block(starts[last].1, k), block(starts[last].0, k), y, k, sample_weight);
    // SAFETY: given only to a job of one part: the biases are this thread's alone.
    let bias_sums =
        |l: usize| batch.bias_sums.map(|grad| unsafe { grad.rows(layout.intercept_range(l).start, layout.fans(l).1) });
    if let Some(sums) = bias_sums(last) {
        column_sums(sums, block(starts[last].1, k));
    }
    let hand_down = |l: usize, d_input: &mut [F]| {
        let (fan_in, fan_out) = layout.fans(l);
        let d_output = MatRef::row_major(block(starts[l].1, fan_out), len, fan_out);
        matmul(d_input, d_output, MatRef::row_major(weight(l), fan_in, fan_out).t(), false);
    };
    for l in (1..=last).rev() {
        let fan_in = layout.fans(l).0;
        let d_input = block(starts[l - 1].1, fan_in);
        hand_down(l, d_input);
        match bias_sums(l - 1) {
            Some(sums) => mlp.hidden.backward_with_column_sums(d_input, block(starts[l - 1].0, fan_in), sums),
            None => mlp.hidden.backward(d_input, block(starts[l - 1].0, fan_in)),
        }
    }
    // The network's input is no hidden layer's output: no derivative to apply to it.
    if let Some(input_delta) = batch.input_delta {
        hand_down(0, block(input_delta, layout.fans(0).0));
    }
}

/// The parameter-wise work, once the row-wise job has written every row's activations and
/// deltas: the raw weight gradients `Aᵀδ` of every layer in the blocks [`ProductCuts`] cuts them
/// into for `threads` threads, each block with the bias sums of its columns (a layer cut into
/// blocks of rows sums its biases beside its first block) and, with `finish`, normalised where
/// it was summed, then updated by the parameters' update if there is one; and the loss sum. One
/// team job: the caller's work beside if any, each block one piece, then the loss.
struct ParamJob<'a, F> {
    mlp: Network<'a>,
    params: Params<'a, F>,
    batch: &'a JobBatch<'a, F>,
    activations: &'a [Vec<F>],
    deltas: &'a [Vec<F>],
    finish: Option<Finish<F>>,
    threads: usize,
}

impl<F: Float> ParamJob<'_, F> {
    /// Runs the job into `grad_sum` (the whole parameter layout); returns the loss sum.
    fn run(&self, grad_sum: &mut [F]) -> f64 {
        let last = self.mlp.layout.n_weight_layers() - 1;
        // The caller's work first, the largest piece when it gathers a large batch: claimed
        // last, it would leave one thread waiting for it at the end.
        let beside = self.params.beside;
        let first = usize::from(beside.is_some());
        let blocks = (0..=last).map(|l| self.cuts(l).parts()).sum::<usize>();
        let pieces = first + blocks + 1;
        let grad = RowsPtr(grad_sum.as_mut_ptr());
        let loss_sum = AtomicU64::new(0);
        let piece = |piece: usize| match (piece.checked_sub(first), beside) {
            (None, Some(beside)) => beside(),
            (Some(block), _) if block < blocks => {
                let (l, part) = self.locate(block);
                // SAFETY: `grad_sum` holds every parameter (checked by the caller) and is lent
                // for the whole job, as are the parameters (`two_jobs`' promise); the pieces'
                // blocks and bias columns are disjoint.
                on_this_thread(|| unsafe { self.weight_block(grad, l, part) });
            }
            _ => loss_sum.store(self.loss().to_bits(), Ordering::Relaxed),
        };
        // On one thread the pieces stay here: the team would take them regardless of the cap.
        if self.threads > 1 {
            for_each_part(pieces, &piece);
        } else {
            (0..pieces).for_each(piece);
        }
        f64::from_bits(loss_sum.load(Ordering::Relaxed))
    }

    /// How layer `l`'s weight gradient is cut.
    fn cuts(&self, l: usize) -> ProductCuts {
        let (fan_in, fan_out) = self.mlp.layout.fans(l);
        ProductCuts::new::<F>(fan_in, self.batch.input.rows(), fan_out, self.threads)
    }

    /// Weight block `block` of all layers' as (layer, block of that layer).
    fn locate(&self, mut block: usize) -> (usize, usize) {
        let located = (0..self.mlp.layout.n_weight_layers()).find_map(|l| {
            let parts = self.cuts(l).parts();
            if block < parts {
                return Some((l, block));
            }
            block -= parts;
            None
        });
        located.expect("a block of the layers' cuts")
    }

    /// The loss sum of the batch.
    fn loss(&self) -> f64 {
        let (layout, k) = (self.mlp.layout, self.mlp.n_outputs());
        let output = &self.activations[layout.n_weight_layers() - 1][..self.batch.input.rows() * k];
        self.mlp.head.loss_sum(self.batch.y, output, k, self.batch.sample_weight)
    }

    /// Block `part` of layer `l`'s weight gradient, with its bias columns, and with an update
    /// those parameters updated.
    ///
    /// # Safety
    /// `grad` points at a buffer of the whole parameter layout, and no other thread accesses
    /// this block or its bias columns meanwhile, in it or in the parameters.
    unsafe fn weight_block(&self, grad: RowsPtr<F>, l: usize, part: usize) {
        let (layout, n) = (self.mlp.layout, self.batch.input.rows());
        let (fan_in, fan_out) = layout.fans(l);
        let layer_input = if l == 0 {
            self.batch.input
        } else {
            MatRef::row_major(&self.activations[l - 1][..n * fan_in], n, fan_in)
        };
        let delta = &self.deltas[l][..n * fan_out];
        let cuts = self.cuts(l);
        let (rows, cols) = cuts.block(part);
        let coefs = layout.coef_range(l).start;
        // SAFETY: the layer's gradient lies in the buffer; this block is the caller's alone.
        unsafe {
            matmul_part(grad.0.add(coefs), layer_input.t(), MatRef::row_major(delta, n, fan_out), false, &cuts, part)
        };
        // The block's bias columns, when it owns them: every block of a layer cut along
        // columns, the first of one cut along rows.
        // SAFETY: as above.
        let bias_at = layout.intercept_range(l).start + cols.start;
        let d_bias: &mut [F] = if rows.start == 0 {
            let d_bias = unsafe { grad.rows(bias_at, cols.len()) };
            if self.batch.bias_sums.is_none() {
                column_sums_from(d_bias, delta, fan_out, cols.start);
            }
            d_bias
        } else {
            &mut []
        };
        let Some(Finish { alpha, weight_sum }) = self.finish else { return };
        // A block of whole rows is one run of the gradient; a block of columns, a run per row.
        let (runs, run_len) =
            if cols.len() == fan_out { (rows.start..rows.start + 1, rows.len() * fan_out) } else { (rows, cols.len()) };
        for (i, row) in runs.enumerate() {
            let at = coefs + row * fan_out + cols.start;
            // SAFETY: a row of this block, or the whole block when its rows are whole.
            let grad_run = unsafe { grad.rows(at, run_len) };
            let biases = if i == 0 { &mut *d_bias } else { &mut [] };
            // SAFETY: this run's parameters, read before any update of them (below).
            let weights = unsafe { std::slice::from_raw_parts(self.params.start.0.add(at), run_len) };
            finish_weights(grad_run, weights, biases, alpha, weight_sum);
            // SAFETY: with an update the parameters are lent for writes (`two_jobs`' promise),
            // and this run is this block's alone.
            unsafe { self.update(at, grad_run) };
        }
        // SAFETY: as above, for the block's bias columns.
        unsafe { self.update(bias_at, d_bias) };
    }

    /// The update of the parameters from `at` on from their finished gradient `grad`, if the
    /// job has one.
    ///
    /// # Safety
    /// The parameters are lent for writes (as with an update they are), and no other thread
    /// accesses these ones meanwhile.
    unsafe fn update(&self, at: usize, grad: &[F]) {
        if let Some(update) = self.params.update
            && !grad.is_empty()
        {
            // SAFETY: as the caller guarantees.
            unsafe { update.apply(at, self.params.start.rows(at, grad.len()), grad) };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::linalg::tests::filled;
    use crate::linalg::{available_cores, with_max_threads};
    use crate::network::Mlp;
    use crate::network::dense::dense_activation_backward;

    /// The step as one sequence of layers, as it was before the two jobs: the forward pass, the
    /// loss, each layer's backward pass with its bias sums fused into the derivative, then the
    /// normalisation of the whole gradient.
    #[allow(clippy::too_many_arguments)]
    fn layer_by_layer(
        mlp: &Mlp,
        params: &[f64],
        input: MatRef<'_, f64>,
        y: &[f64],
        sw: Option<&[f64]>,
        alpha: f64,
        grad: &mut [f64],
        mut input_delta: Option<&mut [f64]>,
    ) -> f64 {
        let (layout, n, k) = (mlp.layout(), input.rows(), mlp.n_outputs());
        let mut ws = Workspace::new(layout, n);
        mlp.forward(params, input, &mut ws);
        let sums = LossSums { loss_sum: mlp.head().loss_sum(y, ws.output(n, k), k, sw), weight_sum: weight_sum(sw, n) };
        let last = layout.n_weight_layers() - 1;
        let n_coefs = layout.n_coefs();
        let (grad_coefs, grad_biases) = grad.split_at_mut(n_coefs);
        let bias = |l: usize| layout.intercept_range(l).start - n_coefs..layout.intercept_range(l).end - n_coefs;
        mlp.head().output_delta(&mut ws.deltas[last][..n * k], &ws.activations[last][..n * k], y, k, sw);
        column_sums(&mut grad_biases[bias(last)], &ws.deltas[last][..n * k]);
        for l in (0..=last).rev() {
            let (fan_in, fan_out) = layout.fans(l);
            let (lower, upper) = ws.deltas.split_at_mut(l);
            let d_input = if l > 0 {
                let (below, _) = grad_biases.split_at_mut(bias(l).start);
                Some((&mut lower[l - 1][..n * fan_in], Some(&mut below[bias(l - 1)])))
            } else {
                input_delta.take().map(|d| (&mut d[..n * fan_in], None))
            };
            let below = if l > 0 { mlp.hidden() } else { Activation::Identity };
            let layer_input = if l == 0 { input } else { MatRef::row_major(&ws.activations[l - 1], n, fan_in) };
            let d_weight = &mut grad_coefs[layout.coef_range(l)];
            dense_activation_backward(
                d_input,
                d_weight,
                &upper[0][..n * fan_out],
                layer_input,
                &params[layout.coef_range(l)],
                below,
            );
        }
        mlp.finish_loss_and_gradient(params, sums, alpha, grad)
    }

    #[test]
    fn the_two_jobs_give_the_bits_of_the_layer_by_layer_step_on_any_number_of_threads() {
        let heads = [OutputHead::LogLoss, OutputHead::SquaredError, OutputHead::BinaryLogLoss];
        for (units, rows, head) in
            [(vec![64, 100, 10], 200, heads[0]), (vec![30, 64, 32, 3], 150, heads[1]), (vec![7, 40, 2], 37, heads[2])]
        {
            let layout = Layout::new(units.clone());
            let mlp = Mlp::new(layout.clone(), Activation::Tanh, head);
            let (p, k) = (units[0], *units.last().unwrap());
            let params = filled::<f64>(layout.len(), 1);
            let x = filled::<f64>(rows * p, 2);
            let y: Vec<f64> = filled::<f64>(rows * k, 3).iter().map(|v| f64::from(u8::from(*v > 0.0))).collect();
            let sw: Vec<f64> = filled::<f64>(rows, 4).iter().map(|v| v + 1.0).collect();
            let input = MatRef::row_major(&x, rows, p);
            let (mut expected, mut expected_delta) = (vec![0.0; layout.len()], vec![0.0; rows * p]);
            let loss =
                layer_by_layer(&mlp, &params, input, &y, Some(&sw), 1e-3, &mut expected, Some(&mut expected_delta));
            for threads in [1, available_cores().max(2)] {
                let (mut grad, mut delta) = (vec![f64::NAN; layout.len()], vec![f64::NAN; rows * p]);
                let mut ws = Workspace::new(&layout, rows);
                let got = with_max_threads(Some(threads), || {
                    mlp.loss_and_gradient(
                        &params,
                        Batch::rows(input, &y).weighted(Some(&sw)),
                        1e-3,
                        &mut ws,
                        &mut grad,
                        Some(&mut delta),
                    )
                })
                .unwrap();
                let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                assert_eq!(got.to_bits(), loss.to_bits(), "{units:?}, {threads} threads: loss");
                assert_eq!(bits(&grad), bits(&expected), "{units:?}, {threads} threads: gradient");
                assert_eq!(bits(&delta), bits(&expected_delta), "{units:?}, {threads} threads: input gradient");
            }
        }
    }
}
