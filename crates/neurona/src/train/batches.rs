//! Minibatches over shuffled indices: the inner loop of sgd and adam, with every buffer
//! allocated once per fit so that an epoch allocates nothing.

use std::sync::{Mutex, PoisonError};

use ndarray::{Array2, ArrayView2};

use crate::float::Float;
use crate::interrupt;
use crate::linalg::{MatRef, for_each_piece, max_threads};
use crate::network::{Batch, Objective};
use crate::rng::RandomState;
use crate::train::data::TrainingSet;
use crate::train::optimizer::OptimizerState;

/// Batches of at least this many values are gathered by two threads (when there are two).
/// Gathering is a copy from rows all over X, bound by memory latency, and otherwise runs on one
/// core while the other waits for the next product: on a 784-256-128-10 network in float32 on
/// two threads it was about a tenth of the training step's time on the calling thread.
const PARALLEL_GATHER_VALUES: usize = 1 << 15;

/// The training rows, their order, and the buffers of two batches (the one trained on and the
/// next, gathered meanwhile: see [`Minibatches::epoch`]), the gradient and the network's
/// workspace.
pub(crate) struct Minibatches<F, W> {
    /// The rows of X trained on, in the order scikit-learn's `X_train` has them.
    rows: Vec<usize>,
    size: usize,
    shuffle: bool,
    /// Positions into `rows`, in this epoch's order.
    order: Vec<usize>,
    permutation: Vec<usize>,
    reordered: Vec<usize>,
    buffers: [BatchBuffers<F>; 2],
    grad: Vec<F>,
    workspace: W,
}

/// One batch's rows, targets, weights and sequence lengths, gathered.
struct BatchBuffers<F> {
    x: Vec<F>,
    y: Vec<F>,
    sample_weight: Vec<F>,
    lengths: Vec<usize>,
}

impl<F: Float> BatchBuffers<F> {
    /// Buffers for batches of at most `size` rows of `data`.
    fn new(data: &TrainingSet<'_, F>, size: usize) -> Self {
        let (p, k) = (data.x.ncols(), data.y.ncols());
        Self {
            x: vec![F::zero(); size * p],
            y: vec![F::zero(); size * k],
            sample_weight: vec![F::zero(); if data.sample_weight.is_some() { size } else { 0 }],
            lengths: vec![0; if data.sequences.is_some() { size } else { 0 }],
        }
    }

    /// Gathers the rows `row_at(0), ..., row_at(n - 1)` of `data`.
    fn gather(&mut self, data: &TrainingSet<'_, F>, n: usize, row_at: impl Fn(usize) -> usize + Sync) {
        let Self { x, y, sample_weight, lengths } = self;
        if let Some(sequences) = data.sequences {
            lengths[..n].iter_mut().enumerate().for_each(|(i, l)| *l = sequences.lengths[row_at(i)]);
        }
        gather_batch(n, row_at, &data.x, data.y, data.sample_weight, x, y, sample_weight);
    }

    /// The first `n` rows gathered, as the network reads them.
    fn batch<'a>(&'a self, data: &TrainingSet<'_, F>, n: usize) -> Batch<'a, F> {
        let (p, k) = (data.x.ncols(), data.y.ncols());
        Batch {
            input: MatRef::row_major(&self.x[..n * p], n, p),
            lengths: data.sequences.map(|_| &self.lengths[..n]),
            targets: &self.y[..n * k],
            sample_weight: data.sample_weight.map(|_| &self.sample_weight[..n]),
        }
    }
}

impl<F: Float, W> Minibatches<F, W> {
    /// Batches of `size` of the rows `rows` of `data`, shuffled each epoch when `shuffle`.
    pub fn new<N: Objective<F, Workspace = W>>(
        network: &N,
        data: &TrainingSet<'_, F>,
        rows: Vec<usize>,
        size: usize,
        shuffle: bool,
    ) -> Self {
        let n = rows.len();
        Self {
            workspace: network.workspace(size),
            buffers: [BatchBuffers::new(data, size), BatchBuffers::new(data, size)],
            grad: vec![F::zero(); network.n_params()],
            order: (0..n).collect(),
            permutation: vec![0; n],
            reordered: vec![0; n],
            rows,
            size,
            shuffle,
        }
    }

    /// The number of training rows.
    pub fn n_rows(&self) -> usize {
        self.rows.len()
    }

    /// One epoch: the rows reshuffled (when shuffling), then for every batch the loss and
    /// gradient and the optimizer's step. Returns the mean loss over the rows, or None when the
    /// caller interrupted the epoch (asked before every batch, see [`crate::interrupt`]): the
    /// weights then hold the batches done, as scikit-learn's do after a `KeyboardInterrupt`.
    ///
    /// Each batch but the first is gathered while the one before it trains, into the other
    /// buffers, as work the network runs beside its step ([`Objective::train_step`]): on two
    /// threads it then no longer waits, on the caller alone between two steps, for a copy from
    /// rows all over X.
    pub fn epoch<N: Objective<F, Workspace = W>>(
        &mut self,
        network: &N,
        data: &TrainingSet<'_, F>,
        params: &mut [F],
        optimizer: &mut OptimizerState<F>,
        alpha: f64,
        rng: &mut RandomState,
    ) -> Option<f64> {
        if self.shuffle {
            self.reshuffle(rng);
        }
        let Self { rows: train_rows, size, shuffle, order, buffers, grad, workspace, .. } = self;
        let (n, size, shuffle, order, train_rows) = (train_rows.len(), *size, *shuffle, &*order, &*train_rows);
        // The training row at position `i` of the batch starting at `start`.
        let row_at = |start: usize| move |i: usize| train_rows[if shuffle { order[start + i] } else { start + i }];
        let [mut current, mut next] = buffers.each_mut();
        current.gather(data, size.min(n), row_at(0));
        let mut accumulated = 0.0;
        for start in (0..n).step_by(size) {
            if interrupt::requested() {
                return None;
            }
            let (rows, after) = (size.min(n - start), start + size);
            let next_slot = Mutex::new(&mut *next);
            let gather_next = || {
                let mut buffers = next_slot.lock().unwrap_or_else(PoisonError::into_inner);
                buffers.gather(data, size.min(n - after), row_at(after));
            };
            let beside: Option<&(dyn Fn() + Sync)> = if after < n { Some(&gather_next) } else { None };
            let batch = current.batch(data, rows);
            let update = optimizer.begin_step();
            let batch_loss = network.train_step(params, batch, alpha, workspace, grad, &update, beside);
            accumulated += batch_loss * rows as f64;
            std::mem::swap(&mut current, &mut next);
        }
        Some(accumulated / n as f64)
    }

    /// scikit-learn's `shuffle(idx, random_state=rng)`: a fresh permutation composed with the
    /// previous epoch's order.
    fn reshuffle(&mut self, rng: &mut RandomState) {
        self.permutation.iter_mut().enumerate().for_each(|(i, v)| *v = i);
        rng.shuffle(&mut self.permutation);
        self.reordered.iter_mut().zip(&self.permutation).for_each(|(r, &j)| *r = self.order[j]);
        std::mem::swap(&mut self.order, &mut self.reordered);
    }
}

/// How many rows ahead the gather asks for the rows it will copy: a row of X is read from
/// wherever the shuffle put it, so each copy otherwise starts with a wait for memory.
const PREFETCH_AHEAD: usize = 4;

/// Asks the CPU to bring `values` into its caches (a hint: no effect on any value).
#[inline(always)]
fn prefetch<F>(values: &[F]) {
    #[cfg(target_arch = "x86_64")]
    for line in values.chunks(64 / size_of::<F>().max(1)) {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        // SAFETY: SSE is part of the x86-64 baseline, and a prefetch never faults nor writes.
        unsafe { _mm_prefetch::<_MM_HINT_T0>(line.as_ptr().cast::<i8>()) };
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = values;
}

/// Copies the rows `row_at(0), ..., row_at(n - 1)` of `x` (and of the targets and weights)
/// into the batch buffers.
#[allow(clippy::too_many_arguments)]
fn gather_batch<F: Float>(
    n: usize,
    row_at: impl Fn(usize) -> usize + Sync,
    x: &ArrayView2<'_, F>,
    y: &Array2<F>,
    sample_weight: Option<&[F]>,
    x_batch: &mut [F],
    y_batch: &mut [F],
    sw_batch: &mut [F],
) {
    let (p, k) = (x.ncols(), y.ncols());
    // The estimators hand over row-major targets (the MLP makes them so); any other layout is
    // copied row by row below, never refused.
    let y_rows = y.as_slice();
    // Whole-row copies (a memcpy each) where rows are contiguous: element by element, gathering
    // took a tenth of an epoch of a 784-256-128-10 network. A row's targets (and weight) are
    // copied beside its features, in one loop: the rows are scattered over X and the targets,
    // so each copy waits for memory, and the target rows copied element by element through
    // ndarray's strided iterators in a second loop were 4% of a digits fit on one thread.
    let copy_rows = |first: usize, len: usize, dst: &mut [F], y_dst: &mut [F], sw_dst: &mut [F]| {
        for i in 0..len {
            if i + PREFETCH_AHEAD < len {
                let ahead = row_at(first + i + PREFETCH_AHEAD);
                if let Some(src) = x.row(ahead).to_slice() {
                    prefetch(src);
                }
                if let Some(y) = y_rows {
                    prefetch(&y[ahead * k..(ahead + 1) * k]);
                }
            }
            let row = row_at(first + i);
            let (dst, src) = (&mut dst[i * p..(i + 1) * p], x.row(row));
            match src.to_slice() {
                Some(src) => dst.copy_from_slice(src),
                None => dst.iter_mut().zip(src).for_each(|(d, &s)| *d = s),
            }
            let y_dst = &mut y_dst[i * k..(i + 1) * k];
            match y_rows {
                Some(y) => y_dst.copy_from_slice(&y[row * k..(row + 1) * k]),
                None => y_dst.iter_mut().zip(y.row(row)).for_each(|(d, &s)| *d = s),
            }
            if let Some(sw) = sample_weight {
                sw_dst[i] = sw[row];
            }
        }
    };
    let (x_batch, y_batch) = (&mut x_batch[..n * p], &mut y_batch[..n * k]);
    let sw_batch = &mut sw_batch[..if sample_weight.is_some() { n } else { 0 }];
    if n * p >= PARALLEL_GATHER_VALUES && max_threads() > 1 {
        let half = n / 2;
        let (low, high) = x_batch.split_at_mut(half * p);
        let (y_low, y_high) = y_batch.split_at_mut(half * k);
        let (sw_low, sw_high) = sw_batch.split_at_mut(if sample_weight.is_some() { half } else { 0 });
        let pieces = [(0, half, low, y_low, sw_low), (half, n - half, high, y_high, sw_high)];
        for_each_piece(pieces, |(first, len, dst, y_dst, sw_dst)| copy_rows(first, len, dst, y_dst, sw_dst));
    } else {
        copy_rows(0, n, x_batch, y_batch, sw_batch);
    }
}
