//! Hidden-layer activations, applied in place, with derivatives written in terms of the
//! activation's *output* (as scikit-learn's `_base.py` does), so the backward pass needs only
//! the activations the forward pass kept.

use crate::float::Float;
use crate::linalg::with_avx2;
use crate::params::declare::named_enum;

named_enum! {
    /// The activation of the hidden layers (scikit-learn's `activation`). Default: [`Activation::Relu`].
    ///
    /// It never applies to the output layer, whose activation follows from the task (see
    /// [`crate::loss::OutputHead`]). It also picks the Glorot factor of the initialisation.
    pub enum Activation for "activation" {
        /// `f(x) = x`: no hidden non-linearity, a linear model in disguise.
        Identity = "identity",
        /// The logistic sigmoid `f(x) = 1 / (1 + exp(-x))`.
        Logistic = "logistic",
        /// The hyperbolic tangent.
        Tanh = "tanh",
        /// The rectified linear unit `f(x) = max(x, 0)`.
        #[default]
        Relu = "relu",
    }
}

impl Activation {
    /// Applies the activation to every element of `z` in place.
    pub fn forward<F: Float>(self, z: &mut [F]) {
        match self {
            Self::Identity => {}
            Self::Logistic => z.iter_mut().for_each(|v| *v = logistic(*v)),
            Self::Tanh => z.iter_mut().for_each(|v| *v = v.tanh()),
            Self::Relu => z.iter_mut().for_each(|v| *v = v.max(F::zero())),
        }
    }

    /// `z = f(z + bias)` for every row of `z: (rows, bias.len())`, row-major: the bias and the
    /// activation in one pass (the same bits as adding the bias, then [`forward`](Self::forward)).
    pub fn forward_with_bias<F: Float>(self, z: &mut [F], bias: &[F]) {
        let rows = z.chunks_exact_mut(bias.len().max(1));
        // One loop per activation, so that each inner loop is a plain vectorisable map.
        with_avx2(
            #[inline(always)]
            || match self {
                Self::Identity => rows.for_each(|row| row.iter_mut().zip(bias).for_each(|(v, &b)| *v += b)),
                Self::Logistic => {
                    rows.for_each(|row| row.iter_mut().zip(bias).for_each(|(v, &b)| *v = logistic(*v + b)))
                }
                Self::Tanh => rows.for_each(|row| row.iter_mut().zip(bias).for_each(|(v, &b)| *v = (*v + b).tanh())),
                Self::Relu => {
                    rows.for_each(|row| row.iter_mut().zip(bias).for_each(|(v, &b)| *v = (*v + b).max(F::zero())))
                }
            },
        )
    }

    /// Multiplies `d_output` in place by the derivative of the activation, given the
    /// activation's output `output` (same shape).
    pub fn backward<F: Float>(self, d_output: &mut [F], output: &[F]) {
        #[inline(always)]
        fn each<F: Float>(d_output: &mut [F], output: &[F], derivative: impl Fn(F, F) -> F) {
            d_output.iter_mut().zip(output).for_each(|(d, &a)| *d = derivative(*d, a));
        }
        with_avx2(
            #[inline(always)]
            || match self {
                Self::Identity => {}
                Self::Logistic => each(d_output, output, logistic_derivative),
                Self::Tanh => each(d_output, output, tanh_derivative),
                Self::Relu => each(d_output, output, relu_derivative),
            },
        )
    }

    /// [`backward`](Self::backward) over `d_output: (rows, sums.len())`, row-major, writing the
    /// column sums of the result into `sums` in the same pass (the same bits as `backward`
    /// followed by summing the rows in order).
    pub fn backward_with_column_sums<F: Float>(self, d_output: &mut [F], output: &[F], sums: &mut [F]) {
        #[inline(always)]
        fn each_row<F: Float>(d_output: &mut [F], output: &[F], sums: &mut [F], derivative: impl Fn(F, F) -> F) {
            sums.fill(F::zero());
            let cols = sums.len().max(1);
            for (d_row, a_row) in d_output.chunks_exact_mut(cols).zip(output.chunks_exact(cols)) {
                for ((d, &a), s) in d_row.iter_mut().zip(a_row).zip(sums.iter_mut()) {
                    *d = derivative(*d, a);
                    *s += *d;
                }
            }
        }
        with_avx2(
            #[inline(always)]
            || match self {
                Self::Identity => each_row(d_output, output, sums, |d, _| d),
                Self::Logistic => each_row(d_output, output, sums, logistic_derivative),
                Self::Tanh => each_row(d_output, output, sums, tanh_derivative),
                Self::Relu => each_row(d_output, output, sums, relu_derivative),
            },
        )
    }
}

// The derivatives, given the incoming gradient `d` and the activation's output `a`, written
// without branches so that the passes over a layer vectorise.

// Two successive multiplications, as scikit-learn does, rather than a*(1-a) in one: the
// rounding then matches its results bit for bit.
#[inline(always)]
fn logistic_derivative<F: Float>(d: F, a: F) -> F {
    d * a * (F::one() - a)
}

#[inline(always)]
fn tanh_derivative<F: Float>(d: F, a: F) -> F {
    d * (F::one() - a * a)
}

// A pre-activation <= 0 gives an output of exactly 0 and no gradient: a select, not a branch.
#[inline(always)]
fn relu_derivative<F: Float>(d: F, a: F) -> F {
    if a == F::zero() { F::zero() } else { d }
}

/// The logistic sigmoid, as scipy's `expit` computes it.
pub(crate) fn logistic<F: Float>(x: F) -> F {
    F::one() / (F::one() + (-x).exp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for a in Activation::ALL {
            assert_eq!(a.name().parse::<Activation>().unwrap(), a);
        }
        let err = "softplus".parse::<Activation>().unwrap_err();
        assert!(err.to_string().contains("'softplus'"), "{err}");
    }

    #[test]
    fn derivatives_match_finite_differences() {
        let h = 1e-6;
        for a in Activation::ALL {
            for &x in &[-2.0f64, -0.3, 0.4, 1.7] {
                let mut out = [x];
                a.forward(&mut out);
                let (mut plus, mut minus) = ([x + h], [x - h]);
                a.forward(&mut plus);
                a.forward(&mut minus);
                let numeric = (plus[0] - minus[0]) / (2.0 * h);
                let mut d = [1.0];
                a.backward(&mut d, &out);
                assert!((d[0] - numeric).abs() < 1e-8, "{a} at {x}: {} vs {numeric}", d[0]);
            }
        }
    }

    fn varied(len: usize) -> Vec<f64> {
        (0..len).map(|i| ((i * 37 % 23) as f64 - 11.0) / 4.0).collect()
    }

    #[test]
    fn fused_bias_and_activation_matches_the_two_passes_bit_for_bit() {
        let (rows, cols) = (7, 5);
        let bias: Vec<f64> = varied(cols).iter().map(|b| b / 3.0).collect();
        for a in Activation::ALL {
            let mut fused = varied(rows * cols);
            let mut reference = fused.clone();
            a.forward_with_bias(&mut fused, &bias);
            for row in reference.chunks_exact_mut(cols) {
                row.iter_mut().zip(&bias).for_each(|(v, &b)| *v += b);
            }
            a.forward(&mut reference);
            assert_eq!(fused, reference, "{a}");
        }
    }

    #[test]
    fn fused_derivative_and_column_sums_match_the_two_passes_bit_for_bit() {
        let (rows, cols) = (9, 4);
        for a in Activation::ALL {
            let mut output = varied(rows * cols);
            a.forward(&mut output);
            let mut fused: Vec<f64> = varied(rows * cols).iter().map(|d| d * 0.7 + 0.1).collect();
            let mut reference = fused.clone();
            let mut sums = vec![f64::NAN; cols];
            a.backward_with_column_sums(&mut fused, &output, &mut sums);
            a.backward(&mut reference, &output);
            let mut expected = vec![0.0; cols];
            for row in reference.chunks_exact(cols) {
                expected.iter_mut().zip(row).for_each(|(s, &d)| *s += d);
            }
            assert_eq!(fused, reference, "{a}");
            assert_eq!(sums, expected, "{a}");
        }
    }

    #[test]
    fn relu_zeroes_the_gradient_where_the_output_is_zero() {
        let mut z = [-1.0f32, 0.0, 2.0];
        Activation::Relu.forward(&mut z);
        assert_eq!(z, [0.0, 0.0, 2.0]);
        let mut d = [5.0f32, 5.0, 5.0];
        Activation::Relu.backward(&mut d, &z);
        assert_eq!(d, [0.0, 0.0, 5.0]);
    }
}
