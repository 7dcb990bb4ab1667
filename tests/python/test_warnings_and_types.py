"""Small differences from scikit-learn, each checked side by side with scikit-learn 1.9.1:

- the convergence warning and the filter that silences it (neurona raises it from its own
  modules, so scikit-learn's ``module="sklearn"`` cannot match it; the warning's text and the
  guide (docs/guide/sklearn.rst) name ``module="sklearn|neurona"``, which silences both libraries' warnings);
- every fitted attribute's type (numpy float64 losses, int counts, arrays' dtypes);
- weights edited in place (``coefs_[0][:] = 0``) or assigned, taking effect in predictions,
  in continued training and in pickles, as scikit-learn's do;
- strings as a regressor's ``y`` refused as scikit-learn refuses them.
"""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import sklearn.linear_model
import sklearn.neural_network
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning

import neurona

X, Y = make_classification(n_samples=60, n_features=5, n_informative=3, n_classes=3, random_state=0)
Y_REG = X[:, 0] * 2.0 - X[:, 1]
X_BIN = (X > 0).astype(np.float64)


def _silenced(filter_module):
    """Fits that do not converge, scikit-learn's and neurona's, under
    ``filterwarnings("ignore", category=ConvergenceWarning, module=filter_module)``; returns
    the ConvergenceWarnings that still came through, as ``(library, warning)``."""
    came_through = []
    fits = [
        ("neurona", lambda: neurona.MLPClassifier(max_iter=2, random_state=0).fit(X, Y)),
        ("neurona", lambda: neurona.MLPRegressor(solver="lbfgs", max_iter=2, random_state=0).fit(X, Y_REG)),
        ("neurona", lambda: neurona.Perceptron(max_iter=1).fit(X, Y)),
        ("sklearn", lambda: sklearn.neural_network.MLPClassifier(max_iter=2, random_state=0).fit(X, Y)),
        ("sklearn", lambda: sklearn.linear_model.Perceptron(max_iter=1).fit(X, Y)),
    ]
    for library, fit in fits:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            warnings.filterwarnings("ignore", category=ConvergenceWarning, module=filter_module)
            fit()
        came_through += [(library, w) for w in caught if issubclass(w.category, ConvergenceWarning)]
    return came_through


def test_the_documented_filter_silences_neuronas_convergence_warning_and_scikit_learns():
    assert _silenced("sklearn|neurona") == []
    # module="neurona" alone silences neurona's and leaves scikit-learn's.
    assert {library for library, _ in _silenced("neurona")} == {"sklearn"}


def test_scikit_learns_module_filter_does_not_match_neurona_and_the_warning_says_which_does():
    # Honest attribution: the warning comes from neurona's module, so module="sklearn" (a
    # regex matched against the start of that module's name) lets it through; its text names
    # the filter that works.
    through = _silenced("sklearn")
    assert {library for library, _ in through} == {"neurona"}
    for _, w in through:
        assert w.filename.replace("\\", "/").split("/")[-2] == "neurona"
        assert "module='sklearn|neurona'" in str(w.message)
    # scikit-learn's own text comes first, unchanged.
    with pytest.warns(ConvergenceWarning, match=r"^Stochastic Optimizer: Maximum iterations \(2\) reached"):
        neurona.MLPClassifier(max_iter=2, random_state=0).fit(X, Y)
    with pytest.warns(ConvergenceWarning, match=r"^Maximum number of iteration reached"):
        neurona.Perceptron(max_iter=1).fit(X, Y)


# ---------------------------------------------------------------------- types


def _describe(value):
    """The type of a fitted attribute, and of what it holds (arrays' dtypes, lists' items)."""
    if isinstance(value, np.ndarray):
        return ("ndarray", value.dtype, value.ndim)
    if isinstance(value, (list, tuple)):
        return (type(value).__name__, *sorted({_describe(v) for v in value}, key=repr))
    return type(value)


def _fitted_types(model):
    return {name: _describe(v) for name, v in vars(model).items() if name.endswith("_") and not name.startswith("_")}


TYPE_CASES = [
    ("MLPClassifier", dict(max_iter=5, random_state=0), X, Y),
    ("MLPClassifier", dict(max_iter=5, early_stopping=True, random_state=0), X, Y),
    ("MLPClassifier", dict(max_iter=5, solver="lbfgs", random_state=0), X, Y),
    ("MLPClassifier", dict(max_iter=5, random_state=0), X.astype(np.float32), Y),
    ("MLPRegressor", dict(max_iter=5, solver="sgd", random_state=0), X, Y_REG),
    ("MLPRegressor", dict(max_iter=5, solver="lbfgs", random_state=0), X, Y_REG),
    ("Perceptron", dict(max_iter=5), X, Y),
    ("Perceptron", dict(max_iter=5), X.astype(np.float32), Y > 0),
    ("BernoulliRBM", dict(n_components=3, n_iter=2, random_state=0), X_BIN, None),
    ("BernoulliRBM", dict(n_components=3, n_iter=2, random_state=0), X_BIN.astype(np.float32), None),
]


def _pair(name):
    module = sklearn.linear_model if name == "Perceptron" else sklearn.neural_network
    return getattr(neurona, name), getattr(module, name)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name, params, X_fit, y_fit", TYPE_CASES)
def test_every_fitted_attribute_has_scikit_learns_type(name, params, X_fit, y_fit):
    types = []
    for cls in _pair(name):
        model = cls(**params)
        model.fit(X_fit) if y_fit is None else model.fit(X_fit, y_fit)
        types.append(_fitted_types(model))
    ours, theirs = types
    assert ours == theirs


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_partial_fit_and_unpickled_models_keep_the_types():
    ours = neurona.MLPRegressor(random_state=0).partial_fit(X, Y_REG)
    theirs = sklearn.neural_network.MLPRegressor(random_state=0).partial_fit(X, Y_REG)
    assert _fitted_types(ours) == _fitted_types(theirs)
    assert _fitted_types(pickle.loads(pickle.dumps(ours))) == _fitted_types(theirs)
    assert type(ours.loss_) is np.float64 and all(type(v) is np.float64 for v in ours.loss_curve_)


# ---------------------------------------------------------------------- weights edited


def _both(name, **params):
    """neurona's and scikit-learn's model, fitted alike."""
    models = []
    for cls in _pair(name):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            if name == "BernoulliRBM":
                models.append(cls(**params).fit(X_BIN))
            else:
                models.append(cls(**params).fit(X, Y_REG if name == "MLPRegressor" else Y))
    return models


MLP_METHODS = [("MLPClassifier", "predict_proba"), ("MLPClassifier", "predict"), ("MLPRegressor", "predict")]


@pytest.mark.parametrize("name, method", MLP_METHODS)
def test_mlp_weights_edited_in_place_change_the_predictions(name, method):
    ours, theirs = _both(name, max_iter=20, random_state=0)
    for model in (ours, theirs):
        model.coefs_[0][:, :2] = 0.0
        model.intercepts_[-1][:] += 0.5
        model.coefs_[-1] *= 2.0
    # The fast path (a float ndarray, one row or many) and the full path (a list, float32).
    for data in (X, X[:1], X.tolist(), X.astype(np.float32)):
        assert_allclose(getattr(ours, method)(data), getattr(theirs, method)(data), rtol=1e-12, atol=1e-12)
    restored = pickle.loads(pickle.dumps(ours))
    assert_array_equal(getattr(restored, method)(X), getattr(ours, method)(X))


@pytest.mark.parametrize("name", ["MLPClassifier", "MLPRegressor"])
def test_mlp_training_continues_from_weights_edited_in_place(name):
    ours, theirs = _both(name, max_iter=20, random_state=0, warm_start=True)
    assigned = _both(name, max_iter=20, random_state=0, warm_start=True)[0]
    for model in (ours, theirs):
        model.coefs_[0][:] *= 0.5
    assigned.coefs_ = [c.copy() for c in ours.coefs_]
    assigned.intercepts_ = [b.copy() for b in ours.intercepts_]
    y = Y_REG if name == "MLPRegressor" else Y
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for model in (ours, theirs, assigned):
            model.partial_fit(X, y) if name == "MLPRegressor" else model.partial_fit(X, y)
    assert_array_equal(ours.coefs_[0], assigned.coefs_[0])
    assert_allclose(ours.coefs_[0], theirs.coefs_[0], rtol=1e-9, atol=1e-12)


def test_assigned_mlp_weights_stay_the_users_arrays_and_their_edits_count():
    ours, theirs = _both("MLPClassifier", max_iter=20, random_state=0)
    for model in (ours, theirs):
        mine = [c.copy() for c in model.coefs_]
        model.coefs_ = mine
        model.predict(X)
        mine[0][:] = 0.0
    assert ours.coefs_ is not None and not ours.coefs_[0].any()
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-12, atol=1e-12)
    restored = pickle.loads(pickle.dumps(ours))
    assert_array_equal(restored.predict_proba(X), ours.predict_proba(X))


def test_perceptron_weights_edited_in_place_change_the_predictions():
    ours, theirs = _both("Perceptron", max_iter=20)
    for model in (ours, theirs):
        model.coef_[0][:] = 0.0
        model.intercept_[1] += 1.0
    assert_array_equal(ours.decision_function(X), theirs.decision_function(X))
    assert_array_equal(ours.predict(X), theirs.predict(X))
    restored = pickle.loads(pickle.dumps(ours))
    assert_array_equal(restored.decision_function(X), ours.decision_function(X))
    # partial_fit continues from the edited weights, as scikit-learn's does.
    for model in (ours, theirs):
        model.partial_fit(X, Y)
    assert_allclose(ours.coef_, theirs.coef_, rtol=1e-12)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=1e-12)


def test_rbm_weights_edited_in_place_change_every_method():
    ours, theirs = _both("BernoulliRBM", n_components=3, n_iter=2, random_state=0)
    for model in (ours, theirs):
        model.components_[0][:] = 0.0
        model.intercept_hidden_[1] = 2.0
        model.intercept_visible_[:] -= 0.25
    assert_allclose(ours.transform(X_BIN), theirs.transform(X_BIN), rtol=1e-12)
    assert_allclose(ours.score_samples(X_BIN), theirs.score_samples(X_BIN), rtol=1e-10)
    for model in (ours, theirs):
        model.random_state_ = np.random.RandomState(1)
    assert_array_equal(ours.gibbs(X_BIN), theirs.gibbs(X_BIN))
    restored = pickle.loads(pickle.dumps(ours))
    assert_array_equal(restored.transform(X_BIN), ours.transform(X_BIN))
    for model in (ours, theirs):
        model.partial_fit(X_BIN)
    assert_allclose(ours.components_, theirs.components_, rtol=1e-10, atol=1e-12)


# ---------------------------------------------------------------------- y of strings


@pytest.mark.parametrize(
    "y",
    [np.array(["1.5", "2"] * 30), ["1.5", "2"] * 30, np.array([["1", "2"]] * 60), np.array([b"1.5", b"2"] * 30)],
    ids=["unicode array", "list of str", "2-D unicode", "bytes"],
)
@pytest.mark.parametrize("method", ["fit", "partial_fit"])
def test_a_regressor_refuses_strings_as_y_as_scikit_learn_does(y, method):
    with pytest.raises(TypeError) as theirs:
        getattr(sklearn.neural_network.MLPRegressor(max_iter=2), method)(X, y)
    with pytest.raises(TypeError, match=r"y of dtype dtype\('[<|]?[US]\d+'\).*not strings") as ours:
        getattr(neurona.MLPRegressor(max_iter=2), method)(X, y)
    assert isinstance(ours.value, TypeError) and isinstance(theirs.value, TypeError)
    with pytest.raises(TypeError, match="not strings"):
        neurona.RNNRegressor(max_iter=2).fit(X[:, :, None], y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "y", [np.array(["1.5", "2"] * 30, dtype=object), pd.Series(["1.5", "2"] * 30)], ids=["object", "pandas"]
)
def test_numbers_held_as_objects_are_accepted_as_scikit_learn_accepts_them(y):
    ours = neurona.MLPRegressor(max_iter=2, random_state=0).fit(X, y)
    theirs = sklearn.neural_network.MLPRegressor(max_iter=2, random_state=0).fit(X, y)
    assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-10)
