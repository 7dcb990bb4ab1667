//! neurona's L-BFGS against scipy 1.17.1's L-BFGS-B on the golden fixtures written by
//! `scripts/fixtures/lbfgs.py` (`tests/fixtures/lbfgs.json`).
//!
//! The objectives are written here exactly as in the script, one floating-point operation at a
//! time in the same order, so they return the same bits for the same point; any difference is
//! the optimiser's. Every fixture float is a string, parsed with Rust's correctly rounded
//! `str::parse`.

use neurona::optim::lbfgs::{LbfgsOptions, LbfgsReport, minimize_with_callback};
use serde_json::Value;

#[path = "common/checks.rs"]
mod checks;

const FIXTURE: &str = include_str!("fixtures/lbfgs.json");

fn float(value: &Value) -> f64 {
    value
        .as_str()
        .unwrap_or_else(|| panic!("float fixtures are strings, got {value}"))
        .parse()
        .unwrap_or_else(|e| panic!("bad float {value}: {e}"))
}

fn floats(value: &Value) -> Vec<f64> {
    value.as_array().expect("an array").iter().map(float).collect()
}

fn matrix(value: &Value) -> Vec<Vec<f64>> {
    value.as_array().expect("an array").iter().map(floats).collect()
}

fn count(value: &Value) -> usize {
    value.as_u64().expect("an integer") as usize
}

fn rosenbrock(x: &[f64], g: &mut [f64]) -> f64 {
    let mut f = 0.0;
    for i in 0..x.len().saturating_sub(1) {
        let a = x[i + 1] - x[i] * x[i];
        let b = 1.0 - x[i];
        f += 100.0 * a * a + b * b;
        g[i] += -400.0 * x[i] * a - 2.0 * b;
        g[i + 1] += 200.0 * a;
    }
    f
}

fn quadratic(x: &[f64], g: &mut [f64], c: &[f64]) -> f64 {
    let mut f = 0.0;
    for i in 0..x.len() {
        f += 0.5 * c[i] * x[i] * x[i];
        g[i] = c[i] * x[i];
    }
    f
}

fn logistic(w: &[f64], g: &mut [f64], features: &[Vec<f64>], labels: &[f64], alpha: f64) -> f64 {
    let p = w.len() - 1;
    let n = features.len() as f64;
    let mut f = 0.0;
    for (row, &label) in features.iter().zip(labels) {
        let mut z = w[p];
        for j in 0..p {
            z += row[j] * w[j];
        }
        let (loss, prob) = if z >= 0.0 {
            (z + (-z).exp().ln_1p(), 1.0 / (1.0 + (-z).exp()))
        } else {
            let e = z.exp();
            (z.exp().ln_1p(), e / (1.0 + e))
        };
        f += loss - label * z;
        let r = prob - label;
        for j in 0..p {
            g[j] += r * row[j];
        }
        g[p] += r;
    }
    f /= n;
    for gj in g.iter_mut() {
        *gj /= n;
    }
    let mut penalty = 0.0;
    for j in 0..p {
        penalty += w[j] * w[j];
        g[j] += alpha * w[j];
    }
    f + 0.5 * alpha * penalty
}

fn linear(x: &[f64], g: &mut [f64]) -> f64 {
    let mut f = 0.0;
    for &v in x {
        f -= v;
    }
    g.fill(-1.0);
    f
}

fn nan_band(x: &[f64], g: &mut [f64], center: f64, lo: f64, hi: f64) -> f64 {
    if lo < x[0] && x[0] < hi {
        g.fill(f64::NAN);
        return f64::NAN;
    }
    let mut f = 0.0;
    for i in 0..x.len() {
        f += (x[i] - center) * (x[i] - center);
        g[i] = 2.0 * (x[i] - center);
    }
    f
}

type Objective = Box<dyn Fn(&[f64], &mut [f64]) -> f64>;

/// The objective a fixture case names, with its parameters and data set.
fn objective_for(doc: &Value, case: &Value) -> Objective {
    let params = &case["params"];
    match case["problem"].as_str().expect("a problem name") {
        "rosenbrock" => Box::new(rosenbrock),
        "quadratic" => {
            let c = floats(&params["c"]);
            Box::new(move |x, g| quadratic(x, g, &c))
        }
        "logistic" => {
            let data = &doc["datasets"][params["dataset"].as_str().expect("a data set")];
            let features = matrix(&data["features"]);
            let labels = floats(&data["labels"]);
            let alpha = float(&params["alpha"]);
            Box::new(move |x, g| logistic(x, g, &features, &labels, alpha))
        }
        "linear" => Box::new(linear),
        "nan_band" => {
            let (center, lo, hi) = (float(&params["center"]), float(&params["lo"]), float(&params["hi"]));
            Box::new(move |x, g| nan_band(x, g, center, lo, hi))
        }
        other => panic!("unknown problem {other}"),
    }
}

/// What one case of the fixture produced here.
struct Run {
    report: LbfgsReport,
    x: Vec<f64>,
    iterates: Vec<Vec<f64>>,
    evaluations: Vec<Vec<f64>>,
}

fn run(doc: &Value, case: &Value) -> Run {
    let opts = &case["options"];
    let options = LbfgsOptions {
        max_iter: count(&opts["max_iter"]),
        max_fun: count(&opts["max_fun"]),
        gtol: float(&opts["gtol"]),
        ftol: float(&opts["ftol"]),
        memory: count(&opts["memory"]),
        max_line_search: count(&opts["max_line_search"]),
    };
    let objective = objective_for(doc, case);
    let mut x = floats(&case["x0"]);
    let mut evaluations = Vec::new();
    let mut iterates = Vec::new();
    let report = minimize_with_callback(
        &mut x,
        &options,
        |x, g| {
            evaluations.push(x.to_vec());
            objective(x, g)
        },
        |_, x, _| iterates.push(x.to_vec()),
    );
    Run { report, x, iterates, evaluations }
}

/// Largest difference between two vectors relative to `max(1, |expected|)`; NaN compares
/// equal to NaN.
fn max_rel_diff(actual: &[f64], expected: &[f64]) -> f64 {
    assert_eq!(actual.len(), expected.len());
    actual
        .iter()
        .zip(expected)
        .map(|(&a, &e)| {
            if a.to_bits() == e.to_bits() || (a.is_nan() && e.is_nan()) {
                0.0
            } else {
                (a - e).abs() / e.abs().max(1.0)
            }
        })
        .fold(0.0, f64::max)
}

fn case<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no fixture case {name}"))
}

fn fixture() -> Value {
    serde_json::from_str(FIXTURE).expect("tests/fixtures/lbfgs.json parses")
}

/// Runs a case and checks that status, message, `nit` and `nfev` are scipy's, and that `x` and
/// `fun` differ from scipy's by at most `x_tol` relative to `max(1, |scipy's value|)`.
fn check(name: &str, x_tol: f64) -> Run {
    let doc = fixture();
    let case = case(&doc, name);
    let got = run(&doc, case);
    let report = &got.report;
    let (nit, nfev) = (count(&case["nit"]), count(&case["nfev"]));
    let x_diff = max_rel_diff(&got.x, &floats(&case["x"]));
    let f_diff = max_rel_diff(&[report.fun], &[float(&case["fun"])]);
    println!(
        "{name}: nit {} (scipy {nit}), nfev {} (scipy {nfev}), x diff {x_diff:.1e}, fun diff \
         {f_diff:.1e}, {}",
        report.n_iter, report.n_fev, report.message
    );
    assert_eq!(report.status.code() as u64, case["status"].as_u64().unwrap(), "{name}: status");
    assert_eq!(report.message, case["message"].as_str().unwrap(), "{name}");
    assert!(report.n_iter == nit, "{name}: nit {} vs scipy {nit}", report.n_iter);
    assert!(report.n_fev == nfev, "{name}: nfev {} vs scipy {nfev}", report.n_fev);
    assert!(x_diff <= x_tol, "{name}: x differs by {x_diff:e}");
    assert!(f_diff <= x_tol, "{name}: fun differs by {f_diff:e}");
    got
}

/// Checks that the evaluated points, and the accepted ones, follow scipy's, within `tol`
/// relative to `max(1, |scipy's value|)`.
fn check_path(name: &str, got: &Run, tol: f64) {
    let doc = fixture();
    let case = case(&doc, name);
    let evaluations = matrix(&case["evaluations"]);
    let iterates = matrix(&case["iterates"]);
    assert_eq!(got.evaluations.len(), evaluations.len(), "{name}: evaluations");
    assert_eq!(got.iterates.len(), iterates.len(), "{name}: iterates");
    let mut worst = 0.0_f64;
    for (k, (a, e)) in got.evaluations.iter().zip(&evaluations).enumerate() {
        let diff = max_rel_diff(a, e);
        assert!(diff <= tol, "{name}: evaluation {k} differs by {diff:e}: {a:?} vs {e:?}");
        worst = worst.max(diff);
    }
    for (k, (a, e)) in got.iterates.iter().zip(&iterates).enumerate() {
        let diff = max_rel_diff(a, e);
        assert!(diff <= tol, "{name}: iterate {k} differs by {diff:e}");
    }
    println!("{name}: {} evaluations follow scipy's within {worst:.1e}", evaluations.len());
}

// Where counts are asked to match exactly they did when the fixture was written; both sides
// are deterministic. The tolerances on points are for the rounding that separates the two
// implementations (the two-loop recursion here, the compact representation and OpenBLAS in
// scipy): about 1e-16 relative per iteration, amplified by the conditioning of the problem.
// At convergence in a flat valley (Rosenbrock) the loss agrees to ~1e-15 while the point may
// move along the valley floor by up to the square root of that.

/// A case that [`check`] compares with scipy: its name, the tolerance on `x` and `fun`, the
/// tolerance on the path of evaluated and accepted points where the path is compared, and
/// what else the case must show.
type ScipyCase = (&'static str, f64, Option<f64>, fn(&Run));

fn scipy_cases() -> Vec<ScipyCase> {
    let nothing_more: fn(&Run) = |_| {};
    vec![
        ("rosenbrock2", 1e-12, Some(1e-11), nothing_more),
        ("rosenbrock10", 1e-7, None, nothing_more),
        ("logistic", 1e-13, Some(1e-13), nothing_more),
        // 31 parameters: scipy's dot products (OpenBLAS, SIMD blocks of 16) no longer sum in our
        // order, and the path still agrees to rounding.
        ("logistic_wide", 1e-13, Some(1e-13), nothing_more),
        // Stops on the relative reduction test.
        ("logistic_tight_gtol_ftol", 1e-13, None, nothing_more),
        ("rosenbrock10_maxiter", 1e-13, None, nothing_more),
        // Stops on max_fun (10) after overshooting it.
        ("rosenbrock2_maxfun", 1e-13, None, |got| assert!(got.report.n_fev > 10, "max_fun is 10")),
        // Stops on a loose gtol: the ill-conditioned quadratic below, stopped after 45
        // iterations: rounding differences have grown to ~1e-9 by then, not enough to change a
        // decision.
        ("quadratic_gtol_loose", 1e-8, None, nothing_more),
        // Stops on the gradient test at the start point.
        ("quadratic_at_optimum", 0.0, None, nothing_more),
        // maxls = 2 makes line searches fail; scipy discards the memory and restarts from
        // steepest descent.
        ("rosenbrock2_maxls2", 1e-12, Some(1e-11), nothing_more),
        ("rosenbrock10_memory3", 1e-6, None, nothing_more),
        // Unbounded below: stops on max_fun.
        ("linear_unbounded", 0.0, None, nothing_more),
        // A NaN region ends abnormally, as in scipy, which reports the last value returned (NaN)
        // beside the restored iterate.
        ("nan_cliff", 0.0, Some(0.0), |got| {
            assert!(got.report.fun.is_nan());
            assert_eq!(got.x, [1.0]);
        }),
        // A line search ends on a NaN point; like L-BFGS-B (whose Cholesky factorisation in
        // OpenBLAS does not notice NaN) the NaN pair is kept, the next directions are NaN and
        // evaluated until the line searches fail.
        ("nan_pair", 1e-13, Some(1e-13), |got| assert!(got.evaluations.iter().any(|x| x.iter().all(|v| v.is_nan())))),
        ("empty", 0.0, None, nothing_more),
    ]
}

#[test]
fn the_cases_follow_scipy() {
    let cases = scipy_cases().into_iter().map(|(name, x_tol, path_tol, more)| {
        let check_case = move || {
            let got = check(name, x_tol);
            if let Some(tol) = path_tol {
                check_path(name, &got, tol);
            }
            more(&got);
        };
        (name, check_case)
    });
    checks::run_every("L-BFGS cases compared with scipy", cases);
}

#[test]
fn ill_conditioned_quadratic_drifts_as_much_as_scipy_does_from_itself() {
    // Eigenvalues 1e-3 .. 1e3 (condition 1e6), about 1400 iterations. Rounding differences
    // grow by ~1e4 every 15 evaluations and the paths separate after ~90 evaluations; from
    // there on any run is one of many equally valid ones. scipy itself, started one ulp away
    // in one coordinate (`one_ulp_perturbed` in the fixture), ends after 1086 to 1434
    // iterations with losses from 1.5e-6 to 1.3e-5. When the fixture was written this run took
    // 1340 iterations and 1445 evaluations (scipy: 1434 and 1551) and ended at a loss of
    // 5.4e-6 (scipy: 1.5e-6), on the same test. So the outcome is compared with the spread of
    // scipy's own runs, widened by 10%: same status and message, counts and loss in range.
    let doc = fixture();
    let case = case(&doc, "quadratic_ill_conditioned");
    let got = run(&doc, case);
    let report = &got.report;
    let mut runs: Vec<(usize, usize, f64)> = case["one_ulp_perturbed"]
        .as_array()
        .expect("scipy's perturbed runs")
        .iter()
        .map(|r| (count(&r["nit"]), count(&r["nfev"]), float(&r["fun"])))
        .collect();
    runs.push((count(&case["nit"]), count(&case["nfev"]), float(&case["fun"])));
    let range = |values: Vec<f64>| {
        let lo = values.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        (lo / 1.1, hi * 1.1)
    };
    let nit_range = range(runs.iter().map(|r| r.0 as f64).collect());
    let nfev_range = range(runs.iter().map(|r| r.1 as f64).collect());
    let fun_range = range(runs.iter().map(|r| r.2).collect());
    println!(
        "quadratic_ill_conditioned: nit {} (scipy {}, range {nit_range:?}), nfev {} (scipy {}, \
         range {nfev_range:?}), fun {:e} (scipy {:e}, range {fun_range:?})",
        report.n_iter,
        case["nit"],
        report.n_fev,
        case["nfev"],
        report.fun,
        float(&case["fun"]),
    );
    assert_eq!(report.status.code(), 0);
    assert_eq!(report.message, case["message"].as_str().unwrap());
    let within = |v: f64, (lo, hi): (f64, f64)| lo <= v && v <= hi;
    assert!(within(report.n_iter as f64, nit_range), "nit {}", report.n_iter);
    assert!(within(report.n_fev as f64, nfev_range), "nfev {}", report.n_fev);
    assert!(within(report.fun, fun_range), "fun {:e}", report.fun);
}

#[test]
fn random_battery() {
    // 60 seeded random problems and options (`battery` in the script): small memories,
    // line searches cut short by max_line_search, restarts, tight limits, odd tolerances.
    // Rounding differences need ~100 evaluations to grow into a different decision (see the
    // quadratic above), so runs that scipy finishes within 80 evaluations must match it
    // exactly in status, message, nit and nfev, and longer ones in status and message with
    // counts within 10%. When the fixture was written 58 of the 60 matched exactly; the other
    // two, 17-dimensional quadratics of condition ~1e4 that run for 200 iterations, ended 10
    // iterations away (battery_07: 202/217 against 212/224; battery_36: 221/237 against
    // 210/226).
    let doc = fixture();
    let mut exact = 0;
    let mut total = 0;
    for case in doc["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        if !name.starts_with("battery_") {
            continue;
        }
        total += 1;
        let got = run(&doc, case);
        let report = &got.report;
        let (nit, nfev) = (count(&case["nit"]), count(&case["nfev"]));
        assert_eq!(report.status.code() as u64, case["status"].as_u64().unwrap(), "{name}: status");
        assert_eq!(report.message, case["message"].as_str().unwrap(), "{name}");
        if (report.n_iter, report.n_fev) == (nit, nfev) {
            exact += 1;
        } else {
            println!("{name}: nit {} nfev {} (scipy {nit} {nfev})", report.n_iter, report.n_fev);
            assert!(nfev > 80, "{name}: nit {} nfev {} vs scipy {nit} {nfev}", report.n_iter, report.n_fev);
            assert!(report.n_iter.abs_diff(nit) * 10 <= nit, "{name}: nit {} vs {nit}", report.n_iter);
            assert!(report.n_fev.abs_diff(nfev) * 10 <= nfev, "{name}: nfev {} vs {nfev}", report.n_fev);
        }
        if nfev <= 80 {
            let x_diff = max_rel_diff(&got.x, &floats(&case["x"]));
            assert!(x_diff <= 1e-6, "{name}: x differs by {x_diff:e}");
        }
    }
    println!("random battery: {exact} of {total} cases with scipy's exact nit and nfev");
    assert_eq!(total, 60);
}
