"""What every neurona estimator shares: the fitted check, ``save``, pickling, the random streams
handed to the core, and X made dense for it; and what the gradient-trained networks (the MLPs
and the recurrent networks) share: their solver parameters, a training run, the fitted
attributes of its report, and the class labels of their classifiers.

An estimator family is a class deriving from ``NeuronaEstimator`` (after scikit-learn's mixins)
that sets ``_model_kind`` (which registers it for ``neurona.load``), ``_core_class``,
``_pipeline_step`` and ``_FITTED``, implements the persistence hooks that ``_persist``
describes, and spells out scikit-learn's ``__init__`` signature, whose body is
``self._store_parameters(locals())``.

Random streams are scikit-learn's: a call draws from ``check_random_state(random_state)`` (a
fresh stream for an integer, numpy's global stream for ``None``, the instance itself
otherwise). They stay numpy ``RandomState`` objects here; the core draws from a copy of their
state (the same Mersenne Twister), and the new state is written back.
"""

import numbers
import operator
import warnings
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval
from sklearn.utils.multiclass import unique_labels
from sklearn.utils.validation import _check_sample_weight

from neurona import _core, _docs, _onnx, _persist

#: The fitted attributes every estimator rebuilds from its model file (each adds its own).
FITTED = frozenset({"_core", "n_features_in_", "feature_names_in_"})


#: The solvers that train epoch by epoch: ``partial_fit``, verbose lines and a loss curve.
STOCHASTIC_SOLVERS = ("sgd", "adam")

#: ``n_jobs``, neurona's addition to scikit-learn's parameters: joblib's convention, where 0
#: means nothing.
N_JOBS_CONSTRAINT = [
    Interval(Integral, 1, None, closed="left"),
    Interval(Integral, None, -1, closed="right"),
    None,
]


class VerbosePrinter:
    """scikit-learn's ``verbose`` lines of gradient training, printed with Python's ``print``
    (so ``sys.stdout`` redirections and pytest's ``capsys`` see them)."""

    def __init__(self):
        self.printed = 0

    def epoch(self, epoch, loss, validation_score):
        print("Iteration %d, loss = %.8f" % (epoch, loss))
        if validation_score is not None:
            print("Validation score: %f" % validation_score)
        self.printed = epoch

    def finish(self, state):
        """Prints the epochs the live callback did not see (the one that stopped training)
        and the stop message."""
        curve, scores, n_iter = state["loss_curve"], state["validation_scores"], state["n_iter"]
        if curve is None:
            return
        for epoch in range(self.printed + 1, n_iter + 1):
            print("Iteration %d, loss = %.8f" % (epoch, curve[len(curve) - n_iter + epoch - 1]))
            if scores is not None and len(scores) - n_iter + epoch - 1 >= 0:
                print("Validation score: %f" % scores[len(scores) - n_iter + epoch - 1])
        if state["converged"] and state["message"]:
            print(state["message"])


#: Appended to scikit-learn's text of every ``ConvergenceWarning`` neurona raises. Python's
#: warning filters match ``module`` against the module that raised the warning, and neurona's
#: modules are not scikit-learn's, so the filter scikit-learn's examples use
#: (``module="sklearn"``) does not match; pretending to be a scikit-learn module would make
#: warnings point at code that did not raise them, so the warning names the filter that works.
CONVERGENCE_FILTER_HINT = (
    " (raised by neurona: warnings.filterwarnings('ignore', category=ConvergenceWarning, "
    "module='sklearn|neurona') silences it)"
)


def warn_convergence(text):
    """scikit-learn's ``ConvergenceWarning`` with its own ``text``, raised from this module (so
    ``module='neurona'`` filters match it) with the filter that silences it appended."""
    warnings.warn(text + CONVERGENCE_FILTER_HINT, ConvergenceWarning)


def warn_about_training(state):
    """The warnings of a gradient-trained fit, from the core's state: its report's warnings, a
    Ctrl-C, or scikit-learn's ``ConvergenceWarning``."""
    for text in state["warnings"]:
        warnings.warn(text, UserWarning)
    if state["interrupted"]:
        warnings.warn("Training interrupted by user.")
    elif not state["converged"] and state["message"]:
        warn_convergence(state["message"])


def refuse_string_targets(y, estimator):
    """scikit-learn's ``TypeError`` for a regressor's validated ``y`` of strings: its regressors
    convert an object array of numbers (``y_numeric``) but fail on an array of strings, even
    numeric ones, rather than parse them."""
    if y.dtype.kind in "US":
        raise TypeError(
            f"{estimator} cannot train on y of dtype {y.dtype!r}: a regressor's targets must be "
            "numbers, not strings (scikit-learn's raises a TypeError too); convert them first, "
            "e.g. y.astype(float)"
        )


def core_params(estimator, **computed):
    """The estimator's hyperparameters for the core, named and typed by the core's spec table
    (``_core.specs``): each parameter the table declares, from ``get_params()`` as a plain value
    of the spec's kind, or from ``computed`` where the Python layer works it out itself (a seed
    from a ``RandomState``, class weights, validated layer sizes). So no parameter is listed
    again here: the table is the core's declaration."""
    params = _persist.all_params(estimator)
    plain = {}
    for name, _default, kind, _choices, _doc in _core.specs(estimator._model_kind):
        if name in computed:
            plain[name] = computed[name]
        elif name in params:
            plain[name] = _plain(params[name], kind)
    return plain


def _plain(value, kind):
    """A scikit-learn parameter value as the binding takes it for a spec of this kind."""
    if value is None or isinstance(value, str):
        return value
    if kind == "bool":
        return bool(value)
    if kind == "float":
        return float(value)
    if kind == "integer":
        return operator.index(value)
    if kind == "list of integers":
        return [operator.index(v) for v in value]
    if isinstance(value, numbers.Real) and np.isinf(value):
        return "inf"
    if isinstance(value, numbers.Integral):
        return operator.index(value)
    return value


def seed(random_state):
    """The integer seed the core starts its own stream from, or None when the call draws from
    a numpy stream (``None``: the global one, or a ``RandomState``)."""
    if random_state is None or isinstance(random_state, np.random.RandomState):
        return None
    return operator.index(random_state)


def stream_state(stream):
    """A numpy ``RandomState``'s state as the core takes it."""
    _, key, pos, has_gauss, cached = stream.get_state(legacy=True)
    key = np.ascontiguousarray(key, dtype=np.uint32)
    return key, int(pos), bool(has_gauss), float(cached)


def random_stream(random_state):
    """The numpy ``RandomState`` a call draws from, as scikit-learn's ``check_random_state``
    picks it (``None``: numpy's global one), with its state for the core; ``(None, None)`` for
    an integer seed, which the core seeds itself (``seed``)."""
    if random_state is None:
        random_state = np.random.mtrand._rand
    if not isinstance(random_state, np.random.RandomState):
        return None, None
    return random_state, stream_state(random_state)


def advance(stream, new_state):
    """Writes back the state the core left a stream in (None: the core drew from its own)."""
    if stream is not None and new_state is not None:
        stream.set_state(new_state)


def _float64(value):
    """A float as numpy's float64 scalar, None kept."""
    return None if value is None else np.float64(value)


def dense(X, dtype):
    """X as a dense array of the core's dtype; sparse input is densified (the core's kernels
    are dense), unless its dense form could not be allocated: then a ``MemoryError`` that
    names the shape, before anything is allocated. A C-ordered float array of the right type
    passes without a copy."""
    if sp.issparse(X):
        _core.check_densifiable(X.shape, np.dtype(dtype).name)
        X = X.toarray()
    return np.asarray(X, dtype=dtype)


class NeuronaEstimator(BaseEstimator):
    """The mechanics of every estimator: fitted once it holds a core, saved and pickled as the
    core's model file (``_persist``)."""

    #: The kind name the model files hold; a class that sets it is what ``load`` returns for it.
    _model_kind = None
    #: The core's class (``neurona._core``), whose ``from_bytes`` reads the model file.
    _core_class = None
    #: The step name ``load`` gives the estimator in a ``Pipeline`` behind the CLI's scaler.
    _pipeline_step = None
    #: Attributes rebuilt from the model file; the rest of ``__dict__`` is pickled as it is.
    _FITTED = FITTED
    #: Conversions of the parameters the core writes differently from scikit-learn (read from
    #: files with no Python metadata: the CLI's and the Rust crate's).
    _PARAMS_FROM_CORE = {}
    #: The notebook display (scikit-learn's HTML representation) links to the estimator's page
    #: of neurona's site, and its parameter table then shows each parameter's entry of the
    #: class docstring as a tooltip. A class defined outside neurona gets no link.
    _doc_link_module = "neurona"
    _doc_link_template = _docs.SITE_URL + "api/{estimator_module}.{estimator_name}.html"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_model_kind" in cls.__dict__:
            _persist.register(cls)

    def _store_parameters(self, arguments):
        """What ``__init__`` does, given its ``locals()``: stores each of its parameters under
        its own name, unchanged, and nothing else, as scikit-learn requires of a constructor
        (``get_params`` and ``clone`` read the signature's names back). The names are the
        arguments', not ``type(self)``'s signature's: a subclass whose ``__init__`` adds
        parameters and calls ``super().__init__(...)`` has its parent store the parent's."""
        for name, value in arguments.items():
            if name not in ("self", "__class__"):
                setattr(self, name, value)

    def __sklearn_is_fitted__(self):
        return getattr(self, "_core", None) is not None

    def _adopt(self, core):
        """Makes ``core`` this estimator's model, with its fitted attributes copied
        (``_copy_state``); returns the core's state."""
        state = core.state()
        self._core = core
        self._copy_state(state)
        return state

    def _sync_core(self):
        """Gives the core the fitted weights the Python attributes hold now (a user may have
        assigned them or edited them in place, as scikit-learn allows) before the core reads
        its own: a model file, a continued fit. Nothing for a family whose core reads none."""

    def save(self, path):
        """Writes the fitted model to ``path`` as a neurona model file (safetensors: the
        weights, the training state and a validated JSON header), which ``neurona.load`` and the
        ``neurona`` command read; a classifier's integer and string classes are written as the
        file's own labels. Loading it never executes code, unlike a pickle.

        The file is written to a temporary file renamed into place, so a crash never leaves
        half a model; before ``fit``, ``NotFittedError`` is raised and nothing is written.

        Parameters
        ----------
        path : str or os.PathLike
            Where to write the file (conventionally ending in ``.safetensors``); an existing
            file is replaced.
        """
        _persist.save(self, path)

    def to_onnx(self):
        """The fitted model as ONNX (opset 17), for ONNX Runtime: an ``onnx.ModelProto`` when
        the ``onnx`` package is installed, else the serialized bytes. Input ``X`` in the model's
        float type (the recurrent networks: ``X`` padded to ``(N, T, n_features)`` and
        ``sequence_lens``, float32 models only); outputs ``label`` and ``probabilities`` (a
        classifier), ``variable`` (a regressor, the RBM's transform), ``label`` and ``scores``
        (the perceptron). Class labels must be integers or strings."""
        return _onnx.to_onnx(self)

    def __getstate__(self):
        return _persist.getstate(self)

    def __setstate__(self, state):
        _persist.setstate(self, state)

    # ------------------------------------------------------------------ persistence hooks

    def _file_meta(self, strict):
        """This estimator's own entries of the file's ``extra["python"]``, and the values JSON
        cannot hold (``strict=False``: left to the pickle)."""
        return {}, {}

    def _core_bytes(self, extra):
        """The core's model-file bytes, with ``extra`` (JSON text) as the header's extra."""
        return self._core.to_bytes(extra)

    def _restore(self, *core_and_meta):
        """Sets the fitted attributes from what ``_core_class.from_bytes`` returned (its extra
        replaced by the Python metadata)."""
        raise NotImplementedError


class GradientEstimator(NeuronaEstimator):
    """What the gradient-trained networks share: scikit-learn's MLP solver parameters and
    ``hidden_layer_sizes`` for the core, ``partial_fit``'s solver guard, one training run (its
    random stream, verbose lines and warnings) and the fitted attributes of its report.

    A family implements ``_train`` (one call of the core's training methods), ``_set_targets``
    and ``_copy_state`` (calling ``_copy_report``), and lists in ``_STOCHASTIC_ATTRIBUTES`` the
    attributes an lbfgs fit leaves absent."""

    _PARAMS_FROM_CORE = {
        "hidden_layer_sizes": tuple,
        "batch_size": lambda value: value if value == "auto" else int(value),
        "n_iter_no_change": lambda value: np.inf if value == "inf" else int(value),
    }
    #: Attributes of the stochastic solvers, absent (AttributeError) after an lbfgs fit, as in
    #: scikit-learn.
    _STOCHASTIC_ATTRIBUTES = ("loss_curve_", "best_loss_", "validation_scores_", "best_validation_score_")

    def _core_params(self):
        """The parameters as plain values for the core, after scikit-learn's own checks of
        ``hidden_layer_sizes`` (which its constraint table cannot express)."""
        sizes = self.hidden_layer_sizes
        if not hasattr(sizes, "__iter__"):
            sizes = [sizes]
        sizes = list(sizes)
        if np.any(np.array(sizes) <= 0):
            raise ValueError("hidden_layer_sizes must be > 0, got %s." % sizes)
        sizes = [operator.index(size) for size in sizes]
        # verbose lines are printed here, through Python's stdout.
        return core_params(self, hidden_layer_sizes=sizes, random_state=seed(self.random_state), verbose=False)

    def _check_solver(self):
        if self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. %s is not stochastic." % self.solver
            )
        return True

    def _core_to_train(self, params, dtype, first_pass, build_from_assigned):
        """The core a fit trains: ``build_from_assigned()`` (None: no weights were assigned to
        start from), a new one computing in ``dtype`` for a first pass, or this estimator's own
        with the new parameters."""
        if build_from_assigned is not None:
            return build_from_assigned()
        if first_pass:
            return self._core_class(params, dtype)
        self._core.set_params(params)
        return self._core

    def _train_and_adopt(self, core, X, targets, sample_weight, weighted_rows, incremental):
        """Trains ``core`` on X (as the core takes it) and ``targets``, with ``sample_weight``
        checked against ``weighted_rows`` (what has one weight a row), the call's random stream
        and the verbose lines; then makes it this estimator's model, with the fitted
        attributes and the training's warnings. Returns self."""
        if sample_weight is not None:
            sample_weight = _check_sample_weight(sample_weight, weighted_rows)
            sample_weight = np.ascontiguousarray(sample_weight, dtype=core.dtype)
        stream, rng = random_stream(self.random_state)
        printer = VerbosePrinter() if self.verbose and self.solver in STOCHASTIC_SOLVERS else None
        on_epoch = printer.epoch if printer is not None else None
        advance(stream, self._train(core, X, targets, sample_weight, rng, on_epoch, incremental))
        state = core.state()
        if printer is not None:
            printer.finish(state)
        self._core = core
        self._set_targets(targets)
        self._copy_state(state)
        if state["interrupted"] and self.solver not in STOCHASTIC_SOLVERS:
            # Ctrl-C stopped L-BFGS (the core kept its last iterate, adopted above as
            # scikit-learn's coefs_ keep the weights its lbfgs reached): scikit-learn catches
            # KeyboardInterrupt only around the stochastic solvers, so here it propagates.
            raise KeyboardInterrupt
        warn_about_training(state)
        return self

    def _copy_report(self, state):
        """The fitted attributes every network copies from the core's state: the sizes and the
        training report. Returns whether a stochastic solver trained (the attributes of
        ``_STOCHASTIC_ATTRIBUTES`` are removed otherwise, for the family's own too)."""
        self.n_features_in_ = state["n_features_in"]
        self.n_outputs_ = state["n_outputs"]
        self.out_activation_ = state["out_activation"]
        # scikit-learn's losses are numpy float64 scalars (its loss functions return them).
        self.loss_ = _float64(state["loss"])
        self.n_iter_ = state["n_iter"]
        self.t_ = state["t"]
        if state["loss_curve"] is None:
            for name in self._STOCHASTIC_ATTRIBUTES:
                self.__dict__.pop(name, None)
            return False
        self.loss_curve_ = [np.float64(loss) for loss in state["loss_curve"]]
        self.best_loss_ = _float64(state["best_loss"])
        self.validation_scores_ = state["validation_scores"]
        self.best_validation_score_ = state["best_validation_score"]
        return True


class GradientClassifierMixin(ClassifierMixin):
    """What the gradient-trained classifiers share: targets ``(kind, classes, encoded y,
    n_classes for a first partial_fit)``, kind ``"binary"``, ``"multiclass"``, ``"multilabel"``
    (an indicator matrix) or ``"single"`` (one class); the labels kept here, their indices for
    the core, and the file's labels; multi-label tags. Comes before the family's base class."""

    def _train(self, core, X, targets, sample_weight, rng, on_epoch, incremental):
        kind, _, encoded, n_classes = targets
        n_jobs = self.n_jobs
        if kind in ("multilabel", "single"):
            method = core.partial_fit_multilabel if incremental else core.fit_multilabel
            return method(X, encoded, sample_weight, rng, on_epoch, n_jobs)
        if incremental:
            return core.partial_fit(X, encoded, n_classes, sample_weight, rng, on_epoch, n_jobs)
        return core.fit(X, encoded, sample_weight, rng, on_epoch, n_jobs)

    def _partial_fit_classes(self, classes, fitted):
        """``(kind, classes, n_classes for the core)`` of a ``partial_fit`` on class labels: on
        the first call, from ``classes`` (required, every label the model will see); after it,
        the fitted ones (``classes``, when given again, must be the same)."""
        if not fitted:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            new_classes = unique_labels(classes)
            return ("multiclass" if len(new_classes) > 2 else "binary"), new_classes, len(new_classes)
        if classes is not None and not np.array_equal(self.classes_, unique_labels(classes)):
            raise ValueError(
                "`classes=%r` is not the same as on last call to partial_fit, was: %r" % (classes, self.classes_)
            )
        return self._target_kind, self.classes_, None

    def _set_targets(self, targets):
        kind, classes, _, _ = targets
        self._target_kind = kind
        self.classes_ = classes

    def predict_log_proba(self, X):
        """The logarithm of ``predict_proba``.

        Parameters
        ----------
        X : array-like
            The input, as ``predict_proba`` takes it.

        Returns
        -------
        log_proba : ndarray of shape (n_rows, n_classes)
            The natural logarithm of each class's probability, columns in the order of
            ``classes_``.
        """
        proba = self.predict_proba(X)
        return np.log(proba, out=proba)

    def _file_meta(self, strict):
        meta, leftovers = _persist.classes_meta(self.classes_, strict)
        return {"target_kind": self._target_kind, **meta}, leftovers

    def _core_bytes(self, extra):
        labels = None
        if self._target_kind in ("binary", "multiclass"):
            labels = _persist.file_labels(self.classes_)
        return self._core.to_bytes(extra, labels)

    def _restore(self, core, labels, meta):
        state = self._adopt(core)
        if state["multilabel"]:
            kind, classes = "multilabel", np.arange(state["n_outputs"])
        else:
            classes = np.asarray(labels)
            kind = "multiclass" if len(classes) > 2 else "binary"
        self._target_kind = meta.get("target_kind", kind)
        self.classes_ = _persist.restored_classes(classes, meta)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class GradientRegressorMixin(RegressorMixin):
    """What the gradient-trained regressors share: targets ``y`` of one or many outputs, and
    model files with no labels. Comes before the family's base class."""

    def _train(self, core, X, y, sample_weight, rng, on_epoch, incremental):
        y = np.ascontiguousarray(y, dtype=core.dtype)
        if y.ndim == 1:
            y = y.reshape(-1, 1)
        method = core.partial_fit if incremental else core.fit
        return method(X, y, sample_weight, rng, on_epoch, self.n_jobs)

    def _set_targets(self, targets):
        pass

    def _restore(self, core, meta):
        self._adopt(core)
