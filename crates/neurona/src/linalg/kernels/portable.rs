//! The kernel for any target: plain multiplications and additions over a 4 x 4 tile, which the
//! compiler keeps in registers (and vectorises where the target has vectors).

use super::{Kernel, Strided};
use crate::float::Float;

const MR: usize = 4;
const NR: usize = 4;

pub(super) fn kernel<F: Float>() -> Kernel<F> {
    Kernel { mr: MR, nr: NR, run: tile::<F> }
}

/// See [`super::KernelFn`].
///
/// # Safety
/// `rows <= MR`; `a` holds `rows` rows of `k` values, `b` `k` rows of `NR` values `rs_b` apart,
/// and `c` is valid for `rows` rows of `NR` values, `rs_c` apart.
#[allow(clippy::too_many_arguments)]
unsafe fn tile<F: Float>(
    rows: usize,
    k: usize,
    a: Strided<F>,
    b: *const F,
    rs_b: usize,
    c: *mut F,
    rs_c: usize,
    add: bool,
) {
    // SAFETY: the caller guarantees the panels' and the tile's extents.
    let mut acc = [[F::zero(); NR]; MR];
    for p in 0..k {
        // SAFETY: column p of the `a` panel (its first `rows` values; the rest count as zeros,
        // whose sums are never written) and row p of the `b` panel, as the caller guarantees.
        let (ap, bp) = unsafe {
            let column: [F; MR] =
                std::array::from_fn(|i| if i < rows { *a.ptr.add(i * a.rs + p * a.cs) } else { F::zero() });
            (column, std::slice::from_raw_parts(b.add(p * rs_b), NR))
        };
        for (row, &ai) in acc.iter_mut().zip(&ap) {
            for (sum, &bj) in row.iter_mut().zip(bp) {
                *sum += ai * bj;
            }
        }
    }
    for (i, row) in acc.iter().enumerate().take(rows) {
        // SAFETY: row i of the tile, as the caller guarantees.
        let out = unsafe { std::slice::from_raw_parts_mut(c.add(i * rs_c), NR) };
        for (o, &sum) in out.iter_mut().zip(row) {
            *o = if add { *o + sum } else { sum };
        }
    }
}
