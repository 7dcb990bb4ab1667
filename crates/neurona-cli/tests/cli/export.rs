//! `neurona export`: a model file to ONNX, the core's bytes written atomically, and clear
//! errors with no file left behind.

use super::*;

#[test]
fn export_writes_the_cores_onnx_bytes() {
    let dir = iris_dir();
    let d = dir.path();
    let train = "train --data iris.csv --target species --scale none --hidden-layer-sizes 4 --max-iter 5 \
                 --random-state 0 --no-report --quiet";
    ok(d, &words(train));
    let out = ok(d, &words("export --model model.safetensors --output model.onnx"));
    assert!(out.contains("exported the MLPClassifier to model.onnx (ONNX opset 17, IR version 8)"), "{out}");
    let model = std::fs::read(d.join("model.safetensors")).unwrap();
    let onnx = std::fs::read(d.join("model.onnx")).unwrap();
    assert_eq!(onnx, neurona::export::onnx_from_model_file(&model).unwrap());

    ok(
        d,
        &words("train --dataset iris --model-kind perceptron --scale none --model p.safetensors --no-report --quiet"),
    );
    let out = ok(d, &words("export --model p.safetensors --output p.onnx"));
    assert!(out.contains("exported the Perceptron to p.onnx"), "{out}");
}

/// The graph inputs of the ONNX file `path`: each one's name and element type.
fn graph_inputs(path: &Path) -> Vec<(String, i32)> {
    use neurona::export::proto::ModelProto;
    use prost::Message;
    let model = ModelProto::decode(&std::fs::read(path).unwrap()[..]).unwrap();
    let inputs = model.graph.unwrap().input;
    inputs.into_iter().map(|i| (i.name, i.r#type.unwrap().tensor_type.unwrap().elem_type.unwrap())).collect()
}

/// The operator types of the ONNX file `path`'s nodes, in order.
fn graph_ops(path: &Path) -> Vec<String> {
    use neurona::export::proto::ModelProto;
    use prost::Message;
    let model = ModelProto::decode(&std::fs::read(path).unwrap()[..]).unwrap();
    model.graph.unwrap().node.into_iter().map(|n| n.op_type).collect()
}

#[test]
fn a_scaled_model_exports_its_scaler_as_the_first_nodes() {
    use neurona::export::proto::data_type::{DOUBLE, FLOAT};
    let dir = iris_dir();
    let d = dir.path();
    for (scale, dtype, elem_type) in [("standard", "f64", DOUBLE), ("minmax", "f32", FLOAT)] {
        let train = format!(
            "train --data iris.csv --target species --scale {scale} --dtype {dtype} --max-iter 2 --random-state 0 \
             --no-report --quiet"
        );
        ok(d, &words(&train));
        let out = ok(d, &words("export --model model.safetensors --output model.onnx"));
        assert!(out.contains("exported the MLPClassifier to model.onnx"), "{out}");
        assert!(out.contains(&format!("the graph scales the features first ({scale})")), "{out}");
        let path = d.join("model.onnx");
        assert_eq!(graph_inputs(&path), [("X".to_owned(), elem_type)]);
        let ops = graph_ops(&path);
        // float32: computed in double as the command does, then cast back.
        let prepare: &[&str] = if dtype == "f32" { &["Cast", "Sub", "Div", "Cast"] } else { &["Sub", "Div"] };
        assert_eq!(&ops[..prepare.len()], prepare, "{ops:?}");
        assert_eq!(ops[prepare.len()], "Gemm", "{ops:?}");
        let model = std::fs::read(d.join("model.safetensors")).unwrap();
        assert_ne!(std::fs::read(&path).unwrap(), neurona::export::onnx_from_model_file(&model).unwrap());
    }
    // Written atomically: the output and nothing else beside the inputs.
    let mut names: Vec<String> =
        std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
    names.sort();
    assert_eq!(names, ["iris.csv", "model.onnx", "model.safetensors"]);
}

#[test]
fn a_preprocessed_model_takes_one_input_per_table_column() {
    use neurona::export::proto::data_type::{DOUBLE, STRING};
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let rows: String = (0..40)
        .map(|i| {
            let size = if i % 7 == 3 { "NA".to_owned() } else { i.to_string() };
            let color = if i % 9 == 4 { "" } else { ["red", "blue", "green"][i % 3] };
            format!("{size},{color},{},{}\n", ["yes", "no"][i % 2], i % 3 == 0)
        })
        .collect();
    write(d, "colors.csv", &format!("size,color,smoker,label\n{rows}"));
    let train = "train --data colors.csv --target label --max-iter 2 --random-state 0 --no-report --quiet";
    ok(d, &words(train));
    let out = ok(d, &words("export --model model.safetensors --output model.onnx"));
    assert!(out.contains("inputs: one (N, 1) per feature column, named as the columns: size, color, smoker"), "{out}");
    // Trained with --handle-unknown error, which a graph cannot do: said.
    assert!(out.contains("note: in the graph, an unseen category gives zeros"), "{out}");
    let path = d.join("model.onnx");
    let inputs = graph_inputs(&path);
    let expected = [("size", DOUBLE), ("color", STRING), ("smoker", STRING)].map(|(n, t)| (n.to_owned(), t));
    assert_eq!(inputs, expected);
    let ops = graph_ops(&path);
    for op in ["IsNaN", "Where", "LabelEncoder", "Equal", "Concat", "Sub", "Div"] {
        assert!(ops.contains(&op.to_owned()), "{op} missing from {ops:?}");
    }

    // Without imputation, a missing cell the command refuses is NaN or zeros in the graph: said.
    ok(d, &words(&format!("{train} --missing drop-rows --handle-unknown ignore --model r.safetensors")));
    let out = ok(d, &words("export --model r.safetensors --output r.onnx"));
    assert!(out.contains("note: in the graph, a missing cell, which the model cannot fill, gives NaN"), "{out}");
    assert!(!out.contains("unseen category"), "{out}");

    ok(d, &words(&format!("{train} --handle-unknown ignore --dtype f32 --model i.safetensors")));
    let out = ok(d, &words("export --model i.safetensors --output i.onnx"));
    assert!(!out.contains("note:"), "{out}");
    assert_eq!(graph_inputs(&d.join("i.onnx"))[0].1, neurona::export::proto::data_type::FLOAT);
}

#[test]
fn export_errors_leave_no_file() {
    let dir = iris_dir();
    let d = dir.path();
    ok(d, &words("train --data iris.csv --target species --scale none --max-iter 2 --no-report --quiet"));
    let err = fails(d, &words("export --model model.safetensors --output missing/model.onnx"), 1);
    assert!(err.contains("missing/model.onnx"), "{err}");
    assert!(!d.join("missing").exists());
    let err = fails(d, &words("export --model absent.safetensors --output model.onnx"), 1);
    assert!(err.contains("absent.safetensors"), "{err}");
    let err = fails(d, &words("export --model model.safetensors"), 2);
    assert!(err.contains("--output"), "{err}");
    // A feature column would be a graph input of the name of the graph's output.
    let rows: String = (0..40).map(|i| format!("{},{}\n", ["a", "b"][i % 2], i % 3 == 0)).collect();
    write(d, "named.csv", &format!("label,target\n{rows}"));
    ok(d, &words("train --data named.csv --target target --max-iter 2 --model n.safetensors --no-report --quiet"));
    let err = fails(d, &words("export --model n.safetensors --output n.onnx"), 1);
    assert!(err.contains("the column(s) 'label' would take the name of a graph output"), "{err}");
    assert!(std::fs::read_dir(d).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().contains("onnx")));
}

#[test]
fn a_recurrent_model_exports_in_both_float_types() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let train = "train --model-kind rnn --dataset japanese-vowels --scale none --hidden-size 3 --max-iter 1 \
                 --no-report --quiet";
    ok(d, &[&words(train)[..], &words("--dtype f32 --model f32.safetensors")].concat());
    let out = ok(d, &words("export --model f32.safetensors --output f32.onnx"));
    assert!(out.contains("exported the RNNClassifier to f32.onnx"), "{out}");
    assert!(graph_ops(&d.join("f32.onnx")).contains(&"LSTM".to_owned()));
    // float64: ONNX Runtime has no double LSTM kernel, so the layers are a `Scan` loop.
    ok(d, &[&words(train)[..], &words("--dtype f64 --model f64.safetensors")].concat());
    let out = ok(d, &words("export --model f64.safetensors --output f64.onnx"));
    assert!(out.contains("exported the RNNClassifier to f64.onnx"), "{out}");
    let ops = graph_ops(&d.join("f64.onnx"));
    assert!(ops.contains(&"Scan".to_owned()) && !ops.contains(&"LSTM".to_owned()), "{ops:?}");
    // A scaled recurrent model scales every step first.
    let scaled = train.replace("--scale none", "--scale standard");
    ok(d, &[&words(&scaled)[..], &words("--model scaled.safetensors")].concat());
    ok(d, &words("export --model scaled.safetensors --output scaled.onnx"));
    let ops = graph_ops(&d.join("scaled.onnx"));
    assert_eq!(ops[..3], ["Sub", "Div", "Transpose"], "{ops:?}");
}
