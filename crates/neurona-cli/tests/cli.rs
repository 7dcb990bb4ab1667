//! The real `neurona` binary, run in temporary folders: round trips on CSV and Parquet, every
//! bad input with its message and exit code (and no output file left behind), corrupted model
//! files, and the worked example of `trace`.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use neurona_cli::table::{Column, write_csv, write_parquet};

fn neurona(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_neurona")).args(args).current_dir(dir).output().expect("the binary runs")
}

fn text(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// Runs and expects success; returns stdout.
fn ok(dir: &Path, args: &[&str]) -> String {
    let output = neurona(dir, args);
    let (out, err) = text(&output);
    assert!(output.status.success(), "neurona {args:?} failed with {:?}:\n{out}\n{err}", output.status.code());
    out
}

/// Runs and expects the given exit code; returns stderr.
fn fails(dir: &Path, args: &[&str], code: i32) -> String {
    let output = neurona(dir, args);
    let (out, err) = text(&output);
    assert_eq!(output.status.code(), Some(code), "neurona {args:?}:\n{out}\n{err}");
    assert!(!err.contains("panicked"), "a panic: {err}");
    err
}

/// iris as a table: four measurements and the species name.
fn iris_columns() -> (Vec<String>, Vec<Column>) {
    let iris = neurona::datasets::iris();
    let mut names: Vec<String> =
        ["sepal_length", "sepal_width", "petal_length", "petal_width"].map(String::from).to_vec();
    let mut columns: Vec<Column> = (0..4).map(|j| Column::Numeric(iris.data.column(j).to_vec())).collect();
    names.push("species".to_owned());
    columns.push(Column::Text(iris.target.iter().map(|&t| iris.target_names[t].clone()).collect()));
    (names, columns)
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

fn write(dir: &Path, name: &str, content: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    path
}

#[test]
fn the_main_job_trains_on_digits_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(dir.path(), &["train"]);
    assert!(out.contains("bundled digits data set (1797 rows, 64 features"), "{out}");
    let accuracy: f64 = out
        .lines()
        .find_map(|l| l.strip_prefix("test accuracy: "))
        .expect("a test accuracy line")
        .trim()
        .parse()
        .unwrap();
    assert!(accuracy >= 0.95, "test accuracy {accuracy}");
    assert!(out.contains("model: model.safetensors"));
    assert!(out.contains("report: neurona-report/report.html"), "{out}");
    for file in
        ["model.safetensors", "neurona-report/report.html", "neurona-report/loss.svg", "neurona-report/loss.png"]
    {
        assert!(dir.path().join(file).is_file(), "{file} missing");
    }
    let inspect = ok(dir.path(), &["inspect", "model.safetensors"]);
    assert!(inspect.contains("MLPClassifier (float64), model file format version 2"), "{inspect}");
    assert!(inspect.contains("64 -> 100 -> 10"), "{inspect}");
    assert!(inspect.contains("classes: 0, 1, 2"), "{inspect}");
}

#[test]
fn train_predict_evaluate_round_trip_on_csv_and_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let (names, columns) = iris_columns();
    write_csv(&dir.path().join("iris.csv"), &names, &columns).unwrap();
    write_parquet(&dir.path().join("iris.parquet"), &names, &columns).unwrap();
    for (data, dtype) in [("iris.csv", "f64"), ("iris.parquet", "f32")] {
        let out = ok(
            dir.path(),
            &[
                "train",
                "--data",
                data,
                "--target",
                "species",
                "--solver",
                "lbfgs",
                "--random-state",
                "0",
                "--dtype",
                dtype,
                "--model",
                "iris.safetensors",
                "--no-report",
            ],
        );
        assert!(out.contains("task: classification (inferred: target 'species' holds text: 3 classes"), "{out}");
        ok(dir.path(), &["predict", "--model", "iris.safetensors", "--data", data, "--output", "pred.csv", "--proba"]);
        let predictions = std::fs::read_to_string(dir.path().join("pred.csv")).unwrap();
        let header = predictions.lines().next().unwrap();
        assert_eq!(header, "predicted_species,proba_setosa,proba_versicolor,proba_virginica");
        assert_eq!(predictions.lines().count(), 151);
        let report = ok(dir.path(), &["evaluate", "--model", "iris.safetensors", "--data", data]);
        let accuracy: f64 = report.lines().find_map(|l| l.strip_prefix("accuracy: ")).unwrap()[..6].parse().unwrap();
        assert!(accuracy > 0.95, "{report}");
        assert!(report.contains("confusion matrix") && report.contains("virginica"), "{report}");
    }
    ok(dir.path(), &["predict", "--model", "iris.safetensors", "--data", "iris.csv", "--output", "pred.parquet"]);
    assert!(dir.path().join("pred.parquet").is_file());
}

#[test]
fn regression_and_its_scores() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(
        dir.path(),
        &[
            "train",
            "--dataset",
            "diabetes",
            "--solver",
            "lbfgs",
            "--hidden-layer-sizes",
            "10",
            "--alpha",
            "1",
            "--random-state",
            "0",
            "--no-report",
            "--quiet",
        ],
    );
    assert!(out.is_empty(), "--quiet prints nothing: {out}");
    let inspect = ok(dir.path(), &["inspect", "model.safetensors"]);
    assert!(inspect.contains("MLPRegressor (float64)") && inspect.contains("10 -> 10 -> 1"), "{inspect}");
    let d = neurona::datasets::diabetes();
    let mut names: Vec<String> = d.feature_names.clone();
    let mut columns: Vec<Column> = (0..10).map(|j| Column::Numeric(d.data.column(j).to_vec())).collect();
    names.push("progression".to_owned());
    columns.push(Column::Numeric(d.target.to_vec()));
    write_csv(&dir.path().join("diabetes.csv"), &names, &columns).unwrap();
    let report = ok(dir.path(), &["evaluate", "--model", "model.safetensors", "--data", "diabetes.csv"]);
    let r2: f64 = report
        .lines()
        .find(|l| l.trim_start().starts_with("progression"))
        .unwrap()
        .split_whitespace()
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    assert!(r2 > 0.4, "{report}");
}

#[test]
fn bad_data_gets_a_clear_message_exit_code_1_and_no_model() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "empty.csv", "");
    write(d, "header_only.csv", "a,b,label\n");
    write(d, "ragged.csv", "a,b,label\n1,2,x\n3,y\n");
    write(d, "text_feature.csv", "a,b,label\n1,red,x\n2,blue,y\n3,red,x\n4,blue,y\n");
    write(d, "nan.csv", "a,b,label\n1,2,x\n2,nan,y\n3,4,x\n4,5,y\n");
    write(d, "inf.csv", "a,b,label\n1,2,x\n2,inf,y\n3,4,x\n4,5,y\n");
    write(d, "one_class.csv", "a,b,label\n1,2,x\n2,3,x\n3,4,x\n4,5,x\n");
    write(d, "good.csv", "a,b,label\n1,2,x\n2,3,y\n3,4,x\n4,5,y\n5,6,x\n6,7,y\n7,8,x\n8,9,y\n");
    let cases: [(&[&str], &str); 9] = [
        (&["--data", "missing.csv", "--target", "label"], "missing.csv"),
        (&["--data", "empty.csv", "--target", "label"], "empty"),
        (&["--data", "header_only.csv", "--target", "label"], "no rows"),
        (&["--data", "ragged.csv", "--target", "label"], "line 3 has 2 fields, but the header has 3"),
        (&["--data", "text_feature.csv", "--target", "label"], "feature column 'b' is not numeric (row 1: 'red')"),
        (&["--data", "nan.csv", "--target", "label"], "feature column 'b' has NaN at row 2"),
        (&["--data", "inf.csv", "--target", "label"], "feature column 'b' has infinity at row 2"),
        (
            &["--data", "good.csv", "--target", "species"],
            "unknown target column 'species' (the columns are: 'a', 'b', 'label')",
        ),
        (
            &["--data", "one_class.csv", "--target", "label"],
            r#"y has a single class ("x"); a classifier needs at least 2"#,
        ),
    ];
    for (args, expected) in cases {
        let mut full = vec!["train", "--model", "out.safetensors", "--report", "rep", "--max-iter", "5"];
        full.extend_from_slice(args);
        let err = fails(d, &full, 1);
        assert!(err.contains(expected), "{args:?}: expected '{expected}' in: {err}");
        assert!(!d.join("out.safetensors").exists() && !d.join("rep").exists(), "{args:?} left output behind");
    }
    assert!(
        files_in(d).iter().all(|p| !p.file_name().unwrap().to_string_lossy().starts_with('.')),
        "no temporary files"
    );
}

#[test]
fn usage_errors_exit_with_2() {
    let dir = tempfile::tempdir().unwrap();
    let err = fails(dir.path(), &["train", "--alpha", "-1"], 2);
    assert!(err.contains("alpha must be a float >= 0, got -1"), "{err}");
    let err = fails(dir.path(), &["train", "--solver", "newton"], 2);
    assert!(err.contains("solver must be one of 'lbfgs', 'sgd', 'adam', got 'newton'"), "{err}");
    fails(dir.path(), &["train", "--no-such-flag"], 2);
    let err = fails(dir.path(), &["train", "--test-fraction", "1.5"], 2);
    assert!(err.contains("--test-fraction must be in [0, 1), got 1.5"), "{err}");
    let help = ok(dir.path(), &["--help"]);
    assert!(help.contains("Exit codes:") && help.contains("2  usage error"), "{help}");
    assert!(!dir.path().join("model.safetensors").exists());
}

#[test]
fn predict_needs_the_models_columns_and_a_real_model() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (names, columns) = iris_columns();
    write_csv(&d.join("iris.csv"), &names, &columns).unwrap();
    ok(d, &["train", "--data", "iris.csv", "--target", "species", "--max-iter", "5", "--no-report", "--quiet"]);
    write(d, "renamed.csv", "sepal_length,sepal_width,petal_len,petal_width\n1,2,3,4\n");
    let err = fails(d, &["predict", "--model", "model.safetensors", "--data", "renamed.csv", "--output", "p.csv"], 1);
    assert!(err.contains("missing feature column(s) 'petal_length'"), "{err}");
    assert!(!d.join("p.csv").exists());
    write(d, "not_a_model.safetensors", "this is text, not a model");
    let err = fails(d, &["predict", "--model", "not_a_model.safetensors", "--data", "iris.csv"], 1);
    assert!(err.contains("not a valid safetensors file"), "{err}");
    let err = fails(d, &["inspect", "nope.safetensors"], 1);
    assert!(err.contains("nope.safetensors"), "{err}");
}

#[test]
fn corrupted_model_files_always_give_a_clean_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["train", "--dataset", "iris", "--hidden-layer-sizes", "3", "--max-iter", "3", "--no-report", "--quiet"]);
    let original = std::fs::read(d.join("model.safetensors")).unwrap();
    let mut state = 0x9E3779B97F4A7C15u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut rejected = 0;
    for round in 0..60 {
        let mut bytes = original.clone();
        if round % 3 == 0 {
            bytes.truncate((next() as usize) % bytes.len());
        } else {
            for _ in 0..1 + next() % 4 {
                let at = (next() as usize) % bytes.len();
                bytes[at] ^= 1 << (next() % 8);
            }
        }
        std::fs::write(d.join("bad.safetensors"), &bytes).unwrap();
        let output = neurona(d, &["inspect", "bad.safetensors"]);
        let (_, err) = text(&output);
        assert!(!err.contains("panicked"), "round {round}: {err}");
        match output.status.code() {
            Some(0) => {}
            Some(1) => {
                assert!(err.starts_with("error: "), "round {round}: {err}");
                rejected += 1;
            }
            other => panic!("round {round}: exit code {other:?}: {err}"),
        }
    }
    assert!(rejected >= 20, "only {rejected} of 60 corruptions were noticed");
}

#[test]
fn trace_prints_the_worked_example() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(dir.path(), &["trace"]);
    for expected in [
        "out_h1 = 1 / (1 + e^-0.377500000) = 0.593269992",
        "out_h2",
        "0.596884378",
        "out_o1",
        "0.751365070",
        "0.772928465",
        "E_total = 0.298371109",
        "= 0.358916480",
        "= 0.408666186",
        "= 0.511301270",
        "= 0.561370121",
        "= 0.149780716",
        "= 0.199561432",
        "= 0.249751144",
        "= 0.299502287",
    ] {
        assert!(out.contains(expected), "missing '{expected}' in:\n{out}");
    }
    let custom = ok(
        dir.path(),
        &[
            "trace",
            "--weights",
            "0.5,-0.5",
            "--biases",
            "0",
            "--inputs",
            "1,1",
            "--targets",
            "1",
            "--learning-rate",
            "1",
        ],
    );
    assert!(custom.contains("net_o1 = w1*i1 + w2*i2 + b = 0.5*1 + -0.5*1 + 0 = 0.000000000"), "{custom}");
    let err = fails(dir.path(), &["trace", "--weights", "0.5,x"], 1);
    assert!(err.contains("'x' is not a number"), "{err}");
}

#[test]
fn save_and_load_give_bit_identical_predictions_in_both_float_types() {
    use neurona::prelude::*;
    use neurona_cli::model::{AnyModel, ClassLabel, Extra, FeatureColumns, Predictions, Scaler};
    let dir = tempfile::tempdir().unwrap();
    let digits = neurona::datasets::digits();
    let x = digits.data.mapv(|v| v / 16.0);
    let labels: Vec<ClassLabel> = digits.target.iter().map(|t| ClassLabel::Text(t.to_string())).collect();
    let params = MlpParams::new().hidden_layer_sizes([8]).max_iter(3).random_state(0).check().unwrap();
    let mut wide = MlpClassifier::<f64, ClassLabel>::new(params.clone());
    wide.fit(x.view(), &labels).unwrap();
    let mut narrow = MlpClassifier::<f32, ClassLabel>::new(params);
    narrow.fit(x.mapv(|v| v as f32).view(), &labels).unwrap();
    let extra = Extra {
        features: FeatureColumns::Named(digits.feature_names.clone()),
        target_names: vec!["digit".into()],
        scaler: Scaler::None,
        source: "test".into(),
    };
    for model in [AnyModel::Classifier64(wide), AnyModel::Classifier32(narrow)] {
        let path = dir.path().join("m.safetensors");
        neurona::persist::write_atomically(&path, &model.to_bytes(&extra).unwrap()).unwrap();
        let (loaded, loaded_extra) = AnyModel::load(&path).unwrap();
        assert_eq!(loaded, model);
        assert_eq!(loaded_extra, extra);
        let (Predictions::Labels { proba: a, .. }, Predictions::Labels { proba: b, .. }) =
            (model.predict(&x).unwrap(), loaded.predict(&x).unwrap())
        else {
            panic!("classifier predictions")
        };
        assert!(a.iter().zip(b.iter()).all(|(p, q)| p.to_bits() == q.to_bits()));
    }
}

#[test]
fn library_model_files_take_their_features_by_position_and_keep_integer_classes() {
    use neurona::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let iris = neurona::datasets::iris();
    // Written by the library, not by `neurona train`: integer labels and no column names.
    let mlp_params = MlpParams::new().hidden_layer_sizes([3]).max_iter(2).random_state(0).check().unwrap();
    let mut mlp = MlpClassifier::<f64, usize>::new(mlp_params);
    mlp.fit(iris.data.view(), &iris.target).unwrap();
    mlp.save(d.join("mlp.safetensors")).unwrap();
    // Classes whose text would sort otherwise ("10" < "2"): the command keeps them as numbers.
    let y: Vec<i64> = iris.target.iter().map(|&t| [2, 10, 30][t]).collect();
    let mut perceptron = Perceptron::<f32, i64>::new(PerceptronParams::new().max_iter(5).check().unwrap());
    perceptron.fit(iris.data.mapv(|v| v as f32).view(), &y).unwrap();
    perceptron.save(d.join("perceptron.safetensors")).unwrap();

    let (names, mut columns) = iris_columns();
    columns[4] = Column::Numeric(y.iter().map(|&v| v as f64).collect());
    write_csv(&d.join("iris.csv"), &names, &columns).unwrap();
    write_csv(&d.join("features.csv"), &names[..4], &columns[..4]).unwrap();

    let out = ok(d, &["predict", "--model", "mlp.safetensors", "--data", "features.csv"]);
    let expected: Vec<String> = mlp.predict(iris.data.view()).unwrap().iter().map(usize::to_string).collect();
    assert_eq!(out.lines().skip(1).collect::<Vec<_>>(), expected, "{out}");
    let out = ok(d, &["predict", "--model", "perceptron.safetensors", "--data", "features.csv"]);
    let predicted = perceptron.predict(iris.data.mapv(|v| v as f32).view()).unwrap();
    let expected: Vec<String> = predicted.iter().map(i64::to_string).collect();
    assert_eq!(out.lines().skip(1).collect::<Vec<_>>(), expected, "{out}");

    let inspect = ok(d, &["inspect", "perceptron.safetensors"]);
    assert!(inspect.contains("classes: 2, 10, 30"), "{inspect}");
    assert!(inspect.contains("features: 4 unnamed columns, taken in order"), "{inspect}");
    assert!(inspect.contains("written by the Rust crate"), "{inspect}");
    // The features are every column but the targets, in order: a fifth column is an error.
    let err = fails(d, &["predict", "--model", "perceptron.safetensors", "--data", "iris.csv"], 1);
    assert!(err.contains("takes its 4 features by position, but the file has 5 feature column(s)"), "{err}");
    let out = ok(d, &["evaluate", "--model", "perceptron.safetensors", "--data", "iris.csv", "--target", "species"]);
    assert!(out.contains("accuracy:"), "{out}");
    let err = fails(d, &["evaluate", "--model", "perceptron.safetensors", "--data", "iris.csv"], 1);
    assert!(err.contains("names no target column") && err.contains("--target COLUMN"), "{err}");
    // Warm-starting it reads the table's whole numbers as its integer classes.
    let out = ok(
        d,
        &[
            "train",
            "--model-kind",
            "perceptron",
            "--warm-start",
            "--model",
            "perceptron.safetensors",
            "--data",
            "iris.csv",
            "--target",
            "species",
            "--class-weight",
            "10=2",
            "--no-report",
        ],
    );
    assert!(out.contains("warm start: continuing Perceptron"), "{out}");
    let inspect = ok(d, &["inspect", "perceptron.safetensors"]);
    assert!(inspect.contains("classes: 2, 10, 30") && inspect.contains("[[10,2.0]]"), "{inspect}");
}

#[test]
fn a_model_file_with_labels_the_command_cannot_use_is_refused() {
    use neurona::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let iris = neurona::datasets::iris();
    let y: Vec<bool> = iris.target.iter().map(|&t| t == 2).collect();
    let mut clf = Perceptron::<f64, bool>::new(PerceptronParams::new().max_iter(5).check().unwrap());
    clf.fit(iris.data.view(), &y).unwrap();
    clf.save(dir.path().join("library.safetensors")).unwrap();
    let (names, columns) = iris_columns();
    write_csv(&dir.path().join("iris.csv"), &names[..4], &columns[..4]).unwrap();
    let err = fails(dir.path(), &["predict", "--model", "library.safetensors", "--data", "iris.csv"], 1);
    assert!(err.contains("class label of another type"), "{err}");
}

#[test]
fn ctrl_c_stops_after_the_current_epoch_and_keeps_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_neurona"))
        .args([
            "train",
            "--dataset",
            "digits",
            "--hidden-layer-sizes",
            "16",
            "--max-iter",
            "100000",
            "--n-iter-no-change",
            "inf",
            "--no-report",
        ])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Let it get into the epoch loop, then interrupt it as a terminal's Ctrl-C would.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(started.elapsed().as_secs() < 30, "training did not stop after Ctrl-C");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let output = child.wait_with_output().unwrap();
    let (out, err) = text(&output);
    assert!(output.status.success(), "{out}\n{err}");
    assert!(out.contains("interrupted by Ctrl-C: the model trained so far is kept"), "{out}");
    assert!(dir.path().join("model.safetensors").is_file());
    let inspect = ok(dir.path(), &["inspect", "model.safetensors"]);
    assert!(inspect.contains("converged: false"), "{inspect}");
}

#[test]
fn warm_start_continues_the_saved_model() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let common = [
        "--dataset",
        "iris",
        "--hidden-layer-sizes",
        "4",
        "--n-iter-no-change",
        "inf",
        "--random-state",
        "1",
        "--no-report",
    ];
    let mut first = vec!["train", "--max-iter", "3"];
    first.extend_from_slice(&common);
    ok(d, &first);
    let mut second = vec!["train", "--max-iter", "2", "--warm-start"];
    second.extend_from_slice(&common);
    let out = ok(d, &second);
    assert!(out.contains("warm start: continuing MLPClassifier from model.safetensors"), "{out}");
    let inspect = ok(d, &["inspect", "model.safetensors"]);
    assert!(inspect.contains("epochs in all: 5"), "{inspect}");
    assert!(inspect.contains("iterations in the last call: 2"), "{inspect}");
}

/// The first `n` rows of a CSV file (header included), for a two-class iris.
fn head_of(path: &Path, n: usize, to: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().take(n + 1).collect();
    std::fs::write(to, lines.join("\n") + "\n").unwrap();
}

#[test]
fn perceptron_train_predict_evaluate_round_trip_on_csv() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (names, columns) = iris_columns();
    write_csv(&d.join("iris.csv"), &names, &columns).unwrap();
    for dtype in ["f64", "f32"] {
        let out = ok(
            d,
            &[
                "train",
                "--model-kind",
                "perceptron",
                "--data",
                "iris.csv",
                "--target",
                "species",
                "--penalty",
                "l2",
                "--alpha",
                "0.001",
                "--dtype",
                dtype,
                "--model",
                "p.safetensors",
                "--report",
                "rep",
            ],
        );
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
    let inspect = ok(d, &["inspect", "model.safetensors"]);
    assert!(inspect.contains("coef_ 1 x 4 (one weight vector, positive for the second class)"), "{inspect}");
}

#[test]
fn proba_on_a_perceptron_and_decision_scores_of_an_mlp_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (names, columns) = iris_columns();
    write_csv(&d.join("iris.csv"), &names, &columns).unwrap();
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
    let mut first = vec!["train", "--max-iter", "3"];
    first.extend_from_slice(&common);
    ok(d, &first);
    let mut second = vec!["train", "--max-iter", "2", "--warm-start"];
    second.extend_from_slice(&common);
    let out = ok(d, &second);
    assert!(out.contains("warm start: continuing Perceptron from model.safetensors"), "{out}");
    let inspect = ok(d, &["inspect", "model.safetensors"]);
    // fit restarts t_ as scikit-learn does: 1 + 2 epochs x 112 training rows.
    assert!(inspect.contains("epochs in the last call: 2") && inspect.contains("t_: 225.0"), "{inspect}");
    let err = fails(d, &["train", "--max-iter", "2", "--warm-start", "--dataset", "iris", "--no-report"], 1);
    assert!(err.contains("the model file holds a Perceptron, which cannot continue as --model-kind mlp"), "{err}");
}

#[test]
fn rbm_train_then_transform() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (names, columns) = iris_columns();
    write_csv(&d.join("iris.csv"), &names, &columns).unwrap();
    // --target leaves the species out of the features; the RBM needs no target.
    let out = ok(
        d,
        &[
            "train",
            "--model-kind",
            "rbm",
            "--data",
            "iris.csv",
            "--target",
            "species",
            "--n-components",
            "5",
            "--n-iter",
            "3",
            "--batch-size",
            "20",
            "--learning-rate",
            "0.05",
            "--random-state",
            "0",
            "--model",
            "rbm.safetensors",
            "--no-report",
        ],
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
    // Without --target every column must be a number.
    let err = fails(d, &["train", "--model-kind", "rbm", "--data", "iris.csv", "--model", "x.safetensors"], 1);
    assert!(err.contains("feature column 'species' is not numeric"), "{err}");
}

#[test]
fn rbm_on_digits_reports_its_curve_and_hidden_units() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = ok(
        d,
        &[
            "train",
            "--model-kind",
            "rbm",
            "--n-components",
            "16",
            "--n-iter",
            "2",
            "--random-state",
            "0",
            "--dtype",
            "f32",
        ],
    );
    assert!(out.contains("bundled digits data set (1797 rows, 64 features; unsupervised"), "{out}");
    for file in ["pseudo_likelihood.svg", "pseudo_likelihood.png", "components.svg", "components.png", "report.html"] {
        assert!(d.join("neurona-report").join(file).is_file(), "{file} missing");
    }
    let html = std::fs::read_to_string(d.join("neurona-report/report.html")).unwrap();
    assert!(html.contains("<h2>Hidden units</h2>") && html.contains("<th>n_components</th><td>16</td>"));
    assert!(ok(d, &["inspect", "model.safetensors"]).contains("BernoulliRBM (float32)"));
}

#[test]
fn flags_of_another_model_kind_are_usage_errors() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let cases: [(&[&str], &str); 12] = [
        (
            &["--model-kind", "perceptron", "--hidden-layer-sizes", "10"],
            "--hidden-layer-sizes does not apply to --model-kind perceptron",
        ),
        (
            &["--model-kind", "perceptron", "--batch-size", "10", "--solver", "sgd"],
            "--solver, --batch-size do not apply to --model-kind perceptron",
        ),
        (
            &["--model-kind", "rbm", "--early-stopping", "--alpha", "1"],
            "--alpha, --early-stopping do not apply to --model-kind rbm",
        ),
        (&["--model-kind", "rbm", "--task", "classification"], "--task does not apply to --model-kind rbm"),
        (&["--penalty", "l2"], "--penalty does not apply to --model-kind mlp"),
        (&["--n-components", "3"], "--n-components does not apply to --model-kind mlp"),
        (
            &["--model-kind", "rbm", "--learning-rate", "adaptive"],
            "--learning-rate must be a number for --model-kind rbm",
        ),
        (&["--learning-rate", "0.1"], "learning_rate must be a schedule for --model-kind mlp"),
        (&["--model-kind", "rbm", "--batch-size", "auto"], "--batch-size must be a number for --model-kind rbm"),
        (&["--model-kind", "perceptron", "--n-iter-no-change", "inf"], "--n-iter-no-change must be a whole number"),
        (&["--model-kind", "perceptron", "--eta0", "0"], "eta0 must be a float > 0, got 0"),
        (&["--model-kind", "rbm", "--n-components", "0"], "n_components must be an integer >= 1, got 0"),
    ];
    for (args, expected) in cases {
        let mut full = vec!["train", "--model", "out.safetensors", "--report", "rep"];
        full.extend_from_slice(args);
        let err = fails(d, &full, 2);
        assert!(err.contains(expected), "{args:?}: expected '{expected}' in: {err}");
    }
    let err = fails(d, &["train", "--model-kind", "perceptron", "--dataset", "diabetes", "--task", "regression"], 2);
    assert!(err.contains("--task regression does not apply to --model-kind perceptron"), "{err}");
    fails(d, &["train", "--model-kind", "perceptron", "--class-weight", "heavy"], 2);
    fails(d, &["train", "--model-kind", "hopfield"], 2);
    // A regression target is refused by the perceptron unless --task says it is classes.
    let err = fails(d, &["train", "--model-kind", "perceptron", "--dataset", "diabetes"], 1);
    assert!(err.contains("the perceptron classifies, but target 'progression' holds"), "{err}");
    assert!(files_in(d).is_empty(), "nothing written: {:?}", files_in(d));
}

#[test]
fn corrupted_perceptron_and_rbm_files_give_a_clean_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["train", "--model-kind", "perceptron", "--dataset", "iris", "--model", "p.safetensors", "--no-report"]);
    ok(
        d,
        &[
            "train",
            "--model-kind",
            "rbm",
            "--dataset",
            "iris",
            "--n-components",
            "3",
            "--n-iter",
            "1",
            "--model",
            "r.safetensors",
            "--no-report",
        ],
    );
    let mut state = 0x51_7CC1_B727_220Au64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for model in ["p.safetensors", "r.safetensors"] {
        let original = std::fs::read(d.join(model)).unwrap();
        let mut rejected = 0;
        for round in 0..30 {
            let mut bytes = original.clone();
            if round % 3 == 0 {
                bytes.truncate((next() as usize) % bytes.len());
            } else {
                for _ in 0..1 + next() % 4 {
                    let at = (next() as usize) % bytes.len();
                    bytes[at] ^= 1 << (next() % 8);
                }
            }
            std::fs::write(d.join("bad.safetensors"), &bytes).unwrap();
            let output = neurona(d, &["inspect", "bad.safetensors"]);
            let (_, err) = text(&output);
            assert!(!err.contains("panicked"), "{model} round {round}: {err}");
            match output.status.code() {
                Some(0) => {}
                Some(1) => rejected += 1,
                other => panic!("{model} round {round}: exit code {other:?}: {err}"),
            }
        }
        assert!(rejected >= 10, "{model}: only {rejected} of 30 corruptions were noticed");
    }
}

/// `neurona ... | head -1`: a reader that goes away ends the command quietly (killed by SIGPIPE,
/// as `cat` would be), not with a panic in `println!`.
#[cfg(unix)]
#[test]
fn a_closed_standard_output_ends_the_command_quietly() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;

    let dir = tempfile::tempdir().unwrap();
    ok(dir.path(), &["train", "--max-iter", "2", "--no-report", "--quiet"]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_neurona"))
        .args(["inspect", "model.safetensors"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Closed before the command has read its model, let alone written a line.
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.signal(), Some(libc::SIGPIPE), "{:?}: {stderr}", output.status);
}

#[test]
fn a_target_other_than_a_bundled_sets_own_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = fails(dir.path(), &["train", "--dataset", "iris", "--target", "petal_width", "--no-report"], 2);
    assert!(
        err.contains("--target names columns of a --data file; the bundled iris data set has the target 'species'"),
        "{err}"
    );
    assert!(files_in(dir.path()).is_empty(), "nothing written");
    let out = ok(dir.path(), &["train", "--dataset", "iris", "--target", "species", "--max-iter", "3", "--no-report"]);
    assert!(out.contains("target 'species'"), "{out}");
}

#[test]
fn integer_labels_are_classes_sorted_as_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let rows: String = (0..40).map(|i| format!("{i},{},{}\n", i % 7, if i % 2 == 0 { 3 } else { 10 })).collect();
    write(dir.path(), "ints.csv", &format!("a,b,y\n{rows}"));
    write(dir.path(), "mixed.csv", &format!("a,b,y\n{}", rows.replace(",10\n", ",x\n")));
    let train = |data: &str| {
        ok(
            dir.path(),
            &["train", "--data", data, "--target", "y", "--max-iter", "3", "--no-report", "--model", "m.safetensors"],
        );
        ok(dir.path(), &["inspect", "m.safetensors"])
    };
    // As text, "10" would sort before "3".
    let inspect = train("ints.csv");
    assert!(inspect.contains("classes: 3, 10"), "{inspect}");
    // Not all integers: text, sorted as text.
    let inspect = train("mixed.csv");
    assert!(inspect.contains("classes: 3, x"), "{inspect}");
}
