//! One fit of a recurrent estimator: the network built (or continued) from the sequences, then
//! [`crate::train`]'s loop, which sees the padded sequences as rows and their lengths beside
//! them; and the state a fit leaves behind.

use ndarray::{Array2, ArrayView2};

use crate::data::sequences::SequenceSet;
use crate::data::validate::check_reservable;
use crate::error::{NeuronaError, Result};
use crate::estimators::rnn::hyperparams::RnnValidParams;
use crate::float::Float;
use crate::init::glorot_uniform;
use crate::interrupt;
use crate::loss::OutputHead;
use crate::network::{Layout, Mlp, OutputPer, RecurrentNet, RecurrentShape};
use crate::params::Solver;
use crate::rng::RandomState;
use crate::train::{FitCall, SequenceRows, TrainingAttributes, TrainingSet};

/// Everything a fit learned: the network and its weights, and the training attributes
/// (`loss_curve_`, `n_iter_`, ...), which the state dereferences to.
#[derive(Debug, Clone, PartialEq)]
pub struct RnnState<F> {
    pub(crate) net: RecurrentNet,
    pub(crate) params: Vec<F>,
    pub(crate) training: TrainingAttributes<F>,
}

impl<F> std::ops::Deref for RnnState<F> {
    type Target = TrainingAttributes<F>;

    fn deref(&self) -> &TrainingAttributes<F> {
        &self.training
    }
}

/// A named tensor of the network: its name (PyTorch's for the recurrent layers, `coefs_{l}`
/// and `intercepts_{l}` for the dense head, as scikit-learn names its attributes), its shape
/// and its values.
pub type NamedTensor<'a, F> = (String, Vec<usize>, &'a [F]);

impl<F: Float> RnnState<F> {
    /// The network: recurrent layers, dense head, output per sequence or per step.
    pub fn network(&self) -> &RecurrentNet {
        &self.net
    }

    /// The flat parameter buffer: the recurrent tensors in PyTorch's order, then the head's
    /// weights and biases.
    pub fn flat_params(&self) -> &[F] {
        &self.params
    }

    /// Every weight tensor by name: PyTorch's `weight_ih_l0`, ..., then `coefs_0`,
    /// `intercepts_0`, ... of the dense head.
    pub fn tensors(&self) -> Vec<NamedTensor<'_, F>> {
        let mut tensors: Vec<NamedTensor<'_, F>> =
            (self.net.shape().tensors().into_iter()).map(|t| (t.name, t.shape, &self.params[t.range])).collect();
        let (offset, layout) = (self.net.n_recurrent(), self.net.head().layout());
        for l in 0..layout.n_weight_layers() {
            let (fan_in, fan_out) = layout.fans(l);
            let coefs = layout.coef_range(l);
            tensors.push((
                format!("coefs_{l}"),
                vec![fan_in, fan_out],
                &self.params[offset + coefs.start..offset + coefs.end],
            ));
        }
        for l in 0..layout.n_weight_layers() {
            let b = layout.intercept_range(l);
            tensors.push((format!("intercepts_{l}"), vec![b.len()], &self.params[offset + b.start..offset + b.end]));
        }
        tensors
    }

    /// `n_features_in_`: features per step.
    pub fn n_features_in(&self) -> usize {
        self.net.shape().input_size
    }

    /// `n_outputs_`: outputs per sequence (or per step).
    pub fn n_outputs(&self) -> usize {
        self.net.head().n_outputs()
    }

    /// `out_activation_`.
    pub fn out_activation(&self) -> &'static str {
        self.net.head().head().out_activation()
    }

    /// The network's outputs for `x`, one row per sequence (or per real step, sequence by
    /// sequence), after checking its width.
    pub(crate) fn outputs(&self, x: &SequenceSet<F>, estimator: &'static str) -> Result<Array2<F>> {
        if x.n_features() != self.n_features_in() {
            return Err(NeuronaError::FeatureMismatch {
                estimator,
                expected: self.n_features_in(),
                found: x.n_features(),
            });
        }
        let padded = interrupt::unless_fired(self.net.predict(&self.params, x.values(), x.lengths(), x.t_max()))?;
        Ok(match self.net.output() {
            OutputPer::Sequence => padded,
            OutputPer::Step => steps_as_rows(padded.view(), x.lengths(), self.n_outputs()),
        })
    }

    /// Replaces the weights by name (PyTorch's names and shapes for the recurrent layers,
    /// `coefs_{l}` / `intercepts_{l}` for the head): how weights trained elsewhere (PyTorch's
    /// `state_dict`) come in. Every recurrent tensor must be given, finite, with its shape; the
    /// head's are optional (a PyTorch `nn.LSTM`'s `state_dict` has none) and keep their values
    /// when absent.
    pub fn set_tensors(&mut self, given: &[(&str, Vec<usize>, &[F])]) -> Result<()> {
        let expected: Vec<(String, Vec<usize>, std::ops::Range<usize>)> = {
            let ranges = self.tensor_ranges();
            self.tensors().into_iter().zip(ranges).map(|((name, shape, _), range)| (name, shape, range)).collect()
        };
        let mut params = self.params.clone();
        for (name, shape, range) in &expected {
            let Some((_, found_shape, values)) = given.iter().find(|(n, _, _)| n == name) else {
                if name.starts_with("coefs_") || name.starts_with("intercepts_") {
                    continue;
                }
                return Err(NeuronaError::input("weights", format!("lack the tensor '{name}' of shape {shape:?}")));
            };
            if found_shape != shape || values.len() != range.len() {
                return Err(NeuronaError::input(
                    "weights",
                    format!("have '{name}' of shape {found_shape:?}, but the network's is {shape:?}"),
                ));
            }
            if values.iter().any(|v| !v.is_finite()) {
                return Err(NeuronaError::input("weights", format!("have a non-finite value in '{name}'")));
            }
            params[range.clone()].copy_from_slice(values);
        }
        if let Some((name, _, _)) = given.iter().find(|(n, _, _)| !expected.iter().any(|(e, _, _)| e == n)) {
            return Err(NeuronaError::input("weights", format!("have '{name}', which this network does not have")));
        }
        self.params = params;
        Ok(())
    }

    /// The range of each tensor of [`tensors`](Self::tensors) in the flat buffer.
    fn tensor_ranges(&self) -> Vec<std::ops::Range<usize>> {
        let mut ranges: Vec<_> = self.net.shape().tensors().into_iter().map(|t| t.range).collect();
        let (offset, layout) = (self.net.n_recurrent(), self.net.head().layout());
        let shift = |r: std::ops::Range<usize>| offset + r.start..offset + r.end;
        ranges.extend((0..layout.n_weight_layers()).map(|l| shift(layout.coef_range(l))));
        ranges.extend((0..layout.n_weight_layers()).map(|l| shift(layout.intercept_range(l))));
        ranges
    }
}

/// Per-step outputs `(n, t_max · k)` as rows `(Σ lengths, k)`, sequence by sequence.
pub(crate) fn steps_as_rows<F: Float>(padded: ArrayView2<'_, F>, lengths: &[usize], k: usize) -> Array2<F> {
    let total: usize = lengths.iter().sum();
    let mut rows = Array2::zeros((total, k));
    let mut next = 0;
    for (i, &len) in lengths.iter().enumerate() {
        for t in 0..len {
            rows.row_mut(next).assign(&padded.row(i).slice(ndarray::s![t * k..(t + 1) * k]));
            next += 1;
        }
    }
    rows
}

/// Targets given as rows (one per sequence, or one per real step sequence by sequence) as the
/// loop reads them: `(n, k)`, or `(n, t_max · k)` with zeros at padded steps.
pub(crate) fn targets_for_loop<F: Float>(rows: Array2<F>, x: &SequenceSet<F>, output: OutputPer) -> Array2<F> {
    if output == OutputPer::Sequence {
        return rows;
    }
    let (k, t_max) = (rows.ncols(), x.t_max());
    let mut padded = Array2::zeros((x.n_sequences(), t_max * k));
    let mut next = 0;
    for (i, &len) in x.lengths().iter().enumerate() {
        for t in 0..len {
            padded.row_mut(i).slice_mut(ndarray::s![t * k..(t + 1) * k]).assign(&rows.row(next));
            next += 1;
        }
    }
    padded
}

/// The number of target rows `x` needs: one per sequence, or one per real step.
pub(crate) fn n_target_rows<F: Float>(x: &SequenceSet<F>, output: OutputPer) -> usize {
    match output {
        OutputPer::Sequence => x.n_sequences(),
        OutputPer::Step => x.lengths().iter().sum(),
    }
}

/// Training data after validation: the targets as [`targets_for_loop`] lays them out, one
/// weight per sequence.
pub(crate) type SequenceData<'a, F> = crate::train::TrainingData<&'a SequenceSet<F>, F>;

/// One call to `fit` or `partial_fit`. Works on a copy of the state, so that a failed call
/// leaves the estimator as it was.
pub(crate) fn fit<F: Float>(
    params: &RnnValidParams,
    data: SequenceData<'_, F>,
    call: FitCall<'_, '_, RnnState<F>, F>,
) -> Result<RnnState<F>> {
    if call.incremental && params.training.solver == Solver::Lbfgs {
        return Err(NeuronaError::parameter("solver", "'sgd' or 'adam' for partial_fit", "'lbfgs'"));
    }
    let x = data.x;
    let shape = params.recurrent_shape(x.n_features());
    let mut own = None;
    let rng = crate::rng::given_or_seeded(call.options.random_state, params.training.random_state, &mut own);
    check_fit_memory::<F>(&shape, params, x)?;
    // Per step, each target row holds `t_max` blocks of the outputs.
    let n_outputs = if params.output == OutputPer::Step { data.y.ncols() / x.t_max() } else { data.y.ncols() };
    let mut state =
        starting_state(call.current, params, shape, data.head, n_outputs, call.incremental, rng, call.estimator)?;
    // The network as the loop trains it: the data's padded length and the settings that act
    // inside a batch's gradient. The state keeps the plain network.
    let training_net =
        state.net.clone().with_t_max(x.t_max()).with_training(params.dropout, rng.next_u32(), params.clip_grad_norm);
    let rows = ArrayView2::from_shape((x.n_sequences(), x.t_max() * x.n_features()), x.values())
        .expect("a sequence set is (n, t_max, n_features) row-major");
    let set = TrainingSet {
        x: rows,
        y: &data.y,
        sample_weight: data.sample_weight.as_deref(),
        scorer: data.scorer,
        stratify: data.stratify,
        sequences: Some(SequenceRows {
            lengths: x.lengths(),
            t_max: x.t_max(),
            per_step: params.output == OutputPer::Step,
        }),
    };
    let RnnState { params: weights, training, .. } = &mut state;
    training.run_solver(
        &training_net,
        weights,
        &params.training,
        &set,
        call.incremental,
        rng,
        call.options.on_epoch,
    )?;
    Ok(state)
}

/// The state a call trains from: a copy of `current` when training continues (`warm_start` or
/// `partial_fit`), after checking that the network is the same, else fresh weights.
#[allow(clippy::too_many_arguments)]
fn starting_state<F: Float>(
    current: Option<&RnnState<F>>,
    params: &RnnValidParams,
    shape: RecurrentShape,
    head: OutputHead,
    n_outputs: usize,
    incremental: bool,
    rng: &mut RandomState,
    estimator: &'static str,
) -> Result<RnnState<F>> {
    let net = network(params, shape, head, n_outputs);
    match current {
        Some(state) if params.training.warm_start || incremental => {
            if state.n_features_in() != shape.input_size {
                return Err(NeuronaError::FeatureMismatch {
                    estimator,
                    expected: state.n_features_in(),
                    found: shape.input_size,
                });
            }
            if state.net.shape() != net.shape() || state.net.head().layout() != net.head().layout() {
                return Err(NeuronaError::parameter(
                    "cell",
                    "unchanged, with the same layer sizes, to continue training (warm_start or partial_fit)",
                    format!("{:?}", net.shape()),
                ));
            }
            let mut state = state.clone();
            state.net = net;
            Ok(state)
        }
        _ => Ok(fresh_state(net, params, rng)),
    }
}

/// A network that has not trained yet, its weights drawn: the recurrent layers uniform in
/// ±1/√H in PyTorch's order, then the head as scikit-learn's MLP draws it.
fn fresh_state<F: Float>(net: RecurrentNet, params: &RnnValidParams, rng: &mut RandomState) -> RnnState<F> {
    let mut weights: Vec<F> = net.shape().init(rng);
    weights.extend(glorot_uniform::<F>(net.head().layout(), params.activation, rng));
    let stochastic = params.training.solver.is_stochastic();
    let training = TrainingAttributes::fresh(weights.clone(), stochastic, stochastic && params.training.early_stopping);
    RnnState { net, params: weights, training }
}

/// A network that has not trained yet, holding the given weights by name (see
/// [`RnnState::set_tensors`]) instead of drawn ones: what `partial_fit` and a warm-start `fit`
/// continue from (weights trained elsewhere, PyTorch's `state_dict` among them).
pub(crate) fn state_with_tensors<F: Float>(
    params: &RnnValidParams,
    n_features: usize,
    head: OutputHead,
    n_outputs: usize,
    tensors: &[(&str, Vec<usize>, &[F])],
) -> Result<RnnState<F>> {
    let shape = params.recurrent_shape(n_features);
    shape.check()?;
    let mut own = None;
    let rng = crate::rng::given_or_seeded(None, params.training.random_state, &mut own);
    let mut state = fresh_state(network(params, shape, head, n_outputs), params, rng);
    state.set_tensors(tensors)?;
    state.training.best_params.copy_from_slice(&state.params);
    Ok(state)
}

/// The network for these settings: recurrent layers, then the dense head with `n_outputs`.
fn network(params: &RnnValidParams, shape: RecurrentShape, head: OutputHead, n_outputs: usize) -> RecurrentNet {
    let mut units = vec![shape.output_size()];
    units.extend_from_slice(&params.hidden_layer_sizes);
    units.push(n_outputs);
    RecurrentNet::new(shape, Mlp::new(Layout::new(units), params.activation, head), params.output, 1)
}

/// [`check_reservable`] for a fit: the parameters and their copies (gradient, best weights,
/// Adam's moments; L-BFGS's history), and the values a batch's passes keep per step (the gates
/// and states of every layer and direction).
fn check_fit_memory<F: Float>(shape: &RecurrentShape, params: &RnnValidParams, x: &SequenceSet<F>) -> Result<()> {
    let n_params = shape.n_params() as f64;
    let batch = match params.training.batch_size {
        _ if !params.training.solver.is_stochastic() => x.n_sequences(),
        crate::params::BatchSize::Auto => x.n_sequences().min(200),
        crate::params::BatchSize::Fixed(size) => x.n_sequences().min(size),
    };
    let per_step = (shape.gates() + 3) * shape.hidden_size * shape.directions() * shape.num_layers;
    let values = n_params * 25.0 + (batch * x.t_max() * per_step) as f64 * 2.0;
    check_reservable(|| format!("a recurrent network of {} parameters", shape.n_params()), values, size_of::<F>())
}
