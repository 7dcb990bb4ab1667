"""What every neurona estimator shares: the fitted check, ``save``, pickling, the random streams
handed to the core, and X made dense for it.

An estimator family is a class deriving from ``NeuronaEstimator`` (after scikit-learn's mixins)
that sets ``_model_kind`` (which registers it for ``neurona.load``), ``_core_class``,
``_pipeline_step`` and ``_FITTED``, and implements the persistence hooks that ``_persist``
describes.

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
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils._param_validation import Interval

from neurona import _core, _persist

#: The fitted attributes every estimator rebuilds from its model file (each adds its own).
FITTED = frozenset({"_core", "n_features_in_", "feature_names_in_"})


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


def warn_about_training(state):
    """The warnings of a gradient-trained fit, from the core's state: its report's warnings, a
    Ctrl-C, or scikit-learn's ``ConvergenceWarning``."""
    for text in state["warnings"]:
        warnings.warn(text, UserWarning)
    if state["interrupted"]:
        warnings.warn("Training interrupted by user.")
    elif not state["converged"] and state["message"]:
        warnings.warn(state["message"], ConvergenceWarning)


def core_params(estimator, **computed):
    """The estimator's hyperparameters for the core, named and typed by the core's spec table
    (``_core.specs``): each parameter the table declares, from ``get_params()`` as a plain value
    of the spec's kind, or from ``computed`` where the Python layer works it out itself (a seed
    from a ``RandomState``, class weights, validated layer sizes). So no parameter is listed
    again here: the table is the core's declaration."""
    params = estimator.get_params(deep=False)
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


def dense(X, dtype):
    """X as a dense array of the core's dtype; sparse input is densified (the core's kernels
    are dense), a C-ordered float array of the right type passes without a copy."""
    if sp.issparse(X):
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

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "_model_kind" in cls.__dict__:
            _persist.register(cls)

    def __sklearn_is_fitted__(self):
        return getattr(self, "_core", None) is not None

    def _adopt(self, core):
        """Makes ``core`` this estimator's model, with its fitted attributes copied
        (``_copy_state``); returns the core's state."""
        state = core.state()
        self._core = core
        self._copy_state(state)
        return state

    def save(self, path):
        """Writes the fitted model to ``path`` as a neurona model file (safetensors: the
        weights, the training state and a validated JSON header), which ``neurona.load`` and the
        ``neurona`` command read; a classifier's integer and string classes are written as the
        file's own labels. Loading it never executes code, unlike a pickle."""
        _persist.save(self, path)

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
