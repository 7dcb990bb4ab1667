//! `RnnRegressor`: one or many continuous outputs per sequence, or per step (step-by-step
//! forecasting).

use ndarray::{Array2, ArrayView, ArrayView1, Dimension};

use crate::data::sequences::SequenceSet;
use crate::data::validate::{as_2d, check_finite, check_length, check_sample_weight, check_width};
use crate::error::{NeuronaError, Result};
use crate::estimator::Regressor;
use crate::estimators::network::NetworkRegressor;
use crate::estimators::rnn::algorithm::{self, RnnState, SequenceData, n_target_rows, targets_for_loop};
use crate::estimators::rnn::hyperparams::RnnValidParams;
use crate::float::Float;
use crate::loss::OutputHead;
use crate::metrics::r2_score;
use crate::train::{FitOptions, FitReport, Scorer};

pub(super) const NAME: &str = "RNNRegressor";

/// A recurrent regressor: the recurrent layers, a dense head and an identity output trained on
/// half the squared error (scikit-learn's `MLPRegressor` loss). `y: (rows, n_outputs)` holds
/// one row per sequence, or, with `output = step`, one per real step.
pub type RnnRegressor<F = f64> = NetworkRegressor<RnnValidParams, RnnState<F>>;

impl<F: Float> RnnRegressor<F> {
    /// A regressor with `n_outputs` outputs that has not trained yet, holding the given weights
    /// by name (see [`RnnClassifier::with_weights`](super::RnnClassifier::with_weights)).
    pub fn with_weights(
        params: RnnValidParams,
        n_features: usize,
        n_outputs: usize,
        tensors: &[(&str, Vec<usize>, &[F])],
    ) -> Result<Self> {
        let state = algorithm::state_with_tensors(&params, n_features, OutputHead::SquaredError, n_outputs, tensors)?;
        Ok(Self { params, state: Some(state) })
    }

    /// Predictions `(rows, n_outputs)`: one row per sequence, or per real step.
    pub fn predict(&self, x: &SequenceSet<F>) -> Result<Array2<F>> {
        self.state()?.outputs(x, NAME)
    }

    /// R² of the predictions, uniform over outputs, weighted when `sample_weight` (one per row
    /// of `y`) is given.
    pub fn score<D: Dimension>(
        &self,
        x: &SequenceSet<F>,
        y: ArrayView<'_, F, D>,
        sample_weight: Option<ArrayView1<'_, F>>,
    ) -> Result<f64> {
        let y = as_2d(y)?;
        check_length("y", y.nrows(), n_target_rows(x, self.params.output))?;
        check_width("y", y.ncols(), self.state()?.n_outputs())?;
        let sw = sample_weight.map(|sw| check_sample_weight(sw, y.nrows())).transpose()?;
        Ok(r2_score(y, self.predict(x)?.view(), sw.as_deref()))
    }
}

impl<'x, 'y, F: Float, D: Dimension> Regressor<&'x SequenceSet<F>, ArrayView<'y, F, D>> for RnnRegressor<F> {
    type Options<'o> = FitOptions<'o, F>;
    type Report = FitReport;

    /// Trains on `y: (rows,)` or `(rows, n_outputs)`, one row per sequence or per real step;
    /// `partial_fit` needs the sgd or adam solver.
    fn train(
        &mut self,
        x: &'x SequenceSet<F>,
        y: ArrayView<'y, F, D>,
        incremental: bool,
        options: FitOptions<'_, F>,
    ) -> Result<&FitReport> {
        let y = as_2d(y)?;
        check_length("y", y.nrows(), n_target_rows(x, self.params.output))?;
        if y.ncols() == 0 {
            return Err(NeuronaError::input("y", "has 0 outputs; it needs at least 1"));
        }
        check_finite("y", y)?;
        let sample_weight = options.checked_sample_weight(x.n_sequences())?;
        let data = SequenceData {
            x,
            y: targets_for_loop(y.to_owned(), x, self.params.output),
            sample_weight,
            head: OutputHead::SquaredError,
            scorer: Scorer::R2,
            stratify: false,
        };
        let state = algorithm::fit(&self.params, data, self.fit_call(incremental, options))?;
        Ok(&self.state.insert(state).training.report)
    }
}
