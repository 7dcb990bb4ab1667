//! The minibatch loop allocates nothing, the matrix products included: buffers are allocated once
//! per fit, and the GEMM packs into buffers its thread keeps (`linalg/gemm.rs`), grown to hold
//! every block of a layer of up to 256 units when the thread starts (the team's helpers) or at
//! its first product (the caller), and further only by a product of a larger layer. Counted
//! with a global allocator that sees every thread (`common/counting.rs`), on one thread and on
//! two: which thread runs which block of the minibatch's products is decided as they come free,
//! and it must not matter. The products of layers wider than 256 units are counted on one
//! thread: the helper's buffers grow at its first block of such a product, which may fall in
//! the counted round.

use neurona::activation::Activation;
use neurona::linalg::{MatRef, matmul};
use neurona::loss::OutputHead;
use neurona::network::{Batch, Layout, Mlp, Workspace};
use neurona::prelude::*;

#[path = "common/counting.rs"]
mod counting;

use counting::count;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

/// The digits default network (64-100-10), one hidden layer more.
const UNITS: [usize; 4] = [64, 100, 20, 10];

/// Allocations of one minibatch's forward and backward pass, after a first one (which sizes the
/// GEMM's packing buffers).
fn allocations_of_one_minibatch(rows: usize) -> usize {
    let layout = Layout::new(UNITS.to_vec());
    let mlp = Mlp::new(layout.clone(), Activation::Relu, OutputHead::LogLoss);
    let params = vec![0.01; layout.len()];
    let x = vec![0.5; rows * UNITS[0]];
    let y: Vec<f64> = (0..rows * 10).map(|i| f64::from(u8::from(i % 11 == 0))).collect();
    let mut workspace = Workspace::new(&layout, rows);
    let mut grad = vec![0.0; layout.len()];
    let input = MatRef::row_major(&x, rows, UNITS[0]);
    mlp.loss_and_gradient(&params, Batch::rows(input, &y), 1e-4, &mut workspace, &mut grad, None);
    count(|| {
        mlp.loss_and_gradient(&params, Batch::rows(input, &y), 1e-4, &mut workspace, &mut grad, None);
    })
}

/// Allocations of products of a layer's three shapes, after a first round.
fn allocations_of_products(rows: usize, fan_in: usize, fan_out: usize) -> usize {
    let (a, w, d) = (vec![0.5; rows * fan_in], vec![0.5; fan_in * fan_out], vec![0.5; rows * fan_out]);
    let (mut out, mut dw, mut din) = (vec![0.0; rows * fan_out], vec![0.0; fan_in * fan_out], vec![0.0; rows * fan_in]);
    let (input, weight, delta) = (
        MatRef::row_major(&a, rows, fan_in),
        MatRef::row_major(&w, fan_in, fan_out),
        MatRef::row_major(&d, rows, fan_out),
    );
    let mut products = || {
        matmul(&mut out, input, weight, false);
        matmul(&mut dw, input.t(), delta, true);
        matmul(&mut din, delta, weight.t(), false);
    };
    products();
    count(products)
}

fn allocations_of_a_fit(epochs: usize, solver: Solver) -> usize {
    let digits = neurona::datasets::digits();
    let x = digits.data.mapv(|v| v / 16.0);
    let params = MlpParams::new()
        .hidden_layer_sizes(UNITS[1..3].to_vec())
        .solver(solver)
        .max_iter(epochs)
        .n_iter_no_change(Patience::Never)
        .random_state(0)
        .check()
        .unwrap();
    let mut clf = MlpClassifier::<f64, usize>::new(params);
    count(|| {
        clf.fit(x.view(), &digits.target).unwrap();
    })
}

fn main() {
    for threads in [1, 2] {
        let counted = neurona::linalg::with_max_threads(Some(threads), || {
            (0..20)
                .map(|_| allocations_of_one_minibatch(200) + allocations_of_one_minibatch(1797 - 8 * 200))
                .sum::<usize>()
        });
        assert_eq!(counted.unwrap(), 0, "20 forward and backward passes of 200 and 197 rows on {threads} thread(s)");
        neurona::linalg::with_max_threads(Some(threads), || fits_allocate_nothing_per_epoch(threads)).unwrap();
    }
    neurona::linalg::with_max_threads(Some(1), products_allocate_nothing).unwrap();
    println!("allocations: the minibatch loop and the products allocate nothing (1 and 2 threads)");
}

fn fits_allocate_nothing_per_epoch(threads: usize) {
    for solver in [Solver::Adam, Solver::Sgd] {
        let short = allocations_of_a_fit(2, solver);
        let long = allocations_of_a_fit(42, solver);
        // 40 more epochs are 40 x 9 minibatches; only the loss curve's Vec may grow (a few
        // reallocations).
        let own = long as i64 - short as i64;
        assert!((0..=8).contains(&own), "{solver}, {threads} thread(s): {own} allocations in 40 more epochs");
    }
}

fn products_allocate_nothing() {
    // Products larger than one packed block (the GEMM's MC rows, KC inner, NC columns).
    for (rows, fan_in, fan_out) in [(200, 784, 256), (1000, 300, 2100), (1, 64, 10), (3, 7, 5)] {
        assert_eq!(allocations_of_products(rows, fan_in, fan_out), 0, "products of {rows}x{fan_in}x{fan_out}");
    }
}
