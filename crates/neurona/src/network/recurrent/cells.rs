//! The cells' element-wise work at one step, fused: the gate non-linearities, the state
//! update and the output in passes over each of the step's rows (forward), and every gate's
//! gradient in one pass (backward), each beside the step's recurrent product, `h_prev ·
//! W_hh^T` before it (forward) or `d_gates · W_hh` after it (backward); the other products
//! live in `forward.rs` and `backward.rs`. These loops see only the rows of the sequences
//! running at the step.
//!
//! Derivatives are written in terms of the values the forward pass kept (the activated gates,
//! `tanh(c)`), as PyTorch's own backward does, so that the backward pass computes no
//! transcendental function. Each loop runs over rows sliced to exactly `H` values (no bounds
//! checks inside) with the vectorisable [`math`](super::math) functions, compiled for the
//! widest vectors the CPU has ([`run_here`]). A step with enough work is cut into two halves
//! of rows run on two threads, each with its rows' share of the step's recurrent product
//! ([`run_step`], [`run_back_step`]): rows are independent, so the bits do not change.

use crate::float::Float;
use crate::linalg::{MatRef, PackedB, for_each_piece, matmul_packed, matmul_packed_here, max_threads};
use crate::network::recurrent::math::{sigmoid, tanh};
use crate::network::recurrent::shape::Nonlinearity;

/// Gate values (rows × units × gates) from which a step's element-wise work is cut in two:
/// about 10 microseconds of the LSTM's forward work, ten times a hand-over to a thread.
const MIN_PARALLEL_WORK: usize = 8192;

/// Runs a kernel on the calling thread, compiled for AVX-512 or AVX2 where the CPU has them,
/// else as it is: the element-wise loops then work on 16 or 8 f32 at a time. Where the CPU
/// also has FMA (every AVX-512 one, nearly every AVX2 one, every AArch64 one), f32's
/// exponential fuses its multiply-adds (`FUSED`, see [`math`](super::math)): a third off the
/// LSTM's forward element-wise work. Otherwise every operation is an element-wise IEEE one,
/// which the compiler never fuses on its own, and the results are the same bits with or
/// without the vector extensions; f64's are the same bits on every CPU. The choice depends
/// on the CPU alone, never on the threads.
fn run_here<K: Kernel>(kernel: K) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::is_x86_feature_detected as has;
        #[target_feature(enable = "avx512f,fma")]
        fn avx512<K: Kernel>(kernel: K) {
            kernel.run_rows::<true>();
        }
        #[target_feature(enable = "avx2,fma")]
        fn avx2_fma<K: Kernel>(kernel: K) {
            kernel.run_rows::<true>();
        }
        #[target_feature(enable = "avx2")]
        fn avx2<K: Kernel>(kernel: K) {
            kernel.run_rows::<false>();
        }
        if has!("avx512f") && has!("fma") {
            // SAFETY: the CPU has both features, checked on the line above.
            return unsafe { avx512(kernel) };
        }
        if has!("avx2") && has!("fma") {
            // SAFETY: as above.
            return unsafe { avx2_fma(kernel) };
        }
        if has!("avx2") {
            // SAFETY: as above.
            return unsafe { avx2(kernel) };
        }
    }
    kernel.run_rows::<{ cfg!(target_arch = "aarch64") }>();
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

impl<B: SplitRows> SplitRows for Option<B> {
    fn split_rows(self, at: usize) -> (Self, Self) {
        self.map_or((None, None), |b| {
            let (x, y) = b.split_rows(at);
            (Some(x), Some(y))
        })
    }
}

/// The output's gradient in one row of a backward kernel: a slice, or [`Zeros`] where the
/// loss reads no output (the top layer's when it reads only the final states). The sum
/// `d_out + d_h` is still computed, so that the bits are those of zeros read, but the pass
/// streams one buffer less and the backward pass fills none with zeros (800 kB a batch in the
/// benchmark). A type rather than a closure over the units: a closure capturing the row's
/// slices lost their independence, and the loop ran scalar.
trait RowGradient<F>: Copy {
    /// The first `h` units (a slice's bounds checked once).
    fn first(self, h: usize) -> Self;
    /// Unit `u`'s value.
    fn at(self, u: usize) -> F;
}

impl<F: Float> RowGradient<F> for &[F] {
    #[inline(always)]
    fn first(self, h: usize) -> Self {
        &self[..h]
    }

    #[inline(always)]
    fn at(self, u: usize) -> F {
        self[u]
    }
}

/// A row of zeros, read from no memory.
#[derive(Clone, Copy)]
struct Zeros;

impl<F: Float> RowGradient<F> for Zeros {
    #[inline(always)]
    fn first(self, _: usize) -> Self {
        self
    }

    #[inline(always)]
    fn at(self, _: usize) -> F {
        F::zero()
    }
}

/// A backward kernel's `run_rows`: its rows with the output's gradient `self.d_out` as a
/// slice per row, or as [`Zeros`] if it is `None`, each a monomorphised loop.
macro_rules! with_row_gradient {
    () => {
        #[inline(always)]
        fn run_rows<const FUSED: bool>(self) {
            match self.d_out {
                Some(d_out) => self.rows(
                    #[inline(always)]
                    |r: Rows, j| r.out(d_out, j),
                ),
                None => self.rows(
                    #[inline(always)]
                    |_, _| Zeros,
                ),
            }
        }
    };
}

/// A step's element-wise work, which can be cut into two halves of rows.
pub(super) trait Kernel: Sized + Send {
    /// Gates per row, `G`: with the rows and units, the measure of the work.
    const GATES: usize;
    /// The rows it runs over.
    fn rows(&self) -> Rows;
    /// The first `m` rows and the others.
    fn halves(self, m: usize) -> (Self, Self);
    /// Runs on the calling thread; inlined into [`run_here`]'s variants, each compiled for
    /// its CPU features. `FUSED`: whether f32's exponential fuses its multiply-adds.
    fn run_rows<const FUSED: bool>(self);
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

/// Whether a step is cut into two halves of rows on two threads: there is enough work and
/// threads are allowed.
fn splits<K: Kernel>(kernel: &K) -> bool {
    let r = kernel.rows();
    r.rows >= 2 && r.rows * r.h * K::GATES >= MIN_PARALLEL_WORK && max_threads() > 1
}

/// A step's recurrent product, `h_prev · W_hh^T`, over the rows that continue a state (the
/// first `continuing`; the others start from zero and have none).
pub(super) struct Recurrent<'a, F> {
    /// `(continuing, H)`.
    pub h_prev: &'a [F],
    pub continuing: usize,
    pub w_hh_t: &'a PackedB<F>,
}

impl<F> Recurrent<'_, F> {
    /// The first `m` rows and the others.
    fn halves(self, m: usize, h: usize) -> (Self, Self) {
        let c = self.continuing;
        let (first, second) = self.h_prev.split_at(m.min(c) * h);
        (
            Self { h_prev: first, continuing: m.min(c), ..self },
            Self { h_prev: second, continuing: c.saturating_sub(m), ..self },
        )
    }
}

/// A forward kernel that reads the step's recurrent product from a buffer of its own.
pub(super) trait ForwardKernel<F>: Kernel {
    /// Whether the product is added to the buffer (which holds the input product: Elman,
    /// LSTM) or stored in it, zeros in the rows that start (the GRU's, apart).
    const ACCUMULATE: bool;
    /// The buffer, `(rows, G·H)`.
    fn product_out(&mut self) -> &mut [F];
}

/// A forward step: the recurrent product, then the kernel. With enough work and threads, in
/// two halves of rows on two threads, each computing its rows' product and then their
/// element-wise work: one hand-over per step where a product split by itself and then the
/// element-wise pass took two (100 per batch of 50 steps), and each thread reads the gates it
/// just wrote from its own cache.
pub(super) fn run_step<F: Float, K: ForwardKernel<F>>(rec: Recurrent<'_, F>, mut kernel: K) {
    let r = kernel.rows();
    if splits(&kernel) {
        let m = r.rows / 2;
        let (a, b) = kernel.halves(m);
        let (rec_a, rec_b) = rec.halves(m, r.h);
        for_each_piece([(rec_a, a), (rec_b, b)], |(rec, mut kernel)| {
            product(&rec, &mut kernel, true);
            run_here(kernel);
        });
    } else {
        product(&rec, &mut kernel, false);
        run_here(kernel);
    }
}

/// The recurrent product into the kernel's buffer, on this thread alone (`here`) or split.
fn product<F: Float, K: ForwardKernel<F>>(rec: &Recurrent<'_, F>, kernel: &mut K, here: bool) {
    let (r, c) = (kernel.rows(), rec.continuing);
    let gh = K::GATES * r.h;
    let out = kernel.product_out();
    let h_prev = MatRef::row_major(rec.h_prev, c, r.h);
    if here {
        matmul_packed_here(&mut out[..c * gh], h_prev, rec.w_hh_t, K::ACCUMULATE);
    } else {
        matmul_packed(&mut out[..c * gh], h_prev, rec.w_hh_t, K::ACCUMULATE);
    }
    if !K::ACCUMULATE {
        out[c * gh..r.rows * gh].fill(F::zero());
    }
}

/// A backward kernel after which the step's product carries the gradient to the previous
/// state: `d_h (+)= d_rec · W_hh` over the rows that continue one.
pub(super) trait BackwardKernel<'a, F>: Kernel {
    /// Whether the product adds to `d_h` (the GRU's holds its direct part, `d_h · z`) or
    /// overwrites it.
    const ACCUMULATE: bool;
    /// Runs the kernel on the calling thread, then gives back the product's buffers: `d_h`,
    /// `(rows, H)`, and `d_rec`, `(rows, G·H)`, the gradient the kernel wrote for the
    /// recurrent product's output.
    fn run_and_carry(self) -> (&'a mut [F], &'a [F]);
}

/// A backward step: the kernel, then the carried gradient's product over the first
/// `continuing` rows; with enough work and threads, in two halves of rows on two threads, one
/// hand-over per step (see [`run_step`]).
pub(super) fn run_back_step<'a, F: Float, K: BackwardKernel<'a, F>>(kernel: K, continuing: usize, w_hh: &PackedB<F>) {
    let r = kernel.rows();
    if splits(&kernel) {
        let m = r.rows / 2;
        let (a, b) = kernel.halves(m);
        let pieces = [(a, m.min(continuing)), (b, continuing.saturating_sub(m))];
        for_each_piece(pieces, |(kernel, c)| carry(kernel, c, w_hh, true));
    } else {
        carry(kernel, continuing, w_hh, false);
    }
}

/// The kernel, then its carried gradient, on this thread alone (`here`) or split.
fn carry<'a, F: Float, K: BackwardKernel<'a, F>>(kernel: K, c: usize, w_hh: &PackedB<F>, here: bool) {
    let r = kernel.rows();
    let (d_h, d_rec) = kernel.run_and_carry();
    if c == 0 {
        return;
    }
    let d_rec = MatRef::row_major(d_rec, c, K::GATES * r.h);
    if here {
        matmul_packed_here(&mut d_h[..c * r.h], d_rec, w_hh, K::ACCUMULATE);
    } else {
        matmul_packed(&mut d_h[..c * r.h], d_rec, w_hh, K::ACCUMULATE);
    }
}

/// Elman forward: `out = f(pre + bias)`, `pre: (rows, H)` the two products.
pub(super) struct RnnForward<'a, F> {
    pub r: Rows,
    pub nonlinearity: Nonlinearity,
    pub pre: &'a mut [F],
    pub bias: &'a [F],
    pub out: &'a mut [F],
}

impl<F: Float> Kernel for RnnForward<'_, F> {
    const GATES: usize = 1;

    halves!(|r| pre: r.h, out: r.out_stride);

    #[inline(always)]
    fn run_rows<const FUSED: bool>(self) {
        let (r, bias) = (self.r, &self.bias[..self.r.h]);
        for j in 0..r.rows {
            let [p] = r.gates::<F, 1>(self.pre, j);
            let o = r.out_mut(self.out, j);
            let rows = o.iter_mut().zip(p).zip(bias);
            match self.nonlinearity {
                Nonlinearity::Tanh => rows.for_each(|((o, &p), &b)| *o = tanh::<F, FUSED>(p + b)),
                Nonlinearity::Relu => rows.for_each(|((o, &p), &b)| *o = (p + b).max(F::zero())),
            }
        }
    }
}

/// Elman backward: `d_pre = (d_out + d_h) · f'(out)`, `d_h: (rows, H)` the gradient carried
/// from the next step, `d_out` the output's (`None`: zeros).
pub(super) struct RnnBackward<'a, F> {
    pub r: Rows,
    pub nonlinearity: Nonlinearity,
    pub d_pre: &'a mut [F],
    pub out: &'a [F],
    pub d_out: Option<&'a [F]>,
    pub d_h: &'a mut [F],
}

impl<F: Float> Kernel for RnnBackward<'_, F> {
    const GATES: usize = 1;

    halves!(|r| d_pre: r.h, out: r.out_stride, d_out: r.out_stride, d_h: r.h);

    with_row_gradient!();
}

impl<'a, F: Float> RnnBackward<'a, F> {
    #[inline(always)]
    fn rows<D: RowGradient<F>>(self, d_out: impl Fn(Rows, usize) -> D) {
        let r = self.r;
        for j in 0..r.rows {
            let [dp] = r.gates_mut::<F, 1>(self.d_pre, j);
            let [dh] = r.gates::<F, 1>(self.d_h, j);
            rnn_backward_row(dp, r.out(self.out, j), d_out(r, j), dh, self.nonlinearity);
        }
    }
}

/// One row of [`RnnBackward`] (every slice an argument, see [`lstm_backward_row`]).
#[inline(always)]
fn rnn_backward_row<F: Float, D: RowGradient<F>>(dp: &mut [F], o: &[F], dout: D, dh: &[F], f: Nonlinearity) {
    let h = dp.len();
    let (o, dout, dh) = (&o[..h], dout.first(h), &dh[..h]);
    match f {
        Nonlinearity::Tanh => {
            for u in 0..h {
                dp[u] = (dout.at(u) + dh[u]) * (F::one() - o[u] * o[u]);
            }
        }
        Nonlinearity::Relu => {
            for u in 0..h {
                dp[u] = if o[u] > F::zero() { dout.at(u) + dh[u] } else { F::zero() };
            }
        }
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

    #[inline(always)]
    fn run_rows<const FUSED: bool>(self) {
        let (r, h) = (self.r, self.r.h);
        for j in 0..r.rows {
            let gates = &mut self.gates[j * 4 * h..(j + 1) * 4 * h];
            let ([c], [tc]) = (r.gates_mut::<F, 1>(self.cell, j), r.gates_mut::<F, 1>(self.tanh_cell, j));
            let [cp] = r.gates::<F, 1>(self.c_prev, j);
            lstm_forward_row::<F, FUSED>(gates, c, tc, r.out_mut(self.out, j), cp, self.bias);
        }
    }
}

/// One row of [`LstmForward`] (every slice an argument, see [`lstm_backward_row`]), in passes
/// over the row that each vectorise on their own (one loop with five transcendental functions
/// did not), the biases added in the gates' passes and the cell's three in one.
#[inline(always)]
fn lstm_forward_row<F: Float, const FUSED: bool>(
    gates: &mut [F],
    cell: &mut [F],
    tanh_cell: &mut [F],
    out: &mut [F],
    c_prev: &[F],
    bias: &[F],
) {
    let h = cell.len();
    let (sig, rest) = gates[..4 * h].split_at_mut(2 * h);
    let (g, o) = rest.split_at_mut(h);
    let (b_sig, rest) = bias[..4 * h].split_at(2 * h);
    let (b_g, b_o) = rest.split_at(h);
    sig.iter_mut().zip(b_sig).for_each(|(v, &b)| *v = sigmoid::<F, FUSED>(*v + b));
    g.iter_mut().zip(b_g).for_each(|(v, &b)| *v = tanh::<F, FUSED>(*v + b));
    o.iter_mut().zip(b_o).for_each(|(v, &b)| *v = sigmoid::<F, FUSED>(*v + b));
    let (i, f) = sig.split_at(h);
    let (i, f, g, o, c_prev, tanh_cell, out) =
        (&i[..h], &f[..h], &g[..h], &o[..h], &c_prev[..h], &mut tanh_cell[..h], &mut out[..h]);
    for u in 0..h {
        let c = f[u] * c_prev[u] + i[u] * g[u];
        let t = tanh::<F, FUSED>(c);
        (cell[u], tanh_cell[u], out[u]) = (c, t, o[u] * t);
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
    pub d_out: Option<&'a [F]>,
    pub d_h: &'a mut [F],
}

impl<F: Float> Kernel for LstmBackward<'_, F> {
    const GATES: usize = 4;

    halves!(|r| d_gates: 4 * r.h, d_c: r.h, gates: 4 * r.h, tanh_cell: r.h, c_prev: r.h, d_out: r.out_stride, d_h: r.h);

    with_row_gradient!();
}

impl<'a, F: Float> LstmBackward<'a, F> {
    #[inline(always)]
    fn rows<D: RowGradient<F>>(self, d_out: impl Fn(Rows, usize) -> D) {
        let r = self.r;
        for j in 0..r.rows {
            let [dh] = r.gates::<F, 1>(self.d_h, j);
            let [dc] = r.gates_mut::<F, 1>(self.d_c, j);
            let [di, df, dg, d_o] = r.gates_mut::<F, 4>(self.d_gates, j);
            let [i, f, g, o] = r.gates::<F, 4>(self.gates, j);
            let [tc] = r.gates::<F, 1>(self.tanh_cell, j);
            let [cp] = r.gates::<F, 1>(self.c_prev, j);
            lstm_backward_row(di, df, dg, d_o, dc, i, f, g, o, tc, cp, d_out(r, j), dh);
        }
    }
}

/// One row of [`LstmBackward`]: a function of its own, every slice an argument, so that the
/// compiler knows they do not overlap (slices in an array or a struct lose that), sparing
/// the vectorised loop a run-time check per row.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn lstm_backward_row<F: Float, D: RowGradient<F>>(
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
    dout: D,
    dh: &[F],
) {
    let one = F::one();
    let h = dc.len();
    let (di, df, dg, d_o) = (&mut di[..h], &mut df[..h], &mut dg[..h], &mut d_o[..h]);
    let (i, f, g, o, tc, cp, dout, dh) =
        (&i[..h], &f[..h], &g[..h], &o[..h], &tc[..h], &cp[..h], dout.first(h), &dh[..h]);
    for u in 0..h {
        let dhu = dout.at(u) + dh[u];
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
    pub rec: &'a mut [F],
    pub h_prev: &'a [F],
    pub bias: &'a [F],
    pub b_hn: &'a [F],
    pub out: &'a mut [F],
}

impl<F: Float> Kernel for GruForward<'_, F> {
    const GATES: usize = 3;

    halves!(|r| gates: 3 * r.h, hn: r.h, rec: 3 * r.h, h_prev: r.h, out: r.out_stride);

    #[inline(always)]
    fn run_rows<const FUSED: bool>(self) {
        let (r, h) = (self.r, self.r.h);
        let (b_rz, b_n) = self.bias[..3 * h].split_at(2 * h);
        for j in 0..r.rows {
            let gates = &mut self.gates[j * 3 * h..(j + 1) * 3 * h];
            let (rz, n) = gates.split_at_mut(2 * h);
            let (rec_rz, rec_n) = self.rec[j * 3 * h..(j + 1) * 3 * h].split_at(2 * h);
            let [hn] = r.gates_mut::<F, 1>(self.hn, j);
            let [hp] = r.gates::<F, 1>(self.h_prev, j);
            let out = r.out_mut(self.out, j);
            gru_forward_row::<F, FUSED>(rz, n, hn, out, rec_rz, rec_n, b_rz, b_n, self.b_hn, hp);
        }
    }
}

/// One row of [`GruForward`], in passes over the row that each vectorise on their own; every
/// slice an argument (see [`lstm_backward_row`]): written as one chain of zipped iterators
/// over the kernel's fields, the n gate's pass stayed scalar, a third of a GRU epoch.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gru_forward_row<F: Float, const FUSED: bool>(
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
        rz[u] = sigmoid::<F, FUSED>(rz[u] + rec_rz[u] + b_rz[u]);
    }
    let (rg, z) = rz.split_at(h);
    let (n, out, rec_n, b_n, b_hn, hp, rg, z) =
        (&mut n[..h], &mut out[..h], &rec_n[..h], &b_n[..h], &b_hn[..h], &hp[..h], &rg[..h], &z[..h]);
    for u in 0..h {
        hn[u] = rec_n[u] + b_hn[u];
    }
    for u in 0..h {
        n[u] = tanh::<F, FUSED>(n[u] + b_n[u] + rg[u] * hn[u]);
    }
    for u in 0..h {
        out[u] = n[u] + z[u] * (hp[u] - n[u]);
    }
}

/// GRU backward: `d_gi: (rows, 3H)` the gradient of the input product's gates, `d_gh` the
/// recurrent product's (they differ in n: the reset gate scales the latter), from
/// `d_h = d_out + d_h_next`; `d_h` is overwritten with its direct part `d_h · z`, to which
/// [`run_back_step`] adds the recurrent product's. `gates`, `hn` and `h_prev` as the forward pass
/// left them.
pub(super) struct GruBackward<'a, F> {
    pub r: Rows,
    pub d_gi: &'a mut [F],
    pub d_gh: &'a mut [F],
    pub d_h: &'a mut [F],
    pub gates: &'a [F],
    pub hn: &'a [F],
    pub h_prev: &'a [F],
    pub d_out: Option<&'a [F]>,
}

impl<F: Float> Kernel for GruBackward<'_, F> {
    const GATES: usize = 3;

    halves!(|r| d_gi: 3 * r.h, d_gh: 3 * r.h, d_h: r.h, gates: 3 * r.h, hn: r.h, h_prev: r.h, d_out: r.out_stride);

    with_row_gradient!();
}

impl<'a, F: Float> GruBackward<'a, F> {
    #[inline(always)]
    fn rows<D: RowGradient<F>>(self, d_out: impl Fn(Rows, usize) -> D) {
        let r = self.r;
        for j in 0..r.rows {
            let [dh] = r.gates_mut::<F, 1>(self.d_h, j);
            let [dir, diz, din] = r.gates_mut::<F, 3>(self.d_gi, j);
            let [dhr, dhz, dhn] = r.gates_mut::<F, 3>(self.d_gh, j);
            let [rg, z, n] = r.gates::<F, 3>(self.gates, j);
            let ([hn], [hp]) = (r.gates::<F, 1>(self.hn, j), r.gates::<F, 1>(self.h_prev, j));
            gru_backward_row(dir, diz, din, dhr, dhz, dhn, dh, rg, z, n, hn, hp, d_out(r, j));
        }
    }
}

/// One row of [`GruBackward`] (every slice an argument, see [`lstm_backward_row`]).
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn gru_backward_row<F: Float, D: RowGradient<F>>(
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
    dout: D,
) {
    let one = F::one();
    let h = dh.len();
    let (dir, diz, din, dhr, dhz, dhn) =
        (&mut dir[..h], &mut diz[..h], &mut din[..h], &mut dhr[..h], &mut dhz[..h], &mut dhn[..h]);
    let (rg, z, n, hn, hp, dout) = (&rg[..h], &z[..h], &n[..h], &hn[..h], &hp[..h], dout.first(h));
    for u in 0..h {
        let dhu = dout.at(u) + dh[u];
        let dn = dhu * (one - z[u]) * (one - n[u] * n[u]);
        let dr = dn * hn[u] * rg[u] * (one - rg[u]);
        let dz = dhu * (hp[u] - n[u]) * z[u] * (one - z[u]);
        (dir[u], diz[u], din[u]) = (dr, dz, dn);
        (dhr[u], dhz[u], dhn[u]) = (dr, dz, dn * rg[u]);
        dh[u] = dhu * z[u];
    }
}

/// A cell's [`BackwardKernel`]: the kernel runs on reborrows of `d_h` and of `$d_rec`, its
/// gradient of the recurrent product's output, which are then handed on to the product.
macro_rules! backward_kernel {
    ($kernel:ident, $d_rec:ident, accumulate: $accumulate:expr) => {
        impl<'a, F: Float> BackwardKernel<'a, F> for $kernel<'a, F> {
            const ACCUMULATE: bool = $accumulate;

            fn run_and_carry(self) -> (&'a mut [F], &'a [F]) {
                let Self { $d_rec, d_h, .. } = self;
                run_here($kernel { $d_rec: &mut *$d_rec, d_h: &mut *d_h, ..self });
                (d_h, $d_rec)
            }
        }
    };
}

backward_kernel!(RnnBackward, d_pre, accumulate: false);
backward_kernel!(LstmBackward, d_gates, accumulate: false);
backward_kernel!(GruBackward, d_gh, accumulate: true);

impl<F: Float> ForwardKernel<F> for RnnForward<'_, F> {
    const ACCUMULATE: bool = true;

    fn product_out(&mut self) -> &mut [F] {
        self.pre
    }
}

impl<F: Float> ForwardKernel<F> for LstmForward<'_, F> {
    const ACCUMULATE: bool = true;

    fn product_out(&mut self) -> &mut [F] {
        self.gates
    }
}

impl<F: Float> ForwardKernel<F> for GruForward<'_, F> {
    const ACCUMULATE: bool = false;

    fn product_out(&mut self) -> &mut [F] {
        self.rec
    }
}
