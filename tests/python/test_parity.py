"""Parity with scikit-learn installed beside neurona: the same data, parameters and
``random_state`` give the same model.

* Initialisation: identical ``coefs_`` and ``intercepts_``, bit for bit. The initial weights are
  read after one epoch at a learning rate of 1e-300, an update far below the weights' last bit,
  so that both libraries are observed through their public API only.
* sgd and adam: the same ``n_iter_`` and ``t_``, every ``loss_curve_`` entry (and validation
  score) within 1e-6 relative, identical class predictions (regression: within 1e-6).
* lbfgs: the same ``n_iter_`` and the final loss within 1e-6 relative (short runs: longer ones
  can be chaotic in scikit-learn itself, see docs/guide/parity.rst).

The runs are a few epochs long so that the suite stays quick on two cores.
"""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import neural_network as sk
from sklearn.datasets import (
    load_diabetes,
    load_digits,
    load_iris,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

import neurona

SEEDS = [0, 1, 2]


def _digits():
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16.0, y[:600]


def _digits_binary():
    X, y = load_digits(n_class=2, return_X_y=True)
    return X / 16.0, y


def _iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _diabetes():
    X, y = load_diabetes(return_X_y=True)
    return StandardScaler().fit_transform(X), (y - y.mean()) / y.std()


def _multilabel():
    return make_multilabel_classification(n_samples=120, n_features=10, n_classes=4, random_state=0)


def _multioutput():
    X, y = make_regression(n_samples=150, n_features=8, n_targets=3, noise=5.0, random_state=0)
    return StandardScaler().fit_transform(X), y / y.std(axis=0)


DATASETS = {
    "digits": (_digits, "clf"),
    "digits-binary": (_digits_binary, "clf"),
    "iris": (_iris, "clf"),
    "diabetes": (_diabetes, "reg"),
    "multilabel": (_multilabel, "clf"),
    "multioutput": (_multioutput, "reg"),
}

_cache = {}


def data(name):
    if name not in _cache:
        _cache[name] = DATASETS[name][0]()
    return _cache[name]


def pair(name, **params):
    """scikit-learn's estimator and neurona's, with the same parameters."""
    if DATASETS[name][1] == "clf":
        return sk.MLPClassifier(**params), neurona.MLPClassifier(**params)
    return sk.MLPRegressor(**params), neurona.MLPRegressor(**params)


def fit_both(name, **params):
    X, y = data(name)
    theirs, ours = pair(name, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)
        ours.fit(X, y)
    return X, theirs, ours


HIDDEN = {"hidden_layer_sizes": (24,)}

STOCHASTIC = {
    "adam": dict(solver="adam", learning_rate_init=0.01),
    "sgd-nesterov": dict(solver="sgd", learning_rate_init=0.05, momentum=0.9, nesterovs_momentum=True),
    "sgd-momentum": dict(solver="sgd", learning_rate_init=0.05, momentum=0.9, nesterovs_momentum=False),
    "sgd-plain": dict(solver="sgd", learning_rate_init=0.1, momentum=0.0),
    "sgd-invscaling": dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.1, power_t=0.3),
    # tol and patience make the schedule divide the rate within the few epochs run.
    "sgd-adaptive": dict(solver="sgd", learning_rate="adaptive", learning_rate_init=0.1, tol=0.05, n_iter_no_change=1),
    "adam-early-stopping": dict(solver="adam", learning_rate_init=0.01, early_stopping=True, validation_fraction=0.2),
    "sgd-early-stopping": dict(solver="sgd", learning_rate_init=0.05, early_stopping=True, validation_fraction=0.2),
    "adam-two-layers-tanh": dict(solver="adam", learning_rate_init=0.01, hidden_layer_sizes=(16, 8), activation="tanh"),
    "adam-logistic-batch-32": dict(solver="adam", learning_rate_init=0.01, activation="logistic", batch_size=32),
}

STOCHASTIC_CASES = [
    (dataset, config)
    for dataset in ["digits", "iris", "diabetes"]
    for config in STOCHASTIC
] + [
    ("digits-binary", "adam-early-stopping"),
    ("digits-binary", "sgd-nesterov"),
    ("multilabel", "adam"),
    ("multilabel", "sgd-early-stopping"),
    ("multioutput", "adam"),
    ("multioutput", "sgd-early-stopping"),
]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("activation", ["relu", "logistic"])
@pytest.mark.parametrize("dataset", list(DATASETS))
def test_initial_weights_are_identical(dataset, activation, seed):
    # One epoch at a learning rate of 1e-300 changes no weight: what is left is the
    # initialisation (Glorot-uniform, factor 2 for logistic hidden units, 6 otherwise).
    _, theirs, ours = fit_both(
        dataset,
        solver="sgd",
        momentum=0.0,
        learning_rate_init=1e-300,
        max_iter=1,
        shuffle=False,
        activation=activation,
        hidden_layer_sizes=(12, 5),
        random_state=seed,
    )
    for a, b in zip(theirs.coefs_ + theirs.intercepts_, ours.coefs_ + ours.intercepts_):
        assert a.dtype == b.dtype
        assert_array_equal(a, b)


def _assert_same_predictions(X, theirs, ours):
    if isinstance(theirs, sk.MLPClassifier):
        assert_array_equal(theirs.predict(X), ours.predict(X))
        assert_allclose(theirs.predict_proba(X), ours.predict_proba(X), rtol=1e-6, atol=1e-12)
    else:
        assert_allclose(theirs.predict(X), ours.predict(X), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dataset, config", STOCHASTIC_CASES)
def test_stochastic_fits_match(dataset, config, seed):
    params = {**HIDDEN, "max_iter": 8, "random_state": seed, **STOCHASTIC[config]}
    X, theirs, ours = fit_both(dataset, **params)
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.t_ == theirs.t_
    assert len(ours.loss_curve_) == len(theirs.loss_curve_)
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-6)
    assert_allclose(ours.loss_, theirs.loss_, rtol=1e-6)
    if theirs.early_stopping:
        assert ours.best_loss_ is None
        assert_allclose(ours.validation_scores_, theirs.validation_scores_, rtol=1e-6)
        assert_allclose(ours.best_validation_score_, theirs.best_validation_score_, rtol=1e-6)
    else:
        assert ours.validation_scores_ is None
        assert_allclose(ours.best_loss_, theirs.best_loss_, rtol=1e-6)
    assert ours._no_improvement_count == theirs._no_improvement_count
    assert_allclose(ours._optimizer.learning_rate, theirs._optimizer.learning_rate, rtol=1e-6)
    if isinstance(theirs, sk.MLPClassifier):
        assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.out_activation_ == theirs.out_activation_
    assert (ours.n_layers_, ours.n_outputs_) == (theirs.n_layers_, theirs.n_outputs_)
    _assert_same_predictions(X, theirs, ours)


def test_the_adaptive_schedule_was_exercised():
    # The adaptive case above must divide the learning rate, or it tests nothing new.
    _, theirs, ours = fit_both("iris", **HIDDEN, max_iter=8, random_state=0, **STOCHASTIC["sgd-adaptive"])
    assert theirs._optimizer.learning_rate < 0.1
    assert ours._optimizer.learning_rate == pytest.approx(theirs._optimizer.learning_rate)


LBFGS_CASES = ["digits", "digits-binary", "iris", "diabetes", "multilabel", "multioutput"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dataset", LBFGS_CASES)
def test_lbfgs_fits_match(dataset, seed):
    X, theirs, ours = fit_both(dataset, solver="lbfgs", max_iter=25, random_state=seed, **HIDDEN)
    assert ours.n_iter_ == theirs.n_iter_
    assert_allclose(ours.loss_, theirs.loss_, rtol=1e-6)
    for name in ["loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_"]:
        assert not hasattr(ours, name) and not hasattr(theirs, name)
    _assert_same_predictions(X, theirs, ours)


@pytest.mark.parametrize("seed", SEEDS)
def test_partial_fit_matches(seed):
    X, y = data("iris")
    theirs, ours = pair("iris", solver="sgd", learning_rate_init=0.05, random_state=seed, **HIDDEN)
    for _ in range(5):
        theirs.partial_fit(X, y, classes=[0, 1, 2])
        ours.partial_fit(X, y, classes=[0, 1, 2])
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-6)
    _assert_same_predictions(X, theirs, ours)


@pytest.mark.parametrize("seed", SEEDS)
def test_warm_start_matches(seed):
    params = dict(solver="adam", learning_rate_init=0.01, warm_start=True, max_iter=4, random_state=seed, **HIDDEN)
    X, theirs, ours = fit_both("diabetes", **params)
    _, y = data("diabetes")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)
        ours.fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-6)
    _assert_same_predictions(X, theirs, ours)


def test_sample_weights_match():
    X, y = data("iris")
    sample_weight = np.random.RandomState(0).uniform(0.5, 2.0, size=len(y))
    theirs, ours = pair("iris", solver="adam", learning_rate_init=0.01, max_iter=6, random_state=0, **HIDDEN)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y, sample_weight=sample_weight)
        ours.fit(X, y, sample_weight=sample_weight)
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-6)
    _assert_same_predictions(X, theirs, ours)


def test_float32_trains_in_float32_and_matches():
    X, y = data("iris")
    X = X.astype(np.float32)
    theirs, ours = pair("iris", solver="adam", learning_rate_init=0.01, max_iter=5, random_state=0, **HIDDEN)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        theirs.fit(X, y)
        ours.fit(X, y)
    assert all(c.dtype == np.float32 for c in ours.coefs_ + ours.intercepts_)
    assert ours.predict_proba(X).dtype == np.float32
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-4)
    assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("make_state", ["instance", "global"])
def test_random_state_instances_and_none_advance_numpy_streams_as_scikit_learn(make_state):
    X, y = data("iris")
    params = dict(solver="sgd", learning_rate_init=0.05, max_iter=3, **HIDDEN)
    results = []
    for cls in (sk.MLPClassifier, neurona.MLPClassifier):
        if make_state == "instance":
            stream = np.random.RandomState(7)
            estimator = cls(random_state=stream, **params)
        else:
            np.random.seed(7)
            stream = np.random.mtrand._rand
            estimator = cls(random_state=None, **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            estimator.fit(X, y)
            estimator.fit(X, y)  # a second fit draws on from where the first left the stream
        results.append((estimator, stream.get_state(legacy=True), stream.random_sample()))
    (theirs, their_state, their_next), (ours, our_state, our_next) = results
    assert_array_equal(their_state[1], our_state[1])
    assert their_state[2:] == our_state[2:]
    assert their_next == our_next
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-6)
