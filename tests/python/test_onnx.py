"""``to_onnx``: every exportable kind, in float32 and float64 (the float64 recurrent networks
through ``Scan``, ONNX Runtime's recurrent operators running float32 only), run by ONNX Runtime on batches
of 1 and 1000 rows (sequences of unequal lengths), gives neurona's own predictions (identical
labels; probabilities and values within 1e-5 relative in float32, 1e-12 in float64), and
``onnx.checker`` accepts the model in full."""

import pathlib
import shutil
import sys
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning, NotFittedError

import neurona

DTYPES = [np.float32, np.float64]
RTOL = {np.float32: 1e-5, np.float64: 1e-12}
#: Beside the relative tolerance, float32's absolute resolution near 1 (2 units in the last place
#: of 1.0): a binary classifier's probabilities are ``[1 - p, p]``, and where ``p`` is near 1 and
#: within one unit of neurona's (ONNX Runtime's ``Sigmoid`` is not bit for bit ``1 / (1 +
#: exp(-z))``), ``1 - p`` differs by that much, far more than 1e-5 of itself. None in float64.
ATOL = {np.float32: 2.0**-22, np.float64: 0.0}


def _data(dtype, n_features=6, n=1000, seed=0):
    rng = np.random.RandomState(seed)
    return rng.normal(size=(n, n_features)).astype(dtype)


def _fit(estimator, X, *y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, *y)


def _run(estimator, X):
    """ONNX Runtime's outputs by name, after checking the model in full."""
    model = estimator.to_onnx()
    assert isinstance(model, onnx.ModelProto)
    onnx.checker.check_model(model, full_check=True)
    assert model.opset_import[0].version == 17
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, {"X": X})))


def _batches(X):
    return [X[:1], X]


def _mlp(activation="relu", **params):
    return neurona.MLPClassifier(
        hidden_layer_sizes=(8, 5), activation=activation, max_iter=60, random_state=0, **params
    )


def _labels(y, kind):
    if kind == "str":
        return np.array(["ant", "bee", "cat", "dog"])[y]
    return y * 3 - 2


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_classes", [2, 4])
@pytest.mark.parametrize("label_kind", ["int", "str"])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_mlp_classifier_gives_neuronas_labels_and_probabilities(dtype, n_classes, label_kind, activation):
    X = _data(dtype)
    y = _labels((X[:, 0] > 0).astype(int) + (n_classes > 2) * (X[:, 1] > 0) * 2, label_kind)
    clf = _fit(_mlp(activation), X, y)
    for rows in _batches(X):
        out = _run(clf, rows)
        assert_array_equal(out["label"], clf.predict(rows))
        assert out["probabilities"].dtype == dtype
        assert_allclose(out["probabilities"], clf.predict_proba(rows), rtol=RTOL[dtype], atol=ATOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_multilabel_mlp_gives_the_indicator_matrix(dtype):
    X = _data(dtype)
    Y = np.column_stack([X[:, 0] > 0, X[:, 1] + X[:, 2] > 0, X[:, 3] > 0.5]).astype(int)
    clf = _fit(_mlp(), X, Y)
    for rows in _batches(X):
        out = _run(clf, rows)
        assert out["label"].dtype == np.int64
        assert_array_equal(out["label"], clf.predict(rows))
        assert_allclose(out["probabilities"], clf.predict_proba(rows), rtol=RTOL[dtype], atol=ATOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_outputs", [1, 3])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_mlp_regressor_gives_neuronas_values(dtype, n_outputs, loss):
    X = _data(dtype)
    Y = np.column_stack([np.abs(X[:, j] + X[:, j + 1]) for j in range(n_outputs)])
    reg = _fit(neurona.MLPRegressor(hidden_layer_sizes=(10,), activation="tanh", loss=loss, max_iter=60,
                                    random_state=0), X, Y[:, 0] if n_outputs == 1 else Y)
    for rows in _batches(X):
        out = _run(reg, rows)
        assert out["variable"].shape == (len(rows), n_outputs)
        assert_allclose(out["variable"], reg.predict(rows).reshape(len(rows), -1), rtol=RTOL[dtype], atol=ATOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n_classes", [2, 3])
@pytest.mark.parametrize("label_kind", ["int", "str"])
def test_perceptron_gives_neuronas_labels_and_scores(dtype, n_classes, label_kind):
    X = _data(dtype)
    y = _labels((X[:, 0] > 0).astype(int) + (n_classes > 2) * (X[:, 1] > 0.3), label_kind)
    clf = _fit(neurona.Perceptron(random_state=0), X, y)
    for rows in _batches(X):
        out = _run(clf, rows)
        assert_array_equal(out["label"], clf.predict(rows))
        scores = clf.decision_function(rows).reshape(len(rows), -1)
        assert_allclose(out["scores"], scores, rtol=RTOL[dtype], atol=ATOL[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_rbm_gives_neuronas_transform(dtype):
    X = (_data(dtype) > 0).astype(dtype)
    rbm = _fit(neurona.BernoulliRBM(n_components=7, n_iter=3, random_state=0), X)
    for rows in _batches(X):
        assert_allclose(_run(rbm, rows)["variable"], rbm.transform(rows), rtol=RTOL[dtype], atol=ATOL[dtype])


def test_without_onnx_installed_to_onnx_gives_the_bytes(monkeypatch):
    X = _data(np.float64, n=50)
    clf = _fit(_mlp(), X, (X[:, 0] > 0).astype(int))
    monkeypatch.setitem(sys.modules, "onnx", None)
    data = clf.to_onnx()
    assert isinstance(data, bytes)
    monkeypatch.undo()
    assert onnx.load_from_string(data) == clf.to_onnx()


@pytest.mark.parametrize(
    "name", ["MLPClassifier", "MLPRegressor", "Perceptron", "BernoulliRBM", "RNNClassifier", "RNNRegressor"]
)
def test_an_unfitted_estimator_does_not_export(name):
    with pytest.raises(NotFittedError):
        getattr(neurona, name)().to_onnx()


def test_errors_name_what_cannot_be_exported():
    X = _data(np.float64, n=40)
    clf = _fit(_mlp(), X, X[:, 0] > 0)
    with pytest.raises(ValueError, match=r"class labels of dtype bool \(\[False, True\]\); the ONNX export writes"):
        clf.to_onnx()


def _sequences(n, seed=0, dtype=np.float32):
    """``n`` sequences of 2 features and 3 to 8 steps, as a list and padded for ONNX."""
    rng = np.random.RandomState(seed)
    sequences = [rng.normal(size=(rng.randint(3, 9), 2)).astype(dtype) for _ in range(n)]
    padded = np.zeros((n, 8, 2), dtype=dtype)
    for i, s in enumerate(sequences):
        padded[i, : len(s)] = s
    return sequences, padded, np.array([len(s) for s in sequences], dtype=np.int32)


def _run_sequences(estimator, padded, lengths):
    model = estimator.to_onnx()
    onnx.checker.check_model(model, full_check=True)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    names = [o.name for o in session.get_outputs()]
    return dict(zip(names, session.run(None, {"X": padded, "sequence_lens": lengths})))


def _real_steps(out, lengths):
    return np.concatenate([out[i, :n] for i, n in enumerate(lengths)])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("kind", ["binary", "multiclass", "multilabel"])
def test_recurrent_classifier_gives_neuronas_predictions(cell, kind):
    sequences, padded, lengths = _sequences(1000)
    first = np.array([s[:, 0].sum() for s in sequences])
    second = np.array([s[:, 1].mean() for s in sequences])
    y = {
        "binary": np.where(first > 0, "up", "down"),
        "multiclass": (first > 0).astype(int) + 2 * (second > 0),
        "multilabel": np.column_stack([first > 0, second > 0]).astype(int),
    }[kind]
    params = dict(hidden_size=4, num_layers=2, bidirectional=cell == "gru", max_iter=3, random_state=0)
    if cell == "rnn":
        params["nonlinearity"] = "relu"
    clf = _fit(neurona.RNNClassifier(cell, hidden_layer_sizes=(3,), **params), sequences, y)
    for rows in [slice(0, 1), slice(0, 1000)]:
        out = _run_sequences(clf, padded[rows], lengths[rows])
        assert_array_equal(out["label"], clf.predict(sequences[rows]))
        expected = clf.predict_proba(sequences[rows])
        assert_allclose(out["probabilities"], expected, rtol=RTOL[np.float32], atol=ATOL[np.float32])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("output", ["sequence", "step"])
def test_recurrent_regressor_gives_neuronas_values(cell, output):
    sequences, padded, lengths = _sequences(1000, seed=1)
    if output == "sequence":
        y = np.array([[s[:, 0].sum(), s[:, 1].max()] for s in sequences], dtype=np.float32)
    else:
        y = np.concatenate([np.column_stack([np.cumsum(s[:, 0]), s[:, 1]]) for s in sequences])
    reg = neurona.RNNRegressor(cell, hidden_size=3, bidirectional=True, output=output, max_iter=3, random_state=0)
    _fit(reg, sequences, y)
    for rows in [slice(0, 1), slice(0, 1000)]:
        out = _run_sequences(reg, padded[rows], lengths[rows])["variable"]
        if output == "step":
            out = _real_steps(out, lengths[rows])
        assert_allclose(out, reg.predict(sequences[rows]), rtol=RTOL[np.float32], atol=ATOL[np.float32])


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("kind", ["classifier", "sequence", "step"])
def test_a_float64_recurrent_network_runs_in_double_through_scan(cell, kind):
    """ONNX Runtime has no double ``RNN``, ``LSTM`` or ``GRU`` kernels: a float64 network's
    layers are ``Scan`` loops over elementary operators, with neurona's exact unequal lengths
    (two layers, both directions), within 1e-12."""
    sequences, padded, lengths = _sequences(500, seed=2, dtype=np.float64)
    first = np.array([s[:, 0].sum() for s in sequences])
    params = dict(hidden_size=3, num_layers=2, bidirectional=True, max_iter=3, random_state=0)
    if cell == "rnn":
        params["nonlinearity"] = "relu"
    if kind == "classifier":
        y = (first > 0).astype(int) + 2 * (np.array([s[:, 1].mean() for s in sequences]) > 0)
        estimator = _fit(neurona.RNNClassifier(cell, **params), sequences, y)
    elif kind == "sequence":
        y = np.column_stack([first, [s[:, 1].max() for s in sequences]])
        estimator = _fit(neurona.RNNRegressor(cell, **params), sequences, y)
    else:
        y = np.concatenate([np.column_stack([np.cumsum(s[:, 0]), s[:, 1]]) for s in sequences])
        estimator = _fit(neurona.RNNRegressor(cell, output="step", **params), sequences, y)
    assert "Scan" in {node.op_type for node in estimator.to_onnx().graph.node}
    for rows in [slice(0, 1), slice(0, 500)]:
        out = _run_sequences(estimator, padded[rows], lengths[rows])
        if kind == "classifier":
            assert_array_equal(out["label"], estimator.predict(sequences[rows]))
            assert_allclose(out["probabilities"], estimator.predict_proba(sequences[rows]), rtol=1e-12, atol=0)
            continue
        values = out["variable"] if kind == "sequence" else _real_steps(out["variable"], lengths[rows])
        expected = estimator.predict(sequences[rows])
        # Relative to the values' own scale: a value near 0 comes out of a cancellation.
        assert_allclose(values, expected, rtol=1e-12, atol=1e-12 * np.abs(expected).max())


def _command_session(path):
    """ONNX Runtime's session of the ONNX file ``path``, after checking the model in full."""
    onnx.checker.check_model(onnx.load(path), full_check=True)
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def _command_predictions(tmp_path, data, model="model.safetensors", *options):
    """``neurona predict --proba``'s labels and probabilities of the table ``data``."""
    from test_command_files import neurona_command

    out = neurona_command("predict", "--model", model, "--data", data, "--proba", *options, cwd=tmp_path)
    header, *rows = [line.split(",") for line in out.splitlines()]
    return header, np.array([row[0] for row in rows]), np.array([row[1:] for row in rows], dtype=np.float64)


def _raw_columns(session, path):
    """The graph's inputs from the raw CSV file ``path``, one ``(N, 1)`` per column: numbers in
    the graph's float type (missing cells NaN), text as the file holds it (missing cells too)."""
    import pandas as pd

    table = pd.read_csv(path, keep_default_na=False, dtype=str)
    feed = {}
    for graph_input in session.get_inputs():
        cells = table[graph_input.name]
        if graph_input.type == "tensor(string)":
            feed[graph_input.name] = cells.to_numpy(dtype=object).reshape(-1, 1)
        else:
            dtype = np.float32 if graph_input.type == "tensor(float)" else np.float64
            numbers = pd.to_numeric(cells, errors="coerce").to_numpy(dtype=np.float64)
            feed[graph_input.name] = numbers.astype(dtype).reshape(-1, 1)
    return feed


def _assert_same_answers(session, feed, expected, dtype):
    _, labels, proba = expected
    label, probabilities = session.run(["label", "probabilities"], feed)
    assert_array_equal(label, labels)
    assert_allclose(probabilities, proba, rtol=RTOL[dtype], atol=ATOL[dtype])


def test_a_command_model_exported_by_the_command_gives_its_predictions(iris, tmp_path):
    from test_command_files import SPECIES, iris_tables, neurona_command

    X, y = iris
    iris_tables(tmp_path, X, SPECIES[y])
    neurona_command(
        *"train --data iris.csv --target species --scale none --hidden-layer-sizes 6 --max-iter 40".split(),
        *"--random-state 0 --no-report --quiet".split(),
        cwd=tmp_path,
    )
    neurona_command("export", "--model", "model.safetensors", "--output", "model.onnx", cwd=tmp_path)
    header, labels, proba = _command_predictions(tmp_path, "features.csv")
    session = _command_session(tmp_path / "model.onnx")
    label, probabilities = session.run(["label", "probabilities"], {"X": X.astype(np.float64)})
    assert_array_equal(label, labels)
    assert header[1:] == [f"proba_{c}" for c in SPECIES], header
    assert_allclose(probabilities, proba, rtol=1e-12, atol=0)


@pytest.mark.parametrize("scale", ["standard", "minmax"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_a_scaled_command_model_scales_in_the_graph(iris, tmp_path, scale, dtype):
    """The graph's first nodes are the command's scaler: ONNX Runtime on the raw measurements
    gives ``neurona predict``'s answers."""
    from test_command_files import SPECIES, iris_tables, neurona_command

    X, y = iris
    X = X * np.array([1.0, 10.0, 100.0, 0.1]) + 3  # features of unlike scales, none near 0
    iris_tables(tmp_path, X, SPECIES[y])
    flag = {np.float32: "f32", np.float64: "f64"}[dtype]
    neurona_command(
        *f"train --data iris.csv --target species --scale {scale} --dtype {flag} --hidden-layer-sizes 6".split(),
        *"--max-iter 60 --random-state 0 --no-report --quiet".split(),
        cwd=tmp_path,
    )
    neurona_command("export", "--model", "model.safetensors", "--output", "model.onnx", cwd=tmp_path)
    session = _command_session(tmp_path / "model.onnx")
    assert [i.name for i in session.get_inputs()] == ["X"]
    for rows in [slice(0, 1), slice(0, 150)]:
        (tmp_path / "rows.csv").write_text(
            "sl,sw,pl,pw\n" + "".join(",".join(map(repr, row)) + "\n" for row in X[rows].tolist())
        )
        expected = _command_predictions(tmp_path, "rows.csv")
        _assert_same_answers(session, {"X": X[rows].astype(dtype)}, expected, dtype)


PENGUINS = pathlib.Path(__file__).resolve().parents[2] / "crates/neurona-cli/tests/data/penguins.csv"


@pytest.mark.parametrize("dtype", DTYPES)
def test_the_penguins_model_runs_in_onnx_runtime_on_the_raw_table(tmp_path, dtype):
    """Missing numbers and text, text categories: the graph fills and encodes the raw columns as
    the command does, one input per column; an unseen island gives zeros (``--handle-unknown
    ignore``'s answer, which a model trained with ``error`` also gives: a graph cannot stop)."""
    from test_command_files import neurona_command

    shutil.copy(PENGUINS, tmp_path / "penguins.csv")
    flag = {np.float32: "f32", np.float64: "f64"}[dtype]
    command = f"train --data penguins.csv --target species --dtype {flag} --random-state 0 --no-report --quiet"
    neurona_command(*command.split(), cwd=tmp_path)
    neurona_command(*command.split(), "--handle-unknown", "ignore", "--model", "ignore.safetensors", cwd=tmp_path)
    out = neurona_command("export", "--model", "model.safetensors", "--output", "model.onnx", cwd=tmp_path)
    assert "note: in the graph, an unseen category gives zeros" in out, out
    neurona_command("export", "--model", "ignore.safetensors", "--output", "ignore.onnx", cwd=tmp_path)
    session = _command_session(tmp_path / "model.onnx")
    names = ["island", "bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g", "sex", "year"]
    assert [i.name for i in session.get_inputs()] == names
    number = {np.float32: "tensor(float)", np.float64: "tensor(double)"}[dtype]
    assert [i.type for i in session.get_inputs()] == ["tensor(string)"] + [number] * 4 + ["tensor(string)", number]

    expected = _command_predictions(tmp_path, "penguins.csv")
    _assert_same_answers(session, _raw_columns(session, tmp_path / "penguins.csv"), expected, dtype)
    lines = PENGUINS.read_text().splitlines()
    (tmp_path / "one.csv").write_text(lines[0] + "\n" + lines[4] + "\n")  # the row with every cell missing
    expected = _command_predictions(tmp_path, "one.csv")
    _assert_same_answers(session, _raw_columns(session, tmp_path / "one.csv"), expected, dtype)

    new = ["Adelie,Atlantis,39,18,190,3800,male,2008", "Gentoo,Dream,47,15,NA,5000,n/a,2009", "Adelie,Biscoe,,,,,?,2008"]
    (tmp_path / "new.csv").write_text(lines[0] + "\n" + "\n".join(new) + "\n")
    ignore = _command_session(tmp_path / "ignore.onnx")
    expected = _command_predictions(tmp_path, "new.csv", "ignore.safetensors")
    _assert_same_answers(ignore, _raw_columns(ignore, tmp_path / "new.csv"), expected, dtype)
    expected = _command_predictions(tmp_path, "new.csv", "model.safetensors", "--handle-unknown", "ignore")
    _assert_same_answers(session, _raw_columns(session, tmp_path / "new.csv"), expected, dtype)


def test_integer_coded_and_yes_no_columns_run_in_onnx_runtime(tmp_path):
    """``--categorical`` numbers, yes/no text (one 0/1 column), holes in every kind of column."""
    import pandas as pd
    from test_cli_tables import mixed_table
    from test_command_files import neurona_command

    mixed_table(tmp_path / "mixed.csv")
    table = pd.read_csv(tmp_path / "mixed.csv", keep_default_na=False, dtype=str)
    table.loc[[1, 5, 9], "grade"] = "NA"
    table.loc[[2, 6], "smoker"] = "null"
    table.to_csv(tmp_path / "mixed.csv", index=False)
    command = "train --data mixed.csv --target outcome --drop id,score --categorical grade --max-iter 20"
    neurona_command(*command.split(), "--random-state", "0", "--no-report", "--quiet", cwd=tmp_path)
    neurona_command("export", "--model", "model.safetensors", "--output", "model.onnx", cwd=tmp_path)
    session = _command_session(tmp_path / "model.onnx")
    types = {i.name: i.type for i in session.get_inputs()}
    assert types == {
        "age": "tensor(double)",
        "weight": "tensor(double)",
        "color": "tensor(string)",
        "grade": "tensor(double)",
        "smoker": "tensor(string)",
    }
    expected = _command_predictions(tmp_path, "mixed.csv")
    _assert_same_answers(session, _raw_columns(session, tmp_path / "mixed.csv"), expected, np.float64)


# ---------------------------------------------------------------------- skl2onnx


@pytest.fixture(scope="module")
def skl2onnx():
    import skl2onnx

    neurona.register_skl2onnx()
    return skl2onnx


def _run_converted(skl2onnx, pipeline, X, **options):
    model = skl2onnx.to_onnx(pipeline, X[:1], target_opset=17, **options)
    onnx.checker.check_model(model, full_check=True)
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: X})


@pytest.mark.parametrize("dtype", DTYPES)
def test_a_pipeline_with_a_neurona_classifier_converts_with_skl2onnx(skl2onnx, dtype):
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import StandardScaler

    X = _data(dtype) * 3 + 1
    y = _labels((X[:, 0] > 1).astype(int) + (X[:, 1] > 1) * 2, "str")
    pipeline = _fit(Pipeline([("scale", StandardScaler()), ("mlp", _mlp())]), X, y)
    clf = pipeline.steps[-1][1]
    label, proba = _run_converted(skl2onnx, pipeline, X, options={id(clf): {"zipmap": False}})
    assert_array_equal(label, pipeline.predict(X))
    assert_allclose(proba, pipeline.predict_proba(X), rtol=RTOL[dtype], atol=ATOL[dtype])
    if dtype == np.float64:
        return  # skl2onnx's ZipMap takes float only: double pipelines need zipmap=False
    # skl2onnx's default for a classifier: the probabilities as one dictionary per row.
    _, dictionaries = _run_converted(skl2onnx, pipeline, X[:3])
    assert_allclose([[row[c] for c in clf.classes_] for row in dictionaries], pipeline.predict_proba(X[:3]), rtol=1e-5)


def test_regressors_perceptrons_and_rbms_convert_in_pipelines(skl2onnx):
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    X = _data(np.float32) * 2 - 1
    y = X[:, 0] - X[:, 1]
    regressor = _fit(Pipeline([("scale", StandardScaler()), ("mlp", neurona.MLPRegressor(max_iter=30))]), X, y)
    (values,) = _run_converted(skl2onnx, regressor, X)
    # skl2onnx scales as (x - mean) * (1 / scale), not as scikit-learn's division: the inputs may
    # differ in their last bit, which a value near 0 (a cancellation) shows in full; hence an
    # absolute tolerance of 1e-5 of the values' range.
    expected = regressor.predict(X)
    assert_allclose(values.ravel(), expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())

    labels = np.where(y > 0, "pos", "neg")
    perceptron = _fit(Pipeline([("scale", StandardScaler()), ("p", neurona.Perceptron(random_state=0))]), X, labels)
    label, scores = _run_converted(skl2onnx, perceptron, X)
    assert_array_equal(label, perceptron.predict(X))
    expected = perceptron.decision_function(X)
    assert_allclose(scores.ravel(), expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())

    features = Pipeline(
        [("scale", MinMaxScaler()), ("rbm", neurona.BernoulliRBM(n_components=5, n_iter=3, random_state=0)),
         ("logistic", LogisticRegression())]
    )
    _fit(features, X, labels)
    label, _ = _run_converted(skl2onnx, features, X, options={LogisticRegression: {"zipmap": False}})
    assert_array_equal(label, features.predict(X))
