"""Threads: the estimators' ``n_jobs`` and the process-wide ``neurona.set_num_threads``. The
results must be bit-identical whatever the number of threads."""

import os
import pickle
import sys
import warnings

import numpy as np
import pytest
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from sklearn.utils._param_validation import InvalidParameterError

import neurona
from neurona import MLPClassifier, MLPRegressor


def _data(n_samples=600, n_features=64, seed=0):
    """Random data wide enough that the products of a 64-256 network at batch 200 are split
    among threads (about 3 million multiply-adds each)."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n_samples, n_features))
    y = (X[:, :3].sum(axis=1) > 0).astype(int) + (X[:, 3] > 0.5)
    return X, y


def _fit(model, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return model.fit(X, y)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_results_are_bit_identical_whatever_n_jobs(estimator, dtype):
    X, y = _data()
    X = X.astype(dtype)
    params = dict(hidden_layer_sizes=(256,), batch_size=200, max_iter=3, random_state=0)
    models = [_fit(estimator(n_jobs=n_jobs, **params), X, y) for n_jobs in (1, 2, None, -1)]
    first = models[0]
    predict = "predict_proba" if estimator is MLPClassifier else "predict"
    for model in models[1:]:
        for a, b in zip(first.coefs_ + first.intercepts_, model.coefs_ + model.intercepts_):
            assert_array_equal(a, b)
        assert first.loss_curve_ == model.loss_curve_
        for n_jobs in (1, 2):
            model.set_params(n_jobs=n_jobs)
            assert_array_equal(getattr(first, predict)(X), getattr(model, predict)(X))
            assert_array_equal(first.predict(X[:3]), model.predict(X[:3]))


def test_partial_fit_and_score_take_n_jobs():
    X, y = _data()
    models = [MLPClassifier(hidden_layer_sizes=(256,), batch_size=200, random_state=0, n_jobs=n) for n in (1, 2)]
    for model in models:
        for _ in range(2):
            model.partial_fit(X, y, classes=np.unique(y))
    assert_array_equal(models[0].coefs_[0], models[1].coefs_[0])
    assert models[0].loss_curve_ == models[1].loss_curve_
    assert models[0].score(X, y) == models[1].score(X, y)


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
def test_n_jobs_zero_is_refused_as_scikit_learn_refuses_parameters(estimator):
    X, y = _data(n_samples=20, n_features=4)
    with pytest.raises(InvalidParameterError, match="The 'n_jobs' parameter of .* must be an int in the range"):
        estimator(n_jobs=0).fit(X, y)
    with pytest.raises(InvalidParameterError, match="n_jobs"):
        estimator(n_jobs=1.5).fit(X, y)
    model = _fit(estimator(hidden_layer_sizes=(3,), max_iter=5, random_state=0), X, y)
    # Parameters are validated at fit, as in scikit-learn; the core refuses 0 at predict time.
    model.set_params(n_jobs=0)
    with pytest.raises(ValueError, match="n_jobs must be a positive or negative integer or None, got 0"):
        model.predict(X)


def test_n_jobs_is_a_parameter_like_the_others():
    model = MLPClassifier(n_jobs=2)
    assert model.get_params()["n_jobs"] == 2
    assert MLPClassifier().get_params()["n_jobs"] is None
    assert clone(model).n_jobs == 2
    assert "n_jobs=2" in repr(model)
    X, y = _data(n_samples=60, n_features=4)
    search = GridSearchCV(MLPClassifier(hidden_layer_sizes=(4,), max_iter=20, random_state=0), {"n_jobs": [1, 2]}, cv=2)
    _fit(search, X, y)
    # Same results whatever n_jobs: the first candidate wins the tie.
    assert search.cv_results_["mean_test_score"][0] == search.cv_results_["mean_test_score"][1]
    assert search.best_params_ == {"n_jobs": 1}


def test_pickles_keep_n_jobs_and_older_pickles_get_the_default():
    X, y = _data(n_samples=60, n_features=4)
    model = _fit(MLPRegressor(hidden_layer_sizes=(4,), max_iter=20, random_state=0, n_jobs=2), X, y)
    assert pickle.loads(pickle.dumps(model)).n_jobs == 2
    state = model.__getstate__()
    del state["params"]["n_jobs"]
    older = MLPRegressor.__new__(MLPRegressor)
    older.__setstate__(state)
    assert older.n_jobs is None
    assert_array_equal(older.predict(X), model.predict(X))


def test_set_num_threads_round_trip():
    default = neurona.get_num_threads()
    assert default >= 1
    try:
        neurona.set_num_threads(1)
        assert neurona.get_num_threads() == 1
        neurona.set_num_threads(-1)
        assert neurona.get_num_threads() == default
        neurona.set_num_threads(10_000)
        assert neurona.get_num_threads() == default  # never more than the cores
        with pytest.raises(ValueError, match="got 0"):
            neurona.set_num_threads(0)
        assert neurona.get_num_threads() == default
    finally:
        neurona.set_num_threads(None)
    assert neurona.get_num_threads() == default


def test_set_num_threads_does_not_change_results():
    X, y = _data()
    params = dict(hidden_layer_sizes=(256,), batch_size=200, max_iter=2, random_state=0)
    try:
        neurona.set_num_threads(1)
        one = _fit(MLPClassifier(**params), X, y)
    finally:
        neurona.set_num_threads(None)
    every = _fit(MLPClassifier(**params), X, y)
    assert_array_equal(one.coefs_[0], every.coefs_[0])
    assert one.loss_curve_ == every.loss_curve_


def _thread_report():
    """What a fit sees in this process: the thread cap its products consult, the environment's
    OpenMP limit, and the weights of a small fit."""
    X, y = _data(n_samples=300)
    model = _fit(MLPClassifier(hidden_layer_sizes=(256,), batch_size=200, max_iter=2, random_state=0), X, y)
    return neurona.get_num_threads(), os.environ.get("OMP_NUM_THREADS"), model.coefs_[0]


def _cores():
    neurona.set_num_threads(-1)
    try:
        return neurona.get_num_threads()
    finally:
        neurona.set_num_threads(None)


def test_threadpoolctl_lists_neurona_and_its_limits_apply():
    from threadpoolctl import threadpool_info, threadpool_limits

    [entry] = [lib for lib in threadpool_info() if lib["internal_api"] == "neurona"]
    assert entry["user_api"] == "neurona" and entry["version"] == neurona.__version__
    before = neurona.get_num_threads()
    assert entry["num_threads"] == before
    free = _thread_report()
    with threadpool_limits(limits=1):
        limited = _thread_report()
    assert limited[0] == 1
    assert neurona.get_num_threads() == before
    assert_array_equal(limited[2], free[2])


def test_a_fit_in_a_joblib_worker_follows_the_workers_thread_limit():
    # joblib's worker processes get OMP_NUM_THREADS = cores // workers (as scikit-learn's
    # cross_validate(n_jobs=2) runs them), so that two workers do not each run a pool as wide
    # as the machine.
    from joblib import Parallel, delayed
    import cloudpickle

    # The workers cannot import this test module: its functions travel by value.
    cloudpickle.register_pickle_by_value(sys.modules[__name__])
    try:
        reports = Parallel(n_jobs=2, backend="loky")(delayed(_thread_report)() for _ in range(2))
    finally:
        cloudpickle.unregister_pickle_by_value(sys.modules[__name__])
    here = _thread_report()
    for threads, omp_num_threads, coefs in reports:
        assert omp_num_threads is not None
        assert threads == min(int(omp_num_threads), _cores())
        assert_array_equal(coefs, here[2])
