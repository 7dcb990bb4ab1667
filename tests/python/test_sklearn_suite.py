"""scikit-learn's own MLP and RBM test suites, run against neurona.

Every test function of the installed scikit-learn's ``sklearn/neural_network/tests/test_mlp.py``
and ``test_rbm.py`` is collected here, with neurona's ``MLPClassifier``, ``MLPRegressor`` and
``BernoulliRBM`` substituted for scikit-learn's (see conftest.py), except the ones in
``EXCLUDED``, which test scikit-learn's private helpers rather than the estimators' public
behaviour. The RBM's tests are collected as ``test_rbm__<name>`` (both modules have a
``test_fit``).
"""

import neurona_upstream_test_mlp as upstream_mlp
import neurona_upstream_test_rbm as upstream_rbm

import neurona

#: Upstream tests not run, and why (also listed in docs/guide/parity.rst).
EXCLUDED = {
    upstream_mlp: {
        "test_gradient": "checks scikit-learn's private `_loss_grad_lbfgs` against finite "
        "differences; the core's finite-difference gradient tests cover the same maths",
    },
    upstream_rbm: {
        "test_transform": "compares transform with scikit-learn's private `_mean_hiddens`; "
        "test_perceptron_rbm.py checks transform against the sigmoid formula instead",
        "test_sample_hiddens": "averages scikit-learn's private `_sample_hiddens` and "
        "`_mean_hiddens`; the core's unit tests check the hidden sampling",
    },
}
PREFIX = {upstream_mlp: "test_", upstream_rbm: "test_rbm__"}


def _upstream_tests(module):
    return {name: test for name, test in vars(module).items() if name.startswith("test_") and callable(test)}


_collected = {
    module: {
        PREFIX[module] + name[len("test_") :]: test
        for name, test in _upstream_tests(module).items()
        if name not in EXCLUDED[module]
    }
    for module in EXCLUDED
}
for _tests in _collected.values():
    globals().update(_tests)


def test_the_upstream_modules_use_neurona():
    assert upstream_mlp.MLPClassifier is neurona.MLPClassifier
    assert upstream_mlp.MLPRegressor is neurona.MLPRegressor
    assert upstream_rbm.BernoulliRBM is neurona.BernoulliRBM
    for module, excluded in EXCLUDED.items():
        assert set(excluded) <= set(_upstream_tests(module))
    assert len(_collected[upstream_mlp]) >= 40
    assert len(_collected[upstream_rbm]) >= 12
