//! neurona's GEMM: `out (+)= a · b` for row-major `out` and operands of any strides, blocked and
//! packed in the manner of BLIS (Van Zee and van de Geijn, "BLIS: A Framework for Rapidly
//! Instantiating BLAS Functionality", ACM TOMS 41(3), 2015) around the microkernels of
//! `kernels/`.
//!
//! The loops, outermost first: blocks of [`NC`] output columns; blocks of the inner dimension
//! (at most [`KC`] long, their length derived from `k` alone), whose `b` block is packed into
//! panels of `nr` columns; blocks of [`MC`] output rows, whose `a` block is packed into panels of
//! `mr` rows; then one kernel call per register tile. A packed `b` panel (`kc x nr`) stays in
//! the L1 cache across the `a` panels, the packed `a` block in L2. Packing also turns any
//! operand layout (transposed views included) into the one the kernels read, and pads the edge
//! panels with zeros. A tile of fewer rows than the kernel's (the output's last) runs the
//! kernel's copy for its height, in place; one of fewer columns sums a whole tile into a scratch
//! tile, copied out.
//!
//! The small products of a minibatch are where a general-purpose GEMM loses most of its time
//! outside its kernels, so three choices are made per product (`Orientation`, `one_row`): a
//! small row-major `b`, and an `a` that few `b` panels read or whose block is small (a minibatch
//! just gathered, a delta just written), are read where they lie rather than packed; a narrow
//! output (a 10-class layer) is computed as its transpose when that fills the tiles better; a
//! single output row or column is summed on its own, without tiles.
//!
//! # Summation order
//! An output element is the sum, over the inner blocks in order, of each block's kernel sum
//! (see `kernels/`), added to the output (to zero-free storage for the first block of a product
//! that overwrites). That order depends on `k` alone: not on the element's position, the
//! output block a thread computes, nor the kernel's tile. Hence any split of the output among
//! threads gives the same bits.
//!
//! # Scratch
//! The packing buffers belong to the calling thread, 64-byte aligned, grown to the largest
//! product seen and never shrunk: after a thread's first product of a given size, a product
//! allocates nothing.

use std::any::Any;
use std::cell::RefCell;

use super::MatRef;
use super::kernels::{self, Isa, Kernel, MAX_TILE, Strided};
use crate::float::Float;

/// The longest block of the inner dimension: a packed `b` panel of 256 rows of the widest tile
/// (16 float64, 32 float32 with AVX-512) is 32 KiB, the size of an L1 data cache.
pub(super) const KC: usize = 256;
/// Output rows per packed `a` block: 120 x 256 float64 is 240 KiB, within an L2 cache. A
/// multiple of every kernel's `mr` (3, 4, 6, 12).
pub(super) const MC: usize = 120;
/// The largest block of `a` (`mc x kc` values) read in place rather than packed, whatever the
/// number of `b` panels that read it: 128 KiB, a quarter of a Zen 3 core's L2 cache. Timed per
/// call (10th percentile of thousands) on one thread of the 2-core AMD EPYC (Zen 3), float64:
/// the digits network's products (200x64x100 and its transposes, 200x10x100) ran 3 to 8%
/// faster with `a` in place (its blocks 10 to 100 KiB: a minibatch just gathered, a delta just
/// written, both still in the cache), the step of its fit 3%; 200x784x256 (a 188 KiB block)
/// and 500x500x500 (240 KiB) 10 to 15% slower, where packing pays.
const A_IN_PLACE_BYTES: usize = 128 * 1024;
/// Output columns per packed `b` block: 2048 x 256 float64 is 4 MiB, within an L3 cache. A
/// multiple of every kernel's `nr`.
pub(super) const NC: usize = 2048;

#[cfg(test)]
thread_local! {
    /// An instruction set the tests force on this thread, instead of the detected one.
    static FORCED: std::cell::Cell<Option<Isa>> = const { std::cell::Cell::new(None) };
}

/// Runs `f` with the products on this thread computed by `isa`'s kernels, which the CPU must
/// support (`kernels::supported`).
#[cfg(test)]
pub(super) fn with_isa<R>(isa: Isa, f: impl FnOnce() -> R) -> R {
    let previous = FORCED.with(|cell| cell.replace(Some(isa)));
    let result = f();
    FORCED.with(|cell| cell.set(previous));
    result
}

fn isa() -> Isa {
    #[cfg(test)]
    if let Some(isa) = FORCED.with(std::cell::Cell::get) {
        return isa;
    }
    kernels::detected()
}

/// The kernel for `F` (f32 or f64, the only `Float`s) on this CPU.
pub(super) fn kernel<F: Float>() -> Kernel<F> {
    let isa = isa();
    let f64_kernel: &dyn Any = &kernels::kernel_f64(isa);
    if let Some(kernel) = f64_kernel.downcast_ref::<Kernel<F>>() {
        return *kernel;
    }
    let f32_kernel: &dyn Any = &kernels::kernel_f32(isa);
    *f32_kernel.downcast_ref::<Kernel<F>>().expect("Float is sealed: f32 or f64")
}

/// 64 bytes, 64-aligned: the unit of the packing buffers, so that panels start on cache lines.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([u8; 64]);

/// The calling thread's packing buffers.
struct Scratch {
    a: Vec<Line>,
    b: Vec<Line>,
}

thread_local! {
    static SCRATCH: RefCell<Scratch> = const { RefCell::new(Scratch { a: Vec::new(), b: Vec::new() }) };
}

/// `lines` as floats.
fn floats<F: Float>(lines: &mut [Line]) -> &mut [F] {
    let len = std::mem::size_of_val(lines) / size_of::<F>();
    // SAFETY: a `Line` is plain bytes, 64-aligned, more than any float needs; every bit pattern
    // is a valid f32 or f64; the new slice covers the same bytes and borrows them mutably.
    unsafe { std::slice::from_raw_parts_mut(lines.as_mut_ptr().cast::<F>(), len) }
}

/// The least a thread's packing buffers hold, in bytes, from its first product on: every block
/// of the products of a minibatch against layers of up to 256 units (float64), so that a batch
/// of another size (a fit's last, a sequence batch's later steps) does not grow them again.
const MIN_A_BYTES: usize = MC * KC * 8;
const MIN_B_BYTES: usize = KC * 256 * 8;

/// Grows this thread's packing buffers to their least size now rather than in its first
/// product. The team's helpers call it as they start, so that which thread runs which part of a
/// minibatch's products never decides whether the minibatch loop allocates.
pub(super) fn prepare_scratch() {
    with_scratch::<f64, ()>(0, 0, |_, _| ());
}

/// Runs `f` on this thread's packing buffers, grown to hold `a_len` and `b_len` floats.
pub(super) fn with_scratch<F: Float, R>(a_len: usize, b_len: usize, f: impl FnOnce(&mut [F], &mut [F]) -> R) -> R {
    let lines = |len: usize| (len * size_of::<F>()).div_ceil(size_of::<Line>());
    let (a_len, b_len) = (a_len.max(MIN_A_BYTES / size_of::<F>()), b_len.max(MIN_B_BYTES / size_of::<F>()));
    let grow = |buffer: &mut Vec<Line>, len: usize| {
        if buffer.len() < len {
            buffer.resize(len, Line([0; 64]));
        }
    };
    SCRATCH.with(|cell| match cell.try_borrow_mut() {
        Ok(mut scratch) => {
            let Scratch { a, b } = &mut *scratch;
            grow(a, lines(a_len));
            grow(b, lines(b_len));
            f(floats(a), floats(b))
        }
        // Only a product started inside another on the same thread gets here (none does today):
        // it packs into buffers of its own.
        Err(_) => {
            let (mut a, mut b) = (vec![Line([0; 64]); lines(a_len)], vec![Line([0; 64]); lines(b_len)]);
            f(floats(&mut a), floats(&mut b))
        }
    })
}

/// `out (+)= a · b` on the calling thread: `out` points at an `a.rows x b.cols` row-major block
/// whose rows are `rs_out` apart; `k = a.cols >= 1`.
///
/// # Safety
/// `out` must be valid for reads and writes of that block, and no other thread may access it
/// during the call.
pub(super) unsafe fn gemm<F: Float>(out: *mut F, rs_out: usize, a: MatRef<'_, F>, b: MatRef<'_, F>, accumulate: bool) {
    let kernel = kernel::<F>();
    // One output row (a one-row prediction) or column: the register tiles would be mostly
    // padding, so the row is summed on its own, in the kernels' order.
    if a.rows == 1 && b.col_stride == 1 {
        // SAFETY: the caller's block is one row of b.cols elements.
        return unsafe { one_row(std::slice::from_raw_parts_mut(out, b.cols), a, b, accumulate) };
    }
    if b.cols == 1 && rs_out == 1 && a.row_stride == 1 {
        // SAFETY: the caller's block is one column of a.rows elements, 1 apart.
        return unsafe { one_row(std::slice::from_raw_parts_mut(out, a.rows), b.t(), a.t(), accumulate) };
    }
    let (kernel, transposed) = Orientation::choose(kernel, narrow_kernel::<F>(), &a, &b);
    let out = if transposed {
        Out { ptr: out, rs: 1, cs: rs_out, a: b.t(), b: a.t() }
    } else {
        Out { ptr: out, rs: rs_out, cs: 1, a, b }
    };
    // SAFETY: as the caller guarantees.
    unsafe { blocked(kernel, out, accumulate) }
}

/// The narrow float64 kernel on this CPU, if it has one (`kernels::narrow_kernel_f64`).
fn narrow_kernel<F: Float>() -> Option<Kernel<F>> {
    let narrow: &dyn Any = &kernels::narrow_kernel_f64(isa())?;
    narrow.downcast_ref::<Kernel<F>>().copied()
}

/// The choices that depend on an operand's shape and layout.
struct Orientation;

impl Orientation {
    /// Whether the `a` panels of an `mc x kc` block are packed: when each is read by more than
    /// a few `b` panels, so that packing (a read and a write of `a`) is paid back by the
    /// kernels' contiguous reads, and the block is larger than [`A_IN_PLACE_BYTES`]; or when
    /// more than eight `b` panels read it and a panel's `kc` steps span more than that (a
    /// transposed `a`, whose every step is a new row of the matrix it views: the weight gradient
    /// `x^T · delta` of a 784-input layer, 784x200x256, walked 627 KiB, a page every step and a
    /// half, and ran at 90 GFLOP/s float32 where packed it runs at 95, 200x256x784 at 86 against
    /// 92; with eight panels or fewer, packing cost more than it saved: 256x200x128 at 89 against
    /// 91 in place, the recurrent weight gradient 256x3200x64 at 78 against 85). Otherwise the
    /// kernels read `a` where it lies, whatever its strides (broadcasts need no contiguity), the
    /// shorter edge panel too (the kernels read only its rows).
    fn packs_a<F>(a: &MatRef<'_, F>, nr: usize, n: usize, mc: usize, kc: usize) -> bool {
        let (n, span) = (n.min(NC), (kc - 1) * a.col_stride * size_of::<F>());
        (n > 4 * nr && mc * kc * size_of::<F>() > A_IN_PLACE_BYTES) || (n > 8 * nr && span > A_IN_PLACE_BYTES)
    }

    /// Whether the `b` panels are packed: unless `b` is row-major, few `a` panels read each of
    /// its panels (packing costs a copy per value against `m` multiply-adds per value; with
    /// hundreds of rows the copy is negligible and the contiguous panel reads faster), and a
    /// block of it is small (at most 256 KiB, within an L2 cache): its rows are then runs of the
    /// panels' width already, a few cache lines each. A larger block read in place spreads each
    /// panel over as many pages as it has rows: the 1536-cube product ran at half speed so. An
    /// edge panel is packed all the same.
    fn packs_b<F: Float>(b: &MatRef<'_, F>, m: usize, mr: usize) -> bool {
        let block = b.rows.min(KC) * b.cols.min(NC) * size_of::<F>();
        b.col_stride != 1 || m > 4 * mr || block > 256 * 1024
    }

    /// The kernel and orientation for `a · b`, the cheapest by [`Self::cost`] (the main kernel,
    /// as it is, on a tie). The kernels vectorise along the output's rows, so a narrow output (10
    /// columns for a 10-class layer) fills the main kernel's tiles poorly (10 of 16 lanes with
    /// 8-wide tiles); computing the transpose, `out^T = b^T · a^T`, may fill them better, or pack
    /// less; the narrow kernel's tiles (12 wide) may fit it better. Each element's sum is the
    /// same whichever runs (a fused multiply-add does not care which factor comes first, and
    /// every kernel sums in the same order), so the choice changes only speed.
    fn choose<F: Float>(
        kernel: Kernel<F>,
        narrow: Option<Kernel<F>>,
        a: &MatRef<'_, F>,
        b: &MatRef<'_, F>,
    ) -> (Kernel<F>, bool) {
        // Multiply-adds a cycle: the main kernel's two vectors (x86), which the narrow one,
        // of the same vectors, matches.
        let rate = kernel.nr;
        // The transposed tiles are written out element by element: about two cycles each.
        let scatter = 2 * a.rows * b.cols;
        let cost = |kernel: &Kernel<F>, transposed: bool| {
            if transposed { Self::cost(kernel, rate, &b.t(), &a.t()) + scatter } else { Self::cost(kernel, rate, a, b) }
        };
        let mut best = (cost(&kernel, false), kernel, false);
        let narrow = narrow.into_iter().flat_map(|narrow| [(narrow, false), (narrow, true)]);
        for (kernel, transposed) in [(kernel, true)].into_iter().chain(narrow) {
            let (lhs, width) = if transposed { (b.t(), a.rows) } else { (*a, b.cols) };
            // The narrow tiles do not divide `NC`: kept to outputs of one column block. Nor do
            // they read a transposed `lhs` in place, 3 values of a new cache line at every
            // step: the weight gradient 100x200x10 (`h^T · delta`) took 13.0 µs so, against
            // 12.0 on the main kernel's transposed tiles.
            let narrow_fits = width <= NC && (lhs.col_stride == 1 || Self::packs_a(&lhs, kernel.nr, width, MC, KC));
            let cost = cost(&kernel, transposed);
            if cost < best.0 && (kernel.nr == rate || narrow_fits) {
                best = (cost, kernel, transposed);
            }
        }
        (best.1, best.2)
    }

    /// Roughly the cycles of `a · b` with `kernel` at `rate` multiply-adds a cycle: its
    /// multiply-adds, counted over whole (zero-padded) tiles, plus a cycle per value packed.
    fn cost<F: Float>(kernel: &Kernel<F>, rate: usize, a: &MatRef<'_, F>, b: &MatRef<'_, F>) -> usize {
        let (m, k, n) = (a.rows, a.cols, b.cols);
        let tiles = m.next_multiple_of(kernel.mr) * n.next_multiple_of(kernel.nr) * k / rate;
        let kc = k.div_ceil(k.div_ceil(KC));
        let packed_a = if Self::packs_a(a, kernel.nr, n, m.min(MC), kc) { m * k } else { 0 };
        let packed_b = if Self::packs_b(b, m, kernel.mr) { k * n } else { 0 };
        tiles + packed_a + packed_b
    }
}

/// `out (+)= a · b` for a one-row `a` and a `b` whose rows are runs (`col_stride == 1`), each
/// element summed as the kernels sum it (see the module docs): the same bits as the tiled path.
fn one_row<F: Float>(out: &mut [F], a: MatRef<'_, F>, b: MatRef<'_, F>, accumulate: bool) {
    let (k, n) = (a.cols, b.cols);
    let kc_len = k.div_ceil(k.div_ceil(KC));
    let isa = isa();
    with_scratch(0, n, |_, sums: &mut [F]| {
        for pc in (0..k).step_by(kc_len) {
            let kc = kc_len.min(k - pc);
            let first = pc == 0 && !accumulate;
            // The first block of a product that overwrites sums straight into `out`.
            let acc = if first { &mut *out } else { &mut sums[..n] };
            acc.fill(F::zero());
            let row = |p: usize| (a.data[p * a.col_stride], &b.data[p * b.row_stride..][..n]);
            if isa == Isa::Portable {
                for (ap, row) in (pc..pc + kc).map(row) {
                    for (s, &bj) in acc.iter_mut().zip(row) {
                        *s += ap * bj;
                    }
                }
            } else {
                // Plain loops, no inner closures: all of it compiles with the CPU's features.
                fused(
                    isa,
                    #[inline(always)]
                    || {
                        for p in pc..pc + kc {
                            let (ap, row) = row(p);
                            for (s, &bj) in acc.iter_mut().zip(row) {
                                *s = ap.mul_add(bj, *s);
                            }
                        }
                    },
                );
            }
            if !first {
                for (o, &sum) in out.iter_mut().zip(&sums[..n]) {
                    *o += sum;
                }
            }
        }
    });
}

/// Runs `f` compiled for `isa`, one with fused multiply-adds that the CPU supports, so that
/// `mul_add` is one vectorised instruction rather than a library call.
#[inline(always)]
fn fused<R>(isa: Isa, f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx2,fma")]
        fn avx2<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        #[target_feature(enable = "avx512f,avx2,fma")]
        fn avx512<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        match isa {
            // SAFETY: `isa` is detected on this CPU (or forced by a test that checked).
            Isa::Avx2 => return unsafe { avx2(f) },
            // SAFETY: as above.
            Isa::Avx512 => return unsafe { avx512(f) },
            Isa::Portable => {}
        }
    }
    let _ = isa;
    f()
}

/// A product to compute: `a · b` into the elements `ptr + i * rs + j * cs`.
struct Out<'a, F> {
    ptr: *mut F,
    rs: usize,
    cs: usize,
    a: MatRef<'a, F>,
    b: MatRef<'a, F>,
}

/// The blocked loops around the kernel (see the module docs).
///
/// # Safety
/// As [`gemm`], for the output `out` describes.
unsafe fn blocked<F: Float>(kernel: Kernel<F>, out: Out<'_, F>, accumulate: bool) {
    let Out { ptr, rs, cs, a, b } = out;
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let (mr, nr) = (kernel.mr, kernel.nr);
    let kc_len = k.div_ceil(k.div_ceil(KC));
    let a_len = m.min(MC).next_multiple_of(mr) * kc_len;
    let b_len = n.min(NC).next_multiple_of(nr) * kc_len;
    with_scratch(a_len, b_len, |a_pack: &mut [F], b_pack: &mut [F]| {
        for jc in (0..n).step_by(NC) {
            let nc = NC.min(n - jc);
            for pc in (0..k).step_by(kc_len) {
                let kc = kc_len.min(k - pc);
                // A row-major `b` is read where it lies: its rows are runs of the panels' width
                // already, and packing them cost more than it saved on the small products
                // (the kernel reads `kc` rows of one panel, a few cache lines each). Only a
                // narrower edge panel is packed, for its zero padding.
                let direct = (!Orientation::packs_b(&b, m, mr)).then(|| &b.data[pc * b.row_stride + jc..]);
                pack_panels(b_pack, &b, Region { pc, kc, jc, nc }, nr, direct.is_some());
                for ic in (0..m).step_by(MC) {
                    let mc = MC.min(m - ic);
                    let a_direct = !Orientation::packs_a(&a, nr, nc, mc, kc);
                    if !a_direct {
                        pack_panels(a_pack, &a.t(), Region { pc, kc, jc: ic, nc: mc }, mr, false);
                    }
                    let block = Tiles { kernel, kc, mc, nc, add: accumulate || pc > 0 };
                    let b_panels = BPanels { packed: b_pack, direct, rs: b.row_stride };
                    let a_panels = APanels {
                        packed: a_pack,
                        direct: a_direct.then(|| &a.data[ic * a.row_stride + pc * a.col_stride..]),
                        rs: a.row_stride,
                        cs: a.col_stride,
                    };
                    // SAFETY: rows ic.. and columns jc.. of the caller's block.
                    unsafe { block.run(&a_panels, &b_panels, ptr.add(ic * rs + jc * cs), rs, cs) };
                }
            }
        }
    });
}

/// Where a block's `a` panels lie: packed, or (`direct`) in `a` itself, with its strides (a
/// shorter edge panel too: the kernels read only its rows).
pub(super) struct APanels<'a, F> {
    pub(super) packed: &'a [F],
    pub(super) direct: Option<&'a [F]>,
    pub(super) rs: usize,
    pub(super) cs: usize,
}

impl<F: Float> APanels<'_, F> {
    /// The panel of rows `ir..ir + height` of an `mc x kc` block (`height <= mr`).
    fn panel(&self, ir: usize, kc: usize, height: usize, mr: usize) -> Strided<F> {
        match self.direct {
            Some(a) => {
                let start = ir * self.rs;
                let panel = &a[start..start + (height - 1) * self.rs + (kc - 1) * self.cs + 1];
                Strided { ptr: panel.as_ptr(), rs: self.rs, cs: self.cs }
            }
            None => Strided { ptr: self.packed[ir * kc..][..kc * mr].as_ptr(), rs: 1, cs: mr },
        }
    }
}

/// Where a block's `b` panels lie: packed, or (`direct`) in `b` itself, `rs` apart, except a
/// narrower edge panel, packed.
pub(super) struct BPanels<'a, F> {
    pub(super) packed: &'a [F],
    pub(super) direct: Option<&'a [F]>,
    pub(super) rs: usize,
}

impl<F: Float> BPanels<'_, F> {
    /// The panel of columns `jr..jr + nr` of a `kc x nc` block: where it starts and the distance
    /// between its rows.
    fn panel(&self, jr: usize, kc: usize, nc: usize, nr: usize) -> (*const F, usize) {
        match self.direct {
            Some(b) if jr + nr <= nc => (b[jr..][..(kc - 1) * self.rs + nr].as_ptr(), self.rs),
            _ => (self.packed[jr * kc..][..kc * nr].as_ptr(), nr),
        }
    }
}

/// The register tiles of one packed `mc x kc` block of `a` against one `kc x nc` of `b`.
pub(super) struct Tiles<F: 'static> {
    pub(super) kernel: Kernel<F>,
    pub(super) kc: usize,
    pub(super) mc: usize,
    pub(super) nc: usize,
    /// Whether the block's sums are added to the output or stored over it.
    pub(super) add: bool,
}

impl<F: Float> Tiles<F> {
    /// # Safety
    /// `out` must be valid for reads and writes of the `mc x nc` elements `out + i * rs + j * cs`;
    /// `a_pack` and `b_pack` hold the packed blocks.
    pub(super) unsafe fn run(
        &self,
        a_panels: &APanels<'_, F>,
        b_panels: &BPanels<'_, F>,
        out: *mut F,
        rs: usize,
        cs: usize,
    ) {
        let Self { kernel, kc, mc, nc, add } = *self;
        let (mr, nr) = (kernel.mr, kernel.nr);
        for jr in (0..nc).step_by(nr) {
            let (b_panel, rs_b) = b_panels.panel(jr, kc, nc, nr);
            let width = nr.min(nc - jr);
            for ir in (0..mc).step_by(mr) {
                let height = mr.min(mc - ir);
                let a_panel = a_panels.panel(ir, kc, height, mr);
                // SAFETY: the tile's rows and columns are inside the block (the caller's
                // guarantee); the panels hold kc * height and kc * nr values (sliced above); the
                // kernel is one the CPU supports (detected, or forced by a test that checked).
                unsafe {
                    let c = out.add(ir * rs + jr * cs);
                    // A tile of fewer rows (the output's last) is summed by the kernel's copy
                    // for its height, straight into the output as a whole one is.
                    if width == nr && cs == 1 {
                        (kernel.run)(height, kc, a_panel, b_panel, rs_b, c, rs, add);
                        continue;
                    }
                    // Left uninitialised: the kernel stores all of its height x nr values first.
                    let mut tile = std::mem::MaybeUninit::<[F; MAX_TILE]>::uninit();
                    let sums = tile.as_mut_ptr().cast::<F>();
                    (kernel.run)(height, kc, a_panel, b_panel, rs_b, sums, nr, false);
                    for i in 0..height {
                        for j in 0..width {
                            let (o, sum) = (&mut *c.add(i * rs + j * cs), *sums.add(i * nr + j));
                            *o = if add { *o + sum } else { sum };
                        }
                    }
                }
            }
        }
    }
}

/// The block `m[pc..pc + kc, jc..jc + nc]` of a matrix to pack.
#[derive(Clone, Copy)]
pub(super) struct Region {
    pub(super) pc: usize,
    pub(super) kc: usize,
    pub(super) jc: usize,
    pub(super) nc: usize,
}

/// Packs `m[pc..pc + kc, jc..jc + nc]` into panels of `width` columns, each `kc` rows of
/// `width` values, zero beyond column `nc`; only the edge panel (if narrower) when `edge_only`.
/// For `b`, panels of `nr` columns (4, 8, 12, 16 or 32: every kernel's); for `a`, panels of `mr`
/// rows (3, 4, 6 or 12) are `a^T`'s panels of `mr` columns, so `a` is packed as `a.t()`.
///
/// # Panics
/// For any other width (a kernel added without its width here: a bug, never user input).
pub(super) fn pack_panels<F: Float>(dst: &mut [F], m: &MatRef<'_, F>, region: Region, width: usize, edge_only: bool) {
    let Region { kc, jc, nc, .. } = region;
    let (region, dst) = if edge_only {
        let full = nc / width * width;
        // The edge panel goes where the packed panels would have put it.
        (Region { jc: jc + full, nc: nc - full, ..region }, &mut dst[full * kc..])
    } else {
        (region, dst)
    };
    // The panel width as a constant: a row then copies as a few vector moves, where a copy of a
    // run of unknown length calls `memmove`, which cost more than the kernels on digits.
    match width {
        3 => pack_panels_of::<F, 3>(dst, m, region),
        4 => pack_panels_of::<F, 4>(dst, m, region),
        6 => pack_panels_of::<F, 6>(dst, m, region),
        8 => pack_panels_of::<F, 8>(dst, m, region),
        12 => pack_panels_of::<F, 12>(dst, m, region),
        16 => pack_panels_of::<F, 16>(dst, m, region),
        32 => pack_panels_of::<F, 32>(dst, m, region),
        _ => unreachable!("no kernel has panels {width} wide"),
    }
}

fn pack_panels_of<F: Float, const W: usize>(dst: &mut [F], m: &MatRef<'_, F>, region: Region) {
    let Region { pc, kc, jc, nc } = region;
    let (rs, cs) = (m.row_stride, m.col_stride);
    for (q, panel) in dst[..nc.next_multiple_of(W) * kc].chunks_exact_mut(kc * W).enumerate() {
        let j0 = jc + q * W;
        let width = W.min(jc + nc - j0);
        if width < W {
            panel.fill(F::zero());
        }
        if cs == 1 && width == W {
            // Row-major `b`, or a transposed row-major `a` (`x^T · delta`): a panel's row is a run.
            for (p, row) in panel.chunks_exact_mut(W).enumerate() {
                let start = (pc + p) * rs + j0;
                let (row, src): (&mut [F; W], &[F; W]) =
                    (row.try_into().expect("a row of W"), m.data[start..start + W].try_into().expect("W values"));
                *row = *src;
            }
        } else if rs == 1 && width == W {
            // Each column a run (a row-major `a`, a transposed `b`: `delta · W^T`): the W runs
            // side by side, one row of the panel at a time.
            let columns: [&[F]; W] = std::array::from_fn(|j| &m.data[(j0 + j) * cs + pc..][..kc]);
            for (p, row) in panel.chunks_exact_mut(W).enumerate() {
                for (value, column) in row.iter_mut().zip(&columns) {
                    *value = column[p];
                }
            }
        } else {
            for j in 0..width {
                let column = &m.data[(j0 + j) * cs + pc * rs..];
                for (p, row) in panel.chunks_exact_mut(W).enumerate() {
                    row[j] = column[p * rs];
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::filled;
    use super::super::{matmul, matmul_naive, with_max_threads};
    use super::*;

    /// The four layouts of each operand: row-major, a transposed row-major matrix, a block of
    /// columns of a wider matrix (rows further apart than their length), and a transposed one.
    fn views<F: Float>(store: &[F], rows: usize, cols: usize, layout: usize) -> MatRef<'_, F> {
        match layout {
            0 => MatRef::row_major(store, rows, cols),
            1 => MatRef::row_major(store, cols, rows).t(),
            2 => MatRef::row_major(store, rows, cols + 3).cols_range(2, cols + 2),
            _ => MatRef::row_major(store, cols, rows + 3).cols_range(1, rows + 1).t(),
        }
    }

    /// Checks `matmul` against `matmul_naive` for one shape, every layout pair and both modes,
    /// within `tol` times the largest possible sum (`k / 4`: values are at most 0.5).
    fn check_shape<F: Float>(m: usize, k: usize, n: usize, tol: f64, what: &str) {
        let a_store = filled::<F>(m.max(k + 3) * (m.max(k) + 3), (m * 31 + k) as u64);
        let b_store = filled::<F>(n.max(k + 3) * (n.max(k) + 3), (n * 17 + k + 5) as u64);
        let bound = tol * (k as f64 / 4.0).max(1.0);
        for layout in 0..16 {
            let (a, b) = (views(&a_store, m, k, layout / 4), views(&b_store, k, n, layout % 4));
            for accumulate in [false, true] {
                let start = filled::<F>(m * n, 99);
                let (mut fast, mut naive) = (start.clone(), start.clone());
                matmul(&mut fast, a, b, accumulate);
                matmul_naive(&mut naive, a, b, accumulate);
                for (i, (x, y)) in fast.iter().zip(&naive).enumerate() {
                    let error = (x.as_f64() - y.as_f64()).abs();
                    assert!(
                        error <= bound,
                        "{what} {m}x{k}x{n} layout {layout} accumulate {accumulate} at {i}: {x} vs {y}"
                    );
                }
            }
        }
    }

    /// Every shape of a grid of small sizes (primes, 1, the tile sizes and their neighbours),
    /// plus inner dimensions that cross `KC` once or several times, on every kernel the CPU runs.
    fn check_shapes<F: Float>(tol: f64) {
        let sides = [1, 2, 3, 5, 7, 8, 10, 13, 16, 17, 31, 33, 64, 67];
        let inner = [0, 1, 2, 8, 10, 37, 64];
        for isa in kernels::supported() {
            let what = format!("{} {isa:?}", F::DTYPE);
            with_isa(isa, || {
                with_max_threads(Some(1), || {
                    for &m in &sides {
                        for &n in &sides {
                            for &k in &inner {
                                check_shape::<F>(m, k, n, tol, &what);
                            }
                        }
                    }
                    for &(m, k, n) in &[(13, 255, 17), (7, 256, 33), (67, 257, 10), (10, 600, 67), (3, 1031, 5)] {
                        check_shape::<F>(m, k, n, tol, &what);
                    }
                    // More rows and columns than one packed block holds (MC, NC).
                    check_shape::<F>(2 * MC + 7, 9, 3, tol, &what);
                    check_shape::<F>(2, 9, NC + 21, tol, &what);
                })
                .unwrap();
            });
        }
    }

    #[test]
    fn float64_products_match_the_naive_reference_on_every_kernel() {
        check_shapes::<f64>(1e-14);
    }

    #[test]
    fn float32_products_match_the_naive_reference_on_every_kernel() {
        check_shapes::<f32>(1e-5);
    }

    #[test]
    fn fused_kernels_give_the_same_bits() {
        // AVX2 and AVX-512 sum each element in the same order with the same fused operations.
        let fused: Vec<Isa> = kernels::supported().into_iter().filter(|&isa| isa != Isa::Portable).collect();
        let (m, k, n) = (37, 300, 45);
        let (a, b) = (filled::<f64>(m * k, 1), filled::<f64>(k * n, 2));
        let results: Vec<Vec<u64>> = fused
            .iter()
            .map(|&isa| {
                let mut out = vec![0.0; m * n];
                with_isa(isa, || matmul(&mut out, MatRef::row_major(&a, m, k), MatRef::row_major(&b, k, n), false));
                out.iter().map(|v| v.to_bits()).collect()
            })
            .collect();
        assert!(results.windows(2).all(|w| w[0] == w[1]), "{fused:?}");
    }

    #[test]
    fn the_narrow_kernel_gives_the_bits_of_the_main_one() {
        // Every output, as it is and transposed, through each kernel: the same bits, for the
        // shapes of a 10-class layer (forward, weight gradient) and others the narrow tiles cut
        // differently (edge tiles of 1 to 3 rows, 1 to 11 columns, several inner blocks).
        // 150x300x70 packs `a` into panels of each kernel's rows.
        let shapes =
            [(200, 100, 10), (100, 200, 10), (37, 64, 12), (13, 300, 11), (7, 10, 33), (9, 600, 5), (150, 300, 70)];
        for isa in kernels::supported() {
            let Some(narrow) = kernels::narrow_kernel_f64(isa) else { continue };
            let main = kernels::kernel_f64(isa);
            for &(m, k, n) in &shapes {
                let (a, b) = (filled::<f64>(m * k, 31), filled::<f64>(k * n, 32));
                let (a, b) = (MatRef::row_major(&a, m, k), MatRef::row_major(&b, k, n));
                for (accumulate, transposed) in [(false, false), (true, false), (false, true), (true, true)] {
                    let run = |kernel: Kernel<f64>| {
                        let mut out = filled::<f64>(m * n, 33);
                        let ptr = out.as_mut_ptr();
                        let view = if transposed {
                            Out { ptr, rs: 1, cs: n, a: b.t(), b: a.t() }
                        } else {
                            Out { ptr, rs: n, cs: 1, a, b }
                        };
                        // SAFETY: `out` holds the m x n outputs, on this thread alone.
                        unsafe { blocked(kernel, view, accumulate) };
                        out.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
                    };
                    assert_eq!(run(main), run(narrow), "{isa:?} {m}x{k}x{n} {accumulate} {transposed}");
                }
            }
        }
    }

    #[test]
    fn a_ten_column_output_runs_on_the_narrow_kernel() {
        // 200x100x10 (a 10-class layer's forward product): 10 of 12 columns beat 10 of 16.
        let Some(narrow) = kernels::narrow_kernel_f64(Isa::Avx2) else { return };
        let main = kernels::kernel_f64(Isa::Avx2);
        let (a, b) = (vec![0.0; 200 * 100], vec![0.0; 100 * 10]);
        let (a, b) = (MatRef::row_major(&a, 200, 100), MatRef::row_major(&b, 100, 10));
        let (chosen, transposed) = Orientation::choose(main, Some(narrow), &a, &b);
        assert_eq!((chosen.nr, transposed), (12, false));
        // 200x10x100 (its input gradient, `delta · W^T`) stays on the main kernel.
        let delta = vec![0.0; 200 * 10];
        let (chosen, _) = Orientation::choose(main, Some(narrow), &MatRef::row_major(&delta, 200, 10), &b.t());
        assert_eq!(chosen.nr, 8);
        // 100x200x10 (its weight gradient, `h^T · delta`): `h^T` is no run of rows.
        let (chosen, transposed) = Orientation::choose(main, Some(narrow), &a.t(), &MatRef::row_major(&delta, 200, 10));
        assert_eq!((chosen.nr, transposed), (8, true));
    }

    #[test]
    fn a_row_or_column_alone_has_the_bits_it_has_in_a_larger_product() {
        // A one-row prediction gives the bits of the same row predicted in a batch.
        for isa in kernels::supported() {
            for &(m, k, n) in &[(9, 300, 37), (7, 64, 10), (13, 600, 3)] {
                let (a, b) = (filled::<f64>(m * k, 3), filled::<f64>(k * n, 4));
                let (a, b) = (MatRef::row_major(&a, m, k), MatRef::row_major(&b, k, n));
                for accumulate in [false, true] {
                    let start = filled::<f64>(m * n, 5);
                    let mut whole = start.clone();
                    with_isa(isa, || matmul(&mut whole, a, b, accumulate));
                    for i in 0..m {
                        let mut row = start[i * n..(i + 1) * n].to_vec();
                        with_isa(isa, || matmul(&mut row, a.rows_range(i, i + 1), b, accumulate));
                        assert_eq!(row, whole[i * n..(i + 1) * n], "{isa:?} {m}x{k}x{n} row {i}");
                    }
                    // Column 0 as a product with one column: b's column, transposed twice.
                    let column: Vec<f64> = (0..k).map(|p| b.at(p, 0)).collect();
                    let mut alone: Vec<f64> = (0..m).map(|i| start[i * n]).collect();
                    let a_t: Vec<f64> = (0..k * m).map(|x| a.at(x % m, x / m)).collect();
                    let a_view = MatRef::row_major(&a_t, k, m).t();
                    with_isa(isa, || matmul(&mut alone, a_view, MatRef::row_major(&column, k, 1), accumulate));
                    let expected: Vec<f64> = (0..m).map(|i| whole[i * n]).collect();
                    assert_eq!(alone, expected, "{isa:?} {m}x{k}x{n} column 0");
                }
            }
        }
    }

    #[test]
    fn an_a_read_in_place_gives_the_bits_of_a_packed_one() {
        // 120 rows of k = 200 float64 are a 188 KiB block, packed; their first 60 rows (94 KiB)
        // are read in place. Row-major `a` and a transposed one (the weight gradient's `x^T`,
        // whose steps of k are 960 bytes apart: packed, as its panels span 187 KiB).
        let (m, k, n) = (120, 200, 100);
        let (a_store, b_store) = (filled::<f64>(m * k, 11), filled::<f64>(k * n, 12));
        let b = MatRef::row_major(&b_store, k, n);
        let (rows, columns) = (MatRef::row_major(&a_store, m, k), MatRef::row_major(&a_store, k, m).t());
        assert!(Orientation::packs_a(&rows, 8, n, m, k) && !Orientation::packs_a(&rows, 8, n, m / 2, k));
        assert!(Orientation::packs_a(&columns, 8, n, m / 2, k));
        for a in [rows, columns] {
            for isa in kernels::supported() {
                for accumulate in [false, true] {
                    let start = filled::<f64>(m * n, 13);
                    let (mut whole, mut half) = (start.clone(), start[..m / 2 * n].to_vec());
                    let single = |out: &mut Vec<f64>, a| {
                        with_isa(isa, || with_max_threads(Some(1), || matmul(out, a, b, accumulate)).unwrap());
                    };
                    single(&mut whole, a);
                    single(&mut half, a.rows_range(0, m / 2));
                    assert_eq!(half, whole[..m / 2 * n], "{isa:?} accumulate {accumulate}");
                    let mut naive = start[..m / 2 * n].to_vec();
                    matmul_naive(&mut naive, a.rows_range(0, m / 2), b, accumulate);
                    assert!(half.iter().zip(&naive).all(|(x, y)| (x - y).abs() < 1e-12));
                }
            }
        }
    }

    #[test]
    fn the_inner_blocks_depend_on_k_alone() {
        // The block length evens out the blocks: 784 = 4 x 196, never a short last block.
        let blocks = |k: usize| {
            let len = k.div_ceil(k.div_ceil(KC));
            (0..k).step_by(len).map(|pc| len.min(k - pc)).collect::<Vec<_>>()
        };
        assert_eq!(blocks(784), [196; 4]);
        assert_eq!(blocks(256), [256]);
        assert_eq!(blocks(257), [129, 128]);
        assert_eq!(blocks(10), [10]);
    }
}
