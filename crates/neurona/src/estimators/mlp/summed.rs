//! The MLPs trained by L-BFGS over rows summed in chunks elsewhere (Dask workers): the
//! estimator's side of [`crate::train::summed`]. The network, its initial weights (the same
//! draws from `random_state`), the recorded run and the fitted state are those of an in-memory
//! `fit`; only the evaluations come from the caller, who computes each chunk's sums with
//! [`crate::network::chunk_sums`] on this network (`MlpState::network` once fitted, or
//! `layer_units`, `activation` and the output head the caller knows: `out_activation_`).
//!
//! ```
//! use neurona::network::{LossSums, chunk_sums};
//! use neurona::prelude::*;
//!
//! let iris = neurona::datasets::iris();
//! let x = iris.standardized_features();
//! let params = MlpParams::new().hidden_layer_sizes([5]).solver(Solver::Lbfgs).max_iter(50).random_state(0).check()?;
//! let mut in_memory = MlpClassifier::<f64, usize>::new(params.clone());
//! in_memory.fit(x.view(), &iris.target)?;
//!
//! // The same fit with the rows in one chunk: the network the summed fit builds is the
//! // in-memory one (3 classes: a softmax head over one-hot targets).
//! let mut y = ndarray::Array2::<f64>::zeros((x.nrows(), 3));
//! iris.target.iter().enumerate().for_each(|(i, &c)| y[[i, c]] = 1.0);
//! let network = in_memory.state()?.network().clone();
//! let mut summed = MlpClassifier::<f64, usize>::new(params);
//! summed.fit_summed(4, &[0, 1, 2], None, |p, grad| chunk_sums(&network, p, x.view(), y.view(), None, grad))?;
//! assert_eq!(summed.state()?.flat_params(), in_memory.state()?.flat_params());
//! # Ok::<(), neurona::NeuronaError>(())
//! ```

use crate::data::labels::{ClassTargets, Label, LabelBinarizer, TargetKind, unique_sorted};
use crate::error::{NeuronaError, Result};
use crate::estimators::mlp::algorithm::{FitReport, MlpState, starting_state};
use crate::estimators::mlp::hyperparams::{MlpValidParams, RegressionLoss};
use crate::float::Float;
use crate::loss::OutputHead;
use crate::network::LossSums;
use crate::prelude::{MlpClassifier, MlpRegressor};
use crate::rng::{RandomState, given_or_seeded};

impl<F: Float, L: Label> MlpClassifier<F, L> {
    /// Trains by L-BFGS on rows the caller sums (see the [module](self) docs): `n_features`
    /// inputs, the sorted distinct `classes` found across every chunk (two or more), and
    /// `evaluate(params, grad_sum)` giving every chunk's sums added in a fixed order, the
    /// targets encoded as `fit` encodes them (one 0/1 column for two classes, one-hot columns
    /// otherwise). Draws from `random_state` when given, else from the `random_state`
    /// parameter's seed. Only `solver = lbfgs`; the fit starts afresh (no `warm_start`).
    pub fn fit_summed(
        &mut self,
        n_features: usize,
        classes: &[L],
        random_state: Option<&mut RandomState>,
        evaluate: impl FnMut(&[F], &mut [F]) -> Result<LossSums>,
    ) -> Result<&FitReport> {
        let sorted = unique_sorted(classes);
        if sorted.len() < 2 || sorted.len() != classes.len() {
            return Err(NeuronaError::input(
                "classes",
                format!("must be two or more distinct sorted labels, got {classes:?}"),
            ));
        }
        let binarizer = LabelBinarizer::new(&sorted);
        let head = OutputHead::for_classes(binarizer.kind());
        let n_outputs = binarizer.n_outputs();
        let state = fit_summed_state(&self.params, n_features, n_outputs, head, random_state, evaluate)?;
        self.targets = Some(ClassTargets::Labels(binarizer));
        Ok(&self.state.insert(state).report)
    }

    /// [`fit_summed`](Self::fit_summed) for a multi-label indicator matrix of `n_labels` columns
    /// (the targets its 0/1 columns).
    pub fn fit_summed_multilabel(
        &mut self,
        n_features: usize,
        n_labels: usize,
        random_state: Option<&mut RandomState>,
        evaluate: impl FnMut(&[F], &mut [F]) -> Result<LossSums>,
    ) -> Result<&FitReport> {
        if n_labels == 0 {
            return Err(NeuronaError::input("y", "has 0 label columns; it needs at least 1"));
        }
        let head = OutputHead::for_classes(TargetKind::Multilabel);
        let state = fit_summed_state(&self.params, n_features, n_labels, head, random_state, evaluate)?;
        self.targets = Some(ClassTargets::Multilabel(n_labels));
        Ok(&self.state.insert(state).report)
    }
}

impl<F: Float> MlpRegressor<F> {
    /// Trains by L-BFGS on rows the caller sums (see [`MlpClassifier::fit_summed`]), for
    /// `n_outputs` target columns (the targets as they are).
    pub fn fit_summed(
        &mut self,
        n_features: usize,
        n_outputs: usize,
        random_state: Option<&mut RandomState>,
        evaluate: impl FnMut(&[F], &mut [F]) -> Result<LossSums>,
    ) -> Result<&FitReport> {
        if n_outputs == 0 {
            return Err(NeuronaError::input("y", "has 0 target columns; it needs at least 1"));
        }
        let head = match self.params.loss {
            RegressionLoss::SquaredError => OutputHead::SquaredError,
            RegressionLoss::Poisson => OutputHead::Poisson,
        };
        let state = fit_summed_state(&self.params, n_features, n_outputs, head, random_state, evaluate)?;
        Ok(&self.state.insert(state).report)
    }
}

/// A fresh network of `n_features` inputs and `n_outputs` outputs under `head`, trained by
/// L-BFGS over the caller's sums as `fit` trains it in memory.
fn fit_summed_state<F: Float>(
    params: &MlpValidParams,
    n_features: usize,
    n_outputs: usize,
    head: OutputHead,
    random_state: Option<&mut RandomState>,
    evaluate: impl FnMut(&[F], &mut [F]) -> Result<LossSums>,
) -> Result<MlpState<F>> {
    if n_features == 0 {
        return Err(NeuronaError::input("X", "has 0 features; it needs at least 1"));
    }
    let mut layer_units = vec![n_features];
    layer_units.extend_from_slice(&params.hidden_layer_sizes);
    layer_units.push(n_outputs);
    let mut own = None;
    let rng = given_or_seeded(random_state, params.training.random_state, &mut own);
    let mut state = starting_state(None, params, layer_units, head, false, rng, "MLP")?;
    let MlpState { mlp, params: weights, training } = &mut state;
    training.run_lbfgs_summed(mlp, weights, &params.training, evaluate)?;
    Ok(state)
}
