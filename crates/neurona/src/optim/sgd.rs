//! Stochastic gradient descent with momentum or Nesterov's accelerated gradient
//! (Sutskever, Martens, Dahl & Hinton, "On the importance of initialization and momentum in deep
//! learning", ICML 2013), in scikit-learn's formulation:
//!
//! ```text
//! v ← μ·v − η·g
//! θ ← θ + (μ·v − η·g)   with Nesterov's momentum (v already updated)
//! θ ← θ + v             otherwise
//! ```

use crate::float::Float;
use crate::linalg::with_avx2;
use crate::optim::Lent;
use crate::optim::schedule::LearningRate;

/// What the optimizer decides when the no-improvement rule fires.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Trigger {
    /// Training stops.
    Stop,
    /// The adaptive schedule found the rate already at or below 1e-6: training stops.
    LearningRateTooSmall,
    /// The adaptive schedule divided the rate by 5; training goes on at this rate.
    Reduced(f64),
}

impl Trigger {
    /// Whether training stops.
    pub fn stops(self) -> bool {
        !matches!(self, Self::Reduced(_))
    }

    /// scikit-learn's words appended to the stop message.
    pub fn describe(self) -> String {
        match self {
            Self::Stop => " Stopping.".to_owned(),
            Self::LearningRateTooSmall => " Learning rate too small. Stopping.".to_owned(),
            Self::Reduced(rate) => format!(" Setting learning rate to {rate:.6}"),
        }
    }
}

/// SGD state: the velocities (one per parameter) and the current learning rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Sgd<F> {
    learning_rate_init: f64,
    learning_rate: f64,
    schedule: LearningRate,
    momentum: f64,
    nesterov: bool,
    power_t: f64,
    velocities: Vec<F>,
}

impl<F: Float> Sgd<F> {
    /// A fresh optimizer for `n_params` parameters with zero velocities.
    pub fn new(
        n_params: usize,
        learning_rate_init: f64,
        schedule: LearningRate,
        momentum: f64,
        nesterov: bool,
        power_t: f64,
    ) -> Self {
        Self {
            learning_rate_init,
            learning_rate: learning_rate_init,
            schedule,
            momentum,
            nesterov,
            power_t,
            velocities: vec![F::zero(); n_params],
        }
    }

    /// The current learning rate η.
    pub fn learning_rate(&self) -> f64 {
        self.learning_rate
    }

    /// The velocities, one per parameter.
    pub fn velocities(&self) -> &[F] {
        &self.velocities
    }

    /// Restores velocities and rate saved from an earlier run (to resume training exactly).
    pub fn restore(&mut self, velocities: &[F], learning_rate: f64) {
        self.velocities.copy_from_slice(velocities);
        self.learning_rate = learning_rate;
    }

    /// One step: updates `params` in place from `grad`.
    pub fn update(&mut self, params: &mut [F], grad: &[F]) {
        self.begin_step().apply_all(params, grad);
    }

    /// Begins a step at the current rate and returns it, to be applied to the parameters in
    /// runs, as each run's gradient is final: see [`SgdStep::apply`].
    pub(crate) fn begin_step(&mut self) -> SgdStep<'_, F> {
        SgdStep {
            momentum: F::from_f64(self.momentum),
            rate: F::from_f64(self.learning_rate),
            nesterov: self.nesterov,
            velocities: Lent::new(&mut self.velocities),
        }
    }

    /// End of an epoch: the `invscaling` schedule sets `η = η₀ / (t + 1)^power_t`, where `t` counts
    /// the training samples seen so far.
    pub fn iteration_ends(&mut self, samples_seen: u64) {
        if self.schedule == LearningRate::Invscaling {
            self.learning_rate = self.learning_rate_init / ((samples_seen + 1) as f64).powf(self.power_t);
        }
    }

    /// The no-improvement rule fired: `adaptive` divides η by 5 unless it is already <= 1e-6,
    /// every other schedule stops.
    pub fn trigger_stopping(&mut self) -> Trigger {
        if self.schedule != LearningRate::Adaptive {
            return Trigger::Stop;
        }
        if self.learning_rate <= 1e-6 {
            return Trigger::LearningRateTooSmall;
        }
        self.learning_rate /= 5.0;
        Trigger::Reduced(self.learning_rate)
    }
}

/// One SGD step, begun by [`Sgd::begin_step`]: its coefficients and the velocities it updates,
/// lent to it for the step. Each parameter's update reads only its own gradient and velocity,
/// so the step may be applied to disjoint runs of the parameters on several threads, in any
/// order, with the bits of one pass over all of them.
pub(crate) struct SgdStep<'a, F> {
    momentum: F,
    rate: F,
    nesterov: bool,
    velocities: Lent<'a, F>,
}

impl<F: Float> SgdStep<'_, F> {
    /// Updates `params`, the parameters from `at` on, and their velocities from `grad`.
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
        let velocities = unsafe { self.velocities.run(at, n) };
        step(params, velocities, &grad[..n], self.momentum, self.rate, self.nesterov);
    }

    /// Updates every parameter, on two threads when there are many ([`super::apply_in_halves`]).
    pub(crate) fn apply_all(&self, params: &mut [F], grad: &[F]) {
        // SAFETY: `apply_in_halves` hands out disjoint runs, each once.
        super::apply_in_halves(params, grad, |at, p, g| unsafe { self.apply(at, p, g) });
    }
}

/// The update of `params` and their velocities from `grad`, one element at a time (in AVX2
/// where the CPU has it).
fn step<F: Float>(params: &mut [F], velocities: &mut [F], grad: &[F], momentum: F, rate: F, nesterov: bool) {
    with_avx2(
        #[inline(always)]
        || {
            for ((p, v), &g) in params.iter_mut().zip(velocities).zip(grad) {
                *v = momentum * *v - rate * g;
                *p += if nesterov { momentum * *v - rate * g } else { *v };
            }
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // The cases of scikit-learn's test_stochastic_optimizers.py, as exact equalities.
    #[test]
    fn plain_sgd_subtracts_the_scaled_gradient() {
        let mut sgd = Sgd::new(3, 0.1, LearningRate::Constant, 0.0, false, 0.5);
        let mut params = [1.0f64, 2.0, 3.0];
        sgd.update(&mut params, &[1.0, -1.0, 0.5]);
        assert_eq!(params, [1.0 - 0.1, 2.0 + 0.1, 3.0 - 0.1 * 0.5]);
    }

    #[test]
    fn momentum_and_nesterov_follow_the_velocity() {
        for nesterov in [false, true] {
            let mut sgd = Sgd::new(1, 0.1, LearningRate::Constant, 0.9, nesterov, 0.5);
            let mut params = [0.0f64];
            let velocity_start = 0.5f64;
            sgd.restore(&[velocity_start], 0.1);
            sgd.update(&mut params, &[2.0]);
            let v = 0.9 * velocity_start - 0.1 * 2.0;
            let expected = if nesterov { 0.9 * v - 0.1 * 2.0 } else { v };
            assert_eq!(params[0], expected);
            assert_eq!(sgd.velocities()[0], v);
        }
    }

    #[test]
    fn adaptive_divides_by_five_until_the_rate_is_tiny() {
        let mut sgd = Sgd::<f64>::new(1, 2e-6, LearningRate::Adaptive, 0.9, true, 0.5);
        assert_eq!(sgd.trigger_stopping(), Trigger::Reduced(2e-6 / 5.0));
        assert_eq!(sgd.trigger_stopping(), Trigger::LearningRateTooSmall);
        let mut constant = Sgd::<f64>::new(1, 0.1, LearningRate::Constant, 0.9, true, 0.5);
        assert_eq!(constant.trigger_stopping(), Trigger::Stop);
    }

    #[test]
    fn invscaling_decays_with_samples_seen() {
        let mut sgd = Sgd::<f64>::new(1, 0.1, LearningRate::Invscaling, 0.9, true, 0.25);
        sgd.iteration_ends(8);
        assert_eq!(sgd.learning_rate(), 0.1 / 9f64.powf(0.25));
    }
}
