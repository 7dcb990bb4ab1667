//! Hidden-layer activations, applied in place, with derivatives written in terms of the
//! activation's *output* (as scikit-learn's `_base.py` does), so the backward pass needs only
//! the activations the forward pass kept.

use std::fmt;
use std::str::FromStr;

use crate::error::NeuronaError;
use crate::float::Float;

/// The activation of the hidden layers (scikit-learn's `activation`). Default: [`Activation::Relu`].
///
/// It never applies to the output layer, whose activation follows from the task (see
/// [`crate::loss::OutputHead`]). It also picks the Glorot factor of the initialisation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Activation {
    /// `f(x) = x`: no hidden non-linearity, a linear model in disguise.
    Identity,
    /// The logistic sigmoid `f(x) = 1 / (1 + exp(-x))`.
    Logistic,
    /// The hyperbolic tangent.
    Tanh,
    /// The rectified linear unit `f(x) = max(x, 0)`.
    #[default]
    Relu,
}

impl Activation {
    /// Every activation, in scikit-learn's order.
    pub const ALL: [Activation; 4] = [Self::Identity, Self::Logistic, Self::Tanh, Self::Relu];

    /// scikit-learn's name for the activation.
    pub fn name(self) -> &'static str {
        match self {
            Self::Identity => "identity",
            Self::Logistic => "logistic",
            Self::Tanh => "tanh",
            Self::Relu => "relu",
        }
    }

    /// Applies the activation to every element of `z` in place.
    pub fn forward<F: Float>(self, z: &mut [F]) {
        match self {
            Self::Identity => {}
            Self::Logistic => z.iter_mut().for_each(|v| *v = logistic(*v)),
            Self::Tanh => z.iter_mut().for_each(|v| *v = v.tanh()),
            Self::Relu => z.iter_mut().for_each(|v| *v = v.max(F::zero())),
        }
    }

    /// Multiplies `d_output` in place by the derivative of the activation, given the
    /// activation's output `output` (same shape).
    pub fn backward<F: Float>(self, d_output: &mut [F], output: &[F]) {
        match self {
            Self::Identity => {}
            // Two successive multiplications, as scikit-learn does, rather than a*(1-a) in one:
            // the rounding then matches its results bit for bit.
            Self::Logistic => d_output.iter_mut().zip(output).for_each(|(d, &a)| {
                *d *= a;
                *d *= F::one() - a;
            }),
            Self::Tanh => {
                d_output.iter_mut().zip(output).for_each(|(d, &a)| *d *= F::one() - a * a);
            }
            // A pre-activation <= 0 gives an output of exactly 0 and no gradient.
            Self::Relu => d_output.iter_mut().zip(output).for_each(|(d, &a)| {
                if a == F::zero() {
                    *d = F::zero();
                }
            }),
        }
    }
}

/// The logistic sigmoid, as scipy's `expit` computes it.
pub(crate) fn logistic<F: Float>(x: F) -> F {
    F::one() / (F::one() + (-x).exp())
}

impl fmt::Display for Activation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Activation {
    type Err = NeuronaError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL.into_iter().find(|a| a.name() == s).ok_or_else(|| {
            NeuronaError::parameter("activation", "one of 'identity', 'logistic', 'tanh', 'relu'", format!("'{s}'"))
        })
    }
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
