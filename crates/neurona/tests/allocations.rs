//! The minibatch loop allocates nothing, the matrix products included: buffers are allocated once
//! per fit, and the GEMM packs into buffers its thread keeps (`linalg/gemm.rs`), grown at a
//! thread's first product of a size and reused after. Counted with a global allocator (this
//! file holds a single test, so no other test allocates meanwhile), on one thread: on two, which
//! thread runs which block of a product is decided as they come free, so whether the helper
//! thread's first product (which sizes its buffers) falls before or inside the counted pass
//! varies from run to run.

use neurona::activation::Activation;
use neurona::linalg::{MatRef, matmul};
use neurona::loss::OutputHead;
use neurona::network::{Layout, Mlp, Workspace};
use neurona::prelude::*;

#[path = "common/counting.rs"]
mod counting;

use counting::count;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

const UNITS: [usize; 4] = [64, 20, 10, 10];

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
    mlp.loss_and_gradient(&params, input, &y, None, 1e-4, &mut workspace, &mut grad, None);
    count(|| {
        mlp.loss_and_gradient(&params, input, &y, None, 1e-4, &mut workspace, &mut grad, None);
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

#[test]
fn the_training_loop_allocates_nothing() {
    neurona::linalg::with_max_threads(Some(1), training_loop_allocates_nothing).unwrap();
}

fn training_loop_allocates_nothing() {
    assert_eq!(allocations_of_one_minibatch(200), 0, "a forward and backward pass of 200 rows");
    assert_eq!(allocations_of_one_minibatch(1797 - 8 * 200), 0, "a forward and backward pass of 197 rows");
    // Products larger than one packed block (the GEMM's MC rows, KC inner, NC columns).
    for (rows, fan_in, fan_out) in [(200, 784, 256), (1000, 300, 2100), (1, 64, 10), (3, 7, 5)] {
        assert_eq!(allocations_of_products(rows, fan_in, fan_out), 0, "products of {rows}x{fan_in}x{fan_out}");
    }
    for solver in [Solver::Adam, Solver::Sgd] {
        let short = allocations_of_a_fit(2, solver);
        let long = allocations_of_a_fit(42, solver);
        // 40 more epochs are 40 x 9 minibatches; only the loss curve's Vec may grow (a few
        // reallocations).
        let own = long as i64 - short as i64;
        assert!((0..=8).contains(&own), "{solver}: {own} allocations in 40 more epochs");
    }
}
