//! The number of threads changes speed, never results: fits with one thread and with two give
//! the same weights and the same predictions, bit for bit, for every solver. The data are sized
//! so that the products are large enough to run on two threads (when the machine has two cores)
//! and the predictions span several blocks.

use ndarray::Array2;
use neurona::linalg::with_max_threads;
use neurona::prelude::*;

/// `n` rows of `p` features in [-1, 1) and three classes (a small LCG: variety, not statistics).
fn data(n: usize, p: usize) -> (Array2<f32>, Vec<usize>) {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let x = Array2::from_shape_simple_fn((n, p), || {
        state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        2.0 * ((state >> 40) as f32 / (1u64 << 24) as f32) - 1.0
    });
    let y = x.rows().into_iter().map(|row| (row[0] + row[1] - row[2] + 3.0) as usize % 3).collect();
    (x, y)
}

fn bits(values: impl IntoIterator<Item = f32>) -> Vec<u32> {
    values.into_iter().map(f32::to_bits).collect()
}

/// The weights and the predicted probabilities of a fit with at most `threads` threads.
fn fit(threads: usize, params: &MlpParams, x: &Array2<f32>, y: &[usize]) -> (Vec<u32>, Vec<u32>) {
    with_max_threads(Some(threads), || {
        let mut clf = MlpClassifier::<f32, usize>::new(params.clone().check().unwrap());
        clf.fit(x.view(), y).unwrap();
        let weights = bits(clf.state().unwrap().flat_params().iter().copied());
        (weights, bits(clf.predict_proba(x.view()).unwrap()))
    })
    .unwrap()
}

#[test]
fn one_thread_and_two_give_the_same_bits() {
    let (x, y) = data(1100, 300);
    let base = MlpParams::new().hidden_layer_sizes([256, 64]).random_state(3);
    let cases = [
        ("adam", base.clone().max_iter(3)),
        ("sgd", base.clone().solver(Solver::Sgd).max_iter(2)),
        ("lbfgs", base.clone().solver(Solver::Lbfgs).max_iter(5)),
        ("adam with early stopping", base.clone().max_iter(3).early_stopping(true)),
    ];
    for (name, params) in cases {
        let one = fit(1, &params, &x, &y);
        let two = fit(2, &params, &x, &y);
        assert!(one.0 == two.0, "{name}: the weights differ between one thread and two");
        assert!(one.1 == two.1, "{name}: the predictions differ between one thread and two");
    }
}
