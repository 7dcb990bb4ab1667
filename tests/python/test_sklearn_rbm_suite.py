"""scikit-learn's own RBM test suite, run against neurona.

Every test function of the installed scikit-learn's ``sklearn/neural_network/tests/test_rbm.py``
is collected here, with neurona's ``BernoulliRBM`` substituted for scikit-learn's (see
conftest.py), except the ones in ``EXCLUDED``, which call scikit-learn's private helpers.
"""

import neurona_upstream_test_rbm as upstream

import neurona

#: Upstream tests not run, and why (also listed in README.md).
EXCLUDED = {
    "test_transform": "compares transform with scikit-learn's private `_mean_hiddens`; "
    "test_perceptron_rbm.py checks transform against the sigmoid formula instead",
    "test_sample_hiddens": "averages scikit-learn's private `_sample_hiddens` and "
    "`_mean_hiddens`; the core's unit tests check the hidden sampling",
}

_collected = {
    name: test
    for name, test in vars(upstream).items()
    if name.startswith("test_") and callable(test) and name not in EXCLUDED
}
globals().update(_collected)


def test_the_upstream_module_uses_neurona():
    assert upstream.BernoulliRBM is neurona.BernoulliRBM
    assert set(EXCLUDED) <= {name for name in vars(upstream) if name.startswith("test_")}
    assert len(_collected) >= 12
