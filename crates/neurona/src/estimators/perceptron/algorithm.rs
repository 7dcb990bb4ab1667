//! The perceptron's training, as scikit-learn runs it: `sklearn.linear_model._stochastic_gradient`
//! (one-vs-all, seeds, class weights, the validation split) around the Cython `_plain_sgd` with
//! the loss `Hinge(threshold=0)`, the constant learning rate `eta0` and the weight-scaling trick.
//!
//! Everything here is sequential and in scikit-learn's order of operations, including its mix of
//! `F` and `f64` arithmetic (the weights are `F`, the prediction, the loss, the update and the
//! intercept are `f64`), so that a fit reproduces scikit-learn's coefficients bit for bit.

use crate::clock::Stopwatch;

use crate::data::labels::Label;
use crate::data::split::stratified_split_indices;
use crate::error::{NeuronaError, Result};
use crate::estimators::perceptron::hyperparams::{ClassWeight, Penalty, PerceptronParams};
use crate::estimators::perceptron::rows::{Row, Rows};
use crate::estimators::perceptron::seq_rng::shuffle_with_seed;
use crate::float::Float;
use crate::interrupt;
use crate::metrics::weighted_fraction;
use crate::rng::RandomState;
use crate::train::NoImprovement;

/// numpy's `np.iinfo(np.int32).max`, the bound of scikit-learn's seed draws.
const MAX_INT: u64 = i32::MAX as u64;

/// scikit-learn clips the loss derivative to this magnitude.
const MAX_DLOSS: f64 = 1e12;

/// An epoch asks whether the caller interrupted it every this many rows: often enough for an
/// answer within a fraction of a second on the widest rows, rarely enough to cost nothing.
const INTERRUPT_ROWS: usize = 1024;

/// `rs.randint(MAX_INT)`: the shuffle seed of one binary problem (and the per-class seeds).
fn draw_seed(rng: &mut RandomState) -> u32 {
    // Below 2^31 - 1, so it fits in a u32.
    rng.random_interval(MAX_INT - 1) as u32
}

/// `rs.randint(1, MAX_INT)`, drawn by scikit-learn's `make_dataset` for the data set's own
/// sampling seed. The perceptron never samples with it, but the draw moves the stream on.
fn skip_dataset_seed(rng: &mut RandomState) {
    rng.random_interval(MAX_INT - 2);
}

/// Where the random draws come from: scikit-learn's `check_random_state(random_state)` gives a
/// fresh generator for an int each time it is called, and the same shared stream otherwise.
pub(crate) enum Randomness<'a> {
    /// `random_state` is an int: every `check_random_state` starts a new stream from it.
    Seed(u32),
    /// A caller's stream (a `RandomState` instance, or numpy's global one for `None`).
    Stream(&'a mut RandomState),
}

impl Randomness<'_> {
    fn with<R>(&mut self, f: impl FnOnce(&mut RandomState) -> R) -> R {
        match self {
            Self::Seed(seed) => f(&mut RandomState::new(*seed)),
            Self::Stream(rng) => f(rng),
        }
    }
}

/// How the last call to `fit` or `partial_fit` ended. A fit that ran out of epochs is not an
/// error: scikit-learn warns, and its warning is here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PerceptronReport {
    /// Whether the stopping rule ended every one-vs-all problem before `max_iter` epochs.
    pub converged: bool,
    /// `n_iter_` of this call: the most epochs run by any one-vs-all problem.
    pub n_iter: usize,
    /// Epochs run by each binary problem: one entry for a binary classifier, one per class
    /// otherwise.
    pub n_iter_per_problem: Vec<usize>,
    /// scikit-learn's warnings for this call (its `ConvergenceWarning`, issued by `fit` when
    /// `tol` is set and `n_iter_ == max_iter`).
    pub warnings: Vec<String>,
    /// Whether the caller interrupted the call ([`crate::interrupt`]): the coefficients are
    /// those trained so far (the one-vs-all problems after the interrupted one untrained).
    pub interrupted: bool,
}

/// What a fit learned: scikit-learn's fitted attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct PerceptronState<F, L> {
    pub(crate) classes: Vec<L>,
    /// `(1, n_features)` for two classes, `(n_classes, n_features)` otherwise, row-major.
    pub(crate) coef: ndarray::Array2<F>,
    /// Kept in `f64`: scikit-learn stores a binary problem's intercept as a Python float.
    pub(crate) intercept: Vec<f64>,
    pub(crate) n_iter: usize,
    pub(crate) t: f64,
    pub(crate) report: PerceptronReport,
}

impl<F: Float, L: Label> PerceptronState<F, L> {
    /// `classes_`: the sorted class labels.
    pub fn classes(&self) -> &[L] {
        &self.classes
    }

    /// `coef_`: `(1, n_features)` for a binary classifier (the weights of `classes_[1]`),
    /// `(n_classes, n_features)` otherwise.
    pub fn coef(&self) -> ndarray::ArrayView2<'_, F> {
        self.coef.view()
    }

    /// `intercept_`: one bias per row of `coef_`.
    pub fn intercept(&self) -> ndarray::Array1<F> {
        self.intercept.iter().map(|&b| F::from_f64(b)).collect()
    }

    /// The intercepts exactly as scikit-learn keeps them: a binary classifier's is a float64
    /// even when the coefficients are float32.
    pub fn intercept_f64(&self) -> &[f64] {
        &self.intercept
    }

    /// `n_iter_`: epochs run by the last call (the most over the one-vs-all problems).
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// `t_`: `1 + ` the number of samples seen (`n_iter_ * n_samples` per call, validation rows
    /// included), a float as in scikit-learn.
    pub fn t(&self) -> f64 {
        self.t
    }

    /// `n_features_in_`.
    pub fn n_features_in(&self) -> usize {
        self.coef.ncols()
    }

    /// How the last call ended.
    pub fn report(&self) -> &PerceptronReport {
        &self.report
    }
}

/// The settings of `_plain_sgd` that do not change between one-vs-all problems.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SgdSettings {
    pub penalty: Penalty,
    pub alpha: f64,
    pub l1_ratio: f64,
    pub fit_intercept: bool,
    pub max_iter: usize,
    pub tol: Option<f64>,
    pub n_iter_no_change: usize,
    pub shuffle: bool,
    pub eta0: f64,
    pub verbose: bool,
    pub early_stopping: bool,
}

impl SgdSettings {
    pub(crate) fn new<L>(params: &PerceptronParams<L>, max_iter: usize) -> Self {
        Self {
            penalty: params.penalty,
            alpha: params.alpha,
            l1_ratio: params.l1_ratio,
            fit_intercept: params.fit_intercept,
            max_iter,
            tol: params.tol,
            n_iter_no_change: params.n_iter_no_change,
            shuffle: params.shuffle,
            eta0: params.eta0,
            verbose: params.verbose,
            early_stopping: params.early_stopping,
        }
    }
}

/// The held-out rows of early stopping.
#[derive(Debug, Clone)]
pub(crate) struct ValidationSet<F> {
    /// One entry per sample: true for a validation row.
    pub mask: Vec<bool>,
    /// The validation rows in increasing order (`X[validation_mask]`).
    pub rows: Vec<usize>,
    /// Their sample weights.
    pub weights: Vec<F>,
}

/// The training data after validation, shared by every one-vs-all problem.
pub(crate) struct TrainingData<'a, F, L> {
    /// The samples, dense or sparse.
    pub rows: Rows<'a, F>,
    pub y: &'a [L],
    /// Sorted classes; `y` holds only these.
    pub classes: &'a [L],
    pub sample_weight: &'a [F],
    /// One weight per class (scikit-learn's `_expanded_class_weight`).
    pub class_weight: &'a [f64],
}

/// A dense weight vector `wscale * w`, scikit-learn's `WeightVector`: scaling the vector is one
/// multiplication of `wscale`, which makes the L2 shrinking before every update O(1).
///
/// The types are scikit-learn's: the weights are `F`, while `wscale` and the two norms are
/// `f64` fields that [`add`](Self::add) reads back rounded to `F`. `sq_norm` and `l1_norm` are
/// maintained as scikit-learn maintains them: recomputed by `add`, rescaled by
/// [`scale`](Self::scale), and left stale by the L1 truncation. They enter only the objective of
/// the stopping rule, where the staleness is reproduced.
struct WeightVector<'a, F> {
    w: &'a mut [F],
    wscale: f64,
    sq_norm: f64,
    l1_norm: f64,
}

impl<'a, F: Float> WeightVector<'a, F> {
    fn new(w: &'a mut [F]) -> Self {
        // scikit-learn computes these two with BLAS (`sdot`/`ddot`, `sasum`/`dasum`); they differ
        // from the sequential sums only in the last bits, and only for non-zero initial weights.
        let sq_norm = F::from_f64(w.iter().map(|&v| (v * v).as_f64()).sum()).as_f64();
        let l1_norm = F::from_f64(w.iter().map(|&v| v.abs().as_f64()).sum()).as_f64();
        Self { w, wscale: 1.0, sq_norm, l1_norm }
    }

    /// Below this scale the weights are multiplied out (`WeightVector`'s
    /// `reset_wscale_threshold`): 1e-9 for float64, 1e-6 for float32.
    fn reset_threshold() -> f64 {
        if F::DTYPE == "float32" { 1e-6 } else { 1e-9 }
    }

    /// `w · x`, summed in f64 over products in `F`, then scaled and rounded to `F`.
    fn dot(&self, x: Row<'_, F>) -> F {
        F::from_f64(x.dot_f64(self.w) * self.wscale)
    }

    /// `w += c * x`, then both norms recomputed over the row's entries: every feature for a
    /// dense row, only the stored ones for a sparse row (so that the norms are then partial, as
    /// scikit-learn's are).
    fn add(&mut self, x: Row<'_, F>, c: F) {
        let wscale = F::from_f64(self.wscale);
        let step = (c / wscale).as_f64();
        let (mut l2, mut l1) = (0.0f64, 0.0f64);
        x.for_each_weight(self.w, |w, v| {
            *w = F::from_f64(w.as_f64() + v.as_f64() * step);
            l2 += (*w * *w).as_f64();
            l1 += w.abs().as_f64();
        });
        self.sq_norm = l2 * (wscale * wscale).as_f64();
        self.l1_norm = l1 * wscale.as_f64();
    }

    /// `w *= c`, by the scale alone until it gets small.
    fn scale(&mut self, c: F) {
        self.wscale *= c.as_f64();
        self.sq_norm *= (c * c).as_f64();
        self.l1_norm *= c.as_f64().abs();
        if self.wscale < Self::reset_threshold() {
            self.reset_wscale();
        }
    }

    /// Multiplies the scale, rounded to `F`, into the weights.
    fn reset_wscale(&mut self) {
        let scale = F::from_f64(self.wscale);
        for w in self.w.iter_mut() {
            *w *= scale;
        }
        self.wscale = 1.0;
    }

    fn norm(&self) -> F {
        F::from_f64(self.sq_norm.sqrt())
    }

    fn l1norm(&self) -> F {
        F::from_f64(self.l1_norm)
    }

    /// The cumulative truncated-gradient L1 step of Tsuruoka, Tsujii and Ananiadou (2009):
    /// every weight moves towards zero by the penalty accumulated so far (`u`) minus what it
    /// already received (`q`), without crossing zero. Only the weights of the row's entries
    /// move (every weight for a dense row).
    fn l1_truncate(&mut self, q: &mut [F], u: f64, x: Row<'_, F>) {
        let wscale = self.wscale;
        x.for_each_pair(self.w, q, |w, q| {
            let z = w.as_f64();
            if wscale * z > 0.0 {
                let v = w.as_f64() - (u + q.as_f64()) / wscale;
                *w = F::from_f64(if v > 0.0 { v } else { 0.0 });
            } else if wscale * z < 0.0 {
                let v = w.as_f64() + (u - q.as_f64()) / wscale;
                *w = F::from_f64(if v < 0.0 { v } else { 0.0 });
            }
            *q = F::from_f64(q.as_f64() + wscale * (w.as_f64() - z));
        });
    }
}

/// One binary problem: targets ±1, the class weights of the two sides, the validation rows.
struct BinaryProblem<'a, F> {
    x: Rows<'a, F>,
    y: &'a [F],
    sample_weight: &'a [F],
    validation: Option<&'a ValidationSet<F>>,
    weight_pos: f64,
    weight_neg: f64,
}

impl<F: Float> BinaryProblem<'_, F> {
    /// Accuracy on the validation rows of the model `(w, b)`, as scikit-learn's
    /// `_ValidationScoreCallback` computes it: `w` is the raw weight array, **without** its
    /// scale. With an L2 penalty that scores a different model than the one being trained (a
    /// scikit-learn quirk, reproduced: the scale only matters against the intercept).
    fn validation_score(&self, validation: &ValidationSet<F>, w: &[F], intercept: f64) -> f64 {
        let correct = validation.rows.iter().map(|&i| {
            let score = self.x.row(i).dot(w);
            let positive = score.as_f64() + intercept > 0.0;
            positive == (self.y[i] > F::zero())
        });
        weighted_fraction(correct, Some(&validation.weights))
    }
}

/// scikit-learn's `_plain_sgd` for the perceptron loss: trains `(weights, intercept)` in place on
/// one binary problem and returns the number of epochs run.
///
/// Per training sample, in the (shuffled) order: `p = w·x + b`; with a mistake or a tie
/// (`y·p <= 0`) the update is `eta0 · y · class_weight(y) · sample_weight`; l2 and elasticnet
/// first shrink `w` by `max(0, 1 - (1 - l1_ratio)·eta0·alpha)`; then `w += update·x`,
/// `b += update`; l1 and elasticnet then truncate. After each epoch the stopping rule compares
/// the mean loss plus penalty (or, with early stopping, the validation accuracy) with the best
/// so far; `n_iter_no_change` epochs in a row without an improvement of `tol` stop the fit.
fn plain_sgd<F: Float>(
    weights: &mut [F],
    intercept: &mut f64,
    problem: &BinaryProblem<'_, F>,
    settings: &SgdSettings,
    seed: u32,
) -> Result<usize> {
    let sgd = PlainSgd::new(problem, settings);
    let n_samples = problem.y.len();
    let mut learner = Learner {
        w: WeightVector::new(weights),
        intercept,
        q: if sgd.penalty.has_l1() { vec![F::zero(); problem.x.n_features()] } else { Vec::new() },
        u: 0.0,
        count: 0,
    };
    let mut index: Vec<usize> = (0..n_samples).collect();
    // The comparisons are the MLP's; the test on the count (`>=`, not `>`) is `_plain_sgd`'s.
    let best = if sgd.validation.is_some() { f64::NEG_INFINITY } else { f64::INFINITY };
    let mut rule = NoImprovement { count: 0, best };
    let mut n_iter = settings.max_iter;
    let started = Stopwatch::start();

    for epoch in 0..settings.max_iter {
        if settings.verbose {
            println!("-- Epoch {}", epoch + 1);
        }
        if settings.shuffle {
            shuffle_with_seed(&mut index, seed);
        }
        let Some(sums) = sgd.epoch(&mut learner, &index) else {
            // Interrupted by the caller: the epochs done, and the rows of this one, are kept.
            return Ok(epoch);
        };
        if !learner.intercept.is_finite() || learner.w.w.iter().any(|v| !v.is_finite()) {
            // scikit-learn: "Floating-point under-/overflow occurred at epoch #k".
            return Err(NeuronaError::NonFiniteWeights);
        }
        sgd.record_epoch(&learner, sums, &mut rule, started);
        if rule.count >= settings.n_iter_no_change {
            if settings.verbose {
                println!("Convergence after {} epochs took {:.2} seconds", epoch + 1, started.elapsed_secs());
            }
            n_iter = epoch + 1;
            break;
        }
    }
    learner.w.reset_wscale();
    Ok(n_iter)
}

/// What `_plain_sgd` updates sample by sample: the weights, the intercept, the L1 truncation's
/// accumulators (`q` per weight, `u` in total) and the count of samples seen.
struct Learner<'w, F> {
    w: WeightVector<'w, F>,
    intercept: &'w mut f64,
    q: Vec<F>,
    u: f64,
    count: u64,
}

/// The sums of one epoch over the training rows: the loss, and the loss plus the penalty (the
/// objective of the stopping rule).
#[derive(Debug, Clone, Copy, Default)]
struct EpochSums {
    loss: f64,
    objective: f64,
}

/// The constants of one run of `_plain_sgd`.
struct PlainSgd<'p, 'a, F> {
    problem: &'p BinaryProblem<'a, F>,
    settings: &'p SgdSettings,
    penalty: Penalty,
    l1_ratio: f64,
    /// `tol`, or `-inf` for none: then every epoch counts as an improvement.
    tol: f64,
    /// The held-out rows, when early stopping.
    validation: Option<&'a ValidationSet<F>>,
    train_count: usize,
    /// Whether the loss and objective are summed (for the stopping rule or the verbose line).
    track_objective: bool,
}

impl<'p, 'a, F: Float> PlainSgd<'p, 'a, F> {
    fn new(problem: &'p BinaryProblem<'a, F>, settings: &'p SgdSettings) -> Self {
        let validation = problem.validation.filter(|_| settings.early_stopping);
        Self {
            problem,
            settings,
            penalty: settings.penalty,
            // scikit-learn pins the ratio for the pure penalties.
            l1_ratio: match settings.penalty {
                Penalty::L2 => 0.0,
                Penalty::L1 => 1.0,
                _ => settings.l1_ratio,
            },
            tol: settings.tol.unwrap_or(f64::NEG_INFINITY),
            validation,
            train_count: problem.y.len() - validation.map_or(0, |v| v.rows.len()),
            track_objective: settings.verbose || validation.is_none(),
        }
    }

    /// One pass over the training rows in the order `index` (validation rows skipped); None
    /// when the caller interrupted it ([`crate::interrupt`], asked every [`INTERRUPT_ROWS`] rows).
    fn epoch(&self, learner: &mut Learner<'_, F>, index: &[usize]) -> Option<EpochSums> {
        let mut sums = EpochSums::default();
        for (k, &i) in index.iter().enumerate() {
            if k % INTERRUPT_ROWS == 0 && interrupt::requested() {
                return None;
            }
            if self.validation.is_some_and(|v| v.mask[i]) {
                continue;
            }
            self.step(learner, i, &mut sums);
        }
        Some(sums)
    }

    /// The update for sample `i`.
    fn step(&self, learner: &mut Learner<'_, F>, i: usize, sums: &mut EpochSums) {
        let (eta, alpha, l1_ratio) = (self.settings.eta0, self.settings.alpha, self.l1_ratio);
        let w = &mut learner.w;
        let x = self.problem.x.row(i);
        let y = self.problem.y[i];
        let p = w.dot(x).as_f64() + *learner.intercept;
        let z = p * y.as_f64();
        if self.track_objective {
            let loss = if z <= 0.0 { 0.0 - z } else { 0.0 };
            sums.loss += loss;
            sums.objective += loss;
            if self.penalty != Penalty::None {
                let norm = w.norm();
                sums.objective +=
                    alpha * ((1.0 - l1_ratio) * 0.5 * (norm * norm).as_f64() + l1_ratio * w.l1norm().as_f64());
            }
        }
        let class_weight = F::from_f64(if y > F::zero() { self.problem.weight_pos } else { self.problem.weight_neg });
        let dloss = if z <= 0.0 { -y.as_f64() } else { 0.0 };
        let mut update = -eta * dloss.clamp(-MAX_DLOSS, MAX_DLOSS);
        update *= (class_weight * self.problem.sample_weight[i]).as_f64();
        if self.penalty.has_l2() {
            let shrink = 1.0 - (1.0 - l1_ratio) * eta * alpha;
            // Never a negative scale: too large a step zeroes the weights instead.
            w.scale(F::from_f64(if shrink > 0.0 { shrink } else { 0.0 }));
        }
        if update != 0.0 {
            w.add(x, F::from_f64(update));
        }
        if self.settings.fit_intercept && update != 0.0 {
            // 1 for dense rows, so the step is the update itself.
            *learner.intercept += update * self.problem.x.intercept_decay();
        }
        if self.penalty.has_l1() {
            learner.u += l1_ratio * eta * alpha;
            w.l1_truncate(&mut learner.q, learner.u, x);
        }
        learner.count += 1;
    }

    /// The stopping rule's record of an epoch (the validation accuracy when early stopping, else
    /// the mean objective), after scikit-learn's verbose lines.
    fn record_epoch(&self, learner: &Learner<'_, F>, sums: EpochSums, rule: &mut NoImprovement, started: Stopwatch) {
        let intercept = *learner.intercept;
        let score = self.validation.map(|v| self.problem.validation_score(v, learner.w.w, intercept));
        if self.settings.verbose {
            print_epoch(&learner.w, intercept, learner.count, sums, self.train_count, score);
            println!("Total training time: {:.2} seconds.", started.elapsed_secs());
        }
        match score {
            Some(score) => rule.record_score(score, self.tol),
            None => rule.record_loss(sums.objective / self.train_count as f64, self.tol),
        };
    }
}

/// scikit-learn's per-epoch verbose line.
fn print_epoch<F: Float>(
    w: &WeightVector<'_, F>,
    intercept: f64,
    count: u64,
    sums: EpochSums,
    train_count: usize,
    score: Option<f64>,
) {
    let nnz = w.w.iter().filter(|&&v| v != F::zero()).count();
    let n = train_count as f64;
    let head = format!(
        "Norm: {:.2}, NNZs: {nnz}, Bias: {intercept:.6}, T: {count}, Avg. loss: {:.6}, Objective: {:.6}",
        w.norm().as_f64(),
        sums.loss / n,
        sums.objective / n
    );
    match score {
        Some(score) => println!("{head}, Validation score: {score:.6}"),
        None => println!("{head}"),
    }
}

/// scikit-learn's `compute_class_weight(class_weight, classes=classes, y=y)`.
pub(crate) fn expanded_class_weight<L: Label>(
    class_weight: &ClassWeight<L>,
    classes: &[L],
    y: &[L],
) -> Result<Vec<f64>> {
    match class_weight {
        ClassWeight::Uniform => Ok(vec![1.0; classes.len()]),
        ClassWeight::Balanced => {
            let mut counts = vec![0usize; classes.len()];
            for label in y {
                if let Ok(k) = classes.binary_search(label) {
                    counts[k] += 1;
                }
            }
            if let Some(k) = counts.iter().position(|&c| c == 0) {
                return Err(NeuronaError::parameter(
                    "class_weight",
                    "'balanced' only for classes present in y",
                    format!("'balanced' with class {:?} absent from y", classes[k]),
                ));
            }
            let n = y.len() as f64;
            let n_classes = classes.len() as f64;
            Ok(counts.iter().map(|&c| n / (n_classes * c as f64)).collect())
        }
        ClassWeight::PerClass(weights) => {
            let mut unweighted = Vec::new();
            let expanded = classes
                .iter()
                .map(|class| match weights.iter().find(|(label, _)| label == class) {
                    Some(&(_, w)) => w,
                    None => {
                        unweighted.push(class);
                        1.0
                    }
                })
                .collect();
            // scikit-learn's rule: a weight for an unknown class is an error only when some
            // class has no weight.
            if !unweighted.is_empty() && classes.len() - unweighted.len() != weights.len() {
                let unknown: Vec<&L> =
                    weights.iter().map(|(label, _)| label).filter(|label| !classes.contains(label)).collect();
                return Err(NeuronaError::parameter(
                    "class_weight",
                    format!("a weight for classes among {classes:?} only"),
                    format!("weights for {unknown:?}"),
                ));
            }
            Ok(expanded)
        }
    }
}

/// scikit-learn's `StratifiedShuffleSplit(test_size=fraction, random_state=rng)`, first split, as
/// a validation mask. `class_of[i]` is the index of sample `i`'s class in sorted order and
/// `class_names` writes each class for the messages (see [`stratified_split_indices`]). The
/// split's errors name `validation_fraction` and `y`, the inputs a perceptron user controls.
pub(crate) fn stratified_validation_set<F: Float>(
    class_of: &[usize],
    class_names: &[String],
    fraction: f64,
    sample_weight: &[F],
    rng: &mut RandomState,
) -> Result<ValidationSet<F>> {
    let split = stratified_split_indices(class_of, class_names, fraction, rng).map_err(|e| match e {
        NeuronaError::InvalidInput { input: "test_size", problem } => {
            NeuronaError::InvalidInput { input: "validation_fraction", problem }
        }
        NeuronaError::InvalidInput { input: "stratify", problem } => NeuronaError::InvalidInput { input: "y", problem },
        other => other,
    })?;
    if !split.test.iter().any(|&i| sample_weight[i] > F::zero()) {
        return Err(NeuronaError::input(
            "sample_weight",
            "is zero on every validation sample: The sample weights for validation set are all zero, consider \
             using a different random state.",
        ));
    }
    let n_samples = class_of.len();
    let mut mask = vec![false; n_samples];
    for &i in &split.test {
        mask[i] = true;
    }
    let rows: Vec<usize> = (0..n_samples).filter(|&i| mask[i]).collect();
    let weights = rows.iter().map(|&i| sample_weight[i]).collect();
    Ok(ValidationSet { mask, rows, weights })
}

/// One call's worth of training over every one-vs-all problem (scikit-learn's `_fit_binary` or
/// `_fit_multiclass`), updating `coef` and `intercept` in place. Returns the epochs of each
/// problem.
///
/// The draws, for an int `random_state`:
/// * two classes: `rs = RandomState(random_state)`; `rs.randint(1, MAX_INT)` (the data set's
///   seed), the early-stopping split on a fresh `RandomState(random_state)`, then the shuffle
///   seed `rs.randint(MAX_INT)`;
/// * more classes: the split (on the multiclass labels) from a fresh stream, then one seed per
///   class `RandomState(random_state).randint(MAX_INT, size=n_classes)`; problem `i` then draws
///   from `RandomState(seed_i)` as a binary problem does.
///
/// With a shared stream every one of these draws comes from it, in that order.
pub(crate) fn fit_one_vs_all<F: Float, L: Label>(
    coef: &mut ndarray::Array2<F>,
    intercept: &mut [f64],
    data: &TrainingData<'_, F, L>,
    settings: &SgdSettings,
    validation_fraction: f64,
    rng: &mut Randomness<'_>,
) -> Result<Vec<usize>> {
    let n_classes = data.classes.len();
    let n_features = data.rows.n_features();
    let coef_rows = coef.as_slice_mut().expect("coef_ is kept row-major");
    let labels_to_binary = |positive: usize| -> Vec<F> {
        let positive = &data.classes[positive];
        data.y.iter().map(|label| if label == positive { F::one() } else { -F::one() }).collect()
    };

    if n_classes == 2 {
        let y = labels_to_binary(1);
        let split = |rng: &mut RandomState| -> Result<Option<ValidationSet<F>>> {
            if !settings.early_stopping {
                return Ok(None);
            }
            // The ±1 targets, sorted as numpy sorts them: -1.0 < 1.0.
            let class_of: Vec<usize> = y.iter().map(|&v| usize::from(v > F::zero())).collect();
            let names = ["-1.0".to_owned(), "1.0".to_owned()];
            stratified_validation_set(&class_of, &names, validation_fraction, data.sample_weight, rng).map(Some)
        };
        let (validation, seed) = match rng {
            Randomness::Seed(s) => {
                let mut own = RandomState::new(*s);
                skip_dataset_seed(&mut own);
                let validation = split(&mut RandomState::new(*s))?;
                (validation, draw_seed(&mut own))
            }
            Randomness::Stream(shared) => {
                skip_dataset_seed(shared);
                let validation = split(shared)?;
                (validation, draw_seed(shared))
            }
        };
        let problem = BinaryProblem {
            x: data.rows,
            y: &y,
            sample_weight: data.sample_weight,
            validation: validation.as_ref(),
            weight_pos: data.class_weight[1],
            weight_neg: data.class_weight[0],
        };
        let n_iter = plain_sgd(&mut coef_rows[..n_features], &mut intercept[0], &problem, settings, seed)?;
        return Ok(vec![n_iter]);
    }

    let validation = if settings.early_stopping {
        let class_of: Vec<usize> =
            data.y.iter().map(|label| data.classes.binary_search(label).unwrap_or_default()).collect();
        let names: Vec<String> = data.classes.iter().map(|class| format!("{class:?}")).collect();
        Some(rng.with(|r| stratified_validation_set(&class_of, &names, validation_fraction, data.sample_weight, r))?)
    } else {
        None
    };
    let seeds: Vec<u32> = rng.with(|r| (0..n_classes).map(|_| draw_seed(r)).collect());
    let mut n_iters = Vec::with_capacity(n_classes);
    for (i, &class_seed) in seeds.iter().enumerate() {
        let mut own = RandomState::new(class_seed);
        skip_dataset_seed(&mut own);
        let seed = draw_seed(&mut own);
        let y = labels_to_binary(i);
        let problem = BinaryProblem {
            x: data.rows,
            y: &y,
            sample_weight: data.sample_weight,
            validation: validation.as_ref(),
            // One-vs-all weighs the rest as 1, whatever their own class weights.
            weight_pos: data.class_weight[i],
            weight_neg: 1.0,
        };
        let row = &mut coef_rows[i * n_features..(i + 1) * n_features];
        let mut b = intercept[i];
        n_iters.push(plain_sgd(row, &mut b, &problem, settings, seed)?);
        // Stored into the `intercept_` array, which has the data's dtype.
        intercept[i] = F::from_f64(b).as_f64();
    }
    Ok(n_iters)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_vector_scaling_is_lazy_until_the_threshold() {
        let mut w = vec![1.0f64, -2.0];
        let mut v = WeightVector::new(&mut w);
        assert_eq!((v.sq_norm, v.l1_norm), (5.0, 3.0));
        v.scale(0.5);
        assert_eq!(v.wscale, 0.5);
        assert_eq!((v.sq_norm, v.l1_norm), (1.25, 1.5));
        assert_eq!(v.dot(Row::Dense(&[1.0, 1.0])), -0.5);
        v.add(Row::Dense(&[2.0, 0.0]), 1.0);
        assert_eq!(v.w, &[5.0, -2.0], "the step is divided by the scale");
        v.scale(1e-10);
        assert_eq!(v.wscale, 1.0, "below 1e-9 the scale is multiplied out");
        assert_eq!(v.w, &[5.0 * 0.5 * 1e-10, -2.0 * 0.5 * 1e-10]);
    }

    #[test]
    fn a_sparse_row_moves_and_measures_only_its_entries() {
        let mut w = vec![1.0f64, -2.0, 3.0];
        let mut q = vec![0.0; 3];
        let mut v = WeightVector::new(&mut w);
        let (indices, values) = ([2u32], [1.0]);
        let row = Row::Sparse { indices: &indices, values: &values };
        assert_eq!(v.dot(row), 3.0);
        v.add(row, 1.0);
        assert_eq!(v.w, &[1.0, -2.0, 4.0]);
        // scikit-learn's `WeightVector.add` sums the norms over the row's entries alone.
        assert_eq!((v.sq_norm, v.l1_norm), (16.0, 4.0));
        v.l1_truncate(&mut q, 0.5, row);
        assert_eq!(v.w, &[1.0, -2.0, 3.5], "only the row's weights are truncated");
    }

    #[test]
    fn l1_truncation_stops_at_zero() {
        let mut w = vec![0.3f64, -0.3, 0.0];
        let mut q = vec![0.0; 3];
        let mut v = WeightVector::new(&mut w);
        v.l1_truncate(&mut q, 0.5, Row::Dense(&[0.0; 3]));
        assert_eq!(v.w, &[0.0, 0.0, 0.0]);
        assert_eq!(q, [-0.3, 0.3, 0.0]);
    }

    #[test]
    fn balanced_and_per_class_weights() {
        let y = [0, 0, 0, 1];
        assert_eq!(expanded_class_weight(&ClassWeight::Balanced, &[0, 1], &y).unwrap(), [4.0 / 6.0, 2.0]);
        let per_class = ClassWeight::PerClass(vec![(1, 3.0)]);
        assert_eq!(expanded_class_weight(&per_class, &[0, 1, 2], &y).unwrap(), [1.0, 3.0, 1.0]);
        let unknown = ClassWeight::PerClass(vec![(1, 3.0), (7, 2.0)]);
        let err = expanded_class_weight(&unknown, &[0, 1, 2], &y).unwrap_err().to_string();
        assert_eq!(err, "class_weight must be a weight for classes among [0, 1, 2] only, got weights for [7]");
        let all_known = ClassWeight::PerClass(vec![(0, 1.0), (1, 3.0), (7, 2.0)]);
        assert_eq!(expanded_class_weight(&all_known, &[0, 1], &y).unwrap(), [1.0, 3.0], "as scikit-learn");
    }

    #[test]
    fn the_stratified_split_keeps_class_shares() {
        let class_of: Vec<usize> = (0..30).map(|i| i % 3).collect();
        let weights = vec![1.0f64; 30];
        let names = ["0", "1", "2"].map(String::from);
        let set = stratified_validation_set(&class_of, &names, 0.2, &weights, &mut RandomState::new(0)).unwrap();
        assert_eq!(set.rows.len(), 6);
        for k in 0..3 {
            assert_eq!(set.rows.iter().filter(|&&i| class_of[i] == k).count(), 2);
        }
        let single = [0, 0, 1];
        let err = stratified_validation_set(&single, &names[..2], 0.5, &weights[..3], &mut RandomState::new(0))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("y has a class with a single sample"), "{err}");
        assert!(err.ends_with("Classes with too few members are: [1]"), "{err}");
        let err = stratified_validation_set(&[0, 1], &names[..2], 0.6, &weights[..2], &mut RandomState::new(0))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("validation_fraction leaves no training sample"), "{err}");
    }
}
