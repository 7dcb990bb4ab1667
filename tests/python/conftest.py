"""pytest set-up for the Python package's tests.

scikit-learn's own MLP and RBM test modules ship inside the installed scikit-learn
(``sklearn/neural_network/tests/test_mlp.py`` and ``test_rbm.py``). They are imported here,
before collection, with ``sklearn.neural_network.MLPClassifier``, ``MLPRegressor`` and
``BernoulliRBM`` temporarily replaced by neurona's classes, so that their module-level names and
their ``parametrize`` lists (evaluated at import) all refer to neurona. scikit-learn's originals
are put back right after, for the parity tests. ``test_sklearn_suite.py`` collects the imported
tests. No upstream test code is copied.
"""

import importlib
import sys
import threading
import time

import pytest
import sklearn.neural_network
from sklearn.datasets import load_iris

import neurona

#: scikit-learn's test modules run against neurona: the module, the name under which the copy
#: with neurona's classes substituted is importable, and the classes substituted.
UPSTREAMS = [
    ("sklearn.neural_network.tests.test_mlp", "neurona_upstream_test_mlp", ("MLPClassifier", "MLPRegressor")),
    ("sklearn.neural_network.tests.test_rbm", "neurona_upstream_test_rbm", ("BernoulliRBM",)),
]


def _import_upstream_with_neurona(upstream, substituted, names):
    originals = {name: getattr(sklearn.neural_network, name) for name in names}
    cached = sys.modules.pop(upstream, None)
    for name in names:
        setattr(sklearn.neural_network, name, getattr(neurona, name))
    try:
        module = importlib.import_module(upstream)
    finally:
        for name, original in originals.items():
            setattr(sklearn.neural_network, name, original)
        sys.modules.pop(upstream, None)
        if cached is not None:
            sys.modules[upstream] = cached
    for name in names:
        assert getattr(module, name) is getattr(neurona, name)
    sys.modules[substituted] = module


for _upstream in UPSTREAMS:
    _import_upstream_with_neurona(*_upstream)


@pytest.fixture(scope="session")
def iris():
    """iris's ``(X, y)``."""
    return load_iris(return_X_y=True)


@pytest.fixture
def global_random_seed():
    """scikit-learn's fixture, at its default seed (42) when SKLEARN_TESTS_GLOBAL_RANDOM_SEED
    is not set."""
    return 42


@pytest.fixture
def releases_the_gil():
    """A check that ``call()`` releases the GIL while Rust computes: a loop in this thread
    counts while it runs in another. With the GIL held for the whole call, the loop could not
    run, so a call that lasts (50 ms or more) must leave it many turns."""

    def check(call):
        done = threading.Event()

        def run():
            call()
            done.set()

        thread = threading.Thread(target=run)
        start = time.perf_counter()
        thread.start()
        spins = 0
        while not done.is_set():
            spins += 1
        thread.join()
        elapsed = time.perf_counter() - start
        assert elapsed < 0.05 or spins > 1000, f"{spins} turns in {elapsed:.3f} s"

    return check
