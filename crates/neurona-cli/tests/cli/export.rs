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

#[test]
fn export_errors_leave_no_file() {
    let dir = iris_dir();
    let d = dir.path();
    ok(d, &words("train --data iris.csv --target species --max-iter 2 --random-state 0 --no-report --quiet"));
    let err = fails(d, &words("export --model model.safetensors --output model.onnx"), 1);
    assert!(err.contains("the model scales its features (standard) before the network"), "{err}");
    assert!(err.contains("train it with --scale none"), "{err}");
    assert!(!d.join("model.onnx").exists());

    ok(d, &words("train --data iris.csv --target species --scale none --max-iter 2 --no-report --quiet"));
    let err = fails(d, &words("export --model model.safetensors --output missing/model.onnx"), 1);
    assert!(err.contains("missing/model.onnx"), "{err}");
    assert!(!d.join("missing").exists());
    let err = fails(d, &words("export --model absent.safetensors --output model.onnx"), 1);
    assert!(err.contains("absent.safetensors"), "{err}");
    // A text feature is one-hot encoded before the network, which the graph does not do yet.
    let rows: String = (0..40).map(|i| format!("{i},{},{}\n", ["red", "blue"][i % 2], i % 3 == 0)).collect();
    std::fs::write(d.join("colors.csv"), format!("size,color,label\n{rows}")).unwrap();
    ok(d, &words("train --data colors.csv --target label --scale none --max-iter 2 --model c.safetensors --no-report"));
    let err = fails(d, &words("export --model c.safetensors --output c.onnx"), 1);
    assert!(
        err.contains("encodes categories before the network (size: number, missing -> median 20; color: 2 categories"),
        "{err}"
    );
    let err = fails(d, &words("export --model model.safetensors"), 2);
    assert!(err.contains("--output"), "{err}");
    assert!(std::fs::read_dir(d).unwrap().all(|e| !e.unwrap().file_name().to_string_lossy().contains("onnx")));
}

#[test]
fn a_recurrent_model_exports_in_float32_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let train = "train --model-kind rnn --dataset japanese-vowels --scale none --hidden-size 3 --max-iter 1 \
                 --no-report --quiet";
    ok(d, &[&words(train)[..], &words("--dtype f32 --model f32.safetensors")].concat());
    let out = ok(d, &words("export --model f32.safetensors --output f32.onnx"));
    assert!(out.contains("exported the RNNClassifier to f32.onnx"), "{out}");
    ok(d, &[&words(train)[..], &words("--dtype f64 --model f64.safetensors")].concat());
    let err = fails(d, &words("export --model f64.safetensors --output f64.onnx"), 1);
    assert!(err.contains("float64 recurrent network, and ONNX Runtime runs the RNN, LSTM and GRU operators"), "{err}");
    assert!(!d.join("f64.onnx").exists());
}
