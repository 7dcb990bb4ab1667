//! The training loop shared by the classifier and the regressor (scikit-learn's `_fit`,
//! `_fit_stochastic` and `_fit_lbfgs`), and the state a fit leaves behind.

use std::ops::ControlFlow;

use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut2};

use crate::data::labels::{TargetKind, argmax};
use crate::data::split::train_test_split_indices;
use crate::data::validate::check_reservable;
use crate::error::{NeuronaError, Result};
use crate::estimators::mlp::hyperparams::{BatchSize, MlpValidParams, Patience, Solver};
use crate::float::Float;
use crate::init::glorot_uniform;
use crate::linalg::{MatRef, for_each_piece, max_threads};
use crate::loss::OutputHead;
use crate::metrics::{r2_score, weighted_fraction};
use crate::network::{Layout, Mlp, PredictScratch, Workspace};
use crate::optim::adam::Adam;
use crate::optim::lbfgs::{LbfgsOptions, LbfgsStatus, minimize};
use crate::optim::sgd::Sgd;
use crate::rng::RandomState;

/// The state of a stochastic optimizer, kept between `partial_fit` calls.
#[derive(Debug, Clone, PartialEq)]
pub enum OptimizerState<F> {
    /// SGD velocities and learning rate.
    Sgd(Sgd<F>),
    /// Adam moments and step count.
    Adam(Adam<F>),
}

impl<F: Float> OptimizerState<F> {
    fn update(&mut self, params: &mut [F], grad: &[F]) {
        match self {
            Self::Sgd(sgd) => sgd.update(params, grad),
            Self::Adam(adam) => adam.update(params, grad),
        }
    }

    /// The current learning rate (scikit-learn's `_optimizer.learning_rate`).
    pub fn learning_rate(&self) -> f64 {
        match self {
            Self::Sgd(sgd) => sgd.learning_rate(),
            Self::Adam(adam) => adam.learning_rate(),
        }
    }
}

/// How a call to `fit` or `partial_fit` ended. A fit that did not converge is not an error: it is
/// reported here (the Python binding turns it into scikit-learn's `ConvergenceWarning`).
#[derive(Debug, Clone, PartialEq)]
pub struct FitReport {
    /// Whether the solver met its own stopping criterion before `max_iter` (for sgd and adam: the
    /// no-improvement rule fired; for lbfgs: scipy's status 0).
    pub converged: bool,
    /// Epochs (sgd, adam) or iterations (lbfgs) run in this call.
    pub n_iter: usize,
    /// The final loss.
    pub loss: f64,
    /// What ended the run, in scikit-learn's words (its stop message or its
    /// `ConvergenceWarning` text).
    pub message: String,
    /// Warnings scikit-learn would have issued (e.g. a clipped batch size).
    pub warnings: Vec<String>,
    /// Whether the caller's epoch callback asked to stop.
    pub interrupted: bool,
}

/// What the epoch callback sees after each epoch of sgd or adam.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochProgress {
    /// Epochs run in this call so far.
    pub epoch: usize,
    /// `max_iter`: the most epochs this call may run.
    pub max_epochs: usize,
    /// The epoch's training loss.
    pub loss: f64,
    /// The epoch's validation score (accuracy or R²) when early stopping.
    pub validation_score: Option<f64>,
}

/// A callback run after every epoch; `ControlFlow::Break` stops training after that epoch, as
/// scikit-learn does on Ctrl-C, keeping what was learned (with early stopping, the best weights).
pub type EpochCallback<'a> = dyn FnMut(&EpochProgress) -> ControlFlow<()> + 'a;

/// Extra inputs of a fit: sample weights, a caller-owned random stream, an epoch callback.
#[derive(Default)]
pub struct FitOptions<'a, F> {
    /// One weight per sample (scikit-learn's `sample_weight`).
    pub sample_weight: Option<ArrayView1<'a, F>>,
    /// Draw from this stream instead of one seeded from `random_state` (how scikit-learn treats
    /// a `RandomState` instance: the caller's stream advances).
    pub random_state: Option<&'a mut RandomState>,
    /// Called after every epoch of sgd and adam.
    pub on_epoch: Option<&'a mut EpochCallback<'a>>,
}

impl<F> std::fmt::Debug for FitOptions<'_, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FitOptions")
            .field("sample_weight", &self.sample_weight.is_some())
            .field("random_state", &self.random_state.is_some())
            .field("on_epoch", &self.on_epoch.is_some())
            .finish()
    }
}

/// Everything a fit learned: the network and its weights, and scikit-learn's fitted attributes.
#[derive(Debug, Clone, PartialEq)]
pub struct MlpState<F> {
    pub(crate) mlp: Mlp,
    pub(crate) params: Vec<F>,
    pub(crate) n_iter: usize,
    pub(crate) t: u64,
    pub(crate) loss: f64,
    pub(crate) loss_curve: Option<Vec<f64>>,
    pub(crate) best_loss: Option<f64>,
    pub(crate) validation_scores: Option<Vec<f64>>,
    pub(crate) best_validation_score: Option<f64>,
    pub(crate) no_improvement_count: usize,
    pub(crate) best_params: Vec<F>,
    pub(crate) optimizer: Option<OptimizerState<F>>,
    pub(crate) report: FitReport,
}

impl<F: Float> MlpState<F> {
    /// The network (layout, hidden activation, output head).
    pub fn network(&self) -> &Mlp {
        &self.mlp
    }

    /// The flat parameter buffer: all weight matrices, then all biases (see [`Layout`]).
    pub fn flat_params(&self) -> &[F] {
        &self.params
    }

    /// `coefs_`: one `(fan_in, fan_out)` weight matrix per layer.
    pub fn coefs(&self) -> Vec<ArrayView2<'_, F>> {
        let layout = self.mlp.layout();
        (0..layout.n_weight_layers())
            .map(|l| {
                ArrayView2::from_shape(layout.fans(l), &self.params[layout.coef_range(l)])
                    .expect("the layout sizes every matrix")
            })
            .collect()
    }

    /// `intercepts_`: one bias vector per layer.
    pub fn intercepts(&self) -> Vec<ArrayView1<'_, F>> {
        let layout = self.mlp.layout();
        (0..layout.n_weight_layers()).map(|l| ArrayView1::from(&self.params[layout.intercept_range(l)])).collect()
    }

    /// `n_layers_`: input, hidden and output layers.
    pub fn n_layers(&self) -> usize {
        self.mlp.layout().layer_units().len()
    }

    /// `n_outputs_`.
    pub fn n_outputs(&self) -> usize {
        self.mlp.n_outputs()
    }

    /// `n_features_in_`.
    pub fn n_features_in(&self) -> usize {
        self.mlp.n_features()
    }

    /// `out_activation_`: `identity`, `exp`, `logistic` or `softmax`.
    pub fn out_activation(&self) -> &'static str {
        self.mlp.head().out_activation()
    }

    /// `loss_`: the last epoch's loss (sgd, adam) or the final objective (lbfgs).
    pub fn loss(&self) -> f64 {
        self.loss
    }

    /// `n_iter_`: epochs or iterations run by the last call.
    pub fn n_iter(&self) -> usize {
        self.n_iter
    }

    /// `t_`: training samples seen by the stochastic solvers since initialisation.
    pub fn t(&self) -> u64 {
        self.t
    }

    /// `loss_curve_` (sgd and adam only; `None` for lbfgs, where scikit-learn has no attribute).
    pub fn loss_curve(&self) -> Option<&[f64]> {
        self.loss_curve.as_deref()
    }

    /// `best_loss_`: `None` for lbfgs and when early stopping.
    pub fn best_loss(&self) -> Option<f64> {
        self.best_loss
    }

    /// `validation_scores_`: per-epoch validation scores when early stopping.
    pub fn validation_scores(&self) -> Option<&[f64]> {
        self.validation_scores.as_deref()
    }

    /// `best_validation_score_` when early stopping.
    pub fn best_validation_score(&self) -> Option<f64> {
        self.best_validation_score
    }

    /// `_no_improvement_count`: consecutive epochs without improvement.
    pub fn no_improvement_count(&self) -> usize {
        self.no_improvement_count
    }

    /// The stochastic optimizer's state (`None` for lbfgs).
    pub fn optimizer(&self) -> Option<&OptimizerState<F>> {
        self.optimizer.as_ref()
    }

    /// How the last call ended.
    pub fn report(&self) -> &FitReport {
        &self.report
    }

    /// The network outputs for `x`, after checking its width.
    pub(crate) fn outputs(&self, x: ArrayView2<'_, F>, estimator: &'static str) -> Result<Array2<F>> {
        self.check_input(x, estimator)?;
        Ok(self.mlp.predict(&self.params, x))
    }

    /// The network outputs for the rows of `x` (a classifier's `predict_proba`, a regressor's
    /// `predict`) written into `out: (n_samples, n_outputs)`, on the calling thread, with buffers
    /// kept in `scratch` from one call to the next: once `scratch` has served as many rows, a
    /// call allocates nothing. The fast path for one row or a few.
    ///
    /// ```
    /// use ndarray::Array2;
    /// use neurona::network::PredictScratch;
    /// use neurona::prelude::*;
    ///
    /// let iris = neurona::datasets::iris();
    /// let x = iris.standardized_features();
    /// let params = MlpParams::new().hidden_layer_sizes([8]).solver(Solver::Lbfgs).random_state(0).check()?;
    /// let mut clf = MlpClassifier::<f64, usize>::new(params);
    /// clf.fit(x.view(), &iris.target)?;
    /// let (state, mut scratch, mut proba) = (clf.state()?, PredictScratch::new(), Array2::zeros((1, 3)));
    /// for i in 0..x.nrows() {
    ///     state.predict_into(x.slice(ndarray::s![i..i + 1, ..]), proba.view_mut(), &mut scratch)?;
    /// }
    /// assert_eq!(proba, clf.predict_proba(x.slice(ndarray::s![-1.., ..]))?);
    /// # Ok::<(), neurona::NeuronaError>(())
    /// ```
    ///
    /// # Errors
    /// [`NeuronaError::FeatureMismatch`] or [`NeuronaError::InvalidInput`] for `X` of the wrong
    /// width or with NaN or infinity, and [`NeuronaError::InvalidInput`] for `out` not a
    /// contiguous `(n_samples, n_outputs)` array.
    pub fn predict_into(
        &self,
        x: ArrayView2<'_, F>,
        mut out: ArrayViewMut2<'_, F>,
        scratch: &mut PredictScratch<F>,
    ) -> Result<()> {
        self.check_input(x, "MLP")?;
        let shape = (x.nrows(), self.n_outputs());
        if out.dim() != shape {
            return Err(NeuronaError::input(
                "out",
                format!("must have shape {shape:?} (n_samples, n_outputs), got {:?}", out.dim()),
            ));
        }
        let out =
            out.as_slice_mut().ok_or_else(|| NeuronaError::input("out", "must be a contiguous row-major array"))?;
        self.mlp.predict_into(&self.params, x, out, scratch);
        Ok(())
    }

    fn check_input(&self, x: ArrayView2<'_, F>, estimator: &'static str) -> Result<()> {
        if x.ncols() != self.n_features_in() {
            return Err(NeuronaError::FeatureMismatch { estimator, expected: self.n_features_in(), found: x.ncols() });
        }
        crate::data::validate::check_finite("X", x)
    }
}

/// How a validation set is scored during early stopping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Scorer {
    /// Classifier accuracy (subset accuracy for multi-label), from the binarised targets.
    Accuracy(TargetKind),
    /// Regressor R², uniform over outputs.
    R2,
}

impl Scorer {
    fn score<F: Float>(
        self,
        outputs: ArrayView2<'_, F>,
        targets: ArrayView2<'_, F>,
        sample_weight: Option<&[F]>,
    ) -> f64 {
        match self {
            Self::R2 => {
                if outputs.iter().any(|v| !v.is_finite()) {
                    return f64::NAN;
                }
                r2_score(targets, outputs, sample_weight)
            }
            Self::Accuracy(kind) => {
                let half = F::from_f64(0.5);
                let rows = outputs.rows().into_iter().zip(targets.rows());
                let correct = rows.map(|(out, target)| match kind {
                    TargetKind::Multiclass => argmax(out.iter().copied()) == argmax(target.iter().copied()),
                    TargetKind::Binary | TargetKind::Multilabel => {
                        out.iter().zip(target.iter()).all(|(&o, &t)| (o > half) == (t > half))
                    }
                });
                weighted_fraction(correct, sample_weight)
            }
        }
    }
}

/// Training data after validation: X, the binarised 2-D targets and the weights.
pub(crate) struct TrainingData<'a, F> {
    pub x: ArrayView2<'a, F>,
    /// `(n_samples, n_outputs)`.
    pub y: Array2<F>,
    pub sample_weight: Option<Vec<F>>,
    pub head: OutputHead,
    pub scorer: Scorer,
    /// Whether the early-stopping split is stratified (binary classification only).
    pub stratify: bool,
}

/// One call to `fit` (`incremental = false`) or `partial_fit` (`true`), scikit-learn's `_fit`
/// from the initialisation on. Works on a copy of the state, so that a failed call leaves the
/// estimator as it was.
pub(crate) fn fit<F: Float>(
    current: Option<&MlpState<F>>,
    params: &MlpValidParams,
    data: TrainingData<'_, F>,
    incremental: bool,
    options: FitOptions<'_, F>,
    estimator: &'static str,
) -> Result<MlpState<F>> {
    let mut data = data;
    if !data.y.is_standard_layout() {
        // The full-batch solver reads the targets as one row-major slice.
        data.y = data.y.as_standard_layout().into_owned();
    }
    let n_features = data.x.ncols();
    let n_outputs = data.y.ncols();
    let mut layer_units = vec![n_features];
    layer_units.extend_from_slice(&params.hidden_layer_sizes);
    layer_units.push(n_outputs);

    let mut own_rng;
    let rng = match options.random_state {
        Some(rng) => rng,
        None => {
            own_rng = match params.training.random_state {
                Some(seed) => RandomState::new(seed),
                None => RandomState::from_entropy(),
            };
            &mut own_rng
        }
    };

    check_fit_memory::<F>(&layer_units, params, data.x.nrows())?;
    let keep_weights = current.is_some() && (params.training.warm_start || incremental);
    let mut state = match current {
        Some(state) if keep_weights => {
            if state.n_features_in() != n_features {
                return Err(NeuronaError::FeatureMismatch {
                    estimator,
                    expected: state.n_features_in(),
                    found: n_features,
                });
            }
            if state.mlp.layout().layer_units() != layer_units.as_slice() {
                return Err(NeuronaError::parameter(
                    "hidden_layer_sizes",
                    format!(
                        "unchanged to continue training (warm_start or partial_fit); the network has layers {:?}",
                        state.mlp.layout().layer_units()
                    ),
                    format!("layers {layer_units:?}"),
                ));
            }
            let mut state = state.clone();
            state.mlp = Mlp::new(Layout::new(layer_units), params.activation, data.head);
            state
        }
        _ => initialize(layer_units, params, data.head, rng),
    };

    if params.training.solver.is_stochastic() {
        fit_stochastic(&mut state, params, &data, incremental, rng, options.on_epoch)?;
    } else {
        fit_lbfgs(&mut state, params, &data);
    }
    if state.params.iter().any(|p| !p.is_finite()) {
        return Err(NeuronaError::NonFiniteWeights);
    }
    Ok(state)
}

/// Fresh weights and attributes (scikit-learn's `_initialize`).
/// [`check_reservable`] for what a fit on `n_samples` rows holds at once: the parameters and as
/// many copies again as the solver keeps (gradient, best weights and Adam's two moments or
/// SGD's velocity; for L-BFGS, its float64 copies and ten pairs of history), and two values per
/// unit and batch row (activations and deltas), the whole data set being L-BFGS's batch.
fn check_fit_memory<F: Float>(layer_units: &[usize], params: &MlpValidParams, n_samples: usize) -> Result<()> {
    let n_params: f64 = layer_units.windows(2).map(|w| (w[0] as f64 + 1.0) * w[1] as f64).sum();
    let units: f64 = layer_units[1..].iter().map(|&u| u as f64).sum();
    let (copies, batch_rows) = match params.training.batch_size {
        _ if !params.training.solver.is_stochastic() => (25.0 * 8.0 / size_of::<F>() as f64, n_samples),
        BatchSize::Auto => (5.0, n_samples.min(200)),
        BatchSize::Fixed(size) => (5.0, n_samples.min(size)),
    };
    let values = n_params * copies + 2.0 * units * batch_rows as f64;
    check_reservable(|| format!("a network with layers {layer_units:?}"), values, size_of::<F>())
}

fn initialize<F: Float>(
    layer_units: Vec<usize>,
    params: &MlpValidParams,
    head: OutputHead,
    rng: &mut RandomState,
) -> MlpState<F> {
    let layout = Layout::new(layer_units);
    let weights = glorot_uniform::<F>(&layout, params.activation, rng);
    fresh_state(layout, weights, params, head)
}

/// The attributes of a network that has not trained yet, holding `weights`.
fn fresh_state<F: Float>(layout: Layout, weights: Vec<F>, params: &MlpValidParams, head: OutputHead) -> MlpState<F> {
    let stochastic = params.training.solver.is_stochastic();
    let early = stochastic && params.training.early_stopping;
    MlpState {
        mlp: Mlp::new(layout, params.activation, head),
        best_params: weights.clone(),
        params: weights,
        n_iter: 0,
        t: 0,
        loss: f64::NAN,
        loss_curve: stochastic.then(Vec::new),
        best_loss: (stochastic && !early).then_some(f64::INFINITY),
        validation_scores: early.then(Vec::new),
        best_validation_score: early.then_some(f64::NEG_INFINITY),
        no_improvement_count: 0,
        optimizer: None,
        report: FitReport {
            converged: false,
            n_iter: 0,
            loss: f64::NAN,
            message: String::new(),
            warnings: Vec::new(),
            interrupted: false,
        },
    }
}

/// The layer sizes that weight matrices `coefs: (fan_in, fan_out)` and bias vectors
/// `intercepts: (fan_out,)` describe, after checking that they chain and are finite.
fn weight_layer_units<F: Float>(coefs: &[ArrayView2<'_, F>], intercepts: &[ArrayView1<'_, F>]) -> Result<Vec<usize>> {
    if coefs.is_empty() || coefs.len() != intercepts.len() {
        return Err(NeuronaError::input(
            "coefs",
            format!(
                "must hold one matrix per layer, as many as intercepts, got {} and {}",
                coefs.len(),
                intercepts.len()
            ),
        ));
    }
    let mut units = vec![coefs[0].nrows()];
    for (l, (c, b)) in coefs.iter().zip(intercepts).enumerate() {
        if c.nrows() != units[l] || b.len() != c.ncols() || c.ncols() == 0 || c.nrows() == 0 {
            return Err(NeuronaError::input(
                "coefs",
                format!(
                    "layer {l} has a {:?} weight matrix and {} biases, which do not follow a layer of {} units",
                    c.dim(),
                    b.len(),
                    units[l]
                ),
            ));
        }
        if c.iter().chain(b.iter()).any(|v| !v.is_finite()) {
            return Err(NeuronaError::input("coefs", format!("layer {l} has a non-finite weight")));
        }
        units.push(c.ncols());
    }
    Ok(units)
}

/// Copies the matrices and biases into the flat parameter buffer of `layout`.
fn write_weights<F: Float>(
    layout: &Layout,
    flat: &mut [F],
    coefs: &[ArrayView2<'_, F>],
    intercepts: &[ArrayView1<'_, F>],
) {
    for (l, (c, b)) in coefs.iter().zip(intercepts).enumerate() {
        flat[layout.coef_range(l)].iter_mut().zip(c.iter()).for_each(|(d, &v)| *d = v);
        flat[layout.intercept_range(l)].iter_mut().zip(b.iter()).for_each(|(d, &v)| *d = v);
    }
}

/// A network that has not trained yet, holding the given weights instead of drawn ones (how
/// scikit-learn treats `coefs_` and `intercepts_` assigned before `partial_fit` or a warm
/// start). The layers must match `hidden_layer_sizes` and `n_outputs`.
pub(crate) fn state_from_weights<F: Float>(
    params: &MlpValidParams,
    head: OutputHead,
    n_outputs: usize,
    coefs: &[ArrayView2<'_, F>],
    intercepts: &[ArrayView1<'_, F>],
) -> Result<MlpState<F>> {
    let units = weight_layer_units(coefs, intercepts)?;
    if units[1..units.len() - 1] != params.hidden_layer_sizes[..] || units[units.len() - 1] != n_outputs {
        return Err(NeuronaError::input(
            "coefs",
            format!(
                "describe layers {units:?}, but hidden_layer_sizes is {:?} and the targets need {n_outputs} outputs",
                params.hidden_layer_sizes
            ),
        ));
    }
    let layout = Layout::new(units);
    let mut weights = vec![F::zero(); layout.len()];
    write_weights(&layout, &mut weights, coefs, intercepts);
    Ok(fresh_state(layout, weights, params, head))
}

impl<F: Float> MlpState<F> {
    /// Replaces the weights with `coefs` and `intercepts` (scikit-learn's fitted attributes are
    /// assignable); the shapes must be the network's and every value finite.
    pub fn set_weights(&mut self, coefs: &[ArrayView2<'_, F>], intercepts: &[ArrayView1<'_, F>]) -> Result<()> {
        let units = weight_layer_units(coefs, intercepts)?;
        if units != self.mlp.layout().layer_units() {
            return Err(NeuronaError::input(
                "coefs",
                format!("describe layers {units:?}, but the network has layers {:?}", self.mlp.layout().layer_units()),
            ));
        }
        write_weights(self.mlp.layout(), &mut self.params, coefs, intercepts);
        Ok(())
    }
}

/// Full-batch L-BFGS over the flat parameters (scikit-learn's `_fit_lbfgs`). Works in float64,
/// as scipy does, whatever `F` is: the network is evaluated in `F` at each point.
fn fit_lbfgs<F: Float>(state: &mut MlpState<F>, params: &MlpValidParams, data: &TrainingData<'_, F>) {
    let n = data.x.nrows();
    let owned: Vec<F>;
    let input = match MatRef::from_array(&data.x) {
        Some(view) => view,
        None => {
            owned = data.x.iter().copied().collect();
            MatRef::row_major(&owned, n, data.x.ncols())
        }
    };
    let targets = data.y.as_slice().expect("targets are built row-major");
    let sample_weight = data.sample_weight.as_deref();
    let mut workspace = Workspace::new(state.mlp.layout(), n);
    let mut params_f = state.params.clone();
    let mut grad_f = vec![F::zero(); params_f.len()];
    let mut x0: Vec<f64> = state.params.iter().map(|p| p.as_f64()).collect();
    let options = LbfgsOptions {
        max_iter: params.training.max_iter,
        max_fun: params.training.max_fun,
        gtol: params.training.tol,
        ..LbfgsOptions::default()
    };
    let mlp = &state.mlp;
    let result = minimize(&mut x0, &options, |point, gradient| {
        params_f.iter_mut().zip(point).for_each(|(p, &v)| *p = F::from_f64(v));
        let loss = mlp.loss_and_gradient(
            &params_f,
            input,
            targets,
            sample_weight,
            params.training.alpha,
            &mut workspace,
            &mut grad_f,
        );
        gradient.iter_mut().zip(&grad_f).for_each(|(g, &v)| *g = v.as_f64());
        loss
    });
    state.params.iter_mut().zip(&x0).for_each(|(p, &v)| *p = F::from_f64(v));
    state.n_iter = result.n_iter.min(params.training.max_iter);
    state.loss = result.fun;
    let converged = result.status == LbfgsStatus::Converged;
    let message = if converged {
        result.message.clone()
    } else {
        let mut text = format!(
            "lbfgs failed to converge after {} iteration(s) (status={}):\n{}\n",
            state.n_iter,
            result.status.code(),
            result.message
        );
        if state.n_iter == params.training.max_iter {
            text.push_str(&format!(
                "\nIncrease the number of iterations to improve the convergence (max_iter={}).\n",
                params.training.max_iter
            ));
        }
        text.push_str(
            "You might also want to scale the data as shown in:\n    https://scikit-learn.org/stable/modules/preprocessing.html",
        );
        text
    };
    state.report = FitReport {
        converged,
        n_iter: state.n_iter,
        loss: state.loss,
        message,
        warnings: Vec::new(),
        interrupted: false,
    };
}

/// Batches of at least this many values are gathered by two threads (when there are two).
/// Gathering is a copy from rows all over X, bound by memory latency, and otherwise runs on one
/// core while the other waits for the next product: on a 784-256-128-10 network in float32 on
/// two threads it was about a tenth of the training step's time on the calling thread.
const PARALLEL_GATHER_VALUES: usize = 1 << 15;

/// Copies the rows `row_at(0), ..., row_at(n - 1)` of `x` (and of the targets and weights)
/// into the batch buffers.
#[allow(clippy::too_many_arguments)]
fn gather_batch<F: Float>(
    n: usize,
    row_at: impl Fn(usize) -> usize + Sync,
    x: &ArrayView2<'_, F>,
    y: &Array2<F>,
    sample_weight: Option<&[F]>,
    x_batch: &mut [F],
    y_batch: &mut [F],
    sw_batch: &mut [F],
) {
    let (p, k) = (x.ncols(), y.ncols());
    // Whole-row copies (a memcpy each) where rows are contiguous: element by element, gathering
    // took a tenth of an epoch of a 784-256-128-10 network.
    let copy_rows = |first: usize, dst: &mut [F]| {
        for (i, dst) in dst.chunks_exact_mut(p.max(1)).enumerate() {
            let src = x.row(row_at(first + i));
            match src.to_slice() {
                Some(src) => dst.copy_from_slice(src),
                None => dst.iter_mut().zip(src).for_each(|(d, &s)| *d = s),
            }
        }
    };
    let x_batch = &mut x_batch[..n * p];
    if n * p >= PARALLEL_GATHER_VALUES && max_threads() > 1 {
        let half = n / 2;
        let (low, high) = x_batch.split_at_mut(half * p);
        for_each_piece([(0, low), (half, high)], |(first, dst)| copy_rows(first, dst));
    } else {
        copy_rows(0, x_batch);
    }
    for r in 0..n {
        let row = row_at(r);
        y_batch[r * k..(r + 1) * k].iter_mut().zip(y.row(row)).for_each(|(d, &s)| *d = s);
        if let Some(sw) = sample_weight {
            sw_batch[r] = sw[row];
        }
    }
}

/// Minibatch training with sgd or adam (scikit-learn's `_fit_stochastic`).
fn fit_stochastic<F: Float>(
    state: &mut MlpState<F>,
    params: &MlpValidParams,
    data: &TrainingData<'_, F>,
    incremental: bool,
    rng: &mut RandomState,
    mut on_epoch: Option<&mut EpochCallback<'_>>,
) -> Result<()> {
    let n_params = state.params.len();
    if !incremental || state.optimizer.is_none() {
        state.optimizer = Some(match params.training.solver {
            Solver::Sgd => OptimizerState::Sgd(Sgd::new(
                n_params,
                params.training.learning_rate_init,
                params.training.learning_rate,
                params.training.momentum,
                params.training.nesterovs_momentum,
                params.training.power_t,
            )),
            _ => OptimizerState::Adam(Adam::new(
                n_params,
                params.training.learning_rate_init,
                params.training.beta_1,
                params.training.beta_2,
                params.training.epsilon,
            )),
        });
    }
    let early_stopping = params.training.early_stopping;
    if early_stopping && incremental {
        return Err(NeuronaError::parameter(
            "early_stopping",
            "false for partial_fit (partial_fit does not support early_stopping=True)",
            "true",
        ));
    }
    // A state fitted without early stopping has no validation attributes; a warm start that
    // turns it on begins them here.
    if early_stopping && state.validation_scores.is_none() {
        state.validation_scores = Some(Vec::new());
        state.best_validation_score = Some(f64::NEG_INFINITY);
        state.best_loss = None;
    } else if !early_stopping && state.best_loss.is_none() {
        state.best_loss = Some(f64::INFINITY);
    }
    state.loss_curve.get_or_insert_with(Vec::new);

    let n_total = data.x.nrows();
    let sample_weight = data.sample_weight.as_deref();
    // Rows of X used for training (in the order scikit-learn's X_train has them) and the
    // validation rows, gathered once.
    let (train_rows, validation) = if early_stopping {
        let stratify: Option<Vec<bool>> =
            data.stratify.then(|| data.y.column(0).iter().map(|&v| v > F::from_f64(0.5)).collect());
        let split = train_test_split_indices(n_total, params.training.validation_fraction, stratify.as_deref(), rng)?;
        if split.test.len() < 2 {
            return Err(NeuronaError::input(
                "X",
                format!(
                    "gives a validation set of {} sample(s), too small for early stopping (at least 2): The validation set is too small. Increase 'validation_fraction' ({}) or the size of your dataset ({} samples).",
                    split.test.len(),
                    params.training.validation_fraction,
                    n_total
                ),
            ));
        }
        // The validation rows stay in X, read by index; only their targets are gathered.
        let y_val = data.y.select(ndarray::Axis(0), &split.test);
        let sw_val: Option<Vec<F>> = sample_weight.map(|sw| split.test.iter().map(|&i| sw[i]).collect());
        (split.train, Some((split.test, y_val, sw_val)))
    } else {
        ((0..n_total).collect::<Vec<_>>(), None)
    };
    let n = train_rows.len();
    let mut warnings = Vec::new();
    let batch_size = match params.training.batch_size {
        BatchSize::Auto => n.min(200),
        BatchSize::Fixed(size) => {
            if size > n {
                warnings.push(format!(
                    "batch_size ({size}) is larger than the number of training samples ({n}); it is clipped to {n}"
                ));
            }
            size.clamp(1, n)
        }
    };

    let (p, k) = (data.x.ncols(), data.y.ncols());
    let mut workspace = Workspace::new(state.mlp.layout(), batch_size);
    let mut x_batch = vec![F::zero(); batch_size * p];
    let mut y_batch = vec![F::zero(); batch_size * k];
    let mut sw_batch = vec![F::zero(); if sample_weight.is_some() { batch_size } else { 0 }];
    let mut grad = vec![F::zero(); n_params];
    let mut order: Vec<usize> = (0..n).collect();
    let mut permutation = vec![0usize; n];
    let mut reordered = vec![0usize; n];
    let optimizer = state.optimizer.as_mut().expect("created above");

    state.n_iter = 0;
    let mut converged = false;
    let mut interrupted = false;
    let mut message = String::new();
    for _ in 0..params.training.max_iter {
        if params.training.shuffle {
            // scikit-learn's `shuffle(idx, random_state=rng)`: a fresh permutation composed with
            // the previous epoch's order.
            permutation.iter_mut().enumerate().for_each(|(i, v)| *v = i);
            rng.shuffle(&mut permutation);
            reordered.iter_mut().zip(&permutation).for_each(|(r, &j)| *r = order[j]);
            std::mem::swap(&mut order, &mut reordered);
        }
        let mut accumulated = 0.0;
        for start in (0..n).step_by(batch_size) {
            let rows = batch_size.min(n - start);
            let order = &order;
            let row_at = |i: usize| train_rows[if params.training.shuffle { order[start + i] } else { start + i }];
            gather_batch(rows, row_at, &data.x, &data.y, sample_weight, &mut x_batch, &mut y_batch, &mut sw_batch);
            let sw = sample_weight.map(|_| &sw_batch[..rows]);
            let input = MatRef::row_major(&x_batch[..rows * p], rows, p);
            let batch_loss = state.mlp.loss_and_gradient(
                &state.params,
                input,
                &y_batch[..rows * k],
                sw,
                params.training.alpha,
                &mut workspace,
                &mut grad,
            );
            accumulated += batch_loss * rows as f64;
            optimizer.update(&mut state.params, &grad);
        }
        state.n_iter += 1;
        state.loss = accumulated / n as f64;
        state.t += n as u64;
        state.loss_curve.get_or_insert_with(Vec::new).push(state.loss);
        if params.training.verbose {
            println!("Iteration {}, loss = {:.8}", state.n_iter, state.loss);
        }

        // scikit-learn's `_update_no_improvement_count`.
        let mut validation_score = None;
        if let Some((val_rows, y_val, sw_val)) = &validation {
            let outputs = state.mlp.predict_rows(&state.params, data.x, Some(val_rows));
            let score = data.scorer.score(outputs.view(), y_val.view(), sw_val.as_deref());
            validation_score = Some(score);
            state.validation_scores.get_or_insert_with(Vec::new).push(score);
            if params.training.verbose {
                println!("Validation score: {score:.6}");
            }
            let best = state.best_validation_score.unwrap_or(f64::NEG_INFINITY);
            // A NaN score compares false both ways: it resets the count, as in scikit-learn.
            if score < best + params.training.tol {
                state.no_improvement_count += 1;
            } else {
                state.no_improvement_count = 0;
            }
            if score > best {
                state.best_validation_score = Some(score);
                state.best_params.copy_from_slice(&state.params);
            }
        } else {
            let best = state.best_loss.unwrap_or(f64::INFINITY);
            if state.loss > best - params.training.tol {
                state.no_improvement_count += 1;
            } else {
                state.no_improvement_count = 0;
            }
            if state.loss < best {
                state.best_loss = Some(state.loss);
            }
        }

        if let OptimizerState::Sgd(sgd) = optimizer {
            sgd.iteration_ends(state.t);
        }
        if let Patience::Epochs(patience) = params.training.n_iter_no_change
            && state.no_improvement_count > patience
        {
            let what = if early_stopping { "Validation score" } else { "Training loss" };
            let reason = format!(
                "{what} did not improve more than tol={:.6} for {patience} consecutive epochs.",
                params.training.tol
            );
            let trigger = match optimizer {
                OptimizerState::Sgd(sgd) => sgd.trigger_stopping(),
                OptimizerState::Adam(_) => crate::optim::sgd::Trigger::Stop,
            };
            let text = format!("{reason}{}", trigger.describe());
            if params.training.verbose {
                println!("{text}");
            }
            if trigger.stops() {
                converged = true;
                message = text;
                break;
            }
            state.no_improvement_count = 0;
        }
        if let Some(callback) = on_epoch.as_deref_mut() {
            let progress = EpochProgress {
                epoch: state.n_iter,
                max_epochs: params.training.max_iter,
                loss: state.loss,
                validation_score,
            };
            if callback(&progress).is_break() {
                interrupted = true;
                message = "Training interrupted by user.".to_owned();
                break;
            }
        }
        if incremental {
            break;
        }
        if state.n_iter == params.training.max_iter {
            message = format!(
                "Stochastic Optimizer: Maximum iterations ({}) reached and the optimization hasn't converged yet.",
                params.training.max_iter
            );
        }
    }
    if early_stopping {
        state.params.copy_from_slice(&state.best_params);
    }
    state.report = FitReport { converged, n_iter: state.n_iter, loss: state.loss, message, warnings, interrupted };
    Ok(())
}

/// Targets as a 2-D array `(n_samples, n_outputs)` from a row-major buffer.
pub(crate) fn targets_2d<F: Float>(values: Vec<F>, n_samples: usize) -> Array2<F> {
    let k = values.len().checked_div(n_samples).unwrap_or(0);
    Array2::from_shape_vec((n_samples, k), values).expect("the buffer holds n_samples rows")
}
