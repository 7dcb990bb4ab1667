//! The recurrent estimators: training trajectories equal to PyTorch's (fixtures from
//! `scripts/fixtures/recurrent_torch.py`), learning demonstrations, model files, determinism
//! and bad input.

use memory_task_params::memory_task_params;
use ndarray::Array2;
use neurona::prelude::*;
use serde_json::Value;

#[path = "common/memory_task_params.rs"]
mod memory_task_params;

fn fixture(name: &str) -> Value {
    let path = format!("{}/tests/fixtures/recurrent/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect()
}

fn relative(a: f64, b: f64) -> f64 {
    (a - b).abs() / b.abs().max(1e-300)
}

/// The settings of a trajectory case: no shuffle, scikit-learn's optimizers with the case's
/// constants, no early stop within its epochs.
fn case_params(case: &Value) -> RnnValidParams {
    let cell: Cell = case["cell"].as_str().unwrap().parse().unwrap();
    let solver: Solver = case["solver"].as_str().unwrap().parse().unwrap();
    RnnParams::new()
        .cell(cell)
        .nonlinearity(case["nonlinearity"].as_str().unwrap().parse().unwrap())
        .hidden_size(case["hidden_size"].as_u64().unwrap() as usize)
        .num_layers(case["num_layers"].as_u64().unwrap() as usize)
        .bidirectional(case["bidirectional"].as_bool().unwrap())
        .hidden_layer_sizes(usizes(&case["hidden_layer_sizes"]))
        .solver(solver)
        .learning_rate_init(case["learning_rate_init"].as_f64().unwrap())
        .beta_1(case["beta_1"].as_f64().unwrap())
        .beta_2(case["beta_2"].as_f64().unwrap())
        .epsilon(case["epsilon"].as_f64().unwrap())
        .momentum(case["momentum"].as_f64().unwrap())
        .alpha(case["alpha"].as_f64().unwrap())
        .batch_size(BatchSize::Fixed(case["batch_size"].as_u64().unwrap() as usize))
        .max_iter(case["epochs"].as_u64().unwrap() as usize)
        .shuffle(false)
        .warm_start(true)
        .n_iter_no_change(Patience::Never)
        .random_state(0)
        .check()
        .unwrap()
}

fn case_sequences(case: &Value) -> SequenceSet<f64> {
    let input_size = case["input_size"].as_u64().unwrap() as usize;
    let seqs: Vec<Array2<f64>> = case["sequences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let len = s["length"].as_u64().unwrap() as usize;
            Array2::from_shape_vec((len, input_size), floats(&s["values"])).unwrap()
        })
        .collect();
    SequenceSet::from_sequences(&seqs).unwrap()
}

type Tensors = Vec<(String, Vec<usize>, Vec<f64>)>;

fn case_tensors(list: &Value) -> Tensors {
    list.as_array()
        .unwrap()
        .iter()
        .map(|t| (t["name"].as_str().unwrap().to_owned(), usizes(&t["shape"]), floats(&t["values"])))
        .collect()
}

fn borrowed(tensors: &Tensors) -> Vec<(&str, Vec<usize>, &[f64])> {
    tensors.iter().map(|(n, s, v)| (n.as_str(), s.clone(), v.as_slice())).collect()
}

/// Runs a trajectory case in neurona from the case's initial weights and returns the loss
/// curve and the final weights by name.
fn run_case(case: &Value) -> (Vec<f64>, Vec<(String, Vec<f64>)>) {
    let params = case_params(case);
    let x = case_sequences(case);
    let initial = case_tensors(&case["initial_params"]);
    let k = case["n_outputs"].as_u64().unwrap() as usize;
    let targets = Array2::from_shape_vec((x.n_sequences(), k), floats(&case["targets"])).unwrap();
    let state = match case["task"].as_str().unwrap() {
        "regression" => {
            let mut reg = RnnRegressor::with_weights(params, x.n_features(), k, &borrowed(&initial)).unwrap();
            reg.fit(&x, targets.view()).unwrap();
            reg.state().unwrap().clone()
        }
        task => {
            let labels: Vec<i64> = targets
                .rows()
                .into_iter()
                .map(|r| if task == "binary" { r[0] as i64 } else { r.iter().position(|&v| v == 1.0).unwrap() as i64 })
                .collect();
            let classes: Vec<i64> = (0..if task == "binary" { 2 } else { k as i64 }).collect();
            let mut clf =
                RnnClassifier::<f64, i64>::with_weights(params, &classes, x.n_features(), &borrowed(&initial)).unwrap();
            clf.fit(&x, &labels).unwrap();
            clf.state().unwrap().clone()
        }
    };
    let finals = state.tensors().into_iter().map(|(n, _, v)| (n, v.to_vec())).collect();
    (state.loss_curve().unwrap().to_vec(), finals)
}

#[test]
fn training_trajectories_equal_pytorchs() {
    let fixture = fixture("trajectory.json");
    for case in fixture["cases"].as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let (curve, finals) = run_case(case);
        let expected = floats(&case["epoch_losses"]);
        assert_eq!(curve.len(), expected.len(), "{name}");
        for (epoch, (&got, &want)) in curve.iter().zip(&expected).enumerate() {
            assert!(relative(got, want) < 1e-9, "{name} epoch {epoch}: {got} against PyTorch's {want}");
        }
        for (tensor, want) in case_tensors(&case["final_params"]).iter().map(|(n, _, v)| (n, v)) {
            let got = &finals.iter().find(|(n, _)| n == tensor).unwrap().1;
            let scale = want.iter().fold(1e-3f64, |m, v| m.max(v.abs()));
            let err = got.iter().zip(want).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            assert!(err / scale < 1e-9, "{name} {tensor}: max difference {err}");
        }
    }
}

/// The memory task at 30 steps (`neurona::datasets::make_memory_task`).
fn memory_task(n: usize, seed: u32) -> (SequenceSet<f64>, Vec<i64>) {
    neurona::datasets::make_memory_task(n, 30, seed).unwrap()
}

#[test]
fn lstm_and_gru_remember_the_first_step() {
    let (x_train, y_train) = memory_task(600, 1);
    let (x_test, y_test) = memory_task(200, 2);
    for cell in [Cell::Lstm, Cell::Gru] {
        let mut clf = RnnClassifier::<f64, i64>::new(memory_task_params(cell).unwrap());
        clf.fit(&x_train, &y_train).unwrap();
        let accuracy = clf.score(&x_test, &y_test).unwrap();
        assert!(accuracy >= 0.95, "{cell}: test accuracy {accuracy}");
    }
}

/// Windows of a noisy sine wave, unequal lengths; the target is the next value.
fn sine_windows(n: usize, seed: u32) -> (SequenceSet<f64>, Array2<f64>) {
    let mut rng = RandomState::new(seed);
    let mut targets = Vec::with_capacity(n);
    let seqs: Vec<Array2<f64>> = (0..n)
        .map(|_| {
            let (start, len) = (rng.uniform(0.0, 100.0), 10 + rng.randint(11).unwrap() as usize);
            let wave = |t: f64| (0.3 * (start + t)).sin();
            targets.push(wave(len as f64));
            Array2::from_shape_fn((len, 1), |(t, _)| wave(t as f64) + 0.02 * rng.normal(0.0, 1.0))
        })
        .collect();
    (SequenceSet::from_sequences(&seqs).unwrap(), Array2::from_shape_vec((n, 1), targets).unwrap())
}

/// A regressor with `params`, fitted on `x`, `y`.
fn fitted_regressor(params: RnnParams, x: &SequenceSet<f64>, y: &Array2<f64>) -> RnnRegressor<f64> {
    let mut reg = RnnRegressor::new(params.check().unwrap());
    reg.fit(x, y.view()).unwrap();
    reg
}

#[test]
fn forecasts_a_noisy_sine_wave() {
    let (x_train, y_train) = sine_windows(300, 3);
    let (x_test, y_test) = sine_windows(100, 4);
    let params = RnnParams::new()
        .cell(Cell::Gru)
        .hidden_size(12)
        .learning_rate_init(0.01)
        .batch_size(BatchSize::Fixed(32))
        .max_iter(80)
        .random_state(0);
    let reg = fitted_regressor(params, &x_train, &y_train);
    let r2 = reg.score(&x_test, y_test.view(), None).unwrap();
    assert!(r2 >= 0.95, "R² {r2}");
}

/// Targets in column-major order (a transposed view, as numpy's Fortran arrays arrive) train
/// exactly as the same targets row-major: the minibatch gather copies either.
#[test]
fn column_major_targets_train_as_row_major_ones() {
    let (x, y) = sine_windows(40, 5);
    let two = ndarray::concatenate![ndarray::Axis(1), y, y.mapv(|v| -v)];
    let column_major = two.t().as_standard_layout().into_owned();
    let params = || RnnParams::new().hidden_size(4).max_iter(3).random_state(0).check().unwrap();
    let (mut rows, mut columns) = (RnnRegressor::new(params()), RnnRegressor::new(params()));
    rows.fit(&x, two.view()).unwrap();
    columns.fit(&x, column_major.t()).unwrap();
    assert!(!column_major.t().is_standard_layout());
    assert_eq!(rows.state().unwrap().loss_curve(), columns.state().unwrap().loss_curve());
    assert_eq!(rows.predict(&x).unwrap(), columns.predict(&x).unwrap());
}

fn small_task() -> (SequenceSet<f64>, Vec<i64>) {
    memory_task(40, 5)
}

/// A bidirectional LSTM of `hidden_size` units trained 3 epochs from seed 0: quick, and every
/// recurrent tensor has its reverse twin.
fn short_bidirectional_lstm(hidden_size: usize) -> RnnParams {
    RnnParams::new().cell(Cell::Lstm).hidden_size(hidden_size).bidirectional(true).max_iter(3).random_state(0)
}

#[test]
fn model_files_round_trip_and_name_tensors_as_pytorch() {
    let (x, y) = small_task();
    let params = short_bidirectional_lstm(3).num_layers(2).check().unwrap();
    let mut clf = RnnClassifier::<f64, i64>::new(params);
    clf.fit(&x, &y).unwrap();
    let bytes = clf.to_bytes().unwrap();
    let back = RnnClassifier::<f64, i64>::from_bytes(&bytes).unwrap();
    assert_eq!(back, clf);
    assert_eq!(back.predict_proba(&x).unwrap(), clf.predict_proba(&x).unwrap());
    let file = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let names: Vec<&str> = file.names().into_iter().collect();
    for name in ["weight_ih_l0", "weight_hh_l0_reverse", "bias_ih_l1", "bias_hh_l1_reverse", "coefs_0", "intercepts_0"]
    {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    // One flipped bit anywhere is refused.
    let mut corrupted = bytes.clone();
    corrupted[bytes.len() / 2] ^= 1;
    assert!(RnnClassifier::<f64, i64>::from_bytes(&corrupted).is_err());
}

#[test]
fn same_seed_same_bytes_and_partial_fit_continues_exactly() {
    let (x, y) = small_task();
    let params = RnnParams::new().cell(Cell::Gru).hidden_size(4).max_iter(4).random_state(7).check().unwrap();
    let fit = |p: &RnnValidParams| {
        let mut clf = RnnClassifier::<f64, i64>::new(p.clone());
        clf.fit(&x, &y).unwrap();
        clf.to_bytes().unwrap()
    };
    assert_eq!(fit(&params), fit(&params));

    let mut clf = RnnClassifier::<f64, i64>::new(params.clone());
    clf.partial_fit(&x, &y, Some(&[0, 1])).unwrap();
    let saved = RnnClassifier::<f64, i64>::from_bytes(&clf.to_bytes().unwrap()).unwrap();
    let (mut a, mut b) = (clf, saved);
    a.partial_fit(&x, &y, None).unwrap();
    b.partial_fit(&x, &y, None).unwrap();
    assert_eq!(a.to_bytes().unwrap(), b.to_bytes().unwrap());
}

#[test]
fn threads_do_not_change_the_bits() {
    let (x, y) = small_task();
    let params = short_bidirectional_lstm(8).check().unwrap();
    let fit = |threads| {
        neurona::linalg::with_max_threads(Some(threads), || {
            let mut clf = RnnClassifier::<f64, i64>::new(params.clone());
            clf.fit(&x, &y).unwrap();
            clf.state().unwrap().flat_params().to_vec()
        })
        .unwrap()
    };
    assert_eq!(fit(1), fit(2));
}

#[test]
fn per_step_outputs_tag_every_real_step() {
    // Tag each step with whether its value is positive; lengths differ.
    let mut rng = RandomState::new(9);
    let seqs: Vec<Array2<f64>> =
        (0..60).map(|i| Array2::from_shape_fn((3 + i % 5, 1), |_| rng.uniform(-1.0, 1.0))).collect();
    let tags: Vec<i64> =
        seqs.iter().flat_map(|s| s.column(0).iter().map(|&v| (v > 0.0) as i64).collect::<Vec<_>>()).collect();
    let x = SequenceSet::from_sequences(&seqs).unwrap();
    let params = RnnParams::new()
        .cell(Cell::Rnn)
        .hidden_size(6)
        .output(OutputPer::Step)
        .solver(Solver::Lbfgs)
        .max_iter(200)
        .random_state(0)
        .check()
        .unwrap();
    let mut clf = RnnClassifier::<f64, i64>::new(params);
    clf.fit(&x, &tags).unwrap();
    assert_eq!(clf.predict(&x).unwrap().len(), tags.len());
    assert!(clf.score(&x, &tags).unwrap() > 0.95);
    // A label per sequence where one per step is expected: an error naming both counts.
    let err = clf.fit(&x, &tags[..60]).unwrap_err().to_string();
    assert!(err.contains("y") && err.contains(&tags.len().to_string()), "{err}");
}

#[test]
fn bad_input_is_an_error_naming_what() {
    let (x, y) = small_task();
    let params = RnnParams::new().hidden_size(2).max_iter(1).random_state(0).check().unwrap();
    let mut clf = RnnClassifier::<f64, i64>::new(params);
    clf.fit(&x, &y).unwrap();
    let wide = SequenceSet::from_sequences(&[Array2::<f64>::zeros((4, 3))]).unwrap();
    let err = clf.predict(&wide).unwrap_err().to_string();
    assert!(err.contains("3") && err.contains("1"), "{err}");
    let one_class = vec![1i64; y.len()];
    let mut fresh = RnnClassifier::<f64, i64>::new(RnnParams::new().check().unwrap());
    assert!(fresh.fit(&x, &one_class).unwrap_err().to_string().contains("at least 2"));
    let with_nan = Array2::from_shape_fn((3, 2), |(t, _)| if t == 1 { f64::NAN } else { 0.0 });
    let err = SequenceSet::from_sequences(&[with_nan]).unwrap_err().to_string();
    assert!(err.contains("NaN") && err.contains("step 1"), "{err}");
}

#[test]
fn a_regressor_scored_on_targets_of_another_width_is_an_error() {
    let (x, _) = small_task();
    let y = Array2::from_shape_fn((x.n_sequences(), 2), |(i, j)| (i + j) as f64);
    let reg = fitted_regressor(RnnParams::new().hidden_size(2).max_iter(1).random_state(0), &x, &y);
    let one_column = y.slice(ndarray::s![.., ..1]);
    let err = reg.score(&x, one_column, None).unwrap_err().to_string();
    assert!(err.contains("has 1 columns, but the model predicts 2"), "{err}");
}
