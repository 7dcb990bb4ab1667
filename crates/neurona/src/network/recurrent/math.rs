//! The gates' exponential, logistic sigmoid and hyperbolic tangent, written as plain
//! arithmetic so that a loop over a row of gates vectorises.
//!
//! The standard library's `exp` and `tanh` call the C library one value at a time: on the
//! issue's benchmark they took most of an Elman epoch (about 13 ns per `tanhf`, against well
//! under one for a vectorised polynomial). Here `exp(x) = 2^n · exp(r)`, `n` the integer
//! nearest `x / ln 2` and `|r| <= ln 2 / 2`, with `exp(r) - 1` by its Taylor series (degree 7
//! in f32, 13 in f64: the truncation error is below half an ulp), `ln 2` split in two so that
//! `r` is exact (Cody and Waite), and `2^n` built from the bits of `x / ln 2 + 1.5 · 2^52`
//! (or `2^23`), whose lowest bits hold `n` once the sum has rounded it. Every result is within
//! a few ulps of the correctly rounded one (tested below against the standard library), and
//! NaN stays NaN.

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
fn exp_parts<F: Float>(x: F) -> (F, F) {
    let single = is_f32::<F>();
    let (low, high) = if single { (-87.0, 88.0) } else { (-708.0, 709.0) };
    // Comparisons rather than `max`/`min`, which would turn NaN into a bound.
    let x = if x < F::from_f64(low) {
        F::from_f64(low)
    } else if x > F::from_f64(high) {
        F::from_f64(high)
    } else {
        x
    };
    let magic = F::from_f64(if single { 1.5 * 8_388_608.0 } else { 1.5 * 4_503_599_627_370_496.0 });
    let t = x * F::from_f64(std::f64::consts::LOG2_E) + magic;
    let n = t - magic;
    // ln 2 = hi + lo, with n·hi exact.
    let (hi, lo) = if single {
        (0.693_359_375, -2.121_944_400_546_905_8e-4)
    } else {
        (0.693_147_180_369_123_8, 1.908_214_929_270_587_7e-10)
    };
    let r = (x - n * F::from_f64(hi)) - n * F::from_f64(lo);
    let degree = if single { 7 } else { 13 };
    let mut q = F::from_f64(INVERSE_FACTORIALS[degree - 1]);
    for &c in INVERSE_FACTORIALS[..degree - 1].iter().rev() {
        q = q * r + F::from_f64(c);
    }
    (power_of_two(t, magic), q * r)
}

/// `exp(x)`.
#[inline(always)]
pub(super) fn exp<F: Float>(x: F) -> F {
    let (scale, q) = exp_parts(x);
    scale + scale * q
}

/// The logistic sigmoid `1 / (1 + exp(-x))`.
#[inline(always)]
pub(super) fn sigmoid<F: Float>(x: F) -> F {
    F::one() / (F::one() + exp(-x))
}

/// `tanh(x) = sign(x) · q / (q + 2)`, `q = exp(2|x|) - 1` computed without cancellation (the
/// series of `exp(r) - 1` has no constant term), so that small arguments keep their relative
/// precision.
#[inline(always)]
pub(super) fn tanh<F: Float>(x: F) -> F {
    let (scale, q) = exp_parts(x.abs() + x.abs());
    let expm1 = scale * q + (scale - F::one());
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
            let pairs = [(exp(x), x.exp()), (sigmoid(x), 1.0 / (1.0 + (-x).exp())), (tanh(x), x.tanh())];
            for (w, (ours, std)) in worst.iter_mut().zip(pairs) {
                if std != 0.0 && std.is_normal() {
                    *w = w.max(((ours - std) / std).abs());
                }
            }
        }
        assert!(worst.iter().all(|&w| w < 1e-15), "{worst:?}");
        assert_eq!(tanh(0.0f64).to_bits(), 0.0f64.to_bits());
        assert_eq!(tanh(-0.0f64).to_bits(), (-0.0f64).to_bits());
        assert_eq!((tanh(1e3f64), tanh(-1e3f64), sigmoid(1e3f64)), (1.0, -1.0, 1.0));
        assert!(sigmoid(-1e3f64) < 1e-300);
        assert!(exp(f64::NAN).is_nan() && sigmoid(f64::NAN).is_nan() && tanh(f64::NAN).is_nan());
    }

    #[test]
    fn single_precision_is_within_a_few_ulps_of_the_standard_library() {
        let mut worst = [0.0f64; 3];
        for x in grid().filter(|x| x.abs() < 80.0) {
            let y = x as f32;
            let pairs = [(exp(y), y.exp()), (sigmoid(y), 1.0 / (1.0 + (-y).exp())), (tanh(y), y.tanh())];
            for (w, (ours, std)) in worst.iter_mut().zip(pairs) {
                if std != 0.0 && std.is_normal() {
                    *w = w.max(f64::from((ours - std) / std).abs());
                }
            }
        }
        assert!(worst.iter().all(|&w| w < 4e-7), "{worst:?}");
        assert_eq!((tanh(100.0f32), tanh(-100.0f32), sigmoid(200.0f32)), (1.0, -1.0, 1.0));
        assert!(exp(f32::NAN).is_nan() && tanh(f32::NAN).is_nan());
    }
}
