use super::*;

#[test]
fn bad_data_gets_a_clear_message_exit_code_1_and_no_model() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "empty.csv", "");
    write(d, "header_only.csv", "a,b,label\n");
    write(d, "ragged.csv", "a,b,label\n1,2,x\n3,y\n");
    write(d, "nan.csv", "a,b,label\n1,2,x\n2,nan,y\n3,4,x\n4,5,y\n");
    write(d, "inf.csv", "a,b,label\n1,2,x\n2,inf,y\n3,4,x\n4,5,y\n");
    write(d, "one_class.csv", "a,b,label\n1,2,x\n2,3,x\n3,4,x\n4,5,x\n");
    write(d, "good.csv", "a,b,label\n1,2,x\n2,3,y\n3,4,x\n4,5,y\n5,6,x\n6,7,y\n7,8,x\n8,9,y\n");
    let cases: [(&[&str], &str); 8] = [
        (&["--data", "missing.csv", "--target", "label"], "missing.csv"),
        (&["--data", "empty.csv", "--target", "label"], "empty"),
        (&["--data", "header_only.csv", "--target", "label"], "no rows"),
        (&["--data", "ragged.csv", "--target", "label"], "line 3 has 2 fields, but the header has 3"),
        (
            &["--data", "nan.csv", "--target", "label", "--missing", "error"],
            "feature column 'b' has a missing value at row 2",
        ),
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
    let err = fails(dir.path(), &["train", "--no-such-flag"], 2);
    assert!(err.contains("unexpected argument '--no-such-flag'"), "{err}");
    let err = fails(dir.path(), &["train", "--test-fraction", "1.5"], 2);
    assert!(err.contains("--test-fraction must be in [0, 1), got 1.5"), "{err}");
    let help = ok(dir.path(), &["--help"]);
    assert!(help.contains("Exit codes:") && help.contains("2  usage error"), "{help}");
    assert!(!dir.path().join("model.safetensors").exists());
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
    let err = fails(d, &["train", "--model-kind", "perceptron", "--class-weight", "heavy"], 2);
    assert!(err.contains("class_weight must be") && err.contains("'heavy'"), "{err}");
    let err = fails(d, &["train", "--model-kind", "hopfield"], 2);
    assert!(err.contains("invalid value 'hopfield'") && err.contains("mlp, perceptron, rbm"), "{err}");
    // A regression target is refused by the perceptron unless --task says it is classes.
    let err = fails(d, &["train", "--model-kind", "perceptron", "--dataset", "diabetes"], 1);
    assert!(err.contains("the perceptron classifies, but target 'progression' holds"), "{err}");
    assert!(files_in(d).is_empty(), "nothing written: {:?}", files_in(d));
}

/// The hyperparameter flags are the core's spec tables: every hyperparameter of every family is a
/// flag (scikit-learn's name in kebab-case) whose help gives its doc and its default.
#[test]
fn every_spec_is_a_flag_with_its_default_in_the_help() {
    use neurona::estimator::Family;
    let dir = tempfile::tempdir().unwrap();
    let help = ok(dir.path(), &["train", "--help"]);
    // One flag's help: from its name to the next flag, on one line.
    let section = |flag: &str| -> String {
        let start =
            help.find(&format!("      {flag} ")).unwrap_or_else(|| panic!("{flag} is not in the help:\n{help}"));
        let rest = &help[start + flag.len() + 6..];
        let end = rest.find("\n      --").unwrap_or(rest.len());
        rest[..end].split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let mut checked = 0;
    for family in Family::ALL {
        let kind = family.kinds().next().unwrap();
        for spec in kind.specs().into_iter().filter(|spec| spec.name != "verbose") {
            let flag = format!("--{}", spec.name.replace('_', "-"));
            let text = section(&flag);
            let default = format!("{} for {family}", spec.default);
            assert!(
                text.contains(&format!("default: {}]", spec.default)) || text.contains(&default),
                "{flag} of {family}: default {} not in its help: {text}",
                spec.default
            );
            assert!(text.contains(spec.doc.split_whitespace().next().unwrap()), "{flag}: {text}");
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} specs");
    // `--verbose` serves every family; the spec's default is what it sets without the flag.
    assert!(help.contains("--verbose"));
}
