//! Bad parameters and bad data give an error that names the input, the rule and the value
//! found; nothing panics, and a failed call leaves the estimator as it was.

use ndarray::{Array1, Array2, array};
use neurona::prelude::*;

fn small_params() -> MlpParams {
    MlpParams::new().hidden_layer_sizes([4]).max_iter(5).random_state(0)
}

fn classifier() -> MlpClassifier<f64, i64> {
    MlpClassifier::new(small_params().check().unwrap())
}

fn regressor() -> MlpRegressor<f64> {
    MlpRegressor::new(small_params().check().unwrap())
}

fn xy() -> (Array2<f64>, Vec<i64>) {
    let x = Array2::from_shape_fn((12, 3), |(i, j)| ((i * 3 + j) % 7) as f64 / 7.0);
    let y = (0..12).map(|i| (i % 3) as i64).collect();
    (x, y)
}

fn message<T: std::fmt::Debug>(result: Result<T>) -> String {
    result.unwrap_err().to_string()
}

#[test]
fn non_finite_values_in_x_or_y() {
    let (mut x, y) = xy();
    x[[4, 2]] = f64::NAN;
    assert_eq!(message(classifier().fit(x.view(), &y)), "X contains NaN at row 4, column 2");
    x[[4, 2]] = f64::INFINITY;
    assert_eq!(message(classifier().fit(x.view(), &y)), "X contains infinity at row 4, column 2");
    let (x, _) = xy();
    let mut target = Array1::<f64>::zeros(12);
    target[7] = f64::NAN;
    assert_eq!(message(regressor().fit(x.view(), target.view())), "y contains NaN at row 7, column 0");
}

#[test]
fn empty_inputs() {
    let y: Vec<i64> = vec![];
    assert!(message(classifier().fit(Array2::<f64>::zeros((0, 3)).view(), &y)).contains("has 0 samples"));
    assert!(message(classifier().fit(Array2::<f64>::zeros((3, 0)).view(), &[0, 1, 0])).contains("has 0 features"));
    let empty_targets = Array2::<f64>::zeros((3, 0));
    assert!(
        message(regressor().fit(Array2::<f64>::zeros((3, 2)).view(), empty_targets.view()))
            .contains("0 target columns")
    );
}

#[test]
fn mismatched_lengths() {
    let (x, y) = xy();
    assert_eq!(
        message(classifier().fit(x.view(), &y[..11])),
        "found input variables with inconsistent numbers of samples: y has 11, but X has 12"
    );
    let weights = Array1::<f64>::ones(5);
    let options = FitOptions { sample_weight: Some(weights.view()), ..FitOptions::default() };
    assert!(message(classifier().fit_with(x.view(), &y, options)).contains("sample_weight has 5, but X has 12"));
}

#[test]
fn bad_sample_weights() {
    let (x, y) = xy();
    for (weights, expected) in [
        (Array1::<f64>::zeros(12), "at least one non-zero number"),
        (Array1::from_elem(12, f64::NAN), "contains NaN at index 0"),
    ] {
        let options = FitOptions { sample_weight: Some(weights.view()), ..FitOptions::default() };
        assert!(message(classifier().fit_with(x.view(), &y, options)).contains(expected));
    }
}

#[test]
fn a_single_class() {
    let (x, _) = xy();
    assert_eq!(
        message(classifier().fit(x.view(), &[1; 12])),
        "y has a single class (1); a classifier needs at least 2"
    );
}

#[test]
fn wrong_width_at_predict_and_not_fitted() {
    let (x, y) = xy();
    let clf = classifier();
    assert_eq!(
        message(clf.predict(x.view())),
        "This MLPClassifier instance is not fitted yet. Call 'fit' with appropriate arguments before using this estimator."
    );
    assert!(message(clf.predict_proba(x.view())).contains("not fitted"));
    assert!(message(clf.state()).contains("not fitted"));
    assert!(message(regressor().predict(x.view())).contains("This MLPRegressor instance is not fitted yet"));
    let mut clf = classifier();
    clf.fit(x.view(), &y).unwrap();
    let narrow = Array2::<f64>::zeros((2, 2));
    assert_eq!(
        message(clf.predict(narrow.view())),
        "X has 2 features, but MLPClassifier is expecting 3 features as input"
    );
    let nan = array![[f64::NAN, 0.0, 0.0]];
    assert!(message(clf.predict(nan.view())).contains("NaN"));
}

#[test]
fn partial_fit_rules() {
    let (x, y) = xy();
    let mut clf = classifier();
    assert_eq!(message(clf.partial_fit(x.view(), &y, None)), "classes must be passed on the first call to partial_fit");
    assert!(
        message(clf.partial_fit(x.view(), &y, Some(&[0, 1])))
            .contains("has classes not in the fitted classes [0, 1]: found 2")
    );
    assert!(!clf.is_fitted(), "a failed first call leaves the classifier unfitted");
    clf.partial_fit(x.view(), &y, Some(&[0, 1, 2, 3])).unwrap();
    assert!(message(clf.partial_fit(x.view(), &y, Some(&[0, 1, 2]))).contains("must be the same as on the last call"));
    clf.partial_fit(x.view(), &[3; 12], None).expect("a batch may hold any subset of the classes");

    let mut lbfgs = MlpClassifier::<f64, i64>::new(small_params().solver(Solver::Lbfgs).check().unwrap());
    assert_eq!(
        message(lbfgs.partial_fit(x.view(), &y, Some(&[0, 1, 2]))),
        "solver must be 'sgd' or 'adam' for partial_fit, got 'lbfgs'"
    );

    let mut early = MlpClassifier::<f64, i64>::new(small_params().early_stopping(true).check().unwrap());
    assert!(message(early.partial_fit(x.view(), &y, Some(&[0, 1, 2]))).starts_with("early_stopping must be false"));
    assert!(!early.is_fitted());
}

#[test]
fn warm_start_needs_the_same_classes_and_shapes() {
    let (x, y) = xy();
    let mut clf = MlpClassifier::<f64, i64>::new(small_params().warm_start(true).check().unwrap());
    clf.fit(x.view(), &y).unwrap();
    let before = clf.clone();
    let two_classes: Vec<i64> = y.iter().map(|v| v % 2).collect();
    assert!(message(clf.fit(x.view(), &two_classes)).contains("previously got [0, 1, 2], y has [0, 1]"));
    let wider = Array2::<f64>::zeros((12, 4));
    assert_eq!(
        message(clf.fit(wider.view(), &y)),
        "X has 4 features, but MLPClassifier is expecting 3 features as input"
    );
    clf.set_params(small_params().warm_start(true).hidden_layer_sizes([6]).check().unwrap());
    assert!(message(clf.fit(x.view(), &y)).starts_with("hidden_layer_sizes must be unchanged"));
    clf.set_params(before.params().clone());
    assert_eq!(clf, before, "failed calls changed nothing");
}

#[test]
fn early_stopping_needs_a_big_enough_validation_set() {
    let x = array![[0.0, 1.0], [1.0, 0.0]];
    let mut reg = MlpRegressor::<f64>::new(small_params().early_stopping(true).check().unwrap());
    let y = array![1.0, 2.0];
    assert!(message(reg.fit(x.view(), y.view())).contains("validation set of 1 sample(s), too small"));
    // Stratified binary split with a class of a single sample, as scikit-learn's
    // test_early_stopping_stratified.
    let x = Array2::<f64>::zeros((4, 2));
    let mut clf = MlpClassifier::<f64, i64>::new(small_params().early_stopping(true).check().unwrap());
    let err = message(clf.fit(x.view(), &[0, 0, 0, 1]));
    assert!(err.contains("Classes with too few members are: ['True']"), "{err}");
}

#[test]
fn poisson_targets_must_be_non_negative() {
    let (x, _) = xy();
    let mut reg = MlpRegressor::<f64>::new(small_params().loss(RegressionLoss::Poisson).check().unwrap());
    let y = Array1::from_shape_fn(12, |i| i as f64 - 1.0);
    assert_eq!(message(reg.fit(x.view(), y.view())), "y must be >= 0 for loss='poisson', found -1 at row 0");
}

#[test]
fn diverging_training_is_a_clear_error() {
    // scikit-learn's test_nonfinite_params: values near the largest float overflow the weights.
    let x = Array2::from_elem((100, 2), 1e308);
    let y = Array1::from_shape_fn(100, |i| if i % 2 == 0 { 1e308 } else { -1e308 });
    let mut reg = MlpRegressor::<f64>::new(MlpParams::new().random_state(0).check().unwrap());
    assert_eq!(
        message(reg.fit(x.view(), y.view())),
        "Solver produced non-finite parameter weights. The input data may contain large values and need to be preprocessed."
    );
    assert!(!reg.is_fitted());
}

#[test]
fn multilabel_and_single_label_methods_do_not_mix() {
    let (x, y) = xy();
    let mut clf = classifier();
    clf.fit(x.view(), &y).unwrap();
    assert!(message(clf.predict_multilabel(x.view())).contains("use predict"));
    let indicator = Array2::from_shape_fn((12, 2), |(i, j)| (i + j) % 2 == 0);
    let mut ml = classifier();
    ml.fit_multilabel(x.view(), indicator.view()).unwrap();
    assert!(message(ml.predict(x.view())).contains("use predict_multilabel"));
    assert_eq!(ml.predict_multilabel(x.view()).unwrap().dim(), (12, 2));
}

#[test]
fn estimators_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<MlpClassifier<f32, String>>();
    assert_send_sync::<MlpRegressor<f64>>();
    assert_send_sync::<NeuronaError>();
}

/// A network or an RBM too large to allocate is an error before anything is built, never an
/// aborted process (scikit-learn: numpy's MemoryError); the estimator stays as it was.
#[test]
fn sizes_too_large_to_allocate_are_errors() {
    let (x, y) = xy();
    for hidden in [vec![1_000_000_000_000], vec![10_000_000_000, 10_000_000_000], vec![usize::MAX, usize::MAX]] {
        let params = small_params().hidden_layer_sizes(hidden.clone());
        for solver in [Solver::Adam, Solver::Lbfgs] {
            let mut clf = MlpClassifier::<f64, i64>::new(params.clone().solver(solver).check().unwrap());
            let err = clf.fit(x.view(), &y).unwrap_err();
            assert!(matches!(err, NeuronaError::OutOfMemory { .. }), "{hidden:?}: {err}");
            let text = err.to_string();
            assert!(
                text.starts_with("a network with layers [3, ") && text.contains("more than can be reserved"),
                "{text}"
            );
            assert!(clf.state().is_err(), "a failed fit leaves the estimator unfitted");
        }
    }
    let rbm_params = [RbmParams::new().n_components(1 << 60), RbmParams::new().batch_size(1 << 60)];
    for params in rbm_params {
        let mut rbm = BernoulliRbm::<f64>::new(params.check().unwrap());
        let err = rbm.fit(x.view()).unwrap_err();
        assert!(err.to_string().starts_with("a BernoulliRBM of "), "{err}");
        assert!(matches!(rbm.partial_fit(x.view()).unwrap_err(), NeuronaError::OutOfMemory { .. }));
    }
}
