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
}


def _as_text(value):
    """A Python default as the spec table writes it."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (tuple, list)):
        return ",".join(str(v) for v in value)
    if isinstance(value, float) and math.isinf(value):
        return "inf"
    return str(value)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_spec_is_a_parameter_with_the_same_default(kind):
    params = KINDS[kind]().get_params()
    specs = _core.specs(kind)
    assert specs, kind
    for name, default, _, choices, doc in specs:
        assert name in params, f"{kind} has no parameter {name}"
        assert doc
        if kind == "MLPClassifier" and name == "loss":
            continue  # the classifier has no loss parameter in scikit-learn; the core ignores it
        value = _as_text(params[name])
        if choices and value == "none":
            value = "none"
        number = lambda text: float(text) if text.replace(".", "", 1).replace("e-", "", 1).isdigit() else text
        assert number(value) == number(default), f"{kind}.{name}: Python {value!r}, core {default!r}"


def test_the_binding_accepts_each_spec_by_name_and_refuses_unknown_names():
    for name, default, kind, choices, _ in _core.specs("BernoulliRBM"):
        value = None if default == "none" else (int(default) if kind == "integer" else default)
        if kind == "float":
            value = float(default)
        if kind == "bool":
            value = default == "true"
        _core.Rbm({name: value}, "float64")
    with pytest.raises(ValueError, match="name must be a hyperparameter of RbmParams, got 'n_component'"):
        _core.Rbm({"n_component": 3}, "float64")
    with pytest.raises(ValueError, match="unknown"):
        _core.specs("MLPClassifer")
