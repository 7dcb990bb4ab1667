//! The recurrent network the sequence estimators train: the recurrent layers
//! ([`recurrent`]), then a dense head (an [`Mlp`] whose input is the
//! recurrent output) with scikit-learn's output layer and loss.
//!
//! One output per sequence reads the *last state* of each sequence (the top layer's forward
//! output at the sequence's own last step, with the reverse direction's output at step 0 when
//! bidirectional); one output per step reads every step's output, and only the real steps enter
//! the loss. The objective is scikit-learn's MLP objective over those rows, with the L2 penalty
//! over every weight matrix, recurrent and dense: `loss = head.loss(y, P, s) + α/(2S)·‖W‖²`.
//!
//! The flat parameter buffer holds the recurrent tensors first, in PyTorch's order
//! ([`RecurrentShape::tensors`]), then the head's buffer ([`Layout`](crate::network::Layout)).

use ndarray::{Array2, ArrayView2};

use crate::float::Float;
use crate::interrupt;
use crate::linalg::{MatRef, sum_of_squares};
use crate::network::objective::{Batch, Objective};
use crate::network::recurrent::{self, DropoutMasks, RecurrentShape, RecurrentWorkspace, Sequences};
use crate::network::{Mlp, Workspace};
use crate::params::declare::named_enum;
use crate::rng::RandomState;

named_enum! {
    /// What a recurrent estimator predicts (its `output`). Default: one output per sequence.
    pub enum OutputPer for "output" {
        /// One output per sequence, from its last state (classification or regression of whole
        /// sequences).
        #[default]
        Sequence = "sequence",
        /// One output per step (tagging, step-by-step forecasting).
        Step = "step",
    }
}

/// Sequences per block when predicting, so that memory stays bounded whatever their number
/// (the products of a step then have this many rows at most).
const PREDICT_BLOCK: usize = 256;

/// Steps per block when predicting (sequences times `t_max`): the forward pass keeps every
/// step's gates, so that long sequences take fewer per block, and memory (and the wait for the
/// first interruption check, which follows the block's allocation and input product) stays
/// bounded whatever their length. At `t_max` up to 64 the block is [`PREDICT_BLOCK`].
const PREDICT_BLOCK_STEPS: usize = 16_384;

/// A recurrent network: its layers' shape, the dense head, what it outputs, and the training
/// options that act inside a batch's gradient (dropout between layers, gradient-norm clipping).
#[derive(Debug, Clone, PartialEq)]
pub struct RecurrentNet {
    shape: RecurrentShape,
    head: Mlp,
    output: OutputPer,
    t_max: usize,
    dropout: f64,
    clip_grad_norm: Option<f64>,
    dropout_seed: u32,
    /// Each recurrent tensor's range and whether it is penalised (weights, not biases).
    tensors: Vec<(std::ops::Range<usize>, bool)>,
}

impl RecurrentNet {
    /// A network of recurrent layers `shape` under the dense `head` (whose input is
    /// `shape.output_size()` wide), for sequences padded to `t_max` steps.
    pub fn new(shape: RecurrentShape, head: Mlp, output: OutputPer, t_max: usize) -> Self {
        debug_assert_eq!(head.n_features(), shape.output_size(), "the head reads the recurrent output");
        let tensors = shape.tensors().into_iter().map(|t| (t.range, t.penalised)).collect();
        Self { shape, head, output, t_max, dropout: 0.0, clip_grad_norm: None, dropout_seed: 0, tensors }
    }

    /// Training with PyTorch's dropout `p` between recurrent layers, its masks drawn from a
    /// stream seeded with `seed`, and every batch's gradient clipped to the 2-norm `clip`.
    pub fn with_training(mut self, dropout: f64, seed: u32, clip: Option<f64>) -> Self {
        self.dropout = dropout;
        self.dropout_seed = seed;
        self.clip_grad_norm = clip;
        self
    }

    /// The recurrent layers.
    pub fn shape(&self) -> &RecurrentShape {
        &self.shape
    }

    /// The dense head.
    pub fn head(&self) -> &Mlp {
        &self.head
    }

    /// One output per sequence or per step.
    pub fn output(&self) -> OutputPer {
        self.output
    }

    /// The padded number of steps of the training sequences.
    pub fn t_max(&self) -> usize {
        self.t_max
    }

    /// The same network for sequences padded to `t_max` steps.
    pub fn with_t_max(mut self, t_max: usize) -> Self {
        self.t_max = t_max;
        self
    }

    /// The number of recurrent parameters, at the front of the flat buffer.
    pub fn n_recurrent(&self) -> usize {
        self.shape.n_params()
    }

    /// The outputs for `values: (n, t_max, n_features)` (row-major, padded) with `lengths`:
    /// `(n, n_outputs)` per sequence, or `(n, t_max · n_outputs)` per step with zeros at the
    /// padded steps. Computed in blocks of sequences, which stop once a caller's interruption
    /// check fires ([`crate::interrupt`]).
    pub fn predict<F: Float>(&self, params: &[F], values: &[F], lengths: &[usize], t_max: usize) -> Array2<F> {
        let (n, k) = (lengths.len(), self.head.n_outputs());
        let width = if self.output == OutputPer::Step { t_max * k } else { k };
        let mut out = Array2::zeros((n, width));
        if n == 0 {
            return out;
        }
        let step = t_max * self.shape.input_size;
        let block = (PREDICT_BLOCK_STEPS / t_max.max(1)).clamp(1, PREDICT_BLOCK).min(n);
        let mut ws = NetWorkspace::new(self, block, t_max, false);
        ws.recurrent.interruptible = true;
        let out_slice = out.as_slice_mut().expect("a fresh array is contiguous");
        for (b, out_block) in out_slice.chunks_mut(block * width).enumerate() {
            // Asked between blocks: an interrupted prediction leaves the rest zero, and its
            // caller returns no result (see `Mlp::predict_rows`).
            if b > 0 && interrupt::requested() {
                break;
            }
            let rows = out_block.len() / width;
            let start = b * block;
            let seqs = Sequences {
                values: &values[start * step..(start + rows) * step],
                lengths: &lengths[start..start + rows],
                t_max,
            };
            let head_rows = self.forward(params, seqs, &mut ws, false);
            let outputs = ws.head.workspace.output(head_rows, k);
            match self.output {
                OutputPer::Sequence => out_block.copy_from_slice(outputs),
                OutputPer::Step => scatter_steps(outputs, seqs.lengths, t_max, k, out_block),
            }
        }
        out
    }

    /// The forward pass of a batch: the recurrent layers, then the head over its rows (the
    /// last states, or every real step). Returns the number of head rows.
    fn forward<F: Float>(&self, params: &[F], seqs: Sequences<'_, F>, ws: &mut NetWorkspace<F>, train: bool) -> usize {
        let (rec, head_params) = params.split_at(self.n_recurrent());
        let masks = if train && self.dropout > 0.0 && self.shape.num_layers > 1 {
            let drawn = match &mut ws.masks {
                Some(masks) => masks.redraw(&self.shape, seqs.len(), seqs.t_max, self.dropout, &mut ws.rng),
                None => DropoutMasks::draw(&self.shape, seqs.len(), seqs.t_max, self.dropout, &mut ws.rng)
                    .map(|masks| ws.masks = Some(masks)),
            };
            drawn.expect("the estimator checked dropout and the batch");
            ws.masks.as_ref()
        } else {
            None
        };
        ws.recurrent.padded_outputs = matches!(self.output, OutputPer::Step);
        recurrent::forward(&self.shape, rec, seqs, masks, &mut ws.recurrent).expect("the estimator checked the batch");
        let dh = self.shape.output_size();
        let rows = match self.output {
            OutputPer::Sequence => {
                ws.head_input[..seqs.len() * dh].copy_from_slice(ws.recurrent.last_states());
                seqs.len()
            }
            OutputPer::Step => gather_steps(ws.recurrent.outputs(), seqs.lengths, seqs.t_max, dh, &mut ws.head_input),
        };
        ws.head.ensure(&self.head, rows);
        self.head.forward(
            head_params,
            MatRef::row_major(&ws.head_input[..rows * dh], rows, dh),
            &mut ws.head.workspace,
        );
        rows
    }
}

/// The buffers of a recurrent network's passes, made once per fit.
#[derive(Debug)]
pub struct NetWorkspace<F> {
    recurrent: RecurrentWorkspace<F>,
    head: HeadBuffers<F>,
    /// The head's input rows, `(rows, D·H)`.
    head_input: Vec<F>,
    /// The raw gradient with respect to the head's input, `(rows, D·H)`.
    head_delta: Vec<F>,
    /// Per step: the targets and weights of the real steps, gathered.
    step_targets: Vec<F>,
    step_weights: Vec<F>,
    /// The gradient with respect to the recurrent outputs or final states.
    d_recurrent: Vec<F>,
    masks: Option<DropoutMasks<F>>,
    rng: RandomState,
}

/// The head's workspace, grown when a batch has more rows (per step, a batch's rows are its real
/// steps, unknown until the batch is gathered).
#[derive(Debug)]
struct HeadBuffers<F> {
    workspace: Workspace<F>,
    backward: bool,
}

impl<F: Float> HeadBuffers<F> {
    fn ensure(&mut self, head: &Mlp, rows: usize) {
        if self.workspace.capacity() < rows {
            self.workspace = if self.backward {
                Workspace::new(head.layout(), rows)
            } else {
                Workspace::for_prediction(head.layout(), rows)
            };
        }
    }
}

impl<F: Float> NetWorkspace<F> {
    fn new(net: &RecurrentNet, max_rows: usize, t_max: usize, backward: bool) -> Self {
        let dh = net.shape.output_size();
        let head_rows = match net.output {
            OutputPer::Sequence => max_rows,
            OutputPer::Step => max_rows * t_max,
        };
        let workspace = if backward {
            Workspace::new(net.head.layout(), head_rows)
        } else {
            Workspace::for_prediction(net.head.layout(), head_rows)
        };
        let k = net.head.n_outputs();
        let d_len = match net.output {
            OutputPer::Sequence => net.shape.num_layers * net.shape.directions() * max_rows * net.shape.hidden_size,
            OutputPer::Step => max_rows * t_max * dh,
        };
        Self {
            recurrent: if backward {
                RecurrentWorkspace::new(&net.shape, max_rows, t_max)
            } else {
                RecurrentWorkspace::for_prediction(&net.shape, max_rows, t_max)
            },
            head: HeadBuffers { workspace, backward },
            head_input: vec![F::zero(); head_rows * dh],
            head_delta: vec![F::zero(); if backward { head_rows * dh } else { 0 }],
            step_targets: vec![F::zero(); if net.output == OutputPer::Step { head_rows * k } else { 0 }],
            step_weights: vec![F::zero(); if net.output == OutputPer::Step { head_rows } else { 0 }],
            d_recurrent: vec![F::zero(); if backward { d_len } else { 0 }],
            masks: None,
            rng: RandomState::new(net.dropout_seed),
        }
    }
}

/// The real steps of `outputs: (n, t_max, width)` as rows `(Σ lengths, width)` (sequence by
/// sequence, step by step) into `rows`. Returns their number.
fn gather_steps<F: Float>(outputs: &[F], lengths: &[usize], t_max: usize, width: usize, rows: &mut [F]) -> usize {
    let mut next = 0;
    for (i, &len) in lengths.iter().enumerate() {
        let from = i * t_max * width;
        rows[next * width..(next + len) * width].copy_from_slice(&outputs[from..from + len * width]);
        next += len;
    }
    next
}

/// The inverse of [`gather_steps`]: rows back into `(n, t_max, width)`, zeros at padded steps.
fn scatter_steps<F: Float>(rows: &[F], lengths: &[usize], t_max: usize, width: usize, out: &mut [F]) {
    out[..lengths.len() * t_max * width].fill(F::zero());
    let mut next = 0;
    for (i, &len) in lengths.iter().enumerate() {
        let to = i * t_max * width;
        out[to..to + len * width].copy_from_slice(&rows[next * width..(next + len) * width]);
        next += len;
    }
}

/// The training loop's view of the recurrent network.
impl<F: Float> Objective<F> for RecurrentNet {
    type Workspace = NetWorkspace<F>;

    fn n_params(&self) -> usize {
        self.n_recurrent() + self.head.layout().len()
    }

    fn workspace(&self, max_rows: usize) -> NetWorkspace<F> {
        NetWorkspace::new(self, max_rows, self.t_max, true)
    }

    fn loss_and_gradient(
        &self,
        params: &[F],
        batch: Batch<'_, F>,
        alpha: f64,
        ws: &mut NetWorkspace<F>,
        grad: &mut [F],
    ) -> f64 {
        let lengths = batch.lengths.expect("a recurrent network trains on sequences");
        let n = lengths.len();
        let values = batch.input.as_row_major_slice().expect("batches are gathered row-major");
        let seqs = Sequences { values: &values[..n * self.t_max * self.shape.input_size], lengths, t_max: self.t_max };
        let rows = self.forward(params, seqs, ws, true);
        let (k, dh) = (self.head.n_outputs(), self.shape.output_size());
        let (targets, weights) = match self.output {
            OutputPer::Sequence => (&batch.targets[..n * k], batch.sample_weight),
            OutputPer::Step => {
                gather_steps(batch.targets, lengths, self.t_max, k, &mut ws.step_targets);
                if let Some(sw) = batch.sample_weight {
                    let steps = lengths.iter().zip(sw).flat_map(|(&len, &w)| std::iter::repeat_n(w, len));
                    ws.step_weights.iter_mut().zip(steps).for_each(|(d, w)| *d = w);
                }
                (&ws.step_targets[..rows * k], batch.sample_weight.map(|_| &ws.step_weights[..rows]))
            }
        };
        let n_rec = self.n_recurrent();
        let (rec_params, head_params) = params.split_at(n_rec);
        let (rec_grad, head_grad) = grad.split_at_mut(n_rec);
        let head_input = MatRef::row_major(&ws.head_input[..rows * dh], rows, dh);
        let head_loss = self.head.loss_and_gradient(
            head_params,
            Batch::rows(head_input, targets).weighted(weights),
            alpha,
            &mut ws.head.workspace,
            head_grad,
            Some(&mut ws.head_delta[..rows * dh]),
        );
        let sw_sum = match weights {
            Some(w) => w.iter().fold(F::zero(), |acc, &v| acc + v),
            None => F::from_usize(rows),
        };
        self.recurrent_backward(rec_params, seqs, ws, rec_grad);
        let penalty = self.scale_recurrent_gradient(rec_params, rec_grad, alpha, sw_sum);
        if let Some(max_norm) = self.clip_grad_norm {
            recurrent::clip_grad_norm(grad, max_norm);
        }
        head_loss + 0.5 * alpha * penalty / sw_sum.as_f64()
    }

    fn outputs(&self, params: &[F], x: ArrayView2<'_, F>, lengths: Option<&[usize]>, rows: &[usize]) -> Array2<F> {
        let lengths = lengths.expect("a recurrent network reads sequences");
        let picked = x.select(ndarray::Axis(0), rows);
        let picked_lengths: Vec<usize> = rows.iter().map(|&r| lengths[r]).collect();
        self.predict(params, picked.as_slice().expect("a fresh array"), &picked_lengths, self.t_max)
    }
}

impl RecurrentNet {
    /// Back-propagation through time of the head's input gradient (`ws.head_delta`), raw sums
    /// into `grad`.
    fn recurrent_backward<F: Float>(
        &self,
        params: &[F],
        seqs: Sequences<'_, F>,
        ws: &mut NetWorkspace<F>,
        grad: &mut [F],
    ) {
        let dh = self.shape.output_size();
        let n = seqs.len();
        let masks = ws.masks.as_ref().filter(|_| self.dropout > 0.0 && self.shape.num_layers > 1);
        // The head reads the last states (their gradient goes in as `d_final_hidden`) or every
        // step's output (as `d_outputs`).
        let (d_outputs, d_final) = match self.output {
            OutputPer::Sequence => {
                let d_final =
                    &mut ws.d_recurrent[..self.shape.num_layers * self.shape.directions() * n * self.shape.hidden_size];
                recurrent::last_states_gradient(&self.shape, &ws.head_delta[..n * dh], d_final)
                    .expect("the head input is the last states");
                (None, Some(&*d_final))
            }
            OutputPer::Step => {
                let d_outputs = &mut ws.d_recurrent[..n * seqs.t_max * dh];
                scatter_steps(&ws.head_delta, seqs.lengths, seqs.t_max, dh, d_outputs);
                (Some(&*d_outputs), None)
            }
        };
        recurrent::backward(&self.shape, params, seqs, masks, &mut ws.recurrent, d_outputs, d_final, None, grad, None)
            .expect("the estimator checked the batch");
    }

    /// scikit-learn's scaling of a raw gradient, `(g + α·W) / S` for the penalised weights and
    /// `g / S` for the biases. Returns `‖W‖²` of the recurrent weights.
    fn scale_recurrent_gradient<F: Float>(&self, params: &[F], grad: &mut [F], alpha: f64, sw_sum: F) -> f64 {
        let alpha = F::from_f64(alpha);
        let mut penalty = 0.0;
        for (range, penalised) in &self.tensors {
            let (g, w) = (&mut grad[range.clone()], &params[range.clone()]);
            if *penalised {
                penalty += sum_of_squares(w);
                g.iter_mut().zip(w).for_each(|(g, &w)| *g = (*g + alpha * w) / sw_sum);
            } else {
                g.iter_mut().for_each(|g| *g /= sw_sum);
            }
        }
        penalty
    }
}
