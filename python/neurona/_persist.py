"""Pickling, ``save`` and ``load``, all through the core's model file: one protocol for every
estimator, which knows none of them.

A fitted estimator is stored as the model file's bytes: the weights and training state as
safetensors tensors, the hyperparameters and fitted attributes in a JSON header that the core
validates on load. What only the Python layer knows (the original parameter values, the class
labels and their dtype, the feature names) goes in the header's ``extra["python"]``, as plain
JSON. A pickle therefore holds bytes, strings, numbers, lists and dicts, and refers to no code
but the estimator's own class (``neurona.MLPClassifier``, ``neurona.MLPRegressor``,
``neurona.Perceptron``, ``neurona.BernoulliRBM``, ``neurona.RNNClassifier`` or
``neurona.RNNRegressor``).

The protocol: each estimator class (``neurona._base.NeuronaEstimator``) names the kind its
files hold (``_model_kind``, which registers it here for ``load``), its core class
(``_core_class``, whose ``from_bytes`` reads the file) and the attributes the file rebuilds
(``_FITTED``), and implements three hooks: ``_file_meta(strict)`` (its own metadata for
``extra["python"]``, and what JSON cannot hold, for the pickle), ``_core_bytes(extra)`` (the
core's bytes, with what the core stores besides: class labels, a random stream) and
``_restore(*core, meta)`` (its fitted attributes from what ``from_bytes`` returned).

The classifiers write integer and string classes as the file's own labels (their cores train
on indices), so that the ``neurona`` command and the Rust crate see the real classes; labels of
other types stay indices in the file, their values in ``extra["python"]``.
"""

import inspect
import json
import math
import os
import warnings

import numpy as np
from sklearn.utils.validation import check_is_fitted

from neurona import _core

#: Layout version of the dict that ``__getstate__`` returns.
PICKLE_VERSION = 1

#: The estimator classes by the kind name their model files carry, in registration order.
_KINDS = {}


def register(cls):
    """Makes ``load`` read the model files of ``cls._model_kind`` as ``cls``."""
    _KINDS[cls._model_kind] = cls
    return cls


# ---------------------------------------------------------------------- plain values


def encode(value):
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
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, np.ndarray) and value.ndim == 1 and value.dtype.kind in "iuf":
        return {"__array__": [encode(v) for v in value.tolist()], "dtype": value.dtype.str}
    if isinstance(value, np.random.RandomState):
        _, key, pos, has_gauss, cached = value.get_state(legacy=True)
        return {"__random_state__": [key.tolist(), int(pos), int(has_gauss), float(cached)]}
    if isinstance(value, dict):
        # The perceptron's class_weight: keys are class labels, not necessarily strings.
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    raise TypeError(f"{value!r} cannot be stored as plain data")


def decode(value):
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__float__" in value:
        return float(value["__float__"])
    if "__tuple__" in value:
        return tuple(decode(v) for v in value["__tuple__"])
    if "__array__" in value:
        return np.array(value["__array__"], dtype=np.dtype(value["dtype"]))
    if "__dict__" in value:
        return {decode(k): decode(v) for k, v in value["__dict__"]}
    if "__random_state__" in value:
        key, pos, has_gauss, cached = value["__random_state__"]
        random_state = np.random.RandomState()
        random_state.set_state(("MT19937", np.array(key, dtype=np.uint32), pos, has_gauss, cached))
        return random_state
    raise ValueError(f"unknown encoded value {value!r}")


def _signature_defaults(cls):
    """The defaults of ``cls.__init__``'s parameters, read from its signature without calling
    it (a subclass's constructor may require arguments, or do more than store them)."""
    return {
        name: parameter.default
        for name, parameter in inspect.signature(cls.__init__).parameters.items()
        if name != "self" and parameter.default is not parameter.empty
    }


def all_params(estimator):
    """``get_params()``, and the values of the family's own parameters (those of the class
    registered for its kind) that a subclass's constructor does not list but its parent's
    stored: a subclass may hand its parent fixed values (``super().__init__(solver="sgd")``),
    which the core and the model file must see."""
    params = estimator.get_params(deep=False)
    registered = _KINDS.get(estimator._model_kind)
    if registered is not None and registered is not type(estimator):
        attributes = vars(estimator)
        for name in _signature_defaults(registered):
            if name not in params and name in attributes:
                params[name] = attributes[name]
    return params


def _plain_params(estimator, strict):
    """The parameters as plain JSON, and (``strict=False``, pickling) those JSON cannot hold."""
    params, leftovers = {}, {}
    for name, value in all_params(estimator).items():
        try:
            params[name] = encode(value)
        except TypeError:
            if strict:
                raise TypeError(f"parameter {name}={value!r} cannot be stored in a model file") from None
            leftovers[name] = value
    return params, leftovers


# ---------------------------------------------------------------------- class labels


def classes_meta(classes, strict):
    """A classifier's ``_file_meta``: ``classes_`` as ``{"classes": {"values", "dtype"}}``; labels
    JSON cannot hold are a TypeError, or (``strict=False``) left to the pickle."""
    values = classes.tolist()
    for v in values:
        ok = isinstance(v, (str, bool, int)) or (isinstance(v, float) and math.isfinite(v))
        if not ok:
            if strict:
                raise TypeError(f"class label {v!r} cannot be stored in a model file")
            return {}, {"classes_": classes}
    dtype = "object" if classes.dtype == object else classes.dtype.str
    return {"classes": {"values": values, "dtype": dtype}}, {}


def file_labels(classes):
    """The labels written into the core's own ``classes`` field, so that other readers (the
    core, the CLI) see the real classes: integers or strings, else None (indices)."""
    values = classes.tolist()
    if classes.dtype.kind in "iu" and all(-(2**63) <= v < 2**63 for v in values):
        return values
    if all(isinstance(v, str) for v in values):
        return values
    return None


def restored_classes(labels, meta):
    """``classes_`` of a classifier read from a file: the Python metadata's labels and dtype
    when it has them, else the file's own labels (integers or strings)."""
    if "classes" in meta:
        encoded = meta["classes"]
        return np.array(encoded["values"], dtype=np.dtype(encoded["dtype"]))
    return np.asarray(labels)


# ---------------------------------------------------------------------- model bytes


def model_bytes(estimator, strict=True):
    """The fitted estimator as model-file bytes. With ``strict=False`` (pickling), parameters
    and labels JSON cannot hold are left out and returned as ``leftovers`` for the pickle."""
    params, leftovers = _plain_params(estimator, strict)
    names = getattr(estimator, "feature_names_in_", None)
    meta = {
        "estimator": type(estimator).__name__,
        "params": params,
        "feature_names_in": None if names is None else [str(n) for n in names],
    }
    own, more = estimator._file_meta(strict)
    meta.update(own)
    leftovers.update(more)
    # The file holds the weights the attributes hold now, edited in place or assigned.
    estimator._sync_core()
    return estimator._core_bytes(json.dumps({"python": meta})), leftovers


def restore(estimator, data):
    """Rebuilds a fitted estimator's model and fitted attributes from model-file bytes;
    returns the file's ``extra`` (the metadata of whoever wrote it)."""
    *core, extra = estimator._core_class.from_bytes(data)
    extra = json.loads(extra)
    meta = extra.get("python") or {}
    estimator._restore(*core, meta)
    names = meta.get("feature_names_in")
    if names is not None:
        estimator.feature_names_in_ = np.asarray(names, dtype=object)
    else:
        estimator.__dict__.pop("feature_names_in_", None)
    return extra


# ---------------------------------------------------------------------- pickling


def getstate(estimator):
    """The pickled state (layout ``PICKLE_VERSION``): the model file's bytes and plain values
    only, and what JSON cannot hold as it is."""
    fitted = estimator.__sklearn_is_fitted__()
    params, leftovers = _plain_params(estimator, strict=False)
    data = None
    if fitted:
        data, more = model_bytes(estimator, strict=False)
        leftovers.update(more)
    skip = set(params) | (estimator._FITTED if fitted else set())
    others = {k: v for k, v in estimator.__dict__.items() if k not in skip}
    others.update(leftovers)
    return {"neurona_pickle": PICKLE_VERSION, "model": data, "params": params, "others": others}


def setstate(estimator, state):
    if not isinstance(state, dict) or "neurona_pickle" not in state:
        raise ValueError("not a pickle of a neurona estimator")
    if state["neurona_pickle"] > PICKLE_VERSION:
        raise ValueError(
            f"this pickle was made by a newer neurona (layout {state['neurona_pickle']}); "
            f"this one reads layout {PICKLE_VERSION}"
        )
    # A parameter the pickle predates (n_jobs) keeps its default; the class is not called, so
    # a subclass's constructor with arguments of its own unpickles too.
    defaults = _signature_defaults(type(estimator))
    registered = _KINDS.get(estimator._model_kind)
    if registered is not None:
        defaults = {**_signature_defaults(registered), **defaults}
    for name, value in defaults.items():
        if name not in state["params"] and name not in state["others"]:
            setattr(estimator, name, value)
    for name, value in state["params"].items():
        setattr(estimator, name, decode(value))
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


def _params_from_header(core_params, cls):
    """scikit-learn parameters from the core's header (files written by the CLI or Rust): each
    value as the core writes it, through the class's ``_PARAMS_FROM_CORE`` conversion where
    the two differ."""
    params = {}
    for name, default in cls().get_params(deep=False).items():
        if name not in core_params:
            continue
        value = core_params[name]
        if name in cls._PARAMS_FROM_CORE:
            value = cls._PARAMS_FROM_CORE[name](value)
        elif type(value) is bool and type(default) is int:
            # verbose: a bool in the core; scikit-learn's default is 0 (or False).
            value = int(value)
        params[name] = value
    return params


def _known_params(params, cls, writer):
    """The parameters of ``cls`` among those a file's Python metadata holds. A file saved from
    a subclass (``writer``, its class name) may hold parameters of the subclass's own: ``load``
    executes no code from the file, so it returns the class registered for the file's kind,
    the model and its parameters intact, and warns about the parameters left out."""
    known = set(cls._get_param_names())
    unknown = sorted(name for name in params if name not in known)
    if unknown:
        warnings.warn(
            f"the model file was saved from {writer or 'a subclass'} of {cls.__name__}; "
            f"neurona.load returns a {cls.__name__} (it runs no code from the file), without "
            f"that class's own parameters {unknown}. Pickle or joblib keep the subclass.",
            UserWarning,
            stacklevel=3,
        )
    return {name: value for name, value in params.items() if name in known}


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


def _cli_category(value):
    """A category as the command stores it: text, or a number (an integral one as an int, as
    pandas reads an integer-coded column)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _cli_columns(extra):
    """The command's preprocessing of a table's columns (``extra["cli"]["preprocess"]``) as the
    equivalent fitted ``ColumnTransformer``, None when the file has none: the number columns
    through ``SimpleImputer(strategy="median")``, the category columns through
    ``SimpleImputer(strategy="most_frequent")`` and a ``OneHotEncoder``, the yes/no columns the
    same with their "no" dropped (no imputers when the command was told ``--missing
    drop-rows`` or ``error``). It is fitted on one row made of the stored medians and most
    frequent values, with the stored categories given to the encoders, which reproduces the
    command's fitted statistics exactly through scikit-learn's public API."""
    pre = (extra.get("cli") or {}).get("preprocess")
    if not pre:
        return None
    if pre.get("version") != 1:
        raise ValueError(
            f"the model file's table preprocessing is version {pre.get('version')!r}; this neurona reads version 1"
        )
    import pandas as pd
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    columns = pre["columns"]
    impute = pre["missing"] == "impute"
    numbers = [c for c in columns if "categories" not in c]
    categories = [c for c in columns if "categories" in c and c.get("drop") is None]
    yes_no = [c for c in columns if "categories" in c and c.get("drop") is not None]

    def encoder(group, drop):
        onehot = OneHotEncoder(
            categories=[[_cli_category(v) for v in c["categories"]] for c in group],
            drop=[_cli_category(c["drop"]) for c in group] if drop else None,
            handle_unknown=pre["handle_unknown"],
            sparse_output=False,
        )
        if not impute:
            return onehot
        return Pipeline([("impute", SimpleImputer(strategy="most_frequent")), ("onehot", onehot)])

    transformers = []
    if numbers:
        step = SimpleImputer(strategy="median") if impute else "passthrough"
        transformers.append(("num", step, [c["name"] for c in numbers]))
    for name, group, drop in (("cat", categories, False), ("yes_no", yes_no, True)):
        if group:
            transformers.append((name, encoder(group, drop), [c["name"] for c in group]))

    def one_value(c):
        if "categories" not in c:
            return c.get("median") if c.get("median") is not None else 0.0
        value = c.get("most_frequent")
        return _cli_category(c["categories"][0] if value is None else value)

    def dtype(c):
        # As pandas reads the column: text is object, integer-coded categories are integers.
        if "categories" not in c:
            return float
        if all(isinstance(v, str) for v in c["categories"]):
            return object
        return np.int64 if all(float(v).is_integer() for v in c["categories"]) else float

    row = pd.DataFrame({c["name"]: pd.Series([one_value(c)], dtype=dtype(c)) for c in columns})
    return ColumnTransformer(transformers).fit(row)


def load(path):
    """Reads a model file written by ``model.save``, by the ``neurona`` command or by the Rust
    crate, and returns the fitted ``MLPClassifier``, ``MLPRegressor``, ``Perceptron``,
    ``BernoulliRBM``, ``RNNClassifier`` or ``RNNRegressor``.

    The file is treated as untrusted: every size and field is checked and nothing in it is
    executed. A file written by the ``neurona`` command with feature scaling comes back as a
    ``Pipeline`` of the equivalent scikit-learn scaler and the model, so that it predicts from
    raw features as the command does; one trained on a table with text categories or missing
    cells starts with the equivalent fitted ``ColumnTransformer`` (step ``"columns"``), so that
    it predicts from a DataFrame of the raw table.

    Parameters
    ----------
    path : str or os.PathLike
        The model file to read.

    Returns
    -------
    model : estimator or sklearn.pipeline.Pipeline
        The fitted estimator, or a ``Pipeline`` ending with it for a command's model with
        preprocessing. A file saved from a subclass comes back as the neurona class it derives
        from (no code is run from a file), with a warning naming the parameters it leaves out.

    Raises
    ------
    ValueError
        The file is not a neurona model file, or it is truncated, damaged (its checksum does
        not match) or of a future format version.
    OSError
        The file cannot be read.
    """
    with open(os.fspath(path), "rb") as f:
        data = f.read()
    kind, _, header = _core.inspect(data)
    cls = _KINDS.get(kind)
    if cls is None:
        *others, last = _KINDS
        raise ValueError(
            f"model file {os.fspath(path)!r} holds a {kind}; neurona.load reads "
            f"{', '.join(others)} and {last} files"
        )
    header = json.loads(header)
    meta = ((header.get("extra") or {}).get("python")) or {}
    estimator = cls()
    if "params" in meta:
        params = {name: decode(value) for name, value in meta["params"].items()}
        params = _known_params(params, cls, meta.get("estimator"))
    else:
        params = _params_from_header(header["params"], cls)
    estimator.set_params(**params)
    extra = restore(estimator, data)
    columns = _cli_columns(extra)
    scaler = _cli_scaler(extra, estimator.n_features_in_)
    steps = [(name, step) for name, step in (("columns", columns), ("scaler", scaler)) if step is not None]
    if steps:
        from sklearn.pipeline import Pipeline

        return Pipeline([*steps, (cls._pipeline_step, estimator)])
    return estimator
