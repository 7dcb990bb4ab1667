//! Assigned weights, relabelled classes and multi-label `partial_fit` options: what the Python
//! binding needs beyond fitting (scikit-learn's assignable `coefs_`, labels kept in Python).

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, array};
use neurona::prelude::*;

fn views(matrices: &[Array2<f64>]) -> Vec<ArrayView2<'_, f64>> {
    matrices.iter().map(|a| a.view()).collect()
}

fn worked_example_params() -> MlpValidParams {
    MlpParams::new()
        .solver(Solver::Sgd)
        .learning_rate_init(0.1)
        .alpha(0.1)
        .activation(Activation::Logistic)
        .random_state(1)
        .max_iter(1)
        .hidden_layer_sizes([2])
        .momentum(0.0)
        .check()
        .unwrap()
}

#[test]
fn partial_fit_continues_from_assigned_weights() {
    // scikit-learn's test_fit: one SGD step from hand-set weights, worked out by hand.
    let coefs = [array![[0.1, 0.2], [0.3, 0.1], [0.5, 0.0]], array![[0.1], [0.2]]];
    let intercepts = [array![0.1, 0.1], array![1.0]];
    let coef_views: Vec<ArrayView2<'_, f64>> = coefs.iter().map(|c| c.view()).collect();
    let intercept_views: Vec<ArrayView1<'_, f64>> = intercepts.iter().map(|b| b.view()).collect();
    let mut clf =
        MlpClassifier::<f64, i64>::with_weights(worked_example_params(), &[0, 1], &coef_views, &intercept_views)
            .unwrap();
    let x = array![[0.6, 0.8, 0.7]];
    clf.partial_fit(x.view(), &[0], None).unwrap();
    let state = clf.state().unwrap();
    let expected = array![[0.098, 0.195756], [0.2956664, 0.096008], [0.4939998, -0.002244]];
    assert!(state.coefs()[0].iter().zip(expected.iter()).all(|(a, b)| (a - b).abs() < 1e-3));
    assert!((state.intercepts()[1][0] - 0.9235).abs() < 1e-3);
    assert!((clf.predict_proba(x.view()).unwrap()[[0, 1]] - 0.739).abs() < 1e-3);
}

#[test]
fn assigned_weights_must_fit_the_network() {
    let params = MlpParams::new().hidden_layer_sizes([2]).check().unwrap();
    let good = [Array2::<f64>::zeros((3, 2)), Array2::zeros((2, 1))];
    let biases = [Array1::<f64>::zeros(2), Array1::zeros(1)];
    let bias_views = biases.iter().map(|b| b.view()).collect::<Vec<_>>();
    // Three classes need three softmax outputs, not one.
    let err = MlpClassifier::<f64, i64>::with_weights(params.clone(), &[0, 1, 2], &views(&good), &bias_views);
    assert!(err.unwrap_err().to_string().contains("3 outputs"));
    let broken = [Array2::<f64>::zeros((3, 2)), Array2::zeros((4, 1))];
    let err = MlpRegressor::<f64>::with_weights(params.clone(), &views(&broken), &bias_views);
    assert!(err.unwrap_err().to_string().contains("do not follow a layer of 2 units"));

    let mut reg = MlpRegressor::<f64>::with_weights(params, &views(&good), &bias_views).unwrap();
    let nan = [Array2::<f64>::from_elem((3, 2), f64::NAN), Array2::zeros((2, 1))];
    assert!(reg.set_weights(&views(&nan), &bias_views).unwrap_err().to_string().contains("non-finite"));
    let ones = [Array2::<f64>::ones((3, 2)), Array2::ones((2, 1))];
    reg.set_weights(&views(&ones), &bias_views).unwrap();
    assert_eq!(reg.predict(array![[1.0, 1.0, 1.0]].view()).unwrap()[[0, 0]], 6.0);
}

const SPECIES: [&str; 3] = ["setosa", "versicolor", "virginica"];

/// Iris standardised, with its species as names.
fn iris_with_names() -> (Array2<f64>, Vec<String>) {
    let iris = neurona::datasets::iris();
    (iris.standardized_features(), iris.target.iter().map(|&t| SPECIES[t].to_owned()).collect())
}

fn species_index(name: &String) -> i64 {
    SPECIES.iter().position(|n| n == name).unwrap() as i64
}

fn species_name(&index: &i64) -> String {
    SPECIES[index as usize].to_owned()
}

#[test]
fn labels_map_both_ways_keeping_the_model() {
    let (x, y) = iris_with_names();
    let params = MlpParams::new().hidden_layer_sizes([5]).solver(Solver::Lbfgs).max_iter(20).random_state(0);
    let mut clf = MlpClassifier::<f64, String>::new(params.check().unwrap());
    clf.fit(x.view(), &y).unwrap();
    let proba = clf.predict_proba(x.view()).unwrap();

    let indexed = clf.clone().map_labels(species_index).unwrap();
    assert_eq!(indexed.classes().unwrap(), [0, 1, 2]);
    assert_eq!(indexed.predict_proba(x.view()).unwrap(), proba);
    let back = indexed.clone().map_labels(species_name).unwrap();
    assert_eq!(back, clf);
    // A mapping that reorders the classes would silently swap the outputs: refused.
    assert!(indexed.map_labels(|&i| -i).unwrap_err().to_string().contains("same sorted order"));
}

#[test]
fn perceptron_labels_map_both_ways_keeping_the_model() {
    let (x, y) = iris_with_names();
    let weights = ClassWeight::PerClass(vec![("virginica".to_owned(), 2.0)]);
    let params = PerceptronParams::new().class_weight(weights).max_iter(20).random_state(0);
    let mut clf = Perceptron::<f64, String>::new(params.check().unwrap());
    clf.fit(x.view(), &y).unwrap();
    let scores = clf.decision_function(x.view()).unwrap();

    let indexed = clf.clone().map_labels(species_index).unwrap();
    assert_eq!(indexed.classes().unwrap(), [0, 1, 2]);
    assert_eq!(indexed.params().get_class_weight(), ClassWeight::PerClass(vec![(2, 2.0)]));
    assert_eq!(indexed.decision_function(x.view()).unwrap(), scores);
    let back = indexed.clone().map_labels(species_name).unwrap();
    assert_eq!(back, clf);
    // A mapping that reorders the classes would silently swap the rows of coef_: refused.
    assert!(indexed.clone().map_labels(|&i| -i).unwrap_err().to_string().contains("same sorted order"));
    // Two weights for one class after the mapping: the parameters' own rule.
    let twice = ClassWeight::PerClass(vec![(0, 2.0), (1, 3.0)]);
    let unfitted = Perceptron::<f64, i64>::new(PerceptronParams::new().class_weight(twice).check().unwrap());
    assert!(unfitted.map_labels(|_| 0_i64).unwrap_err().to_string().contains("class_weight"));
}

#[test]
fn multilabel_partial_fit_takes_sample_weights() {
    let x = array![[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]];
    let y = array![[true, false], [false, true], [true, true], [false, false]];
    let params = MlpParams::new().hidden_layer_sizes([3]).solver(Solver::Sgd).random_state(0).check().unwrap();
    let mut plain = MlpClassifier::<f64, i64>::new(params.clone());
    let mut weighted = MlpClassifier::<f64, i64>::new(params);
    plain.partial_fit_multilabel(x.view(), y.view()).unwrap();
    let sw = array![1.0, 1.0, 1.0, 1.0];
    let options = FitOptions { sample_weight: Some(sw.view()), ..FitOptions::default() };
    weighted.partial_fit_multilabel_with(x.view(), y.view(), options).unwrap();
    assert_eq!(plain.state().unwrap().loss_curve(), weighted.state().unwrap().loss_curve());
    let heavy = array![5.0, 1.0, 1.0, 1.0];
    let options = FitOptions { sample_weight: Some(heavy.view()), ..FitOptions::default() };
    weighted.partial_fit_multilabel_with(x.view(), y.view(), options).unwrap();
    plain.partial_fit_multilabel(x.view(), y.view()).unwrap();
    assert_ne!(plain.state().unwrap().loss_curve(), weighted.state().unwrap().loss_curve());
}
