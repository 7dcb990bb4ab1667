"""``neurona.Perceptron`` and ``neurona.BernoulliRBM`` against scikit-learn installed beside
them: same parameters, same data, same ``random_state``, same numbers; pipelines."""

import pickle
import warnings

import numpy as np
import pytest
import sklearn.linear_model as sk_linear
import sklearn.neural_network as sk_nn
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import InvalidParameterError

import neurona


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


def _both(cls_name, module, **params):
    """scikit-learn's estimator and neurona's, each with its own copy of the parameters (a
    RandomState instance is copied, so that both start from the same state)."""
    ours = getattr(neurona, cls_name)(**params)
    return getattr(module, cls_name)(**params), clone(ours, safe=False).set_params(
        **{k: pickle.loads(pickle.dumps(v)) for k, v in params.items()}
    )


def _fit_quietly(estimator, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(*args, **kwargs)


def assert_same_perceptron(ref, ours, X):
    assert_array_equal(ours.classes_, ref.classes_)
    assert ours.coef_.dtype == ref.coef_.dtype
    assert ours.intercept_.dtype == ref.intercept_.dtype
    assert_array_equal(ours.coef_, ref.coef_)
    assert_array_equal(ours.intercept_, ref.intercept_)
    assert ours.n_iter_ == ref.n_iter_
    assert ours.t_ == ref.t_
    assert_array_equal(ours.predict(X), ref.predict(X))


# ---------------------------------------------------------------------- Perceptron


def test_perceptron_signature_and_defaults():
    import inspect

    assert inspect.signature(neurona.Perceptron) == inspect.signature(sk_linear.Perceptron)
    assert neurona.Perceptron().get_params() == sk_linear.Perceptron().get_params()
    assert not hasattr(neurona.Perceptron(), "predict_proba")


@pytest.mark.parametrize("dataset", ["iris", "digits"])
@pytest.mark.parametrize("penalty", [None, "l2", "l1", "elasticnet"])
@pytest.mark.parametrize("random_state", [0, 1, 2])
def test_perceptron_parity(dataset, penalty, random_state, request):
    X, y = request.getfixturevalue(dataset)
    params = dict(penalty=penalty, alpha=1e-4, random_state=random_state)
    ref, ours = _both("Perceptron", sk_linear, **params)
    _fit_quietly(ref, X, y)
    _fit_quietly(ours, X, y)
    assert_same_perceptron(ref, ours, X)
    # The dot products sum in another order than BLAS: equal to the last bits.
    assert_allclose(ours.decision_function(X), ref.decision_function(X), rtol=1e-13, atol=1e-12)
    assert ours.score(X, y) == ref.score(X, y)


@pytest.mark.parametrize(
    "params",
    [
        dict(early_stopping=True, random_state=3),
        dict(class_weight="balanced", penalty="l2"),
        dict(class_weight={0: 2.0, 2: 0.5}, shuffle=False),
        dict(fit_intercept=False, eta0=0.1, tol=None, max_iter=7),
    ],
)
def test_perceptron_parity_options(iris, params):
    X, y = iris
    ref, ours = _both("Perceptron", sk_linear, **params)
    _fit_quietly(ref, X, y)
    _fit_quietly(ours, X, y)
    assert_same_perceptron(ref, ours, X)


def test_perceptron_parity_binary_float32_weights_and_strings(iris):
    X, y = iris
    X = X[y > 0].astype(np.float32)
    y = np.array(["versicolor", "virginica"])[y[y > 0] - 1]
    sw = np.linspace(0.5, 2.0, len(y))
    ref, ours = _both("Perceptron", sk_linear, penalty="elasticnet", random_state=1)
    _fit_quietly(ref, X, y, sample_weight=sw)
    _fit_quietly(ours, X, y, sample_weight=sw)
    assert_same_perceptron(ref, ours, X)
    assert ours.decision_function(X).shape == (len(y),)


def test_perceptron_random_state_instance_and_global(iris):
    X, y = iris
    ref, ours = _both("Perceptron", sk_linear, random_state=np.random.RandomState(5))
    ref.fit(X, y)
    ours.fit(X, y)
    assert_same_perceptron(ref, ours, X)
    # The instance advanced the same way.
    assert ours.random_state.randint(1 << 30) == ref.random_state.randint(1 << 30)
    ref, ours = _both("Perceptron", sk_linear, random_state=None)
    np.random.seed(11)
    ref.fit(X, y)
    after_ref = np.random.randint(1 << 30)
    np.random.seed(11)
    ours.fit(X, y)
    assert np.random.randint(1 << 30) == after_ref
    assert_same_perceptron(ref, ours, X)


def test_perceptron_partial_fit_and_warm_start_parity(iris):
    X, y = iris
    ref, ours = _both("Perceptron", sk_linear, random_state=0)
    for start in range(0, 150, 50):
        rows = slice(start, start + 50)
        ref.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
        ours.partial_fit(X[rows], y[rows], classes=[0, 1, 2])
        assert_same_perceptron(ref, ours, X)
    ref, ours = _both("Perceptron", sk_linear, warm_start=True, max_iter=3, tol=None)
    for _ in range(2):
        ref.fit(X, y)
        ours.fit(X, y)
        assert_same_perceptron(ref, ours, X)


def test_perceptron_errors(iris):
    X, y = iris
    with pytest.raises(InvalidParameterError, match="eta0"):
        neurona.Perceptron(eta0=0).fit(X, y)
    with pytest.raises(InvalidParameterError, match="penalty"):
        neurona.Perceptron(penalty="l3").fit(X, y)
    # Not fitted, a wrong width, NaN: test_conformance.py.
    with pytest.raises(ValueError, match="classes must be passed"):
        neurona.Perceptron().partial_fit(X, y)
    with pytest.raises(ValueError, match="balanced"):
        neurona.Perceptron(class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])
    with pytest.warns(ConvergenceWarning, match="Maximum number of iteration"):
        neurona.Perceptron(max_iter=1).fit(X, y)


# ---------------------------------------------------------------------- BernoulliRBM


def test_rbm_signature_and_defaults():
    import inspect

    assert inspect.signature(neurona.BernoulliRBM) == inspect.signature(sk_nn.BernoulliRBM)
    assert neurona.BernoulliRBM().get_params() == sk_nn.BernoulliRBM().get_params()


@pytest.mark.parametrize("random_state", [0, 1])
def test_rbm_parity_digits(digits, random_state):
    X, _ = digits
    ref, ours = _both("BernoulliRBM", sk_nn, n_components=24, n_iter=3, random_state=random_state)
    ref.fit(X)
    ours.fit(X)
    assert_allclose(ours.components_, ref.components_, rtol=0, atol=1e-10)
    assert_allclose(ours.intercept_hidden_, ref.intercept_hidden_, rtol=0, atol=1e-10)
    assert_allclose(ours.intercept_visible_, ref.intercept_visible_, rtol=0, atol=1e-10)
    assert_array_equal(ours.h_samples_, ref.h_samples_)
    assert_allclose(ours.score_samples(X), ref.score_samples(X), rtol=0, atol=1e-9)
    hidden = 1.0 / (1.0 + np.exp(-(X @ ours.components_.T + ours.intercept_hidden_)))
    assert_allclose(ours.transform(X), hidden, rtol=1e-12, atol=1e-14)
    assert_array_equal(ours.gibbs(X[:50]), ref.gibbs(X[:50]))


def test_rbm_parity_random_state_instance_and_partial_fit(digits):
    X, _ = digits
    ref, ours = _both(
        "BernoulliRBM", sk_nn, n_components=16, n_iter=2, random_state=np.random.RandomState(7)
    )
    ref.fit(X)
    ours.fit(X)
    assert_allclose(ours.components_, ref.components_, rtol=0, atol=1e-10)
    assert_allclose(ours.score_samples(X), ref.score_samples(X), rtol=0, atol=1e-9)
    assert ours.random_state.randint(1 << 30) == ref.random_state.randint(1 << 30)
    ref, ours = _both("BernoulliRBM", sk_nn, n_components=16, random_state=3)
    for batch in np.array_split(X[:400], 8):
        assert ref.partial_fit(batch) is None
        assert ours.partial_fit(batch) is None
    assert_allclose(ours.components_, ref.components_, rtol=0, atol=1e-10)
    assert_array_equal(ours.h_samples_, ref.h_samples_)
    assert_array_equal(ours.gibbs(X[:20]), ref.gibbs(X[:20]))


def test_rbm_errors(digits):
    X, _ = digits
    with pytest.raises(InvalidParameterError, match="n_components"):
        neurona.BernoulliRBM(n_components=0).fit(X)
    # Not fitted, a wrong width, NaN: test_conformance.py.


# ---------------------------------------------------------------------- pipelines


def test_pipeline_rbm_features_then_classifier(digits):
    """scikit-learn's RBM example: RBM features, then a classifier, in one Pipeline."""
    X, y = digits
    X_train, y_train, X_test, y_test = X[:1400], y[:1400], X[1400:], y[1400:]

    def pipeline(module, classifier):
        rbm = module.BernoulliRBM(n_components=32, learning_rate=0.06, n_iter=5, random_state=0)
        return Pipeline([("rbm", rbm), ("clf", classifier)])

    ref = pipeline(sk_nn, sk_linear.Perceptron(random_state=0))
    ours = pipeline(neurona, neurona.Perceptron(random_state=0))
    _fit_quietly(ref, X_train, y_train)
    _fit_quietly(ours, X_train, y_train)
    assert_array_equal(ours.predict(X_test), ref.predict(X_test))
    logistic = pipeline(neurona, LogisticRegression(max_iter=500)).fit(X_train, y_train)
    assert logistic.score(X_test, y_test) > 0.6
    assert list(clone(ours)[:-1].fit(X_train).get_feature_names_out())[:2] == [
        "bernoullirbm0",
        "bernoullirbm1",
    ]
