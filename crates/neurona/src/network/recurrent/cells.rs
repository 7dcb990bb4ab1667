//! The cells' element-wise work at one step, fused: the gate non-linearities, the state
//! update and the output in passes over each of the step's rows (forward), and every gate's
//! gradient in one pass (backward). The matrix products live in `forward.rs` and
//! `backward.rs`; these loops see only the rows of the sequences running at the step.
//!
//! Derivatives are written in terms of the values the forward pass kept (the activated gates,
//! `tanh(c)`), as PyTorch's own backward does, so that the backward pass computes no
//! transcendental function. Each loop runs over rows sliced to exactly `H` values (no bounds
//! checks inside) with the vectorisable [`math`](super::math) functions, compiled for the
//! widest vectors the CPU has ([`with_simd`]). A step with enough work is cut into two halves
//! of rows run on two threads ([`run`]): rows are independent, so the bits do not change.

use crate::float::Float;
use crate::linalg::{for_each_piece, max_threads, return_compiled_for, with_avx2};
use crate::network::recurrent::math::{sigmoid, tanh};
use crate::network::recurrent::shape::Nonlinearity;

/// Gate values (rows × units × gates) from which a step's element-wise work is cut in two:
/// about 10 microseconds of the LSTM's forward work, ten times a hand-over to a thread.
const MIN_PARALLEL_WORK: usize = 8192;

/// Runs `f` compiled for AVX-512 or AVX2 where the CPU has them, else as it is: the
/// element-wise loops then work on 16 or 8 f32 at a time. The results are the same bits
/// either way, as in [`with_avx2`]: every operation is an element-wise IEEE one, and the
/// compiler never fuses a multiplication and an addition on its own.
#[inline(always)]
fn with_simd<R>(f: impl FnOnce() -> R) -> R {
    return_compiled_for!("avx512f", f);
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

    /// Row `j` of a `(rows, K·H)` buffer, cut into its `K` gates of `H` values.
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

    /// The first `m` rows and the others.
    fn halves(self, m: usize) -> (Self, Self) {
        (Self { rows: m, ..self }, Self { rows: self.rows - m, ..self })
    }

    /// `buf` of rows `width` values apart cut after row `m` (the last row of an output slice
    /// may be shorter than `width`).
    fn cut<B: SplitRows>(buf: B, m: usize, width: usize) -> (B, B) {
        buf.split_rows(m * width)
    }
}

/// A slice a kernel's halves split: shared or exclusive.
trait SplitRows: Sized {
    /// The first `at` values (at most all) and the others.
    fn split_rows(self, at: usize) -> (Self, Self);
}

impl<F> SplitRows for &[F] {
    fn split_rows(self, at: usize) -> (Self, Self) {
        self.split_at(at.min(self.len()))
    }
}

impl<F> SplitRows for &mut [F] {
    fn split_rows(self, at: usize) -> (Self, Self) {
        let at = at.min(self.len());
        self.split_at_mut(at)
    }
}

/// A step's element-wise work, which can be cut into two halves of rows.
pub(super) trait Kernel: Sized + Send {
    /// Gates per row, `G`: with the rows and units, the measure of the work.
    const GATES: usize;
    /// The rows it runs over.
    fn rows(&self) -> Rows;
    /// The first `m` rows and the others.
    fn halves(self, m: usize) -> (Self, Self);
    /// Runs on the calling thread.
    fn run_here(self);
}

/// Implements [`Kernel::rows`] and [`Kernel::halves`] for a kernel of a `r: Rows` and
/// row-major slices, each listed with its row width in terms of `r` (the other fields, shared,
/// are copied into both halves): `halves!(|r| gates: 4 * r.h, out: r.out_stride)`.
macro_rules! halves {
    (|$r:ident| $($field:ident: $width:expr),+ $(,)?) => {
        fn rows(&self) -> Rows {
            self.r
        }

        #[allow(clippy::needless_update)]
        fn halves(self, m: usize) -> (Self, Self) {
            let $r = self.r;
            let (r0, r1) = $r.halves(m);
            $(let $field = Rows::cut(self.$field, m, $width);)+
            (Self { r: r0, $($field: $field.0,)+ ..self }, Self { r: r1, $($field: $field.1,)+ ..self })
        }
    };
}

/// Runs a kernel over its rows, in two halves on two threads if there is enough work and
/// threads are allowed.
pub(super) fn run<K: Kernel>(kernel: K) {
    let r = kernel.rows();
    if r.rows >= 2 && r.rows * r.h * K::GATES >= MIN_PARALLEL_WORK && max_threads() > 1 {
        let (a, b) = kernel.halves(r.rows / 2);
        for_each_piece([a, b], K::run_here);
    } else {
        kernel.run_here();
    }
}

/// Elman forward: `out = f(pre + bias)`, `pre: (rows, H)` the two products.
pub(super) struct RnnForward<'a, F> {
    pub r: Rows,
    pub nonlinearity: Nonlinearity,
    pub pre: &'a [F],
    pub bias: &'a [F],
    pub out: &'a mut [F],
}

impl<F: Float> Kernel for RnnForward<'_, F> {
    const GATES: usize = 1;

    halves!(|r| pre: r.h, out: r.out_stride);

    fn run_here(self) {
        with_simd(
            #[inline(always)]
            || {
                let (r, bias) = (self.r, &self.bias[..self.r.h]);
                for j in 0..r.rows {
                    let [p] = r.gates::<F, 1>(self.pre, j);
                    let o = r.out_mut(self.out, j);
                    let rows = o.iter_mut().zip(p).zip(bias);
                    match self.nonlinearity {
                        Nonlinearity::Tanh => rows.for_each(|((o, &p), &b)| *o = tanh(p + b)),
                        Nonlinearity::Relu => rows.for_each(|((o, &p), &b)| *o = (p + b).max(F::zero())),
                    }
                }
            },
        );
    }
}

/// Elman backward: `d_pre = (d_out + d_h) · f'(out)`, `d_h: (rows, H)` the gradient carried
/// from the next step.
pub(super) struct RnnBackward<'a, F> {
    pub r: Rows,
    pub nonlinearity: Nonlinearity,
    pub d_pre: &'a mut [F],
    pub out: &'a [F],
    pub d_out: &'a [F],
    pub d_h: &'a [F],
}

impl<F: Float> Kernel for RnnBackward<'_, F> {
    const GATES: usize = 1;

    halves!(|r| d_pre: r.h, out: r.out_stride, d_out: r.out_stride, d_h: r.h);

    fn run_here(self) {
        with_simd(
            #[inline(always)]
            || {
                let r = self.r;
                for j in 0..r.rows {
                    let [dp] = r.gates_mut::<F, 1>(self.d_pre, j);
                    let [dh] = r.gates::<F, 1>(self.d_h, j);
                    let (o, dout) = (r.out(self.out, j), r.out(self.d_out, j));
                    let rows = dp.iter_mut().zip(o).zip(dout).zip(dh);
                    match self.nonlinearity {
                        Nonlinearity::Tanh => rows.for_each(|(((dp, &o), &a), &b)| *dp = (a + b) * (F::one() - o * o)),
                        Nonlinearity::Relu => rows.for_each(|(((dp, &o), &a), &b)| {
                            *dp = if o > F::zero() { a + b } else { F::zero() };
                        }),
                    }
                }
            },
        );
    }
}

/// LSTM forward: `c = f c_prev + i g`, `out = o tanh(c)`. `gates: (rows, 4H)` holds the two
/// products on entry and the activated gates i, f, g, o on exit; `cell` and `tanh_cell:
/// (rows, H)` are written; `c_prev: (rows, H)` has zeros where a sequence starts.
pub(super) struct LstmForward<'a, F> {
    pub r: Rows,
    pub gates: &'a mut [F],
    pub cell: &'a mut [F],
    pub tanh_cell: &'a mut [F],
    pub c_prev: &'a [F],
    pub bias: &'a [F],
    pub out: &'a mut [F],
}

impl<F: Float> Kernel for LstmForward<'_, F> {
    const GATES: usize = 4;

    halves!(|r| gates: 4 * r.h, cell: r.h, tanh_cell: r.h, c_prev: r.h, out: r.out_stride);

    /// In passes over the row that each vectorise on their own (one loop with five
    /// transcendental functions did not).
    fn run_here(self) {
        with_simd(
            #[inline(always)]
            || {
                let (r, h) = (self.r, self.r.h);
                let bias = &self.bias[..4 * h];
                for j in 0..r.rows {
                    let gates = &mut self.gates[j * 4 * h..(j + 1) * 4 * h];
                    gates.iter_mut().zip(bias).for_each(|(v, &b)| *v += b);
                    let (sig, rest) = gates.split_at_mut(2 * h);
                    let (g, o) = rest.split_at_mut(h);
                    sig.iter_mut().for_each(|v| *v = sigmoid(*v));
                    g.iter_mut().for_each(|v| *v = tanh(*v));
                    o.iter_mut().for_each(|v| *v = sigmoid(*v));
                    let (i, f) = sig.split_at(h);
                    let [c] = r.gates_mut::<F, 1>(self.cell, j);
                    let [cp] = r.gates::<F, 1>(self.c_prev, j);
                    c.iter_mut().zip(f).zip(cp).zip(i.iter().zip(g.iter())).for_each(|(((c, &f), &cp), (&i, &g))| {
                        *c = f * cp + i * g;
                    });
                    let [tc] = r.gates_mut::<F, 1>(self.tanh_cell, j);
                    tc.iter_mut().zip(c.iter()).for_each(|(t, &c)| *t = tanh(c));
                    let out = r.out_mut(self.out, j);
                    out.iter_mut().zip(o.iter()).zip(tc.iter()).for_each(|((h, &o), &t)| *h = o * t);
                }
            },
        );
    }
}

/// LSTM backward: `d_gates: (rows, 4H)` the gradient of the gates' pre-activations, from
/// `d_h = d_out + d_h_next` and the carried `d_c: (rows, H)`, which becomes `d c_prev`;
/// `gates` the activated gates, `tanh_cell` and `c_prev: (rows, H)` as the forward pass left
/// them.
pub(super) struct LstmBackward<'a, F> {
    pub r: Rows,
    pub d_gates: &'a mut [F],
    pub d_c: &'a mut [F],
    pub gates: &'a [F],
    pub tanh_cell: &'a [F],
    pub c_prev: &'a [F],
    pub d_out: &'a [F],
    pub d_h: &'a [F],
}

impl<F: Float> Kernel for LstmBackward<'_, F> {
    const GATES: usize = 4;

    halves!(|r| d_gates: 4 * r.h, d_c: r.h, gates: 4 * r.h, tanh_cell: r.h, c_prev: r.h, d_out: r.out_stride, d_h: r.h);

    fn run_here(self) {
        with_simd(
            #[inline(always)]
            || {
                let r = self.r;
                for j in 0..r.rows {
                    let [dh] = r.gates::<F, 1>(self.d_h, j);
                    let [dc] = r.gates_mut::<F, 1>(self.d_c, j);
                    let [di, df, dg, d_o] = r.gates_mut::<F, 4>(self.d_gates, j);
                    let [i, f, g, o] = r.gates::<F, 4>(self.gates, j);
                    let [tc] = r.gates::<F, 1>(self.tanh_cell, j);
                    let [cp] = r.gates::<F, 1>(self.c_prev, j);
                    lstm_backward_row(di, df, dg, d_o, dc, i, f, g, o, tc, cp, r.out(self.d_out, j), dh);
                }
            },
        );
    }
}

/// One row of [`LstmBackward`]: a function of its own, every slice an argument, so that the
/// compiler knows they do not overlap (slices in an array or a struct lose that), sparing
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

/// GRU forward: `out = n + z (h_prev - n)` (PyTorch's form of `(1 - z) n + z h_prev`), with
/// `bias = [b_ir + b_hr, b_iz + b_hz, b_in]` and `b_hn` apart, inside the reset gate.
/// `gates: (rows, 3H)` holds the input product on entry and the activated r, z, n on exit;
/// `rec: (rows, 3H)` is the recurrent product (zeros where a sequence starts); `hn: (rows, H)`
/// is written with `W_hn h + b_hn`, which the backward pass needs.
pub(super) struct GruForward<'a, F> {
    pub r: Rows,
    pub gates: &'a mut [F],
    pub hn: &'a mut [F],
    pub rec: &'a [F],
    pub h_prev: &'a [F],
    pub bias: &'a [F],
    pub b_hn: &'a [F],
    pub out: &'a mut [F],
}

impl<F: Float> Kernel for GruForward<'_, F> {
    const GATES: usize = 3;

    halves!(|r| gates: 3 * r.h, hn: r.h, rec: 3 * r.h, h_prev: r.h, out: r.out_stride);

    fn run_here(self) {
        with_simd(
            #[inline(always)]
            || {
                let (r, h) = (self.r, self.r.h);
                let (b_rz, b_n) = self.bias[..3 * h].split_at(2 * h);
                for j in 0..r.rows {
                    let gates = &mut self.gates[j * 3 * h..(j + 1) * 3 * h];
                    let (rz, n) = gates.split_at_mut(2 * h);
                    let (rec_rz, rec_n) = self.rec[j * 3 * h..(j + 1) * 3 * h].split_at(2 * h);
                    let [hn] = r.gates_mut::<F, 1>(self.hn, j);
                    let [hp] = r.gates::<F, 1>(self.h_prev, j);
                    let out = r.out_mut(self.out, j);
                    gru_forward_row(rz, n, hn, out, rec_rz, rec_n, b_rz, b_n, self.b_hn, hp);
                }
            },
        );
    }
}

/// One row of [`GruForward`], in passes over the row that each vectorise on their own; every
/// slice an argument (see [`lstm_backward_row`]): written as one chain of zipped iterators
/// over the kernel's fields, the n gate's pass stayed scalar, a third of a GRU epoch.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gru_forward_row<F: Float>(
    rz: &mut [F],
    n: &mut [F],
    hn: &mut [F],
    out: &mut [F],
    rec_rz: &[F],
    rec_n: &[F],
    b_rz: &[F],
    b_n: &[F],
    b_hn: &[F],
    hp: &[F],
) {
    let h = hn.len();
    let (rz, rec_rz, b_rz) = (&mut rz[..2 * h], &rec_rz[..2 * h], &b_rz[..2 * h]);
    for u in 0..2 * h {
        rz[u] = sigmoid(rz[u] + rec_rz[u] + b_rz[u]);
    }
    let (rg, z) = rz.split_at(h);
    let (n, out, rec_n, b_n, b_hn, hp, rg, z) =
        (&mut n[..h], &mut out[..h], &rec_n[..h], &b_n[..h], &b_hn[..h], &hp[..h], &rg[..h], &z[..h]);
    for u in 0..h {
        hn[u] = rec_n[u] + b_hn[u];
    }
    for u in 0..h {
        n[u] = tanh(n[u] + b_n[u] + rg[u] * hn[u]);
    }
    for u in 0..h {
        out[u] = n[u] + z[u] * (hp[u] - n[u]);
    }
}

/// GRU backward: `d_gi: (rows, 3H)` the gradient of the input product's gates, `d_gh` the
/// recurrent product's (they differ in n: the reset gate scales the latter), from
/// `d_h = d_out + d_h_next`; `d_h` is overwritten with its direct part `d_h · z`, to which
/// the caller adds the recurrent product's. `gates`, `hn` and `h_prev` as the forward pass
/// left them.
pub(super) struct GruBackward<'a, F> {
    pub r: Rows,
    pub d_gi: &'a mut [F],
    pub d_gh: &'a mut [F],
    pub d_h: &'a mut [F],
    pub gates: &'a [F],
    pub hn: &'a [F],
    pub h_prev: &'a [F],
    pub d_out: &'a [F],
}

impl<F: Float> Kernel for GruBackward<'_, F> {
    const GATES: usize = 3;

    halves!(|r| d_gi: 3 * r.h, d_gh: 3 * r.h, d_h: r.h, gates: 3 * r.h, hn: r.h, h_prev: r.h, d_out: r.out_stride);

    fn run_here(self) {
        with_simd(
            #[inline(always)]
            || {
                let r = self.r;
                for j in 0..r.rows {
                    let [dh] = r.gates_mut::<F, 1>(self.d_h, j);
                    let [dir, diz, din] = r.gates_mut::<F, 3>(self.d_gi, j);
                    let [dhr, dhz, dhn] = r.gates_mut::<F, 3>(self.d_gh, j);
                    let [rg, z, n] = r.gates::<F, 3>(self.gates, j);
                    let ([hn], [hp]) = (r.gates::<F, 1>(self.hn, j), r.gates::<F, 1>(self.h_prev, j));
                    gru_backward_row(dir, diz, din, dhr, dhz, dhn, dh, rg, z, n, hn, hp, r.out(self.d_out, j));
                }
            },
        );
    }
}

/// One row of [`GruBackward`] (every slice an argument, see [`lstm_backward_row`]).
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
