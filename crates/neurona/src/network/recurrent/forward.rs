//! The forward pass of the recurrent stack over packed sequences.
//!
//! Per layer and direction: the input product of every step at once, `(P, in) · W_ih^T`, then
//! step by step the recurrent product of the running sequences, `(active, H) · W_hh^T` (`W_hh`
//! packed once for all the steps), and the cell's fused element-wise pass, the two in one job
//! per step (`cells::run_step`). The forward direction runs steps `0, 1, ...`, each
//! sequence's state stopping at its own last step; the reverse direction runs from the last
//! step down, a sequence joining (with a zero state) at its own last step.

use crate::error::{NeuronaError, Result};
use crate::float::Float;
use crate::interrupt;
use crate::linalg::{MatRef, matmul};
use crate::network::recurrent::cells::{self, GruForward, LstmForward, Recurrent, RnnForward, Rows};
use crate::network::recurrent::dropout::DropoutMasks;
use crate::network::recurrent::packing::{Packing, Sequences};
use crate::network::recurrent::shape::{Cell, RecurrentShape};
use crate::network::recurrent::workspace::{DirectionBuffers, RecurrentWorkspace};

/// Checks what every pass shares: the shape, the workspace's shape, the parameters' length,
/// the sequences and the dropout masks.
pub(super) fn check_pass<F: Float>(
    shape: &RecurrentShape,
    params: &[F],
    seqs: &Sequences<'_, F>,
    dropout: Option<&DropoutMasks<F>>,
    ws: &RecurrentWorkspace<F>,
) -> Result<()> {
    shape.check()?;
    if ws.shape() != shape {
        return Err(NeuronaError::input("workspace", format!("made for {:?}, used for {shape:?}", ws.shape())));
    }
    check_len("params", params.len(), shape.n_params())?;
    seqs.check(shape.input_size)?;
    if let Some(masks) = dropout
        && !masks.fits(shape, seqs.len(), seqs.t_max)
    {
        let (n, t_max) = masks.batch();
        return Err(NeuronaError::input(
            "dropout",
            format!("masks drawn for {n} sequences of {t_max} steps, used for {} of {}", seqs.len(), seqs.t_max),
        ));
    }
    Ok(())
}

/// An error if a buffer's length is not the one expected.
pub(super) fn check_len(name: &'static str, found: usize, expected: usize) -> Result<()> {
    if found == expected {
        Ok(())
    } else {
        Err(NeuronaError::input(name, format!("holds {found} values, expected {expected}")))
    }
}

/// The forward pass of the stack over a batch of sequences, exactly PyTorch's over packed
/// sequences, with zero initial states: the results lie in `ws` (see
/// [`RecurrentWorkspace::outputs`] and the methods beside it), with what
/// [`backward`](super::backward) needs.
///
/// `params`: the flat buffer ([`RecurrentShape::tensors`]); `dropout`: the masks of a
/// training pass, `None` otherwise.
///
/// # Errors
/// [`NeuronaError::InvalidInput`] if a buffer's size does not fit the shape, a length is
/// outside `1..=t_max`, the masks were drawn for another batch or the workspace for another
/// shape; [`NeuronaError::InvalidParameter`] for a size of 0 in the shape.
pub fn forward<F: Float>(
    shape: &RecurrentShape,
    params: &[F],
    seqs: Sequences<'_, F>,
    dropout: Option<&DropoutMasks<F>>,
    ws: &mut RecurrentWorkspace<F>,
) -> Result<()> {
    check_pass(shape, params, &seqs, dropout, ws)?;
    ws.packing.pack(seqs.lengths, seqs.t_max);
    ws.reserve(seqs.len(), seqs.t_max, ws.packing.rows());
    if dropout.is_some() {
        ws.reserve_dropout();
    }
    ws.forward_dropout = Some(dropout.is_some());
    let packing = &ws.packing;
    let p = packing.rows();
    let interruptible = ws.interruptible;
    packing.gather(&mut ws.x, seqs.values, shape.input_size);
    for layer in 0..shape.num_layers {
        let (below, above) = ws.layers.split_at_mut(layer);
        let current = &mut above[0];
        let input: &[F] = match (below.last(), dropout) {
            (None, _) => &ws.x[..p * shape.input_size],
            (Some(prev), Some(masks)) => {
                apply_masks(packing, masks, layer - 1, &mut current.dropped, &prev.out);
                &current.dropped[..p * shape.output_size()]
            }
            (Some(prev), None) => &prev.out[..p * shape.output_size()],
        };
        for (direction, buffers) in current.directions.iter_mut().enumerate() {
            let run = Direction { shape, params, packing, layer, direction };
            run.forward(input, &mut current.out, buffers, &mut ws.rec, interruptible);
        }
    }
    collect_results(ws);
    Ok(())
}

/// `dropped = out ⊙ mask` over the packed rows of layer `layer`'s output.
pub(super) fn apply_masks<F: Float>(
    packing: &Packing,
    masks: &DropoutMasks<F>,
    layer: usize,
    dropped: &mut [F],
    out: &[F],
) {
    let width = masks.mask(layer, 0, 0).len();
    for t in 0..packing.steps {
        for (j, &seq) in packing.order[..packing.active[t]].iter().enumerate() {
            let row = (packing.offsets[t] + j) * width;
            let mask = masks.mask(layer, seq, t);
            for ((d, &o), &m) in dropped[row..row + width].iter_mut().zip(&out[row..row + width]).zip(mask) {
                *d = o * m;
            }
        }
    }
}

/// One direction of one layer: what both passes over it share.
pub(super) struct Direction<'a, F> {
    pub shape: &'a RecurrentShape,
    pub params: &'a [F],
    pub packing: &'a Packing,
    pub layer: usize,
    pub direction: usize,
}

/// One step of a direction: its packed rows and the previous state's.
#[derive(Debug, Clone, Copy)]
pub(super) struct Step {
    pub t: usize,
    /// The first packed row of the step.
    pub row: usize,
    /// The running sequences.
    pub active: usize,
    /// The first packed row of the step whose state this one continues.
    pub prev_row: usize,
    /// How many of the running sequences continue a state (the first ones); the others start.
    pub continuing: usize,
}

impl<F: Float> Direction<'_, F> {
    /// The step `t` of this direction.
    pub fn step(&self, t: usize) -> Step {
        let p = self.packing;
        let (row, active) = (p.offsets[t], p.active[t]);
        if self.direction == 0 {
            let prev_row = if t > 0 { p.offsets[t - 1] } else { 0 };
            Step { t, row, active, prev_row, continuing: if t > 0 { active } else { 0 } }
        } else {
            Step { t, row, active, prev_row: p.offsets[t + 1], continuing: p.active[t + 1] }
        }
    }

    /// The `i`-th step in the order the forward pass runs them (the backward pass runs them
    /// from the last `i` down).
    pub fn nth_step(&self, i: usize) -> Step {
        let steps = self.packing.steps;
        self.step(if self.direction == 1 { steps - 1 - i } else { i })
    }

    /// The direction's pass over every step; with `interruptible`, it stops between steps once
    /// a caller's interruption check fires (see [`RecurrentWorkspace::interruptible`]).
    fn forward(&self, input: &[F], out: &mut [F], buf: &mut DirectionBuffers<F>, rec: &mut [F], interruptible: bool) {
        let s = self.shape;
        let (h, gh, dh) = (s.hidden_size, s.gates() * s.hidden_size, s.output_size());
        let block = s.param_block(self.layer, self.direction);
        let (w_ih, w_hh) = (&self.params[block.weight_ih.clone()], &self.params[block.weight_hh.clone()]);
        self.fold_biases(buf);
        let p = self.packing.rows();
        let input = MatRef::row_major(input, p, block.input_size);
        matmul(&mut buf.gates, input, MatRef::row_major(w_ih, gh, block.input_size).t(), false);
        buf.w_hh_packed.pack(MatRef::row_major(w_hh, gh, h).t());
        let w_hh_t = &buf.w_hh_packed;
        for i in 0..self.packing.steps {
            // Between steps: a block of long sequences is too long a wait for Ctrl-C.
            if interruptible && i > 0 && interrupt::requested() {
                return;
            }
            let st = self.nth_step(i);
            let (r0, a, c) = (st.row, st.active, st.continuing);
            let from = st.prev_row * dh + self.direction * h;
            // A reverse direction's first step continues no state: its `from` may lie past the end.
            copy_states(&mut buf.h_prev[r0 * h..(r0 + a) * h], out.get(from..).unwrap_or_default(), c, h, dh);
            let rec_product = Recurrent { h_prev: &buf.h_prev[r0 * h..(r0 + c) * h], continuing: c, w_hh_t };
            let gates = &mut buf.gates[r0 * gh..(r0 + a) * gh];
            let rows = Rows { rows: a, h, out_stride: dh };
            let out = &mut out[r0 * dh + self.direction * h..(r0 + a) * dh];
            match s.cell {
                Cell::Rnn => {
                    let nonlinearity = s.nonlinearity;
                    cells::run_step(
                        rec_product,
                        RnnForward { r: rows, nonlinearity, pre: gates, bias: &buf.bias, out },
                    );
                }
                Cell::Lstm => {
                    let (cell, c_prev, tanh_cell) = (&mut buf.cell, &mut buf.c_prev, &mut buf.tanh_cell);
                    let from = cell.get(st.prev_row * h..).unwrap_or_default();
                    copy_states(&mut c_prev[r0 * h..(r0 + a) * h], from, c, h, h);
                    cells::run_step(
                        rec_product,
                        LstmForward {
                            r: rows,
                            gates,
                            cell: &mut cell[r0 * h..(r0 + a) * h],
                            tanh_cell: &mut tanh_cell[r0 * h..(r0 + a) * h],
                            c_prev: &c_prev[r0 * h..(r0 + a) * h],
                            bias: &buf.bias,
                            out,
                        },
                    );
                }
                Cell::Gru => {
                    cells::run_step(
                        rec_product,
                        GruForward {
                            r: rows,
                            gates,
                            hn: &mut buf.hn[r0 * h..(r0 + a) * h],
                            rec: &mut rec[..a * gh],
                            h_prev: &buf.h_prev[r0 * h..(r0 + a) * h],
                            bias: &buf.bias,
                            b_hn: &buf.b_hn,
                            out,
                        },
                    );
                }
            }
        }
    }

    /// `bias = b_ih + b_hh`, but for the GRU's n gate, whose `b_hn` stays inside the reset
    /// gate's product.
    fn fold_biases(&self, buf: &mut DirectionBuffers<F>) {
        let block = self.shape.param_block(self.layer, self.direction);
        let (b_ih, b_hh) = (&self.params[block.bias_ih], &self.params[block.bias_hh]);
        for ((b, &i), &hh) in buf.bias.iter_mut().zip(b_ih).zip(b_hh) {
            *b = i + hh;
        }
        if self.shape.cell == Cell::Gru {
            let h = self.shape.hidden_size;
            buf.bias[2 * h..3 * h].copy_from_slice(&b_ih[2 * h..3 * h]);
            buf.b_hn[..h].copy_from_slice(&b_hh[2 * h..3 * h]);
        }
    }
}

/// Copies the first `continuing` of the previous step's states, `h` values each, rows
/// `stride` apart in `from`, into the first rows of `to` (rows of `h`) and zeros the others
/// (the sequences that start): in one copy when the rows are adjacent (one direction), where a
/// copy per row spent more in `memmove` calls than in copying.
fn copy_states<F: Float>(to: &mut [F], from: &[F], continuing: usize, h: usize, stride: usize) {
    let (kept, started) = to.split_at_mut(continuing * h);
    if stride == h {
        kept.copy_from_slice(&from[..continuing * h]);
    } else {
        for (j, row) in kept.chunks_exact_mut(h).enumerate() {
            row.copy_from_slice(&from[j * stride..j * stride + h]);
        }
    }
    started.fill(F::zero());
}

/// Fills the results in the batch's order: the top layer's padded outputs, the final states,
/// the last states.
fn collect_results<F: Float>(ws: &mut RecurrentWorkspace<F>) {
    let s = ws.shape;
    let (h, dh, d) = (s.hidden_size, s.output_size(), s.directions());
    let packing = &ws.packing;
    let n = packing.n;
    let r = &mut ws.results;
    let top = &ws.layers[s.num_layers - 1];
    if ws.padded_outputs {
        packing.scatter(&mut r.outputs, &top.out, dh);
    }
    for (layer, buffers) in ws.layers.iter().enumerate() {
        for direction in 0..d {
            let block = (layer * d + direction) * n;
            for (j, &seq) in packing.order.iter().enumerate() {
                let row = if direction == 0 { packing.last_row(j) } else { j };
                let to = (block + seq) * h;
                let from = row * dh + direction * h;
                r.final_hidden[to..to + h].copy_from_slice(&buffers.out[from..from + h]);
                if s.cell == Cell::Lstm {
                    let cell = &buffers.directions[direction].cell;
                    r.final_cell[to..to + h].copy_from_slice(&cell[row * h..(row + 1) * h]);
                }
            }
        }
    }
    for (j, &seq) in packing.order.iter().enumerate() {
        for direction in 0..d {
            let row = if direction == 0 { packing.last_row(j) } else { j };
            let from = row * dh + direction * h;
            let to = seq * dh + direction * h;
            r.last_states[to..to + h].copy_from_slice(&top.out[from..from + h]);
        }
    }
}
