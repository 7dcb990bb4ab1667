"""
neurona's speed against scikit-learn's
======================================

The same ``MLPClassifier`` fits, with the same parameters and ``random_state``, in neurona and
in scikit-learn, timed on this machine: the default network on the digits with Adam and with
L-BFGS, and predictions of one row and of every row. For the same seed both give the same
model, so the predictions agree; only the time differs. Both run on one thread
(threadpoolctl's ``threadpool_limits(1)`` caps scikit-learn's BLAS and neurona alike), which
keeps the timings steady on a shared machine. ``scripts/bench`` and BENCHMARKS.md hold the
project's measured tables (a large network, memory, threads).
"""

import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
import sklearn.neural_network
from sklearn.datasets import load_digits
from threadpoolctl import threadpool_limits

import neurona

X, y = load_digits(return_X_y=True)
X = X / 16
one_thread = threadpool_limits(limits=1)


def best_time(function, repeat):
    """The fastest of ``repeat`` runs, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


# One small fit of each first, so that no library's one-time set-up is timed.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    for cls in (neurona.MLPClassifier, sklearn.neural_network.MLPClassifier):
        cls(max_iter=1, random_state=0).fit(X, y)

rows = []
for solver, max_iter in [("adam", 50), ("lbfgs", 50)]:
    params = dict(hidden_layer_sizes=(100,), solver=solver, max_iter=max_iter, random_state=0)
    fitted = {}
    for library, cls in [("neurona", neurona.MLPClassifier), ("scikit-learn", sklearn.neural_network.MLPClassifier)]:
        def fit(cls=cls, library=library):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fitted[library] = cls(**params).fit(X, y)
        rows.append((f"fit, {solver} ({max_iter} iterations)", library, best_time(fit, 2)))
    agree = np.mean(fitted["neurona"].predict(X) == fitted["scikit-learn"].predict(X))
    print(f"{solver}: the two models agree on {agree:.1%} of the predictions")

for what, data, repeat in [("predict, one row", X[:1], 200), ("predict, 1797 rows", X, 20)]:
    for library, model in fitted.items():
        rows.append((what, library, best_time(lambda: model.predict(data), repeat)))

cases = list(dict.fromkeys(case for case, _, _ in rows))
fig, ax = plt.subplots(figsize=(8, 4))
for k, library in enumerate(["neurona", "scikit-learn"]):
    seconds = [next(s for c, lib, s in rows if c == case and lib == library) for case in cases]
    ax.barh(np.arange(len(cases)) + 0.2 - 0.4 * k, seconds, height=0.4, label=library)
for i, case in enumerate(cases):
    ours, theirs = (next(s for c, lib, s in rows if c == case and lib == name) for name in ("neurona", "scikit-learn"))
    print(f"{case:>32}: neurona {ours * 1e3:9.3f} ms, scikit-learn {theirs * 1e3:9.3f} ms ({theirs / ours:.1f}x)")
    ax.text(max(ours, theirs) * 1.1, i, f"{theirs / ours:.1f}x faster", va="center", fontsize=8)
one_thread.restore_original_limits()
ax.set_xscale("log")
ax.set_xlim(right=ax.get_xlim()[1] * 20)
ax.set_yticks(range(len(cases)), cases)
ax.set_xlabel("seconds (best of several runs; log scale)")
ax.set_title("Digits, MLPClassifier(hidden_layer_sizes=(100,)), same random_state")
ax.legend(loc="upper right", fontsize=8)
fig.tight_layout()
plt.show()
