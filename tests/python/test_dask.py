"""``neurona.dask``: data-parallel L-BFGS on a ``LocalCluster`` of two worker processes with one
thread each, started once for the module. One chunk gives the in-memory model's bytes; a given
chunking gives the same bytes on one and two workers; other chunkings stay within rounding of
the in-memory fit; a worker killed during a fit is recomputed; bad input is a clear error.
Every test is bounded in time (``signal.alarm``)."""

import os
import signal
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("dask")
pytest.importorskip("distributed")

import dask  # noqa: E402
import dask.array as da  # noqa: E402
import dask.dataframe as dd  # noqa: E402
import pandas as pd  # noqa: E402
from distributed import Client, LocalCluster, get_task_stream  # noqa: E402
from sklearn.datasets import load_digits, load_iris  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import neurona  # noqa: E402
import neurona.dask as ndask  # noqa: E402
from neurona.dask import DaskMLPClassifier, DaskMLPRegressor  # noqa: E402

#: Seconds any one test may take before it fails (a hang is a failure, never a stuck run).
TEST_SECONDS = 60


@pytest.fixture(scope="module")
def client():
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    with Client(cluster) as client:
        yield client
    cluster.close()


@pytest.fixture(autouse=True)
def bounded():
    def expire(signum, frame):
        raise TimeoutError(f"the test took more than {TEST_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(TEST_SECONDS)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return X[:600] / 16.0, y[:600]


PARAMS = dict(solver="lbfgs", hidden_layer_sizes=(10,), random_state=0, max_iter=40)

# Most fits here stop at max_iter, short enough for the whole file to take seconds.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def chunked(array, rows):
    return da.from_array(array, chunks=(rows, *array.shape[1:]))


def flat(model):
    return np.concatenate([w.ravel() for w in (*model.coefs_, *model.intercepts_)])


def model_file(model, tmp_path, name):
    path = tmp_path / name
    model.save(path)
    return path.read_bytes()


def test_importing_neurona_does_not_import_dask():
    code = "import sys, neurona; assert 'dask' not in sys.modules and 'distributed' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=TEST_SECONDS)


def test_one_chunk_gives_the_in_memory_model_file(client, iris, tmp_path):
    X, y = iris
    local = neurona.MLPClassifier(**PARAMS).fit(X, y)
    dask_clf = DaskMLPClassifier(**PARAMS).fit(chunked(X, len(X)), chunked(y, len(y)))
    assert flat(dask_clf).tobytes() == flat(local).tobytes()
    assert (dask_clf.n_iter_, dask_clf.loss_) == (local.n_iter_, local.loss_)
    assert type(dask_clf.to_local()) is neurona.MLPClassifier
    assert model_file(dask_clf.to_local(), tmp_path, "dask.nrn") == model_file(local, tmp_path, "local.nrn")


@pytest.mark.parametrize("kind", ["binary", "multilabel", "regression", "weighted", "float32", "dataframe"])
def test_one_chunk_is_exact_for_every_kind_of_fit(client, iris, kind):
    X, y = iris
    Estimator, DaskEstimator, sw = neurona.MLPClassifier, DaskMLPClassifier, None
    if kind == "binary":
        y = np.where(y == 2, "virginica", "other")
    elif kind == "multilabel":
        y = np.stack([y == 0, y == 1, (X[:, 0] > 0)], axis=1).astype(np.int64)
    elif kind == "regression":
        Estimator, DaskEstimator = neurona.MLPRegressor, DaskMLPRegressor
        y = np.stack([X[:, 0] * 2 + y, X[:, 1] - y], axis=1)
        X = X[:, 1:]
    elif kind == "weighted":
        sw = 1.0 + np.arange(len(y)) % 4
    elif kind == "float32":
        X = X.astype(np.float32)
    local = Estimator(**PARAMS).fit(X, y, sample_weight=sw)
    if kind == "dataframe":
        frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
        dX, dy = dd.from_pandas(frame, npartitions=1), dd.from_pandas(pd.Series(y), npartitions=1)
    else:
        dX, dy = chunked(X, len(X)), chunked(y, len(y))
    dsw = None if sw is None else chunked(sw, len(sw))
    fitted = DaskEstimator(**PARAMS).fit(dX, dy, sample_weight=dsw)
    assert flat(fitted).tobytes() == flat(local).tobytes()
    assert flat(fitted).dtype == flat(local).dtype
    if kind == "dataframe":
        assert list(fitted.feature_names_in_) == ["a", "b", "c", "d"]
        assert list(fitted.to_local().feature_names_in_) == ["a", "b", "c", "d"]


def test_four_chunks_give_the_same_bytes_on_one_and_two_workers_twice(client, digits):
    X, y = digits
    dX, dy = chunked(X, 150), chunked(y, 150)
    params = {**PARAMS, "max_iter": 30}
    one_worker = list(client.scheduler_info()["workers"])[:1]
    runs, workers = [], []
    for _ in range(2):
        with get_task_stream(client) as both:
            runs.append(flat(DaskMLPClassifier(**params).fit(dX, dy)))
        with get_task_stream(client) as one, dask.annotate(workers=one_worker, allow_other_workers=False):
            runs.append(flat(DaskMLPClassifier(**params).fit(dX, dy)))
        workers.append(({t["worker"] for t in both.data}, {t["worker"] for t in one.data}))
    assert all(run.tobytes() == runs[0].tobytes() for run in runs)
    assert all(len(on_both) == 2 and on_one == set(one_worker) for on_both, on_one in workers), workers


def test_four_chunks_stay_within_rounding_of_the_in_memory_fit(client, digits):
    X, y = digits
    dX, dy = chunked(X, 150), chunked(y, 150)
    local = neurona.MLPClassifier(**{**PARAMS, "max_iter": 10}).fit(X, y)
    fitted = DaskMLPClassifier(**{**PARAMS, "max_iter": 10}).fit(dX, dy)
    assert np.max(np.abs(flat(fitted) - flat(local))) < 1e-10



def test_four_chunks_reach_the_in_memory_accuracy_after_a_full_fit(client, iris):
    # Regularised enough for one minimum, which both fits reach (converged).
    X, y = iris
    params = {**PARAMS, "max_iter": 1000, "hidden_layer_sizes": (5,), "alpha": 1.0, "tol": 1e-8}
    train, test = np.arange(150) % 5 != 0, np.arange(150) % 5 == 0
    local = neurona.MLPClassifier(**params).fit(X[train], y[train])
    fitted = DaskMLPClassifier(**params).fit(chunked(X[train], 30), chunked(y[train], 30))
    assert fitted.n_iter_ < 1000 and local.n_iter_ < 1000
    assert fitted.score(chunked(X[test], 10), chunked(y[test], 10)) == local.score(X[test], y[test])


def test_predictions_are_lazy_block_by_block_and_equal_the_local_model(client, iris):
    X, y = iris
    dX, dy = chunked(X, 40), chunked(y, 40)
    fitted = DaskMLPClassifier(**PARAMS).fit(dX, dy)
    local = fitted.to_local()
    labels, proba = fitted.predict(dX), fitted.predict_proba(dX)
    assert isinstance(labels, da.Array) and isinstance(proba, da.Array)
    assert labels.chunks[0] == dX.chunks[0] and proba.shape == (150, 3)
    np.testing.assert_array_equal(labels.compute(), local.predict(X))
    np.testing.assert_array_equal(proba.compute(), local.predict_proba(X))
    assert fitted.score(dX, dy) == local.score(X, y)
    sw = 1.0 + np.arange(150) % 3
    assert fitted.score(dX, dy, sample_weight=chunked(sw, 40)) == pytest.approx(local.score(X, y, sample_weight=sw))
    np.testing.assert_array_equal(fitted.predict(X), local.predict(X))

    reg = DaskMLPRegressor(**PARAMS).fit(dX[:, 1:], dX[:, 0])
    local = reg.to_local()
    np.testing.assert_array_equal(reg.predict(dX[:, 1:]).compute(), local.predict(X[:, 1:]))
    assert reg.score(dX[:, 1:], dX[:, 0]) == pytest.approx(local.score(X[:, 1:], X[:, 0]), rel=1e-12)


def test_a_worker_killed_during_a_fit_is_recomputed(client, digits, monkeypatch):
    X, y = digits
    dX, dy = chunked(X, 150), chunked(y, 150)
    params = {**PARAMS, "max_iter": 20}
    undisturbed = flat(DaskMLPClassifier(**params).fit(dX, dy))
    pids = client.run(os.getpid)
    victim = sorted(pids)[-1]
    evaluate, calls = ndask._Chunks.__call__, []

    def killing(self, params):
        calls.append(1)
        if len(calls) == 3:
            os.kill(pids[victim], signal.SIGKILL)
        return evaluate(self, params)

    monkeypatch.setattr(ndask._Chunks, "__call__", killing)
    fitted = flat(DaskMLPClassifier(**params).fit(dX, dy))
    assert len(calls) > 3
    # Each chunk's sums are the same wherever they are computed again.
    assert fitted.tobytes() == undisturbed.tobytes()
    client.wait_for_workers(2, timeout=TEST_SECONDS / 2)


def test_bad_input_is_a_clear_error(client, iris):
    X, y = iris
    dX, dy = chunked(X, 50), chunked(y, 50)
    unknown = dX[dX[:, 0] > -100]
    with pytest.raises(ValueError, match="unknown chunk sizes"):
        DaskMLPClassifier(**PARAMS).fit(unknown, dy)
    with pytest.raises(ValueError, match="chunked alike"):
        DaskMLPClassifier(**PARAMS).fit(dX, chunked(y, 75))
    with pytest.raises(ValueError, match="chunked alike"):
        DaskMLPClassifier(**PARAMS).fit(dX, dy, sample_weight=chunked(np.ones(150), 30))
    frame = pd.DataFrame(X, columns=list("abcd")).assign(name="x")
    with pytest.raises(ValueError, match="non-numeric: name"):
        DaskMLPClassifier(**PARAMS).fit(dd.from_pandas(frame, npartitions=2), dd.from_pandas(pd.Series(y), npartitions=2))
    empty = da.from_array(X, chunks=((75, 0, 75), (4,)))
    with pytest.raises(ValueError, match="empty chunks"):
        DaskMLPClassifier(**PARAMS).fit(empty, da.from_array(y, chunks=((75, 0, 75),)))
    with pytest.raises(ValueError, match="Incremental"):
        DaskMLPClassifier(solver="adam").fit(dX, dy)
    with pytest.raises(ValueError, match="single class"):
        DaskMLPClassifier(**PARAMS).fit(dX, da.zeros(150, chunks=50))
    with pytest.raises(ValueError, match="Unknown label type"):
        DaskMLPClassifier(**PARAMS).fit(dX, chunked(X[:, 0], 50))
    nan_X = X.copy()
    nan_X[100, 2] = np.nan
    with pytest.raises(ValueError, match="NaN|infinit|finite"):
        DaskMLPClassifier(**PARAMS).fit(chunked(nan_X, 50), dy)
    with pytest.raises(ValueError, match="poisson"):
        DaskMLPRegressor(loss="poisson", **PARAMS).fit(dX[:, 1:], dX[:, 0])
    with pytest.raises(ValueError, match="sum to a positive number"):
        DaskMLPClassifier(**PARAMS).fit(dX, dy, sample_weight=da.zeros(150, chunks=50))


# ------------------------------------------------------------------ the Dask ecosystem


@pytest.mark.parametrize("solver", ["sgd", "adam"])
def test_dask_ml_incremental_equals_a_local_partial_fit_loop(client, digits, solver):
    # dask-ml moves the estimator between workers (pickled) after each block: the pickle
    # carries the whole training state, so the blocks continue exactly.
    Incremental = pytest.importorskip("dask_ml.wrappers").Incremental
    X, y = digits
    classes = np.unique(y)
    params = dict(solver=solver, hidden_layer_sizes=(10,), random_state=0)
    incremental = Incremental(neurona.MLPClassifier(**params), shuffle_blocks=False)
    incremental.fit(chunked(X, 150), chunked(y, 150), classes=classes)
    local = neurona.MLPClassifier(**params)
    for start in range(0, len(X), 150):
        local.partial_fit(X[start : start + 150], y[start : start + 150], classes=classes)
    assert flat(incremental.estimator_).tobytes() == flat(local).tobytes()
    assert (incremental.estimator_.n_iter_, incremental.estimator_.t_) == (local.n_iter_, local.t_) == (1, 600)


def test_dask_ml_parallel_post_fit_predicts_block_by_block(client, iris):
    ParallelPostFit = pytest.importorskip("dask_ml.wrappers").ParallelPostFit
    X, y = iris
    model = ParallelPostFit(neurona.MLPClassifier(**PARAMS)).fit(X, y)
    labels = model.predict(chunked(X, 40))
    assert isinstance(labels, da.Array)
    np.testing.assert_array_equal(labels.compute(), model.estimator.predict(X))
    np.testing.assert_array_equal(model.predict_proba(chunked(X, 40)).compute(), model.estimator.predict_proba(X))


def test_grid_search_under_joblibs_dask_backend_gives_the_local_scores(client, iris):
    import joblib
    from sklearn.model_selection import GridSearchCV

    X, y = iris
    grid = {"alpha": [1e-4, 1e-1], "hidden_layer_sizes": [(5,), (10,)]}
    local = GridSearchCV(neurona.MLPClassifier(**PARAMS), grid, cv=3).fit(X, y)
    with joblib.parallel_backend("dask"):
        distributed = GridSearchCV(neurona.MLPClassifier(**PARAMS), grid, cv=3, n_jobs=-1).fit(X, y)
    np.testing.assert_array_equal(distributed.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"])
    assert flat(distributed.best_estimator_).tobytes() == flat(local.best_estimator_).tobytes()


# ------------------------------------------------------------------ out of core, from Parquet


def write_parquet(folder, X, y, rows_per_file):
    """One Parquet file per ``rows_per_file`` rows (each of several row groups)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = [f"x{j}" for j in range(X.shape[1])]
    for start in range(0, len(X), rows_per_file):
        table = pa.table({**{c: X[start : start + rows_per_file, j] for j, c in enumerate(columns)}, "y": y[start : start + rows_per_file]})
        pq.write_table(table, folder / f"part-{start:05d}.parquet", row_group_size=25)
    return columns


def test_partial_fit_over_a_parquet_datasets_record_batches_is_the_in_memory_loop(tmp_path, digits):
    # The recipe for data larger than memory on one machine: one record batch in memory at a
    # time, each a partial_fit.
    import pyarrow.dataset as ds

    X, y = digits
    columns = write_parquet(tmp_path, X, y, rows_per_file=150)
    classes = np.unique(y)
    params = dict(solver="adam", hidden_layer_sizes=(10,), random_state=0)
    streamed, sizes = neurona.MLPClassifier(**params), []
    for batch in ds.dataset(tmp_path, format="parquet").to_batches(batch_size=100):
        frame = batch.to_pandas()
        streamed.partial_fit(frame[columns].to_numpy(), frame["y"].to_numpy(), classes=classes)
        sizes.append(len(frame))
    assert sum(sizes) == len(X) and len(sizes) > 4
    local, start = neurona.MLPClassifier(**params), 0
    for size in sizes:
        local.partial_fit(X[start : start + size], y[start : start + size], classes=classes)
        start += size
    assert flat(streamed).tobytes() == flat(local).tobytes()


def test_lbfgs_over_parquet_files_read_by_dask_is_the_fit_over_the_same_chunks(client, tmp_path, digits):
    X, y = digits
    columns = write_parquet(tmp_path, X, y, rows_per_file=150)
    frame = dd.read_parquet(str(tmp_path))
    assert frame.npartitions == 4
    # Dask may give the one column y fewer partitions than X: y follows X's chunks.
    from_files = DaskMLPClassifier(**PARAMS).fit(frame[columns], frame["y"])
    from_arrays = DaskMLPClassifier(**PARAMS).fit(chunked(X, 150), chunked(y, 150))
    assert flat(from_files).tobytes() == flat(from_arrays).tobytes()


def _unaligned(a):
    """A copy of ``a`` whose data starts one byte past an aligned address, as numpy makes arrays
    over buffers it did not allocate (an array unpickled out of band on a Dask worker)."""
    raw = np.frombuffer(bytearray(a.nbytes + 1), dtype=np.uint8)[1:]
    out = raw.view(a.dtype).reshape(a.shape)
    out[...] = a
    assert not out.flags.aligned
    return out


def test_a_chunk_whose_arrays_are_not_aligned_gives_the_aligned_sums(iris):
    # Reading unaligned data through Rust references is undefined behaviour (and a panic in a
    # debug build): the binding copies such an array first.
    X, y = iris
    Y = np.eye(3)[y]
    spec = ([X.shape[1], 5, 3], "relu", "softmax")
    params = np.random.RandomState(0).uniform(-0.5, 0.5, 4 * 5 + 5 + 5 * 3 + 3)
    weights = np.linspace(0.5, 1.5, len(y))
    aligned = ndask._chunk_sums(spec, params, X, Y, weights, 1)
    unaligned = ndask._chunk_sums(spec, _unaligned(params), _unaligned(X), _unaligned(Y), _unaligned(weights), 1)
    assert aligned[0] == unaligned[0] and aligned[2] == unaligned[2]
    np.testing.assert_array_equal(aligned[1], unaligned[1])
