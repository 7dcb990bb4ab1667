"""``BernoulliRBM``: scikit-learn's ``sklearn.neural_network.BernoulliRBM``, with the numerics in
Rust.

The random streams are scikit-learn's (see ``_base``): ``fit`` and ``score_samples`` draw from
``check_random_state(random_state)``, ``partial_fit`` and ``gibbs`` from ``random_state_``.
"""

import time

import numpy as np
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context
from sklearn.neural_network import BernoulliRBM as _SklearnRBM
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from neurona import _base, _core, _docs, _persist

#: The docstring entry of the X the methods read: the visible units.
_X = """\
X : {array-like, sparse matrix} of shape (n_samples, n_features)
    The samples, values in [0, 1]."""


class BernoulliRBM(ClassNamePrefixFeaturesOutMixin, TransformerMixin, _base.NeuronaEstimator):
    __doc__ = (
        """Bernoulli restricted Boltzmann machine: scikit-learn's ``BernoulliRBM``, trained in Rust.

    Binary visible units (the features, values in [0, 1]) and ``n_components`` binary hidden
    units, trained without labels by persistent contrastive divergence; ``transform`` gives the
    hidden units' probabilities, features that can feed another estimator in a ``Pipeline``.

    Same constructor, parameters, defaults, fitted attributes, methods and results for the same
    ``random_state`` as ``sklearn.neural_network.BernoulliRBM`` (scikit-learn 1.9.1), including
    ``partial_fit`` returning ``None``. Differences: sparse X is densified; with ``verbose`` and
    ``random_state`` None or a ``RandomState`` instance, the verbose line's pseudo-likelihood
    draws from a stream of its own (scikit-learn draws it from the shared stream, so its
    verbose fits differ from its silent ones; neurona's do not); ``gibbs`` validates ``v``;
    pickles hold neurona's safe model file, which ``save`` writes and ``neurona.load`` reads.
    """
        + _docs.section(
            "Parameters",
            """\
n_components : int, default=256
    The number of hidden units: the number of features ``transform`` gives.""",
            """\
learning_rate : float, default=0.1
    The step size of the weight updates. A step size of its own, not the MLPs' schedule name
    (on the command line, ``--learning-rate`` is this number for the RBM).""",
            """\
batch_size : int, default=10
    The number of samples in each minibatch.""",
            """\
n_iter : int, default=10
    The number of epochs (passes over the training data) of ``fit``.""",
            """\
verbose : int, default=0
    When above 0, print each epoch's pseudo-likelihood and time through Python's ``print``.""",
            """\
random_state : int, RandomState instance or None, default=None
    The source of the random draws: the initial weights, the samples of the persistent chain,
    and ``score_samples``' flipped features. An int gives the same model every time,
    and scikit-learn's for the same int; ``None`` draws from numpy's global ``RandomState``,
    an instance from that instance.""",
        )
        + _docs.section(
            "Attributes",
            """\
components_ : ndarray of shape (n_components, n_features)
    The weights between the hidden units (rows) and the visible units (columns): each row is
    what one hidden unit detects.""",
            """\
intercept_hidden_ : ndarray of shape (n_components,)
    The biases of the hidden units.""",
            """\
intercept_visible_ : ndarray of shape (n_features,)
    The biases of the visible units.""",
            """\
h_samples_ : ndarray of shape (batch_size, n_components)
    The persistent chain's hidden samples, where the next contrastive-divergence step
    continues.""",
            """\
random_state_ : RandomState
    The stream ``partial_fit`` and ``gibbs`` draw from (saved in the model file, which the
    Rust crate and the command resume).""",
            *_docs.INPUT_ATTRIBUTES,
        )
    )

    _parameter_constraints: dict = dict(_SklearnRBM._parameter_constraints)
    _model_kind = "BernoulliRBM"
    _core_class = _core.Rbm
    _pipeline_step = "rbm"
    _FITTED = _base.FITTED | {
        "components_",
        "intercept_hidden_",
        "intercept_visible_",
        "h_samples_",
        "random_state_",
    }

    def __init__(
        self,
        n_components=256,
        *,
        learning_rate=0.1,
        batch_size=10,
        n_iter=10,
        verbose=0,
        random_state=None,
    ):
        self._store_parameters(locals())

    def _core_params(self):
        # verbose lines are printed here, through Python's stdout.
        return _base.core_params(self, random_state=_base.seed(self.random_state), verbose=False)

    # ------------------------------------------------------------------ fitting

    @_fit_context(prefer_skip_nested_validation=True)
    @_docs.method(
        _X.replace("values in [0, 1].", "values in [0, 1] (scale them first, e.g. with ``MinMaxScaler``)."),
        "y : None\n    Ignored; there for the ``Pipeline`` and ``fit`` conventions.",
        returns=_docs.fitted("BernoulliRBM"),
    )
    def fit(self, X, y=None):
        """Fit the model to X by persistent contrastive divergence, ``n_iter`` epochs from new
        weights."""
        X = validate_data(self, X, accept_sparse="csr", dtype=(np.float64, np.float32))
        core = _core.Rbm(self._core_params(), X.dtype.name)
        X = _base.dense(X, X.dtype)
        on_epoch = None
        if self.verbose:
            begin = [time.time()]

            def on_epoch(epoch, pseudo_likelihood):
                end = time.time()
                print(
                    "[%s] Iteration %d, pseudo-likelihood = %.2f, time = %.2fs"
                    % (type(self).__name__, epoch, pseudo_likelihood, end - begin[0])
                )
                begin[0] = end

        # An integer seed: the core starts its own stream from it, as check_random_state does.
        stream, rng = _base.random_stream(self.random_state)
        _base.advance(stream, core.fit(X, rng, on_epoch))
        self._adopt(core)
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    @_docs.method(
        _X,
        "y : None\n    Ignored.",
        returns="None\n    As scikit-learn's ``partial_fit`` of the RBM returns.",
    )
    def partial_fit(self, X, y=None):
        """One persistent-contrastive-divergence step on all of X, continuing from the current
        weights (the first call starts from new ones), drawing from ``random_state_``."""
        first_pass = not self.__sklearn_is_fitted__()
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float64, reset=first_pass)
        if not hasattr(self, "random_state_"):
            self.random_state_ = check_random_state(self.random_state)
        core = _core.Rbm(self._core_params(), "float64") if first_pass else self._core
        if not first_pass:
            core.set_params(self._core_params())
            # Training continues from the weights as the attributes hold them now.
            self._sync_core()
        new_rng = core.partial_fit(_base.dense(X, core.dtype), _base.stream_state(self.random_state_))
        self.random_state_.set_state(new_rng)
        self._adopt(core)

    def _copy_state(self, state):
        self.components_ = state["components"]
        self.intercept_hidden_ = state["intercept_hidden"]
        self.intercept_visible_ = state["intercept_visible"]
        self.h_samples_ = state["h_samples"]
        self.n_features_in_ = state["n_features_in"]

    @property
    def _n_features_out(self):
        return self.components_.shape[0]

    # ------------------------------------------------------------------ inference

    @_docs.method(
        _X,
        returns="""\
h : ndarray of shape (n_samples, n_components)
    The probability that each hidden unit is on, ``sigmoid(X @ components_.T +
    intercept_hidden_)``.""",
    )
    def transform(self, X):
        """The hidden units' probabilities given X: the learned features."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False, dtype=(np.float64, np.float32))
        out_dtype = np.result_type(X.dtype, self._core.dtype)
        self._sync_core()
        return self._core.transform(_base.dense(X, self._core.dtype)).astype(out_dtype, copy=False)

    def _sync_core(self):
        """Gives the core the attributes' weights before each call that reads them, edited in
        place or assigned, as scikit-learn's methods read its attributes. A copy of the weights
        (the cost of a few rows' transform) keeps the core's numbers, which model files of
        earlier versions were checked against, where computing here would change their last
        bits."""
        core = self.__dict__.get("_core")
        names = ("components_", "intercept_hidden_", "intercept_visible_")
        if core is None or any(name not in self.__dict__ for name in names):
            return
        dtype = core.dtype
        core.set_weights(
            np.ascontiguousarray(self.components_, dtype=dtype),
            np.ascontiguousarray(self.intercept_hidden_, dtype=dtype),
            np.ascontiguousarray(self.intercept_visible_, dtype=dtype),
        )

    @_docs.method(
        "v : array-like of shape (n_samples, n_features)\n    The visible units to start from.",
        returns="v_new : ndarray of shape (n_samples, n_features)\n    The visible units drawn, as booleans.",
    )
    def gibbs(self, v):
        """One Gibbs sampling step from the visible units ``v``: hidden units drawn given
        ``v``, then visible units drawn given those, from ``random_state_``."""
        check_is_fitted(self)
        if not hasattr(self, "random_state_"):
            self.random_state_ = check_random_state(self.random_state)
        self._sync_core()
        v = _base.dense(v, self._core.dtype)
        sample, new_rng = self._core.gibbs(v, _base.stream_state(self.random_state_))
        self.random_state_.set_state(new_rng)
        return sample

    @_docs.method(
        _X,
        returns="""\
pseudo_likelihood : ndarray of shape (n_samples,)
    The pseudo-likelihood of each row (random: the flipped features are drawn from
    ``random_state``).""",
    )
    def score_samples(self, X):
        """The pseudo-likelihood of each row, a stochastic proxy for its log-likelihood:
        ``n_features`` times the log of the sigmoid of the free-energy difference between the
        row with one randomly chosen feature flipped and the row itself."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False)
        stream = check_random_state(self.random_state)
        self._sync_core()
        X = _base.dense(X, self._core.dtype)
        scores, new_rng = self._core.score_samples(X, _base.stream_state(stream))
        stream.set_state(new_rng)
        return scores

    # ------------------------------------------------------------------ persistence

    def _core_bytes(self, extra):
        # random_state_ goes into the model's own stream, so that every reader resumes it.
        stream = getattr(self, "random_state_", None)
        return self._core.to_bytes(extra, None if stream is None else _base.stream_state(stream))

    def _restore(self, core, meta):
        state = self._adopt(core)
        if "random_state_" in meta:
            # Where pickles made before the stream went into the model file keep it.
            self.random_state_ = _persist.decode(meta["random_state_"])
        elif state["random_state_"] is not None:
            self.random_state_ = np.random.RandomState()
            self.random_state_.set_state(state["random_state_"])
        else:
            self.__dict__.pop("random_state_", None)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
