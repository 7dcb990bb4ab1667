//! The one-row fast path allocates nothing: after a first call has sized the scratch buffers,
//! `MlpState::predict_into` predicts a row without a single allocation (the products of one row
//! take the GEMM's matrix-vector path, which needs no packing scratch). Counted with a global
//! allocator that sees every thread (`common/counting.rs`).

use ndarray::{Array2, s};
use neurona::network::PredictScratch;
use neurona::prelude::*;

#[path = "common/counting.rs"]
mod counting;

#[global_allocator]
static GLOBAL: counting::Counting = counting::Counting;

fn main() {
    let digits = neurona::datasets::digits();
    let x = digits.data.mapv(|v| v / 16.0);
    let params = MlpParams::new().hidden_layer_sizes([100]).max_iter(5).random_state(0).check().unwrap();
    let mut clf = MlpClassifier::<f64, usize>::new(params);
    clf.fit(x.view(), &digits.target).unwrap();
    let state = clf.state().unwrap();
    let mut scratch = PredictScratch::new();
    let mut proba = Array2::zeros((1, 10));
    state.predict_into(x.slice(s![0..1, ..]), proba.view_mut(), &mut scratch).unwrap();
    let allocations = counting::count(|| {
        for i in 0..100 {
            state.predict_into(x.slice(s![i..i + 1, ..]), proba.view_mut(), &mut scratch).unwrap();
        }
    });
    assert_eq!(allocations, 0, "allocations in 100 one-row predictions");
    assert_eq!(proba, clf.predict_proba(x.slice(s![99..100, ..])).unwrap());
    println!("predict_allocations: 100 one-row predictions into a warm scratch allocate nothing");
}
