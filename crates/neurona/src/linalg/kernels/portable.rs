//! The kernel for any target: plain multiplications and additions over a 4 x 4 tile, which the
//! compiler keeps in registers (and vectorises where the target has vectors).

use super::Kernel;
use crate::float::Float;

const MR: usize = 4;
const NR: usize = 4;

pub(super) fn kernel<F: Float>() -> Kernel<F> {
    Kernel { mr: MR, nr: NR, run: tile::<F> }
}

/// See [`super::KernelFn`].
///
/// # Safety
/// `a` holds `k * MR` values, `b` `k * NR`, and `c` is valid for `MR` rows of `NR` values,
/// `rs_c` apart.
unsafe fn tile<F: Float>(k: usize, a: *const F, b: *const F, c: *mut F, rs_c: usize, add: bool) {
    // SAFETY: the caller guarantees the panels' and the tile's extents.
    let (a, b) = unsafe { (std::slice::from_raw_parts(a, k * MR), std::slice::from_raw_parts(b, k * NR)) };
    let mut acc = [[F::zero(); NR]; MR];
    for (ap, bp) in a.chunks_exact(MR).zip(b.chunks_exact(NR)) {
        for (row, &ai) in acc.iter_mut().zip(ap) {
            for (sum, &bj) in row.iter_mut().zip(bp) {
                *sum += ai * bj;
            }
        }
    }
    for (i, row) in acc.iter().enumerate() {
        // SAFETY: row i of the tile, as the caller guarantees.
        let out = unsafe { std::slice::from_raw_parts_mut(c.add(i * rs_c), NR) };
        for (o, &sum) in out.iter_mut().zip(row) {
            *o = if add { *o + sum } else { sum };
        }
    }
}
