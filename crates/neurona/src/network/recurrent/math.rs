//! The gates' exponential, logistic sigmoid and hyperbolic tangent, written as plain
//! arithmetic so that a loop over a row of gates vectorises.
//!
//! The standard library's `exp` and `tanh` call the C library one value at a time: on the
//! issue's benchmark they took most of an Elman epoch (about 13 ns per `tanhf`, against well
//! under one for a vectorised polynomial). Here `exp(x) = 2^n · exp(r)`, `n` the integer
//! nearest `x / ln 2` and `|r| <= ln 2 / 2`, `ln 2` split in two so that `r` is exact (Cody and
//! Waite), and `2^n` built from the bits of `x / ln 2 + 1.5 · 2^52` (or `2^23`), whose lowest
//! bits hold `n` once the sum has rounded it. Every result is within a few ulps of the
//! correctly rounded one (tested below against the standard library), and NaN stays NaN.
//!
//! `exp(r) - 1` is a polynomial: in f64 its Taylor series of degree 13 (truncation below half
//! an ulp), which the PyTorch fixtures' 1e-10 agreement was measured with and which stays as
//! it is. In f32, the benchmark's type, where the gates were a quarter of an LSTM epoch, a
//! minimax polynomial of degree 6 (`r + r^2 · P(r)`, `P` of degree 4 fitted by linear
//! programming to the relative error over `|r| <= 1.01 · ln 2 / 2`: 0.15 ulp of truncation,
//! against 0.05 for the Taylor series of degree 7 it replaced, one multiply-add fewer), with
//! the multiply-adds fused where the caller says the CPU has FMA ([`FUSED`](exp)): half the
//! instructions of the unfused form. Fused and unfused results differ in the last bits; the
//! caller's choice depends only on the CPU (never on threads), as the GEMM kernels' does.

use crate::float::Float;

/// `1/k!` for `k = 1..=13`.
const INVERSE_FACTORIALS: [f64; 13] = [
    1.0,
    0.5,
    1.0 / 6.0,
    1.0 / 24.0,
    1.0 / 120.0,
    1.0 / 720.0,
    1.0 / 5040.0,
    1.0 / 40320.0,
    1.0 / 362880.0,
    1.0 / 3628800.0,
    1.0 / 39916800.0,
    1.0 / 479001600.0,
    1.0 / 6227020800.0,
];

/// Whether `F` is `f32` (the only 4-byte [`Float`]): a constant after monomorphisation, so
/// the branches that do not apply vanish.
#[inline(always)]
fn is_f32<F: Float>() -> bool {
    size_of::<F>() == 4
}

/// `x` as a `T`, when `F` and `T` are one type (the callers check it).
#[inline(always)]
fn same<F: Float, T: Float>(x: F) -> T {
    assert!(size_of::<F>() == size_of::<T>(), "a cast between two float types of different sizes");
    // SAFETY: both are `f32` or both `f64` (the only floats of their size, `Float` being
    // sealed), and every bit pattern is a valid float.
    unsafe { std::mem::transmute_copy::<F, T>(&x) }
}

/// `P` in f32's `exp(r) - 1 = r + r^2 · P(r)`, lowest degree first (see the module's doc).
const EXPM1_F32: [f32; 5] = [0.499_999_97, 0.166_665_39, 0.041_667_223, 0.008_367_181, 0.001_388_238_3];

/// `a · b + c`, rounded once when `FUSED` and `F` is f32, else twice as it always was (the
/// f64 path keeps its bits).
#[inline(always)]
fn mul_add<F: Float, const FUSED: bool>(a: F, b: F, c: F) -> F {
    if FUSED && is_f32::<F>() { a.mul_add(b, c) } else { a * b + c }
}

/// `x` within `[low, high]`, by comparisons rather than `max`/`min`, which would turn NaN into
/// a bound.
#[inline(always)]
fn clamp<F: Float>(x: F, low: F, high: F) -> F {
    if x < low {
        low
    } else if x > high {
        high
    } else {
        x
    }
}

/// `2^n` from `t = x / ln 2 + MAGIC`, whose low bits hold `n` (in range, see [`exp_parts`]).
#[inline(always)]
fn power_of_two<F: Float>(t: F, magic: F) -> F {
    if is_f32::<F>() {
        let n = same::<F, f32>(t).to_bits().wrapping_sub(same::<F, f32>(magic).to_bits());
        same::<f32, F>(f32::from_bits(n.wrapping_add(127) << 23))
    } else {
        let n = same::<F, f64>(t).to_bits().wrapping_sub(same::<F, f64>(magic).to_bits());
        same::<f64, F>(f64::from_bits(n.wrapping_add(1023) << 52))
    }
}

/// `(2^n, exp(r) - 1)` with `exp(x) = 2^n · exp(r)`, for `x` clamped to the range where
/// `2^n` is a normal number: `[-87, 88]` in f32, `[-708, 709]` in f64.
#[inline(always)]
fn exp_parts<F: Float, const FUSED: bool>(x: F) -> (F, F) {
    if is_f32::<F>() {
        let (scale, q) = exp_parts_f32::<FUSED>(same::<F, f32>(x));
        (same::<f32, F>(scale), same::<f32, F>(q))
    } else {
        let (scale, q) = exp_parts_f64(same::<F, f64>(x));
        (same::<f64, F>(scale), same::<f64, F>(q))
    }
}

/// [`exp_parts`] in f32: the minimax polynomial, multiply-adds fused if `FUSED`.
#[inline(always)]
fn exp_parts_f32<const FUSED: bool>(x: f32) -> (f32, f32) {
    const MAGIC: f32 = 1.5 * 8_388_608.0;
    let x = clamp(x, -87.0, 88.0);
    let t = mul_add::<f32, FUSED>(x, std::f32::consts::LOG2_E, MAGIC);
    let n = t - MAGIC;
    // ln 2 = 355/512 - 2.1219444e-4, with n·355/512 exact (9 bits times 8).
    let r = mul_add::<f32, FUSED>(n, 2.121_944_4e-4, mul_add::<f32, FUSED>(n, -355.0 / 512.0, x));
    let p = EXPM1_F32[..4].iter().rev().fold(EXPM1_F32[4], |p, &c| mul_add::<f32, FUSED>(p, r, c));
    (power_of_two(t, MAGIC), mul_add::<f32, FUSED>(r * r, p, r))
}

/// [`exp_parts`] in f64: the Taylor series of degree 13.
#[inline(always)]
fn exp_parts_f64(x: f64) -> (f64, f64) {
    const MAGIC: f64 = 1.5 * 4_503_599_627_370_496.0;
    let x = clamp(x, -708.0, 709.0);
    let t = x * std::f64::consts::LOG2_E + MAGIC;
    let n = t - MAGIC;
    // ln 2 = hi + lo, with n·hi exact.
    let (hi, lo) = (0.693_147_180_369_123_8, 1.908_214_929_270_587_7e-10);
    let r = (x - n * hi) - n * lo;
    let mut q = INVERSE_FACTORIALS[12];
    for &c in INVERSE_FACTORIALS[..12].iter().rev() {
        q = q * r + c;
    }
    (power_of_two(t, MAGIC), q * r)
}

/// `exp(x)`; `FUSED`: whether f32's multiply-adds are fused (see the module's doc).
#[inline(always)]
pub(super) fn exp<F: Float, const FUSED: bool>(x: F) -> F {
    let (scale, q) = exp_parts::<F, FUSED>(x);
    mul_add::<F, FUSED>(scale, q, scale)
}

/// The logistic sigmoid `1 / (1 + exp(-x))`.
#[inline(always)]
pub(super) fn sigmoid<F: Float, const FUSED: bool>(x: F) -> F {
    F::one() / (F::one() + exp::<F, FUSED>(-x))
}

/// `tanh(x) = sign(x) · q / (q + 2)`, `q = exp(2|x|) - 1` computed without cancellation (the
/// polynomial of `exp(r) - 1` has no constant term), so that small arguments keep their
/// relative precision.
#[inline(always)]
pub(super) fn tanh<F: Float, const FUSED: bool>(x: F) -> F {
    let (scale, q) = exp_parts::<F, FUSED>(x.abs() + x.abs());
    let expm1 = mul_add::<F, FUSED>(scale, q, scale - F::one());
    let t = expm1 / (expm1 + F::from_f64(2.0));
    t.copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid() -> impl Iterator<Item = f64> {
        (-200_000..=200_000).map(|i| f64::from(i) * 1e-4).chain([1e-9, -1e-9, 1e-300, 0.0, -0.0, 30.0, 700.0, -745.0])
    }

    #[test]
    fn double_precision_is_within_a_few_ulps_of_the_standard_library() {
        let mut worst = [0.0f64; 3];
        for x in grid() {
            let pairs = [
                (exp::<f64, false>(x), x.exp()),
                (sigmoid::<f64, false>(x), 1.0 / (1.0 + (-x).exp())),
                (tanh::<f64, false>(x), x.tanh()),
            ];
            for (w, (ours, std)) in worst.iter_mut().zip(pairs) {
                if std != 0.0 && std.is_normal() {
                    *w = w.max(((ours - std) / std).abs());
                }
            }
        }
        assert!(worst.iter().all(|&w| w < 1e-15), "{worst:?}");
        assert_eq!(tanh::<f64, false>(0.0).to_bits(), 0.0f64.to_bits());
        assert_eq!(tanh::<f64, false>(-0.0).to_bits(), (-0.0f64).to_bits());
        assert_eq!((tanh::<f64, false>(1e3), tanh::<f64, false>(-1e3), sigmoid::<f64, false>(1e3)), (1.0, -1.0, 1.0));
        assert!(sigmoid::<f64, false>(-1e3) < 1e-300);
        assert!(exp::<f64, false>(f64::NAN).is_nan() && sigmoid::<f64, false>(f64::NAN).is_nan());
        assert!(tanh::<f64, false>(f64::NAN).is_nan());
    }

    #[test]
    fn double_precision_ignores_the_fused_flag() {
        for x in grid() {
            assert_eq!(sigmoid::<f64, true>(x).to_bits(), sigmoid::<f64, false>(x).to_bits(), "{x}");
            assert_eq!(tanh::<f64, true>(x).to_bits(), tanh::<f64, false>(x).to_bits(), "{x}");
        }
    }

    /// The distance from `ours` to the exact `reference` (a normal f32's magnitude) in units
    /// of the last place of the f32 values around the reference: `2^(e - 23)`,
    /// `2^e <= |reference| < 2^(e+1)`.
    fn ulps(ours: f32, reference: f64) -> f64 {
        let exponent = ((reference.abs().to_bits() >> 52) & 0x7ff) as i32 - 1023;
        (f64::from(ours) - reference).abs() / 2f64.powi(exponent - 23)
    }

    /// Every 61st f32 between -100 and 100 (about 35 million values, all the gates' range),
    /// against the f64 functions of the standard library: the largest error of each
    /// function, in ulps of the correctly rounded result.
    fn worst_single_precision_errors<const FUSED: bool>() -> [f64; 3] {
        let mut worst = [0.0f64; 3];
        let positive = (0..100.0f32.to_bits()).step_by(61).map(f32::from_bits);
        for x in positive.flat_map(|x| [x, -x]) {
            let wide = f64::from(x);
            let logistic = 1.0 / (1.0 + (-wide).exp());
            let pairs = [
                (exp::<f32, FUSED>(x), wide.exp()),
                (sigmoid::<f32, FUSED>(x), logistic),
                (tanh::<f32, FUSED>(x), wide.tanh()),
            ];
            for (k, (w, (ours, reference))) in worst.iter_mut().zip(pairs).enumerate() {
                // Where the result is a normal f32 (the limits are tested apart); `exp` has
                // the callers' range, clamped to [-87, 88].
                if (reference as f32).is_normal() && (k > 0 || (-87.0..=88.0).contains(&x)) {
                    *w = w.max(ulps(ours, reference));
                }
            }
        }
        worst
    }

    /// What f32 gives at the ends of the range and beyond, fused or not.
    fn single_precision_limits<const FUSED: bool>() {
        let (sig, th) = (sigmoid::<f32, FUSED>, tanh::<f32, FUSED>);
        assert_eq!((th(100.0), th(-100.0), th(f32::INFINITY), th(f32::NEG_INFINITY)), (1.0, -1.0, 1.0, -1.0));
        assert_eq!((sig(200.0), sig(f32::INFINITY)), (1.0, 1.0));
        // Below -87 the logistic is under the smallest normal f32: what is returned is too.
        for x in [-87.5, -100.0, -1e30, f32::NEG_INFINITY] {
            let s = sig(x);
            assert!((0.0..f32::MIN_POSITIVE).contains(&s), "sigmoid({x}) = {s}");
        }
        assert_eq!((th(0.0).to_bits(), th(-0.0).to_bits()), (0.0f32.to_bits(), (-0.0f32).to_bits()));
        assert_eq!((th(1e-30), sig(0.0)), (1e-30, 0.5));
        assert!(exp::<f32, FUSED>(f32::NAN).is_nan() && sig(f32::NAN).is_nan() && th(f32::NAN).is_nan());
    }

    /// Measured on 5 December 2026, fused: exp 1.04, sigmoid 2.32, tanh 2.46 ulps (most of
    /// it the rounding of the final division and of `1 + exp(-x)`, not the polynomial's
    /// 0.15); unfused: 1.02, 2.32, 2.46.
    const MAX_SINGLE_ULPS: f64 = 3.0;

    fn single_precision_within_three_ulps<const FUSED: bool>() {
        let worst = worst_single_precision_errors::<FUSED>();
        eprintln!("fused {FUSED}: exp, sigmoid, tanh within {worst:?} ulps");
        assert!(worst.iter().all(|&w| w <= MAX_SINGLE_ULPS), "fused {FUSED}: exp, sigmoid, tanh: {worst:?} ulps");
        single_precision_limits::<FUSED>();
    }

    #[test]
    fn single_precision_is_within_three_ulps_unfused() {
        single_precision_within_three_ulps::<false>();
    }

    #[test]
    fn single_precision_is_within_three_ulps_fused() {
        single_precision_within_three_ulps::<true>();
    }
}
