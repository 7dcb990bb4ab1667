//! The perceptron against scikit-learn 1.9.1: `tests/fixtures/perceptron.json`, written by
//! `scripts/fixtures/sklearn_perceptron_rbm.py`, and the same on sparse (CSR) rows,
//! `tests/fixtures/perceptron_sparse.json` from `scripts/fixtures/sklearn_perceptron_sparse.py`
//! (run `scripts/generate-fixtures` to regenerate), then scikit-learn's own perceptron tests
//! (`linear_model/tests/test_perceptron.py`) on the public API, and the errors.
//!
//! What "reproduce" means here: the same `classes_`, `n_iter_`, `t_`, convergence and
//! predictions, and `coef_` and `intercept_` equal to the last bit (the check allows 1e-12
//! relative; the training arithmetic is sequential in both, in the same order).

use ndarray::{Array1, Array2, ArrayView2, array, s};
use neurona::data::sparse::{CsrMatrix, Samples};
use neurona::prelude::*;
use serde_json::Value;

#[path = "common/fixtures.rs"]
mod fixtures;

use fixtures::{floats, usizes};

fn cases() -> Vec<Value> {
    fixtures::cases("perceptron.json")
}

/// The fixture's data recipe (see the script's docstring): X as float64, labels, sample weights.
fn data(case: &Value) -> (Array2<f64>, Vec<usize>, Option<Array1<f64>>) {
    let d = &case["data"];
    let dataset = match d["source"].as_str().unwrap() {
        "iris" => neurona::datasets::iris(),
        "digits" => neurona::datasets::digits(),
        other => panic!("unknown source {other}"),
    };
    let mut x = dataset.data;
    fixtures::scale_features(&mut x, d);
    let y = match d["binary_of"].as_u64() {
        Some(positive) => dataset.target.iter().map(|&t| usize::from(t as u64 == positive)).collect(),
        None => dataset.target,
    };
    (x, y, fixtures::sample_weight(d))
}

/// scikit-learn's keyword arguments as `PerceptronParams`.
fn params(case: &Value) -> PerceptronParams<usize> {
    let mut p = PerceptronParams::new();
    for (key, value) in case["params"].as_object().unwrap() {
        p = match key.as_str() {
            "random_state" => p.random_state(value.as_u64().unwrap() as u32),
            "penalty" => p.penalty(value.as_str().unwrap().parse().unwrap()),
            "alpha" => p.alpha(value.as_f64().unwrap()),
            "l1_ratio" => p.l1_ratio(value.as_f64().unwrap()),
            "eta0" => p.eta0(value.as_f64().unwrap()),
            "tol" => p.tol(value.as_f64()),
            "max_iter" => p.max_iter(value.as_u64().unwrap() as usize),
            "n_iter_no_change" => p.n_iter_no_change(value.as_u64().unwrap() as usize),
            "validation_fraction" => p.validation_fraction(value.as_f64().unwrap()),
            "early_stopping" => p.early_stopping(value.as_bool().unwrap()),
            "shuffle" => p.shuffle(value.as_bool().unwrap()),
            "fit_intercept" => p.fit_intercept(value.as_bool().unwrap()),
            "warm_start" => p.warm_start(value.as_bool().unwrap()),
            "class_weight" => match value {
                Value::String(s) if s == "balanced" => p.class_weight(ClassWeight::Balanced),
                Value::Object(map) => p.class_weight(ClassWeight::PerClass(
                    map.iter().map(|(k, w)| (k.parse().unwrap(), w.as_f64().unwrap())).collect(),
                )),
                other => panic!("class_weight {other}"),
            },
            other => panic!("parameter {other} not mapped"),
        };
    }
    p
}

/// A case's X: the dense recipe, or the CSR rows of the sparse fixtures.
enum CaseX<F> {
    Dense(Array2<F>),
    Sparse(Csr<F>),
}

impl<F: Float> CaseX<F> {
    /// Rows `start..stop`, as the estimator reads them.
    fn with_rows<T>(&self, start: usize, stop: usize, f: impl FnOnce(Samples<'_, F>) -> T) -> T {
        match self {
            Self::Dense(x) => f(x.slice(s![start..stop, ..]).into()),
            Self::Sparse(x) => f(x.rows(start, stop).view().into()),
        }
    }

    fn nrows(&self) -> usize {
        match self {
            Self::Dense(x) => x.nrows(),
            Self::Sparse(x) => x.shape.0,
        }
    }
}

/// Runs the case's calls on `F` data (dense, or with `sparse` as the CSR matrix of the same
/// rows) and returns the fitted perceptron with its X and y.
fn run<F: Float>(case: &Value, sparse: bool) -> (Perceptron<F, usize>, CaseX<F>, Vec<usize>) {
    let (x, y, sw) = if sparse { sparse_data(case) } else { (CaseX::Dense(data(case).0), data(case).1, data(case).2) };
    let x = match x {
        CaseX::Dense(x) => CaseX::Dense(x.mapv(F::from_f64)),
        CaseX::Sparse(x) => CaseX::Sparse(x.cast()),
    };
    let sw = sw.map(|w| w.mapv(F::from_f64));
    let mut clf = Perceptron::<F, usize>::new(params(case).check().unwrap());
    for call in case["calls"].as_array().unwrap() {
        let (start, stop) = match call["method"].as_str().unwrap() {
            "fit" => (0, x.nrows()),
            _ => (call["start"].as_u64().unwrap() as usize, call["stop"].as_u64().unwrap() as usize),
        };
        let options =
            PerceptronFitOptions { sample_weight: sw.as_ref().map(|w| w.slice(s![start..stop])), ..Default::default() };
        let classes = call["classes"].as_array().map(|_| usizes(&call["classes"]));
        let y = &y[start..stop];
        x.with_rows(start, stop, |rows| match call["method"].as_str().unwrap() {
            "fit" => clf.fit_with(rows, y, options).map(drop),
            "partial_fit" => clf.partial_fit_with(rows, y, classes.as_deref(), options).map(drop),
            other => panic!("method {other}"),
        })
        .unwrap();
    }
    (clf, x, y)
}

/// The largest difference relative to the expected value (exact zeros must stay exact).
fn max_relative_difference(ours: impl IntoIterator<Item = f64>, theirs: &[f64]) -> f64 {
    ours.into_iter()
        .zip(theirs)
        .map(|(a, &b)| if a == b { 0.0 } else { (a - b).abs() / b.abs().max(f64::MIN_POSITIVE) })
        .fold(0.0, f64::max)
}

fn check_case<F: Float>(case: &Value, sparse: bool) -> f64 {
    let name = case["name"].as_str().unwrap();
    let r = &case["result"];
    let (clf, x, y) = run::<F>(case, sparse);
    let state = clf.state().unwrap();
    assert_eq!(state.classes(), usizes(&r["classes"]).as_slice(), "{name}: classes_");
    assert_eq!(state.n_iter(), r["n_iter"].as_u64().unwrap() as usize, "{name}: n_iter_");
    assert_eq!(state.t(), r["t"].as_f64().unwrap(), "{name}: t_");
    let expected_coef: Vec<f64> = r["coef"].as_array().unwrap().iter().flat_map(floats).collect();
    assert_eq!(state.coef().len(), expected_coef.len(), "{name}: coef_ size");
    let coef_diff = max_relative_difference(state.coef().iter().map(|v| v.as_f64()), &expected_coef);
    let intercept_diff = max_relative_difference(state.intercept_f64().iter().copied(), &floats(&r["intercept"]));
    assert!(coef_diff <= 1e-12, "{name}: coef_ differs by {coef_diff:e} relative");
    assert!(intercept_diff <= 1e-12, "{name}: intercept_ differs by {intercept_diff:e} relative");
    let converged = state.report().warnings.is_empty();
    assert_eq!(converged, r["converged"].as_bool().unwrap(), "{name}: ConvergenceWarning");
    let n = x.nrows();
    assert_eq!(x.with_rows(0, n, |x| clf.predict(x)).unwrap(), usizes(&r["predict"]), "{name}: predict");
    assert_eq!(x.with_rows(0, n, |x| clf.score(x, &y)).unwrap(), r["score"].as_f64().unwrap(), "{name}: score");
    let decision = x.with_rows(0, 5, |x| clf.decision_function(x)).unwrap();
    for (row, expected) in decision.rows().into_iter().zip(r["decision_head"].as_array().unwrap()) {
        for (&ours, theirs) in row.iter().zip(floats(expected)) {
            let tolerance = if F::DTYPE == "float32" { 1e-5 } else { 1e-12 };
            assert!((ours.as_f64() - theirs).abs() <= tolerance * theirs.abs().max(1.0), "{name}: decision_function");
        }
    }
    coef_diff.max(intercept_diff)
}

/// Checks every case of a fixture file; returns how many were bit for bit.
fn check_cases(cases: &[Value], sparse: bool) -> usize {
    let mut worst = 0.0f64;
    let mut exact = 0;
    for case in cases {
        let diff =
            if case["dtype"] == "float32" { check_case::<f32>(case, sparse) } else { check_case::<f64>(case, sparse) };
        worst = worst.max(diff);
        exact += usize::from(diff == 0.0);
    }
    println!("{} cases, {exact} bit for bit, largest relative difference {worst:e}", cases.len());
    exact
}

#[test]
fn fits_reproduce_scikit_learn() {
    let cases = cases();
    assert!(cases.len() >= 50);
    check_cases(&cases, false);
}

#[test]
fn iris_reference_numbers_of_the_spec() {
    // Perceptron() on raw iris: n_iter_ = 17, t_ = 2551.0 (spec section 3.2).
    let iris = neurona::datasets::iris();
    let mut clf = Perceptron::<f64, usize>::new(PerceptronParams::new().check().unwrap());
    clf.fit(iris.data.view(), &iris.target).unwrap();
    assert_eq!((clf.state().unwrap().n_iter(), clf.state().unwrap().t()), (17, 2551.0));
    // Perceptron(tol=1e-3, random_state=0) on raw digits: train accuracy 0.9393.
    let digits = neurona::datasets::digits();
    let mut clf = Perceptron::<f64, usize>::new(PerceptronParams::new().tol(1e-3).random_state(0).check().unwrap());
    clf.fit(digits.data.view(), &digits.target).unwrap();
    let accuracy = clf.score(digits.data.view(), &digits.target).unwrap();
    assert!((accuracy - 0.9393).abs() < 5e-5, "{accuracy}");
}

/// A textbook perceptron: `w += y x` and `b += y` on a mistake or a tie, samples in order.
fn naive_perceptron(x: ArrayView2<'_, f64>, y: &[f64], epochs: usize) -> (Array1<f64>, f64) {
    let mut w = Array1::zeros(x.ncols());
    let mut b = 0.0;
    for _ in 0..epochs {
        for (row, &target) in x.rows().into_iter().zip(y) {
            if target * (row.dot(&w) + b) <= 0.0 {
                w.scaled_add(target, &row);
                b += target;
            }
        }
    }
    (w, b)
}

/// test_perceptron.py's `test_perceptron_correctness`: two epochs without shuffling equal the
/// textbook rule.
#[test]
fn equals_the_textbook_rule_without_shuffling() {
    let iris = neurona::datasets::iris();
    let x = iris.standardized_features();
    let y: Vec<i64> = iris.target.iter().map(|&t| if t == 2 { 1 } else { -1 }).collect();
    let y_float: Vec<f64> = y.iter().map(|&v| v as f64).collect();
    let (w, b) = naive_perceptron(x.view(), &y_float, 2);
    let params = PerceptronParams::new().max_iter(2).shuffle(false).tol(None).check().unwrap();
    let mut clf = Perceptron::<f64, i64>::new(params);
    clf.fit(x.view(), &y).unwrap();
    let state = clf.state().unwrap();
    for (ours, textbook) in state.coef().row(0).iter().zip(w.iter()) {
        assert!((ours - textbook).abs() < 1e-12);
    }
    assert!((state.intercept()[0] - b).abs() < 1e-12);
}

/// test_perceptron.py's `test_perceptron_accuracy`: > 0.7 on shuffled iris.
#[test]
fn accuracy_on_shuffled_iris() {
    let iris = neurona::datasets::iris();
    let perm = RandomState::new(12).permutation(150);
    let x = iris.data.select(ndarray::Axis(0), &perm);
    let y: Vec<usize> = perm.iter().map(|&i| iris.target[i]).collect();
    let params = PerceptronParams::new().max_iter(100).tol(None).shuffle(false).check().unwrap();
    let mut clf = Perceptron::<f64, usize>::new(params);
    clf.fit(x.view(), &y).unwrap();
    assert!(clf.score(x.view(), &y).unwrap() > 0.7);
}

/// test_perceptron.py's `test_perceptron_l1_ratio`: more L1 gives sparser weights, and the
/// elastic net's limits are L2 (`l1_ratio = 0`) and L1 (`l1_ratio = 1`).
#[test]
fn l1_ratio_moves_between_the_pure_penalties() {
    let iris = neurona::datasets::iris();
    let x = iris.standardized_features();
    let fit = |penalty: Penalty, l1_ratio: f64| {
        let params = PerceptronParams::new().penalty(penalty).alpha(0.01).l1_ratio(l1_ratio).check().unwrap();
        let mut clf = Perceptron::<f64, usize>::new(params);
        clf.fit(x.view(), &iris.target).unwrap();
        clf.state().unwrap().coef().to_owned()
    };
    let zeros = |c: &Array2<f64>| c.iter().filter(|&&v| v == 0.0).count();
    let sparse = fit(Penalty::ElasticNet, 0.9);
    let dense = fit(Penalty::ElasticNet, 0.1);
    assert!(zeros(&sparse) > zeros(&dense), "{} vs {}", zeros(&sparse), zeros(&dense));
    assert_eq!(fit(Penalty::ElasticNet, 0.0), fit(Penalty::L2, 0.15));
    assert_eq!(fit(Penalty::ElasticNet, 1.0), fit(Penalty::L1, 0.15));
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_differs() {
    let digits = neurona::datasets::digits();
    let x = digits.data.mapv(|v| v / 16.0);
    let fit = |seed: u32| {
        let mut clf = Perceptron::<f64, usize>::new(PerceptronParams::new().random_state(seed).check().unwrap());
        clf.fit(x.view(), &digits.target).unwrap();
        clf
    };
    assert_eq!(fit(3), fit(3));
    assert_ne!(fit(3).state().unwrap().coef(), fit(4).state().unwrap().coef());
}

#[test]
fn a_caller_stream_advances_and_replaces_the_seed() {
    let iris = neurona::datasets::iris();
    let x = iris.standardized_features();
    let mut stream = RandomState::new(0);
    let before = stream.clone();
    let mut clf = Perceptron::<f64, usize>::new(PerceptronParams::new().random_state(5).check().unwrap());
    let options = PerceptronFitOptions { random_state: Some(&mut stream), ..Default::default() };
    clf.fit_with(x.view(), &iris.target, options).unwrap();
    assert_ne!(stream, before, "the per-class seeds were drawn from the caller's stream");
    // With a stream seeded like random_state, the draws of three classes are the same as the
    // int's: the seeds come first from a fresh generator either way.
    let mut seeded = Perceptron::<f64, usize>::new(PerceptronParams::new().random_state(0).check().unwrap());
    seeded.fit(x.view(), &iris.target).unwrap();
    assert_eq!(seeded.state().unwrap().coef(), clf.state().unwrap().coef());
}

#[test]
fn string_labels_and_a_failed_call_keeps_the_model() {
    let x = array![[0.0, 1.0], [1.0, 0.0], [0.9, 0.1], [0.1, 0.9]];
    let y = ["cat", "dog", "dog", "cat"];
    let mut clf = Perceptron::<f64, &str>::new(PerceptronParams::new().check().unwrap());
    clf.fit(x.view(), &y).unwrap();
    assert_eq!(clf.classes().unwrap(), ["cat", "dog"]);
    assert_eq!(clf.predict(x.view()).unwrap(), y);
    let before = clf.clone();
    assert!(clf.fit(array![[f64::NAN, 0.0]].view(), &["cat"]).is_err());
    assert_eq!(clf, before);
}

#[test]
fn partial_fit_epochs_equal_fit_epochs() {
    // Without shuffling, k calls of partial_fit on all the data run the same k epochs as one fit
    // with max_iter = k (the shuffle seed restarts per call, so shuffling would differ, and with
    // an L2 penalty each call multiplies its weight scale out, which rounds differently).
    let iris = neurona::datasets::iris();
    let x = iris.standardized_features();
    let params = PerceptronParams::new().shuffle(false).max_iter(3).tol(None);
    let mut fitted = Perceptron::<f64, usize>::new(params.clone().check().unwrap());
    fitted.fit(x.view(), &iris.target).unwrap();
    let mut incremental = Perceptron::<f64, usize>::new(params.check().unwrap());
    for _ in 0..3 {
        incremental.partial_fit(x.view(), &iris.target, Some(&[0, 1, 2])).unwrap();
    }
    let (a, b) = (fitted.state().unwrap(), incremental.state().unwrap());
    assert_eq!(a.coef(), b.coef());
    assert_eq!(a.intercept(), b.intercept());
    assert_eq!((a.t(), b.t()), (451.0, 451.0));
    assert_eq!(b.n_iter(), 1);
}

fn message<T: std::fmt::Debug>(result: Result<T>) -> String {
    result.unwrap_err().to_string()
}

#[test]
fn bad_input_gives_clear_errors() {
    let x = array![[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]];
    let y = [0i64, 1, 1];
    let new = || Perceptron::<f64, i64>::new(PerceptronParams::new().check().unwrap());
    let mut clf = new();
    assert_eq!(
        message(clf.predict(x.view())),
        "This Perceptron instance is not fitted yet. Call 'fit' with appropriate arguments before using this estimator."
    );
    let mut nan = x.clone();
    nan[[2, 1]] = f64::NAN;
    assert_eq!(message(clf.fit(nan.view(), &y)), "X contains NaN at row 2, column 1");
    nan[[2, 1]] = f64::INFINITY;
    assert_eq!(message(clf.fit(nan.view(), &y)), "X contains infinity at row 2, column 1");
    assert!(message(clf.fit(Array2::<f64>::zeros((0, 2)).view(), &[])).contains("0 samples"));
    assert!(message(clf.fit(Array2::<f64>::zeros((3, 0)).view(), &y)).contains("0 features"));
    assert_eq!(
        message(clf.fit(x.view(), &y[..2])),
        "found input variables with inconsistent numbers of samples: y has 2, but X has 3"
    );
    assert_eq!(
        message(clf.fit(x.view(), &[1, 1, 1])),
        "y has 1 class ([1]); the number of classes has to be greater than one"
    );
    let zero_weights = Array1::zeros(3);
    let options = PerceptronFitOptions { sample_weight: Some(zero_weights.view()), ..Default::default() };
    assert!(message(clf.fit_with(x.view(), &y, options)).contains("non-zero"));
    let coef = Array2::zeros((2, 2));
    let options = PerceptronFitOptions { coef_init: Some(coef.view()), ..Default::default() };
    assert_eq!(
        message(clf.fit_with(x.view(), &y, options)),
        "coef_init has shape (2, 2), but the data need (1, 2) (one row for two classes, one per class otherwise, \
         by the number of features)"
    );

    clf.fit(x.view(), &y).unwrap();
    assert_eq!(
        message(clf.predict(Array2::zeros((2, 3)).view())),
        "X has 3 features, but Perceptron is expecting 2 features as input"
    );
    assert_eq!(message(clf.predict(array![[f64::NAN, 0.0]].view())), "X contains NaN at row 0, column 0");
    assert!(message(clf.predict(Array2::zeros((0, 2)).view())).contains("0 samples"));

    // partial_fit.
    let mut clf = new();
    assert_eq!(message(clf.partial_fit(x.view(), &y, None)), "classes must be passed on the first call to partial_fit");
    clf.partial_fit(x.view(), &y, Some(&[0, 1])).unwrap();
    assert_eq!(
        message(clf.partial_fit(x.view(), &y, Some(&[0, 1, 2]))),
        "classes must be the same as on the last call to partial_fit: was [0, 1], got [0, 1, 2]"
    );
    assert_eq!(
        message(clf.partial_fit(x.view(), &[0, 1, 5], None)),
        "y has a label that is not among the classes [0, 1]: found 5"
    );
    assert_eq!(
        message(clf.partial_fit(Array2::zeros((3, 4)).view(), &y, None)),
        "X has 4 features, but Perceptron is expecting 2 features as input"
    );
    let balanced = PerceptronParams::new().class_weight(ClassWeight::Balanced).check().unwrap();
    assert!(
        message(Perceptron::<f64, i64>::new(balanced).partial_fit(x.view(), &y, Some(&[0, 1])))
            .starts_with("class_weight must be not 'balanced' with partial_fit")
    );
    let early = PerceptronParams::new().early_stopping(true).check().unwrap();
    assert_eq!(
        message(Perceptron::<f64, i64>::new(early).partial_fit(x.view(), &y, Some(&[0, 1]))),
        "early_stopping must be false with partial_fit, got true"
    );
}

#[test]
fn bad_class_weights_and_splits() {
    let x = array![[0.0, 1.0], [1.0, 0.0], [0.5, 0.5], [0.2, 0.1]];
    let y = [0i64, 1, 1, 2];
    let unknown = PerceptronParams::new().class_weight(ClassWeight::PerClass(vec![(7, 2.0)])).check().unwrap();
    assert_eq!(
        message(Perceptron::<f64, i64>::new(unknown).fit(x.view(), &y)),
        "class_weight must be a weight for classes among [0, 1, 2] only, got weights for [7]"
    );
    // Early stopping needs two samples of every class.
    let early = PerceptronParams::new().early_stopping(true).validation_fraction(0.5).check().unwrap();
    let err = message(Perceptron::<f64, i64>::new(early).fit(x.view(), &y));
    assert!(err.contains("Classes with too few members are: [0, 2]"), "{err}");
}

#[test]
fn overflow_is_an_error_not_a_panic() {
    let x = array![[1e308, -1e308], [-1e308, 1e308], [1e308, 1e308]];
    let y = [0i64, 1, 0];
    let params = PerceptronParams::new().eta0(1e10).check().unwrap();
    let mut clf = Perceptron::<f64, i64>::new(params);
    assert_eq!(message(clf.fit(x.view(), &y)), NeuronaError::NonFiniteWeights.to_string());
    assert!(!clf.is_fitted());
}

#[test]
fn perceptron_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<Perceptron<f32, String>>();
    check::<PerceptronParams<String>>();
}

// ------------------------------------------------------------------------ sparse rows

/// An owned CSR matrix, for the tests to lend as a [`CsrMatrix`].
struct Csr<F> {
    shape: (usize, usize),
    indptr: Vec<usize>,
    indices: Vec<u32>,
    data: Vec<F>,
}

impl<F: Float> Csr<F> {
    /// scipy's `csr_matrix(x)`: the non-zero values, columns in increasing order.
    fn from_dense(x: &Array2<F>) -> Self {
        let (mut indptr, mut indices, mut data) = (vec![0], Vec::new(), Vec::new());
        for row in x.rows() {
            for (j, &v) in row.iter().enumerate().filter(|(_, v)| **v != F::zero()) {
                indices.push(j as u32);
                data.push(v);
            }
            indptr.push(data.len());
        }
        Self { shape: x.dim(), indptr, indices, data }
    }

    /// Every value stored, zeros included: visits every column as a dense row does.
    fn every_entry(x: &Array2<F>) -> Self {
        let (n, m) = x.dim();
        let indptr = (0..=n).map(|i| i * m).collect();
        let indices = (0..n).flat_map(|_| 0..m as u32).collect();
        Self { shape: (n, m), indptr, indices, data: x.iter().copied().collect() }
    }

    fn view(&self) -> CsrMatrix<'_, F> {
        CsrMatrix::new(self.shape, &self.indptr, &self.indices, &self.data).unwrap()
    }

    /// Rows `start..stop` (scipy's `x[start:stop]`).
    fn rows(&self, start: usize, stop: usize) -> Csr<F> {
        let range = self.indptr[start]..self.indptr[stop];
        Csr {
            shape: (stop - start, self.shape.1),
            indptr: self.indptr[start..=stop].iter().map(|&p| p - range.start).collect(),
            indices: self.indices[range.clone()].to_vec(),
            data: self.data[range].to_vec(),
        }
    }

    fn cast<G: Float>(&self) -> Csr<G> {
        let data = self.data.iter().map(|v| G::from_f64(v.as_f64())).collect();
        Csr { shape: self.shape, indptr: self.indptr.clone(), indices: self.indices.clone(), data }
    }
}

/// The sparse fixtures' data (see the script's docstring): the dense recipe's non-zeros, or
/// CSR arrays given inline (columns unsorted, explicit zeros).
fn sparse_data(case: &Value) -> (CaseX<f64>, Vec<usize>, Option<Array1<f64>>) {
    let d = &case["data"];
    if d["source"] != "inline" {
        let (x, y, sw) = data(case);
        return (CaseX::Sparse(Csr::from_dense(&x)), y, sw);
    }
    let shape = usizes(&d["shape"]);
    let indices = usizes(&d["indices"]).into_iter().map(|j| j as u32).collect();
    let csr = Csr { shape: (shape[0], shape[1]), indptr: usizes(&d["indptr"]), indices, data: floats(&d["data"]) };
    (CaseX::Sparse(csr), usizes(&d["y"]), None)
}

#[test]
fn sparse_fits_reproduce_scikit_learn() {
    let cases = fixtures::cases("perceptron_sparse.json");
    assert!(cases.len() >= 25);
    let exact = check_cases(&cases, true);
    assert_eq!(exact, cases.len(), "every sparse fit is bit for bit");
}

/// Where scikit-learn's sparse and dense maths coincide, the two paths give the same model: a
/// CSR matrix storing every entry visits each row as a dense row does, so without an intercept
/// (the one step the sparse path scales by 0.01) every penalty gives the same bits; with only
/// the non-zeros stored and no penalty (whose norms and truncation would then be partial), the
/// skipped products are zeros.
#[test]
fn sparse_rows_equal_dense_rows_where_the_maths_agree() {
    let digits = neurona::datasets::digits();
    let x = digits.data.mapv(|v| v / 16.0);
    let fit = |samples: Samples<'_, f64>, penalty: Penalty| {
        let params = PerceptronParams::new().penalty(penalty).alpha(1e-3).fit_intercept(false).random_state(4);
        let mut clf = Perceptron::<f64, usize>::new(params.check().unwrap());
        clf.fit(samples, &digits.target).unwrap();
        let state = clf.state().unwrap();
        (state.coef().to_owned(), state.n_iter(), state.intercept_f64().to_vec())
    };
    let (every, nonzero) = (Csr::every_entry(&x), Csr::from_dense(&x));
    for penalty in [Penalty::None, Penalty::L2, Penalty::L1, Penalty::ElasticNet] {
        assert_eq!(fit(every.view().into(), penalty), fit(x.view().into(), penalty), "{penalty}");
    }
    assert_eq!(fit(nonzero.view().into(), Penalty::None), fit(x.view().into(), Penalty::None));
    // With the intercept, the sparse path's own: another model.
    let with_intercept = |samples: Samples<'_, f64>| {
        let mut clf = Perceptron::<f64, usize>::new(PerceptronParams::new().random_state(4).check().unwrap());
        clf.fit(samples, &digits.target).unwrap();
        clf.state().unwrap().intercept_f64().to_vec()
    };
    assert_ne!(with_intercept(every.view().into()), with_intercept(x.view().into()));
}

#[test]
fn sparse_predictions_equal_dense_predictions() {
    let digits = neurona::datasets::digits();
    let x = digits.data.mapv(|v| v / 16.0);
    let csr = Csr::from_dense(&x);
    let mut clf = Perceptron::<f64, usize>::new(PerceptronParams::new().random_state(0).check().unwrap());
    clf.fit(csr.view(), &digits.target).unwrap();
    assert_eq!(clf.predict(csr.view()).unwrap(), clf.predict(x.view()).unwrap());
    let (sparse, dense) = (clf.decision_function(csr.view()).unwrap(), clf.decision_function(x.view()).unwrap());
    for (a, b) in sparse.iter().zip(&dense) {
        assert!((a - b).abs() <= 1e-12 * b.abs().max(1.0), "{a} vs {b}");
    }
    assert_eq!(clf.score(csr.view(), &digits.target).unwrap(), clf.score(x.view(), &digits.target).unwrap());
    // A dense fit predicts sparse rows, and the other way round.
    let mut dense_fit = Perceptron::<f64, usize>::new(PerceptronParams::new().random_state(0).check().unwrap());
    dense_fit.fit(x.view(), &digits.target).unwrap();
    assert_eq!(dense_fit.predict(csr.view()).unwrap(), dense_fit.predict(x.view()).unwrap());
}

#[test]
fn bad_sparse_input_gives_clear_errors() {
    let (indptr, indices) = ([0, 1, 2], [0u32, 1]);
    let data = [1.0, f64::INFINITY];
    let x = CsrMatrix::new((2, 2), &indptr, &indices, &data).unwrap();
    let mut clf = Perceptron::<f64, usize>::new(PerceptronParams::new().check().unwrap());
    assert_eq!(message(clf.fit(x, &[0, 1])), "X contains infinity at row 1, column 1");
    let data = [1.0, 2.0];
    let x = CsrMatrix::new((2, 2), &indptr, &indices, &data).unwrap();
    clf.fit(x, &[0, 1]).unwrap();
    let wide = CsrMatrix::new((2, 3), &indptr, &indices, &data).unwrap();
    assert!(message(clf.predict(wide)).contains("3 features"), "{}", message(clf.predict(wide)));
    assert!(message(clf.partial_fit(wide, &[0, 1], None)).contains("3 features"));
    assert!(message(clf.score(x, &[0])).ends_with("y has 1, but X has 2"));
}
