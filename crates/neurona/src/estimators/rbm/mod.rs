//! The restricted Boltzmann machine: [`BernoulliRbm`], scikit-learn's
//! `sklearn.neural_network.BernoulliRBM` in Rust.
//!
//! A restricted Boltzmann machine (P. Smolensky's "harmonium", 1986) is the network with
//! undirected links: binary visible units `v` and hidden units `h`, connected by weights `W`
//! (no links inside a layer), with the energy `E(v, h) = -v·b_v - h·b_h - hᵀ·W·v` and the
//! probability `P(v, h) ∝ exp(-E(v, h))`. Because a layer has no inner links, each layer is
//! conditionally independent given the other: `P(h_j = 1 | v) = σ(W_j·v + b_h_j)` and
//! `P(v_i = 1 | h) = σ(W_:iᵀ·h + b_v_i)`. [`BernoulliRbm::transform`] returns the first of these,
//! a learned feature map.
//!
//! Training maximises the likelihood by stochastic gradient ascent. The gradient is the
//! difference between the data's correlations `⟨v hᵀ⟩_data` (exact, by mean field) and the
//! model's `⟨v hᵀ⟩_model`, which is estimated by Gibbs sampling: contrastive divergence (G. E.
//! Hinton, "Training products of experts by minimizing contrastive divergence", Neural
//! Computation 14(8), 2002) restarts a short chain at the data; persistent contrastive divergence
//! (T. Tieleman, "Training restricted Boltzmann machines using approximations to the likelihood
//! gradient", ICML 2008), which scikit-learn and this module use, keeps one chain of `batch_size`
//! fantasy particles running across minibatches (`h_samples_`). The per-sample score is the
//! pseudo-likelihood (J. Besag, 1975), estimated by flipping one random feature per sample.
//!
//! For the same `random_state` a fit gives scikit-learn 1.9.1's `components_`, intercepts and
//! `h_samples_`: the weights are drawn `normal(0, 0.01)` from the same Mersenne Twister stream,
//! the batches are the same contiguous slices (no shuffling) and every Bernoulli draw is the same
//! `uniform` from that stream. Only the summation order of the matrix products differs (about
//! 1e-16 per operation; the fixtures agree within 1e-10 after several epochs).
//!
//! # Differences from scikit-learn
//!
//! * Dense input only (no sparse matrices).
//! * Input values are not checked against [0, 1], as in scikit-learn: the units are treated as
//!   probabilities of being on, and values outside that range give numbers without meaning but
//!   no error (scikit-learn's own tests score rows of 100 000s). NaN and infinity are rejected.
//! * `partial_fit` trains in `F` (scikit-learn converts its input to float64) and returns
//!   `Result<()>` (scikit-learn's returns `None`). `gibbs` checks its input (scikit-learn does
//!   not).
//! * A step that makes a weight NaN or infinite gives [`NeuronaError::NonFiniteWeights`], and a
//!   failed call leaves the estimator as it was.
//! * `random_state = None` seeds from the operating system: each `fit` (its verbose scoring
//!   included) and each `score_samples` call draws from a stream of its own, while `partial_fit`
//!   and `gibbs` share the estimator's `random_state_` stream. scikit-learn shares numpy's global
//!   stream between all of them; the `*_with_rng` methods take a caller's stream for that
//!   behaviour (and for a `RandomState` instance).

pub mod algorithm;
mod assign;
pub mod hyperparams;
mod model_file;

use crate::clock::Stopwatch;
use std::ops::ControlFlow;

use ndarray::{Array1, Array2, ArrayView2, CowArray, Ix2};

use crate::data::validate::{check_features, check_reservable};
use crate::error::{NeuronaError, Result};
use crate::float::Float;
use crate::interrupt;
use crate::rng::RandomState;

pub use algorithm::RbmState;
pub use hyperparams::{RbmParams, RbmValidParams};

use algorithm::{PcdWorkspace, pairwise_sum, pcd_step};

const NAME: &str = "BernoulliRBM";

/// Where a fit is, passed to the callback of [`BernoulliRbm::fit_with`] after every epoch.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RbmEpochProgress {
    /// Epochs run so far, from 1.
    pub epoch: usize,
    /// `n_iter`: the epochs of the whole fit.
    pub n_iter: usize,
    /// The mean pseudo-likelihood of the training rows after this epoch: the number of
    /// scikit-learn's verbose line (see [`BernoulliRbm::score_samples`]).
    pub pseudo_likelihood: f64,
}

/// A callback run after every epoch of [`BernoulliRbm::fit_with`]; `ControlFlow::Break` stops
/// the fit after that epoch, keeping what was learned.
pub type RbmEpochCallback<'a> = dyn FnMut(&RbmEpochProgress) -> ControlFlow<()> + 'a;

/// Extra inputs of [`BernoulliRbm::fit_with`].
#[derive(Default)]
pub struct RbmFitOptions<'a> {
    /// Draw from this stream instead of one seeded from `random_state` (see
    /// [`BernoulliRbm::fit_with_rng`]).
    pub random_state: Option<&'a mut RandomState>,
    /// Called after every epoch with the pseudo-likelihood of the training rows. Scoring takes
    /// two passes over the data per epoch, and draws the flipped features from a stream of its
    /// own, so that the fit is the same with or without a callback (except with `verbose` and a
    /// shared stream, where the verbose line's score, drawn from the shared stream as
    /// scikit-learn draws it, is passed on).
    pub on_epoch: Option<&'a mut RbmEpochCallback<'a>>,
}

impl std::fmt::Debug for RbmFitOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RbmFitOptions")
            .field("random_state", &self.random_state.is_some())
            .field("on_epoch", &self.on_epoch.is_some())
            .finish()
    }
}

/// A restricted Boltzmann machine with binary units, trained by persistent contrastive
/// divergence: scikit-learn's `BernoulliRBM`.
///
/// See the [module documentation](self) for the model, the papers and the differences from
/// scikit-learn.
///
/// ```
/// use neurona::prelude::*;
///
/// // Digits scaled to [0, 1], as in scikit-learn's RBM example.
/// let x = neurona::datasets::digits().data.mapv(|v| v / 16.0);
/// let params = RbmParams::new().n_components(32).n_iter(3).random_state(0).check()?;
/// let mut rbm = BernoulliRbm::<f64>::new(params);
/// let features = rbm.fit_transform(x.view())?;
/// assert_eq!(features.dim(), (1797, 32));
/// assert!(features.iter().all(|&p| (0.0..=1.0).contains(&p)));
/// // The pseudo-likelihood is a log-probability: negative.
/// let scores = rbm.score_samples(x.view())?;
/// assert!(scores.mean().unwrap() < 0.0);
/// # Ok::<(), neurona::NeuronaError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct BernoulliRbm<F: Float = f64> {
    params: RbmValidParams,
    state: Option<RbmState<F>>,
    /// scikit-learn's `random_state_`: created by the first `partial_fit` or `gibbs`.
    stream: Option<RandomState>,
}

impl<F: Float> BernoulliRbm<F> {
    /// An unfitted machine with these hyperparameters.
    pub fn new(params: RbmValidParams) -> Self {
        Self { params, state: None, stream: None }
    }

    crate::estimators::fitted_accessors!(RbmValidParams, RbmState<F>, NAME);

    /// scikit-learn's `random_state_`: the stream of `partial_fit` and `gibbs`, once created.
    pub fn random_stream(&self) -> Option<&RandomState> {
        self.stream.as_ref()
    }

    /// Replaces `random_state_`, the stream `partial_fit` and `gibbs` draw from (`None`: not
    /// created yet), e.g. with the state of a caller's stream that a binding keeps itself.
    pub fn set_random_stream(&mut self, stream: Option<RandomState>) {
        self.stream = stream;
    }

    /// `get_feature_names_out()`: `bernoullirbm0`, `bernoullirbm1`, ...
    pub fn feature_names_out(&self) -> Result<Vec<String>> {
        Ok((0..self.state()?.n_components()).map(|j| format!("bernoullirbm{j}")).collect())
    }

    /// Trains from scratch on `x: (n_samples, n_features)`: `n_iter` epochs over the contiguous
    /// batches of `batch_size` rows (the last one shorter), one persistent-contrastive-divergence
    /// step each (scikit-learn's `fit`). A caller's interruption check ([`crate::interrupt`]),
    /// asked before every batch, stops the fit there, keeping the batches done.
    pub fn fit(&mut self, x: ArrayView2<'_, F>) -> Result<()> {
        self.fit_with(x, RbmFitOptions::default())
    }

    /// [`fit`](Self::fit) drawing from a caller's stream (scikit-learn's `RandomState` instance):
    /// the initial weights, every sample and, with `verbose`, the pseudo-likelihood's flips.
    pub fn fit_with_rng(&mut self, x: ArrayView2<'_, F>, rng: &mut RandomState) -> Result<()> {
        self.fit_with(x, RbmFitOptions { random_state: Some(rng), on_epoch: None })
    }

    /// [`fit`](Self::fit) with a caller's stream or an epoch callback (for a progress bar, a
    /// learning curve, or stopping early on Ctrl-C).
    pub fn fit_with(&mut self, x: ArrayView2<'_, F>, options: RbmFitOptions<'_>) -> Result<()> {
        match options.random_state {
            Some(rng) => self.fit_from(x, rng, true, options.on_epoch),
            None => {
                let mut rng = self.fresh_stream();
                self.fit_from(x, &mut rng, self.params.random_state.is_none(), options.on_epoch)
            }
        }
    }

    /// [`fit`](Self::fit), then [`transform`](Self::transform) of the same rows.
    pub fn fit_transform(&mut self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        self.fit(x)?;
        self.transform(x)
    }

    /// One persistent-contrastive-divergence step with all of `x` as a single batch, from the
    /// current parameters (initialised on the first call); scikit-learn's `partial_fit`, which
    /// neither shuffles nor splits `x` into `batch_size` batches. Draws from `random_state_`.
    pub fn partial_fit(&mut self, x: ArrayView2<'_, F>) -> Result<()> {
        self.with_stream(|rbm, rng| rbm.partial_fit_from(x, rng))
    }

    /// Runs `f` with `random_state_` (created from `random_state` on first use) and keeps the
    /// stream where `f` left it.
    fn with_stream<R>(&mut self, f: impl FnOnce(&mut Self, &mut RandomState) -> R) -> R {
        let mut rng = match self.stream.take() {
            Some(rng) => rng,
            None => self.fresh_stream(),
        };
        let result = f(self, &mut rng);
        self.stream = Some(rng);
        result
    }

    /// [`partial_fit`](Self::partial_fit) drawing from a caller's stream instead of
    /// `random_state_`.
    pub fn partial_fit_with_rng(&mut self, x: ArrayView2<'_, F>, rng: &mut RandomState) -> Result<()> {
        self.partial_fit_from(x, rng)
    }

    /// The hidden units' probabilities `σ(x·Wᵀ + b_h)`, `(n_samples, n_components)`: the learned
    /// features.
    pub fn transform(&self, x: ArrayView2<'_, F>) -> Result<Array2<F>> {
        let state = self.state()?;
        let rows = self.checked_rows(x)?;
        let mut out = Array2::zeros((x.nrows(), state.n_components()));
        state.hidden_probabilities(
            out.as_slice_mut().expect("freshly allocated"),
            rows.as_slice().expect("standard layout"),
            x.nrows(),
        );
        interrupt::unless_fired(out)
    }

    /// One Gibbs step from `v` (visible → hidden sample → visible sample), drawing from
    /// `random_state_`: a sample of the model near `v`, as booleans.
    pub fn gibbs(&mut self, v: ArrayView2<'_, F>) -> Result<Array2<bool>> {
        self.state()?;
        self.with_stream(|rbm, rng| rbm.gibbs_with_rng(v, rng))
    }

    /// [`gibbs`](Self::gibbs) drawing from a caller's stream.
    pub fn gibbs_with_rng(&self, v: ArrayView2<'_, F>, rng: &mut RandomState) -> Result<Array2<bool>> {
        let state = self.state()?;
        let rows = self.checked_rows(v)?;
        interrupt::unless_fired(state.gibbs(rows.as_slice().expect("standard layout"), v.nrows(), rng))
    }

    /// The pseudo-likelihood of each row of `x` (scikit-learn's `score_samples`): random, but
    /// deterministic for an int `random_state`, since every call starts a fresh stream from it.
    pub fn score_samples(&self, x: ArrayView2<'_, F>) -> Result<Array1<F>> {
        self.score_samples_with_rng(x, &mut self.fresh_stream())
    }

    /// [`score_samples`](Self::score_samples) drawing the flipped features from a caller's stream.
    pub fn score_samples_with_rng(&self, x: ArrayView2<'_, F>, rng: &mut RandomState) -> Result<Array1<F>> {
        let state = self.state()?;
        let rows = self.checked_rows(x)?;
        interrupt::unless_fired(state.pseudo_likelihood(rows.as_slice().expect("standard layout"), x.nrows(), rng))
    }

    /// scikit-learn's `check_random_state(random_state)` for an int or `None`.
    fn fresh_stream(&self) -> RandomState {
        self.params.random_state.map_or_else(RandomState::from_entropy, RandomState::new)
    }

    /// `x` checked against the fitted width and as a row-major copy or view.
    fn checked_rows<'a>(&self, x: ArrayView2<'a, F>) -> Result<CowArray<'a, F, Ix2>> {
        let expected = self.state()?.n_features_in();
        if x.ncols() != expected {
            return Err(NeuronaError::FeatureMismatch { estimator: NAME, expected, found: x.ncols() });
        }
        check_features(x, NAME)?;
        Ok(if x.is_standard_layout() { CowArray::from(x) } else { CowArray::from(x.as_standard_layout().into_owned()) })
    }

    /// The body of `fit`; `shared` says whether the verbose scoring draws from `rng` too (for
    /// `None` and caller streams, as scikit-learn's shared stream does) or from a fresh stream.
    fn fit_from(
        &mut self,
        x: ArrayView2<'_, F>,
        rng: &mut RandomState,
        shared: bool,
        mut on_epoch: Option<&mut RbmEpochCallback<'_>>,
    ) -> Result<()> {
        check_features(x, NAME)?;
        let params = &self.params;
        let (n_samples, n_features) = x.dim();
        check_memory::<F>(params.n_components, n_features, params.batch_size)?;
        let rows = x.as_standard_layout();
        let rows = rows.as_slice().expect("standard layout");
        let mut state = RbmState::initialize(params.n_components, n_features, params.batch_size, rng);
        let batch = params.batch_size;
        let mut ws = PcdWorkspace::new(params.n_components, n_features, batch, batch);
        let mut watch = Stopwatch::start();
        'epochs: for iteration in 1..=params.n_iter {
            for start in (0..n_samples).step_by(batch) {
                if interrupt::requested() {
                    // The caller interrupted: the batches done are kept, this epoch unscored.
                    break 'epochs;
                }
                let end = (start + batch).min(n_samples);
                pcd_step(
                    &mut state,
                    &rows[start * n_features..end * n_features],
                    end - start,
                    params.learning_rate,
                    rng,
                    &mut ws,
                );
            }
            if !params.verbose && on_epoch.is_none() {
                continue;
            }
            let scores = if params.verbose && shared {
                state.pseudo_likelihood(rows, n_samples, rng)
            } else {
                state.pseudo_likelihood(rows, n_samples, &mut self.fresh_stream())
            };
            if interrupt::fired() {
                // Interrupted while scoring: the score covers part of the rows, and is not said.
                break;
            }
            let mean = pairwise_sum(scores.as_slice().expect("contiguous")).as_f64() / n_samples as f64;
            if params.verbose {
                println!(
                    "[BernoulliRBM] Iteration {iteration}, pseudo-likelihood = {mean:.2}, time = {:.2}s",
                    watch.lap()
                );
            }
            if let Some(callback) = on_epoch.as_deref_mut() {
                let progress = RbmEpochProgress { epoch: iteration, n_iter: params.n_iter, pseudo_likelihood: mean };
                if callback(&progress).is_break() {
                    break;
                }
            }
        }
        if !state.is_finite() {
            return Err(NeuronaError::NonFiniteWeights);
        }
        self.state = Some(state);
        Ok(())
    }

    fn partial_fit_from(&mut self, x: ArrayView2<'_, F>, rng: &mut RandomState) -> Result<()> {
        check_features(x, NAME)?;
        let (n_samples, n_features) = x.dim();
        let params = &self.params;
        let mut state = match &self.state {
            Some(state) => {
                if n_features != state.n_features_in() {
                    return Err(NeuronaError::FeatureMismatch {
                        estimator: NAME,
                        expected: state.n_features_in(),
                        found: n_features,
                    });
                }
                state.clone()
            }
            None => {
                check_memory::<F>(params.n_components, n_features, params.batch_size)?;
                RbmState::initialize(params.n_components, n_features, params.batch_size, rng)
            }
        };
        let rows = x.as_standard_layout();
        let chain = state.h_samples.nrows();
        let mut ws = PcdWorkspace::new(state.n_components(), n_features, chain, n_samples);
        pcd_step(&mut state, rows.as_slice().expect("standard layout"), n_samples, params.learning_rate, rng, &mut ws);
        if !state.is_finite() {
            return Err(NeuronaError::NonFiniteWeights);
        }
        self.state = Some(state);
        Ok(())
    }
}

/// [`check_reservable`] for what a fit holds at once: the weights and their two gradient halves
/// (`3 · n_components · n_features`), and per row of the chain and of a batch the hidden and
/// visible units of the positive and negative phases.
fn check_memory<F: Float>(n_components: usize, n_features: usize, batch_size: usize) -> Result<()> {
    let (components, features) = (n_components as f64, n_features as f64);
    let values = 3.0 * components * features + 4.0 * batch_size as f64 * (components + features);
    check_reservable(
        || format!("a BernoulliRBM of {n_components} components on {n_features} features (batch_size {batch_size})"),
        values,
        size_of::<F>(),
    )
}
