//! The cells' element-wise work at one step, fused: the gate non-linearities, the state
//! update and the output in one pass over the step's rows (forward), and every gate's
//! gradient in one pass (backward). The matrix products live in `forward.rs` and
//! `backward.rs`; these loops see only the rows of the sequences running at the step.
//!
//! Derivatives are written in terms of the values the forward pass kept (the activated gates,
//! the cell state), as PyTorch's own backward does.

use crate::float::Float;
use crate::network::recurrent::shape::Nonlinearity;

#[inline(always)]
fn sigmoid<F: Float>(x: F) -> F {
    F::one() / (F::one() + (-x).exp())
}

/// One step's rows of a direction: `rows` rows, `h` units; the layer's output rows lie
/// `out_stride` (`D·H`) apart, starting at this direction's column.
#[derive(Debug, Clone, Copy)]
pub(super) struct Rows {
    pub rows: usize,
    pub h: usize,
    pub out_stride: usize,
}

impl Rows {
    fn out<'a, F>(&self, out: &'a [F], j: usize) -> &'a [F] {
        &out[j * self.out_stride..j * self.out_stride + self.h]
    }

    fn out_mut<'a, F>(&self, out: &'a mut [F], j: usize) -> &'a mut [F] {
        &mut out[j * self.out_stride..j * self.out_stride + self.h]
    }

    fn row<'a, F>(&self, buf: &'a [F], j: usize, width: usize) -> &'a [F] {
        &buf[j * width..(j + 1) * width]
    }

    fn row_mut<'a, F>(&self, buf: &'a mut [F], j: usize, width: usize) -> &'a mut [F] {
        &mut buf[j * width..(j + 1) * width]
    }
}

/// Elman forward: `out = f(pre + bias)`, `pre: (rows, H)` the two products.
pub(super) fn rnn_forward<F: Float>(r: Rows, nonlinearity: Nonlinearity, pre: &[F], bias: &[F], out: &mut [F]) {
    for j in 0..r.rows {
        let (p, o) = (r.row(pre, j, r.h), r.out_mut(out, j));
        match nonlinearity {
            Nonlinearity::Tanh => o.iter_mut().zip(p).zip(bias).for_each(|((o, &p), &b)| *o = (p + b).tanh()),
            Nonlinearity::Relu => o.iter_mut().zip(p).zip(bias).for_each(|((o, &p), &b)| *o = (p + b).max(F::zero())),
        }
    }
}

/// Elman backward: `d_pre = (d_out + d_h) · f'(out)`, `d_h: (rows, H)` the gradient carried
/// from the next step.
pub(super) fn rnn_backward<F: Float>(
    r: Rows,
    nonlinearity: Nonlinearity,
    d_pre: &mut [F],
    out: &[F],
    d_out: &[F],
    d_h: &[F],
) {
    for j in 0..r.rows {
        let (dp, o, dout, dh) = (r.row_mut(d_pre, j, r.h), r.out(out, j), r.out(d_out, j), r.row(d_h, j, r.h));
        for u in 0..r.h {
            let g = dout[u] + dh[u];
            dp[u] = match nonlinearity {
                Nonlinearity::Tanh => g * (F::one() - o[u] * o[u]),
                Nonlinearity::Relu => {
                    if o[u] > F::zero() {
                        g
                    } else {
                        F::zero()
                    }
                }
            };
        }
    }
}

/// The LSTM state of one step: `gates: (rows, 4H)` (the two products on entry, the activated
/// gates i, f, g, o on exit), `cell: (rows, H)` written, `c_prev: (rows, H)` (zeros where a
/// sequence starts).
pub(super) struct LstmStep<'a, F> {
    pub gates: &'a mut [F],
    pub cell: &'a mut [F],
    pub c_prev: &'a [F],
}

/// LSTM forward: `c = f c_prev + i g`, `out = o tanh(c)`.
pub(super) fn lstm_forward<F: Float>(r: Rows, step: LstmStep<'_, F>, bias: &[F], out: &mut [F]) {
    let h = r.h;
    let (bi, rest) = bias.split_at(h);
    let (bf, rest) = rest.split_at(h);
    let (bg, bo) = rest.split_at(h);
    for j in 0..r.rows {
        let g = r.row_mut(step.gates, j, 4 * h);
        let (gi, rest) = g.split_at_mut(h);
        let (gf, rest) = rest.split_at_mut(h);
        let (gg, go) = rest.split_at_mut(h);
        let (c, c_prev, o) = (r.row_mut(step.cell, j, h), r.row(step.c_prev, j, h), r.out_mut(out, j));
        for u in 0..h {
            let i = sigmoid(gi[u] + bi[u]);
            let f = sigmoid(gf[u] + bf[u]);
            let gv = (gg[u] + bg[u]).tanh();
            let ov = sigmoid(go[u] + bo[u]);
            let cv = f * c_prev[u] + i * gv;
            (gi[u], gf[u], gg[u], go[u]) = (i, f, gv, ov);
            c[u] = cv;
            o[u] = ov * cv.tanh();
        }
    }
}

/// LSTM backward: `d_gates: (rows, 4H)` the gradient of the gates' pre-activations, from
/// `d_h = d_out + d_h_next` and the carried `d_c: (rows, H)`, which becomes `d c_prev`.
pub(super) fn lstm_backward<F: Float>(
    r: Rows,
    d_gates: &mut [F],
    step: (&[F], &[F], &[F]),
    d_out: &[F],
    d_h: &[F],
    d_c: &mut [F],
) {
    let (gates, cell, c_prev) = step;
    let h = r.h;
    let one = F::one();
    for j in 0..r.rows {
        let g = r.row(gates, j, 4 * h);
        let dg = r.row_mut(d_gates, j, 4 * h);
        let (dout, dh, dc) = (r.out(d_out, j), r.row(d_h, j, h), r.row_mut(d_c, j, h));
        let (c, cp) = (r.row(cell, j, h), r.row(c_prev, j, h));
        for u in 0..h {
            let (i, f, gv, o) = (g[u], g[h + u], g[2 * h + u], g[3 * h + u]);
            let dhu = dout[u] + dh[u];
            let tc = c[u].tanh();
            let dcu = dc[u] + dhu * o * (one - tc * tc);
            dg[u] = dcu * gv * i * (one - i);
            dg[h + u] = dcu * cp[u] * f * (one - f);
            dg[2 * h + u] = dcu * i * (one - gv * gv);
            dg[3 * h + u] = dhu * tc * o * (one - o);
            dc[u] = dcu * f;
        }
    }
}

/// The GRU state of one step: `gates: (rows, 3H)` (the input product on entry, the activated
/// r, z, n on exit), `rec: (rows, 3H)` the recurrent product (zeros where a sequence starts),
/// `h_prev: (rows, H)`, `hn: (rows, H)` written with `W_hn h + b_hn` (the backward pass needs it).
pub(super) struct GruStep<'a, F> {
    pub gates: &'a mut [F],
    pub rec: &'a [F],
    pub h_prev: &'a [F],
    pub hn: &'a mut [F],
}

/// GRU forward: `out = n + z (h_prev - n)` (PyTorch's form of `(1 - z) n + z h_prev`), with
/// `bias = [b_ir + b_hr, b_iz + b_hz, b_in]` and `b_hn` apart, inside the reset gate.
pub(super) fn gru_forward<F: Float>(r: Rows, step: GruStep<'_, F>, bias: &[F], b_hn: &[F], out: &mut [F]) {
    let h = r.h;
    for j in 0..r.rows {
        let g = r.row_mut(step.gates, j, 3 * h);
        let rec = r.row(step.rec, j, 3 * h);
        let (hp, hn, o) = (r.row(step.h_prev, j, h), r.row_mut(step.hn, j, h), r.out_mut(out, j));
        for u in 0..h {
            let rg = sigmoid(g[u] + rec[u] + bias[u]);
            let z = sigmoid(g[h + u] + rec[h + u] + bias[h + u]);
            let hnu = rec[2 * h + u] + b_hn[u];
            let n = (g[2 * h + u] + bias[2 * h + u] + rg * hnu).tanh();
            (g[u], g[h + u], g[2 * h + u]) = (rg, z, n);
            hn[u] = hnu;
            o[u] = n + z * (hp[u] - n);
        }
    }
}

/// GRU backward: `d_gi: (rows, 3H)` the gradient of the input product's gates, `d_gh` the
/// recurrent product's (they differ in n: the reset gate scales the latter), from
/// `d_h = d_out + d_h_next`; `d_h` is overwritten with its direct part `d_h · z`, to which
/// the caller adds the recurrent product's.
pub(super) fn gru_backward<F: Float>(
    r: Rows,
    d_gi: &mut [F],
    d_gh: &mut [F],
    step: (&[F], &[F], &[F]),
    d_out: &[F],
    d_h: &mut [F],
) {
    let (gates, hn, h_prev) = step;
    let h = r.h;
    let one = F::one();
    for j in 0..r.rows {
        let g = r.row(gates, j, 3 * h);
        let (di, dhh) = (r.row_mut(d_gi, j, 3 * h), r.row_mut(d_gh, j, 3 * h));
        let (dout, dh) = (r.out(d_out, j), r.row_mut(d_h, j, h));
        let (hnr, hp) = (r.row(hn, j, h), r.row(h_prev, j, h));
        for u in 0..h {
            let (rg, z, n) = (g[u], g[h + u], g[2 * h + u]);
            let dhu = dout[u] + dh[u];
            let dn = dhu * (one - z) * (one - n * n);
            let dr = dn * hnr[u] * rg * (one - rg);
            let dz = dhu * (hp[u] - n) * z * (one - z);
            (di[u], di[h + u], di[2 * h + u]) = (dr, dz, dn);
            (dhh[u], dhh[h + u], dhh[2 * h + u]) = (dr, dz, dn * rg);
            dh[u] = dhu * z;
        }
    }
}
