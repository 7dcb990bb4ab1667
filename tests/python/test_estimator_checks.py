"""scikit-learn's estimator checks for every estimator, with the settings scikit-learn uses for
its own (``sklearn/utils/_test_common/instance_generator.py``): ``max_iter=100`` for the MLPs,
with the sample-weight-equivalence check run with the solvers it is run with upstream;
``max_iter=5`` for the perceptron; ``n_iter=5, batch_size=10`` for the RBM (``n_components=1``
for ``check_dict_unchanged``); and the checks scikit-learn expects its own perceptron and RBM to
fail marked x-fail."""

from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from neurona import BernoulliRBM, MLPClassifier, MLPRegressor, Perceptron

# scikit-learn's PER_ESTIMATOR_CHECK_PARAMS: the parameter sets each check runs with.
PER_CHECK_PARAMS = {
    MLPClassifier: {
        "check_sample_weight_equivalence_on_dense_data": [dict(solver="lbfgs")],
    },
    MLPRegressor: {
        "check_sample_weight_equivalence_on_dense_data": [
            dict(solver="sgd", tol=1e-2, random_state=42)
        ],
    },
    BernoulliRBM: {"check_dict_unchanged": [dict(n_components=1, n_iter=5)]},
    Perceptron: {},
}

# scikit-learn's PER_ESTIMATOR_XFAIL_CHECKS for its own perceptron and RBM: the RBM's
# score_samples draws a random feature per row, so it changes with the order and the subset of
# rows; the perceptron's sample weights scale its updates, which is not the same as repeating
# samples (an epoch visits a repeated sample twice, each time at the current weights).
_SAMPLE_WEIGHT = "sample_weight is not equivalent to removing/repeating samples."
EXPECTED_FAILED = {
    MLPClassifier: {},
    MLPRegressor: {},
    BernoulliRBM: {
        "check_methods_subset_invariance": "fails for the decision_function method",
        "check_methods_sample_order_invariance": "fails for the score_samples method",
    },
    Perceptron: {
        "check_sample_weight_equivalence_on_dense_data": _SAMPLE_WEIGHT,
        "check_sample_weight_equivalence_on_sparse_data": _SAMPLE_WEIGHT,
    },
}


@parametrize_with_checks(
    [
        MLPClassifier(max_iter=100),
        MLPRegressor(max_iter=100),
        Perceptron(max_iter=5),
        BernoulliRBM(n_iter=5, batch_size=10),
    ],
    expected_failed_checks=lambda est: EXPECTED_FAILED[type(est)],
)
def test_sklearn_estimator_checks(estimator, check):
    name = getattr(check, "func", check).__name__
    for params in PER_CHECK_PARAMS[type(estimator)].get(name, [{}]):
        check(clone(estimator).set_params(**params))
