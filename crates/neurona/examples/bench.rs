//! The Rust side of `scripts/bench`: each command times one case and prints one JSON line.
//!
//! ```text
//! cargo run --release --example bench -- peak  [--threads T]
//! cargo run --release --example bench -- train --x X.npy --y y.npy [--rows N] [--dtype f32|f64]
//!                                              [--hidden 256,128] [--epochs 5] [--threads T] [--predict]
//! cargo run --release --example bench -- digits [--solver adam|lbfgs] [--hidden 100] [--fit-only] [--threads T]
//! ```
//!
//! The data come from `scripts/bench.py` as `.npy` files (float32 rows, integer labels), so that
//! neurona and scikit-learn train on the same bytes. Times are wall-clock seconds of the call
//! alone (reading and converting the data are outside them).

use std::collections::HashMap;
use std::fs::File;
use std::hint::black_box;
use std::io::{BufReader, Read};
use std::time::Instant;

use ndarray::{Array2, ArrayView2};
use neurona::linalg::{self, MatRef};
use neurona::network::PredictScratch;
use neurona::prelude::*;
use serde_json::json;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        fail("usage: bench <peak|train|digits> [--option value ...]");
    };
    let options = parse_options(rest);
    if let Some(threads) = options.get("threads") {
        linalg::set_max_threads(Some(threads.parse().unwrap_or_else(|_| fail("--threads takes an integer"))))
            .unwrap_or_else(|e| fail(&e.to_string()));
    }
    let result = match command.as_str() {
        "peak" => peak(&options),
        "train" => by_dtype(&options, train::<f32>, train::<f64>),
        "digits" => digits(&options),
        "products" => by_dtype(&options, products::<f32>, products::<f64>),
        other => fail(&format!("unknown command '{other}'")),
    };
    println!("{result}");
}

fn fail(message: &str) -> ! {
    eprintln!("bench: {message}");
    std::process::exit(2)
}

fn parse_options(args: &[String]) -> HashMap<String, String> {
    let mut options = HashMap::new();
    let mut iter = args.iter();
    while let Some(flag) = iter.next() {
        let Some(name) = flag.strip_prefix("--") else { fail(&format!("expected an --option, got '{flag}'")) };
        // A flag followed by another flag (or nothing) is a switch.
        let value = match iter.clone().next() {
            Some(v) if !v.starts_with("--") => iter.next().cloned().unwrap_or_default(),
            _ => "true".to_owned(),
        };
        options.insert(name.to_owned(), value);
    }
    options
}

/// The case in the `--dtype` the options name (f32 unless told).
fn by_dtype(
    options: &HashMap<String, String>,
    f32_case: fn(&HashMap<String, String>) -> serde_json::Value,
    f64_case: fn(&HashMap<String, String>) -> serde_json::Value,
) -> serde_json::Value {
    match options.get("dtype").map_or("f32", String::as_str) {
        "f32" => f32_case(options),
        "f64" => f64_case(options),
        other => fail(&format!("--dtype is f32 or f64, got {other}")),
    }
}

fn option<T: std::str::FromStr>(options: &HashMap<String, String>, name: &str, default: T) -> T {
    options.get(name).map_or(default, |v| v.parse().unwrap_or_else(|_| fail(&format!("bad --{name} '{v}'"))))
}

/// A list of sizes such as `--hidden 256,128`.
fn sizes(options: &HashMap<String, String>, name: &str, default: &str) -> Vec<usize> {
    options
        .get(name)
        .map_or(default, String::as_str)
        .split(',')
        .map(|s| s.parse().unwrap_or_else(|_| fail(&format!("--{name} takes sizes like {default}"))))
        .collect()
}

/// The best of `repeats` timings of `f`, in seconds.
fn best_of(repeats: usize, mut f: impl FnMut()) -> f64 {
    (0..repeats)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed().as_secs_f64()
        })
        .fold(f64::INFINITY, f64::min)
}

/// The machine's attainable rate: a large square product through the same GEMM (`linalg::matmul`)
/// and the same thread setting that training uses, best of several runs.
fn peak(options: &HashMap<String, String>) -> serde_json::Value {
    let size: usize = option(options, "size", 1536);
    let flops = 2.0 * (size * size * size) as f64;
    let rate = |seconds: f64| flops / seconds / 1e9;
    json!({
        "case": "peak",
        "size": size,
        "threads": linalg::max_threads(),
        "gflops_f32": rate(square_product_seconds::<f32>(size)),
        "gflops_f64": rate(square_product_seconds::<f64>(size)),
    })
}

/// The best of five timings of a `size` x `size` product in `F`.
fn square_product_seconds<F: Float>(size: usize) -> f64 {
    let a = vec![F::from_f64(0.5); size * size];
    let mut c = vec![F::zero(); size * size];
    best_of(5, || {
        let m = MatRef::row_major(&a, size, size);
        linalg::matmul(&mut c, m, m, false);
        black_box(&c);
    })
}

/// Reads the first `max_rows` rows of a C-ordered `.npy` array of little-endian `f4`, `f8`, `i4`
/// or `i8` values, widened or narrowed to `T` element by element (so that no second copy of the
/// data exists at any time).
fn read_npy<T>(path: &str, max_rows: usize, convert: impl Fn(f64) -> T) -> (Vec<T>, Vec<usize>) {
    let mut file = BufReader::new(File::open(path).unwrap_or_else(|e| fail(&format!("{path}: {e}"))));
    let mut preamble = [0u8; 10];
    file.read_exact(&mut preamble).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    if &preamble[..6] != b"\x93NUMPY" {
        fail(&format!("{path} is not a .npy file"));
    }
    let header_len = if preamble[6] == 1 {
        u16::from_le_bytes([preamble[8], preamble[9]]) as usize
    } else {
        let mut rest = [0u8; 2];
        file.read_exact(&mut rest).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
        u32::from_le_bytes([preamble[8], preamble[9], rest[0], rest[1]]) as usize
    };
    let mut header = vec![0u8; header_len];
    file.read_exact(&mut header).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
    let header = String::from_utf8_lossy(&header).into_owned();
    let field = |key: &str| {
        let at = header.find(key).unwrap_or_else(|| fail(&format!("{path}: no {key} in the header")));
        header[at + key.len()..].trim_start_matches([' ', ':', '\'']).to_owned()
    };
    if field("'fortran_order'").starts_with("True") {
        fail(&format!("{path}: Fortran order is not supported"));
    }
    let descr = field("'descr'");
    let (width, decode): (usize, fn(&[u8]) -> f64) = match &descr[..3] {
        "<f4" => (4, |b| f64::from(f32::from_le_bytes(b.try_into().unwrap()))),
        "<f8" => (8, |b| f64::from_le_bytes(b.try_into().unwrap())),
        "<i4" => (4, |b| f64::from(i32::from_le_bytes(b.try_into().unwrap()))),
        "<i8" => (8, |b| i64::from_le_bytes(b.try_into().unwrap()) as f64),
        other => fail(&format!("{path}: unsupported dtype {other}")),
    };
    let shape_text = field("'shape'");
    let shape: Vec<usize> = shape_text[1..shape_text.find(')').unwrap_or(1)]
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(|s| s.trim().parse().unwrap_or_else(|_| fail(&format!("{path}: bad shape"))))
        .collect();
    let mut shape = shape;
    shape[0] = shape[0].min(max_rows);
    let len: usize = shape.iter().product();
    let mut values = Vec::with_capacity(len);
    let mut chunk = vec![0u8; width * 65536];
    while values.len() < len {
        let take = (len - values.len()).min(65536);
        file.read_exact(&mut chunk[..take * width]).unwrap_or_else(|e| fail(&format!("{path}: {e}")));
        values.extend(chunk[..take * width].chunks_exact(width).map(|b| convert(decode(b))));
    }
    (values, shape)
}

fn train<F: Float>(options: &HashMap<String, String>) -> serde_json::Value {
    let x_path = options.get("x").unwrap_or_else(|| fail("train needs --x X.npy"));
    let y_path = options.get("y").unwrap_or_else(|| fail("train needs --y y.npy"));
    let rows: usize = option(options, "rows", usize::MAX);
    let (x, shape) = read_npy(x_path, rows, F::from_f64);
    let (y, _) = read_npy(y_path, rows, |v| v as usize);
    let rows = shape[0];
    let x = Array2::from_shape_vec((rows, shape[1]), x).unwrap_or_else(|e| fail(&e.to_string()));
    let y = &y[..rows];
    let hidden = sizes(options, "hidden", "256,128");
    let epochs: usize = option(options, "epochs", 5);
    let params = MlpParams::new().hidden_layer_sizes(hidden).solver(Solver::Adam).max_iter(epochs);
    let (clf, report, fit_seconds) = timed_fit::<F>(params, x.view(), y);
    let max_rss_mb = peak_resident_mb();
    let mut result = json!({
        "case": "train",
        "max_rss_mb": max_rss_mb,
        "dtype": F::DTYPE,
        "rows": rows,
        "threads": linalg::max_threads(),
        "fit_seconds": fit_seconds,
        "n_iter": report.n_iter,
        "loss": report.loss,
    });
    if options.contains_key("predict") {
        let predict_seconds = best_of(3, || {
            black_box(clf.predict_proba(x.view()).unwrap_or_else(|e| fail(&e.to_string())));
        });
        result["predict_seconds"] = json!(predict_seconds);
        result["train_accuracy"] = json!(clf.score(x.view(), y).unwrap_or_else(|e| fail(&e.to_string())));
    }
    result
}

/// A classifier of `params` with `random_state=0`, fitted on `x` and `y`; the fit alone timed.
fn timed_fit<F: Float>(
    params: MlpParams,
    x: ArrayView2<'_, F>,
    y: &[usize],
) -> (MlpClassifier<F, usize>, FitReport, f64) {
    let params = params.random_state(0).check().unwrap_or_else(|e| fail(&e.to_string()));
    let mut clf = MlpClassifier::<F, usize>::new(params);
    let start = Instant::now();
    let report = clf.fit(x, y).unwrap_or_else(|e| fail(&e.to_string())).clone();
    (clf, report, start.elapsed().as_secs_f64())
}

/// This process's peak resident memory so far, in MiB (`VmHWM`; `None` off Linux). Read from
/// the process itself: a parent's `wait4` would also count the pages the child shared with it
/// between `fork` and `exec`.
fn peak_resident_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// scikit-learn's default `MLPClassifier()` (or lbfgs, or other `--hidden` layers) on digits
/// scaled to [0, 1], trained on the first 1437 rows (80%) and scored on the other 360, then
/// one-row predictions timed (not with `--fit-only`, which the busy-machine runs use: they
/// time the fit alone, and the predictions would only lengthen the run).
fn digits(options: &HashMap<String, String>) -> serde_json::Value {
    let solver: Solver = options.get("solver").map_or("adam", String::as_str).parse().unwrap_or_else(|e| {
        fail(&format!("{e}"));
    });
    let digits = neurona::datasets::digits();
    let x = digits.data.mapv(|v| v / 16.0);
    let cut = 1437;
    let (x_train, x_test) = (x.slice(ndarray::s![..cut, ..]), x.slice(ndarray::s![cut.., ..]));
    let (y_train, y_test) = (&digits.target[..cut], &digits.target[cut..]);
    let hidden = sizes(options, "hidden", "100");
    let params = MlpParams::new().hidden_layer_sizes(hidden.clone()).solver(solver);
    let (clf, report, fit_seconds) = timed_fit::<f64>(params, x_train, y_train);
    let accuracy = clf.score(x_test, y_test).unwrap_or_else(|e| fail(&e.to_string()));
    let mut result = json!({
        "case": "digits",
        "solver": solver.name(),
        "hidden": hidden,
        "rows": cut,
        "threads": linalg::max_threads(),
        "fit_seconds": fit_seconds,
        "n_iter": report.n_iter,
        "loss": report.loss,
        "test_accuracy": accuracy,
    });
    if !options.contains_key("fit-only") {
        result["predict_one"] = predict_one_timings(&clf, x_test);
    }
    result
}

/// Median seconds per one-row call, cycling over the test rows: through the estimator's
/// `predict` (labels, with input checks) and through the allocation-free fast path.
fn predict_one_timings(clf: &MlpClassifier<f64, usize>, x: ArrayView2<'_, f64>) -> serde_json::Value {
    let calls = 20_000;
    let rows: Vec<ArrayView2<'_, f64>> = (0..x.nrows()).map(|i| x.slice(ndarray::s![i..i + 1, ..])).collect();
    let median = |mut f: Box<dyn FnMut(usize) + '_>| {
        let mut samples: Vec<f64> = (0..9)
            .map(|_| {
                let start = Instant::now();
                for i in 0..calls {
                    f(i);
                }
                start.elapsed().as_secs_f64() / calls as f64
            })
            .collect();
        samples.sort_by(f64::total_cmp);
        samples[samples.len() / 2]
    };
    let predict = median(Box::new(|i| {
        black_box(clf.predict(rows[i % rows.len()]).unwrap_or_else(|e| fail(&e.to_string())));
    }));
    let state = clf.state().unwrap_or_else(|e| fail(&e.to_string()));
    let mut scratch = PredictScratch::new();
    let mut proba = Array2::<f64>::zeros((1, state.n_outputs()));
    let fast = median(Box::new(|i| {
        state
            .predict_into(rows[i % rows.len()], proba.view_mut(), &mut scratch)
            .unwrap_or_else(|e| fail(&e.to_string()));
        black_box(&proba);
    }));
    json!({ "predict": predict, "predict_into": fast })
}

/// GFLOP/s of each product of a network's training step (784-256-128-10 unless `--units`) at
/// several batch sizes, with one thread and with every allowed thread (how `linalg` picks its
/// threshold).
fn products<F: Float>(options: &HashMap<String, String>) -> serde_json::Value {
    let units = sizes(options, "units", "784,256,128,10");
    let batches = sizes(options, "batches", "1,16,64,200,512");
    let threads = linalg::max_threads();
    let mut rows = Vec::new();
    for &batch in &batches {
        for l in 0..units.len() - 1 {
            let (fan_in, fan_out) = (units[l], units[l + 1]);
            let a = vec![F::from_f64(0.5); batch * fan_in];
            let w = vec![F::from_f64(0.25); fan_in * fan_out];
            let d = vec![F::from_f64(0.125); batch * fan_out];
            let mut out = vec![F::zero(); batch * fan_out];
            let mut dw = vec![F::zero(); fan_in * fan_out];
            let mut din = vec![F::zero(); batch * fan_in];
            let flops = 2.0 * (batch * fan_in * fan_out) as f64;
            let repeats = (2e9 / flops).clamp(3.0, 20_000.0) as usize;
            let time = |f: &mut dyn FnMut()| {
                let timing = |n: Option<usize>, f: &mut dyn FnMut()| {
                    linalg::with_max_threads(n, || {
                        for _ in 0..repeats.div_ceil(10) {
                            f();
                        }
                        (0..3)
                            .map(|_| {
                                let start = Instant::now();
                                for _ in 0..repeats {
                                    f();
                                }
                                start.elapsed().as_secs_f64() / repeats as f64
                            })
                            .fold(f64::INFINITY, f64::min)
                    })
                    .unwrap_or_else(|e| fail(&e.to_string()))
                };
                let one = timing(Some(1), f);
                let all = timing(Some(threads), f);
                json!({
                    "micros_1": one * 1e6, "gflops_1": flops / one / 1e9,
                    "gflops_all": flops / all / 1e9, "speedup": one / all,
                })
            };
            let (a, w, d) = (
                MatRef::row_major(&a, batch, fan_in),
                MatRef::row_major(&w, fan_in, fan_out),
                MatRef::row_major(&d, batch, fan_out),
            );
            let mut row = json!({ "batch": batch, "fan_in": fan_in, "fan_out": fan_out });
            // The three products of a layer's training step: `out = a w`, `dw = a' d`, `din = d w'`.
            let steps = [
                ("forward", &mut out, a, w),
                ("weight_gradient", &mut dw, a.t(), d),
                ("input_gradient", &mut din, d, w.t()),
            ];
            for (name, product, lhs, rhs) in steps {
                row[name] = time(&mut || {
                    linalg::matmul(product, lhs, rhs, false);
                    black_box(&*product);
                });
            }
            rows.push(row);
        }
    }
    json!({ "case": "products", "dtype": F::DTYPE, "threads": threads, "rows": rows })
}
