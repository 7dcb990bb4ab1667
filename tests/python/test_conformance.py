"""One conformance battery over every estimator: each row of ``KINDS`` is one estimator family,
each test one promise every family keeps.

* NaN and infinity, a wrong width and empty input are refused with scikit-learn's own
  message (compared with what its estimator says for the same input), at fit and at every
  prediction method; an unfitted estimator raises ``NotFittedError`` from every method and
  from ``save``.
* Persistence is exact: save, load and save again give the same bytes and the same outputs;
  the same ``random_state`` gives the same bytes; a pickle round trip gives the same pickle;
  ``clone`` gives an unfitted twin that fits to the same bytes.
* A damaged model file is refused with a ``ValueError`` naming the model file, never a crash.

The recurrent estimators (``SEQUENCE_KINDS``) take sequences and have no scikit-learn twin: they
keep the persistence promises and the not-fitted one here; their input is refused with
neurona's own messages, tested in ``test_rnn.py``.
"""

import io
import pickle
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest
import sklearn.linear_model as sk_linear
import sklearn.neural_network as sk_nn
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_digits, load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError

import neurona
from neurona import BernoulliRBM, MLPClassifier, MLPRegressor, Perceptron, RNNClassifier, RNNRegressor


def _iris():
    return load_iris(return_X_y=True)


def _regression():
    return make_regression(n_samples=50, n_features=4, n_targets=2, random_state=0)


def _digits():
    return load_digits(return_X_y=True)[0][:200] / 16.0, None


def _sequences():
    """30 sequences of 6 steps of 2 features; three classes from the first step."""
    rng = np.random.RandomState(0)
    X = rng.normal(size=(30, 6, 2))
    return X, (X[:, 0, 0] > 0).astype(int) + (X[:, 0, 1] > 0)


def _sequence_targets():
    X, y = _sequences()
    return X, np.stack([y, X[:, -1, 0]], axis=1).astype(float)


@dataclass(frozen=True)
class Kind:
    """An estimator family: neurona's class, scikit-learn's (None: it has none), quick
    parameters, its data and the methods that take X once fitted."""

    cls: type
    sklearn: type
    params: dict
    data: object
    methods: tuple
    fitted_attributes: tuple = field(default=())

    def __str__(self):
        return self.cls.__name__

    def new(self, **params):
        return self.cls(**{**self.params, **params})

    def fit(self, estimator, X=None):
        data, y = self.data()
        X = data if X is None else X
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            return estimator.fit(X) if y is None else estimator.fit(X, y)


KINDS = [
    Kind(
        MLPClassifier,
        sk_nn.MLPClassifier,
        dict(hidden_layer_sizes=(5,), max_iter=20, random_state=0),
        _iris,
        ("predict", "predict_proba", "predict_log_proba", "score"),
        ("classes_", "coefs_", "intercepts_", "loss_curve_", "n_iter_", "t_", "loss_"),
    ),
    Kind(
        MLPRegressor,
        sk_nn.MLPRegressor,
        dict(hidden_layer_sizes=(5,), solver="sgd", max_iter=20, random_state=0),
        _regression,
        ("predict", "score"),
        ("coefs_", "intercepts_", "loss_curve_", "n_iter_", "t_", "loss_"),
    ),
    Kind(
        Perceptron,
        sk_linear.Perceptron,
        dict(max_iter=20, random_state=0),
        _iris,
        ("predict", "decision_function", "score"),
        ("classes_", "coef_", "intercept_", "n_iter_", "t_"),
    ),
    Kind(
        BernoulliRBM,
        sk_nn.BernoulliRBM,
        dict(n_components=4, n_iter=2, random_state=0),
        _digits,
        ("transform", "score_samples"),
        ("components_", "intercept_hidden_", "intercept_visible_", "h_samples_"),
    ),
]

#: Families with no scikit-learn twin, whose X is sequences.
SEQUENCE_KINDS = [
    Kind(
        RNNClassifier,
        None,
        dict(cell="gru", hidden_size=4, max_iter=5, random_state=0),
        _sequences,
        ("predict", "predict_proba", "predict_log_proba", "score"),
        ("classes_", "loss_curve_", "n_iter_", "t_", "loss_"),
    ),
    Kind(
        RNNRegressor,
        None,
        dict(cell="lstm", hidden_size=4, num_layers=2, bidirectional=True, max_iter=5, random_state=0),
        _sequence_targets,
        ("predict", "score"),
        ("loss_curve_", "n_iter_", "t_", "loss_"),
    ),
]

every_kind = pytest.mark.parametrize("kind", KINDS, ids=str)
#: The promises every family keeps, sequence estimators included.
every_family = pytest.mark.parametrize("kind", KINDS + SEQUENCE_KINDS, ids=str)

_FITTED = {}


def fitted(kind):
    """The kind's estimator fitted on its data (shared: the tests only read it)."""
    if kind.cls not in _FITTED:
        _FITTED[kind.cls] = kind.fit(kind.new())
    return _FITTED[kind.cls]


def call(kind, estimator, method, X):
    """``estimator.method(X)``; ``score`` is given the kind's targets for X's rows."""
    if method == "score":
        return estimator.score(X, kind.data()[1][: len(X)])
    return getattr(estimator, method)(X)


def error_of(action):
    """The exception ``action()`` raises (it must raise one)."""
    try:
        action()
    except Exception as error:  # noqa: BLE001 - scikit-learn's, whatever its type
        return error
    raise AssertionError(f"{action} raised nothing")


def assert_refused_like_scikit_learn(kind, ours, theirs, match):
    """``ours()`` raises a ValueError matching ``match``, with the message ``theirs()`` raises."""
    with pytest.raises(ValueError, match=match) as error:
        ours()
    assert str(error.value) == str(error_of(theirs)), (kind, error.value)


def assert_same_outputs(kind, a, b, X):
    for method in kind.methods:
        expected, got = call(kind, a, method, X), call(kind, b, method, X)
        assert_array_equal(got, expected)
        assert np.asarray(got).dtype == np.asarray(expected).dtype, method
    for name in kind.fitted_attributes:
        expected, got = getattr(a, name), getattr(b, name)
        if isinstance(expected, list):
            assert len(got) == len(expected), name
            for x, y in zip(expected, got):
                assert_array_equal(y, x)
        else:
            assert_array_equal(got, expected)
    assert b.n_features_in_ == a.n_features_in_


# ---------------------------------------------------------------------- input refused


BAD_VALUES = {
    "nan": (np.nan, r"^Input X contains NaN\."),
    "inf": (np.inf, r"^Input X contains infinity or a value too large for dtype\('float64'\)\."),
    "-inf": (-np.inf, r"^Input X contains infinity or a value too large for dtype\('float64'\)\."),
}


@every_kind
@pytest.mark.parametrize("bad", BAD_VALUES)
def test_nan_and_infinity_are_refused_at_fit_with_scikit_learns_message(kind, bad):
    value, match = BAD_VALUES[bad]
    X, _ = kind.data()
    X = X.copy()
    X[1, 2] = value
    assert_refused_like_scikit_learn(
        kind, lambda: kind.fit(kind.new(), X), lambda: kind.fit(kind.sklearn(**kind.params), X), match
    )


@every_kind
@pytest.mark.parametrize("bad", BAD_VALUES)
def test_nan_and_infinity_are_refused_by_every_method_with_scikit_learns_message(kind, bad):
    value, match = BAD_VALUES[bad]
    ours, theirs = fitted(kind), kind.fit(kind.sklearn(**kind.params))
    X = kind.data()[0][:5].copy()
    X[3, 1] = value
    for method in kind.methods:
        assert_refused_like_scikit_learn(
            kind, lambda: call(kind, ours, method, X), lambda: call(kind, theirs, method, X), match
        )


@every_family
def test_an_unfitted_estimator_raises_not_fitted_everywhere_and_saves_nothing(kind, tmp_path):
    X = kind.data()[0][:3]
    name = kind.cls.__name__
    for method in kind.methods:
        match = f"^This {name} instance is not fitted yet"
        with pytest.raises(NotFittedError, match=match) as error:
            call(kind, kind.new(), method, X)
        if kind.sklearn is not None:
            assert str(error.value) == str(error_of(lambda: call(kind, kind.sklearn(), method, X)))
    with pytest.raises(NotFittedError, match=f"This {name} instance is not fitted yet"):
        kind.new().save(tmp_path / "m.safetensors")
    assert list(tmp_path.iterdir()) == []


@every_kind
def test_a_wrong_width_is_refused_naming_both_widths(kind):
    ours, theirs = fitted(kind), kind.fit(kind.sklearn(**kind.params))
    X = kind.data()[0][:4]
    n = X.shape[1]
    name = kind.cls.__name__
    for wrong in (X[:, :-1], np.hstack([X, X])):
        match = f"^X has {wrong.shape[1]} features, but {name} is expecting {n} features as input"
        for method in kind.methods:
            assert_refused_like_scikit_learn(
                kind, lambda: call(kind, ours, method, wrong), lambda: call(kind, theirs, method, wrong), match
            )


@every_kind
def test_empty_input_is_refused_at_fit_and_by_every_method(kind):
    X, _ = kind.data()
    name = kind.cls.__name__
    no_rows = r"^Found array with 0 sample\(s\) \(shape=\(0, %d\)\) while a minimum of 1 is required"
    assert_refused_like_scikit_learn(
        kind,
        lambda: kind.fit(kind.new(), X[:0]),
        lambda: kind.fit(kind.sklearn(**kind.params), X[:0]),
        no_rows % X.shape[1],
    )
    assert_refused_like_scikit_learn(
        kind,
        lambda: kind.fit(kind.new(), X[:, :0]),
        lambda: kind.fit(kind.sklearn(**kind.params), X[:, :0]),
        r"^Found array with 0 feature\(s\) \(shape=\(%d, 0\)\) while a minimum of 1 is required by %s"
        % (len(X), name),
    )
    ours, theirs = fitted(kind), kind.fit(kind.sklearn(**kind.params))
    for method in kind.methods:
        assert_refused_like_scikit_learn(
            kind,
            lambda: call(kind, ours, method, X[:0]),
            lambda: call(kind, theirs, method, X[:0]),
            no_rows % X.shape[1],
        )


# ---------------------------------------------------------------------- persistence is exact


@every_family
def test_save_load_save_gives_the_same_bytes_and_outputs(kind, tmp_path):
    model = fitted(kind)
    model.save(tmp_path / "a.safetensors")
    loaded = neurona.load(tmp_path / "a.safetensors")
    assert type(loaded) is kind.cls
    loaded.save(tmp_path / "b.safetensors")
    assert (tmp_path / "a.safetensors").read_bytes() == (tmp_path / "b.safetensors").read_bytes()
    assert_same_outputs(kind, model, loaded, kind.data()[0])
    assert pickle.dumps(loaded.get_params()) == pickle.dumps(model.get_params())


@every_family
def test_the_same_random_state_gives_the_same_bytes(kind, tmp_path):
    first, second = kind.fit(kind.new()), kind.fit(kind.new())
    first.save(tmp_path / "first.safetensors")
    second.save(tmp_path / "second.safetensors")
    assert (tmp_path / "first.safetensors").read_bytes() == (tmp_path / "second.safetensors").read_bytes()
    assert pickle.dumps(first) == pickle.dumps(second)


@every_family
def test_clone_gives_an_unfitted_twin_that_fits_to_the_same_bytes(kind):
    model = fitted(kind)
    twin = clone(model)
    assert type(twin) is kind.cls and twin is not model
    assert pickle.dumps(twin.get_params()) == pickle.dumps(model.get_params())
    assert not twin.__sklearn_is_fitted__()
    with pytest.raises(NotFittedError):
        call(kind, twin, kind.methods[0], kind.data()[0][:2])
    assert pickle.dumps(kind.fit(twin)) == pickle.dumps(model)


@every_family
def test_a_pickle_round_trip_is_exact(kind):
    model = fitted(kind)
    data = pickle.dumps(model)
    back = pickle.loads(data)
    assert pickle.dumps(back) == data
    assert_same_outputs(kind, model, back, kind.data()[0])
    unfitted = kind.new(random_state=np.random.RandomState(3))
    data = pickle.dumps(unfitted)
    back = pickle.loads(data)
    assert pickle.dumps(back) == data
    assert back.random_state.get_state()[1].tolist() == unfitted.random_state.get_state()[1].tolist()
    assert not back.__sklearn_is_fitted__()


# ---------------------------------------------------------------------- damaged files


def _tensor_data_start(data):
    """Where a safetensors file's tensor data begins: after the 8-byte header length and the
    header."""
    return 8 + int.from_bytes(data[:8], "little")


@every_family
def test_a_truncated_model_file_is_refused(kind, tmp_path):
    fitted(kind).save(tmp_path / "m.safetensors")
    data = (tmp_path / "m.safetensors").read_bytes()
    start = _tensor_data_start(data)
    for end in sorted({0, 4, 8, start // 2, start, start + 1, len(data) // 2, len(data) - 1}):
        (tmp_path / "cut.safetensors").write_bytes(data[:end])
        with pytest.raises(ValueError, match="model file"):
            neurona.load(tmp_path / "cut.safetensors")
        # A pickle holds the same bytes, checked the same way.
        state = fitted(kind).__getstate__()
        state["model"] = data[:end]
        with pytest.raises(ValueError, match="model file"):
            kind.cls.__new__(kind.cls).__setstate__(state)


@every_family
def test_a_damaged_header_is_refused(kind, tmp_path):
    fitted(kind).save(tmp_path / "m.safetensors")
    data = (tmp_path / "m.safetensors").read_bytes()
    for damaged in (
        (2**40).to_bytes(8, "little") + data[8:],  # a header longer than the file
        data[:8] + b"[" + data[9:],  # the header is not a JSON object
        b"\x00" * 64,
    ):
        (tmp_path / "bad.safetensors").write_bytes(damaged)
        with pytest.raises(ValueError, match="model file"):
            neurona.load(tmp_path / "bad.safetensors")


@every_family
def test_a_flipped_byte_in_the_tensor_data_is_refused(kind, tmp_path):
    # The model file's checksum covers the header and every tensor: a changed weight is a damaged
    # file, refused with the core's message, never a model that predicts something else.
    model = fitted(kind)
    model.save(tmp_path / "m.safetensors")
    data = (tmp_path / "m.safetensors").read_bytes()
    start = _tensor_data_start(data)
    for at in sorted({start, start + 1, (start + len(data)) // 2, len(data) - 1}):
        flipped = bytearray(data)
        flipped[at] ^= 0xFF
        (tmp_path / "flipped.safetensors").write_bytes(bytes(flipped))
        with pytest.raises(ValueError, match="model file is corrupted: its checksum does not match"):
            neurona.load(tmp_path / "flipped.safetensors")


@every_family
def test_missing_files_and_folders_are_os_errors(kind, tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.safetensors"):
        neurona.load(tmp_path / "missing.safetensors")
    with pytest.raises(OSError, match="no-such-folder"):
        fitted(kind).save(tmp_path / "no-such-folder" / "m.safetensors")
    assert list(tmp_path.iterdir()) == []


@every_family
def test_pickles_refer_to_the_public_class_only(kind):
    found = set()

    class Recorder(pickle.Unpickler):
        def find_class(self, module, name):
            found.add((module, name))
            return super().find_class(module, name)

    Recorder(io.BytesIO(pickle.dumps(fitted(kind)))).load()
    assert found == {("neurona", kind.cls.__name__)}
