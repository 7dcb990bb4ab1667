//! Dense matrix products: the one place that calls the GEMM crate.
//!
//! Almost all of the training time goes into three products per layer (forward, weight
//! gradient, backward delta), so they run on the `gemm` crate's packed, vectorised kernels.
//! [`matmul_naive`] is the reference the optimised path is tested against.

use crate::float::Float;

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
/// Single-threaded, so that results never depend on the machine's core count.
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
            gemm::Parallelism::None,
        );
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
