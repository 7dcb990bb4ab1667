//! The model file: exact round trips, training resumed exactly, and untrusted bytes rejected
//! with clear errors (never a panic, never a huge allocation).

use std::collections::HashMap;

use ndarray::Array2;
use neurona::prelude::*;
use serde_json::Value;

#[path = "common/corrupt.rs"]
mod corrupt;
use corrupt::corrupt_many_times;

fn digits() -> (Array2<f64>, Vec<usize>) {
    let d = neurona::datasets::digits();
    (d.data.mapv(|v| v / 16.0), d.target)
}

fn fitted(solver: Solver) -> MlpClassifier<f64, usize> {
    let (x, y) = digits();
    let params = MlpParams::new().hidden_layer_sizes([16]).solver(solver).max_iter(5).random_state(0).check().unwrap();
    let mut clf = MlpClassifier::new(params);
    clf.fit(x.view(), &y).unwrap();
    clf
}

#[test]
fn classifier_round_trips_exactly_in_both_float_types() {
    let (x, y) = digits();
    for solver in [Solver::Adam, Solver::Sgd, Solver::Lbfgs] {
        let clf = fitted(solver);
        let loaded = MlpClassifier::<f64, usize>::from_bytes(&clf.to_bytes().unwrap()).unwrap();
        assert_eq!(loaded, clf, "{solver}: every attribute and the optimizer state survive");
        let (a, b) = (clf.predict_proba(x.view()).unwrap(), loaded.predict_proba(x.view()).unwrap());
        assert!(a.iter().zip(b.iter()).all(|(p, q)| p.to_bits() == q.to_bits()));
    }
    let x32 = x.mapv(|v| v as f32);
    let labels: Vec<String> = y.iter().map(|d| format!("digit {d}")).collect();
    let mut clf = MlpClassifier::<f32, String>::new(
        MlpParams::new().hidden_layer_sizes([8]).max_iter(3).random_state(1).check().unwrap(),
    );
    clf.fit(x32.view(), &labels).unwrap();
    let loaded = MlpClassifier::<f32, String>::from_bytes(&clf.to_bytes().unwrap()).unwrap();
    assert_eq!(loaded, clf);
    assert_eq!(loaded.predict(x32.view()).unwrap(), clf.predict(x32.view()).unwrap());
}

#[test]
fn regressor_and_multilabel_round_trip() {
    let d = neurona::datasets::diabetes();
    let (x, y) = (d.standardized_features(), d.standardized_target());
    let mut reg =
        MlpRegressor::<f64>::new(MlpParams::new().max_iter(4).early_stopping(true).random_state(0).check().unwrap());
    reg.fit(x.view(), y.view()).unwrap();
    let loaded = MlpRegressor::<f64>::from_bytes(&reg.to_bytes().unwrap()).unwrap();
    assert_eq!(loaded, reg);
    let (x, labels) = digits();
    let indicator = Array2::from_shape_fn((x.nrows(), 3), |(i, j)| (labels[i] + j) % 2 == 0);
    let mut ml = MlpClassifier::<f64, i64>::new(MlpParams::new().max_iter(3).random_state(0).check().unwrap());
    ml.fit_multilabel(x.view(), indicator.view()).unwrap();
    let loaded = MlpClassifier::<f64, i64>::from_bytes(&ml.to_bytes().unwrap()).unwrap();
    assert_eq!(loaded, ml);
}

#[test]
fn training_resumes_exactly_after_a_reload() {
    let (x, y) = digits();
    let classes: Vec<usize> = (0..10).collect();
    let params = MlpParams::new().hidden_layer_sizes([16]).solver(Solver::Sgd).random_state(0).check().unwrap();
    let mut clf = MlpClassifier::<f64, usize>::new(params);
    clf.partial_fit(x.view(), &y, Some(&classes)).unwrap();
    let mut reloaded = MlpClassifier::<f64, usize>::from_bytes(&clf.to_bytes().unwrap()).unwrap();
    clf.partial_fit(x.view(), &y, None).unwrap();
    reloaded.partial_fit(x.view(), &y, None).unwrap();
    assert_eq!(reloaded, clf);
}

#[test]
fn save_and_load_through_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("model.safetensors");
    let clf = fitted(Solver::Adam);
    clf.save(&path).unwrap();
    assert_eq!(MlpClassifier::<f64, usize>::load(&path).unwrap(), clf);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 1, "no temporary file left behind: {names:?}");
    let missing = MlpClassifier::<f64, usize>::load(dir.path().join("nope.safetensors")).unwrap_err().to_string();
    assert!(missing.contains("nope.safetensors") && missing.contains("No such file"), "{missing}");
    let info = neurona::persist::inspect(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!((info.estimator.as_str(), info.dtype.as_str(), info.format_version), ("MLPClassifier", "float64", 2));
    assert!(info.checksum.is_some() && info.header.get("checksum").is_none(), "{info:?}");
    let unfitted = MlpClassifier::<f64, usize>::new(MlpParams::new().check().unwrap());
    assert!(unfitted.save(&path).unwrap_err().to_string().contains("not fitted yet"));
    assert_eq!(MlpClassifier::<f64, usize>::load(&path).unwrap(), clf, "a failed save leaves the file as it was");
}

#[test]
fn the_wrong_kind_of_model_is_a_clear_error() {
    let bytes = fitted(Solver::Adam).to_bytes().unwrap();
    let err = MlpRegressor::<f64>::from_bytes(&bytes).unwrap_err().to_string();
    assert_eq!(err, "model file holds a MLPClassifier, not a MLPRegressor");
    let err = MlpClassifier::<f32, usize>::from_bytes(&bytes).unwrap_err().to_string();
    assert_eq!(err, "model file holds a float64 model, but float32 was asked for");
    let err = MlpClassifier::<f64, String>::from_bytes(&bytes).unwrap_err().to_string();
    assert!(err.contains("class label of another type"), "{err}");
}

/// Rewrites the JSON header of a model file, with a checksum that matches: what is tested is
/// the field checks behind it.
fn with_header(bytes: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    let tensors = safetensors::SafeTensors::deserialize(bytes).unwrap();
    let mut header = neurona::persist::inspect(bytes).unwrap().header;
    edit(&mut header);
    neurona::persist::seal(&header, tensors.tensors()).unwrap()
}

/// An edit of the JSON header and the error it must cause.
type Tampering = (Box<dyn Fn(&mut Value)>, &'static str);

#[test]
fn tampered_headers_are_rejected() {
    let bytes = fitted(Solver::Adam).to_bytes().unwrap();
    let cases: Vec<Tampering> = vec![
        (Box::new(|h| h["format_version"] = 3.into()), "written by a newer neurona (format version 3)"),
        (
            Box::new(|h| h["network"]["layer_units"] = serde_json::json!([100000000, 100000000, 10])),
            "invalid 'layer_units'",
        ),
        (
            Box::new(|h| h["network"]["layer_units"] = serde_json::json!([64, 17, 10])),
            "do not match hidden_layer_sizes",
        ),
        (
            Box::new(|h| h["params"]["hidden_layer_sizes"] = serde_json::json!([16, 3])),
            "do not match hidden_layer_sizes",
        ),
        (
            Box::new(|h| h["params"]["alpha"] = (-1.0).into()),
            "invalid hyperparameters: alpha must be a float >= 0, got -1",
        ),
        (
            Box::new(|h| h["classes"] = serde_json::json!({"labels": [0, 1, 2]})),
            "has 3 classes for a network with 10 outputs",
        ),
        (Box::new(|h| h["network"]["out_activation"] = "identity".into()), "output activation 'identity'"),
        (Box::new(|h| h["state"] = Value::Null), "invalid"),
        (Box::new(|h| h["estimator"] = "Perceptron".into()), "holds a Perceptron"),
    ];
    for (edit, expected) in cases {
        let err = MlpClassifier::<f64, usize>::from_bytes(&with_header(&bytes, edit)).unwrap_err().to_string();
        assert!(err.contains(expected), "expected '{expected}' in: {err}");
    }
    let tensors = safetensors::SafeTensors::deserialize(&bytes).unwrap().tensors();
    let no_header = safetensors::serialize(tensors.clone(), None).unwrap();
    assert_eq!(
        MlpClassifier::<f64, usize>::from_bytes(&no_header).unwrap_err().to_string(),
        "model file has no neurona header: it was not written by neurona"
    );
    // A header without its checksum, or with one that does not match, is a damaged file.
    let header = neurona::persist::inspect(&bytes).unwrap().header;
    let unsealed = HashMap::from([("neurona".to_owned(), header.to_string())]);
    let err = MlpClassifier::<f64, usize>::from_bytes(&safetensors::serialize(tensors, Some(unsealed)).unwrap())
        .unwrap_err()
        .to_string();
    assert!(err.starts_with("model file is corrupted: its checksum is missing or unreadable"), "{err}");
    let mut flipped = bytes.clone();
    *flipped.last_mut().unwrap() ^= 1;
    let err = MlpClassifier::<f64, usize>::from_bytes(&flipped).unwrap_err().to_string();
    assert!(err.starts_with("model file is corrupted: its checksum does not match its contents"), "{err}");
}

#[test]
fn corrupted_bytes_never_panic() {
    let bytes = fitted(Solver::Sgd).to_bytes().unwrap();
    corrupt_many_times(&bytes, 2000, |b| MlpClassifier::<f64, usize>::from_bytes(b).map(drop));
}
