"""``RNNClassifier`` and ``RNNRegressor``: recurrent networks (Elman, LSTM, GRU) over sequences,
with scikit-learn's conventions and the numerics in Rust.

X is a collection of sequences, in one of three forms:

* a 3-D array ``(n_sequences, n_steps, n_features)``, PyTorch's ``batch_first`` and Keras's
  order (``layout="steps_features"``, the default);
* with ``layout="features_steps"``, aeon's and sktime's ``(n_cases, n_channels,
  n_timepoints)``, so that their users switch with one argument;
* a list of 2-D arrays of unequal lengths, ``(n_steps_i, n_features)`` each (or ``(n_channels,
  n_timepoints_i)`` with ``layout="features_steps"``, aeon's unequal-length collections). No
  padding is needed: each sequence is read to its own last step, and nothing past it enters an
  output, the loss or a gradient.

With ``output="sequence"`` (the default) ``y`` holds one target per sequence and predictions one
row per sequence; with ``output="step"`` one per real step: either all rows sequence by sequence
(``sum(n_steps_i)`` of them, as ``predict`` returns them), or one array per sequence (a list, or
an array ``(n_sequences, n_steps, ...)`` for equal lengths), concatenated here.

The sequences are checked by the core, whose errors name the sequence, step and feature of a
NaN or an infinity, a sequence of no steps, or a feature count that differs from the first
sequence's; the Python layer checks the structure (an array that is not 3-D, a sequence whose
steps differ in width) and the length of ``y``, and says where.
"""

from functools import partial
from numbers import Integral, Real

import numpy as np
from sklearn.base import _fit_context
from sklearn.metrics import accuracy_score, r2_score
from sklearn.neural_network import MLPClassifier as _SklearnMLP
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, column_or_1d

from neurona import _base, _core, _docs

#: What the model file rebuilds (``_persist``): the core and every attribute copied from it.
_FITTED = _base.FITTED | {
    "_target_kind",
    "_tensors_exported",
    "classes_",
    "state_dict_",
    "n_outputs_",
    "out_activation_",
    "loss_",
    "n_iter_",
    "t_",
    *_base.GradientEstimator._STOCHASTIC_ATTRIBUTES,
}

#: The MLPs' solver settings (scikit-learn's constraints), and the recurrent layers' own.
_PARAMETER_CONSTRAINTS = {
    **{
        name: constraint
        for name, constraint in _SklearnMLP._parameter_constraints.items()
        if name not in ("hidden_layer_sizes", "activation")
    },
    "cell": [StrOptions({"rnn", "lstm", "gru"})],
    "hidden_size": [Interval(Integral, 1, None, closed="left")],
    "num_layers": [Interval(Integral, 1, None, closed="left")],
    "bidirectional": ["boolean"],
    "nonlinearity": [StrOptions({"tanh", "relu"})],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
    "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
    "output": [StrOptions({"sequence", "step"})],
    "clip_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
    "layout": [StrOptions({"steps_features", "features_steps"})],
    "n_jobs": _base.N_JOBS_CONSTRAINT,
}

_CORE_DTYPES = {"float32": np.dtype(np.float32), "float64": np.dtype(np.float64)}


# ---------------------------------------------------------------------- sequences in


class _Sequences:
    """X as the core reads it (``data``: a 3-D array or a list of 2-D arrays, in the layout
    given), its dtype, and the number of steps of each sequence."""

    def __init__(self, data, dtype, lengths, n_features):
        self.data = data
        self.dtype = dtype
        self.lengths = lengths
        self.n_features = n_features

    def __len__(self):
        return len(self.lengths)


def _fit_dtype(dtypes):
    """The dtype a first fit computes in: float32 when every array is float32 (as the MLPs
    keep float32 data), float64 otherwise."""
    all_float32 = dtypes and all(d == np.float32 for d in dtypes)
    return _CORE_DTYPES["float32" if all_float32 else "float64"]


def _numeric(value, what):
    """``value`` as a numeric numpy array (its own dtype kept when it is a float type), or a
    ValueError naming ``what``."""
    try:
        array = np.asarray(value)
    except ValueError as error:
        raise ValueError(f"{what} is ragged: {_ragged_where(value) or error}") from None
    if array.dtype == object:
        ragged = _ragged_where(value)
        if ragged:
            raise ValueError(f"{what} is ragged: {ragged}")
    if array.dtype.kind not in "biuf":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError) as error:
            raise ValueError(f"{what} must hold numbers: {error}") from None
    return array


def _ragged_where(sequence):
    """Where a nested list meant as a 2-D sequence is ragged: the first step whose number of
    values differs from step 0's, or None."""
    try:
        widths = [len(step) for step in sequence]
    except TypeError:
        return None
    for t, width in enumerate(widths):
        if width != widths[0]:
            return (
                f"step {t} has {width} values, but step 0 has {widths[0]}; "
                "every step needs the same number of features"
            )
    return None


def _is_list_of_sequences(X):
    return isinstance(X, (list, tuple)) or (isinstance(X, np.ndarray) and X.dtype == object and X.ndim == 1)


def _sequences(X, layout, dtype=None):
    """X checked for its structure and converted for the core: a 3-D array, or a list of 2-D
    arrays (sequence ``i`` named ``X[i]`` in errors), in ``dtype`` (None: the dtype a first fit
    picks). The core checks the values (finite, at least one step, one feature count)."""
    steps_axis = 0 if layout == "steps_features" else 1
    if _is_list_of_sequences(X):
        arrays = []
        for i, sequence in enumerate(X):
            array = _numeric(sequence, f"X[{i}] (sequence {i})")
            if array.ndim == 1 and array.size == 0:
                array = array.reshape(0, 0)
            if array.ndim != 2:
                hint = " (for one feature per step, give shape (n_steps, 1))" if array.ndim == 1 else ""
                raise ValueError(
                    f"X[{i}] must be a 2-D array ({_axes(layout)}) of sequence {i}, "
                    f"got shape {array.shape}{hint}"
                )
            arrays.append(array)
        dtype = _fit_dtype([a.dtype for a in arrays]) if dtype is None else dtype
        arrays = [np.asarray(a, dtype=dtype) for a in arrays]
        lengths = [a.shape[steps_axis] for a in arrays]
        n_features = arrays[0].shape[1 - steps_axis] if arrays else 0
        return _Sequences(arrays, dtype, lengths, n_features)
    array = _numeric(X, "X")
    if array.ndim != 3:
        shape = "a 3-D array (n_sequences, %s)" % _axes(layout)
        hint = ""
        if array.ndim == 2:
            hint = "; for one feature per step, reshape it to %s" % (
                (array.shape + (1,)) if layout == "steps_features" else (array.shape[0], 1, array.shape[1]),
            )
        raise ValueError(
            f"X must be {shape} or a list of 2-D arrays of unequal lengths, "
            f"got an array of shape {array.shape}{hint}"
        )
    dtype = _fit_dtype([array.dtype]) if dtype is None else dtype
    array = np.asarray(array, dtype=dtype)
    lengths = [array.shape[1 + steps_axis]] * array.shape[0]
    return _Sequences(array, dtype, lengths, array.shape[2 - steps_axis])


def _axes(layout):
    return "n_steps, n_features" if layout == "steps_features" else "n_channels, n_timepoints"


def _target_rows(y, lengths, output):
    """``y`` as one row per sequence (``output="sequence"``) or per real step, sequence by
    sequence (``output="step"``; given so, or as one array per sequence), or a ValueError
    naming what does not match X."""
    n, total = len(lengths), int(sum(lengths))
    if output == "sequence":
        rows = np.asarray(y)
        if rows.ndim == 0 or len(rows) != n:
            found = "a scalar" if rows.ndim == 0 else f"{len(rows)} rows"
            raise ValueError(f"y has {found}, but X has {n} sequences: one target per sequence")
        return rows
    if not _is_list_of_sequences(y) and np.ndim(y) == 0:
        raise ValueError(
            f"y is a scalar, but X has {total} steps in all: one target per step with output='step'"
        )
    if len(y) == total:
        return np.asarray(y)
    if len(y) != n:
        raise ValueError(
            f"y has {len(y)} rows, but X has {total} steps in all ({n} sequences): with output='step', "
            "y holds one target per real step, sequence by sequence, or one array per sequence"
        )
    parts = []
    for i, (part, length) in enumerate(zip(y, lengths)):
        part = np.asarray(part)
        if part.ndim == 0 or len(part) != length:
            found = "a scalar" if part.ndim == 0 else f"{len(part)} rows"
            raise ValueError(f"y[{i}] has {found}, but sequence {i} has {length} steps: one target per step")
        parts.append(part)
    return np.concatenate(parts)


# ---------------------------------------------------------------------- the estimators


class _BaseRNN(_base.GradientEstimator):
    """What the classifier and the regressor share."""

    _parameter_constraints: dict = _PARAMETER_CONSTRAINTS
    _pipeline_step = "rnn"
    _FITTED = _FITTED

    # The classifier and the regressor take the same parameters; scikit-learn's ``get_params``
    # reads them from this signature, which both inherit.
    def __init__(
        self,
        cell="lstm",
        hidden_size=32,
        *,
        num_layers=1,
        bidirectional=False,
        nonlinearity="tanh",
        dropout=0.0,
        hidden_layer_sizes=(),
        activation="relu",
        output="sequence",
        clip_grad_norm=None,
        layout="steps_features",
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        n_jobs=None,
    ):
        self._store_parameters(locals())

    # ------------------------------------------------------------------ fitting

    def _fit(self, X, y, sample_weight, incremental, classes=None):
        params = self._core_params()
        fitted = self.__sklearn_is_fitted__()
        assigned = self._assigned_tensors()
        if assigned is not None and fitted:
            raise ValueError(self._reassigned_message())
        # As the MLPs' assigned coefs_, weights assigned to an unfitted estimator are where
        # partial_fit and a warm start begin.
        from_assigned = assigned is not None and (self.warm_start or incremental)
        first_pass = not fitted or (not self.warm_start and not incremental)
        X = _sequences(X, self.layout, None if first_pass else _CORE_DTYPES[self._core.dtype])
        rows = _target_rows(y, X.lengths, self.output)
        targets = self._targets(rows, incremental, first_pass, classes)
        build = None
        if from_assigned:
            build = partial(self._core_from_tensors, params, X.dtype.name, X.n_features, targets, assigned)
        core = self._core_to_train(params, X.dtype.name, first_pass, build)
        return self._train_and_adopt(core, X.data, targets, sample_weight, np.asarray(X.lengths), incremental)

    def _assigned_tensors(self):
        """``state_dict_`` when the user assigned it (or replaced an array in it) since the
        core last set it, else None."""
        tensors = self.__dict__.get("state_dict_")
        if tensors is None:
            return None
        exported = self.__dict__.get("_tensors_exported")
        if exported is not None:
            old_dict, old_items = exported
            if tensors is old_dict and len(tensors) == len(old_items):
                if all(tensors.get(name) is array for name, array in old_items):
                    return None
        return tensors

    def _reassigned_message(self):
        return (
            f"state_dict_ of a fitted {type(self).__name__} was replaced; weights are given to an "
            "unfitted estimator (assign state_dict_ before partial_fit or a fit with warm_start=True)"
        )

    @staticmethod
    def _cast_tensors(tensors, dtype):
        return {str(name): np.ascontiguousarray(array, dtype=dtype) for name, array in tensors.items()}

    def _copy_state(self, state):
        """The core's fitted attributes. The weight arrays are read-only copies: a new dict
        assigned to ``state_dict_`` before training sets the weights; changing the copies in
        place would not, so it is refused."""
        tensors = state["tensors"]
        for array in tensors.values():
            array.flags.writeable = False
        self.state_dict_ = tensors
        self._tensors_exported = (tensors, list(tensors.items()))
        self._copy_report(state)

    # ------------------------------------------------------------------ prediction

    def _forward(self, method, X):
        """The core's prediction ``method`` for X, and the steps of X's sequences."""
        check_is_fitted(self)
        if self._assigned_tensors() is not None:
            raise ValueError(self._reassigned_message())
        X = _sequences(X, self.layout, _CORE_DTYPES[self._core.dtype])
        return getattr(self._core, method)(X.data, self.layout, self.n_jobs), X.lengths

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        return tags


#: The docstring sections both recurrent estimators share: their parameters (the recurrent
#: layers' own, then the MLPs' solver settings) and fitted attributes (the classifier's
#: ``classes_`` before them).
_PARAMETERS_DOC = _docs.section(
    "Parameters",
    """\
cell : {"lstm", "gru", "rnn"}, default="lstm"
    The recurrent cell, with PyTorch's maths: LSTM (gates i, f, g, o), GRU (gates r, z, n,
    the reset gate on the biased recurrent product) or Elman's (``rnn``). All solvers.""",
    """\
hidden_size : int, default=32
    The number of units of each recurrent layer's state. All solvers.""",
    """\
num_layers : int, default=1
    The number of stacked recurrent layers, each reading the one below's outputs. All
    solvers.""",
    """\
bidirectional : bool, default=False
    Run each layer forward and backward in time, outputs concatenated. All solvers.""",
    """\
nonlinearity : {"tanh", "relu"}, default="tanh"
    The Elman cell's non-linearity (``cell="rnn"`` only; the LSTM and GRU have their own
    gates). All solvers.""",
    """\
dropout : float in [0, 1), default=0.0
    The share of the outputs of every recurrent layer but the last set to zero while
    training (scaled up to keep their expectation), drawn from ``random_state``. sgd and
    adam.""",
    """\
hidden_layer_sizes : array-like of int, default=()
    The dense layers between the recurrent output and the output layer, as the MLPs'
    ``hidden_layer_sizes``; empty: none. All solvers.""",
    """\
activation : {"relu", "tanh", "logistic", "identity"}, default="relu"
    The dense layers' activation (not the recurrent cells'). All solvers.""",
    """\
output : {"sequence", "step"}, default="sequence"
    One output per sequence (from its last state) or one per step (tagging, step-by-step
    forecasting): then ``y`` and predictions hold one row per real step, sequence by
    sequence. All solvers.""",
    """\
clip_grad_norm : float or None, default=None
    Clip each batch's gradient to this 2-norm, as PyTorch's ``clip_grad_norm_``; ``None``:
    no clipping. sgd and adam.""",
    """\
layout : {"steps_features", "features_steps"}, default="steps_features"
    The axes of X: ``(n_sequences, n_steps, n_features)``, or aeon's and sktime's
    ``(n_cases, n_channels, n_timepoints)`` (for a list's arrays too).""",
    *_docs.SOLVER_PARAMETERS,
    _docs.n_jobs("``fit``, ``partial_fit`` and the predictions"),
)
_ATTRIBUTES = (
    """\
state_dict_ : dict of str to ndarray
    Every weight tensor by name: PyTorch's names and shapes for the recurrent layers
    (``weight_ih_l0``, ``bias_hh_l0_reverse``, ...), then ``coefs_{l}`` ``(fan_in,
    fan_out)`` and ``intercepts_{l}`` of the dense layers, as scikit-learn's MLPs hold
    them. Read-only; a dict assigned to an unfitted estimator is where ``partial_fit`` or a
    fit with ``warm_start=True`` begins (weights trained by PyTorch, for instance).""",
    *_docs.TRAINING_ATTRIBUTES,
    """\
n_features_in_ : int
    The number of features of each step.""",
)

#: The methods' parameters that mean the same for both recurrent estimators.
_X = """\
X : array-like of shape (n_sequences, n_steps, n_features), or list of 2-D arrays
    The sequences: a 3-D array, or a list of arrays ``(n_steps_i, n_features)`` of unequal
    lengths (both with the axes ``layout`` says)."""

_SAMPLE_WEIGHT = """\
sample_weight : array-like of shape (n_sequences,), default=None
    A weight for each sequence; ``None`` weighs every sequence 1."""


def _training_docs(y, *classes, returns):
    """The docstring sections of a training method (``fit``, ``partial_fit``): the sequences X,
    ``y`` and ``classes`` as the method takes them, then the sequences' weights."""
    return _docs.method(_X, y, *classes, _SAMPLE_WEIGHT, returns=returns)


def _score_parameters(what):
    """``score``'s parameters: X, y (the true ``what``) and weights, one per row of y (a
    sequence, or a real step)."""
    y = f"y : array-like\n    The true {what}, given as ``fit`` takes them."
    weights = """\
sample_weight : array-like of shape (n_rows,), default=None
    A weight for each row of y; ``None`` weighs every row 1."""
    return _X, y, weights


#: What the recurrent networks' ``batch_size``, ``validation_fraction`` and ``t_`` count.
_COUNTS_NOTE = """
    The solver settings are the MLPs': ``batch_size`` and ``validation_fraction`` count
    sequences, and ``t_`` the sequences seen.
"""


class RNNClassifier(_base.GradientClassifierMixin, _BaseRNN):
    __doc__ = (
        """Recurrent neural-network classifier of sequences (or of their steps), trained in Rust
    by back-propagation through time.

    Labels of any type; binary, multiclass and multi-label (an indicator matrix) targets. X is
    a 3-D array or a list of 2-D arrays of unequal lengths (see ``neurona._rnn``).
    """
        + _COUNTS_NOTE
        + _PARAMETERS_DOC
        + _docs.section("Attributes", _docs.CLASSES_, *_ATTRIBUTES)
    )

    _model_kind = "RNNClassifier"
    _core_class = _core.RnnClassifier

    @_fit_context(prefer_skip_nested_validation=True)
    @_training_docs(
        """\
y : array-like of shape (n_sequences,) or (n_sequences, n_labels), or per step
    The label of each sequence (of any type), or a multi-label indicator matrix; with
    ``output="step"`` one label per real step, sequence by sequence (or one array per
    sequence).""",
        returns=_docs.fitted("RNNClassifier"),
    )
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences X and their labels y by back-propagation through time,
        from new weights (or, with ``warm_start`` or an assigned ``state_dict_``, from those)."""
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    @_training_docs(
        """\
y : array-like of shape (n_sequences,), or per step
    The label of each sequence (or of each real step with ``output="step"``).""",
        _docs.PARTIAL_FIT_CLASSES,
        returns=_docs.updated("RNNClassifier"),
    )
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch of sgd or adam over X and y, continuing from the current weights (the
        first call starts from new ones, or from an assigned ``state_dict_``). Class labels
        only, not a multi-label indicator matrix."""
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _targets(self, y, incremental, first_pass, classes):
        """The targets for the core: ``(kind, classes, encoded y, n_classes for a first
        partial_fit)``, checked as the MLP classifier checks them."""
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        fitted = self.__sklearn_is_fitted__()
        n_classes = None
        if incremental:
            if type_of_target(y).startswith("multilabel"):
                raise ValueError(
                    "partial_fit of RNNClassifier takes class labels, not a multi-label indicator matrix; "
                    "fit trains on one"
                )
            if fitted and self._target_kind == "multilabel":
                raise ValueError(
                    "partial_fit of RNNClassifier continues a fit on class labels, but this one was fitted "
                    "on a multi-label indicator matrix"
                )
            kind, new_classes, n_classes = self._partial_fit_classes(classes, fitted)
        elif first_pass:
            y_type = type_of_target(y, input_name="y")
            if "multioutput" in y_type:
                raise ValueError("Multioutput target data is not supported with label binarization")
            new_classes = unique_labels(y)
            kind = "multilabel" if y_type.startswith("multilabel") else "multiclass"
            if kind == "multiclass" and len(new_classes) <= 2:
                kind = "binary"
        else:
            kind, new_classes = self._target_kind, self.classes_
            seen = unique_labels(y)
            if kind != "multilabel" and set(seen) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the previous "
                    f"call to fit. Previously got {self.classes_}, `y` has {seen}"
                )
        if kind == "multilabel":
            return kind, new_classes, np.ascontiguousarray(y, dtype=bool), n_classes
        unseen = np.setdiff1d(unique_labels(y), new_classes, assume_unique=True)
        if len(unseen):
            raise ValueError(
                f"`y` has classes not in `self.classes_`. `self.classes_` has {new_classes}. 'y' has {unseen}."
            )
        encoded = np.ascontiguousarray(np.searchsorted(new_classes, y), dtype=np.int64)
        return kind, new_classes, encoded, n_classes

    def _core_from_tensors(self, params, dtype, n_features, targets, tensors):
        kind, classes, _, _ = targets
        if kind == "multilabel":
            raise ValueError(
                "state_dict_ assigned before the first fit is supported for class labels, "
                "not for multilabel targets"
            )
        tensors = self._cast_tensors(tensors, dtype)
        return _core.RnnClassifier.with_weights(params, dtype, len(classes), n_features, tensors)

    @_docs.method(
        _X,
        returns="""\
y : ndarray of shape (n_rows,) or (n_rows, n_labels)
    One label per sequence, or per real step sequence by sequence; an indicator matrix for a
    multi-label classifier.""",
    )
    def predict(self, X):
        """Predict the label of each sequence (or of each real step with ``output="step"``)."""
        if self.__dict__.get("_target_kind") == "multilabel":
            return self._forward("predict_multilabel", X)[0].astype(np.int64)
        indices, _ = self._forward("predict", X)
        return self.classes_[indices]

    @_docs.method(
        _X,
        returns="""\
proba : ndarray of shape (n_rows, n_classes)
    The probabilities, columns in the order of ``classes_``.""",
    )
    def predict_proba(self, X):
        """The probability of each class, for each sequence (or real step with
        ``output="step"``)."""
        return self._forward("predict_proba", X)[0]

    @_docs.method(*_score_parameters("labels"), returns="score : float\n    The accuracy, in [0, 1].")
    def score(self, X, y, sample_weight=None):
        """The accuracy of ``predict(X)`` against y (for a multi-label classifier, the share of
        rows whose every label is right)."""
        if self.__dict__.get("_target_kind") == "multilabel":
            predicted, lengths = self._forward("predict_multilabel", X)
            predicted = predicted.astype(np.int64)
        else:
            indices, lengths = self._forward("predict", X)
            predicted = self.classes_[indices]
        return accuracy_score(_target_rows(y, lengths, self.output), predicted, sample_weight=sample_weight)


class RNNRegressor(_base.GradientRegressorMixin, _BaseRNN):
    __doc__ = (
        """Recurrent neural-network regressor of sequences (or of their steps: step-by-step
    forecasting), trained in Rust by back-propagation through time on half the squared error.

    One or many outputs. X is a 3-D array or a list of 2-D arrays of unequal lengths (see
    ``neurona._rnn``).
    """
        + _COUNTS_NOTE
        + _PARAMETERS_DOC
        + _docs.section("Attributes", *_ATTRIBUTES)
    )

    _model_kind = "RNNRegressor"
    _core_class = _core.RnnRegressor

    @_fit_context(prefer_skip_nested_validation=True)
    @_training_docs(
        """\
y : array-like of shape (n_sequences,) or (n_sequences, n_targets), or per step
    The target of each sequence; with ``output="step"`` one row per real step, sequence by
    sequence (or one array per sequence).""",
        returns=_docs.fitted("RNNRegressor"),
    )
    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences X and their targets y by back-propagation through time,
        on half the squared error, from new weights (or, with ``warm_start`` or an assigned
        ``state_dict_``, from those)."""
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    @_training_docs(
        """\
y : array-like of shape (n_sequences,) or (n_sequences, n_targets), or per step
    The targets, as ``fit`` takes them.""",
        returns=_docs.updated("RNNRegressor"),
    )
    def partial_fit(self, X, y, sample_weight=None):
        """One epoch of sgd or adam over X and y, continuing from the current weights (the
        first call starts from new ones, or from an assigned ``state_dict_``)."""
        return self._fit(X, y, sample_weight, incremental=True)

    def _targets(self, y, incremental, first_pass, classes):
        y = np.asarray(y)
        _base.refuse_string_targets(y, "RNNRegressor")
        if y.dtype.kind not in "biuf":
            try:
                y = y.astype(np.float64)
            except (TypeError, ValueError) as error:
                raise ValueError(f"y must hold numbers: {error}") from None
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D or 2-D (rows, n_outputs), got shape {y.shape}")
        return y

    def _core_from_tensors(self, params, dtype, n_features, y, tensors):
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        tensors = self._cast_tensors(tensors, dtype)
        return _core.RnnRegressor.with_weights(params, dtype, n_outputs, n_features, tensors)

    @_docs.method(
        _X,
        returns="""\
y : ndarray of shape (n_rows,) or (n_rows, n_outputs)
    One row per sequence, or per real step sequence by sequence; flattened for one output.""",
    )
    def predict(self, X):
        """Predict the target of each sequence (or of each real step with ``output="step"``)."""
        y_pred, _ = self._forward("predict", X)
        return y_pred.ravel() if y_pred.shape[1] == 1 else y_pred

    @_docs.method(*_score_parameters("targets"), returns="score : float\n    R² (1 is perfect; it can be negative).")
    def score(self, X, y, sample_weight=None):
        """The coefficient of determination R² of ``predict(X)`` against y."""
        y_pred, lengths = self._forward("predict", X)
        y_pred = y_pred.ravel() if y_pred.shape[1] == 1 else y_pred
        return r2_score(_target_rows(y, lengths, self.output), y_pred, sample_weight=sample_weight)
