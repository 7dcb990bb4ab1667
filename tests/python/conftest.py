"""pytest set-up for the Python package's tests.

scikit-learn's own MLP test module ships inside the installed scikit-learn
(``sklearn/neural_network/tests/test_mlp.py``). It is imported here, before collection, with
``sklearn.neural_network.MLPClassifier`` and ``MLPRegressor`` temporarily replaced by neurona's
classes, so that its module-level names and its ``parametrize`` lists (evaluated at import)
all refer to neurona. scikit-learn's originals are put back right after, for the parity tests.
``test_sklearn_suite.py`` collects the imported tests. scikit-learn's RBM tests
(``test_rbm.py``) are imported the same way with ``BernoulliRBM`` replaced, and collected by
``test_sklearn_rbm_suite.py``. No upstream test code is copied.
"""

import importlib
import sys

import pytest
import sklearn.neural_network

import neurona

UPSTREAM = "sklearn.neural_network.tests.test_mlp"
#: The name under which the substituted copy of the upstream module is importable.
SUBSTITUTED = "neurona_upstream_test_mlp"


def _import_upstream_with_neurona():
    originals = sklearn.neural_network.MLPClassifier, sklearn.neural_network.MLPRegressor
    cached = sys.modules.pop(UPSTREAM, None)
    sklearn.neural_network.MLPClassifier = neurona.MLPClassifier
    sklearn.neural_network.MLPRegressor = neurona.MLPRegressor
    try:
        module = importlib.import_module(UPSTREAM)
    finally:
        sklearn.neural_network.MLPClassifier, sklearn.neural_network.MLPRegressor = originals
        sys.modules.pop(UPSTREAM, None)
        if cached is not None:
            sys.modules[UPSTREAM] = cached
    assert module.MLPClassifier is neurona.MLPClassifier
    assert module.MLPRegressor is neurona.MLPRegressor
    sys.modules[SUBSTITUTED] = module
    return module


_import_upstream_with_neurona()

RBM_UPSTREAM = "sklearn.neural_network.tests.test_rbm"
#: The name under which the substituted copy of scikit-learn's RBM tests is importable.
RBM_SUBSTITUTED = "neurona_upstream_test_rbm"


def _import_upstream_rbm_with_neurona():
    """scikit-learn's ``test_rbm.py``, imported with ``sklearn.neural_network.BernoulliRBM``
    replaced by neurona's (as for the MLP tests above)."""
    original = sklearn.neural_network.BernoulliRBM
    cached = sys.modules.pop(RBM_UPSTREAM, None)
    sklearn.neural_network.BernoulliRBM = neurona.BernoulliRBM
    try:
        module = importlib.import_module(RBM_UPSTREAM)
    finally:
        sklearn.neural_network.BernoulliRBM = original
        sys.modules.pop(RBM_UPSTREAM, None)
        if cached is not None:
            sys.modules[RBM_UPSTREAM] = cached
    assert module.BernoulliRBM is neurona.BernoulliRBM
    sys.modules[RBM_SUBSTITUTED] = module
    return module


_import_upstream_rbm_with_neurona()


@pytest.fixture
def global_random_seed():
    """scikit-learn's fixture, at its default seed (42) when SKLEARN_TESTS_GLOBAL_RANDOM_SEED
    is not set."""
    return 42
