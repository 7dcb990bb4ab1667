//! The real `neurona` binary, run in temporary folders, by concern: training ([`train`]), tables
//! in and out ([`tables`]), bad input and usage errors with their message and exit code, and no
//! output file left behind ([`errors`]), model files of every kind, from the command and the
//! library, and corrupted ones ([`model_files`]), ONNX export ([`export`]), the perceptron
//! ([`perceptron`]), the RBM ([`rbm`]), recurrent networks on long tables, `.ts` files and the
//! bundled Japanese vowels ([`rnn`]), out-of-core training on Parquet row groups ([`stream`]), and the worked example of `trace` ([`trace`]).

mod errors;
mod export;
mod model_files;
mod perceptron;
mod rbm;
mod real_tables;
mod rnn;
mod stream;
mod tables;
mod trace;
mod trace_recurrent;
mod train;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use neurona_cli::table::{Column, write_csv, write_parquet};

fn neurona(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_neurona")).args(args).current_dir(dir).output().expect("the binary runs")
}

/// Starts `neurona ARGS` in `dir` without waiting for it, its standard output and error
/// `piped` (to read once it exits) or dropped.
fn spawn(dir: &Path, args: &[&str], piped: bool) -> Child {
    let stdio = || if piped { Stdio::piped() } else { Stdio::null() };
    let mut command = Command::new(env!("CARGO_BIN_EXE_neurona"));
    command.args(args).current_dir(dir).stdout(stdio()).stderr(stdio()).spawn().expect("the binary starts")
}

fn text(output: &Output) -> (String, String) {
    (String::from_utf8_lossy(&output.stdout).into_owned(), String::from_utf8_lossy(&output.stderr).into_owned())
}

/// A command line's words, written as one string.
fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

/// Runs and expects success; returns stdout.
fn ok(dir: &Path, args: &[&str]) -> String {
    let output = neurona(dir, args);
    let (out, err) = text(&output);
    assert!(output.status.success(), "neurona {args:?} failed with {:?}:\n{out}\n{err}", output.status.code());
    out
}

/// Asserts that `neurona inspect` says each of `parts` of the model file the test trained in
/// `dir`.
fn assert_inspect_says(dir: &Path, parts: &[&str]) {
    let inspect = ok(dir, &["inspect", "model.safetensors"]);
    for part in parts {
        assert!(inspect.contains(part), "'{part}' missing from:\n{inspect}");
    }
}

/// Runs and expects the given exit code; returns stderr.
fn fails(dir: &Path, args: &[&str], code: i32) -> String {
    let output = neurona(dir, args);
    let (out, err) = text(&output);
    assert_eq!(output.status.code(), Some(code), "neurona {args:?}:\n{out}\n{err}");
    assert!(!err.contains("panicked"), "a panic: {err}");
    err
}

/// Runs `neurona PREFIX ARGS` in `dir` for each case `(ARGS, exit code, part of the message)`:
/// each must fail with that code and message and leave none of `outputs` (names in `dir`).
fn assert_refused(dir: &Path, prefix: &str, cases: &[(&str, i32, &str)], outputs: &[&str]) {
    for &(args, code, expected) in cases {
        let line = format!("{prefix} {args}");
        let err = fails(dir, &words(&line), code);
        assert!(err.contains(expected), "{line}: expected '{expected}' in: {err}");
        let left: Vec<&&str> = outputs.iter().filter(|name| dir.join(name).exists()).collect();
        assert!(left.is_empty(), "{line} left {left:?} behind");
    }
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

/// A temporary folder holding `iris.csv` ([`iris_columns`]).
fn iris_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let (names, columns) = iris_columns();
    write_csv(&dir.path().join("iris.csv"), &names, &columns).unwrap();
    dir
}

/// Trains 3 epochs with `common`, then 2 more with `--warm-start`; returns the second run's
/// output.
fn train_then_warm_start(d: &Path, common: &[&str]) -> String {
    ok(d, &[&["train", "--max-iter", "3"][..], common].concat());
    ok(d, &[&["train", "--max-iter", "2", "--warm-start"][..], common].concat())
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

/// The first `n` rows of a CSV file (header included), for a two-class iris.
fn head_of(path: &Path, n: usize, to: &Path) {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().take(n + 1).collect();
    std::fs::write(to, lines.join("\n") + "\n").unwrap();
}
