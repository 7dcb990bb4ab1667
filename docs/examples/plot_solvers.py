"""
The solvers compared: loss against time
=======================================

neurona's three solvers on the same network and data: ``sgd`` (with Nesterov's momentum, the
default momentum 0.9), ``adam`` and the full-batch quasi-Newton ``lbfgs``. We fit each with a
growing iteration budget and plot the training loss each reaches against the seconds it took.
On a small data set like the digits, L-BFGS usually gets lowest fastest; the stochastic solvers
scale to data sets too large for full-batch steps, and train epoch by epoch (``partial_fit``).
"""

import time
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits

from neurona import MLPClassifier

X, y = load_digits(return_X_y=True)
X = X / 16
budgets = [2, 5, 10, 20, 40, 80]

fig, ax = plt.subplots(figsize=(7, 4.5))
for solver, rate in [("sgd", 0.1), ("adam", 0.001), ("lbfgs", None)]:
    seconds, losses = [], []
    for max_iter in budgets:
        extra = {} if rate is None else {"learning_rate_init": rate}
        clf = MLPClassifier(hidden_layer_sizes=(64,), solver=solver, max_iter=max_iter, random_state=0, **extra)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # small budgets do not converge
            clf.fit(X, y)
        seconds.append(time.perf_counter() - start)
        losses.append(clf.loss_)
    ax.loglog(seconds, losses, "o-", label=solver)
    print(solver, " ".join(f"{s:.3f}s:{l:.4f}" for s, l in zip(seconds, losses)))
ax.set_xlabel("seconds to fit")
ax.set_ylabel("training loss (log loss + L2)")
ax.set_title(f"Digits, one hidden layer of 64: budgets of {budgets} iterations")
ax.legend()
plt.show()
