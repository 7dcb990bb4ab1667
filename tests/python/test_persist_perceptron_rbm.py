"""``Perceptron`` and ``BernoulliRBM``: ``save``, ``neurona.load`` and the ``neurona`` command, all
through the core's safe model file.

The tests that run the ``neurona`` binary take ``$NEURONA_BIN``, else the newest
``target/{release,debug}/neurona`` of this checkout (``cargo build -p neurona-cli``, which
``scripts/test`` builds before pytest runs), and are skipped when there is none.
"""

import json
import os
import pathlib
import pickle
import subprocess
import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import neurona
from neurona import BernoulliRBM, Perceptron, _core, _persist

SPECIES = np.array(["setosa", "versicolor", "virginica"])


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


@pytest.fixture(scope="module")
def digits():
    X, _ = load_digits(return_X_y=True)
    return X / 16.0


def labelled(y, labels):
    """iris's targets as labels of one type."""
    if labels == "str":
        return SPECIES[y]
    if labels == "object":
        return SPECIES.astype(object)[y]
    if labels == "int":
        return np.array([2, 10, 30])[y]
    if labels == "bool":
        return y == 1
    if labels == "float":
        return y.astype(float) * 2
    raise AssertionError(labels)


def header_of(path):
    return json.loads(_core.inspect(pathlib.Path(path).read_bytes())[2])


def plain_params(estimator):
    """``get_params()`` with a ``RandomState`` as its state, which compares by value."""
    params = estimator.get_params()
    for name, value in params.items():
        if isinstance(value, np.random.RandomState):
            params[name] = _persist._encode(value)
    return params


def assert_same_perceptron(a, b, X):
    assert type(a) is type(b) is Perceptron
    assert plain_params(a) == plain_params(b)
    assert_array_equal(a.classes_, b.classes_)
    assert a.classes_.dtype == b.classes_.dtype
    for name in ["coef_", "intercept_"]:
        assert getattr(a, name).dtype == getattr(b, name).dtype
        assert_array_equal(getattr(a, name), getattr(b, name))
    for name in ["n_iter_", "t_", "n_features_in_"]:
        assert getattr(a, name) == getattr(b, name)
    assert_array_equal(a.decision_function(X), b.decision_function(X))
    assert_array_equal(a.predict(X), b.predict(X))
    assert a.predict(X).dtype == b.predict(X).dtype


def assert_same_rbm(a, b, X):
    assert type(a) is type(b) is BernoulliRBM
    assert a.get_params(deep=False).keys() == b.get_params(deep=False).keys()
    for name in ["components_", "intercept_hidden_", "intercept_visible_", "h_samples_"]:
        assert getattr(a, name).dtype == getattr(b, name).dtype
        assert_array_equal(getattr(a, name), getattr(b, name))
    assert a.n_features_in_ == b.n_features_in_
    assert hasattr(a, "random_state_") == hasattr(b, "random_state_")
    if hasattr(a, "random_state_"):
        for x, y in zip(a.random_state_.get_state(), b.random_state_.get_state()):
            assert_array_equal(x, y)
    assert_array_equal(a.transform(X), b.transform(X))


# ---------------------------------------------------------------------- Perceptron


@pytest.mark.parametrize("labels", ["str", "object", "int", "bool", "float"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("n_classes", [2, 3])
def test_perceptron_save_load_round_trip(labels, dtype, n_classes, iris, tmp_path):
    X, y = iris
    X = X.astype(dtype)
    keep = y < n_classes
    X, y = X[keep], labelled(y[keep], labels)
    model = Perceptron(penalty="l2", max_iter=20, random_state=1).fit(X, y)
    path = tmp_path / "p.safetensors"
    model.save(path)
    loaded = neurona.load(path)
    assert_same_perceptron(model, loaded, X)
    estimator, file_dtype, _ = _core.inspect(path.read_bytes())
    assert (estimator, file_dtype) == ("Perceptron", np.dtype(dtype).name)
    # Integers and strings are the file's own labels; other types stay indices there.
    expected = {
        "str": list(SPECIES[:n_classes]),
        "object": list(SPECIES[:n_classes]),
        "int": [2, 10, 30][:n_classes],
    }.get(labels, list(range(len(model.classes_))))
    assert header_of(path)["classes"]["labels"] == expected


def test_perceptron_parameters_and_feature_names_come_back(iris, tmp_path):
    import pandas as pd

    X, y = iris
    frame = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    stream = np.random.RandomState(5)
    for model in [
        Perceptron(class_weight={"setosa": 2.0, "virginica": 0.5}, tol=None, max_iter=5),
        Perceptron(class_weight="balanced", early_stopping=True, n_iter_no_change=3),
        Perceptron(penalty="elasticnet", l1_ratio=0.3, random_state=stream, fit_intercept=False),
    ]:
        model.fit(frame, SPECIES[y])
        model.save(tmp_path / "p.safetensors")
        loaded = neurona.load(tmp_path / "p.safetensors")
        assert_same_perceptron(model, loaded, frame)
        assert list(loaded.feature_names_in_) == ["sl", "sw", "pl", "pw"]
    model = Perceptron(class_weight={0: 3.0, 1: 1.0, 2: 1.0}).fit(X, y)
    model.save(tmp_path / "p.safetensors")
    assert neurona.load(tmp_path / "p.safetensors").class_weight == {0: 3.0, 1: 1.0, 2: 1.0}


def test_perceptron_training_continues_exactly_after_load(iris, tmp_path):
    X, y = iris
    y = SPECIES[y]
    model = Perceptron(random_state=3).partial_fit(X[:50], y[:50], classes=SPECIES)
    model.save(tmp_path / "p.safetensors")
    loaded = neurona.load(tmp_path / "p.safetensors")
    for start in (50, 100):
        model.partial_fit(X[start : start + 50], y[start : start + 50])
        loaded.partial_fit(X[start : start + 50], y[start : start + 50])
    assert_same_perceptron(model, loaded, X)
    model.set_params(warm_start=True, max_iter=3).fit(X, y)
    loaded.set_params(warm_start=True, max_iter=3).fit(X, y)
    assert_same_perceptron(model, loaded, X)


def test_pickles_write_the_real_labels_too(iris):
    X, y = iris
    model = Perceptron().fit(X, labelled(y, "int"))
    state = model.__getstate__()
    assert json.loads(_core.inspect(state["model"])[2])["classes"]["labels"] == [2, 10, 30]
    assert_same_perceptron(model, pickle.loads(pickle.dumps(model)), X)


def test_a_file_without_python_metadata_loads_from_the_core_header(iris, tmp_path):
    """As the Rust crate writes it: no ``extra``, labels of the file's own type."""
    X, y = iris
    model = Perceptron(penalty="l1", alpha=1e-3, class_weight="balanced", tol=None, max_iter=7)
    model.fit(X, labelled(y, "int"))
    path = tmp_path / "rust.safetensors"
    path.write_bytes(model._core.to_bytes("null", [2, 10, 30]))
    loaded = neurona.load(path)
    assert_array_equal(loaded.classes_, [2, 10, 30])
    # The core holds the weights 'balanced' gave, per class (all 1 on iris).
    assert loaded.get_params() == {**model.get_params(), "class_weight": {2: 1.0, 10: 1.0, 30: 1.0}}
    assert_array_equal(loaded.predict(X), model.predict(X))
    assert_array_equal(loaded.coef_, model.coef_)
    assert not hasattr(loaded, "feature_names_in_")


# ---------------------------------------------------------------------- BernoulliRBM


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_rbm_save_load_round_trip(dtype, digits, tmp_path):
    X = digits.astype(dtype)
    model = BernoulliRBM(n_components=6, n_iter=2, learning_rate=0.05, batch_size=20, random_state=0)
    model.fit(X)
    model.save(tmp_path / "r.safetensors")
    loaded = neurona.load(tmp_path / "r.safetensors")
    assert_same_rbm(model, loaded, X)
    assert loaded.get_params() == model.get_params()
    assert not hasattr(loaded, "random_state_")
    assert _core.inspect((tmp_path / "r.safetensors").read_bytes())[:2] == ("BernoulliRBM", np.dtype(dtype).name)


def test_rbm_random_state_is_saved_in_the_model_and_resumes(digits, tmp_path):
    model = BernoulliRBM(n_components=5, random_state=np.random.RandomState(2))
    model.partial_fit(digits[:100])
    model.gibbs(digits[:3])
    model.save(tmp_path / "r.safetensors")
    loaded = neurona.load(tmp_path / "r.safetensors")
    assert_same_rbm(model, loaded, digits)
    assert loaded.random_state.get_state()[2] == model.random_state.get_state()[2]
    # The stream is the model file's own, so the crate and the command see it too.
    words = _core.Rbm.from_bytes((tmp_path / "r.safetensors").read_bytes())[0].state()["random_state_"]
    assert_array_equal(words[1], model.random_state_.get_state()[1])
    for batch in (slice(100, 200), slice(200, 300)):
        model.partial_fit(digits[batch])
        loaded.partial_fit(digits[batch])
    assert_same_rbm(model, loaded, digits)
    assert_array_equal(loaded.gibbs(digits[:5]), model.gibbs(digits[:5]))


def test_rbm_pickles_from_before_the_stream_went_into_the_file_still_load(digits):
    model = BernoulliRBM(n_components=4, random_state=1)
    model.partial_fit(digits[:50])
    state = model.__getstate__()
    meta = {"estimator": "BernoulliRBM", "params": state["params"], "feature_names_in": None}
    meta["random_state_"] = _persist._encode(model.random_state_)
    state["model"] = model._core.to_bytes(json.dumps({"python": meta}))
    old = BernoulliRBM.__new__(BernoulliRBM)
    old.__setstate__(state)
    assert_same_rbm(model, old, digits)


# ---------------------------------------------------------------------- errors


@pytest.mark.parametrize("cls", [Perceptron, BernoulliRBM])
def test_saving_an_unfitted_model_is_not_fitted_error_and_writes_nothing(cls, tmp_path):
    with pytest.raises(NotFittedError):
        cls().save(tmp_path / "m.safetensors")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_save_leaves_the_previous_file(iris, tmp_path):
    X, y = iris
    model = Perceptron().fit(X, y)
    path = tmp_path / "p.safetensors"
    model.save(path)
    before = path.read_bytes()
    model.set_params(n_jobs=object())
    with pytest.raises(TypeError, match="n_jobs"):
        model.save(path)
    assert path.read_bytes() == before
    assert list(tmp_path.iterdir()) == [path]
    with pytest.raises(OSError):
        model.set_params(n_jobs=None).save(tmp_path / "no-such-folder" / "p.safetensors")


def test_damaged_files_are_value_errors(iris, digits, tmp_path):
    X, y = iris
    Perceptron().fit(X, y).save(tmp_path / "p.safetensors")
    BernoulliRBM(n_components=3, n_iter=1, random_state=0).fit(digits).save(tmp_path / "r.safetensors")
    for name in ["p.safetensors", "r.safetensors"]:
        data = (tmp_path / name).read_bytes()
        (tmp_path / "short.safetensors").write_bytes(data[: len(data) // 2])
        with pytest.raises(ValueError, match="model file"):
            neurona.load(tmp_path / "short.safetensors")
        flipped = bytearray(data)
        flipped[-1] ^= 0xFF
        (tmp_path / "flipped.safetensors").write_bytes(bytes(flipped))
        # The last byte is tensor data: a weight changes, or becomes NaN and is refused.
        try:
            neurona.load(tmp_path / "flipped.safetensors")
        except ValueError as error:
            assert "model file" in str(error)
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(ValueError, match="model file"):
        neurona.load(tmp_path / "junk.safetensors")
    with pytest.raises(OSError):
        neurona.load(tmp_path / "missing.safetensors")


def test_a_file_of_another_kind_is_refused_where_the_class_is_implied(iris, digits):
    X, y = iris
    perceptron = Perceptron().fit(X, y)
    rbm = BernoulliRBM(n_components=3, n_iter=1, random_state=0).fit(digits)
    mlp = neurona.MLPClassifier(hidden_layer_sizes=(3,), max_iter=2).fit(X, y)
    for cls, other in [(Perceptron, rbm), (BernoulliRBM, perceptron), (Perceptron, mlp)]:
        state = other.__getstate__()
        with pytest.raises(ValueError, match=f"holds a {type(other).__name__}, not a"):
            cls.__new__(cls).__setstate__(state)


# ---------------------------------------------------------------------- the neurona command


def _command():
    given = os.environ.get("NEURONA_BIN")
    if given:
        return given
    root = pathlib.Path(__file__).resolve().parents[2]
    built = [p for p in (root / "target" / k / "neurona" for k in ("release", "debug")) if p.is_file()]
    if not built:
        pytest.skip("no neurona binary: cargo build -p neurona-cli (or set NEURONA_BIN)")
    return str(max(built, key=lambda p: p.stat().st_mtime))


def neurona_command(*args, cwd):
    done = subprocess.run([_command(), *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"neurona {args}: {done.stderr}"
    return done.stdout


def write_csv(path, columns):
    names = list(columns)
    rows = zip(*columns.values())
    path.write_text(",".join(names) + "\n" + "".join(",".join(map(str, row)) + "\n" for row in rows))


def iris_tables(tmp_path, X, y):
    features = {name: X[:, j].tolist() for j, name in enumerate(["sl", "sw", "pl", "pw"])}
    write_csv(tmp_path / "features.csv", features)
    write_csv(tmp_path / "iris.csv", {**features, "species": list(y)})


def predicted_column(output):
    return [line.split(",")[0] for line in output.splitlines()[1:]]


@pytest.mark.parametrize("labels", ["str", "int"])
def test_the_command_reads_a_python_perceptron_with_its_real_labels(labels, iris, tmp_path):
    X, y = iris
    y = labelled(y, labels)
    model = Perceptron(max_iter=10, random_state=0).fit(X, y)
    model.save(tmp_path / "p.safetensors")
    iris_tables(tmp_path, X, y)
    out = neurona_command("inspect", "p.safetensors", cwd=tmp_path)
    shown = ", ".join(map(str, model.classes_))
    assert f"classes: {shown}" in out, out
    assert "written by the Python package (neurona.Perceptron)" in out, out
    out = neurona_command("predict", "--model", "p.safetensors", "--data", "features.csv", cwd=tmp_path)
    assert predicted_column(out) == [str(label) for label in model.predict(X)]
    out = neurona_command(
        "evaluate", "--model", "p.safetensors", "--data", "iris.csv", "--target", "species", cwd=tmp_path
    )
    assert f"accuracy: {model.score(X, y):.4f}" in out, out


def test_the_command_uses_the_column_names_of_a_dataframe_fit(iris, tmp_path):
    import pandas as pd

    X, y = iris
    frame = pd.DataFrame(X, columns=["sl", "sw", "pl", "pw"])
    model = Perceptron(max_iter=10).fit(frame, SPECIES[y])
    model.save(tmp_path / "p.safetensors")
    # The columns in another order, and one more: found by name.
    shuffled = {"id": list(range(len(X)))}
    shuffled.update({name: frame[name].tolist() for name in frame.columns[::-1]})
    write_csv(tmp_path / "shuffled.csv", shuffled)
    out = neurona_command("predict", "--model", "p.safetensors", "--data", "shuffled.csv", cwd=tmp_path)
    assert predicted_column(out) == list(model.predict(frame))


def test_load_reads_command_line_perceptron_and_rbm_files(iris, tmp_path):
    X, y = iris
    iris_tables(tmp_path, X, SPECIES[y])
    common = ["--data", "iris.csv", "--no-report", "--quiet"]
    neurona_command(
        "train", "--model-kind", "perceptron", "--target", "species", "--class-weight", "balanced",
        "--max-iter", "30", "--model", "p.safetensors", *common, cwd=tmp_path,
    )
    loaded = neurona.load(tmp_path / "p.safetensors")
    assert isinstance(loaded, Pipeline)
    assert isinstance(loaded["scaler"], StandardScaler) and isinstance(loaded["perceptron"], Perceptron)
    params = loaded["perceptron"].get_params()
    assert (params["class_weight"], params["max_iter"], params["penalty"]) == ("balanced", 30, None)
    assert list(loaded["perceptron"].classes_) == list(SPECIES)
    out = neurona_command("predict", "--model", "p.safetensors", "--data", "features.csv", cwd=tmp_path)
    assert predicted_column(out) == list(loaded.predict(X))

    neurona_command(
        "train", "--model-kind", "rbm", "--target", "species", "--n-components", "4", "--n-iter", "2",
        "--dtype", "f32", "--model", "r.safetensors", *common, cwd=tmp_path,
    )
    loaded = neurona.load(tmp_path / "r.safetensors")
    assert isinstance(loaded["scaler"], MinMaxScaler) and isinstance(loaded["rbm"], BernoulliRBM)
    assert loaded["rbm"].components_.dtype == np.float32
    assert loaded["rbm"].get_params()["n_components"] == 4
    out = neurona_command("transform", "--model", "r.safetensors", "--data", "features.csv", cwd=tmp_path)
    hidden = np.array([[float(v) for v in line.split(",")] for line in out.splitlines()[1:]])
    # The command scales as (x - min) / range, scikit-learn as x * scale + min: the last bits
    # of the features may differ.
    assert_allclose(loaded.transform(X), hidden, rtol=1e-5)

    # The command continues a Python model (unscaled, as it was trained) and writes its own
    # header, which load reads.
    model = Perceptron(max_iter=5).fit(X, SPECIES[y])
    model.save(tmp_path / "p.safetensors")
    neurona_command(
        "train", "--model-kind", "perceptron", "--target", "species", "--warm-start",
        "--max-iter", "3", "--model", "p.safetensors", *common, cwd=tmp_path,
    )
    continued = neurona.load(tmp_path / "p.safetensors")
    assert isinstance(continued, Perceptron) and continued.get_params()["max_iter"] == 3
    assert not np.array_equal(continued.coef_, model.coef_)
