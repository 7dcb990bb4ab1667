//! Full-batch L-BFGS over a network's flat parameters (scikit-learn's `_fit_lbfgs`). A caller's
//! interruption ([`crate::interrupt`]) ends it at the last accepted iterate, reported as
//! `interrupted`.

use crate::float::Float;
use crate::linalg::MatRef;
use crate::network::{Batch, Objective};
use crate::optim::lbfgs::{LbfgsOptions, LbfgsStatus, minimize};
use crate::params::SolverParams;
use crate::train::data::TrainingSet;
use crate::train::report::FitReport;

/// Minimises the network's objective over the whole training set from `params`, which on return
/// hold the last accepted iterate. Works in float64, as scipy does, whatever `F` is: the network
/// is evaluated in `F` at each point.
pub(crate) fn fit_lbfgs<F: Float, N: Objective<F>>(
    network: &N,
    params: &mut [F],
    solver: &SolverParams,
    data: &TrainingSet<'_, F>,
) -> FitReport {
    let n = data.x.nrows();
    let owned: Vec<F>;
    let input = match MatRef::from_array(&data.x) {
        Some(view) => view,
        None => {
            owned = data.x.iter().copied().collect();
            MatRef::row_major(&owned, n, data.x.ncols())
        }
    };
    let batch = Batch {
        input,
        lengths: data.sequences.map(|s| s.lengths),
        targets: data.y.as_slice().expect("targets are built row-major"),
        sample_weight: data.sample_weight,
    };
    let mut workspace = network.workspace(n);
    run_lbfgs(params, solver, |params_f, grad_f| {
        network.loss_and_gradient(params_f, batch, solver.alpha, &mut workspace, grad_f)
    })
}

/// Minimises `objective(params, gradient) -> loss`, evaluated in `F`, from `params`, which on
/// return hold the last accepted iterate: scipy's L-BFGS-B with scikit-learn's options, in
/// float64. What the in-memory fit and the fit over summed chunks
/// ([`crate::train::summed`]) share.
pub(crate) fn run_lbfgs<F: Float>(
    params: &mut [F],
    solver: &SolverParams,
    mut objective: impl FnMut(&[F], &mut [F]) -> f64,
) -> FitReport {
    let mut params_f = params.to_vec();
    let mut grad_f = vec![F::zero(); params_f.len()];
    let mut x0: Vec<f64> = params.iter().map(|p| p.as_f64()).collect();
    let options = LbfgsOptions {
        max_iter: solver.max_iter,
        max_fun: solver.max_fun,
        gtol: solver.tol,
        ..LbfgsOptions::default()
    };
    let result = minimize(&mut x0, &options, |point, gradient| {
        params_f.iter_mut().zip(point).for_each(|(p, &v)| *p = F::from_f64(v));
        let loss = objective(&params_f, &mut grad_f);
        gradient.iter_mut().zip(&grad_f).for_each(|(g, &v)| *g = v.as_f64());
        loss
    });
    params.iter_mut().zip(&x0).for_each(|(p, &v)| *p = F::from_f64(v));
    let n_iter = result.n_iter.min(solver.max_iter);
    let converged = result.status == LbfgsStatus::Converged;
    let interrupted = result.status == LbfgsStatus::Interrupted;
    let message = if converged {
        result.message.clone()
    } else if interrupted {
        // The stochastic solvers' words (scikit-learn has none here: it raises).
        "Training interrupted by user.".to_owned()
    } else {
        not_converged(&result, n_iter, solver.max_iter)
    };
    FitReport { converged, n_iter, loss: result.fun, message, warnings: Vec::new(), interrupted }
}

/// scikit-learn's `ConvergenceWarning` text for an L-BFGS run that did not converge.
fn not_converged(result: &crate::optim::lbfgs::LbfgsReport, n_iter: usize, max_iter: usize) -> String {
    let mut text = format!(
        "lbfgs failed to converge after {} iteration(s) (status={}):\n{}\n",
        n_iter,
        result.status.code(),
        result.message
    );
    if n_iter == max_iter {
        text.push_str(&format!(
            "\nIncrease the number of iterations to improve the convergence (max_iter={max_iter}).\n"
        ));
    }
    text.push_str(
        "You might also want to scale the data as shown in:\n    https://scikit-learn.org/stable/modules/preprocessing.html",
    );
    text
}
