//! ONNX export (`neurona::export`): the bytes decode back with prost into the graph each kind
//! should have (ops, shapes, types, weights), a model file exports as its estimator does, and
//! the errors name what cannot be exported. ONNX Runtime's numbers are checked from Python
//! (`tests/python/test_onnx.py`).

use ndarray::{Array2, Axis};
use neurona::export::proto::{ModelProto, TensorProto, ValueInfoProto, data_type};
use neurona::export::{IR_VERSION, OPSET, onnx_from_model_file};
use neurona::prelude::*;
use prost::Message;

fn decode(bytes: &[u8]) -> ModelProto {
    ModelProto::decode(bytes).expect("the export decodes as a ModelProto")
}

fn ops(model: &ModelProto) -> Vec<String> {
    model.graph.as_ref().unwrap().node.iter().map(|n| n.op_type.clone()).collect()
}

/// `(name, elem_type, dims)`, a symbolic dimension as -1.
fn signature(value: &ValueInfoProto) -> (String, i32, Vec<i64>) {
    let tensor = value.r#type.as_ref().unwrap().tensor_type.as_ref().unwrap();
    let dims = tensor.shape.as_ref().unwrap().dim.iter().map(|d| d.dim_value.unwrap_or(-1)).collect();
    (value.name.clone(), tensor.elem_type.unwrap(), dims)
}

fn outputs(model: &ModelProto) -> Vec<(String, i32, Vec<i64>)> {
    model.graph.as_ref().unwrap().output.iter().map(signature).collect()
}

fn initializer<'m>(model: &'m ModelProto, name: &str) -> &'m TensorProto {
    model.graph.as_ref().unwrap().initializer.iter().find(|t| t.name == name).expect(name)
}

fn f64s(tensor: &TensorProto) -> Vec<f64> {
    tensor.raw_data.as_ref().unwrap().chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect()
}

fn iris() -> (Array2<f64>, Vec<i64>) {
    let iris = neurona::datasets::iris();
    (iris.standardized_features(), iris.target.iter().map(|&c| c as i64).collect())
}

fn mlp_params() -> MlpValidParams {
    MlpParams::new().hidden_layer_sizes([5]).solver(Solver::Lbfgs).max_iter(30).random_state(0).check().unwrap()
}

#[test]
fn a_multiclass_mlp_is_gemm_relu_gemm_softmax_then_its_labels() -> neurona::Result<()> {
    let (x, y) = iris();
    let mut clf = MlpClassifier::<f64, i64>::new(mlp_params());
    clf.fit(x.view(), &y)?;
    let model = decode(&clf.to_onnx()?);
    assert_eq!(model.ir_version, Some(IR_VERSION));
    assert_eq!(model.opset_import[0].version, Some(OPSET));
    assert_eq!(model.producer_name, "neurona");
    assert_eq!(ops(&model), ["Gemm", "Relu", "Gemm", "Softmax", "ArgMax", "Gather"]);
    let input = signature(&model.graph.as_ref().unwrap().input[0]);
    assert_eq!(input, ("X".to_owned(), data_type::DOUBLE, vec![-1, 4]));
    assert_eq!(
        outputs(&model),
        [
            ("label".to_owned(), data_type::INT64, vec![-1]),
            ("probabilities".to_owned(), data_type::DOUBLE, vec![-1, 3])
        ]
    );
    let state = clf.state()?;
    let coef = initializer(&model, "coef_0");
    assert_eq!(coef.dims, [4, 5]);
    assert_eq!(f64s(coef), state.coefs()[0].iter().copied().collect::<Vec<_>>());
    assert_eq!(f64s(initializer(&model, "intercept_1")), state.intercepts()[1].to_vec());
    let classes = initializer(&model, "classes");
    let classes: Vec<i64> =
        classes.raw_data.as_ref().unwrap().chunks_exact(8).map(|c| i64::from_le_bytes(c.try_into().unwrap())).collect();
    assert_eq!(classes, [0, 1, 2]);
    Ok(())
}

#[test]
fn a_binary_float32_mlp_with_string_labels_thresholds_its_one_output() -> neurona::Result<()> {
    let (x, y) = iris();
    let y: Vec<String> = y.iter().map(|&c| if c == 0 { "setosa".into() } else { "other".into() }).collect();
    let params =
        MlpParams::new().hidden_layer_sizes([3]).activation(Activation::Tanh).max_iter(5).random_state(0).check()?;
    let mut clf = MlpClassifier::<f32, String>::new(params);
    clf.fit(x.mapv(|v| v as f32).view(), &y)?;
    let model = decode(&clf.to_onnx()?);
    assert_eq!(
        ops(&model),
        ["Gemm", "Tanh", "Gemm", "Sigmoid", "Sub", "Concat", "Greater", "Cast", "Squeeze", "Gather"]
    );
    assert_eq!(
        outputs(&model),
        [
            ("label".to_owned(), data_type::STRING, vec![-1]),
            ("probabilities".to_owned(), data_type::FLOAT, vec![-1, 2])
        ]
    );
    let classes = initializer(&model, "classes");
    assert_eq!(classes.string_data, [b"other".to_vec(), b"setosa".to_vec()]);
    let coef = initializer(&model, "coef_0");
    let stored: Vec<f32> =
        coef.raw_data.as_ref().unwrap().chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
    assert_eq!(stored, clf.state()?.coefs()[0].iter().copied().collect::<Vec<_>>());
    Ok(())
}

#[test]
fn a_multilabel_mlp_outputs_the_indicator_matrix() -> neurona::Result<()> {
    let (x, _) = iris();
    let y = Array2::from_shape_fn((150, 2), |(i, j)| x[[i, j]] > 0.0);
    let mut clf = MlpClassifier::<f64, i64>::new(mlp_params());
    clf.fit_multilabel(x.view(), y.view())?;
    let model = decode(&clf.to_onnx()?);
    assert_eq!(ops(&model), ["Gemm", "Relu", "Gemm", "Sigmoid", "Greater", "Cast"]);
    assert_eq!(
        outputs(&model),
        [
            ("label".to_owned(), data_type::INT64, vec![-1, 2]),
            ("probabilities".to_owned(), data_type::DOUBLE, vec![-1, 2])
        ]
    );
    Ok(())
}

#[test]
fn regressors_end_with_their_output_activation() -> neurona::Result<()> {
    let diabetes = neurona::datasets::diabetes();
    let x = diabetes.standardized_features();
    let y = diabetes.standardized_target();
    let y = ndarray::stack(Axis(1), &[y.view(), y.mapv(|v| v * 2.0).view()]).unwrap();
    let mut reg = MlpRegressor::<f64>::new(mlp_params());
    reg.fit(x.view(), y.view())?;
    let model = decode(&reg.to_onnx()?);
    assert_eq!(ops(&model), ["Gemm", "Relu", "Gemm"]);
    assert_eq!(outputs(&model), [("variable".to_owned(), data_type::DOUBLE, vec![-1, 2])]);
    let params = MlpParams::new()
        .hidden_layer_sizes([4])
        .activation(Activation::Logistic)
        .loss(RegressionLoss::Poisson)
        .max_iter(5)
        .random_state(0)
        .check()?;
    let mut poisson = MlpRegressor::<f64>::new(params);
    poisson.fit(x.view(), y.column(0).mapv(f64::abs).view())?;
    assert_eq!(ops(&decode(&poisson.to_onnx()?)), ["Gemm", "Sigmoid", "Gemm", "Exp"]);
    Ok(())
}

#[test]
fn the_perceptron_and_the_rbm_are_one_gemm_each() -> neurona::Result<()> {
    let (x, y) = iris();
    let mut clf = Perceptron::<f64, i64>::new(PerceptronParams::new().random_state(0).check()?);
    clf.fit(x.view(), &y)?;
    let model = decode(&clf.to_onnx()?);
    assert_eq!(ops(&model), ["Gemm", "ArgMax", "Gather"]);
    assert_eq!(
        outputs(&model),
        [("label".to_owned(), data_type::INT64, vec![-1]), ("scores".to_owned(), data_type::DOUBLE, vec![-1, 3])]
    );
    assert_eq!(f64s(initializer(&model, "intercept")), clf.state()?.intercept().to_vec());
    let binary: Vec<i64> = y.iter().map(|&c| i64::from(c == 2)).collect();
    clf.fit(x.view(), &binary)?;
    assert_eq!(ops(&decode(&clf.to_onnx()?)), ["Gemm", "Greater", "Cast", "Squeeze", "Gather"]);

    let mut rbm = BernoulliRbm::<f32>::new(RbmParams::new().n_components(3).n_iter(2).random_state(0).check()?);
    rbm.fit(x.mapv(|v| if v > 0.0 { 1.0f32 } else { 0.0 }).view())?;
    let model = decode(&rbm.to_onnx()?);
    assert_eq!(ops(&model), ["Gemm", "Sigmoid"]);
    assert_eq!(outputs(&model), [("variable".to_owned(), data_type::FLOAT, vec![-1, 3])]);
    Ok(())
}

#[test]
fn a_model_file_exports_as_its_estimator() -> neurona::Result<()> {
    let (x, y) = iris();
    let mut clf = MlpClassifier::<f32, String>::new(mlp_params());
    let labels: Vec<String> = y.iter().map(|c| format!("class {c}")).collect();
    clf.fit(x.mapv(|v| v as f32).view(), &labels)?;
    assert_eq!(onnx_from_model_file(&clf.to_bytes()?)?, clf.to_onnx()?);
    let mut perceptron = Perceptron::<f64, i64>::new(PerceptronParams::new().check()?);
    perceptron.fit(x.view(), &y)?;
    assert_eq!(onnx_from_model_file(&perceptron.to_bytes()?)?, perceptron.to_onnx()?);
    Ok(())
}

#[test]
fn errors_name_what_cannot_be_exported() -> neurona::Result<()> {
    let error = MlpClassifier::<f64, i64>::new(mlp_params()).to_onnx().unwrap_err();
    assert!(matches!(error, NeuronaError::NotFitted { estimator: "MLPClassifier" }), "{error}");
    let error = BernoulliRbm::<f64>::new(RbmParams::new().check()?).to_onnx().unwrap_err();
    assert!(matches!(error, NeuronaError::NotFitted { .. }), "{error}");

    let error = onnx_from_model_file(b"not a model").unwrap_err();
    assert!(matches!(error, NeuronaError::ModelFile { .. }), "{error}");
    Ok(())
}

/// A small recurrent regressor of `cell` fitted on six sequences of unequal lengths.
fn rnn_regressor<F: Float>(cell: Cell, output: OutputPer) -> neurona::Result<RnnRegressor<F>> {
    let params = RnnParams::new()
        .cell(cell)
        .hidden_size(2)
        .num_layers(2)
        .bidirectional(true)
        .output(output)
        .max_iter(2)
        .random_state(0)
        .check()?;
    let mut rnn = RnnRegressor::<F>::new(params);
    let sequences: Vec<Array2<F>> = (0..6).map(|i| Array2::from_elem((3 + i % 2, 1), F::from_usize(i))).collect();
    let x = SequenceSet::from_sequences(&sequences)?;
    let y = match output {
        OutputPer::Sequence => Array2::from_shape_fn((6, 1), |(i, _)| F::from_usize(i)),
        OutputPer::Step => Array2::from_elem((x.lengths().iter().sum(), 1), F::one()),
    };
    rnn.fit(&x, y.view())?;
    Ok(rnn)
}

#[test]
fn a_recurrent_network_is_one_operator_per_layer_then_its_head() -> neurona::Result<()> {
    let model = decode(&rnn_regressor::<f32>(Cell::Lstm, OutputPer::Sequence)?.to_onnx()?);
    let graph = model.graph.as_ref().unwrap();
    let inputs: Vec<_> = graph.input.iter().map(signature).collect();
    assert_eq!(
        inputs,
        [("X".to_owned(), data_type::FLOAT, vec![-1, -1, 1]), ("sequence_lens".to_owned(), data_type::INT32, vec![-1])]
    );
    let layer = ["LSTM", "Transpose", "Reshape"];
    let expected = [&["Transpose"][..], &layer, &layer, &["Transpose", "Reshape", "Gemm"]].concat();
    assert_eq!(ops(&model), expected);
    let lstm = &graph.node[1];
    assert_eq!(lstm.input, ["transpose_1", "W_l0", "R_l0", "B_l0", "sequence_lens"]);
    assert_eq!(lstm.output.len(), 2);
    assert_eq!(initializer(&model, "W_l1").dims, [2, 8, 4], "(directions, 4 gates x hidden, 2 x hidden)");
    assert_eq!(initializer(&model, "B_l0").dims, [2, 16]);
    assert_eq!(outputs(&model), [("variable".to_owned(), data_type::FLOAT, vec![-1, 1])]);

    let model = decode(&rnn_regressor::<f32>(Cell::Gru, OutputPer::Step)?.to_onnx()?);
    let gru = &model.graph.as_ref().unwrap().node[1];
    let linear_before_reset = gru.attribute.iter().find(|a| a.name == "linear_before_reset").unwrap();
    assert_eq!(linear_before_reset.i, Some(1));
    assert_eq!(ops(&model).last().unwrap(), "Reshape");
    assert_eq!(outputs(&model), [("variable".to_owned(), data_type::FLOAT, vec![-1, -1, 1])]);
    Ok(())
}

#[test]
fn a_float64_recurrent_network_is_a_scan_per_layer_and_direction() -> neurona::Result<()> {
    // ONNX Runtime has no double RNN, LSTM or GRU kernels: the steps are a `Scan` loop.
    for cell in [Cell::Rnn, Cell::Lstm, Cell::Gru] {
        let rnn = rnn_regressor::<f64>(cell, OutputPer::Sequence)?;
        let model = decode(&onnx_from_model_file(&rnn.to_bytes()?)?);
        let graph = model.graph.as_ref().unwrap();
        let scans: Vec<_> = graph.node.iter().filter(|n| n.op_type == "Scan").collect();
        assert_eq!(scans.len(), 4, "two layers, two directions");
        assert!(!ops(&model).iter().any(|op| ["RNN", "LSTM", "GRU"].contains(&op.as_str())));
        let directions: Vec<Vec<i64>> = scans
            .iter()
            .map(|scan| scan.attribute.iter().find(|a| a.name == "scan_input_directions").unwrap().ints.clone())
            .collect();
        assert_eq!(directions, [[0, 0], [1, 1], [0, 0], [1, 1]]);
        let body = scans[0].attribute.iter().find(|a| a.name == "body").unwrap().g.as_ref().unwrap();
        let n_states = if cell == Cell::Lstm { 2 } else { 1 };
        assert_eq!(body.input.len(), n_states + 2, "the states, the step's input and its mask");
        assert_eq!(body.output.len(), n_states + 1, "the states and the step's output");
        let body_ops: Vec<&str> = body.node.iter().map(|n| n.op_type.as_str()).collect();
        assert_eq!(body_ops.first(), Some(&"Gemm"), "{body_ops:?}");
        assert!(body_ops.contains(&"Where"), "a finished sequence keeps its state: {body_ops:?}");
        // PyTorch's weights as they are: weight_hh `(gates x hidden, hidden)`, no gate reordered.
        let gates = match cell {
            Cell::Rnn => 1,
            Cell::Lstm => 4,
            Cell::Gru => 3,
        };
        assert_eq!(initializer(&model, "weight_hh_l1_reverse").dims, [gates * 2, 2]);
        assert_eq!(initializer(&model, "weight_ih_l1_T").dims, [4, gates * 2], "(2 x hidden, gates x hidden)");
        assert_eq!(outputs(&model), [("variable".to_owned(), data_type::DOUBLE, vec![-1, 1])]);
    }
    Ok(())
}
