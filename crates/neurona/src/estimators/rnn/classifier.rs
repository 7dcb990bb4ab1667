//! `RnnClassifier`: binary, multiclass and multi-label classification of sequences (one label
//! per sequence) or of their steps (one label per step, for tagging).

use ndarray::{Array2, ArrayView1, ArrayView2};

use crate::data::labels::{ClassTargets, Label, LabelBinarizer, unique_sorted};
use crate::data::sequences::SequenceSet;
use crate::data::validate::{check_length, check_sample_weight};
use crate::error::{NeuronaError, Result};
use crate::estimator::{IncrementalClassifier, MultilabelClassifier};
use crate::estimators::mlp::algorithm::targets_2d;
use crate::estimators::network::NetworkClassifier;
use crate::estimators::rnn::algorithm::{self, RnnState, SequenceData, n_target_rows, targets_for_loop};
use crate::estimators::rnn::hyperparams::RnnValidParams;
use crate::float::Float;
use crate::loss::OutputHead;
use crate::metrics::accuracy;
use crate::train::{FitOptions, FitReport};

pub(super) const NAME: &str = "RNNClassifier";

/// A recurrent classifier: Elman, LSTM or GRU layers with PyTorch's maths, a dense head and
/// scikit-learn's output layer and loss, trained by back-propagation through time.
///
/// `y` holds one label per sequence, or, with `output = step`, one per real step (sequence by
/// sequence, step by step: the rows of a long table). Sequences may differ in length; each is
/// read to its own last step, and padding enters nothing.
///
/// ```
/// use ndarray::Array2;
/// use neurona::prelude::*;
///
/// // Label: whether a sequence's first value is positive.
/// let seqs: Vec<Array2<f64>> = (0..40).map(|i| {
///     let first = if i % 2 == 0 { 1.0 } else { -1.0 };
///     Array2::from_shape_fn((3 + i % 4, 1), |(t, _)| if t == 0 { first } else { 0.1 * t as f64 })
/// }).collect();
/// let y: Vec<i64> = (0..40).map(|i| (i % 2 == 0) as i64).collect();
/// let x = SequenceSet::from_sequences(&seqs)?;
/// let params = RnnParams::new().cell(Cell::Gru).hidden_size(4).solver(Solver::Lbfgs).random_state(0).check()?;
/// let mut clf = RnnClassifier::<f64, i64>::new(params);
/// clf.fit(&x, &y)?;
/// assert!(clf.score(&x, &y)? > 0.95);
/// # Ok::<(), neurona::NeuronaError>(())
/// ```
pub type RnnClassifier<F = f64, L = i64> = NetworkClassifier<RnnValidParams, RnnState<F>, L>;

impl<F: Float, L: Label> RnnClassifier<F, L> {
    /// A classifier for `classes` that has not trained yet, holding the given weights by name
    /// (PyTorch's names and shapes for the recurrent layers, `coefs_{l}` / `intercepts_{l}` for
    /// the head) for sequences of `n_features` features: `partial_fit` and a warm-start `fit`
    /// continue from them.
    pub fn with_weights(
        params: RnnValidParams,
        classes: &[L],
        n_features: usize,
        tensors: &[(&str, Vec<usize>, &[F])],
    ) -> Result<Self> {
        let binarizer = LabelBinarizer::new(classes);
        let head = OutputHead::for_classes(binarizer.kind());
        let state = algorithm::state_with_tensors(&params, n_features, head, binarizer.n_outputs(), tensors)?;
        Ok(Self { params, state: Some(state), targets: Some(ClassTargets::Labels(binarizer)) })
    }

    /// The sorted classes (`classes_`); empty for a multi-label classifier.
    pub fn classes(&self) -> Result<&[L]> {
        match self.fitted_targets()? {
            ClassTargets::Labels(binarizer) => Ok(binarizer.classes()),
            ClassTargets::Multilabel(_) => Ok(&[]),
        }
    }

    /// Trains from scratch (or, with `warm_start`, from the current weights) on `x`, `y`.
    pub fn fit(&mut self, x: &SequenceSet<F>, y: &[L]) -> Result<&FitReport> {
        self.fit_with(x, y, FitOptions::default())
    }

    /// [`fit`](Self::fit) with sample weights (one per sequence), a random stream or a callback.
    pub fn fit_with(&mut self, x: &SequenceSet<F>, y: &[L], options: FitOptions<'_, F>) -> Result<&FitReport> {
        check_length("y", y.len(), n_target_rows(x, self.params.output))?;
        let binarizer = match (&self.targets, &self.state) {
            (Some(ClassTargets::Labels(previous)), Some(_)) if self.params.training.warm_start => {
                if unique_sorted(y) != previous.classes() {
                    return Err(NeuronaError::input(
                        "y",
                        format!(
                            "must contain every class when warm_start is true: classes are {:?}",
                            previous.classes()
                        ),
                    ));
                }
                previous.clone()
            }
            _ => LabelBinarizer::new(&unique_sorted(y)),
        };
        if binarizer.classes().len() < 2 {
            return Err(NeuronaError::input(
                "y",
                format!("has {} class(es), but a classifier needs at least 2", binarizer.classes().len()),
            ));
        }
        let encoded = targets_2d(binarizer.transform::<F>(y)?, y.len());
        self.train(x, encoded, ClassTargets::Labels(binarizer), false, options)
    }

    /// Predicted labels: one per sequence, or one per real step.
    pub fn predict(&self, x: &SequenceSet<F>) -> Result<Vec<L>> {
        self.fitted_targets()?.labels(self.state()?.outputs(x, NAME)?.view())
    }

    /// The predicted indicator matrix of a multi-label classifier.
    pub fn predict_multilabel(&self, x: &SequenceSet<F>) -> Result<Array2<bool>> {
        self.fitted_targets()?.indicators(self.state()?.outputs(x, NAME)?.view())
    }

    /// Class probabilities `(rows, n_classes)`; a binary classifier gives `[1 - p, p]`.
    pub fn predict_proba(&self, x: &SequenceSet<F>) -> Result<Array2<F>> {
        Ok(self.fitted_targets()?.proba(self.state()?.outputs(x, NAME)?.into()))
    }

    /// Accuracy of [`predict`](Self::predict) against `y`, weighted when `sample_weight` (one
    /// per row of `y`) is given.
    pub fn score(&self, x: &SequenceSet<F>, y: &[L]) -> Result<f64> {
        self.score_weighted(x, y, None)
    }

    /// [`score`](Self::score) with one weight per row of `y`.
    pub fn score_weighted(&self, x: &SequenceSet<F>, y: &[L], sample_weight: Option<ArrayView1<'_, F>>) -> Result<f64> {
        check_length("y", y.len(), n_target_rows(x, self.params.output))?;
        let sw = sample_weight.map(|sw| check_sample_weight(sw, y.len())).transpose()?;
        Ok(accuracy(y, &self.predict(x)?, sw.as_deref()))
    }

    /// The same classifier with every class label replaced by `relabel(label)` (e.g. by its
    /// index among the classes, or back), keeping the weights and the whole training state;
    /// the new labels keep the old ones' order ([`ClassTargets::relabel`]).
    pub fn map_labels<M: Label>(self, relabel: impl FnMut(&L) -> M) -> Result<RnnClassifier<F, M>> {
        let targets = self.targets.map(|targets| targets.relabel(relabel)).transpose()?;
        Ok(RnnClassifier { params: self.params, state: self.state, targets })
    }

    pub(super) fn fitted_targets(&self) -> Result<&ClassTargets<L>> {
        self.targets.as_ref().ok_or(NeuronaError::NotFitted { estimator: NAME })
    }

    fn train(
        &mut self,
        x: &SequenceSet<F>,
        y: Array2<F>,
        targets: ClassTargets<L>,
        incremental: bool,
        options: FitOptions<'_, F>,
    ) -> Result<&FitReport> {
        let y = targets_for_loop(y, x, self.params.output);
        let data = SequenceData::classification(x, y, options.checked_sample_weight(x.n_sequences())?, targets.kind());
        let state = algorithm::fit(&self.params, data, self.fit_call(incremental, options))?;
        self.targets = Some(targets);
        Ok(&self.state.insert(state).training.report)
    }
}

impl<'x, F: Float, L: Label> IncrementalClassifier<&'x SequenceSet<F>, L> for RnnClassifier<F, L> {
    type Options<'o> = FitOptions<'o, F>;
    type Report = FitReport;

    /// One epoch over `x`, `y` (sgd and adam only); `classes` is required on the first call.
    fn partial_fit_with(
        &mut self,
        x: &'x SequenceSet<F>,
        y: &[L],
        classes: Option<&[L]>,
        options: FitOptions<'_, F>,
    ) -> Result<&FitReport> {
        check_length("y", y.len(), n_target_rows(x, self.params.output))?;
        let fitted = self.targets.as_ref().filter(|_| self.state.is_some());
        let binarizer = ClassTargets::for_partial_fit(fitted, classes)?;
        let encoded = targets_2d(binarizer.transform::<F>(y)?, y.len());
        self.train(x, encoded, ClassTargets::Labels(binarizer), true, options)
    }
}

impl<'x, F: Float, L: Label> MultilabelClassifier<&'x SequenceSet<F>> for RnnClassifier<F, L> {
    type Options<'o> = FitOptions<'o, F>;
    type Report = FitReport;

    /// `y: (rows, n_labels)`, one row per sequence or per real step; `partial_fit_multilabel`
    /// needs the sgd or adam solver.
    fn train_multilabel(
        &mut self,
        x: &'x SequenceSet<F>,
        y: ArrayView2<'_, bool>,
        incremental: bool,
        options: FitOptions<'_, F>,
    ) -> Result<&FitReport> {
        let continuing = incremental || self.params.training.warm_start;
        let fitted = self.targets.as_ref().filter(|_| continuing && self.state.is_some());
        let (y, targets) = ClassTargets::multilabel(y, n_target_rows(x, self.params.output), fitted)?;
        self.train(x, y, targets, incremental, options)
    }
}
