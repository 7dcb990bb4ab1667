//! The playground's runs against the crate's own estimators: stepping equals one fit, the
//! demonstrations the page promises (XOR and the spiral learned, the perceptron failing XOR),
//! the model file, and the request API's errors.

use neurona::prelude::*;
use neurona_wasm::api::{Reply, handle};
use neurona_wasm::data::{self, Dataset};
use neurona_wasm::session::{Session, Settings};
use serde_json::{Value, json};

fn last(state: &Value, curve: &str) -> f64 {
    state[curve].as_array().and_then(|c| c.last()).and_then(Value::as_f64).expect("a recorded step")
}

fn session(settings: Value) -> Session {
    Session::new(Settings::from_json(&settings).unwrap()).unwrap()
}

fn xor_mlp(solver: &str) -> Value {
    json!({
        "dataset": "xor", "n_samples": 300, "noise": 0.05, "seed": 7, "model": "mlp",
        "params": {"hidden_layer_sizes": [8, 8], "activation": "tanh", "solver": solver,
                   "learning_rate_init": 0.03, "batch_size": 10, "alpha": 0.0}
    })
}

/// The training rows of a session's settings, drawn as the session draws them.
fn training_rows(settings: &Settings) -> (ndarray::Array2<f64>, Vec<f64>) {
    let mut rng = RandomState::new(settings.seed);
    let points = data::generate(settings.dataset, settings.n_samples, settings.noise, &mut rng).unwrap();
    let (train, _) = data::split(&points, settings.test_fraction, &mut rng).unwrap();
    (data::features(&train.x, &settings.features), train.y)
}

#[test]
fn steps_of_sgd_and_adam_equal_one_fit_to_the_bit() {
    for solver in ["adam", "sgd"] {
        let mut s = session(xor_mlp(solver));
        s.step(12).unwrap();
        let (x, y) = training_rows(s.settings());
        let labels: Vec<i64> = y.iter().map(|&v| v as i64).collect();
        let params = MlpParams::from_json(&json!({
            "hidden_layer_sizes": [8, 8], "activation": "tanh", "solver": solver, "learning_rate_init": 0.03,
            "batch_size": 10, "alpha": 0.0, "random_state": 7, "max_iter": 12
        }))
        .unwrap();
        let mut fitted = MlpClassifier::<f64, i64>::new(params.check().unwrap());
        fitted.fit(x.view(), &labels).unwrap();
        let state = s.state_json().unwrap();
        let native = fitted.state().unwrap();
        assert_eq!(native.n_iter(), 12, "{solver}: the fit ran every epoch");
        assert_eq!(state["loss_curve"], json!(native.loss_curve().unwrap()), "{solver}");
        let coefs: Vec<Vec<Vec<f64>>> =
            native.coefs().iter().map(|c| c.rows().into_iter().map(|r| r.to_vec()).collect()).collect();
        assert_eq!(state["weights"]["coefs"], json!(coefs), "{solver}");
    }
}

#[test]
fn steps_of_lbfgs_refit_and_equal_one_fit() {
    let mut s = session(xor_mlp("lbfgs"));
    s.step(5).unwrap();
    let (x, y) = training_rows(s.settings());
    let labels: Vec<i64> = y.iter().map(|&v| v as i64).collect();
    let params = MlpParams::from_json(&json!({
        "hidden_layer_sizes": [8, 8], "activation": "tanh", "solver": "lbfgs", "alpha": 0.0,
        "random_state": 7, "max_iter": 5
    }))
    .unwrap();
    let mut fitted = MlpClassifier::<f64, i64>::new(params.check().unwrap());
    fitted.fit(x.view(), &labels).unwrap();
    let flat: Vec<f64> =
        fitted.state().unwrap().coefs().iter().flat_map(|c| c.iter().copied().collect::<Vec<_>>()).collect();
    let state = s.state_json().unwrap();
    let from_session: Vec<f64> = state["weights"]["coefs"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| {
            l.as_array().unwrap().iter().flat_map(|r| r.as_array().unwrap().iter().map(|v| v.as_f64().unwrap()))
        })
        .collect();
    assert_eq!(from_session, flat);
}

#[test]
fn xor_is_learned_by_two_hidden_layers_and_the_spiral_by_adam_but_not_xor_by_a_perceptron() {
    let mut s = session(xor_mlp("adam"));
    s.step(60).unwrap();
    let score = last(&s.state_json().unwrap(), "test_score");
    assert!(score >= 0.95, "xor test accuracy {score}");

    let mut spiral = session(json!({
        "dataset": "spiral", "n_samples": 400, "seed": 1, "model": "mlp",
        "features": ["x1", "x2", "sin(x1)", "sin(x2)"],
        "params": {"hidden_layer_sizes": [16, 16], "activation": "tanh", "solver": "adam",
                   "learning_rate_init": 0.03, "batch_size": 10, "alpha": 0.0}
    }));
    spiral.step(200).unwrap();
    let score = last(&spiral.state_json().unwrap(), "test_score");
    assert!(score >= 0.95, "spiral test accuracy {score}");

    let mut perceptron = session(json!({"dataset": "xor", "n_samples": 300, "seed": 7, "model": "perceptron"}));
    perceptron.step(20).unwrap();
    let score = last(&perceptron.state_json().unwrap(), "test_score");
    assert!((0.3..=0.7).contains(&score), "perceptron on xor: {score}");
}

#[test]
fn the_grid_holds_every_feature_unit_and_output_and_the_model_file_predicts_the_same() {
    let mut s = session(xor_mlp("adam"));
    s.step(3).unwrap();
    let maps = s.grid(10).unwrap();
    // 2 features + 8 + 8 hidden units + 1 output, 100 cells each.
    assert_eq!(maps.len(), 19 * 100);
    let grid = data::grid(10);
    let probability: Vec<f64> = maps[18 * 100..].to_vec();
    let predicted = s.predict(&grid).unwrap();
    for (p, label) in probability.iter().zip(&predicted) {
        assert_eq!(*label == 1.0, *p > 0.5);
    }
    let loaded = MlpClassifier::<f64, i64>::from_bytes(&s.model_bytes().unwrap()).unwrap();
    let x = data::features(&grid, &s.settings().features);
    let from_file: Vec<f64> = loaded.predict(x.view()).unwrap().into_iter().map(|l| l as f64).collect();
    assert_eq!(from_file, predicted);
}

#[test]
fn regression_sets_train_a_regressor_and_report_r2() {
    let mut s = session(json!({
        "dataset": "plane", "n_samples": 200, "seed": 3, "model": "mlp",
        "params": {"hidden_layer_sizes": [4], "solver": "lbfgs"}
    }));
    s.step(40).unwrap();
    let state = s.state_json().unwrap();
    assert_eq!(state["regression"], json!(true));
    let r2 = last(&state, "test_score");
    assert!(r2 > 0.99, "plane R² {r2}");
}

#[test]
fn requests_with_bad_values_are_errors_naming_them() {
    let error = |request: Value| handle(&request).unwrap_err().to_string();
    assert!(error(json!({"op": "fly"})).contains("\"fly\""));
    assert!(error(json!({"op": "step", "session": 999, "n": 1})).contains("999"));
    let bad_dataset = error(json!({"op": "new", "settings": {"dataset": "swirl"}}));
    assert!(bad_dataset.contains("swirl"), "{bad_dataset}");
    let bad_param = error(json!({"op": "new", "settings": {"dataset": "xor", "params": {"alpha": -1}}}));
    assert!(bad_param.contains("alpha"), "{bad_param}");
    let Reply::Json(opened) = handle(&json!({"op": "new", "settings": {"dataset": "moons", "n_samples": 50}})).unwrap()
    else {
        panic!("new replies with JSON")
    };
    let id = opened["session"].clone();
    let Reply::Bytes(maps) = handle(&json!({"op": "grid", "session": id, "resolution": 4})).unwrap() else {
        panic!("grid replies with bytes")
    };
    // Before training: the two features, then NaN for the 100 + 1 units... as many maps as units.
    assert_eq!(maps.len() % (8 * 16), 0);
    assert!(error(json!({"op": "grid", "session": id, "resolution": 1})).contains("resolution"));
}

#[test]
fn the_worked_example_gives_the_courses_numbers() {
    let Reply::Json(trace) = handle(&json!({"op": "worked_example"})).unwrap() else { panic!("JSON") };
    // The course's total error before the step: 0.298371109.
    assert!((trace["total_error"].as_f64().unwrap() - 0.298_371_109).abs() < 1e-9);
    let w5 = trace["layers"][1]["updated_weights"][0][0].as_f64().unwrap();
    assert!((w5 - 0.358_916_48).abs() < 1e-8, "w5+ {w5}");
}

#[test]
fn every_data_set_opens_a_session() {
    for &(name, dataset) in Dataset::ALL {
        let settings = if dataset.is_regression() {
            json!({"dataset": name, "n_samples": 60, "params": {"hidden_layer_sizes": [3]}})
        } else {
            json!({"dataset": name, "n_samples": 60, "model": "perceptron"})
        };
        let mut s = session(settings);
        s.step(2).unwrap();
        assert_eq!(s.steps(), 2, "{name}");
    }
}

#[test]
fn steps_without_curves_train_the_same_and_record_nothing() {
    let (mut recorded, mut silent) = (session(xor_mlp("adam")), session(xor_mlp("adam")));
    recorded.step(4).unwrap();
    silent.step_recording(4, false).unwrap();
    let (a, b) = (recorded.state_json().unwrap(), silent.state_json().unwrap());
    assert_eq!(a["weights"], b["weights"]);
    assert_eq!(b["test_loss"], json!([]));
    assert_eq!(a["test_loss"].as_array().map(Vec::len), Some(4));
}
