//! Behaviour scikit-learn's users rely on, ported from its test_mlp.py (black-box tests) and
//! its documented semantics: reproducibility, float32, warm starts, partial_fit, stopping.

use std::ops::ControlFlow;

use ndarray::{Array1, Array2, Axis, s};
use neurona::prelude::*;

fn digits_scaled() -> (Array2<f64>, Vec<usize>) {
    let d = neurona::datasets::digits();
    (d.data.mapv(|v| v / 16.0), d.target)
}

#[test]
fn fitting_twice_with_the_same_seed_gives_the_same_bytes() {
    let (x, y) = digits_scaled();
    for solver in [Solver::Adam, Solver::Sgd, Solver::Lbfgs] {
        let params =
            MlpParams::new().hidden_layer_sizes([16]).max_iter(5).solver(solver).random_state(3).early_stopping(true);
        let fit = || {
            let mut clf = MlpClassifier::<f64, usize>::new(params.clone().check().unwrap());
            clf.fit(x.view(), &y).unwrap();
            clf.state().unwrap().flat_params().iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        };
        assert_eq!(fit(), fit(), "{solver}");
    }
    // A different seed gives different weights.
    let mut a = MlpClassifier::<f64, usize>::new(MlpParams::new().max_iter(2).random_state(0).check().unwrap());
    let mut b = MlpClassifier::<f64, usize>::new(MlpParams::new().max_iter(2).random_state(1).check().unwrap());
    a.fit(x.view(), &y).unwrap();
    b.fit(x.view(), &y).unwrap();
    assert_ne!(a.state().unwrap().flat_params(), b.state().unwrap().flat_params());
}

#[test]
fn float32_trains_in_float32_and_agrees_with_float64() {
    let (x, y) = digits_scaled();
    let params = MlpParams::new().hidden_layer_sizes([32]).max_iter(20).random_state(0).check().unwrap();
    let mut wide = MlpClassifier::<f64, usize>::new(params.clone());
    let mut narrow = MlpClassifier::<f32, usize>::new(params);
    let x32 = x.mapv(|v| v as f32);
    wide.fit(x.view(), &y).unwrap();
    narrow.fit(x32.view(), &y).unwrap();
    let (p64, p32) = (wide.predict_proba(x.view()).unwrap(), narrow.predict_proba(x32.view()).unwrap());
    let worst = p64.iter().zip(p32.iter()).map(|(a, &b)| (a - f64::from(b)).abs()).fold(0.0, f64::max);
    assert!(worst < 1e-3, "probabilities differ by {worst}");
    let (l64, l32) = (wide.predict(x.view()).unwrap(), narrow.predict(x32.view()).unwrap());
    let disagreements = l64.iter().zip(&l32).filter(|(a, b)| a != b).count();
    assert!(disagreements <= 2, "{disagreements} of 1797 labels differ between float32 and float64");
    let curves = wide.state().unwrap().loss_curve().unwrap().iter().zip(narrow.state().unwrap().loss_curve().unwrap());
    for (a, b) in curves {
        assert!((a - b).abs() / a < 1e-4, "loss {a} vs {b}");
    }
}

#[test]
fn partial_fit_epochs_equal_fit_epochs() {
    // scikit-learn's test_partial_fit_regression: full-batch sgd, so the shuffles do not matter.
    let d = neurona::datasets::diabetes();
    let (x, y) = (d.standardized_features(), d.standardized_target());
    for momentum in [0.0, 0.9] {
        let params = MlpParams::new()
            .solver(Solver::Sgd)
            .max_iter(100)
            .momentum(momentum)
            .learning_rate_init(0.01)
            .batch_size(BatchSize::Fixed(x.nrows()))
            .tol(0.0)
            .n_iter_no_change(Patience::Never)
            .random_state(1)
            .check()
            .unwrap();
        let mut fitted = MlpRegressor::<f64>::new(params.clone());
        fitted.fit(x.view(), y.view()).unwrap();
        let mut stepped = MlpRegressor::<f64>::new(params);
        for _ in 0..100 {
            stepped.partial_fit(x.view(), y.view()).unwrap();
        }
        assert_eq!(stepped.state().unwrap().n_iter(), 1, "n_iter_ counts the last call");
        assert_eq!(stepped.state().unwrap().loss_curve().unwrap().len(), 100);
        let (a, b) = (fitted.predict(x.view()).unwrap(), stepped.predict(x.view()).unwrap());
        for (p, q) in a.iter().zip(b.iter()) {
            assert!((p - q).abs() <= 1e-7 * p.abs().max(1.0));
        }
        assert!(fitted.score(x.view(), y.view()).unwrap() > 0.45);
    }
}

#[test]
fn partial_fit_accepts_batches_with_unseen_classes_and_strings() {
    // scikit-learn's test_partial_fit_unseen_classes.
    let x = Array2::from_shape_fn((6, 2), |(i, j)| (i * 2 + j) as f64 / 10.0);
    let mut clf = MlpClassifier::<f64, String>::new(MlpParams::new().random_state(0).check().unwrap());
    let labels = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let classes = labels(&["a", "b", "c", "d"]);
    clf.partial_fit(x.view(), &labels(&["a", "b", "c", "a", "b", "c"]), Some(&classes)).unwrap();
    clf.partial_fit(x.slice(s![..1, ..]), &labels(&["d"]), None).unwrap();
    assert_eq!(clf.classes().unwrap(), classes.as_slice());
    assert!(clf.score(x.view(), &labels(&["a", "b", "c", "a", "b", "c"])).unwrap() > 0.0);
}

#[test]
fn warm_start_runs_max_iter_more_epochs_and_keeps_the_curves() {
    // scikit-learn's test_warm_start_full_iteration and test_mlp_warm_start_no_convergence.
    let (x, y) = digits_scaled();
    let params = MlpParams::new()
        .hidden_layer_sizes([8])
        .warm_start(true)
        .max_iter(3)
        .n_iter_no_change(Patience::Never)
        .random_state(0);
    let mut clf = MlpClassifier::<f64, usize>::new(params.clone().check().unwrap());
    clf.fit(x.view(), &y).unwrap();
    assert_eq!(clf.state().unwrap().n_iter(), 3);
    assert!(!clf.report().unwrap().converged);
    assert!(clf.report().unwrap().message.contains("Maximum iterations (3) reached"));
    let first_curve = clf.state().unwrap().loss_curve().unwrap().to_vec();
    clf.set_params(params.max_iter(5).check().unwrap());
    clf.fit(x.view(), &y).unwrap();
    let state = clf.state().unwrap();
    assert_eq!(state.n_iter(), 5);
    assert_eq!(state.t(), 8 * 1797);
    assert_eq!(&state.loss_curve().unwrap()[..3], first_curve.as_slice());
    assert_eq!(state.loss_curve().unwrap().len(), 8);
}

#[test]
fn invscaling_rate_after_two_warm_fits() {
    // scikit-learn's test_learning_rate_warmstart: after two fits on 4 samples, η = η₀ / 9^power_t.
    let x = ndarray::array![[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]];
    let y = [0, 1, 1, 0];
    for schedule in [LearningRate::Constant, LearningRate::Invscaling] {
        let params = MlpParams::new()
            .solver(Solver::Sgd)
            .learning_rate(schedule)
            .learning_rate_init(0.5)
            .power_t(0.25)
            .max_iter(1)
            .warm_start(true)
            .random_state(0)
            .check()
            .unwrap();
        let mut clf = MlpClassifier::<f64, i32>::new(params);
        clf.fit(x.view(), &y).unwrap();
        let after_first = clf.state().unwrap().optimizer().unwrap().learning_rate();
        clf.fit(x.view(), &y).unwrap();
        let rate = clf.state().unwrap().optimizer().unwrap().learning_rate();
        match schedule {
            LearningRate::Constant => assert_eq!(rate, 0.5),
            _ => {
                assert_eq!(after_first, 0.5 / 5f64.powf(0.25));
                assert_eq!(rate, 0.5 / 9f64.powf(0.25));
            }
        }
    }
}

#[test]
fn stopping_rule_counts_n_iter_no_change_plus_one_epochs() {
    // scikit-learn's test_n_iter_no_change and test_n_iter_no_change_inf.
    let (x, y) = digits_scaled();
    let x = x.slice(s![..200, ..]).to_owned();
    let y = &y[..200];
    for patience in [2, 5, 10] {
        let params = MlpParams::new()
            .solver(Solver::Sgd)
            .tol(0.01)
            .max_iter(3000)
            .n_iter_no_change(Patience::Epochs(patience))
            .random_state(0)
            .check()
            .unwrap();
        let mut clf = MlpClassifier::<f64, usize>::new(params);
        clf.fit(x.view(), y).unwrap();
        let state = clf.state().unwrap();
        assert_eq!(state.no_improvement_count(), patience + 1);
        assert!(state.n_iter() < 3000 && clf.report().unwrap().converged);
        assert!(clf.report().unwrap().message.starts_with("Training loss did not improve more than tol=0.010000"));
    }
    let params = MlpParams::new()
        .solver(Solver::Sgd)
        .tol(1e9)
        .max_iter(50)
        .n_iter_no_change(Patience::Never)
        .random_state(0)
        .check()
        .unwrap();
    let mut clf = MlpClassifier::<f64, usize>::new(params);
    clf.fit(x.view(), y).unwrap();
    assert_eq!(clf.state().unwrap().n_iter(), 50);
    assert_eq!(clf.state().unwrap().no_improvement_count(), 49);
}

#[test]
fn adaptive_rate_stops_when_tiny() {
    // scikit-learn's test_adaptive_learning_rate.
    let (x, y) = digits_scaled();
    let params = MlpParams::new()
        .solver(Solver::Sgd)
        .learning_rate(LearningRate::Adaptive)
        .tol(0.5)
        .max_iter(500)
        .random_state(0)
        .check()
        .unwrap();
    let mut clf = MlpClassifier::<f64, usize>::new(params);
    clf.fit(x.slice(s![..200, ..]), &y[..200]).unwrap();
    assert!(clf.state().unwrap().n_iter() < 500);
    assert!(clf.state().unwrap().optimizer().unwrap().learning_rate() < 1e-6);
    assert!(clf.report().unwrap().message.ends_with("Learning rate too small. Stopping."));
}

#[test]
fn early_stopping_restores_the_best_weights() {
    // scikit-learn's test_early_stopping.
    let (x, y) = digits_scaled();
    let params = MlpParams::new().solver(Solver::Sgd).tol(0.2).max_iter(3000).early_stopping(true).random_state(0);
    let mut clf = MlpClassifier::<f64, usize>::new(params.check().unwrap());
    clf.fit(x.view(), &y).unwrap();
    let state = clf.state().unwrap();
    assert!(state.n_iter() < 3000);
    assert!(state.best_loss().is_none());
    let scores = state.validation_scores().unwrap();
    let best = state.best_validation_score().unwrap();
    assert_eq!(scores.iter().copied().fold(f64::NEG_INFINITY, f64::max), best);
    assert!(scores[scores.len() - 2..].iter().all(|&s| s < best + 0.2));
}

#[test]
fn the_epoch_callback_can_stop_training() {
    let (x, y) = digits_scaled();
    let mut seen = Vec::new();
    let mut callback = |p: &neurona::estimators::mlp::EpochProgress| {
        seen.push((p.epoch, p.loss));
        if p.epoch == 3 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    };
    let mut clf =
        MlpClassifier::<f64, usize>::new(MlpParams::new().hidden_layer_sizes([8]).random_state(0).check().unwrap());
    let options = FitOptions { on_epoch: Some(&mut callback), ..FitOptions::default() };
    let report = clf.fit_with(x.view(), &y, options).unwrap().clone();
    assert!(report.interrupted && !report.converged);
    assert_eq!(report.n_iter, 3);
    assert_eq!(seen.len(), 3);
    assert_eq!(seen[2].1, clf.state().unwrap().loss());
}

#[test]
fn a_caller_owned_random_stream_advances() {
    let (x, y) = digits_scaled();
    let mut rng = RandomState::new(0);
    let params = MlpParams::new().hidden_layer_sizes([8]).max_iter(1).check().unwrap();
    let mut with_stream = MlpClassifier::<f64, usize>::new(params.clone());
    let options = FitOptions { random_state: Some(&mut rng), ..FitOptions::default() };
    with_stream.fit_with(x.view(), &y, options).unwrap();
    let mut seeded = MlpClassifier::<f64, usize>::new(params.into_params().random_state(0).check().unwrap());
    seeded.fit(x.view(), &y).unwrap();
    assert_eq!(with_stream.state().unwrap().flat_params(), seeded.state().unwrap().flat_params());
    assert_ne!(rng, RandomState::new(0), "the caller's stream moved on");
}

#[test]
fn alpha_shrinks_the_weights() {
    // scikit-learn's test_alpha.
    let (x, y) = digits_scaled();
    let binary: Vec<bool> = y.iter().map(|&d| d == 1).collect();
    let x = x.slice(s![..100, ..]);
    let norms: Vec<Vec<f64>> = [0.0, 1.0]
        .iter()
        .map(|&alpha| {
            let params = MlpParams::new().hidden_layer_sizes([10]).alpha(alpha).random_state(1).check().unwrap();
            let mut clf = MlpClassifier::<f64, bool>::new(params);
            clf.fit(x, &binary[..100]).unwrap();
            clf.state().unwrap().coefs().iter().map(|w| w.iter().map(|v| v.abs()).sum()).collect()
        })
        .collect();
    assert!(norms[1][0] < norms[0][0] && norms[1][1] < norms[0][1]);
}

#[test]
fn predict_proba_shapes_and_logs() {
    // scikit-learn's test_predict_proba_binary / _multiclass / _multilabel.
    let (x, y) = digits_scaled();
    let x = x.slice(s![..50, ..]);
    let binary: Vec<bool> = y[..50].iter().map(|&d| d % 2 == 0).collect();
    let mut clf = MlpClassifier::<f64, bool>::new(
        MlpParams::new().hidden_layer_sizes([5]).activation(Activation::Logistic).random_state(1).check().unwrap(),
    );
    clf.fit(x, &binary).unwrap();
    let proba = clf.predict_proba(x).unwrap();
    assert_eq!(proba.dim(), (50, 2));
    for row in proba.rows() {
        assert!((row.sum() - 1.0).abs() < 1e-12);
    }
    let log = clf.predict_log_proba(x).unwrap();
    assert!(log.iter().zip(proba.iter()).all(|(l, p)| (l - p.ln()).abs() < 1e-12));

    let mut multi =
        MlpClassifier::<f64, usize>::new(MlpParams::new().hidden_layer_sizes([5]).random_state(1).check().unwrap());
    multi.fit(x, &y[..50]).unwrap();
    let proba = multi.predict_proba(x).unwrap();
    assert_eq!(proba.dim(), (50, 10));
    assert!(proba.sum_axis(Axis(1)).iter().all(|s| (s - 1.0).abs() < 1e-12));

    let indicator = Array2::from_shape_fn((50, 3), |(i, j)| (y[i] + j) % 2 == 0);
    let mut ml = MlpClassifier::<f64, usize>::new(
        MlpParams::new().solver(Solver::Lbfgs).hidden_layer_sizes([30]).random_state(0).check().unwrap(),
    );
    ml.fit_multilabel(x, indicator.view()).unwrap();
    let proba = ml.predict_proba(x).unwrap();
    assert_eq!(proba.dim(), (50, 3));
    assert_eq!(proba.mapv(|p| p > 0.5), indicator);
    assert!(proba.sum_axis(Axis(1)).iter().any(|s| (s - 1.0).abs() > 1e-3), "multi-label rows need not sum to 1");
}

#[test]
fn regression_with_many_outputs_and_lbfgs() {
    // scikit-learn's test_multioutput_regression, on diabetes with three derived targets.
    let d = neurona::datasets::diabetes();
    let x = d.standardized_features();
    let t = d.standardized_target();
    let y = ndarray::stack![Axis(1), t, t.mapv(|v| 0.5 * v), x.column(2)];
    let params =
        MlpParams::new().solver(Solver::Lbfgs).hidden_layer_sizes([50]).max_iter(200).random_state(1).check().unwrap();
    let mut reg = MlpRegressor::<f64>::new(params);
    reg.fit(x.view(), y.view()).unwrap();
    assert_eq!(reg.predict(x.view()).unwrap().dim(), (442, 3));
    assert!(reg.score(x.view(), y.view()).unwrap() > 0.8);
    let single = Array1::from(t.to_vec());
    assert!(
        reg.score(x.view(), single.view()).unwrap_err().to_string().contains("has 1 columns, but the model predicts 3")
    );
}

/// Column-major X (an F-ordered numpy array) is read in place by prediction and by L-BFGS, and
/// gives what the same values row-major give.
#[test]
fn column_major_x_gives_the_row_major_results() {
    let (x, y) = digits_scaled();
    let x = x.slice(s![..400, ..]).to_owned();
    let y = &y[..400];
    let x_columns = x.t().as_standard_layout().into_owned().reversed_axes();
    assert!(x_columns.t().is_standard_layout() && !x_columns.is_standard_layout());
    let fit = |x: ndarray::ArrayView2<'_, f64>| {
        let params = MlpParams::new().solver(Solver::Lbfgs).max_iter(15).random_state(0).check().unwrap();
        let mut clf = MlpClassifier::<f64, usize>::new(params);
        clf.fit(x, y).unwrap();
        clf
    };
    let (by_rows, by_columns) = (fit(x.view()), fit(x_columns.view()));
    let (rows_state, columns_state) = (by_rows.state().unwrap(), by_columns.state().unwrap());
    assert_eq!(rows_state.n_iter(), columns_state.n_iter());
    let (loss_rows, loss_columns) = (rows_state.loss(), columns_state.loss());
    assert!((loss_rows - loss_columns).abs() <= 1e-12 * loss_rows, "loss {loss_rows} vs {loss_columns}");
    let proba = by_rows.predict_proba(x.view()).unwrap();
    let proba_columns = by_rows.predict_proba(x_columns.view()).unwrap();
    assert!(proba.iter().zip(&proba_columns).all(|(a, b)| (a - b).abs() <= 1e-12), "predictions differ");
}
