//! The perceptron: [`Perceptron`], scikit-learn's `sklearn.linear_model.Perceptron` in Rust.
//!
//! Rosenblatt's perceptron (F. Rosenblatt, "The perceptron: a probabilistic model for
//! information storage and organization in the brain", Psychological Review 65(6), 1958) is one
//! neuron: weighted inputs, a bias and a step activation, `ŷ = step(w·x + b)`, trained by the
//! perceptron rule: on a mistake, `w += eta0 · y · x` and `b += eta0 · y` (with `y = ±1`). With
//! more than two classes one perceptron per class learns that class against all the others
//! (one-vs-all), and the class with the highest score `w_k·x + b_k` wins.
//!
//! scikit-learn runs the rule as stochastic gradient descent on the loss `max(0, -y·p)` (its
//! `SGDClassifier` with `loss="perceptron"`, `learning_rate="constant"`), which adds three
//! things to the textbook rule, all reproduced here:
//!
//! * an update also on the boundary (`y·p = 0`, so the very first sample always updates);
//! * optional penalties: L2 (shrinking the weights before every update, through a lazily applied
//!   scale), L1 (the cumulative truncated gradient of Y. Tsuruoka, J. Tsujii and S. Ananiadou,
//!   "Stochastic gradient descent training for L1-regularized log-linear models with cumulative
//!   penalty", ACL 2009) and the elastic net;
//! * a stopping rule: after each epoch the mean loss plus penalty (or, with early stopping, the
//!   accuracy on a stratified validation split) must improve by `tol` within `n_iter_no_change`
//!   epochs.
//!
//! For the same `random_state` a fit gives scikit-learn 1.9.1's `coef_`, `intercept_`, `n_iter_`
//! and `t_`, on dense rows (an `ArrayView2`) and on sparse ones (a [`CsrMatrix`], on
//! scikit-learn's sparse path): the per-epoch shuffles come from scikit-learn's own xorshift generator
//! (`our_rand_r`), seeded from numpy's Mersenne Twister exactly as scikit-learn seeds each
//! one-vs-all problem, and the arithmetic is done in scikit-learn's order and precision.
//!
//! A fitted perceptron goes into neurona's model file ([`crate::persist`]) with
//! [`ModelFile::save`](crate::estimator::ModelFile::save) and comes back with
//! [`ModelFile::load`](crate::estimator::ModelFile::load): the reloaded model predicts, and
//! resumes training (`partial_fit`, `warm_start`), exactly as the original would.
//!
//! # Differences from scikit-learn
//!
//! Deliberate, and all outside the numbers of a successful fit:
//!
//! * Sparse rows ([`CsrMatrix`]) train on scikit-learn's sparse path, which is not a
//!   difference: the intercept's step is scaled by 0.01 and each update, L1 truncation and norm
//!   runs over the row's stored entries, in their stored order (see `rows.rs`). No `n_jobs`:
//!   the one-vs-all problems run one after the other, which gives the same numbers.
//!   `densify`/`sparsify` are the Python layer's (they only change how `coef_` is held).
//! * `random_state = None` seeds one generator from the operating system per call, shared by
//!   every draw of that call, as numpy's global generator would be; pass a stream in
//!   [`PerceptronFitOptions::random_state`] for scikit-learn's `RandomState`-instance behaviour.
//! * A weight that overflows gives [`NeuronaError::NonFiniteWeights`] (scikit-learn: a
//!   `ValueError` naming the epoch), and a failed call leaves the estimator as it was.
//! * `partial_fit` always rejects `early_stopping` and `ClassWeight::Balanced` (scikit-learn
//!   checks only on the first call); all-zero sample weights are rejected up front; per-class
//!   weights must be finite.
//! * [`Perceptron::decision_function`] always returns a 2-D array, with one column for a binary
//!   classifier (scikit-learn returns 1-D then). scikit-learn keeps a binary classifier's
//!   intercept as a float64 even for float32 data; it is kept so internally (training resumes
//!   exactly, see [`PerceptronState::intercept_f64`]) but returned and used in `F`.
//! * With `warm_start`, the stopping rule's first-epoch objective starts from norms summed
//!   sequentially where scikit-learn uses BLAS: the last bit may differ.
//! * `verbose` prints scikit-learn's per-epoch lines, not joblib's.

pub mod algorithm;
mod assign;
pub mod hyperparams;
mod model_file;
mod rows;
mod seq_rng;

use ndarray::{Array2, ArrayView1, ArrayView2};

use crate::data::labels::{Label, argmax, partial_fit_classes, unique_sorted};
#[cfg(doc)]
use crate::data::sparse::CsrMatrix;
use crate::data::sparse::Samples;
use crate::data::validate::{check_length, check_sample_weight};
use crate::error::{NeuronaError, Result};
use crate::estimator::IncrementalClassifier;
use crate::float::Float;
use crate::interrupt;
use crate::linalg::{MatRef, matmul};
use crate::metrics::accuracy;
use crate::rng::RandomState;

pub use algorithm::{PerceptronReport, PerceptronState};
pub use hyperparams::{ClassWeight, Penalty, PerceptronParams, PerceptronValidParams};

use algorithm::{Randomness, SgdSettings, TrainingData, expanded_class_weight, fit_one_vs_all};
use rows::{Rows, csr_scores};

const NAME: &str = "Perceptron";

/// Extra inputs of a fit: sample weights, initial coefficients, a caller-owned random stream.
#[derive(Debug, Default)]
pub struct PerceptronFitOptions<'a, F> {
    /// One weight per sample, multiplied with the class weights (scikit-learn's
    /// `sample_weight`).
    pub sample_weight: Option<ArrayView1<'a, F>>,
    /// Starting coefficients `(1 or n_classes, n_features)` for `fit` (scikit-learn's
    /// `coef_init`); they take precedence over `warm_start`.
    pub coef_init: Option<ArrayView2<'a, F>>,
    /// Starting intercepts, one per row of `coef_init` (scikit-learn's `intercept_init`).
    pub intercept_init: Option<ArrayView1<'a, F>>,
    /// Draw from this stream instead of streams seeded from `random_state` (how scikit-learn
    /// treats a `RandomState` instance: every draw of the call comes from it, and it advances).
    pub random_state: Option<&'a mut RandomState>,
}

/// Rosenblatt's perceptron, scikit-learn's `Perceptron`: binary, or multiclass by one-vs-all.
///
/// See the [module documentation](self) for the algorithm, the papers and the differences from
/// scikit-learn.
///
/// ```
/// use neurona::prelude::*;
///
/// let iris = neurona::datasets::iris();
/// let x = iris.standardized_features();
/// let mut clf = Perceptron::<f64, usize>::new(PerceptronParams::new().check()?);
/// let report = clf.fit(x.view(), &iris.target)?;
/// assert!(report.converged);
/// let state = clf.state()?;
/// assert_eq!(state.coef().dim(), (3, 4));
/// // t_ = 1 + n_iter_ * n_samples, as in scikit-learn.
/// assert_eq!(state.t(), 1.0 + (state.n_iter() * 150) as f64);
/// assert!(clf.score(x.view(), &iris.target)? > 0.9);
/// # Ok::<(), neurona::NeuronaError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Perceptron<F: Float = f64, L: Label = i64> {
    params: PerceptronValidParams<L>,
    state: Option<PerceptronState<F, L>>,
}

impl<F: Float, L: Label> Perceptron<F, L> {
    /// An unfitted perceptron with these hyperparameters.
    pub fn new(params: PerceptronValidParams<L>) -> Self {
        Self { params, state: None }
    }

    crate::estimators::fitted_accessors!(PerceptronValidParams<L>, PerceptronState<F, L>, NAME);

    /// `classes_`: the sorted class labels.
    pub fn classes(&self) -> Result<&[L]> {
        Ok(self.state()?.classes())
    }

    /// The same perceptron with every class label replaced by `relabel(label)` (e.g. by its
    /// index among the classes, or back), in the classes and in per-class weights, keeping the
    /// coefficients and the whole training state. The new classes must sort in the same order
    /// as the old ones, since the rows of `coef_` follow the classes' order; otherwise
    /// [`NeuronaError::InvalidInput`] for `classes`.
    pub fn map_labels<M: Label>(self, mut relabel: impl FnMut(&L) -> M) -> Result<Perceptron<F, M>> {
        let state = match self.state {
            Some(state) => {
                let classes: Vec<M> = state.classes.iter().map(&mut relabel).collect();
                if !classes.windows(2).all(|pair| pair[0] < pair[1]) {
                    return Err(NeuronaError::input(
                        "classes",
                        format!("must be relabelled in the same sorted order, got {classes:?}"),
                    ));
                }
                let PerceptronState { coef, intercept, n_iter, t, report, .. } = state;
                Some(PerceptronState { classes, coef, intercept, n_iter, t, report })
            }
            None => None,
        };
        let params = self.params.into_params().map_labels(relabel);
        // Checked again: two weights may now name the same class.
        Ok(Perceptron { params: params.check()?, state })
    }

    /// Trains on `x: (n_samples, n_features)`, dense (an `ArrayView2`) or sparse (a
    /// [`CsrMatrix`], trained as scikit-learn trains on a `csr_matrix`), and one label per
    /// sample, for up to `max_iter` epochs (scikit-learn's `fit`).
    pub fn fit<'x>(&mut self, x: impl Into<Samples<'x, F>>, y: &[L]) -> Result<&PerceptronReport> {
        self.fit_with(x, y, PerceptronFitOptions::default())
    }

    /// [`fit`](Self::fit) with sample weights, initial coefficients or a caller's random stream.
    pub fn fit_with<'x>(
        &mut self,
        x: impl Into<Samples<'x, F>>,
        y: &[L],
        options: PerceptronFitOptions<'_, F>,
    ) -> Result<&PerceptronReport> {
        let x = x.into();
        x.check(NAME)?;
        check_length("y", y.len(), x.nrows())?;
        let sample_weight = sample_weights(options.sample_weight, x.nrows())?;
        let classes = unique_sorted(y);
        check_n_classes(&classes)?;
        let class_weight = expanded_class_weight(&self.params.class_weight, &classes, y)?;
        let (n_features, n_rows) = (x.ncols(), coef_rows(classes.len()));

        let warm = self.state.as_ref().filter(|_| self.params.warm_start);
        let shape = (n_rows, n_features);
        let coef = match (options.coef_init, warm) {
            (Some(init), _) => {
                check_coef_shape("coef_init", init.dim(), shape)?;
                init.as_standard_layout().into_owned()
            }
            (None, Some(state)) => {
                check_coef_shape("coef_", state.coef.dim(), shape)?;
                state.coef.clone()
            }
            (None, None) => Array2::zeros(shape),
        };
        let intercept: Vec<f64> = match (options.intercept_init, warm) {
            (Some(init), _) => {
                check_intercept_len("intercept_init", init.len(), n_rows)?;
                init.iter().map(|b| b.as_f64()).collect()
            }
            // Allocated in the data's dtype, as scikit-learn's `intercept_init` is.
            (None, Some(state)) => {
                check_intercept_len("intercept_", state.intercept.len(), n_rows)?;
                state.intercept.iter().map(|&b| F::from_f64(b).as_f64()).collect()
            }
            (None, None) => vec![0.0; n_rows],
        };
        let state =
            self.train(x, y, classes, class_weight, sample_weight, coef, intercept, 1.0, false, options.random_state)?;
        Ok(&self.state.insert(state).report)
    }

    /// The scores `x · coef_ᵀ + intercept_`, `(n_samples, 1)` for a binary classifier (positive
    /// means `classes_[1]`), `(n_samples, n_classes)` otherwise. Sparse rows are scored over
    /// their stored entries, in `F`, as scipy's product does.
    pub fn decision_function<'x>(&self, x: impl Into<Samples<'x, F>>) -> Result<Array2<F>> {
        let state = self.state()?;
        let n_features = state.n_features_in();
        let x = x.into();
        if x.ncols() != n_features {
            return Err(NeuronaError::FeatureMismatch { estimator: NAME, expected: n_features, found: x.ncols() });
        }
        x.check(NAME)?;
        let x = match x {
            Samples::Dense(x) => x,
            Samples::Csr(x) => return Ok(csr_scores(x, &state.coef, &state.intercept)),
        };
        let rows = x.as_standard_layout();
        let n_rows = state.coef.nrows();
        let mut scores = Array2::zeros((x.nrows(), n_rows));
        matmul(
            scores.as_slice_mut().expect("freshly allocated"),
            MatRef::row_major(rows.as_slice().expect("standard layout"), x.nrows(), n_features),
            MatRef::row_major(state.coef.as_slice().expect("coef_ is kept row-major"), n_rows, n_features).t(),
            false,
        );
        for mut row in scores.rows_mut() {
            for (s, &b) in row.iter_mut().zip(&state.intercept) {
                *s += F::from_f64(b);
            }
        }
        Ok(scores)
    }

    /// Predicted labels: `classes_[1]` where the binary score is > 0 (ties go to `classes_[0]`),
    /// otherwise the class of the highest score (the first one on a tie).
    pub fn predict<'x>(&self, x: impl Into<Samples<'x, F>>) -> Result<Vec<L>> {
        let scores = self.decision_function(x)?;
        let classes = &self.state()?.classes;
        Ok(scores
            .rows()
            .into_iter()
            .map(|row| {
                let index = if row.len() == 1 { usize::from(row[0] > F::zero()) } else { argmax(row.iter().copied()) };
                classes[index].clone()
            })
            .collect())
    }

    /// Accuracy of [`predict`](Self::predict) against `y`.
    pub fn score<'x>(&self, x: impl Into<Samples<'x, F>>, y: &[L]) -> Result<f64> {
        let x = x.into();
        check_length("y", y.len(), x.nrows())?;
        Ok(accuracy::<L, F>(y, &self.predict(x)?, None))
    }

    /// Weighted accuracy.
    pub fn score_weighted<'x>(
        &self,
        x: impl Into<Samples<'x, F>>,
        y: &[L],
        sample_weight: ArrayView1<'_, F>,
    ) -> Result<f64> {
        let x = x.into();
        check_length("y", y.len(), x.nrows())?;
        let sw = check_sample_weight(sample_weight, x.nrows())?;
        Ok(accuracy(y, &self.predict(x)?, Some(&sw)))
    }

    /// Runs every one-vs-all problem from the given coefficients and builds the new state; the
    /// estimator is untouched until the caller stores it.
    #[allow(clippy::too_many_arguments)]
    fn train(
        &self,
        x: Samples<'_, F>,
        y: &[L],
        classes: Vec<L>,
        class_weight: Vec<f64>,
        sample_weight: Vec<F>,
        mut coef: Array2<F>,
        mut intercept: Vec<f64>,
        t: f64,
        incremental: bool,
        stream: Option<&mut RandomState>,
    ) -> Result<PerceptronState<F, L>> {
        let params = &self.params;
        let max_iter = if incremental { 1 } else { params.max_iter };
        let copied: Array2<F>;
        let rows = match x {
            Samples::Dense(view) => {
                // A row-major view is read in place; any other layout is copied once.
                let values = match view.to_slice() {
                    Some(values) => values,
                    None => {
                        copied = view.as_standard_layout().into_owned();
                        copied.as_slice().expect("standard layout")
                    }
                };
                Rows::Dense { x: values, n_features: view.ncols() }
            }
            Samples::Csr(csr) => Rows::Csr(csr),
        };
        let data =
            TrainingData { rows, y, classes: &classes, sample_weight: &sample_weight, class_weight: &class_weight };
        let settings = SgdSettings::new(params, max_iter);
        let mut own;
        let mut randomness = match (stream, params.random_state) {
            (Some(stream), _) => Randomness::Stream(stream),
            (None, Some(seed)) => Randomness::Seed(seed),
            (None, None) => {
                own = RandomState::from_entropy();
                Randomness::Stream(&mut own)
            }
        };
        let n_iter_per_problem =
            fit_one_vs_all(&mut coef, &mut intercept, &data, &settings, params.validation_fraction, &mut randomness)?;
        let n_iter = n_iter_per_problem.iter().copied().max().unwrap_or(0);
        let interrupted = interrupt::requested();
        let mut warnings = Vec::new();
        if !interrupted && !incremental && params.tol.is_some() && n_iter == params.max_iter {
            warnings.push(
                "Maximum number of iteration reached before convergence. Consider increasing max_iter to improve the \
                 fit."
                    .to_owned(),
            );
        }
        Ok(PerceptronState {
            classes,
            coef,
            intercept,
            n_iter,
            t: t + (n_iter * x.nrows()) as f64,
            report: PerceptronReport {
                converged: !interrupted && n_iter < max_iter,
                n_iter,
                n_iter_per_problem,
                warnings,
                interrupted,
            },
        })
    }
}

/// scikit-learn's `partial_fit` on dense rows (an `ArrayView2`) or sparse ones (a
/// [`CsrMatrix`], trained as scikit-learn trains on a `csr_matrix`).
impl<'x, F: Float, L: Label, X: Into<Samples<'x, F>>> IncrementalClassifier<X, L> for Perceptron<F, L> {
    type Options<'o> = PerceptronFitOptions<'o, F>;
    type Report = PerceptronReport;

    fn partial_fit_with(
        &mut self,
        x: X,
        y: &[L],
        classes: Option<&[L]>,
        options: PerceptronFitOptions<'_, F>,
    ) -> Result<&PerceptronReport> {
        let x = x.into();
        if options.coef_init.is_some() || options.intercept_init.is_some() {
            return Err(NeuronaError::input(
                "coef_init",
                "is accepted by fit only: partial_fit continues from the current coefficients",
            ));
        }
        if self.params.early_stopping {
            return Err(NeuronaError::parameter("early_stopping", "false with partial_fit", "true"));
        }
        if self.params.class_weight == ClassWeight::Balanced {
            return Err(NeuronaError::parameter(
                "class_weight",
                "not 'balanced' with partial_fit (compute the weights from a large enough sample of the targets \
             and pass them per class)",
                "'balanced'",
            ));
        }
        x.check(NAME)?;
        check_length("y", y.len(), x.nrows())?;
        let sample_weight = sample_weights(options.sample_weight, x.nrows())?;
        let classes = partial_fit_classes(self.state.as_ref().map(|state| state.classes.as_slice()), classes)?;
        let (classes, coef, intercept, t) = match &self.state {
            None => {
                check_n_classes(&classes)?;
                let n_rows = coef_rows(classes.len());
                (classes, Array2::zeros((n_rows, x.ncols())), vec![0.0; n_rows], 1.0)
            }
            Some(state) => {
                if x.ncols() != state.n_features_in() {
                    return Err(NeuronaError::FeatureMismatch {
                        estimator: NAME,
                        expected: state.n_features_in(),
                        found: x.ncols(),
                    });
                }
                (classes, state.coef.clone(), state.intercept.clone(), state.t)
            }
        };
        if let Some(unknown) = y.iter().find(|label| classes.binary_search(label).is_err()) {
            return Err(NeuronaError::input(
                "y",
                format!("has a label that is not among the classes {classes:?}: found {unknown:?}"),
            ));
        }
        let class_weight = expanded_class_weight(&self.params.class_weight, &classes, y)?;
        let state =
            self.train(x, y, classes, class_weight, sample_weight, coef, intercept, t, true, options.random_state)?;
        Ok(&self.state.insert(state).report)
    }
}

/// Rows of `coef_`: one for two classes, one per class otherwise.
fn coef_rows(n_classes: usize) -> usize {
    if n_classes == 2 { 1 } else { n_classes }
}

fn check_n_classes<L: Label>(classes: &[L]) -> Result<()> {
    if classes.len() < 2 {
        return Err(NeuronaError::input(
            "y",
            format!("has {} class ({:?}); the number of classes has to be greater than one", classes.len(), classes),
        ));
    }
    Ok(())
}

fn sample_weights<F: Float>(given: Option<ArrayView1<'_, F>>, n_samples: usize) -> Result<Vec<F>> {
    match given {
        Some(weights) => check_sample_weight(weights, n_samples),
        None => Ok(vec![F::one(); n_samples]),
    }
}

/// The starting coefficients must have the shape the data need.
fn check_coef_shape(input: &'static str, found: (usize, usize), expected: (usize, usize)) -> Result<()> {
    if found == expected {
        return Ok(());
    }
    Err(NeuronaError::input(
        input,
        format!(
            "has shape {found:?}, but the data need {expected:?} (one row for two classes, one per class otherwise, \
             by the number of features)"
        ),
    ))
}

fn check_intercept_len(input: &'static str, found: usize, expected: usize) -> Result<()> {
    if found == expected {
        return Ok(());
    }
    Err(NeuronaError::input(input, format!("has {found} values, but the data need {expected} (one per row of coef_)")))
}
