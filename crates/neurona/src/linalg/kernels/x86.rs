//! The x86-64 kernels: AVX2 with FMA, and AVX-512F, for float32 and float64.
//!
//! A tile holds `MR` output rows of `NV` vectors: each step of the inner dimension loads the
//! `NV` vectors of a packed `b` row, broadcasts each of the `MR` values of the packed `a`
//! column and does `MR * NV` fused multiply-adds into as many accumulators. The tiles fill the
//! register file without spilling: AVX2's 16 registers hold 6 x 2 accumulators, the two `b`
//! vectors and a broadcast; AVX-512's 32 hold 12 x 2, so that each loaded value feeds at least
//! two multiply-adds and the loads (two a cycle) keep up with the multiply-adds.
//!
//! That loop runs at the core's peak from the L1 cache (102 GFLOP/s float32 on one Zen 3 core
//! of the 2-core AMD EPYC, whose two FMA pipes give 32 flops a cycle at 3.2 GHz): what a
//! product loses is outside it. So each kernel prefetches its output tile before its loop (an
//! output written long before, or larger than the caches, stalled every tile's first load or
//! store: the 1536-cube float32 product ran at 79 GFLOP/s on one thread, 91 with the prefetch;
//! a recurrent step's accumulation into gates projected for all steps at once 6% faster), and
//! an edge tile of fewer rows runs a copy of the kernel for its height (a const generic), which
//! does only its rows' multiply-adds and writes the output in place: the 64-row products of a
//! recurrent batch (10 tiles of 6 rows and one of 4) had summed 66 rows into a scratch tile.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use super::{Kernel, Strided};

/// Writes the kernel `$kernel` (a [`Kernel`]) and its function `$name` for `$features` over
/// vectors `$vec` of `$lanes` values of `$f`, with tiles of `$nv` vectors and up to `$mr` rows:
/// `$body` computes a tile of `MR` rows, one copy for each height in `$rows` (the edge tiles of
/// an output whose rows are not a multiple of `$mr`, which then do only the work of their rows
/// and write the output in place), from the instruction set's intrinsics named after `ops`.
macro_rules! kernel {
    ($kernel:ident = $name:ident, $body:ident: $features:literal, $f:ident in $vec:ident x $lanes:literal,
     tile $mr:literal x $nv:literal, rows [$($rows:literal),+],
     ops $zero:ident, $loadu:ident, $storeu:ident, $set1:ident, $fmadd:ident, $add:ident) => {
        pub(super) const $kernel: Kernel<$f> = Kernel { mr: $mr, nr: $nv * $lanes, run: $name };

        /// See [`super::KernelFn`].
        ///
        /// # Safety
        /// The CPU has the kernel's features; `rows` is at most the kernel's `mr`; `a` holds
        /// `rows` rows of `k` values, `b` `k` rows of `NV * LANES` values `rs_b` apart, and `c` is
        /// valid for `rows` rows of `NV * LANES` values, `rs_c` apart.
        #[target_feature(enable = $features)]
        #[allow(clippy::too_many_arguments)]
        unsafe fn $name(
            rows: usize,
            k: usize,
            a: Strided<$f>,
            b: *const $f,
            rs_b: usize,
            c: *mut $f,
            rs_c: usize,
            add: bool,
        ) {
            match rows {
                // SAFETY: as the caller guarantees, for `rows` rows.
                $($rows => unsafe { $body::<$rows>(k, a, b, rs_b, c, rs_c, add) },)+
                _ => unreachable!("a tile of {rows} rows, more than the kernel's {}", $mr),
            }
        }

        /// A tile of `MR` rows: see [`super::KernelFn`].
        ///
        /// # Safety
        /// As the kernel's, for `MR` rows.
        #[target_feature(enable = $features)]
        unsafe fn $body<const MR: usize>(
            k: usize,
            a: Strided<$f>,
            b: *const $f,
            rs_b: usize,
            c: *mut $f,
            rs_c: usize,
            add: bool,
        ) {
            const NV: usize = $nv;
            const LANES: usize = $lanes;
            let mut acc: [[$vec; NV]; MR] = [[$zero(); NV]; MR];
            let mut bv: [$vec; NV] = [$zero(); NV];
            // SAFETY: every read is inside the panels and every write inside the tile, as the
            // caller guarantees; a prefetch reads nothing and cannot fault.
            unsafe {
                // The tile's output rows are fetched while the sums run: an output block
                // written long before (a recurrent step's gates, projected for every step at
                // once) or too large for the caches (the 1536-cube) would otherwise stall the
                // first addition or store of every row. A value every 64 bytes and the row's
                // last cover its cache lines, however the row is aligned.
                for i in 0..MR {
                    let row = c.add(i * rs_c);
                    for j in (0..NV * LANES).step_by(64 / size_of::<$f>()) {
                        _mm_prefetch::<_MM_HINT_T0>(row.add(j).cast::<i8>());
                    }
                    _mm_prefetch::<_MM_HINT_T0>(row.add(NV * LANES - 1).cast::<i8>());
                }
                for p in 0..k {
                    let (ap, bp) = (a.ptr.add(p * a.cs), b.add(p * rs_b));
                    for v in 0..NV {
                        bv[v] = $loadu(bp.add(v * LANES));
                    }
                    for i in 0..MR {
                        let ai = $set1(*ap.add(i * a.rs));
                        for v in 0..NV {
                            acc[i][v] = $fmadd(ai, bv[v], acc[i][v]);
                        }
                    }
                }
                for i in 0..MR {
                    let row = c.add(i * rs_c);
                    for v in 0..NV {
                        let out = row.add(v * LANES);
                        let sum = if add { $add($loadu(out), acc[i][v]) } else { acc[i][v] };
                        $storeu(out, sum);
                    }
                }
            }
        }
    };
}

kernel! { AVX2_F64 = avx2_f64, avx2_f64_rows: "avx2,fma", f64 in __m256d x 4, tile 6 x 2, rows [6, 5, 4, 3, 2, 1],
ops _mm256_setzero_pd, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_add_pd }
// A narrow output (a 10-class layer's 10 columns) fills 6 x 8 tiles to 10 of 16 columns; tiles
// of 3 rows of 3 vectors, 12 columns, fill 10 of 12 at the same rate of multiply-adds (9
// accumulators, enough to cover the multiply-add's latency on two pipes). With 4 rows, 12
// accumulators, 3 `b` vectors and a broadcast took all 16 registers, and the compiler kept an
// accumulator on the stack: 17 GFLOP/s on 1437x100x10, where the 6 x 8 tiles ran at 28.
// `gemm.rs` picks it by cost.
kernel! { AVX2_F64_NARROW = avx2_f64_narrow, avx2_f64_narrow_rows: "avx2,fma", f64 in __m256d x 4, tile 3 x 3,
rows [3, 2, 1],
ops _mm256_setzero_pd, _mm256_loadu_pd, _mm256_storeu_pd, _mm256_set1_pd, _mm256_fmadd_pd, _mm256_add_pd }
kernel! { AVX2_F32 = avx2_f32, avx2_f32_rows: "avx2,fma", f32 in __m256 x 8, tile 6 x 2, rows [6, 5, 4, 3, 2, 1],
ops _mm256_setzero_ps, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps }
kernel! { AVX512_F64 = avx512_f64, avx512_f64_rows: "avx512f", f64 in __m512d x 8, tile 12 x 2,
rows [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
ops _mm512_setzero_pd, _mm512_loadu_pd, _mm512_storeu_pd, _mm512_set1_pd, _mm512_fmadd_pd, _mm512_add_pd }
kernel! { AVX512_F32 = avx512_f32, avx512_f32_rows: "avx512f", f32 in __m512 x 16, tile 12 x 2,
rows [12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1],
ops _mm512_setzero_ps, _mm512_loadu_ps, _mm512_storeu_ps, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps }
