//! L-BFGS over summed chunks of rows (`train::summed`, `network::summed`): one chunk gives the
//! in-memory fit's bytes, in every head and dtype, with and without sample weights; several
//! chunks stay within rounding of it; failures of the caller's evaluator end the fit with
//! that error.

use ndarray::{Array1, Array2, ArrayView1, ArrayView2, Axis, s};
use neurona::network::{LossSums, Mlp, chunk_sums};
use neurona::prelude::*;

/// One-hot targets of `classes` classes (one 0/1 column for two).
fn encode<F: Float>(y: &[usize], classes: usize) -> Array2<F> {
    let width = if classes == 2 { 1 } else { classes };
    let mut out = Array2::zeros((y.len(), width));
    for (i, &c) in y.iter().enumerate() {
        if classes == 2 {
            out[[i, 0]] = F::from_usize(c);
        } else {
            out[[i, c]] = F::one();
        }
    }
    out
}

/// The evaluator over the rows cut at `cuts` (chunk boundaries), adding the chunks in order.
fn chunked<'a, F: Float>(
    network: &'a Mlp,
    x: ArrayView2<'a, F>,
    y: ArrayView2<'a, F>,
    sw: Option<ArrayView1<'a, F>>,
    cuts: &'a [usize],
) -> impl FnMut(&[F], &mut [F]) -> neurona::Result<LossSums> + 'a {
    move |params, grad| {
        let mut total = LossSums::ZERO;
        let mut part = vec![F::zero(); grad.len()];
        grad.fill(F::zero());
        for w in cuts.windows(2) {
            let rows = s![w[0]..w[1], ..];
            let sums = chunk_sums(
                network,
                params,
                x.slice(rows),
                y.slice(rows),
                sw.map(|v| v.slice_move(s![w[0]..w[1]])),
                &mut part,
            )?;
            total.add(sums);
            grad.iter_mut().zip(&part).for_each(|(g, &p)| *g += p);
        }
        Ok(total)
    }
}

fn params(max_iter: usize) -> MlpValidParams {
    MlpParams::new().hidden_layer_sizes([8]).solver(Solver::Lbfgs).max_iter(max_iter).random_state(3).check().unwrap()
}

fn classifier_case<F: Float>(
    target: &[usize],
    classes: usize,
    weighted: bool,
    cuts: &[usize],
    max_iter: usize,
) -> (Vec<F>, Vec<F>) {
    let iris = neurona::datasets::iris();
    let x: Array2<F> = iris.standardized_features().mapv(F::from_f64);
    let sw: Array1<F> = Array1::from_iter((0..x.nrows()).map(|i| F::from_usize(1 + i % 3)));
    let sw_view = weighted.then(|| sw.view());
    let mut memory = MlpClassifier::<F, usize>::new(params(max_iter));
    let options = FitOptions { sample_weight: sw_view, ..FitOptions::default() };
    memory.fit_with(x.view(), target, options).unwrap();
    let network = memory.state().unwrap().network().clone();
    let y = encode::<F>(target, classes);
    let mut summed = MlpClassifier::<F, usize>::new(params(max_iter));
    let labels: Vec<usize> = (0..classes).collect();
    summed.fit_summed(x.ncols(), &labels, None, chunked(&network, x.view(), y.view(), sw_view, cuts)).unwrap();
    assert_eq!(summed.state().unwrap().n_iter(), memory.state().unwrap().n_iter());
    if cuts.len() == 2 {
        assert_eq!(summed.report().unwrap(), memory.report().unwrap());
    }
    (summed.state().unwrap().flat_params().to_vec(), memory.state().unwrap().flat_params().to_vec())
}

#[test]
fn one_chunk_gives_the_in_memory_bytes_for_every_classifier_head_and_dtype() {
    let iris = neurona::datasets::iris();
    let binary: Vec<usize> = iris.target.iter().map(|&c| usize::from(c == 2)).collect();
    for weighted in [false, true] {
        let (a, b) = classifier_case::<f64>(&iris.target, 3, weighted, &[0, 150], 200);
        assert_eq!(a, b, "multiclass f64, weighted {weighted}");
        let (a, b) = classifier_case::<f32>(&iris.target, 3, weighted, &[0, 150], 200);
        assert_eq!(a, b, "multiclass f32, weighted {weighted}");
        let (a, b) = classifier_case::<f64>(&binary, 2, weighted, &[0, 150], 200);
        assert_eq!(a, b, "binary f64, weighted {weighted}");
    }
}

#[test]
fn four_chunks_stay_within_rounding_of_the_in_memory_fit_after_ten_iterations() {
    let iris = neurona::datasets::iris();
    let (a, b) = classifier_case::<f64>(&iris.target, 3, true, &[0, 37, 80, 111, 150], 10);
    let worst = a.iter().zip(&b).map(|(p, q)| (p - q).abs()).fold(0.0, f64::max);
    assert!(worst < 1e-10, "largest difference {worst}");
    // The same chunking twice: the same bytes.
    let (c, _) = classifier_case::<f64>(&iris.target, 3, true, &[0, 37, 80, 111, 150], 10);
    assert_eq!(a, c);
}

#[test]
fn one_chunk_gives_the_in_memory_bytes_for_multilabel_and_regression() {
    let iris = neurona::datasets::iris();
    let x = iris.standardized_features();
    let indicator = Array2::from_shape_fn((150, 3), |(i, j)| (iris.target[i] == j) || (i + j) % 4 == 0);
    let mut memory = MlpClassifier::<f64, usize>::new(params(100));
    memory.fit_multilabel(x.view(), indicator.view()).unwrap();
    let y = indicator.mapv(|v| f64::from(u8::from(v)));
    let network = memory.state().unwrap().network().clone();
    let mut summed = MlpClassifier::<f64, usize>::new(params(100));
    summed.fit_summed_multilabel(4, 3, None, chunked(&network, x.view(), y.view(), None, &[0, 150])).unwrap();
    assert_eq!(summed.state().unwrap().flat_params(), memory.state().unwrap().flat_params());
    assert!(summed.is_multilabel());

    let diabetes = neurona::datasets::diabetes();
    let (x, target) = (diabetes.standardized_features(), diabetes.standardized_target());
    let y = target.view().insert_axis(Axis(1));
    let mut memory = MlpRegressor::<f64>::new(params(100));
    memory.fit(x.view(), target.view()).unwrap();
    let network = memory.state().unwrap().network().clone();
    let n = x.nrows();
    let cuts = [0, n];
    let mut summed = MlpRegressor::<f64>::new(params(100));
    summed.fit_summed(x.ncols(), 1, None, chunked(&network, x.view(), y, None, &cuts)).unwrap();
    assert_eq!(summed.state().unwrap().flat_params(), memory.state().unwrap().flat_params());
    assert_eq!(summed.predict(x.view()).unwrap(), memory.predict(x.view()).unwrap());
}

#[test]
fn an_evaluator_error_ends_the_fit_with_that_error() {
    let mut calls = 0;
    let mut clf = MlpClassifier::<f64, usize>::new(params(100));
    let error = clf
        .fit_summed(4, &[0, 1, 2], None, |p, grad| {
            calls += 1;
            // A quadratic bowl until the third evaluation fails.
            grad.copy_from_slice(p);
            let loss_sum = p.iter().map(|v| v * v).sum::<f64>();
            if calls < 3 { Ok(LossSums { loss_sum, weight_sum: 1.0 }) } else { Err(NeuronaError::Interrupted) }
        })
        .unwrap_err();
    assert!(matches!(error, NeuronaError::Interrupted), "{error}");
    assert!(calls <= 3, "evaluated {calls} times after the failure");
    assert!(clf.state().is_err(), "a failed fit leaves the estimator unfitted");

    let zero = clf.fit_summed(4, &[0, 1], None, |_, _| Ok(LossSums::ZERO)).unwrap_err();
    assert!(zero.to_string().contains("must sum to a positive number, got 0"), "{zero}");
}

#[test]
fn bad_calls_are_errors_naming_what() {
    let adam = MlpParams::new().hidden_layer_sizes([3]).solver(Solver::Adam).check().unwrap();
    let error =
        MlpClassifier::<f64, usize>::new(adam).fit_summed(4, &[0, 1], None, |_, _| Ok(LossSums::ZERO)).unwrap_err();
    assert!(error.to_string().contains("solver"), "{error}");
    let mut clf = MlpClassifier::<f64, usize>::new(params(5));
    let error = clf.fit_summed(4, &[1], None, |_, _| Ok(LossSums::ZERO)).unwrap_err();
    assert!(error.to_string().contains("two or more distinct"), "{error}");

    let iris = neurona::datasets::iris();
    let x = iris.standardized_features();
    clf.fit(x.view(), &iris.target).unwrap();
    let network = clf.state().unwrap().network().clone();
    let p = clf.state().unwrap().flat_params().to_vec();
    let mut grad = vec![0.0; p.len()];
    let y = encode::<f64>(&iris.target, 3);
    let empty = chunk_sums(&network, &p, x.slice(s![0..0, ..]), y.slice(s![0..0, ..]), None, &mut grad).unwrap_err();
    assert!(empty.to_string().contains("0 rows"), "{empty}");
    let narrow = chunk_sums(&network, &p, x.slice(s![.., ..3]), y.view(), None, &mut grad).unwrap_err();
    assert!(narrow.to_string().contains("3 features, but the network has 4"), "{narrow}");
    let short_y = chunk_sums(&network, &p, x.view(), y.slice(s![..10, ..]), None, &mut grad).unwrap_err();
    assert!(short_y.to_string().contains("targets have shape"), "{short_y}");
    let error = chunk_sums(&network, &p[1..], x.view(), y.view(), None, &mut grad).unwrap_err();
    assert!(error.to_string().contains("parameters"), "{error}");
    let mut nan_x = x.clone();
    nan_x[[3, 1]] = f64::NAN;
    assert!(chunk_sums(&network, &p, nan_x.view(), y.view(), None, &mut grad).is_err());
}
