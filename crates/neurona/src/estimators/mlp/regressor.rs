//! `MlpRegressor`: one or many continuous outputs.

use ndarray::{Array2, ArrayView, ArrayView1, ArrayView2, Dimension};

use crate::data::validate::{as_2d, check_features, check_finite, check_length, check_sample_weight, check_width};
use crate::error::{NeuronaError, Result};
use crate::estimator::Regressor;
use crate::estimators::mlp::algorithm::{self, FitOptions, FitReport, MlpState, Scorer, TrainingData};
use crate::estimators::mlp::hyperparams::{MlpValidParams, RegressionLoss};
use crate::estimators::network::NetworkRegressor;
use crate::float::Float;
use crate::loss::OutputHead;
use crate::metrics::r2_score;

const NAME: &str = "MLPRegressor";

/// A multilayer-perceptron regressor, scikit-learn's `MLPRegressor`.
///
/// Identity outputs with the squared error, or exponential outputs with the Poisson deviance
/// (`loss = Poisson`); one output per target column.
///
/// ```
/// use neurona::prelude::*;
///
/// let diabetes = neurona::datasets::diabetes();
/// let x = diabetes.standardized_features();
/// let y = diabetes.standardized_target();
/// let params = MlpParams::new().hidden_layer_sizes([20]).solver(Solver::Lbfgs).random_state(0).check()?;
/// let mut reg = MlpRegressor::<f64>::new(params);
/// reg.fit(x.view(), y.view())?;
/// assert!(reg.score(x.view(), y.view())? > 0.5);
/// assert_eq!(reg.predict(x.view())?.dim(), (442, 1));
/// # Ok::<(), neurona::NeuronaError>(())
/// ```
pub type MlpRegressor<F = f64> = NetworkRegressor<MlpValidParams, MlpState<F>>;

impl<F: Float> MlpRegressor<F> {
    /// A regressor with `n_outputs` targets that has not trained yet, holding the given weights
    /// instead of drawn ones (see
    /// [`MlpClassifier::with_weights`](super::MlpClassifier::with_weights)).
    pub fn with_weights(
        params: MlpValidParams,
        coefs: &[ArrayView2<'_, F>],
        intercepts: &[ArrayView1<'_, F>],
    ) -> Result<Self> {
        let head = match params.loss {
            RegressionLoss::SquaredError => OutputHead::SquaredError,
            RegressionLoss::Poisson => OutputHead::Poisson,
        };
        let n_outputs = coefs.last().map_or(0, |c| c.ncols());
        let state = algorithm::state_from_weights(&params, head, n_outputs, coefs, intercepts)?;
        Ok(Self { params, state: Some(state) })
    }

    /// Replaces the weights of a fitted regressor (same shapes, finite values).
    pub fn set_weights(&mut self, coefs: &[ArrayView2<'_, F>], intercepts: &[ArrayView1<'_, F>]) -> Result<()> {
        self.state.as_mut().ok_or(NeuronaError::NotFitted { estimator: NAME })?.set_weights(coefs, intercepts)
    }

    /// How the last `fit` or `partial_fit` ended.
    pub fn report(&self) -> Result<&FitReport> {
        Ok(self.state()?.report())
    }

    /// Predictions `(n_samples, n_outputs)`; for one target, column 0.
    pub fn predict(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        self.state()?.outputs(x, NAME)
    }

    /// R² of the predictions, averaged over outputs.
    pub fn score<D: Dimension>(&self, x: ArrayView2<'_, F>, y: ArrayView<'_, F, D>) -> Result<f64> {
        let y = as_2d(y)?;
        check_length("y", y.nrows(), x.nrows())?;
        let predicted = self.predict(x)?;
        check_width("y", y.ncols(), self.state()?.n_outputs())?;
        Ok(r2_score(y, predicted.view(), None))
    }

    /// Weighted R².
    pub fn score_weighted<D: Dimension>(
        &self,
        x: ArrayView2<'_, F>,
        y: ArrayView<'_, F, D>,
        sample_weight: ndarray::ArrayView1<'_, F>,
    ) -> Result<f64> {
        let y = as_2d(y)?;
        check_length("y", y.nrows(), x.nrows())?;
        let sw = check_sample_weight(sample_weight, x.nrows())?;
        let predicted = self.predict(x)?;
        check_width("y", y.ncols(), self.state()?.n_outputs())?;
        Ok(r2_score(y, predicted.view(), Some(&sw)))
    }
}

impl<'x, 'y, F: Float, D: Dimension> Regressor<ArrayView2<'x, F>, ArrayView<'y, F, D>> for MlpRegressor<F> {
    type Options<'o> = FitOptions<'o, F>;
    type Report = FitReport;

    /// Trains on `x: (n_samples, n_features)` and `y: (n_samples,)` or `(n_samples, n_outputs)`;
    /// `partial_fit` with the lbfgs solver runs a whole L-BFGS fit from the current weights, as
    /// scikit-learn's regressor does.
    fn train(
        &mut self,
        x: ArrayView2<'x, F>,
        y: ArrayView<'y, F, D>,
        incremental: bool,
        options: FitOptions<'_, F>,
    ) -> Result<&FitReport> {
        let y = as_2d(y)?;
        check_features(x, NAME)?;
        check_length("y", y.nrows(), x.nrows())?;
        if y.ncols() == 0 {
            return Err(NeuronaError::input("y", "has 0 target columns; it needs at least 1"));
        }
        check_finite("y", y)?;
        let head = match self.params.loss {
            RegressionLoss::SquaredError => OutputHead::SquaredError,
            RegressionLoss::Poisson => {
                // scikit-learn accepts negative targets here and returns a NaN loss; a clear error
                // is more useful.
                if let Some(((row, _), v)) = y.indexed_iter().find(|(_, v)| **v < F::zero()) {
                    return Err(NeuronaError::input(
                        "y",
                        format!("must be >= 0 for loss='poisson', found {v} at row {row}"),
                    ));
                }
                OutputHead::Poisson
            }
        };
        let sample_weight = options.checked_sample_weight(x.nrows())?;
        let data = TrainingData { x, y: y.to_owned(), sample_weight, head, scorer: Scorer::R2, stratify: false };
        let state = algorithm::fit(&self.params, data, self.fit_call(incremental, options))?;
        Ok(&self.state.insert(state).report)
    }
}
