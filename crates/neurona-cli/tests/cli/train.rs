use super::*;

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
fn regression_and_its_scores() {
    let dir = tempfile::tempdir().unwrap();
    let out = ok(
        dir.path(),
        &words(
            "train --dataset diabetes --solver lbfgs --hidden-layer-sizes 10 --alpha 1 --random-state 0 --no-report --quiet",
        ),
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
    let out = train_then_warm_start(d, &common);
    assert!(out.contains("warm start: continuing MLPClassifier from model.safetensors"), "{out}");
    assert_inspect_says(d, &["epochs in all: 5", "iterations in the last call: 2"]);
}

/// Runs `neurona train ARGS --no-report` in a fresh directory, as `interrupted_in` does, and
/// returns its standard output and the directory.
fn interrupted_training(args: &[&str]) -> (String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut line = vec!["train"];
    line.extend_from_slice(args);
    line.push("--no-report");
    let out = interrupted_in(dir.path(), &line);
    (out, dir)
}

/// Runs `neurona ARGS` in `dir`, sends it SIGINT (a terminal's Ctrl-C) once it has trained for
/// 1.5 s, and returns its standard output once it exits, which must be within 3 s of the signal
/// (the core asks between minibatches and iterations; the bound leaves room for a loaded machine
/// and for writing the model), saying that it kept the model, and with the model file written.
pub(super) fn interrupted_in(dir: &Path, args: &[&str]) -> String {
    let mut child = spawn(dir, args, true);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert!(child.try_wait().unwrap().is_none(), "{args:?} ended before the signal: make it train longer");
    let status = Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let started = std::time::Instant::now();
    while child.try_wait().unwrap().is_none() {
        assert!(started.elapsed().as_secs() < 30, "training did not stop after Ctrl-C: {args:?}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let reaction = started.elapsed();
    let output = child.wait_with_output().unwrap();
    let (out, err) = text(&output);
    assert!(output.status.success(), "{out}\n{err}");
    assert!(reaction.as_secs_f64() < 3.0, "{args:?} took {reaction:?} to stop after Ctrl-C");
    assert!(out.contains("interrupted by Ctrl-C: the model trained so far is kept"), "{out}");
    assert!(dir.join("model.safetensors").is_file());
    out
}

#[test]
fn ctrl_c_stops_an_sgd_fit_and_keeps_the_model() {
    let (_, dir) = interrupted_training(&[
        "--dataset",
        "digits",
        "--hidden-layer-sizes",
        "16",
        "--max-iter",
        "100000",
        "--n-iter-no-change",
        "inf",
    ]);
    let inspect = ok(dir.path(), &["inspect", "model.safetensors"]);
    assert!(inspect.contains("converged: false"), "{inspect}");
}

/// Every other kind of long fit stops as sgd and adam do: L-BFGS at its last iterate, the
/// perceptron within its epoch, the RBM and the recurrent network between minibatches.
#[test]
fn ctrl_c_stops_every_kind_of_fit_and_keeps_the_model() {
    let kinds: [&[&str]; 4] = [
        &[
            "--dataset",
            "digits",
            "--solver",
            "lbfgs",
            "--hidden-layer-sizes",
            "256,256",
            "--tol",
            "0",
            "--max-fun",
            "1000000",
        ],
        &["--dataset", "digits", "--model-kind", "perceptron", "--tol", "none"],
        &["--dataset", "digits", "--model-kind", "rbm", "--n-iter", "1000000"],
        &["--dataset", "japanese-vowels", "--model-kind", "rnn", "--n-iter-no-change", "inf"],
    ];
    for kind in kinds {
        let many = ["--max-iter", "1000000"];
        let args: Vec<&str> = if kind.contains(&"rbm") { kind.to_vec() } else { [kind, &many[..]].concat() };
        let (_, dir) = interrupted_training(&args);
        let inspect = ok(dir.path(), &["inspect", "model.safetensors"]);
        assert!(!inspect.contains("converged: true"), "{args:?}: {inspect}");
    }
}

/// `--test-data` reads the test set from a second file instead of holding rows out; its
/// features must be those of `--data`, and it excludes `--test-fraction`.
#[test]
fn a_test_set_in_a_second_file() {
    let dir = iris_dir();
    let d = dir.path();
    let text = std::fs::read_to_string(d.join("iris.csv")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Every third flower is a test flower (the file is sorted by species).
    let (mut train, mut test) = (vec![lines[0]], vec![lines[0]]);
    for (i, line) in lines[1..].iter().enumerate() {
        if i % 3 == 0 { test.push(line) } else { train.push(line) }
    }
    write(d, "train.csv", &(train.join("\n") + "\n"));
    write(d, "test.csv", &(test.join("\n") + "\n"));
    let out = ok(d, &words("train --data train.csv --test-data test.csv --target species --max-iter 20 --no-report"));
    assert!(out.contains("test data: test.csv (50 rows, 4 features)"), "{out}");
    assert!(out.contains("split: 100 training rows, 50 test rows"), "{out}");
    assert!(out.contains("test accuracy: "), "{out}");
    write(d, "narrow.csv", "sepal_length,species\n5.1,setosa\n");
    let err = fails(d, &words("train --data train.csv --test-data narrow.csv --target species"), 1);
    assert!(err.contains("--test-data narrow.csv has the features [\"sepal_length\"]"), "{err}");
    let err = fails(d, &words("train --data train.csv --test-data test.csv --target species --test-fraction 0.1"), 2);
    assert!(err.contains("cannot be used with"), "{err}");
}
