//! Adam (Kingma & Ba, "Adam: A Method for Stochastic Optimization", ICLR 2015), in the
//! "efficient" form of the paper's section 2 that scikit-learn uses: the bias corrections are
//! folded into the step size and ε is added to `sqrt(v)` of the uncorrected second moment.
//!
//! ```text
//! t ← t + 1;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²
//! η_t = η₀ · sqrt(1 − β₂ᵗ) / (1 − β₁ᵗ);  θ ← θ − η_t · m / (sqrt(v) + ε)
//! ```

use crate::float::Float;
use crate::linalg::with_avx2;
use crate::optim::Lent;

/// Adam state: first and second moments (one per parameter) and the step count.
#[derive(Debug, Clone, PartialEq)]
pub struct Adam<F> {
    learning_rate_init: f64,
    learning_rate: f64,
    beta_1: f64,
    beta_2: f64,
    epsilon: f64,
    t: u64,
    first_moments: Vec<F>,
    second_moments: Vec<F>,
}

impl<F: Float> Adam<F> {
    /// A fresh optimizer for `n_params` parameters.
    pub fn new(n_params: usize, learning_rate_init: f64, beta_1: f64, beta_2: f64, epsilon: f64) -> Self {
        Self {
            learning_rate_init,
            learning_rate: learning_rate_init,
            beta_1,
            beta_2,
            epsilon,
            t: 0,
            first_moments: vec![F::zero(); n_params],
            second_moments: vec![F::zero(); n_params],
        }
    }

    /// The step size of the last update, `η_t`.
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }

    /// Steps taken so far.
    pub fn steps(&self) -> u64 {
        self.t
    }

    /// The first and second moments.
    pub fn moments(&self) -> (&[F], &[F]) {
        (&self.first_moments, &self.second_moments)
    }

    /// Restores a state saved from an earlier run (to resume training exactly).
    pub fn restore(&mut self, first: &[F], second: &[F], steps: u64, learning_rate: f64) {
        self.first_moments.copy_from_slice(first);
        self.second_moments.copy_from_slice(second);
        self.t = steps;
        self.learning_rate = learning_rate;
    }

    /// One step: updates `params` in place from `grad`.
    pub fn update(&mut self, params: &mut [F], grad: &[F]) {
        self.begin_step().apply_all(params, grad);
    }

    /// Begins a step (the step count and `η_t` advance) and returns it, to be applied to the
    /// parameters in runs, as each run's gradient is final: see [`AdamStep::apply`].
    pub(crate) fn begin_step(&mut self) -> AdamStep<'_, F> {
        self.t += 1;
        let t = self.t as f64;
        // powf, not powi: the same libm pow as Python's float ** int.
        self.learning_rate = self.learning_rate_init * (1.0 - self.beta_2.powf(t)).sqrt() / (1.0 - self.beta_1.powf(t));
        let coefficients = Step {
            beta_1: F::from_f64(self.beta_1),
            one_minus_beta_1: F::from_f64(1.0 - self.beta_1),
            beta_2: F::from_f64(self.beta_2),
            one_minus_beta_2: F::from_f64(1.0 - self.beta_2),
            step: F::from_f64(-self.learning_rate),
            epsilon: F::from_f64(self.epsilon),
        };
        AdamStep {
            coefficients,
            first: Lent::new(&mut self.first_moments),
            second: Lent::new(&mut self.second_moments),
        }
    }
}

/// One Adam step, begun by [`Adam::begin_step`]: its coefficients and the moments it updates,
/// lent to it for the step. Each parameter's update reads only its own gradient and moments,
/// so the step may be applied to disjoint runs of the parameters on several threads, in any
/// order, with the bits of one pass over all of them.
pub(crate) struct AdamStep<'a, F> {
    coefficients: Step<F>,
    first: Lent<'a, F>,
    second: Lent<'a, F>,
}

impl<F: Float> AdamStep<'_, F> {
    /// Updates `params`, the parameters from `at` on, and their moments from `grad`.
    ///
    /// # Safety
    /// No other call on another thread may update a run overlapping this one meanwhile, and a
    /// step updates each parameter once.
    ///
    /// # Panics
    /// If the run ends past the parameters, or `grad` is shorter than `params`.
    pub(crate) unsafe fn apply(&self, at: usize, params: &mut [F], grad: &[F]) {
        let n = params.len();
        // SAFETY: no other thread updates this run meanwhile (the caller's promise).
        let (first, second) = unsafe { (self.first.run(at, n), self.second.run(at, n)) };
        self.coefficients.apply(params, first, second, &grad[..n]);
    }

    /// Updates every parameter, on two threads when there are many ([`super::apply_in_halves`]).
    pub(crate) fn apply_all(&self, params: &mut [F], grad: &[F]) {
        // SAFETY: `apply_in_halves` hands out disjoint runs, each once.
        super::apply_in_halves(params, grad, |at, p, g| unsafe { self.apply(at, p, g) });
    }
}

/// The coefficients of one Adam step, for any run of parameters.
#[derive(Clone, Copy)]
struct Step<F> {
    beta_1: F,
    one_minus_beta_1: F,
    beta_2: F,
    one_minus_beta_2: F,
    step: F,
    epsilon: F,
}

impl<F: Float> Step<F> {
    /// The update of `params` and their moments from `grad`, one element at a time (in AVX2
    /// where the CPU has it: a square root and a division per parameter).
    fn apply(self, params: &mut [F], first: &mut [F], second: &mut [F], grad: &[F]) {
        with_avx2(
            #[inline(always)]
            || {
                let moments = first.iter_mut().zip(second);
                for ((p, (m, v)), &g) in params.iter_mut().zip(moments).zip(grad) {
                    *m = self.beta_1 * *m + self.one_minus_beta_1 * g;
                    *v = self.beta_2 * *v + self.one_minus_beta_2 * (g * g);
                    *p += self.step * *m / (v.sqrt() + self.epsilon);
                }
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::optim::PARALLEL_MIN_PARAMS;

    // scikit-learn's test_adam_optimizer: the update at t = 10 from given moments, exactly.
    #[test]
    fn update_at_step_ten_matches_the_formula() {
        let (beta_1, beta_2, epsilon, lr) = (0.9, 0.999, 1e-8, 0.001);
        let mut adam = Adam::<f64>::new(2, lr, beta_1, beta_2, epsilon);
        let (m0, v0) = ([0.1, -0.2], [0.01, 0.04]);
        adam.restore(&m0, &v0, 9, lr);
        let grad = [0.5, 0.25];
        let mut params = [1.0, 2.0];
        adam.update(&mut params, &grad);
        let lr_t = lr * (1.0 - f64::powf(beta_2, 10.0)).sqrt() / (1.0 - f64::powf(beta_1, 10.0));
        for i in 0..2 {
            let m = beta_1 * m0[i] + (1.0 - beta_1) * grad[i];
            let v = beta_2 * v0[i] + (1.0 - beta_2) * (grad[i] * grad[i]);
            let expected = [1.0, 2.0][i] + -lr_t * m / (v.sqrt() + epsilon);
            assert_eq!(params[i], expected);
        }
        assert_eq!(adam.learning_rate(), lr_t);
        assert_eq!(adam.steps(), 10);
    }

    #[test]
    fn a_large_update_on_two_threads_matches_one_thread_bit_for_bit() {
        let n = 3 * PARALLEL_MIN_PARAMS + 5;
        let grad: Vec<f32> = (0..n).map(|i| ((i * 7919 % 1000) as f32 - 500.0) / 300.0).collect();
        let step = |threads| {
            crate::linalg::with_max_threads(Some(threads), || {
                let mut adam = Adam::<f32>::new(n, 1e-3, 0.9, 0.999, 1e-8);
                let mut params = vec![0.5f32; n];
                for _ in 0..3 {
                    adam.update(&mut params, &grad);
                }
                (params, adam)
            })
            .unwrap()
        };
        assert_eq!(step(1), step(2));
    }
}
