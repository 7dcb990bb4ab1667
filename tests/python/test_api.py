"""neurona's classes as scikit-learn code uses them: signatures, validation, errors, warnings,
pipelines, grid search, DataFrames, sparse input, threads."""

import ast
import inspect
import pathlib
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from numpy.testing import assert_allclose, assert_array_equal
from sklearn import neural_network as sk
from sklearn.base import clone
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError

import neurona
from neurona import MLPClassifier, MLPRegressor, _core

X_IRIS, Y_IRIS = load_iris(return_X_y=True)


@pytest.mark.parametrize("ours, theirs", [(MLPClassifier, sk.MLPClassifier), (MLPRegressor, sk.MLPRegressor)])
def test_signatures_defaults_and_params_are_scikit_learns(ours, theirs):
    # Plus neurona's own n_jobs, last and keyword-only (scikit-learn's MLPs have none).
    n_jobs = inspect.Parameter("n_jobs", inspect.Parameter.KEYWORD_ONLY, default=None)
    theirs_signature = inspect.signature(theirs)
    expected = theirs_signature.replace(parameters=[*theirs_signature.parameters.values(), n_jobs])
    assert inspect.signature(ours) == expected
    assert ours().get_params() == {**theirs().get_params(), "n_jobs": None}
    assert repr(ours(alpha=0.5)) == repr(theirs(alpha=0.5))
    assert inspect.signature(ours.fit) == inspect.signature(theirs.fit)
    assert inspect.signature(ours.partial_fit) == inspect.signature(theirs.partial_fit)


def test_the_regressors_first_positional_parameter_is_loss():
    model = MLPRegressor((50,))
    assert model.loss == (50,)
    messages = []
    for estimator in (model, sk.MLPRegressor((50,))):
        with pytest.raises(InvalidParameterError) as error:
            estimator.fit([[1.0], [2.0]], [1.0, 2.0])
        messages.append(str(error.value))
    # The set's order in the message follows the interpreter's string hashing.
    assert messages[0] == messages[1]
    assert messages[0].startswith("The 'loss' parameter of MLPRegressor must be a str among {")
    assert messages[0].endswith("}. Got (50,) instead.")


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(alpha=-1), "The 'alpha' parameter of MLPClassifier must be a float in the range [0.0, inf). Got -1 instead."),
        (dict(batch_size=0), "The 'batch_size' parameter of MLPClassifier must be a str among {'auto'} or an int in"),
        (dict(random_state="foo"), "The 'random_state' parameter of MLPClassifier must be an int in the range"),
        (dict(shuffle=1), "The 'shuffle' parameter of MLPClassifier must be an instance of"),
    ],
)
def test_parameters_are_validated_by_scikit_learn_at_fit(params, message):
    model = MLPClassifier(**params)  # __init__ only stores
    with pytest.raises(InvalidParameterError) as error:
        model.fit(X_IRIS, Y_IRIS)
    assert str(error.value).startswith(message)
    assert isinstance(error.value, ValueError) and isinstance(error.value, TypeError)


def test_hidden_layer_sizes_is_checked_as_scikit_learn_checks_it():
    with pytest.raises(ValueError, match=r"hidden_layer_sizes must be > 0, got \[5, 0\]\."):
        MLPClassifier(hidden_layer_sizes=(5, 0)).fit(X_IRIS, Y_IRIS)
    with pytest.raises(TypeError, match="'float' object cannot be interpreted as an integer"):
        MLPClassifier(hidden_layer_sizes=[10.5]).fit(X_IRIS, Y_IRIS)
    model = MLPClassifier(hidden_layer_sizes=(), solver="lbfgs", max_iter=50, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X_IRIS, Y_IRIS)
    assert model.n_layers_ == 2 and model.coefs_[0].shape == (4, 3)


def test_input_errors_are_scikit_learns():
    # NaN, infinity, a wrong width, empty input and not fitted: test_conformance.py.
    model = MLPClassifier(max_iter=2)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        model.fit(X_IRIS, Y_IRIS[:-1])
    with pytest.raises(ValueError, match="Unknown label type"):
        MLPClassifier().fit(X_IRIS, np.linspace(0, 1, len(X_IRIS)))
    with pytest.raises(ValueError, match="Sample weights must contain at least one non-zero number"):
        MLPRegressor().fit(X_IRIS, Y_IRIS, sample_weight=np.zeros(len(Y_IRIS)))


def test_the_core_maps_its_errors_to_python_exceptions():
    core = _core.Regressor(
        {**MLPRegressor()._core_params()},
        "float64",
    )
    with pytest.raises(NotFittedError):
        core.predict(np.zeros((2, 3)))
    with pytest.raises(TypeError, match="X must be a 2-D float64 array"):
        core.fit(np.zeros((2, 3), dtype=np.float32), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="X contains NaN at row 0"):
        core.fit(np.full((2, 3), np.nan), np.zeros((2, 1)))
    with pytest.raises(ValueError, match="model file"):
        _core.Regressor.from_bytes(b"not a model")
    with pytest.raises(ValueError, match="dtype must be"):
        _core.Regressor(MLPRegressor()._core_params(), "float16")


def test_partial_fit_is_absent_for_lbfgs_classifiers_only():
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    assert hasattr(MLPClassifier(solver="sgd"), "partial_fit")
    # scikit-learn's regressor keeps it (a guard bug), and runs a whole L-BFGS fit.
    assert hasattr(MLPRegressor(solver="lbfgs"), "partial_fit")


def test_partial_fit_rejects_early_stopping_and_changed_classes():
    model = MLPClassifier(solver="sgd", early_stopping=True)
    with pytest.raises(ValueError, match="partial_fit does not support early_stopping=True"):
        model.partial_fit(X_IRIS, Y_IRIS, classes=[0, 1, 2])
    model = MLPClassifier(solver="sgd").partial_fit(X_IRIS[:10], Y_IRIS[:10], classes=[0, 1, 2])
    with pytest.raises(ValueError, match="is not the same as on last call to partial_fit"):
        model.partial_fit(X_IRIS, Y_IRIS, classes=[0, 1])
    with pytest.raises(ValueError, match="`y` has classes not in `self.classes_`"):
        model.partial_fit(X_IRIS[:2], [0, 7])
    with pytest.raises(ValueError, match="classes must be passed on the first call to partial_fit"):
        MLPClassifier(solver="sgd").partial_fit(X_IRIS, Y_IRIS)


def test_convergence_warnings_come_from_the_fit_report():
    with pytest.warns(ConvergenceWarning, match=r"Stochastic Optimizer: Maximum iterations \(3\) reached"):
        MLPClassifier(max_iter=3).fit(X_IRIS, Y_IRIS)
    with pytest.warns(ConvergenceWarning, match="lbfgs failed to converge after 3 iteration"):
        MLPClassifier(solver="lbfgs", max_iter=3).fit(X_IRIS, Y_IRIS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        MLPClassifier(solver="sgd", max_iter=3).partial_fit(X_IRIS, Y_IRIS, classes=[0, 1, 2])


def test_verbose_prints_scikit_learns_lines(capsys):
    params = dict(solver="sgd", early_stopping=True, verbose=True, tol=10.0, n_iter_no_change=1, random_state=0)
    MLPClassifier(**params).fit(X_IRIS, Y_IRIS)
    ours = capsys.readouterr().out.splitlines()
    sk.MLPClassifier(**params).fit(X_IRIS, Y_IRIS)
    theirs = capsys.readouterr().out.splitlines()
    assert len(ours) == len(theirs) == 7
    for a, b in zip(ours, theirs):
        assert a.split(" = ")[0].split(": ")[0] == b.split(" = ")[0].split(": ")[0]
    assert ours[-1] == theirs[-1]
    assert ours[-1] == "Validation score did not improve more than tol=10.000000 for 1 consecutive epochs. Stopping."
    MLPClassifier(solver="lbfgs", verbose=True, max_iter=5).fit(X_IRIS, Y_IRIS)
    assert capsys.readouterr().out == ""  # as scikit-learn with scipy >= 1.15


def test_fitted_attributes_follow_the_solver():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        adam = MLPClassifier(max_iter=3, random_state=0).fit(X_IRIS, Y_IRIS)
        lbfgs = MLPClassifier(solver="lbfgs", max_iter=3, random_state=0).fit(X_IRIS, Y_IRIS)
    assert isinstance(adam.loss_curve_, list) and len(adam.loss_curve_) == 3
    assert adam.best_loss_ == min(adam.loss_curve_)
    assert adam.validation_scores_ is None and adam.best_validation_score_ is None
    assert (adam.n_iter_, adam.t_, adam.n_layers_, adam.n_outputs_) == (3, 450, 3, 3)
    assert adam.out_activation_ == "softmax"
    for name in ["loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_"]:
        with pytest.raises(AttributeError):
            getattr(lbfgs, name)
    assert lbfgs.t_ == 0


def test_assigned_weights_are_used_and_so_are_edits_in_place():
    model = MLPRegressor(hidden_layer_sizes=(3,), max_iter=5, random_state=0)
    X, y = make_regression(n_samples=20, n_features=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    model.coefs_[1][:] = 0.0
    assert_allclose(model.predict(X), np.full(len(X), model.intercepts_[1][0]))
    model.coefs_ = [np.ones_like(c) for c in model.coefs_]
    model.coefs_[1][:] = 0.0
    assert_allclose(model.predict(X), np.full(len(X), model.intercepts_[1][0]))


def test_pipeline_with_standard_scaler():
    pipe = Pipeline([("scale", StandardScaler()), ("mlp", MLPClassifier(max_iter=300, random_state=0))])
    pipe.fit(X_IRIS, Y_IRIS)
    assert pipe.score(X_IRIS, Y_IRIS) > 0.95
    sk_pipe = clone(pipe).set_params(mlp=sk.MLPClassifier(max_iter=300, random_state=0)).fit(X_IRIS, Y_IRIS)
    assert_array_equal(pipe.predict(X_IRIS), sk_pipe.predict(X_IRIS))


def test_grid_search_in_two_processes():
    X, y = make_regression(n_samples=80, n_features=4, noise=1.0, random_state=0)
    search = GridSearchCV(
        MLPRegressor(solver="lbfgs", max_iter=200, random_state=0),
        {"hidden_layer_sizes": [(4,), (8,)], "alpha": [1e-4, 1e-1]},
        cv=3,
        n_jobs=2,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    assert search.best_score_ > 0.9
    assert isinstance(search.best_estimator_, MLPRegressor)
    scores = cross_val_score(MLPClassifier(solver="lbfgs", max_iter=300, random_state=0), X_IRIS, Y_IRIS, cv=3)
    assert scores.mean() > 0.9


def test_dataframes_keep_feature_names():
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(X_IRIS, columns=["sl", "sw", "pl", "pw"])
    labels = pd.Series(np.array(["a", "b", "c"])[Y_IRIS])
    model = MLPClassifier(solver="lbfgs", max_iter=100, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(frame, labels)
    assert list(model.feature_names_in_) == ["sl", "sw", "pl", "pw"]
    assert set(model.predict(frame)) <= {"a", "b", "c"}
    with pytest.raises(ValueError, match="feature names"):
        model.predict(frame.rename(columns={"sl": "other"}))


@pytest.mark.parametrize("fmt", ["csr", "csc"])
def test_sparse_input_gives_the_dense_results(fmt):
    X = sp.random(60, 8, density=0.3, format=fmt, random_state=0)
    y = np.arange(60) % 2
    dense = MLPClassifier(solver="lbfgs", max_iter=50, random_state=0)
    sparse = clone(dense)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        dense.fit(X.toarray(), y)
        sparse.fit(X, y)
    assert_array_equal(dense.predict_proba(X.toarray()), sparse.predict_proba(X))


def test_a_single_class_trains_as_in_scikit_learn():
    y = np.full(len(X_IRIS), "only")
    ours = MLPClassifier(max_iter=5, random_state=0)
    theirs = sk.MLPClassifier(max_iter=5, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        ours.fit(X_IRIS, y)
        theirs.fit(X_IRIS, y)
    assert_array_equal(ours.predict(X_IRIS), theirs.predict(X_IRIS))
    assert_allclose(ours.predict_proba(X_IRIS), theirs.predict_proba(X_IRIS), rtol=1e-6)
    assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-6)


def test_training_releases_the_gil(releases_the_gil):
    X, y = make_regression(n_samples=2000, n_features=30, random_state=0)
    model = MLPRegressor(hidden_layer_sizes=(128, 128), solver="lbfgs", max_iter=30, random_state=0)

    def train():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y)

    releases_the_gil(train)


def test_version_and_stubs():
    assert neurona.__version__ == _core.__version__
    stub = ast.parse((pathlib.Path(neurona.__file__).parent / "_core.pyi").read_text())
    stubbed = {node.name for node in stub.body if isinstance(node, (ast.ClassDef, ast.FunctionDef))}
    stubbed |= {t.id for node in stub.body if isinstance(node, ast.AnnAssign) for t in [node.target]}
    public = {name for name in dir(_core) if not name.startswith("_")} | {"__version__"}
    assert stubbed == public
    for node in stub.body:
        if isinstance(node, ast.ClassDef):
            methods = {m.name for m in node.body if isinstance(m, ast.FunctionDef)} - {"__new__"}
            actual = {name for name in dir(getattr(_core, node.name)) if not name.startswith("_")}
            assert methods == actual, node.name


def test_an_unaddressable_network_is_a_memory_error_not_a_crash():
    with pytest.raises(MemoryError, match=r"^a network with layers \[4, 4611686018427387904, 1\] has \d+ weights: too many"):
        MLPRegressor(hidden_layer_sizes=(2**62,)).fit(X_IRIS, Y_IRIS)


@pytest.mark.parametrize(
    "estimator",
    [
        MLPClassifier(hidden_layer_sizes=(10**12,)),
        MLPClassifier(hidden_layer_sizes=(10**12,), solver="lbfgs"),
        neurona.BernoulliRBM(n_components=10**14),
    ],
    ids=["adam", "lbfgs", "rbm"],
)
def test_a_network_too_large_to_allocate_is_a_memory_error_not_a_crash(estimator):
    # Addressable, but far beyond any memory: the core refuses it before allocating (a failed
    # allocation in Rust would end the Python process).
    with pytest.raises(MemoryError, match="more than can be reserved"):
        estimator.fit(X_IRIS, Y_IRIS)


def test_ctrl_c_stops_after_the_epoch_and_keeps_the_model(monkeypatch, capsys):
    # Ctrl-C raises KeyboardInterrupt in the per-epoch callback (the core checks signals
    # there): training stops after that epoch, as scikit-learn's does, with its warning.
    printer = neurona._base.VerbosePrinter

    def interrupted(self, epoch, loss, validation_score):
        if epoch == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(printer, "epoch", interrupted)
    model = MLPClassifier(max_iter=50, verbose=True, random_state=0)
    with pytest.warns(UserWarning, match="Training interrupted by user."):
        model.fit(X_IRIS, Y_IRIS)
    assert model.n_iter_ == 3 and len(model.loss_curve_) == 3
    assert model.predict(X_IRIS).shape == (150,)


def test_other_callback_errors_are_raised():
    core = _core.Classifier(MLPClassifier(max_iter=5)._core_params(), "float64")

    def broken(epoch, loss, validation_score):
        raise RuntimeError("printer broke")

    with pytest.raises(RuntimeError, match="printer broke"):
        core.fit(np.ascontiguousarray(X_IRIS), Y_IRIS.astype(np.int64), None, None, broken)


@pytest.mark.parametrize("parent", [MLPClassifier, neurona.Perceptron, neurona.RNNClassifier])
def test_a_subclass_with_parameters_of_its_own_is_a_scikit_learn_estimator(parent):
    # scikit-learn's pattern for extending an estimator: the subclass stores its own
    # parameters and hands its parent's to the parent's __init__.
    class Extended(parent):
        def __init__(self, scale=2.0, max_iter=7):
            self.scale = scale
            super().__init__(max_iter=max_iter)

    model = Extended(scale=3.0)
    assert model.get_params()["scale"] == 3.0 and model.get_params()["max_iter"] == 7
    copy = clone(model)
    assert type(copy) is Extended and copy.scale == 3.0 and copy.max_iter == 7
