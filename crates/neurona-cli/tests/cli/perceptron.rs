use super::*;

#[test]
fn perceptron_train_predict_evaluate_round_trip_on_csv() {
    let dir = iris_dir();
    let d = dir.path();
    for dtype in ["f64", "f32"] {
        let train = format!(
            "train --model-kind perceptron --data iris.csv --target species --penalty l2 --alpha 0.001 --dtype {dtype} \
             --model p.safetensors --report rep"
        );
        let out = ok(d, &words(&train));
        assert!(out.contains("task: classification (the perceptron classifies; target 'species' holds text"), "{out}");
        assert!(out.contains("perceptron: 4 inputs -> step activation"), "{out}");
        assert!(out.contains("penalty l2, alpha 0.001, eta0 1, max_iter 1000"), "the perceptron's defaults: {out}");
        assert!(out.contains("test accuracy: "), "{out}");
        ok(d, &["predict", "--model", "p.safetensors", "--data", "iris.csv", "--output", "pred.csv"]);
        let predictions = std::fs::read_to_string(d.join("pred.csv")).unwrap();
        assert_eq!(predictions.lines().next().unwrap(), "predicted_species");
        assert_eq!(predictions.lines().count(), 151);
        let scores = ok(d, &["predict", "--model", "p.safetensors", "--data", "iris.csv", "--decision-function"]);
        assert_eq!(
            scores.lines().next().unwrap(),
            "predicted_species,decision_setosa,decision_versicolor,decision_virginica"
        );
        let report = ok(d, &["evaluate", "--model", "p.safetensors", "--data", "iris.csv"]);
        let accuracy: f64 = report.lines().find_map(|l| l.strip_prefix("accuracy: ")).unwrap()[..6].parse().unwrap();
        assert!(accuracy > 0.8, "{report}");
        assert!(report.contains("confusion matrix") && report.contains("virginica"), "{report}");
    }
    assert!(d.join("rep/report.html").is_file() && d.join("rep/confusion.png").is_file());
    let html = std::fs::read_to_string(d.join("rep/report.html")).unwrap();
    assert!(html.contains("the perceptron records no loss per epoch") && html.contains("<th>eta0</th>"), "{html}");
    let inspect = ok(d, &["inspect", "p.safetensors"]);
    assert!(inspect.contains("p.safetensors: Perceptron (float32), model file format version 2"), "{inspect}");
    assert!(inspect.contains("coef_ 3 x 4 (one weight vector per class, one-vs-all)"), "{inspect}");
    assert!(inspect.contains("classes: setosa, versicolor, virginica") && inspect.contains("epochs in the last call"));

    // Two classes: one decision column, positive for the second class.
    head_of(&d.join("iris.csv"), 100, &d.join("two.csv"));
    ok(
        d,
        &["train", "--model-kind", "perceptron", "--data", "two.csv", "--target", "species", "--no-report", "--quiet"],
    );
    let scores = ok(d, &["predict", "--model", "model.safetensors", "--data", "two.csv", "--decision-function"]);
    assert_eq!(scores.lines().next().unwrap(), "predicted_species,decision_function");
    for line in scores.lines().skip(1) {
        let (label, score) = line.split_once(',').unwrap();
        assert_eq!(label == "versicolor", score.parse::<f64>().unwrap() > 0.0, "{line}");
    }
    assert_inspect_says(d, &["coef_ 1 x 4 (one weight vector, positive for the second class)"]);
}

#[test]
fn proba_on_a_perceptron_and_decision_scores_of_an_mlp_are_usage_errors() {
    let dir = iris_dir();
    let d = dir.path();
    ok(d, &["train", "--model-kind", "perceptron", "--dataset", "iris", "--no-report", "--quiet"]);
    let err =
        fails(d, &["predict", "--model", "model.safetensors", "--data", "iris.csv", "--proba", "--output", "p.csv"], 2);
    assert!(
        err.contains(
            "--proba: a Perceptron has no class probabilities (scikit-learn's Perceptron has no predict_proba)"
        ),
        "{err}"
    );
    assert!(!d.join("p.csv").exists());
    ok(d, &["train", "--dataset", "iris", "--hidden-layer-sizes", "3", "--max-iter", "3", "--no-report", "--quiet"]);
    let err = fails(d, &["predict", "--model", "model.safetensors", "--data", "iris.csv", "--decision-function"], 2);
    assert!(err.contains("only a Perceptron has decision scores, this model is a MLPClassifier"), "{err}");
}

#[test]
fn perceptron_warm_start_continues_the_saved_model() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let common = ["--model-kind", "perceptron", "--dataset", "iris", "--tol", "none", "--no-report"];
    let out = train_then_warm_start(d, &common);
    assert!(out.contains("warm start: continuing Perceptron from model.safetensors"), "{out}");
    // fit restarts t_ as scikit-learn does: 1 + 2 epochs x 112 training rows.
    assert_inspect_says(d, &["epochs in the last call: 2", "t_: 225.0"]);
    let err = fails(d, &["train", "--max-iter", "2", "--warm-start", "--dataset", "iris", "--no-report"], 1);
    assert!(err.contains("the model file holds a Perceptron, which cannot continue as --model-kind mlp"), "{err}");
}
