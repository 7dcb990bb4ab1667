//! The kernels behind one training step, each beside its naive reference, and the step itself:
//! `cargo bench -p neurona --bench kernels` (add `-- NAME` to run the benches whose id contains
//! NAME). Shapes are those of the large network (784-256-128-10, batches of 200) in
//! float32, and of scikit-learn's default network on digits (64-100-10) for one-row prediction.
//!
//! The side-by-side comparison with scikit-learn and PyTorch is `scripts/bench`; these benches
//! are for working on a kernel.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use ndarray::Array2;
use neurona::activation::Activation;
use neurona::linalg::{MatRef, matmul, matmul_naive, sum_of_squares, sum_of_squares_naive, with_max_threads};
use neurona::loss::OutputHead;
use neurona::network::{Batch, Layout, Mlp, PredictScratch, Workspace};
use neurona::optim::adam::Adam;

const UNITS: [usize; 4] = [784, 256, 128, 10];
const BATCH: usize = 200;

/// Deterministic values in [-0.5, 0.5).
fn values(len: usize, seed: u64) -> Vec<f32> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (state >> 40) as f32 / (1u64 << 24) as f32 - 0.5
        })
        .collect()
}

/// The three products of each layer, on one thread and on two.
fn products(c: &mut Criterion) {
    let mut group = c.benchmark_group("matmul");
    for (fan_in, fan_out) in [(UNITS[0], UNITS[1]), (UNITS[1], UNITS[2])] {
        let (a, w, d) = (values(BATCH * fan_in, 1), values(fan_in * fan_out, 2), values(BATCH * fan_out, 3));
        let mut out = vec![0.0; BATCH.max(fan_in) * fan_out.max(fan_in)];
        group.throughput(Throughput::Elements((2 * BATCH * fan_in * fan_out) as u64));
        let shape = format!("{BATCH}x{fan_in}x{fan_out}");
        for threads in [1, 2] {
            let run = |f: &mut dyn FnMut()| with_max_threads(Some(threads), f).unwrap();
            group.bench_function(BenchmarkId::new(format!("forward/{threads}t"), &shape), |b| {
                b.iter(|| {
                    run(&mut || {
                        let (x, w) = (MatRef::row_major(&a, BATCH, fan_in), MatRef::row_major(&w, fan_in, fan_out));
                        matmul(&mut out, x, w, false);
                    })
                })
            });
            group.bench_function(BenchmarkId::new(format!("weight_gradient/{threads}t"), &shape), |b| {
                b.iter(|| {
                    run(&mut || {
                        let (x, d) = (MatRef::row_major(&a, BATCH, fan_in).t(), MatRef::row_major(&d, BATCH, fan_out));
                        matmul(&mut out, x, d, false);
                    })
                })
            });
            group.bench_function(BenchmarkId::new(format!("input_gradient/{threads}t"), &shape), |b| {
                b.iter(|| {
                    run(&mut || {
                        let (d, w) =
                            (MatRef::row_major(&d, BATCH, fan_out), MatRef::row_major(&w, fan_in, fan_out).t());
                        matmul(&mut out, d, w, false);
                    })
                })
            });
        }
    }
    // The reference, at a size where it finishes: the gap is what the packed kernels buy.
    let (a, b_) = (values(64 * 64, 4), values(64 * 64, 5));
    let mut out = vec![0.0f32; 64 * 64];
    group.throughput(Throughput::Elements(2 * 64 * 64 * 64));
    group.bench_function("optimised/64x64x64", |b| {
        b.iter(|| matmul(&mut out, MatRef::row_major(&a, 64, 64), MatRef::row_major(&b_, 64, 64), false))
    });
    group.bench_function("naive/64x64x64", |b| {
        b.iter(|| matmul_naive(&mut out, MatRef::row_major(&a, 64, 64), MatRef::row_major(&b_, 64, 64), false))
    });
    group.finish();
}

/// The passes over a layer's output and over the flat parameter buffer.
fn elementwise(c: &mut Criterion) {
    let mut group = c.benchmark_group("elementwise");
    let (rows, cols) = (BATCH, UNITS[1]);
    let bias = values(cols, 6);
    let z = values(rows * cols, 7);
    group.throughput(Throughput::Elements((rows * cols) as u64));
    group.bench_function("bias+relu/fused", |b| {
        let mut out = z.clone();
        b.iter(|| Activation::Relu.forward_with_bias(black_box(&mut out), &bias))
    });
    group.bench_function("bias+relu/two_passes", |b| {
        let mut out = z.clone();
        b.iter(|| {
            for row in out.chunks_exact_mut(cols) {
                row.iter_mut().zip(&bias).for_each(|(v, &b)| *v += b);
            }
            Activation::Relu.forward(black_box(&mut out));
        })
    });
    let mut output = z.clone();
    Activation::Relu.forward(&mut output);
    let mut sums = vec![0.0; cols];
    group.bench_function("relu_derivative+column_sums/fused", |b| {
        let mut delta = z.clone();
        b.iter(|| Activation::Relu.backward_with_column_sums(black_box(&mut delta), &output, &mut sums))
    });
    group.bench_function("relu_derivative+column_sums/two_passes", |b| {
        let mut delta = z.clone();
        b.iter(|| {
            Activation::Relu.backward(black_box(&mut delta), &output);
            neurona::network::dense::column_sums(&mut sums, &delta);
        })
    });

    let n_params = Layout::new(UNITS.to_vec()).len();
    let params = values(n_params, 8);
    group.throughput(Throughput::Elements(n_params as u64));
    group.bench_function("sum_of_squares/eight_partial_sums", |b| b.iter(|| sum_of_squares(black_box(&params))));
    group.bench_function("sum_of_squares/naive", |b| b.iter(|| sum_of_squares_naive(black_box(&params))));
    let grad = values(n_params, 9);
    group.bench_function("adam_update", |b| {
        let mut adam = Adam::<f32>::new(n_params, 1e-3, 0.9, 0.999, 1e-8);
        let mut p = params.clone();
        b.iter(|| adam.update(black_box(&mut p), &grad))
    });
    group.finish();
}

/// One minibatch's forward and backward pass (the loop's body without the optimizer).
fn training_step(c: &mut Criterion) {
    let layout = Layout::new(UNITS.to_vec());
    let mlp = Mlp::new(layout.clone(), Activation::Relu, OutputHead::LogLoss);
    let params: Vec<f32> = values(layout.len(), 10).iter().map(|v| v * 0.1).collect();
    let x: Vec<f32> = values(BATCH * UNITS[0], 11).iter().map(|v| v + 0.5).collect();
    let y: Vec<f32> = (0..BATCH * 10).map(|i| f32::from(u8::from(i % 10 == (i / 10) % 10))).collect();
    let mut workspace = Workspace::new(&layout, BATCH);
    let mut grad = vec![0.0; layout.len()];
    let input = MatRef::row_major(&x, BATCH, UNITS[0]);
    let mut group = c.benchmark_group("training_step");
    let flops = 2 * BATCH * (3 * (784 * 256 + 256 * 128 + 128 * 10) - 784 * 256);
    group.throughput(Throughput::Elements(flops as u64));
    for threads in [1, 2] {
        group.bench_function(format!("784-256-128-10/batch{BATCH}/{threads}t"), |b| {
            b.iter(|| {
                with_max_threads(Some(threads), || {
                    mlp.loss_and_gradient(&params, Batch::rows(input, &y), 1e-4, &mut workspace, &mut grad, None)
                })
                .unwrap()
            })
        });
    }
    group.finish();
}

/// One-row prediction through the fast path, on scikit-learn's default digits network.
fn predict_one(c: &mut Criterion) {
    use neurona::prelude::*;
    let digits = neurona::datasets::digits();
    let x = digits.data.mapv(|v| v / 16.0);
    let params = MlpParams::new().max_iter(20).random_state(0).check().unwrap();
    let mut clf = MlpClassifier::<f64, usize>::new(params);
    clf.fit(x.view(), &digits.target).unwrap();
    let state = clf.state().unwrap();
    let row = x.slice(ndarray::s![0..1, ..]);
    let mut scratch = PredictScratch::new();
    let mut proba = Array2::zeros((1, 10));
    let mut group = c.benchmark_group("predict_one");
    group.bench_function("64-100-10/predict_into", |b| {
        b.iter(|| state.predict_into(black_box(row), proba.view_mut(), &mut scratch).unwrap())
    });
    group.bench_function("64-100-10/predict", |b| b.iter(|| clf.predict(black_box(row)).unwrap()));
    group.finish();
}

criterion_group!(benches, products, elementwise, training_step, predict_one);
criterion_main!(benches);
