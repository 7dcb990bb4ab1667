//! Dense matrix products, on neurona's own GEMM.
//!
//! Almost all of the training time goes into three products per layer (forward, weight
//! gradient, backward delta), so they run on packed, vectorised kernels: `gemm.rs` blocks and
//! packs the operands as BLIS does, `kernels/` holds the microkernels (AVX2 with FMA, AVX-512F,
//! and a portable one for WebAssembly and other targets), chosen once from what the CPU has.
//! [`matmul_naive`] is the reference the optimised path is tested against.
//!
//! The shapes that matter most are small: a minibatch of up to a few hundred rows against layers
//! of tens to a few hundred units, where a general-purpose GEMM spends more time in its driver
//! and in allocating its packing scratch than in its kernels. Here the packing buffers belong to
//! the calling thread and are reused, so that a product allocates nothing once its thread has
//! seen one of its size.
//!
//! # Threads
//!
//! A product large enough to pay for it is cut into blocks of whole output rows or columns,
//! one per thread, each computed on its own thread; smaller products stay on the calling thread,
//! where a hand-over would cost more than it saves. How many threads at most is a process-wide
//! setting, [`set_max_threads`] (default: [`default_threads`], every core unless the
//! environment's `OMP_NUM_THREADS` says fewer), which [`with_max_threads`] overrides for one
//! closure on the calling thread.
//!
//! The MLP's training step (`network/step.rs`) hands the team fewer, larger jobs instead of a
//! job per product: blocks of a minibatch's rows through all of its layers (each product on
//! one thread, `on_this_thread`), then the weight gradients cut as [`matmul`] would cut them
//! (`ProductCuts`), each block computed by `matmul_part` on whichever thread claims it.
//!
//! Results do not depend on it. The split never cuts the inner (summed) dimension, and every
//! output element is summed in an order that depends on the inner dimension alone (see
//! `gemm.rs`), wherever its block starts. `tests/threads.rs` fits with one and two threads and
//! compares the bits.
//!
//! The threads are a small team of our own (`for_each_part`, in `team.rs`), not a rayon pool:
//! the team's threads wait for the next product by spinning briefly before they sleep, the
//! calling thread takes over any block a helper has not started, and after a job whose helpers
//! were late it runs alone for a while (`team.rs` says how long and why). Through the rayon
//! parallelism of the GEMM crate used before our own, waking the pool's sleeping threads for
//! every product took about as long as the second core saved (a 200x784x256 float32
//! product: as slow on two threads as on one, against twice as fast for the same product cut in
//! two on this team).

use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use ndarray::ArrayView2;

use crate::error::{NeuronaError, Result};
use crate::float::Float;

mod gemm;
mod kernels;
mod packed;
mod team;

pub(crate) use packed::{PackedB, matmul_packed, matmul_packed_here};
pub(crate) use team::{for_each_part, for_each_piece, team_shares};

/// The process-wide cap on threads per product; 0 means every core.
static MAX_THREADS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// A cap set by [`with_max_threads`] on this thread; 0 means none.
    static SCOPED_MAX_THREADS: Cell<usize> = const { Cell::new(0) };
}

/// Products of fewer multiply-adds (`m·n·k`) than this stay on one thread. A hand-over to the
/// team costs about a microsecond and each thread packs its own copy of the shared operand.
/// Timed on a 2-core AMD EPYC (Zen 3) with `examples/bench.rs products` (the products of a
/// 784-256-128-10 network at batch sizes 4 to 512, float32): from about 250,000 multiply-adds
/// (8x256x128, some 10 microseconds of work) two threads ran 1.2 to 2 times as fast; products
/// of the 10-output layer (5,000 to 80,000) ran 0.7 to 1.4 times as fast, mostly slower.
const MIN_PARALLEL_WORK: usize = 200_000;

/// Products whose inner dimension is shorter than this stay on one thread, whatever their
/// work: each output element then costs about as much to load, add and store as to sum, and
/// the split did not pay. Timed per call (10th percentile of thousands, `examples/step.rs`-style
/// loops of `matmul`) on the 2-core AMD EPYC (Zen 3), float64, load average 3-4: the input
/// gradient of digits' 10-output layer, 200x10x100 (200,000 multiply-adds), took 12.5 us on one
/// thread and 15.3 to 15.9 us on two (13.0 against 13.7 in an earlier run); the other products
/// of that network, k of 64 to 200, ran 1.2 to 1.6 times as fast on two (200x64x100 and its
/// transposes 60 -> 40 us, 200x100x10 14.2 -> 8.9 us, 37x64x100 13.4 -> 9.6 us). The large
/// network's float32 200x10x128 (its 10-output layer's input gradient) took 7.1 to 8.5 us on
/// two threads and 7.3 to 7.6 us on one.
const MIN_PARALLEL_INNER: usize = 16;

/// The number of cores this process may use (`std::thread::available_parallelism`).
pub fn available_cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

/// The threads a product may use when nothing sets them: every core, or fewer where the
/// environment variable `OMP_NUM_THREADS` says so (its first value, as OpenMP reads a list).
/// That variable is how processes share a machine: joblib sets it in its worker processes (to
/// the cores divided by the workers), as do job schedulers, and PyTorch's products follow it
/// too. [`set_max_threads`] and [`with_max_threads`] override it.
pub fn default_threads() -> usize {
    static DEFAULT: OnceLock<usize> = OnceLock::new();
    *DEFAULT.get_or_init(|| {
        let limit = std::env::var("OMP_NUM_THREADS").ok().and_then(|v| thread_limit(&v));
        limit.map_or(available_cores(), |n| n.min(available_cores()))
    })
}

/// A thread count as `OMP_NUM_THREADS` writes it (`4`, or `4,2` for nested levels: the first
/// applies); `None` for anything else, which leaves the default alone, as OpenMP does.
fn thread_limit(value: &str) -> Option<usize> {
    let first = value.split(',').next()?.trim();
    first.parse::<usize>().ok().filter(|&n| n > 0)
}

fn check_threads(threads: Option<usize>) -> Result<usize> {
    match threads {
        Some(0) => Err(NeuronaError::parameter("n_threads", "an integer >= 1, or None for all cores", 0)),
        Some(n) => Ok(n),
        None => Ok(0),
    }
}

/// Sets the most threads one product may use, for the whole process: `None` (the default)
/// means [`default_threads`], `Some(1)` keeps all work on the calling thread. The setting
/// changes speed only, never results.
///
/// # Errors
/// [`NeuronaError::InvalidParameter`] for `Some(0)`.
pub fn set_max_threads(threads: Option<usize>) -> Result<()> {
    MAX_THREADS.store(check_threads(threads)?, Ordering::Relaxed);
    Ok(())
}

/// Runs `f` with at most `threads` threads per product on this thread (`None`: the
/// process-wide setting of [`set_max_threads`]), restoring the previous cap afterwards, even if
/// `f` panics.
///
/// # Errors
/// [`NeuronaError::InvalidParameter`] for `Some(0)`, without running `f`.
pub fn with_max_threads<R>(threads: Option<usize>, f: impl FnOnce() -> R) -> Result<R> {
    let threads = check_threads(threads)?;
    if threads == 0 {
        return Ok(f());
    }
    Ok(with_scoped_cap(threads, f))
}

/// Runs `f` with the cap `threads` (at least 1) on this thread, restoring the previous one
/// afterwards, even if `f` panics.
fn with_scoped_cap<R>(threads: usize, f: impl FnOnce() -> R) -> R {
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            SCOPED_MAX_THREADS.with(|cell| cell.set(self.0));
        }
    }
    let _restore = Restore(SCOPED_MAX_THREADS.with(|cell| cell.replace(threads)));
    f()
}

/// The most threads a product started on this thread may use now: the scoped cap, else the
/// process-wide one, never more than the available cores.
pub fn max_threads() -> usize {
    let scoped = SCOPED_MAX_THREADS.with(Cell::get);
    let cap = if scoped > 0 { scoped } else { MAX_THREADS.load(Ordering::Relaxed) };
    if cap == 0 { default_threads() } else { cap.min(available_cores()) }
}

/// A read-only view of a `rows x cols` matrix stored in a slice: element `(i, j)` is at
/// `i * row_stride + j * col_stride`. A transpose is a view with the strides swapped.
#[derive(Debug, Clone, Copy)]
pub struct MatRef<'a, F> {
    data: &'a [F],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a, F: Float> MatRef<'a, F> {
    /// A row-major `rows x cols` view of `data[..rows * cols]`.
    ///
    /// # Panics
    /// If `data` holds fewer than `rows * cols` elements (a bug in the caller, never user input).
    pub fn row_major(data: &'a [F], rows: usize, cols: usize) -> Self {
        assert!(data.len() >= rows * cols, "matrix view of {rows}x{cols} over {} elements", data.len());
        Self { data, rows, cols, row_stride: cols, col_stride: 1 }
    }

    /// A view of an ndarray matrix laid out contiguously in row- or column-major order (no
    /// copy); `None` for any other layout (a slice of a larger array, negative strides).
    pub fn from_array(view: &ArrayView2<'a, F>) -> Option<Self> {
        let data = view.to_slice_memory_order()?;
        let (rows, cols) = view.dim();
        let strides = view.strides();
        // A dimension of length 0 or 1 may carry any stride (ndarray's own choice): there is
        // nothing to step over, so the row-major one stands in for it.
        let row_stride = if rows > 1 { usize::try_from(strides[0]).ok()? } else { cols };
        let col_stride = if cols > 1 { usize::try_from(strides[1]).ok()? } else { 1 };
        Some(Self { data, rows, cols, row_stride, col_stride })
    }

    /// The elements as one row-major slice of `rows * cols` values, when the view is exactly
    /// that.
    pub fn as_row_major_slice(&self) -> Option<&'a [F]> {
        let row_major = (self.col_stride == 1 || self.cols <= 1) && (self.row_stride == self.cols || self.rows <= 1);
        row_major.then(|| &self.data[..self.rows * self.cols])
    }

    /// The transposed view (no copy).
    pub fn t(self) -> Self {
        Self {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Number of columns.
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Rows `start..end` as a view.
    pub(crate) fn rows_range(self, start: usize, end: usize) -> Self {
        let offset = (start * self.row_stride).min(self.data.len());
        Self { data: &self.data[offset..], rows: end - start, ..self }
    }

    /// Columns `start..end` as a view.
    fn cols_range(self, start: usize, end: usize) -> Self {
        let offset = (start * self.col_stride).min(self.data.len());
        Self { data: &self.data[offset..], cols: end - start, ..self }
    }

    fn at(&self, i: usize, j: usize) -> F {
        self.data[i * self.row_stride + j * self.col_stride]
    }
}

fn check_shapes<F: Float>(out: &[F], a: &MatRef<'_, F>, b: &MatRef<'_, F>) {
    assert_eq!(a.cols, b.rows, "inner dimensions of the product differ");
    assert!(out.len() >= a.rows * b.cols, "output buffer too small for the product");
}

/// Finishes a product with nothing to sum, `out: (m, n) = a: (m, 0) · b: (0, n)` (zeros, or the
/// output as it is when accumulating) or an empty output, and says whether it did: the kernels
/// need at least one step of `k` and one output.
fn nothing_to_sum<F: Float>(out: &mut [F], m: usize, k: usize, n: usize, accumulate: bool) -> bool {
    if m > 0 && n > 0 && k == 0 && !accumulate {
        out[..m * n].fill(F::zero());
    }
    m == 0 || n == 0 || k == 0
}

/// `out: (m, n)` row-major `= a: (m, k) · b: (k, n)`, or `+=` when `accumulate`.
///
/// On one thread or several (see [the module docs](self#threads)), with the same result.
pub fn matmul<F: Float>(out: &mut [F], a: MatRef<'_, F>, b: MatRef<'_, F>, accumulate: bool) {
    check_shapes(out, &a, &b);
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if nothing_to_sum(out, m, k, n, accumulate) {
        return;
    }
    let block = Block { out: OutPtr(out.as_mut_ptr()), out_row_stride: n, a, b, accumulate };
    match ProductCuts::new::<F>(m, k, n, max_threads()).split {
        // SAFETY: `out` holds the m*n outputs (checked above) and stays borrowed mutably for the
        // whole call; the blocks are disjoint, so each element is written by one thread only.
        Some((axis, cuts)) => for_each_part(cuts.parts(), &|i| unsafe { block.part(axis, &cuts, i).run() }),
        // SAFETY: as above, on this thread alone.
        None => unsafe { block.run() },
    }
}

/// How [`matmul`] cuts an `m x k x n` product for `threads` threads: into [`parts`](Self::parts)
/// blocks of whole output rows or columns (one block when the product is too small to share),
/// which [`matmul_part`] computes one at a time, on any thread, with the bits [`matmul`] gives
/// them. A caller that runs several products in one team job (the MLP's training step) cuts
/// each as [`matmul`] would.
#[derive(Clone, Copy)]
pub(crate) struct ProductCuts {
    split: Option<(Axis, Cuts)>,
    m: usize,
    n: usize,
}

impl ProductCuts {
    /// The cuts [`matmul`] makes of an `m x k x n` product of `F`s on `threads` threads.
    pub(crate) fn new<F: Float>(m: usize, k: usize, n: usize, threads: usize) -> Self {
        let worth_it = k >= MIN_PARALLEL_INNER && m.saturating_mul(n).saturating_mul(k) >= MIN_PARALLEL_WORK;
        let kernel = gemm::kernel::<F>();
        let split = if threads > 1 && worth_it { split_points(m, n, threads, kernel.mr, kernel.nr) } else { None };
        Self { split, m, n }
    }

    /// `m` rows (of a minibatch of `F`s whose rows go through `work` multiply-adds each) cut
    /// for `threads` threads as [`matmul`] cuts rows, into even shares of the kernel's tiles;
    /// one block when the work is below [`MIN_PARALLEL_WORK`].
    pub(crate) fn rows<F: Float>(m: usize, work: usize, threads: usize) -> Self {
        let worth_it = m.saturating_mul(work) >= MIN_PARALLEL_WORK;
        let kernel = gemm::kernel::<F>();
        let split = if threads > 1 && worth_it { split_points(m, 1, threads, kernel.mr, kernel.nr) } else { None };
        Self { split, m, n: 1 }
    }

    /// The number of blocks.
    pub(crate) fn parts(&self) -> usize {
        self.split.map_or(1, |(_, cuts)| cuts.parts())
    }

    /// The output rows and columns of block `part`.
    pub(crate) fn block(&self, part: usize) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        match self.split {
            Some((axis, cuts)) => {
                let cut = cuts.starts[part]..cuts.starts[part + 1];
                match axis {
                    Axis::Rows => (cut, 0..self.n),
                    Axis::Cols => (0..self.m, cut),
                }
            }
            None => (0..self.m, 0..self.n),
        }
    }
}

/// Block `part` of `cuts` (made for this product's shape) of the product
/// `out: (a.rows, b.cols)` row-major `= a · b`, or `+=` when `accumulate`, on the calling
/// thread: the same bits as [`matmul`] gives those outputs.
///
/// # Safety
/// `out` must be valid for reads and writes of the whole `a.rows x b.cols` output, and no other
/// thread may access the block's elements during the call (other blocks it may).
pub(crate) unsafe fn matmul_part<F: Float>(
    out: *mut F,
    a: MatRef<'_, F>,
    b: MatRef<'_, F>,
    accumulate: bool,
    cuts: &ProductCuts,
    part: usize,
) {
    assert_eq!(a.cols, b.rows, "inner dimensions of the product differ");
    assert!(cuts.m == a.rows && (cuts.n == b.cols || cuts.split.is_none()), "cuts made for another product");
    let block = Block { out: OutPtr(out), out_row_stride: b.cols, a, b, accumulate };
    let block = match cuts.split {
        Some((axis, cuts)) => block.part(axis, &cuts, part),
        None => block,
    };
    let (m, k, n) = (block.a.rows, block.a.cols, block.b.cols);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            for i in 0..m {
                // SAFETY: row i of the block lies inside the output, which the caller lends us.
                unsafe { std::slice::from_raw_parts_mut(block.out.0.add(i * block.out_row_stride), n).fill(F::zero()) };
            }
        }
        return;
    }
    // SAFETY: the caller guarantees the output and that no other thread touches this block.
    unsafe { block.run() }
}

/// Runs `f` with every product it starts on the calling thread alone: the parts of a team job
/// (inside which the team is busy anyway) compute each of their products as one block.
pub(crate) fn on_this_thread<R>(f: impl FnOnce() -> R) -> R {
    with_scoped_cap(1, f)
}

/// The textbook triple loop: the reference [`matmul`] is tested against.
pub fn matmul_naive<F: Float>(out: &mut [F], a: MatRef<'_, F>, b: MatRef<'_, F>, accumulate: bool) {
    check_shapes(out, &a, &b);
    for i in 0..a.rows {
        for j in 0..b.cols {
            let mut sum = F::zero();
            for p in 0..a.cols {
                sum += a.at(i, p) * b.at(p, j);
            }
            let o = &mut out[i * b.cols + j];
            *o = if accumulate { *o + sum } else { sum };
        }
    }
}

/// Which output dimension a threaded product is cut along: rows or columns of `out`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Axis {
    Rows,
    Cols,
}

/// The most blocks one product is cut into.
const MAX_PARTS: usize = 64;

/// The output block starts of a product cut into parts: `starts[i]..starts[i + 1]`.
#[derive(Debug, Clone, Copy)]
struct Cuts {
    starts: [usize; MAX_PARTS + 1],
    parts: usize,
}

impl Cuts {
    fn parts(&self) -> usize {
        self.parts
    }
}

/// Where to cut an `m x n` output for `threads` threads, if it is worth it: along the longer
/// side, so that each thread packs all of the smaller operand and its share of the larger one,
/// into even shares of the kernel's register tiles (`mr` rows or `nr` columns, the last share
/// ending with the edge tile), so that no tile inside the product is cut into two edge tiles
/// and no thread has more than one tile more than another: 200 rows of 6-row tiles are cut at
/// 102 (17 tiles each), where cuts at multiples of 24 gave 96 and 104 (16 and 18 tiles). Only
/// speed depends on it: an element's sum is the same in any block (see `gemm.rs`).
fn split_points(m: usize, n: usize, threads: usize, mr: usize, nr: usize) -> Option<(Axis, Cuts)> {
    let (axis, len, align) = if m >= n { (Axis::Rows, m, mr) } else { (Axis::Cols, n, nr) };
    // At least two whole tiles per part, as each part packs its own operands.
    let parts = threads.min(len / (2 * align)).min(MAX_PARTS);
    if parts < 2 {
        return None;
    }
    let tiles = len.div_ceil(align);
    let mut starts = [0; MAX_PARTS + 1];
    for (i, start) in starts.iter_mut().enumerate().take(parts).skip(1) {
        *start = tiles * i / parts * align;
    }
    starts[parts] = len;
    let all_cut = starts[..=parts].windows(2).all(|w| w[1] > w[0]);
    all_cut.then_some((axis, Cuts { starts, parts }))
}

/// A raw output pointer that may cross threads: each thread writes its own disjoint block.
#[derive(Clone, Copy)]
struct OutPtr<F>(*mut F);

// SAFETY: an `OutPtr` is only written through `Block::run`, and `matmul` hands each thread a
// block of outputs that no other thread touches.
unsafe impl<F: Send> Send for OutPtr<F> {}
// SAFETY: as above; a shared `OutPtr` only gives out copies of the pointer.
unsafe impl<F: Sync> Sync for OutPtr<F> {}

/// The product `out = a · b` (or `+=`) over a block of outputs: `out` points at the block's
/// first element, its rows `out_row_stride` apart.
#[derive(Clone, Copy)]
struct Block<'a, F> {
    out: OutPtr<F>,
    out_row_stride: usize,
    a: MatRef<'a, F>,
    b: MatRef<'a, F>,
    accumulate: bool,
}

impl<F: Float> Block<'_, F> {
    /// Block `i` of the cuts along `axis`.
    fn part(&self, axis: Axis, cuts: &Cuts, i: usize) -> Self {
        let (start, end) = (cuts.starts[i], cuts.starts[i + 1]);
        match axis {
            Axis::Rows => Self {
                a: self.a.rows_range(start, end),
                // Stays inside the output: start < rows.
                out: OutPtr(self.out.0.wrapping_add(start * self.out_row_stride)),
                ..*self
            },
            Axis::Cols => {
                Self { b: self.b.cols_range(start, end), out: OutPtr(self.out.0.wrapping_add(start)), ..*self }
            }
        }
    }

    /// Computes the block on the calling thread.
    ///
    /// # Safety
    /// `out` must be valid for writes of `a.rows` rows of `b.cols` elements, `out_row_stride`
    /// apart, and no other thread may access those elements during the call.
    unsafe fn run(&self) {
        // SAFETY: the caller guarantees the output block; the inputs are shared borrows, so
        // they cannot alias it.
        unsafe { gemm::gemm(self.out.0, self.out_row_stride, self.a, self.b, self.accumulate) }
    }
}

/// In a function of a closure `f`: where the CPU has the x86-64 feature `$feature` (checked
/// once, then cached by the standard library), returns `f()` compiled for it; else goes on to
/// the next line, which runs `f` another way. A macro, as `#[target_feature]` takes the
/// feature's name as a literal; it expands to the same code in each place, so the loops inlined
/// into `f` compile as they would written out.
macro_rules! return_compiled_for {
    ($feature:tt, $f:ident) => {
        #[cfg(target_arch = "x86_64")]
        {
            #[target_feature(enable = $feature)]
            fn compiled<R>(f: impl FnOnce() -> R) -> R {
                f()
            }
            if std::arch::is_x86_feature_detected!($feature) {
                // SAFETY: the CPU supports the feature, checked on the line above.
                return unsafe { compiled($f) };
            }
        }
    };
}

/// Runs `f` compiled for AVX2 when the CPU has it (checked once, then cached by the standard
/// library), else as it is. The crate is built for the x86-64 baseline, whose vectors hold four
/// f32; the passes over the flat parameter buffer (the optimizers' updates, the gradient's
/// scaling) are bound by divisions and square roots, and AVX2 does eight per instruction; the
/// activations' passes and the bias sums were 1-2% of a digits fit faster in it. AVX-512 gained
/// no fit more (BENCHMARKS.md, 5 December 2026, 20:31 UTC).
/// The results are the same bits either way: the compiler vectorises only element-wise work and
/// never fuses a multiplication and an addition on its own.
#[inline(always)]
pub(crate) fn with_avx2<R>(f: impl FnOnce() -> R) -> R {
    return_compiled_for!("avx2", f);
    f()
}

/// Runs `f` compiled for FMA (and the AVX it implies) when the CPU has it, else as it is. The
/// crate is built for the x86-64 baseline, where `mul_add` is a call into the C library's `fma`
/// for every element; with the feature it is one instruction. Either way it rounds once, so the
/// bits are the same; the compiler never fuses a multiplication and an addition on its own.
#[inline(always)]
pub(crate) fn with_fma<R>(f: impl FnOnce() -> R) -> R {
    return_compiled_for!("fma", f);
    f()
}

/// `Σ v²` accumulated in f64, in eight interleaved partial sums: a single running sum is one
/// long chain of dependent additions (four cycles each), which made the L2 penalty of a
/// 235,000-weight network cost about a tenth of a training step; eight independent chains
/// vectorise and overlap. The order differs from [`sum_of_squares_naive`] only by rounding.
pub fn sum_of_squares<F: Float>(values: &[F]) -> f64 {
    with_avx2(
        #[inline(always)]
        || sum_of_squares_interleaved(values),
    )
}

#[inline(always)]
fn sum_of_squares_interleaved<F: Float>(values: &[F]) -> f64 {
    let mut partial = [0.0f64; 8];
    let chunks = values.chunks_exact(8);
    let tail = chunks.remainder();
    for chunk in chunks {
        for (p, &v) in partial.iter_mut().zip(chunk) {
            let v = v.as_f64();
            *p += v * v;
        }
    }
    for (p, &v) in partial.iter_mut().zip(tail) {
        let v = v.as_f64();
        *p += v * v;
    }
    let [a, b, c, d, e, f, g, h] = partial;
    ((a + e) + (b + f)) + ((c + g) + (d + h))
}

/// `Σ v²` as one running f64 sum: the reference [`sum_of_squares`] is tested against.
pub fn sum_of_squares_naive<F: Float>(values: &[F]) -> f64 {
    values.iter().map(|&v| v.as_f64() * v.as_f64()).sum()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// `len` values in [-0.5, 0.5) from a small LCG, one stream per seed: the linalg and network
    /// tests need varied values, not statistics.
    pub(crate) fn filled<F: Float>(len: usize, seed: u64) -> Vec<F> {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                F::from_f64(((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5)
            })
            .collect()
    }

    #[test]
    fn omp_num_threads_is_read_as_openmp_reads_it() {
        assert_eq!(thread_limit("1"), Some(1));
        assert_eq!(thread_limit(" 4 "), Some(4));
        assert_eq!(thread_limit("3,2"), Some(3));
        for ignored in ["", "0", "-2", "two", ",4", "1.5"] {
            assert_eq!(thread_limit(ignored), None, "{ignored:?}");
        }
    }

    #[test]
    fn optimised_product_matches_the_naive_reference_for_every_transpose() {
        for &(m, k, n) in &[(1, 1, 1), (3, 5, 2), (17, 64, 10), (200, 33, 100), (7, 0, 3)] {
            let a = filled::<f64>(m * k, 1);
            let b = filled::<f64>(k * n, 2);
            let at = filled::<f64>(k * m, 3);
            let bt = filled::<f64>(n * k, 4);
            let cases = [
                (MatRef::row_major(&a, m, k), MatRef::row_major(&b, k, n)),
                (MatRef::row_major(&at, k, m).t(), MatRef::row_major(&b, k, n)),
                (MatRef::row_major(&a, m, k), MatRef::row_major(&bt, n, k).t()),
            ];
            for (lhs, rhs) in cases {
                for accumulate in [false, true] {
                    let start = filled::<f64>(m * n, 5);
                    let (mut fast, mut naive) = (start.clone(), start.clone());
                    matmul(&mut fast, lhs, rhs, accumulate);
                    matmul_naive(&mut naive, lhs, rhs, accumulate);
                    for (x, y) in fast.iter().zip(&naive) {
                        assert!((x - y).abs() < 1e-12, "{m}x{k}x{n}: {x} vs {y}");
                    }
                }
            }
        }
    }

    #[test]
    fn sum_of_squares_matches_the_running_sum() {
        for len in [0, 1, 7, 8, 9, 100, 1001] {
            let values = filled::<f64>(len, 11);
            let (fast, naive) = (sum_of_squares(&values), sum_of_squares_naive(&values));
            assert!((fast - naive).abs() <= 1e-14 * naive.max(1e-300), "{len}: {fast} vs {naive}");
        }
    }

    #[test]
    fn thread_settings_are_checked_and_scoped() {
        assert!(set_max_threads(Some(0)).is_err());
        assert!(with_max_threads(Some(0), || ()).is_err());
        let before = max_threads();
        assert_eq!(with_max_threads(Some(1), max_threads).unwrap(), 1);
        assert_eq!(with_max_threads(None, max_threads).unwrap(), before);
        assert_eq!(max_threads(), before);
        // A cap above the core count is the core count.
        assert_eq!(with_max_threads(Some(usize::MAX), max_threads).unwrap(), available_cores());
    }

    #[test]
    fn threaded_products_are_bit_identical_to_single_threaded_ones() {
        // Large enough to be split across threads; odd sizes leave partial register tiles.
        let shapes =
            [(200, 784, 256), (333, 129, 257), (784, 200, 256), (64, 1000, 1000), (97, 513, 70), (130, 17, 700)];
        for &(m, k, n) in &shapes {
            let a = filled::<f64>(m * k, 21);
            let b = filled::<f64>(k * n, 22);
            let bt = filled::<f64>(n * k, 23);
            let cases = [
                (MatRef::row_major(&a, m, k), MatRef::row_major(&b, k, n)),
                (MatRef::row_major(&a, m, k), MatRef::row_major(&bt, n, k).t()),
            ];
            for (lhs, rhs) in cases {
                let mut one = vec![0.0; m * n];
                let mut many = vec![0.0; m * n];
                with_max_threads(Some(1), || matmul(&mut one, lhs, rhs, false)).unwrap();
                with_max_threads(Some(available_cores().max(2)), || matmul(&mut many, lhs, rhs, false)).unwrap();
                assert!(one.iter().zip(&many).all(|(x, y)| x.to_bits() == y.to_bits()), "{m}x{k}x{n}");
            }
        }
    }

    #[test]
    fn the_team_runs_every_part_once_even_nested_and_passes_panics_on() {
        let counts: Vec<AtomicUsize> = (0..9).map(|_| AtomicUsize::new(0)).collect();
        for_each_part(9, &|i| {
            counts[i].fetch_add(1, Ordering::Relaxed);
            // A split loop inside a part runs on that part's thread.
            for_each_part(3, &|_| {
                counts[i].fetch_add(10, Ordering::Relaxed);
            });
        });
        assert!(counts.iter().all(|c| c.load(Ordering::Relaxed) == 31));
        let caught = std::panic::catch_unwind(|| for_each_part(2, &|i| assert!(i != 1, "part 1")));
        assert!(caught.is_err());
        // The team still works after a panic.
        let total = AtomicUsize::new(0);
        for_each_piece([1, 2], |v| {
            total.fetch_add(v, Ordering::Relaxed);
        });
        assert_eq!(total.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn blocks_are_cut_along_the_longer_side_on_aligned_starts() {
        // AVX2's float32 tiles, 6 x 16.
        let first_cut = |m, n| split_points(m, n, 2, 6, 16).map(|(axis, cuts)| (axis, cuts.starts[1]));
        assert_eq!(first_cut(200, 256), Some((Axis::Cols, 128)));
        assert_eq!(first_cut(784, 256), Some((Axis::Rows, 390)));
        assert_eq!(first_cut(200, 128), Some((Axis::Rows, 102)));
        assert_eq!(first_cut(256, 64), Some((Axis::Rows, 126)));
        // Too short for two tiles per part.
        assert!(first_cut(40, 60).is_none());
        assert!(first_cut(23, 16).is_none());
    }

    #[test]
    fn float32_product_matches_the_reference() {
        let a: Vec<f32> = filled::<f64>(12 * 9, 7).iter().map(|&v| v as f32).collect();
        let b: Vec<f32> = filled::<f64>(9 * 5, 8).iter().map(|&v| v as f32).collect();
        let (mut fast, mut naive) = (vec![0.0f32; 60], vec![0.0f32; 60]);
        matmul(&mut fast, MatRef::row_major(&a, 12, 9), MatRef::row_major(&b, 9, 5), false);
        matmul_naive(&mut naive, MatRef::row_major(&a, 12, 9), MatRef::row_major(&b, 9, 5), false);
        for (x, y) in fast.iter().zip(&naive) {
            assert!((x - y).abs() < 1e-5);
        }
    }
}
