//! Initial weights, per-epoch shuffles and the early-stopping split drawn exactly as
//! scikit-learn 1.9.1 draws them for a given `random_state` (`tests/fixtures/mlp_init.json`,
//! written by `scripts/fixtures/sklearn_mlp.py`). Compared bit for bit.

use neurona::activation::Activation;
use neurona::data::split::train_test_split_indices;
use neurona::float::Float;
use neurona::init::glorot_uniform;
use neurona::network::Layout;
use neurona::rng::RandomState;
use serde_json::Value;

fn cases() -> Vec<Value> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/mlp_init.json")).unwrap();
    serde_json::from_str::<Value>(&text).unwrap()["cases"].as_array().unwrap().clone()
}

fn usizes(v: &Value) -> Vec<usize> {
    v.as_array().unwrap().iter().map(|x| x.as_u64().unwrap() as usize).collect()
}

fn layout(case: &Value) -> Layout {
    let mut units = vec![case["n_features"].as_u64().unwrap() as usize];
    units.extend(usizes(&case["hidden_layer_sizes"]));
    units.push(case["n_outputs"].as_u64().unwrap() as usize);
    Layout::new(units)
}

fn check_weights<F: Float>(case: &Value, rng: &mut RandomState) {
    let layout = layout(case);
    let activation: Activation = case["activation"].as_str().unwrap().parse().unwrap();
    let params = glorot_uniform::<F>(&layout, activation, rng);
    for l in 0..layout.n_weight_layers() {
        for (key, range) in [("coefs", layout.coef_range(l)), ("intercepts", layout.intercept_range(l))] {
            let expected: Vec<F> =
                case[key][l].as_array().unwrap().iter().map(|v| F::from_f64(v.as_f64().unwrap())).collect();
            assert_eq!(&params[range], expected.as_slice(), "{key}[{l}] of random_state {}", case["random_state"]);
        }
    }
}

fn initialize(case: &Value, rng: &mut RandomState) {
    if case["dtype"] == "float32" {
        check_weights::<f32>(case, rng);
    } else {
        check_weights::<f64>(case, rng);
    }
}

#[test]
fn initial_weights_shuffles_and_split_match_scikit_learn_exactly() {
    let cases = cases();
    assert!(cases.len() >= 8);
    for case in &cases {
        let seed = case["random_state"].as_u64().unwrap() as u32;
        let mut rng = RandomState::new(seed);
        initialize(case, &mut rng);
        // The epoch loop's shuffles follow the initialisation on the same stream, each composed
        // with the previous epoch's order.
        let n = case["n_train"].as_u64().unwrap() as usize;
        let mut order: Vec<usize> = (0..n).collect();
        for (epoch, expected) in case["shuffles"].as_array().unwrap().iter().enumerate() {
            let perm = rng.permutation(n);
            order = perm.iter().map(|&j| order[j]).collect();
            assert_eq!(order, usizes(expected), "epoch {epoch} shuffle of random_state {seed}");
        }
        // The early-stopping split follows the initialisation on a fresh stream.
        let mut rng = RandomState::new(seed);
        initialize(case, &mut rng);
        let split = &case["split"];
        let stratify: Option<Vec<bool>> =
            split["stratify"].as_array().map(|a| a.iter().map(|b| b.as_bool().unwrap()).collect());
        let fraction = split["validation_fraction"].as_f64().unwrap();
        let ours = train_test_split_indices(n, fraction, stratify.as_deref(), &mut rng).unwrap();
        assert_eq!(ours.train, usizes(&split["train"]), "train rows of random_state {seed}");
        assert_eq!(ours.test, usizes(&split["test"]), "validation rows of random_state {seed}");
    }
}
