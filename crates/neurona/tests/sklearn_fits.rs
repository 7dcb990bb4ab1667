//! Full fits reproduced against scikit-learn 1.9.1: `tests/fixtures/mlp_fits.json`, written by
//! `scripts/fixtures/sklearn_mlp.py` (run `scripts/generate-fixtures` to regenerate).
//!
//! What "reproduce" means (see `docs/guide/parity.rst`):
//! - sgd and adam: the same `n_iter_`, every `loss_curve_` entry within 1e-6 relative, the same
//!   validation scores, and identical predictions on the test rows;
//! - lbfgs: the same `n_iter_` and the final loss within 1e-6 relative (in practice 1e-9 or
//!   better), and the test score within 0.01; except one 500-iteration run that is chaotic in
//!   scikit-learn itself, where the loss is checked against that chaotic spread.

use ndarray::{Array1, Array2};
use neurona::prelude::*;
use serde_json::Value;

#[path = "common/fixtures.rs"]
mod fixtures;

use fixtures::{floats, matrix, usizes};

fn fixture(name: &str) -> Value {
    fixtures::cases("mlp_fits.json").into_iter().find(|c| c["name"] == name).unwrap_or_else(|| panic!("no case {name}"))
}

/// A list of row indices, or `None` where the fixture has null.
fn indices(v: &Value) -> Option<Vec<usize>> {
    v.as_array().map(|_| usizes(v))
}

/// scikit-learn's keyword arguments as `MlpParams`.
fn params(case: &Value) -> MlpParams {
    let mut p = MlpParams::new();
    for (key, value) in case["params"].as_object().unwrap() {
        p = match key.as_str() {
            "random_state" => p.random_state(value.as_u64().unwrap() as u32),
            "solver" => p.solver(value.as_str().unwrap().parse().unwrap()),
            "activation" => p.activation(value.as_str().unwrap().parse().unwrap()),
            "learning_rate" => p.learning_rate(value.as_str().unwrap().parse().unwrap()),
            "loss" => p.loss(value.as_str().unwrap().parse().unwrap()),
            "max_iter" => p.max_iter(value.as_u64().unwrap() as usize),
            "n_iter_no_change" => p.n_iter_no_change(Patience::Epochs(value.as_u64().unwrap() as usize)),
            "batch_size" => p.batch_size(BatchSize::Fixed(value.as_u64().unwrap() as usize)),
            "hidden_layer_sizes" => p.hidden_layer_sizes(indices(value).unwrap()),
            "learning_rate_init" => p.learning_rate_init(value.as_f64().unwrap()),
            "power_t" => p.power_t(value.as_f64().unwrap()),
            "momentum" => p.momentum(value.as_f64().unwrap()),
            "alpha" => p.alpha(value.as_f64().unwrap()),
            "tol" => p.tol(value.as_f64().unwrap()),
            "nesterovs_momentum" => p.nesterovs_momentum(value.as_bool().unwrap()),
            "early_stopping" => p.early_stopping(value.as_bool().unwrap()),
            "shuffle" => p.shuffle(value.as_bool().unwrap()),
            other => panic!("parameter {other} not mapped"),
        };
    }
    p
}

/// The fixture's data recipe: (X_train, y_train, X_test, y_test) as float64 and raw targets.
struct Data {
    x_train: Array2<f64>,
    x_test: Array2<f64>,
    y_train: Value,
    y_test: Value,
    sample_weight: Option<Array1<f64>>,
}

fn data(case: &Value) -> Data {
    let d = &case["data"];
    let (mut x, y): (Array2<f64>, Vec<Value>) = match d["source"].as_str().unwrap() {
        "inline" => (matrix(&d["X"]), d["y"].as_array().unwrap().clone()),
        "digits" => {
            let ds = neurona::datasets::digits();
            (ds.data, ds.target.iter().map(|&t| Value::from(t)).collect())
        }
        "iris" => {
            let ds = neurona::datasets::iris();
            (ds.data, ds.target.iter().map(|&t| Value::from(t)).collect())
        }
        "diabetes" => {
            let ds = neurona::datasets::diabetes();
            (ds.data, ds.target.iter().map(|&t| Value::from(t)).collect())
        }
        other => panic!("unknown source {other}"),
    };
    fixtures::scale_features(&mut x, d);
    let y: Vec<Value> = y
        .into_iter()
        .map(|v| {
            if let (Some(mean), Some(std)) = (d["y_mean"].as_f64(), d["y_std"].as_f64()) {
                Value::from((v.as_f64().unwrap() - mean) / std)
            } else if let Some(names) = d["label_names"].as_array() {
                names[v.as_u64().unwrap() as usize].clone()
            } else if let Some(positive) = d["binary_of"].as_u64() {
                Value::from(u64::from(v.as_u64().unwrap() == positive))
            } else {
                v
            }
        })
        .collect();
    let all: Vec<usize> = (0..x.nrows()).collect();
    let train = indices(&d["train_idx"]).unwrap_or_else(|| all.clone());
    let test = indices(&d["test_idx"]).unwrap_or(all);
    let pick = |rows: &[usize]| Value::from(rows.iter().map(|&i| y[i].clone()).collect::<Vec<_>>());
    Data {
        x_train: x.select(ndarray::Axis(0), &train),
        x_test: x.select(ndarray::Axis(0), &test),
        y_train: pick(&train),
        y_test: pick(&test),
        sample_weight: fixtures::sample_weight(d),
    }
}

fn assert_close(what: &str, ours: f64, theirs: f64, rtol: f64) {
    let scale = theirs.abs().max(1e-300);
    assert!((ours - theirs).abs() <= rtol * scale, "{what}: neurona {ours} vs scikit-learn {theirs} (rtol {rtol})");
}

/// Checks the attributes every fit shares with the fixture.
fn check_state<F: Float>(case: &Value, state: &MlpState<F>) {
    let r = &case["result"];
    let stochastic = case["params"]["solver"].as_str() != Some("lbfgs");
    assert_eq!(state.n_outputs() as u64, r["n_outputs"].as_u64().unwrap());
    assert_eq!(state.out_activation(), r["out_activation"].as_str().unwrap());
    if stochastic {
        assert_eq!(state.n_iter() as u64, r["n_iter"].as_u64().unwrap(), "n_iter_");
        assert_eq!(state.t(), r["t"].as_u64().unwrap(), "t_");
        let theirs = floats(&r["loss_curve"]);
        let ours = state.loss_curve().unwrap();
        assert_eq!(ours.len(), theirs.len());
        for (epoch, (&a, &b)) in ours.iter().zip(&theirs).enumerate() {
            assert_close(&format!("loss_curve_[{epoch}]"), a, b, 1e-6);
        }
        assert_eq!(state.report().converged, r["converged"].as_bool().unwrap(), "converged");
        match r["validation_scores"].as_array() {
            Some(scores) => {
                let ours = state.validation_scores().unwrap();
                assert_eq!(ours.len(), scores.len());
                for (a, b) in ours.iter().zip(scores) {
                    assert_close("validation score", *a, b.as_f64().unwrap(), 1e-12);
                }
                assert!(state.best_loss().is_none());
            }
            None => {
                assert!(state.validation_scores().is_none());
                assert_close("best_loss_", state.best_loss().unwrap(), r["best_loss"].as_f64().unwrap(), 1e-6);
            }
        }
        if let Some(rate) = r["final_learning_rate"].as_f64() {
            assert_close("learning rate", state.optimizer().unwrap().learning_rate(), rate, 1e-12);
        }
    } else {
        assert!(state.loss_curve().is_none() && state.best_loss().is_none());
        let theirs = r["loss"].as_f64().unwrap();
        if case["name"] == "diabetes_lbfgs_rs0" {
            // 500 iterations deep into a chaotic regime: scikit-learn's own final loss moves
            // between 2.93e-4 and 3.47e-4 when X is multiplied by (1 + k * 2.2e-16), k = 0..5
            // (measured by the fixture script's author), so summation order alone decides the
            // digits. The first 50 iterations agree to 1e-13 (`diabetes_lbfgs_50_iterations`).
            assert!(
                (2.5e-4..4.0e-4).contains(&state.loss()),
                "lbfgs loss_ {} outside the chaotic spread",
                state.loss()
            );
        } else {
            assert_eq!(state.n_iter() as u64, r["n_iter"].as_u64().unwrap(), "lbfgs n_iter_");
            assert_close("lbfgs loss_", state.loss(), theirs, 1e-6);
        }
    }
}

fn check_lbfgs_score(case: &Value, score: f64, which: &str) {
    if case["params"]["solver"].as_str() == Some("lbfgs") {
        let theirs = case["result"][which].as_f64().unwrap_or_else(|| case["result"]["train_score"].as_f64().unwrap());
        assert!((score - theirs).abs() <= 0.01, "{which}: neurona {score} vs scikit-learn {theirs}");
    }
}

fn run_classifier<F: Float>(name: &str) {
    let case = fixture(name);
    let d = data(&case);
    let mut clf = MlpClassifier::<F, String>::new(params(&case).check().unwrap());
    let label = |v: &Value| v.as_str().map_or_else(|| v.to_string(), str::to_owned);
    let to_f = |x: &Array2<f64>| x.mapv(F::from_f64);
    let (x_train, x_test) = (to_f(&d.x_train), to_f(&d.x_test));
    let sw = d.sample_weight.as_ref().map(|w| w.mapv(F::from_f64));
    let options = FitOptions { sample_weight: sw.as_ref().map(|w| w.view()), ..FitOptions::default() };
    let stochastic = case["params"]["solver"].as_str() != Some("lbfgs");
    let multilabel = d.y_train[0].is_array();
    let predicted: Vec<Value> = if multilabel {
        let indicator = |v: &Value| {
            let rows: Vec<Vec<bool>> = v
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r.as_array().unwrap().iter().map(|b| b.as_u64() == Some(1)).collect())
                .collect();
            Array2::from_shape_fn((rows.len(), rows[0].len()), |(i, j)| rows[i][j])
        };
        clf.fit_multilabel_with(x_train.view(), indicator(&d.y_train).view(), options).unwrap();
        let test_score = clf.score_multilabel(x_test.view(), indicator(&d.y_test).view()).unwrap();
        check_lbfgs_score(&case, test_score, "test_score");
        let p = clf.predict_multilabel(x_test.view()).unwrap();
        p.rows().into_iter().map(|r| Value::from(r.iter().map(|&b| u64::from(b)).collect::<Vec<_>>())).collect()
    } else {
        let y_train: Vec<String> = d.y_train.as_array().unwrap().iter().map(label).collect();
        let y_test: Vec<String> = d.y_test.as_array().unwrap().iter().map(label).collect();
        clf.fit_with(x_train.view(), &y_train, options).unwrap();
        let expected_classes: Vec<String> = case["result"]["classes"].as_array().unwrap().iter().map(label).collect();
        let mut sorted = expected_classes.clone();
        sorted.sort();
        assert_eq!(clf.classes().unwrap(), sorted.as_slice());
        check_lbfgs_score(&case, clf.score(x_test.view(), &y_test).unwrap(), "test_score");
        if stochastic {
            // predict_proba of the first rows, to float rounding of the whole run.
            let proba = clf.predict_proba(x_test.view()).unwrap();
            let theirs = matrix(&case["result"]["predict_proba_head"]);
            for ((i, j), &p) in theirs.indexed_iter() {
                let ours = proba[[i, j]].as_f64();
                let tol = if F::DTYPE == "float32" { 1e-3 } else { 1e-6 };
                assert!((ours - p).abs() <= tol, "predict_proba[{i},{j}]: {ours} vs {p}");
            }
        }
        clf.predict(x_test.view()).unwrap().into_iter().map(Value::from).collect()
    };
    let state = clf.state().unwrap();
    if F::DTYPE == "float64" {
        check_state(&case, state);
    }
    if stochastic {
        let expected: Vec<Value> = case["result"]["predict"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| if multilabel { v.clone() } else { Value::from(label(v)) })
            .collect();
        let mismatches = predicted.iter().zip(&expected).filter(|(a, b)| a != b).count();
        assert_eq!(mismatches, 0, "{mismatches} of {} predictions differ from scikit-learn's", expected.len());
    }
}

fn run_regressor(name: &str) {
    let case = fixture(name);
    let d = data(&case);
    let mut reg = MlpRegressor::<f64>::new(params(&case).check().unwrap());
    let to_matrix = |v: &Value| {
        let a = v.as_array().unwrap();
        if a[0].is_array() { matrix(v) } else { Array2::from_shape_fn((a.len(), 1), |(i, _)| a[i].as_f64().unwrap()) }
    };
    let (y_train, y_test) = (to_matrix(&d.y_train), to_matrix(&d.y_test));
    let options = FitOptions { sample_weight: d.sample_weight.as_ref().map(|w| w.view()), ..FitOptions::default() };
    reg.fit_with(d.x_train.view(), y_train.view(), options).unwrap();
    check_state(&case, reg.state().unwrap());
    let score = reg.score(d.x_test.view(), y_test.view()).unwrap();
    check_lbfgs_score(&case, score, "test_score");
    if case["params"]["solver"].as_str() != Some("lbfgs") {
        let predicted = reg.predict(d.x_test.view()).unwrap();
        let theirs = to_matrix(&case["result"]["predict"]);
        for ((i, j), &p) in theirs.indexed_iter() {
            assert_close(&format!("predict[{i},{j}]"), predicted[[i, j]], p, 1e-6);
        }
    }
}

macro_rules! fits {
    ($($test:ident: $kind:ident($name:literal);)*) => {
        $(
            #[test]
            fn $test() {
                fits!(@run $kind $name);
            }
        )*
    };
    (@run classifier $name:literal) => { run_classifier::<f64>($name) };
    (@run classifier32 $name:literal) => { run_classifier::<f32>($name) };
    (@run regressor $name:literal) => { run_regressor($name) };
}

fits! {
    digits_adam: classifier("digits_adam_rs0");
    digits_lbfgs: classifier("digits_lbfgs_rs0");
    digits_sgd: classifier("digits_sgd_lr0.1_rs0");
    digits_early_stopping: classifier("digits_adam_early_stopping_rs0");
    iris_adam: classifier("iris_adam_rs0");
    iris_lbfgs: classifier("iris_lbfgs_rs0");
    diabetes_adam: regressor("diabetes_adam_rs0");
    diabetes_lbfgs: regressor("diabetes_lbfgs_rs0");
    diabetes_lbfgs_50_iterations: regressor("diabetes_lbfgs_it50_rs0");
    digits_adam_seed_1: classifier("digits_adam_rs1_it40");
    digits_adam_seed_2: classifier("digits_adam_rs2_it40");
    digits_sgd_plain_momentum: classifier("digits_sgd_no_nesterov");
    digits_sgd_no_momentum: classifier("digits_sgd_momentum0");
    digits_sgd_invscaling: classifier("digits_sgd_invscaling");
    digits_sgd_adaptive: classifier("digits_sgd_adaptive");
    iris_logistic: classifier("iris_adam_logistic_it100");
    iris_tanh: classifier("iris_adam_tanh_it100");
    iris_identity: classifier("iris_adam_identity_it100");
    iris_two_hidden_layers: classifier("iris_adam_hidden20x10_it100");
    iris_binary_stratified_early_stopping: classifier("iris_binary1_early_stopping");
    iris_string_labels: classifier("iris_string_labels_it50");
    multilabel_adam: classifier("multilabel_adam_it100");
    multilabel_lbfgs: classifier("multilabel_lbfgs_h50");
    multioutput_regression_adam: regressor("multioutput_reg_adam_it100");
    multioutput_regression_sgd: regressor("multioutput_reg_sgd_it50");
    digits_sample_weight: classifier("digits_adam_sample_weight_it30");
    diabetes_sample_weight: regressor("diabetes_sgd_sample_weight_it30");
    diabetes_poisson: regressor("diabetes_poisson_adam_it100");
    digits_float32: classifier32("digits_adam_float32_it30");
    digits_alpha: classifier("digits_adam_alpha1_it30");
    digits_batch_64: classifier("digits_adam_batch64_it20");
    digits_no_shuffle: classifier("digits_adam_noshuffle_it20");
}
