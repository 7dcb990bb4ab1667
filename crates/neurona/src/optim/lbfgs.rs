//! Limited-memory BFGS, as scipy runs `minimize(fun, x0, method="L-BFGS-B", jac=True)` on an
//! unconstrained problem: the solver behind scikit-learn's `solver="lbfgs"`.
//!
//! [`minimize`] takes the parameters as one flat `&mut [f64]` and a closure that writes the
//! gradient into its second argument and returns the loss; it knows nothing about networks.
//!
//! # What it reproduces
//!
//! The unbounded case of L-BFGS-B 3.0 (the version scipy >= 1.15 ships as a C translation),
//! together with the semantics of scipy's Python wrapper around it:
//!
//! * **Stopping tests.** The infinity norm of the gradient against `gtol`, also at the start
//!   point (status 0, "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL"); the relative
//!   reduction `(f_old - f) / max(|f_old|, |f|, 1) <= ftol` (status 0, "CONVERGENCE: RELATIVE
//!   REDUCTION OF F <= FACTR*EPSMCH"), `ftol` passing through scipy's `factr = ftol / eps`.
//! * **Direction.** With no bounds the generalized Cauchy point and the subspace minimisation of
//!   L-BFGS-B reduce to the quasi-Newton step `d = -H g`, where `H` is the limited-memory inverse
//!   Hessian built from the last `memory` pairs `(s, y)` on top of `H0 = I / theta`,
//!   `theta = y'y / s'y` of the newest pair. With no pairs (first iteration, after a restart)
//!   the step is the Cauchy step `-g`. As in L-BFGS-B the direction is formed as `(x + step) - x`.
//! * **Line search.** Moré and Thuente's `dcsrch`/`dcstep` with `ftol = 1e-3`, `gtol = 0.9`,
//!   `xtol = 0.1`, `stpmin = 0`, `stpmax = 1e10`; first trial step `min(1 / ||d||, stpmax)` on
//!   the very first iteration and 1 afterwards; at most `max_line_search` evaluations. When the
//!   search fails the previous iterate is restored: with no correction pairs stored the run ends
//!   ("ABNORMAL: ", status 2), otherwise the memory is discarded and the iteration restarts
//!   along steepest descent.
//! * **Updates.** A pair is skipped when `s'y <= eps * (-g_old's)`, with `s'y` computed as
//!   L-BFGS-B does, `(g_new'd - g_old'd) * stp`.
//! * **Wrapper.** scipy evaluates the start point once before L-BFGS-B runs and answers any
//!   request for the point evaluated last from a cache, so `n_fev` counts distinct evaluations
//!   (points holding NaN never hit the cache, since it compares with `==`; scipy then even
//!   calls the objective twice, counting once, where this calls it once).
//!   An iteration is counted each time a new point is accepted; the run stops when
//!   `n_iter >= max_iter`, or when `n_fev > max_fun` — tested only at iteration boundaries and
//!   after the iteration limit, so `n_fev` can overshoot `max_fun`, and both limits win over the
//!   convergence tests of the same iteration. The status is 0 after a convergence test, else 1
//!   if `n_fev > max_fun` or `n_iter >= max_iter`, else 2.
//!
//! # Deliberate differences from scipy
//!
//! * The direction comes from the two-loop recursion (Nocedal 1980) instead of L-BFGS-B's
//!   compact representation with its `LEL'` and Cholesky factorisations: the two give the same
//!   vector in exact arithmetic, and differ in rounding. L-BFGS-B also discards its memory when
//!   one of those factorisations meets a pivot `<= 0`; with pairs of positive curvature that
//!   takes rounding in extreme ill-conditioning, and the two-loop recursion, which factorises
//!   nothing, never does it. (Non-finite pairs are kept by both: OpenBLAS's `dpotrf` does not
//!   test for NaN, and the NaN direction fails its line search, which empties the memory.)
//! * Dot products are summed left to right; scipy calls OpenBLAS, whose `ddot` agrees for
//!   fewer than 16 elements and sums in SIMD blocks beyond. Norms are rounded correctly, as
//!   OpenBLAS's extended-precision `dnrm2` does in practice.
//!
//! So the first iterations agree to the last bit on small problems, and longer runs agree to
//! rounding: iteration and evaluation counts match exactly on well-conditioned paths and may
//! drift by a few percent on long, ill-conditioned ones, as much as scipy drifts from itself
//! when the start point moves by one ulp. `tests/lbfgs.rs` measures both against scipy 1.17.1:
//! the counts agree exactly on all named fixtures but a 1400-iteration quadratic of condition
//! 1e6, and on 58 of 60 random ones.
//!
//! Like scipy, the reported `fun` is the last value the objective returned: after an abnormal
//! end that is the value at the last trial point, not at the restored `x`.
//!
//! # References
//!
//! * R. H. Byrd, P. Lu, J. Nocedal and C. Zhu, "A limited memory algorithm for bound constrained
//!   optimization", SIAM J. Scientific Computing 16(5), 1995, pp. 1190-1208.
//! * C. Zhu, R. H. Byrd, P. Lu and J. Nocedal, "Algorithm 778: L-BFGS-B, Fortran subroutines
//!   for large-scale bound-constrained optimization", ACM TOMS 23(4), 1997, pp. 550-560.
//! * J. L. Morales and J. Nocedal, "Remark on Algorithm 778: L-BFGS-B" (version 3.0),
//!   ACM TOMS 38(1), 2011.
//! * J. J. Moré and D. J. Thuente, "Line search algorithms with guaranteed sufficient
//!   decrease", ACM TOMS 20(3), 1994, pp. 286-307.
//! * J. Nocedal, "Updating quasi-Newton matrices with limited storage", Mathematics of
//!   Computation 35(151), 1980, pp. 773-782 (the two-loop recursion).

use std::cmp::Ordering;

use crate::interrupt;
use crate::linalg::with_fma;

/// Largest step the line search may take (L-BFGS-B's `stpmx` with no bounds).
const STEP_MAX: f64 = 1e10;

/// Sufficient-decrease constant of the line search (L-BFGS-B's `ftol` for `dcsrch`).
const SEARCH_FTOL: f64 = 1e-3;

/// Curvature constant of the line search (`gtol` for `dcsrch`).
const SEARCH_GTOL: f64 = 0.9;

/// Relative width below which the line search gives up (`xtol` for `dcsrch`).
const SEARCH_XTOL: f64 = 0.1;

/// Smallest step of the line search (`stpmin` for `dcsrch`).
const SEARCH_STEP_MIN: f64 = 0.0;

/// Unbracketed, the next trial step lies at least this multiple of the last step's length beyond
/// it (`xtrapl` of `dcsrch`).
const SEARCH_EXTRAPOLATE_LOWER: f64 = 1.1;

/// ... and at most this multiple (`xtrapu`).
const SEARCH_EXTRAPOLATE_UPPER: f64 = 4.0;

/// Settings of [`minimize`], named after the options of scipy's `L-BFGS-B`.
///
/// scikit-learn passes `max_iter`, `max_fun` and `gtol = tol`; the defaults of the others are
/// scipy's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LbfgsOptions {
    /// scipy's `maxiter`: stop once this many iterations (accepted points) are made.
    /// Default 15000.
    pub max_iter: usize,
    /// scipy's `maxfun`: stop at the end of the first iteration after which more than this many
    /// objective evaluations were made. Default 15000.
    pub max_fun: usize,
    /// scipy's `gtol` (L-BFGS-B's `pgtol`): converged when every gradient component has
    /// absolute value `<= gtol`. Default 1e-5.
    pub gtol: f64,
    /// scipy's `ftol` (`factr * eps`): converged when `(f_old - f) / max(|f_old|, |f|, 1)` is
    /// `<= ftol`. Must be `>= 0`. Default `2.220446049250313e-09` (`factr = 1e7`).
    pub ftol: f64,
    /// scipy's `maxcor`: how many correction pairs the inverse-Hessian model keeps. Must be
    /// `>= 1`. Default 10.
    pub memory: usize,
    /// scipy's `maxls`: most objective evaluations in one line search. Must be `>= 1`.
    /// Default 20.
    pub max_line_search: usize,
}

impl Default for LbfgsOptions {
    fn default() -> Self {
        Self {
            max_iter: 15000,
            max_fun: 15000,
            gtol: 1e-5,
            ftol: 2.220446049250313e-09,
            memory: 10,
            max_line_search: 20,
        }
    }
}

/// How a run of [`minimize`] ended, as scipy's `OptimizeResult.status` classifies it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LbfgsStatus {
    /// scipy status 0: the gradient or the relative-reduction test passed.
    Converged,
    /// scipy status 1: `n_fev > max_fun` or `n_iter >= max_iter` when the run ended.
    LimitReached,
    /// scipy status 2: anything else (a line search that could not progress, invalid options).
    Abnormal,
    /// The caller interrupted the run (see [`crate::interrupt`]); scipy's status 99, that of a
    /// callback that stopped the run. The point returned is the last accepted iterate.
    Interrupted,
}

impl LbfgsStatus {
    /// scipy's number for the status: 0, 1, 2 or 99.
    pub fn code(self) -> i32 {
        match self {
            Self::Converged => 0,
            Self::LimitReached => 1,
            Self::Abnormal => 2,
            Self::Interrupted => 99,
        }
    }
}

/// The outcome of [`minimize`]: scipy's `nit`, `nfev`, `fun`, `status` and `message`.
#[derive(Debug, Clone, PartialEq)]
pub struct LbfgsReport {
    /// Iterations made (scipy's `nit`): accepted points, not counting the start point.
    pub n_iter: usize,
    /// Objective evaluations made (scipy's `nfev`), the start point included.
    pub n_fev: usize,
    /// The last value the objective returned (scipy's `fun`). Equal to the loss at the returned
    /// point except after an abnormal end, where it belongs to the last trial point; 0.0 when
    /// the options were rejected before L-BFGS-B started.
    pub fun: f64,
    /// How the run ended.
    pub status: LbfgsStatus,
    /// scipy's message, word for word, e.g. "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL".
    pub message: String,
}

impl LbfgsReport {
    /// Whether a convergence test passed (scipy's `success`).
    pub fn converged(&self) -> bool {
        self.status == LbfgsStatus::Converged
    }
}

/// Minimises `objective` from the start point in `x`, which on return holds the point scipy
/// returns (the last accepted iterate).
///
/// `objective(x, grad)` must write the gradient at `x` into `grad` (zeroed before each call)
/// and return the loss. Non-finite values are allowed: the line search then backtracks or the
/// run ends with [`LbfgsStatus::Abnormal`]. Invalid options (`memory == 0`, `ftol < 0`,
/// `max_line_search == 0`) and an empty `x` are reported, after one evaluation as in scipy,
/// with status 2 and an "ERROR: ..." message; nothing panics. Under a caller's interruption
/// check ([`crate::interrupt`]), asked before every iteration and every evaluation of the line
/// search, the run ends with [`LbfgsStatus::Interrupted`] at the last accepted iterate.
///
/// See the [module documentation](self) for the algorithm and how closely it follows scipy.
///
/// ```
/// use neurona::optim::lbfgs::{minimize, LbfgsOptions, LbfgsStatus};
///
/// // Rosenbrock's function from its standard start.
/// let mut x = [-1.2, 1.0];
/// let report = minimize(&mut x, &LbfgsOptions::default(), |x, g| {
///     let (a, b) = (x[1] - x[0] * x[0], 1.0 - x[0]);
///     g[0] = -400.0 * x[0] * a - 2.0 * b;
///     g[1] = 200.0 * a;
///     100.0 * a * a + b * b
/// });
/// assert_eq!(report.status, LbfgsStatus::Converged);
/// assert!((x[0] - 1.0).abs() < 1e-3 && (x[1] - 1.0).abs() < 1e-3);
/// ```
pub fn minimize<F>(x: &mut [f64], options: &LbfgsOptions, objective: F) -> LbfgsReport
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    minimize_with_callback(x, options, objective, |_, _, _| {})
}

/// [`minimize`], calling `callback(n_iter, x, loss)` at each accepted iterate, as scipy calls
/// its `callback` (before the limits and convergence tests of that iteration).
pub fn minimize_with_callback<F, C>(x: &mut [f64], options: &LbfgsOptions, objective: F, mut callback: C) -> LbfgsReport
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
    C: FnMut(usize, &[f64], f64),
{
    let n = x.len();
    let mut evaluator = Evaluator::new(objective, n);
    let mut g = vec![0.0; n];
    // scipy's ScalarFunction evaluates the start point before anything is checked; L-BFGS-B's
    // own request for it is then answered from the cache.
    let mut f = evaluator.evaluate(x, &mut g);
    if let Some(stop) = check_arguments(n, options) {
        // L-BFGS-B never asked for f, so scipy reports the 0.0 it initialised f with.
        return report(stop, 0, evaluator.n_fev, 0.0, options);
    }
    // scipy hands L-BFGS-B factr = ftol / eps, which multiplies it back by eps.
    let tol = options.ftol / f64::EPSILON * f64::EPSILON;

    let mut memory = Memory::new(n, options.memory);
    let mut search = MoreThuente::default();
    let mut v = IterationVectors::new(n);
    let mut n_iter = 0;

    let mut g_norm = projected_gradient_norm(&g);
    if g_norm <= options.gtol {
        return report(Stop::GradientSmall, 0, evaluator.n_fev, f, options);
    }

    let stop = loop {
        if interrupt::requested() {
            break Stop::Interrupted;
        }
        v.direction(&mut memory, x, &g, g_norm);
        let f_old = f;
        let point = Point { x: &mut *x, g: &mut g, f: &mut f };
        let Some(accepted) = v.line_search(point, &mut search, &mut evaluator, n_iter == 0, options.max_line_search)
        else {
            // Back to the iterate the search started from: with no pairs the run ends,
            // otherwise it restarts along steepest descent.
            x.copy_from_slice(&v.t);
            g.copy_from_slice(&v.r);
            f = f_old;
            if interrupt::requested() {
                break Stop::Interrupted;
            }
            if memory.len() == 0 {
                break Stop::Abnormal;
            }
            memory.clear();
            continue;
        };

        n_iter += 1;
        g_norm = projected_gradient_norm(&g);
        callback(n_iter, x, f);
        if let Some(stop) = limits_or_convergence(n_iter, evaluator.n_fev, g_norm, f_old, f, tol, options) {
            break stop;
        }
        v.store_pair(&mut memory, &g, accepted);
    };
    // Interrupted, the run returns the last accepted iterate, whose loss is `f`.
    let fun = if stop == Stop::Interrupted { f } else { evaluator.f };
    report(stop, n_iter, evaluator.n_fev, fun, options)
}

/// The tests after an accepted iterate, in scipy's order: its iteration and evaluation limits
/// first, then L-BFGS-B's gradient and relative-reduction tests.
fn limits_or_convergence(
    n_iter: usize,
    n_fev: usize,
    g_norm: f64,
    f_old: f64,
    f: f64,
    tol: f64,
    options: &LbfgsOptions,
) -> Option<Stop> {
    if n_iter >= options.max_iter {
        return Some(Stop::IterationLimit);
    }
    if n_fev > options.max_fun {
        return Some(Stop::EvaluationLimit);
    }
    if g_norm <= options.gtol {
        return Some(Stop::GradientSmall);
    }
    let scale = f_old.abs().max(f.abs()).max(1.0);
    if f_old - f <= tol * scale {
        return Some(Stop::RelativeReduction);
    }
    None
}

/// The current iterate, its gradient and loss, which the line search moves.
struct Point<'a> {
    x: &'a mut [f64],
    g: &'a mut [f64],
    f: &'a mut f64,
}

/// What the line search found: the step and the directional derivatives at the start and at
/// the accepted point.
#[derive(Debug, Clone, Copy)]
struct Accepted {
    step: f64,
    gd_old: f64,
    gd: f64,
}

/// The vectors of one iteration, allocated once per run.
struct IterationVectors {
    /// The point at step 1 along `d`.
    z: Vec<f64>,
    /// The search direction, then `s`.
    d: Vec<f64>,
    /// The iterate the line search started from.
    t: Vec<f64>,
    /// Its gradient.
    r: Vec<f64>,
    /// `y = g - r` at the last trial point.
    y: Vec<f64>,
    /// The sums over the last trial point that an accepted step needs next (see
    /// [`Self::trial_sums`]).
    trial: Option<TrialSums>,
    /// The next direction's first dot product, `s'(-g)` with the newest pair, when that pair
    /// is the last step's `d` (a step of 1, kept).
    first_dot: Option<f64>,
}

/// What [`IterationVectors::trial_sums`] sums beside `g'd`: `y'y` in double-double with the
/// largest `|y_i|` (as [`norm2`] sums them unscaled), and `d'(-g)`.
struct TrialSums {
    squares: SquareSum,
    largest: f64,
    nan: bool,
    first_dot: f64,
}

impl IterationVectors {
    fn new(n: usize) -> Self {
        let zeros = || vec![0.0; n];
        Self { z: zeros(), d: zeros(), t: zeros(), r: zeros(), y: zeros(), trial: None, first_dot: None }
    }

    /// The search direction `d`: the Cauchy step `-g` with no pairs, else `-H g`, formed as
    /// `(x + step) - x` as L-BFGS-B forms it.
    fn direction(&mut self, memory: &mut Memory, x: &[f64], g: &[f64], g_norm: f64) {
        if memory.len() == 0 {
            cauchy_point(x, g, memory.theta, g_norm, &mut self.z);
        } else {
            memory.direction(g, &mut self.z, self.first_dot.take());
            for (zi, &xi) in self.z.iter_mut().zip(x.iter()) {
                *zi += xi;
            }
        }
        for ((di, &zi), &xi) in self.d.iter_mut().zip(&self.z).zip(x.iter()) {
            *di = zi - xi;
        }
    }

    /// The line search along `d` (L-BFGS-B's `lnsrlb` around `dcsrch`), after keeping the start
    /// point in `t` and its gradient in `r`. Returns `None` when it fails (no descent direction,
    /// or too many evaluations); `point` then holds the last trial.
    fn line_search<O>(
        &mut self,
        point: Point<'_>,
        search: &mut MoreThuente,
        evaluator: &mut Evaluator<O>,
        first_iteration: bool,
        max_line_search: usize,
    ) -> Option<Accepted>
    where
        O: FnMut(&[f64], &mut [f64]) -> f64,
    {
        let Point { x, g, f } = point;
        // The first trial step: 1 / ||d|| on the first iteration, 1 afterwards (where the
        // norm, a pass over d, is not needed).
        let mut step = if first_iteration { (1.0 / norm2(&self.d)).min(STEP_MAX) } else { 1.0 };
        // Sums of an earlier search's trial points are no step's of this one.
        self.trial = None;
        self.t.copy_from_slice(x);
        self.r.copy_from_slice(g);
        let mut task = SearchTask::Start;
        let mut trials = 0;
        let mut gd_old = 0.0;
        loop {
            let gd = if trials == 0 { dot(g, &self.d) } else { self.trial_sums(g) };
            if trials == 0 {
                gd_old = gd;
                if gd >= 0.0 {
                    // Not a descent direction: no line search is possible.
                    return None;
                }
            }
            task = search.iterate(task, *f, gd, &mut step, STEP_MAX);
            if matches!(task, SearchTask::Converged | SearchTask::Warning) {
                return Some(Accepted { step, gd_old, gd });
            }
            // L-BFGS-B treats a dcsrch error as one more evaluation request, and gives up
            // when the request would be evaluation max_line_search + 1.
            trials += 1;
            // An interruption ends the search as a failure does: back at the start point.
            if trials > max_line_search || interrupt::requested() {
                return None;
            }
            if step == 1.0 {
                x.copy_from_slice(&self.z);
            } else {
                for ((xi, &di), &ti) in x.iter_mut().zip(&self.d).zip(&self.t) {
                    *xi = step * di + ti;
                }
            }
            *f = evaluator.evaluate(x, g);
        }
    }

    /// `g'd` at a trial point, summed left to right as [`dot`] sums it; and in the same pass,
    /// for the step that accepts this point, `y = g - g_old` (into `y`) with the sums of
    /// [`TrialSums`]. Each sum is a chain of dependent additions, about three cycles an element;
    /// side by side they take about as long as one, where [`dot`], [`norm2`] and the next
    /// direction's first pass ran one after another.
    fn trial_sums(&mut self, g: &[f64]) -> f64 {
        with_fma(
            #[inline(always)]
            || {
                let (mut gd, mut first_dot, mut largest, mut nan) = (0.0, 0.0, 0.0_f64, false);
                let mut squares = SquareSum::default();
                for (((yi, &gi), &ri), &di) in self.y.iter_mut().zip(g).zip(&self.r).zip(&self.d) {
                    gd += gi * di;
                    first_dot += di * -gi;
                    *yi = gi - ri;
                    nan |= yi.is_nan();
                    largest = largest.max(yi.abs());
                    squares.add(*yi);
                }
                self.trial = Some(TrialSums { squares, largest, nan, first_dot });
                gd
            },
        )
    }

    /// The correction pair of the accepted step, `s = step * d` (into `d`) and `y = g - g_old`,
    /// stored when its curvature passes the test. `y` and its norm come from the accepted
    /// point's [`Self::trial_sums`] (the norm from its sums unless they need a scale, see
    /// [`norm2`]); the first dot product of the next direction too, when it is `d'(-g)`.
    fn store_pair(&mut self, memory: &mut Memory, g: &[f64], accepted: Accepted) {
        let Accepted { step, gd_old, gd } = accepted;
        let trial = self.trial.take();
        let y_norm = match &trial {
            Some(t) if !t.nan && norm_scale(t.largest).is_none() => t.squares.root(),
            Some(_) => norm2(&self.y),
            None => {
                for ((yi, &gi), &ri) in self.y.iter_mut().zip(g).zip(&self.r) {
                    *yi = gi - ri;
                }
                norm2(&self.y)
            }
        };
        let (sy, descent) = if step == 1.0 {
            (gd - gd_old, -gd_old)
        } else {
            for di in &mut self.d {
                *di *= step;
            }
            ((gd - gd_old) * step, -gd_old * step)
        };
        let kept = curvature_ok(sy, descent);
        if kept {
            memory.push(&self.d, &self.y, sy, y_norm * y_norm / sy);
        }
        self.first_dot = trial.filter(|_| kept && step == 1.0).map(|t| t.first_dot);
    }
}

/// Why a run ended: L-BFGS-B's task word and message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    GradientSmall,
    RelativeReduction,
    IterationLimit,
    EvaluationLimit,
    Abnormal,
    Interrupted,
    Error(&'static str),
}

impl Stop {
    fn message(self) -> String {
        match self {
            Self::GradientSmall => "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL".to_owned(),
            Self::RelativeReduction => "CONVERGENCE: RELATIVE REDUCTION OF F <= FACTR*EPSMCH".to_owned(),
            Self::IterationLimit => "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT".to_owned(),
            Self::EvaluationLimit => "STOP: TOTAL NO. OF F,G EVALUATIONS EXCEEDS LIMIT".to_owned(),
            // scipy joins the task word and an empty detail with ": ".
            Self::Abnormal => "ABNORMAL: ".to_owned(),
            Self::Interrupted => "STOP: INTERRUPTED BY THE CALLER".to_owned(),
            Self::Error(detail) => format!("ERROR: {detail}"),
        }
    }
}

/// Builds the report with scipy's wrapper rule for the status.
fn report(stop: Stop, n_iter: usize, n_fev: usize, fun: f64, options: &LbfgsOptions) -> LbfgsReport {
    let status = match stop {
        Stop::GradientSmall | Stop::RelativeReduction => LbfgsStatus::Converged,
        Stop::Interrupted => LbfgsStatus::Interrupted,
        _ if n_fev > options.max_fun || n_iter >= options.max_iter => LbfgsStatus::LimitReached,
        _ => LbfgsStatus::Abnormal,
    };
    LbfgsReport { n_iter, n_fev, fun, status, message: stop.message() }
}

/// The argument checks of scipy's wrapper (maxls) and of L-BFGS-B's `errclb`, in their order:
/// the wrapper's comes first, and among errclb's the last failing one names the error.
fn check_arguments(n: usize, options: &LbfgsOptions) -> Option<Stop> {
    if options.max_line_search == 0 {
        // scipy raises ValueError("maxls must be positive.") here.
        return Some(Stop::Error("maxls must be positive."));
    }
    let mut error = None;
    if n == 0 {
        error = Some(Stop::Error("N <= 0"));
    }
    if options.memory == 0 {
        error = Some(Stop::Error("M <= 0"));
    }
    if options.ftol / f64::EPSILON < 0.0 {
        error = Some(Stop::Error("FACTR < 0"));
    }
    error
}

/// The objective behind scipy's cache: a request for the point evaluated last is answered
/// without calling the objective or counting an evaluation (scipy compares with `==`, so a
/// point holding NaN is always re-evaluated).
struct Evaluator<F> {
    objective: F,
    n_fev: usize,
    x: Vec<f64>,
    f: f64,
    g: Vec<f64>,
}

impl<F> Evaluator<F>
where
    F: FnMut(&[f64], &mut [f64]) -> f64,
{
    fn new(objective: F, n: usize) -> Self {
        Self { objective, n_fev: 0, x: vec![0.0; n], f: 0.0, g: vec![0.0; n] }
    }

    fn evaluate(&mut self, x: &[f64], g: &mut [f64]) -> f64 {
        if self.n_fev > 0 && self.x.as_slice() == x {
            g.copy_from_slice(&self.g);
        } else {
            g.fill(0.0);
            self.f = (self.objective)(x, g);
            self.n_fev += 1;
            self.x.copy_from_slice(x);
            self.g.copy_from_slice(g);
        }
        self.f
    }
}

/// The infinity norm of the gradient (L-BFGS-B's `projgr` with no bounds). A NaN component
/// makes it NaN, so that no convergence test passes on it.
fn projected_gradient_norm(g: &[f64]) -> f64 {
    let mut norm = 0.0_f64;
    for &gi in g {
        if gi.is_nan() {
            return gi;
        }
        norm = norm.max(gi.abs());
    }
    norm
}

/// The generalized Cauchy point with no bounds and no correction pairs (L-BFGS-B's `cauchy`
/// with `col = 0`): `z = x - dtm * g` with `dtm = g'g / (theta g'g)`, which is 1 unless the
/// sums overflow. Kept in this form so that NaN and infinities travel as they do in L-BFGS-B.
fn cauchy_point(x: &[f64], g: &[f64], theta: f64, g_norm: f64, z: &mut [f64]) {
    if g_norm <= 0.0 {
        z.copy_from_slice(x);
        return;
    }
    let mut f1 = 0.0;
    for &gi in g {
        f1 -= gi * gi;
    }
    let f2 = -theta * f1;
    let mut dtm = -f1 / f2;
    if dtm <= 0.0 {
        dtm = 0.0;
    }
    for ((zi, &xi), &gi) in z.iter_mut().zip(x).zip(g) {
        *zi = xi + dtm * -gi;
    }
}

/// L-BFGS-B's curvature test: a pair is kept only when `s'y > eps * (-g_old's)`. A NaN `s'y`
/// passes, as in L-BFGS-B (see [`Memory::push`] for what becomes of it).
fn curvature_ok(sy: f64, descent: f64) -> bool {
    let skip = sy.partial_cmp(&(f64::EPSILON * descent));
    !matches!(skip, Some(Ordering::Less | Ordering::Equal))
}

/// The last `m` correction pairs, oldest first from `head` in a ring.
#[derive(Debug)]
struct Memory {
    n: usize,
    m: usize,
    /// `s` vectors, `n` per slot; grows to `m` slots as pairs arrive.
    s: Vec<f64>,
    /// `y` vectors, laid out as `s`.
    y: Vec<f64>,
    /// `s'y` per slot, as the line search computed it.
    sy: Vec<f64>,
    /// Scratch for the two-loop recursion, one per stored pair.
    alpha: Vec<f64>,
    col: usize,
    head: usize,
    /// `y'y / s'y` of the newest pair; the initial matrix is `H0 = I / theta`.
    theta: f64,
}

impl Memory {
    fn new(n: usize, m: usize) -> Self {
        // Room for every pair from the start, so that the vectors do not move (a copy of all the
        // pairs so far, and fresh pages) each time they double as pairs arrive: 39 iterations
        // over 7,510 parameters (`examples/step.rs lbfgs-alone`) took 8.2 ms so, 7.0 without.
        // Untouched room costs no memory; where it cannot be had, they grow as needed.
        let (mut s, mut y) = (Vec::new(), Vec::new());
        for pairs in [&mut s, &mut y] {
            let _ = pairs.try_reserve_exact(n.saturating_mul(m));
        }
        Self { n, m, s, y, sy: Vec::new(), alpha: Vec::new(), col: 0, head: 0, theta: 1.0 }
    }

    fn len(&self) -> usize {
        self.col
    }

    /// Forgets every pair (L-BFGS-B's "refresh the lbfgs memory").
    fn clear(&mut self) {
        self.col = 0;
        self.head = 0;
        self.theta = 1.0;
    }

    fn slot(&self, k: usize) -> usize {
        (self.head + k) % self.m
    }

    /// Stores a pair, dropping the oldest when full.
    ///
    /// A pair that is not finite is kept, as in scipy: L-BFGS-B would refresh its memory only
    /// if the Cholesky factorisation of its middle matrix met a pivot `<= 0`, and OpenBLAS's
    /// `dpotrf` does not test for NaN. The NaN direction that follows makes the next line
    /// search fail, and that failure empties the memory.
    fn push(&mut self, s: &[f64], y: &[f64], sy: f64, theta: f64) {
        let slot = if self.col < self.m {
            self.col += 1;
            self.slot(self.col - 1)
        } else {
            let slot = self.head;
            self.head = (self.head + 1) % self.m;
            slot
        };
        let (start, end) = (slot * self.n, (slot + 1) * self.n);
        if self.s.len() < end {
            self.s.resize(end, 0.0);
            self.y.resize(end, 0.0);
        }
        if self.sy.len() <= slot {
            self.sy.resize(slot + 1, 0.0);
        }
        self.s[start..end].copy_from_slice(s);
        self.y[start..end].copy_from_slice(y);
        self.sy[slot] = sy;
        self.theta = theta;
    }

    /// Writes `-H g` into `out` by the two-loop recursion with `H0 = I / theta`.
    ///
    /// Each dot product is summed left to right, one long chain of dependent additions (three
    /// cycles an element on the 2-core AMD EPYC, Zen 3), and each depends on the update before
    /// it; so each pass over `out` applies one pair's update and sums the next pair's dot
    /// product with the values it has just written, the update's work hidden under the chain.
    /// The same operations in the same order as the loops written out one after another
    /// ([`tests::direction_reference`]): `out - a * y` as `out + (-a) * y`, which IEEE
    /// arithmetic rounds the same. With the one-pass [`norm2`], L-BFGS's own work in 39
    /// iterations over the digits network's 7,510 parameters (`examples/step.rs lbfgs-alone`)
    /// fell from 11.7 to 8.1 ms, where a two-thread fit takes about 45.
    fn direction(&mut self, g: &[f64], out: &mut [f64], first_dot: Option<f64>) {
        let (n, col) = (self.n, self.col);
        if self.alpha.len() < col {
            self.alpha.resize(col, 0.0);
        }
        let inverse_theta = 1.0 / self.theta;
        if col == 0 {
            for (oi, &gi) in out.iter_mut().zip(g) {
                *oi = -gi * inverse_theta;
            }
            return;
        }
        let Self { s, y, sy, alpha, head, m, .. } = self;
        let pair = |k: usize| {
            let slot = (*head + k) % *m;
            (&s[slot * n..][..n], &y[slot * n..][..n], sy[slot])
        };
        // First loop, newest pair first: out = -g, then out -= alpha_k y_k. The first dot
        // product may be known already (`s'(-g)`, summed as `negate_and_dot` sums it).
        let mut sum = match first_dot {
            Some(sum) => {
                for (oi, &gi) in out.iter_mut().zip(g) {
                    *oi = -gi;
                }
                sum
            }
            None => negate_and_dot(out, g, pair(col - 1).0),
        };
        for k in (0..col).rev() {
            let (_, y, sy) = pair(k);
            let a = sum / sy;
            alpha[k] = a;
            sum = if k > 0 {
                update_and_dot(out, -a, y, 1.0, pair(k - 1).0)
            } else {
                // The last update, then the scaling by H0 and the second loop's first dot.
                update_and_dot(out, -a, y, inverse_theta, y)
            };
        }
        // Second loop, oldest pair first: out += (alpha_k - y_k'out / sy_k) s_k.
        for (k, &a) in alpha[..col].iter().enumerate() {
            let (s, _, sy) = pair(k);
            let coefficient = a - sum / sy;
            if k + 1 < col {
                sum = update_and_dot(out, coefficient, s, 1.0, pair(k + 1).1);
            } else {
                for (oi, &si) in out.iter_mut().zip(s) {
                    *oi += coefficient * si;
                }
            }
        }
    }
}

/// `out = -g`, returning `next'out` summed left to right (as [`dot`] sums).
fn negate_and_dot(out: &mut [f64], g: &[f64], next: &[f64]) -> f64 {
    let mut sum = 0.0;
    for ((oi, &gi), &ni) in out.iter_mut().zip(g).zip(next) {
        *oi = -gi;
        sum += ni * *oi;
    }
    sum
}

/// `out = (out + c v) * scale`, element by element, returning `next'out` of the new values,
/// summed left to right (as [`dot`] sums). A `scale` of 1 changes nothing: `x * 1 = x` exactly.
fn update_and_dot(out: &mut [f64], c: f64, v: &[f64], scale: f64, next: &[f64]) -> f64 {
    let mut sum = 0.0;
    for ((oi, &vi), &ni) in out.iter_mut().zip(v).zip(next) {
        *oi = (*oi + c * vi) * scale;
        sum += ni * *oi;
    }
    sum
}

/// `a'b`, summed left to right.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).fold(0.0, |sum, (&ai, &bi)| sum + ai * bi)
}

/// The Euclidean norm, correctly rounded except in rare near-ties.
///
/// L-BFGS-B's first step is `1 / ||d||`, so the last bit matters for parity: OpenBLAS's `dnrm2`
/// (called by scipy) accumulates in x87 extended precision and is almost always correctly
/// rounded, where a plain `f64` sum of squares is off by one ulp about a fifth of the time. So
/// the squares are summed in double-double (error-free products and sums), and scaled by a
/// power of two when they would overflow or underflow.
///
/// One pass finds the largest magnitude and sums the squares as they are; only when the largest
/// asks for a scale (beyond `2^±500`, rare) are they summed again, scaled: the bits of a scaled
/// sum with the scale 1 ([`tests::norm2_reference`]), in one pass over `v` instead of two, with
/// the error-free product's fused multiply-add an instruction rather than a call.
fn norm2(v: &[f64]) -> f64 {
    with_fma(
        #[inline(always)]
        || {
            let (mut largest, mut nan) = (0.0_f64, false);
            let mut sum = SquareSum::default();
            for &vi in v {
                nan |= vi.is_nan();
                largest = largest.max(vi.abs());
                sum.add(vi);
            }
            if nan {
                return f64::NAN;
            }
            if largest == 0.0 || largest.is_infinite() {
                return largest;
            }
            let Some(scale) = norm_scale(largest) else {
                return sum.root();
            };
            let mut scaled = SquareSum::default();
            for &vi in v {
                scaled.add(vi * scale);
            }
            scaled.root() / scale
        },
    )
}

/// The scale that keeps the squares of values up to `largest` (finite, not 0) from overflowing
/// or underflowing, where they need one: a power of two, so that scaling is exact.
fn norm_scale(largest: f64) -> Option<f64> {
    if largest > 2f64.powi(500) {
        Some(2f64.powi(-600))
    } else if largest < 2f64.powi(-500) {
        Some(2f64.powi(600))
    } else {
        None
    }
}

/// A sum of squares in double-double: `hi + lo`.
#[derive(Default)]
struct SquareSum {
    hi: f64,
    lo: f64,
}

impl SquareSum {
    #[inline(always)]
    fn add(&mut self, a: f64) {
        let p = a * a;
        let p_err = a.mul_add(a, -p);
        // Knuth's two-sum of hi and p.
        let s = self.hi + p;
        let bb = s - self.hi;
        let s_err = (self.hi - (s - bb)) + (p - bb);
        self.hi = s;
        self.lo += s_err + p_err;
    }

    /// The square root, with one Newton correction from the exact residual `hi + lo - root^2`.
    #[inline(always)]
    fn root(&self) -> f64 {
        let root = self.hi.sqrt();
        let residual = (-root).mul_add(root, self.hi) + self.lo;
        root + residual / (2.0 * root)
    }
}

/// What the line search asks for or reports (the task word of MINPACK-2's `dcsrch`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SearchTask {
    /// A new search: the next call initialises it.
    Start,
    /// Evaluate the function at the returned step and call again.
    Evaluate,
    /// The step satisfies the sufficient-decrease and curvature conditions.
    Converged,
    /// No better step can be found (rounding, `xtol`, or a step bound).
    Warning,
    /// Invalid input at the start of a search.
    Error,
}

/// The state of Moré and Thuente's line search (MINPACK-2 `dcsrch`), kept between calls as
/// L-BFGS-B keeps it in `isave`/`dsave`: a search that starts with an input error goes on
/// with the state of the previous one, as there.
#[derive(Debug, Clone, Default)]
struct MoreThuente {
    bracketed: bool,
    stage: u8,
    g_init: f64,
    g_test: f64,
    f_init: f64,
    /// Best step so far, its function value and derivative.
    stx: f64,
    fx: f64,
    gx: f64,
    /// Other end of the interval.
    sty: f64,
    fy: f64,
    gy: f64,
    /// Bounds on the next trial step.
    st_min: f64,
    st_max: f64,
    width: f64,
    width1: f64,
}

impl MoreThuente {
    /// One call of `dcsrch` with `ftol = 1e-3`, `gtol = 0.9`, `xtol = 0.1`, `stpmin = 0`.
    ///
    /// `f` and `g` are the function value and directional derivative at `step` (at 0 when
    /// `task` is [`SearchTask::Start`]); returns the new task and updates `step`.
    fn iterate(&mut self, task: SearchTask, f: f64, g: f64, step: &mut f64, step_max: f64) -> SearchTask {
        if task == SearchTask::Start {
            return self.start(f, g, *step, step_max);
        }
        // psi(stp) = f(stp) - f(0) - ftol stp f'(0); once psi <= 0 and f' >= 0 the search
        // works on f itself (stage 2).
        let f_test = self.f_init + *step * self.g_test;
        if self.stage == 1 && f <= f_test && g >= 0.0 {
            self.stage = 2;
        }
        let outcome = self.test(f, g, *step, f_test, step_max);
        if outcome != SearchTask::Evaluate {
            return outcome;
        }
        self.update_interval(f, g, step, f_test);
        self.next_step(step, step_max);
        SearchTask::Evaluate
    }

    /// A new search from `f` and `g` at 0, with the first trial `step`.
    fn start(&mut self, f: f64, g: f64, step: f64, step_max: f64) -> SearchTask {
        let invalid = step < SEARCH_STEP_MIN || step > step_max || g >= 0.0;
        if invalid {
            return SearchTask::Error;
        }
        self.bracketed = false;
        self.stage = 1;
        self.f_init = f;
        self.g_init = g;
        self.g_test = SEARCH_FTOL * self.g_init;
        self.width = step_max - SEARCH_STEP_MIN;
        self.width1 = self.width / 0.5;
        self.stx = 0.0;
        self.fx = self.f_init;
        self.gx = self.g_init;
        self.sty = 0.0;
        self.fy = self.f_init;
        self.gy = self.g_init;
        self.st_min = 0.0;
        self.st_max = step + SEARCH_EXTRAPOLATE_UPPER * step;
        SearchTask::Evaluate
    }

    /// `dcsrch`'s tests of the trial step, in its order (the last that passes wins): the
    /// warnings, then convergence; [`SearchTask::Evaluate`] when the search goes on.
    fn test(&self, f: f64, g: f64, step: f64, f_test: f64, step_max: f64) -> SearchTask {
        let mut outcome = SearchTask::Evaluate;
        if self.bracketed && (step <= self.st_min || step >= self.st_max) {
            outcome = SearchTask::Warning; // rounding errors prevent progress
        }
        if self.bracketed && self.st_max - self.st_min <= SEARCH_XTOL * self.st_max {
            outcome = SearchTask::Warning; // xtol test satisfied
        }
        if step == step_max && f <= f_test && g <= self.g_test {
            outcome = SearchTask::Warning; // stp = stpmax
        }
        if step == SEARCH_STEP_MIN && (f > f_test || g >= self.g_test) {
            outcome = SearchTask::Warning; // stp = stpmin
        }
        if f <= f_test && g.abs() <= SEARCH_GTOL * (-self.g_init) {
            outcome = SearchTask::Converged;
        }
        outcome
    }

    /// The interval of uncertainty after the trial `step` with `f` and `g`, and the next trial
    /// step (`dcstep`) written into `step`.
    fn update_interval(&mut self, f: f64, g: f64, step: &mut f64, f_test: f64) {
        // In stage 1, a lower but not sufficiently lower value: step on the modified
        // function psi, whose values and derivatives are shifted by the test line.
        if self.stage == 1 && f <= self.fx && f > f_test {
            let g_test = self.g_test;
            let mut interval = Interval {
                stx: self.stx,
                fx: self.fx - self.stx * g_test,
                dx: self.gx - g_test,
                sty: self.sty,
                fy: self.fy - self.sty * g_test,
                dy: self.gy - g_test,
                bracketed: self.bracketed,
            };
            let fm = f - *step * g_test;
            let gm = g - g_test;
            interval.step(step, fm, gm, self.st_min, self.st_max);
            self.stx = interval.stx;
            self.sty = interval.sty;
            self.bracketed = interval.bracketed;
            self.fx = interval.fx + self.stx * g_test;
            self.fy = interval.fy + self.sty * g_test;
            self.gx = interval.dx + g_test;
            self.gy = interval.dy + g_test;
        } else {
            let mut interval = Interval {
                stx: self.stx,
                fx: self.fx,
                dx: self.gx,
                sty: self.sty,
                fy: self.fy,
                dy: self.gy,
                bracketed: self.bracketed,
            };
            interval.step(step, f, g, self.st_min, self.st_max);
            self.stx = interval.stx;
            self.fx = interval.fx;
            self.gx = interval.dx;
            self.sty = interval.sty;
            self.fy = interval.fy;
            self.gy = interval.dy;
            self.bracketed = interval.bracketed;
        }
    }

    /// The safeguards on the step `dcstep` proposed: bisection when the interval shrinks too
    /// slowly, the bounds of the next trial, and the best step when no progress is possible.
    fn next_step(&mut self, step: &mut f64, step_max: f64) {
        // Bisect when the interval did not shrink enough over two steps.
        if self.bracketed {
            if (self.sty - self.stx).abs() >= 0.66 * self.width1 {
                *step = self.stx + 0.5 * (self.sty - self.stx);
            }
            self.width1 = self.width;
            self.width = (self.sty - self.stx).abs();
        }

        if self.bracketed {
            self.st_min = self.stx.min(self.sty);
            self.st_max = self.stx.max(self.sty);
        } else {
            self.st_min = *step + SEARCH_EXTRAPOLATE_LOWER * (*step - self.stx);
            self.st_max = *step + SEARCH_EXTRAPOLATE_UPPER * (*step - self.stx);
        }

        *step = step.max(SEARCH_STEP_MIN);
        *step = step.min(step_max);

        // No further progress possible: go back to the best step found.
        if self.bracketed
            && (*step <= self.st_min || *step >= self.st_max || self.st_max - self.st_min <= SEARCH_XTOL * self.st_max)
        {
            *step = self.stx;
        }
    }
}

/// The interval of uncertainty that `dcstep` updates: the best step `stx`, the other end `sty`,
/// their function values and derivatives.
#[derive(Debug, Clone, Copy)]
struct Interval {
    stx: f64,
    fx: f64,
    dx: f64,
    sty: f64,
    fy: f64,
    dy: f64,
    bracketed: bool,
}

impl Interval {
    /// MINPACK-2's `dcstep`: from the value `fp` and derivative `dp` at `stp`, updates the
    /// interval and replaces `stp` by a safeguarded cubic, quadratic or secant step within
    /// `[stp_min, stp_max]`.
    ///
    /// The operations are kept in MINPACK's order so that the steps agree with scipy's to the
    /// last bit.
    fn step(&mut self, stp: &mut f64, fp: f64, dp: f64, stp_min: f64, stp_max: f64) {
        let (stx, fx, dx) = (self.stx, self.fx, self.dx);
        let p_step = *stp;
        let sgnd = dp * (dx / dx.abs());

        let stpf = if fp > fx {
            self.bracketed = true;
            self.higher_value(p_step, fp, dp)
        } else if sgnd < 0.0 {
            self.bracketed = true;
            self.opposite_slopes(p_step, fp, dp)
        } else if dp.abs() < dx.abs() {
            self.smaller_slope(p_step, fp, dp, stp_min, stp_max)
        } else if self.bracketed {
            self.larger_slope_bracketed(p_step, fp, dp)
        } else if p_step > stx {
            stp_max
        } else {
            stp_min
        };

        if fp > fx {
            self.sty = p_step;
            self.fy = fp;
            self.dy = dp;
        } else {
            if sgnd < 0.0 {
                self.sty = stx;
                self.fy = fx;
                self.dy = dx;
            }
            self.stx = p_step;
            self.fx = fp;
            self.dx = dp;
        }
        *stp = stpf;
    }

    /// Case 1: a higher value at `p_step`, the minimum is bracketed. The cubic step if it is
    /// closer to stx than the quadratic step, else their average.
    fn higher_value(&self, p_step: f64, fp: f64, dp: f64) -> f64 {
        let (stx, fx, dx) = (self.stx, self.fx, self.dx);
        let theta = 3.0 * (fx - fp) / (p_step - stx) + dx + dp;
        let s = theta.abs().max(dx.abs().max(dp.abs()));
        let mut gamma = s * ((theta / s) * (theta / s) - (dx / s) * (dp / s)).sqrt();
        if p_step < stx {
            gamma = -gamma;
        }
        let p = (gamma - dx) + theta;
        let q = ((gamma - dx) + gamma) + dp;
        let r = p / q;
        let stpc = stx + r * (p_step - stx);
        let stpq = stx + ((dx / ((fx - fp) / (p_step - stx) + dx)) / 2.0) * (p_step - stx);
        if (stpc - stx).abs() < (stpq - stx).abs() { stpc } else { stpc + (stpq - stpc) / 2.0 }
    }

    /// Case 2: a lower value and derivatives of opposite sign, the minimum is bracketed. The
    /// cubic step if it is farther from `p_step` than the secant step.
    fn opposite_slopes(&self, p_step: f64, fp: f64, dp: f64) -> f64 {
        let (stx, dx) = (self.stx, self.dx);
        let stpc = cubic_minimum(p_step, fp, dp, stx, self.fx, dx);
        let stpq = p_step + (dp / (dp - dx)) * (stx - p_step);
        if (stpc - p_step).abs() > (stpq - p_step).abs() { stpc } else { stpq }
    }

    /// Case 3: a lower value, derivatives of the same sign, and a smaller derivative. The cubic
    /// step is used only if the cubic tends to infinity in the direction of the step or its
    /// minimum lies beyond `p_step`; otherwise the secant step.
    fn smaller_slope(&self, p_step: f64, fp: f64, dp: f64, stp_min: f64, stp_max: f64) -> f64 {
        let (stx, fx, dx) = (self.stx, self.fx, self.dx);
        let theta = 3.0 * (fx - fp) / (p_step - stx) + dx + dp;
        let s = theta.abs().max(dx.abs().max(dp.abs()));
        let mut gamma = s * (0.0_f64.max((theta / s) * (theta / s) - (dx / s) * (dp / s))).sqrt();
        if p_step > stx {
            gamma = -gamma;
        }
        let p = (gamma - dp) + theta;
        let q = (gamma + (dx - dp)) + gamma;
        let r = p / q;
        let stpc = if r < 0.0 && gamma != 0.0 {
            p_step + r * (stx - p_step)
        } else if p_step > stx {
            stp_max
        } else {
            stp_min
        };
        let stpq = p_step + (dp / (dp - dx)) * (stx - p_step);
        if self.bracketed {
            // Bracketed: the step closer to stp, kept away from sty.
            let stpf = if (stpc - p_step).abs() < (stpq - p_step).abs() { stpc } else { stpq };
            if p_step > stx {
                (p_step + 0.66 * (self.sty - p_step)).min(stpf)
            } else {
                (p_step + 0.66 * (self.sty - p_step)).max(stpf)
            }
        } else {
            // Not bracketed: the step farther from stp, within the bounds.
            let stpf = if (stpc - p_step).abs() > (stpq - p_step).abs() { stpc } else { stpq };
            stp_min.max(stp_max.min(stpf))
        }
    }

    /// Case 4, bracketed: a lower value, derivatives of the same sign, and no smaller
    /// derivative. The cubic step through `p_step` and sty.
    fn larger_slope_bracketed(&self, p_step: f64, fp: f64, dp: f64) -> f64 {
        cubic_minimum(p_step, fp, dp, self.sty, self.fy, self.dy)
    }
}

/// The minimum of the cubic through the trial step `(p_step, fp, dp)` and the end `(st, f, d)`
/// of the interval (value, derivative), as MINPACK computes it in cases 2 and 4. MINPACK writes
/// case 4's quotient `3 (fp − fy) / (sty − p_step)`: both operands negated, so the same bits,
/// but for the sign of a zero, which adding `d + dp` erases (or, all three zero, `s = 0` makes
/// the step NaN either way).
fn cubic_minimum(p_step: f64, fp: f64, dp: f64, st: f64, f: f64, d: f64) -> f64 {
    let theta = 3.0 * (f - fp) / (p_step - st) + d + dp;
    let s = theta.abs().max(d.abs().max(dp.abs()));
    let mut gamma = s * ((theta / s) * (theta / s) - (d / s) * (dp / s)).sqrt();
    if p_step > st {
        gamma = -gamma;
    }
    let p = (gamma - dp) + theta;
    let q = ((gamma - dp) + gamma) + d;
    let r = p / q;
    p_step + r * (st - p_step)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    /// Runs one line search on phi with the given first step; returns the trial steps and
    /// the final task.
    fn line_search(phi: impl Fn(f64) -> (f64, f64), first_step: f64, max_trials: usize) -> (Vec<f64>, SearchTask) {
        let mut search = MoreThuente::default();
        let (f0, g0) = phi(0.0);
        let mut step = first_step;
        let mut task = search.iterate(SearchTask::Start, f0, g0, &mut step, STEP_MAX);
        let mut trials = Vec::new();
        while task == SearchTask::Evaluate && trials.len() < max_trials {
            trials.push(step);
            let (f, g) = phi(step);
            task = search.iterate(task, f, g, &mut step, STEP_MAX);
        }
        (trials, task)
    }

    #[test]
    fn line_search_accepts_a_good_first_step() {
        // phi(a) = (a - 2)^2 - 4: phi(1) = -3 <= 1e-3 * (-4), |phi'(1)| = 2 <= 0.9 * 4.
        let phi = |a: f64| ((a - 2.0) * (a - 2.0) - 4.0, 2.0 * (a - 2.0));
        let (trials, task) = line_search(phi, 1.0, 20);
        assert_eq!(trials, vec![1.0]);
        assert_eq!(task, SearchTask::Converged);
    }

    #[test]
    fn line_search_interpolates_to_the_minimiser_of_a_quadratic() {
        // From stp = 10, phi(10) = 60 > phi(0): case 1 brackets the minimum, and the cubic
        // through (0, 0, -4) and (10, 60, 16) is the quadratic itself, minimised at 2.
        let phi = |a: f64| ((a - 2.0) * (a - 2.0) - 4.0, 2.0 * (a - 2.0));
        let (trials, task) = line_search(phi, 10.0, 20);
        assert_eq!(trials, vec![10.0, 2.0]);
        assert_eq!(task, SearchTask::Converged);
    }

    #[test]
    fn line_search_extrapolates_from_a_short_step() {
        // From stp = 0.1 the curvature condition fails (|phi'| = 3.8 > 3.6) and the search
        // must extrapolate, by at least 1.1 and at most 4 times the step taken.
        let phi = |a: f64| ((a - 2.0) * (a - 2.0) - 4.0, 2.0 * (a - 2.0));
        let (trials, task) = line_search(phi, 0.1, 20);
        assert_eq!(task, SearchTask::Converged);
        assert_eq!(trials[0], 0.1);
        assert!(trials[1] >= 0.1 + 1.1 * 0.1 && trials[1] <= 0.1 + 4.0 * 0.1);
        let last = *trials.last().unwrap();
        let (f, g) = phi(last);
        assert!(f <= 1e-3 * last * -4.0, "sufficient decrease at {last}");
        assert!(g.abs() <= 0.9 * 4.0, "curvature at {last}");
    }

    #[test]
    fn line_search_rejects_an_ascent_direction() {
        let mut search = MoreThuente::default();
        let mut step = 1.0;
        assert_eq!(search.iterate(SearchTask::Start, 0.0, 1.0, &mut step, STEP_MAX), SearchTask::Error);
    }

    #[test]
    fn line_search_backtracks_from_nan_above_and_stops() {
        // Beyond 1 the function is NaN: case 4 takes it for a lower value, and the search
        // must still end within its evaluation budget without panicking.
        let phi = |a: f64| {
            if a > 1.0 { (f64::NAN, f64::NAN) } else { ((a - 2.0) * (a - 2.0) - 4.0, 2.0 * (a - 2.0)) }
        };
        let (trials, _) = line_search(phi, 0.5, 20);
        assert!(trials.len() <= 20);
    }

    #[test]
    fn curvature_rule_skips_pairs_without_positive_curvature() {
        // Kept only when s'y > eps * (-g_old's).
        assert!(curvature_ok(1e-10, 1.0));
        assert!(!curvature_ok(f64::EPSILON, 1.0));
        assert!(!curvature_ok(0.0, 1.0));
        assert!(!curvature_ok(-1.0, 1.0));
        assert!(curvature_ok(f64::NAN, 1.0));
    }

    #[test]
    fn curvature_rule_keeps_the_memory_empty_on_a_linear_function() {
        // y = 0 on a linear function, so s'y = 0 fails the test at every iteration: the next
        // direction is -g again and its line search starts from step 1 (with a stored pair,
        // H would divide by s'y = 0).
        let evaluations = RefCell::new(Vec::new());
        let accepted = RefCell::new(Vec::new());
        let mut x = [0.0, 0.0];
        let options = LbfgsOptions { max_iter: 2, ..LbfgsOptions::default() };
        let report = minimize_with_callback(
            &mut x,
            &options,
            |x, g| {
                evaluations.borrow_mut().push([x[0], x[1]]);
                g[0] = -1.0;
                g[1] = -2.0;
                -(x[0] + 2.0 * x[1])
            },
            |_, x, _| accepted.borrow_mut().push((evaluations.borrow().len(), [x[0], x[1]])),
        );
        assert_eq!(report.n_iter, 2);
        let (count, x1) = accepted.borrow()[0];
        assert_eq!(evaluations.borrow()[count], [x1[0] + 1.0, x1[1] + 2.0]);
    }

    #[test]
    fn memory_reproduces_the_secant_equation() {
        // After a pair (s, y), H y = s: the direction for gradient y is -s.
        let mut memory = Memory::new(2, 3);
        let (s, y) = ([1.0, 2.0], [3.0, 1.0]);
        let sy = dot(&s, &y);
        memory.push(&s, &y, sy, dot(&y, &y) / sy);
        let mut out = [0.0; 2];
        memory.direction(&y, &mut out, None);
        assert!((out[0] + 1.0).abs() < 1e-15 && (out[1] + 2.0).abs() < 1e-15, "{out:?}");
    }

    #[test]
    fn memory_drops_the_oldest_pair_and_keeps_non_finite_ones() {
        let mut memory = Memory::new(1, 2);
        memory.push(&[1.0], &[1.0], 1.0, 1.0);
        memory.push(&[2.0], &[1.0], 2.0, 0.5);
        memory.push(&[3.0], &[1.0], 3.0, 1.0 / 3.0);
        assert_eq!(memory.len(), 2);
        assert_eq!(memory.s[memory.slot(0)], 2.0);
        assert_eq!(memory.s[memory.slot(1)], 3.0);
        memory.push(&[f64::NAN], &[1.0], f64::NAN, f64::NAN);
        assert_eq!(memory.len(), 2);
        let mut out = [0.0];
        memory.direction(&[1.0], &mut out, None);
        assert!(out[0].is_nan());
        memory.clear();
        assert_eq!((memory.len(), memory.theta), (0, 1.0));
    }

    /// The two-loop recursion written out loop by loop, a dot product and an update at a time:
    /// the reference [`Memory::direction`] is tested against.
    pub(super) fn direction_reference(memory: &Memory, g: &[f64], out: &mut [f64]) {
        let n = memory.n;
        let mut alphas = vec![0.0; memory.col];
        for (oi, &gi) in out.iter_mut().zip(g) {
            *oi = -gi;
        }
        for k in (0..memory.col).rev() {
            let slot = memory.slot(k);
            let (s, y) = (&memory.s[slot * n..][..n], &memory.y[slot * n..][..n]);
            let alpha = dot(s, out) / memory.sy[slot];
            alphas[k] = alpha;
            for (oi, &yi) in out.iter_mut().zip(y) {
                *oi -= alpha * yi;
            }
        }
        let inverse_theta = 1.0 / memory.theta;
        for oi in out.iter_mut() {
            *oi *= inverse_theta;
        }
        for (k, &alpha) in alphas.iter().enumerate() {
            let slot = memory.slot(k);
            let (s, y) = (&memory.s[slot * n..][..n], &memory.y[slot * n..][..n]);
            let coefficient = alpha - dot(y, out) / memory.sy[slot];
            for (oi, &si) in out.iter_mut().zip(s) {
                *oi += coefficient * si;
            }
        }
    }

    /// The norm in two passes, the squares scaled by 1 when no other scale is needed: the
    /// reference [`norm2`] is tested against.
    pub(super) fn norm2_reference(v: &[f64]) -> f64 {
        let mut largest = 0.0_f64;
        for &vi in v {
            if vi.is_nan() {
                return f64::NAN;
            }
            largest = largest.max(vi.abs());
        }
        if largest == 0.0 || largest.is_infinite() {
            return largest;
        }
        let scale = norm_scale(largest).unwrap_or(1.0);
        let (mut hi, mut lo) = (0.0_f64, 0.0_f64);
        for &vi in v {
            let a = vi * scale;
            let p = a * a;
            let p_err = a.mul_add(a, -p);
            let s = hi + p;
            let bb = s - hi;
            let s_err = (hi - (s - bb)) + (p - bb);
            hi = s;
            lo += s_err + p_err;
        }
        let root = hi.sqrt();
        let residual = (-root).mul_add(root, hi) + lo;
        (root + residual / (2.0 * root)) / scale
    }

    /// `len` values spread over many magnitudes and both signs, from a small LCG.
    fn varied(len: usize, seed: u64) -> Vec<f64> {
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        (0..len)
            .map(|_| {
                state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let unit = (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5;
                unit * 2f64.powi((state % 41) as i32 - 20)
            })
            .collect()
    }

    #[test]
    fn direction_gives_the_bits_of_the_loops_written_out() {
        // Every fill of the memory, from none to full and wrapped around the ring, on values
        // whose sums round differently in any other order; then a non-finite pair.
        let n = 257;
        let mut memory = Memory::new(n, 5);
        for pair in 0..9 {
            let g = varied(n, 100 + pair);
            let (mut fused, mut reference) = (vec![0.0; n], vec![0.0; n]);
            memory.direction(&g, &mut fused, None);
            direction_reference(&memory, &g, &mut reference);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&fused), bits(&reference), "{} pairs", memory.len());
            if memory.len() > 0 {
                // The first dot product handed in, as a trial point's sums give it.
                let newest = &memory.s[memory.slot(memory.len() - 1) * n..][..n];
                let first = newest.iter().zip(&g).fold(0.0, |sum, (&si, &gi)| sum + si * -gi);
                let mut handed = vec![0.0; n];
                memory.direction(&g, &mut handed, Some(first));
                assert_eq!(bits(&handed), bits(&reference), "{} pairs, first dot given", memory.len());
            }
            let (s, y) = (varied(n, 200 + pair), varied(n, 300 + pair));
            let sy = dot(&s, &y).abs() + 1.0;
            memory.push(&s, &y, sy, dot(&y, &y) / sy);
        }
        let mut y = varied(n, 7);
        y[3] = f64::INFINITY;
        memory.push(&varied(n, 8), &y, 1.0, 2.0);
        let (mut fused, mut reference) = (vec![0.0; n], vec![0.0; n]);
        memory.direction(&varied(n, 9), &mut fused, None);
        direction_reference(&memory, &varied(n, 9), &mut reference);
        assert!(fused.iter().zip(&reference).all(|(a, b)| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())));
    }

    #[test]
    fn norm_in_one_pass_gives_the_bits_of_two() {
        for len in [1, 2, 3, 7, 100, 7510] {
            let v = varied(len, len as u64);
            assert_eq!(norm2(&v).to_bits(), norm2_reference(&v).to_bits(), "{len}");
            for scale in [2f64.powi(520), 2f64.powi(-530), 1e-300, 1e300] {
                let w: Vec<f64> = v.iter().map(|x| x * scale).collect();
                assert_eq!(norm2(&w).to_bits(), norm2_reference(&w).to_bits(), "{len} x {scale:e}");
            }
        }
        for special in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, 0.0, -0.0, f64::MIN_POSITIVE / 8.0] {
            let mut v = varied(50, 3);
            v[20] = special;
            let (one, two) = (norm2(&v), norm2_reference(&v));
            assert!(one.to_bits() == two.to_bits() || (one.is_nan() && two.is_nan()), "{special}");
        }
    }

    #[test]
    fn norm_is_correctly_rounded_and_safe_from_overflow() {
        assert_eq!(norm2(&[3.0, 4.0]), 5.0);
        assert_eq!(norm2(&[3e300, 4e300]), 5e300);
        assert_eq!(norm2(&[3e-300, 4e-300]), 5e-300);
        assert_eq!(norm2(&[]), 0.0);
        assert!(norm2(&[1.0, f64::NAN]).is_nan());
        assert_eq!(norm2(&[1.0, f64::INFINITY]), f64::INFINITY);
        // 0.1^2 + 0.2^2 + 0.3^2 summed in f64 rounds the wrong way.
        let v = [0.1, 0.2, 0.3];
        let exact = 0.3741657386773941; // sqrt of the exact sum of the squares, rounded
        assert_ne!(v.iter().map(|a| a * a).sum::<f64>().sqrt(), exact);
        assert_eq!(norm2(&v), exact);
    }

    #[test]
    fn empty_input_is_an_error_report_not_a_panic() {
        let mut calls = 0;
        let report = minimize(&mut [], &LbfgsOptions::default(), |_, _| {
            calls += 1;
            0.0
        });
        assert_eq!(calls, 1);
        assert_eq!(report.n_fev, 1);
        assert_eq!(report.n_iter, 0);
        assert_eq!(report.status, LbfgsStatus::Abnormal);
        assert_eq!(report.status.code(), 2);
        assert_eq!(report.message, "ERROR: N <= 0");
    }

    #[test]
    fn invalid_options_are_reported() {
        let quadratic = |x: &[f64], g: &mut [f64]| {
            g[0] = x[0];
            0.5 * x[0] * x[0]
        };
        let cases = [
            (LbfgsOptions { memory: 0, ..LbfgsOptions::default() }, "ERROR: M <= 0"),
            (LbfgsOptions { ftol: -1.0, ..LbfgsOptions::default() }, "ERROR: FACTR < 0"),
            (LbfgsOptions { max_line_search: 0, ..LbfgsOptions::default() }, "ERROR: maxls must be positive."),
        ];
        for (options, message) in cases {
            let mut x = [1.0];
            let report = minimize(&mut x, &options, quadratic);
            assert_eq!(report.message, message);
            assert_eq!(report.status, LbfgsStatus::Abnormal);
            assert_eq!(x, [1.0]);
        }
    }

    #[test]
    fn nan_everywhere_ends_abnormally() {
        let mut x = [1.0, 2.0];
        let report = minimize(&mut x, &LbfgsOptions::default(), |_, g| {
            g.fill(f64::NAN);
            f64::NAN
        });
        assert_eq!(report.status, LbfgsStatus::Abnormal);
        assert_eq!(report.message, "ABNORMAL: ");
        assert!(report.n_fev <= 21);
    }

    #[test]
    fn start_point_already_optimal_takes_no_iteration() {
        let mut x = [0.0];
        let report = minimize(&mut x, &LbfgsOptions::default(), |x, g| {
            g[0] = x[0];
            0.5 * x[0] * x[0]
        });
        assert_eq!((report.n_iter, report.n_fev), (0, 1));
        assert!(report.converged());
        assert_eq!(report.message, "CONVERGENCE: NORM OF PROJECTED GRADIENT <= PGTOL");
    }

    #[test]
    fn iteration_limit_wins_over_convergence_in_the_same_iteration() {
        // 1-D quadratic: the first line search lands on the minimiser, but with max_iter = 1
        // the wrapper's limit is tested first.
        let mut x = [0.52];
        let options = LbfgsOptions { max_iter: 1, ..LbfgsOptions::default() };
        let report = minimize(&mut x, &options, |x, g| {
            g[0] = x[0];
            0.5 * x[0] * x[0]
        });
        assert_eq!(report.n_iter, 1);
        assert_eq!(report.status, LbfgsStatus::LimitReached);
        assert_eq!(report.message, "STOP: TOTAL NO. OF ITERATIONS REACHED LIMIT");
    }

    #[test]
    fn first_iteration_matches_scipy_bit_for_bit() {
        // scipy 1.17.1 on 0.5 x^2 from 0.52 evaluates 0.52, -0.48, 1.1102230246251565e-16
        // and stops on the gradient test after one iteration.
        let mut x = [0.52];
        let mut points = Vec::new();
        let report = minimize(&mut x, &LbfgsOptions::default(), |x, g| {
            points.push(x[0]);
            g[0] = x[0];
            0.5 * x[0] * x[0]
        });
        assert_eq!(points, vec![0.52, -0.48, 1.1102230246251565e-16]);
        assert_eq!((report.n_iter, report.n_fev), (1, 3));
        assert_eq!(report.status.code(), 0);
    }
}
