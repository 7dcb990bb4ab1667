//! Per-call timings of the digits network's small products and training step, robust to a busy
//! machine: every call is timed on its own and the 10th percentile of thousands is reported, so
//! that the calls a busy core delayed drop out (a best-of-3 over whole runs, as `bench.rs`
//! takes, varied by 1.5x on the shared 2-core machine; the 10th percentile by about 1%).
//!
//! ```text
//! cargo run --release --example step                  # the 64-100-10 step and its five products, 1 and 2 threads
//! cargo run --release --example step -- step 64,32    # another hidden layout
//! cargo run --release --example step -- f64 200x64x100 200x10x100   # products m x k x n, 3 layouts
//! cargo run --release --example step -- fit 2 100     # the default digits fit: per-epoch times
//! cargo run --release --example step -- lbfgs 100     # an lbfgs evaluation: 1437 rows at once
//! cargo run --release --example step -- lbfgs-alone    # L-BFGS's own work, 7510 parameters
//! ```
//!
//! How `linalg` chose what it reads in place and when it splits a product among threads
//! (`gemm.rs`'s `A_IN_PLACE_BYTES`, `mod.rs`'s `MIN_PARALLEL_INNER`).

use std::ops::ControlFlow;
use std::time::Instant;

use neurona::activation::Activation;
use neurona::estimators::mlp::{EpochProgress, FitOptions};
use neurona::linalg::{self, MatRef};
use neurona::loss::OutputHead;
use neurona::network::{Batch, Layout, Mlp, Workspace};
use neurona::optim::adam::Adam;
use neurona::prelude::*;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let hidden = |i: usize| -> Vec<usize> {
        args.get(i).map_or(vec![100], |s| s.split(',').map(|v| v.parse().expect("hidden sizes like 64,32")).collect())
    };
    match args.first().map(String::as_str) {
        None => step(&[100]),
        Some("step") => step(&hidden(1)),
        Some("f32") => products::<f32>(&args[1..]),
        Some("f64") => products::<f64>(&args[1..]),
        Some("lbfgs") => full_batch(&hidden(1), args.get(2).map(String::as_str)),
        Some("lbfgs-alone") => lbfgs_alone(),
        Some("fit") => fit(args.get(1).map_or(1, |t| t.parse().expect("a thread count")), &hidden(2), 5),
        Some(other) => panic!("unknown command {other}: step, f32, f64 or fit"),
    }
}

/// The 10th percentile and the median of `samples` (seconds), in microseconds.
fn percentiles(mut samples: Vec<f64>) -> (f64, f64) {
    samples.sort_by(f64::total_cmp);
    (samples[samples.len() / 10] * 1e6, samples[samples.len() / 2] * 1e6)
}

/// `f` called `calls` times (after a tenth as many unmeasured), each call timed.
fn per_call(calls: usize, mut f: impl FnMut()) -> (f64, f64) {
    for _ in 0..calls / 10 {
        f();
    }
    percentiles(
        (0..calls)
            .map(|_| {
                let start = Instant::now();
                f();
                start.elapsed().as_secs_f64()
            })
            .collect(),
    )
}

/// Values in [-0.05, 0.15) from a small LCG: variety, not statistics.
fn filled<F: Float>(len: usize, seed: u64) -> Vec<F> {
    let mut state = seed | 1;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            F::from_f64(((state >> 11) as f64 / (1u64 << 53) as f64) * 0.2 - 0.05)
        })
        .collect()
}

/// One adam step of a 64-`hidden`-10 relu network on 200 rows (forward, backward, update),
/// and the products of the one-hidden-layer network alone, on 1 and 2 threads.
fn step(hidden: &[usize]) {
    let (n, p, k) = (200, 64, 10);
    let x: Vec<f64> = filled(n * p, 1).iter().map(|v: &f64| v.abs() * 10.0).collect();
    let y: Vec<f64> = (0..n * k).map(|i| f64::from(u8::from(i % k == (i / k) % k))).collect();
    let mut units = vec![p];
    units.extend_from_slice(hidden);
    units.push(k);
    let layout = Layout::new(units);
    let mlp = Mlp::new(layout.clone(), Activation::Relu, OutputHead::LogLoss);
    for threads in [1, 2] {
        let line = linalg::with_max_threads(Some(threads), || {
            let mut params = filled(layout.len(), 3);
            let mut workspace = Workspace::new(&layout, n);
            let mut grad = vec![0.0; layout.len()];
            let mut adam = Adam::new(layout.len(), 1e-3, 0.9, 0.999, 1e-8);
            let input = MatRef::row_major(&x, n, p);
            let (step, median) = per_call(20_000, || {
                mlp.loss_and_gradient(&params, Batch::rows(input, &y), 1e-4, &mut workspace, &mut grad, None);
                adam.update(&mut params, &grad);
            });
            let adam_alone = per_call(20_000, || adam.update(&mut params, &grad)).0;
            format!("step {step:.1} us (median {median:.1}), of which adam {adam_alone:.1}")
        })
        .expect("a valid thread count");
        println!("{threads} thread(s), 64-{hidden:?}-10, 200 rows: {line}");
    }
    if hidden.len() == 1 {
        let h = hidden[0];
        let shapes = [format!("{n}x{p}x{h}"), format!("{n}x{h}x{k}"), format!("{n}x{k}x{h}")];
        products::<f64>(&shapes);
    }
}

/// One evaluation of L-BFGS's objective on the 1437 digits rows of the lbfgs fit (a
/// 64-`hidden`-10 relu network, loss and gradient at once), and with one hidden layer its five
/// products at that size, on 1 and 2 threads.
/// With `only` = `evaluations` (`evaluations1`, `evaluations2`: on that many threads), the
/// evaluations alone, for a profile; with `fits`, the fits alone
/// (the first of them in a fresh process, as `bench.rs` times it).
fn full_batch(hidden: &[usize], only: Option<&str>) {
    let digits = neurona::datasets::digits();
    let (n, p, k) = (1437, 64, 10);
    let x: Vec<f64> = digits.data.iter().take(n * p).map(|v| v / 16.0).collect();
    let y: Vec<f64> = (0..n * k).map(|i| f64::from(u8::from(digits.target[i / k] == i % k))).collect();
    let mut units = vec![p];
    units.extend_from_slice(hidden);
    units.push(k);
    let layout = Layout::new(units);
    let mlp = Mlp::new(layout.clone(), Activation::Relu, OutputHead::LogLoss);
    let threads = match only {
        Some("fits") => vec![],
        Some("evaluations") => vec![1, 2],
        Some("evaluations1") => vec![1],
        Some("evaluations2") => vec![2],
        _ => vec![1, 2],
    };
    for threads in threads {
        let line = linalg::with_max_threads(Some(threads), || {
            let params = filled(layout.len(), 3);
            let mut workspace = Workspace::new(&layout, n);
            let mut grad = vec![0.0; layout.len()];
            let input = MatRef::row_major(&x, n, p);
            let (p10, median) = per_call(if only.is_some() { 5_000 } else { 2_000 }, || {
                mlp.loss_and_gradient(&params, Batch::rows(input, &y), 1e-4, &mut workspace, &mut grad, None);
            });
            format!("evaluation {p10:.1} us (median {median:.1})")
        })
        .expect("a valid thread count");
        println!("{threads} thread(s), 64-{hidden:?}-10, {n} rows: {line}");
    }
    if only.is_some_and(|o| o.starts_with("evaluations")) {
        return;
    }
    lbfgs_fits(hidden, &x, &digits.target[..n]);
    if hidden.len() == 1 && only.is_none() {
        let h = hidden[0];
        // The forward products (nn), the delta handed down (nt), the weight gradients (tn).
        let shapes = [format!("{n}x{p}x{h}"), format!("{n}x{h}x{k}"), format!("{n}x{k}x{h}")];
        products::<f64>(&[
            shapes[0].clone(),
            shapes[1].clone(),
            shapes[2].clone(),
            format!("{p}x{n}x{h}"),
            format!("{h}x{n}x{k}"),
        ]);
    }
}

/// The lbfgs digits fit of `bench.rs` (`x`: its 1437 scaled rows) on 1 and 2 threads, best of
/// five: the whole `fit`, and how much of it the objective's evaluations take.
fn lbfgs_fits(hidden: &[usize], x: &[f64], labels: &[usize]) {
    let x = ndarray::ArrayView2::from_shape((labels.len(), 64), x).expect("1437 rows of 64");
    for threads in [2, 1] {
        linalg::set_max_threads(Some(threads)).expect("a valid thread count");
        let (mut best, mut inside, mut evaluations) = (f64::INFINITY, 0.0, 0);
        let mut fits = Vec::new();
        for _ in 0..5 {
            let params = MlpParams::new().hidden_layer_sizes(hidden.to_vec()).solver(Solver::Lbfgs).random_state(0);
            let mut clf = MlpClassifier::<f64, usize>::new(params.check().expect("valid"));
            let start = Instant::now();
            clf.fit(x, labels).expect("digits fit");
            fits.push(format!("{:.1}", start.elapsed().as_secs_f64() * 1e3));
            best = best.min(start.elapsed().as_secs_f64());
        }
        // The same network's objective under the same L-BFGS, each evaluation timed.
        let mut units = vec![64];
        units.extend_from_slice(hidden);
        units.push(10);
        let layout = Layout::new(units);
        let mlp = Mlp::new(layout.clone(), Activation::Relu, OutputHead::LogLoss);
        let y: Vec<f64> = (0..labels.len() * 10).map(|i| f64::from(u8::from(labels[i / 10] == i % 10))).collect();
        let input = MatRef::row_major(x.as_slice().expect("row-major"), labels.len(), 64);
        let mut direct = f64::INFINITY;
        for _ in 0..5 {
            let mut workspace = Workspace::new(&layout, labels.len());
            let mut params_f: Vec<f64> = filled(layout.len(), 3);
            let mut x0 = params_f.clone();
            let mut grad_f = vec![0.0; layout.len()];
            let (mut spent, mut count) = (0.0, 0);
            let start = Instant::now();
            let options = neurona::optim::lbfgs::LbfgsOptions { max_iter: 39, ..Default::default() };
            neurona::optim::lbfgs::minimize(&mut x0, &options, |point, gradient| {
                let t = Instant::now();
                params_f.copy_from_slice(point);
                let loss =
                    mlp.loss_and_gradient(&params_f, Batch::rows(input, &y), 1e-4, &mut workspace, &mut grad_f, None);
                gradient.copy_from_slice(&grad_f);
                spent += t.elapsed().as_secs_f64();
                count += 1;
                loss
            });
            let total = start.elapsed().as_secs_f64();
            if total < direct {
                (direct, inside, evaluations) = (total, spent, count);
            }
        }
        println!(
            "{threads} thread(s): lbfgs fit best {:.1} ms; L-BFGS alone {:.1} ms, of which {evaluations} evaluations \
             {:.1} ms ({:.0} us each), the rest {:.1} ms; the fits in turn {fits:?} ms",
            best * 1e3,
            direct * 1e3,
            inside * 1e3,
            inside * 1e6 / evaluations as f64,
            (direct - inside) * 1e3
        );
    }
}

/// L-BFGS's own vector work, timed on a cheap objective: 39 iterations over as many parameters
/// as the digits network has (7510), on a quadratic of condition 100 that needs them all; the
/// objective's time (an element-wise pass) is measured apart and left out.
fn lbfgs_alone() {
    let n = 7510;
    let c: Vec<f64> = (0..n).map(|i| 1.0 + 99.0 * ((i * 7919) % n) as f64 / n as f64).collect();
    let start: Vec<f64> = filled(n, 5);
    let options = neurona::optim::lbfgs::LbfgsOptions { max_iter: 39, ..Default::default() };
    let (mut runs, mut evaluations, mut loss) = (Vec::new(), 0, 0.0);
    for _ in 0..200 {
        let mut x = start.clone();
        let mut inside = 0.0;
        let t = Instant::now();
        let report = neurona::optim::lbfgs::minimize(&mut x, &options, |x, g| {
            let t = Instant::now();
            let mut f = 0.0;
            for ((gi, &xi), &ci) in g.iter_mut().zip(x).zip(&c) {
                *gi = ci * xi;
                f += 0.5 * ci * xi * xi;
            }
            inside += t.elapsed().as_secs_f64();
            f
        });
        runs.push(t.elapsed().as_secs_f64() - inside);
        (evaluations, loss) = (report.n_fev, report.fun);
    }
    let (p10, median) = percentiles(runs);
    println!(
        "L-BFGS alone, {n} parameters, 39 iterations, {evaluations} evaluations: p10 {p10:.0} us, median \
              {median:.0} us (loss {loss:e})"
    );
}

/// Each `m x k x n` product of `shapes` with both operands row-major (`nn`), `a` transposed
/// (`tn`, a weight gradient) and `b` transposed (`nt`, an input gradient), on 1 and 2 threads.
fn products<F: Float>(shapes: &[String]) {
    for shape in shapes {
        let dims: Vec<usize> = shape.split('x').map(|s| s.parse().expect("shapes like 200x64x100")).collect();
        let [m, k, n] = dims[..] else { panic!("a shape is m x k x n, got {shape}") };
        let (a, b) = (filled::<F>(m * k, 1), filled::<F>(k * n, 2));
        let mut out = vec![F::zero(); m * n];
        let calls = (2e8 / (m * k * n) as f64).clamp(200.0, 20_000.0) as usize;
        let mut line = format!("{} {m}x{k}x{n}:", F::DTYPE);
        let layouts = [
            ("nn", MatRef::row_major(&a, m, k), MatRef::row_major(&b, k, n)),
            ("tn", MatRef::row_major(&a, k, m).t(), MatRef::row_major(&b, k, n)),
            ("nt", MatRef::row_major(&a, m, k), MatRef::row_major(&b, n, k).t()),
        ];
        for (name, lhs, rhs) in layouts {
            for threads in [1, 2] {
                let micros = linalg::with_max_threads(Some(threads), || {
                    per_call(calls, || linalg::matmul(&mut out, lhs, rhs, false)).0
                })
                .expect("a valid thread count");
                let gflops = 2.0 * (m * k * n) as f64 / micros / 1e3;
                line += &format!(" {name}/{threads}t {micros:.1} us {gflops:.1} GFLOP/s");
            }
        }
        println!("{line}");
    }
}

/// `reps` default digits fits (adam, 200 epochs, 1437 rows) with `hidden` units, each epoch
/// timed through the epoch callback.
fn fit(threads: usize, hidden: &[usize], reps: usize) {
    let digits = neurona::datasets::digits();
    let x = digits.data.mapv(|v| v / 16.0);
    let (x_train, y_train) = (x.slice(ndarray::s![..1437, ..]), &digits.target[..1437]);
    linalg::set_max_threads(Some(threads)).expect("a valid thread count");
    let (mut epochs, mut fits) = (Vec::new(), Vec::new());
    for _ in 0..reps {
        let params = MlpParams::new().hidden_layer_sizes(hidden.to_vec()).random_state(0).check().expect("valid");
        let mut clf = MlpClassifier::<f64, usize>::new(params);
        let start = Instant::now();
        let mut last = start;
        let mut on_epoch = |_: &EpochProgress| {
            let now = Instant::now();
            epochs.push(now.duration_since(last).as_secs_f64());
            last = now;
            ControlFlow::Continue(())
        };
        let options = FitOptions { on_epoch: Some(&mut on_epoch), ..Default::default() };
        clf.fit_with(x_train, y_train, options).expect("digits fit");
        fits.push(start.elapsed().as_secs_f64());
    }
    let per_fit = epochs.len() / reps;
    let (p10, median) = percentiles(epochs);
    fits.sort_by(f64::total_cmp);
    println!(
        "fit, {threads} thread(s), 64-{hidden:?}-10: epoch p10 {p10:.1} us, median {median:.1} us; {per_fit} epochs at \
         p10 {:.3} s; whole fits min {:.3} s, median {:.3} s",
        p10 * per_fit as f64 / 1e6,
        fits[0],
        fits[fits.len() / 2]
    );
}
