//! Optimizers over one flat parameter buffer.
//!
//! They see only `&mut [F]` (the parameters) and `&[F]` (the gradient) and own their state; none
//! of them knows what a network is. The training loop builds sgd and adam from scikit-learn's
//! parameters in one place, [`crate::train::OptimizerState`].
//!
//! * [`lbfgs`]: L-BFGS as scipy's `L-BFGS-B` runs it with no bounds (`solver="lbfgs"`); it
//!   takes a closure returning the loss and writing the gradient.

pub mod adam;
pub mod lbfgs;
pub mod schedule;
pub mod sgd;

use std::marker::PhantomData;

use crate::float::Float;
use crate::linalg::{for_each_piece, max_threads};

/// An optimizer's state buffer (Adam's moments, SGD's velocities) lent to one step, which
/// hands out runs of it to the threads that update the same runs of the parameters.
struct Lent<'a, F> {
    ptr: *mut F,
    len: usize,
    _buffer: PhantomData<&'a mut [F]>,
}

// SAFETY: the buffer is only reached through `run`, whose callers give each thread runs no
// other thread uses meanwhile.
unsafe impl<F: Send> Send for Lent<'_, F> {}
// SAFETY: as above.
unsafe impl<F: Sync> Sync for Lent<'_, F> {}

impl<'a, F> Lent<'a, F> {
    fn new(buffer: &'a mut [F]) -> Self {
        Self { ptr: buffer.as_mut_ptr(), len: buffer.len(), _buffer: PhantomData }
    }

    /// The `n` values from `at` on.
    ///
    /// # Safety
    /// No other thread may use a run overlapping this one while the slice lives.
    ///
    /// # Panics
    /// If the run ends past the buffer.
    #[allow(clippy::mut_from_ref)]
    unsafe fn run(&self, at: usize, n: usize) -> &mut [F] {
        assert!(at.checked_add(n).is_some_and(|end| end <= self.len), "a run past the parameters");
        // SAFETY: inside the buffer (checked above), which the step borrows mutably; no other
        // thread uses this run meanwhile (the caller's promise).
        unsafe { std::slice::from_raw_parts_mut(self.ptr.add(at), n) }
    }
}

/// Below this many parameters an update stays on one thread: handing half of it to a second
/// thread costs a few microseconds, about the time of updating 10,000 parameters.
pub(crate) const PARALLEL_MIN_PARAMS: usize = 1 << 16;

/// Runs an elementwise update `apply(at, params_run, grad_run)` over every parameter: as one run
/// on this thread, or, from [`PARALLEL_MIN_PARAMS`] parameters on, as two halves on two threads.
/// Each parameter is in exactly one run, so an update that reads only its own element's state
/// gives the same bits either way.
fn apply_in_halves<F: Float>(params: &mut [F], grad: &[F], apply: impl Fn(usize, &mut [F], &[F]) + Sync) {
    let n = params.len();
    if n < PARALLEL_MIN_PARAMS || max_threads() < 2 {
        apply(0, params, grad);
        return;
    }
    let half = n / 2;
    let (low, high) = params.split_at_mut(half);
    let (g_low, g_high) = grad.split_at(half);
    for_each_piece([(0, low, g_low), (half, high, g_high)], |(at, p, g)| apply(at, p, g));
}
