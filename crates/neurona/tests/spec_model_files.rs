//! Every hyperparameter of the spec table reads back its default from text, changes when set to
//! another value, round-trips through JSON, and survives a model file: each one set to a value
//! other than its default (one at a time), a small fit saved and loaded, and the loaded
//! estimator holds the same hyperparameters.

use ndarray::Array2;
use neurona::params::{Hyperparams, Spec};
use neurona::prelude::*;

/// A valid value other than the default, as a user would type it.
fn other_value(spec: &Spec) -> String {
    match spec.kind {
        "choice" => spec.choices.iter().find(|c| **c != spec.default).unwrap().to_string(),
        _ if spec.name == "class_weight" => "0:2,1:0.5".to_owned(),
        _ if spec.default == "none" => "5".to_owned(),
        "float" => format!("{}", spec.default.parse::<f64>().unwrap() * 0.5),
        "integer" => format!("{}", spec.default.parse::<usize>().unwrap() + 3),
        "bool" => format!("{}", !spec.default.parse::<bool>().unwrap()),
        "list of integers" => "3,2".to_owned(),
        _ if spec.name == "batch_size" => "32".to_owned(),
        _ if spec.name == "n_iter_no_change" => "inf".to_owned(),
        _ => panic!("no other value for {spec:?}"),
    }
}

fn every_spec_round_trips<P: Hyperparams + PartialEq + std::fmt::Debug>() {
    let specs = P::specs();
    assert!(!specs.is_empty());
    let mut changed = P::default();
    for spec in &specs {
        assert!(!spec.doc.is_empty(), "{} has no doc", spec.name);
        let mut default = P::default();
        default.set_text(spec.name, &spec.default).unwrap();
        assert_eq!(default, P::default(), "{}'s default does not read back", spec.name);
        let before = changed.to_json()[spec.name].clone();
        changed.set_text(spec.name, &other_value(spec)).unwrap();
        assert_ne!(changed.to_json()[spec.name], before, "{} did not change", spec.name);
    }
    let names: Vec<&str> = specs.iter().map(|s| s.name).collect();
    let json = changed.to_json();
    assert_eq!(json.as_object().unwrap().len(), names.len());
    assert!(names.iter().all(|n| json.get(n).is_some()));
    assert_eq!(P::from_json(&json).unwrap(), changed);
}

#[test]
fn every_family_s_specs_round_trip_through_text_and_json() {
    every_spec_round_trips::<MlpParams>();
    every_spec_round_trips::<PerceptronParams<i64>>();
    every_spec_round_trips::<RbmParams>();
}

/// For each spec of `P`, the hyperparameters with that one changed (the others small enough for
/// a quick fit, set first through `base`).
fn variants<P: Hyperparams>(base: &[(&str, &str)]) -> Vec<(&'static str, P)> {
    P::specs()
        .into_iter()
        .filter(|spec| spec.name != "verbose") // verbose fits print every epoch: tested elsewhere
        .map(|spec| {
            let mut params = P::default();
            for (name, text) in base {
                params.set_text(name, text).unwrap();
            }
            params.set_text(spec.name, &other_value(&spec)).unwrap();
            (spec.name, params)
        })
        .collect()
}

fn iris() -> (Array2<f64>, Vec<i64>) {
    let iris = neurona::datasets::iris();
    (iris.data.mapv(|v| v / 8.0), iris.target.iter().map(|&t| t as i64).collect())
}

#[test]
fn every_mlp_spec_round_trips_through_a_model_file() {
    let (x, y) = iris();
    for (name, params) in variants::<MlpParams>(&[("hidden_layer_sizes", "3"), ("max_iter", "5")]) {
        let mut clf = MlpClassifier::<f64, i64>::new(params.clone().check().unwrap());
        clf.fit(x.view(), &y).unwrap();
        let loaded = MlpClassifier::<f64, i64>::from_bytes(&clf.to_bytes().unwrap()).unwrap();
        assert_eq!(loaded.params().to_json(), params.to_json(), "{name}");
        assert_ne!(params.to_json(), MlpParams::default().to_json(), "{name} did not change");
    }
}

#[test]
fn every_perceptron_spec_round_trips_through_a_model_file() {
    let (x, y) = iris();
    for (name, params) in variants::<PerceptronParams<i64>>(&[("max_iter", "5")]) {
        let mut clf = Perceptron::<f64, i64>::new(params.clone().check().unwrap());
        clf.fit(x.view(), &y).unwrap();
        let loaded = Perceptron::<f64, i64>::from_bytes(&clf.to_bytes().unwrap()).unwrap();
        assert_eq!(loaded.params().to_json(), params.to_json(), "{name}");
    }
}

#[test]
fn every_rbm_spec_round_trips_through_a_model_file() {
    let (x, _) = iris();
    for (name, params) in variants::<RbmParams>(&[("n_components", "3"), ("n_iter", "2")]) {
        let mut rbm = BernoulliRbm::<f64>::new(params.clone().check().unwrap());
        rbm.fit(x.view()).unwrap();
        let loaded = BernoulliRbm::<f64>::from_bytes(&rbm.to_bytes().unwrap()).unwrap();
        assert_eq!(loaded.params().to_json(), params.to_json(), "{name}");
    }
}
