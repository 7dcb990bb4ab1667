//! Products against an operand packed once: [`PackedB`] holds `b` in the GEMM's panels, and
//! [`matmul_packed`] multiplies any number of `a`s by it without packing `b` again.
//!
//! A recurrent layer multiplies its state by the same `W_hh` at every step (50 steps of a
//! batch, forward, and again backward): through [`matmul`](super::matmul) each of those
//! products packed `W_hh` anew, about a twentieth of an LSTM epoch in packing alone. Packed
//! once per pass, the steps only run the kernels; the state `a` is read where it lies when its
//! rows are runs, the short edge panel too (the kernels read only its rows).
//!
//! The bits are [`matmul`](super::matmul)'s: the same kernel over the same inner blocks (their
//! length depends on `k` alone), each output element summed from zero with one fused
//! multiply-add per step of `k`, in order, then added to the output (see `gemm.rs`), wherever
//! its tile and whichever thread computes it.

use super::gemm::{self, APanels, BPanels, KC, MC, NC, Region, Tiles};
use super::kernels::{Kernel, KernelFn};
use super::{MIN_PARALLEL_WORK, MatRef, OutPtr, for_each_part, max_threads, nothing_to_sum};
use crate::float::Float;

/// `b: (k, n)` packed into the GEMM's panels of `nr` columns for the kernel detected when it
/// was packed, block by block: the blocks of [`NC`] columns in order, in each the blocks of the
/// inner dimension in order, each `kc` rows of every panel (the last one zero-padded). Its
/// storage is reused by the next [`PackedB::pack`], grown only for a larger `b`.
#[derive(Debug, Clone)]
pub(crate) struct PackedB<F> {
    data: Vec<F>,
    /// Where the panels start in `data`: the first 64-byte boundary, so that a panel's rows
    /// (one or two cache lines) never straddle two lines. (A clone may lose the alignment,
    /// never the values.)
    start: usize,
    k: usize,
    n: usize,
    /// The kernel's tile and function (`mr`, `nr`, `run`; a `Kernel` but for its `'static`
    /// bound, which a workspace's buffers would then carry); `None` before the first pack.
    kernel: Option<(usize, usize, KernelFn<F>)>,
}

impl<F> Default for PackedB<F> {
    fn default() -> Self {
        Self { data: Vec::new(), start: 0, k: 0, n: 0, kernel: None }
    }
}

/// The length of the inner blocks of a product with inner dimension `k >= 1`: as even as
/// possible, at most [`KC`] (the GEMM's rule, so that the sums are the same).
fn block_len(k: usize) -> usize {
    k.div_ceil(k.div_ceil(KC))
}

impl<F: Float> PackedB<F> {
    /// The values a packed `(k, n)` matrix takes: every block of columns but the last is
    /// [`NC`] wide, a multiple of `nr`, so the panels hold `n` rounded up to `nr` columns of `k`
    /// rows; and room to start them on a 64-byte boundary.
    fn len_for(k: usize, n: usize, nr: usize) -> usize {
        n.next_multiple_of(nr) * k + 64 / size_of::<F>()
    }

    /// Grows the storage for a `(k, n)` matrix, so that packing one allocates nothing.
    pub(crate) fn reserve(&mut self, k: usize, n: usize) {
        let len = Self::len_for(k, n, gemm::kernel::<F>().nr);
        if self.data.len() < len {
            self.data.resize(len, F::zero());
        }
    }

    /// The values the storage holds.
    #[cfg(test)]
    pub(crate) fn capacity(&self) -> usize {
        self.data.len()
    }

    /// Packs `b: (k, n)`, any strides, replacing what was packed before.
    pub(crate) fn pack(&mut self, b: MatRef<'_, F>) {
        let kernel = gemm::kernel::<F>();
        let (k, n, nr) = (b.rows, b.cols, kernel.nr);
        self.reserve(k, n);
        self.start = self.data.as_ptr().align_offset(64).min(64 / size_of::<F>());
        (self.k, self.n, self.kernel) = (k, n, Some((kernel.mr, kernel.nr, kernel.run)));
        if k == 0 {
            return;
        }
        let kc_len = block_len(k);
        for jc in (0..n).step_by(NC) {
            let nc = NC.min(n - jc);
            for pc in (0..k).step_by(kc_len) {
                let kc = kc_len.min(k - pc);
                let offset = self.block_offset(jc, nc, pc);
                gemm::pack_panels(&mut self.data[offset..], &b, Region { pc, kc, jc, nc }, nr, false);
            }
        }
    }

    /// Where the block of columns `jc..jc + nc` and inner rows from `pc` starts in `data`.
    fn block_offset(&self, jc: usize, nc: usize, pc: usize) -> usize {
        let nr = self.kernel.map_or(1, |(_, nr, _)| nr);
        self.start + jc * self.k + nc.next_multiple_of(nr) * pc
    }
}

/// `out: (m, n)` row-major `= a: (m, k) · b`, or `+=` when `accumulate`: the bits of
/// [`matmul`](super::matmul) with `b` unpacked, on one thread or several.
///
/// # Panics
/// If the inner dimensions differ or `out` holds fewer than `m·n` values (a bug in the caller,
/// never user input), or if `b` was never packed.
pub(crate) fn matmul_packed<F: Float>(out: &mut [F], a: MatRef<'_, F>, b: &PackedB<F>, accumulate: bool) {
    product_on(out, a, b, accumulate, max_threads());
}

/// [`matmul_packed`] on the calling thread alone: for a part of a job already split among
/// threads (a recurrent step's rows, whose element-wise work follows on the same thread).
pub(crate) fn matmul_packed_here<F: Float>(out: &mut [F], a: MatRef<'_, F>, b: &PackedB<F>, accumulate: bool) {
    product_on(out, a, b, accumulate, 1);
}

/// [`matmul_packed`] on at most `threads` threads.
fn product_on<F: Float>(out: &mut [F], a: MatRef<'_, F>, b: &PackedB<F>, accumulate: bool, threads: usize) {
    assert_eq!(a.cols, b.k, "inner dimensions of the product differ");
    let (m, k, n) = (a.rows, b.k, b.n);
    assert!(out.len() >= m * n, "output buffer too small for the product");
    let (mr, nr, run) = b.kernel.expect("a PackedB is packed before use");
    let kernel = Kernel { mr, nr, run };
    if nothing_to_sum(out, m, k, n, accumulate) {
        return;
    }
    let product = Product { out: OutPtr(out.as_mut_ptr()), a, b, kernel, accumulate };
    let split = if threads > 1 && m.saturating_mul(n).saturating_mul(k) >= MIN_PARALLEL_WORK {
        Split::choose(m, n, threads, &kernel)
    } else {
        None
    };
    match split {
        // SAFETY: `out` holds the m·n outputs (checked above) and stays borrowed mutably for
        // the whole call; the parts are disjoint blocks, each written by one thread only.
        Some(split) => for_each_part(split.parts, &|i| unsafe { product.run(split.part(i, m, n)) }),
        // SAFETY: as above, on this thread alone.
        None => unsafe { product.run(Part { rows: 0..m, cols: 0..n }) },
    }
}

/// A block of the output: rows and columns.
struct Part {
    rows: std::ops::Range<usize>,
    cols: std::ops::Range<usize>,
}

/// How a product is cut among threads: along its rows (`rows`) or columns, into `parts` of
/// whole register tiles (`align` rows or columns).
#[derive(Clone, Copy)]
struct Split {
    rows: bool,
    parts: usize,
    align: usize,
}

impl Split {
    /// The cut whose largest part has the fewest register tiles (ties: along the columns,
    /// where each thread reads its own panels of `b` and the same `a`), if any part is left
    /// for a second thread. The per-step products of a recurrent layer (64 rows against 256 or
    /// 64 columns, tiles of 6 x 16) split evenly along the columns, where the 24-row cuts of
    /// [`matmul`](super::matmul) left one thread 4 tile rows and the other 7.
    fn choose<F>(m: usize, n: usize, threads: usize, kernel: &Kernel<F>) -> Option<Self> {
        let (mr, nr) = (kernel.mr, kernel.nr);
        let (row_tiles, col_tiles) = (m.div_ceil(mr), n.div_ceil(nr));
        let along = |rows: bool| {
            let (tiles, other) = if rows { (row_tiles, col_tiles) } else { (col_tiles, row_tiles) };
            let parts = threads.min(tiles);
            (tiles.div_ceil(parts.max(1)) * other, Self { rows, parts, align: if rows { mr } else { nr } })
        };
        let ((row_cost, by_rows), (col_cost, by_cols)) = (along(true), along(false));
        let best = if row_cost < col_cost { by_rows } else { by_cols };
        (best.parts >= 2).then_some(best)
    }

    /// Part `i` of an `m x n` output: an even share of the tiles, the last part to the end.
    fn part(&self, i: usize, m: usize, n: usize) -> Part {
        let len = if self.rows { m } else { n };
        let tiles = len.div_ceil(self.align);
        let edge = |i: usize| (tiles * i / self.parts * self.align).min(len);
        let range = edge(i)..edge(i + 1);
        if self.rows { Part { rows: range, cols: 0..n } } else { Part { rows: 0..m, cols: range } }
    }
}

/// A product against a packed `b`, its output block by block.
struct Product<'a, F: 'static> {
    out: OutPtr<F>,
    a: MatRef<'a, F>,
    b: &'a PackedB<F>,
    kernel: Kernel<F>,
    accumulate: bool,
}

impl<F: Float> Product<'_, F> {
    /// Computes the block `part` of the output on the calling thread: the GEMM's loops (see
    /// `gemm.rs`) with `b`'s panels taken from the packed blocks.
    ///
    /// # Safety
    /// The output must be valid for writes of `m` rows of `n` values, and no other thread may
    /// access the block during the call.
    unsafe fn run(&self, part: Part) {
        let Self { a, b, kernel, .. } = *self;
        let (k, n) = (b.k, b.n);
        let (mr, nr) = (kernel.mr, kernel.nr);
        let kc_len = block_len(k);
        let a_len = part.rows.len().min(MC).next_multiple_of(mr) * kc_len;
        // A state whose rows are runs is read where it lies: every b panel re-reads the same
        // few rows, from the L1 cache, as it would read them packed.
        let a_direct = a.col_stride == 1;
        gemm::with_scratch(a_len, 0, |a_pack: &mut [F], _: &mut [F]| {
            for jc in (0..n).step_by(NC) {
                let block_nc = NC.min(n - jc);
                let (lo, hi) = (part.cols.start.max(jc), part.cols.end.min(jc + block_nc));
                if lo >= hi {
                    continue;
                }
                for pc in (0..k).step_by(kc_len) {
                    let kc = kc_len.min(k - pc);
                    // `lo - jc` is a multiple of nr: the parts are cut at whole panels.
                    let panels = &b.data[b.block_offset(jc, block_nc, pc) + (lo - jc) * kc..];
                    let b_panels = BPanels { packed: panels, direct: None, rs: nr };
                    for ic in part.rows.clone().step_by(MC) {
                        let mc = MC.min(part.rows.end - ic);
                        if !a_direct {
                            gemm::pack_panels(a_pack, &a.t(), Region { pc, kc, jc: ic, nc: mc }, mr, false);
                        }
                        let a_panels = APanels {
                            packed: a_pack,
                            direct: a_direct.then(|| &a.data[ic * a.row_stride + pc..]),
                            rs: a.row_stride,
                            cs: a.col_stride,
                        };
                        let tiles = Tiles { kernel, kc, mc, nc: hi - lo, add: self.accumulate || pc > 0 };
                        // SAFETY: rows ic.. and columns lo.. of the output, inside `part`, which
                        // the caller guarantees to this thread.
                        unsafe { tiles.run(&a_panels, &b_panels, self.out.0.add(ic * n + lo), n, 1) };
                    }
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::super::kernels;
    use super::super::tests::filled;
    use super::super::{available_cores, matmul, matmul_naive, with_max_threads};
    use super::*;

    fn bits<F: Float>(values: &[F]) -> Vec<u64> {
        values.iter().map(|v| v.as_f64().to_bits()).collect()
    }

    /// `a` row-major, or a transposed row-major matrix (rows not runs: packed);
    /// `b` row-major or transposed.
    fn check<F: Float>(m: usize, k: usize, n: usize, threads: usize, what: &str) {
        let (a_store, b_store) = (filled::<F>(m * k, (m * 7 + k) as u64), filled::<F>(k * n, (n * 3 + k) as u64));
        for layout in 0..4 {
            let a =
                if layout & 1 == 0 { MatRef::row_major(&a_store, m, k) } else { MatRef::row_major(&a_store, k, m).t() };
            let b =
                if layout & 2 == 0 { MatRef::row_major(&b_store, k, n) } else { MatRef::row_major(&b_store, n, k).t() };
            let mut packed = PackedB::default();
            packed.pack(b);
            assert_eq!((packed.k, packed.n), (k, n));
            for accumulate in [false, true] {
                let start = filled::<F>(m * n, 9);
                let (mut fast, mut reference, mut naive) = (start.clone(), start.clone(), start.clone());
                with_max_threads(Some(threads), || matmul_packed(&mut fast, a, &packed, accumulate)).unwrap();
                let mut here = start.clone();
                with_max_threads(Some(threads), || matmul_packed_here(&mut here, a, &packed, accumulate)).unwrap();
                with_max_threads(Some(1), || matmul(&mut reference, a, b, accumulate)).unwrap();
                matmul_naive(&mut naive, a, b, accumulate);
                let label = format!("{what} {m}x{k}x{n} layout {layout} accumulate {accumulate} threads {threads}");
                assert_eq!(bits(&fast), bits(&reference), "{label}");
                assert_eq!(bits(&here), bits(&reference), "{label} on the calling thread");
                let bound = 1e-5 * (k as f64).max(1.0);
                assert!(fast.iter().zip(&naive).all(|(x, y)| (x.as_f64() - y.as_f64()).abs() <= bound), "{label}");
            }
        }
    }

    fn check_all<F: Float>() {
        let shapes = [
            (1, 1, 1),
            (3, 0, 5),
            (7, 5, 3),
            (64, 64, 256),
            (61, 64, 256),
            (64, 256, 64),
            (29, 256, 64),
            (13, 257, 33),
            (2 * MC + 5, 19, 40),
            (9, 600, 70),
            (5, 17, NC + 40),
        ];
        for isa in kernels::supported() {
            let what = format!("{} {isa:?}", F::DTYPE);
            gemm::with_isa(isa, || {
                for &(m, k, n) in &shapes {
                    for threads in [1, available_cores().max(2)] {
                        check::<F>(m, k, n, threads, &what);
                    }
                }
            });
        }
    }

    #[test]
    fn packed_products_have_the_bits_of_matmul() {
        check_all::<f32>();
        check_all::<f64>();
    }

    #[test]
    fn a_repacked_operand_replaces_the_old_one() {
        let (big, small) = (filled::<f64>(40 * 70, 1), filled::<f64>(5 * 9, 2));
        let a = filled::<f64>(3 * 40, 3);
        let mut packed = PackedB::default();
        packed.pack(MatRef::row_major(&big, 40, 70));
        packed.pack(MatRef::row_major(&small, 5, 9));
        let (mut fast, mut reference) = (vec![0.0; 27], vec![0.0; 27]);
        matmul_packed(&mut fast, MatRef::row_major(&a, 3, 5), &packed, false);
        matmul(&mut reference, MatRef::row_major(&a, 3, 5), MatRef::row_major(&small, 5, 9), false);
        assert_eq!(bits(&fast), bits(&reference));
    }

    #[test]
    fn the_split_gives_each_thread_whole_tiles() {
        let kernel = Kernel::<f32> { mr: 6, nr: 16, run: |_, _, _, _, _, _, _, _| {} };
        // The forward step (64 x 256) and the backward one (64 x 64): along the columns.
        let forward = Split::choose(64, 256, 2, &kernel).unwrap();
        assert!(!forward.rows);
        assert_eq!((forward.part(0, 64, 256).cols, forward.part(1, 64, 256).cols), (0..128, 128..256));
        let backward = Split::choose(64, 64, 2, &kernel).unwrap();
        assert_eq!((backward.rows, backward.part(1, 64, 64).cols), (false, 32..64));
        // Tall and narrow: along the rows, at multiples of 6.
        let tall = Split::choose(100, 16, 2, &kernel).unwrap();
        assert!(tall.rows);
        assert_eq!((tall.part(0, 100, 16).rows, tall.part(1, 100, 16).rows), (0..48, 48..100));
        assert!(Split::choose(6, 16, 2, &kernel).is_none());
    }
}
