use super::*;

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
fn predict_needs_the_models_columns_and_a_real_model() {
    let dir = iris_dir();
    let d = dir.path();
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

/// `neurona predict ... | head -1`: a reader that goes away ends the command quietly (killed by
/// SIGPIPE, as `cat` would be), not with a panic in `println!`.
///
/// The predictions (about 1 MiB) overflow any pipe buffer, so the signal is certain: another
/// test thread's fork may hold a copy of the pipe's read end for a moment, but only until its
/// exec closes it, and then the blocked write fails. A short output could land in the buffer in
/// that moment and end the command with success, which once made this test flaky.
#[cfg(unix)]
#[test]
fn a_closed_standard_output_ends_the_command_quietly() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;

    let dir = iris_dir();
    let d = dir.path();
    ok(d, &["train", "--data", "iris.csv", "--target", "species", "--max-iter", "2", "--no-report", "--quiet"]);
    let iris = std::fs::read_to_string(d.join("iris.csv")).unwrap();
    let (header, rows) = iris.split_once('\n').unwrap();
    write(d, "many.csv", &format!("{header}\n{}", rows.repeat(100)));
    let mut child = Command::new(env!("CARGO_BIN_EXE_neurona"))
        .args(["predict", "--model", "model.safetensors", "--data", "many.csv", "--proba"])
        .current_dir(d)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.signal(), Some(libc::SIGPIPE), "{:?}: {stderr}", output.status);
}
