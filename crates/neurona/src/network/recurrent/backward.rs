//! Back-propagation through time: the backward half of [`forward`](super::forward).
//!
//! Per layer, top down, and direction: the steps in the reverse of the forward pass's order,
//! each a fused element-wise pass for the gates' gradients and one product
//! `(continuing, G·H) · W_hh` for the gradient carried to the previous state (`W_hh` packed
//! once for all the steps, the two in one job per step: `cells::run_back_step`); then the weight
//! gradients of every step at once, `d_gates^T · input` and `d_gates^T · h_prev`, and the
//! gradient of the layer's input, `d_gates · W_ih`.

use crate::error::{NeuronaError, Result};
use crate::float::Float;
use crate::linalg::{MatRef, PackedB, matmul};
use crate::network::dense::column_sums;
use crate::network::recurrent::cells::{self, GruBackward, LstmBackward, RnnBackward, Rows};
use crate::network::recurrent::dropout::DropoutMasks;
use crate::network::recurrent::forward::{Direction, Step, check_len, check_pass};
use crate::network::recurrent::packing::{Packing, Sequences};
use crate::network::recurrent::shape::{Cell, RecurrentShape};
use crate::network::recurrent::workspace::{DirectionBuffers, GradientBuffers, RecurrentWorkspace};

/// The gradient of a loss with respect to the parameters (and, if asked, the input) of the
/// stack, given the loss's gradients with respect to the forward pass's results: `d_outputs:
/// (n, t_max, D·H)` (the entries at padded steps are ignored), `d_final_hidden: (L·D, n, H)`,
/// `d_final_cell: (L·D, n, H)` (LSTM only); `None` stands for zeros.
///
/// It must follow [`forward`](super::forward) on the same batch, parameters and dropout masks,
/// whose intermediate values `ws` holds. `grad` (the flat buffer's layout) is overwritten;
/// `d_input: (n, t_max, input_size)` too, with zeros at padded steps.
///
/// A loss on [`RecurrentWorkspace::last_states`] is a loss on the top layer's final states:
/// its gradient goes in `d_final_hidden` (see [`last_states_gradient`](super::last_states_gradient)).
///
/// # Errors
/// [`NeuronaError::InvalidInput`] as [`forward`](super::forward), if a gradient's size does
/// not fit, or if `ws` holds no forward pass of this batch.
// Each upstream gradient is optional and apart, as PyTorch's autograd receives them: a struct
// would only rename the arguments.
#[allow(clippy::too_many_arguments)]
pub fn backward<F: Float>(
    shape: &RecurrentShape,
    params: &[F],
    seqs: Sequences<'_, F>,
    dropout: Option<&DropoutMasks<F>>,
    ws: &mut RecurrentWorkspace<F>,
    d_outputs: Option<&[F]>,
    d_final_hidden: Option<&[F]>,
    d_final_cell: Option<&[F]>,
    grad: &mut [F],
    mut d_input: Option<&mut [F]>,
) -> Result<()> {
    check_pass(shape, params, &seqs, dropout, ws)?;
    check_backward(shape, &seqs, dropout, ws, d_outputs, d_final_hidden, d_final_cell)?;
    check_len("grad", grad.len(), shape.n_params())?;
    let (n, t_max) = (seqs.len(), seqs.t_max);
    if let Some(d) = &d_input {
        check_len("d_input", d.len(), n * t_max * shape.input_size)?;
    }
    ws.reserve_gradients(n);
    let packing = &ws.packing;
    let (dh, h) = (shape.output_size(), shape.hidden_size);
    // Without `d_outputs` the top layer's output gradient is zeros, which the cells take as
    // `None` rather than read from a buffer.
    if let Some(d) = d_outputs {
        packing.gather(&mut ws.grads.d_out, d, dh);
    }
    for layer in (0..shape.num_layers).rev() {
        let GradientBuffers { d_gi, d_gh, d_h, d_c, d_out, d_below, w_ih_t, w_hh_packed } = &mut ws.grads;
        let buffers = &ws.layers[layer];
        let input: &[F] = match (layer, dropout) {
            (0, _) => &ws.x,
            (_, Some(_)) => &buffers.dropped,
            (_, None) => &ws.layers[layer - 1].out,
        };
        let want_below = layer > 0 || d_input.is_some();
        for (direction, dir_buffers) in buffers.directions.iter().enumerate() {
            let run = Direction { shape, params, packing, layer, direction };
            let block = (layer * shape.directions() + direction) * n * h;
            let top_zeros = layer == shape.num_layers - 1 && d_outputs.is_none();
            let upstream = Upstream {
                d_out: (!top_zeros).then_some(d_out.as_slice()),
                d_h_n: d_final_hidden.map(|d| &d[block..block + n * h]),
                d_c_n: d_final_cell.map(|d| &d[block..block + n * h]),
            };
            let mut scratch = StepGradients {
                d_gi: d_gi.as_mut_slice(),
                d_gh: d_gh.as_mut_slice(),
                d_h: d_h.as_mut_slice(),
                d_c: d_c.as_mut_slice(),
                w_ih_t: w_ih_t.as_mut_slice(),
                w_hh: &mut *w_hh_packed,
            };
            run.backward(input, &buffers.out, dir_buffers, upstream, &mut scratch, grad);
            if want_below {
                run.input_gradient(d_below, d_gi);
            }
        }
        if layer > 0 {
            std::mem::swap(d_out, d_below);
            if let Some(masks) = dropout {
                mask_gradient(packing, masks, layer - 1, d_out);
            }
        } else if let Some(d) = d_input.as_deref_mut() {
            packing.scatter(d, d_below, shape.input_size);
        }
    }
    Ok(())
}

/// Checks that `ws` holds a forward pass of this batch and the upstream gradients' sizes.
fn check_backward<F: Float>(
    shape: &RecurrentShape,
    seqs: &Sequences<'_, F>,
    dropout: Option<&DropoutMasks<F>>,
    ws: &RecurrentWorkspace<F>,
    d_outputs: Option<&[F]>,
    d_final_hidden: Option<&[F]>,
    d_final_cell: Option<&[F]>,
) -> Result<()> {
    let same_batch = ws.packing.t_max == seqs.t_max && ws.packing.lengths == seqs.lengths;
    if ws.forward_dropout != Some(dropout.is_some()) || !same_batch {
        return Err(NeuronaError::input(
            "workspace",
            "holds no forward pass of this batch (with the same lengths and dropout): run forward first",
        ));
    }
    let (n, t_max) = (seqs.len(), seqs.t_max);
    let states = shape.num_layers * shape.directions() * n * shape.hidden_size;
    if let Some(d) = d_outputs {
        check_len("d_outputs", d.len(), n * t_max * shape.output_size())?;
    }
    if let Some(d) = d_final_hidden {
        check_len("d_final_hidden", d.len(), states)?;
    }
    if let Some(d) = d_final_cell {
        if shape.cell != Cell::Lstm {
            return Err(NeuronaError::input(
                "d_final_cell",
                format!("given for a {} cell, which has none", shape.cell),
            ));
        }
        check_len("d_final_cell", d.len(), states)?;
    }
    Ok(())
}

/// `d_out *= mask` over the packed rows of layer `layer`'s output.
fn mask_gradient<F: Float>(packing: &Packing, masks: &DropoutMasks<F>, layer: usize, d_out: &mut [F]) {
    let width = masks.mask(layer, 0, 0).len();
    for t in 0..packing.steps {
        for (j, &seq) in packing.order[..packing.active[t]].iter().enumerate() {
            let row = (packing.offsets[t] + j) * width;
            let mask = masks.mask(layer, seq, t);
            d_out[row..row + width].iter_mut().zip(mask).for_each(|(d, &m)| *d *= m);
        }
    }
}

/// What flows into a direction from above: the gradient of the layer's output `(P, D·H)`
/// (`None`: zeros) and of this direction's final states `(n, H)`, in the batch's order.
struct Upstream<'a, F> {
    d_out: Option<&'a [F]>,
    d_h_n: Option<&'a [F]>,
    d_c_n: Option<&'a [F]>,
}

/// The backward pass's scratch buffers (see [`GradientBuffers`]).
struct StepGradients<'a, F> {
    d_gi: &'a mut [F],
    d_gh: &'a mut [F],
    d_h: &'a mut [F],
    d_c: &'a mut [F],
    w_ih_t: &'a mut [F],
    /// The direction's `W_hh`, packed at the start of its steps.
    w_hh: &'a mut PackedB<F>,
}

impl<F: Float> Direction<'_, F> {
    /// The steps of one direction, then its parameters' gradients into `grad`; `d_gi` keeps
    /// the gates' gradients for [`Self::input_gradient`].
    fn backward(
        &self,
        input: &[F],
        out: &[F],
        buf: &DirectionBuffers<F>,
        up: Upstream<'_, F>,
        g: &mut StepGradients<'_, F>,
        grad: &mut [F],
    ) {
        let s = self.shape;
        let (h, gh, dh) = (s.hidden_size, s.gates() * s.hidden_size, s.output_size());
        let block = s.param_block(self.layer, self.direction);
        g.w_hh.pack(MatRef::row_major(&self.params[block.weight_hh.clone()], gh, h));
        let gru = s.cell == Cell::Gru;
        for i in (0..self.packing.steps).rev() {
            let st = self.nth_step(i);
            self.inject(st, &up, g);
            let (r0, a, c) = (st.row, st.active, st.continuing);
            let rows = Rows { rows: a, h, out_stride: dh };
            let columns = r0 * dh + self.direction * h..(r0 + a) * dh;
            let d_out = up.d_out.map(|d| &d[columns.clone()]);
            let d_gi = &mut g.d_gi[r0 * gh..(r0 + a) * gh];
            let w_hh = &*g.w_hh;
            match s.cell {
                Cell::Rnn => {
                    let kernel = RnnBackward {
                        r: rows,
                        nonlinearity: s.nonlinearity,
                        d_pre: d_gi,
                        out: &out[columns],
                        d_out,
                        d_h: &mut g.d_h[..a * h],
                    };
                    cells::run_back_step(kernel, c, w_hh);
                }
                Cell::Lstm => {
                    let kernel = LstmBackward {
                        r: rows,
                        d_gates: d_gi,
                        d_c: &mut g.d_c[..a * h],
                        gates: &buf.gates[r0 * gh..(r0 + a) * gh],
                        tanh_cell: &buf.tanh_cell[r0 * h..(r0 + a) * h],
                        c_prev: &buf.c_prev[r0 * h..(r0 + a) * h],
                        d_out,
                        d_h: &mut g.d_h[..a * h],
                    };
                    cells::run_back_step(kernel, c, w_hh);
                }
                Cell::Gru => {
                    let kernel = GruBackward {
                        r: rows,
                        d_gi,
                        d_gh: &mut g.d_gh[r0 * gh..(r0 + a) * gh],
                        d_h: &mut g.d_h[..a * h],
                        gates: &buf.gates[r0 * gh..(r0 + a) * gh],
                        hn: &buf.hn[r0 * h..(r0 + a) * h],
                        h_prev: &buf.h_prev[r0 * h..(r0 + a) * h],
                        d_out,
                    };
                    cells::run_back_step(kernel, c, w_hh);
                }
            }
        }
        let p = self.packing.rows();
        let d_gi = MatRef::row_major(&g.d_gi[..p * gh], p, gh);
        let d_rec = if gru { MatRef::row_major(&g.d_gh[..p * gh], p, gh) } else { d_gi };
        // `d_gi^T · input`, computed transposed and copied in: the GEMM kernels tile a
        // row-major output's columns by 16 to 64, and the input's few features (8 in the
        // benchmark) as those columns left most of each tile idle, a tenth of an LSTM epoch.
        let i = block.input_size;
        let input = MatRef::row_major(input, p, i);
        matmul(&mut g.w_ih_t[..i * gh], input.t(), d_gi, false);
        for (o, row) in grad[block.weight_ih].chunks_exact_mut(i).enumerate() {
            for (f, v) in row.iter_mut().enumerate() {
                *v = g.w_ih_t[f * gh + o];
            }
        }
        matmul(&mut grad[block.weight_hh], d_rec.t(), MatRef::row_major(&buf.h_prev, p, h), false);
        column_sums(&mut grad[block.bias_ih.clone()], &g.d_gi[..p * gh]);
        if gru {
            column_sums(&mut grad[block.bias_hh], &g.d_gh[..p * gh]);
        } else {
            // Both biases enter the same sum: their gradients are equal.
            grad.copy_within(block.bias_ih, block.bias_hh.start);
        }
    }

    /// Sets the carried gradients of the sequences whose state ends at this step (in the
    /// forward pass's order) to the final states' gradients: the forward direction's end at
    /// each sequence's own last step, the reverse direction's at step 0.
    fn inject(&self, st: Step, up: &Upstream<'_, F>, g: &mut StepGradients<'_, F>) {
        let p = self.packing;
        let ending = if self.direction == 0 {
            p.active[st.t + 1]..st.active
        } else if st.t == 0 {
            0..st.active
        } else {
            return;
        };
        let h = self.shape.hidden_size;
        let lstm = self.shape.cell == Cell::Lstm;
        for j in ending {
            let (to, from) = (j * h..(j + 1) * h, p.order[j] * h..(p.order[j] + 1) * h);
            match up.d_h_n {
                Some(d) => g.d_h[to.clone()].copy_from_slice(&d[from.clone()]),
                None => g.d_h[to.clone()].fill(F::zero()),
            }
            if lstm {
                match up.d_c_n {
                    Some(d) => g.d_c[to].copy_from_slice(&d[from]),
                    None => g.d_c[to].fill(F::zero()),
                }
            }
        }
    }

    /// `d_below (+)= d_gates · W_ih`: the gradient of the layer's input, `(P, input_size)`,
    /// the reverse direction's added to the forward's.
    fn input_gradient(&self, d_below: &mut [F], d_gi: &[F]) {
        let s = self.shape;
        let gh = s.gates() * s.hidden_size;
        let block = s.param_block(self.layer, self.direction);
        let p = self.packing.rows();
        let w_ih = MatRef::row_major(&self.params[block.weight_ih], gh, block.input_size);
        matmul(d_below, MatRef::row_major(d_gi, p, gh), w_ih, self.direction > 0);
    }
}
