//! One fit of the classifier or the regressor (scikit-learn's `_fit`: the network built or
//! continued, then [`crate::train`]'s loop), and the state a fit leaves behind.

use std::ops::{Deref, DerefMut};

use ndarray::{Array2, ArrayView1, ArrayView2, ArrayViewMut2};

use crate::data::validate::check_reservable;
use crate::error::{NeuronaError, Result};
use crate::estimators::mlp::hyperparams::{BatchSize, MlpValidParams};
use crate::float::Float;
use crate::init::glorot_uniform;
use crate::interrupt;
use crate::loss::OutputHead;
use crate::network::{Layout, Mlp, PredictScratch};
use crate::rng::RandomState;
use crate::train::{FitCall, TrainingAttributes, TrainingSet};

// The loop's types live in `train`, shared by every gradient-trained family; the MLP's paths
// (`estimators::mlp::FitReport`, ...) stay as they were.
pub(crate) use crate::train::Scorer;
pub use crate::train::{EpochCallback, EpochProgress, FitOptions, FitReport, OptimizerState};

/// Everything a fit learned: the network and its weights, and scikit-learn's fitted attributes
/// ([`TrainingAttributes`], which this dereferences to: `state.n_iter()`, `state.loss_curve()`...).
#[derive(Debug, Clone, PartialEq)]
pub struct MlpState<F> {
    pub(crate) mlp: Mlp,
    pub(crate) params: Vec<F>,
    pub(crate) training: TrainingAttributes<F>,
}

impl<F> Deref for MlpState<F> {
    type Target = TrainingAttributes<F>;

    fn deref(&self) -> &TrainingAttributes<F> {
        &self.training
    }
}

impl<F> DerefMut for MlpState<F> {
    fn deref_mut(&mut self) -> &mut TrainingAttributes<F> {
        &mut self.training
    }
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

    /// The network outputs for `x`, after checking its width.
    pub(crate) fn outputs(&self, x: ArrayView2<'_, F>, estimator: &'static str) -> Result<Array2<F>> {
        self.check_input(x, estimator)?;
        interrupt::unless_fired(self.mlp.predict(&self.params, x))
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

/// Training data after validation: X `(n_samples, n_features)`, the binarised 2-D targets
/// `(n_samples, n_outputs)` and the weights.
pub(crate) type TrainingData<'a, F> = crate::train::TrainingData<ArrayView2<'a, F>, F>;

/// One call to `fit` or `partial_fit`, scikit-learn's `_fit` from the initialisation on. Works
/// on a copy of the state, so that a failed call leaves the estimator as it was.
pub(crate) fn fit<F: Float>(
    params: &MlpValidParams,
    data: TrainingData<'_, F>,
    call: FitCall<'_, '_, MlpState<F>, F>,
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

    let mut own = None;
    let rng = crate::rng::given_or_seeded(call.options.random_state, params.training.random_state, &mut own);

    check_fit_memory::<F>(&layer_units, params, data.x.nrows())?;
    let mut state =
        starting_state(call.current, params, layer_units, data.head, call.incremental, rng, call.estimator)?;

    let set = TrainingSet {
        x: data.x,
        y: &data.y,
        sample_weight: data.sample_weight.as_deref(),
        scorer: data.scorer,
        stratify: data.stratify,
        sequences: None,
    };
    let MlpState { mlp, params: weights, training } = &mut state;
    training.run_solver(mlp, weights, &params.training, &set, call.incremental, rng, call.options.on_epoch)?;
    Ok(state)
}

/// The state a call trains from: a copy of `current` when training continues (`warm_start` or
/// `partial_fit`), after checking that the network is the same, else fresh weights.
pub(crate) fn starting_state<F: Float>(
    current: Option<&MlpState<F>>,
    params: &MlpValidParams,
    layer_units: Vec<usize>,
    head: OutputHead,
    incremental: bool,
    rng: &mut RandomState,
    estimator: &'static str,
) -> Result<MlpState<F>> {
    let keep_weights = current.is_some() && (params.training.warm_start || incremental);
    Ok(match current {
        Some(state) if keep_weights => {
            if state.n_features_in() != layer_units[0] {
                return Err(NeuronaError::FeatureMismatch {
                    estimator,
                    expected: state.n_features_in(),
                    found: layer_units[0],
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
            state.mlp = Mlp::new(Layout::new(layer_units), params.activation, head);
            state
        }
        _ => initialize(layer_units, params, head, rng),
    })
}

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

/// Fresh weights and attributes (scikit-learn's `_initialize`).
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

/// A network that has not trained yet, holding `weights`.
fn fresh_state<F: Float>(layout: Layout, weights: Vec<F>, params: &MlpValidParams, head: OutputHead) -> MlpState<F> {
    let t = &params.training;
    let training = TrainingAttributes::fresh(weights.clone(), t.solver.is_stochastic(), t.early_stopping);
    MlpState { mlp: Mlp::new(layout, params.activation, head), params: weights, training }
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

/// Targets as a 2-D array `(n_samples, n_outputs)` from a row-major buffer.
pub(crate) fn targets_2d<F: Float>(values: Vec<F>, n_samples: usize) -> Array2<F> {
    let k = values.len().checked_div(n_samples).unwrap_or(0);
    Array2::from_shape_vec((n_samples, k), values).expect("the buffer holds n_samples rows")
}
