"""Pickling, joblib, ``save`` and ``load``: all through the core's safe model file."""

import io
import json
import pickle
import pickletools
import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_iris, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.pipeline import Pipeline

import neurona
from neurona import MLPClassifier, MLPRegressor, _core


@pytest.fixture(autouse=True)
def _quiet():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def iris(labels="int"):
    X, y = load_iris(return_X_y=True)
    if labels == "str":
        y = np.array(["setosa", "versicolor", "virginica"])[y]
    elif labels == "object":
        y = np.array(["setosa", "versicolor", "virginica"], dtype=object)[y]
    elif labels == "bool":
        y = y == 2
    elif labels == "float":
        y = y.astype(float) + 0.0
    return X, y


def fitted_models():
    X, y = iris()
    Xr, yr = make_regression(n_samples=60, n_features=4, n_targets=2, random_state=0)
    Xm, ym = make_multilabel_classification(n_samples=60, n_features=5, random_state=0)
    return [
        (MLPClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(X, y), X),
        (MLPClassifier(solver="lbfgs", hidden_layer_sizes=(8,), max_iter=20, random_state=0).fit(X, y), X),
        (
            MLPClassifier(solver="sgd", early_stopping=True, max_iter=10, random_state=1).fit(
                X.astype(np.float32), y
            ),
            X.astype(np.float32),
        ),
        (MLPClassifier(hidden_layer_sizes=(8,), max_iter=10, random_state=0).fit(Xm, ym), Xm),
        (MLPRegressor(hidden_layer_sizes=(8, 4), max_iter=20, random_state=0).fit(Xr, yr), Xr),
        (MLPRegressor(loss="poisson", solver="lbfgs", max_iter=20, random_state=0).fit(Xr, np.abs(yr)), Xr),
    ]


def assert_same_model(a, b, X):
    assert type(a) is type(b)
    assert a.get_params() == b.get_params() or repr(a) == repr(b)
    assert_array_equal(a.predict(X), b.predict(X))
    if hasattr(a, "predict_proba"):
        assert_array_equal(a.predict_proba(X), b.predict_proba(X))
        assert_array_equal(a.classes_, b.classes_)
        assert a.classes_.dtype == b.classes_.dtype
    for x, y in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_):
        assert_array_equal(x, y)
    for name in ["n_iter_", "t_", "loss_", "n_layers_", "n_outputs_", "out_activation_", "n_features_in_"]:
        assert getattr(a, name) == getattr(b, name)
    assert getattr(a, "loss_curve_", None) == getattr(b, "loss_curve_", None)
    assert getattr(a, "validation_scores_", None) == getattr(b, "validation_scores_", None)


def globals_referenced(data):
    """Every (module, name) a pickle refers to, read with pickletools (GLOBAL and STACK_GLOBAL,
    following the memo) and cross-checked by an unpickler that records what it imports."""
    found, strings, memo = set(), [], {}
    for opcode, arg, _ in pickletools.genops(data):
        if opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "UNICODE", "BINUNICODE8"):
            strings.append(arg)
        elif opcode.name == "MEMOIZE":
            memo[len(memo)] = strings[-1] if strings else None
        elif opcode.name in ("BINGET", "LONG_BINGET", "GET"):
            strings.append(memo.get(arg))
        elif opcode.name == "GLOBAL":
            found.add(tuple(arg.split(" ", 1)))
        elif opcode.name == "STACK_GLOBAL":
            found.add((strings[-2], strings[-1]))
        elif opcode.name in ("INST", "OBJ", "REDUCE") and opcode.name != "REDUCE":
            found.add(("<opcode>", opcode.name))
    imported = set()

    class Recorder(pickle.Unpickler):
        def find_class(self, module, name):
            imported.add((module, name))
            return super().find_class(module, name)

    Recorder(io.BytesIO(data)).load()
    assert imported == found
    return found


@pytest.mark.parametrize("index", range(6))
def test_pickle_round_trip_gives_the_same_model_and_refers_only_to_neurona(index):
    model, X = fitted_models()[index]
    # Protocol 2 has no bytes type (it pickles bytes through codecs.encode); 3 and later do.
    for protocol in range(3, pickle.HIGHEST_PROTOCOL + 1):
        data = pickle.dumps(model, protocol=protocol)
        assert globals_referenced(data) == {("neurona", type(model).__name__)}
        assert b"numpy" not in data and b"sklearn" not in data
        assert_same_model(model, pickle.loads(data), X)


def test_an_unfitted_estimator_pickles_its_parameters():
    model = MLPRegressor((5,), hidden_layer_sizes=(3, 2), n_iter_no_change=np.inf, alpha=np.float64(0.5))
    data = pickle.dumps(model)
    assert globals_referenced(data) == {("neurona", "MLPRegressor")}
    copy = pickle.loads(data)
    assert copy.get_params() == model.get_params()
    with pytest.raises(NotFittedError):
        copy.predict([[1.0]])


def test_a_random_state_instance_pickles_as_plain_numbers():
    stream = np.random.RandomState(3)
    stream.random_sample(5)
    model = MLPClassifier(random_state=stream)
    data = pickle.dumps(model)
    assert globals_referenced(data) == {("neurona", "MLPClassifier")}
    copy = pickle.loads(data)
    assert copy.random_state.random_sample() == stream.random_sample()


@pytest.mark.parametrize("labels", ["int", "str", "object", "bool", "float"])
def test_labels_of_any_type_survive_pickling_and_files(labels, tmp_path):
    X, y = iris(labels)
    model = MLPClassifier(hidden_layer_sizes=(6,), max_iter=5, random_state=0).fit(X, y)
    assert_same_model(model, pickle.loads(pickle.dumps(model)), X)
    model.save(tmp_path / "m.safetensors")
    loaded = neurona.load(tmp_path / "m.safetensors")
    assert_same_model(model, loaded, X)
    assert loaded.predict(X[:3]).dtype == model.predict(X[:3]).dtype


def test_joblib_round_trip_then_partial_fit_continues_exactly(tmp_path):
    X, y = iris()
    model = MLPClassifier(solver="sgd", hidden_layer_sizes=(8,), max_iter=5, random_state=0).fit(X, y)
    twin = pickle.loads(pickle.dumps(model))
    joblib.dump(model, tmp_path / "m.joblib")
    loaded = joblib.load(tmp_path / "m.joblib")
    assert_same_model(model, loaded, X)
    for estimator in (model, loaded, twin):
        for _ in range(3):
            estimator.partial_fit(X, y)
    # The optimizer's velocities travel with the model, so the three continue identically.
    assert_same_model(model, loaded, X)
    assert_same_model(model, twin, X)


@pytest.mark.parametrize("index", range(6))
def test_save_load_round_trip(index, tmp_path):
    model, X = fitted_models()[index]
    path = tmp_path / "model.safetensors"
    model.save(path)
    loaded = neurona.load(str(path))
    assert_same_model(model, loaded, X)
    # The file is the core's: it says what it holds.
    estimator, dtype, header = _core.inspect(path.read_bytes())
    assert estimator == type(model).__name__
    assert dtype == model.coefs_[0].dtype.name
    assert "python" in json.loads(header)["extra"]


def test_partial_fit_after_load(tmp_path):
    X, y = make_regression(n_samples=40, n_features=3, random_state=0)
    model = MLPRegressor(hidden_layer_sizes=(10,), learning_rate_init=0.01, max_iter=50, random_state=0).fit(X, y)
    model.save(tmp_path / "r.safetensors")
    loaded = neurona.load(tmp_path / "r.safetensors")
    before = loaded.predict(X)
    loaded.partial_fit(X, y)
    model.partial_fit(X, y)
    assert not np.array_equal(before, loaded.predict(X))
    assert_array_equal(model.predict(X), loaded.predict(X))
    assert loaded.t_ == model.t_ and loaded.loss_curve_ == model.loss_curve_


def test_integer_and_string_classes_are_written_as_real_labels(tmp_path):
    for labels, expected in [("int", [0, 1, 2]), ("str", ["setosa", "versicolor", "virginica"])]:
        X, y = iris(labels)
        model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y)
        model.save(tmp_path / "c.safetensors")
        header = json.loads(_core.inspect((tmp_path / "c.safetensors").read_bytes())[2])
        assert header["classes"]["labels"] == expected


def cli_style_file(tmp_path, scaler):
    """A classifier file as the neurona command writes it: string labels, and the command's own
    header (feature names, scaler) under extra["cli"], with no Python metadata."""
    X, y = iris("str")
    model = MLPClassifier(hidden_layer_sizes=(6,), max_iter=30, random_state=0)
    mean, scale = X.mean(axis=0), X.std(axis=0)
    model.fit((X - mean) / scale, y)
    cli = {
        "feature_names": ["a", "b", "c", "d"],
        "target_names": ["species"],
        "scaler": {"kind": "standard", "mean": mean.tolist(), "scale": scale.tolist()} if scaler else {"kind": "none"},
        "source": "iris.csv",
    }
    data = model._core.to_bytes(json.dumps({"cli": cli}), list(model.classes_))
    path = tmp_path / "cli.safetensors"
    path.write_bytes(data)
    return path, model, X, mean, scale


def test_load_reads_command_line_files(tmp_path):
    path, model, X, mean, scale = cli_style_file(tmp_path, scaler=False)
    loaded = neurona.load(path)
    assert isinstance(loaded, MLPClassifier)
    assert_array_equal(loaded.classes_, model.classes_)
    Xs = (X - mean) / scale
    assert_array_equal(loaded.predict(Xs), model.predict(Xs))
    assert loaded.get_params()["hidden_layer_sizes"] == (6,)


def test_load_wraps_a_command_line_scaler_in_a_pipeline(tmp_path):
    path, model, X, mean, scale = cli_style_file(tmp_path, scaler=True)
    loaded = neurona.load(path)
    assert isinstance(loaded, Pipeline)
    assert_array_equal(loaded.predict(X), model.predict((X - mean) / scale))


def test_load_rejects_damaged_and_missing_files(tmp_path):
    model, X = fitted_models()[0]
    path = tmp_path / "m.safetensors"
    model.save(path)
    data = bytearray(path.read_bytes())
    (tmp_path / "short.safetensors").write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(ValueError, match="model file"):
        neurona.load(tmp_path / "short.safetensors")
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 64)
    with pytest.raises(ValueError, match="model file"):
        neurona.load(tmp_path / "junk.safetensors")
    with pytest.raises(OSError):
        neurona.load(tmp_path / "missing.safetensors")
    with pytest.raises(OSError):
        model.save(tmp_path / "no-such-folder" / "m.safetensors")


def test_saving_an_unfitted_model_is_not_fitted_error(tmp_path):
    with pytest.raises(NotFittedError):
        MLPClassifier().save(tmp_path / "m.safetensors")
