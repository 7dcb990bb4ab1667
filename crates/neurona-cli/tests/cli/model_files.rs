use super::*;

#[test]
fn save_and_load_give_bit_identical_predictions_in_both_float_types() {
    use neurona::prelude::*;
    use neurona_cli::labels::ClassLabel;
    use neurona_cli::model::{Extra, FeatureColumns, Model, Predictions, Scaler};
    let dir = tempfile::tempdir().unwrap();
    let digits = neurona::datasets::digits();
    let x = digits.data.mapv(|v| v / 16.0);
    let labels: Vec<ClassLabel> = digits.target.iter().map(|t| ClassLabel::Text(t.to_string())).collect();
    let params = MlpParams::new().hidden_layer_sizes([8]).max_iter(3).random_state(0).check().unwrap();
    let mut wide = MlpClassifier::<f64, ClassLabel>::new(params.clone());
    wide.fit(x.view(), &labels).unwrap();
    let mut narrow = MlpClassifier::<f32, ClassLabel>::new(params);
    narrow.fit(x.mapv(|v| v as f32).view(), &labels).unwrap();
    let extra = Extra {
        features: FeatureColumns::Named(digits.feature_names.clone()),
        target_names: vec!["digit".into()],
        scaler: Scaler::None,
        source: "test".into(),
        sequence_id: None,
        step: None,
        preprocess: None,
    };
    for model in [Model::new(wide), Model::new(narrow)] {
        let path = dir.path().join("m.safetensors");
        neurona::persist::write_atomically(&path, &model.to_bytes(&extra).unwrap()).unwrap();
        let (loaded, loaded_extra) = Model::load(&path).unwrap();
        assert_eq!(loaded, model);
        assert_eq!(loaded_extra, extra);
        let (Predictions::Labels { proba: a, .. }, Predictions::Labels { proba: b, .. }) =
            (model.predict(&x).unwrap(), loaded.predict(&x).unwrap())
        else {
            panic!("classifier predictions")
        };
        assert!(a.iter().zip(b.iter()).all(|(p, q)| p.to_bits() == q.to_bits()));
    }
}

#[test]
fn library_model_files_take_their_features_by_position_and_keep_integer_classes() {
    use neurona::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let iris = neurona::datasets::iris();
    // Written by the library, not by `neurona train`: integer labels and no column names.
    let mlp_params = MlpParams::new().hidden_layer_sizes([3]).max_iter(2).random_state(0).check().unwrap();
    let mut mlp = MlpClassifier::<f64, usize>::new(mlp_params);
    mlp.fit(iris.data.view(), &iris.target).unwrap();
    mlp.save(d.join("mlp.safetensors")).unwrap();
    // Classes whose text would sort otherwise ("10" < "2"): the command keeps them as numbers.
    let y: Vec<i64> = iris.target.iter().map(|&t| [2, 10, 30][t]).collect();
    let mut perceptron = Perceptron::<f32, i64>::new(PerceptronParams::new().max_iter(5).check().unwrap());
    perceptron.fit(iris.data.mapv(|v| v as f32).view(), &y).unwrap();
    perceptron.save(d.join("perceptron.safetensors")).unwrap();

    let (names, mut columns) = iris_columns();
    columns[4] = Column::Numeric(y.iter().map(|&v| v as f64).collect());
    write_csv(&d.join("iris.csv"), &names, &columns).unwrap();
    write_csv(&d.join("features.csv"), &names[..4], &columns[..4]).unwrap();

    let out = ok(d, &["predict", "--model", "mlp.safetensors", "--data", "features.csv"]);
    let expected: Vec<String> = mlp.predict(iris.data.view()).unwrap().iter().map(usize::to_string).collect();
    assert_eq!(out.lines().skip(1).collect::<Vec<_>>(), expected, "{out}");
    let out = ok(d, &["predict", "--model", "perceptron.safetensors", "--data", "features.csv"]);
    let predicted = perceptron.predict(iris.data.mapv(|v| v as f32).view()).unwrap();
    let expected: Vec<String> = predicted.iter().map(i64::to_string).collect();
    assert_eq!(out.lines().skip(1).collect::<Vec<_>>(), expected, "{out}");

    let inspect = ok(d, &["inspect", "perceptron.safetensors"]);
    assert!(inspect.contains("classes: 2, 10, 30"), "{inspect}");
    assert!(inspect.contains("features: 4 unnamed columns, taken in order"), "{inspect}");
    assert!(inspect.contains("written by the Rust crate"), "{inspect}");
    // The features are every column but the targets, in order: a fifth column is an error.
    let err = fails(d, &["predict", "--model", "perceptron.safetensors", "--data", "iris.csv"], 1);
    assert!(err.contains("takes its 4 features by position, but the file has 5 feature column(s)"), "{err}");
    let out = ok(d, &["evaluate", "--model", "perceptron.safetensors", "--data", "iris.csv", "--target", "species"]);
    assert!(out.contains("accuracy:"), "{out}");
    let err = fails(d, &["evaluate", "--model", "perceptron.safetensors", "--data", "iris.csv"], 1);
    assert!(err.contains("names no target column") && err.contains("--target COLUMN"), "{err}");
    // Warm-starting it reads the table's whole numbers as its integer classes.
    let out = ok(
        d,
        &words(
            "train --model-kind perceptron --warm-start --model perceptron.safetensors --data iris.csv --target species --class-weight 10=2 --no-report",
        ),
    );
    assert!(out.contains("warm start: continuing Perceptron"), "{out}");
    let inspect = ok(d, &["inspect", "perceptron.safetensors"]);
    assert!(inspect.contains("classes: 2, 10, 30") && inspect.contains("[[10,2.0]]"), "{inspect}");
}

#[test]
fn a_model_file_with_labels_the_command_cannot_use_is_refused() {
    use neurona::prelude::*;
    let dir = tempfile::tempdir().unwrap();
    let iris = neurona::datasets::iris();
    let y: Vec<bool> = iris.target.iter().map(|&t| t == 2).collect();
    let mut clf = Perceptron::<f64, bool>::new(PerceptronParams::new().max_iter(5).check().unwrap());
    clf.fit(iris.data.view(), &y).unwrap();
    clf.save(dir.path().join("library.safetensors")).unwrap();
    let (names, columns) = iris_columns();
    write_csv(&dir.path().join("iris.csv"), &names[..4], &columns[..4]).unwrap();
    let err = fails(dir.path(), &["predict", "--model", "library.safetensors", "--data", "iris.csv"], 1);
    assert!(err.contains("class label of another type"), "{err}");
}

/// Damages `original` in `rounds` ways (every third a truncation, the others one to four flipped
/// bits, drawn from `seed`) and inspects each: never a panic, exit code 0 or 1, and a refusal is
/// an error that names the file. Every truncation is refused. Returns how many were.
fn inspect_damaged(d: &Path, original: &[u8], rounds: usize, mut seed: u64) -> usize {
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut rejected = 0;
    for round in 0..rounds {
        let mut bytes = original.to_vec();
        let truncated = round % 3 == 0;
        if truncated {
            bytes.truncate((next() as usize) % bytes.len());
        } else {
            for _ in 0..1 + next() % 4 {
                let at = (next() as usize) % bytes.len();
                bytes[at] ^= 1 << (next() % 8);
            }
        }
        std::fs::write(d.join("bad.safetensors"), &bytes).unwrap();
        let output = neurona(d, &["inspect", "bad.safetensors"]);
        let (_, err) = text(&output);
        assert!(!err.contains("panicked"), "round {round}: {err}");
        match output.status.code() {
            Some(0) => assert!(!truncated, "round {round}: a file of {} bytes was read", bytes.len()),
            Some(1) => {
                assert!(err.starts_with("error: ") && err.contains("bad.safetensors"), "round {round}: {err}");
                rejected += 1;
            }
            other => panic!("round {round}: exit code {other:?}: {err}"),
        }
    }
    rejected
}

#[test]
fn corrupted_model_files_always_give_a_clean_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["train", "--dataset", "iris", "--hidden-layer-sizes", "3", "--max-iter", "3", "--no-report", "--quiet"]);
    let original = std::fs::read(d.join("model.safetensors")).unwrap();
    let rejected = inspect_damaged(d, &original, 60, 0x9E3779B97F4A7C15);
    assert!(rejected >= 20, "only {rejected} of 60 corruptions were noticed");
}

#[test]
fn corrupted_perceptron_and_rbm_files_give_a_clean_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    ok(d, &["train", "--model-kind", "perceptron", "--dataset", "iris", "--model", "p.safetensors", "--no-report"]);
    let rbm = ["--n-components", "3", "--n-iter", "1", "--model", "r.safetensors", "--no-report"];
    ok(d, &[&["train", "--model-kind", "rbm", "--dataset", "iris"][..], &rbm].concat());
    for (model, seed) in [("p.safetensors", 0x51_7CC1_B727_220Au64), ("r.safetensors", 0x2545_F491_4F6C_DD1D)] {
        let original = std::fs::read(d.join(model)).unwrap();
        let rejected = inspect_damaged(d, &original, 30, seed);
        assert!(rejected >= 10, "{model}: only {rejected} of 30 corruptions were noticed");
    }
}
