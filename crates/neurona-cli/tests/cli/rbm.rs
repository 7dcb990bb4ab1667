use super::*;

#[test]
fn rbm_train_then_transform() {
    let dir = iris_dir();
    let d = dir.path();
    // --target leaves the species out of the features; the RBM needs no target.
    let out = ok(
        d,
        &words(
            "train --model-kind rbm --data iris.csv --target species --n-components 5 --n-iter 3 --batch-size 20 --learning-rate 0.05 --random-state 0 --model rbm.safetensors --no-report",
        ),
    );
    assert!(out.contains("(150 rows, 4 features; unsupervised: every column is a feature)"), "{out}");
    assert!(out.contains("scaling: minmax"), "the RBM's default scaling: {out}");
    assert!(out.contains("rbm: 4 visible <-> 5 hidden units, learning_rate 0.05, batch_size 20, n_iter 3"), "{out}");
    assert!(out.contains("trained: 3 epochs") && out.contains("test pseudo-likelihood: -"), "{out}");
    ok(d, &["transform", "--model", "rbm.safetensors", "--data", "iris.csv", "--output", "hidden.csv"]);
    let hidden = std::fs::read_to_string(d.join("hidden.csv")).unwrap();
    assert_eq!(hidden.lines().next().unwrap(), "hidden_0,hidden_1,hidden_2,hidden_3,hidden_4");
    assert_eq!(hidden.lines().count(), 151);
    for value in hidden.lines().skip(1).flat_map(|l| l.split(',')) {
        let p: f64 = value.parse().unwrap();
        assert!((0.0..=1.0).contains(&p), "{value}");
    }
    let stdout = ok(d, &["transform", "--model", "rbm.safetensors", "--data", "iris.csv"]);
    assert_eq!(stdout, hidden, "stdout and the file agree");
    ok(d, &["transform", "--model", "rbm.safetensors", "--data", "iris.csv", "--output", "hidden.parquet"]);
    assert!(d.join("hidden.parquet").is_file());

    let inspect = ok(d, &["inspect", "rbm.safetensors"]);
    assert!(inspect.contains("rbm.safetensors: BernoulliRBM (float64), model file format version 2"), "{inspect}");
    assert!(
        inspect.contains("4 visible <-> 5 hidden units") && inspect.contains("n_components         5"),
        "{inspect}"
    );
    assert!(inspect.contains("persistent chain: 20 fantasy particles"), "{inspect}");

    let err = fails(d, &["predict", "--model", "rbm.safetensors", "--data", "iris.csv", "--output", "p.csv"], 1);
    assert!(err.contains("BernoulliRBM, which is unsupervised and predicts nothing: `neurona transform`"), "{err}");
    let err = fails(d, &["evaluate", "--model", "rbm.safetensors", "--data", "iris.csv"], 1);
    assert!(err.contains("unsupervised"), "{err}");
    ok(d, &["train", "--dataset", "iris", "--model-kind", "perceptron", "--no-report", "--quiet"]);
    let err = fails(d, &["transform", "--model", "model.safetensors", "--data", "iris.csv", "--output", "h.csv"], 1);
    assert!(err.contains("the model is a Perceptron, which has no hidden features"), "{err}");
    assert!(!d.join("p.csv").exists() && !d.join("h.csv").exists());
    // Without --target every column is a feature: the species' names are one-hot encoded.
    let out = ok(d, &["train", "--model-kind", "rbm", "--data", "iris.csv", "--model", "x.safetensors", "--no-report"]);
    assert!(out.contains("columns: 5 in, 7 features out; one-hot encoded: species"), "{out}");
}

#[test]
fn rbm_on_digits_reports_its_curve_and_hidden_units() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = ok(d, &words("train --model-kind rbm --n-components 16 --n-iter 2 --random-state 0 --dtype f32"));
    assert!(out.contains("bundled digits data set (1797 rows, 64 features; unsupervised"), "{out}");
    for file in ["pseudo_likelihood.svg", "pseudo_likelihood.png", "components.svg", "components.png", "report.html"] {
        assert!(d.join("neurona-report").join(file).is_file(), "{file} missing");
    }
    let html = std::fs::read_to_string(d.join("neurona-report/report.html")).unwrap();
    assert!(html.contains("<h2>Hidden units</h2>") && html.contains("<th>n_components</th><td>16</td>"));
    assert_inspect_says(d, &["BernoulliRBM (float32)"]);
}
