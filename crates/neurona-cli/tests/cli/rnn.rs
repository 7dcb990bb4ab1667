//! Recurrent networks from the command line: train, predict, evaluate and inspect on a long
//! table (one target per sequence, or per step), on `.ts` files and on the bundled Japanese
//! vowels; and the bad inputs of sequences, each with its message and exit code, leaving
//! nothing behind. Small networks and few epochs keep the debug build fast.

use super::*;

/// The label of sequence `i` is the sign of its first step's `a`; the later steps carry no
/// hint of it.
fn label_of(i: usize) -> &'static str {
    if i.is_multiple_of(2) { "up" } else { "down" }
}

fn first_value(i: usize) -> f64 {
    if i.is_multiple_of(2) { 1.0 } else { -1.0 }
}

/// A long table of 16 sequences of 3 to 6 steps: `id` (text), `t` (the step, rows written in
/// reverse step order so that `--step` must sort them), features `a` and `b`, and `label`,
/// given on every row of the even sequences and only on the last row of the odd ones (a missing
/// cell elsewhere: `nan`, empty, `NA` or `?`). `lacking` names a sequence whose every label is
/// missing.
fn long_table(lacking: Option<usize>) -> String {
    let mut rows = Vec::new();
    for i in (0..16).rev() {
        let len = 3 + i % 4;
        for t in (0..len).rev() {
            let a = if t == 0 { first_value(i) } else { 0.1 * t as f64 };
            let given = lacking != Some(i) && (i % 2 == 0 || t == len - 1);
            let label = if given { label_of(i) } else { ["nan", "", "NA", "?"][t % 4] };
            rows.push(format!("s{i},{t},{a},{},{label}", 0.01 * i as f64));
        }
    }
    format!("id,t,a,b,label\n{}\n", rows.join("\n"))
}

/// Cases in `.ts` form: 2 channels of 2 to 5 steps, the class the sign of the first value.
fn ts_file(n: usize) -> String {
    let mut lines = vec![
        "# a tiny multivariate problem of unequal length".to_owned(),
        "@problemName tiny".to_owned(),
        "@univariate false".to_owned(),
        "@dimensions 2".to_owned(),
        "@equalLength false".to_owned(),
        "@classLabel true up down".to_owned(),
        "@data".to_owned(),
    ];
    for i in 0..n {
        let len = 2 + i % 4;
        let a: Vec<String> =
            (0..len).map(|t| if t == 0 { first_value(i) } else { 0.2 * t as f64 }.to_string()).collect();
        let b: Vec<String> = (0..len).map(|t| (0.5 - 0.1 * t as f64).to_string()).collect();
        lines.push(format!("{}:{}:{}", a.join(","), b.join(","), label_of(i)));
    }
    lines.join("\n") + "\n"
}

/// The number after `prefix` on a line of `out`.
fn value_after(out: &str, prefix: &str) -> f64 {
    out.lines()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no '{prefix}' line in:\n{out}"))
        .trim()
        .parse()
        .unwrap()
}

const SMALL: &str = "--hidden-size 4 --max-iter 8 --random-state 0";

#[test]
fn a_long_table_with_one_target_per_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "seq.csv", &long_table(None));
    let line =
        format!("train --model-kind rnn --cell gru --data seq.csv --sequence-id id --step t --target label {SMALL}");
    let out = ok(d, &words(&line));
    assert!(out.contains("data: seq.csv (16 sequences of 3 to 6 steps, 2 features; target 'label')"), "{out}");
    assert!(out.contains("split: 12 training sequences, 4 test sequences"), "{out}");
    assert!(out.contains("network: 2 features per step -> gru x 1 layer(s) of 4 units"), "{out}");
    assert!((0.0..=1.0).contains(&value_after(&out, "test accuracy: ")), "{out}");
    for file in ["model.safetensors", "neurona-report/report.html", "neurona-report/loss.svg"] {
        assert!(d.join(file).is_file(), "{file} missing");
    }

    // One prediction per sequence, named by its id, in order of first appearance.
    let predicted = ok(d, &words("predict --model model.safetensors --data seq.csv --proba"));
    let lines: Vec<&str> = predicted.lines().collect();
    assert_eq!(lines[0], "id,predicted_label,proba_down,proba_up", "{predicted}");
    assert_eq!(lines.len(), 17, "{predicted}");
    assert!(lines[1].starts_with("s15,") && lines[16].starts_with("s0,"), "{predicted}");

    let report = ok(d, &words("evaluate --model model.safetensors --data seq.csv"));
    assert!(
        report.contains("RNNClassifier (float64) on seq.csv (72 rows, 16 sequences, scored per sequence)"),
        "{report}"
    );
    assert!(report.contains("accuracy"), "{report}");

    assert_inspect_says(
        d,
        &[
            "RNNClassifier (float64), model file format version",
            "architecture: 2 -> 4 -> 1",
            "gru cell, 1 layer(s) of 4 units",
            "sequences: the rows of each value of 'id', steps ordered by 't'",
            "classes: down, up",
            "features: a, b",
        ],
    );

    // A model trained on a table reads another table's sequences by its own id column, or by
    // the one given.
    let renamed = std::fs::read_to_string(d.join("seq.csv")).unwrap().replacen("id,", "utterance,", 1);
    write(d, "renamed.csv", &renamed);
    let err = fails(d, &words("predict --model model.safetensors --data renamed.csv"), 1);
    assert!(err.contains("no --sequence-id column 'id'"), "{err}");
    let predicted = ok(d, &words("predict --model model.safetensors --data renamed.csv --sequence-id utterance"));
    assert!(predicted.starts_with("utterance,predicted_label\n"), "{predicted}");
}

#[test]
fn a_long_table_with_one_target_per_step() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The target of each step is the running sum of `x` so far; ids are numbers, rows in
    // table order (no step column).
    let mut rows = Vec::new();
    for i in 1..=10 {
        let mut total = 0.0;
        for t in 0..(2 + i % 3) {
            let x = ((i * 7 + t * 3) % 5) as f64 - 2.0;
            total += x;
            rows.push(format!("{i},{x},{total}"));
        }
    }
    let n_rows = rows.len();
    write(d, "steps.csv", &format!("series,x,y\n{}\n", rows.join("\n")));
    let line = format!(
        "train --model-kind rnn --data steps.csv --sequence-id series --target y --output step --task regression {SMALL}"
    );
    let out = ok(d, &[&words(&line)[..], &["--test-fraction", "0", "--no-report"]].concat());
    assert!(out.contains("task: regression"), "{out}");
    assert!(value_after(&out, "train R^2: ").is_finite(), "{out}");

    let predicted = ok(d, &words("predict --model model.safetensors --data steps.csv"));
    let lines: Vec<&str> = predicted.lines().collect();
    assert_eq!(lines[0], "series,predicted_y", "{predicted}");
    assert_eq!(lines.len(), n_rows + 1, "one prediction per row:\n{predicted}");
    let ids: Vec<&str> = lines[1..].iter().map(|l| l.split(',').next().unwrap()).collect();
    let expected: Vec<String> = rows.iter().map(|r| r.split(',').next().unwrap().to_owned()).collect();
    assert_eq!(ids, expected, "in the table's row order");

    let report = ok(d, &words("evaluate --model model.safetensors --data steps.csv"));
    assert!(report.contains(&format!("scored on {n_rows} steps")), "{report}");
    assert!(report.lines().any(|l| l.trim_start().starts_with('y')), "{report}");
    assert_inspect_says(d, &["RNNRegressor", "outputs: one per step"]);
}

#[test]
fn ts_files_of_unequal_length() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "train.ts", &ts_file(16));
    write(d, "test.ts", &ts_file(6));
    let line = format!("train --model-kind rnn --cell rnn --data train.ts --test-data test.ts {SMALL} --no-report");
    let out = ok(d, &words(&line));
    assert!(out.contains("data: train.ts (16 sequences of 2 to 5 steps, 2 features; target 'class')"), "{out}");
    assert!(out.contains("test data: test.ts (6 sequences of 2 to 5 steps, 2 features)"), "{out}");
    assert!(out.contains("split: 16 training sequences, 6 test sequences"), "{out}");
    assert!(value_after(&out, "test accuracy: ") >= 0.0, "{out}");

    let predicted = ok(d, &words("predict --model model.safetensors --data test.ts"));
    let lines: Vec<&str> = predicted.lines().collect();
    assert_eq!(lines[0], "case,predicted_class", "{predicted}");
    assert_eq!(lines.len(), 7);
    assert!(lines[1].starts_with("0,") && lines[6].starts_with("5,"), "{predicted}");
    let report = ok(d, &words("evaluate --model model.safetensors --data test.ts"));
    assert!(report.contains("on test.ts (6 cases, 6 sequences, scored per sequence)"), "{report}");
    assert_inspect_says(d, &["features: dim_0, dim_1", "rnn cell"]);

    // A .ts model reads a long table whose columns are its channels, given the id column.
    write(d, "long.csv", "case,dim_0,dim_1\n0,1,0.5\n0,0.2,0.4\n1,-1,0.5\n1,0.2,0.4\n1,0.4,0.3\n");
    let err = fails(d, &words("predict --model model.safetensors --data long.csv"), 2);
    assert!(err.contains("give --sequence-id COLUMN"), "{err}");
    let predicted = ok(d, &words("predict --model model.safetensors --data long.csv --sequence-id case"));
    assert_eq!(predicted.lines().count(), 3, "{predicted}");
}

#[test]
fn the_bundled_japanese_vowels_run_with_no_data_given() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = ok(d, &words("train --model-kind rnn --hidden-size 8 --max-iter 2 --random-state 0"));
    assert!(
        out.contains(
            "data: bundled JapaneseVowels data set (270 sequences of 7 to 26 steps, 12 features; target 'speaker')"
        ),
        "{out}"
    );
    assert!(out.contains("split: 270 training sequences, 370 test sequences"), "{out}");
    assert!(out.contains("task: classification"), "{out}");
    assert!((0.0..=1.0).contains(&value_after(&out, "test accuracy: ")), "{out}");
    assert!(d.join("neurona-report/report.html").is_file() && d.join("neurona-report/loss.svg").is_file());
    let report = std::fs::read_to_string(d.join("neurona-report/report.html")).unwrap();
    assert!(report.contains("sequences (train / test)") && report.contains("270 / 370"), "the report's rows");
    assert_inspect_says(d, &["classes: 1, 2, 3, 4, 5, 6, 7, 8, 9"]);
    let listed = ok(d, &["datasets"]);
    assert!(listed.contains("japanese-vowels") && listed.contains("CC BY 4.0"), "{listed}");
}

#[test]
fn bad_sequence_input_gets_a_clear_message_and_no_model() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(d, "lacking.csv", &long_table(Some(5)));
    write(d, "seq.csv", &long_table(None));
    let mut malformed = ts_file(4);
    // Line 9 (header lines 1-7, then the cases) loses a value to a word.
    malformed = malformed.replacen("0.2,0.4", "0.2,zero", 1);
    assert!(malformed.lines().nth(8).unwrap().contains("zero"), "{malformed}");
    write(d, "malformed.ts", &malformed);
    write(d, "good.ts", &ts_file(4));
    let cases: &[(&str, i32, &str)] = &[
        ("--data lacking.csv --sequence-id id --step t --target label", 1, "has no target for sequence 's5'"),
        ("--data malformed.ts", 1, "malformed.ts: .ts data line 9:"),
        (
            "--data seq.csv --sequence-id id --step t --target label --output step",
            1,
            "target column 'label' has no target at row 6 (step 0 of sequence 's15')",
        ),
        ("--data seq.csv --target label", 2, "--model-kind rnn on a table needs --sequence-id COLUMN"),
        ("--data seq.csv --sequence-id idx --target label", 1, "unknown --sequence-id column 'idx'"),
        (
            "--data seq.csv --sequence-id id --step label --target a",
            1,
            "step column 'label' is not numeric (row 1: 'down')",
        ),
        ("--data good.ts --output step", 2, "--output step needs a target per step"),
        ("--data good.ts --target class", 2, "--target name(s) columns of a long table, but good.ts is a .ts file"),
        ("--dataset digits", 2, "--model-kind rnn reads sequences, but --dataset digits is a table"),
    ];
    let prefix = "train --model-kind rnn --model out.safetensors --report rep --max-iter 1";
    assert_refused(d, prefix, cases, &["out.safetensors", "rep"]);
    let err = fails(d, &words("train --data seq.csv --target label --sequence-id id"), 2);
    assert!(err.contains("--sequence-id does not apply to --model-kind mlp"), "{err}");
    let err = fails(d, &words("train --data good.ts"), 2);
    assert!(err.contains("a .ts file holds sequences, which --model-kind rnn reads"), "{err}");
    let err = fails(d, &words("train --dataset japanese-vowels"), 2);
    assert!(err.contains("--dataset japanese-vowels holds sequences"), "{err}");
    // A table model is given no sequence columns, and a recurrent one no rows.
    ok(d, &words("train --dataset iris --max-iter 5 --no-report --quiet --model iris.safetensors"));
    let (names, columns) = iris_columns();
    write_csv(&d.join("iris.csv"), &names, &columns).unwrap();
    let err = fails(d, &words("predict --model iris.safetensors --data iris.csv --sequence-id species"), 2);
    assert!(err.contains("--sequence-id is for a recurrent model, but the model is a MLPClassifier"), "{err}");
}

/// A Parquet long table with two 0/1 targets per sequence (multi-label), in float32, then a
/// warm start that continues the model.
#[test]
fn parquet_multi_label_float32_and_a_warm_start() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (mut ids, mut xs, mut first, mut odd) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for i in 0..12 {
        for t in 0..(2 + i % 3) {
            ids.push(format!("q{i}"));
            xs.push(if t == 0 { first_value(i) } else { 0.3 * t as f64 });
            first.push(f64::from(u8::from(i % 2 == 0)));
            odd.push(f64::from(u8::from(i % 3 == 0)));
        }
    }
    let names: Vec<String> = ["id", "x", "first", "third"].map(String::from).to_vec();
    let columns = vec![Column::Text(ids), Column::Numeric(xs), Column::Numeric(first), Column::Numeric(odd)];
    write_parquet(&d.join("labels.parquet"), &names, &columns).unwrap();
    let common = words(
        "--model-kind rnn --data labels.parquet --sequence-id id --target first --target third --task classification \
         --dtype f32 --hidden-size 3 --random-state 0 --no-report",
    );
    let out = train_then_warm_start(d, &common);
    assert!(out.contains("warm start: continuing RNNClassifier from model.safetensors"), "{out}");
    assert!(out.contains("subset accuracy"), "{out}");
    let predicted = ok(d, &words("predict --model model.safetensors --data labels.parquet --proba"));
    assert!(predicted.starts_with("id,predicted_first,proba_first,predicted_third,proba_third\n"), "{predicted}");
    assert_eq!(predicted.lines().count(), 13, "{predicted}");
    assert_inspect_says(d, &["RNNClassifier (float32)", "multi-label: 2 labels"]);
}

/// A `.ts` file of regression targets (`@targetLabel true`) is a regression without `--task`.
#[test]
fn ts_regression_targets() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut lines = vec!["@problemName sums".to_owned(), "@univariate true".to_owned(), "@targetLabel true".to_owned()];
    lines.push("@data".to_owned());
    for i in 0..10 {
        let values: Vec<f64> = (0..(3 + i % 2)).map(|t| ((i + t) % 4) as f64).collect();
        let text: Vec<String> = values.iter().map(f64::to_string).collect();
        lines.push(format!("{}:{}", text.join(","), values.iter().sum::<f64>()));
    }
    write(d, "sums.ts", &(lines.join("\n") + "\n"));
    let out =
        ok(d, &words("train --model-kind rnn --data sums.ts --cell lstm --hidden-size 3 --max-iter 5 --no-report"));
    assert!(out.contains("target 'target'") && out.contains("task: regression (as the data declares"), "{out}");
    let report = ok(d, &words("evaluate --model model.safetensors --data sums.ts"));
    assert!(report.contains("RNNRegressor (float64) on sums.ts (10 cases, 10 sequences"), "{report}");
    let predicted = ok(d, &words("predict --model model.safetensors --data sums.ts"));
    assert!(predicted.starts_with("case,predicted_target\n"), "{predicted}");
}
