//! Output heads: the output activation fused with the loss it is paired with.
//!
//! Only the four canonical-link pairs exist (identity + squared error, exp + Poisson deviance,
//! logistic + binary log loss, softmax + log loss). For each of them the derivative of the loss
//! with respect to the output pre-activation is `y_pred - y`, so the backward pass starts from
//! that difference and never differentiates the output activation itself.

use std::fmt;

use crate::activation::logistic;
use crate::data::labels::TargetKind;
use crate::float::Float;

/// The output activation and its loss (scikit-learn's `out_activation_` and `loss`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputHead {
    /// Identity output, half squared error averaged over samples and outputs (regression).
    SquaredError,
    /// Exponential output, half Poisson deviance (regression with `loss='poisson'`).
    Poisson,
    /// Logistic outputs, binary log loss summed over outputs (binary and multi-label).
    BinaryLogLoss,
    /// Softmax output, multinomial log loss (multiclass).
    LogLoss,
}

impl OutputHead {
    /// A network classifier's head for its kind of target: softmax for several classes, else
    /// one logistic output per label (binary, multi-label).
    pub fn for_classes(kind: TargetKind) -> Self {
        if kind == TargetKind::Multiclass { Self::LogLoss } else { Self::BinaryLogLoss }
    }

    /// scikit-learn's name of the output activation (`out_activation_`).
    pub fn out_activation(self) -> &'static str {
        match self {
            Self::SquaredError => "identity",
            Self::Poisson => "exp",
            Self::BinaryLogLoss => "logistic",
            Self::LogLoss => "softmax",
        }
    }

    /// scikit-learn's name of the loss.
    pub fn loss_name(self) -> &'static str {
        match self {
            Self::SquaredError => "squared_error",
            Self::Poisson => "poisson",
            Self::BinaryLogLoss => "binary_log_loss",
            Self::LogLoss => "log_loss",
        }
    }

    /// The head with scikit-learn's name of the output activation, if any.
    pub fn from_out_activation(name: &str) -> Option<Self> {
        [Self::SquaredError, Self::Poisson, Self::BinaryLogLoss, Self::LogLoss]
            .into_iter()
            .find(|h| h.out_activation() == name)
    }

    /// Applies the output activation in place to `z`: `(n_samples, n_outputs)`, row-major.
    pub fn forward<F: Float>(self, z: &mut [F], n_outputs: usize) {
        match self {
            Self::SquaredError => {}
            Self::Poisson => z.iter_mut().for_each(|v| *v = v.exp()),
            Self::BinaryLogLoss => z.iter_mut().for_each(|v| *v = logistic(*v)),
            Self::LogLoss => {
                for row in z.chunks_exact_mut(n_outputs.max(1)) {
                    softmax_in_place(row);
                }
            }
        }
    }

    /// The loss of `y_pred` against `y_true`, both `(n_samples, n_outputs)` row-major, averaged
    /// over samples with the optional `sample_weight: (n_samples,)`, exactly as scikit-learn's
    /// `LOSS_FUNCTIONS` compute it (probabilities clipped to `[eps, 1 - eps]`).
    ///
    /// Accumulates in f64 whatever `F` is: the value is reported, and a float32 sum over
    /// thousands of samples would lose digits the stopping rule compares.
    pub fn loss<F: Float>(self, y_true: &[F], y_pred: &[F], n_outputs: usize, sample_weight: Option<&[F]>) -> f64 {
        let total = self.loss_sum(y_true, y_pred, n_outputs, sample_weight);
        let n_samples = y_true.len() / n_outputs.max(1);
        self.mean_loss(total, weight_sum(sample_weight, n_samples), n_outputs)
    }

    /// The weighted sum over samples and outputs of the loss terms of [`loss`](Self::loss),
    /// before any division: what chunks of one data set add up (see
    /// [`crate::network::summed`]).
    pub fn loss_sum<F: Float>(self, y_true: &[F], y_pred: &[F], n_outputs: usize, sample_weight: Option<&[F]>) -> f64 {
        let n_outputs = n_outputs.max(1);
        let eps = F::epsilon();
        let clip = |p: F| p.max(eps).min(F::one() - eps);
        // xlogy(0, x) = 0, even where log(x) is -inf.
        let xlogy = |x: F, y: F| if x == F::zero() { F::zero() } else { x * y.ln() };
        // One running sum: dividing each output's weighted sum by the weight sum and then
        // summing over outputs is the same sum regrouped, and it needs no buffer, so the
        // minibatch loop stays free of allocations.
        let mut total = 0.0f64;
        for (i, (t_row, p_row)) in y_true.chunks_exact(n_outputs).zip(y_pred.chunks_exact(n_outputs)).enumerate() {
            let w = sample_weight.map_or(1.0, |sw| sw[i].as_f64());
            for (&t, &p) in t_row.iter().zip(p_row) {
                let term = match self {
                    Self::SquaredError => {
                        let d = t - p;
                        d * d
                    }
                    Self::Poisson => xlogy(t, t / p) - t + p,
                    Self::BinaryLogLoss => {
                        let p = clip(p);
                        -(xlogy(t, p) + xlogy(F::one() - t, F::one() - p))
                    }
                    Self::LogLoss => -xlogy(t, clip(p)),
                };
                total += w * term.as_f64();
            }
        }
        total
    }

    /// [`loss`](Self::loss) from its [`loss_sum`](Self::loss_sum) `total` and the samples'
    /// weight sum (their number when unweighted).
    pub fn mean_loss(self, total: f64, weight_sum: f64, n_outputs: usize) -> f64 {
        match self {
            // The only loss that averages over outputs rather than summing (see the module docs of
            // `network::mlp` for the gradient consequence, scikit-learn #8349).
            Self::SquaredError => 0.5 * total / weight_sum / n_outputs.max(1) as f64,
            _ => total / weight_sum,
        }
    }

    /// Writes `d_output = (y_pred - y_true) * sample_weight` (the gradient of the summed, not
    /// averaged, loss with respect to the output pre-activation).
    pub fn output_delta<F: Float>(
        self,
        d_output: &mut [F],
        y_pred: &[F],
        y_true: &[F],
        n_outputs: usize,
        sample_weight: Option<&[F]>,
    ) {
        for ((d, &p), &t) in d_output.iter_mut().zip(y_pred).zip(y_true) {
            *d = p - t;
        }
        if let Some(sw) = sample_weight {
            for (row, &w) in d_output.chunks_exact_mut(n_outputs.max(1)).zip(sw) {
                row.iter_mut().for_each(|d| *d *= w);
            }
        }
    }
}

impl fmt::Display for OutputHead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.out_activation())
    }
}

/// Row softmax, shifted by the row maximum so that `exp` cannot overflow.
pub(crate) fn softmax_in_place<F: Float>(row: &mut [F]) {
    let max = row.iter().copied().fold(F::neg_infinity(), F::max);
    let mut sum = F::zero();
    for v in row.iter_mut() {
        *v = (*v - max).exp();
        sum += *v;
    }
    row.iter_mut().for_each(|v| *v /= sum);
}

/// The sum of `sample_weight` in f64 (in its order), or `n_samples` when there are none: the
/// divisor of every averaged loss and gradient.
pub fn weight_sum<F: Float>(sample_weight: Option<&[F]>, n_samples: usize) -> f64 {
    sample_weight.map_or(n_samples as f64, |sw| sw.iter().map(|w| w.as_f64()).sum::<f64>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_rows_sum_to_one_even_for_huge_inputs() {
        let mut z = [1000.0f64, 1001.0, 999.0, -5.0, 0.0, 5.0];
        OutputHead::LogLoss.forward(&mut z, 3);
        for row in z.chunks(3) {
            assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12);
            assert!(row.iter().all(|p| p.is_finite() && *p >= 0.0));
        }
    }

    #[test]
    fn log_losses_stay_finite_at_certain_probabilities() {
        // scikit-learn's test_base: clipping keeps log(0) out.
        let y = [1.0f64, 0.0];
        let p = [0.0f64, 1.0];
        assert!(OutputHead::BinaryLogLoss.loss(&y, &p, 1, None).is_finite());
        let y = [1.0f64, 0.0, 0.0, 1.0];
        let p = [0.0f64, 1.0, 1.0, 0.0];
        assert!(OutputHead::LogLoss.loss(&y, &p, 2, None).is_finite());
    }

    #[test]
    fn squared_error_is_half_the_mean_over_samples_and_outputs() {
        let y = [1.0f64, 2.0, 3.0, 4.0];
        let p = [0.0f64, 2.0, 3.0, 6.0];
        // errors 1, 0, 0, 4 -> 0.5 * (1 + 0 + 0 + 4) / 4
        assert_eq!(OutputHead::SquaredError.loss(&y, &p, 2, None), 0.625);
        let w = [3.0f64, 1.0];
        // per output: (3*1 + 1*0)/4 = 0.75 and (3*0 + 1*4)/4 = 1; half the mean of the two
        assert_eq!(OutputHead::SquaredError.loss(&y, &p, 2, Some(&w)), 0.4375);
    }

    #[test]
    fn poisson_deviance_is_zero_at_the_target() {
        let y = [0.0f64, 1.0, 3.5];
        assert_eq!(OutputHead::Poisson.loss(&y, &y, 1, None), 0.0);
        assert!(OutputHead::Poisson.loss(&y, &[1.0, 1.0, 1.0], 1, None) > 0.0);
    }

    #[test]
    fn output_delta_is_prediction_minus_target_times_weight() {
        let mut d = [0.0f64; 4];
        OutputHead::LogLoss.output_delta(&mut d, &[0.2, 0.8, 0.6, 0.4], &[0.0, 1.0, 1.0, 0.0], 2, Some(&[2.0, 0.5]));
        let expected = [0.4, -0.4, -0.2, 0.2];
        for (a, b) in d.iter().zip(expected) {
            assert!((a - b).abs() < 1e-15);
        }
    }
}
