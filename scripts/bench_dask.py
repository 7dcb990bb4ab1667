"""neurona.dask against in-memory neurona and scikit-learn: an L-BFGS fit of a 784-256-128-10
network on 60,000 rows of MNIST's shape, with 1 and 2 Dask workers (a LocalCluster of
processes, one thread each), and the cost of one evaluation's round (the parameters broadcast,
the gradient sums gathered) measured apart, from which the arithmetic for more workers follows.

A measurement, not a test. The rows are random (a fixed seed): the time of an evaluation does
not depend on the values, and the fits run a fixed number of iterations.

    python scripts/bench_dask.py [--rows 60000] [--iterations 20] [--workers 1,2] [--quick]
"""

import argparse
import json
import time

import numpy as np


def data(rows, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((rows, 784), dtype=np.float32)
    y = rng.integers(0, 10, rows)
    return X, y


def timed(fit):
    start = time.perf_counter()
    model = fit()
    return time.perf_counter() - start, model


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=60000)
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--workers", default="1,2")
    parser.add_argument("--hidden", default="256,128")
    parser.add_argument("--quick", action="store_true", help="6,000 rows, 5 iterations, a 64-32 network")
    args = parser.parse_args()
    if args.quick:
        args.rows, args.iterations, args.hidden = 6000, 5, "64,32"
    hidden = tuple(int(h) for h in args.hidden.split(","))

    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier as SklearnMLP

    import neurona

    warnings.simplefilter("ignore", ConvergenceWarning)
    X, y = data(args.rows)
    params = dict(solver="lbfgs", hidden_layer_sizes=hidden, max_iter=args.iterations, random_state=0)
    results = {"rows": args.rows, "hidden": hidden, "iterations": args.iterations}
    seconds, local = timed(lambda: neurona.MLPClassifier(**params).fit(X, y))
    results["neurona_in_memory_s"] = seconds
    seconds, _ = timed(lambda: SklearnMLP(**params).fit(X, y))
    results["sklearn_s"] = seconds

    import dask.array as da
    from distributed import Client, LocalCluster

    import neurona.dask as ndask

    n_params = sum(w.size for w in (*local.coefs_, *local.intercepts_))
    for n_workers in (int(w) for w in args.workers.split(",")):
        with LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            with Client(cluster):
                dX = da.from_array(X, chunks=(-(-args.rows // n_workers), 784))
                dy = da.from_array(y, chunks=(dX.chunks[0],))
                rounds = []
                evaluate = ndask._Chunks.__call__

                def counted(self, p, evaluate=evaluate, rounds=rounds):
                    start = time.perf_counter()
                    out = evaluate(self, p)
                    rounds.append(time.perf_counter() - start)
                    return out

                ndask._Chunks.__call__ = counted
                try:
                    seconds, fitted = timed(lambda: ndask.DaskMLPClassifier(**params).fit(dX, dy))
                finally:
                    ndask._Chunks.__call__ = evaluate
                # One round with chunks of one row: the broadcast and the gather alone.
                tiny = ndask._Chunks(
                    da.from_array(X[: n_workers], chunks=(1, 784)),
                    da.from_array(np.eye(10, dtype=np.float32)[y[:n_workers]], chunks=(1, 10)),
                    None,
                    ([784, *hidden, 10], "relu", "softmax"),
                    None,
                )
                flat = np.concatenate([w.ravel() for w in (*fitted.coefs_, *fitted.intercepts_)])
                tiny(flat)
                overheads = []
                for _ in range(5):
                    start = time.perf_counter()
                    tiny(flat)
                    overheads.append(time.perf_counter() - start)
                results[f"dask_{n_workers}_workers"] = {
                    "fit_s": seconds,
                    "evaluations": len(rounds),
                    "mean_evaluation_s": float(np.mean(rounds)),
                    "round_overhead_s": float(np.median(overheads)),
                    "max_abs_diff_to_in_memory": float(
                        np.max(np.abs(flat - np.concatenate([w.ravel() for w in (*local.coefs_, *local.intercepts_)])))
                    ),
                }
    results["n_params"] = int(n_params)
    # Arithmetic for k workers: the compute of an evaluation divides by k, the round overhead
    # (one broadcast, k gradient sums gathered and added) grows about linearly with k.
    one = results.get("dask_1_workers")
    if one is not None:
        compute = one["mean_evaluation_s"] - one["round_overhead_s"]
        results["projected_evaluation_s"] = {
            k: compute / k + one["round_overhead_s"] * (1 + (k - 1) / 2) for k in (4, 16)
        }
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
