"""Pickling, joblib, ``save`` and ``load`` of every estimator, all through the core's safe model
file: what comes back is the same model (parameters, labels and their dtype, feature names,
training state), training continues exactly, and files and pickles made by earlier versions
still load (``fixtures/``, made by ``fixtures/make_legacy.py``).

What every estimator promises alike (exact round trips, damaged files refused) is in
``test_conformance.py``; the files the ``neurona`` command and the Rust crate read and write,
in ``test_command_files.py``.
"""

import importlib.util
import io
import json
import pathlib
import pickle
import pickletools

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_digits, load_iris, make_multilabel_classification, make_regression
from sklearn.exceptions import NotFittedError

import neurona
from neurona import BernoulliRBM, MLPClassifier, MLPRegressor, Perceptron, _core, _persist

SPECIES = np.array(["setosa", "versicolor", "virginica"])
FIXTURES = pathlib.Path(__file__).parent / "fixtures"


pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


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
            params[name] = _persist.encode(value)
    return params



def fitted_models():
    X, y = load_iris(return_X_y=True)
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


# ---------------------------------------------------------------------- MLPs


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
def test_labels_of_any_type_survive_pickling_and_files(labels, iris, tmp_path):
    X, y = iris
    y = labelled(y, labels)
    model = MLPClassifier(hidden_layer_sizes=(6,), max_iter=5, random_state=0).fit(X, y)
    assert_same_model(model, pickle.loads(pickle.dumps(model)), X)
    model.save(tmp_path / "m.safetensors")
    loaded = neurona.load(tmp_path / "m.safetensors")
    assert_same_model(model, loaded, X)
    assert loaded.predict(X[:3]).dtype == model.predict(X[:3]).dtype


def test_joblib_round_trip_then_partial_fit_continues_exactly(iris, tmp_path):
    X, y = iris
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


def test_integer_and_string_classes_are_written_as_real_labels(iris, tmp_path):
    for labels, expected in [("int", [2, 10, 30]), ("str", ["setosa", "versicolor", "virginica"])]:
        X, y = iris
        y = labelled(y, labels)
        model = MLPClassifier(hidden_layer_sizes=(4,), max_iter=3, random_state=0).fit(X, y)
        model.save(tmp_path / "c.safetensors")
        header = json.loads(_core.inspect((tmp_path / "c.safetensors").read_bytes())[2])
        assert header["classes"]["labels"] == expected


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
    meta["random_state_"] = _persist.encode(model.random_state_)
    state["model"] = model._core.to_bytes(json.dumps({"python": meta}))
    old = BernoulliRBM.__new__(BernoulliRBM)
    old.__setstate__(state)
    assert_same_rbm(model, old, digits)


# ---------------------------------------------------------------------- errors


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


def test_a_file_of_another_kind_is_refused_where_the_class_is_implied(iris, digits):
    X, y = iris
    perceptron = Perceptron().fit(X, y)
    rbm = BernoulliRBM(n_components=3, n_iter=1, random_state=0).fit(digits)
    mlp = neurona.MLPClassifier(hidden_layer_sizes=(3,), max_iter=2).fit(X, y)
    for cls, other in [(Perceptron, rbm), (BernoulliRBM, perceptron), (Perceptron, mlp)]:
        state = other.__getstate__()
        with pytest.raises(ValueError, match=f"holds a {type(other).__name__}, not a"):
            cls.__new__(cls).__setstate__(state)


# ---------------------------------------------------------------------- Perceptron and RBM pickles


def test_perceptron_and_rbm_pickles_continue_training_exactly(iris, digits):
    X, y = iris
    labels = np.array(["a", "b", "c"], dtype=object)[y]
    clf = Perceptron(penalty="l1", random_state=2).fit(X, labels)
    back = pickle.loads(pickle.dumps(clf))
    assert_same_perceptron(clf, back, X)
    assert back.get_params() == clf.get_params()
    back.partial_fit(X, labels)
    clf.partial_fit(X, labels)
    assert_array_equal(back.coef_, clf.coef_)
    assert pickle.loads(pickle.dumps(Perceptron(alpha=0.5))).alpha == 0.5

    rbm = BernoulliRBM(n_components=8, random_state=1)
    rbm.partial_fit(digits[:100])
    back = pickle.loads(pickle.dumps(rbm))
    assert_array_equal(back.components_, rbm.components_)
    assert_array_equal(back.h_samples_, rbm.h_samples_)
    rbm.partial_fit(digits[100:200])
    back.partial_fit(digits[100:200])
    assert_array_equal(back.components_, rbm.components_)
    assert_array_equal(back.gibbs(digits[:5]), rbm.gibbs(digits[:5]))


# ---------------------------------------------------------------------- earlier versions


def _make_legacy():
    """``fixtures/make_legacy.py``, the script that made the legacy fixtures (its data and the
    methods it called)."""
    spec = importlib.util.spec_from_file_location("make_legacy", FIXTURES / "make_legacy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LEGACY = _make_legacy()


@pytest.mark.parametrize("form", ["safetensors", "pickle"])
@pytest.mark.parametrize("kind", ["MLPClassifier", "MLPRegressor", "Perceptron", "BernoulliRBM"])
def test_files_and_pickles_of_earlier_versions_load_and_predict_the_same(kind, form):
    path = FIXTURES / f"{kind}.{form}"
    model = neurona.load(path) if form == "safetensors" else pickle.loads(path.read_bytes())
    assert type(model) is getattr(neurona, kind)
    X, _ = LEGACY.data()[LEGACY.DATA_OF[kind]]
    expected = np.load(FIXTURES / "expected.npz")
    twin = pickle.loads(pickle.dumps(model))
    for method in LEGACY.METHODS[kind]:
        for estimator in (model, twin):
            got = getattr(estimator, method)(X)
            assert got.dtype == expected[f"{kind}.{method}"].dtype
            assert_array_equal(got, expected[f"{kind}.{method}"])
    if kind == "Perceptron":
        assert model.class_weight == {2: 2.0, 10: 1.0, 30: 0.5}
        assert_array_equal(model.classes_, [2, 10, 30])
    if kind == "MLPClassifier":
        assert model.classes_.dtype == np.dtype("<U10") and model.loss_curve_ == twin.loss_curve_


def test_unfitted_pickles_of_earlier_versions_keep_their_parameters():
    old = pickle.loads((FIXTURES / "unfitted.pickle").read_bytes())
    new = LEGACY.unfitted()
    assert [type(e) for e in old] == [type(e) for e in new]
    for a, b in zip(old, new):
        assert plain_params(a) == plain_params(b)
        assert not a.__sklearn_is_fitted__()


def test_load_finds_each_class_in_the_registry_of_kinds(digits, tmp_path, monkeypatch):
    assert _persist._KINDS == {
        "MLPClassifier": MLPClassifier,
        "MLPRegressor": MLPRegressor,
        "Perceptron": Perceptron,
        "BernoulliRBM": BernoulliRBM,
        "RNNClassifier": neurona.RNNClassifier,
        "RNNRegressor": neurona.RNNRegressor,
    }
    BernoulliRBM(n_components=2, n_iter=1, random_state=0).fit(digits).save(tmp_path / "r.safetensors")
    monkeypatch.delitem(_persist._KINDS, "BernoulliRBM")
    message = (
        "holds a BernoulliRBM; neurona.load reads MLPClassifier, MLPRegressor, Perceptron, "
        "RNNClassifier and RNNRegressor files"
    )
    with pytest.raises(ValueError, match=message):
        neurona.load(tmp_path / "r.safetensors")
