//! The GEMM's microkernels: each computes one register tile of the output, `mr x nr`, from a
//! packed panel of `a` (`mr` rows) and one of `b` (`nr` columns), for one instruction set and
//! float type. The driver (`linalg/gemm.rs`) does the blocking and packing around them.
//!
//! Every kernel sums an output element in the same order: from zero, one fused multiply-add per
//! step of the inner dimension, in order, then one addition to the output (or a store, for the
//! first block of a product that overwrites). So the AVX2 and AVX-512 kernels give the same bits,
//! and a tile's position (inside the output, on its zero-padded edge, or in an edge tile of fewer
//! rows, which runs the kernel's copy for its height) never changes them. The
//! portable kernel multiplies and adds separately (a fused multiply-add is a slow library call
//! where the hardware lacks one, as on WebAssembly), so its bits differ, on machines without FMA.

use std::sync::OnceLock;

mod portable;
#[cfg(target_arch = "x86_64")]
mod x86;

/// `c[i * rs_c + j] (+)= Σ_p a[i * rs_a + p * cs_a] · b[p * rs_b + j]` for `i < rows`,
/// `j < nr`: `a` a panel of `rows <= mr` rows and `k` columns (packed: `rs_a = 1`,
/// `cs_a = mr`), `b` one of `k` rows of `nr` values, `rs_b` apart (`nr` when packed), `add`
/// whether the tile is added to `c` or stored over it. A tile of fewer than `mr` rows (the
/// output's edge) does only its own rows' work and touches nothing beyond them.
pub(crate) type KernelFn<F> =
    unsafe fn(rows: usize, k: usize, a: Strided<F>, b: *const F, rs_b: usize, c: *mut F, rs_c: usize, add: bool);

/// A panel of `a` as the kernels read it: element `(i, p)` at `ptr + i * rs + p * cs`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Strided<F> {
    pub(crate) ptr: *const F,
    pub(crate) rs: usize,
    pub(crate) cs: usize,
}

/// An instruction set a kernel is written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Isa {
    /// Plain Rust, for any target (WebAssembly, ARM, an x86-64 without AVX2 and FMA).
    Portable,
    /// x86-64 with AVX2 and FMA: 16 vector registers of 256 bits.
    Avx2,
    /// x86-64 with AVX-512F: 32 vector registers of 512 bits.
    Avx512,
}

/// A microkernel and its register tile.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Kernel<F: 'static> {
    /// Rows of the output tile (of the packed `a` panel).
    pub(crate) mr: usize,
    /// Columns of the output tile (of the packed `b` panel).
    pub(crate) nr: usize,
    pub(crate) run: KernelFn<F>,
}

/// The largest tile of any kernel (AVX-512 float32: 12 x 32): the driver's edge-tile buffer.
pub(crate) const MAX_TILE: usize = 12 * 32;

/// The best instruction set this CPU has, detected once.
pub(crate) fn detected() -> Isa {
    static ISA: OnceLock<Isa> = OnceLock::new();
    *ISA.get_or_init(|| {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Isa::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
                return Isa::Avx2;
            }
        }
        Isa::Portable
    })
}

/// The instruction sets this CPU runs, the portable one first: what the tests force in turn.
#[cfg(test)]
pub(crate) fn supported() -> Vec<Isa> {
    let best = detected();
    [Isa::Portable, Isa::Avx2, Isa::Avx512]
        .into_iter()
        .filter(|&isa| match best {
            Isa::Portable => isa == Isa::Portable,
            // An AVX-512 CPU has AVX2 and FMA (every one made: Skylake-X, Zen 4 and later).
            Isa::Avx2 => isa != Isa::Avx512,
            Isa::Avx512 => true,
        })
        .collect()
}

/// The float64 kernel for `isa`; the caller has checked that the CPU supports it.
pub(crate) fn kernel_f64(isa: Isa) -> Kernel<f64> {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => x86::AVX2_F64,
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => x86::AVX512_F64,
        _ => portable::kernel::<f64>(),
    }
}

/// A second float64 kernel for `isa` with narrower tiles (AVX2: 3 x 12, against 6 x 8), for
/// outputs whose width the main kernel's tiles fill poorly (10 columns: 10 of 16 against 10 of
/// 12); `None` where there is none. The driver picks between the two by cost; each element is
/// summed as every kernel sums it, so the choice changes only speed.
pub(crate) fn narrow_kernel_f64(isa: Isa) -> Option<Kernel<f64>> {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => Some(x86::AVX2_F64_NARROW),
        _ => None,
    }
}

/// The float32 kernel for `isa`; the caller has checked that the CPU supports it.
pub(crate) fn kernel_f32(isa: Isa) -> Kernel<f32> {
    match isa {
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => x86::AVX2_F32,
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => x86::AVX512_F32,
        _ => portable::kernel::<f32>(),
    }
}
