"""``Perceptron``: scikit-learn's ``sklearn.linear_model.Perceptron``, with the numerics in Rust.

As for the MLPs: ``__init__`` only stores its arguments; ``fit`` validates them with
scikit-learn's own constraint table and the data with ``validate_data``; class labels of any
type are kept here (``classes_``) and the core sees their indices; ``class_weight`` becomes one
weight per class with scikit-learn's ``compute_class_weight``; the fitted attributes are copied
from the core after every call.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.linear_model import Perceptron as _SklearnPerceptron
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.extmath import safe_sparse_dot
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from neurona import _base, _core, _persist


class Perceptron(ClassifierMixin, _base.NeuronaEstimator):
    """Linear perceptron classifier: scikit-learn's ``Perceptron``, trained in Rust.

    Same constructor, parameters, defaults, fitted attributes and results for the same
    ``random_state`` as ``sklearn.linear_model.Perceptron`` (scikit-learn 1.9.1); see
    scikit-learn's documentation for each parameter. Differences: dense input only for
    training (sparse X is refused by ``fit`` and ``partial_fit``); ``n_jobs`` is accepted and
    ignored (the one-vs-all problems run one after the other, with the same results);
    ``verbose`` lines are printed by the Rust core to the process's stdout; ``partial_fit``
    refuses labels outside ``classes_``; no ``densify``/``sparsify``; pickles hold neurona's
    safe model file, which ``save`` writes and ``neurona.load`` reads. As in scikit-learn,
    ``decision_function`` and ``predict`` compute from ``coef_`` and ``intercept_``, so editing
    or assigning them takes effect (``partial_fit`` and model files see the edit too).
    """

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
        if sp.issparse(X):
            raise TypeError(
                "Sparse data was passed for Perceptron, but dense data is required: neurona's "
                "perceptron trains on dense arrays. Use X.toarray() to convert to a dense numpy array."
            )
        X, y = validate_data(self, X, y, dtype=(np.float64, np.float32), order="C", reset=reset)
        check_classification_targets(y)
        return X, y

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, coef_init=None, intercept_init=None, sample_weight=None):
        """Fit the linear model with stochastic gradient descent (the perceptron rule) for up
        to ``max_iter`` epochs. Returns self."""
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
        if coef_init is not None:
            coef_init = np.ascontiguousarray(np.atleast_2d(coef_init), dtype=dtype)
        if intercept_init is not None:
            intercept_init = np.ascontiguousarray(np.atleast_1d(intercept_init), dtype=dtype).ravel()
        if sample_weight is not None:
            sample_weight = np.ascontiguousarray(_check_sample_weight(sample_weight, X, dtype=dtype))
        encoded = np.ascontiguousarray(np.searchsorted(classes, y), dtype=np.int64)
        core = _core.Perceptron(self._core_params(self._class_weights(classes, y)), dtype.name)
        stream, rng = _base.random_stream(self.random_state)
        _base.advance(stream, core.fit(X, encoded, sample_weight, coef_init, intercept_init, rng))
        self._set_core(core, classes)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch of the perceptron rule over the given samples. ``classes`` (every label
        the model will see) is required on the first call. Returns self."""
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
        X = np.ascontiguousarray(X, dtype=core.dtype)
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

    def decision_function(self, X):
        """Confidence scores: ``(n_samples,)`` for a binary classifier (positive means
        ``classes_[1]``), ``(n_samples, n_classes)`` otherwise. Computed from ``coef_`` and
        ``intercept_`` as scikit-learn computes them, so that editing them takes effect."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        coef_T = self.coef_.T if self.coef_.ndim == 2 else self.coef_
        scores = safe_sparse_dot(X, coef_T, dense_output=True) + self.intercept_
        return scores.ravel() if scores.ndim > 1 and scores.shape[1] == 1 else scores

    def predict(self, X):
        """Predicted class labels ``(n_samples,)``."""
        scores = self.decision_function(X)
        indices = (scores > 0).astype(np.intp) if scores.ndim == 1 else scores.argmax(axis=1)
        return self.classes_[indices]

    # ------------------------------------------------------------------ persistence

    def _file_meta(self, strict):
        return _persist.classes_meta(self.classes_, strict)

    def _core_bytes(self, extra):
        return self._core.to_bytes(extra, _persist.file_labels(self.classes_))

    def _restore(self, core, labels, meta):
        self._adopt(core)
        self.classes_ = _persist.restored_classes(labels, meta)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = False
        return tags
