//! The restricted Boltzmann machine's mathematics, as scikit-learn's `BernoulliRBM` computes it:
//! the two conditional distributions, one step of persistent contrastive divergence, the free
//! energy and the pseudo-likelihood.
//!
//! Notation: `v: (n_samples, n_features)` visible units, `h: (n_samples, n_components)` hidden
//! units, `W = components_: (n_components, n_features)`, `b_h = intercept_hidden_`,
//! `b_v = intercept_visible_`. Every random draw is a `uniform(0, 1)` from the caller's
//! [`RandomState`], taken in row-major order, exactly where scikit-learn draws it.

use ndarray::{Array1, Array2};

use crate::float::Float;
use crate::interrupt;
use crate::linalg::{MatRef, matmul};
use crate::rng::RandomState;

/// The most rows per block of the computations on a whole X (`transform`, `gibbs`,
/// `score_samples`): between blocks a caller's interruption check is asked, and the free
/// energy's scratch stays this many rows. A block's products are as efficient as the whole one's.
const BLOCK_ROWS: usize = 1024;

/// The most multiply-adds of one block's product (a few milliseconds on a quiet core): a large
/// RBM takes fewer rows a block, so that Ctrl-C is answered within a fraction of a second even
/// on a machine that other processes keep busy.
const BLOCK_WORK: usize = 1 << 27;

/// The fewest rows per block: below this the products lose their efficiency.
const MIN_BLOCK_ROWS: usize = 16;

/// The rows per block for an RBM of `k` components over `p` features.
fn block_rows(k: usize, p: usize) -> usize {
    (BLOCK_WORK / k.saturating_mul(p).max(1)).clamp(MIN_BLOCK_ROWS, BLOCK_ROWS)
}

/// Runs `f(start, rows)` over the blocks of `n` rows in order, `block` rows each, until a
/// caller's interruption check fires ([`crate::interrupt`]; asked between blocks, so that one
/// block never is).
fn in_blocks(n: usize, block: usize, mut f: impl FnMut(usize, usize)) {
    for start in (0..n).step_by(block) {
        if start > 0 && interrupt::requested() {
            return;
        }
        f(start, block.min(n - start));
    }
}

/// What a fit learned: scikit-learn's fitted attributes of `BernoulliRBM`.
#[derive(Debug, Clone, PartialEq)]
pub struct RbmState<F> {
    /// `(n_components, n_features)`, row-major.
    pub(crate) components: Array2<F>,
    pub(crate) intercept_hidden: Array1<F>,
    pub(crate) intercept_visible: Array1<F>,
    /// `(batch_size, n_components)`, row-major: the persistent chain's hidden states.
    pub(crate) h_samples: Array2<F>,
}

impl<F: Float> RbmState<F> {
    /// `components_`: the weights `(n_components, n_features)`.
    pub fn components(&self) -> ndarray::ArrayView2<'_, F> {
        self.components.view()
    }

    /// `intercept_hidden_`: the hidden biases `(n_components,)`.
    pub fn intercept_hidden(&self) -> ndarray::ArrayView1<'_, F> {
        self.intercept_hidden.view()
    }

    /// `intercept_visible_`: the visible biases `(n_features,)`.
    pub fn intercept_visible(&self) -> ndarray::ArrayView1<'_, F> {
        self.intercept_visible.view()
    }

    /// `h_samples_`: the persistent chain, `(batch_size, n_components)` of 0s and 1s.
    pub fn h_samples(&self) -> ndarray::ArrayView2<'_, F> {
        self.h_samples.view()
    }

    /// Number of hidden units.
    pub fn n_components(&self) -> usize {
        self.components.nrows()
    }

    /// `n_features_in_`.
    pub fn n_features_in(&self) -> usize {
        self.components.ncols()
    }

    /// Fresh parameters, as scikit-learn initialises them: `W = rng.normal(0, 0.01, (n_components,
    /// n_features))` drawn row by row (rounded to `F` after the draw), zero biases and a chain of
    /// `batch_size` zero rows.
    pub(crate) fn initialize(n_components: usize, n_features: usize, batch_size: usize, rng: &mut RandomState) -> Self {
        Self {
            components: Array2::from_shape_fn((n_components, n_features), |_| F::from_f64(rng.normal(0.0, 0.01))),
            intercept_hidden: Array1::zeros(n_components),
            intercept_visible: Array1::zeros(n_features),
            h_samples: Array2::zeros((batch_size, n_components)),
        }
    }

    fn weights(&self) -> &[F] {
        self.components.as_slice().expect("components_ are kept row-major")
    }

    /// `out: (n, n_components) = σ(v · Wᵀ + b_h)` for `v: (n, n_features)` (scikit-learn's
    /// `_mean_hiddens`).
    pub(crate) fn mean_hiddens(&self, out: &mut [F], v: &[F], n: usize) {
        let (k, p) = self.components.dim();
        let out = &mut out[..n * k];
        matmul(out, MatRef::row_major(v, n, p), MatRef::row_major(self.weights(), k, p).t(), false);
        add_rows_and_squash(out, self.intercept_hidden.as_slice().expect("contiguous"));
    }

    /// `out: (n, n_features) = σ(h · W + b_v)` for `h: (n, n_components)`: the probabilities of
    /// `_sample_visibles`.
    pub(crate) fn mean_visibles(&self, out: &mut [F], h: &[F], n: usize) {
        let (k, p) = self.components.dim();
        let out = &mut out[..n * p];
        matmul(out, MatRef::row_major(h, n, k), MatRef::row_major(self.weights(), k, p), false);
        add_rows_and_squash(out, self.intercept_visible.as_slice().expect("contiguous"));
    }

    /// [`mean_hiddens`](Self::mean_hiddens) of every row of `v`, in blocks of rows (see
    /// [`in_blocks`]): `transform`.
    pub(crate) fn hidden_probabilities(&self, out: &mut [F], v: &[F], n: usize) {
        let (k, p) = self.components.dim();
        in_blocks(n, block_rows(k, p), |start, rows| {
            self.mean_hiddens(&mut out[start * k..(start + rows) * k], &v[start * p..(start + rows) * p], rows);
        });
    }

    /// [`mean_visibles`](Self::mean_visibles) of every row of `h`, in blocks of rows.
    fn visible_probabilities(&self, out: &mut [F], h: &[F], n: usize) {
        let (k, p) = self.components.dim();
        in_blocks(n, block_rows(k, p), |start, rows| {
            self.mean_visibles(&mut out[start * p..(start + rows) * p], &h[start * k..(start + rows) * k], rows);
        });
    }

    /// The free energy `F(v) = -v·b_v - Σ_j softplus((v·Wᵀ + b_h)_j)` of each row of `v`, with
    /// softplus as numpy's `logaddexp(0, ·)` and the row sums in numpy's pairwise order;
    /// computed in blocks of rows.
    pub(crate) fn free_energy(&self, v: &[F], n: usize) -> Vec<F> {
        let (k, p) = self.components.dim();
        let mut energies = vec![F::zero(); n];
        let block = block_rows(k, p);
        let mut pre = vec![F::zero(); block.min(n) * k];
        let b_h = self.intercept_hidden.as_slice().expect("contiguous");
        let b_v = self.intercept_visible.as_slice().expect("contiguous");
        in_blocks(n, block, |start, rows| {
            let v = &v[start * p..(start + rows) * p];
            let pre = &mut pre[..rows * k];
            matmul(pre, MatRef::row_major(v, rows, p), MatRef::row_major(self.weights(), k, p).t(), false);
            let energies = &mut energies[start..start + rows];
            for ((energy, row), x) in energies.iter_mut().zip(pre.chunks_exact_mut(k)).zip(v.chunks_exact(p)) {
                for (a, &b) in row.iter_mut().zip(b_h) {
                    *a = logaddexp0(*a + b);
                }
                let mut vb = F::zero();
                for (&x, &b) in x.iter().zip(b_v) {
                    vb += x * b;
                }
                *energy = -vb - pairwise_sum(row);
            }
        });
        energies
    }

    /// The pseudo-likelihood of each row of `v` (scikit-learn's `score_samples`): one feature
    /// `j_i = rng.randint(0, n_features)` per row is flipped (`v' = 1 - v` there), and the score
    /// is `n_features · log σ(F(v') - F(v))`, computed as `-n_features · logaddexp(0, -(F(v') -
    /// F(v)))` so that it cannot overflow.
    pub(crate) fn pseudo_likelihood(&self, v: &[F], n: usize, rng: &mut RandomState) -> Array1<F> {
        let p = self.n_features_in();
        // randint(0, p, n): p >= 1, so p - 1 cannot underflow; p == 1 draws nothing, as numpy.
        let flips: Vec<usize> = (0..n).map(|_| rng.random_interval(p as u64 - 1) as usize).collect();
        let mut corrupted = v[..n * p].to_vec();
        for (i, &j) in flips.iter().enumerate() {
            let x = &mut corrupted[i * p + j];
            *x = F::one() - *x;
        }
        let fe = self.free_energy(v, n);
        let fe_corrupted = self.free_energy(&corrupted, n);
        let scale = -F::from_usize(p);
        fe.iter().zip(&fe_corrupted).map(|(&f, &g)| scale * logaddexp0(-(g - f))).collect()
    }

    /// One Gibbs step `v → h ~ Bern(σ(v·Wᵀ + b_h)) → v' ~ Bern(σ(h·W + b_v))` (scikit-learn's
    /// `gibbs`).
    pub(crate) fn gibbs(&self, v: &[F], n: usize, rng: &mut RandomState) -> Array2<bool> {
        let (k, p) = self.components.dim();
        let mut h = vec![F::zero(); n * k];
        self.hidden_probabilities(&mut h, v, n);
        sample_in_place(&mut h, rng);
        let mut probabilities = vec![F::zero(); n * p];
        self.visible_probabilities(&mut probabilities, &h, n);
        let samples = probabilities.iter().map(|&q| rng.next_double() < q.as_f64()).collect();
        Array2::from_shape_vec((n, p), samples).expect("n * p samples")
    }

    /// Whether every parameter is finite.
    pub(crate) fn is_finite(&self) -> bool {
        self.components.iter().chain(&self.intercept_hidden).chain(&self.intercept_visible).all(|v| v.is_finite())
    }
}

/// The buffers of [`pcd_step`], allocated once per fit for batches of up to `max_rows` rows, so
/// that the steps themselves allocate nothing.
#[derive(Debug)]
pub(crate) struct PcdWorkspace<F> {
    h_pos: Vec<F>,
    p_visible: Vec<F>,
    v_neg: Vec<F>,
    h_neg: Vec<F>,
    positive: Vec<F>,
    negative: Vec<F>,
    h_pos_sums: Vec<F>,
    h_neg_sums: Vec<F>,
    v_pos_sums: Vec<F>,
    v_neg_counts: Vec<F>,
}

impl<F: Float> PcdWorkspace<F> {
    pub(crate) fn new(n_components: usize, n_features: usize, chain_rows: usize, max_rows: usize) -> Self {
        let zeros = |len: usize| vec![F::zero(); len];
        Self {
            h_pos: zeros(max_rows * n_components),
            p_visible: zeros(chain_rows * n_features),
            v_neg: zeros(chain_rows * n_features),
            h_neg: zeros(chain_rows * n_components),
            positive: zeros(n_components * n_features),
            negative: zeros(n_components * n_features),
            h_pos_sums: zeros(n_components),
            h_neg_sums: zeros(n_components),
            v_pos_sums: zeros(n_features),
            v_neg_counts: zeros(n_features),
        }
    }
}

/// One step of persistent contrastive divergence (Tieleman 2008) on the batch `v_pos: (m,
/// n_features)`, scikit-learn's `_fit`:
///
/// ```text
/// H+ = σ(V·Wᵀ + b_h)                                   positive phase, mean field
/// Vn = uniform(chain_rows, n_features) < σ(h_samples·W + b_v)    negative phase, from the chain
/// H- = σ(Vn·Wᵀ + b_h)
/// W   += lr/m · (H+ᵀ·V − H-ᵀ·Vn)
/// b_h += lr/m · (ΣH+ − ΣH-)
/// b_v += lr/m · (ΣV − ΣVn)
/// h_samples = floor(H- with 1 where uniform(chain_rows, n_components) < H-)
/// ```
///
/// The chain keeps its `batch_size` rows whatever `m` is: a short last batch sums the negative
/// phase over the whole chain but divides by `m` (scikit-learn's behaviour). The precision of each
/// operation follows numpy's promotion rules, so that float32 training matches scikit-learn's
/// float32 training: `lr/m` is rounded to `F` for `W` and `b_h`, while `b_v` is updated in f64
/// (numpy adds the integer count of `Vn` in float64) and rounded back.
pub(crate) fn pcd_step<F: Float>(
    state: &mut RbmState<F>,
    v_pos: &[F],
    m: usize,
    learning_rate: f64,
    rng: &mut RandomState,
    ws: &mut PcdWorkspace<F>,
) {
    let (k, p) = state.components.dim();
    let chain = state.h_samples.nrows();
    let h_pos = &mut ws.h_pos[..m * k];
    state.mean_hiddens(h_pos, v_pos, m);
    state.mean_visibles(&mut ws.p_visible, state.h_samples.as_slice().expect("chain is row-major"), chain);
    for (v, &q) in ws.v_neg.iter_mut().zip(&ws.p_visible) {
        *v = if rng.next_double() < q.as_f64() { F::one() } else { F::zero() };
    }
    state.mean_hiddens(&mut ws.h_neg, &ws.v_neg, chain);

    let lr = learning_rate / m as f64;
    let lr_f = F::from_f64(lr);
    matmul(&mut ws.positive, MatRef::row_major(h_pos, m, k).t(), MatRef::row_major(v_pos, m, p), false);
    matmul(&mut ws.negative, MatRef::row_major(&ws.h_neg, chain, k).t(), MatRef::row_major(&ws.v_neg, chain, p), false);
    let weights = state.components.as_slice_mut().expect("components_ are kept row-major");
    for ((w, &a), &b) in weights.iter_mut().zip(&ws.positive).zip(&ws.negative) {
        *w += lr_f * (a - b);
    }
    column_sums(&mut ws.h_pos_sums, h_pos);
    column_sums(&mut ws.h_neg_sums, &ws.h_neg);
    for ((c, &s), &t) in state.intercept_hidden.iter_mut().zip(&ws.h_pos_sums).zip(&ws.h_neg_sums) {
        *c += lr_f * (s - t);
    }
    column_sums(&mut ws.v_pos_sums, v_pos);
    column_sums(&mut ws.v_neg_counts, &ws.v_neg);
    for ((b, &s), &count) in state.intercept_visible.iter_mut().zip(&ws.v_pos_sums).zip(&ws.v_neg_counts) {
        *b = F::from_f64(b.as_f64() + lr * (s.as_f64() - count.as_f64()));
    }

    let chain_state = state.h_samples.as_slice_mut().expect("chain is row-major");
    for (h, &q) in chain_state.iter_mut().zip(&ws.h_neg) {
        let sampled = if rng.next_double() < q.as_f64() { F::one() } else { q };
        *h = sampled.floor();
    }
}

/// `sums = ` the column sums of a row-major `(rows, sums.len())` block, row after row (numpy's
/// `sum(axis=0)`).
fn column_sums<F: Float>(sums: &mut [F], block: &[F]) {
    sums.fill(F::zero());
    for row in block.chunks_exact(sums.len()) {
        for (s, &v) in sums.iter_mut().zip(row) {
            *s += v;
        }
    }
}

/// Replaces every probability by a Bernoulli draw (`uniform < p`), in order.
fn sample_in_place<F: Float>(values: &mut [F], rng: &mut RandomState) {
    for v in values {
        *v = if rng.next_double() < v.as_f64() { F::one() } else { F::zero() };
    }
}

/// Adds `bias` to every row of the row-major block `out`, then applies the logistic function.
fn add_rows_and_squash<F: Float>(out: &mut [F], bias: &[F]) {
    for row in out.chunks_exact_mut(bias.len()) {
        for (a, &b) in row.iter_mut().zip(bias) {
            *a = logistic(*a + b);
        }
    }
}

/// `1 / (1 + exp(-x))`, scipy's `expit`, in `F`.
pub(crate) fn logistic<F: Float>(x: F) -> F {
    F::one() / (F::one() + (-x).exp())
}

/// numpy's `logaddexp(0, a) = log(1 + exp(a))`, written so that it never overflows: the larger
/// argument comes out of the logarithm.
pub(crate) fn logaddexp0<F: Float>(a: F) -> F {
    if a == F::zero() {
        return F::from_f64(std::f64::consts::LN_2);
    }
    let tmp = -a;
    if tmp > F::zero() {
        (-tmp).exp().ln_1p()
    } else if tmp <= F::zero() {
        a + tmp.exp().ln_1p()
    } else {
        // NaN propagates.
        tmp
    }
}

/// numpy's pairwise summation of a contiguous run (its `sum` along the last axis): blocks of
/// eight accumulators up to 128 elements, halves above. Matching it keeps the pseudo-likelihood
/// equal to scikit-learn's to the last bit or two.
pub(crate) fn pairwise_sum<F: Float>(values: &[F]) -> F {
    let n = values.len();
    if n < 8 {
        let mut sum = F::zero();
        for &v in values {
            sum += v;
        }
        sum
    } else if n <= 128 {
        let mut r = [F::zero(); 8];
        r.copy_from_slice(&values[..8]);
        let full = n - n % 8;
        for block in values[8..full].chunks_exact(8) {
            for (acc, &v) in r.iter_mut().zip(block) {
                *acc += v;
            }
        }
        let mut sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for &v in &values[full..] {
            sum += v;
        }
        sum
    } else {
        let mut half = n / 2;
        half -= half % 8;
        pairwise_sum(&values[..half]) + pairwise_sum(&values[half..])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logaddexp0_is_softplus_without_overflow() {
        assert_eq!(logaddexp0(0.0f64), std::f64::consts::LN_2);
        assert!((logaddexp0(1.0f64) - (1.0f64 + 1.0f64.exp()).ln()).abs() < 1e-15);
        assert!((logaddexp0(-3.0f64) - (1.0f64 + (-3.0f64).exp()).ln()).abs() < 1e-15);
        assert_eq!(logaddexp0(1000.0f64), 1000.0);
        assert_eq!(logaddexp0(-1000.0f64), 0.0);
        assert!(logaddexp0(f64::NAN).is_nan());
    }

    #[test]
    fn pairwise_sum_matches_the_naive_sum_on_exact_values_and_numpy_on_rounding() {
        let values: Vec<f64> = (0..300).map(f64::from).collect();
        assert_eq!(pairwise_sum(&values), 44850.0);
        assert_eq!(pairwise_sum::<f64>(&[]), 0.0);
        // numpy: np.sum([1e16] + [1.0] * 9) - 1e16 == 8.0; a sequential sum gives 0.
        let mut values = vec![1.0f64; 10];
        values[0] = 1e16;
        assert_eq!(pairwise_sum(&values), 1e16 + 8.0);
    }

    #[test]
    fn logistic_saturates() {
        assert_eq!(logistic(0.0f64), 0.5);
        assert_eq!(logistic(-1000.0f64), 0.0);
        assert_eq!(logistic(1000.0f32), 1.0);
    }
}
