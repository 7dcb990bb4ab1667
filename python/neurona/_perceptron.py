"""``Perceptron``: scikit-learn's ``sklearn.linear_model.Perceptron``, with the numerics in Rust.

As for the MLPs: ``__init__`` only stores its arguments; ``fit`` validates them with
scikit-learn's own constraint table and the data with ``validate_data``; class labels of any
type are kept here (``classes_``) and the core sees their indices; ``class_weight`` becomes one
weight per class with scikit-learn's ``compute_class_weight``; the fitted attributes are copied
from the core after every call. A sparse X reaches the core as a CSR matrix, never densified:
the core trains on it as scikit-learn's sparse path does (``CSRDataset``, intercept decay 0.01).
"""

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.linear_model import Perceptron as _SklearnPerceptron
from sklearn.linear_model._base import SparseCoefMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from neurona import _base, _core, _docs, _persist

# The docstring entries of the perceptron's parameters and fitted attributes.
_PENALTY = """\
penalty : {"l2", "l1", "elasticnet"} or None, default=None
    The regularisation term added to each update: none, the L2 or L1 norm of the
    coefficients, or the elastic net (a mix of both, ``l1_ratio``)."""

_ALPHA = """\
alpha : float, default=0.0001
    The strength of the penalty. Used only with a ``penalty``."""

_L1_RATIO = """\
l1_ratio : float, default=0.15
    The L1 share of the elastic net, in [0, 1]: 0 is the L2 penalty, 1 the L1. Used only with
    ``penalty="elasticnet"``."""

_FIT_INTERCEPT = """\
fit_intercept : bool, default=True
    Whether to learn a bias; when False the boundaries pass through the origin."""

_MAX_ITER = """\
max_iter : int, default=1000
    The most epochs (passes over the training data) of one call to ``fit``. ``partial_fit``
    always runs one."""

_TOL = """\
tol : float or None, default=1e-3
    The stopping rule: training stops when an epoch's loss has not fallen below the best loss
    minus ``tol`` for ``n_iter_no_change`` epochs in a row (with early stopping, when the
    validation accuracy has not risen by ``tol``); ``None`` runs every one of ``max_iter``
    epochs."""

_SHUFFLE = """\
shuffle : bool, default=True
    Whether to shuffle the training data before each epoch."""

_VERBOSE = """\
verbose : int, default=0
    When above 0, print scikit-learn's per-epoch lines (from the Rust core, to the process's
    stdout)."""

_ETA0 = """\
eta0 : float, default=1.0
    The constant learning rate that multiplies each update."""

_N_JOBS = """\
n_jobs : int or None, default=None
    Accepted for scikit-learn's signature and ignored: the one-vs-all problems of a
    multiclass fit run one after the other, with the same results."""

_RANDOM_STATE = """\
random_state : int, RandomState instance or None, default=0
    The source of the shuffles (one stream per one-vs-all problem) and of the early-stopping
    split. An int gives the same model every time, and scikit-learn's model for the same int
    (the default 0 makes every fit reproducible, as in scikit-learn); ``None`` draws from
    numpy's global ``RandomState``, an instance from that instance."""

_EARLY_STOPPING = """\
early_stopping : bool, default=False
    When True, hold out a stratified ``validation_fraction`` of the training data and stop
    when its accuracy has not improved by ``tol`` for ``n_iter_no_change`` epochs. ``fit``
    only."""

_VALIDATION_FRACTION = """\
validation_fraction : float, default=0.1
    The share of the training data held out for early stopping, in (0, 1). Only with
    ``early_stopping=True``."""

_N_ITER_NO_CHANGE = """\
n_iter_no_change : int, default=5
    The number of epochs without improvement before training stops."""

_CLASS_WEIGHT = """\
class_weight : dict, "balanced" or None, default=None
    A weight for each class, multiplying its samples' updates: a dict ``{label: weight}``,
    ``"balanced"`` (inversely proportional to the class frequencies in ``y``; not with
    ``partial_fit``), or ``None`` (every class weighs 1)."""

_WARM_START = """\
warm_start : bool, default=False
    When True, ``fit`` starts from the current ``coef_`` and ``intercept_`` instead of
    zeros."""

_COEF_ = """\
coef_ : ndarray of shape (1, n_features) or (n_classes, n_features)
    The weights of each class's boundary (one row for a binary problem); a scipy CSR matrix
    after ``sparsify()``."""

_INTERCEPT_ = """\
intercept_ : ndarray of shape (1,) or (n_classes,)
    The bias of each class's boundary."""

_N_ITER_ = """\
n_iter_ : int
    The number of epochs of the last fit (the most over the one-vs-all problems)."""

_T_ = """\
t_ : int
    The number of weight updates the rule counted: ``n_iter_ * n_samples + 1``."""

# The docstring entries of the methods' parameters that are the perceptron's own.
_SAMPLE_WEIGHT = """\
sample_weight : array-like of shape (n_samples,), default=None
    A weight for each sample, multiplying its updates; ``None`` weighs every sample 1."""


class Perceptron(ClassifierMixin, SparseCoefMixin, _base.NeuronaEstimator):
    __doc__ = (
        """Linear perceptron classifier: scikit-learn's ``Perceptron``, trained in Rust.

    One linear unit per class (one-vs-all for more than two) trained by the perceptron rule:
    for each sample on the wrong side of its boundary, ``w += eta0 * y * x``. It separates
    classes that a hyperplane can separate, and cannot learn the others (XOR).

    Same constructor, parameters, defaults, fitted attributes and results for the same
    ``random_state`` as ``sklearn.linear_model.Perceptron`` (scikit-learn 1.9.1), for dense X
    and for sparse X (trained, as in scikit-learn, on its own path: the intercept moves by a
    hundredth of the step, and each update touches the row's stored entries only; sparse X is
    never densified); ``sparsify()`` and ``densify()`` turn ``coef_`` into a scipy CSR matrix
    and back. Differences: ``n_jobs`` is accepted and ignored (the one-vs-all problems run one
    after the other, with the same results); ``verbose`` lines are printed by the Rust core to
    the process's stdout; ``partial_fit`` refuses labels outside ``classes_``; a warm start or
    ``partial_fit`` from a sparsified ``coef_`` densifies it (scikit-learn fails); pickles hold
    neurona's safe model file, which ``save`` writes and ``neurona.load`` reads. As in
    scikit-learn, ``decision_function`` and ``predict`` compute from ``coef_`` and
    ``intercept_``, so editing or assigning them takes effect (``partial_fit`` and model files
    see the edit too).
    """
        + _docs.section(
            "Parameters",
            _PENALTY,
            _ALPHA,
            _L1_RATIO,
            _FIT_INTERCEPT,
            _MAX_ITER,
            _TOL,
            _SHUFFLE,
            _VERBOSE,
            _ETA0,
            _N_JOBS,
            _RANDOM_STATE,
            _EARLY_STOPPING,
            _VALIDATION_FRACTION,
            _N_ITER_NO_CHANGE,
            _CLASS_WEIGHT,
            _WARM_START,
        )
        + _docs.section(
            "Attributes",
            _docs.CLASSES_.replace(" (for a multi-label classifier, the label indices)", ""),
            _COEF_,
            _INTERCEPT_,
            _N_ITER_,
            _T_,
            *_docs.INPUT_ATTRIBUTES,
        )
    )

    _parameter_constraints: dict = dict(_SklearnPerceptron._parameter_constraints)
    _model_kind = "Perceptron"
    _core_class = _core.Perceptron
    _pipeline_step = "perceptron"
    _FITTED = _base.FITTED | {"classes_", "coef_", "intercept_", "n_iter_", "t_"}
    _PARAMS_FROM_CORE = {
        "penalty": lambda value: None if value == "none" else value,
        # One [label, weight] pair per class.
        "class_weight": lambda value: dict(value) if isinstance(value, list) else value,
    }

    def __init__(
        self,
        *,
        penalty=None,
        alpha=0.0001,
        l1_ratio=0.15,
        fit_intercept=True,
        max_iter=1000,
        tol=1e-3,
        shuffle=True,
        verbose=0,
        eta0=1.0,
        n_jobs=None,
        random_state=0,
        early_stopping=False,
        validation_fraction=0.1,
        n_iter_no_change=5,
        class_weight=None,
        warm_start=False,
    ):
        self._store_parameters(locals())

    # ------------------------------------------------------------------ fitting

    def _core_params(self, class_weights):
        return _base.core_params(self, class_weight=class_weights, random_state=_base.seed(self.random_state))

    def _class_weights(self, classes, y):
        if self.class_weight is None:
            return None
        return [float(w) for w in compute_class_weight(self.class_weight, classes=classes, y=y)]

    def _validate(self, X, y, reset):
        # scikit-learn's own checks: CSR (other formats converted), 32-bit indices.
        X, y = validate_data(
            self,
            X,
            y,
            accept_sparse="csr",
            dtype=(np.float64, np.float32),
            order="C",
            accept_large_sparse=False,
            reset=reset,
        )
        check_classification_targets(y)
        return X, y

    @_fit_context(prefer_skip_nested_validation=True)
    @_docs.method(
        """\
X : {array-like, sparse matrix} of shape (n_samples, n_features)
    The training samples; a sparse matrix trains as CSR without being densified.""",
        """\
y : array-like of shape (n_samples,)
    The class labels (at least two classes).""",
        """\
coef_init : ndarray of shape (n_classes, n_features), default=None
    The coefficients to start from (one row for a binary problem); ``None`` starts from
    zeros, or from ``coef_`` with ``warm_start``.""",
        """\
intercept_init : ndarray of shape (n_classes,), default=None
    The intercepts to start from; ``None`` starts from zeros, or from ``intercept_`` with
    ``warm_start``.""",
        _SAMPLE_WEIGHT,
        returns=_docs.fitted("Perceptron"),
    )
    def fit(self, X, y, coef_init=None, intercept_init=None, sample_weight=None):
        """Fit the linear model with the perceptron rule (stochastic gradient descent on the
        perceptron's loss) for up to ``max_iter`` epochs."""
        X, y = self._validate(X, y, reset=True)
        classes = unique_labels(y)
        if len(classes) < 2:
            raise ValueError(
                "The number of classes has to be greater than one; got %d class" % len(classes)
            )
        dtype = X.dtype
        if self.warm_start and self.__sklearn_is_fitted__():
            if coef_init is None:
                coef_init = self.coef_
            if intercept_init is None:
                intercept_init = self.intercept_
        if sp.issparse(coef_init):
            # A sparsified coef_ (warm start after sparsify()).
            coef_init = coef_init.toarray()
        if coef_init is not None:
            coef_init = np.ascontiguousarray(np.atleast_2d(coef_init), dtype=dtype)
        if intercept_init is not None:
            intercept_init = np.ascontiguousarray(np.atleast_1d(intercept_init), dtype=dtype).ravel()
        if sample_weight is not None:
            sample_weight = np.ascontiguousarray(_check_sample_weight(sample_weight, X, dtype=dtype))
        encoded = np.ascontiguousarray(np.searchsorted(classes, y), dtype=np.int64)
        core = _core.Perceptron(self._core_params(self._class_weights(classes, y)), dtype.name)
        stream, rng = _base.random_stream(self.random_state)
        _base.advance(stream, core.fit(_rows(X, dtype), encoded, sample_weight, coef_init, intercept_init, rng))
        self._set_core(core, classes)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    @_docs.method(
        _docs.X_ROWS,
        """\
y : array-like of shape (n_samples,)
    The class labels, all of them in ``classes``.""",
        _docs.PARTIAL_FIT_CLASSES,
        _SAMPLE_WEIGHT,
        returns=_docs.updated("Perceptron"),
    )
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch of the perceptron rule over X and y, continuing from the current
        coefficients (the first call starts from zeros)."""
        if self.early_stopping:
            raise ValueError("early_stopping should be False with partial_fit")
        if isinstance(self.class_weight, str) and self.class_weight == "balanced":
            raise ValueError(
                "class_weight 'balanced' is not supported for partial_fit: compute the weights with "
                "sklearn.utils.class_weight.compute_class_weight('balanced', classes=classes, y=y) "
                "on a large enough sample of the targets and pass them as a dict."
            )
        fitted = self.__sklearn_is_fitted__()
        X, y = self._validate(X, y, reset=not fitted)
        if not fitted:
            if classes is None:
                raise ValueError("classes must be passed on the first call to partial_fit.")
            all_classes = unique_labels(classes)
            core = _core.Perceptron(self._core_params(None), X.dtype.name)
            n_classes = len(all_classes)
        else:
            all_classes = self.classes_
            if classes is not None and not np.array_equal(all_classes, unique_labels(classes)):
                raise ValueError(
                    "`classes=%r` is not the same as on last call to partial_fit, was: %r"
                    % (classes, all_classes)
                )
            core = self._core
            # Training continues from coef_ and intercept_ as they are now, as in scikit-learn.
            self._sync_core()
            n_classes = None
        unseen = np.setdiff1d(unique_labels(y), all_classes)
        if len(unseen):
            raise ValueError(f"`y` has classes not in `self.classes_` ({all_classes}): {unseen}")
        core.set_params(self._core_params(self._class_weights(all_classes, y)))
        X = _rows(X, core.dtype)
        if sample_weight is not None:
            sample_weight = np.ascontiguousarray(
                _check_sample_weight(sample_weight, X, dtype=X.dtype), dtype=core.dtype
            )
        encoded = np.ascontiguousarray(np.searchsorted(all_classes, y), dtype=np.int64)
        stream, rng = _base.random_stream(self.random_state)
        _base.advance(stream, core.partial_fit(X, encoded, n_classes, sample_weight, rng))
        self._set_core(core, all_classes)
        return self

    def _set_core(self, core, classes):
        self.classes_ = classes
        state = self._adopt(core)
        for text in state["warnings"]:
            _base.warn_convergence(text)

    def _sync_core(self):
        """Gives the core ``coef_`` and ``intercept_`` when they differ from its own (edited in
        place or assigned): only then, since a multiclass float32 model's ``intercept_`` is a
        rounding of the float64 intercepts the core trains on."""
        core = self.__dict__.get("_core")
        if core is None or "coef_" not in self.__dict__ or "intercept_" not in self.__dict__:
            return
        coef = self.coef_.toarray() if sp.issparse(self.coef_) else np.asarray(self.coef_)
        intercept = np.atleast_1d(np.asarray(self.intercept_))
        state = core.state()
        own_intercept = state["intercept_f64"] if state["n_classes"] == 2 else state["intercept"]
        if np.array_equal(coef, state["coef"]) and np.array_equal(intercept, own_intercept):
            return
        core.set_weights(
            np.ascontiguousarray(coef, dtype=core.dtype),
            np.ascontiguousarray(intercept, dtype=np.float64).ravel(),
        )

    def _copy_state(self, state):
        self.coef_ = state["coef"]
        # scikit-learn keeps a binary classifier's intercept as a float64, a multiclass one's
        # in X's dtype.
        self.intercept_ = state["intercept_f64"] if state["n_classes"] == 2 else state["intercept"]
        self.n_iter_ = state["n_iter"]
        self.t_ = state["t"]
        self.n_features_in_ = state["n_features_in"]

    # ------------------------------------------------------------------ prediction

    @_docs.method(
        _docs.X_ROWS,
        returns="""\
scores : ndarray of shape (n_samples,) or (n_samples, n_classes)
    For a binary classifier one score per sample (positive means ``classes_[1]``); otherwise
    one per class.""",
    )
    def decision_function(self, X):
        """The signed distance-like score of each sample to each boundary, ``X @ coef_.T +
        intercept_``, computed from ``coef_`` and ``intercept_`` as scikit-learn computes them,
        so that editing them takes effect."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        coef_T = self.coef_.T if self.coef_.ndim == 2 else self.coef_
        scores = safe_sparse_dot(X, coef_T, dense_output=True) + self.intercept_
        return scores.ravel() if scores.ndim > 1 and scores.shape[1] == 1 else scores

    @_docs.method(
        _docs.X_ROWS,
        returns="""\
y : ndarray of shape (n_samples,)
    The predicted labels.""",
    )
    def predict(self, X):
        """Predict the class of each sample: the class of the highest score (for a binary
        classifier, ``classes_[1]`` where the score is positive)."""
        scores = self.decision_function(X)
        indices = (scores > 0).astype(np.intp) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[indices]

    # ------------------------------------------------------------------ persistence

    def _file_meta(self, strict):
        meta, leftovers = _persist.classes_meta(self.classes_, strict)
        if sp.issparse(self.coef_):
            meta["sparse_coef"] = True
        return meta, leftovers

    def _core_bytes(self, extra):
        return self._core.to_bytes(extra, _persist.file_labels(self.classes_))

    def _restore(self, core, labels, meta):
        self._adopt(core)
        self.classes_ = _persist.restored_classes(labels, meta)
        if meta.get("sparse_coef"):
            self.sparsify()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _rows(X, dtype):
    """X as the core reads it, in the model's dtype: a C-ordered array, or a CSR matrix (kept
    sparse, its entries in their stored order) whose values are one contiguous array."""
    if sp.issparse(X):
        X = X.tocsr(copy=False)
        if X.dtype != dtype or not X.data.flags.c_contiguous:
            X = X.astype(dtype)
        return X
    return np.ascontiguousarray(X, dtype=dtype)
