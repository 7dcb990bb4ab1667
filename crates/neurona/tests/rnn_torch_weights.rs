//! Weights that travel between PyTorch and neurona, from committed fixtures
//! (`scripts/fixtures/recurrent_torch.py`): a `state_dict` saved by PyTorch with
//! `safetensors.torch.save_file` starts a neurona estimator that computes what PyTorch computed,
//! and a neurona model file holds the recurrent tensors under PyTorch's names, shapes and order.

use neurona::network::recurrent::{self, RecurrentWorkspace, Sequences};
use neurona::persist::read_state_dict;
use neurona::prelude::*;
use serde_json::Value;

fn fixtures() -> (String, Value) {
    let dir = format!("{}/tests/fixtures/recurrent", env!("CARGO_MANIFEST_DIR"));
    let json = std::fs::read_to_string(format!("{dir}/torch_weights.json")).unwrap();
    (dir, serde_json::from_str(&json).unwrap())
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn params_of(case: &Value) -> RnnValidParams {
    RnnParams::new()
        .cell(case["cell"].as_str().unwrap().parse().unwrap())
        .nonlinearity(case["nonlinearity"].as_str().unwrap().parse().unwrap())
        .hidden_size(case["hidden_size"].as_u64().unwrap() as usize)
        .num_layers(case["num_layers"].as_u64().unwrap() as usize)
        .bidirectional(case["bidirectional"].as_bool().unwrap())
        .random_state(0)
        .check()
        .unwrap()
}

#[test]
fn pytorch_state_dicts_start_an_estimator_that_computes_what_pytorch_did() {
    let (dir, fixture) = fixtures();
    for case in fixture["cases"].as_array().unwrap() {
        let file = case["file"].as_str().unwrap();
        let bytes = std::fs::read(format!("{dir}/{file}")).unwrap();
        let tensors = read_state_dict::<f64>(&bytes).unwrap();
        let borrowed: Vec<(&str, Vec<usize>, &[f64])> =
            tensors.iter().map(|(n, s, v)| (n.as_str(), s.clone(), v.as_slice())).collect();
        let input_size = case["input_size"].as_u64().unwrap() as usize;
        let reg = RnnRegressor::<f64>::with_weights(params_of(case), input_size, 1, &borrowed).unwrap();
        let state = reg.state().unwrap();
        let shape = *state.network().shape();
        let lengths: Vec<usize> =
            case["lengths"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
        let (values, t_max) = (floats(&case["input"]), case["t_max"].as_u64().unwrap() as usize);
        let mut ws = RecurrentWorkspace::new(&shape, lengths.len(), t_max);
        let seqs = Sequences { values: &values, lengths: &lengths, t_max };
        recurrent::forward(&shape, &state.flat_params()[..shape.n_params()], seqs, None, &mut ws).unwrap();
        // A float32 file computed in float32 by PyTorch; float64 ones agree to rounding.
        let tolerance = if case["dtype"] == "float32" { 1e-5 } else { 1e-12 };
        for (what, got, want) in
            [("output", ws.outputs(), floats(&case["output"])), ("h_n", ws.final_hidden(), floats(&case["h_n"]))]
        {
            let err = got.iter().zip(&want).fold(0.0f64, |m, (a, b)| m.max((a - b).abs()));
            assert!(err < tolerance, "{file} {what}: max difference {err}");
        }
    }
}

#[test]
fn model_files_hold_the_recurrent_tensors_as_pytorch_saves_them() {
    let (dir, fixture) = fixtures();
    for case in fixture["cases"].as_array().unwrap().iter().filter(|c| c["dtype"] == "float64") {
        let file = case["file"].as_str().unwrap();
        let torch = read_state_dict::<f64>(&std::fs::read(format!("{dir}/{file}")).unwrap()).unwrap();
        let input_size = case["input_size"].as_u64().unwrap() as usize;
        let borrowed: Vec<(&str, Vec<usize>, &[f64])> =
            torch.iter().map(|(n, s, v)| (n.as_str(), s.clone(), v.as_slice())).collect();
        let reg = RnnRegressor::<f64>::with_weights(params_of(case), input_size, 1, &borrowed).unwrap();
        // A model file read back as a plain state_dict: PyTorch's keys, shapes and values.
        let ours = read_state_dict::<f64>(&reg.to_bytes().unwrap()).unwrap();
        for (name, shape, values) in &torch {
            let (_, our_shape, our_values) =
                ours.iter().find(|(n, _, _)| n == name).unwrap_or_else(|| panic!("{file}: no {name}"));
            assert_eq!((our_shape, our_values), (shape, values), "{file} {name}");
        }
        let names: Vec<String> = reg.state().unwrap().tensors().into_iter().take(torch.len()).map(|t| t.0).collect();
        let torch_order: Vec<String> =
            case["param_names"].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_owned()).collect();
        assert_eq!(names, torch_order, "{file}: PyTorch's named_parameters() order");
    }
}

#[test]
fn a_state_dict_of_another_network_is_refused_naming_the_tensor() {
    let (dir, fixture) = fixtures();
    let case = &fixture["cases"][0];
    let torch =
        read_state_dict::<f64>(&std::fs::read(format!("{dir}/{}", case["file"].as_str().unwrap())).unwrap()).unwrap();
    let borrowed: Vec<(&str, Vec<usize>, &[f64])> =
        torch.iter().map(|(n, s, v)| (n.as_str(), s.clone(), v.as_slice())).collect();
    let params = RnnParams::new().cell(Cell::Lstm).hidden_size(5).num_layers(2).bidirectional(true).check().unwrap();
    let err = RnnRegressor::<f64>::with_weights(params, 3, 1, &borrowed).unwrap_err().to_string();
    assert!(err.contains("weight_ih_l0") && err.contains("shape"), "{err}");
    assert!(read_state_dict::<f64>(b"not a file").unwrap_err().to_string().contains("safetensors"));
}
