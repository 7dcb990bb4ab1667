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
//!    summed on one thread in the order of the rows.
//!
//! Every value is computed by the same operations in the same order as on one thread (a
//! product's output element does not depend on the block it is computed in, see `linalg`), so
//! the step gives the same bits for any number of threads; `tests/threads.rs` checks it. On one
//! thread each job is a single part, and the step is the plain sequence of layers.

use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::activation::Activation;
use crate::float::Float;
use crate::linalg::{MatRef, ProductCuts, for_each_part, matmul, matmul_part, max_threads, on_this_thread};
use crate::loss::weight_sum;
use crate::network::dense::{column_sums_from, dense_activation_forward};
use crate::network::summed::LossSums;
use crate::network::workspace::RowsPtr;
use crate::network::{Mlp, Workspace};

/// One batch, as the two jobs read it.
#[derive(Clone, Copy)]
struct Batch<'a, F> {
    /// `(n, n_features)`, any view.
    input: MatRef<'a, F>,
    /// `(n, n_outputs)` row-major.
    y: &'a [F],
    /// `(n,)`, or `None` for all 1.
    sample_weight: Option<&'a [F]>,
    /// The gradient with respect to the input, `(n, n_features)` row-major, when asked for.
    input_delta: Option<RowsPtr<F>>,
}

/// [`Mlp::loss_and_gradient_sums`] (its doc gives the arguments): the row-wise job, then the
/// parameter-wise one.
///
/// # Panics
/// If `y`, `sample_weight`, `grad_sum`, `input_delta` or the workspace hold fewer values than the
/// batch needs (a bug in the caller).
#[allow(clippy::too_many_arguments)]
pub(super) fn loss_and_gradient_sums<F: Float>(
    mlp: &Mlp,
    params: &[F],
    input: MatRef<'_, F>,
    y: &[F],
    sample_weight: Option<&[F]>,
    workspace: &mut Workspace<F>,
    grad_sum: &mut [F],
    input_delta: Option<&mut [F]>,
) -> LossSums {
    let layout = mlp.layout();
    let n = input.rows();
    assert!(workspace.has_deltas(), "loss_and_gradient needs a workspace made by Workspace::new");
    assert!(n <= workspace.capacity(), "a batch of {n} rows in a workspace for {}", workspace.capacity());
    assert!(grad_sum.len() >= layout.len(), "the gradient holds fewer values than the parameters");
    let sample_weight = sample_weight.map(|sw| &sw[..n]);
    let batch = Batch {
        input,
        y: &y[..n * mlp.n_outputs()],
        sample_weight,
        input_delta: input_delta.map(|d| RowsPtr(d[..n * mlp.n_features()].as_mut_ptr())),
    };
    let threads = max_threads();
    let Workspace { activations, deltas, starts, .. } = workspace;
    starts.clear();
    starts.extend(
        activations.iter_mut().zip(deltas.iter_mut()).map(|(a, d)| (RowsPtr(a.as_mut_ptr()), RowsPtr(d.as_mut_ptr()))),
    );
    let rows = ProductCuts::rows(n, row_work(mlp, batch.input_delta.is_some()), threads);
    let starts = &starts[..];
    for_each_part(rows.parts(), &|part| {
        // SAFETY: the buffers hold `n` rows of every layer (checked above: `n` is within the
        // capacity, `input_delta` was sliced to `n` rows); the parts' rows are disjoint, and
        // nothing else touches the buffers until the job ends.
        on_this_thread(|| unsafe { row_pass(mlp, params, &batch, starts, rows.block(part).0) });
    });
    let loss_sum = gradient_sums(mlp, &batch, activations, deltas, grad_sum, threads);
    LossSums { loss_sum, weight_sum: weight_sum(sample_weight, n) }
}

/// Multiply-adds per row in the row-wise job: every layer's forward product, and the backward
/// products of the deltas handed down.
fn row_work(mlp: &Mlp, input_delta: bool) -> usize {
    let layout = mlp.layout();
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
    mlp: &Mlp,
    params: &[F],
    batch: &Batch<'_, F>,
    starts: &[(RowsPtr<F>, RowsPtr<F>)],
    rows: Range<usize>,
) {
    let layout = mlp.layout();
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
        let activation = if l == last { Activation::Identity } else { mlp.hidden() };
        dense_activation_forward(out, layer_input, weight(l), &params[layout.intercept_range(l)], activation);
        if l == last {
            mlp.head().forward(out, fan_out);
        }
    }
    let k = mlp.n_outputs();
    let sample_weight = batch.sample_weight.map(|sw| &sw[rows.clone()]);
    let y = &batch.y[start * k..(start + len) * k];
    mlp.head().output_delta(block(starts[last].1, k), block(starts[last].0, k), y, k, sample_weight);
    let hand_down = |l: usize, d_input: &mut [F]| {
        let (fan_in, fan_out) = layout.fans(l);
        let d_output = MatRef::row_major(block(starts[l].1, fan_out), len, fan_out);
        matmul(d_input, d_output, MatRef::row_major(weight(l), fan_in, fan_out).t(), false);
    };
    for l in (1..=last).rev() {
        let fan_in = layout.fans(l).0;
        let d_input = block(starts[l - 1].1, fan_in);
        hand_down(l, d_input);
        mlp.hidden().backward(d_input, block(starts[l - 1].0, fan_in));
    }
    // The network's input is no hidden layer's output: no derivative to apply to it.
    if let Some(input_delta) = batch.input_delta {
        hand_down(0, block(input_delta, layout.fans(0).0));
    }
}

/// The parameter-wise work, once the row-wise job has written every row's activations and
/// deltas: the raw weight gradients `Aᵀδ` of every layer in the blocks [`ProductCuts`] cuts them
/// into for `threads` threads, each block with the bias sums of its columns (a layer cut into
/// blocks of rows sums its biases beside its first block), and the loss (its sum, returned), as
/// one team job. Each block is one piece of the job, the loss the last.
fn gradient_sums<F: Float>(
    mlp: &Mlp,
    batch: &Batch<'_, F>,
    activations: &[Vec<F>],
    deltas: &[Vec<F>],
    grad_sum: &mut [F],
    threads: usize,
) -> f64 {
    let layout = mlp.layout();
    let (n, last, n_outputs) = (batch.input.rows(), layout.n_weight_layers() - 1, mlp.n_outputs());
    let cuts = |l: usize| {
        let (fan_in, fan_out) = layout.fans(l);
        ProductCuts::new(fan_in, n, fan_out, threads)
    };
    // Piece `i` as (layer, block), `None` for the loss.
    let locate = |mut piece: usize| {
        (0..=last).find_map(|l| {
            let parts = cuts(l).parts();
            if piece < parts {
                return Some((l, piece));
            }
            piece -= parts;
            None
        })
    };
    let pieces = (0..=last).map(|l| cuts(l).parts()).sum::<usize>() + 1;
    let grad = RowsPtr(grad_sum.as_mut_ptr());
    let loss_sum = AtomicU64::new(0);
    let piece = |piece: usize| {
        let Some((l, part)) = locate(piece) else {
            let output = &activations[last][..n * n_outputs];
            let loss = mlp.head().loss_sum(batch.y, output, n_outputs, batch.sample_weight);
            loss_sum.store(loss.to_bits(), Ordering::Relaxed);
            return;
        };
        let (fan_in, fan_out) = layout.fans(l);
        let layer_input =
            if l == 0 { batch.input } else { MatRef::row_major(&activations[l - 1][..n * fan_in], n, fan_in) };
        let delta = &deltas[l][..n * fan_out];
        let cuts = cuts(l);
        let (block_rows, block_cols) = cuts.block(part);
        // SAFETY: the layer's weight gradient, `fan_in x fan_out` row-major, lies inside
        // `grad_sum` (checked by the caller: it holds every parameter); the pieces' blocks and
        // bias columns are disjoint, and the caller lends `grad_sum` for the whole job.
        on_this_thread(|| unsafe {
            let d_weight = grad.0.add(layout.coef_range(l).start);
            matmul_part(d_weight, layer_input.t(), MatRef::row_major(delta, n, fan_out), false, &cuts, part);
            if block_rows.start == 0 {
                let d_bias = grad.rows(layout.intercept_range(l).start + block_cols.start, block_cols.len());
                column_sums_from(d_bias, delta, fan_out, block_cols.start);
            }
        });
    };
    // On one thread the pieces stay here: the team would take them regardless of the cap.
    if threads > 1 {
        for_each_part(pieces, &piece);
    } else {
        (0..pieces).for_each(piece);
    }
    f64::from_bits(loss_sum.load(Ordering::Relaxed))
}
