"""Pickling, ``save`` and ``load``, all through the core's model file.

A fitted estimator is stored as the model file's bytes: the weights and optimizer state as
safetensors tensors, the hyperparameters and fitted attributes in a JSON header that the core
validates on load. What only the Python layer knows (the original parameter values, the class
labels and their dtype, the feature names) goes in the header's ``extra["python"]``, as plain
JSON. A pickle therefore holds bytes, strings, numbers, lists and dicts, and refers to no code
but the estimator's own class (``neurona.MLPClassifier``, ``neurona.MLPRegressor``,
``neurona.Perceptron`` or ``neurona.BernoulliRBM``).

The classifiers write integer and string classes as the file's own labels (their cores train
on indices), so that the ``neurona`` command and the Rust crate see the real classes; labels of
other types stay indices in the file, their values in ``extra["python"]``.
"""

import json
import math
import os

import numpy as np
from sklearn.utils.validation import check_is_fitted

from neurona import _core

#: Layout version of the dict that ``__getstate__`` returns.
PICKLE_VERSION = 1

# Attributes rebuilt from the model file (of the MLPs: ``Perceptron`` and ``BernoulliRBM`` name
# theirs in their own ``_FITTED``); everything else in ``__dict__`` is pickled as is.
_FITTED = frozenset(
    {
        "_core",
        "_target_kind",
        "classes_",
        "coefs_",
        "intercepts_",
        "n_layers_",
        "n_outputs_",
        "out_activation_",
        "loss_",
        "n_iter_",
        "t_",
        "loss_curve_",
        "best_loss_",
        "validation_scores_",
        "best_validation_score_",
        "_no_improvement_count",
        "_optimizer",
        "_weights_exported",
        "n_features_in_",
        "feature_names_in_",
    }
)


# ---------------------------------------------------------------------- plain values


def _encode(value):
    """A parameter value as plain JSON, or TypeError."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, tuple):
        return {"__tuple__": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "iuf":
        return {"__array__": [_encode(v) for v in value.tolist()], "dtype": value.dtype.str}
    if isinstance(value, np.random.RandomState):
        _, key, pos, has_gauss, cached = value.get_state(legacy=True)
        return {"__random_state__": [key.tolist(), int(pos), int(has_gauss), float(cached)]}
    if isinstance(value, dict):
        # The perceptron's class_weight: keys are class labels, not necessarily strings.
        return {"__dict__": [[_encode(k), _encode(v)] for k, v in value.items()]}
    raise TypeError(f"{value!r} cannot be stored as plain data")


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__float__" in value:
        return float(value["__float__"])
    if "__tuple__" in value:
        return tuple(_decode(v) for v in value["__tuple__"])
    if "__array__" in value:
        return np.array(value["__array__"], dtype=np.dtype(value["dtype"]))
    if "__dict__" in value:
        return {_decode(k): _decode(v) for k, v in value["__dict__"]}
    if "__random_state__" in value:
        key, pos, has_gauss, cached = value["__random_state__"]
        random_state = np.random.RandomState()
        random_state.set_state(("MT19937", np.array(key, dtype=np.uint32), pos, has_gauss, cached))
        return random_state
    raise ValueError(f"unknown encoded value {value!r}")


def _encode_classes(classes):
    """``classes_`` as ``{"values", "dtype"}``, or TypeError for labels JSON cannot hold."""
    values = classes.tolist()
    for v in values:
        ok = isinstance(v, (str, bool, int)) or (isinstance(v, float) and math.isfinite(v))
        if not ok:
            raise TypeError(f"class label {v!r} cannot be stored in a model file")
    dtype = "object" if classes.dtype == object else classes.dtype.str
    return {"values": values, "dtype": dtype}


def _decode_classes(encoded):
    return np.array(encoded["values"], dtype=np.dtype(encoded["dtype"]))


def _file_labels(classes):
    """The labels written into the core's own ``classes`` field, so that other readers (the
    core, the CLI) see the real classes: integers or strings, else None (indices)."""
    values = classes.tolist()
    if classes.dtype.kind in "iu" and all(-(2**63) <= v < 2**63 for v in values):
        return values
    if all(isinstance(v, str) for v in values):
        return values
    return None


def _is_classifier(estimator):
    return hasattr(estimator, "_target_kind") or type(estimator).__name__ == "MLPClassifier"


# ---------------------------------------------------------------------- model bytes


def model_bytes(estimator, strict=True):
    """The fitted estimator as model-file bytes. With ``strict=False`` (pickling), parameters
    and labels JSON cannot hold are left out and returned as ``leftovers`` for the pickle.

    A ``Perceptron`` or ``BernoulliRBM`` adds its own metadata (``_persist_meta``) and writes
    the bytes itself (``_to_bytes``)."""
    leftovers = {}
    params = {}
    for name, value in estimator.get_params(deep=False).items():
        try:
            params[name] = _encode(value)
        except TypeError:
            if strict:
                raise TypeError(
                    f"parameter {name}={value!r} cannot be stored in a model file"
                ) from None
            leftovers[name] = value
    names = getattr(estimator, "feature_names_in_", None)
    meta = {
        "estimator": type(estimator).__name__,
        "params": params,
        "feature_names_in": None if names is None else [str(n) for n in names],
    }
    if hasattr(estimator, "_persist_meta"):
        own, more = estimator._persist_meta(strict)
        meta.update(own)
        leftovers.update(more)
        return estimator._to_bytes(json.dumps({"python": meta})), leftovers
    core = estimator._core
    if _is_classifier(estimator):
        meta["target_kind"] = estimator._target_kind
        labels = None
        try:
            meta["classes"] = _encode_classes(estimator.classes_)
            if estimator._target_kind in ("binary", "multiclass"):
                labels = _file_labels(estimator.classes_)
        except TypeError:
            if strict:
                raise
            leftovers["classes_"] = estimator.classes_
        data = core.to_bytes(json.dumps({"python": meta}), labels)
    else:
        data = core.to_bytes(json.dumps({"python": meta}))
    return data, leftovers


def restore(estimator, data):
    """Rebuilds a fitted estimator's model and fitted attributes from model-file bytes;
    returns the file's ``extra`` (the metadata of whoever wrote it).

    A ``Perceptron`` or ``BernoulliRBM`` restores its own attributes (``_restore``) from what
    its core's ``from_bytes`` returns and the Python metadata."""
    if hasattr(estimator, "_restore"):
        *core, extra = estimator._core_class.from_bytes(data)
        extra = json.loads(extra)
        meta = extra.get("python") or {}
        estimator._restore(*core, meta)
        _restore_feature_names(estimator, meta)
        return extra
    if _is_classifier(estimator):
        core, labels, extra = _core.Classifier.from_bytes(data)
    else:
        core, extra = _core.Regressor.from_bytes(data)
        labels = None
    extra = json.loads(extra)
    meta = extra.get("python") or {}
    state = core.state()
    estimator._core = core
    estimator._copy_state(state)
    estimator.n_features_in_ = state["n_features_in"]
    _restore_feature_names(estimator, meta)
    if _is_classifier(estimator):
        if state["multilabel"]:
            kind, classes = "multilabel", np.arange(state["n_outputs"])
        else:
            classes = np.asarray(labels)
            kind = "multiclass" if len(classes) > 2 else "binary"
        if "classes" in meta:
            classes = _decode_classes(meta["classes"])
        estimator._target_kind = meta.get("target_kind", kind)
        estimator.classes_ = classes
    return extra


def _restore_feature_names(estimator, meta):
    names = meta.get("feature_names_in")
    if names is not None:
        estimator.feature_names_in_ = np.asarray(names, dtype=object)
    else:
        estimator.__dict__.pop("feature_names_in_", None)


def restored_classes(labels, meta):
    """``classes_`` of a classifier read from a file: the Python metadata's labels and dtype
    when it has them, else the file's own labels (integers or strings)."""
    if "classes" in meta:
        return _decode_classes(meta["classes"])
    return np.asarray(labels)


# ---------------------------------------------------------------------- pickling


def getstate(estimator):
    """The pickled state: the model file's bytes and plain values only."""
    state = {"neurona_pickle": PICKLE_VERSION, "model": None}
    fitted = estimator.__sklearn_is_fitted__()
    if fitted:
        data, leftovers = model_bytes(estimator, strict=False)
        state["model"] = data
    else:
        leftovers = {}
    params = {}
    for name, value in estimator.get_params(deep=False).items():
        if name in leftovers:
            continue
        try:
            params[name] = _encode(value)
        except TypeError:
            leftovers[name] = value
    state["params"] = params
    skip = set(params) | (getattr(estimator, "_FITTED", _FITTED) if fitted else set())
    others = {k: v for k, v in estimator.__dict__.items() if k not in skip}
    others.update(leftovers)
    state["others"] = others
    return state


def setstate(estimator, state):
    if not isinstance(state, dict) or "neurona_pickle" not in state:
        raise ValueError("not a pickle of a neurona estimator")
    if state["neurona_pickle"] > PICKLE_VERSION:
        raise ValueError(
            f"this pickle was made by a newer neurona (layout {state['neurona_pickle']}); "
            f"this one reads layout {PICKLE_VERSION}"
        )
    # A parameter the pickle predates (n_jobs) keeps its default.
    for name, value in type(estimator)().get_params(deep=False).items():
        setattr(estimator, name, value)
    for name, value in state["params"].items():
        setattr(estimator, name, _decode(value))
    others = dict(state["others"])
    if state["model"] is not None:
        restore(estimator, state["model"])
    estimator.__dict__.update(others)


# ---------------------------------------------------------------------- files


def save(estimator, path):
    """Writes the fitted estimator's model file to ``path`` atomically (a temporary file in the
    same folder, renamed into place): ``NotFittedError`` before anything is written, and a
    parameter or label JSON cannot hold is a ``TypeError``."""
    check_is_fitted(estimator)
    data, _ = model_bytes(estimator, strict=True)
    _core.write_file(os.fspath(path), data)


def _params_from_header(header, estimator_class):
    """scikit-learn parameters from the core's header (files written by the CLI or Rust)."""
    core_params = header["params"]
    params = {}
    for name, default in estimator_class().get_params(deep=False).items():
        if name not in core_params:
            continue
        value = core_params[name]
        if name == "hidden_layer_sizes":
            value = tuple(value)
        elif name == "batch_size" and value != "auto":
            value = int(value)
        elif name == "n_iter_no_change":
            value = np.inf if value == "inf" else int(value)
        elif name == "verbose":
            # A bool in the core; scikit-learn's defaults are False (MLPs) or 0.
            value = type(default)(value)
        elif name == "penalty" and value == "none":
            value = None
        elif name == "class_weight" and isinstance(value, list):
            value = {label: weight for label, weight in value}
        params[name] = value
    return params


def _cli_scaler(extra, n_features):
    """The CLI's feature scaling as a fitted scikit-learn scaler (None when it has none)."""
    from sklearn.preprocessing import MinMaxScaler, StandardScaler

    scaler = ((extra.get("cli") or {}).get("scaler")) or {"kind": "none"}
    kind = scaler.get("kind")
    if kind == "standard":
        fitted = StandardScaler()
        fitted.mean_ = np.asarray(scaler["mean"], dtype=np.float64)
        fitted.scale_ = np.asarray(scaler["scale"], dtype=np.float64)
        fitted.var_ = fitted.scale_**2
    elif kind == "minmax":
        fitted = MinMaxScaler()
        low = np.asarray(scaler["min"], dtype=np.float64)
        span = np.asarray(scaler["range"], dtype=np.float64)
        fitted.scale_ = 1.0 / span
        fitted.min_ = -low / span
        fitted.data_min_, fitted.data_max_, fitted.data_range_ = low, low + span, span
    else:
        return None
    fitted.n_features_in_ = n_features
    fitted.n_samples_seen_ = 0
    return fitted


#: The ``Pipeline`` step name of each estimator that ``load`` wraps behind a scaler.
_STEP_NAMES = {
    "MLPClassifier": "mlp",
    "MLPRegressor": "mlp",
    "Perceptron": "perceptron",
    "BernoulliRBM": "rbm",
}


def load(path):
    """Reads a model file written by ``model.save``, by the ``neurona`` command or by the Rust
    crate, and returns the fitted ``MLPClassifier``, ``MLPRegressor``, ``Perceptron`` or
    ``BernoulliRBM``.

    The file is treated as untrusted: every size and field is checked and nothing in it is
    executed. A file written by the ``neurona`` command with feature scaling comes back as a
    ``Pipeline`` of the equivalent scikit-learn scaler and the model, so that it predicts from
    raw features as the command does.
    """
    from neurona._mlp import MLPClassifier, MLPRegressor
    from neurona._perceptron import Perceptron
    from neurona._rbm import BernoulliRBM

    with open(os.fspath(path), "rb") as f:
        data = f.read()
    kind, _, header = _core.inspect(data)
    classes = {c.__name__: c for c in (MLPClassifier, MLPRegressor, Perceptron, BernoulliRBM)}
    if kind not in classes:
        raise ValueError(
            f"model file {os.fspath(path)!r} holds a {kind}; neurona.load reads MLPClassifier, "
            "MLPRegressor, Perceptron and BernoulliRBM files"
        )
    header = json.loads(header)
    cls = classes[kind]
    meta = ((header.get("extra") or {}).get("python")) or {}
    estimator = cls()
    if "params" in meta:
        params = {name: _decode(value) for name, value in meta["params"].items()}
    else:
        params = _params_from_header(header, cls)
    estimator.set_params(**params)
    extra = restore(estimator, data)
    scaler = _cli_scaler(extra, estimator.n_features_in_)
    if scaler is not None:
        from sklearn.pipeline import Pipeline

        return Pipeline([("scaler", scaler), (_STEP_NAMES[kind], estimator)])
    return estimator
