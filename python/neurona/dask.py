"""Data-parallel L-BFGS on Dask: ``DaskMLPClassifier`` and ``DaskMLPRegressor``.

Imported only as ``neurona.dask`` (``pip install neurona[dask]``); ``import neurona`` never
imports Dask. The estimators take the MLPs' scikit-learn parameters (they are
``neurona.MLPClassifier`` and ``neurona.MLPRegressor`` with a ``fit`` for Dask collections) and
fit on dask arrays and dask dataframes, with ``solver='lbfgs'`` only::

    from neurona.dask import DaskMLPClassifier

    clf = DaskMLPClassifier(solver="lbfgs", random_state=0).fit(X, y)   # dask collections
    labels = clf.predict(X)          # a dask array, computed block by block when asked
    model = clf.to_local()           # a plain neurona.MLPClassifier (its model file is the usual)

How a fit runs: the client runs neurona's own L-BFGS (the core's, the one the in-memory fit
uses). At each evaluation the parameters go to the workers once; each chunk of rows returns its
unnormalised loss and gradient sums, computed in Rust with the GIL released
(``neurona._core.chunk_sums``); the client adds them in the order of the chunks and the core
normalises and regularises them exactly as in memory. So one chunk gives exactly the model of
``MLPClassifier(solver='lbfgs').fit`` on the same rows, a given chunking gives the same bytes
on any number of workers, and other chunkings differ only by the rounding of the additions.

The chunks are the rows' chunks of X (its columns are taken whole); y and ``sample_weight``
must be chunked as X is. The classes are found across all chunks. The other solvers train
through ``partial_fit``: use ``dask_ml.wrappers.Incremental(neurona.MLPClassifier(...))``.
"""

import numpy as np
import dask
import dask.array as da
import dask.dataframe as dd
from pandas.api.types import is_bool_dtype, is_numeric_dtype
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted

from neurona import _base, _core
from neurona._mlp import MLPClassifier, MLPRegressor

__all__ = ["DaskMLPClassifier", "DaskMLPRegressor"]

_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


# --------------------------------------------------------------------------- input


def _rows(name, data):
    """A dask collection as a dask array of known row chunks, or a numpy array as one chunk;
    a dataframe's column names (None for arrays). Non-numeric columns, unknown chunk sizes and
    empty chunks are ``ValueError``s naming the input."""
    names = None
    if isinstance(data, (dd.DataFrame, dd.Series)):
        frame = data.to_frame() if isinstance(data, dd.Series) else data
        bad = [str(c) for c, t in frame.dtypes.items() if not (is_numeric_dtype(t) or is_bool_dtype(t))]
        if bad and name == "X":
            raise ValueError(f"X must have numeric columns only; non-numeric: {', '.join(bad)}")
        names = list(map(str, frame.columns)) if isinstance(data, dd.DataFrame) else None
        # Optimised first: Dask may fuse the partitions of a few columns read from files, and
        # the lengths must be those of the partitions the array will have.
        data = data.optimize().to_dask_array(lengths=True)
    elif not isinstance(data, da.Array):
        array = np.asarray(data)
        data = da.from_array(array, chunks=array.shape or (1,))
    if any(np.isnan(size) for size in data.chunks[0]):
        raise ValueError(
            f"{name} has unknown chunk sizes; call {name}.compute_chunk_sizes() (or give a dask "
            "dataframe, whose partition lengths are computed) before fitting"
        )
    empty = [i for i, size in enumerate(data.chunks[0]) if size == 0]
    if empty:
        raise ValueError(
            f"{name} has empty chunks (number {empty[0]} of {len(data.chunks[0])}); every chunk "
            "needs at least one row (rechunk or repartition it)"
        )
    if name == "X" and data.ndim != 2:
        raise ValueError(f"X must be 2-D (n_samples, n_features), got {data.ndim}-D")
    if name == "X" and not (np.issubdtype(data.dtype, np.number) or data.dtype == bool):
        raise ValueError(f"X must be numeric, got dtype {data.dtype}")
    return data, names


def _same_rows(X, other, name, original):
    """``other`` chunked as X along the rows: a dataframe's column, whose partitions Dask
    chooses, is rechunked (the rows' order is kept); an array chunked otherwise is an error."""
    if other.chunks[0] != X.chunks[0] and isinstance(original, (dd.DataFrame, dd.Series)) and other.shape[0] == X.shape[0]:
        return other.rechunk({0: X.chunks[0]})
    if other.chunks[0] != X.chunks[0]:
        raise ValueError(
            f"X and {name} must be chunked alike along the rows (chunk sizes {X.chunks[0]} and "
            f"{other.chunks[0]}); rechunk {name} with {name}.rechunk({{0: X.chunks[0]}})"
        )
    return other


def _float_dtype(dtype):
    """The core's dtype for data of ``dtype``: float32 kept, anything else float64 (as
    ``validate_data`` converts X in memory)."""
    return np.dtype(np.float32) if dtype == np.float32 else np.dtype(np.float64)


# --------------------------------------------------------------------------- on the workers


def _as_float(block, dtype):
    return np.ascontiguousarray(block, dtype=dtype)


def _encode_labels(block, classes, dtype):
    """Class labels as the core's targets: one 0/1 column for two classes, one-hot otherwise."""
    index = np.searchsorted(classes, np.asarray(block).ravel())
    if len(classes) == 2:
        return (index == 1).astype(dtype).reshape(-1, 1)
    encoded = np.zeros((len(index), len(classes)), dtype=dtype)
    encoded[np.arange(len(index)), index] = 1
    return encoded


def _weights(block, dtype):
    """Sample weights as the in-memory fit converts them (float32 kept, else float64, then the
    core's dtype)."""
    block = np.asarray(block).ravel()
    return np.ascontiguousarray(block.astype(_float_dtype(block.dtype)), dtype=dtype)


def _call(block, model, method):
    return getattr(model, method)(block)


def _chunk_sums(spec, params, x, y, sample_weight, n_jobs):
    """One chunk's ``(loss_sum, grad_sum, weight_sum)``, in Rust with the GIL released."""
    layer_units, activation, out_activation = spec
    return _core.chunk_sums(layer_units, activation, out_activation, params, x, y, sample_weight, n_jobs)


# --------------------------------------------------------------------------- the client


def _blocks(array):
    """The blocks of rows of a dask array as delayed objects, in order."""
    return list(array.to_delayed(optimize_graph=False).ravel())


class _Chunks:
    """X, the encoded targets and the weights of a fit, persisted block by block, and the
    evaluator the core's L-BFGS calls: every chunk's sums computed where its rows are, then
    added in the order of the chunks."""

    def __init__(self, X, targets, sample_weight, spec, n_jobs):
        # The persisted collections hold the data on the workers (their futures) for the
        # whole fit; the blocks' delayed objects name the same keys.
        self.persisted = dask.persist(X, targets, sample_weight)
        X, targets, sample_weight = self.persisted
        weights = [None] * X.numblocks[0] if sample_weight is None else _blocks(sample_weight)
        self.blocks = list(zip(_blocks(X), _blocks(targets), weights))
        self.spec, self.n_jobs = spec, n_jobs

    def __call__(self, params):
        # One copy of the parameters in the graph, read by every chunk.
        shared = dask.delayed(params, pure=True)
        sums = dask.delayed(_chunk_sums, pure=True)
        tasks = [sums(self.spec, shared, x, t, w, self.n_jobs) for x, t, w in self.blocks]
        loss_sum, weight_sum, grad_sum = 0.0, 0.0, None
        for loss, grad, weight in dask.compute(*tasks):
            loss_sum += loss
            weight_sum += weight
            if grad_sum is None:
                grad_sum = grad
            else:
                grad_sum += grad
        return loss_sum, grad_sum, weight_sum


class _DaskMLP:
    """What the two Dask estimators share: the fit over chunks, lazy predictions and
    ``to_local``. Comes before the local class it extends."""

    _local_class = None

    def _check_lbfgs(self):
        if self.solver != "lbfgs":
            raise ValueError(
                f"{type(self).__name__} trains with solver='lbfgs' only, got solver={self.solver!r}; "
                "for 'sgd' and 'adam', train neurona's estimator through partial_fit with "
                "dask_ml.wrappers.Incremental(neurona.MLP...(solver=...))"
            )
        if self.warm_start:
            raise ValueError(f"{type(self).__name__} does not continue fits: warm_start must be False")

    def _inputs(self, X, y, sample_weight):
        X, names = _rows("X", X)
        y = _same_rows(X, _rows("y", y)[0], "y", y)
        if sample_weight is not None:
            sample_weight = _same_rows(X, _rows("sample_weight", sample_weight)[0], "sample_weight", sample_weight)
            if sample_weight.ndim != 1:
                raise ValueError(f"sample_weight must be 1-D, got {sample_weight.ndim}-D")
        if X.shape[1] == 0:
            raise ValueError("X has 0 features; it needs at least 1")
        dtype = _float_dtype(X.dtype)
        X = X.rechunk({1: -1}).map_blocks(_as_float, dtype, dtype=dtype)
        return X, y, sample_weight, names, dtype

    def _fit_chunks(self, X, y, sample_weight):
        self._validate_params()
        self._check_lbfgs()
        X, y, sample_weight, names, dtype = self._inputs(X, y, sample_weight)
        if sample_weight is not None:
            sample_weight = sample_weight.map_blocks(_weights, dtype, dtype=dtype)
        local = self._local_class(**self.get_params())
        params = local._core_params()
        targets, n_outputs, out_activation, fitted_targets = self._targets(y, dtype)
        spec = ([X.shape[1], *params["hidden_layer_sizes"], n_outputs], self.activation, out_activation)
        evaluate = _Chunks(X, targets, sample_weight, spec, self.n_jobs)
        core = local._core_class(params, dtype.name)
        stream, rng = _base.random_stream(self.random_state)
        _base.advance(stream, self._fit_core(core, X.shape[1], n_outputs, fitted_targets, evaluate, rng))
        state = core.state()
        local._core = core
        local._set_targets(fitted_targets)
        local._copy_state(state)
        if names is not None:
            local.feature_names_in_ = np.asarray(names, dtype=object)
        if state["interrupted"]:
            raise KeyboardInterrupt
        _base.warn_about_training(state)
        # The fitted attributes become this estimator's (it is the local class, extended).
        own = self.get_params()
        self.__dict__.update({k: v for k, v in local.__dict__.items() if k not in own})
        return self

    def to_local(self):
        """The fitted model as the ordinary estimator (``neurona.MLPClassifier`` or
        ``neurona.MLPRegressor``) with the same parameters, rebuilt from this one's model file
        (which is the ordinary one)."""
        check_is_fitted(self)
        local = self._local_class.__new__(self._local_class)
        local.__setstate__(self.__getstate__())
        return local

    def _blockwise(self, method, X, dtype, columns=None, drop_axis=None):
        """``method`` of the local model over each block of rows of X, lazily (a dask array of
        ``columns`` columns, or 1-D with ``drop_axis``); numpy input is answered at once."""
        if not isinstance(X, (da.Array, dd.DataFrame)):
            return getattr(self._local_class, method)(self, X)
        local = self.to_local()
        if isinstance(X, dd.DataFrame):
            X = X.to_dask_array(lengths=True)
        X = X.rechunk({1: -1})
        if drop_axis is not None:
            chunks = (X.chunks[0],)
        else:
            chunks = (X.chunks[0], (columns or X.shape[1],))
        return X.map_blocks(_call, local, method, dtype=dtype, chunks=chunks, drop_axis=drop_axis)


class DaskMLPClassifier(_DaskMLP, MLPClassifier):
    """``neurona.MLPClassifier`` (its parameters, ``solver='lbfgs'`` only) fitted on dask
    collections by data-parallel L-BFGS; see the module docs. Binary, multiclass and
    multi-label targets (a 2-D 0/1 dask array), sample weights. ``predict`` and
    ``predict_proba`` of a dask collection are dask arrays, computed block by block when asked;
    ``score`` computes the accuracy block by block."""

    _local_class = MLPClassifier

    def fit(self, X, y, sample_weight=None):
        """Fit on dask collections (or numpy arrays, as one chunk). Returns self."""
        return self._fit_chunks(X, y, sample_weight)

    def _targets(self, y, dtype):
        if y.ndim == 2 and y.shape[1] > 1:
            values = np.unique(da.unique(y).compute())
            if not np.isin(values, [0, 1]).all():
                raise ValueError(f"a 2-D y must be a 0/1 multi-label indicator matrix, found values {values[:5]}")
            n_labels = y.shape[1]
            targets = y.map_blocks(_as_float, dtype, dtype=dtype)
            return targets, n_labels, "logistic", ("multilabel", np.arange(n_labels), None, None)
        if y.ndim == 2:
            y = y[:, 0]
        classes = np.unique(da.unique(y).compute())
        check_classification_targets(classes)
        if len(classes) < 2:
            raise ValueError(f"y has a single class ({classes[0]!r}); DaskMLPClassifier needs at least 2")
        n_outputs = 1 if len(classes) == 2 else len(classes)
        targets = y.map_blocks(_encode_labels, classes, dtype, dtype=dtype, chunks=(y.chunks[0], (n_outputs,)), new_axis=1)
        kind = "binary" if len(classes) == 2 else "multiclass"
        return targets, n_outputs, ("logistic" if kind == "binary" else "softmax"), (kind, classes, None, None)

    def _fit_core(self, core, n_features, n_outputs, fitted_targets, evaluate, rng):
        kind, classes, _, _ = fitted_targets
        return core.fit_summed(n_features, len(classes), kind == "multilabel", evaluate, rng, self.n_jobs)

    def predict(self, X):
        """Labels (or an indicator matrix), lazily for a dask collection."""
        check_is_fitted(self)
        if self._target_kind == "multilabel":
            return self._blockwise("predict", X, dtype=np.int64)
        return self._blockwise("predict", X, drop_axis=1, dtype=self.classes_.dtype)

    def predict_proba(self, X):
        """Class probabilities, lazily for a dask collection."""
        check_is_fitted(self)
        n_columns = 2 if self._target_kind == "binary" else len(self.classes_)
        return self._blockwise("predict_proba", X, columns=n_columns, dtype=self._core.dtype)

    def score(self, X, y, sample_weight=None):
        """Mean accuracy (weighted by ``sample_weight``), computed block by block."""
        if not isinstance(X, (da.Array, dd.DataFrame)):
            return MLPClassifier.score(self, X, y, sample_weight)
        y, _ = _rows("y", y)
        correct = self.predict(X) == y
        if correct.ndim == 2:
            correct = correct.all(axis=1)
        if sample_weight is None:
            return float(correct.mean().compute())
        w, _ = _rows("sample_weight", sample_weight)
        return float(((correct * w).sum() / w.sum()).compute())


class DaskMLPRegressor(_DaskMLP, MLPRegressor):
    """``neurona.MLPRegressor`` (its parameters, ``solver='lbfgs'`` only) fitted on dask
    collections by data-parallel L-BFGS; see the module docs. One or many targets, sample
    weights; ``predict`` of a dask collection is a dask array, computed block by block when
    asked; ``score`` computes R² (averaged over outputs) block by block."""

    _local_class = MLPRegressor

    def fit(self, X, y, sample_weight=None):
        """Fit on dask collections (or numpy arrays, as one chunk). Returns self."""
        return self._fit_chunks(X, y, sample_weight)

    def _targets(self, y, dtype):
        if not (np.issubdtype(y.dtype, np.number) or y.dtype == bool):
            raise ValueError(f"y must be numeric for a regressor, got dtype {y.dtype}")
        if y.ndim == 1:
            y = y[:, None]
        y = y.rechunk({1: -1}).map_blocks(_as_float, dtype, dtype=dtype)
        if self.loss == "poisson" and bool((y < 0).any().compute()):
            raise ValueError("y must be >= 0 for loss='poisson'")
        return y, y.shape[1], ("exp" if self.loss == "poisson" else "identity"), None

    def _fit_core(self, core, n_features, n_outputs, fitted_targets, evaluate, rng):
        return core.fit_summed(n_features, n_outputs, evaluate, rng, self.n_jobs)

    def predict(self, X):
        """Predictions, lazily for a dask collection."""
        check_is_fitted(self)
        if self.n_outputs_ == 1:
            return self._blockwise("predict", X, drop_axis=1, dtype=self._core.dtype)
        return self._blockwise("predict", X, columns=self.n_outputs_, dtype=self._core.dtype)

    def score(self, X, y, sample_weight=None):
        """R² of the predictions (averaged over outputs, weighted by ``sample_weight``),
        computed block by block."""
        if not isinstance(X, (da.Array, dd.DataFrame)):
            return MLPRegressor.score(self, X, y, sample_weight)
        y, _ = _rows("y", y)
        pred = self.predict(X).astype(np.float64)
        y = y.astype(np.float64)
        if y.ndim == 1:
            y, pred = y[:, None], pred.reshape(-1, 1) if pred.ndim == 1 else pred
        elif pred.ndim == 1:
            pred = pred[:, None]
        w = da.ones(y.shape[0], chunks=(y.chunks[0],)) if sample_weight is None else _rows("sample_weight", sample_weight)[0]
        w = w.astype(np.float64)[:, None]
        mean = (w * y).sum(axis=0) / w.sum()
        residual = (w * (y - pred) ** 2).sum(axis=0)
        total = (w * (y - mean) ** 2).sum(axis=0)
        residual, total = dask.compute(residual, total)
        # scikit-learn's r2_score: a constant target scores 1 when predicted exactly, else 0.
        scores = np.where(total != 0, 1 - residual / np.where(total != 0, total, 1), np.where(residual == 0, 1.0, 0.0))
        return float(np.mean(scores))
