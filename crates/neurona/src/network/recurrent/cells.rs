//! The cells' element-wise work at one step, fused: the gate non-linearities, the state
//! update and the output in one pass over each of the step's rows (forward), and every
//! gate's gradient in one pass (backward). The matrix products live in `forward.rs` and
//! `backward.rs`; these loops see only the rows of the sequences running at the step.
//!
//! Derivatives are written in terms of the values the forward pass kept (the activated gates,
//! `tanh(c)`), as PyTorch's own backward does, so that the backward pass computes no
//! transcendental function. Each loop runs over rows sliced to exactly `H` values (no bounds
//! checks inside) with the vectorisable [`math`](super::math) functions, compiled for AVX2
//! where the CPU has it ([`with_avx2`]: the same bits either way).

use crate::float::Float;
use crate::linalg::with_avx2;
use crate::network::recurrent::math::{sigmoid, tanh};
use crate::network::recurrent::shape::Nonlinearity;

/// Runs `f` compiled for AVX-512 or AVX2 where the CPU has them, else as it is: the
/// element-wise loops then work on 16 or 8 f32 at a time. The results are the same bits
/// either way, as in [`with_avx2`]: every operation is an element-wise IEEE one, and the
/// compiler never fuses a multiplication and an addition on its own.
#[inline(always)]
fn with_simd<R>(f: impl FnOnce() -> R) -> R {
    #[cfg(target_arch = "x86_64")]
    {
        #[target_feature(enable = "avx512f")]
        fn avx512<R>(f: impl FnOnce() -> R) -> R {
            f()
        }
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F, checked on the line above.
            return unsafe { avx512(f) };
        }
    }
    with_avx2(f)
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
    #[inline(always)]
    fn out<'a, F>(&self, out: &'a [F], j: usize) -> &'a [F] {
        &out[j * self.out_stride..j * self.out_stride + self.h]
    }

    #[inline(always)]
    fn out_mut<'a, F>(&self, out: &'a mut [F], j: usize) -> &'a mut [F] {
        &mut out[j * self.out_stride..j * self.out_stride + self.h]
    }

    /// Row `j` of a `(rows, k·H)` buffer, cut into its `k` gates of `H` values.
    #[inline(always)]
    fn gates<'a, F, const K: usize>(&self, buf: &'a [F], j: usize) -> [&'a [F]; K] {
        let row = &buf[j * K * self.h..(j + 1) * K * self.h];
        std::array::from_fn(|k| &row[k * self.h..(k + 1) * self.h])
    }

    #[inline(always)]
    fn gates_mut<'a, F, const K: usize>(&self, buf: &'a mut [F], j: usize) -> [&'a mut [F]; K] {
        let mut rest = &mut buf[j * K * self.h..(j + 1) * K * self.h];
        std::array::from_fn(|_| {
            let (gate, tail) = std::mem::take(&mut rest).split_at_mut(self.h);
            rest = tail;
            gate
        })
    }
}

/// Elman forward: `out = f(pre + bias)`, `pre: (rows, H)` the two products.
pub(super) fn rnn_forward<F: Float>(r: Rows, nonlinearity: Nonlinearity, pre: &[F], bias: &[F], out: &mut [F]) {
    with_simd(
        #[inline(always)]
        || {
            let bias = &bias[..r.h];
            for j in 0..r.rows {
                let [p] = r.gates::<F, 1>(pre, j);
                let o = r.out_mut(out, j);
                match nonlinearity {
                    Nonlinearity::Tanh => o.iter_mut().zip(p).zip(bias).for_each(|((o, &p), &b)| *o = tanh(p + b)),
                    Nonlinearity::Relu => {
                        o.iter_mut().zip(p).zip(bias).for_each(|((o, &p), &b)| *o = (p + b).max(F::zero()))
                    }
                }
            }
        },
    );
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
    with_simd(
        #[inline(always)]
        || {
            for j in 0..r.rows {
                let [dp] = r.gates_mut::<F, 1>(d_pre, j);
                let [dh] = r.gates::<F, 1>(d_h, j);
                let (o, dout) = (r.out(out, j), r.out(d_out, j));
                let rows = dp.iter_mut().zip(o).zip(dout).zip(dh);
                match nonlinearity {
                    Nonlinearity::Tanh => rows.for_each(|(((dp, &o), &a), &b)| *dp = (a + b) * (F::one() - o * o)),
                    Nonlinearity::Relu => rows.for_each(|(((dp, &o), &a), &b)| {
                        *dp = if o > F::zero() { a + b } else { F::zero() };
                    }),
                }
            }
        },
    );
}

/// The LSTM state of one step: `gates: (rows, 4H)` (the two products on entry, the activated
/// gates i, f, g, o on exit), `cell` and `tanh_cell: (rows, H)` written, `c_prev: (rows, H)`
/// (zeros where a sequence starts).
pub(super) struct LstmStep<'a, F> {
    pub gates: &'a mut [F],
    pub cell: &'a mut [F],
    pub tanh_cell: &'a mut [F],
    pub c_prev: &'a [F],
}

/// LSTM forward: `c = f c_prev + i g`, `out = o tanh(c)`, in passes over the row that each
/// vectorise on their own (one loop with five transcendental functions did not).
pub(super) fn lstm_forward<F: Float>(r: Rows, step: LstmStep<'_, F>, bias: &[F], out: &mut [F]) {
    with_simd(
        #[inline(always)]
        || {
            let h = r.h;
            let bias = &bias[..4 * h];
            for j in 0..r.rows {
                let gates = &mut step.gates[j * 4 * h..(j + 1) * 4 * h];
                gates.iter_mut().zip(bias).for_each(|(v, &b)| *v += b);
                let (sig, rest) = gates.split_at_mut(2 * h);
                let (g, o) = rest.split_at_mut(h);
                sig.iter_mut().for_each(|v| *v = sigmoid(*v));
                g.iter_mut().for_each(|v| *v = tanh(*v));
                o.iter_mut().for_each(|v| *v = sigmoid(*v));
                let (i, f) = sig.split_at(h);
                let [c] = r.gates_mut::<F, 1>(step.cell, j);
                let [cp] = r.gates::<F, 1>(step.c_prev, j);
                c.iter_mut().zip(f).zip(cp).zip(i.iter().zip(g.iter())).for_each(|(((c, &f), &cp), (&i, &g))| {
                    *c = f * cp + i * g;
                });
                let [tc] = r.gates_mut::<F, 1>(step.tanh_cell, j);
                tc.iter_mut().zip(c.iter()).for_each(|(t, &c)| *t = tanh(c));
                r.out_mut(out, j).iter_mut().zip(o.iter()).zip(tc.iter()).for_each(|((h, &o), &t)| *h = o * t);
            }
        },
    );
}

/// What the LSTM backward pass reads of one step: the activated `gates: (rows, 4H)`,
/// `tanh_cell` and `c_prev: (rows, H)`.
pub(super) struct LstmKept<'a, F> {
    pub gates: &'a [F],
    pub tanh_cell: &'a [F],
    pub c_prev: &'a [F],
}

/// LSTM backward: `d_gates: (rows, 4H)` the gradient of the gates' pre-activations, from
/// `d_h = d_out + d_h_next` and the carried `d_c: (rows, H)`, which becomes `d c_prev`.
pub(super) fn lstm_backward<F: Float>(
    r: Rows,
    d_gates: &mut [F],
    kept: LstmKept<'_, F>,
    d_out: &[F],
    d_h: &[F],
    d_c: &mut [F],
) {
    with_simd(
        #[inline(always)]
        || {
            for j in 0..r.rows {
                let [dh] = r.gates::<F, 1>(d_h, j);
                let [dc] = r.gates_mut::<F, 1>(d_c, j);
                let [di, df, dg, d_o] = r.gates_mut::<F, 4>(d_gates, j);
                let [i, f, g, o] = r.gates::<F, 4>(kept.gates, j);
                let [tc] = r.gates::<F, 1>(kept.tanh_cell, j);
                let [cp] = r.gates::<F, 1>(kept.c_prev, j);
                lstm_backward_row(di, df, dg, d_o, dc, i, f, g, o, tc, cp, r.out(d_out, j), dh);
            }
        },
    );
}

/// One row of [`lstm_backward`]: a function of its own, every slice an argument, so that
/// the compiler knows they do not overlap (slices in an array or a struct lose that), sparing
/// the vectorised loop a run-time check per row.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn lstm_backward_row<F: Float>(
    di: &mut [F],
    df: &mut [F],
    dg: &mut [F],
    d_o: &mut [F],
    dc: &mut [F],
    i: &[F],
    f: &[F],
    g: &[F],
    o: &[F],
    tc: &[F],
    cp: &[F],
    dout: &[F],
    dh: &[F],
) {
    let one = F::one();
    let h = dc.len();
    let (di, df, dg, d_o) = (&mut di[..h], &mut df[..h], &mut dg[..h], &mut d_o[..h]);
    let (i, f, g, o, tc, cp, dout, dh) = (&i[..h], &f[..h], &g[..h], &o[..h], &tc[..h], &cp[..h], &dout[..h], &dh[..h]);
    for u in 0..h {
        let dhu = dout[u] + dh[u];
        let dcu = dc[u] + dhu * o[u] * (one - tc[u] * tc[u]);
        di[u] = dcu * g[u] * i[u] * (one - i[u]);
        df[u] = dcu * cp[u] * f[u] * (one - f[u]);
        dg[u] = dcu * i[u] * (one - g[u] * g[u]);
        d_o[u] = dhu * tc[u] * o[u] * (one - o[u]);
        dc[u] = dcu * f[u];
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
/// `bias = [b_ir + b_hr, b_iz + b_hz, b_in]` and `b_hn` apart, inside the reset gate; in
/// passes over the row that each vectorise on their own.
pub(super) fn gru_forward<F: Float>(r: Rows, step: GruStep<'_, F>, bias: &[F], b_hn: &[F], out: &mut [F]) {
    with_simd(
        #[inline(always)]
        || {
            let h = r.h;
            let (b_rz, b_n) = bias[..3 * h].split_at(2 * h);
            let b_hn = &b_hn[..h];
            for j in 0..r.rows {
                let gates = &mut step.gates[j * 3 * h..(j + 1) * 3 * h];
                let (rz, n) = gates.split_at_mut(2 * h);
                let (rec_rz, rec_n) = step.rec[j * 3 * h..(j + 1) * 3 * h].split_at(2 * h);
                rz.iter_mut().zip(rec_rz).zip(b_rz).for_each(|((v, &x), &b)| *v = sigmoid(*v + x + b));
                let [hn] = r.gates_mut::<F, 1>(step.hn, j);
                hn.iter_mut().zip(rec_n).zip(b_hn).for_each(|((v, &x), &b)| *v = x + b);
                let (rg, z) = rz.split_at(h);
                n.iter_mut().zip(b_n).zip(rg.iter().zip(hn.iter())).for_each(|((v, &b), (&rg, &hn))| {
                    *v = tanh(*v + b + rg * hn);
                });
                let [hp] = r.gates::<F, 1>(step.h_prev, j);
                r.out_mut(out, j).iter_mut().zip(n.iter()).zip(z.iter().zip(hp)).for_each(|((o, &n), (&z, &hp))| {
                    *o = n + z * (hp - n);
                });
            }
        },
    );
}

/// What the GRU backward pass reads of one step: the activated `gates: (rows, 3H)`, `hn` and
/// `h_prev: (rows, H)`.
pub(super) struct GruKept<'a, F> {
    pub gates: &'a [F],
    pub hn: &'a [F],
    pub h_prev: &'a [F],
}

/// GRU backward: `d_gi: (rows, 3H)` the gradient of the input product's gates, `d_gh` the
/// recurrent product's (they differ in n: the reset gate scales the latter), from
/// `d_h = d_out + d_h_next`; `d_h` is overwritten with its direct part `d_h · z`, to which
/// the caller adds the recurrent product's.
pub(super) fn gru_backward<F: Float>(
    r: Rows,
    d_gi: &mut [F],
    d_gh: &mut [F],
    kept: GruKept<'_, F>,
    d_out: &[F],
    d_h: &mut [F],
) {
    with_simd(
        #[inline(always)]
        || {
            for j in 0..r.rows {
                let [dh] = r.gates_mut::<F, 1>(d_h, j);
                let [dir, diz, din] = r.gates_mut::<F, 3>(d_gi, j);
                let [dhr, dhz, dhn] = r.gates_mut::<F, 3>(d_gh, j);
                let [rg, z, n] = r.gates::<F, 3>(kept.gates, j);
                let ([hn], [hp]) = (r.gates::<F, 1>(kept.hn, j), r.gates::<F, 1>(kept.h_prev, j));
                gru_backward_row(dir, diz, din, dhr, dhz, dhn, dh, rg, z, n, hn, hp, r.out(d_out, j));
            }
        },
    );
}

/// One row of [`gru_backward`] (every slice an argument, see [`lstm_backward_row`]).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gru_backward_row<F: Float>(
    dir: &mut [F],
    diz: &mut [F],
    din: &mut [F],
    dhr: &mut [F],
    dhz: &mut [F],
    dhn: &mut [F],
    dh: &mut [F],
    rg: &[F],
    z: &[F],
    n: &[F],
    hn: &[F],
    hp: &[F],
    dout: &[F],
) {
    let one = F::one();
    let h = dh.len();
    let (dir, diz, din, dhr, dhz, dhn) =
        (&mut dir[..h], &mut diz[..h], &mut din[..h], &mut dhr[..h], &mut dhz[..h], &mut dhn[..h]);
    let (rg, z, n, hn, hp, dout) = (&rg[..h], &z[..h], &n[..h], &hn[..h], &hp[..h], &dout[..h]);
    for u in 0..h {
        let dhu = dout[u] + dh[u];
        let dn = dhu * (one - z[u]) * (one - n[u] * n[u]);
        let dr = dn * hn[u] * rg[u] * (one - rg[u]);
        let dz = dhu * (hp[u] - n[u]) * z[u] * (one - z[u]);
        (dir[u], diz[u], din[u]) = (dr, dz, dn);
        (dhr[u], dhz[u], dhn[u]) = (dr, dz, dn * rg[u]);
        dh[u] = dhu * z[u];
    }
}
