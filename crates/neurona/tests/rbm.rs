//! The restricted Boltzmann machine against scikit-learn 1.9.1: `tests/fixtures/rbm.json`,
//! written by `scripts/fixtures/sklearn_perceptron_rbm.py` (run `scripts/generate-fixtures` to
//! regenerate); then scikit-learn's `neural_network/tests/test_rbm.py` tests that use the public
//! API, and the errors.
//!
//! What "reproduce" means here: the same random draws in the same order, so the same Bernoulli
//! samples (`h_samples_` and `gibbs` equal exactly) and `components_`, intercepts, `transform` and
//! `score_samples` within 1e-10 (float64; the matrix products sum in another order than
//! OpenBLAS) or 1e-5 relative (float32).

use ndarray::{Array1, Array2, ArrayView2, array, s};
use neurona::prelude::*;
use serde_json::Value;

#[path = "common/fixtures.rs"]
mod fixtures;

use fixtures::{floats, matrix, usizes};

fn cases() -> Vec<Value> {
    fixtures::cases("rbm.json")
}

/// test_rbm.py's data: digits with `X -= X.min(); X /= X.max()`, i.e. divided by 16.
fn xdigits() -> Array2<f64> {
    neurona::datasets::digits().data.mapv(|v| v / 16.0)
}

fn data(case: &Value) -> Array2<f64> {
    let d = &case["data"];
    match d["source"].as_str().unwrap() {
        "digits" => {
            let rows = usizes(&d["rows"]);
            xdigits().slice(s![rows[0]..rows[1], ..]).to_owned()
        }
        "inline" => matrix(&d["X"]),
        other => panic!("unknown source {other}"),
    }
}

/// `|ours - theirs| <= tolerance * max(|theirs|, 1)` everywhere; returns the largest difference.
fn assert_close<F: Float>(what: &str, ours: impl IntoIterator<Item = F>, theirs: &[f64], tolerance: f64) -> f64 {
    let mut worst = 0.0f64;
    let mut n = 0;
    for (a, &b) in ours.into_iter().zip(theirs) {
        let diff = (a.as_f64() - b).abs();
        assert!(diff <= tolerance * b.abs().max(1.0), "{what}: neurona {a} vs scikit-learn {b}");
        worst = worst.max(diff);
        n += 1;
    }
    assert_eq!(n, theirs.len(), "{what}: sizes differ");
    worst
}

fn flat(v: &Value) -> Vec<f64> {
    match v.as_array().unwrap().first() {
        Some(Value::Array(_)) => v.as_array().unwrap().iter().flat_map(floats).collect(),
        _ => floats(v),
    }
}

fn check_case<F: Float>(case: &Value) -> f64 {
    let name = case["name"].as_str().unwrap();
    let r = &case["result"];
    let x = data(case).mapv(F::from_f64);
    let mut params = RbmParams::new();
    let mut instance = None;
    for (key, value) in case["params"].as_object().unwrap() {
        params = match key.as_str() {
            "n_components" => params.n_components(value.as_u64().unwrap() as usize),
            "learning_rate" => params.learning_rate(value.as_f64().unwrap()),
            "batch_size" => params.batch_size(value.as_u64().unwrap() as usize),
            "n_iter" => params.n_iter(value.as_u64().unwrap() as usize),
            "random_state" => match value.as_u64() {
                Some(seed) => params.random_state(seed as u32),
                None => {
                    instance = Some(RandomState::new(value["instance"].as_u64().unwrap() as u32));
                    params
                }
            },
            other => panic!("parameter {other} not mapped"),
        };
    }
    let mut rbm = BernoulliRbm::<F>::new(params.check().unwrap());
    for call in case["calls"].as_array().unwrap() {
        match call["method"].as_str().unwrap() {
            "fit" => match instance.as_mut() {
                Some(stream) => rbm.fit_with_rng(x.view(), stream).unwrap(),
                None => rbm.fit(x.view()).unwrap(),
            },
            "partial_fit" => {
                for _ in 0..call["epochs"].as_u64().unwrap() {
                    for batch in call["batches"].as_array().unwrap() {
                        let (a, b) = (batch[0].as_u64().unwrap() as usize, batch[1].as_u64().unwrap() as usize);
                        rbm.partial_fit(x.slice(s![a..b, ..])).unwrap();
                    }
                }
            }
            other => panic!("method {other}"),
        }
    }
    let tolerance = if F::DTYPE == "float32" { 1e-5 } else { 1e-10 };
    let state = rbm.state().unwrap();
    let parameters = [
        assert_close(
            &format!("{name}: components_"),
            state.components().iter().copied(),
            &flat(&r["components"]),
            tolerance,
        ),
        assert_close(
            &format!("{name}: intercept_hidden_"),
            state.intercept_hidden().iter().copied(),
            &floats(&r["intercept_hidden"]),
            tolerance,
        ),
        assert_close(
            &format!("{name}: intercept_visible_"),
            state.intercept_visible().iter().copied(),
            &floats(&r["intercept_visible"]),
            tolerance,
        ),
    ]
    .into_iter()
    .fold(0.0, f64::max);
    let h_samples: Vec<f64> = state.h_samples().iter().map(|v| v.as_f64()).collect();
    assert_eq!(h_samples, flat(&r["h_samples"]), "{name}: h_samples_");

    let n_eval = case["n_eval"].as_u64().unwrap() as usize;
    let head = x.slice(s![..n_eval, ..]);
    let transformed = rbm.transform(head).unwrap();
    let transform =
        assert_close(&format!("{name}: transform"), transformed.iter().copied(), &flat(&r["transform"]), tolerance);
    let (scores, mean, gibbs) = match instance.as_mut() {
        Some(stream) => (
            rbm.score_samples_with_rng(head, stream).unwrap(),
            rbm.score_samples_with_rng(x.view(), stream).unwrap(),
            rbm.gibbs_with_rng(head, stream).unwrap(),
        ),
        None => (rbm.score_samples(head).unwrap(), rbm.score_samples(x.view()).unwrap(), rbm.gibbs(head).unwrap()),
    };
    // The pseudo-likelihood is about -20 per sample: compare relative to that size.
    let score_tolerance = tolerance * 10.0;
    let score = assert_close(
        &format!("{name}: score_samples"),
        scores.iter().copied(),
        &floats(&r["score_samples"]),
        score_tolerance,
    );
    let mean = mean.iter().map(|v| v.as_f64()).sum::<f64>() / mean.len() as f64;
    assert_close(&format!("{name}: mean score"), [mean], &[r["score_mean"].as_f64().unwrap()], score_tolerance);
    let expected_gibbs: Vec<bool> = flat(&r["gibbs"]).iter().map(|&v| v == 1.0).collect();
    assert_eq!(gibbs.iter().copied().collect::<Vec<_>>(), expected_gibbs, "{name}: gibbs");
    println!("{name}: parameters within {parameters:e}, transform {transform:e}, score_samples {score:e}");
    parameters
}

#[test]
fn fits_reproduce_scikit_learn() {
    let cases = cases();
    assert!(cases.len() >= 8);
    let mut worst = 0.0f64;
    for case in &cases {
        if case["dtype"] == "float32" {
            check_case::<f32>(case);
        } else {
            worst = worst.max(check_case::<f64>(case));
        }
    }
    println!("{} cases; largest float64 parameter difference {worst:e}", cases.len());
}

fn rbm(params: RbmParams) -> BernoulliRbm<f64> {
    BernoulliRbm::new(params.check().unwrap())
}

fn mean(values: &Array1<f64>) -> f64 {
    values.sum() / values.len() as f64
}

/// test_fit: 7 epochs on digits give a mean pseudo-likelihood of about -21, and X is unchanged.
#[test]
fn test_fit() {
    let x = xdigits();
    let mut model = rbm(RbmParams::new().n_components(64).learning_rate(0.1).batch_size(10).n_iter(7).random_state(9));
    model.fit(x.view()).unwrap();
    let score = mean(&model.score_samples(x.view()).unwrap());
    assert!((score + 21.0).abs() < 1.5, "{score}");
    assert_eq!(x, xdigits());
}

/// test_partial_fit: the same through 7 passes of `partial_fit` over `np.array_split(X, 90)`.
#[test]
fn test_partial_fit() {
    let x = xdigits();
    let mut model = rbm(RbmParams::new().n_components(64).learning_rate(0.1).batch_size(20).random_state(9));
    let n_batches = 1797usize.div_ceil(20);
    // np.array_split: the first n % k parts have one row more.
    let (base, extra) = (1797 / n_batches, 1797 % n_batches);
    for _ in 0..7 {
        let mut start = 0;
        for b in 0..n_batches {
            let len = base + usize::from(b < extra);
            model.partial_fit(x.slice(s![start..start + len, ..])).unwrap();
            start += len;
        }
    }
    let score = mean(&model.score_samples(x.view()).unwrap());
    assert!((score + 21.0).abs() < 1.5, "{score}");
    assert_eq!(model.state().unwrap().h_samples().dim(), (20, 64), "partial_fit keeps the chain's batch_size rows");
}

/// test_transform, with the formula written out instead of the private `_mean_hiddens`.
#[test]
fn test_transform() {
    let x = xdigits().slice(s![..100, ..]).to_owned();
    let mut model = rbm(RbmParams::new().n_components(16).batch_size(5).n_iter(5).random_state(42));
    model.fit(x.view()).unwrap();
    let state = model.state().unwrap();
    let pre = x.dot(&state.components().t()) + state.intercept_hidden();
    let expected = pre.mapv(|a| 1.0 / (1.0 + (-a).exp()));
    let ours = model.transform(x.view()).unwrap();
    for (a, b) in ours.iter().zip(expected.iter()) {
        assert!((a - b).abs() < 1e-14);
    }
}

/// test_small_sparse's data, dense: four rows, default parameters (a chain of 10 rows).
#[test]
fn test_small_data() {
    let mut model = rbm(RbmParams::new());
    model.fit(xdigits().slice(s![..4, ..])).unwrap();
    assert_eq!(model.state().unwrap().h_samples().dim(), (10, 256));
}

/// test_fit_gibbs: X = [[0], [1]], a RandomState(42) shared by fit and gibbs.
#[test]
fn test_fit_gibbs() {
    let x = array![[0.0], [1.0]];
    let mut stream = RandomState::new(42);
    let mut model = rbm(RbmParams::new().n_components(2).batch_size(2).n_iter(42));
    model.fit_with_rng(x.view(), &mut stream).unwrap();
    let components = model.state().unwrap().components().to_owned();
    for (ours, expected) in components.iter().zip([0.02649814, 0.02009084]) {
        assert!((ours - expected).abs() < 1.5e-4, "{ours} vs {expected}");
    }
    let sampled = model.gibbs_with_rng(x.view(), &mut stream).unwrap();
    assert_eq!(sampled, array![[false], [true]]);
}

/// test_gibbs_smoke: samples of the full digits are finite (booleans here) and two calls differ
/// in every row.
#[test]
fn test_gibbs_smoke() {
    let x = xdigits();
    let mut model = rbm(RbmParams::new().n_components(42).batch_size(40).n_iter(20).random_state(42));
    model.fit(x.view()).unwrap();
    let first = model.gibbs(x.view()).unwrap();
    let second = model.gibbs(x.view()).unwrap();
    assert!(first.rows().into_iter().zip(second.rows()).all(|(a, b)| a != b));
}

/// test_score_samples: no clipping of the pseudo-likelihood, the same seed gives the same scores,
/// and huge inputs do not overflow.
#[test]
fn test_score_samples() {
    let mut x = Array2::zeros((2, 1000));
    x.row_mut(1).fill(1.0);
    let mut stream = RandomState::new(42);
    let mut model = rbm(RbmParams::new().n_components(10).batch_size(2).n_iter(10));
    model.fit_with_rng(x.view(), &mut stream).unwrap();
    let scores = model.score_samples_with_rng(x.view(), &mut stream).unwrap();
    assert!(scores.iter().all(|&s| s < -300.0), "{scores}");
    model.set_params(model.params().clone().into_params().random_state(42).check().unwrap());
    assert_eq!(model.score_samples(x.view()).unwrap(), model.score_samples(x.view()).unwrap());
    let huge = Array2::from_shape_fn((1, 1000), |(_, j)| j as f64 * 100.0);
    let scores = model.score_samples(huge.view()).unwrap();
    assert!(scores.iter().all(|s| !s.is_nan()), "{scores}");
}

/// test_rbm_verbose and test_sparse_and_verbose: a verbose fit runs (and prints
/// `[BernoulliRBM] Iteration 1, pseudo-likelihood = ..., time = ...s`).
#[test]
fn test_verbose() {
    let mut model = rbm(RbmParams::new().n_components(2).batch_size(2).n_iter(1).random_state(42).verbose(true));
    model.fit(array![[0.0], [1.0]].view()).unwrap();
    let mut model = rbm(RbmParams::new().n_components(16).n_iter(2).verbose(true));
    model.fit(xdigits().view()).unwrap();
}

/// test_transformer_dtypes_casting: float32 in, float32 out; float64 in, float64 out.
#[test]
fn test_transformer_dtypes() {
    let x = xdigits().slice(s![..100, ..]).to_owned();
    let params = RbmParams::new().n_components(16).batch_size(5).n_iter(5).random_state(42).check().unwrap();
    let xt32: Array2<f32> =
        BernoulliRbm::<f32>::new(params.clone()).fit_transform(x.mapv(|v| v as f32).view()).unwrap();
    let xt64: Array2<f64> = BernoulliRbm::<f64>::new(params).fit_transform(x.view()).unwrap();
    assert_eq!(xt32.dim(), xt64.dim());
}

/// test_convergence_dtype_consistency: float32 and float64 training agree.
#[test]
fn test_convergence_dtype_consistency() {
    let x = xdigits().slice(s![..100, ..]).to_owned();
    let params = RbmParams::new().n_components(16).batch_size(5).n_iter(5).random_state(42).check().unwrap();
    let mut rbm64 = BernoulliRbm::<f64>::new(params.clone());
    let xt64 = rbm64.fit_transform(x.view()).unwrap();
    let mut rbm32 = BernoulliRbm::<f32>::new(params);
    let xt32 = rbm32.fit_transform(x.mapv(|v| v as f32).view()).unwrap();
    let allclose = |a: ArrayView2<'_, f64>, b: ArrayView2<'_, f32>, rtol: f64| {
        a.iter().zip(b.iter()).all(|(&p, &q)| (p - f64::from(q)).abs() <= rtol * p.abs())
    };
    let (s64, s32) = (rbm64.state().unwrap(), rbm32.state().unwrap());
    assert!(allclose(xt64.view(), xt32.view(), 1e-6));
    assert!(allclose(
        s64.intercept_hidden().insert_axis(ndarray::Axis(0)),
        s32.intercept_hidden().insert_axis(ndarray::Axis(0)),
        1e-6
    ));
    assert!(allclose(
        s64.intercept_visible().insert_axis(ndarray::Axis(0)),
        s32.intercept_visible().insert_axis(ndarray::Axis(0)),
        1e-5
    ));
    assert!(allclose(s64.components(), s32.components(), 1e-3));
    assert!(s64.h_samples().iter().zip(s32.h_samples().iter()).all(|(&a, &b)| a == f64::from(b)));
}

/// test_feature_names_out, after fit and after partial_fit.
#[test]
fn test_feature_names_out() {
    let expected: Vec<String> = (0..10).map(|i| format!("bernoullirbm{i}")).collect();
    let x = xdigits();
    let mut model = rbm(RbmParams::new().n_components(10).n_iter(1).random_state(0));
    model.fit(x.view()).unwrap();
    assert_eq!(model.feature_names_out().unwrap(), expected);
    let mut model = rbm(RbmParams::new().n_components(10).random_state(0));
    model.partial_fit(x.view()).unwrap();
    assert_eq!(model.feature_names_out().unwrap(), expected);
}

#[test]
fn no_epochs_only_initialises_with_scikit_learns_draws() {
    let x = xdigits().slice(s![..20, ..]).to_owned();
    let mut model = rbm(RbmParams::new().n_components(3).n_iter(0).random_state(5));
    model.fit(x.view()).unwrap();
    let mut stream = RandomState::new(5);
    let expected: Vec<f64> = (0..3 * 64).map(|_| stream.normal(0.0, 0.01)).collect();
    assert_eq!(model.state().unwrap().components().iter().copied().collect::<Vec<_>>(), expected);
    assert!(model.state().unwrap().intercept_hidden().iter().all(|&v| v == 0.0));
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let x = xdigits().slice(s![..200, ..]).to_owned();
    let fit = |seed: u32| {
        let mut model = rbm(RbmParams::new().n_components(8).n_iter(2).random_state(seed));
        model.fit(x.view()).unwrap();
        model
    };
    assert_eq!(fit(1), fit(1));
    assert_ne!(fit(1).state().unwrap().components(), fit(2).state().unwrap().components());
}

fn message<T: std::fmt::Debug>(result: Result<T>) -> String {
    result.unwrap_err().to_string()
}

#[test]
fn bad_input_gives_clear_errors() {
    let x = xdigits().slice(s![..30, ..]).to_owned();
    let mut model = rbm(RbmParams::new().n_components(4).n_iter(1).random_state(0));
    let not_fitted = "This BernoulliRBM instance is not fitted yet. Call 'fit' with appropriate arguments before using this estimator.";
    assert_eq!(message(model.transform(x.view())), not_fitted);
    assert_eq!(message(model.gibbs(x.view())), not_fitted);
    assert_eq!(message(model.score_samples(x.view())), not_fitted);
    assert_eq!(message(model.feature_names_out()), not_fitted);
    let mut bad = x.clone();
    bad[[3, 7]] = f64::NAN;
    assert_eq!(message(model.fit(bad.view())), "X contains NaN at row 3, column 7");
    bad[[3, 7]] = f64::NEG_INFINITY;
    assert_eq!(message(model.partial_fit(bad.view())), "X contains infinity at row 3, column 7");
    assert!(message(model.fit(Array2::<f64>::zeros((0, 64)).view())).contains("0 samples"));
    assert!(message(model.fit(Array2::<f64>::zeros((5, 0)).view())).contains("0 features"));
    assert!(!model.is_fitted());

    model.fit(x.view()).unwrap();
    let before = model.clone();
    let narrow = Array2::<f64>::zeros((2, 3));
    let mismatch = "X has 3 features, but BernoulliRBM is expecting 64 features as input";
    assert_eq!(message(model.transform(narrow.view())), mismatch);
    assert_eq!(message(model.score_samples(narrow.view())), mismatch);
    assert_eq!(message(model.gibbs(narrow.view())), mismatch);
    assert_eq!(message(model.partial_fit(narrow.view())), mismatch);
    assert_eq!(message(model.transform(bad.view())), "X contains infinity at row 3, column 7");
    // A failed call keeps the model (the gibbs stream aside, which the failed gibbs created).
    assert_eq!(model.state().unwrap(), before.state().unwrap());
}

#[test]
fn extreme_input_never_panics() {
    let x = array![[1e308, -1e308], [-1e308, 1e308]];
    let mut model = rbm(RbmParams::new().n_components(3).n_iter(5).random_state(0));
    match model.fit(x.view()) {
        Ok(()) => assert!(model.state().unwrap().components().iter().all(|v| v.is_finite())),
        Err(err) => assert_eq!(err, NeuronaError::NonFiniteWeights),
    }
}

#[test]
fn bernoulli_rbm_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<BernoulliRbm<f32>>();
}

#[test]
fn the_epoch_callback_sees_every_epoch_without_changing_the_fit() {
    use std::ops::ControlFlow;
    let x = neurona::datasets::digits().data.mapv(|v| v / 16.0);
    let params = RbmParams::new().n_components(8).n_iter(3).random_state(0).check().unwrap();
    let mut plain = BernoulliRbm::<f64>::new(params.clone());
    plain.fit(x.view()).unwrap();

    let mut seen = Vec::new();
    let mut watched = BernoulliRbm::<f64>::new(params.clone());
    {
        let mut record = |p: &RbmEpochProgress| {
            seen.push((p.epoch, p.n_iter, p.pseudo_likelihood));
            ControlFlow::Continue(())
        };
        watched.fit_with(x.view(), RbmFitOptions { on_epoch: Some(&mut record), ..Default::default() }).unwrap();
    }
    assert_eq!(watched, plain, "scoring draws from a stream of its own");
    assert_eq!(seen.iter().map(|&(e, n, _)| (e, n)).collect::<Vec<_>>(), [(1, 3), (2, 3), (3, 3)]);
    // An int random_state scores each epoch from a fresh stream, as score_samples does.
    let last = seen[2].2;
    let mean = plain.score_samples(x.view()).unwrap().mean().unwrap();
    assert!((last - mean).abs() < 1e-9 * mean.abs(), "{last} vs {mean}");
    assert!(last < 0.0);

    let mut stopped = BernoulliRbm::<f64>::new(params);
    let mut epochs = 0;
    let mut stop = |_: &RbmEpochProgress| {
        epochs += 1;
        ControlFlow::Break(())
    };
    stopped.fit_with(x.view(), RbmFitOptions { on_epoch: Some(&mut stop), ..Default::default() }).unwrap();
    assert_eq!(epochs, 1);
    assert!(stopped.is_fitted() && stopped != plain, "stopped after one epoch, keeping it");
}
