"""``MLPClassifier`` and ``MLPRegressor``: scikit-learn's classes, with the numerics in Rust.

The classes follow scikit-learn's conventions to the letter: ``__init__`` only stores its
arguments; ``fit`` validates them with scikit-learn's own constraint table (so errors are
scikit-learn's ``InvalidParameterError``) and the data with ``validate_data``; class labels of
any type are kept here (``classes_``) and the Rust core sees their indices; the fitted
attributes are numpy arrays and Python values copied from the core after every call.

Prediction has a fast path for what ``predict`` is mostly given, a plain float ndarray: the
checks scikit-learn's ``validate_data`` would make are then a few attribute tests, and NaN and
infinity are looked for by the core (the ``screen`` flag of its predictions). Everything else,
and every input those checks or the core's would refuse, takes the full path, so results and
errors are the same.
"""

import operator
from functools import partial

import numpy as np
import scipy.sparse as sp
from sklearn.base import _fit_context
from sklearn.neural_network import MLPClassifier as _SklearnClassifier
from sklearn.neural_network import MLPRegressor as _SklearnRegressor
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import check_is_fitted, column_or_1d, validate_data

from neurona import _base, _core, _docs

# Attributes of the stochastic solvers, absent (AttributeError) after an lbfgs fit, as in
# scikit-learn: the networks' and the MLPs' own.
_STOCHASTIC_ATTRIBUTES = (*_base.GradientEstimator._STOCHASTIC_ATTRIBUTES, "_no_improvement_count", "_optimizer")

#: What the model file rebuilds (``_persist``): the core and every attribute copied from it.
_FITTED = _base.FITTED | {
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
    "_weights_exported",
    *_STOCHASTIC_ATTRIBUTES,
}


#: ``n_jobs``, neurona's addition to scikit-learn's parameters.
_N_JOBS_CONSTRAINT = _base.N_JOBS_CONSTRAINT

_FLOAT32, _FLOAT64 = np.dtype(np.float32), np.dtype(np.float64)
_CORE_DTYPES = {"float32": _FLOAT32, "float64": _FLOAT64}


def _check_network_size(layer_units):
    """numpy's MemoryError for a network whose weights could not even be addressed (the core
    would overflow its sizes)."""
    n_params = sum((fan_in + 1) * fan_out for fan_in, fan_out in zip(layer_units, layer_units[1:]))
    if n_params * 8 > np.iinfo(np.intp).max:
        raise MemoryError(f"a network with layers {layer_units} has {n_params} weights: too many to allocate")


#: The MLPs' own fitted attributes, for their docstrings.
_COEFS_ = """\
coefs_ : list of ndarray
    The weight matrices, one per layer: ``coefs_[i]`` has shape ``(fan_in, fan_out)`` and
    maps layer ``i`` to layer ``i + 1``. Writable: editing them in place or assigning new
    arrays changes the predictions, continued training and saved files, as in scikit-learn."""

_INTERCEPTS_ = """\
intercepts_ : list of ndarray
    The bias vectors, ``intercepts_[i]`` of shape ``(fan_out,)`` for layer ``i + 1``;
    writable, as ``coefs_``."""

_N_LAYERS_ = """\
n_layers_ : int
    The number of layers, the input and output layers included."""

#: The fitted attributes both MLPs have (the classifier's ``classes_`` before them).
_ATTRIBUTES = (*_docs.TRAINING_ATTRIBUTES, _COEFS_, _INTERCEPTS_, _N_LAYERS_, *_docs.INPUT_ATTRIBUTES)

#: The methods' parameters and results that mean the same for both MLPs.
_X_FIT = """\
X : {array-like, sparse matrix} of shape (n_samples, n_features)
    The input samples; float32 data trains in float32, anything else in float64."""


class _OptimizerState:
    """What scikit-learn's ``_optimizer`` exposes that its tests read: the learning rate."""

    def __init__(self, learning_rate):
        self.learning_rate = learning_rate

    def __repr__(self):
        return f"_OptimizerState(learning_rate={self.learning_rate!r})"


class _BaseMLP(_base.GradientEstimator):
    """What the classifier and the regressor share."""

    _pipeline_step = "mlp"
    _FITTED = _FITTED
    _STOCHASTIC_ATTRIBUTES = _STOCHASTIC_ATTRIBUTES

    # ------------------------------------------------------------------ fitting

    def _is_first_pass(self, incremental):
        return not self.__sklearn_is_fitted__() or (not self.warm_start and not incremental)

    def _fit(self, X, y, sample_weight, incremental, classes=None):
        params = self._core_params()
        assigned = self._assigned_weights()
        # As in scikit-learn, weights assigned to an unfitted estimator are where partial_fit
        # and a warm start begin.
        from_assigned = assigned is not None and not self.__sklearn_is_fitted__()
        from_assigned = from_assigned and (self.warm_start or incremental)
        first_pass = self._is_first_pass(incremental) and not from_assigned
        X, targets = self._validate_input(X, y, incremental, first_pass, classes)
        _check_network_size([X.shape[1], *params["hidden_layer_sizes"], 1])
        build = partial(self._core_from_weights, params, X.dtype.name, targets, *assigned) if from_assigned else None
        core = self._core_to_train(params, X.dtype.name, first_pass, build)
        if not (from_assigned or first_pass):
            # The fit continues from the weights as the attributes hold them now.
            self._sync_core()
        X = _base.dense(X, core.dtype)
        return self._train_and_adopt(core, X, targets, sample_weight, X, incremental)

    def _exported_params(self):
        """The flat weight buffer behind ``coefs_`` and ``intercepts_`` when they are still the
        views ``_copy_state`` made of it (edited in place or not), else None: the user assigned
        other lists or arrays. Identity tests only, cheap enough for every prediction."""
        attributes = self.__dict__
        exported = attributes.get("_weights_exported")
        if exported is None:
            return None
        old_coefs, old_intercepts, old_arrays, flat = exported
        coefs, intercepts = attributes.get("coefs_"), attributes.get("intercepts_")
        if coefs is not old_coefs or intercepts is not old_intercepts:
            return None
        # The core exports as many coefs as intercepts, so equal lengths and the same arrays in
        # a row mean the same lists (a user may replace their arrays one by one).
        if len(coefs) != len(intercepts) or len(coefs) + len(intercepts) != len(old_arrays):
            return None
        if not all(map(operator.is_, [*coefs, *intercepts], old_arrays)):
            return None
        return flat

    def _assigned_weights(self):
        """``(coefs_, intercepts_)`` when the user assigned them (scikit-learn's fitted
        attributes are assignable) rather than the views of the fitted weights, else None."""
        attributes = self.__dict__
        coefs, intercepts = attributes.get("coefs_"), attributes.get("intercepts_")
        if coefs is None or intercepts is None or self._exported_params() is not None:
            return None
        return coefs, intercepts

    @staticmethod
    def _cast_weights(weights, dtype):
        coefs, intercepts = weights
        return (
            [np.ascontiguousarray(c, dtype=dtype) for c in coefs],
            [np.ascontiguousarray(b, dtype=dtype).ravel() for b in intercepts],
        )

    def _sync_core(self):
        core = self.__dict__.get("_core")
        coefs, intercepts = self.__dict__.get("coefs_"), self.__dict__.get("intercepts_")
        if core is None or coefs is None or intercepts is None:
            return
        core.set_weights(*self._cast_weights((coefs, intercepts), core.dtype))

    def _copy_state(self, state):
        """The core's fitted attributes as scikit-learn's. ``coefs_`` and ``intercepts_`` are
        writable views of one copy of the core's flat weights, which the predictions hand to
        the core: editing them in place changes the predictions, as in scikit-learn, at no cost
        per prediction. Arrays assigned in their place are given to the core at each use."""
        flat, units = state["params"], state["layer_units"]
        coefs, intercepts, offset = [], [], 0
        for fan_in, fan_out in zip(units, units[1:]):
            coefs.append(flat[offset : offset + fan_in * fan_out].reshape(fan_in, fan_out))
            offset += fan_in * fan_out
        for fan_out in units[1:]:
            intercepts.append(flat[offset : offset + fan_out])
            offset += fan_out
        self.coefs_ = coefs
        self.intercepts_ = intercepts
        self._weights_exported = (coefs, intercepts, [*coefs, *intercepts], flat)
        self.n_layers_ = state["n_layers"]
        if not self._copy_report(state):
            return
        self._no_improvement_count = state["no_improvement_count"]
        self._optimizer = _OptimizerState(state["learning_rate"])

    # ------------------------------------------------------------------ prediction

    def _forward(self, method, X):
        """The core's prediction ``method`` (``"predict"``, ``"predict_proba"``...) for X, and
        the dtype scikit-learn's forward pass would return.

        The fast path takes X as it is when scikit-learn's checks would pass it on unchanged:
        a plain 2-D ndarray of the model's dtype (or float32 for a float64 model) with rows and
        the fitted width, given to a model fitted without feature names whose weights were not
        reassigned; the core's method, told to screen X, answers None when X holds NaN or
        infinity. Anything else takes the full path, which raises scikit-learn's errors."""
        attributes = self.__dict__
        core = attributes.get("_core")
        if (
            core is not None
            and type(X) is np.ndarray
            and X.ndim == 2
            and X.shape[0] > 0
            and X.shape[1] == attributes.get("n_features_in_")
            and "feature_names_in_" not in attributes
        ):
            params = self._exported_params()
            if params is not None:
                dtype, core_dtype = X.dtype, _CORE_DTYPES[core.dtype]
                if dtype is core_dtype:
                    result = getattr(core, method)(X, self.n_jobs, screen=True, params=params)
                    if result is not None:
                        return result, dtype
                elif dtype is _FLOAT32:
                    # Exact, unlike float64 data for a float32 model (overflow warnings and
                    # all), which the full path converts.
                    result = getattr(core, method)(X.astype(core_dtype), self.n_jobs, screen=True, params=params)
                    if result is not None:
                        return result, _FLOAT64
        X, out_dtype, params = self._forward_input(X)
        return getattr(self._core, method)(X, self.n_jobs, params=params), out_dtype

    def _forward_input(self, X):
        """X validated as scikit-learn validates it at predict time, in the core's dtype, the
        dtype scikit-learn's forward pass would return, and the flat weights to predict with
        (None: the core's own, given the assigned ``coefs_`` and ``intercepts_`` first)."""
        check_is_fitted(self)
        params = self._exported_params()
        if params is None:
            self._sync_core()
        X = validate_data(self, X, accept_sparse=["csr", "csc"], reset=False)
        out_dtype = np.result_type(X.dtype, self._core.dtype)
        return _base.dense(X, self._core.dtype), out_dtype, params

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


class MLPClassifier(_base.GradientClassifierMixin, _BaseMLP):
    __doc__ = (
        """Multi-layer perceptron classifier: scikit-learn's ``MLPClassifier``, trained in Rust.

    A feed-forward network of ``hidden_layer_sizes`` layers trained by back-propagation with
    ``solver``: binary and multiclass classification (a logistic or softmax output with the log
    loss) and multi-label classification (``y`` an indicator matrix: one logistic output per
    label, one-vs-all). Same constructor, parameters, defaults, fitted attributes and results
    for the same ``random_state`` as ``sklearn.neural_network.MLPClassifier`` (scikit-learn
    1.9.1), plus neurona's ``n_jobs``. Differences: sparse X is densified; a failed call leaves
    the estimator as it was; pickles hold neurona's safe model file, not Python objects.
    """
        + _docs.section(
            "Parameters",
            _docs.HIDDEN_LAYER_SIZES,
            _docs.ACTIVATION,
            *_docs.SOLVER_PARAMETERS,
            _docs.n_jobs("``fit``, ``partial_fit``, ``predict``, ``predict_proba`` and ``score``"),
        )
        + _docs.section("Attributes", _docs.CLASSES_, *_ATTRIBUTES)
    )

    _parameter_constraints: dict = {**_SklearnClassifier._parameter_constraints, "n_jobs": _N_JOBS_CONSTRAINT}
    _model_kind = "MLPClassifier"
    _core_class = _core.Classifier
    # scikit-learn's classifier keeps this non-parameter attribute too.
    loss = "log_loss"

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
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

    @_fit_context(prefer_skip_nested_validation=True)
    @_docs.method(
        _X_FIT,
        """\
y : array-like of shape (n_samples,) or (n_samples, n_labels)
    The class labels (of any type), or a multi-label indicator matrix (one column of 0/1 per
    label).""",
        _docs.SAMPLE_WEIGHT,
        returns=_docs.fitted("MLPClassifier"),
    )
    def fit(self, X, y, sample_weight=None):
        """Fit the network to X and y with ``solver``, from new weights (or, with
        ``warm_start``, from the current ones)."""
        return self._fit(X, y, sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    @_docs.method(
        _docs.X_ROWS,
        """\
y : array-like of shape (n_samples,) or (n_samples, n_labels)
    The class labels, or a multi-label indicator matrix.""",
        _docs.SAMPLE_WEIGHT,
        _docs.PARTIAL_FIT_CLASSES.replace("first call", "first call (unless ``y`` is a multi-label indicator matrix)"),
        returns=_docs.updated("MLPClassifier"),
    )
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Train one epoch of sgd or adam over X and y, continuing from the current weights
        (the first call starts from new ones). Not available with ``solver="lbfgs"``."""
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _validate_input(self, X, y, incremental, reset, classes):
        """X and y validated as scikit-learn validates them, and the targets for the core:
        ``(kind, classes, encoded y, n_classes for a first partial_fit)``."""
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        fitted = hasattr(self, "classes_") and self.__sklearn_is_fitted__()
        n_classes = None
        if incremental:
            kind, new_classes, n_classes = self._partial_fit_classes(classes, fitted)
            if not fitted and type_of_target(y).startswith("multilabel"):
                kind, new_classes, n_classes = "multilabel", unique_labels(y), None
        elif not fitted or not self.warm_start:
            y_type = type_of_target(y, input_name="y")
            if "multioutput" in y_type:
                raise ValueError("Multioutput target data is not supported with label binarization")
            new_classes = unique_labels(y)
            if y_type.startswith("multilabel"):
                kind = "multilabel"
            elif len(new_classes) == 1:
                # scikit-learn trains one logistic output towards 0 and always predicts the
                # class: the core's one-label indicator model, with every label False.
                kind = "single"
            else:
                kind = "multiclass" if len(new_classes) > 2 else "binary"
            fitted = False
        else:
            kind, new_classes = self._target_kind, self.classes_

        if fitted:
            seen = unique_labels(y)
            if self.warm_start:
                if set(seen) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        "classes as in the previous call to fit. Previously "
                        f"got {self.classes_}, `y` has {seen}"
                    )
            elif len(np.setdiff1d(seen, self.classes_, assume_unique=True)):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. "
                    f"`self.classes_` has {self.classes_}. 'y' has {seen}."
                )
        elif incremental and kind != "multilabel":
            seen = unique_labels(y)
            if len(np.setdiff1d(seen, new_classes, assume_unique=True)):
                raise ValueError(
                    "`y` has classes not in `self.classes_`. "
                    f"`self.classes_` has {new_classes}. 'y' has {seen}."
                )

        if kind == "multilabel":
            if sp.issparse(y):
                y = y.toarray()
            encoded = np.ascontiguousarray(y, dtype=bool)
        elif kind == "single":
            encoded = np.zeros((len(y), 1), dtype=bool)
        else:
            encoded = np.ascontiguousarray(np.searchsorted(new_classes, y), dtype=np.int64)
        return X, (kind, new_classes, encoded, n_classes)

    def _core_from_weights(self, params, dtype, targets, coefs, intercepts):
        kind, classes, _, _ = targets
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                "coefs_ and intercepts_ assigned before the first fit are supported for class "
                f"labels, not for {kind} targets"
            )
        coefs, intercepts = self._cast_weights((coefs, intercepts), dtype)
        return _core.Classifier.with_weights(params, dtype, len(classes), coefs, intercepts)

    @_docs.method(
        _docs.X_ROWS,
        returns="""\
y : ndarray of shape (n_samples,) or (n_samples, n_labels)
    The predicted labels, or for a multi-label classifier an indicator matrix (a label is
    predicted where its probability exceeds 0.5).""",
    )
    def predict(self, X):
        """Predict the class of each sample."""
        kind = self.__dict__.get("_target_kind")
        if kind == "multilabel":
            return self._forward("predict_multilabel", X)[0].astype(np.int64)
        if kind == "single":
            return np.repeat(self.classes_, self._forward("predict_multilabel", X)[0].shape[0])
        indices, _ = self._forward("predict", X)
        return self.classes_[indices]

    @_docs.method(
        _docs.X_ROWS,
        returns="""\
proba : ndarray of shape (n_samples, n_classes)
    The probabilities, columns in the order of ``classes_``; each row sums to 1, except for a
    multi-label classifier, whose labels are independent.""",
    )
    def predict_proba(self, X):
        """The probability of each class for each sample: the output layer's softmax
        (multiclass) or logistic units (binary, multi-label)."""
        proba, out_dtype = self._forward("predict_proba", X)
        proba = proba.astype(out_dtype, copy=False)
        if self._target_kind == "single":
            # Two columns for one class, as scikit-learn returns them.
            return np.hstack([1 - proba, proba])
        return proba


class MLPRegressor(_base.GradientRegressorMixin, _BaseMLP):
    __doc__ = (
        """Multi-layer perceptron regressor: scikit-learn's ``MLPRegressor``, trained in Rust.

    A feed-forward network of ``hidden_layer_sizes`` layers trained by back-propagation with
    ``solver``, with an identity output and half the squared error, or an exponential output
    and the Poisson deviance (``loss``); one target or several. Same constructor (its first
    positional parameter is ``loss``), parameters, defaults, fitted attributes and results for
    the same ``random_state`` as ``sklearn.neural_network.MLPRegressor`` (scikit-learn 1.9.1),
    plus neurona's ``n_jobs``. Differences: sparse X is densified; ``loss='poisson'`` with a
    negative target is an error; a float32 model trains on float32 targets.
    """
        + _docs.section(
            "Parameters",
            _docs.REGRESSION_LOSS,
            _docs.HIDDEN_LAYER_SIZES,
            _docs.ACTIVATION,
            *_docs.SOLVER_PARAMETERS,
            _docs.n_jobs("``fit``, ``partial_fit``, ``predict`` and ``score``"),
        )
        + _docs.section("Attributes", *_ATTRIBUTES)
    )

    _parameter_constraints: dict = {**_SklearnRegressor._parameter_constraints, "n_jobs": _N_JOBS_CONSTRAINT}
    _model_kind = "MLPRegressor"
    _core_class = _core.Regressor

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
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

    @_fit_context(prefer_skip_nested_validation=True)
    @_docs.method(
        _X_FIT,
        """\
y : array-like of shape (n_samples,) or (n_samples, n_targets)
    The target values (>= 0 with ``loss="poisson"``).""",
        _docs.SAMPLE_WEIGHT,
        returns=_docs.fitted("MLPRegressor"),
    )
    def fit(self, X, y, sample_weight=None):
        """Fit the network to X and y with ``solver``, from new weights (or, with
        ``warm_start``, from the current ones)."""
        return self._fit(X, y, sample_weight, incremental=False)

    # As in scikit-learn, the guard is never called (it tests the method object), so
    # partial_fit also exists for lbfgs, where it runs a whole L-BFGS fit.
    @available_if(lambda est: est._check_solver)
    @_fit_context(prefer_skip_nested_validation=True)
    @_docs.method(
        _docs.X_ROWS,
        """\
y : array-like of shape (n_samples,) or (n_samples, n_targets)
    The target values.""",
        _docs.SAMPLE_WEIGHT,
        returns=_docs.updated("MLPRegressor"),
    )
    def partial_fit(self, X, y, sample_weight=None):
        """Train one epoch over X and y, continuing from the current weights (the first call
        starts from new ones). As in scikit-learn it exists for every solver; with
        ``solver="lbfgs"`` each call runs a whole L-BFGS fit."""
        return self._fit(X, y, sample_weight, incremental=True)

    def _validate_input(self, X, y, incremental, reset, classes):
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        _base.refuse_string_targets(y, "MLPRegressor")
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        return X, y

    def _core_from_weights(self, params, dtype, targets, coefs, intercepts):
        coefs, intercepts = self._cast_weights((coefs, intercepts), dtype)
        return _core.Regressor.with_weights(params, dtype, coefs, intercepts)

    @_docs.method(
        _docs.X_ROWS,
        returns="""\
y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
    The predictions: one column per target, flattened for a single target.""",
    )
    def predict(self, X):
        """Predict the target of each sample."""
        y_pred, out_dtype = self._forward("predict", X)
        y_pred = y_pred.astype(out_dtype, copy=False)
        if y_pred.shape[1] == 1:
            return y_pred.ravel()
        return y_pred
