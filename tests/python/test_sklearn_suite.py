"""scikit-learn's own MLP test suite, run against neurona.

Every test function of the installed scikit-learn's ``sklearn/neural_network/tests/test_mlp.py``
is collected here, with neurona's ``MLPClassifier`` and ``MLPRegressor`` substituted for
scikit-learn's (see conftest.py), except the ones in ``EXCLUDED``, which test scikit-learn's
private helpers rather than the estimators' public behaviour.
"""

import neurona_upstream_test_mlp as upstream

import neurona

#: Upstream tests not run, and why (also listed in README.md).
EXCLUDED = {
    "test_gradient": "checks scikit-learn's private `_loss_grad_lbfgs` against finite "
    "differences; the core's finite-difference gradient tests cover the same maths",
}

_collected = {
    name: test
    for name, test in vars(upstream).items()
    if name.startswith("test_") and callable(test) and name not in EXCLUDED
}
globals().update(_collected)


def test_the_upstream_module_uses_neurona():
    assert upstream.MLPClassifier is neurona.MLPClassifier
    assert upstream.MLPRegressor is neurona.MLPRegressor
    assert set(EXCLUDED) <= {name for name in vars(upstream) if name.startswith("test_")}
    assert len(_collected) >= 40
