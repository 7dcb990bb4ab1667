"""Sparse X against scikit-learn installed beside neurona.

The perceptron trains on sparse X as scikit-learn does (its sparse path: ``CSRDataset``, the
intercept's step times 0.01, updates and norms over each row's stored entries), without
densifying: sparse versions of the dense parity cases and a TF-IDF text pipeline give the same
``coef_``, ``intercept_``, ``n_iter_`` and ``t_``, **exactly** (``assert_array_equal``): both
run the same sequential arithmetic in the same order and precision (no BLAS on that path), so
there is no rounding to allow for, and any difference would be a bug. ``sparsify()`` and
``densify()`` behave as scikit-learn's. The MLPs and the RBM densify sparse X, and refuse one
whose dense form cannot be allocated, with a ``MemoryError`` naming its shape.
"""

import pickle
import warnings

import numpy as np
import pytest
import scipy.sparse as sp
import sklearn.linear_model as sk_linear
from numpy.testing import assert_array_equal
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.fixes import CSR_CONTAINERS

import neurona
from test_perceptron_rbm import _fit_quietly as _fit
from test_perceptron_rbm import assert_same_perceptron


@pytest.fixture(scope="module")
def digits():
    """digits / 16: two thirds of the values are zero, so its CSR form is truly sparse."""
    X, y = load_digits(return_X_y=True)
    return X / 16.0, y


@pytest.fixture(scope="module")
def iris_scaled(iris):
    X, y = iris
    return StandardScaler().fit_transform(X), y


def _pair(**params):
    return sk_linear.Perceptron(**params), neurona.Perceptron(**params)


def _fit_pair(X, y, sample_weight=None, **params):
    """scikit-learn's perceptron and neurona's with these parameters, each fitted on X, y."""
    ref, ours = _pair(**params)
    _fit(ref, X, y, sample_weight=sample_weight)
    _fit(ours, X, y, sample_weight=sample_weight)
    return ref, ours


def assert_same(ref, ours, X):
    """The same fitted perceptron, to the last bit, and the same predictions on X (sparse);
    for float64 the same scores too: scipy's sparse product sums each row's entries in order,
    as the core does."""
    assert_same_perceptron(ref, ours, X)
    if ours.coef_.dtype == np.float64:
        assert_array_equal(ours.decision_function(X), ref.decision_function(X))


# ---------------------------------------------------------------------- the perceptron's fits


@pytest.mark.parametrize("container", CSR_CONTAINERS)
@pytest.mark.parametrize("penalty", [None, "l2", "l1", "elasticnet"])
@pytest.mark.parametrize("random_state", [0, 1, 2])
def test_sparse_fits_equal_scikit_learn(digits, container, penalty, random_state):
    X, y = digits
    X = container(X)
    ref, ours = _fit_pair(X, y, penalty=penalty, alpha=1e-4, random_state=random_state)
    assert_same(ref, ours, X)
    assert ours.score(X, y) == ref.score(X, y)


@pytest.mark.parametrize(
    "params",
    [
        dict(early_stopping=True, random_state=3),
        dict(early_stopping=True, penalty="l2", alpha=1e-3, n_iter_no_change=3, validation_fraction=0.2),
        dict(class_weight="balanced", penalty="l2"),
        dict(class_weight={0: 2.0, 2: 0.5}, shuffle=False),
        dict(fit_intercept=False, eta0=0.1, tol=None, max_iter=7),
        dict(penalty="elasticnet", alpha=1e-3, l1_ratio=0.5, random_state=1),
        dict(penalty="l1", alpha=1e-3, shuffle=False),
        dict(max_iter=3, random_state=0),
    ],
)
@pytest.mark.parametrize("dataset", ["iris_scaled", "digits"])
def test_sparse_fits_with_options_equal_scikit_learn(dataset, params, request):
    X, y = request.getfixturevalue(dataset)
    X = sp.csr_matrix(X)
    ref, ours = _fit_pair(X, y, **params)
    assert_same(ref, ours, X)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sparse_binary_weighted_and_string_labels(digits, dtype):
    X, y = digits
    X = sp.csr_matrix(X[y < 2].astype(dtype))
    y = np.array(["zero", "one"])[y[y < 2]]
    sw = np.linspace(0.5, 2.0, len(y))
    ref, ours = _fit_pair(X, y, sample_weight=sw, penalty="elasticnet", random_state=1)
    assert_same(ref, ours, X)
    assert ours.decision_function(X).shape == (len(y),)


def test_sparse_partial_fit_and_warm_start_equal_scikit_learn(digits):
    X, y = digits
    X = sp.csr_matrix(X)
    ref, ours = _pair(random_state=0, penalty="l2")
    for start in range(0, len(y), 600):
        rows = slice(start, start + 600)
        ref.partial_fit(X[rows], y[rows], classes=np.arange(10), sample_weight=np.full(len(y[rows]), 0.5))
        ours.partial_fit(X[rows], y[rows], classes=np.arange(10), sample_weight=np.full(len(y[rows]), 0.5))
        assert_same(ref, ours, X)
    ref, ours = _pair(warm_start=True, max_iter=3, tol=None, random_state=4)
    for _ in range(2):
        ref.fit(X, y)
        ours.fit(X, y)
        assert_same(ref, ours, X)


def test_dense_then_sparse_and_back(digits):
    """A model fitted on dense rows continues on sparse ones (and the other way round) as
    scikit-learn's does: each call takes the path of its own X."""
    X, y = digits
    ref, ours = _pair(random_state=0)
    for rows in (X, sp.csr_matrix(X), X):
        ref.partial_fit(rows, y, classes=np.arange(10))
        ours.partial_fit(rows, y, classes=np.arange(10))
        assert_same(ref, ours, rows)


def test_stored_order_explicit_zeros_and_other_formats(digits):
    """Entries are visited as stored (unsorted columns, explicit zeros: the order of a sum
    changes its last bits, and scikit-learn keeps it); CSC and COO are converted to CSR as
    scikit-learn converts them; integer values become float64."""
    X, y = digits
    csr = sp.csr_matrix(X)
    rng = np.random.RandomState(0)
    indices, data = csr.indices.copy(), csr.data.copy()
    for i in range(csr.shape[0]):
        start, stop = csr.indptr[i], csr.indptr[i + 1]
        order = start + rng.permutation(stop - start)
        indices[start:stop], data[start:stop] = indices[order], data[order]
    data[rng.rand(len(data)) < 0.05] = 0.0
    unsorted = sp.csr_matrix((data, indices, csr.indptr), shape=csr.shape)
    assert not unsorted.has_sorted_indices
    for X_variant in (unsorted, sp.csc_matrix(X), sp.coo_matrix(X), sp.csr_matrix(X * 16).astype(np.int64)):
        ref, ours = _fit_pair(X_variant, y, random_state=2, penalty="l1", alpha=1e-4)
        assert_same(ref, ours, sp.csr_matrix(X_variant))
    assert unsorted.nnz == csr.nnz, "the input was not modified"


def test_prediction_of_sparse_rows_by_a_dense_fit_and_large_indices(digits):
    X, y = digits
    ref, ours = _fit_pair(X, y, random_state=0)
    csr = sp.csr_matrix(X)
    assert_array_equal(ours.predict(csr), ref.predict(csr))
    assert_array_equal(ours.predict(csr), ours.predict(X))
    # scikit-learn predicts with 64-bit indices but trains with 32-bit ones only.
    large = csr.copy()
    large.indices, large.indptr = large.indices.astype(np.int64), large.indptr.astype(np.int64)
    assert_array_equal(ours.predict(large), ref.predict(large))
    with pytest.raises(ValueError, match="32-bit integer indices") as ours_error:
        neurona.Perceptron().fit(large, y)
    with pytest.raises(ValueError) as ref_error:
        sk_linear.Perceptron().fit(large, y)
    assert str(ours_error.value) == str(ref_error.value)


def test_sparse_errors_are_scikit_learns(digits):
    X, y = digits
    csr = sp.csr_matrix(X)
    ours = neurona.Perceptron().fit(csr, y)
    with pytest.raises(ValueError, match="X has 63 features, but Perceptron is expecting 64"):
        ours.predict(csr[:, :63])
    bad = csr.copy()
    bad.data[3] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        neurona.Perceptron().fit(bad, y)


# ---------------------------------------------------------------------- a TF-IDF text pipeline


def _corpus(n_docs, seed):
    """Short documents on four topics (sport, finance, cooking, space), words drawn from each
    topic's vocabulary and a shared one; built here, so the test needs no download."""
    topics = [
        "match goal team coach league season player score win referee stadium",
        "market stock bank interest rate bond investor profit shares inflation trade",
        "recipe oven flour sugar butter bake dinner sauce garlic pepper salad",
        "orbit rocket planet moon launch telescope astronaut star galaxy mission",
    ]
    shared = "the a of and to in is on for with today new report big small".split()
    rng = np.random.RandomState(seed)
    docs, labels = [], []
    for _ in range(n_docs):
        topic = rng.randint(len(topics))
        words = topics[topic].split()
        n_words = rng.randint(4, 16)
        picks = [rng.choice(words) if rng.rand() < 0.6 else rng.choice(shared) for _ in range(n_words)]
        # A tenth of the documents borrow a word of another topic.
        if rng.rand() < 0.1:
            picks.append(rng.choice(topics[(topic + 1) % len(topics)].split()))
        docs.append(" ".join(picks))
        labels.append(["sport", "finance", "cooking", "space"][topic])
    return docs, np.array(labels)


@pytest.mark.parametrize(
    "params",
    [
        dict(random_state=0),
        dict(random_state=1, penalty="l2", alpha=1e-4),
        dict(random_state=2, penalty="elasticnet", alpha=1e-5, early_stopping=True),
        dict(random_state=3, class_weight="balanced", penalty="l1", alpha=1e-5),
    ],
)
def test_tfidf_pipeline_equals_scikit_learn(params):
    docs, labels = _corpus(400, seed=7)
    ref = make_pipeline(TfidfVectorizer(), sk_linear.Perceptron(**params))
    ours = make_pipeline(TfidfVectorizer(), neurona.Perceptron(**params))
    _fit(ref, docs, labels)
    _fit(ours, docs, labels)
    X = ours[0].transform(docs)
    assert sp.issparse(X) and X.nnz < 0.2 * X.shape[0] * X.shape[1]
    assert_same(ref[-1], ours[-1], X)
    new_docs, new_labels = _corpus(100, seed=8)
    assert_array_equal(ours.predict(new_docs), ref.predict(new_docs))
    assert ours.score(new_docs, new_labels) == ref.score(new_docs, new_labels)
    assert ours.score(new_docs, new_labels) > 0.8


def test_tfidf_pipeline_binary_and_cross_validation():
    docs, labels = _corpus(300, seed=3)
    binary = np.where(labels == "space", "space", "other")
    ref = make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), sk_linear.Perceptron(random_state=0))
    ours = make_pipeline(TfidfVectorizer(ngram_range=(1, 2)), neurona.Perceptron(random_state=0))
    ref.fit(docs, binary)
    ours.fit(docs, binary)
    assert_same(ref[-1], ours[-1], ours[0].transform(docs))
    assert ours[-1].intercept_[0] != 0.0
    assert_array_equal(cross_val_score(ours, docs, labels, cv=3), cross_val_score(ref, docs, labels, cv=3))


# ---------------------------------------------------------------------- sparsify and densify


def test_sparsify_and_densify_as_scikit_learn(digits, tmp_path):
    X, y = digits
    ref, ours = _pair(penalty="l1", alpha=1e-3, random_state=0)
    for estimator in (ref, ours):
        with pytest.raises(NotFittedError, match="must be fitted before sparsifying"):
            clone(estimator).sparsify()
        with pytest.raises(NotFittedError, match="must be fitted before densifying"):
            clone(estimator).densify()
        estimator.fit(X, y)
    dense_coef = ours.coef_.copy()
    assert ours.sparsify() is ours and ref.sparsify() is ref
    assert type(ours.coef_) is type(ref.coef_)
    assert ours.coef_.format == "csr"
    assert_array_equal(ours.coef_.toarray(), ref.coef_.toarray())
    assert_array_equal(ours.predict(X), ref.predict(X))
    assert_array_equal(ours.decision_function(sp.csr_matrix(X)), ref.decision_function(sp.csr_matrix(X)))
    # Kept sparse through pickling, cloning's deep copy and the model file.
    assert sp.issparse(pickle.loads(pickle.dumps(ours)).coef_)
    ours.save(tmp_path / "model.neurona")
    loaded = neurona.load(tmp_path / "model.neurona")
    assert sp.issparse(loaded.coef_)
    assert_array_equal(loaded.predict(X), ref.predict(X))
    assert ours.densify() is ours and ref.densify() is ref
    assert isinstance(ours.coef_, np.ndarray)
    assert_array_equal(ours.coef_, dense_coef)
    assert_array_equal(ours.densify().coef_, dense_coef)


def test_a_sparsified_model_refits_and_warm_starts(digits):
    X, y = digits
    ref, ours = _pair(random_state=0, max_iter=3, tol=None)
    ref.fit(X, y).sparsify().fit(X, y)
    ours.fit(X, y).sparsify().fit(X, y)
    assert_same(ref, ours, X)
    # scikit-learn cannot warm-start from a sparse coef_; neurona densifies it first.
    warm = neurona.Perceptron(random_state=0, max_iter=3, tol=None, warm_start=True).fit(X, y)
    expected = clone(warm).fit(X, y).set_params(warm_start=True).fit(X, y)
    warm.sparsify().fit(X, y)
    assert_array_equal(warm.coef_, expected.coef_)
    # Nor partial_fit; neurona continues from the same weights as from the dense coef_.
    dense, sparsified = clone(warm).fit(X, y), clone(warm).fit(X, y).sparsify()
    dense.partial_fit(X, y)
    sparsified.partial_fit(X, y)
    assert_array_equal(sparsified.coef_, dense.coef_)


def test_tags_say_sparse():
    assert neurona.Perceptron().__sklearn_tags__().input_tags.sparse
    assert sk_linear.Perceptron().__sklearn_tags__().input_tags.sparse


# ---------------------------------------------------------------------- the networks densify


def test_networks_densify_sparse_input_that_fits(digits):
    X, y = digits
    csr = sp.csr_matrix(X[:300])
    for make in (
        lambda: neurona.MLPClassifier(hidden_layer_sizes=(8,), max_iter=5, random_state=0),
        lambda: neurona.MLPRegressor(hidden_layer_sizes=(8,), max_iter=5, random_state=0),
    ):
        a, b = _fit(make(), csr, y[:300]), _fit(make(), X[:300], y[:300])
        assert_array_equal(a.predict(csr), b.predict(X[:300]))
    a = neurona.BernoulliRBM(n_components=4, n_iter=2, random_state=0).fit(csr)
    b = neurona.BernoulliRBM(n_components=4, n_iter=2, random_state=0).fit(X[:300])
    assert_array_equal(a.transform(csr), b.transform(X[:300]))


@pytest.mark.parametrize("make", [neurona.MLPClassifier, neurona.MLPRegressor, neurona.BernoulliRBM])
def test_networks_refuse_sparse_input_beyond_memory(make):
    """A million documents over a hundred million terms: 800 TB dense, more than any machine
    can address. A clear MemoryError before anything is allocated, never a crash or swap."""
    huge = sp.csr_matrix((1_000_000, 100_000_000))
    y = np.arange(1_000_000) % 2
    estimator = make()
    with pytest.raises(MemoryError, match=r"the dense form of the sparse X of shape \(1000000, 100000000\)") as info:
        if make is neurona.BernoulliRBM:
            estimator.fit(huge)
        else:
            estimator.fit(huge, y)
    assert "bytes, more than can be reserved" in str(info.value)
    assert "TruncatedSVD" in str(info.value)


def test_every_densification_is_checked():
    """Fits and predictions densify through one helper, which runs the check first."""
    from neurona import _base

    with pytest.raises(MemoryError, match=r"sparse X of shape \(1000000, 100000000\)"):
        _base.dense(sp.csr_matrix((1_000_000, 100_000_000)), np.float32)
    assert_array_equal(_base.dense(sp.csr_matrix(np.eye(3)), np.float64), np.eye(3))
