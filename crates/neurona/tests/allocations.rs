//! The minibatch loop allocates nothing of its own: buffers are allocated once per fit. The one
//! exception is inside the GEMM crate, which allocates its packing scratch on every product
//! (`gemm` 0.19 has no caller-provided scratch API); these tests account for that exactly.
//! Counted with a global allocator (this file holds a single test, so no other test allocates
//! meanwhile), on one thread: on two, which thread runs which block of a product is decided as
//! they come free, and the GEMM crate's scratch is per thread, so its count varied from run to
//! run (about 3 runs in 8 on a loaded machine) while neurona's own count does not depend on it.

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

/// Allocations of one minibatch's forward and backward pass, and of the GEMM calls it makes.
fn allocations_of_one_minibatch(rows: usize) -> (usize, usize) {
    let layout = Layout::new(UNITS.to_vec());
    let mlp = Mlp::new(layout.clone(), Activation::Relu, OutputHead::LogLoss);
    let params = vec![0.01; layout.len()];
    let x = vec![0.5; rows * UNITS[0]];
    let y: Vec<f64> = (0..rows * 10).map(|i| f64::from(u8::from(i % 11 == 0))).collect();
    let mut workspace = Workspace::new(&layout, rows);
    let mut grad = vec![0.0; layout.len()];
    // The first products of a process set up the GEMM crate's thread-local state: warm up.
    let input = MatRef::row_major(&x, rows, UNITS[0]);
    mlp.loss_and_gradient(&params, input, &y, None, 1e-4, &mut workspace, &mut grad, None);
    let pass = count(|| {
        mlp.loss_and_gradient(&params, input, &y, None, 1e-4, &mut workspace, &mut grad, None);
    });
    // The same products, one by one: forward, weight gradients, input gradients.
    let mut products = 0;
    for l in 0..3 {
        let (fan_in, fan_out) = (UNITS[l], UNITS[l + 1]);
        let (a, w, d) = (vec![0.5; rows * fan_in], vec![0.5; fan_in * fan_out], vec![0.5; rows * fan_out]);
        let (mut out, mut dw, mut din) =
            (vec![0.0; rows * fan_out], vec![0.0; fan_in * fan_out], vec![0.0; rows * fan_in]);
        let layer_input = MatRef::row_major(&a, rows, fan_in);
        products += count(|| {
            matmul(&mut out, layer_input, MatRef::row_major(&w, fan_in, fan_out), false);
            matmul(&mut dw, layer_input.t(), MatRef::row_major(&d, rows, fan_out), false);
            if l > 0 {
                matmul(
                    &mut din,
                    MatRef::row_major(&d, rows, fan_out),
                    MatRef::row_major(&w, fan_in, fan_out).t(),
                    false,
                );
            }
        });
    }
    (pass, products)
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
fn the_training_loop_allocates_nothing_beyond_the_gemm_scratch() {
    neurona::linalg::with_max_threads(Some(1), training_loop_allocates_nothing_beyond_the_gemm_scratch).unwrap();
}

fn training_loop_allocates_nothing_beyond_the_gemm_scratch() {
    let (pass_full, gemm_full) = allocations_of_one_minibatch(200);
    let (pass_last, gemm_last) = allocations_of_one_minibatch(1797 - 8 * 200);
    assert_eq!(pass_full, gemm_full, "a forward and backward pass allocates only inside the GEMM crate");
    assert_eq!(pass_last, gemm_last);
    for solver in [Solver::Adam, Solver::Sgd] {
        let short = allocations_of_a_fit(2, solver);
        let long = allocations_of_a_fit(42, solver);
        // 40 more epochs are 40 x (8 full + 1 short) minibatches; beyond their GEMM scratch only
        // the loss curve's Vec may grow (a few reallocations).
        let gemm = 40 * (8 * gemm_full + gemm_last);
        let own = (long - short) as i64 - gemm as i64;
        assert!((0..=8).contains(&own), "{solver}: {own} allocations of neurona's own in 40 epochs");
    }
}
