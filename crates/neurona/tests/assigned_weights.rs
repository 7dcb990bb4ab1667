//! Fitted weights replaced by the caller's (`Perceptron::set_weights`,
//! `BernoulliRbm::set_weights`; the Python layer's `coef_` or `components_` edited in place):
//! what the model computes afterwards uses them, the rest of the state is kept, and a shape
//! other than the fitted one, a value that is not finite or an unfitted model is an error that
//! leaves the model as it was.

use ndarray::{Array1, Array2, array};
use neurona::NeuronaError;
use neurona::prelude::*;

fn iris() -> (Array2<f64>, Vec<usize>) {
    let iris = neurona::datasets::iris();
    (iris.standardized_features(), iris.target)
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

#[test]
fn a_perceptron_computes_with_the_weights_it_is_given() {
    let (x, y) = iris();
    let mut clf = Perceptron::<f64, usize>::new(PerceptronParams::new().random_state(0).check().unwrap());
    clf.fit(x.view(), &y).unwrap();
    let n_iter = clf.state().unwrap().n_iter();
    let coef = Array2::<f64>::zeros((3, 4));
    clf.set_weights(coef.view(), array![-1.0, 2.0, 0.5].view()).unwrap();
    let scores = clf.decision_function(x.view()).unwrap();
    assert!(scores.rows().into_iter().all(|row| row.to_vec() == [-1.0, 2.0, 0.5]));
    assert!(clf.predict(x.view()).unwrap().iter().all(|&label| label == 1));
    assert_eq!(clf.state().unwrap().intercept_f64(), [-1.0, 2.0, 0.5]);
    assert_eq!(clf.state().unwrap().n_iter(), n_iter);
}

#[test]
fn a_perceptron_refuses_other_shapes_and_values_and_stays_as_it_was() {
    let (x, y) = iris();
    let mut clf = Perceptron::<f64, usize>::new(PerceptronParams::new().random_state(0).check().unwrap());
    let err = clf.set_weights(Array2::zeros((3, 4)).view(), Array1::zeros(3).view()).unwrap_err();
    assert!(matches!(err, NeuronaError::NotFitted { .. }), "{err}");
    clf.fit(x.view(), &y).unwrap();
    let before = clf.clone();
    let err = clf.set_weights(Array2::zeros((3, 5)).view(), Array1::zeros(3).view()).unwrap_err();
    assert!(err.to_string().contains("coef") && err.to_string().contains("(3, 4)"), "{err}");
    let err = clf.set_weights(Array2::zeros((3, 4)).view(), Array1::zeros(2).view()).unwrap_err();
    assert!(err.to_string().contains("intercept"), "{err}");
    let err = clf.set_weights(Array2::from_elem((3, 4), f64::NAN).view(), Array1::zeros(3).view()).unwrap_err();
    assert!(err.to_string().contains("NaN"), "{err}");
    assert_eq!(clf, before);
}

#[test]
fn an_rbm_computes_with_the_weights_it_is_given_and_keeps_its_chain() {
    let x = neurona::datasets::digits().data.mapv(|v| v / 16.0);
    let params = RbmParams::new().n_components(3).n_iter(2).random_state(0).check().unwrap();
    let mut rbm = BernoulliRbm::<f64>::new(params);
    rbm.fit(x.view()).unwrap();
    let chain = rbm.state().unwrap().h_samples().to_owned();
    let hidden = array![0.0, 1.0, -2.0];
    let visible = Array1::from_elem(64, 0.25);
    rbm.set_weights(Array2::zeros((3, 64)).view(), hidden.view(), visible.view()).unwrap();
    let features = rbm.transform(x.view()).unwrap();
    let expected: Vec<f64> = hidden.iter().map(|&b| sigmoid(b)).collect();
    assert!(features.rows().into_iter().all(|row| row.to_vec() == expected));
    assert_eq!(rbm.state().unwrap().intercept_visible(), visible);
    assert_eq!(rbm.state().unwrap().h_samples(), chain);
    let before = rbm.clone();
    let err = rbm.set_weights(Array2::zeros((3, 64)).view(), hidden.view(), Array1::zeros(63).view()).unwrap_err();
    assert!(err.to_string().contains("intercept_visible") && err.to_string().contains("(1, 64)"), "{err}");
    let err = rbm.set_weights(Array2::zeros((4, 64)).view(), hidden.view(), visible.view()).unwrap_err();
    assert!(err.to_string().contains("components"), "{err}");
    let infinite = array![0.0, f64::INFINITY, 0.0];
    assert!(rbm.set_weights(Array2::zeros((3, 64)).view(), infinite.view(), visible.view()).is_err());
    assert_eq!(rbm, before);
}
