"""scikit-learn's estimator checks for both estimators, with the settings scikit-learn uses for
its own MLPs (``sklearn/utils/_test_common/instance_generator.py``): ``max_iter=100``, and the
sample-weight-equivalence check run with the solvers it is run with upstream."""

from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from neurona import MLPClassifier, MLPRegressor

# scikit-learn's PER_ESTIMATOR_CHECK_PARAMS for MLPClassifier and MLPRegressor.
PER_CHECK_PARAMS = {
    MLPClassifier: {
        "check_sample_weight_equivalence_on_dense_data": [dict(solver="lbfgs")],
    },
    MLPRegressor: {
        "check_sample_weight_equivalence_on_dense_data": [
            dict(solver="sgd", tol=1e-2, random_state=42)
        ],
    },
}


@parametrize_with_checks([MLPClassifier(max_iter=100), MLPRegressor(max_iter=100)])
def test_sklearn_estimator_checks(estimator, check):
    name = getattr(check, "func", check).__name__
    for params in PER_CHECK_PARAMS[type(estimator)].get(name, [{}]):
        check(clone(estimator).set_params(**params))
