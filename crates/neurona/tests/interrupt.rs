//! A caller's interruption check (`neurona::interrupt`, what Ctrl-C sets in the command line
//! and in Python) stops every long fit where its loop asks, keeping what was learned and saying
//! so; without a check nothing changes.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use ndarray::Array2;
use neurona::interrupt::{self, CHECK_INTERVAL};
use neurona::optim::lbfgs::{LbfgsOptions, LbfgsStatus, minimize};
use neurona::prelude::*;

fn digits_scaled() -> (Array2<f64>, Vec<usize>) {
    let d = neurona::datasets::digits();
    (d.data.mapv(|v| v / 16.0), d.target)
}

/// A check that says stop on its `n`-th run (runs are at least [`CHECK_INTERVAL`] apart).
fn stop_on_run(n: usize) -> impl FnMut() -> bool + 'static {
    let runs = Rc::new(Cell::new(0));
    move || {
        runs.set(runs.get() + 1);
        runs.get() >= n
    }
}

#[test]
fn sgd_and_adam_stop_between_minibatches_and_drop_the_unfinished_epoch() {
    let (x, y) = digits_scaled();
    for solver in [Solver::Sgd, Solver::Adam] {
        // Batches of 10 rows: epochs of 180 minibatches, each far shorter than an interval.
        let params = MlpParams::new().solver(solver).batch_size(BatchSize::Fixed(10)).max_iter(100_000);
        let params = params.n_iter_no_change(Patience::Never).random_state(0).tol(0.0);
        let mut clf = MlpClassifier::<f64, usize>::new(params.check().unwrap());
        let (report, fired) = interrupt::with_check(stop_on_run(5), || clf.fit(x.view(), &y).cloned());
        let report = report.unwrap();
        assert!(fired, "{solver}");
        assert!(report.interrupted && !report.converged, "{solver}: {report:?}");
        assert_eq!(report.message, "Training interrupted by user.");
        let state = clf.state().unwrap();
        assert!(state.n_iter() < 100_000);
        assert_eq!(state.loss_curve().unwrap().len(), state.n_iter(), "only finished epochs are recorded");
    }
}

#[test]
fn a_check_that_fires_at_once_stops_before_the_first_minibatch() {
    let (x, y) = digits_scaled();
    let params = MlpParams::new().hidden_layer_sizes([8]).random_state(0).check().unwrap();
    let mut clf = MlpClassifier::<f64, usize>::new(params);
    let (report, fired) = interrupt::with_check(|| true, || clf.fit(x.view(), &y).cloned());
    assert!(fired && report.unwrap().interrupted);
    let state = clf.state().unwrap();
    assert_eq!((state.n_iter(), state.t(), state.loss_curve().unwrap().len()), (0, 0, 0));
}

#[test]
fn lbfgs_stops_at_its_last_accepted_iterate() {
    // Rosenbrock's function, slowed so that the check runs during the run.
    let rosenbrock = |x: &[f64], g: &mut [f64]| {
        std::thread::sleep(Duration::from_millis(2));
        let (a, b) = (x[1] - x[0] * x[0], 1.0 - x[0]);
        g[0] = -400.0 * x[0] * a - 2.0 * b;
        g[1] = 200.0 * a;
        100.0 * a * a + b * b
    };
    let mut x = [-1.2, 1.0];
    let (report, fired) =
        interrupt::with_check(stop_on_run(2), || minimize(&mut x, &LbfgsOptions::default(), rosenbrock));
    assert!(fired);
    assert_eq!(report.status, LbfgsStatus::Interrupted);
    assert_eq!(report.status.code(), 99);
    assert!(report.n_iter > 0, "the first check ran at once and said go on: {report:?}");
    assert_eq!(report.fun, rosenbrock(&x, &mut [0.0; 2]), "the loss is the returned point's");

    let (x, y) = digits_scaled();
    let params = MlpParams::new().solver(Solver::Lbfgs).hidden_layer_sizes([8]).random_state(0).check().unwrap();
    let mut clf = MlpClassifier::<f64, usize>::new(params);
    let (report, _) = interrupt::with_check(|| true, || clf.fit(x.view(), &y).cloned());
    let report = report.unwrap();
    assert!(report.interrupted && !report.converged, "{report:?}");
    assert_eq!(report.n_iter, 0);
}

#[test]
fn the_perceptron_stops_within_its_epoch_and_says_so() {
    let (x, y) = digits_scaled();
    let params = PerceptronParams::new().tol(None).max_iter(1_000_000).random_state(0).check().unwrap();
    let mut clf = Perceptron::<f64, usize>::new(params);
    let (report, fired) = interrupt::with_check(stop_on_run(3), || clf.fit(x.view(), &y).cloned());
    let report = report.unwrap();
    assert!(fired);
    assert!(report.interrupted && !report.converged, "{report:?}");
    assert!(report.warnings.is_empty(), "not a convergence failure: {report:?}");
    assert!(report.n_iter < 1_000_000);
    // The problems after the interrupted one never started.
    assert_eq!(*report.n_iter_per_problem.last().unwrap(), 0, "{report:?}");
    // Kept in a model file as it is.
    let bytes = clf.to_bytes().unwrap();
    assert!(Perceptron::<f64, usize>::from_bytes(&bytes).unwrap().state().unwrap().report().interrupted);
}

#[test]
fn the_rbm_stops_between_minibatches() {
    let (x, _) = digits_scaled();
    let params = RbmParams::new().n_components(16).n_iter(1_000_000).random_state(0).check().unwrap();
    let mut rbm = BernoulliRbm::<f64>::new(params);
    let (fitted, fired) = interrupt::with_check(stop_on_run(3), || rbm.fit(x.view()));
    fitted.unwrap();
    assert!(fired);
    assert!(rbm.transform(x.view()).is_ok(), "the machine trained so far is kept");
}

#[test]
fn without_a_check_a_fit_is_never_interrupted() {
    let (x, y) = digits_scaled();
    let params = MlpParams::new().hidden_layer_sizes([8]).max_iter(3).random_state(0).check().unwrap();
    let mut clf = MlpClassifier::<f64, usize>::new(params);
    std::thread::sleep(CHECK_INTERVAL);
    assert!(!clf.fit(x.view(), &y).unwrap().interrupted);
}

/// A prediction, a transform or a draw is asked between its blocks of rows (512 rows for an
/// MLP, 256 sequences for a recurrent network, 1,024 rows for an RBM): once the check fires it
/// returns `Interrupted`, never a partial result; a check that never fires changes nothing.
#[test]
fn a_long_prediction_stops_between_blocks_and_returns_nothing_partial() {
    let (x, y) = digits_scaled();
    let params = MlpParams::new().hidden_layer_sizes([16]).max_iter(3).random_state(0).check().unwrap();
    let mut clf = MlpClassifier::<f64, usize>::new(params);
    clf.fit(x.view(), &y).unwrap();
    let expected = clf.predict_proba(x.view()).unwrap();
    for threads in [1, 2] {
        let on = |f: &dyn Fn() -> neurona::Result<Array2<f64>>, check: fn() -> bool| {
            interrupt::with_check(check, || neurona::linalg::with_max_threads(Some(threads), f).unwrap())
        };
        let (stopped, fired) = on(&|| clf.predict_proba(x.view()), || true);
        assert!(fired);
        assert_eq!(stopped, Err(NeuronaError::Interrupted), "{threads} threads");
        let (whole, fired) = on(&|| clf.predict_proba(x.view()), || false);
        assert!(!fired);
        assert_eq!(whole.unwrap(), expected, "{threads} threads");
    }
    let (labels, _) = interrupt::with_check(|| true, || clf.predict(x.view()));
    assert_eq!(labels, Err(NeuronaError::Interrupted));
}

#[test]
fn an_rbm_transform_draw_or_score_stops_between_blocks() {
    let (digits, _) = digits_scaled();
    // 3,594 rows: four blocks.
    let x = ndarray::concatenate![ndarray::Axis(0), digits, digits];
    let params = RbmParams::new().n_components(16).n_iter(1).random_state(0).check().unwrap();
    let mut rbm = BernoulliRbm::<f64>::new(params);
    rbm.fit(x.view()).unwrap();
    let (transformed, _) = interrupt::with_check(|| true, || rbm.transform(x.view()));
    assert_eq!(transformed, Err(NeuronaError::Interrupted));
    let (drawn, _) = interrupt::with_check(|| true, || rbm.gibbs_with_rng(x.view(), &mut RandomState::new(0)));
    assert_eq!(drawn, Err(NeuronaError::Interrupted));
    let (scored, _) = interrupt::with_check(|| true, || rbm.score_samples(x.view()));
    assert_eq!(scored, Err(NeuronaError::Interrupted));
    let (whole, fired) = interrupt::with_check(|| false, || rbm.score_samples(x.view()));
    assert!(!fired);
    assert_eq!(whole.unwrap(), rbm.score_samples(x.view()).unwrap());
}

#[test]
fn a_recurrent_prediction_stops_between_blocks_of_sequences() {
    let sequences: Vec<Array2<f64>> =
        (0..600).map(|i| Array2::from_shape_fn((3 + i % 4, 2), |(t, j)| ((i + t + j) % 7) as f64 / 7.0)).collect();
    let x = SequenceSet::from_sequences(&sequences).unwrap();
    let y: Vec<usize> = (0..600).map(|i| i % 2).collect();
    let params = RnnParams::new().hidden_size(4).max_iter(1).random_state(0).check().unwrap();
    let mut clf = RnnClassifier::<f64, usize>::new(params);
    clf.fit(&x, &y).unwrap();
    let (stopped, _) = interrupt::with_check(|| true, || clf.predict_proba(&x));
    assert_eq!(stopped, Err(NeuronaError::Interrupted));
    let (whole, _) = interrupt::with_check(|| false, || clf.predict_proba(&x));
    assert_eq!(whole.unwrap(), clf.predict_proba(&x).unwrap());
}
