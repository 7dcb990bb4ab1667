//! Dense matrix products: the one place that calls the GEMM crate.
//!
//! Almost all of the training time goes into three products per layer (forward, weight
//! gradient, backward delta), so they run on the `gemm` crate's packed, vectorised kernels.
//! [`matmul_naive`] is the reference the optimised path is tested against.
//!
//! # Threads
//!
//! A product large enough to pay for it runs on several cores (the `gemm` crate's rayon
//! parallelism); smaller ones stay on the calling thread, where a second thread costs more in
//! hand-over than it saves. How many cores at most is a process-wide setting,
//! [`set_max_threads`] (default: all of them), which [`with_max_threads`] overrides for one
//! closure on the calling thread. Results do not depend on it: the GEMM splits only the output
//! into blocks, each computed whole by one thread, and never the sum over the inner dimension,
//! so every element is summed in the same order whatever the number of threads.

use std::cell::Cell;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::error::{NeuronaError, Result};
use crate::float::Float;

/// The process-wide cap on threads per product; 0 means every core.
static MAX_THREADS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// A cap set by [`with_max_threads`] on this thread; 0 means none.
    static SCOPED_MAX_THREADS: Cell<usize> = const { Cell::new(0) };
}

/// Products of fewer multiply-adds (`m·n·k`) than this stay on one thread (see `parallelism`).
const MIN_PARALLEL_WORK: usize = 8_000_000;

/// The number of cores this process may use (`std::thread::available_parallelism`).
pub fn available_cores() -> usize {
    static CORES: OnceLock<usize> = OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
}

fn check_threads(threads: Option<usize>) -> Result<usize> {
    match threads {
        Some(0) => Err(NeuronaError::parameter("n_threads", "an integer >= 1, or None for all cores", 0)),
        Some(n) => Ok(n),
        None => Ok(0),
    }
}

/// Sets the most threads one product may use, for the whole process: `None` (the default)
/// means every available core, `Some(1)` keeps all work on the calling thread. The setting
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
    struct Restore(usize);
    impl Drop for Restore {
        fn drop(&mut self) {
            SCOPED_MAX_THREADS.with(|cell| cell.set(self.0));
        }
    }
    let _restore = Restore(SCOPED_MAX_THREADS.with(|cell| cell.replace(threads)));
    Ok(f())
}

/// The most threads a product started on this thread may use now: the scoped cap, else the
/// process-wide one, never more than the available cores.
pub fn max_threads() -> usize {
    let scoped = SCOPED_MAX_THREADS.with(Cell::get);
    let cap = if scoped > 0 { scoped } else { MAX_THREADS.load(Ordering::Relaxed) };
    let cores = available_cores();
    if cap == 0 { cores } else { cap.min(cores) }
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

    fn at(&self, i: usize, j: usize) -> F {
        self.data[i * self.row_stride + j * self.col_stride]
    }
}

fn check_shapes<F: Float>(out: &[F], a: &MatRef<'_, F>, b: &MatRef<'_, F>) {
    assert_eq!(a.cols, b.rows, "inner dimensions of the product differ");
    assert!(out.len() >= a.rows * b.cols, "output buffer too small for the product");
}

/// `out: (m, n)` row-major `= a: (m, k) · b: (k, n)`, or `+=` when `accumulate`.
///
/// On one thread or several (see [the module docs](self#threads)), with the same result.
pub fn matmul<F: Float>(out: &mut [F], a: MatRef<'_, F>, b: MatRef<'_, F>, accumulate: bool) {
    check_shapes(out, &a, &b);
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            out[..m * n].fill(F::zero());
        }
        return;
    }
    // SAFETY: the shapes were checked above: `a` spans (m-1)*rs + (k-1)*cs < a.data.len() because
    // every view is built from a row-major block that holds rows*cols elements, `b` likewise, and
    // `out` holds m*n elements written with row stride n. The three buffers cannot alias: `out`
    // is borrowed mutably.
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            out.as_mut_ptr(),
            1,
            n as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            F::one(),
            F::one(),
            false,
            false,
            false,
            parallelism(m, n, k),
        );
    }
}

/// How a product of `m x k` by `k x n` runs. A second core pays only once the product is large:
/// the GEMM crate hands blocks to the rayon pool several times per product (packing, then each
/// block of the inner dimension), and below the threshold the hand-overs ate the gain. Timed on
/// a 2-core AMD EPYC (Zen 3) for the products of a 784-256-128-10 network (`examples/bench.rs
/// products`): 200x784x256 (40M multiply-adds) ran 1.3-1.9 times faster on two threads,
/// 512x256x128 (17M) 1.2-1.8 times, 200x256x128 (6.5M) between 0.8 and 1.3 times, and smaller
/// products no faster.
fn parallelism(m: usize, n: usize, k: usize) -> gemm::Parallelism {
    let threads = max_threads();
    if threads > 1 && m.saturating_mul(n).saturating_mul(k) >= MIN_PARALLEL_WORK {
        gemm::Parallelism::Rayon(threads)
    } else {
        gemm::Parallelism::None
    }
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

/// `Σ v²` accumulated in f64, in eight interleaved partial sums: a single running sum is one
/// long chain of dependent additions (four cycles each), which made the L2 penalty of a
/// 235,000-weight network cost about a tenth of a training step; eight independent chains
/// vectorise and overlap. The order differs from [`sum_of_squares_naive`] only by rounding.
pub fn sum_of_squares<F: Float>(values: &[F]) -> f64 {
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
mod tests {
    use super::*;

    fn filled(len: usize, seed: u64) -> Vec<f64> {
        // A small deterministic generator: the test needs varied values, not statistics.
        let mut state = seed;
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((state >> 11) as f64 / (1u64 << 53) as f64) - 0.5
            })
            .collect()
    }

    #[test]
    fn optimised_product_matches_the_naive_reference_for_every_transpose() {
        for &(m, k, n) in &[(1, 1, 1), (3, 5, 2), (17, 64, 10), (200, 33, 100), (7, 0, 3)] {
            let a = filled(m * k, 1);
            let b = filled(k * n, 2);
            let at = filled(k * m, 3);
            let bt = filled(n * k, 4);
            let cases = [
                (MatRef::row_major(&a, m, k), MatRef::row_major(&b, k, n)),
                (MatRef::row_major(&at, k, m).t(), MatRef::row_major(&b, k, n)),
                (MatRef::row_major(&a, m, k), MatRef::row_major(&bt, n, k).t()),
            ];
            for (lhs, rhs) in cases {
                for accumulate in [false, true] {
                    let start = filled(m * n, 5);
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
            let values = filled(len, 11);
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
        for &(m, k, n) in &[(200, 784, 256), (333, 129, 257), (784, 200, 256), (64, 1000, 1000)] {
            let a = filled(m * k, 21);
            let b = filled(k * n, 22);
            let bt = filled(n * k, 23);
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
    fn float32_product_matches_the_reference() {
        let a: Vec<f32> = filled(12 * 9, 7).iter().map(|&v| v as f32).collect();
        let b: Vec<f32> = filled(9 * 5, 8).iter().map(|&v| v as f32).collect();
        let (mut fast, mut naive) = (vec![0.0f32; 60], vec![0.0f32; 60]);
        matmul(&mut fast, MatRef::row_major(&a, 12, 9), MatRef::row_major(&b, 9, 5), false);
        matmul_naive(&mut naive, MatRef::row_major(&a, 12, 9), MatRef::row_major(&b, 9, 5), false);
        for (x, y) in fast.iter().zip(&naive) {
            assert!((x - y).abs() < 1e-5);
        }
    }
}
