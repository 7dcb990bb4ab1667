//! The model file for the perceptron and the restricted Boltzmann machine: exact round trips,
//! training resumed exactly after a reload, and untrusted bytes rejected with clear errors
//! (never a panic).

use ndarray::{Array2, s};
use neurona::prelude::*;
use safetensors::tensor::{Dtype, TensorView};
use serde_json::{Value, json};

#[path = "common/corrupt.rs"]
mod corrupt;
use corrupt::corrupt_many_times;

fn iris() -> (Array2<f64>, Vec<usize>) {
    let iris = neurona::datasets::iris();
    (iris.standardized_features(), iris.target)
}

/// Digits scaled to [0, 1], as the RBM expects.
fn digits() -> Array2<f64> {
    neurona::datasets::digits().data.mapv(|v| v / 16.0)
}

fn perceptron(params: PerceptronParams<usize>) -> Perceptron<f64, usize> {
    let (x, y) = iris();
    let mut clf = Perceptron::new(params.check().unwrap());
    clf.fit(x.view(), &y).unwrap();
    clf
}

fn rbm<F: Float>(seed: u32) -> BernoulliRbm<F> {
    let x = digits().mapv(F::from_f64);
    let params = RbmParams::new().n_components(16).n_iter(2).batch_size(20).random_state(seed).check().unwrap();
    let mut rbm = BernoulliRbm::new(params);
    rbm.fit(x.view()).unwrap();
    rbm
}

fn bits<F: Float>(a: &Array2<F>) -> Vec<u64> {
    a.iter().map(|v| v.as_f64().to_bits()).collect()
}

#[test]
fn perceptron_round_trips_exactly() {
    let (x, y) = iris();
    let variants = [
        PerceptronParams::new(),
        PerceptronParams::new().penalty(Penalty::ElasticNet).alpha(1e-3).l1_ratio(0.3).random_state(2),
        PerceptronParams::new().penalty(Penalty::L1).tol(None).max_iter(7).shuffle(false),
        PerceptronParams::new().early_stopping(true).validation_fraction(0.2).n_iter_no_change(3),
        PerceptronParams::new().class_weight(ClassWeight::PerClass(vec![(1, 2.5), (2, 0.5)])).eta0(0.1),
        PerceptronParams::new().class_weight(ClassWeight::Balanced).fit_intercept(false).random_state(None),
        PerceptronParams::new().tol(f64::INFINITY).warm_start(true),
    ];
    for params in variants {
        let clf = perceptron(params.clone());
        let loaded = Perceptron::<f64, usize>::from_bytes(&clf.to_bytes().unwrap()).unwrap();
        assert_eq!(loaded, clf, "{params:?}");
        let (a, b) = (clf.decision_function(x.view()).unwrap(), loaded.decision_function(x.view()).unwrap());
        assert_eq!(bits(&a), bits(&b));
    }
    // A binary float32 model keeps its float64 intercept exactly, and string labels.
    let x32 = x.mapv(|v| v as f32);
    let labels: Vec<String> = y.iter().map(|&c| if c == 0 { "setosa".into() } else { "other".into() }).collect();
    let mut clf = Perceptron::<f32, String>::new(PerceptronParams::new().penalty(Penalty::L2).check().unwrap());
    clf.fit(x32.view(), &labels).unwrap();
    let loaded = Perceptron::<f32, String>::from_bytes(&clf.to_bytes().unwrap()).unwrap();
    assert_eq!(loaded, clf);
    assert_eq!(loaded.state().unwrap().intercept_f64(), clf.state().unwrap().intercept_f64());
    assert_eq!(loaded.predict(x32.view()).unwrap(), clf.predict(x32.view()).unwrap());
}

#[test]
fn perceptron_training_resumes_exactly_after_a_reload() {
    let (x, y) = iris();
    let classes = [0usize, 1, 2];
    let params = PerceptronParams::new().penalty(Penalty::L2).random_state(3).check().unwrap();
    let mut clf = Perceptron::<f64, usize>::new(params);
    clf.partial_fit(x.slice(s![..100, ..]), &y[..100], Some(&classes)).unwrap();
    let mut reloaded = Perceptron::<f64, usize>::from_bytes(&clf.to_bytes().unwrap()).unwrap();
    for _ in 0..3 {
        clf.partial_fit(x.view(), &y, None).unwrap();
        reloaded.partial_fit(x.view(), &y, None).unwrap();
    }
    assert_eq!(reloaded, clf);
    assert_eq!(reloaded.state().unwrap().t(), 1.0 + 100.0 + 3.0 * 150.0);

    // warm_start: a second fit continues from the saved coefficients.
    let mut warm = perceptron(PerceptronParams::new().warm_start(true).max_iter(3).tol(None));
    let mut reloaded = Perceptron::<f64, usize>::from_bytes(&warm.to_bytes().unwrap()).unwrap();
    warm.fit(x.view(), &y).unwrap();
    reloaded.fit(x.view(), &y).unwrap();
    assert_eq!(reloaded, warm);
}

#[test]
fn rbm_round_trips_exactly_with_and_without_its_stream() {
    let x = digits();
    let fitted = rbm::<f64>(0);
    assert!(fitted.random_stream().is_none());
    let loaded = BernoulliRbm::<f64>::from_bytes(&fitted.to_bytes().unwrap()).unwrap();
    assert_eq!(loaded, fitted);
    assert_eq!(bits(&loaded.transform(x.view()).unwrap()), bits(&fitted.transform(x.view()).unwrap()));

    // partial_fit and gibbs create scikit-learn's random_state_, which is saved too.
    let mut streaming = rbm::<f32>(1);
    let x32 = x.mapv(|v| v as f32);
    streaming.partial_fit(x32.slice(s![..50, ..])).unwrap();
    streaming.gibbs(x32.slice(s![..3, ..])).unwrap();
    assert!(streaming.random_stream().is_some());
    let loaded = BernoulliRbm::<f32>::from_bytes(&streaming.to_bytes().unwrap()).unwrap();
    assert_eq!(loaded, streaming);
    assert_eq!(loaded.random_stream(), streaming.random_stream());

    let unseeded = RbmParams::new().n_components(4).n_iter(1).check().unwrap();
    let mut machine = BernoulliRbm::<f64>::new(unseeded);
    machine.fit(x.view()).unwrap();
    assert_eq!(BernoulliRbm::<f64>::from_bytes(&machine.to_bytes().unwrap()).unwrap(), machine);
}

#[test]
fn an_rbm_stream_set_from_outside_is_saved_and_drawn_from() {
    let x = digits();
    let mut machine = rbm::<f64>(3);
    let mut twin = machine.clone();
    // A binding that keeps random_state_ itself hands its state over before saving.
    let stream = RandomState::new(7);
    machine.set_random_stream(Some(stream.clone()));
    let mut loaded = BernoulliRbm::<f64>::from_bytes(&machine.to_bytes().unwrap()).unwrap();
    assert_eq!(loaded.random_stream(), Some(&stream));
    let mut caller = stream;
    twin.partial_fit_with_rng(x.slice(s![..30, ..]), &mut caller).unwrap();
    loaded.partial_fit(x.slice(s![..30, ..])).unwrap();
    assert_eq!(loaded.state().unwrap(), twin.state().unwrap());
    assert_eq!(loaded.random_stream(), Some(&caller));
    loaded.set_random_stream(None);
    assert!(loaded.random_stream().is_none());
}

#[test]
fn rbm_training_resumes_exactly_after_a_reload() {
    let x = digits();
    let mut machine = rbm::<f64>(2);
    machine.partial_fit(x.slice(s![..40, ..])).unwrap();
    let mut reloaded = BernoulliRbm::<f64>::from_bytes(&machine.to_bytes().unwrap()).unwrap();
    for batch in [s![40..80, ..], s![80..200, ..]] {
        machine.partial_fit(x.slice(batch)).unwrap();
        reloaded.partial_fit(x.slice(batch)).unwrap();
    }
    assert_eq!(reloaded, machine);
    assert_eq!(reloaded.gibbs(x.slice(s![..5, ..])).unwrap(), machine.gibbs(x.slice(s![..5, ..])).unwrap());
    assert_eq!(reloaded, machine);
}

#[test]
fn save_and_load_through_files() {
    let dir = tempfile::tempdir().unwrap();
    let clf = perceptron(PerceptronParams::new());
    let path = dir.path().join("perceptron.safetensors");
    clf.save(&path).unwrap();
    assert_eq!(Perceptron::<f64, usize>::load(&path).unwrap(), clf);
    let info = neurona::persist::inspect(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!((info.estimator.as_str(), info.dtype.as_str(), info.format_version), ("Perceptron", "float64", 2));

    let machine = rbm::<f32>(0);
    let path = dir.path().join("rbm.safetensors");
    machine.save(&path).unwrap();
    assert_eq!(BernoulliRbm::<f32>::load(&path).unwrap(), machine);
    let info = neurona::persist::inspect(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!((info.estimator.as_str(), info.dtype.as_str()), ("BernoulliRBM", "float32"));

    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(names.len(), 2, "no temporary file left behind: {names:?}");
    let unfitted = Perceptron::<f64, usize>::new(PerceptronParams::new().check().unwrap());
    assert!(unfitted.save(dir.path().join("p.safetensors")).unwrap_err().to_string().contains("not fitted yet"));
    let unfitted = BernoulliRbm::<f64>::new(RbmParams::new().check().unwrap());
    assert!(unfitted.to_bytes().unwrap_err().to_string().contains("not fitted yet"));
}

#[test]
fn the_wrong_kind_or_type_of_model_is_a_clear_error() {
    let p = perceptron(PerceptronParams::new()).to_bytes().unwrap();
    let r = rbm::<f64>(0).to_bytes().unwrap();
    let message = |e: NeuronaError| e.to_string();
    assert_eq!(
        message(BernoulliRbm::<f64>::from_bytes(&p).unwrap_err()),
        "model file holds a Perceptron, not a BernoulliRBM"
    );
    assert_eq!(
        message(Perceptron::<f64, usize>::from_bytes(&r).unwrap_err()),
        "model file holds a BernoulliRBM, not a Perceptron"
    );
    assert_eq!(
        message(MlpClassifier::<f64, usize>::from_bytes(&p).unwrap_err()),
        "model file holds a Perceptron, not a MLPClassifier"
    );
    assert_eq!(
        message(Perceptron::<f32, usize>::from_bytes(&p).unwrap_err()),
        "model file holds a float64 model, but float32 was asked for"
    );
    assert_eq!(
        message(BernoulliRbm::<f32>::from_bytes(&r).unwrap_err()),
        "model file holds a float64 model, but float32 was asked for"
    );
    let err = message(Perceptron::<f64, String>::from_bytes(&p).unwrap_err());
    assert!(err.contains("class label of another type"), "{err}");
}

/// A tensor of a model file: name, type, shape and little-endian bytes.
type Entry = (String, Dtype, Vec<usize>, Vec<u8>);

/// A rewrite of a model file's bytes.
type Edit = Box<dyn Fn(&[u8]) -> Vec<u8>>;

/// Rewrites a model file: its JSON header and its tensors, with a checksum that matches (what is
/// tested is the checks behind it).
fn rewrite(bytes: &[u8], edit_header: impl FnOnce(&mut Value), edit_tensors: impl FnOnce(&mut Vec<Entry>)) -> Vec<u8> {
    let tensors = safetensors::SafeTensors::deserialize(bytes).unwrap();
    let mut header = neurona::persist::inspect(bytes).unwrap().header;
    edit_header(&mut header);
    let mut owned: Vec<Entry> = tensors
        .tensors()
        .into_iter()
        .map(|(name, view)| (name, view.dtype(), view.shape().to_vec(), view.data().to_vec()))
        .collect();
    edit_tensors(&mut owned);
    let views: Vec<(String, TensorView<'_>)> = owned
        .iter()
        .map(|(name, dtype, shape, data)| (name.clone(), TensorView::new(*dtype, shape.clone(), data).unwrap()))
        .collect();
    neurona::persist::seal(&header, views).unwrap()
}

fn with_header(bytes: &[u8], edit: impl FnOnce(&mut Value)) -> Vec<u8> {
    rewrite(bytes, edit, |_| {})
}

/// An edit of every tensor called `name`.
fn tensor(name: &'static str, edit: fn(&mut Entry)) -> Edit {
    Box::new(move |b| rewrite(b, |_| {}, |t| t.iter_mut().filter(|e| e.0 == name).for_each(edit)))
}

fn f64_bytes(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}

/// An edit of a model file and the error it must cause.
type Tampering = (Edit, &'static str);

/// Applies every edit to `bytes`; `load` must refuse each result with a model-file error that
/// contains the expected words.
fn all_rejected(bytes: &[u8], cases: Vec<Tampering>, load: impl Fn(&[u8]) -> neurona::Result<()>) {
    for (edit, expected) in cases {
        let err = load(&edit(bytes)).unwrap_err();
        assert!(matches!(err, NeuronaError::ModelFile { .. }), "{err:?}");
        let err = err.to_string();
        assert!(err.contains(expected), "expected '{expected}' in: {err}");
    }
}

#[test]
fn tampered_perceptron_files_are_rejected() {
    let bytes = perceptron(PerceptronParams::new()).to_bytes().unwrap();
    let header = |edit: fn(&mut Value)| -> Edit { Box::new(move |b| with_header(b, edit)) };
    let cases: Vec<Tampering> = vec![
        (header(|h| h["format_version"] = 3.into()), "written by a newer neurona (format version 3)"),
        (header(|h| h["params"]["alpha"] = (-1.0).into()), "invalid hyperparameters: alpha must be a float >= 0"),
        (header(|h| h["params"]["eta0"] = "nan".into()), "invalid hyperparameters: eta0 must be a float > 0"),
        (header(|h| h["params"]["penalty"] = "l3".into()), "penalty must be one of"),
        (
            header(|h| h["params"]["class_weight"] = json!([[1, 2.0, 3.0]])),
            "invalid hyperparameters: class_weight must be none, 'balanced' or label:weight pairs, got [[1,2.0,3.0]]",
        ),
        (header(|h| h["params"]["class_weight"] = json!([[1, 2.0], [1, 3.0]])), "one weight per class"),
        (
            header(|h| h["params"]["random_state"] = json!(1u64 << 40)),
            "invalid hyperparameters: random_state must be an integer >= 0, got 1099511627776",
        ),
        (header(|h| h["params"] = Value::Null), "invalid"),
        (header(|h| h["classes"]["labels"] = json!([2, 1, 0])), "not at least two, distinct and sorted"),
        (header(|h| h["classes"]["labels"] = json!([0, 1])), "has tensor 'coef' of shape [3, 4], but 2 classes"),
        (header(|h| h["classes"] = Value::Null), "invalid 'classes'"),
        (header(|h| h["state"]["t"] = 0.5.into()), "invalid 't'"),
        (header(|h| h["state"]["t"] = "inf".into()), "invalid 't'"),
        (header(|h| h["state"]["n_iter"] = 99.into()), "do not match 3 problem(s) and n_iter 99"),
        (header(|h| h["report"]["n_iter_per_problem"] = json!([1, 2])), "do not match 3 problem(s)"),
        (header(|h| h["report"]["warnings"] = json!([3])), "invalid 'warnings'"),
        (Box::new(|b| rewrite(b, |_| {}, |t| t.retain(|e| e.0 != "intercept"))), "missing the tensor 'intercept'"),
        (
            tensor("intercept", |e| e.3 = f64_bytes(&[0.0, f64::NAN, 1.0])),
            "non-finite value in tensor 'intercept' at index 1",
        ),
        (tensor("coef", |e| e.2 = vec![4, 3]), "has tensor 'coef' of shape [4, 3]"),
        (
            tensor("intercept", |e| {
                let values: Vec<f32> = vec![0.0; 3];
                e.1 = Dtype::F32;
                e.3 = values.iter().flat_map(|v| v.to_le_bytes()).collect();
            }),
            "has tensor 'intercept' of type F32, but it must be float64",
        ),
    ];
    all_rejected(&bytes, cases, |b| Perceptron::<f64, usize>::from_bytes(b).map(drop));
}

#[test]
fn tampered_rbm_files_are_rejected() {
    let mut machine = rbm::<f64>(0);
    machine.partial_fit(digits().slice(s![..20, ..])).unwrap();
    let bytes = machine.to_bytes().unwrap();
    let header = |edit: fn(&mut Value)| -> Edit { Box::new(move |b| with_header(b, edit)) };
    let cases: Vec<Tampering> = vec![
        (header(|h| h["params"]["n_components"] = 0.into()), "invalid hyperparameters: n_components must be"),
        (header(|h| h["params"]["learning_rate"] = "-inf".into()), "invalid hyperparameters: learning_rate must be"),
        (
            header(|h| h["params"]["batch_size"] = (-3).into()),
            "invalid hyperparameters: batch_size must be an integer >= 0, got -3",
        ),
        (header(|h| h["state"]["random_state_"]["pos"] = 625.into()), "invalid random_state_"),
        (header(|h| h["state"]["random_state_"]["cached_gaussian"] = "nan".into()), "invalid 'cached_gaussian'"),
        (header(|h| h["state"]["random_state_"]["has_gauss"] = 1.into()), "invalid 'has_gauss'"),
        (header(|h| h["estimator"] = "Perceptron".into()), "holds a Perceptron"),
        (
            Box::new(|b| rewrite(b, |_| {}, |t| t.retain(|e| e.0 != "random_state_.key"))),
            "missing the tensor 'random_state_.key'",
        ),
        (
            tensor("random_state_.key", |e| e.2 = vec![312, 2]),
            "has tensor 'random_state_.key' of type U32 and shape [312, 2]",
        ),
        (
            tensor("h_samples", |e| e.3[..8].copy_from_slice(&0.5f64.to_le_bytes())),
            "neither 0 nor 1 in tensor 'h_samples' at index 0",
        ),
        (tensor("h_samples", |e| e.2 = vec![e.2[1], e.2[0]]), "but the machine has 16 hidden units"),
        (
            tensor("intercept_visible", |e| e.2 = vec![8, 8]),
            "has tensor 'intercept_visible' of shape [8, 8], but the model needs [64]",
        ),
        (tensor("components", |e| e.2 = vec![16 * 64]), "has tensor 'components' of shape [1024], not a matrix"),
        (
            tensor("components", |e| e.3[8..16].copy_from_slice(&f64::INFINITY.to_le_bytes())),
            "non-finite value in tensor 'components' at index 1",
        ),
    ];
    all_rejected(&bytes, cases, |b| BernoulliRbm::<f64>::from_bytes(b).map(drop));
}

#[test]
fn corrupted_bytes_never_panic() {
    let bytes =
        perceptron(PerceptronParams::new().class_weight(ClassWeight::PerClass(vec![(0, 2.0)]))).to_bytes().unwrap();
    assert!(corrupt_many_times(&bytes, 1500, |b| Perceptron::<f64, usize>::from_bytes(b).map(drop)) > 1400);
    let mut machine = rbm::<f32>(0);
    machine.gibbs(digits().mapv(|v| v as f32).slice(s![..2, ..])).unwrap();
    let bytes = machine.to_bytes().unwrap();
    assert!(corrupt_many_times(&bytes, 1500, |b| BernoulliRbm::<f32>::from_bytes(b).map(drop)) > 1400);
}
