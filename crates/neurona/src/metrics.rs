//! Scores used by `score`, early stopping and evaluation: accuracy and R², with optional
//! sample weights, computed as scikit-learn computes them.

use ndarray::ArrayView2;

use crate::float::Float;

/// The weighted fraction of `true` entries of `correct` (accuracy from a per-sample match).
pub fn weighted_fraction<F: Float>(correct: impl Iterator<Item = bool>, sample_weight: Option<&[F]>) -> f64 {
    let (mut hit, mut total) = (0.0, 0.0);
    for (i, ok) in correct.enumerate() {
        let w = sample_weight.map_or(1.0, |sw| sw[i].as_f64());
        total += w;
        if ok {
            hit += w;
        }
    }
    hit / total
}

/// Accuracy of predicted labels (exact match per sample, so subset accuracy for multi-label).
pub fn accuracy<L: PartialEq, F: Float>(y_true: &[L], y_pred: &[L], sample_weight: Option<&[F]>) -> f64 {
    weighted_fraction(y_true.iter().zip(y_pred).map(|(t, p)| t == p), sample_weight)
}

/// The coefficient of determination R², averaged uniformly over outputs (scikit-learn's
/// `r2_score(..., multioutput='uniform_average')`). An output whose targets are constant
/// scores 1 when predicted exactly and 0 otherwise; fewer than two samples give NaN.
pub fn r2_score<F: Float>(y_true: ArrayView2<'_, F>, y_pred: ArrayView2<'_, F>, sample_weight: Option<&[F]>) -> f64 {
    let (n_samples, n_outputs) = y_true.dim();
    if n_samples < 2 || n_outputs == 0 {
        return f64::NAN;
    }
    let weight = |i: usize| sample_weight.map_or(1.0, |sw| sw[i].as_f64());
    let weight_sum: f64 = (0..n_samples).map(weight).sum();
    let mut total = 0.0;
    for k in 0..n_outputs {
        let mean = (0..n_samples).map(|i| weight(i) * y_true[[i, k]].as_f64()).sum::<f64>() / weight_sum;
        let (mut residual, mut spread) = (0.0, 0.0);
        for i in 0..n_samples {
            let (t, p) = (y_true[[i, k]].as_f64(), y_pred[[i, k]].as_f64());
            residual += weight(i) * (t - p) * (t - p);
            spread += weight(i) * (t - mean) * (t - mean);
        }
        total += if spread != 0.0 {
            1.0 - residual / spread
        } else if residual == 0.0 {
            1.0
        } else {
            0.0
        };
    }
    total / n_outputs as f64
}

/// Mean absolute error averaged over outputs.
pub fn mean_absolute_error<F: Float>(y_true: ArrayView2<'_, F>, y_pred: ArrayView2<'_, F>) -> f64 {
    let n = y_true.len().max(1) as f64;
    y_true.iter().zip(y_pred.iter()).map(|(t, p)| (t.as_f64() - p.as_f64()).abs()).sum::<f64>() / n
}

/// Root mean squared error over all outputs.
pub fn root_mean_squared_error<F: Float>(y_true: ArrayView2<'_, F>, y_pred: ArrayView2<'_, F>) -> f64 {
    let n = y_true.len().max(1) as f64;
    (y_true.iter().zip(y_pred.iter()).map(|(t, p)| (t.as_f64() - p.as_f64()).powi(2)).sum::<f64>() / n).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::array;

    #[test]
    fn accuracy_counts_weighted_matches() {
        assert_eq!(accuracy::<_, f64>(&[1, 2, 3, 4], &[1, 2, 0, 0], None), 0.5);
        assert_eq!(accuracy(&[1, 2], &[1, 0], Some(&[3.0f64, 1.0])), 0.75);
    }

    #[test]
    fn r2_matches_hand_computation() {
        let y = array![[1.0f64], [2.0], [3.0]];
        let p = array![[1.0f64], [2.0], [4.0]];
        // residual 1, spread 2
        assert_eq!(r2_score(y.view(), p.view(), None), 0.5);
        assert_eq!(r2_score(y.view(), y.view(), None), 1.0);
        let constant = array![[2.0f64], [2.0]];
        assert_eq!(r2_score(constant.view(), constant.view(), None), 1.0);
        assert_eq!(r2_score(constant.view(), y.slice(ndarray::s![..2, ..]), None), 0.0);
    }
}
