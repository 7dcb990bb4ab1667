"""Prediction's fast path (a plain float ndarray skips scikit-learn's ``validate_data``): the
same results, dtypes and errors as the full path, which lists and other inputs take."""

import threading
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.datasets import load_iris, make_multilabel_classification, make_regression
from sklearn.exceptions import ConvergenceWarning

import neurona._mlp
from neurona import MLPClassifier, MLPRegressor

X_IRIS, Y_IRIS = load_iris(return_X_y=True)


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


class _NotPlain(np.ndarray):
    """An ndarray subclass: the fast path leaves it to the full path, which sees it as the
    plain array it views (same values, dtype and layout)."""


def _full(x):
    return x.view(_NotPlain)


def _classifiers():
    X_ml, Y_ml = make_multilabel_classification(n_samples=80, n_features=6, n_classes=3, random_state=0)
    X_ml = X_ml.astype(np.float64)
    params = dict(hidden_layer_sizes=(7,), max_iter=30, random_state=0)
    return {
        "binary": (_fit(MLPClassifier(**params), X_IRIS, Y_IRIS == 1), X_IRIS),
        "multiclass": (_fit(MLPClassifier(**params), X_IRIS, np.array(["a", "b", "c"])[Y_IRIS]), X_IRIS),
        "multilabel": (_fit(MLPClassifier(**params), X_ml, Y_ml), X_ml),
        "single": (_fit(MLPClassifier(**params), X_IRIS, np.full(len(X_IRIS), 7)), X_IRIS),
        "float32": (_fit(MLPClassifier(**params), X_IRIS.astype(np.float32), Y_IRIS), X_IRIS),
    }


def _regressors():
    X, y = make_regression(n_samples=60, n_features=5, n_targets=2, random_state=0)
    params = dict(hidden_layer_sizes=(6,), max_iter=30, random_state=0)
    return {
        "one_target": (_fit(MLPRegressor(**params), X, y[:, 0]), X),
        "two_targets": (_fit(MLPRegressor(**params), X, y), X),
        "float32": (_fit(MLPRegressor(**params), X.astype(np.float32), y[:, 0]), X),
    }


CLASSIFIERS = _classifiers()
REGRESSORS = _regressors()
MODELS = {
    **{f"classifier-{k}": v for k, v in CLASSIFIERS.items()},
    **{f"regressor-{k}": v for k, v in REGRESSORS.items()},
}


def _methods(model):
    return ["predict", "predict_proba"] if isinstance(model, MLPClassifier) else ["predict"]


def _inputs(X):
    """X in the forms the fast path takes, and some it leaves to the full path: one row, a
    few, many (past the binding's small-batch buffers), both float dtypes, Fortran order, row
    strides, reversed rows, read-only."""
    read_only = X[:5].copy()
    read_only.flags.writeable = False
    rows = [X[:1], X[3:4], X[:5], X, np.asfortranarray(X), X[::3], X[::-1], read_only]
    return rows + [x.astype(np.float32) for x in rows[:4]]


@pytest.mark.parametrize("name", MODELS)
def test_the_fast_path_gives_the_full_paths_results_and_dtypes(name):
    model, X = MODELS[name]
    for method in _methods(model):
        predict = getattr(model, method)
        for x in _inputs(X):
            fast, full = predict(x), predict(_full(x))
            assert type(full) is np.ndarray
            assert fast.dtype == full.dtype and fast.shape == full.shape
            assert_array_equal(fast, full)
            assert_array_equal(fast, predict(x.tolist()).astype(fast.dtype))


@pytest.mark.parametrize("name", MODELS)
def test_output_dtypes_follow_scikit_learns_rules(name):
    model, X = MODELS[name]
    model_dtype = np.dtype(model._core.dtype)
    for method in _methods(model):
        if method == "predict" and isinstance(model, MLPClassifier):
            continue
        for x_dtype in (np.float32, np.float64):
            out = getattr(model, method)(X[:2].astype(x_dtype))
            assert out.dtype == np.result_type(x_dtype, model_dtype)


@pytest.mark.parametrize("name", MODELS)
def test_the_fast_path_skips_validate_data(name, monkeypatch):
    model, X = MODELS[name]
    x = X[:2].astype(model._core.dtype)

    def refuse(*args, **kwargs):
        raise AssertionError("full path taken")

    expected = {method: getattr(model, method)(x) for method in _methods(model)}
    monkeypatch.setattr(neurona._mlp, "validate_data", refuse)
    for method in _methods(model):
        assert_array_equal(getattr(model, method)(x), expected[method])
        with pytest.raises(AssertionError, match="full path taken"):
            getattr(model, method)(_full(x))


def test_small_batches_give_the_rows_of_a_large_batch():
    # Up to 32 rows the binding predicts with the buffers the model keeps and decodes the class
    # itself; above, the core's own predict: the same numbers either way.
    for model, X in list(CLASSIFIERS.values()) + list(REGRESSORS.values()):
        for method in _methods(model):
            predict = getattr(model, method)
            whole = predict(X)
            assert len(X) > 32
            assert_array_equal(np.concatenate([predict(X[i : i + 1]) for i in range(len(X))]), whole)
            assert_array_equal(predict(X[:32]), whole[:32])


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_and_infinity_raise_scikit_learns_errors_on_both_paths(name, bad):
    model, X = MODELS[name]
    for x_dtype in (np.float64, np.float32):
        x = X[:3].astype(x_dtype)
        x[1, 2] = bad
        for method in _methods(model):
            errors = []
            for given in (x, _full(x), np.asfortranarray(x), x[:2][::-1]):
                with pytest.raises(ValueError) as error:
                    getattr(model, method)(given)
                errors.append(str(error.value))
            assert len(set(errors)) == 1
            assert errors[0].startswith("Input X contains NaN" if np.isnan(bad) else "Input X contains infinity")


def test_a_float64_value_too_large_for_a_float32_model_is_the_full_paths_error():
    model, X = CLASSIFIERS["float32"]
    x = X[:2].copy()
    x[0, 0] = 1e300
    errors = []
    for given in (x, _full(x)):
        with pytest.raises(ValueError) as error, warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # numpy's overflow in the cast
            model.predict(given)
        errors.append(str(error.value))
    assert errors[0] == errors[1]


@pytest.mark.parametrize("name", MODELS)
def test_wrong_widths_and_empty_input_raise_the_same_errors(name):
    model, X = MODELS[name]
    for x in (X[:2, :-1], np.hstack([X[:2], X[:2]]), X[:0], X[0], X[:2, :, None]):
        errors = []
        for given in (x, _full(x)):
            with pytest.raises(ValueError) as error:
                model.predict(given)
            errors.append(str(error.value))
        assert errors[0] == errors[1]


def test_integer_and_object_arrays_take_the_full_path():
    model, X = CLASSIFIERS["multiclass"]
    as_int = np.rint(X).astype(np.int64)
    assert_array_equal(model.predict(as_int), model.predict(as_int.astype(np.float64)))
    assert_array_equal(model.predict(X.astype(object)), model.predict(X))


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_assigned_weights_are_used_by_the_fast_path(estimator):
    X, y = X_IRIS, Y_IRIS
    params = dict(hidden_layer_sizes=(5,), max_iter=30, random_state=0)
    model = _fit(estimator(**params), X, y)
    model.predict(X[:1])
    model.coefs_ = [np.zeros_like(c) for c in model.coefs_]
    # Every row then gets the output of the last bias alone.
    one = model.predict(X[:1])
    assert_array_equal(model.predict(X), np.repeat(one, len(X), axis=0))

    # Arrays replaced inside the lists count too.
    model = _fit(estimator(**params), X, y)
    before = model.predict_proba(X[:5]) if estimator is MLPClassifier else model.predict(X[:5])
    model.intercepts_[-1] = model.intercepts_[-1] + 3.0
    model.coefs_[0] = model.coefs_[0] * 2.0
    reference = _fit(estimator(**params), X, y)
    reference.coefs_ = list(model.coefs_)
    reference.intercepts_ = list(model.intercepts_)
    for method in _methods(model):
        after = getattr(model, method)(X[:5])
        assert_array_equal(after, getattr(reference, method)(_full(X[:5])))
    after = model.predict_proba(X[:5]) if estimator is MLPClassifier else model.predict(X[:5])
    assert not np.array_equal(after, before)


def test_feature_names_keep_the_full_paths_warning():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X_IRIS, columns=["a", "b", "c", "d"])
    model = _fit(MLPClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0), frame, Y_IRIS)
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        model.predict(X_IRIS[:1])


def test_threads_predicting_with_one_model_at_once():
    model, X = CLASSIFIERS["multiclass"]
    expected = model.predict_proba(X)
    failures = []

    def predict_rows():
        for _ in range(20):
            for i in range(0, len(X), 7):
                if not np.array_equal(model.predict_proba(X[i : i + 1]), expected[i : i + 1]):
                    failures.append(i)

    threads = [threading.Thread(target=predict_rows) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
