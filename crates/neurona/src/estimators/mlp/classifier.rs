//! `MlpClassifier`: binary, multiclass and multi-label classification.

use ndarray::{Array2, ArrayView1, ArrayView2, Axis, CowArray, Ix2};

use crate::data::labels::{ClassTargets, Label, LabelBinarizer, unique_sorted};
use crate::data::validate::{check_features, check_length, check_sample_weight, check_width};
use crate::error::{NeuronaError, Result};
use crate::estimator::{IncrementalClassifier, MultilabelClassifier};
use crate::estimators::mlp::algorithm::{self, FitOptions, FitReport, MlpState, TrainingData, targets_2d};
use crate::estimators::mlp::hyperparams::{MlpValidParams, Solver};
use crate::estimators::network::NetworkClassifier;
use crate::float::Float;
use crate::loss::OutputHead;
use crate::metrics::{accuracy, weighted_fraction};

const NAME: &str = "MLPClassifier";

/// A multilayer-perceptron classifier, scikit-learn's `MLPClassifier`.
///
/// Two classes train one logistic output, three or more a softmax output, and a multi-label
/// indicator matrix one logistic output per label (one-vs-all). The same `random_state` gives
/// scikit-learn's initial weights, shuffles and validation split.
///
/// ```
/// use neurona::prelude::*;
///
/// let iris = neurona::datasets::iris();
/// let x = iris.standardized_features();
/// let params = MlpParams::new().hidden_layer_sizes([10]).solver(Solver::Lbfgs).random_state(0).check()?;
/// let mut clf = MlpClassifier::<f64, usize>::new(params);
/// clf.fit(x.view(), &iris.target)?;
/// assert!(clf.score(x.view(), &iris.target)? > 0.95);
/// # Ok::<(), neurona::NeuronaError>(())
/// ```
pub type MlpClassifier<F = f64, L = i64> = NetworkClassifier<MlpValidParams, MlpState<F>, L>;

impl<F: Float, L: Label> MlpClassifier<F, L> {
    /// `classes_`: the sorted class labels (empty for a multi-label classifier, whose labels
    /// are the indicator columns `0..n_labels`).
    pub fn classes(&self) -> Result<&[L]> {
        match self.fitted_targets()? {
            ClassTargets::Labels(binarizer) => Ok(binarizer.classes()),
            ClassTargets::Multilabel(_) => Ok(&[]),
        }
    }

    /// Whether the classifier was fitted on a multi-label indicator matrix.
    pub fn is_multilabel(&self) -> bool {
        matches!(self.targets, Some(ClassTargets::Multilabel(_)))
    }

    /// How the last `fit` or `partial_fit` ended.
    pub fn report(&self) -> Result<&FitReport> {
        Ok(self.state()?.report())
    }

    /// Trains on `x: (n_samples, n_features)` and one label per sample.
    pub fn fit(&mut self, x: ArrayView2<'_, F>, y: &[L]) -> Result<&FitReport> {
        self.fit_with(x, y, FitOptions::default())
    }

    /// [`fit`](Self::fit) with sample weights, a caller's random stream or an epoch callback.
    pub fn fit_with(&mut self, x: ArrayView2<'_, F>, y: &[L], options: FitOptions<'_, F>) -> Result<&FitReport> {
        check_features(x, NAME)?;
        check_length("y", y.len(), x.nrows())?;
        let classes = unique_sorted(y);
        let binarizer = match (&self.targets, self.params.training.warm_start && self.state.is_some()) {
            (Some(ClassTargets::Labels(previous)), true) => {
                if previous.classes() != classes.as_slice() {
                    return Err(NeuronaError::input(
                        "y",
                        format!(
                            "must have the same classes as in the previous call to fit when warm_start is true: previously got {:?}, y has {:?}",
                            previous.classes(),
                            classes
                        ),
                    ));
                }
                previous.clone()
            }
            (Some(ClassTargets::Multilabel(_)), true) => {
                return Err(NeuronaError::input(
                    "y",
                    "must be a multi-label indicator matrix to continue a multi-label fit (warm_start)",
                ));
            }
            _ => {
                if classes.len() < 2 {
                    return Err(NeuronaError::input(
                        "y",
                        format!("has a single class ({:?}); a classifier needs at least 2", classes[0]),
                    ));
                }
                LabelBinarizer::new(&classes)
            }
        };
        let y_encoded = targets_2d(binarizer.transform::<F>(y)?, y.len());
        self.train(x, y_encoded, ClassTargets::Labels(binarizer), false, options)
    }

    /// Predicted labels, one per row of `x`.
    pub fn predict(&self, x: ArrayView2<'_, F>) -> Result<Vec<L>> {
        self.labels_from_outputs(self.outputs(x)?.view())
    }

    /// Predicted indicator matrix `(n_samples, n_labels)` of a multi-label classifier (an output
    /// above 0.5 sets the label).
    pub fn predict_multilabel(&self, x: ArrayView2<'_, F>) -> Result<Array2<bool>> {
        self.indicators_from_outputs(self.outputs(x)?.view())
    }

    /// Class probabilities `(n_samples, n_classes)` (for a multi-label classifier, one
    /// independent probability per label). A binary classifier gives `[1 - p, p]`.
    pub fn predict_proba(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        Ok(self.proba(self.outputs(x)?.into()))
    }

    /// [`predict`](Self::predict) from the network outputs `(n_samples, n_outputs)` of the rows,
    /// as [`MlpState::predict_into`] writes them: for a caller that computes the outputs with
    /// buffers of its own (the Python binding's small predictions), so that the decoding rule
    /// lives here alone.
    ///
    /// ```
    /// use ndarray::{Array2, s};
    /// use neurona::network::PredictScratch;
    /// use neurona::prelude::*;
    ///
    /// let iris = neurona::datasets::iris();
    /// let x = iris.standardized_features();
    /// let params = MlpParams::new().hidden_layer_sizes([8]).solver(Solver::Lbfgs).random_state(0).check()?;
    /// let mut clf = MlpClassifier::<f64, usize>::new(params);
    /// clf.fit(x.view(), &iris.target)?;
    /// let rows = x.slice(s![45..55, ..]);
    /// let mut outputs = Array2::zeros((10, 3));
    /// clf.state()?.predict_into(rows, outputs.view_mut(), &mut PredictScratch::new())?;
    /// assert_eq!(clf.labels_from_outputs(outputs.view())?, clf.predict(rows)?);
    /// assert_eq!(clf.proba_from_outputs(outputs.view())?, clf.predict_proba(rows)?);
    /// // Outputs of another width are an error, not a panic.
    /// let error = clf.labels_from_outputs(outputs.slice(s![.., ..2])).unwrap_err();
    /// assert!(error.to_string().contains("has 2 columns, but the model predicts 3"), "{error}");
    /// # Ok::<(), neurona::NeuronaError>(())
    /// ```
    pub fn labels_from_outputs(&self, outputs: ArrayView2<'_, F>) -> Result<Vec<L>> {
        self.check_outputs(outputs)?;
        self.fitted_targets()?.labels(outputs)
    }

    /// [`predict_multilabel`](Self::predict_multilabel) from the network outputs (see
    /// [`labels_from_outputs`](Self::labels_from_outputs)).
    pub fn indicators_from_outputs(&self, outputs: ArrayView2<'_, F>) -> Result<Array2<bool>> {
        self.check_outputs(outputs)?;
        self.fitted_targets()?.indicators(outputs)
    }

    /// [`predict_proba`](Self::predict_proba) from the network outputs (see
    /// [`labels_from_outputs`](Self::labels_from_outputs)).
    pub fn proba_from_outputs(&self, outputs: ArrayView2<'_, F>) -> Result<Array2<F>> {
        self.check_outputs(outputs)?;
        Ok(self.proba(outputs.into()))
    }

    /// The probabilities from network outputs (moved, not copied, where they are the answer).
    fn proba(&self, outputs: CowArray<'_, F, Ix2>) -> Array2<F> {
        match &self.targets {
            Some(targets) => targets.proba(outputs),
            None => outputs.into_owned(),
        }
    }

    /// Natural logarithm of [`predict_proba`](Self::predict_proba).
    pub fn predict_log_proba(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        Ok(self.predict_proba(x)?.mapv(|p| p.ln()))
    }

    /// Accuracy of [`predict`](Self::predict) against `y`.
    pub fn score(&self, x: ArrayView2<'_, F>, y: &[L]) -> Result<f64> {
        check_length("y", y.len(), x.nrows())?;
        Ok(accuracy::<L, F>(y, &self.predict(x)?, None))
    }

    /// Weighted accuracy.
    pub fn score_weighted(
        &self,
        x: ArrayView2<'_, F>,
        y: &[L],
        sample_weight: ndarray::ArrayView1<'_, F>,
    ) -> Result<f64> {
        check_length("y", y.len(), x.nrows())?;
        let sw = check_sample_weight(sample_weight, x.nrows())?;
        Ok(accuracy(y, &self.predict(x)?, Some(&sw)))
    }

    /// Subset accuracy of a multi-label classifier.
    pub fn score_multilabel(&self, x: ArrayView2<'_, F>, y: ArrayView2<'_, bool>) -> Result<f64> {
        check_length("y", y.nrows(), x.nrows())?;
        let predicted = self.predict_multilabel(x)?;
        let rows = predicted.axis_iter(Axis(0)).zip(y.axis_iter(Axis(0)));
        Ok(weighted_fraction::<F>(rows.map(|(p, t)| p == t), None))
    }

    /// A classifier for `classes` that has not trained yet, holding the given weights instead
    /// of drawn ones: `partial_fit` and a warm-start `fit` continue from them (scikit-learn
    /// lets `coefs_` and `intercepts_` be assigned before those calls).
    pub fn with_weights(
        params: MlpValidParams,
        classes: &[L],
        coefs: &[ArrayView2<'_, F>],
        intercepts: &[ArrayView1<'_, F>],
    ) -> Result<Self> {
        let binarizer = LabelBinarizer::new(classes);
        let head = OutputHead::for_classes(binarizer.kind());
        let state = algorithm::state_from_weights(&params, head, binarizer.n_outputs(), coefs, intercepts)?;
        Ok(Self { params, state: Some(state), targets: Some(ClassTargets::Labels(binarizer)) })
    }

    /// Replaces the weights of a fitted classifier (same shapes, finite values).
    pub fn set_weights(&mut self, coefs: &[ArrayView2<'_, F>], intercepts: &[ArrayView1<'_, F>]) -> Result<()> {
        self.state.as_mut().ok_or(NeuronaError::NotFitted { estimator: NAME })?.set_weights(coefs, intercepts)
    }

    /// The same classifier with every class label replaced by `relabel(label)` (e.g. by its
    /// index among the classes, or back), keeping the weights and the whole training state;
    /// the new labels keep the old ones' order ([`ClassTargets::relabel`]).
    pub fn map_labels<M: Label>(self, relabel: impl FnMut(&L) -> M) -> Result<MlpClassifier<F, M>> {
        let targets = self.targets.map(|targets| targets.relabel(relabel)).transpose()?;
        Ok(MlpClassifier { params: self.params, state: self.state, targets })
    }

    fn check_partial_fit_solver(&self) -> Result<()> {
        if self.params.training.solver == Solver::Lbfgs {
            return Err(NeuronaError::parameter("solver", "'sgd' or 'adam' for partial_fit", "'lbfgs'"));
        }
        Ok(())
    }

    pub(super) fn fitted_targets(&self) -> Result<&ClassTargets<L>> {
        self.targets.as_ref().ok_or(NeuronaError::NotFitted { estimator: NAME })
    }

    fn outputs(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        self.state()?.outputs(x, NAME)
    }

    fn check_outputs(&self, outputs: ArrayView2<'_, F>) -> Result<()> {
        check_width("outputs", outputs.ncols(), self.state()?.n_outputs())
    }

    fn train(
        &mut self,
        x: ArrayView2<'_, F>,
        y: Array2<F>,
        targets: ClassTargets<L>,
        incremental: bool,
        options: FitOptions<'_, F>,
    ) -> Result<&FitReport> {
        let data = TrainingData::classification(x, y, options.checked_sample_weight(x.nrows())?, targets.kind());
        let state = algorithm::fit(&self.params, data, self.fit_call(incremental, options))?;
        self.targets = Some(targets);
        Ok(&self.state.insert(state).report)
    }
}

impl<'x, F: Float, L: Label> IncrementalClassifier<ArrayView2<'x, F>, L> for MlpClassifier<F, L> {
    type Options<'o> = FitOptions<'o, F>;
    type Report = FitReport;

    fn partial_fit_with(
        &mut self,
        x: ArrayView2<'x, F>,
        y: &[L],
        classes: Option<&[L]>,
        options: FitOptions<'_, F>,
    ) -> Result<&FitReport> {
        self.check_partial_fit_solver()?;
        check_features(x, NAME)?;
        check_length("y", y.len(), x.nrows())?;
        let fitted = self.targets.as_ref().filter(|_| self.state.is_some());
        let binarizer = ClassTargets::for_partial_fit(fitted, classes)?;
        let seen = unique_sorted(y);
        if self.params.training.warm_start && self.state.is_some() && seen != binarizer.classes() {
            return Err(NeuronaError::input(
                "y",
                format!(
                    "must contain every class when warm_start is true: classes are {:?}, y has {:?}",
                    binarizer.classes(),
                    seen
                ),
            ));
        }
        let y_encoded = targets_2d(binarizer.transform::<F>(y)?, y.len());
        self.train(x, y_encoded, ClassTargets::Labels(binarizer), true, options)
    }
}

impl<'x, F: Float, L: Label> MultilabelClassifier<ArrayView2<'x, F>> for MlpClassifier<F, L> {
    type Options<'o> = FitOptions<'o, F>;
    type Report = FitReport;

    /// `y: (n_samples, n_labels)`; `partial_fit_multilabel` needs the sgd or adam solver, as
    /// [`partial_fit`](IncrementalClassifier::partial_fit) does.
    fn train_multilabel(
        &mut self,
        x: ArrayView2<'x, F>,
        y: ArrayView2<'_, bool>,
        incremental: bool,
        options: FitOptions<'_, F>,
    ) -> Result<&FitReport> {
        if incremental {
            self.check_partial_fit_solver()?;
        }
        check_features(x, NAME)?;
        let continuing = incremental || self.params.training.warm_start;
        let fitted = self.targets.as_ref().filter(|_| continuing && self.state.is_some());
        let (y, targets) = ClassTargets::multilabel(y, x.nrows(), fitted)?;
        self.train(x, y, targets, incremental, options)
    }
}
