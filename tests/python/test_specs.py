"""The core's spec table seen from Python: every hyperparameter the core declares is a parameter
of the Python class with the same default, and the binding accepts each one by name."""

import math

import pytest

import neurona
from neurona import _core

KINDS = {
    "MLPClassifier": neurona.MLPClassifier,
    "MLPRegressor": neurona.MLPRegressor,
    "Perceptron": neurona.Perceptron,
    "BernoulliRBM": neurona.BernoulliRBM,
    "RNNClassifier": neurona.RNNClassifier,
    "RNNRegressor": neurona.RNNRegressor,
}


def _same(value, default, kind):
    """Whether a Python default is the spec table's default (written as a user types it)."""
    if value is None:
        return default == "none"
    if kind == "bool":
        return bool(value) == (default == "true")
    if isinstance(value, (tuple, list)):
        return ",".join(str(v) for v in value) == default
    if isinstance(value, str):
        return value == default
    if isinstance(value, float) and math.isinf(value):
        return default == "inf"
    return float(value) == float(default)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_spec_is_a_parameter_with_the_same_default(kind):
    params = KINDS[kind]().get_params()
    specs = _core.specs(kind)
    assert len(specs) >= 6, kind
    for name, default, spec_kind, choices, doc in specs:
        assert doc, name
        if choices:
            assert default in choices, name
        if kind == "MLPClassifier" and name == "loss":
            assert name not in params  # scikit-learn's classifier has no loss; the core ignores it
            continue
        assert name in params, f"{kind} has no parameter {name}"
        assert _same(params[name], default, spec_kind), f"{kind}.{name}: Python {params[name]!r}, core {default!r}"


CORE_CLASSES = {
    "MLPClassifier": _core.Classifier,
    "MLPRegressor": _core.Regressor,
    "Perceptron": _core.Perceptron,
    "BernoulliRBM": _core.Rbm,
    "RNNClassifier": _core.RnnClassifier,
    "RNNRegressor": _core.RnnRegressor,
}


def _value(default, kind):
    """A spec's default as the Python layer hands it to the binding."""
    if default == "none":
        return None
    if kind == "bool":
        return default == "true"
    if kind == "float":
        return float(default)
    if kind == "integer":
        return int(default)
    if kind == "list of integers":
        return [int(v) for v in default.split(",") if v]
    return default


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_binding_accepts_each_spec_by_name_and_refuses_unknown_names(kind):
    core_class = CORE_CLASSES[kind]
    for name, default, spec_kind, _, _ in _core.specs(kind):
        core_class({name: _value(default, spec_kind)}, "float64")
    owners = {"BernoulliRBM": "RbmParams", "Perceptron": "PerceptronParams", "RNNClassifier": "RnnParams"}
    owner = {**owners, "RNNRegressor": "RnnParams"}.get(kind, "MlpParams")
    with pytest.raises(ValueError, match=f"name must be a hyperparameter of {owner}, got 'n_component'"):
        core_class({"n_component": 3}, "float64")
    with pytest.raises(ValueError, match="estimator must be one of 'MLPClassifier', .*, got 'MLPClassifer'"):
        _core.specs("MLPClassifer")
