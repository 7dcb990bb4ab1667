//! The [`Float`] trait: everything in neurona is generic over `f32` and `f64`.
//!
//! float32 input trains in float32, as in scikit-learn; everything else is float64.

use std::fmt::{Debug, Display};
use std::iter::Sum;
use std::ops::{AddAssign, DivAssign, MulAssign, SubAssign};

mod sealed {
    pub trait Sealed {}
    impl Sealed for f32 {}
    impl Sealed for f64 {}
}

/// A floating-point element type: `f32` or `f64` (sealed).
pub trait Float:
    num_traits::Float
    + ndarray::LinalgScalar
    + ndarray::ScalarOperand
    + Sum
    + AddAssign
    + SubAssign
    + MulAssign
    + DivAssign
    + Debug
    + Display
    + Default
    + Send
    + Sync
    + 'static
    + sealed::Sealed
{
    /// numpy's name for the type (`"float32"` or `"float64"`), used in messages and model files.
    const DTYPE: &'static str;

    /// Rounds an `f64` to this type, as numpy's `astype` does.
    fn from_f64(value: f64) -> Self;

    /// Widens (or keeps) the value as an `f64`.
    fn as_f64(self) -> f64;

    /// Converts a count, as numpy converts a Python int in arithmetic with an array.
    fn from_usize(value: usize) -> Self {
        Self::from_f64(value as f64)
    }
}

impl Float for f32 {
    const DTYPE: &'static str = "float32";

    fn from_f64(value: f64) -> Self {
        value as f32
    }

    fn as_f64(self) -> f64 {
        f64::from(self)
    }
}

impl Float for f64 {
    const DTYPE: &'static str = "float64";

    fn from_f64(value: f64) -> Self {
        value
    }

    fn as_f64(self) -> f64 {
        self
    }
}
