//! Real tables through the binary: numbers, text categories, yes/no and integer-coded
//! categories, missing cells in features and target, an identifier column; the Palmer penguins
//! (`tests/data/penguins.csv`, CC0, from the `palmerpenguins` package).

use super::*;

fn penguins_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/penguins.csv");
    std::fs::copy(source, dir.path().join("penguins.csv")).unwrap();
    dir
}

/// 60 patients: `id` (an identifier), `age` (numbers, 4 missing), `color` (text, 4 missing),
/// `smoker` (yes/no), `grade` (1 to 3, integer-coded), `outcome` (A or B, 2 missing) and `score`
/// (a number to regress).
fn mixed_table() -> String {
    let mut text = "id,age,color,smoker,grade,outcome,score\n".to_owned();
    for i in 0..60usize {
        let age = if i % 17 == 3 { "NA".to_owned() } else { format!("{}", 20.0 + (i * 7 % 45) as f64 * 0.5) };
        let color = if i % 13 == 5 { "" } else { ["red", "green", "blue"][i % 3] };
        let smoker = if i % 4 < 2 { "yes" } else { "no" };
        let grade = 1 + i % 3;
        let outcome = match i {
            7 | 40 => "?",
            _ if color == "red" || (smoker == "yes" && grade == 3) => "A",
            _ => "B",
        };
        let score = (i * 7 % 45) as f64 * 0.5 + if smoker == "yes" { 5.0 } else { 0.0 } + grade as f64;
        text.push_str(&format!("p{i:03},{age},{color},{smoker},{grade},{outcome},{score}\n"));
    }
    text
}

/// Asserts that `out` (a run's output, a report) says each of `parts`.
fn assert_says(out: &str, parts: &[&str]) {
    for part in parts {
        assert!(out.contains(part), "'{part}' missing from:\n{out}");
    }
}

/// A temporary folder holding `mixed.csv` ([`mixed_table`]).
fn mixed_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "mixed.csv", &mixed_table());
    dir
}

#[test]
fn penguins_as_they_stand_reach_095_and_unseen_islands_are_named() {
    let dir = penguins_dir();
    let d = dir.path();
    let out = ok(d, &words("train --data penguins.csv --target species --random-state 0 --no-report"));
    assert_says(
        &out,
        &[
            "data: penguins.csv (344 rows, 10 features; target 'species')",
            "missing: 19 cells imputed: bill_length_mm 2, bill_depth_mm 2, flipper_length_mm 2, body_mass_g 2, sex 11",
            "columns: 7 in, 10 features out; one-hot encoded: island, sex",
        ],
    );
    let accuracy: f64 = out.lines().find_map(|l| l.strip_prefix("test accuracy: ")).unwrap().parse().unwrap();
    assert!(accuracy >= 0.95, "{out}");
    assert_inspect_says(
        d,
        &[
            "features: bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, year, island_Biscoe",
            "island: 3 categories (Biscoe, Dream, Torgersen), one column each, missing -> 'Biscoe'",
            "sex: 2 categories (female, male), one column each, missing -> 'male'",
            "unseen categories: error",
        ],
    );
    let header = "species,island,bill_length_mm,bill_depth_mm,flipper_length_mm,body_mass_g,sex,year\n";
    write(
        d,
        "new.csv",
        &format!("{header}Adelie,Biscoe,39,18,190,3800,male,2008\nAdelie,Atlantis,39,18,190,3800,NA,2008\n"),
    );
    let err = fails(d, &words("predict --model model.safetensors --data new.csv --output p.csv"), 1);
    assert!(
        err.contains(
            "new.csv: feature column 'island' has the category 'Atlantis' at row 2, which the model did not see"
        ) && err.contains("--handle-unknown ignore"),
        "{err}"
    );
    assert!(!d.join("p.csv").exists());
    let out = ok(d, &words("predict --model model.safetensors --data new.csv --handle-unknown ignore"));
    assert_eq!(out.lines().count(), 3, "{out}");
    let out = ok(d, &words("evaluate --model model.safetensors --data penguins.csv"));
    assert!(out.contains("accuracy: 0.9"), "{out}");
}

#[test]
fn a_mixed_table_trains_predicts_and_evaluates_with_its_messages() {
    let dir = mixed_dir();
    let d = dir.path();
    let train = "train --data mixed.csv --target outcome --drop score --random-state 0 --no-report";
    let err = fails(d, &words(train), 1);
    assert!(
        err.contains("feature column 'id' holds text with 43 distinct values in 43 training rows")
            && err.contains("--drop id"),
        "{err}"
    );
    assert!(files_in(d).len() == 1, "a file was left behind");
    let out = ok(d, &words(&format!("{train} --drop id --categorical grade --max-iter 300")));
    assert_says(
        &out,
        &[
            "data: mixed.csv (58 rows, 8 features; target 'outcome')",
            "2 rows without a target left out",
            "missing: 9 cells imputed: age 4, color 5",
            "columns: 4 in, 8 features out; one-hot encoded: color, smoker, grade",
        ],
    );
    assert_inspect_says(
        d,
        &[
            "features: age, color_blue, color_green, color_red, grade_1, grade_2, grade_3, smoker_yes",
            "smoker: yes/no: one 0/1 column, 0 for 'no'",
            "grade: 3 categories (1, 2, 3), one column each",
        ],
    );
    let out = ok(d, &words("predict --model model.safetensors --data mixed.csv"));
    assert_eq!(out.lines().count(), 61, "every row is predicted, missing cells filled: {out}");
    let out = ok(d, &words("evaluate --model model.safetensors --data mixed.csv"));
    assert!(out.contains("58 rows; 2 without a target left out"), "{out}");
    write(d, "new.csv", "age,color,smoker,grade\n30,red,yes,4\n");
    let err = fails(d, &words("predict --model model.safetensors --data new.csv"), 1);
    assert!(err.contains("feature column 'grade' has the category '4' at row 1"), "{err}");

    // The same table as a regression of `score`, the class left out.
    let out = ok(
        d,
        &words(
            "train --data mixed.csv --target score --drop id,outcome --random-state 0 --no-report --model r.safetensors",
        ),
    );
    assert!(out.contains("task: regression") && out.contains("one-hot encoded: color, smoker"), "{out}");
    assert!(ok(d, &words("evaluate --model r.safetensors --data mixed.csv")).contains("R^2"));
}

#[test]
fn missing_cells_can_be_refused_or_their_rows_left_out() {
    let dir = mixed_dir();
    let d = dir.path();
    let base = "train --data mixed.csv --target outcome --features age,color,smoker --no-report --max-iter 20";
    let err = fails(d, &words(&format!("{base} --missing error")), 1);
    assert!(err.contains("mixed.csv: feature column 'age' has a missing value at row 4"), "{err}");
    let out = ok(d, &words(&format!("{base} --missing drop-rows")));
    assert!(out.contains("missing: 9 rows with a missing feature left out (9 cells missing: age 4, color 5)"), "{out}");
    assert!(out.contains("data: mixed.csv (49 rows, 5 features"), "{out}");
    // The model fills nothing: a missing cell at predict is an error naming it.
    let err = fails(d, &words("predict --model model.safetensors --data mixed.csv"), 1);
    assert!(err.contains("feature column 'age' has a missing value at row 4, which the model cannot fill"), "{err}");
}

#[test]
fn bad_column_choices_are_clear_errors_that_leave_no_file() {
    let dir = mixed_dir();
    let d = dir.path();
    write(d, "hollow.csv", "a,b,label\n1,,x\n2,NA,y\n3,?,x\n4,null,y\n");
    write(d, "untargeted.csv", "a,label\n1,NA\n2,\n");
    let cases: [(&str, &str); 7] = [
        ("--data mixed.csv --target outcome --features age,height", "unknown column 'height' given to --features"),
        (
            "--data mixed.csv --target outcome --drop weight",
            "unknown column 'weight' given to --drop (the columns are: 'id', ",
        ),
        ("--data mixed.csv --target outcome --features age,outcome", "--features names 'outcome', which is the target"),
        (
            "--data mixed.csv --target outcome --drop id --categorical outcome",
            "--categorical names 'outcome', which is not a feature column",
        ),
        (
            "--data hollow.csv --target label",
            "feature column 'b' has no value in the 3 training rows (every cell is missing): leave it out with --drop b",
        ),
        (
            "--data untargeted.csv --target label",
            "untargeted.csv: every row lacks the target (2 rows, none with a value in 'label')",
        ),
        (
            "--data mixed.csv --target outcome --drop id,age,color,smoker,grade,score",
            "no feature columns left once the target(s) are taken and the --drop columns",
        ),
    ];
    for (args, expected) in cases {
        let err =
            fails(d, &[&["train", "--model", "out.safetensors", "--report", "rep"][..], &words(args)].concat(), 1);
        assert!(err.contains(expected), "{args}: expected '{expected}' in: {err}");
        assert!(!d.join("out.safetensors").exists() && !d.join("rep").exists(), "{args} left output behind");
    }
    assert!(fails(d, &words("train --dataset iris --drop species"), 2).contains("--drop names columns of a --data"));
}

/// A test set of its own, a warm start and the report all keep the preprocessing fitted on the
/// training rows; a Parquet table reads its NaN as missing cells.
#[test]
fn test_data_warm_start_report_and_parquet_keep_the_preprocessing() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let text = mixed_table();
    let lines: Vec<&str> = text.lines().collect();
    write(d, "train.csv", &(lines[..41].join("\n") + "\n"));
    write(d, "test.csv", &([&lines[..1], &lines[41..]].concat().join("\n") + "\n"));
    let common = "--data train.csv --target outcome --drop id,score --categorical grade --random-state 0";
    let out = ok(d, &words(&format!("train {common} --test-data test.csv --report rep")));
    assert_says(
        &out,
        &[
            "data: train.csv (39 rows, 8 features; target 'outcome')",
            "test data: test.csv (19 rows, 8 features)",
            "1 row without a target left out",
            "test data: 1 row without a target left out",
        ],
    );
    let report = std::fs::read_to_string(d.join("rep/report.html")).unwrap();
    assert_says(
        &report,
        &["color: 3 categories (blue, green, red), one column each", "age: number, missing -&gt; median"],
    );
    let out = ok(d, &words(&format!("train {common} --warm-start --max-iter 3 --no-report")));
    assert!(out.contains("warm start: continuing MLPClassifier"), "{out}");
    assert_inspect_says(d, &["grade: 3 categories (1, 2, 3), one column each"]);

    let names = ["age", "color", "smoker", "grade"].map(String::from).to_vec();
    let columns = vec![
        Column::Numeric(vec![30.0, f64::NAN]),
        Column::Text(vec!["red".into(), "".into()]),
        Column::Text(vec!["yes".into(), "no".into()]),
        Column::Numeric(vec![1.0, 3.0]),
    ];
    write_parquet(&d.join("new.parquet"), &names, &columns).unwrap();
    let out = ok(d, &words("predict --model model.safetensors --data new.parquet"));
    assert_eq!(out.lines().count(), 3, "{out}");
}
