//! L-BFGS over a data set whose rows the caller sums in chunks ([`crate::network::summed`]):
//! neurona's own L-BFGS with the caller's evaluator of the summed chunks, normalised and
//! regularised exactly as the in-memory fit normalises its one chunk, the whole set.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use crate::error::{NeuronaError, Result};
use crate::float::Float;
use crate::interrupt;
use crate::network::{LossSums, Mlp};
use crate::params::{Solver, SolverParams};
use crate::train::attributes::TrainingAttributes;
use crate::train::lbfgs::run_lbfgs;
use crate::train::report::FitReport;

/// Minimises the objective of `network` from `params` (which on return hold the last accepted
/// iterate) with the solver settings of `solver` (`max_iter`, `max_fun`, `tol`, `alpha`).
/// `evaluate(params, grad_sum)` returns the summed [`LossSums`] of every chunk and writes the
/// summed gradient into `grad_sum`, adding the chunks in an order of its choosing (fixed, for
/// results that do not depend on the machines).
///
/// An error of `evaluate` (a chunk that fails, a lost worker) stops the minimisation at once
/// and is returned; so is a weight sum that is not a positive number.
pub fn fit_lbfgs_summed<F: Float>(
    network: &Mlp,
    params: &mut [F],
    solver: &SolverParams,
    mut evaluate: impl FnMut(&[F], &mut [F]) -> Result<LossSums>,
) -> Result<FitReport> {
    if solver.solver != Solver::Lbfgs {
        return Err(NeuronaError::parameter("solver", "'lbfgs' for a fit over summed chunks", solver.solver));
    }
    let n_params = network.layout().len();
    if params.len() != n_params {
        return Err(NeuronaError::input(
            "params",
            format!("must hold the network's {n_params} parameters, got {}", params.len()),
        ));
    }
    let failure: RefCell<Option<NeuronaError>> = RefCell::new(None);
    let failed = Rc::new(Cell::new(false));
    let flag = Rc::clone(&failed);
    // A failed evaluation must end the run: the loops of L-BFGS stop on an interruption, so a
    // failure is reported as one, beside the caller's own check (Ctrl-C keeps the last
    // accepted iterate, as in memory).
    let (report, _) = interrupt::with_added_stop(
        move || flag.get(),
        || {
            run_lbfgs(params, solver, |params_f, grad_f| {
                if failure.borrow().is_none() {
                    match evaluate(params_f, grad_f).and_then(checked) {
                        Ok(sums) => return network.finish_loss_and_gradient(params_f, sums, solver.alpha, grad_f),
                        Err(error) => *failure.borrow_mut() = Some(error),
                    }
                }
                failed.set(true);
                grad_f.fill(F::from_f64(f64::NAN));
                f64::NAN
            })
        },
    );
    match failure.into_inner() {
        Some(error) => Err(error),
        None => Ok(report),
    }
}

/// `sums`, when their weight sum can divide.
fn checked(sums: LossSums) -> Result<LossSums> {
    if sums.weight_sum.is_finite() && sums.weight_sum > 0.0 {
        Ok(sums)
    } else {
        Err(NeuronaError::input(
            "sample_weight",
            format!("the chunks' weights must sum to a positive number, got {}", sums.weight_sum),
        ))
    }
}

impl<F: Float> TrainingAttributes<F> {
    /// [`fit_lbfgs_summed`] of `weights`, recorded into these attributes as an in-memory L-BFGS
    /// fit records its run (`n_iter_`, `loss_`, the report); weights that left the finite range
    /// are an error.
    pub(crate) fn run_lbfgs_summed(
        &mut self,
        network: &Mlp,
        weights: &mut [F],
        solver: &SolverParams,
        evaluate: impl FnMut(&[F], &mut [F]) -> Result<LossSums>,
    ) -> Result<()> {
        let report = fit_lbfgs_summed(network, weights, solver, evaluate)?;
        self.record_lbfgs(report, weights)
    }
}
