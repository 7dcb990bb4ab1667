"""Subclasses of every estimator, as scikit-learn users write them: ``class MyMLP(MLPClassifier):
pass``, and one with a parameter of its own that hands its parent's to ``super().__init__``.

Persistence decides by the class hierarchy (the kind a class inherits, ``_model_kind``), never
by a class's name, so each subclass goes through ``pickle``, ``copy.deepcopy``, ``joblib`` and
the worker processes of a meta-estimator with ``n_jobs=2`` (which pickle it), and comes back as
itself, with its parameters, predicting exactly as the original. ``neurona.load`` runs no code
from a file: it returns the class registered for the file's kind, and names the parameters of
a subclass's own it leaves out.
"""

import copy
import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import BaggingClassifier, BaggingRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from sklearn.pipeline import Pipeline

import neurona

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X_CLS, Y_CLS = make_classification(n_samples=80, n_features=6, n_informative=4, n_classes=3, random_state=0)
X_REG, Y_REG = make_regression(n_samples=80, n_features=6, random_state=0)
X_RBM = (X_CLS > 0).astype(np.float64)
RNG = np.random.RandomState(0)
X_SEQ = RNG.normal(size=(40, 5, 2))
Y_SEQ_CLS = np.where(X_SEQ[:, 0, 0] > 0, "up", "down")
Y_SEQ_REG = X_SEQ[:, 0, 0] * 2.0


# Module-level classes, importable by name in joblib's worker processes, as a user's would be.
class MyMLPClassifier(neurona.MLPClassifier):
    pass


class MyMLPRegressor(neurona.MLPRegressor):
    pass


class MyPerceptron(neurona.Perceptron):
    pass


class MyBernoulliRBM(neurona.BernoulliRBM):
    pass


class MyRNNClassifier(neurona.RNNClassifier):
    pass


class MyRNNRegressor(neurona.RNNRegressor):
    pass


def _extended(parent, name=None, **fixed):
    """A subclass of ``parent`` with a parameter of its own, ``scale``, and ``max_iter``,
    handing its parent's to its parent's ``__init__`` with the ``fixed`` values besides (a
    seed, so that meta-estimators, which clone it, train the same model in every process)."""

    def __init__(self, scale=2.0, max_iter=5):
        self.scale = scale
        parent.__init__(self, max_iter=max_iter, **fixed)

    name = name or "Extended" + parent.__name__
    return type(name, (parent,), {"__init__": __init__, "__module__": __name__, "__qualname__": name})


class ExtendedBernoulliRBM(neurona.BernoulliRBM):
    def __init__(self, scale=2.0, n_iter=5):
        self.scale = scale
        super().__init__(n_components=4, n_iter=n_iter, random_state=0)


ExtendedMLPClassifier = _extended(neurona.MLPClassifier, random_state=0)
ExtendedMLPRegressor = _extended(neurona.MLPRegressor, random_state=0)
ExtendedPerceptron = _extended(neurona.Perceptron)
ExtendedRNNClassifier = _extended(neurona.RNNClassifier, random_state=0)
ExtendedRNNRegressor = _extended(neurona.RNNRegressor, random_state=0)
FixedSolverMLP = _extended(neurona.MLPClassifier, name="FixedSolverMLP", solver="sgd", random_state=0)

#: (subclass, X, y or None, the method whose output identifies the fitted model), for the plain
#: subclass and the one with a parameter of its own of each estimator.
CASES = [
    (cls, X, y, method)
    for plain, extended, X, y, method in [
        (MyMLPClassifier, ExtendedMLPClassifier, X_CLS, Y_CLS, "predict_proba"),
        (MyMLPRegressor, ExtendedMLPRegressor, X_REG, Y_REG, "predict"),
        (MyPerceptron, ExtendedPerceptron, X_CLS, Y_CLS, "decision_function"),
        (MyBernoulliRBM, ExtendedBernoulliRBM, X_RBM, None, "transform"),
        (MyRNNClassifier, ExtendedRNNClassifier, X_SEQ, Y_SEQ_CLS, "predict_proba"),
        (MyRNNRegressor, ExtendedRNNRegressor, X_SEQ, Y_SEQ_REG, "predict"),
    ]
    for cls in (plain, extended)
]
IDS = [case[0].__name__ for case in CASES]


def _fitted(cls, X, y):
    if "Extended" in cls.__name__:
        model = cls(scale=3.0)
    elif cls is MyBernoulliRBM:
        model = cls(n_components=4, n_iter=5, random_state=0)
    elif cls is MyPerceptron:
        model = cls()
    else:
        model = cls(max_iter=5, random_state=0)
    return model.fit(X) if y is None else model.fit(X, y)


def _same_model(restored, original, X, method):
    assert type(restored) is type(original)
    assert restored.get_params() == original.get_params()
    assert_array_equal(getattr(restored, method)(X), getattr(original, method)(X))


@pytest.mark.parametrize("cls, X, y, method", CASES, ids=IDS)
def test_a_subclass_pickles_deep_copies_and_goes_through_joblib(cls, X, y, method):
    model = _fitted(cls, X, y)
    if "Extended" in cls.__name__:
        assert model.get_params()["scale"] == 3.0
    _same_model(pickle.loads(pickle.dumps(model)), model, X, method)
    _same_model(copy.deepcopy(model), model, X, method)
    buffer = io.BytesIO()
    joblib.dump(model, buffer)
    buffer.seek(0)
    _same_model(joblib.load(buffer), model, X, method)
    # Unfitted, too, and a clone of the subclass stays the subclass.
    _same_params = pickle.loads(pickle.dumps(clone(model)))
    assert type(_same_params) is cls and _same_params.get_params() == model.get_params()


@pytest.mark.parametrize("cls, X, y, method", CASES, ids=IDS)
def test_neurona_load_reads_a_subclass_file_as_its_registered_class(cls, X, y, method, tmp_path):
    model = _fitted(cls, X, y)
    path = tmp_path / "model.safetensors"
    model.save(path)
    parent = cls.__mro__[1]
    if "Extended" in cls.__name__:
        with pytest.warns(UserWarning, match=r"saved from Extended\w+ of \w+.*\['scale'\]"):
            loaded = neurona.load(path)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            loaded = neurona.load(path)
    assert type(loaded) is parent
    own = {k: v for k, v in model.get_params().items() if k != "scale"}
    assert {k: v for k, v in loaded.get_params().items() if k in own} == own
    assert_array_equal(getattr(loaded, method)(X), getattr(model, method)(X))


def test_a_subclass_that_fixes_its_parents_parameters_trains_with_them():
    # get_params lists only the subclass's own signature; the core, pickles and files must
    # still see the values its parent stored (here solver="sgd", not the default adam).
    model = FixedSolverMLP().fit(X_CLS, Y_CLS)
    reference = neurona.MLPClassifier(solver="sgd", max_iter=5, random_state=0).fit(X_CLS, Y_CLS)
    assert model.loss_curve_ == reference.loss_curve_
    restored = pickle.loads(pickle.dumps(model))
    assert type(restored) is FixedSolverMLP and restored.solver == "sgd"
    assert_array_equal(restored.predict_proba(X_CLS), reference.predict_proba(X_CLS))


BAGGED = [
    (MyMLPClassifier(max_iter=5, random_state=0), BaggingClassifier, X_CLS, Y_CLS),
    (ExtendedMLPClassifier(scale=3.0), BaggingClassifier, X_CLS, Y_CLS),
    (MyPerceptron(), BaggingClassifier, X_CLS, Y_CLS),
    (ExtendedPerceptron(scale=3.0), BaggingClassifier, X_CLS, Y_CLS),
    (MyMLPRegressor(max_iter=5, random_state=0), BaggingRegressor, X_REG, Y_REG),
    (ExtendedMLPRegressor(scale=3.0), BaggingRegressor, X_REG, Y_REG),
    (
        Pipeline([("rbm", MyBernoulliRBM(n_components=4, n_iter=3, random_state=0)), ("clf", LogisticRegression())]),
        BaggingClassifier,
        X_RBM,
        Y_CLS,
    ),
    (
        Pipeline([("rbm", ExtendedBernoulliRBM(scale=3.0)), ("clf", LogisticRegression())]),
        BaggingClassifier,
        X_RBM,
        Y_CLS,
    ),
]


@pytest.mark.parametrize(
    "estimator, bagging, X, y", BAGGED, ids=[f"{type(b[0]).__name__}-{i}" for i, b in enumerate(BAGGED)]
)
def test_a_subclass_in_a_meta_estimator_with_worker_processes(estimator, bagging, X, y):
    # n_jobs=2 sends the subclass to joblib's worker processes and the fitted copies back, by
    # pickling; the result is the one fitted in this process.
    in_workers = bagging(estimator, n_estimators=4, n_jobs=2, random_state=0).fit(X, y)
    here = bagging(clone(estimator), n_estimators=4, n_jobs=1, random_state=0).fit(X, y)
    # Each fitted copy is the same model; the ensemble's average may differ in the last bit
    # (bagging sums each worker's share of the estimators first).
    for ours, reference in zip(in_workers.estimators_, here.estimators_, strict=True):
        assert type(ours) is type(estimator)
        assert_array_equal(ours.predict(X), reference.predict(X))
    assert_allclose(in_workers.predict(X), here.predict(X), rtol=1e-12, atol=1e-15)
    restored = pickle.loads(pickle.dumps(in_workers))
    assert_array_equal(restored.predict(X), in_workers.predict(X))


@pytest.mark.parametrize(
    "estimator, X, y",
    [
        (MyRNNClassifier(max_iter=5, random_state=0), X_SEQ, Y_SEQ_CLS),
        (ExtendedRNNRegressor(scale=3.0), X_SEQ, Y_SEQ_REG),
    ],
    ids=["MyRNNClassifier", "ExtendedRNNRegressor"],
)
def test_a_recurrent_subclass_in_worker_processes(estimator, X, y):
    # Bagging takes 2-D X only; cross-validation hands 3-D sequences to its workers.
    in_workers = cross_val_predict(estimator, X, y, cv=2, n_jobs=2)
    here = cross_val_predict(clone(estimator), X, y, cv=2, n_jobs=1)
    assert_array_equal(in_workers, here)


def test_a_subclass_defined_in_a_function_goes_to_workers_by_value():
    # cloudpickle sends a class that cannot be imported by name by value; rebuilding it in the
    # worker runs __init_subclass__ again, which must not disturb the registry.
    class Local(neurona.MLPClassifier):
        pass

    registered = dict(neurona._persist._KINDS)
    model = Local(max_iter=5, random_state=0)
    in_workers = BaggingClassifier(model, n_estimators=2, n_jobs=2, random_state=0).fit(X_CLS, Y_CLS)
    here = BaggingClassifier(clone(model), n_estimators=2, n_jobs=1, random_state=0).fit(X_CLS, Y_CLS)
    assert_array_equal(in_workers.predict_proba(X_CLS), here.predict_proba(X_CLS))
    assert neurona._persist._KINDS == registered


# A subclass of the classifier whose name is another estimator's: nothing reads a class's name.
MisleadinglyNamed = type(
    "MLPRegressor", (neurona.MLPClassifier,), {"__module__": __name__, "__qualname__": "MisleadinglyNamed"}
)


def test_a_class_name_decides_nothing(tmp_path):
    model = MisleadinglyNamed(max_iter=5, random_state=0).fit(X_CLS, Y_CLS)
    _same_model(pickle.loads(pickle.dumps(model)), model, X_CLS, "predict_proba")
    _same_model(copy.deepcopy(model), model, X_CLS, "predict_proba")
    model.save(tmp_path / "model.safetensors")
    loaded = neurona.load(tmp_path / "model.safetensors")
    assert type(loaded) is neurona.MLPClassifier
    assert_array_equal(loaded.predict_proba(X_CLS), model.predict_proba(X_CLS))
