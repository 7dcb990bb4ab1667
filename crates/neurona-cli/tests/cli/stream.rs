//! `neurona train --stream`: the model of a Parquet file read one row group at a time is the
//! model of the core's `partial_fit` loop (sgd, adam) or summed L-BFGS over the same row groups
//! in the same order, one row group gives the in-memory L-BFGS model, the scaler fitted in the
//! first pass is the in-memory one, the memory stays far below the decoded data, and what does
//! not stream is refused.

use std::ops::Range;

use ndarray::{Array2, ArrayView2, s};
use neurona::loss::OutputHead;
use neurona::network::{Layout, LossSums, Mlp, chunk_sums};
use neurona::prelude::*;
use neurona_cli::table::write_parquet_groups;

use super::*;

const ROWS: usize = 1200;
const GROUP: usize = 150;
const GROUPS: usize = ROWS / GROUP;

/// Four features and a class (0, 1 or 2) that depends on them; deterministic.
fn data() -> (Array2<f64>, Vec<i64>) {
    let x = Array2::from_shape_fn((ROWS, 4), |(i, j)| (((i * 37 + j * 11) % 101) as f64 / 25.0) - 2.0 + j as f64);
    let y = x.rows().into_iter().map(|r| ((r[0] + 2.0 * r[1] - r[3]).rem_euclid(3.0)) as i64).collect();
    (x, y)
}

/// Writes `x` and `y` as `name` in row groups of `group` rows: features x0..x3, target y.
fn write_data(dir: &Path, name: &str, x: &Array2<f64>, y: &[f64], group: usize) {
    let mut names: Vec<String> = (0..x.ncols()).map(|j| format!("x{j}")).collect();
    names.push("y".to_owned());
    let mut columns: Vec<Column> = x.columns().into_iter().map(|c| Column::Numeric(c.to_vec())).collect();
    columns.push(Column::Numeric(y.to_vec()));
    write_parquet_groups(&dir.join(name), &names, &columns, group).unwrap();
}

fn as_f64(y: &[i64]) -> Vec<f64> {
    y.iter().map(|&v| v as f64).collect()
}

fn bits(params: &[f64]) -> Vec<u64> {
    params.iter().map(|v| v.to_bits()).collect()
}

/// The flags `--solver`, `--hidden-layer-sizes` (one layer), `--max-iter` and `--random-state`
/// as the core's parameters.
fn params(solver: Solver, hidden: usize, max_iter: usize, seed: u32) -> MlpParams {
    MlpParams::new().hidden_layer_sizes([hidden]).solver(solver).max_iter(max_iter).random_state(seed)
}

/// The rows of each row group, `epochs` times over, in the order the command draws with `seed`.
fn groups_in_drawn_order(epochs: usize, seed: u32) -> Vec<Range<usize>> {
    let mut order = RandomState::new(seed);
    (0..epochs).flat_map(|_| order.permutation(GROUPS)).map(|group| group * GROUP..(group + 1) * GROUP).collect()
}

fn streamed_params(dir: &Path) -> Vec<u64> {
    let clf = MlpClassifier::<f64, i64>::load(dir.join("model.safetensors")).unwrap();
    bits(clf.state().unwrap().flat_params())
}

/// A fresh folder holding [`data`] as `data.parquet` in row groups of `group` rows; returns
/// the folder and the data.
fn data_folder(group: usize) -> (tempfile::TempDir, Array2<f64>, Vec<i64>) {
    let dir = tempfile::tempdir().unwrap();
    let (x, y) = data();
    write_data(dir.path(), "data.parquet", &x, &as_f64(&y), group);
    (dir, x, y)
}

/// Trains with `--stream` on a [`data_folder`] of [`GROUP`]-row groups, unscaled, with
/// `solver`'s flags; returns the folder and the output.
fn train_streamed(solver: &str) -> (tempfile::TempDir, String) {
    let (dir, _, _) = data_folder(GROUP);
    let line = format!("train --stream --data data.parquet --target y --scale none {solver}");
    let out = ok(dir.path(), &words(&line));
    (dir, out)
}

#[test]
fn adam_streamed_is_a_partial_fit_loop_over_the_row_groups_in_the_drawn_order() {
    let (dir, out) =
        train_streamed("--solver adam --max-iter 3 --hidden-layer-sizes 6 --batch-size 40 --random-state 3");
    let (d, (x, y)) = (dir.path(), data());
    assert!(out.contains("data.parquet (1200 rows in 8 row groups of 1 file, 4 features; target 'y')"), "{out}");
    assert!(out.contains("task: classification (inferred") && out.contains("trained: 3 epochs"), "{out}");

    let params = params(Solver::Adam, 6, 3, 3).batch_size(BatchSize::Fixed(40));
    let mut clf = MlpClassifier::<f64, i64>::new(params.check().unwrap());
    let mut classes = Some(&[0i64, 1, 2][..]);
    for rows in groups_in_drawn_order(3, 3) {
        clf.partial_fit(x.slice(s![rows.clone(), ..]), &y[rows], classes.take()).unwrap();
    }
    assert_eq!(streamed_params(d), bits(clf.state().unwrap().flat_params()));
}

/// A folder's files are one sequence of row groups, in name order: sgd on a regression target
/// over two files is the core's `partial_fit` loop over the eight groups.
#[test]
fn sgd_regression_over_a_folder_is_the_partial_fit_loop() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (x, _) = data();
    let values: Vec<f64> = x.rows().into_iter().map(|r| r.sum() / 4.0).collect();
    std::fs::create_dir(d.join("parts")).unwrap();
    let half = ROWS / 2;
    write_data(&d.join("parts"), "b.parquet", &x.slice(s![half.., ..]).to_owned(), &values[half..], GROUP);
    write_data(&d.join("parts"), "a.parquet", &x.slice(s![..half, ..]).to_owned(), &values[..half], GROUP);
    let line = "train --stream --data parts --target y --task regression --scale none --solver sgd --max-iter 2 \
                --hidden-layer-sizes 5 --batch-size 50 --random-state 4";
    let out = ok(d, &words(line));
    assert!(out.contains("(1200 rows in 8 row groups of 2 files, 4 features; target 'y')"), "{out}");

    let params = params(Solver::Sgd, 5, 2, 4).batch_size(BatchSize::Fixed(50));
    let mut reg = MlpRegressor::<f64>::new(params.check().unwrap());
    let targets = Array2::from_shape_vec((ROWS, 1), values).unwrap();
    for rows in groups_in_drawn_order(2, 4) {
        Regressor::partial_fit(&mut reg, x.slice(s![rows.clone(), ..]), targets.slice(s![rows, ..])).unwrap();
    }
    let streamed = MlpRegressor::<f64>::load(d.join("model.safetensors")).unwrap();
    assert_eq!(bits(streamed.state().unwrap().flat_params()), bits(reg.state().unwrap().flat_params()));
}

/// The summed evaluation the command runs: the groups in `order`, the first written in place.
fn summed_evaluation(
    mlp: &Mlp,
    p: &[f64],
    grad: &mut [f64],
    order: &[usize],
    x: ArrayView2<f64>,
    y: ArrayView2<f64>,
) -> neurona::Result<LossSums> {
    let mut scratch = vec![0.0; grad.len()];
    let mut total = LossSums::ZERO;
    for (k, &group) in order.iter().enumerate() {
        let rows = s![group * GROUP..(group + 1) * GROUP, ..];
        let out = if k == 0 { &mut *grad } else { &mut scratch[..] };
        total.add(chunk_sums(mlp, p, x.slice(rows), y.slice(rows), None, out)?);
        if k > 0 {
            grad.iter_mut().zip(&scratch).for_each(|(g, s)| *g += *s);
        }
    }
    Ok(total)
}

#[test]
fn lbfgs_streamed_is_the_summed_fit_over_the_row_groups() {
    let (dir, out) = train_streamed("--solver lbfgs --max-iter 15 --hidden-layer-sizes 6 --random-state 2");
    let (d, (x, y)) = (dir.path(), data());
    assert!(out.contains("trained: 15 iterations"), "{out}");

    let mut clf = MlpClassifier::<f64, i64>::new(params(Solver::Lbfgs, 6, 15, 2).check().unwrap());
    let head = OutputHead::from_out_activation("softmax").unwrap();
    let mlp = Mlp::new(Layout::new(vec![4, 6, 3]), Activation::Relu, head);
    let one_hot = Array2::from_shape_fn((ROWS, 3), |(i, k)| f64::from(u8::from(y[i] == k as i64)));
    let order = RandomState::new(2).permutation(GROUPS);
    clf.fit_summed(4, &[0, 1, 2], None, |p, grad| summed_evaluation(&mlp, p, grad, &order, x.view(), one_hot.view()))
        .unwrap();
    assert_eq!(streamed_params(d), bits(clf.state().unwrap().flat_params()));
}

#[test]
fn lbfgs_on_one_row_group_is_the_in_memory_fit() {
    let (dir, x, y) = data_folder(ROWS);
    let d = dir.path();
    let line = "--scale none --solver lbfgs --max-iter 20 --hidden-layer-sizes 5 --random-state 0";
    ok(d, &words(&format!("train --stream --data data.parquet --target y {line}")));
    let params = params(Solver::Lbfgs, 5, 20, 0);
    let mut clf = MlpClassifier::<f64, i64>::new(params.clone().check().unwrap());
    clf.fit(x.view(), &y).unwrap();
    assert_eq!(streamed_params(d), bits(clf.state().unwrap().flat_params()));

    // A regression's too (three outputs: the features' sums, as three targets).
    let targets = Array2::from_shape_fn((ROWS, 1), |(i, _)| x.row(i).sum() / 4.0);
    write_data(d, "values.parquet", &x, targets.column(0).as_slice().unwrap(), ROWS);
    ok(d, &words(&format!("train --stream --data values.parquet --target y --task regression {line}")));
    let mut reg = MlpRegressor::<f64>::new(params.check().unwrap());
    reg.fit(x.view(), targets.view()).unwrap();
    let streamed = MlpRegressor::<f64>::load(d.join("model.safetensors")).unwrap();
    assert_eq!(bits(streamed.state().unwrap().flat_params()), bits(reg.state().unwrap().flat_params()));
}

/// The scaler of the first pass, merged over row groups, is the in-memory scaler to rounding.
#[test]
fn the_first_pass_fits_the_in_memory_scaler() {
    let (dir, _, _) = data_folder(7 * 13);
    let d = dir.path();
    let scaler_of = |args: &str| {
        ok(d, &words(&format!("train --data data.parquet --target y --max-iter 1 --model m.safetensors {args}")));
        let json: serde_json::Value = serde_json::from_str(&ok(d, &["inspect", "--json", "m.safetensors"])).unwrap();
        let scaler = json["extra"]["cli"]["scaler"].clone();
        assert!(scaler.is_object(), "{json}");
        scaler
    };
    for scale in ["standard", "minmax"] {
        let streamed = scaler_of(&format!("--stream --scale {scale}"));
        let in_memory = scaler_of(&format!("--scale {scale} --test-fraction 0 --no-report"));
        let numbers = |v: &serde_json::Value| -> Vec<f64> {
            v.as_object().unwrap().values().filter_map(|a| a.as_array()).flatten().filter_map(|n| n.as_f64()).collect()
        };
        let (a, b) = (numbers(&streamed), numbers(&in_memory));
        assert_eq!(a.len(), 8, "{streamed}");
        assert!(a.iter().zip(&b).all(|(a, b)| (a - b).abs() <= 1e-12 * b.abs().max(1.0)), "{a:?} vs {b:?}");
    }
}

/// The peak memory of a streamed fit stays far below the size of the decoded data: 240,000
/// rows of 100 float64 features are 192 MB decoded (small in the file: few distinct values).
#[cfg(target_os = "linux")]
#[test]
fn streaming_holds_about_one_row_group_in_memory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (rows, features) = (240_000usize, 100usize);
    let mut names: Vec<String> = (0..features).map(|j| format!("f{j}")).collect();
    names.push("label".to_owned());
    let mut columns: Vec<Column> = (0..features)
        .map(|j| Column::Numeric((0..rows).map(|i| ((i * (j + 3) + j) % 16) as f64 / 4.0).collect()))
        .collect();
    columns.push(Column::Numeric((0..rows).map(|i| (i % 2) as f64).collect()));
    write_parquet_groups(&d.join("big.parquet"), &names, &columns, 4_000).unwrap();
    drop(columns);
    let decoded = (rows * features * 8) as f64;
    let file = std::fs::metadata(d.join("big.parquet")).unwrap().len() as f64;
    assert!(file < decoded / 4.0, "the file is {file} bytes");

    let args = words(
        "train --stream --data big.parquet --target label --solver sgd --max-iter 1 --hidden-layer-sizes 4 \
         --random-state 0 --threads 1",
    );
    let (peak, status) = peak_rss_of(d, &args);
    assert!(status == 0 && d.join("model.safetensors").is_file(), "exit status {status}");
    // About one row group (3.2 MB decoded) a few times over, beside the program itself.
    assert!(peak < decoded / 4.0, "peak resident memory {peak} bytes for {decoded} bytes of decoded data");
    eprintln!(
        "streamed fit: peak RSS {:.1} MB for {:.1} MB decoded ({:.1} MB on disk)",
        peak / 1e6,
        decoded / 1e6,
        file / 1e6
    );
}

/// Runs the command in `dir` and returns its peak resident memory in bytes and its exit status.
/// The peak is the process's own high-water mark (`VmHWM` in `/proc/<pid>/status`), read until
/// it exits: `wait4`'s `ru_maxrss` would count the test process's memory, which a child shares
/// between its spawn and its exec.
#[cfg(target_os = "linux")]
fn peak_rss_of(dir: &Path, args: &[&str]) -> (f64, i32) {
    let mut child = spawn(dir, args, false);
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak_kb = 0u64;
    let status = loop {
        let high_water = std::fs::read_to_string(&status_file).ok().and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmHWM:"))?.to_owned();
            line.split_whitespace().nth(1)?.parse::<u64>().ok()
        });
        peak_kb = peak_kb.max(high_water.unwrap_or(0));
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        std::thread::sleep(std::time::Duration::from_millis(2));
    };
    (peak_kb as f64 * 1024.0, status.code().unwrap_or(-1))
}

#[test]
fn what_does_not_stream_is_refused_and_leaves_no_model() {
    let (dir, x, y) = data_folder(GROUP);
    let d = dir.path();
    std::fs::create_dir(d.join("mixed")).unwrap();
    write_data(&d.join("mixed"), "a.parquet", &x, &as_f64(&y), GROUP);
    let text: Vec<String> = y.iter().map(|v| format!("c{v}")).collect();
    let names = ["x0", "x1", "x2", "x3", "y"].map(String::from).to_vec();
    let mut columns: Vec<Column> = x.columns().into_iter().map(|c| Column::Numeric(c.to_vec())).collect();
    columns.push(Column::Text(text));
    write_parquet_groups(&d.join("mixed/b.parquet"), &names, &columns, GROUP).unwrap();
    columns.swap(0, 4);
    write_parquet_groups(&d.join("text_feature.parquet"), &names, &columns, GROUP).unwrap();
    write_csv(&d.join("data.csv"), &names, &columns).unwrap();

    let cases: &[(&str, i32, &str)] = &[
        ("--data mixed --target y", 1, "b.parquet: its columns ("),
        ("--data data.parquet --target label", 1, "unknown target column 'label' (the columns are: 'x0'"),
        (
            "--data data.csv --target y",
            2,
            "--stream reads a Parquet file (.parquet, .pq) or a folder of them, got --data data.csv",
        ),
        ("--data data.parquet", 2, "--stream needs the target column: --target COLUMN"),
        ("--data text_feature.parquet --target x1", 1, "feature column 'x0' holds text"),
        ("--data data.parquet --target y --early-stopping", 2, "--early-stopping does not combine with --stream"),
        ("--data data.parquet --target y --model-kind rbm", 2, "--stream trains --model-kind mlp"),
        ("--data data.parquet --target y --categorical x1", 2, "--categorical does not combine with --stream"),
        ("--data data.parquet --target y --test-fraction 0.2", 2, "--test-fraction"),
        (
            "--data data.parquet --target y --target x0 --task classification",
            1,
            "--stream classifies one --target column",
        ),
    ];
    assert_refused(d, "train --stream", cases, &["model.safetensors"]);
}

/// Ctrl-C stops a streamed L-BFGS fit between two iterations and keeps its last accepted
/// iterate, as it does in memory: the command ends well within 3 s of the signal, saying so,
/// with a model file that loads.
#[test]
fn ctrl_c_stops_a_streamed_lbfgs_fit_and_keeps_the_model() {
    let (dir, _, _) = data_folder(GROUP);
    let d = dir.path();
    let line = "train --stream --data data.parquet --target y --solver lbfgs --hidden-layer-sizes 256,256 \
                --max-iter 1000000 --max-fun 1000000 --tol 0 --scale none";
    let out = super::train::interrupted_in(d, &words(line));
    let clf = MlpClassifier::<f64, i64>::load(d.join("model.safetensors")).unwrap();
    assert!(clf.state().unwrap().n_iter() > 0, "{out}");
}
